/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Command-stream parsing and validation (docs/cmdstream.md), shared by the
 * core (at submit time, against the job's BOs) and by qnn_sim's executor
 * (the device checks every command it fetches, trusting nothing).
 */
#ifndef _QNN_CMDSTREAM_H_KMOD_
#define _QNN_CMDSTREAM_H_KMOD_

#include <linux/types.h>

#include "../uapi/drm/qnn_cmdstream.h"

/* Largest command struct this driver knows; commands are copied into one. */
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

size_t qnn_cs_op_size(u16 op);
u64 qnn_cs_tensor_bytes(const struct qnn_cs_tensor *t);
u32 qnn_cs_words(u32 c);

enum qnn_cs_error qnn_cs_check_header(const struct qnn_cs_header *h,
				      size_t len);

/*
 * Check one command of @avail bytes at @buf (@buf 8-byte aligned). On
 * success copies the command's known part into @cmd (zero-extended) and
 * its cost into @cost. @ranges may be NULL: no address checks (the device
 * relies on its MMU instead).
 */
enum qnn_cs_error qnn_cs_check_cmd(const void *buf, size_t avail,
				   const struct qnn_cs_range *ranges,
				   unsigned int nr_ranges,
				   union qnn_cs_any *cmd,
				   struct qnn_cs_cost *cost);

/*
 * Validate a whole stream held in kernel memory. Returns 0 or -EINVAL
 * with info->err and info->err_offset set.
 */
int qnn_cs_validate(const void *stream, size_t len,
		    const struct qnn_cs_range *ranges, unsigned int nr_ranges,
		    struct qnn_cs_info *info);

#endif /* _QNN_CMDSTREAM_H_KMOD_ */
