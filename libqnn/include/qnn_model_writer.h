/* SPDX-License-Identifier: MIT */
/*
 * Building .qnn model files (docs/model-format.md): used by qnn-convert, the
 * tests and the benchmarks. The writer checks each call as the loader would
 * (shapes, references, op constraints), so a file it writes always loads.
 *
 * Tensor ids are small positive integers returned by the add calls; 0 means
 * "none" in every field that takes an id, so a zero-initialised descriptor
 * has no optional inputs.
 */
#ifndef QNN_MODEL_WRITER_H
#define QNN_MODEL_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include "qnn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Layer operations (values stored in .qnn files; see docs/model-format.md). */
enum qnn_op {
	/*
	 * in: input (BITS any encoding, U8, I8, F32); weights: BITS constant
	 * O x KH x KW x (C/groups). Output transform chosen by the output's
	 * dtype: BITS via thresholds (+ optional negate), I32 raw accumulator
	 * (+ optional I32 bias, I8 shift), F32 acc * scale + bias (scale F32
	 * per channel or I8 power-of-two shifts; bias F32).
	 */
	QNN_OP_CONV2D = 1,
	/* conv2d whose kernel covers the whole input (H x W); no flatten needed */
	QNN_OP_DENSE = 2,
	QNN_OP_MAXPOOL = 3,	/* any dtype, BITS of any encoding */
	QNN_OP_AVGPOOL = 4,	/* -> F32 mean, or I32 window sum */
	QNN_OP_GLOBAL_AVGPOOL = 5,	/* -> F32 mean, or I32 sum */
	QNN_OP_ADD = 6,		/* residual: two inputs -> I32 or F32 */
	QNN_OP_THRESHOLD = 7,	/* I32 -> BITS via thresholds (+ negate) */
	QNN_OP_DEQUANT = 8,	/* BITS/I32/U8/I8 -> F32: scale/bias or levels */
	QNN_OP_FLATTEN = 9,	/* N x H x W x C -> N x 1 x 1 x HWC */
	QNN_OP_TOPK = 10,	/* F32/I32 N x 1 x 1 x C -> I32 indices, k of them */
	QNN_OP_QUANTIZE = 11,	/* F32 -> U8/I8 (scale, round half even) */
	QNN_OP_CONCAT = 12,	/* x (C1), y (C2) of one type and H x W -> C1 + C2 channels */
	QNN_OP_SOFTMAX = 13,	/* F32 -> F32 softmax over the channels of each pixel */
};

/* enum qnn_layer_flags */
#define QNN_LAYER_ZERO_PAD (1u << 0)	/* bipolar input: padding means 0, not +1 */
/* AVGPOOL: divide by the window's taps inside the input (docs/model-format.md) */
#define QNN_LAYER_AVG_VALID (1u << 1)
/* SOFTMAX: log-softmax (x - max - log sum exp(x - max)) */
#define QNN_LAYER_SOFTMAX_LOG (1u << 2)

struct qnn_writer;

int qnn_writer_create(struct qnn_writer **out);
void qnn_writer_free(struct qnn_writer *w);
/* Message of the last failed call on w, "" if none. */
const char *qnn_writer_errmsg(const struct qnn_writer *w);

struct qnn_tensor_desc {
	size_t sz;			/* sizeof(struct qnn_tensor_desc) */
	const char *name;		/* unique, may be NULL for constants */
	enum qnn_dtype dtype;
	enum qnn_encoding encoding;	/* QNN_DT_BITS only */
	unsigned int bits;		/* planes, 1..8, QNN_DT_BITS only */
	uint32_t dims[4];		/* N H W C; activations: N = 1 */
};

/* Adds an activation tensor (graph input, output or intermediate): id > 0. */
int qnn_writer_add_tensor(struct qnn_writer *w, const struct qnn_tensor_desc *d);

/*
 * Adds a constant with its data in docs/layout.md form; size must equal
 * qnn_tensor_bytes(d). The data is copied. Returns id > 0.
 */
