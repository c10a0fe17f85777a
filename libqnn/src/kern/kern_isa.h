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

/* fconv: the scalar one (kern_fconv.c, the oracle), AVX2 and AVX-512F */
void qnn_kern_fconv_scalar(size_t m, size_t n, size_t k, size_t nt, const float *const *x,
		size_t xs, const float *const *w, const float *scale, const float *bias,
		float *out, size_t ldo);
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
void qnn_kern_threshold_pool_scalar(size_t n, size_t npx, size_t ph, size_t pw, size_t rs,
				    const int32_t *acc, size_t lda, size_t nt, const int32_t *th,
				    size_t ldt, const uint64_t *negmask, int flip, uint64_t *out,
				    size_t ldo);
void qnn_kern_u8conv_bits_scalar(size_t m, size_t n, size_t ns, size_t nq, const uint8_t *x,
				 size_t step, const size_t *off, const int8_t *b,
				 const int32_t *th, const uint64_t *negmask, uint64_t *out,
				 size_t ldo);
void qnn_kern_u8conv_scalar(size_t m, size_t n, size_t ns, size_t nq, const uint8_t *x,
			    size_t step, const size_t *off, const int8_t *b, int32_t *c, size_t ldc);

void qnn_kern_popconv_bits_scalar(enum qnn_popop op, size_t m, size_t n, size_t kw,
				  const uint64_t *const *rows, const size_t *off, const uint64_t *bp,
				  const int32_t *pth, uint8_t *out, size_t ldo);

#if defined(__x86_64__)
const struct qnn_kern *qnn_kern_avx2(void);
const struct qnn_kern *qnn_kern_avx512(void);
const struct qnn_kern *qnn_kern_avx512bw(void);	/* no VPOPCNTDQ */
const struct qnn_kern *qnn_kern_avx512vnni(void);	/* avx512 + u8conv */
/* the avx512 table's functions, shared by the avx512vnni table */
void qnn_kern_avx512_popgemm(enum qnn_popop op, size_t m, size_t n, size_t kw,
			     const uint64_t *a, size_t lda, const uint64_t *b, size_t ldb,
			     int32_t *c, size_t ldc, int32_t alpha, int accumulate);
void qnn_kern_avx512_rowpop(size_t m, size_t kw, const uint64_t *a, size_t lda, int32_t *out);
void qnn_kern_avx512_popgemm_planes(enum qnn_popop op, size_t m, size_t n, size_t kw,
				    size_t pa, const uint64_t *a, size_t lda, size_t sa,
				    size_t pb, const uint64_t *b, size_t ldb, size_t sb,
				    const int32_t *coef, int32_t *c, size_t ldc, int accumulate);
size_t qnn_kern_avx512_pack_words(size_t n, size_t kw, size_t pb);
void qnn_kern_avx512_pack(size_t n, size_t kw, size_t pb, const uint64_t *b,
			  size_t ldb, size_t sb, uint64_t *dst);
void qnn_kern_avx512_popconv_bits(enum qnn_popop op, size_t m, size_t n, size_t kw,
				  const uint64_t *const *rows, const size_t *off, const uint64_t *bp,
				  const int32_t *pth, uint8_t *out, size_t ldo);
void qnn_kern_avx512_popgemm_packed(enum qnn_popop op, size_t m, size_t n, size_t kw,
				    size_t pa, const uint64_t *a, size_t lda, size_t sa,
				    size_t pb, const uint64_t *bp, size_t ldb, size_t sb,
				    const int32_t *coef, int32_t *c, size_t ldc, int accumulate);
/*
 * AVX-512F threshold (kern_threshold_avx512bw.c), shared by avx512 and
 * avx512bw; *_needs: the features its file is compiled with.
 */
extern const unsigned long long qnn_kern_threshold_avx512f_needs;
void qnn_kern_threshold_avx512f(size_t n, const int32_t *acc, size_t nt,
				const int32_t *th, size_t ldt,
				const uint64_t *negmask, int flip, uint64_t *out);
void qnn_kern_threshold_pool_avx512f(size_t n, size_t npx, size_t ph, size_t pw, size_t rs,
				     const int32_t *acc, size_t lda, size_t nt, const int32_t *th,
				     size_t ldt, const uint64_t *negmask, int flip, uint64_t *out,
				     size_t ldo);
/* kern_fconv_avx512bw.c (AVX-512F/VL), shared by the AVX-512 tables */
extern const unsigned long long qnn_kern_fconv_avx512_needs;
void qnn_kern_fconv_avx512(size_t m, size_t n, size_t k, size_t nt, const float *const *x,
		size_t xs, const float *const *w, const float *scale, const float *bias,
		float *out, size_t ldo);
/* kern_fconv_avx2.c (AVX2 + FMA) */
void qnn_kern_fconv_avx2(size_t m, size_t n, size_t k, size_t nt, const float *const *x,
		size_t xs, const float *const *w, const float *scale, const float *bias,
		float *out, size_t ldo);
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
