// SPDX-License-Identifier: MIT
/* What the CPU offers (CPUID / HWCAP) and which kernel set libqnn picks. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

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
	unsigned int a, b, c, d;
	unsigned long long f = 0, xcr0 = 0;
	int avx_os = 0, avx512_os = 0;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	if (c & (1u << 23))
		f |= QNN_CPU_POPCNT;
	if ((c & (1u << 27)) && (c & (1u << 28))) {
		xcr0 = xgetbv0();
		avx_os = (xcr0 & 6) == 6;
		avx512_os = avx_os && (xcr0 & 0xe0) == 0xe0;
	}
	if (avx_os && (c & (1u << 12)))
		f |= QNN_CPU_FMA;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return f;
	if (b & (1u << 8))
		f |= QNN_CPU_BMI2;
	if (avx_os && (b & (1u << 5)))
		f |= QNN_CPU_AVX2;
	if (avx512_os) {
		if (b & (1u << 16))
			f |= QNN_CPU_AVX512F;
		if (b & (1u << 30))
			f |= QNN_CPU_AVX512BW;
		if (b & (1u << 31))
			f |= QNN_CPU_AVX512VL;
		if (c & (1u << 14))
			f |= QNN_CPU_AVX512VPOPCNTDQ;
		if (c & (1u << 12))
			f |= QNN_CPU_AVX512BITALG;
		if (c & (1u << 11))
			f |= QNN_CPU_AVX512VNNI;
	}
	return f;
}
#elif defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
unsigned long long qnn_cpu_features(void)
{
	unsigned long hw = getauxval(AT_HWCAP);
	unsigned long long f = 0;

	if (hw & HWCAP_ASIMD)
		f |= QNN_CPU_NEON;
	if (hw & HWCAP_ASIMDDP)
		f |= QNN_CPU_DOTPROD;
	return f;
}
#else
unsigned long long qnn_cpu_features(void)
{
	return 0;
}
#endif

static const char *const feature_names[QNN_CPU_FEATURE_COUNT] = {
	"popcnt", "avx2", "bmi2", "fma", "avx512f", "avx512bw", "avx512vl",
	"avx512vpopcntdq", "avx512bitalg", "avx512vnni", "neon", "dotprod",
};

const char *qnn_cpu_feature_name(unsigned long long bit)
{
	for (int i = 0; i < QNN_CPU_FEATURE_COUNT; i++)
		if (bit == 1ull << i)
			return feature_names[i];
	return NULL;
}

int qnn_cpu_info(struct qnn_cpu_info *info)
{
	struct qnn_cpu_info ci;
	const struct qnn_kern *k = qnn_kern_select(NULL);
	size_t len = 0;
	long n;

	if (!info || info->sz < offsetof(struct qnn_cpu_info, feature_bits))
		return -EINVAL;
	memset(&ci, 0, sizeof(ci));
	ci.sz = info->sz;
	snprintf(ci.isa, sizeof(ci.isa), "%s", k ? k->name : "scalar");
	ci.feature_bits = qnn_cpu_features();
	for (int i = 0; i < QNN_CPU_FEATURE_COUNT; i++) {
		if (!(ci.feature_bits & (1ull << i)))
			continue;
		len += (size_t)snprintf(ci.features + len, sizeof(ci.features) - len, "%s%s",
					len ? " " : "", feature_names[i]);
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	ci.logical_cpus = n > 0 ? (unsigned int)n : 1;
	memcpy(info, &ci, info->sz < sizeof(ci) ? info->sz : sizeof(ci));
	return 0;
}
