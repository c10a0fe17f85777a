// SPDX-License-Identifier: MIT
/*
 * Run-time choice of a kernel table. The CPU's features come from the one
 * probe (cpu_probe.c); what each table requires is the `needs` it recorded
 * from its own compile flags (isa_features.h). A table is used only when
 * the CPU has every feature it needs beyond the library's baseline, so a
 * VM exposing AVX2 without BMI2 or FMA gets another table, not SIGILL.
 */
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "kern_isa.h"

/* best first: "auto" takes the first one the CPU can run */
static const struct {
	const char *name;
	const struct qnn_kern *(*get)(void);
} sets[] = {
#if defined(__x86_64__)
	{ "avx512vnni", qnn_kern_avx512vnni },
	{ "avx512", qnn_kern_avx512 },
	{ "avx512bw", qnn_kern_avx512bw },
	{ "avx2", qnn_kern_avx2 },
#endif
#if defined(__aarch64__)
	{ "neon", qnn_kern_neon },
#endif
	{ "scalar", qnn_kern_scalar },
};

#define NSETS (sizeof(sets) / sizeof(sets[0]))

static const char *const names[] = {
#if defined(__x86_64__)
	"avx512vnni", "avx512", "avx512bw", "avx2",
#endif
#if defined(__aarch64__)
	"neon",
#endif
	"scalar", NULL,
};

const char *const *qnn_kern_names(void)
{
	return names;
}

static int runs_on(const struct qnn_kern *k, unsigned long long have)
{
	return !(k->needs & ~qnn_cpu_baseline() & ~have);
}

const struct qnn_kern *qnn_kern_select_features(const char *name, unsigned long long have)
{
	int any = !strcmp(name, "auto");

	for (size_t i = 0; i < NSETS; i++) {
		const struct qnn_kern *k;

		if (!any && strcmp(name, sets[i].name))
			continue;
		k = sets[i].get();
		if (runs_on(k, have))
			return k;
		if (!any)
			return NULL;
	}
	/* "auto" on a CPU below the baseline: nothing else could run either */
	return any ? qnn_kern_scalar() : NULL;
}

const struct qnn_kern *qnn_kern_select(const char *name)
{
	if (!name) {
		name = getenv("QNN_KERNELS");
		if (!name || !*name)
			name = "auto";
	}
	return qnn_kern_select_features(name, qnn_cpu_features());
}