int qnn_writer_add_const(struct qnn_writer *w, const struct qnn_tensor_desc *d,
			 const void *data, size_t size);

/* Marks an activation tensor as graph input / output (in call order). */
int qnn_writer_add_input(struct qnn_writer *w, int tensor);
int qnn_writer_add_output(struct qnn_writer *w, int tensor);

struct qnn_layer_desc {
	size_t sz;			/* sizeof(struct qnn_layer_desc) */
	const char *name;
	enum qnn_op op;
	unsigned int flags;		/* QNN_LAYER_* */
	int inputs[4];			/* activation ids, 0 = unused */
	int output;
	/* constants, 0 = none (see enum qnn_op for which op takes which) */
	int weights;
	int thresholds;	/* I32, dims 1 x 1 x C x (2^B - 1) for B-bit out */
	int negate;	/* U8 1 x 1 x 1 x C: nonzero flips the comparison */
	int scale;	/* F32 or I8 (shift) 1 x 1 x 1 x C (or C = 1) */
	int bias;	/* F32 or I32 1 x 1 x 1 x C (or C = 1) */
	int levels;	/* F32 1 x 1 x C x 2^B (or 1 x 1 x 1 x 2^B) */
	uint32_t kernel[2];		/* KH KW (pools; conv takes the weights') */
	uint32_t stride[2];		/* 0 = 1 */
	uint32_t pad[4];		/* top left bottom right */
	uint32_t dilation[2];		/* 0 = 1 */
	uint32_t groups;		/* 0 = 1 */
	uint32_t k;			/* top-k */
};

/*
 * The source graph's quantization of a graph input or output (since
 * LIBQNN_1.4; stored in the optional IOQUANT section, docs/model-format.md).
 * Meaning as enum qnn_quant_kind says; channels is 1 or the tensor's C
 * (0 for QNN_QUANT_THRESHOLDS, which has no scale).
 */
struct qnn_quant_desc {
	size_t sz;			/* sizeof(struct qnn_quant_desc) */
	enum qnn_quant_kind kind;
	unsigned int bits;		/* 1..32 */
	int is_signed, narrow;
	enum qnn_rounding rounding;
	int32_t qmin, qmax;		/* qmin <= qmax */
	unsigned int channels;
	const double *scale;		/* channels values, finite, nonzero */
	const double *zero_point;	/* channels values, finite */
};

/*
 * Records d for `tensor`, which must be marked a graph input or output by
 * the time the file is written; once per tensor. The data is copied.
 */
int qnn_writer_set_quant(struct qnn_writer *w, int tensor, const struct qnn_quant_desc *d);

/* Appends a layer; layers run in the order added. Returns layer index >= 0. */
int qnn_writer_add_layer(struct qnn_writer *w, const struct qnn_layer_desc *l);

/* Serialises (header, sections, 64-byte aligned data, CRC32C). */
int qnn_writer_write_mem(struct qnn_writer *w, void **buf, size_t *size);
int qnn_writer_write_file(struct qnn_writer *w, const char *path);

/* ---- helpers for producing docs/layout.md data ---- */

/* Bytes of one tensor as described (BITS: words of all planes), 0 if invalid. */
size_t qnn_tensor_bytes(const struct qnn_tensor_desc *d);

/*
 * Packs N*H*W*C integer values (NHWC order) into `bits` planes with the
 * given encoding; out holds qnn_tensor_bytes() bytes. BIPOLAR takes -1/+1,
 * BIPOLAR_BRANCHES odd values in -(2^B-1)..2^B-1. -ERANGE for a value the
 * encoding cannot hold.
 */
int qnn_pack_bits(const int32_t *values, const uint32_t dims[4],
		  unsigned int bits, enum qnn_encoding enc, uint64_t *out);

/* The inverse of qnn_pack_bits. */
int qnn_unpack_bits(const uint64_t *in, const uint32_t dims[4],
		    unsigned int bits, enum qnn_encoding enc, int32_t *values);

#ifdef __cplusplus
}
#endif
#endif /* QNN_MODEL_WRITER_H */
