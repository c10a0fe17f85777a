// SPDX-License-Identifier: GPL-2.0-only
/*
 * Command ring: allocation, programming after reset, pushing descriptors
 * and waiting for their seqno. Job execution builds its scheduler on this;
 * at probe it carries the driver's self-test jobs.
 */
#include <linux/dma-mapping.h>
#include <linux/regmap.h>
#include <linux/lockdep.h>
#include <drm/drm_managed.h>

#include "qnn_drv.h"
#include "qnn_ring.h"

int qnn_ring_init(struct qnn_device *qdev)
{
	struct device *dev = qdev->drm.dev;
	struct qnn_ring *ring = &qdev->ring;

	ring->size = qdev->caps.queue_depth;
	ring->descs = dmam_alloc_coherent(dev, ring->size * sizeof(*ring->descs),
					  &ring->descs_dma, GFP_KERNEL);
	ring->results = dmam_alloc_coherent(dev,
					    ring->size * sizeof(*ring->results),
					    &ring->results_dma, GFP_KERNEL);
	if (!ring->descs || !ring->results)
		return -ENOMEM;
	init_waitqueue_head(&ring->done_wq);
	spin_lock_init(&ring->lock);
	return 0;
}

/* Reset sequence step 3: point the device at the (empty) ring. */
int qnn_ring_hw_start(struct qnn_device *qdev)
{
	struct qnn_ring *ring = &qdev->ring;
	struct regmap *r = qdev->regs;

	ring->tail = 0;
	ring->seqno = 0;
	return regmap_write(r, QNN_REG_CQ_BASE_LO,
			    lower_32_bits(ring->descs_dma)) ?:
	       regmap_write(r, QNN_REG_CQ_BASE_HI,
			    upper_32_bits(ring->descs_dma)) ?:
	       regmap_write(r, QNN_REG_CQ_SIZE, ring->size) ?:
	       regmap_write(r, QNN_REG_CQ_TAIL, 0);
}

/**
 * qnn_ring_write_locked() - put one job at the ring's tail
 * @qdev: device
 * @job: what to run
 * @seqno: out, the job's sequence number (DONE_SEQNO reaches it when it ends)
 * @slot: out, ring slot, index of its result record
 *
 * Called with ring->lock held; the caller knows the ring has room (job
 * execution: the scheduler's credits) and rings the doorbell. The slot's
 * result record is set to QNN_RESULT_PENDING until the device writes it.
 */
void qnn_ring_write_locked(struct qnn_device *qdev,
			   const struct qnn_ring_job *job, u32 *seqno,
			   u32 *slot)
{
	struct qnn_ring *ring = &qdev->ring;
	struct qnn_hw_result *res;
	struct qnn_hw_desc *d;

	lockdep_assert_held(&ring->lock);
	*slot = ring->tail;
	*seqno = ++ring->seqno;
	res = &ring->results[*slot];
	memset(res, 0, sizeof(*res));
	res->status = cpu_to_le32(QNN_RESULT_PENDING);
	d = &ring->descs[*slot];
	memset(d, 0, sizeof(*d));
	d->op = cpu_to_le32(job->op);
	d->flags = cpu_to_le32(job->flags);
	d->seqno = cpu_to_le32(*seqno);
	d->cmd_size = cpu_to_le32(job->cmd_size);
	d->pt_base = cpu_to_le64(job->pt_base);
	d->cmd_va = cpu_to_le64(job->cmd_va);
	d->result = cpu_to_le64(ring->results_dma + *slot * sizeof(*res));
	ring->tail = (ring->tail + 1) & (ring->size - 1);
}

/* Make the descriptors written so far visible and ring the doorbell. */
void qnn_ring_doorbell_locked(struct qnn_device *qdev)
{
	lockdep_assert_held(&qdev->ring.lock);
	/* descriptors (and page tables) in memory before the device looks */
	dma_wmb();
	regmap_write(qdev->regs, QNN_REG_CQ_TAIL, qdev->ring.tail);
}

