/* SPDX-License-Identifier: MIT */
/*
 * Bitwise compute kernels of libqnn's CPU engine: one table of function
 * pointers per instruction set, picked once per context at run time.
 *
 * Operands are bit-packed as docs/layout.md defines: rows of 64-bit words,
 * tail bits zero. The scalar table is the oracle every other table must equal
 * bit for bit. Design, dispatch and measured figures: docs/kernels.md.
 *
 * Integer results are computed in wrapping 32-bit two's-complement arithmetic
 * (as if every product and sum were done in uint32_t), so blocked and
 * reordered implementations stay bit-exact even if a caller overflows.
 */
#ifndef QNN_KERN_H
#define QNN_KERN_H

#include <stddef.h>
#include <stdint.h>

enum qnn_popop {
	QNN_POP_XOR,	/* bipolar x bipolar */
	QNN_POP_AND,	/* any pair involving an unsigned plane */
};

struct qnn_kern {
	const char *name;	/* "scalar", "avx2", "avx512bw", "avx512", "neon" */

	/*
	 * Popcount GEMM:
	 *   c[i * ldc + j] = (accumulate ? c[i * ldc + j] : 0)
	 *                  + alpha * sum_{k < kw} popcount(a[i * lda + k] OP b[j * ldb + k])
	 * for i < m, j < n. lda, ldb and ldc are in elements (words / int32).
	 * a, b and c need no particular alignment.
	 */
	void (*popgemm)(enum qnn_popop op, size_t m, size_t n, size_t kw,
			const uint64_t *a, size_t lda,
			const uint64_t *b, size_t ldb,
			int32_t *c, size_t ldc, int32_t alpha, int accumulate);

	/* out[i] = sum_{k < kw} popcount(a[i * lda + k]), i < m */
	void (*rowpop)(size_t m, size_t kw, const uint64_t *a, size_t lda,
		       int32_t *out);

	/*
	 * Fused multi-plane popcount GEMM: pa activation planes against pb
	 * weight planes in one pass over the output block, so a k_a-bit x
	 * k_w-bit layer costs about k_a * k_w binary GEMMs and no more:
	 *   c[i * ldc + j] = (accumulate ? c[i * ldc + j] : 0)
	 *     + sum_{p < pa, q < pb} coef[p * pb + q]
	 *         * sum_{k < kw} popcount(a[i * lda + p * sa + k]
	 *                                 OP b[j * ldb + q * sb + k])
	 * Plane p of row i starts sa words after plane p-1 (sb likewise for
	 * b); each plane is kw contiguous words. qnn_im2col_bits() emits rows
	 * in exactly this plane-major form. 1 <= pa, pb <= 8.
	 * popgemm(op, ..., alpha, acc) == popgemm_planes with pa = pb = 1 and
	 * coef = {alpha}.
	 */
	void (*popgemm_planes)(enum qnn_popop op, size_t m, size_t n, size_t kw,
			       size_t pa, const uint64_t *a, size_t lda, size_t sa,
			       size_t pb, const uint64_t *b, size_t ldb, size_t sb,
			       const int32_t *coef,
			       int32_t *c, size_t ldc, int accumulate);

	/*
	 * Pre-packed weights, for b operands used many times (a layer's
	 * weights): pack once at load, then call popgemm_packed per run.
	 * It saves popgemm_planes' per-call repacking (AVX-512 packs b into
	 * 8-column panels), which matters for small m (row tiles, batch 1).
	 *
	 * pack_words(n, kw, pb): words the packed form of n columns x pb
	 *   planes x kw words needs; 0 when this table reads b as it is (then
	 *   pack is NULL and popgemm_packed takes the plain b with ldb, sb).
	 * pack(n, kw, pb, b, ldb, sb, dst): b (layout as popgemm_planes) into
	 *   dst[pack_words(...)]; no alignment needed.
	 * popgemm_packed: exactly popgemm_planes, but b is the packed form
	 *   (ldb and sb are ignored when pack_words != 0). The packed form is
	 *   private to the table that made it.
	 */
	size_t (*pack_words)(size_t n, size_t kw, size_t pb);
	void (*pack)(size_t n, size_t kw, size_t pb, const uint64_t *b,
		     size_t ldb, size_t sb, uint64_t *dst);
	void (*popgemm_packed)(enum qnn_popop op, size_t m, size_t n, size_t kw,
			       size_t pa, const uint64_t *a, size_t lda, size_t sa,
			       size_t pb, const uint64_t *bp, size_t ldb, size_t sb,
			       const int32_t *coef,
			       int32_t *c, size_t ldc, int accumulate);

