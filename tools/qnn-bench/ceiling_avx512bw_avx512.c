// SPDX-License-Identifier: MIT
/*
 * AVX-512BW without VPOPCNTDQ: vpxorq + vpshufb nibble lookup on 512-bit
 * registers, byte sums folded with vpsadbw (the avx512bw table's scheme),
 * 4 rows x 1 column. Like libqnn's kern_avx512bw_avx512.c, GCC is told not
 * to use VPOPCNTDQ/BITALG here, so the loop runs on CPUs without them.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC target("no-avx512vpopcntdq,no-avx512bitalg")
#endif

#include <immintrin.h>

#include "ceiling_isa.h"

uint64_t ceil_avx512bw(const uint64_t *a, const uint64_t *b, size_t kw, size_t reps)
{
	const __m512i lut = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3,
								 1, 2, 2, 3, 2, 3, 3, 4));
	const __m512i low = _mm512_set1_epi8(0x0f);
	__m512i wide = _mm512_setzero_si512();

	for (size_t r = 0; r < reps; r++) {
		/* kw = 64 words = 8 steps of 8: byte sums stay < 256 */
		__m512i s[4];

#pragma GCC unroll 4
		for (int i = 0; i < 4; i++)
			s[i] = _mm512_setzero_si512();
		for (size_t k = 0; k + 8 <= kw; k += 8) {
			__m512i vb = _mm512_loadu_si512(b + k);

#pragma GCC unroll 4
			for (int i = 0; i < 4; i++) {
				__m512i x = _mm512_xor_si512(vb, _mm512_loadu_si512(a + i * kw + k));
				__m512i lo = _mm512_and_si512(x, low);
				__m512i hi = _mm512_and_si512(_mm512_srli_epi16(x, 4), low);

				s[i] = _mm512_add_epi8(s[i], _mm512_add_epi8(_mm512_shuffle_epi8(lut, lo),
									   _mm512_shuffle_epi8(lut, hi)));
			}
		}
#pragma GCC unroll 4
		for (int i = 0; i < 4; i++)
			wide = _mm512_add_epi64(wide, _mm512_sad_epu8(s[i], _mm512_setzero_si512()));
	}
	return (uint64_t)_mm512_reduce_add_epi64(wide);
}
