/* SPDX-License-Identifier: MIT */
/*
 * qnn accelerator command streams: the layer commands userspace builds and
 * the device executes. Format, arithmetic and validation rules:
 * docs/cmdstream.md. Tensor data layout: docs/layout.md.
 *
 * A stream is a struct qnn_cs_header followed by header.num_cmds commands,
 * each starting with a struct qnn_cs_cmd. All fields are little-endian and
 * fixed width (the structs below give the layout; a big-endian producer
 * must store each field little-endian); every struct is a multiple of 8
 * bytes; pads and reserved fields must be zero. A command's size may exceed
 * the size this header defines for its opcode (a newer layout) only if the
 * extra bytes are zero. A device runs only the ops and bit widths it
 * advertises (docs/cmdstream.md, "Device capabilities").
 */
#ifndef _QNN_CMDSTREAM_H_
#define _QNN_CMDSTREAM_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

#define QNN_CS_MAGIC		0x434e4e51U	/* "QNNC", little-endian */
#define QNN_CS_VERSION		1

/**
 * struct qnn_cs_header - start of every command stream
 * @magic: QNN_CS_MAGIC
 * @version: QNN_CS_VERSION
 * @hdr_size: sizeof(struct qnn_cs_header); the first command starts here
 * @size: bytes of the whole stream, header included, multiple of 8
 * @num_cmds: number of commands; 0 is a valid (empty) job
 * @flags: must be zero
 * @pad: must be zero
 * @reserved: must be zero
 */
struct qnn_cs_header {
	__u32 magic;
	__u16 version;
	__u16 hdr_size;
	__u32 size;
	__u32 num_cmds;
	__u32 flags;
	__u32 pad;
	__u64 reserved;
};

/* Opcodes */
#define QNN_CS_OP_NOP		0x01	/* struct qnn_cs_cmd only */
#define QNN_CS_OP_CONV2D	0x02	/* struct qnn_cs_conv2d */
#define QNN_CS_OP_DENSE		0x03	/* struct qnn_cs_conv2d, 1x1 */
#define QNN_CS_OP_MAXPOOL	0x04	/* struct qnn_cs_maxpool */
#define QNN_CS_OP_ADD		0x05	/* struct qnn_cs_add */
#define QNN_CS_OP_GLOBAL_AVGPOOL 0x06	/* struct qnn_cs_unary */
#define QNN_CS_OP_TRANSFORM	0x07	/* struct qnn_cs_unary */

/* qnn_cs_cmd.flags */
/* CONV2D: padded taps of a BIPOLAR/BIPOLAR_BRANCHES input count as 0, not +1 */
#define QNN_CS_CMD_ZERO_PAD	0x1U

/**
 * struct qnn_cs_cmd - first 8 bytes of every command
 * @op: QNN_CS_OP_*
 * @size: bytes of the whole command, multiple of 8, at least the size of
 *	the struct for @op
 * @flags: QNN_CS_CMD_*; bits not valid for @op must be zero
 */
struct qnn_cs_cmd {
	__u16 op;
	__u16 size;
	__u32 flags;
};

/* qnn_cs_tensor.type */
#define QNN_CS_TYPE_BITS	1	/* bit-packed, docs/layout.md */
#define QNN_CS_TYPE_INT32	2	/* dense NHWC int32 */

/* qnn_cs_tensor.encoding (QNN_CS_TYPE_BITS only), as in docs/layout.md */
#define QNN_CS_ENC_BIPOLAR	1	/* bits == 1; bit 0 = +1, bit 1 = -1 */
#define QNN_CS_ENC_UNSIGNED	2
#define QNN_CS_ENC_SIGNED	3	/* two's complement, bits >= 2 */
#define QNN_CS_ENC_BIPOLAR_BRANCHES 4

/**
 * struct qnn_cs_tensor - an NHWC tensor in device memory
 * @va: device virtual address; 8-byte aligned for BITS, 4 for INT32
 * @n: batch (for weights: output channels)
 * @h: height (for weights: kernel height)
 * @w: width (for weights: kernel width)
 * @c: channels
 * @type: QNN_CS_TYPE_*
 * @encoding: QNN_CS_ENC_* for BITS, 0 for INT32
 * @bits: bit-planes 1..8 for BITS, 0 for INT32
 * @pad0: must be zero
 * @pad1: must be zero
 */
