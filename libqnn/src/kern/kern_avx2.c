// SPDX-License-Identifier: MIT
/*
 * AVX2 kernels: 256-bit XOR/AND and a vpshufb nibble-lookup popcount
 * (Mula). Byte counts accumulate for up to 31 steps (31 * 8 < 256) before a
 * vpsadbw folds them into 64-bit lanes, so the per-vector cost is ~7 simple
 * ops. The 4x4 output block runs as two 2x4 passes: 8 byte accumulators
 * plus the lookup table fit the 16 ymm registers. K tails use vpmaskmovq,
 * which never touches masked-out words.
 */
#include <immintrin.h>
#include <string.h>

#include "kern.h"
#include "layout.h"
#include "kern_isa.h"
#include "isa_features.h"

#define AI static inline __attribute__((always_inline))
#define FLUSH_STEPS 31

AI __m256i bitop(enum qnn_popop op, __m256i x, __m256i y)
{
	return op == QNN_POP_XOR ? _mm256_xor_si256(x, y) : _mm256_and_si256(x, y);
}

AI __m256i popcnt8(__m256i x, __m256i lut, __m256i low)
{
	__m256i lo = _mm256_and_si256(x, low);
	__m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low);

	return _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo),
			       _mm256_shuffle_epi8(lut, hi));
}

AI __m256i tail_mask(size_t words)
{
	return _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)words),
				  _mm256_setr_epi64x(0, 1, 2, 3));
}

AI uint64_t hsum64(__m256i v)
{
	__m128i s = _mm_add_epi64(_mm256_castsi256_si128(v),
				  _mm256_extracti128_si256(v, 1));

	return (uint64_t)_mm_cvtsi128_si64(s) + (uint64_t)_mm_extract_epi64(s, 1);
}

