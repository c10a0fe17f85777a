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

static inline __attribute__((always_inline)) void
block(size_t nv, size_t n, size_t k, size_t nt, const float *const *x, const float *const *w,
      size_t j0, __m128i last, double *acc)
{
	const __m128i all = _mm_set1_epi32(-1);
	__m256d a[4];

	for (size_t i = 0; i < nv; i++)
		a[i] = _mm256_setzero_pd();
	for (size_t t = 0; t < nt; t++) {
		const float *xt = x[t], *wt = w[t] + j0;

		for (size_t c = 0; c < k; c++) {
			__m256d v = _mm256_set1_pd((double)xt[c]);
			const float *wc = wt + c * n;

			for (size_t i = 0; i < nv; i++) {
				__m128 w4 = _mm_maskload_ps(wc + 4 * i, i == nv - 1 ? last : all);

				a[i] = _mm256_fmadd_pd(v, _mm256_cvtps_pd(w4), a[i]);
			}
		}
	}
	for (size_t i = 0; i < nv; i++)
		_mm256_maskstore_pd(acc + j0 + 4 * i, _mm256_cvtepi32_epi64(i == nv - 1 ? last : all),
				    a[i]);
}

void qnn_kern_fconv_avx2(size_t n, size_t k, size_t nt, const float *const *x,
			 const float *const *w, double *acc)
{
	for (size_t j0 = 0; j0 < n; j0 += 16) {
		size_t rem = n - j0, nv = rem >= 16 ? 4 : (rem + 3) / 4;
		int lanes = rem >= 16 ? 4 : (int)(rem - 4 * (nv - 1));
		__m128i last = _mm_cmpgt_epi32(_mm_set1_epi32(lanes), _mm_setr_epi32(0, 1, 2, 3));

		switch (nv) {
		case 4:
			block(4, n, k, nt, x, w, j0, last, acc);
			break;
		case 3:
			block(3, n, k, nt, x, w, j0, last, acc);
			break;
		case 2:
			block(2, n, k, nt, x, w, j0, last, acc);
			break;
		default:
			block(1, n, k, nt, x, w, j0, last, acc);
			break;
		}
	}
}
