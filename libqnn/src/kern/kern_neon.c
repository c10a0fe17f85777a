// SPDX-License-Identifier: MIT
/*
 * NEON kernels (aarch64): 128-bit EOR/AND, vcntq_u8 byte popcounts folded
 * pairwise into 16-bit lanes with vpadalq_u8. Micro-kernel: 4 rows x 4
 * columns, 16 uint16x8 accumulators plus 8 operands in the 32 vector
 * registers. The blocked driver hands at most KB_KC = 512 words (256
 * steps, <= 16 per lane each) to one call, so 16-bit lanes cannot
 * overflow (256 * 16 = 4096) and no mid-loop flush is needed. An odd
 * last word is loaded alone with a zero upper half.
 */
#include <arm_neon.h>

#include "kern.h"
#include "layout.h"
#include "kern_isa.h"
#include "isa_features.h"

#define AI static inline __attribute__((always_inline))

AI uint8x16_t bitop(enum qnn_popop op, uint8x16_t x, uint8x16_t y)
{
	return op == QNN_POP_XOR ? veorq_u8(x, y) : vandq_u8(x, y);
}

AI uint8x16_t load2(const uint64_t *p)
{
	return vreinterpretq_u8_u64(vld1q_u64(p));
}

AI uint8x16_t load1(const uint64_t *p)
{
	return vreinterpretq_u8_u64(vcombine_u64(vld1_u64(p), vdup_n_u64(0)));
}

AI void ukern(enum qnn_popop op, int mr, int nr, size_t kw,
	      size_t pa, const uint64_t *a, size_t lda, size_t sa,
	      size_t pb, const uint64_t *b, size_t ldb, size_t sb,
	      const int32_t *coef, int32_t *c, size_t ldc, int accumulate)
{
	uint32_t total[4][4] = { { 0 } };

	for (size_t p = 0; p < pa; p++) {
		for (size_t q = 0; q < pb; q++) {
			const uint64_t *ap = a + p * sa, *bq = b + q * sb;
			uint32_t cf = (uint32_t)coef[p * pb + q];
			uint16x8_t acc[4][4];
			uint8x16_t va[4], vb[4];
			size_t k = 0;

#pragma GCC unroll 4
			for (int i = 0; i < 4; i++)
#pragma GCC unroll 4
				for (int j = 0; j < 4; j++)
					acc[i][j] = vdupq_n_u16(0);
			for (; k + 2 <= kw; k += 2) {
#pragma GCC unroll 4
				for (int i = 0; i < mr; i++)
					va[i] = load2(ap + i * lda + k);
#pragma GCC unroll 4
				for (int j = 0; j < nr; j++)
					vb[j] = load2(bq + j * ldb + k);
#pragma GCC unroll 4
				for (int i = 0; i < mr; i++)
#pragma GCC unroll 4
					for (int j = 0; j < nr; j++)
						acc[i][j] = vpadalq_u8(acc[i][j],
							vcntq_u8(bitop(op, va[i], vb[j])));
			}
			if (k < kw) {
#pragma GCC unroll 4
				for (int i = 0; i < mr; i++)
					va[i] = load1(ap + i * lda + k);
#pragma GCC unroll 4
				for (int j = 0; j < nr; j++)
					vb[j] = load1(bq + j * ldb + k);
#pragma GCC unroll 4
				for (int i = 0; i < mr; i++)
#pragma GCC unroll 4
					for (int j = 0; j < nr; j++)
						acc[i][j] = vpadalq_u8(acc[i][j],
							vcntq_u8(bitop(op, va[i], vb[j])));
			}
#pragma GCC unroll 4
			for (int i = 0; i < mr; i++)
#pragma GCC unroll 4
				for (int j = 0; j < nr; j++)
					total[i][j] += cf * vaddlvq_u16(acc[i][j]);
		}
	}
	for (int i = 0; i < mr; i++)
		for (int j = 0; j < nr; j++) {
			uint32_t v = total[i][j];

			if (accumulate)
				v += (uint32_t)c[i * ldc + j];
			c[i * ldc + j] = (int32_t)v;
		}
}

#define UKERN ukern
#include "kern_blocked.h"

static void neon_popgemm(enum qnn_popop op, size_t m, size_t n, size_t kw,
			 const uint64_t *a, size_t lda,
			 const uint64_t *b, size_t ldb,
			 int32_t *c, size_t ldc, int32_t alpha, int accumulate)
{
	blocked_popgemm_planes(op, m, n, kw, 1, a, lda, 0, 1, b, ldb, 0,
			       &alpha, c, ldc, accumulate);
}

