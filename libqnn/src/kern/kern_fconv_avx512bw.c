// SPDX-License-Identifier: MIT
/*
 * fconv with AVX-512F: 8 output channels (doubles) per vector, up to 32
 * channels held in registers over the whole pixel (all taps, all input
 * channels), so each weight is loaded once and converted, and each sum
 * stays in its register until the pixel is done. Each channel's sum is
 * still 0.0, then + x * w in tap-then-channel order: the products are
 * exact (integer weights), so the FMA rounds exactly as the scalar
 * table's multiply + add do. Needs F and VL only; the file is compiled
 * with the *_avx512bw.c flags so every AVX-512 table can use it.
 */
#include <immintrin.h>

#include "isa_features.h"
#include "kern.h"
#include "kern_isa.h"

const unsigned long long qnn_kern_fconv_avx512_needs = QNN_TU_FEATURES;

/* channels j0 .. j0 + 8 * nv - 1 of one pixel, the last vector's lanes in `last` */
static inline __attribute__((always_inline)) void
block(size_t nv, size_t n, size_t k, size_t nt, const float *const *x, const float *const *w,
      size_t j0, __mmask8 last, double *acc)
{
	__m512d a[4];

	for (size_t i = 0; i < nv; i++)
		a[i] = _mm512_setzero_pd();
	for (size_t t = 0; t < nt; t++) {
		const float *xt = x[t], *wt = w[t] + j0;

		for (size_t c = 0; c < k; c++) {
			__m512d v = _mm512_set1_pd((double)xt[c]);
			const float *wc = wt + c * n;

			for (size_t i = 0; i < nv; i++) {
				__mmask8 mk = i == nv - 1 ? last : 0xff;
				__m512d wv = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(mk, wc + 8 * i));

				a[i] = _mm512_fmadd_pd(v, wv, a[i]);
			}
		}
	}
	for (size_t i = 0; i < nv; i++)
		_mm512_mask_storeu_pd(acc + j0 + 8 * i, i == nv - 1 ? last : 0xff, a[i]);
}

void qnn_kern_fconv_avx512(size_t n, size_t k, size_t nt, const float *const *x,
			   const float *const *w, double *acc)
{
	for (size_t j0 = 0; j0 < n; j0 += 32) {
		size_t rem = n - j0, nv = rem >= 32 ? 4 : (rem + 7) / 8;
		size_t lanes = rem >= 32 ? 8 : rem - 8 * (nv - 1);
		__mmask8 last = (__mmask8)((1u << lanes) - 1);

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