/* popcount sums of rows i0, i0+1 (nrows of them) against nr columns */
AI void pass2x4(enum qnn_popop op, int nrows, int nr, size_t kw,
		const uint64_t *ap, size_t lda, const uint64_t *bq, size_t ldb,
		uint32_t out[2][4])
{
	const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
					     0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
	const __m256i low = _mm256_set1_epi8(0x0f);
	__m256i wide[2][4];
	size_t k = 0, full = kw / 4 * 4;

#pragma GCC unroll 2
	for (int i = 0; i < 2; i++)
#pragma GCC unroll 4
		for (int j = 0; j < 4; j++)
			wide[i][j] = _mm256_setzero_si256();
	while (k < kw) {
		__m256i acc[2][4], va[2], vb;
		size_t stop = k + FLUSH_STEPS * 4 < full ? k + FLUSH_STEPS * 4 : full;

#pragma GCC unroll 2
		for (int i = 0; i < 2; i++)
#pragma GCC unroll 4
			for (int j = 0; j < 4; j++)
				acc[i][j] = _mm256_setzero_si256();
		for (; k < stop; k += 4) {
#pragma GCC unroll 2
			for (int i = 0; i < nrows; i++)
				va[i] = _mm256_loadu_si256((const __m256i *)(ap + i * lda + k));
#pragma GCC unroll 4
			for (int j = 0; j < nr; j++) {
				vb = _mm256_loadu_si256((const __m256i *)(bq + j * ldb + k));
#pragma GCC unroll 2
				for (int i = 0; i < nrows; i++)
					acc[i][j] = _mm256_add_epi8(acc[i][j],
						popcnt8(bitop(op, va[i], vb), lut, low));
			}
		}
		if (k == full && k < kw) {	/* 1..3 words left */
			__m256i m = tail_mask(kw - k);

#pragma GCC unroll 2
			for (int i = 0; i < nrows; i++)
				va[i] = _mm256_maskload_epi64((const long long *)(ap + i * lda + k), m);
#pragma GCC unroll 4
			for (int j = 0; j < nr; j++) {
				vb = _mm256_maskload_epi64((const long long *)(bq + j * ldb + k), m);
#pragma GCC unroll 2
				for (int i = 0; i < nrows; i++)
					acc[i][j] = _mm256_add_epi8(acc[i][j],
						popcnt8(bitop(op, va[i], vb), lut, low));
			}
			k = kw;
		}
#pragma GCC unroll 2
		for (int i = 0; i < nrows; i++)
#pragma GCC unroll 4
			for (int j = 0; j < nr; j++)
				wide[i][j] = _mm256_add_epi64(wide[i][j],
					_mm256_sad_epu8(acc[i][j], _mm256_setzero_si256()));
	}
#pragma GCC unroll 2
	for (int i = 0; i < nrows; i++)
#pragma GCC unroll 4
		for (int j = 0; j < nr; j++)
			out[i][j] = (uint32_t)hsum64(wide[i][j]);
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

static void avx2_popgemm(enum qnn_popop op, size_t m, size_t n, size_t kw,
			 const uint64_t *a, size_t lda,
			 const uint64_t *b, size_t ldb,
			 int32_t *c, size_t ldc, int32_t alpha, int accumulate)
{
	blocked_popgemm_planes(op, m, n, kw, 1, a, lda, 0, 1, b, ldb, 0,
			       &alpha, c, ldc, accumulate);
}

static void avx2_rowpop(size_t m, size_t kw, const uint64_t *a, size_t lda,
			int32_t *out)
{
	/* scalar popcnt (-mpopcnt) is as fast as vpshufb for single rows */
	for (size_t i = 0; i < m; i++) {
		uint64_t s = 0;

		for (size_t k = 0; k < kw; k++)
			s += (uint64_t)_mm_popcnt_u64(a[i * lda + k]);
		out[i] = (int32_t)(uint32_t)s;
	}
}

/*
 * 8 channels per step: compare masks -> per-channel codes -> vmovmskps bits.
 * Each output word (64 channels) is assembled in registers, stored once.
 */
static void avx2_threshold(size_t n, const int32_t *acc, size_t nt,
			   const int32_t *th, size_t ldt,
			   const uint64_t *negmask, int flip, uint64_t *out)
{
	const __m256i lanebit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
	const __m256i ones = _mm256_set1_epi32(-1);
	size_t cw = (n + 63) / 64, planes = 0;

	while (((size_t)1 << planes) - 1 < nt)
		planes++;
	for (size_t w = 0; w < cw; w++) {
		uint64_t word[8] = { 0 };
		uint64_t nw = negmask ? negmask[w] : 0;
		size_t c = w * 64, end = n - c < 64 ? n : c + 64;

		for (; c + 8 <= end; c += 8) {
			__m256i a = _mm256_loadu_si256((const __m256i *)(acc + c));
			int nb = (int)(nw >> (c % 64) & 0xff);
			/* lane i all-ones iff channel c+i is negated */
			__m256i neg = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(nb),
							 lanebit), lanebit);
			__m256i code = _mm256_setzero_si256();

			for (size_t t = 0; t < nt; t++) {
				__m256i v = _mm256_loadu_si256((const __m256i *)(th + t * ldt + c));
				__m256i lt = _mm256_cmpgt_epi32(v, a);	/* acc < th */
				__m256i gt = _mm256_cmpgt_epi32(a, v);	/* acc > th */
				/* hit = neg ? !gt : !lt; as all-ones lanes, subtract -1 */
				__m256i miss = _mm256_blendv_epi8(lt, gt, neg);

				code = _mm256_sub_epi32(code, _mm256_xor_si256(miss, ones));
			}
			if (flip)
				code = _mm256_xor_si256(code, ones);
			for (size_t b = 0; b < planes; b++) {
				__m256i bit = _mm256_sll_epi32(code, _mm_cvtsi32_si128((int)(31 - b)));
				uint64_t m = (uint64_t)_mm256_movemask_ps(_mm256_castsi256_ps(bit));

				word[b] |= m << (c % 64);
			}
		}
		if (c < end) {	/* 1..7 channels: the scalar version on a view */
			uint64_t tail[8] = { 0 }, nm = nw >> (c % 64);

			qnn_kern_threshold_scalar(end - c, acc + c, nt, th + c, ldt,
						  negmask ? &nm : NULL, flip, tail);
			for (size_t b = 0; b < planes; b++)
				word[b] |= tail[b] << (c % 64);
		}
		for (size_t b = 0; b < planes; b++)
			out[qnn_lay_pw((unsigned int)b, cw, w * 64)] = word[b];
	}
}

