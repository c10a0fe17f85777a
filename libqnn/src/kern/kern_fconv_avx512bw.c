// SPDX-License-Identifier: MIT
/*
 * fconv with AVX-512F: 8 output channels (doubles) per vector, up to 32
 * channels held in registers over the whole pixel (all taps, all input
 * channels), so each weight is loaded once and converted, and each sum
 * stays in its register until the pixel is done. Each channel's sum is
 * still 0.0, then + x * w in tap-then-channel order: the products are
 * exact (integer weights), so the FMA rounds exactly as the scalar
 * table's multiply + add do. The epilogue's float multiply and add stay
 * two instructions: the library is built with -std=c11, where GCC does not
 * contract them (test_kern_fconv would see the difference). Needs F and VL only; the file is compiled
 * with the *_avx512bw.c flags so every AVX-512 table can use it.
 */
#include <immintrin.h>

#include "isa_features.h"
#include "kern.h"
#include "kern_isa.h"

const unsigned long long qnn_kern_fconv_avx512_needs = QNN_TU_FEATURES;

/*
 * channels j0 .. j0 + 8 * nv - 1 of one pixel, the last vector's lanes in
 * `last`; nv is a constant after inlining, so a0..a3 stay in registers
 */
#define FMA8(i, a)								\
	do {									\
		if (nv > (i))							\
			a = _mm512_fmadd_pd(v, _mm512_cvtps_pd(_mm256_maskz_loadu_ps(	\
				nv == (i) + 1 ? last : 0xff, wc + 8 * (i))), a);	\
	} while (0)
#define STORE8(i, a)								\
	do {									\
		if (nv > (i)) {							\
			__mmask8 mk = nv == (i) + 1 ? last : 0xff;		\
			__m256 f = _mm512_cvtpd_ps(a);				\
										\
			f = _mm256_mul_ps(f, _mm256_maskz_loadu_ps(mk, scale + j0 + 8 * (i)));	\
			f = _mm256_add_ps(f, _mm256_maskz_loadu_ps(mk, bias + j0 + 8 * (i)));	\
			_mm256_mask_storeu_ps(o + j0 + 8 * (i), mk, f);		\
		}								\
	} while (0)

static inline __attribute__((always_inline)) void
block(size_t nv, size_t n, size_t k, size_t nt, const float *const *x, size_t xo,
      const float *const *w, size_t j0, __mmask8 last, const float *scale, const float *bias,
      float *o)
{
	__m512d a0 = _mm512_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;

	for (size_t t = 0; t < nt; t++) {
		const float *xt = x[t] + xo, *wt = w[t] + j0;

		for (size_t c = 0; c < k; c++) {
			__m512d v = _mm512_set1_pd((double)xt[c]);
			const float *wc = wt + c * n;

			FMA8(0, a0);
			FMA8(1, a1);
			FMA8(2, a2);
			FMA8(3, a3);
		}
	}
	STORE8(0, a0);
	STORE8(1, a1);
	STORE8(2, a2);
	STORE8(3, a3);
}

void qnn_kern_fconv_avx512(size_t m, size_t n, size_t k, size_t nt, const float *const *x,
			   size_t xs, const float *const *w, const float *scale, const float *bias,
			   float *out, size_t ldo)
{
	for (size_t i = 0; i < m; i++)
		for (size_t j0 = 0; j0 < n; j0 += 32) {
			size_t rem = n - j0, nv = rem >= 32 ? 4 : (rem + 7) / 8;
			size_t lanes = rem >= 32 ? 8 : rem - 8 * (nv - 1);
			__mmask8 last = (__mmask8)((1u << lanes) - 1);
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
