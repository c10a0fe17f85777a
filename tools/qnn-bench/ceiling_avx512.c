// SPDX-License-Identifier: MIT
/* vpxorq + vpopcntq + vpaddq, 4 rows x 1 column, 8 independent sums. */
#include <immintrin.h>

#include "ceiling_isa.h"

uint64_t ceil_avx512(const uint64_t *a, const uint64_t *b, size_t kw, size_t reps)
{
	__m512i s[8];

	for (int i = 0; i < 8; i++)
		s[i] = _mm512_setzero_si512();
	for (size_t r = 0; r < reps; r++) {
		for (size_t k = 0; k + 16 <= kw; k += 16) {
			__m512i b0 = _mm512_loadu_si512(b + k);
			__m512i b1 = _mm512_loadu_si512(b + k + 8);

#pragma GCC unroll 4
			for (int i = 0; i < 4; i++) {
				s[i] = _mm512_add_epi64(s[i], _mm512_popcnt_epi64(
					_mm512_xor_si512(b0, _mm512_loadu_si512(a + i * kw + k))));
				s[4 + i] = _mm512_add_epi64(s[4 + i], _mm512_popcnt_epi64(
					_mm512_xor_si512(b1, _mm512_loadu_si512(a + i * kw + k + 8))));
			}
		}
	}
	for (int i = 1; i < 8; i++)
		s[0] = _mm512_add_epi64(s[0], s[i]);
	return (uint64_t)_mm512_reduce_add_epi64(s[0]);
}

/*
 * 4 rows x 4 columns, register-blocked like the GEMM micro-kernels: 8 loads
 * per 16 popcounts, so load ports do not cap the figure as they can in the
 * 4 x 1 loop (5 loads per 4 popcounts). b holds 4 rows of kw words.
 */
uint64_t ceil_avx512_4x4(const uint64_t *a, const uint64_t *b, size_t kw, size_t reps)
{
	__m512i s[16];

#pragma GCC unroll 16
	for (int i = 0; i < 16; i++)
		s[i] = _mm512_setzero_si512();
	for (size_t r = 0; r < reps; r++) {
		for (size_t k = 0; k + 8 <= kw; k += 8) {
			__m512i va[4], vb[4];

#pragma GCC unroll 4
			for (int i = 0; i < 4; i++) {
				va[i] = _mm512_loadu_si512(a + i * kw + k);
				vb[i] = _mm512_loadu_si512(b + i * kw + k);
			}
#pragma GCC unroll 4
			for (int i = 0; i < 4; i++)
#pragma GCC unroll 4
				for (int j = 0; j < 4; j++)
					s[i * 4 + j] = _mm512_add_epi64(s[i * 4 + j],
						_mm512_popcnt_epi64(_mm512_xor_si512(va[i], vb[j])));
		}
	}
#pragma GCC unroll 16
	for (int i = 1; i < 16; i++)
		s[0] = _mm512_add_epi64(s[0], s[i]);
	return (uint64_t)_mm512_reduce_add_epi64(s[0]);
}