/* i16gemm: as the AVX-512 one (kern_avx512.c), 8 columns per register */
static void avx2_i16gemm(size_t m, size_t n, size_t kk, const int16_t *a, size_t lda,
			 const int16_t *b, int32_t *c, size_t ldc)
{
	size_t np = (n + 15) / 16 * 16, kq = kk / 2;

	for (size_t j0 = 0; j0 < n; j0 += 16) {
		size_t nj = n - j0 < 16 ? n - j0 : 16;

		for (size_t i = 0; i < m; i++) {
			__m256i acc0 = _mm256_setzero_si256(), acc1 = acc0;
			int32_t out[16];

			for (size_t q = 0; q < kq; q++) {
				const int16_t *w = b + (q * np + j0) * 2;
				int32_t pair;
				__m256i x;

				memcpy(&pair, a + i * lda + 2 * q, 4);
				x = _mm256_set1_epi32(pair);
				acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(x,
						_mm256_loadu_si256((const __m256i *)w)));
				acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(x,
						_mm256_loadu_si256((const __m256i *)(w + 16))));
			}
			if (nj == 16) {
				_mm256_storeu_si256((__m256i *)(c + i * ldc + j0), acc0);
				_mm256_storeu_si256((__m256i *)(c + i * ldc + j0 + 8), acc1);
				continue;
			}
			_mm256_storeu_si256((__m256i *)out, acc0);
			_mm256_storeu_si256((__m256i *)(out + 8), acc1);
			memcpy(c + i * ldc + j0, out, nj * sizeof(*out));
		}
	}
}

static void avx2_rowmax(size_t n, size_t nr, const int32_t *const *rows, const int32_t *flip,
			int32_t *dst)
{
	size_t j = 0;

	for (; j + 8 <= n; j += 8) {
		__m256i f = _mm256_loadu_si256((const __m256i *)(flip + j));
		__m256i v = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(rows[0] + j)), f);

		for (size_t r = 1; r < nr; r++)
			v = _mm256_max_epi32(v, _mm256_xor_si256(
				_mm256_loadu_si256((const __m256i *)(rows[r] + j)), f));
		_mm256_storeu_si256((__m256i *)(dst + j), _mm256_xor_si256(v, f));
	}
	if (j < n) {
		const int32_t *tail[64];

		for (size_t r = 0; r < nr && r < 64; r++)
			tail[r] = rows[r] + j;
		if (nr <= 64) {
			qnn_kern_rowmax_scalar(n - j, nr, tail, flip + j, dst + j);
			return;
		}
		for (; j < n; j++) {
			int32_t v = rows[0][j] ^ flip[j];

			for (size_t r = 1; r < nr; r++)
				v = (rows[r][j] ^ flip[j]) > v ? rows[r][j] ^ flip[j] : v;
			dst[j] = v ^ flip[j];
		}
	}
}

/* u8gemm: as the AVX-512 one (kern_avx512.c), 16 columns per register */
static void avx2_u8gemm(size_t m, size_t n, size_t kk, const uint8_t *a, size_t lda,
			const int8_t *b, int32_t *c, size_t ldc)
{
	size_t np = (n + 31) / 32 * 32, kq = kk / 2;

	for (size_t j0 = 0; j0 < n; j0 += 16) {
		size_t nj = n - j0 < 16 ? n - j0 : 16;

		for (size_t i = 0; i < m; i++) {
			__m256i acc = _mm256_setzero_si256();
			int32_t out[16];

			for (size_t q = 0; q < kq; q++) {
				uint16_t pair;

				memcpy(&pair, a + i * lda + 2 * q, 2);
				acc = _mm256_add_epi16(acc, _mm256_maddubs_epi16(_mm256_set1_epi16((short)pair),
						_mm256_loadu_si256((const __m256i *)(b + (q * np + j0) * 2))));
			}
			_mm256_storeu_si256((__m256i *)out, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(acc)));
			_mm256_storeu_si256((__m256i *)(out + 8),
					    _mm256_cvtepi16_epi32(_mm256_extracti128_si256(acc, 1)));
			memcpy(c + i * ldc + j0, out, nj * sizeof(*out));
		}
	}
}

static const struct qnn_kern avx2_table = {
	.name = "avx2",
	.popgemm = avx2_popgemm,
	.rowpop = avx2_rowpop,
	.popgemm_planes = blocked_popgemm_planes,
	.pack_words = qnn_kern_pack_none,
	.popgemm_packed = blocked_popgemm_planes,
	.threshold = avx2_threshold,
	.i16gemm = avx2_i16gemm,
	.rowmax = avx2_rowmax,
	.u8gemm = avx2_u8gemm,
	.fconv = qnn_kern_fconv_avx2,
	.needs = QNN_TU_FEATURES,
};

const struct qnn_kern *qnn_kern_avx2(void)
{
	return &avx2_table;
}
