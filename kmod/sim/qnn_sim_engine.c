// SPDX-License-Identifier: GPL-2.0-only
/*
 * qnn_sim: the command-queue engine. Like the hardware's fetch unit it runs
 * on its own (a work item), takes descriptors from CQ_HEAD up to CQ_TAIL
 * while CTRL.ENABLE is set, runs each job's command stream with the
 * executor (qnn_sim_exec.c), writes the job's result record, advances
 * DONE_SEQNO and CQ_HEAD and raises the interrupt.
 *
 * Jobs reach memory only through the MMU with the page tables the
 * descriptor names, on every access (qnn_sim_translate_job(): the page last
 * reached is kept, as a load/store unit does). The stream is decoded by the
 * device's own decoder (qnn_sim_decode.c) against the capabilities this
 * device advertises; a debugfs file runs that decoder on any stream. A
 * timing model stretches each job to the time the modelled device would
 * take (docs/hw-interface.md, "Timing"); debugfs knobs inject faults at run time (docs/uapi.md).
 * A reset (epoch change) aborts the job being run, even a hung one.
 */
#include <linux/bitfield.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "qnn_regs.h"
#include "qnn_sim.h"
#include "qnn_sim_exec.h"

/* Fixed costs of the timing model. */
#define QNN_SIM_JOB_CYCLES	256	/* descriptor fetch, setup, result */
#define QNN_SIM_DMA_BYTES	32	/* bytes per cycle of the DMA engine */

/* The device's view of one job's memory: everything through the MMU. */
struct qnn_sim_job {
	struct qnn_sim *sim;
	u32 epoch;
	u64 pt_base;
	u64 cmd_va, cmd_end;
	bool inject_fault;
	u32 fault_reason;
	struct qnn_sim_last_xlat last;	/* the load/store unit's */
};

static bool qnn_sim_aborted(struct qnn_sim *sim, u32 epoch)
{
	return READ_ONCE(sim->epoch) != epoch || READ_ONCE(sim->removing);
}

