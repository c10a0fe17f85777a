// SPDX-License-Identifier: MIT
/*
 * fconv, the scalar table's (and the oracle every other table's fconv
 * must equal bit for bit): an F32-input conv pixel summed in double, over
 * taps, then input channels, with the output channels innermost so a
 * compiler can vectorize it even at the baseline instruction set.
 */
#include "kern.h"
#include "kern_isa.h"

void qnn_kern_fconv_scalar(size_t n, size_t k, size_t nt, const float *const *x,
			   const float *const *w, double *acc)
{
	for (size_t j = 0; j < n; j++)
		acc[j] = 0;
	for (size_t t = 0; t < nt; t++)
		for (size_t c = 0; c < k; c++) {
			double v = x[t][c];
			const float *wc = w[t] + c * n;

			for (size_t j = 0; j < n; j++)
				acc[j] += v * wc[j];
		}
}
