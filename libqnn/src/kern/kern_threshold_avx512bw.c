// SPDX-License-Identifier: MIT
/*
 * The AVX-512F threshold kernel, shared by the avx512 and avx512bw tables.
 * It lives in its own file (suffix _avx512bw.c: AVX-512 F/BW/VL without
 * VPOPCNTDQ) so that code the avx512bw table runs is never compiled with
 * instructions that table does not require; test_cpu_probe checks that its
 * features are within both tables' `needs`.
 */
#include <immintrin.h>

#include "kern.h"
#include "layout.h"
#include "kern_isa.h"
#include "isa_features.h"

#define AI static inline __attribute__((always_inline))

const unsigned long long qnn_kern_threshold_avx512f_needs = QNN_TU_FEATURES;

/* opmask of the channels c .. c+15 (< n) that hit threshold row t */
AI __mmask16 thr_hit(__m512i a, const int32_t *tht, __mmask16 valid, __mmask16 neg)
{
	__m512i v = _mm512_maskz_loadu_epi32(valid, tht);

	return (__mmask16)((_mm512_cmpge_epi32_mask(a, v) & ~neg) |
			   (_mm512_cmple_epi32_mask(a, v) & neg));
}

/* binary output (one threshold): each 64-channel word straight from masks */
static void threshold1(size_t n, const int32_t *acc, const int32_t *th,
		       const uint64_t *negmask, int flip, uint64_t *out)
{
	size_t cw = (n + 63) / 64;

	for (size_t w = 0; w < cw; w++) {
		uint64_t word = 0, nw = negmask ? negmask[w] : 0;
		size_t c0 = w * 64, left = n - c0;
		uint64_t valid = left >= 64 ? ~0ULL : (1ULL << left) - 1;

		for (size_t s = 0; s < 4 && s * 16 < left; s++) {
			size_t c = c0 + s * 16;
			__mmask16 vm = (__mmask16)(valid >> (s * 16));
			__m512i a = _mm512_maskz_loadu_epi32(vm, acc + c);

			word |= (uint64_t)thr_hit(a, th + c, vm, (__mmask16)(nw >> (s * 16)))
				<< (s * 16);
		}
		out[qnn_lay_pw(0, cw, w * 64)] = (flip ? ~word : word) & valid;
	}
}

/*
 * 16 channels per step, compares into opmasks. Each output word (64
 * channels) is assembled in registers and stored once, so consecutive
 * steps do not read-modify-write the same word through memory. Binary
 * outputs (nt == 1) use the hit mask directly. AVX-512F only (no popcount),
 * so the avx512bw table shares it.
 */
void qnn_kern_threshold_avx512f(size_t n, const int32_t *acc, size_t nt,
				const int32_t *th, size_t ldt,
				const uint64_t *negmask, int flip, uint64_t *out)
{
	size_t cw = (n + 63) / 64, planes = 0;
	const __m512i one = _mm512_set1_epi32(1);

	if (nt == 1) {
		threshold1(n, acc, th, negmask, flip, out);
		return;
	}
	while (((size_t)1 << planes) - 1 < nt)
		planes++;
	for (size_t w = 0; w < cw; w++) {
		uint64_t word[8] = { 0 };
		uint64_t nw = negmask ? negmask[w] : 0;

		for (size_t s = 0; s < 4 && w * 64 + s * 16 < n; s++) {
			size_t c = w * 64 + s * 16, left = n - c;
			__mmask16 valid = (__mmask16)(left >= 16 ? 0xffff : (1u << left) - 1);
			__mmask16 neg = (__mmask16)(nw >> (s * 16));
			__m512i a = _mm512_maskz_loadu_epi32(valid, acc + c);
			__m512i code = _mm512_setzero_si512();

			for (size_t t = 0; t < nt; t++)
				code = _mm512_mask_add_epi32(code,
					thr_hit(a, th + t * ldt + c, valid, neg), code, one);
			if (flip)
				code = _mm512_xor_si512(code, _mm512_set1_epi32(-1));
			for (size_t b = 0; b < planes; b++) {
				__mmask16 m = _mm512_test_epi32_mask(code,
							_mm512_set1_epi32(1 << b));

				word[b] |= (uint64_t)(m & valid) << (s * 16);
			}
		}
		for (size_t b = 0; b < planes; b++)
			out[qnn_lay_pw((unsigned int)b, cw, w * 64)] = word[b];
	}
}

/*
 * The pooled value of 16 channels: max over the window, min in negated
 * lanes (both taken, one blend: cheaper than flipping every row).
 */