	/*
	 * Threshold activation of one output pixel into bit-planes
	 * (docs/layout.md, "Thresholds"), for channels c < n:
	 *   code_c = #{ t < nt : neg_c ? acc[c] <= th[t * ldt + c]
	 *                              : acc[c] >= th[t * ldt + c] }
	 * with thresholds stored transposed (threshold t of every channel
	 * contiguous; ldt >= n) and neg_c = bit c of negmask (NULL: none).
	 * nt = 2^B - 1 for a B-bit output, 1 <= B <= 8. Writes B planes of
	 * cw = ceil(n / 64) words: bit c of out[b * cw + c / 64] = bit b of
	 * code_c, inverted when flip (BIPOLAR 1-bit output: +1 is bit 0).
	 * Tail bits (c >= n) are zero.
	 */
	void (*threshold)(size_t n, const int32_t *acc, size_t nt,
			  const int32_t *th, size_t ldt,
			  const uint64_t *negmask, int flip, uint64_t *out);

	/*
	 * Integer GEMM for 8-bit first layers: U8/I8 pixels with few channels,
	 * where bit-planes would cost 8 popcount GEMMs over mostly empty words
	 * (docs/kernels.md, "The 8-bit first layer"):
	 *   c[i * ldc + j] = sum_{k < kk} a[i * lda + k] * w_j[k]   (int32)
	 * for i < m, j < n; kk even (rows zero-padded to it). Exact while
	 * |a|, |w| <= 2^15 / 2 per product pair, i.e. for 8-bit values and
	 * weights. b is w packed by qnn_i16_pack() (one layout, every table).
	 */
	void (*i16gemm)(size_t m, size_t n, size_t kk, const int16_t *a, size_t lda,
			const int16_t *b, int32_t *c, size_t ldc);

	/*
	 * The same product for unsigned bytes and small weights, summed in
	 * 16 bits (AVX-512BW/AVX2 vpmaddubsw: 64 products per instruction):
	 *   c[i * ldc + j] = sum_{k < kk} a[i * lda + k] * w_j[k]   (int32)
	 * a: uint8 rows, kk even. Exact only while every |w| <= 64 and
	 * 255 * sum_k |w_j[k]| <= 32767 for every j (the caller checks); b is
	 * w packed by qnn_u8_pack().
	 */
	void (*u8gemm)(size_t m, size_t n, size_t kk, const uint8_t *a, size_t lda,
		       const int8_t *b, int32_t *c, size_t ldc);

	/*
	 * Max-pool of accumulator rows (a conv fused with its max-pool):
	 *   dst[j] = flip[j] ^ max_{r < nr} (rows[r][j] ^ flip[j]),  j < n
	 * flip[j] is 0 or ~0 (~x reverses the order: a min for that j). dst may
	 * be rows[0], no other row.
	 */
	void (*rowmax)(size_t n, size_t nr, const int32_t *const *rows, const int32_t *flip,
		       int32_t *dst);