struct qnn_cs_tensor {
	__u64 va;
	__u32 n;
	__u32 h;
	__u32 w;
	__u32 c;
	__u8 type;
	__u8 encoding;
	__u8 bits;
	__u8 pad0;
	__u32 pad1;
};

/* qnn_cs_epilogue.mode: what is stored per output element */
#define QNN_CS_OUT_INT32	1	/* saturated int32; out.type INT32 */
#define QNN_CS_OUT_REQUANT	2	/* clamped to out's UNSIGNED/SIGNED range */
#define QNN_CS_OUT_THRESHOLD	3	/* count of thresholds passed */

/* qnn_cs_epilogue.flags */
#define QNN_CS_EPI_BIAS		0x1U	/* bias_va: __s32[C] */
#define QNN_CS_EPI_SCALE	0x2U	/* scale_va: struct qnn_cs_scale[C] */
#define QNN_CS_EPI_NEGATE	0x4U	/* negate_va: __u8[C], non-zero = negate */
#define QNN_CS_EPI_ROUND_FLOOR	0x8U	/* scale rounds toward -inf, not half up */

/**
 * struct qnn_cs_scale - per-channel requantization: y = round(x * mult / 2^shift)
 * @mult: signed multiplier (a power of two for a shift-only scale)
 * @shift: right shift 0..31; larger values fail the job (docs/cmdstream.md)
 */
struct qnn_cs_scale {
	__s32 mult;
	__u32 shift;
};

/**
 * struct qnn_cs_epilogue - per-output-channel integer output stage
 * @bias_va: __s32 bias per channel (QNN_CS_EPI_BIAS), else 0
 * @scale_va: struct qnn_cs_scale per channel (QNN_CS_EPI_SCALE), else 0
 * @thresh_va: per channel 2^bits - 1 __s32 thresholds, channel-major
 *	(QNN_CS_OUT_THRESHOLD), else 0
 * @negate_va: __u8 per channel, non-zero = the channel compares y <= t
 *	(QNN_CS_EPI_NEGATE), else 0
 * @mode: QNN_CS_OUT_*
 * @flags: QNN_CS_EPI_*
 */
struct qnn_cs_epilogue {
	__u64 bias_va;
	__u64 scale_va;
	__u64 thresh_va;
	__u64 negate_va;
	__u32 mode;
	__u32 flags;
};

/**
 * struct qnn_cs_conv2d - QNN_CS_OP_CONV2D and QNN_CS_OP_DENSE
 * @hdr: op, size, flags (QNN_CS_CMD_ZERO_PAD)
 * @in: input, BITS, N x H x W x C
 * @weights: BITS, OC x KH x KW x C (n = OC, h = KH, w = KW)
 * @out: N x OH x OW x OC; INT32 or BITS as @epi.mode says
 * @stride_h: vertical stride >= 1
 * @stride_w: horizontal stride >= 1
 * @dil_h: vertical dilation >= 1
 * @dil_w: horizontal dilation >= 1
 * @pad_top: rows of padding above
 * @pad_left: columns of padding left
 * @pad_bottom: rows of padding below
 * @pad_right: columns of padding right
 * @epi: output stage
 *
 * DENSE is the same command with the kernel covering the whole input
 * (KH = H, KW = W), strides and dilations 1, no padding, OH = OW = 1.
 */
struct qnn_cs_conv2d {
	struct qnn_cs_cmd hdr;
	struct qnn_cs_tensor in;
	struct qnn_cs_tensor weights;
	struct qnn_cs_tensor out;
	__u16 stride_h;
	__u16 stride_w;
	__u16 dil_h;
	__u16 dil_w;
	__u16 pad_top;
	__u16 pad_left;
	__u16 pad_bottom;
	__u16 pad_right;
	struct qnn_cs_epilogue epi;
};

