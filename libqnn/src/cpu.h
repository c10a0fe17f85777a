/* SPDX-License-Identifier: MIT */
/* CPU backend internals: per-layer plans and the op entry points. */
#ifndef QNN_CPU_H
#define QNN_CPU_H

#include "internal.h"

/* Everything one layer run needs; built by qnn_cpu_run per layer. */
struct cpu_exec {
	struct qnn_model *m;
	const struct qnn_layer *l;
	const struct qnn_kern *k;
	unsigned int batch;
	void **ptr;		/* per tensor: base of `batch` images */
	unsigned int threads;	/* 0: all of the pool */
	void *aux;		/* the layer's scratch for all images */
	void *aux2;
	uint8_t *scratch;	/* per worker: scratch_bytes each */
	size_t scratch_bytes;
	int inline_worker;	/* >= 0: run tasks here as that worker, no pool */
};

/* Below this many word operations a layer is not worth waking the pool for. */
#define CPU_MIN_PARALLEL_WORK 40000

/*
 * Runs fn over n tasks: on the pool, or inline -- inside an image-parallel
 * task, or when the whole job (`work`, in word operations) is too small to
 * pay for waking other threads.
 */
/* Integer results stored as I32 saturate (the device's rule too). */
static inline int32_t sat_i32(int64_t v)
{
	return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

static inline void cpu_tasks_w(struct cpu_exec *e, size_t n, qnn_task_fn fn, void *arg,
			       size_t work)
{
	if (e->inline_worker >= 0 || work < CPU_MIN_PARALLEL_WORK) {
		unsigned int w = e->inline_worker >= 0 ? (unsigned int)e->inline_worker : 0;

		for (size_t i = 0; i < n; i++)
			fn(arg, i, w);
		return;
	}
	qnn_pool_run(e->m->ctx->pool, n, fn, arg, e->threads);
}

static inline void cpu_tasks(struct cpu_exec *e, size_t n, qnn_task_fn fn, void *arg)
{
	cpu_tasks_w(e, n, fn, arg, (size_t)-1);
}

enum conv_mode {
	CONV_TAPS,	/* word-aligned taps: kern im2col */
	CONV_DENSE,	/* taps packed bit-dense (few channels) */
	CONV_FLOAT,	/* F32 input */
	CONV_INT8,	/* U8/I8 input, small window: i16gemm on byte values */
	CONV_GROUPED,	/* few channels per group: cpu_gconv.c */
};

struct conv_plan {
	enum conv_mode mode;
	uint32_t c, cg, o, og, g, taps, ho, wo;
	unsigned int pa, pb;	/* activation / weight planes */
	unsigned int in_enc;	/* encoding of the (packed) input */
	int pack_input;		/* U8/I8 input: packed to 8 planes in aux */
	enum qnn_popop op;
	int32_t coef[64];	/* pa x pb */
	size_t kwp;		/* words per plane in a row */
	size_t row_words;	/* pa * kwp */
	size_t wrow;		/* words per weight row: pb * kwp */
	const uint64_t *w;	/* o rows of wrow words */
	uint64_t *wcopy;
	int32_t *colconst;	/* per output channel */
	int need_rowpop;
	int pixsum;		/* U8/I8 input: per-pixel channel sums in aux2 */
	int32_t rowcoef[8];	/* per activation plane */
	int32_t *wtap;		/* o x taps weight sums, ZERO_PAD correction */
	int32_t a0;		/* value of a padded (zero-bit) activation */
	float *wf;		/* CONV_FLOAT: o x taps x cg */
	float *fsb;		/* CONV_FLOAT: o scales (1 if none), then o biases (0 if none) */
	uint64_t *wpk;		/* weights packed by the kernel table, per group */
	size_t wpk_group;	/* words per group in wpk (0: unpacked) */
	int32_t *tht;		/* BITS out: thresholds transposed, colconst folded */
	uint64_t *negmask;	/* BITS out: negate flags as a bit mask */
	unsigned int nt;	/* thresholds per channel */
	size_t *tapoff;		/* per tap: word offset from the window's first pixel */
	size_t pixw;		/* words per input pixel (all planes) */
	size_t rows_per_task;
	struct qnn_conv_geom geom;
	/* CONV_INT8: windows of kk int16 values (taps x cg, zero-padded to even) */
	size_t kk;
	int16_t *wi16;		/* weights packed by qnn_i16_pack */
	/*
	 * ZERO_PAD by padding class: output pixels whose windows pad the same
	 * taps share one correction per channel, folded into their own
	 * threshold table (thtc), so a row needs no per-tap work.
	 */
	uint16_t *padclass;	/* per output pixel (ho x wo): its class, 0 = none */
	unsigned int npadcls;
	int32_t *padcorr;	/* npadcls x o: what +1 padding added */
	int32_t *thtc;		/* BITS out: npadcls x nt x o thresholds */
	/*
	 * A 2D max-pool fused into this conv (cpu_conv_fuse_pool): a task
	 * computes the pkh conv rows of one pool row, pools the accumulators
	 * (max, or min for negated channels: thresholds are monotone) and
	 * thresholds once per pool output; the conv output is never stored.
	 */
	int pool_out;		/* the pool's output tensor, -1: not fused */
	uint32_t pkh, pkw, pho, pwo;
	int32_t *psign;		/* per channel: 0, or ~0 when negated (flips the order) */
	size_t *tapoff8;	/* per tap: byte offset from the window's first pixel */
	size_t *koff8;		/* per window value k < taps x cg: its byte offset */
	int8_t *wu8;		/* U8 input, small weights: packed by qnn_u8_pack (u8gemm) */
	/*
	 * CONV_INT8 through the table's u8conv (direct, no im2col): each image
	 * copied into aux zero-padded (I8: biased by 128, so padding is 0x80
	 * and colconst takes 128 * sum w back), windows read in place.
	 */
	int8_t *wdc;		/* weights packed by qnn_u8conv_pack, NULL: not used */
	size_t dc_ns, dc_nq;	/* segments per window, byte quads per segment */
	size_t *dc_off;		/* per segment: byte offset from the window's corner */
	size_t dc_hp, dc_wp;	/* padded image rows, columns */
	size_t dc_img;		/* bytes per padded image in aux */
	size_t dc_px;		/* bytes per pixel of the image u8conv reads */
	size_t dc_st;		/* > 0: window rows stacked (stack_rows), bytes before the plain image */
	/*
	 * Bit inputs of a padded conv whose rows need no padding mask: a task
	 * copies the input rows its windows read, with zero-word borders, into
	 * a strip in its worker's scratch (at most bpad_rows rows of
	 * geom.w = padded width pixels), so every window takes im2col's
	 * interior path; geom and tapoff describe the padded image (no padding
	 * left). Tasks then stay within one image.
	 */
	int bpad;
	size_t bpad_rows;
	struct gconv_plan *gconv;	/* CONV_GROUPED: the whole plan */
	/*
	 * Binary layers with a one-bit output through the table's
	 * popconv_bits (no im2col, no accumulators in memory): each row's
	 * words read in place at woff[k] from its window's first pixel, the
	 * threshold turned into one on the popcount (bit = pop <= pth[j]),
	 * then XORed with pinv (channels whose test is pop > T) before a
	 * pool's OR and the BIPOLAR flip. NULL pth: not used.
	 */
	int32_t *pth;
	uint64_t *pinv;
	size_t *woff;
};

size_t cpu_conv_scratch(const struct qnn_model *m, const struct qnn_layer *l);
int cpu_conv_prepare(struct qnn_model *m, struct qnn_layer *l, char *err, size_t errlen);
void cpu_conv_free(struct conv_plan *p);
void cpu_conv_run(struct cpu_exec *e);
/* Fuses MAXPOOL `pool` (the conv's only consumer) into `conv`: 1 if done. */
int cpu_conv_fuse_pool(struct qnn_model *m, struct qnn_layer *conv, const struct qnn_layer *pool);

void cpu_pool_run(struct cpu_exec *e);
void cpu_misc_run(struct cpu_exec *e);

/* Output transform of one accumulator row (conv epilogue, THRESHOLD). */
void cpu_transform_row(const struct qnn_model *m, const struct qnn_layer *l,
		       const int32_t *acc, void *out);

#endif /* QNN_CPU_H */
