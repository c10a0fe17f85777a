// SPDX-License-Identifier: MIT
/*
 * AVX2 has no vector popcount: vpxor + vpshufb nibble lookup, byte sums
 * folded with vpsadbw every 31 steps (the kernels' scheme), 4 rows x 1.
 */
#include <immintrin.h>

#include "ceiling_isa.h"

static __m256i pop8(__m256i x, __m256i lut, __m256i low)
{
	return _mm256_add_epi8(_mm256_shuffle_epi8(lut, _mm256_and_si256(x, low)),
			       _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(x, 4), low)));
}

uint64_t ceil_avx2(const uint64_t *a, const uint64_t *b, size_t kw, size_t reps)
{
	const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
					     0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
	const __m256i low = _mm256_set1_epi8(0x0f);
	__m256i wide = _mm256_setzero_si256();

	for (size_t r = 0; r < reps; r++) {
		/* kw = 64 words = 16 steps of 4: byte sums stay < 256 */
		__m256i s[4];

		for (int i = 0; i < 4; i++)
			s[i] = _mm256_setzero_si256();
		for (size_t k = 0; k + 4 <= kw; k += 4) {
			__m256i vb = _mm256_loadu_si256((const __m256i *)(b + k));

#pragma GCC unroll 4
			for (int i = 0; i < 4; i++)
				s[i] = _mm256_add_epi8(s[i], pop8(_mm256_xor_si256(vb,
					_mm256_loadu_si256((const __m256i *)(a + i * kw + k))), lut, low));
		}
		for (int i = 0; i < 4; i++)
			wide = _mm256_add_epi64(wide, _mm256_sad_epu8(s[i], _mm256_setzero_si256()));
	}
	return (uint64_t)_mm256_extract_epi64(wide, 0) + (uint64_t)_mm256_extract_epi64(wide, 1) +
	       (uint64_t)_mm256_extract_epi64(wide, 2) + (uint64_t)_mm256_extract_epi64(wide, 3);
}
