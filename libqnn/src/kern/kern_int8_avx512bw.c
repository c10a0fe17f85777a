// SPDX-License-Identifier: MIT
/*
 * The 8-bit first-layer kernels (i16gemm, u8gemm) and rowmax (a conv fused
 * with its max-pool) for AVX-512, shared by the avx512 and avx512bw tables.
 * Their own file (suffix _avx512bw.c: AVX-512 F/BW/VL without VPOPCNTDQ),
 * as kern_threshold_avx512bw.c, so the avx512bw table never runs code
 * compiled for instructions it does not require.
 */
#include <immintrin.h>
#include <string.h>

#include "kern.h"
#include "kern_isa.h"
#include "isa_features.h"

const unsigned long long qnn_kern_int8_avx512bw_needs = QNN_TU_FEATURES;

/*
 * i16gemm: 32 columns per pass in two registers of 16 int32; each k pair of
 * a row is one 32-bit broadcast, vpmaddwd multiplies it with 16 columns'
 * weight pairs and adds the two products. Four rows share each weight load.
 */
void qnn_kern_i16gemm_avx512bw(size_t m, size_t n, size_t kk, const int16_t *a, size_t lda,
			       const int16_t *b, int32_t *c, size_t ldc)
{
	size_t np = (n + 15) / 16 * 16, kq = kk / 2;

	for (size_t j0 = 0; j0 < n; j0 += 32) {
		size_t nj = n - j0 < 32 ? n - j0 : 32;
		__mmask16 m0 = (__mmask16)(nj >= 16 ? 0xffff : (1u << nj) - 1);
		__mmask16 m1 = (__mmask16)(nj >= 32 ? 0xffff : nj > 16 ? (1u << (nj - 16)) - 1 : 0);
		size_t i = 0;

		for (; i + 4 <= m; i += 4) {
			__m512i acc[4][2];

			for (int r = 0; r < 4; r++)
				acc[r][0] = acc[r][1] = _mm512_setzero_si512();
			for (size_t q = 0; q < kq; q++) {
				const int16_t *w = b + (q * np + j0) * 2;
				__m512i w0 = _mm512_loadu_si512(w);
				__m512i w1 = m1 ? _mm512_loadu_si512(w + 32) : w0;

				for (int r = 0; r < 4; r++) {
					int32_t pair;
					__m512i x;

					memcpy(&pair, a + (i + r) * lda + 2 * q, 4);
					x = _mm512_set1_epi32(pair);
					acc[r][0] = _mm512_add_epi32(acc[r][0], _mm512_madd_epi16(x, w0));
					acc[r][1] = _mm512_add_epi32(acc[r][1], _mm512_madd_epi16(x, w1));
				}
			}
			for (int r = 0; r < 4; r++) {
				_mm512_mask_storeu_epi32(c + (i + r) * ldc + j0, m0, acc[r][0]);
				if (m1)
					_mm512_mask_storeu_epi32(c + (i + r) * ldc + j0 + 16, m1, acc[r][1]);
			}
		}
		for (; i < m; i++) {
			__m512i acc0 = _mm512_setzero_si512(), acc1 = acc0;

			for (size_t q = 0; q < kq; q++) {
				const int16_t *w = b + (q * np + j0) * 2;
				int32_t pair;
				__m512i x;

				memcpy(&pair, a + i * lda + 2 * q, 4);
				x = _mm512_set1_epi32(pair);
				acc0 = _mm512_add_epi32(acc0, _mm512_madd_epi16(x, _mm512_loadu_si512(w)));
				if (m1)
					acc1 = _mm512_add_epi32(acc1, _mm512_madd_epi16(x, _mm512_loadu_si512(w + 32)));
			}
			_mm512_mask_storeu_epi32(c + i * ldc + j0, m0, acc0);
			if (m1)
				_mm512_mask_storeu_epi32(c + i * ldc + j0 + 16, m1, acc1);
		}
	}
}

/*
 * u8gemm: each row's byte pair broadcast, vpmaddubsw against 32 columns'
 * weight pairs (unsigned x signed, two products summed into 16 bits),
 * accumulated in 16 bits (kern.h bounds keep it exact), widened at the end.
 * Four rows share each weight load.
 */
void qnn_kern_u8gemm_avx512bw(size_t m, size_t n, size_t kk, const uint8_t *a, size_t lda,
			      const int8_t *b, int32_t *c, size_t ldc)
{
	size_t np = (n + 31) / 32 * 32, kq = kk / 2;

	for (size_t j0 = 0; j0 < n; j0 += 32) {
		size_t nj = n - j0 < 32 ? n - j0 : 32;
		__mmask16 m0 = (__mmask16)(nj >= 16 ? 0xffff : (1u << nj) - 1);
		__mmask16 m1 = (__mmask16)(nj >= 32 ? 0xffff : nj > 16 ? (1u << (nj - 16)) - 1 : 0);

		for (size_t i = 0; i < m; i += 4) {
			size_t rows = m - i < 4 ? m - i : 4;
			__m512i acc[4];

			for (int r = 0; r < 4; r++)
				acc[r] = _mm512_setzero_si512();
			for (size_t q = 0; q < kq; q++) {
				__m512i w = _mm512_loadu_si512(b + (q * np + j0) * 2);

				for (size_t r = 0; r < rows; r++) {
					uint16_t pair;

					memcpy(&pair, a + (i + r) * lda + 2 * q, 2);
					acc[r] = _mm512_add_epi16(acc[r], _mm512_maddubs_epi16(
								_mm512_set1_epi16((short)pair), w));
				}
			}
			for (size_t r = 0; r < rows; r++) {
				int32_t *cr = c + (i + r) * ldc + j0;

				_mm512_mask_storeu_epi32(cr, m0,
					_mm512_cvtepi16_epi32(_mm512_castsi512_si256(acc[r])));
				if (m1)
					_mm512_mask_storeu_epi32(cr + 16, m1,
						_mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(acc[r], 1)));
			}
		}
	}
}

void qnn_kern_rowmax_avx512f(size_t n, size_t nr, const int32_t *const *rows,
			     const int32_t *flip, int32_t *dst)
{
	for (size_t j = 0; j < n; j += 16) {
		__mmask16 m = (__mmask16)(n - j >= 16 ? 0xffff : (1u << (n - j)) - 1);
		__m512i f = _mm512_maskz_loadu_epi32(m, flip + j);
		__m512i v = _mm512_xor_si512(_mm512_maskz_loadu_epi32(m, rows[0] + j), f);

		for (size_t r = 1; r < nr; r++)
			v = _mm512_max_epi32(v, _mm512_xor_si512(_mm512_maskz_loadu_epi32(m, rows[r] + j), f));
		_mm512_mask_storeu_epi32(dst + j, m, _mm512_xor_si512(v, f));
	}
}
