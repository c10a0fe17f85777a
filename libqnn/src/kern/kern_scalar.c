// SPDX-License-Identifier: MIT
/*
 * Portable reference kernels: the oracle every optimized table is tested
 * against. Written plainly on purpose, one output at a time, with no
 * blocking; speed is not its job.
 */
#include "kern.h"
#include "layout.h"
#include "kern_isa.h"
#include "isa_features.h"

static uint32_t pop_row(enum qnn_popop op, const uint64_t *a,
			const uint64_t *b, size_t kw)
{
	uint32_t s = 0;

	for (size_t k = 0; k < kw; k++) {
		uint64_t x = op == QNN_POP_XOR ? a[k] ^ b[k] : a[k] & b[k];

		s += (uint32_t)__builtin_popcountll(x);
	}
	return s;
}

static void scalar_popgemm_planes(enum qnn_popop op, size_t m, size_t n,
				  size_t kw,
				  size_t pa, const uint64_t *a, size_t lda,
				  size_t sa,
				  size_t pb, const uint64_t *b, size_t ldb,
				  size_t sb,
				  const int32_t *coef,
				  int32_t *c, size_t ldc, int accumulate)
{
	for (size_t i = 0; i < m; i++) {
		for (size_t j = 0; j < n; j++) {
			/* uint32_t: wrapping arithmetic, see kern.h */
			uint32_t s = accumulate ? (uint32_t)c[i * ldc + j] : 0;

			for (size_t p = 0; p < pa; p++)
				for (size_t q = 0; q < pb; q++)
					s += (uint32_t)coef[p * pb + q] *
					     pop_row(op, a + i * lda + p * sa,
						     b + j * ldb + q * sb, kw);
			c[i * ldc + j] = (int32_t)s;
		}
	}
}

static void scalar_popgemm(enum qnn_popop op, size_t m, size_t n, size_t kw,
			   const uint64_t *a, size_t lda,
			   const uint64_t *b, size_t ldb,
			   int32_t *c, size_t ldc, int32_t alpha, int accumulate)
{
	scalar_popgemm_planes(op, m, n, kw, 1, a, lda, 0, 1, b, ldb, 0,
			      &alpha, c, ldc, accumulate);
}

static void scalar_rowpop(size_t m, size_t kw, const uint64_t *a, size_t lda,
			  int32_t *out)
{
	for (size_t i = 0; i < m; i++) {
		uint32_t s = 0;

		for (size_t k = 0; k < kw; k++)
			s += (uint32_t)__builtin_popcountll(a[i * lda + k]);
		out[i] = (int32_t)s;
	}
}

/* threshold() of nc <= 64 channels into one word per plane, planes cw words apart */
static void qnn_kern_threshold_pool_word(size_t nc, const int32_t *v, size_t nt,
					 const int32_t *th, size_t ldt, const uint64_t *negmask,
					 int flip, uint64_t *out, size_t cw)
{
	uint64_t word[8] = { 0 };
	size_t planes = 0;

	while (((size_t)1 << planes) - 1 < nt)
		planes++;
	for (size_t c = 0; c < nc; c++) {
		int neg = negmask && (negmask[0] >> c & 1);
		unsigned int code = 0;

		for (size_t t = 0; t < nt; t++)
			code += neg ? v[c] <= th[t * ldt + c] : v[c] >= th[t * ldt + c];
		if (flip)
			code = ~code;
		for (size_t b = 0; b < planes; b++)
			word[b] |= (uint64_t)(code >> b & 1) << c;
	}
	for (size_t b = 0; b < planes; b++)
		out[qnn_lay_plane((unsigned int)b, cw)] = word[b];
}

void qnn_kern_threshold_scalar(size_t n, const int32_t *acc, size_t nt,
			       const int32_t *th, size_t ldt,
			       const uint64_t *negmask, int flip, uint64_t *out)
{
	size_t cw = (n + 63) / 64, planes = 0;

	while (((size_t)1 << planes) - 1 < nt)
		planes++;
	for (size_t w = 0; w < planes * cw; w++)
		out[w] = 0;
	for (size_t c = 0; c < n; c++) {
		int neg = negmask && (negmask[qnn_lay_pw(0, cw, c)] >> qnn_lay_shift(c) & 1);
		unsigned int code = 0;

		for (size_t t = 0; t < nt; t++) {
			int32_t v = th[t * ldt + c];

			code += neg ? acc[c] <= v : acc[c] >= v;
		}
		if (flip)
			code = ~code;
		for (size_t b = 0; b < planes; b++)
			out[qnn_lay_pw((unsigned int)b, cw, c)] |= (uint64_t)(code >> b & 1) <<
								   qnn_lay_shift(c);
	}
}

