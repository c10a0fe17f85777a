// SPDX-License-Identifier: MIT
/*
 * The CPU fallback as qnn-info reports it.
 *
 * TEMPORARY: libqnn declares qnn_cpu_info() (libqnn/include/qnn.h) but does
 * not build it yet, so this file probes the CPU itself with
 * __builtin_cpu_supports() and mirrors libqnn's kernel choice
 * (libqnn/src/kern/kern_select.c: avx512 needs AVX-512 F/VL/BW/VPOPCNTDQ on
 * top of avx2, avx2 needs AVX2 + POPCNT, else scalar; neon on aarch64).
 * Once libqnn.a provides qnn_cpu_info(), qnn_info_cpu() becomes a call to
 * it and this probe goes away.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "qnn_info.h"

#if defined(__aarch64__)
#include <sys/auxv.h>
#endif

static void add_feature(struct qnn_cpu_info *cpu, unsigned long long bit)
{
	const char *names[] = {
		"popcnt", "avx2", "bmi2", "fma", "avx512f", "avx512bw",
		"avx512vl", "avx512vpopcntdq", "avx512bitalg", "avx512vnni",
		"neon", "dotprod",
	};
	unsigned int i = (unsigned int)__builtin_ctzll(bit);
	size_t len = strlen(cpu->features);

	cpu->feature_bits |= bit;
	snprintf(cpu->features + len, sizeof(cpu->features) - len, "%s%s",
		 len ? " " : "", names[i]);
}

int qnn_info_cpu(struct qnn_cpu_info *cpu)
{
	unsigned long long f;
	long n;

	if (!cpu || cpu->sz < sizeof(*cpu))
		return -EINVAL;
	memset(cpu, 0, sizeof(*cpu));
	cpu->sz = sizeof(*cpu);
#if defined(__x86_64__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("popcnt"))
		add_feature(cpu, QNN_CPU_POPCNT);
	if (__builtin_cpu_supports("avx2"))
		add_feature(cpu, QNN_CPU_AVX2);
	if (__builtin_cpu_supports("bmi2"))
		add_feature(cpu, QNN_CPU_BMI2);
	if (__builtin_cpu_supports("fma"))
		add_feature(cpu, QNN_CPU_FMA);
	if (__builtin_cpu_supports("avx512f"))
		add_feature(cpu, QNN_CPU_AVX512F);
	if (__builtin_cpu_supports("avx512bw"))
		add_feature(cpu, QNN_CPU_AVX512BW);
	if (__builtin_cpu_supports("avx512vl"))
		add_feature(cpu, QNN_CPU_AVX512VL);
	if (__builtin_cpu_supports("avx512vpopcntdq"))
		add_feature(cpu, QNN_CPU_AVX512VPOPCNTDQ);
	if (__builtin_cpu_supports("avx512bitalg"))
		add_feature(cpu, QNN_CPU_AVX512BITALG);
	if (__builtin_cpu_supports("avx512vnni"))
		add_feature(cpu, QNN_CPU_AVX512VNNI);
#elif defined(__aarch64__)
	if (getauxval(AT_HWCAP) & (1UL << 1))	/* HWCAP_ASIMD */
		add_feature(cpu, QNN_CPU_NEON);
	if (getauxval(AT_HWCAP) & (1UL << 20))	/* HWCAP_ASIMDDP */
		add_feature(cpu, QNN_CPU_DOTPROD);
#endif
	f = cpu->feature_bits;
	if ((f & (QNN_CPU_AVX2 | QNN_CPU_POPCNT | QNN_CPU_AVX512F |
		  QNN_CPU_AVX512VL | QNN_CPU_AVX512BW | QNN_CPU_AVX512VPOPCNTDQ)) ==
	    (QNN_CPU_AVX2 | QNN_CPU_POPCNT | QNN_CPU_AVX512F | QNN_CPU_AVX512VL |
	     QNN_CPU_AVX512BW | QNN_CPU_AVX512VPOPCNTDQ))
		strcpy(cpu->isa, "avx512");
	else if ((f & (QNN_CPU_AVX2 | QNN_CPU_POPCNT)) ==
		 (QNN_CPU_AVX2 | QNN_CPU_POPCNT))
		strcpy(cpu->isa, "avx2");
	else if (f & QNN_CPU_NEON)
		strcpy(cpu->isa, "neon");
	else
		strcpy(cpu->isa, "scalar");
	n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu->logical_cpus = n > 0 ? (unsigned int)n : 1;
	return 0;
}
