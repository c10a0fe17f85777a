/* SPDX-License-Identifier: MIT */
/*
 * QNN_TU_FEATURES: the QNN_CPU_* features the compile flags of the
 * including file let the compiler use, read from the compiler's own
 * predefined macros (so implied features, e.g. -mavx2 => AVX, SSE4.2,
 * count too, and a `#pragma GCC target` before the include is honoured).
 * Each kernel table records it as `needs`; kern_select.c runs a table only
 * on a CPU that has all of it beyond the library's baseline (QNN_TU_FEATURES
 * of a plain file). The Makefile's per-file flags are thus the one table of
 * what each kernel set requires: there is no second list to keep in step.
 *
 * A macro for an instruction set the probe (cpu_probe.c) does not know sets
 * QNN_CPU_UNPROBED, which no CPU reports: a table built with such a flag is
 * never selected (and test_cpu_probe fails) until the probe learns it.
 */
#ifndef QNN_ISA_FEATURES_H
#define QNN_ISA_FEATURES_H

#include "qnn.h"

/* internal: "compiled with an instruction set qnn_cpu_features() cannot see" */
#define QNN_CPU_UNPROBED (1ull << 63)

#define QNN_F_(on, bit) ((on) ? (unsigned long long)(bit) : 0ull)

#ifdef __SSE3__
#define QNN_TU_SSE3 1
#else
#define QNN_TU_SSE3 0
#endif
#ifdef __SSSE3__
#define QNN_TU_SSSE3 1
#else
#define QNN_TU_SSSE3 0
#endif
#ifdef __SSE4_1__
#define QNN_TU_SSE41 1
#else
#define QNN_TU_SSE41 0
#endif
#if defined(__SSE4_2__) || defined(__CRC32__)
#define QNN_TU_SSE42 1
#else
#define QNN_TU_SSE42 0
#endif
#ifdef __POPCNT__
#define QNN_TU_POPCNT 1
#else
#define QNN_TU_POPCNT 0
#endif
#ifdef __XSAVE__
#define QNN_TU_XSAVE 1
#else
#define QNN_TU_XSAVE 0
#endif
#ifdef __AVX__
#define QNN_TU_AVX 1
#else
#define QNN_TU_AVX 0
#endif
#ifdef __F16C__
#define QNN_TU_F16C 1
#else
#define QNN_TU_F16C 0
#endif
#ifdef __FMA__
#define QNN_TU_FMA 1
#else
#define QNN_TU_FMA 0
#endif
#ifdef __AVX2__
#define QNN_TU_AVX2 1
#else
#define QNN_TU_AVX2 0
#endif
#ifdef __BMI2__
#define QNN_TU_BMI2 1
#else
#define QNN_TU_BMI2 0
#endif
#ifdef __AVX512F__
#define QNN_TU_AVX512F 1
#else
#define QNN_TU_AVX512F 0
#endif
#ifdef __AVX512BW__
#define QNN_TU_AVX512BW 1
#else
#define QNN_TU_AVX512BW 0
#endif
#ifdef __AVX512VL__
#define QNN_TU_AVX512VL 1
#else
#define QNN_TU_AVX512VL 0
#endif
#ifdef __AVX512VPOPCNTDQ__
#define QNN_TU_AVX512VPOPCNTDQ 1
#else
#define QNN_TU_AVX512VPOPCNTDQ 0
#endif
#ifdef __AVX512BITALG__
#define QNN_TU_AVX512BITALG 1
#else
#define QNN_TU_AVX512BITALG 0
#endif
#ifdef __AVX512VNNI__
#define QNN_TU_AVX512VNNI 1
#else
#define QNN_TU_AVX512VNNI 0
#endif
#if defined(__ARM_NEON) || defined(__ARM_NEON__)
#define QNN_TU_NEON 1
#else
#define QNN_TU_NEON 0
#endif
#ifdef __ARM_FEATURE_DOTPROD
#define QNN_TU_DOTPROD 1
#else
#define QNN_TU_DOTPROD 0
#endif

/* instruction sets a compiler may use that the probe does not report */
#if defined(__BMI__) || defined(__LZCNT__) || defined(__MOVBE__) || defined(__ADX__) || \
	defined(__AES__) || defined(__PCLMUL__) || defined(__SHA__) || defined(__GFNI__) || \
	defined(__VAES__) || defined(__VPCLMULQDQ__) || defined(__AVX512DQ__) || \
	defined(__AVX512CD__) || defined(__AVX512IFMA__) || defined(__AVX512VBMI__) || \
	defined(__AVX512VBMI2__) || defined(__AVX512BF16__) || defined(__AVX512FP16__) || \
	defined(__AVXVNNI__) || defined(__AMX_TILE__) || defined(__SSE4A__) || defined(__FMA4__) || \
	defined(__XOP__) || defined(__TBM__) || defined(__ARM_FEATURE_SVE) || \
	defined(__ARM_FEATURE_SVE2) || defined(__ARM_FEATURE_MATMUL_INT8) || \
	defined(__ARM_FEATURE_FP16_VECTOR_ARITHMETIC) || defined(__ARM_FEATURE_SHA3) || \
	defined(__ARM_FEATURE_SM3) || defined(__ARM_FEATURE_AES) || defined(__ARM_FEATURE_CRC32)
#define QNN_TU_UNPROBED 1
#else
#define QNN_TU_UNPROBED 0
#endif

#define QNN_TU_FEATURES (							\
	QNN_F_(QNN_TU_SSE3, QNN_CPU_SSE3) | QNN_F_(QNN_TU_SSSE3, QNN_CPU_SSSE3) |	\
	QNN_F_(QNN_TU_SSE41, QNN_CPU_SSE41) | QNN_F_(QNN_TU_SSE42, QNN_CPU_SSE42) |	\
	QNN_F_(QNN_TU_POPCNT, QNN_CPU_POPCNT) | QNN_F_(QNN_TU_XSAVE, QNN_CPU_XSAVE) |	\
	QNN_F_(QNN_TU_AVX, QNN_CPU_AVX) | QNN_F_(QNN_TU_F16C, QNN_CPU_F16C) |		\
	QNN_F_(QNN_TU_FMA, QNN_CPU_FMA) | QNN_F_(QNN_TU_AVX2, QNN_CPU_AVX2) |		\
	QNN_F_(QNN_TU_BMI2, QNN_CPU_BMI2) |						\
	QNN_F_(QNN_TU_AVX512F, QNN_CPU_AVX512F) |					\
	QNN_F_(QNN_TU_AVX512BW, QNN_CPU_AVX512BW) |					\
	QNN_F_(QNN_TU_AVX512VL, QNN_CPU_AVX512VL) |					\
	QNN_F_(QNN_TU_AVX512VPOPCNTDQ, QNN_CPU_AVX512VPOPCNTDQ) |			\
	QNN_F_(QNN_TU_AVX512BITALG, QNN_CPU_AVX512BITALG) |				\
	QNN_F_(QNN_TU_AVX512VNNI, QNN_CPU_AVX512VNNI) |					\
	QNN_F_(QNN_TU_NEON, QNN_CPU_NEON) | QNN_F_(QNN_TU_DOTPROD, QNN_CPU_DOTPROD) |	\
	QNN_F_(QNN_TU_UNPROBED, QNN_CPU_UNPROBED))

#endif /* QNN_ISA_FEATURES_H */
