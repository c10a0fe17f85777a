/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * qnn_sim's executor: runs a command stream bit-exactly as
 * docs/cmdstream.md defines, like the device would. It touches memory only
 * through struct qnn_sim_mem (the simulated MMU), decodes and checks every
 * command it fetches with the device's own decoder (qnn_sim_decode.c, not
 * the driver's validator), uses integer arithmetic only, does bounded work
 * between calls to cond_resched() and the abort check, and never recurses.
 */
#ifndef _QNN_SIM_EXEC_H_
#define _QNN_SIM_EXEC_H_

#include <linux/bits.h>
#include <linux/types.h>

#include "qnn_sim_decode.h"

/*
 * Device memory as the executor sees it. Both calls return 0, or -EFAULT
 * with *fault_va set to the first address the MMU refused (unmapped, or a
 * write to a page mapped read-only).
 */
struct qnn_sim_mem {
	int (*read)(void *priv, u64 va, void *dst, size_t len, u64 *fault_va);
	int (*write)(void *priv, u64 va, const void *src, size_t len,
		     u64 *fault_va);
	/* true: stop now (reset, hang injection, teardown) */
	bool (*should_stop)(void *priv);
	void *priv;
};

enum qnn_sim_status {
	QNN_SIM_DONE = 0,
	QNN_SIM_MMU_FAULT,	/* fault_va, fault_write, cmd_offset */
	QNN_SIM_BAD_CMD,	/* cs_err, cmd_offset */
	QNN_SIM_ABORTED,	/* should_stop() said so */
};

struct qnn_sim_result {
	enum qnn_sim_status status;
	enum qnn_cs_error cs_err;
	u32 cmd_offset;		/* byte offset of the failing command */
	u32 cmds_done;
	bool fault_write;
	u64 fault_va;
	/* timing-model inputs: work done, as docs/cmdstream.md counts it */
	u64 ops;
	u64 bytes_read;
	u64 bytes_written;
};

struct qnn_sim_exec_ctx;

/* Scratch memory for one executor; allocated once, not per job. */
struct qnn_sim_exec_ctx *qnn_sim_exec_ctx_alloc(void);
void qnn_sim_exec_ctx_free(struct qnn_sim_exec_ctx *ctx);

/* qnn_sim_exec() flags: fetch and check every command, run none */
#define QNN_SIM_EXEC_DECODE_ONLY	BIT(0)

/*
 * Fetch the stream of @size bytes at device address @va and run it on a
 * device with @caps. Always fills @res; returns 0 when the job completed,
 * else -EIO.
 */
int qnn_sim_exec(struct qnn_sim_exec_ctx *ctx, const struct qnn_sim_mem *mem,
		 const struct qnn_sim_caps *caps, u64 va, u32 size,
		 unsigned int flags, struct qnn_sim_result *res);

#endif /* _QNN_SIM_EXEC_H_ */
