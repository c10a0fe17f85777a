/* SPDX-License-Identifier: MIT */
/* TAP output, a seeded PRNG and model-building shortcuts for libqnn's tests. */
#ifndef QNN_TEST_H
#define QNN_TEST_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qnn.h"
#include "qnn_model_writer.h"

static int t_n, t_failed;

__attribute__((format(printf, 2, 3)))
static inline int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++t_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		t_failed++;
	return cond;
}

static inline int done_testing(void)
{
	printf("1..%d\n", t_n);
	return t_failed ? 1 : 0;
}

static inline uint64_t rnd(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline int rndi(uint64_t *s, int lo, int hi)	/* inclusive */
{
	return lo + (int)(rnd(s) % (uint64_t)(hi - lo + 1));
}

/*
 * CRC-32C bit by bit, written apart from the library's table version: the
 * tests use it to re-seal model files they have edited.
 */
static inline uint32_t crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = ~0u;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
	}
	return ~c;
}

static inline void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (!p) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	return p;
}

/* A random value the encoding can hold. */
static inline int32_t rnd_val(uint64_t *s, enum qnn_encoding enc, unsigned int bits)
{
	int32_t hi = (1 << bits) - 1;

	switch (enc) {
	case QNN_ENC_BIPOLAR:
		return rnd(s) & 1 ? 1 : -1;
	case QNN_ENC_UNSIGNED:
		return rndi(s, 0, hi);
	case QNN_ENC_SIGNED:
		return rndi(s, -(1 << (bits - 1)), (1 << (bits - 1)) - 1);
	case QNN_ENC_BIPOLAR_BRANCHES:
		return 2 * rndi(s, 0, hi) - hi;
	default:
		return 0;
	}
}


/*
 * The test's own packer, written from docs/layout.md (not the library's):
 * word ((p * bits + b) * cw + c / 64), bit c % 64, plane b of the code.
 */
static inline unsigned int t_code(int32_t v, enum qnn_encoding enc, unsigned int bits)
{
	switch (enc) {
	case QNN_ENC_BIPOLAR:
		return v < 0;				/* -1 -> bit 1 */
	case QNN_ENC_BIPOLAR_BRANCHES:
		return (unsigned int)(((1 << bits) - 1 - v) / 2);	/* s_b = 1 - 2 bit_b */
	default:
		return (unsigned int)v & ((1u << bits) - 1);	/* two's complement */
	}
}

static inline int32_t t_value(unsigned int code, enum qnn_encoding enc, unsigned int bits)
{
	int32_t v = 0;

	for (unsigned int b = 0; b < bits; b++) {
		int bit = (code >> b) & 1;

		if (enc == QNN_ENC_BIPOLAR || enc == QNN_ENC_BIPOLAR_BRANCHES)
			v += (1 << b) * (bit ? -1 : 1);
		else if (enc == QNN_ENC_SIGNED && b == bits - 1)
			v -= bit << b;
		else
			v += bit << b;
	}
	return v;
}

static inline void t_pack(const int32_t *v, size_t pixels, uint32_t c,
			  enum qnn_encoding enc, unsigned int bits, uint64_t *out)
{
	uint32_t cw = (c + 63) / 64;

	memset(out, 0, pixels * bits * cw * 8);
	for (size_t p = 0; p < pixels; p++)
		for (uint32_t ch = 0; ch < c; ch++) {
			unsigned int code = t_code(v[p * c + ch], enc, bits);

			for (unsigned int b = 0; b < bits; b++)
				if ((code >> b) & 1)
					out[(p * bits + b) * cw + ch / 64] |= 1ull << (ch % 64);
		}
}

/* codes back; returns -1 if any tail bit is set */
static inline int t_unpack_codes(const uint64_t *in, size_t pixels, uint32_t c,
				 unsigned int bits, unsigned int *codes)
{
	uint32_t cw = (c + 63) / 64;

	for (size_t p = 0; p < pixels; p++) {
		for (unsigned int b = 0; b < bits; b++) {
			uint64_t last = in[(p * bits + b) * cw + cw - 1];

			if (c % 64 && last >> (c % 64))
				return -1;
		}
		for (uint32_t ch = 0; ch < c; ch++) {
			unsigned int code = 0;

			for (unsigned int b = 0; b < bits; b++)
				code |= (unsigned int)((in[(p * bits + b) * cw + ch / 64] >> (ch % 64)) & 1) << b;
			codes[p * c + ch] = code;
		}
	}
	return 0;
}

static inline struct qnn_tensor_desc tdesc(const char *name, enum qnn_dtype dt,
					   enum qnn_encoding enc, unsigned int bits,
					   uint32_t n, uint32_t h, uint32_t w, uint32_t c)
{
	struct qnn_tensor_desc d = {
		.sz = sizeof(d), .name = name, .dtype = dt, .encoding = enc, .bits = bits,
		.dims = { n, h, w, c },
	};
	return d;
}

/* Adds a BITS constant from integer values (NHWC). */
static inline int add_bits_const(struct qnn_writer *w, const char *name, const int32_t *v,
				 enum qnn_encoding enc, unsigned int bits,
				 uint32_t n, uint32_t h, uint32_t wd, uint32_t c)
{
	struct qnn_tensor_desc d = tdesc(name, QNN_DT_BITS, enc, bits, n, h, wd, c);
	size_t sz = qnn_tensor_bytes(&d);
	uint64_t *p = xcalloc(1, sz);
	int id;

	t_pack(v, (size_t)n * h * wd, c, enc, bits, p);
	id = qnn_writer_add_const(w, &d, p, sz);
	free(p);
	return id;
}

static inline int add_const(struct qnn_writer *w, const char *name, enum qnn_dtype dt,
			    uint32_t h, uint32_t wd, uint32_t c, const void *data)
{
	struct qnn_tensor_desc d = tdesc(name, dt, 0, 0, 1, h, wd, c);

	return qnn_writer_add_const(w, &d, data, qnn_tensor_bytes(&d));
}

#endif /* QNN_TEST_H */