static void neon_rowpop(size_t m, size_t kw, const uint64_t *a, size_t lda,
			int32_t *out)
{
	for (size_t i = 0; i < m; i++) {
		const uint64_t *r = a + i * lda;
		uint32x4_t acc = vdupq_n_u32(0);
		size_t k = 0;

		/* <= 256 steps per 16-bit fold: at most 256 * 16 per lane */
		while (k + 2 <= kw) {
			uint16x8_t s = vdupq_n_u16(0);
			size_t stop = k + 512 < kw ? k + 512 : kw;

			for (; k + 2 <= stop; k += 2)
				s = vpadalq_u8(s, vcntq_u8(load2(r + k)));
			acc = vpadalq_u16(acc, s);
		}
		if (k < kw)
			acc = vpadalq_u16(acc, vpaddlq_u8(vcntq_u8(load1(r + k))));
		out[i] = (int32_t)vaddvq_u32(acc);
	}
}

/*
 * 4 channels per step: vcge/vcle lane masks, a per-channel code counted by
 * subtracting the all-ones hit lanes, then bit b of 4 codes gathered into 4
 * output bits by weighting lanes 1, 2, 4, 8 and adding across (vaddvq).
 * Each output word is assembled in a register and stored once.
 */
static void neon_threshold(size_t n, const int32_t *acc, size_t nt,
			   const int32_t *th, size_t ldt,
			   const uint64_t *negmask, int flip, uint64_t *out)
{
	static const uint32_t lanebit[4] = { 1, 2, 4, 8 };
	const uint32x4_t lb = vld1q_u32(lanebit);
	size_t cw = (n + 63) / 64, planes = 0;

	while (((size_t)1 << planes) - 1 < nt)
		planes++;
	for (size_t w = 0; w < cw; w++) {
		uint64_t word[8] = { 0 };
		uint64_t nw = negmask ? negmask[w] : 0;
		size_t c = w * 64, end = n - c < 64 ? n : c + 64;

		for (; c + 4 <= end; c += 4) {
			int32x4_t a = vld1q_s32(acc + c);
			/* lane i all-ones iff channel c+i is negated */
			uint32x4_t neg = vtstq_u32(vdupq_n_u32((uint32_t)(nw >> (c % 64)) & 0xf), lb);
			uint32x4_t code = vdupq_n_u32(0);

			for (size_t t = 0; t < nt; t++) {
				int32x4_t v = vld1q_s32(th + t * ldt + c);
				uint32x4_t hit = vbslq_u32(neg, vcleq_s32(a, v), vcgeq_s32(a, v));

				code = vsubq_u32(code, hit);
			}
			if (flip)
				code = vmvnq_u32(code);
			for (size_t b = 0; b < planes; b++) {
				uint32x4_t bit = vandq_u32(vshlq_u32(code, vdupq_n_s32(-(int32_t)b)),
							   vdupq_n_u32(1));

				word[b] |= (uint64_t)vaddvq_u32(vmulq_u32(bit, lb)) << (c % 64);
			}
		}
		if (c < end) {	/* 1..3 channels: the scalar version on a view */
			uint64_t tail[8] = { 0 }, nm = nw >> (c % 64);

			qnn_kern_threshold_scalar(end - c, acc + c, nt, th + c, ldt,
						  negmask ? &nm : NULL, flip, tail);
			for (size_t b = 0; b < planes; b++)
				word[b] |= tail[b] << (c % 64);
		}
		for (size_t b = 0; b < planes; b++)
			out[qnn_lay_pw((unsigned int)b, cw, w * 64)] = word[b];
	}
}

static const struct qnn_kern neon_table = {
	.name = "neon",
	.popgemm = neon_popgemm,
	.rowpop = neon_rowpop,
	.popgemm_planes = blocked_popgemm_planes,
	.pack_words = qnn_kern_pack_none,
	.popgemm_packed = blocked_popgemm_planes,
	.threshold = neon_threshold,
	.i16gemm = qnn_kern_i16gemm_scalar,	/* gcc vectorizes it well enough for a first layer */
	.rowmax = qnn_kern_rowmax_scalar,
	.u8gemm = qnn_kern_u8gemm_scalar,
	.fconv = qnn_kern_fconv_scalar,
	.needs = QNN_TU_FEATURES,
};

const struct qnn_kern *qnn_kern_neon(void)
{
	return &neon_table;
}