	/*
	 * Direct convolution of 8-bit pixels (the 8-bit first layer without
	 * im2col): for output pixels i < m and channels j < n,
	 *   c[i * ldc + j] = sum_{s < ns} sum_{k < 4 * nq}
	 *                      x[i * step + off[s] + k] * w_j[s * 4 * nq + k]
	 * x: unsigned bytes (a zero-padded image); segment s (a window row, or
	 * one tap) is a run of 4 * nq bytes whose bytes past the real window
	 * have weight 0 but are read, so x must extend that far. Weights are
	 * int8 (any value), products exact in int32 (u8 x s8, no saturation).
	 * b: w packed by qnn_u8conv_pack(). NULL in tables without one (the
	 * CPU plan then uses u8gemm/i16gemm).
	 */
	void (*u8conv)(size_t m, size_t n, size_t ns, size_t nq, const uint8_t *x, size_t step,
		       const size_t *off, const int8_t *b, int32_t *c, size_t ldc);

	/*
	 * u8conv with a binary threshold as its epilogue, for a first layer
	 * whose output is one bit per channel: with c_ij what u8conv computes,
	 *   bit j % 64 of out[i * ldo + j / 64] = neg_j ? c_ij <= th[j] : c_ij >= th[j]
	 * (neg_j = bit j of negmask, which is not NULL), ceil(n / 64) words per
	 * pixel, tail bits zero; not inverted (the caller flips BIPOLAR output
	 * and ORs the words of a max-pool window: thresholds are monotone).
	 * NULL where u8conv is.
	 */
	void (*u8conv_bits)(size_t m, size_t n, size_t ns, size_t nq, const uint8_t *x,
			    size_t step, const size_t *off, const int8_t *b, const int32_t *th,
			    const uint64_t *negmask, uint64_t *out, size_t ldo);

	/*
	 * threshold() of npx output pixels in one call, each max-pooled first
	 * (the epilogue of a conv, fused with its max-pool or not): pixel px's
	 * value of channel c is the max -- the min where c is negated, as
	 * thresholds are monotone -- over dy < ph, dx < pw of
	 *   acc[(dy * rs + px * pw + dx) * lda + c]
	 * thresholded as threshold() does into out + px * ldo (words). ph = pw
	 * = 1 is a plain run of rows. NULL in tables without one (the CPU plan
	 * then calls rowmax and threshold per pixel).
	 */
	void (*threshold_pool)(size_t n, size_t npx, size_t ph, size_t pw, size_t rs,
			       const int32_t *acc, size_t lda, size_t nt, const int32_t *th,
			       size_t ldt, const uint64_t *negmask, int flip, uint64_t *out,
			       size_t ldo);

	/*
	 * A binary conv (or dense) layer with a one-bit threshold, fused: no
	 * im2col (each row's words are read in place through a word offset
	 * table) and no int32 accumulators in memory (each count is compared
	 * in its register). For rows i < m and channels j < n:
	 *   pop_ij = sum_{k < kw} popcount(rows[i][off[k]] OP w_j[k])
	 *   bit j % 8 of out[i * ldo + j / 8] = pop_ij <= pth[j]
	 * (ldo in bytes). Bytes j / 8 < ceil(n / 8) of each row are written,
	 * bits past n zero; no other byte. bp is the weights as
	 * popgemm_packed takes them with pb = 1 (pack()ed, or plain rows kw
	 * words apart when pack_words is 0). The caller turns its threshold
	 * test on op's dot product into one on pop (cpu_conv.c). NULL in
	 * tables without one (the CPU plan then uses im2col + popgemm).
	 */
	void (*popconv_bits)(enum qnn_popop op, size_t m, size_t n, size_t kw,
			     const uint64_t *const *rows, const size_t *off, const uint64_t *bp,
			     const int32_t *pth, uint8_t *out, size_t ldo);

