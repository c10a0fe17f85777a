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

struct u8c {
	size_t m, n, np, ns, nq, step, ldc, ldo;
	const uint8_t *x;
	const size_t *off;
	const int8_t *b;
	int32_t *c;		/* u8conv: accumulators */
	const int32_t *th;	/* u8conv_bits: thresholds, negate mask, bit rows */
	const uint64_t *neg;
	uint64_t *ob;
};

/*
 * R output pixels x NB blocks of 16 channels (j0 ..): every weight vector
 * loaded once per (segment, quad) and used by R pixels, each pixel's 4
 * bytes broadcast once and used by NB blocks. R * NB <= 16 accumulators.
 * BITS: threshold each block into its 16 bits of the pixel's word
 * (j0 is a multiple of 64) instead of storing the accumulators.
 */
AI void u8conv_tile(int R, int NB, int BITS, const struct u8c *u, size_t i, size_t j0)
{
	__m512i acc[4][4];
	uint64_t word[4] = { 0, 0, 0, 0 };

	#pragma GCC unroll 4
	for (int r = 0; r < R; r++)
		#pragma GCC unroll 4
		for (int q = 0; q < NB; q++)
			acc[r][q] = _mm512_setzero_si512();
	for (size_t s = 0; s < u->ns; s++) {
		const uint8_t *xs = u->x + i * u->step + u->off[s];

		for (size_t q = 0; q < u->nq; q++) {
			const int8_t *w = u->b + ((s * u->nq + q) * u->np + j0) * 4;
			__m512i wv[4];

			#pragma GCC unroll 4
			for (int k = 0; k < NB; k++)
				wv[k] = _mm512_loadu_si512(w + 64 * k);
			#pragma GCC unroll 4
			for (int r = 0; r < R; r++) {
				__m512i xv = bcast4(xs + r * u->step + 4 * q);

				#pragma GCC unroll 4
				for (int k = 0; k < NB; k++)
					acc[r][k] = _mm512_dpbusd_epi32(acc[r][k], xv, wv[k]);
			}
		}
	}
	#pragma GCC unroll 4
	for (int k = 0; k < NB; k++) {
		size_t j = j0 + 16 * (size_t)k, left = u->n - j;
		__mmask16 msk = (__mmask16)(left >= 16 ? 0xffff : (1u << left) - 1);

		if (BITS) {
			__m512i t = _mm512_maskz_loadu_epi32(msk, u->th + j);
			__mmask16 neg = (__mmask16)(u->neg[j / 64] >> (j % 64));

			#pragma GCC unroll 4
			for (int r = 0; r < R; r++) {
				__mmask16 hit = (__mmask16)((_mm512_cmpge_epi32_mask(acc[r][k], t) & ~neg) |
							    (_mm512_cmple_epi32_mask(acc[r][k], t) & neg));

				word[r] |= (uint64_t)(hit & msk) << (16 * k);
			}
			continue;
		}
		#pragma GCC unroll 4
		for (int r = 0; r < R; r++)
			_mm512_mask_storeu_epi32(u->c + (i + r) * u->ldc + j, msk, acc[r][k]);
	}
	if (BITS)
		#pragma GCC unroll 4
		for (int r = 0; r < R; r++)
			u->ob[(i + r) * u->ldo + j0 / 64] = word[r];
}

AI void u8conv_cols(int NB, int BITS, const struct u8c *u, size_t j0)
{
	size_t i = 0;

	for (; i + 4 <= u->m; i += 4)
		u8conv_tile(4, NB, BITS, u, i, j0);
	for (; i < u->m; i++)
		u8conv_tile(1, NB, BITS, u, i, j0);
}

/* 64 channels at a time, the last chunk with its own block count */
AI void u8conv_all(int BITS, const struct u8c *u)
{
	for (size_t j0 = 0; j0 < u->n; j0 += 64) {
		switch ((u->n - j0 >= 64 ? 64 : u->n - j0 + 15) / 16) {
		case 1:
			u8conv_cols(1, BITS, u, j0);
			break;
		case 2:
			u8conv_cols(2, BITS, u, j0);
			break;
		case 3:
			u8conv_cols(3, BITS, u, j0);
			break;
		default:
			u8conv_cols(4, BITS, u, j0);
			break;
		}
	}
}

static void vnni_u8conv(size_t m, size_t n, size_t ns, size_t nq, const uint8_t *x, size_t step,
			const size_t *off, const int8_t *b, int32_t *c, size_t ldc)
{
	struct u8c u = {
		.m = m, .n = n, .np = (n + 15) / 16 * 16, .ns = ns, .nq = nq, .step = step,
		.ldc = ldc, .x = x, .off = off, .b = b, .c = c,
	};

	u8conv_all(0, &u);
}

static void vnni_u8conv_bits(size_t m, size_t n, size_t ns, size_t nq, const uint8_t *x,
			     size_t step, const size_t *off, const int8_t *b, const int32_t *th,
			     const uint64_t *negmask, uint64_t *out, size_t ldo)
{
	struct u8c u = {
		.m = m, .n = n, .np = (n + 15) / 16 * 16, .ns = ns, .nq = nq, .step = step,
		.ldo = ldo, .x = x, .off = off, .b = b, .th = th, .neg = negmask, .ob = out,
	};

	u8conv_all(1, &u);
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
	.u8conv_bits = vnni_u8conv_bits,
	.popconv_bits = qnn_kern_avx512_popconv_bits,
	.fconv = qnn_kern_fconv_avx512,
	.needs = QNN_TU_FEATURES,
};

const struct qnn_kern *qnn_kern_avx512vnni(void)
{
	return &vnni_table;
}
