// SPDX-License-Identifier: MIT
/*
 * fconv with AVX2 + FMA: 4 output channels (doubles) per vector, up to 16
 * channels in registers over the whole pixel; the tail's loads and stores
 * are masked. Same sums in the same order as the scalar table (see
 * kern_fconv_avx512bw.c for why the FMA gives the same bits).
 */
#include <immintrin.h>

#include "kern.h"
#include "kern_isa.h"

/* nv is a constant after inlining, so a0..a3 stay in registers */
#define FMA4(i, a)								\
	do {									\
		if (nv > (i))							\
			a = _mm256_fmadd_pd(v, _mm256_cvtps_pd(_mm_maskload_ps(	\
				wc + 4 * (i), nv == (i) + 1 ? last : all)), a);	\
	} while (0)
#define STORE4(i, a)								\
	do {									\
		if (nv > (i)) {							\
			__m128i mk = nv == (i) + 1 ? last : all;		\
			__m128 f = _mm256_cvtpd_ps(a);				\
										\
			f = _mm_mul_ps(f, _mm_maskload_ps(scale + j0 + 4 * (i), mk));	\
			f = _mm_add_ps(f, _mm_maskload_ps(bias + j0 + 4 * (i), mk));	\
			_mm_maskstore_ps(o + j0 + 4 * (i), mk, f);		\
		}								\
	} while (0)

static inline __attribute__((always_inline)) void
block(size_t nv, size_t n, size_t k, size_t nt, const float *const *x, size_t xo,
      const float *const *w, size_t j0, __m128i last, const float *scale, const float *bias,
      float *o)
{
	const __m128i all = _mm_set1_epi32(-1);
	__m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;

	for (size_t t = 0; t < nt; t++) {
		const float *xt = x[t] + xo, *wt = w[t] + j0;

		for (size_t c = 0; c < k; c++) {
			__m256d v = _mm256_set1_pd((double)xt[c]);
			const float *wc = wt + c * n;

			FMA4(0, a0);
			FMA4(1, a1);
			FMA4(2, a2);
			FMA4(3, a3);
		}
	}
	STORE4(0, a0);
	STORE4(1, a1);
	STORE4(2, a2);
	STORE4(3, a3);
}

void qnn_kern_fconv_avx2(size_t m, size_t n, size_t k, size_t nt, const float *const *x,
			 size_t xs, const float *const *w, const float *scale, const float *bias,
			 float *out, size_t ldo)
{
	for (size_t i = 0; i < m; i++)
		for (size_t j0 = 0; j0 < n; j0 += 16) {
			size_t rem = n - j0, nv = rem >= 16 ? 4 : (rem + 3) / 4;
			int lanes = rem >= 16 ? 4 : (int)(rem - 4 * (nv - 1));
			__m128i last = _mm_cmpgt_epi32(_mm_set1_epi32(lanes),
						       _mm_setr_epi32(0, 1, 2, 3));
			float *o = out + i * ldo;

			switch (nv) {
			case 4:
				block(4, n, k, nt, x, i * xs, w, j0, last, scale, bias, o);
				break;
			case 3:
				block(3, n, k, nt, x, i * xs, w, j0, last, scale, bias, o);
				break;
			case 2:
				block(2, n, k, nt, x, i * xs, w, j0, last, scale, bias, o);
				break;
			default:
				block(1, n, k, nt, x, i * xs, w, j0, last, scale, bias, o);
				break;
			}
		}
}
