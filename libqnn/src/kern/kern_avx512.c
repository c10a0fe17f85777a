// SPDX-License-Identifier: MIT
/*
 * AVX-512 kernels (F + VL + BW + VPOPCNTDQ): 512-bit XOR/AND, vpopcntq,
 * 64-bit lane accumulators. Two GEMM kernels (docs/kernels.md):
 *
 * - lane-per-column (lp_*), the main one: b packed into 8-column panels,
 *   each zmm lane accumulates a different output; used for m >= 8 and by
 *   popgemm_packed;
 * - dot-product 4x4 (ukern + kern_blocked.h), for few rows: 16 zmm
 *   accumulators, each loaded vector used 4 times; at the end of a plane
 *   pair the 16 accumulators are reduced together into one zmm of 16 int32
 *   (a transposing add tree, ~37 instructions) and scaled by the pair's
 *   coefficient. K tails use masked loads, which never touch the
 *   masked-out words.
 */
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "kern_isa.h"
#include "isa_features.h"

#define AI static inline __attribute__((always_inline))

AI __m512i bitop(enum qnn_popop op, __m512i x, __m512i y)
{
	return op == QNN_POP_XOR ? _mm512_xor_si512(x, y) : _mm512_and_si512(x, y);
}

/* acc[0..15] (8 x u64 each, values < 2^32) -> 16 x u32, lane i = sum(acc[i]) */
AI __m512i reduce16(const __m512i acc[16])
{
	__m512i v[8], w[4], s0, s1, x, y;

#pragma GCC unroll 8
	for (int k = 0; k < 8; k++)	/* pairs into even/odd dwords */
		v[k] = _mm512_or_si512(acc[2 * k],
				       _mm512_slli_epi64(acc[2 * k + 1], 32));
#pragma GCC unroll 4
	for (int k = 0; k < 4; k++)	/* per 128-bit lane: 4 outputs */
		w[k] = _mm512_add_epi32(_mm512_unpacklo_epi64(v[2 * k], v[2 * k + 1]),
					_mm512_unpackhi_epi64(v[2 * k], v[2 * k + 1]));
	x = _mm512_shuffle_i32x4(w[0], w[1], _MM_SHUFFLE(2, 0, 2, 0));
	y = _mm512_shuffle_i32x4(w[0], w[1], _MM_SHUFFLE(3, 1, 3, 1));
	s0 = _mm512_add_epi32(x, y);
	x = _mm512_shuffle_i32x4(w[2], w[3], _MM_SHUFFLE(2, 0, 2, 0));
	y = _mm512_shuffle_i32x4(w[2], w[3], _MM_SHUFFLE(3, 1, 3, 1));
	s1 = _mm512_add_epi32(x, y);
	x = _mm512_shuffle_i32x4(s0, s1, _MM_SHUFFLE(2, 0, 2, 0));
	y = _mm512_shuffle_i32x4(s0, s1, _MM_SHUFFLE(3, 1, 3, 1));
	return _mm512_add_epi32(x, y);
}

