/* SPDX-License-Identifier: MIT */
/* Tiny TAP helpers and a seeded PRNG shared by the kernel tests. */
#ifndef QNN_KERN_TAP_H
#define QNN_KERN_TAP_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct tap {
	int n, failed;
};

static inline void tap_ok(struct tap *t, int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++t->n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		t->failed++;
}

static inline void tap_skip(struct tap *t, const char *fmt, ...)
{
	va_list ap;

	printf("ok %d # SKIP ", ++t->n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* xorshift64*: reproducible, seeded from QNN_TEST_SEED if set */
static inline uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static inline size_t rnd_range(uint64_t *s, size_t lo, size_t hi)
{
	return lo + (size_t)(rnd(s) % (hi - lo + 1));
}

static inline uint64_t test_seed(void)
{
	const char *e = getenv("QNN_TEST_SEED");
	uint64_t s = e ? strtoull(e, NULL, 0) : 0x9E3779B97F4A7C15ULL;

	return s ? s : 1;
}

static inline void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (!p) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	return p;
}

#endif /* QNN_KERN_TAP_H */