void qnn_kern_threshold_pool_scalar(size_t n, size_t npx, size_t ph, size_t pw, size_t rs,
				    const int32_t *acc, size_t lda, size_t nt, const int32_t *th,
				    size_t ldt, const uint64_t *negmask, int flip, uint64_t *out,
				    size_t ldo)
{
	size_t cw = (n + 63) / 64;
	int32_t v[64];

	for (size_t px = 0; px < npx; px++) {
		const int32_t *a0 = acc + px * pw * lda;

		/* 64 channels at a time: pooled values, then threshold() on them */
		for (size_t c0 = 0; c0 < n; c0 += 64) {
			size_t nc = n - c0 < 64 ? n - c0 : 64;

			for (size_t c = c0; c < c0 + nc; c++) {
				int neg = negmask && (negmask[qnn_lay_pw(0, cw, c)] >> qnn_lay_shift(c) & 1);
				int32_t x = a0[c];

				for (size_t dy = 0; dy < ph; dy++)
					for (size_t dx = 0; dx < pw; dx++) {
						int32_t y = a0[(dy * rs + dx) * lda + c];

						x = neg ? (y < x ? y : x) : (y > x ? y : x);
					}
				v[c - c0] = x;
			}
			qnn_kern_threshold_pool_word(nc, v, nt, th + c0, ldt,
						     negmask ? negmask + c0 / 64 : NULL, flip,
						     out + px * ldo + c0 / 64, cw);
		}
	}
}

size_t qnn_kern_pack_none(size_t n, size_t kw, size_t pb)
{
	(void)n;
	(void)kw;
	(void)pb;
	return 0;
}

size_t qnn_i16_pack_len(size_t n, size_t kk)
{
	return (n + 15) / 16 * 16 * kk;
}

void qnn_i16_pack(size_t n, size_t k, size_t kk, const int16_t *w, size_t ldw, int16_t *dst)
{
	size_t np = (n + 15) / 16 * 16;

	for (size_t q = 0; q < kk / 2; q++)
		for (size_t j = 0; j < np; j++)
			for (size_t r = 0; r < 2; r++)
				dst[(q * np + j) * 2 + r] = j < n && 2 * q + r < k ?
							    w[j * ldw + 2 * q + r] : 0;
}

void qnn_kern_i16gemm_scalar(size_t m, size_t n, size_t kk, const int16_t *a, size_t lda,
			     const int16_t *b, int32_t *c, size_t ldc)
{
	size_t np = (n + 15) / 16 * 16;

	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < n; j++) {
			uint32_t s = 0;	/* wrapping, as kern.h says */

			for (size_t q = 0; q < kk / 2; q++)
				s += (uint32_t)((int32_t)a[i * lda + 2 * q] * b[(q * np + j) * 2]) +
				     (uint32_t)((int32_t)a[i * lda + 2 * q + 1] * b[(q * np + j) * 2 + 1]);
			c[i * ldc + j] = (int32_t)s;
		}
}

size_t qnn_u8_pack_len(size_t n, size_t kk)
{
	return (n + 31) / 32 * 32 * kk;
}

void qnn_u8_pack(size_t n, size_t k, size_t kk, const int8_t *w, size_t ldw, int8_t *dst)
{
	size_t np = (n + 31) / 32 * 32;

	for (size_t q = 0; q < kk / 2; q++)
		for (size_t j = 0; j < np; j++)
			for (size_t r = 0; r < 2; r++)
				dst[(q * np + j) * 2 + r] = j < n && 2 * q + r < k ?
							    w[j * ldw + 2 * q + r] : 0;
}

void qnn_kern_u8gemm_scalar(size_t m, size_t n, size_t kk, const uint8_t *a, size_t lda,
			    const int8_t *b, int32_t *c, size_t ldc)
{
	size_t np = (n + 31) / 32 * 32;

	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < n; j++) {
			int32_t s = 0;

			for (size_t k = 0; k < kk; k++)
				s += a[i * lda + k] * b[((k / 2) * np + j) * 2 + k % 2];
			c[i * ldc + j] = s;
		}
}

void qnn_kern_rowmax_scalar(size_t n, size_t nr, const int32_t *const *rows,
			    const int32_t *flip, int32_t *dst)
{
	for (size_t j = 0; j < n; j++) {
		int32_t v = rows[0][j] ^ flip[j];

		for (size_t r = 1; r < nr; r++) {
			int32_t x = rows[r][j] ^ flip[j];

			v = x > v ? x : v;
		}
		dst[j] = v ^ flip[j];
	}
}

size_t qnn_u8conv_pack_len(size_t n, size_t ns, size_t nq)
{
	return (n + 15) / 16 * 16 * ns * nq * 4;
}