AI void ukern(enum qnn_popop op, int mr, int nr, size_t kw,
	      size_t pa, const uint64_t *a, size_t lda, size_t sa,
	      size_t pb, const uint64_t *b, size_t ldb, size_t sb,
	      const int32_t *coef, int32_t *c, size_t ldc, int accumulate)
{
	__m512i total = _mm512_setzero_si512();
	__mmask8 tail = (__mmask8)((1u << (kw % 8)) - 1);
	__mmask8 cmask = (__mmask8)((1u << nr) - 1);

	for (size_t p = 0; p < pa; p++) {
		for (size_t q = 0; q < pb; q++) {
			const uint64_t *ap = a + p * sa, *bq = b + q * sb;
			__m512i acc[16], va[4], vb[4];
			size_t k = 0;

#pragma GCC unroll 16
			for (int x = 0; x < 16; x++)
				acc[x] = _mm512_setzero_si512();
			for (; k + 8 <= kw; k += 8) {
#pragma GCC unroll 4
				for (int i = 0; i < mr; i++)
					va[i] = _mm512_loadu_si512(ap + i * lda + k);
#pragma GCC unroll 4
				for (int j = 0; j < nr; j++)
					vb[j] = _mm512_loadu_si512(bq + j * ldb + k);
#pragma GCC unroll 4
				for (int i = 0; i < mr; i++)
#pragma GCC unroll 4
					for (int j = 0; j < nr; j++)
						acc[i * 4 + j] = _mm512_add_epi64(acc[i * 4 + j],
							_mm512_popcnt_epi64(bitop(op, va[i], vb[j])));
			}
			if (tail) {
#pragma GCC unroll 4
				for (int i = 0; i < mr; i++)
					va[i] = _mm512_maskz_loadu_epi64(tail, ap + i * lda + k);
#pragma GCC unroll 4
				for (int j = 0; j < nr; j++)
					vb[j] = _mm512_maskz_loadu_epi64(tail, bq + j * ldb + k);
#pragma GCC unroll 4
				for (int i = 0; i < mr; i++)
#pragma GCC unroll 4
					for (int j = 0; j < nr; j++)
						acc[i * 4 + j] = _mm512_add_epi64(acc[i * 4 + j],
							_mm512_popcnt_epi64(bitop(op, va[i], vb[j])));
			}
			total = _mm512_add_epi32(total,
				_mm512_mullo_epi32(reduce16(acc),
						   _mm512_set1_epi32(coef[p * pb + q])));
		}
	}
#pragma GCC unroll 4
	for (int i = 0; i < mr; i++) {
		__m128i r = _mm512_extracti32x4_epi32(total, 0);

		/* the lane index must be an immediate */
		if (i == 1)
			r = _mm512_extracti32x4_epi32(total, 1);
		else if (i == 2)
			r = _mm512_extracti32x4_epi32(total, 2);
		else if (i == 3)
			r = _mm512_extracti32x4_epi32(total, 3);
		if (accumulate)
			r = _mm_add_epi32(r, _mm_maskz_loadu_epi32(cmask, c + i * ldc));
		_mm_mask_storeu_epi32(c + i * ldc, cmask, r);
	}
}

#define UKERN ukern
#include "kern_blocked.h"

/*
 * Lane-per-column kernel, for m >= LP_MIN_M. Columns of b are packed (per
 * call, into a heap buffer) as panels of 8 columns, k-major, so one zmm
 * holds word k of 8 columns. Each row word of a is broadcast and XORed with
 * the panels: every zmm lane accumulates a different output, there is no
 * horizontal reduction, any K works word by word with no masked tail, and
 * a row's 8 results are stored contiguously. Micro-kernel: 6 rows x 4
 * panels (32 columns) = 24 accumulators + 4 panel registers.
 */
#define LP_R		6
#define LP_P		4
#define LP_COLS		(8 * LP_P)
#define LP_MIN_M	8
#ifndef LP_L1_WORDS
#define LP_L1_WORDS	((24u << 10) / 8)	/* packed chunk: 24 KiB */
#endif
#define LP_L2_BYTES	(512u << 10)