AI __m512i pool16(const int32_t *a0, size_t ph, size_t pw, size_t rs, size_t lda,
		  __mmask16 valid, __mmask16 neg)
{
	__m512i mx = _mm512_maskz_loadu_epi32(valid, a0), mn = mx;

	for (size_t dy = 0; dy < ph; dy++)
		for (size_t dx = !dy; dx < pw; dx++) {
			__m512i v = _mm512_maskz_loadu_epi32(valid, a0 + (dy * rs + dx) * lda);

			mx = _mm512_max_epi32(mx, v);
			mn = _mm512_min_epi32(mn, v);
		}
	return _mm512_mask_blend_epi32(neg, mx, mn);
}

/*
 * Binary outputs: each output word straight from the hit masks. PH, PW
 * are constants at the call sites below (the common windows), so the
 * window loop unrolls.
 */
AI void tpool1(size_t n, size_t npx, size_t PH, size_t PW, size_t rs, const int32_t *acc,
	       size_t lda, const int32_t *th, const uint64_t *negmask, int flip, uint64_t *out,
	       size_t ldo)
{
	size_t cw = (n + 63) / 64;

	for (size_t px = 0; px < npx; px++) {
		const int32_t *a0 = acc + px * PW * lda;

		for (size_t w = 0; w < cw; w++) {
			uint64_t word = 0, nw = negmask ? negmask[w] : 0;
			size_t left = n - w * 64;
			uint64_t vw = left >= 64 ? ~0ULL : (1ULL << left) - 1;

			for (size_t s = 0; s < 4 && s * 16 < left; s++) {
				size_t c = w * 64 + s * 16;
				__mmask16 valid = (__mmask16)(vw >> (s * 16));
				__mmask16 neg = (__mmask16)(nw >> (s * 16));
				__m512i a = pool16(a0 + c, PH, PW, rs, lda, valid, neg);

				word |= (uint64_t)thr_hit(a, th + c, valid, neg) << (s * 16);
			}
			out[px * ldo + qnn_lay_pw(0, cw, w * 64)] = (flip ? ~word : word) & vw;
		}
	}
}

void qnn_kern_threshold_pool_avx512f(size_t n, size_t npx, size_t ph, size_t pw, size_t rs,
				     const int32_t *acc, size_t lda, size_t nt, const int32_t *th,
				     size_t ldt, const uint64_t *negmask, int flip, uint64_t *out,
				     size_t ldo)
{
	size_t cw = (n + 63) / 64, planes = 0;
	const __m512i one = _mm512_set1_epi32(1);

	if (nt == 1) {
		if (ph == 1 && pw == 1)
			tpool1(n, npx, 1, 1, rs, acc, lda, th, negmask, flip, out, ldo);
		else if (ph == 2 && pw == 2)
			tpool1(n, npx, 2, 2, rs, acc, lda, th, negmask, flip, out, ldo);
		else
			tpool1(n, npx, ph, pw, rs, acc, lda, th, negmask, flip, out, ldo);
		return;
	}
	while (((size_t)1 << planes) - 1 < nt)
		planes++;
	for (size_t px = 0; px < npx; px++) {
		const int32_t *a0 = acc + px * pw * lda;
		uint64_t *o = out + px * ldo;

		for (size_t w = 0; w < cw; w++) {
			uint64_t word[8] = { 0 };
			uint64_t nw = negmask ? negmask[w] : 0;
			size_t left = n - w * 64;
			uint64_t vw = left >= 64 ? ~0ULL : (1ULL << left) - 1;

			for (size_t s = 0; s < 4 && s * 16 < left; s++) {
				size_t c = w * 64 + s * 16;
				__mmask16 valid = (__mmask16)(vw >> (s * 16));
				__mmask16 neg = (__mmask16)(nw >> (s * 16));
				__m512i a = pool16(a0 + c, ph, pw, rs, lda, valid, neg);
				__m512i code = _mm512_setzero_si512();

				for (size_t t = 0; t < nt; t++)
					code = _mm512_mask_add_epi32(code,
						thr_hit(a, th + t * ldt + c, valid, neg), code, one);
				if (flip)
					code = _mm512_xor_si512(code, _mm512_set1_epi32(-1));
				for (size_t b = 0; b < planes; b++) {
					__mmask16 m = _mm512_test_epi32_mask(code,
								_mm512_set1_epi32(1 << b));

					word[b] |= (uint64_t)(m & valid) << (s * 16);
				}
			}
			for (size_t b = 0; b < planes; b++)
				o[qnn_lay_pw((unsigned int)b, cw, w * 64)] = word[b];
		}
	}
}
