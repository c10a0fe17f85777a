/* SPDX-License-Identifier: MIT */
/*
 * Per-ISA table getters (internal to src/kern). Each lives in a file whose
 * name suffix makes the Makefile add that ISA's compiler flags; only
 * kern_select.c calls them, after checking the CPU.
 */
#ifndef QNN_KERN_ISA_H
#define QNN_KERN_ISA_H

#include "kern.h"

/* pack_words of tables that read b as it is: always 0 */
size_t qnn_kern_pack_none(size_t n, size_t kw, size_t pb);

/* the scalar threshold, shared by tables without a vector one */
void qnn_kern_threshold_scalar(size_t n, const int32_t *acc, size_t nt,
			       const int32_t *th, size_t ldt,
			       const uint64_t *negmask, int flip, uint64_t *out);

/* the scalar i16gemm (the oracle), shared by tables without a vector one */
void qnn_kern_i16gemm_scalar(size_t m, size_t n, size_t kk, const int16_t *a, size_t lda,
			     const int16_t *b, int32_t *c, size_t ldc);

void qnn_kern_u8gemm_scalar(size_t m, size_t n, size_t kk, const uint8_t *a, size_t lda,
			    const int8_t *b, int32_t *c, size_t ldc);
void qnn_kern_rowmax_scalar(size_t n, size_t nr, const int32_t *const *rows,
			    const int32_t *flip, int32_t *dst);

#if defined(__x86_64__)
const struct qnn_kern *qnn_kern_avx2(void);
const struct qnn_kern *qnn_kern_avx512(void);
const struct qnn_kern *qnn_kern_avx512bw(void);	/* no VPOPCNTDQ */
/*
 * AVX-512F threshold (kern_threshold_avx512bw.c), shared by avx512 and
 * avx512bw; *_needs: the features its file is compiled with.
 */
extern const unsigned long long qnn_kern_threshold_avx512f_needs;
void qnn_kern_threshold_avx512f(size_t n, const int32_t *acc, size_t nt,
				const int32_t *th, size_t ldt,
				const uint64_t *negmask, int flip, uint64_t *out);
/* kern_int8_avx512bw.c: the features its file is compiled with */
extern const unsigned long long qnn_kern_int8_avx512bw_needs;
void qnn_kern_u8gemm_avx512bw(size_t m, size_t n, size_t kk, const uint8_t *a, size_t lda,
			      const int8_t *b, int32_t *c, size_t ldc);
void qnn_kern_rowmax_avx512f(size_t n, size_t nr, const int32_t *const *rows,
			     const int32_t *flip, int32_t *dst);
/* AVX-512BW i16gemm (kern_avx512.c), shared likewise */
void qnn_kern_i16gemm_avx512bw(size_t m, size_t n, size_t kk, const int16_t *a, size_t lda,
			       const int16_t *b, int32_t *c, size_t ldc);
#endif
#if defined(__aarch64__)
const struct qnn_kern *qnn_kern_neon(void);
#endif

#endif /* QNN_KERN_ISA_H */