/* one weight plane (packed in bp) against pa activation planes */
AI void lp_ukern(enum qnn_popop op, int mr, int np, size_t kk, size_t ps,
		 size_t pa, const uint64_t *a, size_t lda, size_t sa,
		 const uint64_t *bp, const int32_t *coef, size_t cs,
		 int32_t *c, size_t ldc, size_t ncols, int first)
{
	for (size_t p = 0; p < pa; p++) {
		const uint64_t *ap = a + p * sa;
		const uint64_t *bq = bp;
		__m512i acc[LP_R][LP_P], cf;

#pragma GCC unroll 6
		for (int i = 0; i < LP_R; i++)
#pragma GCC unroll 4
			for (int j = 0; j < LP_P; j++)
				acc[i][j] = _mm512_setzero_si512();
		for (size_t k = 0; k < kk; k++) {
			__m512i vb[LP_P];

#pragma GCC unroll 4
			for (int j = 0; j < np; j++)
				vb[j] = _mm512_loadu_si512(bq + (j * ps + k) * 8);
#pragma GCC unroll 6
			for (int i = 0; i < mr; i++) {
				__m512i va = _mm512_set1_epi64((long long)ap[i * lda + k]);

#pragma GCC unroll 4
				for (int j = 0; j < np; j++)
					acc[i][j] = _mm512_add_epi64(acc[i][j],
						_mm512_popcnt_epi64(bitop(op, va, vb[j])));
			}
		}
		cf = _mm512_set1_epi64(coef[p * cs]);
#pragma GCC unroll 6
		for (int i = 0; i < mr; i++) {
#pragma GCC unroll 4
			for (int j = 0; j < np; j++) {
				size_t left = ncols - (size_t)j * 8;
				__mmask8 m = (__mmask8)(left >= 8 ? 0xff : (1u << left) - 1);
				int32_t *cp = c + i * ldc + j * 8;
				/* exact product; its low 32 bits are the wrapped one */
				__m256i v = _mm512_cvtepi64_epi32(_mm512_mul_epi32(acc[i][j], cf));

				if (!(first && p == 0))
					v = _mm256_add_epi32(v, _mm256_maskz_loadu_epi32(m, cp));
				_mm256_mask_storeu_epi32(cp, m, v);
			}
		}
	}
}

/* dst[(panel * kk + k) * 8 + lane] = word k0 + k of column panel*8 + lane */
static void lp_pack(const uint64_t *b, size_t ldb, size_t ncols, size_t k0,
		    size_t kk, uint64_t *dst)
{
	size_t panels = (ncols + 7) / 8;

	for (size_t pn = 0; pn < panels; pn++) {
		uint64_t *d = dst + pn * kk * 8;

		for (size_t l = 0; l < 8; l++) {
			size_t j = pn * 8 + l;
			const uint64_t *src = b + j * ldb + k0;

			if (j < ncols)
				for (size_t k = 0; k < kk; k++)
					d[k * 8 + l] = src[k];
			else
				for (size_t k = 0; k < kk; k++)
					d[k * 8 + l] = 0;
		}
	}
}

#define LP_SHAPE(OP, MR, NP)						\
	lp_ukern(OP, MR, NP, kk, ps, pa, a + i * lda + k0, lda, sa, bk,	\
		 coef + q, pb, c + i * ldc + j0, ldc, ncols, first)
#define LP_ROWS(OP, MR)							\
	do {								\
		switch (np) {						\
		case 4: LP_SHAPE(OP, MR, 4); break;			\
		case 3: LP_SHAPE(OP, MR, 3); break;			\
		case 2: LP_SHAPE(OP, MR, 2); break;			\
		default: LP_SHAPE(OP, MR, 1); break;			\
		}							\
	} while (0)
#define LP_OP(OP)							\
	do {								\
		switch (mr) {						\
		case 6: LP_ROWS(OP, 6); break;				\
		case 5: LP_ROWS(OP, 5); break;				\
		case 4: LP_ROWS(OP, 4); break;				\
		case 3: LP_ROWS(OP, 3); break;				\
		case 2: LP_ROWS(OP, 2); break;				\
		default: LP_ROWS(OP, 1); break;				\
		}							\
	} while (0)

/*
 * Loops: K chunks of kc words (a 32-column plane chunk, 4 panels x kc x 8
 * words, fits in 24 KiB of L1), row chunks of mc (their planes fit in
 * 512 KiB of L2), 32-column chunks, then one weight plane at a time (so
 * multi-plane layers keep the same L1 footprint), then 6-row micro-kernels.
 * b is either packed here chunk by chunk into buf (pre == NULL), or was
 * packed once by qnn_kern_avx512_pack (pre != NULL; then panels are kw words apart).
 */
