// SPDX-License-Identifier: MIT
/*
 * The avx512vnni table: the avx512 table plus u8conv, the 8-bit first
 * layer as a direct convolution with vpdpbusd (AVX512-VNNI: 4 u8 x s8
 * products summed into each int32 lane, no saturation). Its own file
 * (suffix _avx512vnni.c: the avx512 flags plus -mavx512vnni) so the avx512
 * table never runs VNNI code; this table's `needs` covers VNNI and, through
 * the same flags, everything the shared avx512 functions use.
 */
#include <immintrin.h>
#include <string.h>

#include "kern.h"
#include "kern_isa.h"
#include "isa_features.h"

#define AI static inline __attribute__((always_inline))

AI __m512i bcast4(const uint8_t *p)
{
	int32_t v;

	memcpy(&v, p, 4);
	return _mm512_set1_epi32(v);
}

/*
 * R output pixels x NB blocks of 16 channels (j0 ..): every weight vector
 * loaded once per (segment, quad) and used by R pixels, each pixel's 4
 * bytes broadcast once and used by NB blocks. R * NB <= 16 accumulators.
 */
AI void u8conv_tile(int R, int NB, size_t i, size_t j0, size_t n, size_t np, size_t ns,
		    size_t nq, const uint8_t *x, size_t step, const size_t *off,
		    const int8_t *b, int32_t *c, size_t ldc)
{
	__m512i acc[4][4];

	#pragma GCC unroll 4
	for (int r = 0; r < R; r++)
		#pragma GCC unroll 4
		for (int q = 0; q < NB; q++)
			acc[r][q] = _mm512_setzero_si512();
	for (size_t s = 0; s < ns; s++) {
		const uint8_t *xs = x + i * step + off[s];

		for (size_t q = 0; q < nq; q++) {
			const int8_t *w = b + ((s * nq + q) * np + j0) * 4;
			__m512i wv[4];

			#pragma GCC unroll 4
			for (int k = 0; k < NB; k++)
				wv[k] = _mm512_loadu_si512(w + 64 * k);
			#pragma GCC unroll 4
			for (int r = 0; r < R; r++) {
				__m512i xv = bcast4(xs + r * step + 4 * q);

				#pragma GCC unroll 4
				for (int k = 0; k < NB; k++)
					acc[r][k] = _mm512_dpbusd_epi32(acc[r][k], xv, wv[k]);
			}
		}
	}
	#pragma GCC unroll 4
	for (int k = 0; k < NB; k++) {
		size_t j = j0 + 16 * (size_t)k, left = n - j;
		__mmask16 msk = (__mmask16)(left >= 16 ? 0xffff : (1u << left) - 1);

		#pragma GCC unroll 4
		for (int r = 0; r < R; r++)
			_mm512_mask_storeu_epi32(c + (i + r) * ldc + j, msk, acc[r][k]);
	}
}

AI void u8conv_cols(int NB, size_t m, size_t j0, size_t n, size_t np, size_t ns, size_t nq,
		    const uint8_t *x, size_t step, const size_t *off, const int8_t *b,
		    int32_t *c, size_t ldc)
{
	size_t i = 0;

	for (; i + 4 <= m; i += 4)
		u8conv_tile(4, NB, i, j0, n, np, ns, nq, x, step, off, b, c, ldc);
	for (; i < m; i++)
		u8conv_tile(1, NB, i, j0, n, np, ns, nq, x, step, off, b, c, ldc);
}

static void vnni_u8conv(size_t m, size_t n, size_t ns, size_t nq, const uint8_t *x, size_t step,
			const size_t *off, const int8_t *b, int32_t *c, size_t ldc)
{
	size_t np = (n + 15) / 16 * 16;

	/* 64 channels at a time, the last chunk with its own block count */
	for (size_t j0 = 0; j0 < n; j0 += 64) {
		switch ((n - j0 >= 64 ? 64 : n - j0 + 15) / 16) {
		case 1:
			u8conv_cols(1, m, j0, n, np, ns, nq, x, step, off, b, c, ldc);
			break;
		case 2:
			u8conv_cols(2, m, j0, n, np, ns, nq, x, step, off, b, c, ldc);
			break;
		case 3:
			u8conv_cols(3, m, j0, n, np, ns, nq, x, step, off, b, c, ldc);
			break;
		default:
			u8conv_cols(4, m, j0, n, np, ns, nq, x, step, off, b, c, ldc);
			break;
		}
	}
}

static const struct qnn_kern vnni_table = {
	.name = "avx512vnni",
	.popgemm = qnn_kern_avx512_popgemm,
	.rowpop = qnn_kern_avx512_rowpop,
	.popgemm_planes = qnn_kern_avx512_popgemm_planes,
	.pack_words = qnn_kern_avx512_pack_words,
	.pack = qnn_kern_avx512_pack,
	.popgemm_packed = qnn_kern_avx512_popgemm_packed,
	.threshold = qnn_kern_threshold_avx512f,
	.threshold_pool = qnn_kern_threshold_pool_avx512f,
	.i16gemm = qnn_kern_i16gemm_avx512bw,
	.rowmax = qnn_kern_rowmax_avx512f,
	.u8gemm = qnn_kern_u8gemm_avx512bw,
	.u8conv = vnni_u8conv,
	.needs = QNN_TU_FEATURES,
};

const struct qnn_kern *qnn_kern_avx512vnni(void)
{
	return &vnni_table;
}
