// SPDX-License-Identifier: MIT
/*
 * The "avx512bw" table, for AVX-512 CPUs without VPOPCNTDQ (Skylake-SP,
 * Cascade Lake): the AVX2 scheme (kern_avx2.c) on 512-bit registers.
 * XOR/AND, then a vpshufb nibble-lookup popcount (Mula); byte counts
 * accumulate for up to 31 steps (31 * 8 < 256) before vpsadbw folds them
 * into 64-bit lanes. The 4x4 output block runs as two 2x4 passes (8 byte
 * and 8 lane accumulators). K tails use masked loads, which never touch
 * the masked-out words.
 *
 * The file-name suffix (_avx512.c) gives it the AVX-512 flags of
 * kern_avx512.c, which include VPOPCNTDQ and BITALG. GCC is told here not
 * to use those; for clang (which has no such pragma for a whole file) the
 * code simply has no scalar popcount a vectorizer could turn into
 * vpopcntq: even rowpop uses the lookup. So the table runs on CPUs without
 * them.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC target("no-avx512vpopcntdq,no-avx512bitalg")
#endif

#include <immintrin.h>

#include "kern.h"
#include "kern_isa.h"
#include "isa_features.h"

#define AI static inline __attribute__((always_inline))
#define FLUSH_STEPS 31

AI __m512i bitop(enum qnn_popop op, __m512i x, __m512i y)
{
	return op == QNN_POP_XOR ? _mm512_xor_si512(x, y) : _mm512_and_si512(x, y);
}

AI __m512i popcnt8(__m512i x, __m512i lut, __m512i low)
{
	__m512i lo = _mm512_and_si512(x, low);
	__m512i hi = _mm512_and_si512(_mm512_srli_epi16(x, 4), low);

	return _mm512_add_epi8(_mm512_shuffle_epi8(lut, lo),
			       _mm512_shuffle_epi8(lut, hi));
}

/* popcount sums of rows i0, i0+1 (nrows of them) against nr columns */
AI void pass2x4(enum qnn_popop op, int nrows, int nr, size_t kw,
		const uint64_t *ap, size_t lda, const uint64_t *bq, size_t ldb,
		uint32_t out[2][4])
{
	const __m512i lut = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3,
								 1, 2, 2, 3, 2, 3, 3, 4));
	const __m512i low = _mm512_set1_epi8(0x0f);
	__m512i wide[2][4];
	size_t k = 0, full = kw / 8 * 8;

#pragma GCC unroll 2
	for (int i = 0; i < 2; i++)
#pragma GCC unroll 4
		for (int j = 0; j < 4; j++)
			wide[i][j] = _mm512_setzero_si512();
	while (k < kw) {
		__m512i acc[2][4], va[2], vb;
		size_t stop = k + FLUSH_STEPS * 8 < full ? k + FLUSH_STEPS * 8 : full;

#pragma GCC unroll 2
		for (int i = 0; i < 2; i++)
#pragma GCC unroll 4
			for (int j = 0; j < 4; j++)
				acc[i][j] = _mm512_setzero_si512();
		for (; k < stop; k += 8) {
#pragma GCC unroll 2
			for (int i = 0; i < nrows; i++)
				va[i] = _mm512_loadu_si512(ap + i * lda + k);
#pragma GCC unroll 4
			for (int j = 0; j < nr; j++) {
				vb = _mm512_loadu_si512(bq + j * ldb + k);
#pragma GCC unroll 2
				for (int i = 0; i < nrows; i++)
					acc[i][j] = _mm512_add_epi8(acc[i][j],
						popcnt8(bitop(op, va[i], vb), lut, low));
			}
		}
		if (k == full && k < kw) {	/* 1..7 words left */
			__mmask8 m = (__mmask8)((1u << (kw - k)) - 1);

#pragma GCC unroll 2
			for (int i = 0; i < nrows; i++)
				va[i] = _mm512_maskz_loadu_epi64(m, ap + i * lda + k);
#pragma GCC unroll 4
			for (int j = 0; j < nr; j++) {
				vb = _mm512_maskz_loadu_epi64(m, bq + j * ldb + k);
#pragma GCC unroll 2
				for (int i = 0; i < nrows; i++)
					acc[i][j] = _mm512_add_epi8(acc[i][j],
						popcnt8(bitop(op, va[i], vb), lut, low));
			}
			k = kw;
		}
#pragma GCC unroll 2
		for (int i = 0; i < nrows; i++)
#pragma GCC unroll 4
			for (int j = 0; j < nr; j++)
				wide[i][j] = _mm512_add_epi64(wide[i][j],
					_mm512_sad_epu8(acc[i][j], _mm512_setzero_si512()));
	}