static void lp_drive(enum qnn_popop op, size_t m, size_t n, size_t kw,
		     size_t pa, const uint64_t *a, size_t lda, size_t sa,
		     size_t pb, const uint64_t *b, size_t ldb, size_t sb,
		     const uint64_t *pre, uint64_t *buf,
		     const int32_t *coef, int32_t *c, size_t ldc, int accumulate)
{
	size_t kc = LP_L1_WORDS / LP_COLS;
	size_t mc;

	if (kc > kw)
		kc = kw;
	mc = LP_L2_BYTES / (kc * pa * 8) / LP_R * LP_R;
	if (mc < 8 * LP_R)
		mc = 8 * LP_R;
	for (size_t k0 = 0; k0 < kw; k0 += kc) {
		size_t kk = kw - k0 < kc ? kw - k0 : kc;

		for (size_t ic = 0; ic < m; ic += mc) {
			size_t iend = m - ic < mc ? m : ic + mc;

			for (size_t j0 = 0; j0 < n; j0 += LP_COLS) {
				size_t ncols = n - j0 < LP_COLS ? n - j0 : LP_COLS;
				size_t np = (ncols + 7) / 8;

				for (size_t q = 0; q < pb; q++) {
					int first = !accumulate && k0 == 0 && q == 0;
					const uint64_t *bk;
					size_t ps;

					if (pre) {
						bk = pre + ((j0 / LP_COLS * pb + q) * LP_P * kw + k0) * 8;
						ps = kw;
					} else {
						lp_pack(b + j0 * ldb + q * sb, ldb, ncols, k0, kk, buf);
						bk = buf;
						ps = kk;
					}
					for (size_t i = ic; i < iend; i += LP_R) {
						size_t mr = iend - i < LP_R ? iend - i : LP_R;

						if (op == QNN_POP_XOR)
							LP_OP(QNN_POP_XOR);
						else
							LP_OP(QNN_POP_AND);
					}
				}
			}
		}
	}
}

void qnn_kern_avx512_popgemm_planes(enum qnn_popop op, size_t m, size_t n,
				  size_t kw,
				  size_t pa, const uint64_t *a, size_t lda,
				  size_t sa,
				  size_t pb, const uint64_t *b, size_t ldb,
				  size_t sb,
				  const int32_t *coef,
				  int32_t *c, size_t ldc, int accumulate)
{
	uint64_t *buf;

	/* few rows do not repay packing b: the 4x4 dot-product kernel */
	if (m >= LP_MIN_M && n && kw) {
		size_t kc = LP_L1_WORDS / LP_COLS < kw ? LP_L1_WORDS / LP_COLS : kw;

		buf = aligned_alloc(64, LP_COLS * kc * 8);
		if (buf) {
			lp_drive(op, m, n, kw, pa, a, lda, sa, pb, b, ldb, sb,
				 NULL, buf, coef, c, ldc, accumulate);
			free(buf);
			return;
		}
	}
	/* also the fallback when the pack buffer cannot be had */
	blocked_popgemm_planes(op, m, n, kw, pa, a, lda, sa, pb, b, ldb, sb,
			       coef, c, ldc, accumulate);
}

/* 32-column chunks x pb planes x 4 panels x kw words x 8 lanes */
size_t qnn_kern_avx512_pack_words(size_t n, size_t kw, size_t pb)
{
	return (n + LP_COLS - 1) / LP_COLS * LP_COLS * pb * kw;
}

void qnn_kern_avx512_pack(size_t n, size_t kw, size_t pb, const uint64_t *b,
			size_t ldb, size_t sb, uint64_t *dst)
{
	for (size_t j0 = 0; j0 < n; j0 += LP_COLS) {
		size_t ncols = n - j0 < LP_COLS ? n - j0 : LP_COLS;

		for (size_t q = 0; q < pb; q++) {
			uint64_t *d = dst + (j0 / LP_COLS * pb + q) * LP_P * kw * 8;

			/* lp_pack fills whole panels; zero the absent ones */
			memset(d, 0, LP_P * kw * 8 * sizeof(*d));
			lp_pack(b + j0 * ldb + q * sb, ldb, ncols, 0, kw, d);
		}
	}
}

