/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The command ring: descriptors in DMA-coherent host memory that the device
 * fetches from HEAD up to the TAIL doorbell, and one result record per
 * slot that the device writes when the job in that slot ends.
 */
#ifndef _QNN_RING_H_
#define _QNN_RING_H_

#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "qnn_regs.h"

struct qnn_device;

struct qnn_ring {
	struct qnn_hw_desc *descs;
	dma_addr_t descs_dma;
	struct qnn_hw_result *results;
	dma_addr_t results_dma;
	u32 size;		/* entries, power of two */
	/* protects tail, seqno and the descriptors; taken in IRQ thread */
	spinlock_t lock;
	u32 tail;
	u32 seqno;		/* last seqno handed out */
	wait_queue_head_t done_wq;	/* woken on every job-end IRQ */
};

struct qnn_ring_job {
	u32 op;			/* QNN_DESC_OP_* */
	u32 flags;		/* QNN_DESC_FLAG_* */
	u64 pt_base;
	u64 cmd_va;
	u32 cmd_size;
};

int qnn_ring_init(struct qnn_device *qdev);
int qnn_ring_hw_start(struct qnn_device *qdev);
void qnn_ring_write_locked(struct qnn_device *qdev,
			   const struct qnn_ring_job *job, u32 *seqno,
			   u32 *slot);
void qnn_ring_doorbell_locked(struct qnn_device *qdev);
void qnn_ring_halt_locked(struct qnn_device *qdev);
void qnn_ring_resume_locked(struct qnn_device *qdev);
bool qnn_ring_halted(struct qnn_device *qdev);
void qnn_ring_nop_locked(struct qnn_device *qdev, u32 slot);
int qnn_ring_push(struct qnn_device *qdev, const struct qnn_ring_job *job,
		  u32 *seqno, u32 *slot);
int qnn_ring_wait(struct qnn_device *qdev, u32 seqno, unsigned long timeout);
void qnn_ring_irq(struct qnn_device *qdev, u32 status);

#endif /* _QNN_RING_H_ */