void qnn_u8conv_pack(size_t n, size_t ns, size_t len, size_t nq, const int8_t *w, size_t ldw,
		     int8_t *dst)
{
	size_t np = (n + 15) / 16 * 16;

	for (size_t s = 0; s < ns; s++)
		for (size_t q = 0; q < nq; q++)
			for (size_t j = 0; j < np; j++)
				for (size_t r = 0; r < 4; r++)
					dst[((s * nq + q) * np + j) * 4 + r] = j < n && 4 * q + r < len ?
						w[j * ldw + s * len + 4 * q + r] : 0;
}

void qnn_kern_u8conv_scalar(size_t m, size_t n, size_t ns, size_t nq, const uint8_t *x,
			    size_t step, const size_t *off, const int8_t *b, int32_t *c, size_t ldc)
{
	size_t np = (n + 15) / 16 * 16;

	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < n; j++) {
			uint32_t sum = 0;

			for (size_t s = 0; s < ns; s++)
				for (size_t k = 0; k < 4 * nq; k++)
					sum += (uint32_t)(x[i * step + off[s] + k] *
							  b[((s * nq + k / 4) * np + j) * 4 + k % 4]);
			c[i * ldc + j] = (int32_t)sum;
		}
}

void qnn_kern_u8conv_bits_scalar(size_t m, size_t n, size_t ns, size_t nq, const uint8_t *x,
				 size_t step, const size_t *off, const int8_t *b,
				 const int32_t *th, const uint64_t *negmask, uint64_t *out,
				 size_t ldo)
{
	size_t cw = (n + 63) / 64;
	int32_t acc[64];

	for (size_t i = 0; i < m; i++)
		for (size_t w = 0; w < cw; w++) {
			size_t j0 = w * 64, nc = n - j0 < 64 ? n - j0 : 64;
			uint64_t word = 0;

			/* this word's channels: u8conv on the columns j0 .. (packed 16 at a time) */
			for (size_t j = 0; j < nc; j++) {
				size_t np = (n + 15) / 16 * 16;
				uint32_t sum = 0;

				for (size_t s = 0; s < ns; s++)
					for (size_t k = 0; k < 4 * nq; k++)
						sum += (uint32_t)(x[i * step + off[s] + k] *
								  b[((s * nq + k / 4) * np + j0 + j) * 4 + k % 4]);
				acc[j] = (int32_t)sum;
			}
			for (size_t j = 0; j < nc; j++) {
				size_t c = j0 + j;
				int neg = negmask[qnn_lay_pw(0, cw, c)] >> qnn_lay_shift(c) & 1;

				if (neg ? acc[j] <= th[c] : acc[j] >= th[c])
					word |= qnn_lay_bit(c);
			}
			out[i * ldo + qnn_lay_pw(0, cw, j0)] = word;
		}
}

void qnn_kern_popconv_bits_scalar(enum qnn_popop op, size_t m, size_t n, size_t kw,
				  const uint64_t *const *rows, const size_t *off, const uint64_t *bp,
				  const int32_t *pth, uint8_t *out, size_t ldo)
{
	for (size_t i = 0; i < m; i++)
		for (size_t j0 = 0; j0 < n; j0 += 8) {
			unsigned int byte = 0;

			for (size_t j = j0; j < n && j < j0 + 8; j++) {
				int64_t s = 0;

				for (size_t k = 0; k < kw; k++) {
					uint64_t x = rows[i][off[k]], w = bp[j * kw + k];

					s += __builtin_popcountll(op == QNN_POP_XOR ? x ^ w : x & w);
				}
				if (s <= pth[j])
					byte |= 1u << (j - j0);
			}
			out[i * ldo + j0 / 8] = (uint8_t)byte;
		}
}

static const struct qnn_kern scalar_table = {
	.name = "scalar",
	.popgemm = scalar_popgemm,
	.rowpop = scalar_rowpop,
	.popgemm_planes = scalar_popgemm_planes,
	.pack_words = qnn_kern_pack_none,
	.popgemm_packed = scalar_popgemm_planes,
	.threshold = qnn_kern_threshold_scalar,
	.i16gemm = qnn_kern_i16gemm_scalar,
	.rowmax = qnn_kern_rowmax_scalar,
	.u8gemm = qnn_kern_u8gemm_scalar,
	.u8conv = qnn_kern_u8conv_scalar,
	.u8conv_bits = qnn_kern_u8conv_bits_scalar,
	.threshold_pool = qnn_kern_threshold_pool_scalar,
	.popconv_bits = qnn_kern_popconv_bits_scalar,
	.fconv = qnn_kern_fconv_scalar,
	.needs = QNN_TU_FEATURES,
};

const struct qnn_kern *qnn_kern_scalar(void)
{
	return &scalar_table;
}