static int qnn_sim_job_rw(struct qnn_sim_job *j, u64 va, void *buf,
			  size_t len, bool write, u64 *fault_va)
{
	while (len) {
		size_t n = min_t(size_t, len,
				 QNN_PAGE_SIZE - (va & (QNN_PAGE_SIZE - 1)));
		u32 reason;
		u64 pa;

		if (j->inject_fault && (va < j->cmd_va || va >= j->cmd_end))
			reason = QNN_MMU_NOT_MAPPED;
		else
			reason = qnn_sim_translate_job(j->sim, &j->last,
						       j->pt_base, va, write,
						       &pa);
		if (reason == QNN_MMU_OK &&
		    !(write ? qnn_sim_dma_write(j->sim, pa, buf, n) :
			      qnn_sim_dma_read(j->sim, pa, buf, n)))
			reason = QNN_MMU_BAD_TABLE;
		if (reason != QNN_MMU_OK) {
			j->fault_reason = reason;
			*fault_va = va;
			return -EFAULT;
		}
		va += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static int qnn_sim_job_read(void *priv, u64 va, void *dst, size_t len,
			    u64 *fault_va)
{
	return qnn_sim_job_rw(priv, va, dst, len, false, fault_va);
}

static int qnn_sim_job_write(void *priv, u64 va, const void *src, size_t len,
			     u64 *fault_va)
{
	return qnn_sim_job_rw(priv, va, (void *)src, len, true, fault_va);
}

static bool qnn_sim_job_should_stop(void *priv)
{
	struct qnn_sim_job *j = priv;

	return qnn_sim_aborted(j->sim, j->epoch);
}

/* Cycles the modelled device spends on a job. */
static u64 qnn_sim_cycles(struct qnn_sim *sim, const struct qnn_sim_result *r)
{
	u64 bytes = r->bytes_read + r->bytes_written;

	return QNN_SIM_JOB_CYCLES +
	       div_u64(r->ops + sim->cfg->ops_per_cycle - 1,
		       sim->cfg->ops_per_cycle) +
	       div_u64(bytes + QNN_SIM_DMA_BYTES - 1, QNN_SIM_DMA_BYTES);
}

/* Hold the job until it has taken as long as the model says (or a reset). */
static void qnn_sim_stretch(struct qnn_sim *sim, u32 epoch, ktime_t start,
			    u64 cycles)
{
	u64 ns = mul_u64_u32_div(cycles, NSEC_PER_MSEC, sim->cfg->clock_khz);
	s64 left;

	ns += (u64)READ_ONCE(sim->faults.delay_us) * NSEC_PER_USEC;
	left = ns - ktime_to_ns(ktime_sub(ktime_get(), start));
	if (left <= 0)
		return;
	if (left < 2 * NSEC_PER_MSEC)
		usleep_range(left / NSEC_PER_USEC, left / NSEC_PER_USEC + 20);
	else
		wait_event_timeout(sim->wait, qnn_sim_aborted(sim, epoch),
				   nsecs_to_jiffies(left));
}

/* The hardware error code of a job (docs/hw-interface.md, "Errors"). */
static u32 qnn_sim_err_code(const struct qnn_sim_result *r)
{
	switch (r->status) {
	case QNN_SIM_DONE:
		return QNN_ERR_NONE;
	case QNN_SIM_MMU_FAULT:
		return QNN_ERR_MMU_FAULT;
	case QNN_SIM_ABORTED:
		return QNN_ERR_ABORTED;
	default:
		break;
	}
	switch (r->cs_err) {
	case QNN_CS_ERR_OPCODE:
		return QNN_ERR_BAD_OPCODE;
	case QNN_CS_ERR_TRUNCATED:
		return QNN_ERR_TRUNCATED;
	case QNN_CS_ERR_SHAPE:
	case QNN_CS_ERR_LIMIT:
	case QNN_CS_ERR_UNSUPPORTED:
		return QNN_ERR_BAD_SHAPE;	/* a command it cannot run */
	default:
		return QNN_ERR_BAD_CMD;
	}
}

/* What this device runs: what it advertises in OPS and CAPS. */
static void qnn_sim_get_caps(const struct qnn_sim *sim,
			     struct qnn_sim_caps *caps)
{
	caps->ops = sim->cfg->ops;
	caps->wbits = sim->cfg->max_weight_bits;
	caps->abits = sim->cfg->max_act_bits;
}

/*
 * Run the job of one descriptor into @res. Returns false when a reset or
 * the device's removal aborted it: then nothing is reported, as the
 * hardware drops such a job.
 */
static bool qnn_sim_run(struct qnn_sim *sim, u32 epoch,
			const struct qnn_hw_desc *d, struct qnn_hw_result *res)
{
	struct qnn_sim_job j = {
		.sim = sim,
		.epoch = epoch,
		.pt_base = le64_to_cpu(d->pt_base),
		.cmd_va = le64_to_cpu(d->cmd_va),
	};
	const struct qnn_sim_mem mem = {
		.read = qnn_sim_job_read,
		.write = qnn_sim_job_write,
		.should_stop = qnn_sim_job_should_stop,
		.priv = &j,
	};
	u32 cmd_size = le32_to_cpu(d->cmd_size);
	struct qnn_sim_result r = {};
	struct qnn_sim_caps caps;
	ktime_t start = ktime_get();
	u64 cycles;

	memset(res, 0, sizeof(*res));
	j.cmd_end = j.cmd_va + cmd_size;
	if (d->rsvd[0] || d->rsvd[1] || d->rsvd[2]) {
		res->status = cpu_to_le32(QNN_ERR_BAD_DESC);
		return true;
	}
	switch (le32_to_cpu(d->op)) {
	case QNN_DESC_OP_NOP:
		return true;	/* status NONE */
	case QNN_DESC_OP_RUN:
		break;
	default:
		res->status = cpu_to_le32(QNN_ERR_BAD_DESC);
		return true;
	}

	spin_lock_irq(&sim->lock);
	sim->mmu_pt_base = j.pt_base;
	spin_unlock_irq(&sim->lock);
	if (atomic_xchg(&sim->faults.hang, 0)) {
		/* a hung job: only a reset (or removal) gets the engine back */
		wait_event(sim->wait, qnn_sim_aborted(sim, epoch));
		return false;
	}
	j.inject_fault = atomic_xchg(&sim->faults.mmu_fault, 0);
	/* cmd_size 0: an empty job that reads nothing */
	qnn_sim_get_caps(sim, &caps);
	if (cmd_size)
		qnn_sim_exec(sim->exec, &mem, &caps, j.cmd_va, cmd_size, 0, &r);
	qnn_sim_tlb_add_hits(sim, j.last.hits);
	if (r.status == QNN_SIM_ABORTED)
		return false;

	cycles = qnn_sim_cycles(sim, &r);
	qnn_sim_stretch(sim, epoch, start, cycles);
	if (qnn_sim_aborted(sim, epoch))
		return false;

	res->status = cpu_to_le32(qnn_sim_err_code(&r));
	res->err_offset = cpu_to_le32(r.cmd_offset);
	res->fault_addr = cpu_to_le64(r.fault_va);
	res->cycles = cpu_to_le64(cycles);
	res->binops = cpu_to_le64(r.ops);
	res->bytes_rd = cpu_to_le64(r.bytes_read);
	res->bytes_wr = cpu_to_le64(r.bytes_written);
	if (r.status == QNN_SIM_MMU_FAULT)
		res->detail = cpu_to_le32(FIELD_PREP(QNN_RESULT_FAULT_REASON,
						     j.fault_reason) |
					  (r.fault_write ?
					   QNN_RESULT_FAULT_WRITE : 0));
	else
		res->detail = cpu_to_le32(r.cs_err);
	if (atomic_xchg(&sim->faults.corrupt_status, 0))
		res->status = cpu_to_le32(0xbad0bad0);
	return true;
}

/* Under sim->lock: publish the end of the job in @d, as the hardware does. */
static void qnn_sim_job_end(struct qnn_sim *sim, const struct qnn_hw_desc *d,
			    const struct qnn_hw_result *res)
{
	u32 status = le32_to_cpu(res->status);
	u32 detail = le32_to_cpu(res->detail);
	u32 seqno = le32_to_cpu(d->seqno);
	u64 result_addr = le64_to_cpu(d->result);
	bool irq = le32_to_cpu(d->flags) & QNN_DESC_FLAG_IRQ;
	u32 bits = 0;

	/*
	 * The result record lands before DONE_SEQNO and the IRQ say so, and
	 * its status word last: the driver polls it for "record valid".
	 */
	if (result_addr) {
		struct qnn_hw_result rec = *res;

		rec.status = cpu_to_le32(QNN_RESULT_PENDING);
		qnn_sim_dma_write(sim, result_addr, &rec, sizeof(rec));
		/* the record before its status word: the driver's dma_rmb() */
		wmb();
		qnn_sim_dma_write(sim, result_addr, &res->status,
				  sizeof(res->status));
	}
	sim->done_seqno = seqno;
	sim->cq_head = (sim->cq_head + 1) & (sim->cq_size - 1);
	sim->perf_jobs++;
	sim->perf_cycles += le64_to_cpu(res->cycles);
	sim->perf_binops += le64_to_cpu(res->binops);
	sim->perf_bytes_rd += le64_to_cpu(res->bytes_rd);
	sim->perf_bytes_wr += le64_to_cpu(res->bytes_wr);
	if (status == QNN_ERR_NONE) {
		if (irq)
			bits = QNN_IRQ_JOB_DONE;
	} else {
		sim->err_status = FIELD_PREP(QNN_ERR_CODE, status);
		sim->err_seqno = seqno;
		sim->err_offset = le32_to_cpu(res->err_offset);
		sim->err_count++;
		if (status == QNN_ERR_MMU_FAULT) {
			sim->fault_status = QNN_FAULT_VALID |
				(detail & QNN_RESULT_FAULT_WRITE ?
				 QNN_FAULT_WRITE : 0) |
				FIELD_PREP(QNN_FAULT_REASON,
					   FIELD_GET(QNN_RESULT_FAULT_REASON,
						     detail));
			sim->fault_addr = le64_to_cpu(res->fault_addr);
			sim->fault_seqno = seqno;
			bits = QNN_IRQ_MMU_FAULT;
		} else {
			bits = QNN_IRQ_CMD_ERROR;	/* errors always interrupt */
		}
	}
	/* fault injection: this job's interrupt never comes */
	if (atomic_xchg(&sim->faults.drop_irq, 0))
		bits = 0;
	sim->irq_status |= bits;
	qnn_sim_update_irq(sim);
}

static void qnn_sim_work(struct work_struct *work)
{
	struct qnn_sim *sim = container_of(work, struct qnn_sim, work);
	struct qnn_hw_result res;
	struct qnn_hw_desc d;
	bool ran;
	u32 epoch;
	u64 addr;

	for (;;) {
		spin_lock_irq(&sim->lock);
		if (sim->removing || !(sim->ctrl & QNN_CTRL_ENABLE) ||
		    !sim->cq_size || sim->cq_head == sim->cq_tail) {
			sim->busy = false;
			spin_unlock_irq(&sim->lock);
			return;
		}
		sim->busy = true;
		epoch = sim->epoch;
		addr = sim->cq_base + sim->cq_head * sizeof(d);
		spin_unlock_irq(&sim->lock);

		if (qnn_sim_dma_read(sim, addr, &d, sizeof(d))) {
			ran = qnn_sim_run(sim, epoch, &d, &res);
		} else {
			memset(&res, 0, sizeof(res));
			res.status = cpu_to_le32(QNN_ERR_BAD_DESC);
			ran = true;
		}

		spin_lock_irq(&sim->lock);
		/* a reset while the job ran discards it */
		if (ran && epoch == sim->epoch && !sim->removing)
			qnn_sim_job_end(sim, &d, &res);
		spin_unlock_irq(&sim->lock);
		cond_resched();
	}
}

/* Under sim->lock, after a doorbell or an enable. */
void qnn_sim_kick(struct qnn_sim *sim)
{
	if (!sim->removing && sim->ctrl & QNN_CTRL_ENABLE &&
	    sim->cq_head != sim->cq_tail)
		queue_work(system_unbound_wq, &sim->work);
}

/*
 * debugfs "check_stream": the device's verdict on a stream written to it,
 * decoded exactly as a job's stream is (docs/uapi.md). Lets tests compare
 * the device's checks with the driver's validator on any stream, including
 * streams SUBMIT refuses.
 */
struct qnn_sim_checker {
	struct mutex lock;	/* one check at a time; protects the below */
	struct qnn_sim_exec_ctx *ctx;
	char verdict[80];
};

#define QNN_SIM_CHECK_MAX	(2 * QNN_CS_MAX_STREAM_SIZE)

struct qnn_sim_buf {
	const u8 *data;
	size_t len;
};

/* The stream as device memory at VA 0; everything else faults. */
static int qnn_sim_buf_read(void *priv, u64 va, void *dst, size_t len,
			    u64 *fault_va)
{
	const struct qnn_sim_buf *b = priv;

	if (va > b->len || len > b->len - va) {
		*fault_va = max_t(u64, va, b->len);
		return -EFAULT;
	}
	memcpy(dst, b->data + va, len);
	return 0;
}

static int qnn_sim_buf_write(void *priv, u64 va, const void *src, size_t len,
			     u64 *fault_va)
{
	*fault_va = va;
	return -EFAULT;
}

static ssize_t qnn_sim_check_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct qnn_sim *sim = file_inode(file)->i_private;
	struct qnn_sim_checker *chk = sim->checker;
	struct qnn_sim_buf b = { .len = count };
	const struct qnn_sim_mem mem = {
		.read = qnn_sim_buf_read,
		.write = qnn_sim_buf_write,
		.priv = &b,
	};
	struct qnn_sim_result r;
	struct qnn_sim_caps caps;
	void *data;

	if (*ppos || count > QNN_SIM_CHECK_MAX)
		return -EINVAL;
	data = vmemdup_user(ubuf, count);
	if (IS_ERR(data))
		return PTR_ERR(data);
	b.data = data;
	qnn_sim_get_caps(sim, &caps);
	mutex_lock(&chk->lock);
	if (!chk->ctx)
		chk->ctx = qnn_sim_exec_ctx_alloc();
	if (chk->ctx) {
		qnn_sim_exec(chk->ctx, &mem, &caps, 0, count,
			     QNN_SIM_EXEC_DECODE_ONLY, &r);
		snprintf(chk->verdict, sizeof(chk->verdict), "%u %u %u %llu\n",
			 qnn_sim_err_code(&r),
			 r.status == QNN_SIM_BAD_CMD ? r.cs_err : 0,
			 r.cmd_offset, r.ops);
	}
	mutex_unlock(&chk->lock);
	kvfree(data);
	return chk->ctx ? count : -ENOMEM;
}

static ssize_t qnn_sim_check_read(struct file *file, char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct qnn_sim *sim = file_inode(file)->i_private;
	struct qnn_sim_checker *chk = sim->checker;
	char verdict[sizeof(chk->verdict)];

	mutex_lock(&chk->lock);
	memcpy(verdict, chk->verdict, sizeof(verdict));
	mutex_unlock(&chk->lock);
	return simple_read_from_buffer(ubuf, count, ppos, verdict,
				       strlen(verdict));
}

static const struct file_operations qnn_sim_check_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = qnn_sim_check_read,
	.write = qnn_sim_check_write,
};