#pragma GCC unroll 2
	for (int i = 0; i < nrows; i++)
#pragma GCC unroll 4
		for (int j = 0; j < nr; j++)
			out[i][j] = (uint32_t)_mm512_reduce_add_epi64(wide[i][j]);
}

AI void ukern(enum qnn_popop op, int mr, int nr, size_t kw,
	      size_t pa, const uint64_t *a, size_t lda, size_t sa,
	      size_t pb, const uint64_t *b, size_t ldb, size_t sb,
	      const int32_t *coef, int32_t *c, size_t ldc, int accumulate)
{
	uint32_t total[4][4] = { { 0 } };

	for (size_t p = 0; p < pa; p++) {
		for (size_t q = 0; q < pb; q++) {
			uint32_t cf = (uint32_t)coef[p * pb + q];

#pragma GCC unroll 2
			for (int i0 = 0; i0 < mr; i0 += 2) {
				uint32_t s[2][4];
				int rows = mr - i0 < 2 ? mr - i0 : 2;

				if (rows == 2)
					pass2x4(op, 2, nr, kw, a + p * sa + i0 * lda,
						lda, b + q * sb, ldb, s);
				else
					pass2x4(op, 1, nr, kw, a + p * sa + i0 * lda,
						lda, b + q * sb, ldb, s);
				for (int i = 0; i < rows; i++)
					for (int j = 0; j < nr; j++)
						total[i0 + i][j] += cf * s[i][j];
			}
		}
	}
	for (int i = 0; i < mr; i++)
		for (int j = 0; j < nr; j++) {
			uint32_t v = total[i][j];

			if (accumulate)
				v += (uint32_t)c[i * ldc + j];
			c[i * ldc + j] = (int32_t)v;
		}
}

#define UKERN ukern
#include "kern_blocked.h"

static void lut512_popgemm(enum qnn_popop op, size_t m, size_t n, size_t kw,
			   const uint64_t *a, size_t lda,
			   const uint64_t *b, size_t ldb,
			   int32_t *c, size_t ldc, int32_t alpha, int accumulate)
{
	blocked_popgemm_planes(op, m, n, kw, 1, a, lda, 0, 1, b, ldb, 0,
			       &alpha, c, ldc, accumulate);
}

static void lut512_rowpop(size_t m, size_t kw, const uint64_t *a, size_t lda,
			  int32_t *out)
{
	const __m512i lut = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3,
								 1, 2, 2, 3, 2, 3, 3, 4));
	const __m512i low = _mm512_set1_epi8(0x0f);

	for (size_t i = 0; i < m; i++) {
		const uint64_t *r = a + i * lda;
		__m512i wide = _mm512_setzero_si512();
		size_t k = 0;

		while (k < kw) {
			__m512i acc = _mm512_setzero_si512();

			for (int step = 0; step < FLUSH_STEPS && k < kw; step++, k += 8) {
				__mmask8 msk = (__mmask8)(kw - k >= 8 ? 0xff : (1u << (kw - k)) - 1);

				acc = _mm512_add_epi8(acc, popcnt8(_mm512_maskz_loadu_epi64(msk, r + k),
								   lut, low));
			}
			wide = _mm512_add_epi64(wide, _mm512_sad_epu8(acc, _mm512_setzero_si512()));
		}
		out[i] = (int32_t)(uint32_t)_mm512_reduce_add_epi64(wide);
	}
}

static const struct qnn_kern lut512_table = {
	.name = "avx512bw",
	.popgemm = lut512_popgemm,
	.rowpop = lut512_rowpop,
	.popgemm_planes = blocked_popgemm_planes,
	.pack_words = qnn_kern_pack_none,
	.popgemm_packed = blocked_popgemm_planes,
	.threshold = qnn_kern_threshold_avx512f,
	.threshold_pool = qnn_kern_threshold_pool_avx512f,
	.i16gemm = qnn_kern_i16gemm_avx512bw,
	.rowmax = qnn_kern_rowmax_avx512f,
	.u8gemm = qnn_kern_u8gemm_avx512bw,
	.fconv = qnn_kern_fconv_avx512,
	.needs = QNN_TU_FEATURES,
};

const struct qnn_kern *qnn_kern_avx512bw(void)
{
	return &lut512_table;
}