/**
 * struct qnn_cs_maxpool - QNN_CS_OP_MAXPOOL
 * @hdr: op, size, flags (0)
 * @in: BITS or INT32, N x H x W x C
 * @out: N x OH x OW x C, same type, encoding and bits as @in
 * @kh: window height >= 1
 * @kw: window width >= 1
 * @stride_h: >= 1
 * @stride_w: >= 1
 * @pad_top: < kh
 * @pad_left: < kw
 * @pad_bottom: < kh
 * @pad_right: < kw
 */
struct qnn_cs_maxpool {
	struct qnn_cs_cmd hdr;
	struct qnn_cs_tensor in;
	struct qnn_cs_tensor out;
	__u16 kh;
	__u16 kw;
	__u16 stride_h;
	__u16 stride_w;
	__u16 pad_top;
	__u16 pad_left;
	__u16 pad_bottom;
	__u16 pad_right;
};

/**
 * struct qnn_cs_add - QNN_CS_OP_ADD: out = epi(a + b), element-wise
 * @hdr: op, size, flags (0)
 * @a: BITS or INT32, N x H x W x C
 * @b: BITS or INT32, same shape as @a
 * @out: same shape, INT32 or BITS as @epi.mode says
 * @epi: output stage
 */
struct qnn_cs_add {
	struct qnn_cs_cmd hdr;
	struct qnn_cs_tensor a;
	struct qnn_cs_tensor b;
	struct qnn_cs_tensor out;
	struct qnn_cs_epilogue epi;
};

/**
 * struct qnn_cs_unary - one input, one output stage
 * @hdr: op, size, flags (0)
 * @in: BITS or INT32, N x H x W x C
 * @out: GLOBAL_AVGPOOL: N x 1 x 1 x C, out = epi(sum over H, W); the
 *	division by H * W is @epi's scale. TRANSFORM: N x H x W x C,
 *	out = epi(in) element-wise (a standalone threshold or requantization)
 * @epi: output stage
 */
struct qnn_cs_unary {
	struct qnn_cs_cmd hdr;
	struct qnn_cs_tensor in;
	struct qnn_cs_tensor out;
	struct qnn_cs_epilogue epi;
};

/*
 * Why a stream was rejected (validation at submit, or the device's own
 * checks): reported with the byte offset of the offending command.
 */
enum qnn_cs_error {
	QNN_CS_OK		= 0,
	QNN_CS_ERR_MAGIC	= 1,	/* header.magic wrong */
	QNN_CS_ERR_VERSION	= 2,	/* header.version unknown */
	QNN_CS_ERR_HEADER	= 3,	/* hdr_size, flags, pad, reserved */
	QNN_CS_ERR_TRUNCATED	= 4,	/* stream shorter than it claims */
	QNN_CS_ERR_OPCODE	= 5,	/* unknown opcode */
	QNN_CS_ERR_CMD_SIZE	= 6,	/* command size too small/unaligned */
	QNN_CS_ERR_FLAGS	= 7,	/* unknown flag bits */
	QNN_CS_ERR_PAD		= 8,	/* non-zero pad, reserved or extension */
	QNN_CS_ERR_TENSOR	= 9,	/* bad type/encoding/bits combination */
	QNN_CS_ERR_SHAPE	= 10,	/* shapes do not agree */
	QNN_CS_ERR_LIMIT	= 11,	/* beyond device limits or overflow */
	QNN_CS_ERR_ADDRESS	= 12,	/* not inside a job BO / not writable */
	QNN_CS_ERR_PARAM	= 13,	/* bad parameter data (at run time) */
	QNN_CS_ERR_UNSUPPORTED	= 14,	/* op or bits the device lacks */
};

/* Device limits that validation enforces (docs/cmdstream.md, "Limits"). */
#define QNN_CS_MAX_STREAM_SIZE	0x100000	/* 1 MiB */
#define QNN_CS_MAX_CMDS		4096
#define QNN_CS_MAX_DIM		16384	/* n, h, w */
#define QNN_CS_MAX_CHANNELS	8192
#define QNN_CS_MAX_KERNEL	16	/* kh, kw */
#define QNN_CS_MAX_STRIDE	16	/* stride, dilation */
#define QNN_CS_MAX_PATCH_WORDS	8192	/* KH*KW*bits*ceil(C/64) */

#if defined(__cplusplus)
}
#endif

#endif /* _QNN_CMDSTREAM_H_ */