	/*
	 * Float convolution (an F32-input layer with small-integer weights,
	 * e.g. a first conv on a float image) of m output pixels that use the
	 * same nt taps (those inside the image), over the n output channels
	 * of one group: for i < m, j < n,
	 *   s_ij = 0.0 + sum_{t < nt} sum_{c < k} (double)x[t][i * xs + c] * w[t][c * n + j]
	 * summed in double in exactly that order (taps, then channels, each
	 * added to the running sum from 0.0), then
	 *   out[i * ldo + j] = (float)s_ij * scale[j] + bias[j]
	 * a float multiply, then a float add (never fused). With integer
	 * weights every product is exact, so an FMA gives the bits a multiply
	 * and an add give, and every table returns the scalar table's bits.
	 * x[t]: tap t's k input channels of pixel 0 (pixel i's xs floats
	 * later); w[t]: that tap's k x n weights, row c at w[t] + c * n. No
	 * alignment needed. Every table has one.
	 */
	void (*fconv)(size_t m, size_t n, size_t k, size_t nt, const float *const *x, size_t xs,
		      const float *const *w, const float *scale, const float *bias, float *out,
		      size_t ldo);

	/*
	 * QNN_CPU_* features this table's code was compiled to use: set to
	 * QNN_TU_FEATURES (isa_features.h) in the table's own file, so it is
	 * exactly what that file's compile flags enable.
	 */
	unsigned long long needs;
};

/*
 * Weights for i16gemm: pairs of k for 16 columns at a time, so one 32-bit
 * broadcast of a row's pair multiplies 16 (AVX-512) or 8 (AVX2) columns:
 *   dst[(q * np + j) * 2 + r] = w[j * ldw + 2q + r]   (0 past n or k)
 * for q < kk / 2, j < np = n rounded up to 16. qnn_i16_pack_len() elements.
 */
size_t qnn_i16_pack_len(size_t n, size_t kk);
/* u8gemm's weights: the same pair layout in bytes, 32 columns at a time */
size_t qnn_u8_pack_len(size_t n, size_t kk);
void qnn_u8_pack(size_t n, size_t k, size_t kk, const int8_t *w, size_t ldw, int8_t *dst);
void qnn_i16_pack(size_t n, size_t k, size_t kk, const int16_t *w, size_t ldw, int16_t *dst);
/*
 * u8conv's weights: segments of `len` values (len <= 4 * nq) per channel,
 * w_j's segment s at w[j * ldw + s * len], as quadruples for 16 columns at a
 * time, so one 32-bit broadcast of 4 pixel bytes feeds a vpdpbusd over 16
 * channels:
 *   dst[((s * nq + q) * np + j) * 4 + r] = w[j * ldw + s * len + 4q + r]
 * (0 past n or len), np = n rounded up to 16; qnn_u8conv_pack_len() bytes.
 */
size_t qnn_u8conv_pack_len(size_t n, size_t ns, size_t nq);
void qnn_u8conv_pack(size_t n, size_t ns, size_t len, size_t nq, const int8_t *w, size_t ldw,
		     int8_t *dst);

/* The portable reference table; always available. */
const struct qnn_kern *qnn_kern_scalar(void);

/*
 * The table for `name` ("scalar", "avx2", "avx512bw", "avx512", "neon"), or
 * the best one
 * this CPU supports when name is "auto". name == NULL means: the table the
 * environment variable QNN_KERNELS names if it is set and not empty, else
 * "auto". Returns NULL when the named table is unknown, not built in, or the
 * CPU (or OS, for AVX state) lacks the instructions. Tables are const and
 * static: selection keeps no state.
 */
const struct qnn_kern *qnn_kern_select(const char *name);

/* Names of the tables built into this library, NULL-terminated. */
const char *const *qnn_kern_names(void);

/*
 * qnn_kern_select() for a CPU with features `have` (QNN_CPU_* bits): a table
 * qualifies iff have covers table->needs beyond qnn_cpu_baseline().
 */
const struct qnn_kern *qnn_kern_select_features(const char *name, unsigned long long have);

/* ---- the CPU probe (cpu_probe.c), the only one in libqnn ---- */