static void qnn_sim_engine_free(void *data)
{
	struct qnn_sim *sim = data;

	qnn_sim_engine_stop(sim);
	debugfs_remove_recursive(sim->debugfs);
	qnn_sim_exec_ctx_free(sim->exec);
	if (sim->checker) {
		qnn_sim_exec_ctx_free(sim->checker->ctx);
		mutex_destroy(&sim->checker->lock);
	}
}

int qnn_sim_engine_init(struct qnn_sim *sim, struct dentry *debugfs_root)
{
	struct dentry *d;

	INIT_WORK(&sim->work, qnn_sim_work);
	sim->exec = qnn_sim_exec_ctx_alloc();
	if (!sim->exec)
		return -ENOMEM;
	sim->checker = devm_kzalloc(sim->dev, sizeof(*sim->checker),
				    GFP_KERNEL);
	if (!sim->checker) {
		qnn_sim_exec_ctx_free(sim->exec);
		return -ENOMEM;
	}
	mutex_init(&sim->checker->lock);
	strscpy(sim->checker->verdict, "none\n");
	d = debugfs_create_dir(dev_name(sim->dev), debugfs_root);
	sim->debugfs = d;
	debugfs_create_atomic_t("hang_next_job", 0600, d, &sim->faults.hang);
	debugfs_create_atomic_t("mmu_fault_next_job", 0600, d,
				&sim->faults.mmu_fault);
	debugfs_create_atomic_t("corrupt_next_status", 0600, d,
				&sim->faults.corrupt_status);
	debugfs_create_atomic_t("drop_next_irq", 0600, d,
				&sim->faults.drop_irq);
	debugfs_create_u32("delay_us", 0600, d, &sim->faults.delay_us);
	debugfs_create_file("check_stream", 0600, d, sim, &qnn_sim_check_fops);
	return devm_add_action_or_reset(sim->dev, qnn_sim_engine_free, sim);
}

/* Device removal: abort what runs, run nothing more, wait for the engine. */
void qnn_sim_engine_stop(struct qnn_sim *sim)
{
	spin_lock_irq(&sim->lock);
	sim->removing = true;
	spin_unlock_irq(&sim->lock);
	wake_up_all(&sim->wait);
	cancel_work_sync(&sim->work);
}
