/* SPDX-License-Identifier: MIT */
/*
 * Random and hand-picked job generators for the job selftests: each builds
 * one command into a stream and allocates its tensors through a small
 * memory interface (device BOs in the VM, plain memory in a host harness),
 * filling every input twice: the device's copy and the reference's copy.
 */
#ifndef QNN_CS_GEN_H
#define QNN_CS_GEN_H

#include <stdint.h>
#include "cs_build.h"

#define CS_MAX_BUFS 64

struct cs_buf {
	uint64_t va;
	uint64_t size;
	int ro;			/* the device may only read it */
	uint8_t *dev;		/* what the device sees (BO mapping) */
	uint8_t *ref;		/* the reference's copy */
	uint32_t handle;	/* BO handle, device memory only */
};

/*
 * What a device advertises (DRM_QNN_PARAM_OPS, MAX_WEIGHT_BITS,
 * MAX_ACT_BITS): random generators pick only what fits.
 */
struct cs_caps {
	uint32_t ops;		/* DRM_QNN_OP_* */
	uint8_t wbits;		/* widest weights */
	uint8_t abits;		/* widest activations */
};

struct cs_mem;
struct cs_mem_ops {
	/* fill b->va, b->dev, b->handle for b->size bytes; 0 or -errno */
	int (*alloc)(struct cs_mem *m, struct cs_buf *b);
	void (*free)(struct cs_mem *m, struct cs_buf *b);
};

struct cs_mem {
	const struct cs_mem_ops *ops;
	void *priv;
	struct cs_buf bufs[CS_MAX_BUFS];
	int n;
	int err;		/* first allocation error */
	uint64_t rng;
	const struct cs_caps *caps;	/* NULL: every op and width */
};

/* Which encodings a generator may pick. */
struct cs_enc {
	uint8_t enc;		/* 0 = random */
	uint8_t bits;		/* 0 = random (1..maxbits) */
};

struct cs_conv_spec {
	struct cs_enc a, w;
	int dense;
	uint32_t n, h, w_, c, oc;	/* 0 = random */
	uint32_t k;			/* square kernel, 0 = random */
	uint32_t stride, pad;		/* stride 0 = random; pad: with pad_set */
	int pad_set;
	int zero_pad;			/* -1 random, 0, 1 */
	uint32_t mode;			/* QNN_CS_OUT_*, 0 = random */
};

void cs_mem_init(struct cs_mem *m, const struct cs_mem_ops *ops, void *priv,
		 uint64_t seed);
void cs_mem_reset(struct cs_mem *m);
struct cs_buf *cs_mem_buf(struct cs_mem *m, uint64_t size, int ro);
uint64_t cs_rnd(struct cs_mem *m);

/* An input tensor (random data) / a zeroed output tensor: sets t->va. */
void cs_gen_tensor_in(struct cs_mem *m, struct qnn_cs_tensor *t);
void cs_gen_tensor_out(struct cs_mem *m, struct qnn_cs_tensor *t);
/*
 * A random output stage in @mode (0: random) and its output tensor
 * n x h x w x c (allocated); @mag: rough accumulator magnitude.
 */
void cs_gen_epi(struct cs_mem *m, uint32_t mode, struct qnn_cs_epilogue *e,
		struct qnn_cs_tensor *out, uint32_t n, uint32_t h, uint32_t w,
		uint32_t c, int64_t mag);

void cs_gen_conv(struct cs_mem *m, struct cs_builder *b,
		 const struct cs_conv_spec *s);
void cs_gen_pool(struct cs_mem *m, struct cs_builder *b, struct cs_enc e);
void cs_gen_add(struct cs_mem *m, struct cs_builder *b);
void cs_gen_unary(struct cs_mem *m, struct cs_builder *b, int transform);
/* Any one of the above at random. */
void cs_gen_any(struct cs_mem *m, struct cs_builder *b);

/* Run the stream's commands on the reference copies. */
void cs_gen_reference(struct cs_mem *m, const struct cs_builder *b);
/* Index of the first buffer whose device copy differs, or -1. */
int cs_gen_compare(const struct cs_mem *m);

#endif
