/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Command-stream validation at SUBMIT (docs/cmdstream.md), against the
 * job's BOs and the device's capabilities. The device checks every command
 * again with its own decoder (qnn_sim: kmod/sim/qnn_sim_decode.c), which
 * shares no code with this one, so the two can be compared.
 */
#ifndef _QNN_CMDSTREAM_H_KMOD_
#define _QNN_CMDSTREAM_H_KMOD_

#include <linux/types.h>

#include "../uapi/drm/qnn_cmdstream.h"

/*
 * Largest command struct this driver knows; commands are loaded into one,
 * field by field from little-endian, so its fields are in CPU order.
 */
union qnn_cs_any {
	struct qnn_cs_cmd hdr;
	struct qnn_cs_conv2d conv;
	struct qnn_cs_maxpool pool;
	struct qnn_cs_add add;
	struct qnn_cs_unary un;
};

/*
 * A device VA range a job may touch: one BO of the job's BO list.
 * @writable: the job may write it (write flag in the BO list and the BO
 * is not DEVICE_READONLY).
 */
struct qnn_cs_range {
	u64 va;
	u64 size;
	bool writable;
};

/* What the device advertises: commands needing more are refused. */
struct qnn_cs_caps {
	u32 ops;		/* DRM_QNN_OP_* */
	u32 weight_bits;	/* widest weights, 1..8 */
	u32 act_bits;		/* widest activations, 1..8 */
};

/*
 * What validation learnt about a stream: on error, why and where (byte
 * offset of the offending command, or 0 for the header); on success the
 * timing-model inputs.
 */
struct qnn_cs_info {
	enum qnn_cs_error err;
	u32 err_offset;
	u32 num_cmds;
	u64 ops;	/* 1-bit multiply-accumulates plus element ops */
	u64 bytes;	/* bytes the commands read and write */
};

/*
 * Per-command accounting filled by qnn_cs_check_cmd(): what one command
 * costs, used by the validator's totals and the simulator's timing model.
 */
struct qnn_cs_cost {
	u64 ops;
	u64 bytes;
};

/*
 * Check the stream header at @buf (@len bytes of stream); on success @h
 * holds it in CPU order.
 */
enum qnn_cs_error qnn_cs_check_header(const void *buf, size_t len,
				      struct qnn_cs_header *h);

/*
 * Check one command of @avail bytes at @buf. On success @cmd holds the
 * command's known part (zero-extended, CPU order) and @cost its cost.
 * @ranges may be NULL: no address range checks.
 */
enum qnn_cs_error qnn_cs_check_cmd(const void *buf, size_t avail,
				   const struct qnn_cs_range *ranges,
				   unsigned int nr_ranges,
				   const struct qnn_cs_caps *caps,
				   union qnn_cs_any *cmd,
				   struct qnn_cs_cost *cost);

/*
 * Validate a whole stream held in kernel memory. Returns 0; -EOPNOTSUPP
 * when the first violation is a command the device cannot run
 * (QNN_CS_ERR_UNSUPPORTED); -EINVAL for any other. On error info->err and
 * info->err_offset say what and where.
 */
int qnn_cs_validate(const void *stream, size_t len,
		    const struct qnn_cs_range *ranges, unsigned int nr_ranges,
		    const struct qnn_cs_caps *caps, struct qnn_cs_info *info);

#endif /* _QNN_CMDSTREAM_H_KMOD_ */