void qnn_kern_avx512_popgemm_packed(enum qnn_popop op, size_t m, size_t n,
				  size_t kw,
				  size_t pa, const uint64_t *a, size_t lda,
				  size_t sa,
				  size_t pb, const uint64_t *bp, size_t ldb,
				  size_t sb,
				  const int32_t *coef,
				  int32_t *c, size_t ldc, int accumulate)
{
	(void)ldb;
	(void)sb;
	if (!m || !n)
		return;
	if (!kw) {
		if (!accumulate)
			for (size_t i = 0; i < m; i++)
				memset(c + i * ldc, 0, n * sizeof(*c));
		return;
	}
	lp_drive(op, m, n, kw, pa, a, lda, sa, pb, NULL, 0, 0, bp, NULL,
		 coef, c, ldc, accumulate);
}

void qnn_kern_avx512_popgemm(enum qnn_popop op, size_t m, size_t n, size_t kw,
			   const uint64_t *a, size_t lda,
			   const uint64_t *b, size_t ldb,
			   int32_t *c, size_t ldc, int32_t alpha, int accumulate)
{
	qnn_kern_avx512_popgemm_planes(op, m, n, kw, 1, a, lda, 0, 1, b, ldb, 0,
			      &alpha, c, ldc, accumulate);
}

void qnn_kern_avx512_rowpop(size_t m, size_t kw, const uint64_t *a, size_t lda,
			  int32_t *out)
{
	__mmask8 tail = (__mmask8)((1u << (kw % 8)) - 1);

	for (size_t i = 0; i < m; i++) {
		const uint64_t *r = a + i * lda;
		__m512i acc = _mm512_setzero_si512();
		size_t k = 0;

		for (; k + 8 <= kw; k += 8)
			acc = _mm512_add_epi64(acc,
				_mm512_popcnt_epi64(_mm512_loadu_si512(r + k)));
		if (tail)
			acc = _mm512_add_epi64(acc,
				_mm512_popcnt_epi64(_mm512_maskz_loadu_epi64(tail, r + k)));
		out[i] = (int32_t)(uint32_t)_mm512_reduce_add_epi64(acc);
	}
}

/*
 * popconv_bits: lp_ukern's 6 x 4-panel tile over rows read in place (row
 * pointers plus a word offset table, so no im2col), each count compared in
 * its register with the channel's threshold; the masks are the output bytes.
 */
AI void pc_ukern(enum qnn_popop op, int mr, int np, size_t kw, const uint64_t *const *rows,
		 const size_t *off, const uint64_t *bq, const int32_t *pth, size_t ncols,
		 uint8_t *out, size_t ldo)
{
	const uint64_t *r[LP_R];
	__m512i acc[LP_R][LP_P];

#pragma GCC unroll 6
	for (int i = 0; i < LP_R; i++) {
		r[i] = rows[i < mr ? i : 0];
#pragma GCC unroll 4
		for (int j = 0; j < LP_P; j++)
			acc[i][j] = _mm512_setzero_si512();
	}
	for (size_t k = 0; k < kw; k++) {
		size_t o = off[k];
		__m512i vb[LP_P];

#pragma GCC unroll 4
		for (int j = 0; j < np; j++)
			vb[j] = _mm512_loadu_si512(bq + (j * kw + k) * 8);
#pragma GCC unroll 6
		for (int i = 0; i < mr; i++) {
			__m512i va = _mm512_set1_epi64((long long)r[i][o]);

#pragma GCC unroll 4
			for (int j = 0; j < np; j++)
				acc[i][j] = _mm512_add_epi64(acc[i][j],
					_mm512_popcnt_epi64(bitop(op, va, vb[j])));
		}
	}
#pragma GCC unroll 4
	for (int j = 0; j < np; j++) {
		size_t left = ncols - (size_t)j * 8;
		__mmask8 m = (__mmask8)(left >= 8 ? 0xff : (1u << left) - 1);
		__m512i t = _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(m, pth + j * 8));

#pragma GCC unroll 6
		for (int i = 0; i < mr; i++)
			out[i * ldo + j] = (uint8_t)_mm512_mask_cmple_epi64_mask(m, acc[i][j], t);
	}
}

