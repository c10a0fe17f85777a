// SPDX-License-Identifier: MIT
/*
 * The one CPU probe: what the CPU (and OS) offer, as QNN_CPU_* bits. Kernel
 * selection (kern_select.c) and qnn_cpu_info() both use it. The decoding
 * of CPUID/XCR0 is a pure function of the register values so tests can feed
 * it synthetic CPUs (AVX2 without BMI2, AVX-512 without OS ZMM state, ...).
 */
#include "kern.h"
#include "isa_features.h"

#define BIT(r, n) (((r) >> (n)) & 1u)

unsigned long long qnn_cpu_features_x86(const struct qnn_cpuid *r)
{
	unsigned long long f = 0;
	int avx_os, avx512_os;

	if (r->max_leaf < 1)
		return 0;
	f |= BIT(r->l1_ecx, 0) ? QNN_CPU_SSE3 : 0;
	f |= BIT(r->l1_ecx, 9) ? QNN_CPU_SSSE3 : 0;
	f |= BIT(r->l1_ecx, 19) ? QNN_CPU_SSE41 : 0;
	f |= BIT(r->l1_ecx, 20) ? QNN_CPU_SSE42 : 0;
	f |= BIT(r->l1_ecx, 23) ? QNN_CPU_POPCNT : 0;
	f |= BIT(r->l1_ecx, 26) ? QNN_CPU_XSAVE : 0;
	/* OSXSAVE, and the OS saves XMM and YMM state */
	avx_os = BIT(r->l1_ecx, 27) && (r->xcr0 & 0x6) == 0x6;
	/* ... and opmask, ZMM0-15 upper halves, ZMM16-31 */
	avx512_os = avx_os && (r->xcr0 & 0xe0) == 0xe0;
	if (avx_os) {
		f |= BIT(r->l1_ecx, 28) ? QNN_CPU_AVX : 0;
		f |= BIT(r->l1_ecx, 12) ? QNN_CPU_FMA : 0;
		f |= BIT(r->l1_ecx, 29) ? QNN_CPU_F16C : 0;
	}
	if (r->max_leaf < 7)
		return f;
	f |= BIT(r->l7_ebx, 8) ? QNN_CPU_BMI2 : 0;
	if (avx_os)
		f |= BIT(r->l7_ebx, 5) ? QNN_CPU_AVX2 : 0;
	if (avx512_os) {
		f |= BIT(r->l7_ebx, 16) ? QNN_CPU_AVX512F : 0;
		f |= BIT(r->l7_ebx, 30) ? QNN_CPU_AVX512BW : 0;
		f |= BIT(r->l7_ebx, 31) ? QNN_CPU_AVX512VL : 0;
		f |= BIT(r->l7_ecx, 14) ? QNN_CPU_AVX512VPOPCNTDQ : 0;
		f |= BIT(r->l7_ecx, 12) ? QNN_CPU_AVX512BITALG : 0;
		f |= BIT(r->l7_ecx, 11) ? QNN_CPU_AVX512VNNI : 0;
	}
	return f;
}

/* HWCAP bits of the aarch64 Linux ABI */
#define HWCAP_ASIMD_BIT (1ul << 1)
#define HWCAP_ASIMDDP_BIT (1ul << 20)

unsigned long long qnn_cpu_features_arm64(unsigned long hwcap)
{
	return ((hwcap & HWCAP_ASIMD_BIT) ? QNN_CPU_NEON : 0) |
	       ((hwcap & HWCAP_ASIMDDP_BIT) ? QNN_CPU_DOTPROD : 0);
}

unsigned long long qnn_cpu_baseline(void)
{
	return QNN_TU_FEATURES;	/* what every file of the library may use */
}

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long xgetbv0(void)
{
	unsigned int lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (unsigned long long)hi << 32 | lo;
}

unsigned long long qnn_cpu_features(void)
{
	struct qnn_cpuid r = { 0 };
	unsigned int a, b, c, d;

	r.max_leaf = __get_cpuid_max(0, NULL);
	if (r.max_leaf >= 1) {
		__cpuid(1, a, b, c, d);
		r.l1_ecx = c;
		r.l1_edx = d;
		if (c & (1u << 27))	/* OSXSAVE: XGETBV is allowed */
			r.xcr0 = xgetbv0();
	}
	if (r.max_leaf >= 7) {
		__cpuid_count(7, 0, a, b, c, d);
		r.l7_ebx = b;
		r.l7_ecx = c;
		r.l7_edx = d;
	}
	return qnn_cpu_features_x86(&r);
}
#elif defined(__aarch64__)
#include <sys/auxv.h>

unsigned long long qnn_cpu_features(void)
{
	return qnn_cpu_features_arm64(getauxval(AT_HWCAP));
}
#else
unsigned long long qnn_cpu_features(void)
{
	return 0;
}
#endif
