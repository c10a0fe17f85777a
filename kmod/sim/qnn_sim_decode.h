/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * qnn_sim's command decoder: what the device's fetch unit does with the
 * bytes of a command stream. Every field is read at its docs/cmdstream.md
 * offset as a little-endian value, checked as the device checks it
 * ("Validation", without BO ranges: the MMU enforces those; plus the
 * device's own capabilities) and stored in the device's decoded form.
 *
 * It shares no code with the driver's validator (kmod/qnn_cmdstream.c) and
 * none of the uAPI structs, only the constants of the format: a bug in
 * either shows up as a disagreement between SUBMIT and the device.
 */
#ifndef _QNN_SIM_DECODE_H_
#define _QNN_SIM_DECODE_H_

#include <linux/types.h>

#include "../uapi/drm/qnn_cmdstream.h"

#define QNN_SIM_STREAM_HDR	32	/* bytes of the stream header */
#define QNN_SIM_CMD_HDR		8	/* bytes of a command header */

/* What the device advertises (OPS and CAPS registers); it runs no more. */
struct qnn_sim_caps {
	u32 ops;	/* DRM_QNN_OP_* bits */
	u32 wbits;	/* widest weights */
	u32 abits;	/* widest activations */
};

struct qnn_sim_tensor {
	u64 va;
	u32 n, h, w, c;
	u8 type, enc, bits;
	u32 cw;		/* 64-bit words per bit-plane: ceil(c / 64) */
	u32 px_bytes;	/* one pixel: every plane, or c int32 */
	u64 bytes;	/* the whole tensor */
};

struct qnn_sim_epi {
	u64 bias_va, scale_va, thresh_va, negate_va;
	u32 mode, flags;
};

/* One command as the device runs it: operands by role. */
struct qnn_sim_cmd {
	u16 op;
	u16 size;
	u32 flags;
	struct qnn_sim_tensor in;	/* conv, pool, unary: input; add: a */
	struct qnn_sim_tensor in2;	/* add: b */
	struct qnn_sim_tensor wt;	/* conv, dense: weights */
	struct qnn_sim_tensor out;
	/* window: conv (kh, kw from the weights), pool */
	u32 kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
	struct qnn_sim_epi epi;		/* conv, dense, add, unary */
	u64 ops;			/* cost, cmdstream.md "Cost" */
};

/* The stream header (32 bytes at @raw) of a stream of @avail bytes. */
enum qnn_cs_error qnn_sim_decode_header(const void *raw, u32 avail,
					u32 *size, u32 *num_cmds);

/*
 * The first 8 bytes of a command with @avail bytes left in the stream:
 * opcode and size, in the order the validation rules name them.
 */
enum qnn_cs_error qnn_sim_decode_cmd_hdr(const void *raw, u32 avail,
					 u16 *size);

/* The whole command (@raw, @size bytes from qnn_sim_decode_cmd_hdr()). */
enum qnn_cs_error qnn_sim_decode_cmd(const void *raw, u16 size,
				     const struct qnn_sim_caps *caps,
				     struct qnn_sim_cmd *cmd);

#endif /* _QNN_SIM_DECODE_H_ */
