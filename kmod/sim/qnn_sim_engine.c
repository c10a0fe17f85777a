// SPDX-License-Identifier: GPL-2.0-only
/*
 * qnn_sim: the command-queue engine. Like the hardware's fetch unit it runs
 * on its own (a work item), takes descriptors from CQ_HEAD up to CQ_TAIL
 * while CTRL.ENABLE is set, runs each job, writes the job's result record,
 * advances DONE_SEQNO and CQ_HEAD and raises the interrupt.
 *
 * Jobs reach memory only through qnn_sim_translate() with the page tables
 * the descriptor names. The layer opcodes of the command stream belong to
 * the command-stream executor (it plugs in at qnn_sim_run(), reading and
 * writing through qnn_sim_vm_read/write()); this engine knows none yet, so a
 * non-empty stream whose start is mapped ends with QNN_ERR_BAD_OPCODE at
 * offset 0.
 */
#include <linux/bitfield.h>
#include <linux/minmax.h>
#include <linux/workqueue.h>

#include "qnn_regs.h"
#include "qnn_sim.h"

struct qnn_sim_job_end {
	u32 status;		/* QNN_ERR_* */
	u32 err_offset;
	u64 fault_addr;
	u32 fault_reason;
	bool fault_write;
};

static void qnn_sim_run(struct qnn_sim *sim, const struct qnn_hw_desc *d,
			struct qnn_sim_job_end *end)
{
	u64 pt_base = le64_to_cpu(d->pt_base);
	u64 cmd_va = le64_to_cpu(d->cmd_va);
	u32 cmd_size = le32_to_cpu(d->cmd_size);
	u64 hdr;

	if (d->rsvd[0] || d->rsvd[1] || d->rsvd[2]) {
		end->status = QNN_ERR_BAD_DESC;
		return;
	}
	switch (le32_to_cpu(d->op)) {
	case QNN_DESC_OP_NOP:
		end->status = QNN_ERR_NONE;
		return;
	case QNN_DESC_OP_RUN:
		break;
	default:
		end->status = QNN_ERR_BAD_DESC;
		return;
	}

	spin_lock_irq(&sim->lock);
	sim->mmu_pt_base = pt_base;
	spin_unlock_irq(&sim->lock);
	if (!cmd_size) {
		end->status = QNN_ERR_NONE;	/* an empty stream */
		return;
	}
	/* fetch the first command header through the MMU */
	if (qnn_sim_vm_read(sim, pt_base, cmd_va, &hdr,
			    min_t(u32, cmd_size, sizeof(hdr)), &end->fault_addr,
			    &end->fault_reason)) {
		end->status = QNN_ERR_MMU_FAULT;
		return;
	}
	end->status = QNN_ERR_BAD_OPCODE;
	end->err_offset = 0;
}

/* Under sim->lock: publish the end of the job in @d, as the hardware does. */
static void qnn_sim_job_end(struct qnn_sim *sim, const struct qnn_hw_desc *d,
			    const struct qnn_sim_job_end *end)
{
	u32 seqno = le32_to_cpu(d->seqno);
	u64 result_addr = le64_to_cpu(d->result);
	struct qnn_hw_result res = {
		.status = cpu_to_le32(end->status),
		.err_offset = cpu_to_le32(end->err_offset),
		.fault_addr = cpu_to_le64(end->fault_addr),
	};

	/* the result record lands before DONE_SEQNO and the IRQ say so */
	if (result_addr)
		qnn_sim_dma_write(sim, result_addr, &res, sizeof(res));
	sim->done_seqno = seqno;
	sim->cq_head = (sim->cq_head + 1) & (sim->cq_size - 1);
	sim->perf_jobs++;

	if (end->status == QNN_ERR_NONE) {
		if (le32_to_cpu(d->flags) & QNN_DESC_FLAG_IRQ)
			sim->irq_status |= QNN_IRQ_JOB_DONE;
	} else {
		sim->err_status = end->status;
		sim->err_seqno = seqno;
		sim->err_offset = end->err_offset;
		sim->err_count++;
		if (end->status == QNN_ERR_MMU_FAULT) {
			sim->fault_status = QNN_FAULT_VALID |
				(end->fault_write ? QNN_FAULT_WRITE : 0) |
				FIELD_PREP(QNN_FAULT_REASON, end->fault_reason);
			sim->fault_addr = end->fault_addr;
			sim->fault_seqno = seqno;
			sim->irq_status |= QNN_IRQ_MMU_FAULT;
		} else {
			sim->irq_status |= QNN_IRQ_CMD_ERROR;
		}
	}
	qnn_sim_update_irq(sim);
}

static void qnn_sim_work(struct work_struct *work)
{
	struct qnn_sim *sim = container_of(work, struct qnn_sim, work);
	struct qnn_sim_job_end end;
	struct qnn_hw_desc d;
	u32 epoch;
	u64 addr;

	for (;;) {
		spin_lock_irq(&sim->lock);
		if (!(sim->ctrl & QNN_CTRL_ENABLE) || !sim->cq_size ||
		    sim->cq_head == sim->cq_tail) {
			sim->busy = false;
			spin_unlock_irq(&sim->lock);
			return;
		}
		sim->busy = true;
		epoch = sim->epoch;
		addr = sim->cq_base + sim->cq_head * sizeof(d);
		spin_unlock_irq(&sim->lock);

		memset(&end, 0, sizeof(end));
		if (qnn_sim_dma_read(sim, addr, &d, sizeof(d)))
			qnn_sim_run(sim, &d, &end);
		else
			end.status = QNN_ERR_BAD_DESC;

		spin_lock_irq(&sim->lock);
		/* a reset while the job ran discards it */
		if (epoch == sim->epoch)
			qnn_sim_job_end(sim, &d, &end);
		spin_unlock_irq(&sim->lock);
	}
}

/* Under sim->lock, after a doorbell or an enable. */
void qnn_sim_kick(struct qnn_sim *sim)
{
	if (sim->ctrl & QNN_CTRL_ENABLE && sim->cq_head != sim->cq_tail)
		queue_work(system_unbound_wq, &sim->work);
}

void qnn_sim_engine_init(struct qnn_sim *sim)
{
	INIT_WORK(&sim->work, qnn_sim_work);
}

void qnn_sim_engine_stop(struct qnn_sim *sim)
{
	cancel_work_sync(&sim->work);
}
