// SPDX-License-Identifier: MIT
/*
 * fconv, the scalar table's (and the oracle every other table's fconv
 * must equal bit for bit): an F32-input conv summed in double, over taps,
 * then input channels, with the output channels innermost (in chunks of a
 * local buffer) so a compiler can vectorize it even at the baseline
 * instruction set.
 */
#include "kern.h"
#include "kern_isa.h"

#define CHUNK 64

void qnn_kern_fconv_scalar(size_t m, size_t n, size_t k, size_t nt, const float *const *x,
			   size_t xs, const float *const *w, const float *scale, const float *bias,
			   float *out, size_t ldo)
{
	for (size_t i = 0; i < m; i++)
		for (size_t j0 = 0; j0 < n; j0 += CHUNK) {
			size_t nb = n - j0 < CHUNK ? n - j0 : CHUNK;
			double s[CHUNK];

			for (size_t j = 0; j < nb; j++)
				s[j] = 0;
			for (size_t t = 0; t < nt; t++)
				for (size_t c = 0; c < k; c++) {
					double v = x[t][i * xs + c];
					const float *wc = w[t] + c * n + j0;

					for (size_t j = 0; j < nb; j++)
						s[j] += v * wc[j];
				}
			for (size_t j = 0; j < nb; j++)
				out[i * ldo + j0 + j] = (float)s[j] * scale[j0 + j] + bias[j0 + j];
		}
}