#define PC_SHAPE(OP, MR, NP)						\
	pc_ukern(OP, MR, NP, kw, rows + i, off, bk, pth + j0, ncols,	\
		 out + i * ldo + j0 / 8, ldo)
#define PC_ROWS(OP, MR)							\
	do {								\
		switch (np) {						\
		case 4: PC_SHAPE(OP, MR, 4); break;			\
		case 3: PC_SHAPE(OP, MR, 3); break;			\
		case 2: PC_SHAPE(OP, MR, 2); break;			\
		default: PC_SHAPE(OP, MR, 1); break;			\
		}							\
	} while (0)
#define PC_OP(OP)							\
	do {								\
		switch (mr) {						\
		case 6: PC_ROWS(OP, 6); break;				\
		case 5: PC_ROWS(OP, 5); break;				\
		case 4: PC_ROWS(OP, 4); break;				\
		case 3: PC_ROWS(OP, 3); break;				\
		case 2: PC_ROWS(OP, 2); break;				\
		default: PC_ROWS(OP, 1); break;				\
		}							\
	} while (0)

/* bp: qnn_kern_avx512_pack(n, kw, 1, ...): 32-column chunks of 4 panels */
void qnn_kern_avx512_popconv_bits(enum qnn_popop op, size_t m, size_t n, size_t kw,
				  const uint64_t *const *rows, const size_t *off, const uint64_t *bp,
				  const int32_t *pth, uint8_t *out, size_t ldo)
{
	for (size_t j0 = 0; j0 < n; j0 += LP_COLS) {
		size_t ncols = n - j0 < LP_COLS ? n - j0 : LP_COLS;
		size_t np = (ncols + 7) / 8;
		const uint64_t *bk = bp + j0 / LP_COLS * LP_P * kw * 8;

		/* tiles as even as can be (56 rows: 6 x 6 + 4 x 5, not 9 x 6 + 2) */
		for (size_t i = 0, tiles = (m + LP_R - 1) / LP_R; i < m; tiles--) {
			size_t mr = (m - i + tiles - 1) / tiles;

			if (op == QNN_POP_XOR)
				PC_OP(QNN_POP_XOR);
			else
				PC_OP(QNN_POP_AND);
			i += mr;
		}
	}
}

static const struct qnn_kern avx512_table = {
	.name = "avx512",
	.popgemm = qnn_kern_avx512_popgemm,
	.rowpop = qnn_kern_avx512_rowpop,
	.popgemm_planes = qnn_kern_avx512_popgemm_planes,
	.pack_words = qnn_kern_avx512_pack_words,
	.pack = qnn_kern_avx512_pack,
	.popgemm_packed = qnn_kern_avx512_popgemm_packed,
	.threshold = qnn_kern_threshold_avx512f,
	.threshold_pool = qnn_kern_threshold_pool_avx512f,
	.i16gemm = qnn_kern_i16gemm_avx512bw,
	.rowmax = qnn_kern_rowmax_avx512f,
	.u8gemm = qnn_kern_u8gemm_avx512bw,
	.popconv_bits = qnn_kern_avx512_popconv_bits,
	.fconv = qnn_kern_fconv_avx512,
	.needs = QNN_TU_FEATURES,
};

const struct qnn_kern *qnn_kern_avx512(void)
{
	return &avx512_table;
}