/* Raw CPUID / XCR0 values (x86); xcr0 only meaningful with OSXSAVE. */
struct qnn_cpuid {
	unsigned int max_leaf;			/* CPUID.0:EAX */
	unsigned int l1_ecx, l1_edx;		/* CPUID.1 */
	unsigned int l7_ebx, l7_ecx, l7_edx;	/* CPUID.(7,0) */
	unsigned long long xcr0;		/* XGETBV(0) */
};
unsigned long long qnn_cpu_features_x86(const struct qnn_cpuid *r);
unsigned long long qnn_cpu_features_arm64(unsigned long hwcap);
/* QNN_CPU_* bits of the CPU this process runs on */
unsigned long long qnn_cpu_features(void);
/* QNN_CPU_* bits the whole library is compiled to assume (CFLAGS) */
unsigned long long qnn_cpu_baseline(void);

/*
 * Bit-packed im2col for conv2d (docs/layout.md layout in, plane-major rows
 * out). The input is an N x H x W x C tensor with `planes` bit-planes per
 * pixel and cw = ceil(C / 64) words per plane. Channels are split into
 * `groups` equal groups of C / groups channels; one call gathers one group.
 *
 * Output row r (r = (n * OH + oh) * OW + ow, for rows row0 .. row0+nrows-1,
 * stored at out + (r - row0) * ldo) holds, for each plane p, the window's
 * taps t = ky * KW + kx in order, each tap gw = ceil(C / groups / 64) words:
 *   word  p * (taps * gw) + t * gw + c / 64,  bit c % 64
 * so row length = planes * taps * gw words (ldo >= that), plane stride
 * (popgemm_planes' sa) = taps * gw, kw per plane = taps * gw. Tail bits of
 * each tap are zero, so a weight row packed the same way (per output
 * channel: planes x KH x KW x gw words) dots correctly.
 *
 * Taps that fall outside the input (padding) are written as zero words, as
 * docs/layout.md says. When padmask != NULL, bit t of
 * padmask[(r - row0) * mw + t / 64] (mw = ceil(taps / 64)) is set iff tap t
 * of row r was padded; a ZERO_PAD layer uses it to subtract what the padded
 * taps contributed (docs/kernels.md, "Zero padding").
 *
 * Returns 0, or -EINVAL if the geometry is inconsistent (zero sizes, C not
 * divisible by groups, output size not matching). Pure data movement; no
 * table needed.
 */
struct qnn_conv_geom {
	size_t n, h, w, c;	/* input tensor */
	size_t planes;		/* bit-planes per pixel, 1..8 */
	size_t groups;		/* C % groups == 0 */
	size_t kh, kw;		/* window */
	size_t sh, sw;		/* stride, >= 1 */
	size_t dh, dw;		/* dilation, >= 1 */
	size_t pt, pl;		/* padding before (top, left) */
	size_t oh, ow;		/* output size; pad after is implied */
};

/* oh/ow for padding pt+pb / pl+pr; 0 if the window does not fit. */
size_t qnn_conv_out_size(size_t in, size_t k, size_t stride, size_t dil,
			 size_t pad_before, size_t pad_after);

/* Words per output row of qnn_im2col_bits for this geometry. */
size_t qnn_im2col_row_words(const struct qnn_conv_geom *g);

int qnn_im2col_bits(const struct qnn_conv_geom *g, size_t group,
		    const uint64_t *in, size_t row0, size_t nrows,
		    uint64_t *out, size_t ldo, uint64_t *padmask);

/*
 * Copy `cbits` channels starting at channel `cbit0` out of a packed plane
 * (src words) into dst[0 .. ceil(cbits/64)-1], zero tail. Used by im2col for
 * groups whose channel range is not word-aligned, and by weight repacking.
 */
void qnn_bits_extract(const uint64_t *src, size_t cbit0, size_t cbits,
		      uint64_t *dst);

#endif /* QNN_KERN_H */