/*
 * Halting: CTRL.ENABLE clear, the device finishes the job it runs and
 * fetches nothing more; once STATUS.HALTED reads 1 the descriptors from
 * CQ_HEAD to CQ_TAIL are the driver's again (docs/hw-interface.md,
 * "Command ring"). Closing a file uses this to turn its queued jobs into
 * NOPs instead of running them.
 */
void qnn_ring_halt_locked(struct qnn_device *qdev)
{
	lockdep_assert_held(&qdev->ring.lock);
	regmap_write(qdev->regs, QNN_REG_CTRL, 0);
}

void qnn_ring_resume_locked(struct qnn_device *qdev)
{
	lockdep_assert_held(&qdev->ring.lock);
	/* rewritten descriptors in memory before the device fetches again */
	dma_wmb();
	regmap_write(qdev->regs, QNN_REG_CTRL, QNN_CTRL_ENABLE);
}

/* STATUS.HALTED; a device that cannot be read counts as halted. */
bool qnn_ring_halted(struct qnn_device *qdev)
{
	u32 st;

	if (regmap_read(qdev->regs, QNN_REG_STATUS, &st))
		return true;
	return st & QNN_STATUS_HALTED;
}

/*
 * Make the descriptor in @slot, which the halted device has not fetched,
 * a NOP: it ends at once with status NONE and still reports its seqno,
 * result record and interrupt, so the ring's bookkeeping is unchanged.
 */
void qnn_ring_nop_locked(struct qnn_device *qdev, u32 slot)
{
	struct qnn_hw_desc *d = &qdev->ring.descs[slot];

	lockdep_assert_held(&qdev->ring.lock);
	d->op = cpu_to_le32(QNN_DESC_OP_NOP);
	d->cmd_size = 0;
	d->cmd_va = 0;
	d->pt_base = 0;
}

/**
 * qnn_ring_push() - queue one job and ring the doorbell (probe self-tests)
 * @qdev: device
 * @job: what to run
 * @seqno: out, the job's sequence number
 * @slot: out, ring slot, index of its result record
 *
 * Return: 0, -EBUSY when the ring is full, or a register access error.
 */
int qnn_ring_push(struct qnn_device *qdev, const struct qnn_ring_job *job,
		  u32 *seqno, u32 *slot)
{
	struct qnn_ring *ring = &qdev->ring;
	unsigned long flags;
	u32 head;
	int ret;

	ret = regmap_read(qdev->regs, QNN_REG_CQ_HEAD, &head);
	if (ret)
		return ret;
	spin_lock_irqsave(&ring->lock, flags);
	if (((ring->tail + 1) & (ring->size - 1)) == head) {
		spin_unlock_irqrestore(&ring->lock, flags);
		return -EBUSY;
	}
	qnn_ring_write_locked(qdev, job, seqno, slot);
	qnn_ring_doorbell_locked(qdev);
	spin_unlock_irqrestore(&ring->lock, flags);
	return 0;
}

static bool qnn_ring_done(struct qnn_device *qdev, u32 seqno)
{
	u32 done;

	if (regmap_read(qdev->regs, QNN_REG_DONE_SEQNO, &done))
		return true;
	/* seqnos wrap: compare as a signed distance */
	return (s32)(done - seqno) >= 0;
}

/* Wait until DONE_SEQNO reaches @seqno. Return: 0 or -ETIMEDOUT. */
int qnn_ring_wait(struct qnn_device *qdev, u32 seqno, unsigned long timeout)
{
	if (!wait_event_timeout(qdev->ring.done_wq,
				qnn_ring_done(qdev, seqno), timeout))
		return -ETIMEDOUT;
	return 0;
}

/* From the threaded IRQ handler with the job-end bits of IRQ_STATUS. */
void qnn_ring_irq(struct qnn_device *qdev, u32 status)
{
	if (status & (QNN_IRQ_JOB_DONE | QNN_IRQ_CMD_ERROR | QNN_IRQ_MMU_FAULT))
		wake_up_all(&qdev->ring.done_wq);
}
