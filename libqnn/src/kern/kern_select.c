// SPDX-License-Identifier: MIT
/*
 * Run-time choice of a kernel table from CPUID (x86-64) or HWCAP (aarch64).
 * CPUID is read directly rather than through __builtin_cpu_supports so that
 * gcc and clang builds agree and the OS's XSAVE state (XCR0) is checked.
 */
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "kern_isa.h"

#if defined(__x86_64__)
#include <cpuid.h>

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static int cpu_has_avx2(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	/* OSXSAVE, AVX, POPCNT */
	if (!(c & (1u << 27)) || !(c & (1u << 28)) || !(c & (1u << 23)))
		return 0;
	/* the OS saves XMM and YMM state */
	if ((xgetbv0() & 0x6) != 0x6)
		return 0;
	if (__get_cpuid_max(0, NULL) < 7)
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	return !!(b & (1u << 5));		/* AVX2 */
}

/* AVX-512 F + VL + BW with OS support; *vpopcnt set if VPOPCNTDQ too */
static int cpu_has_avx512bw(int *vpopcnt)
{
	unsigned int a, b, c, d;

	*vpopcnt = 0;
	if (!cpu_has_avx2())
		return 0;
	/* the OS saves opmask, ZMM0-15 upper halves and ZMM16-31 */
	if ((xgetbv0() & 0xe6) != 0xe6)
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	*vpopcnt = !!(c & (1u << 14));		/* AVX512_VPOPCNTDQ */
	return (b & (1u << 16)) &&		/* AVX512F */
	       (b & (1u << 31)) &&		/* AVX512VL */
	       (b & (1u << 30));		/* AVX512BW */
}

static int cpu_has_avx512(void)
{
	int vpopcnt;

	return cpu_has_avx512bw(&vpopcnt) && vpopcnt;
}
#endif

#if defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif

static int cpu_has_neon(void)
{
	return !!(getauxval(AT_HWCAP) & HWCAP_ASIMD);
}
#endif

static const char *const names[] = {
#if defined(__x86_64__)
	"avx512", "avx512bw", "avx2",
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

static const struct qnn_kern *by_name(const char *name)
{
	if (!strcmp(name, "scalar"))
		return qnn_kern_scalar();
#if defined(__x86_64__)
	if (!strcmp(name, "avx512"))
		return cpu_has_avx512() ? qnn_kern_avx512() : NULL;
	if (!strcmp(name, "avx512bw")) {
		int vpopcnt;

		return cpu_has_avx512bw(&vpopcnt) ? qnn_kern_avx512bw() : NULL;
	}
	if (!strcmp(name, "avx2"))
		return cpu_has_avx2() ? qnn_kern_avx2() : NULL;
#endif
#if defined(__aarch64__)
	if (!strcmp(name, "neon"))
		return cpu_has_neon() ? qnn_kern_neon() : NULL;
#endif
	return NULL;
}

const struct qnn_kern *qnn_kern_select(const char *name)
{
	if (!name) {
		name = getenv("QNN_KERNELS");
		if (!name || !*name)
			name = "auto";
	}
	if (strcmp(name, "auto"))
		return by_name(name);
	/* names[] is ordered best first */
	for (size_t i = 0; names[i]; i++) {
		const struct qnn_kern *k = by_name(names[i]);

		if (k)
			return k;
	}
	return qnn_kern_scalar();
}
