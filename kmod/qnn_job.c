// SPDX-License-Identifier: GPL-2.0-only
/*
 * Job execution.
 *
 * SUBMIT copies the command stream into a kernel-only BO mapped read-only
 * in the file's address space (top of the VA range, which userspace cannot
 * map), validates it against the job's BO list, takes references and
 * mapping references on every BO (lifetime) and adds implicit-sync fences,
 * then hands the job to the device's drm_sched scheduler through the
 * file's entity of the job's priority. Everything a job needs is allocated
 * here, its hardware fence included.
 *
 * Lifetimes: the scheduler owns a job from push to free_job(); free_job()
 * only queues it for the cleanup worker, which drops the BOs and mappings
 * (that sleeps and takes locks held around allocations, which the fence
 * signalling path must never wait for). WAIT reads a small record
 * (struct qnn_job_rec) that outlives the job and holds no fence; the
 * hardware fence holds nothing either. So nothing is left when the job's
 * last fence goes.
 *
 * Signalling path: prepare_job()/run_job() write a descriptor and ring the
 * doorbell; the interrupt thread reads result records and signals hardware
 * fences; the timeout handler resets the device through drm_sched's
 * stop/resubmit/start. None of them allocates; each is annotated with
 * dma_fence_begin_signalling() so that lockdep can check it.
 */
#include <linux/bitfield.h>
#include <linux/capability.h>
#include <linux/dma-fence-chain.h>
#include <linux/dma-resv.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>
#include <drm/drm_syncobj.h>
#include <drm/drm_utils.h>

#include "qnn_accel.h"
#include "qnn_cmds.h"
#include "qnn_cmdstream.h"
#include "qnn_coredump.h"
#include "qnn_drv.h"
#include "qnn_job.h"
#include "qnn_regs.h"

#define CREATE_TRACE_POINTS
#include "qnn_trace.h"

static unsigned int job_timeout_ms = 500;
module_param(job_timeout_ms, uint, 0444);
MODULE_PARM_DESC(job_timeout_ms,
		 "time a job may run before the device is reset, ms (default 500)");

static unsigned int hang_limit = 3;
module_param(hang_limit, uint, 0644);
MODULE_PARM_DESC(hang_limit,
		 "timeouts after which a file is banned, 0 = never (default 3)");

/* Finished jobs whose status a file keeps for WAIT. */
#define QNN_JOB_HISTORY		4096

/*
 * What WAIT reports about a job. Written by the job's paths until the
 * job's finished fence signals, which sets @done (release); read-only
 * after. Referenced by the file's history and by the job.
 */
struct qnn_job_rec {
	struct kref ref;
	bool done;
	u32 status;			/* DRM_QNN_JOB_*, 0: never ran */
	u32 cs_error;
	u32 cs_offset;
	u32 fault_flags;
	u64 fault_addr;
	u64 cycles;
	u64 binops;
	u64 bytes_rd;
	u64 bytes_wr;
	ktime_t t_submit;
	ktime_t t_run;
	ktime_t t_done;
};

struct qnn_job {
	struct drm_sched_job base;
	struct qnn_device *qdev;
	struct qnn_file *qf;
	u64 id;
	struct qnn_job_rec *rec;
	struct dma_fence_cb done_cb;	/* on the finished fence */
	struct llist_node cleanup;	/* qnn_jobs.cleanup_list */

	/* the kept stream's arrays when @cmds is set, else the job's own */
	struct drm_gem_object **bos;
	u32 *bo_flags;
	u32 bo_count;
	struct qnn_cmds *cmds;		/* a kept stream (qnn_cmds.c), or NULL */
	struct drm_gem_object *cmd_obj;	/* kernel-only stream copy */
	struct drm_mm_node cmd_node;
	u64 cmd_va;			/* where the device reads the stream */
	u32 cmd_size;
	u32 num_cmds;			/* for the tracepoints */
	u64 ops;

	/* allocated by SUBMIT, initialised by the first run_job() */
	struct dma_fence *hw_fence;
	bool hw_fence_init;
	/* the ring's lock protects these */
	bool nopped;			/* descriptor made a NOP: cancelled */
	struct list_head hw_link;	/* qnn_jobs.inflight */
	u32 slot;
	u32 seqno;
};

static struct qnn_job *to_qnn_job(struct drm_sched_job *sj)
{
	return container_of(sj, struct qnn_job, base);
}

/* --- observability hooks (tracepoints, statistics, coredumps) ------- */

static u32 qnn_job_dev(const struct qnn_job *job)
{
	return job->qdev->drm.accel->index;
}

static void qnn_job_trace_run(const struct qnn_job *job)
{
	trace_qnn_job_run(qnn_job_dev(job), job->qf->client_id, job->qf->pid,
			  job->id, job->seqno, job->slot,
			  ktime_to_ns(ktime_sub(job->rec->t_run,
						job->rec->t_submit)));
}

/* From the finished fence's callback: every job passes here once. */
static void qnn_job_trace_done(const struct qnn_job *job)
{
	const struct qnn_job_rec *rec = job->rec;
	u32 status = rec->status ?: DRM_QNN_JOB_CANCELED;
	ktime_t end = rec->t_done ?: ktime_get();
	u64 dev_ns = qnn_stats_done(job->qf, status, rec->cycles);

	trace_qnn_job_done(qnn_job_dev(job), job->qf->client_id, job->qf->pid,
			   job->id, status, rec->cycles, dev_ns,
			   rec->t_run ? ktime_to_ns(ktime_sub(end, rec->t_run)) : 0,
			   ktime_to_ns(ktime_sub(end, rec->t_submit)));
}

/* A devcoredump of @job, which ends with @status (ring lock held). */
static void qnn_job_coredump_locked(struct qnn_device *qdev,
				    const struct qnn_job *job, u32 reason,
				    u32 status)
{
	const struct qnn_hw_result *r = &qdev->ring.results[job->slot];
	const struct qnn_job_rec *rec = job->rec;
	struct qnn_coredump_job cj = {
		.reason = reason,
		.status = status,
		.id = job->id,
		.qf = job->qf,
		.seqno = job->seqno,
		.slot = job->slot,
		.hw_status = le32_to_cpu(READ_ONCE(r->status)),
		.hw_detail = le32_to_cpu(r->detail),
		.cs_offset = rec->cs_offset,
		.fault_flags = rec->fault_flags,
		.fault_addr = rec->fault_addr,
		.cmd_obj = job->cmd_obj,
		.cmd_size = job->cmd_size,
		.t_run = rec->t_run,
	};

	qnn_coredump_capture_locked(qdev, &cj);
}

static void qnn_job_rec_release(struct kref *ref)
{
	kfree(container_of(ref, struct qnn_job_rec, ref));
}

static void qnn_job_rec_put(struct qnn_job_rec *rec)
{
	kref_put(&rec->ref, qnn_job_rec_release);
}

/*
 * Hardware fences: one small allocation per job that pins nothing; the
 * default release frees it after an RCU grace period.
 */
static const char *qnn_fence_driver_name(struct dma_fence *f)
{
	return "qnn";
}

static const char *qnn_fence_timeline_name(struct dma_fence *f)
{
	return "qnn-ring";
}

static const struct dma_fence_ops qnn_fence_ops = {
	.get_driver_name = qnn_fence_driver_name,
	.get_timeline_name = qnn_fence_timeline_name,
};

/* --- the ring --------------------------------------------------------- */

/* Put @job at the ring's tail (ring lock held, device present). */
static void qnn_ring_push_job_locked(struct qnn_device *qdev,
				     struct qnn_job *job)
{
	struct qnn_ring_job rj = {
		.op = QNN_DESC_OP_RUN,
		.flags = QNN_DESC_FLAG_IRQ,
		.pt_base = qnn_mmu_root(&job->qf->mmu),
		.cmd_va = job->cmd_va,
		.cmd_size = job->cmd_size,
	};

	qnn_ring_write_locked(qdev, &rj, &job->seqno, &job->slot);
	job->nopped = false;
	list_add_tail(&job->hw_link, &qdev->jobs.inflight);
}

/* End a job's run on the ring: record, count, signal its hardware fence. */
static void qnn_job_finish_locked(struct qnn_device *qdev, struct qnn_job *job,
				  u32 status, int err)
{
	struct qnn_jobs *jq = &qdev->jobs;
	struct qnn_file_jobs *fj = &job->qf->jobs;
	struct qnn_job_rec *rec = job->rec;

	rec->status = status;
	rec->t_done = ktime_get();
	list_del_init(&job->hw_link);
	if (status == DRM_QNN_JOB_COMPLETED) {
		jq->completed++;
		atomic64_inc(&fj->completed);
	} else {
		jq->failed++;
		atomic64_inc(&fj->failed);
		if (status == DRM_QNN_JOB_CANCELED)
			jq->canceled++;
		if (status == DRM_QNN_JOB_TIMEOUT) {
			jq->timeouts++;
			atomic64_inc(&fj->timeouts);
		}
	}
	if (err)
		dma_fence_set_error(job->hw_fence, err);
	/* the device's writes visible to the CPU before anyone can wait */
	qnn_bos_sync_for_cpu(job->bos, job->bo_flags, job->bo_count);
	dma_fence_signal(job->hw_fence);
}

/* Complete every job at the head of the ring whose record is written. */
static void qnn_jobs_reap_locked(struct qnn_device *qdev)
{
	struct qnn_jobs *jq = &qdev->jobs;
	struct qnn_job *job, *tmp;

	list_for_each_entry_safe(job, tmp, &jq->inflight, hw_link) {
		const struct qnn_hw_result *r = &qdev->ring.results[job->slot];
		u32 st = le32_to_cpu(READ_ONCE(r->status));
		struct qnn_job_rec *rec = job->rec;
		u32 detail, status;
		int err;

		if (st == QNN_RESULT_PENDING)
			break;
		dma_rmb();	/* the rest of the record after its status */
		detail = le32_to_cpu(r->detail);
		rec->cs_offset = le32_to_cpu(r->err_offset);
		rec->fault_addr = le64_to_cpu(r->fault_addr);
		rec->cycles = le64_to_cpu(r->cycles);
		rec->binops = le64_to_cpu(r->binops);
		rec->bytes_rd = le64_to_cpu(r->bytes_rd);
		rec->bytes_wr = le64_to_cpu(r->bytes_wr);
		switch (st) {
		case QNN_ERR_NONE:
			status = DRM_QNN_JOB_COMPLETED;
			err = 0;
			break;
		case QNN_ERR_MMU_FAULT:
			status = DRM_QNN_JOB_MMU_FAULT;
			rec->fault_flags = detail & QNN_RESULT_FAULT_WRITE ?
					   DRM_QNN_FAULT_WRITE : 0;
			err = -EFAULT;
			break;
		case QNN_ERR_BAD_OPCODE:
		case QNN_ERR_TRUNCATED:
		case QNN_ERR_BAD_SHAPE:
		case QNN_ERR_BAD_CMD:
			status = DRM_QNN_JOB_INVALID_CMD;
			rec->cs_error = detail;
			err = -EINVAL;
			break;
		default:
			/* a status this driver does not know: do not trust it */
			drm_err_ratelimited(&qdev->drm,
					    "job %llu: unknown device status %#x\n",
					    job->id, st);
			status = DRM_QNN_JOB_DEVICE_ERROR;
			rec->cs_offset = 0;
			err = -EIO;
			break;
		}
		/* its descriptor was made a NOP by close(): it did not run */
		if (job->nopped) {
			status = DRM_QNN_JOB_CANCELED;
			err = -ECANCELED;
		}
		if (status == DRM_QNN_JOB_MMU_FAULT) {
			qnn_stats_mmu_fault(job->qf);
			trace_qnn_mmu_fault(qnn_job_dev(job), job->qf->client_id,
					    job->qf->pid, job->id,
					    rec->fault_addr,
					    !!rec->fault_flags,
					    detail & QNN_RESULT_FAULT_REASON);
			qnn_job_coredump_locked(qdev, job,
						QNN_COREDUMP_MMU_FAULT, status);
		} else if (status == DRM_QNN_JOB_DEVICE_ERROR) {
			qnn_job_coredump_locked(qdev, job,
						QNN_COREDUMP_DEVICE_ERROR,
						status);
		}
		qnn_job_finish_locked(qdev, job, status, err);
	}
}

void qnn_jobs_irq(struct qnn_device *qdev, u32 pending)
{
	unsigned long flags;
	bool cookie;

	if (!(pending & (QNN_IRQ_JOB_DONE | QNN_IRQ_CMD_ERROR |
			 QNN_IRQ_MMU_FAULT)))
		return;
	cookie = dma_fence_begin_signalling();
	spin_lock_irqsave(&qdev->ring.lock, flags);
	qnn_jobs_reap_locked(qdev);
	spin_unlock_irqrestore(&qdev->ring.lock, flags);
	dma_fence_end_signalling(cookie);
}

/* Fail every job on the ring with @err (device gone). */
static void qnn_jobs_cancel_locked(struct qnn_device *qdev, int err)
{
	struct qnn_job *job, *tmp;

	list_for_each_entry_safe(job, tmp, &qdev->jobs.inflight, hw_link)
		qnn_job_finish_locked(qdev, job, DRM_QNN_JOB_CANCELED, err);
}

/* --- drm_sched backend ---------------------------------------------- */

/*
 * The error of a dependency that has signalled: its own, that of the fence
 * at a timeline point (chains do not carry their links' errors), or, for a
 * job of this device whose finished fence lags its hardware fence by a
 * callback, the hardware fence's.
 */
static int qnn_dep_error(struct drm_gpu_scheduler *sched, struct dma_fence *f)
{
	struct dma_fence *c = dma_fence_chain_contained(f);
	struct drm_sched_fence *sf;
	int st;

	st = dma_fence_get_status(f);
	if (st < 0)
		return st;
	if (c != f) {
		st = dma_fence_get_status(c);
		if (st < 0)
			return st;
	}
	sf = to_drm_sched_fence(c);
	if (sf && sf->sched == sched && c == &sf->finished && sf->parent) {
		st = dma_fence_get_status(sf->parent);
		if (st < 0)
			return st;
	}
	return 0;
}

static int qnn_job_deps_error(struct drm_sched_job *sj)
{
	struct dma_fence *f;
	unsigned long i;
	int err;

	xa_for_each(&sj->dependencies, i, f) {
		err = qnn_dep_error(sj->sched, f);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The scheduler lets a job run once a dependency of this device has only
 * started (same scheduler) or, for the file's own earlier jobs, at once:
 * ring order does the rest. A job must not run after a dependency failed,
 * so it also waits here for the hardware fences of those dependencies.
 * Between them, jobs of one file without dependencies still fill the ring.
 * Runs on the scheduler's work queue, which drm_sched_stop() stops: the
 * parents read here cannot change under it.
 */
static struct dma_fence *qnn_job_prepare(struct drm_sched_job *sj,
					 struct drm_sched_entity *entity)
{
	struct dma_fence *f, *parent;
	unsigned long i;

	xa_for_each(&sj->dependencies, i, f) {
		struct drm_sched_fence *sf = to_drm_sched_fence(f);

		if (!sf || sf->sched != sj->sched || f != &sf->finished ||
		    dma_fence_is_signaled(f))
			continue;
		/* an unsignalled finished fence of a job that ran has a parent */
		parent = sf->parent;
		if (parent && !dma_fence_is_signaled(parent))
			return dma_fence_get(parent);
	}
	return NULL;
}

static struct dma_fence *qnn_job_run(struct drm_sched_job *sj)
{
	struct qnn_job *job = to_qnn_job(sj);
	struct qnn_device *qdev = job->qdev;
	struct qnn_jobs *jq = &qdev->jobs;
	struct qnn_job_rec *rec = job->rec;
	struct dma_fence *fence;
	unsigned long flags;
	bool cookie;
	int idx, err;

	cookie = dma_fence_begin_signalling();
	if (job->hw_fence_init) {
		/*
		 * Again, from drm_sched_resubmit_jobs() after a timeout: a job
		 * the reset took off the ring goes back on it with its fence;
		 * one still on the ring (no reset) or ended stays as it is.
		 */
		spin_lock_irqsave(&qdev->ring.lock, flags);
		if (list_empty(&job->hw_link) &&
		    !dma_fence_is_signaled(job->hw_fence)) {
			if (READ_ONCE(job->qf->jobs.closing) ||
			    !drm_dev_enter(&qdev->drm, &idx)) {
				qnn_job_finish_locked(qdev, job,
						      DRM_QNN_JOB_CANCELED,
						      -ECANCELED);
			} else {
				qnn_ring_push_job_locked(qdev, job);
				qnn_job_trace_run(job);
				qnn_ring_doorbell_locked(qdev);
				drm_dev_exit(idx);
			}
		}
		spin_unlock_irqrestore(&qdev->ring.lock, flags);
		fence = dma_fence_get(job->hw_fence);
		goto out;
	}

	/* banned file (entity guilty), or a dependency failed */
	err = sj->s_fence->finished.error ?: qnn_job_deps_error(sj);
	if (err) {
		rec->status = DRM_QNN_JOB_CANCELED;
		fence = ERR_PTR(-ECANCELED);
		goto out;
	}
	if (!drm_dev_enter(&qdev->drm, &idx)) {
		fence = ERR_PTR(-ENODEV);
		goto out;
	}
	dma_fence_init(job->hw_fence, &qnn_fence_ops, &jq->fence_lock,
		       jq->fence_context, ++jq->fence_seqno);
	job->hw_fence_init = true;
	fence = dma_fence_get(job->hw_fence);	/* the scheduler's */
	rec->t_run = ktime_get();
	/* onto the ring: the CPU's writes go to the device (qnn_gem.c) */
	qnn_bos_sync_for_device(job->bos, job->bo_flags, job->bo_count);

	spin_lock_irqsave(&qdev->ring.lock, flags);
	qnn_ring_push_job_locked(qdev, job);
	qnn_job_trace_run(job);
	qnn_ring_doorbell_locked(qdev);
	spin_unlock_irqrestore(&qdev->ring.lock, flags);
	drm_dev_exit(idx);
out:
	dma_fence_end_signalling(cookie);
	return fence;
}

/* A job of @fj timed out: ban the file at hang_limit (its entities' guilty). */
static void qnn_file_jobs_hang(struct qnn_device *qdev, struct qnn_job *job)
{
	struct qnn_file_jobs *fj = &job->qf->jobs;
	unsigned int limit = READ_ONCE(hang_limit);

	if (atomic_inc_return(&fj->hangs) >= limit && limit &&
	    !atomic_xchg(&fj->banned, 1))
		drm_warn(&qdev->drm, "%s[%d]: %u jobs hung: no more jobs\n",
			 job->qf->comm, job->qf->pid, limit);
}

/*
 * drm_sched's recovery sequence: drm_sched_stop() parks the scheduler and
 * detaches it from the hardware fences; the device is reset; the guilty job
 * ends TIMEOUT, jobs of closing or banned files CANCELED, and the innocent
 * ones are taken off the dead ring; drm_sched_resubmit_jobs() calls
 * run_job() again for each job still pending, which puts the innocent ones
 * back on the fresh ring, in order, with their own fences; drm_sched_start()
 * reattaches and restarts. A completion whose interrupt was lost is found
 * by the reap and needs no reset.
 */
static enum drm_gpu_sched_stat qnn_job_timedout(struct drm_sched_job *sj)
{
	struct qnn_job *bad = to_qnn_job(sj), *job, *tmp;
	struct qnn_device *qdev = bad->qdev;
	struct qnn_jobs *jq = &qdev->jobs;
	enum drm_gpu_sched_stat stat = DRM_GPU_SCHED_STAT_NOMINAL;
	bool cookie, hung, lost = false;
	unsigned long flags;
	int idx, ret;

	/* frees finished jobs and waits for fences: not signalling-safe */
	drm_sched_stop(&jq->sched, sj);
	cookie = dma_fence_begin_signalling();

	spin_lock_irqsave(&qdev->ring.lock, flags);
	hung = bad->hw_fence_init && !dma_fence_is_signaled(bad->hw_fence);
	qnn_jobs_reap_locked(qdev);
	if (hung && dma_fence_is_signaled(bad->hw_fence)) {
		jq->lost_irqs++;
		hung = false;
		lost = true;
	}
	spin_unlock_irqrestore(&qdev->ring.lock, flags);
	if (lost)
		drm_warn(&qdev->drm, "job %llu: completion IRQ lost\n",
			 bad->id);
	if (!hung)
		goto restart;

	if (!drm_dev_enter(&qdev->drm, &idx)) {
		spin_lock_irqsave(&qdev->ring.lock, flags);
		qnn_jobs_cancel_locked(qdev, -ENODEV);
		spin_unlock_irqrestore(&qdev->ring.lock, flags);
		stat = DRM_GPU_SCHED_STAT_ENODEV;
		goto restart;
	}
	drm_warn(&qdev->drm, "job %llu timed out after %u ms: resetting\n",
		 bad->id, job_timeout_ms);
	trace_qnn_reset(qnn_job_dev(bad), bad->qf->client_id, bad->qf->pid,
			bad->id);
	/* the device as it hangs, before the reset clears it */
	spin_lock_irqsave(&qdev->ring.lock, flags);
	qnn_job_coredump_locked(qdev, bad, QNN_COREDUMP_HANG,
				DRM_QNN_JOB_TIMEOUT);
	spin_unlock_irqrestore(&qdev->ring.lock, flags);
	qnn_file_jobs_hang(qdev, bad);
	/* the reset drops the running job and leaves an empty, enabled ring */
	ret = qnn_hw_start(qdev);

	spin_lock_irqsave(&qdev->ring.lock, flags);
	jq->resets++;
	jq->reset_gen++;
	/* records written before the reset are real completions */
	qnn_jobs_reap_locked(qdev);
	list_for_each_entry_safe(job, tmp, &jq->inflight, hw_link) {
		if (job == bad)
			qnn_job_finish_locked(qdev, job, DRM_QNN_JOB_TIMEOUT,
					      -ETIMEDOUT);
		else if (ret)
			qnn_job_finish_locked(qdev, job,
					      DRM_QNN_JOB_DEVICE_ERROR, -EIO);
		else if (READ_ONCE(job->qf->jobs.closing) ||
			 atomic_read(&job->qf->jobs.banned))
			qnn_job_finish_locked(qdev, job, DRM_QNN_JOB_CANCELED,
					      -ECANCELED);
		else	/* innocent: drm_sched_resubmit_jobs() requeues it */
			list_del_init(&job->hw_link);
	}
	/* a close() in progress keeps the fresh ring halted too */
	if (jq->halts)
		qnn_ring_halt_locked(qdev);
	spin_unlock_irqrestore(&qdev->ring.lock, flags);
	if (ret)
		drm_err(&qdev->drm, "reset failed: %d\n", ret);
	drm_dev_exit(idx);

restart:
	drm_sched_resubmit_jobs(&jq->sched);
	drm_sched_start(&jq->sched);
	dma_fence_end_signalling(cookie);
	return stat;
}

/*
 * A reset the bus makes (FLR, AER slot reset, docs/hw-interface.md "AER and
 * FLR"): timeout recovery without a guilty job. The scheduler is parked
 * before the reset, so nothing is put on the ring meanwhile; afterwards the
 * reset sequence runs, records written before the reset count as
 * completions, and every other job on the ring is resubmitted to the fresh
 * ring in order.
 *
 * The park runs on the scheduler's (ordered) timeout work queue, as
 * amdgpu's and panthor's resets share one with their timeout handlers: a
 * timeout handler already running finishes its own stop/reset/start first,
 * one whose timer fires later is cancelled by drm_sched_stop() and cannot
 * be re-armed until drm_sched_start() in qnn_jobs_reset_done(). Otherwise
 * a timeout firing during the FLR would reset the device in the middle of
 * it and restart the scheduler onto a ring being reset.
 */
static void qnn_jobs_reset_stop_work(struct work_struct *work)
{
	struct qnn_jobs *jq = container_of(work, struct qnn_jobs,
					   reset_stop_work);

	drm_sched_stop(&jq->sched, NULL);
}

void qnn_jobs_reset_prepare(struct qnn_device *qdev)
{
	struct qnn_jobs *jq = &qdev->jobs;

	queue_work(jq->reset_wq, &jq->reset_stop_work);
	flush_work(&jq->reset_stop_work);
}

int qnn_jobs_reset_done(struct qnn_device *qdev)
{
	struct qnn_jobs *jq = &qdev->jobs;
	struct qnn_job *job, *tmp;
	unsigned long flags;
	bool cookie;
	int ret;

	cookie = dma_fence_begin_signalling();
	ret = qnn_hw_start(qdev);
	spin_lock_irqsave(&qdev->ring.lock, flags);
	jq->resets++;
	jq->reset_gen++;
	qnn_jobs_reap_locked(qdev);
	list_for_each_entry_safe(job, tmp, &jq->inflight, hw_link) {
		if (ret)
			qnn_job_finish_locked(qdev, job,
					      DRM_QNN_JOB_DEVICE_ERROR, -EIO);
		else if (READ_ONCE(job->qf->jobs.closing) ||
			 atomic_read(&job->qf->jobs.banned))
			qnn_job_finish_locked(qdev, job, DRM_QNN_JOB_CANCELED,
					      -ECANCELED);
		else
			list_del_init(&job->hw_link);
	}
	if (jq->halts)
		qnn_ring_halt_locked(qdev);
	spin_unlock_irqrestore(&qdev->ring.lock, flags);
	drm_sched_resubmit_jobs(&jq->sched);
	drm_sched_start(&jq->sched);
	dma_fence_end_signalling(cookie);
	return ret;
}

/**
 * qnn_bo_refs_put() - undo qnn_bo_refs_get()
 * @qf: the file
 * @bos: the BOs (NULL entries skipped)
 * @flags: their flags (QNN_BO_REF_MAPPED: a mapping reference is held)
 * @count: entries
 */
void qnn_bo_refs_put(struct qnn_file *qf, struct drm_gem_object **bos,
		     const u32 *flags, u32 count)
{
	u32 i;

	for (i = 0; i < count; i++) {
		if (!bos[i])
			continue;
		if (flags[i] & QNN_BO_REF_MAPPED)
			qnn_bo_map_put(bos[i], qf);
		drm_gem_object_put(bos[i]);
	}
}

/**
 * qnn_stream_unload() - undo qnn_stream_load()
 * @qf: the file
 * @obj: the stream copy, may be NULL; set to NULL
 * @node: its mapping in the kernel window
 */
void qnn_stream_unload(struct qnn_file *qf, struct drm_gem_object **obj,
		       struct drm_mm_node *node)
{
	if (!*obj)
		return;
	if (drm_mm_node_allocated(node))
		qnn_mmu_unmap(&qf->mmu, node, *obj);
	drm_gem_object_put(*obj);
	*obj = NULL;
}

static void qnn_job_put_bos(struct qnn_job *job)
{
	if (job->cmds) {
		/* the arrays are the kept stream's: it holds the BOs */
		qnn_cmds_put(job->cmds);
		job->cmds = NULL;
		job->bos = NULL;
		job->bo_flags = NULL;
	} else if (job->bos) {
		qnn_bo_refs_put(job->qf, job->bos, job->bo_flags,
				job->bo_count);
	}
	job->bo_count = 0;
	qnn_stream_unload(job->qf, &job->cmd_obj, &job->cmd_node);
}

/* Everything a job holds; sleeps. Not for the signalling path. */
static void qnn_job_release(struct qnn_job *job)
{
	qnn_job_put_bos(job);
	if (job->hw_fence_init)
		dma_fence_put(job->hw_fence);
	else
		kfree(job->hw_fence);
	if (job->rec)
		qnn_job_rec_put(job->rec);
	/* NULL for a kept stream's (qnn_job_put_bos()) */
	kvfree(job->bos);
	kvfree(job->bo_flags);
	kfree(job);
}

static void qnn_jobs_cleanup_work(struct work_struct *work)
{
	struct qnn_jobs *jq = container_of(work, struct qnn_jobs,
					   cleanup_work);
	struct llist_node *list = llist_del_all(&jq->cleanup_list);
	struct qnn_job *job, *tmp;

	list = llist_reverse_order(list);
	llist_for_each_entry_safe(job, tmp, list, cleanup) {
		struct qnn_file_jobs *fj = &job->qf->jobs;
		struct qnn_device *qdev = job->qdev;

		qnn_job_release(job);
		qnn_device_pm_put(qdev);	/* SUBMIT's */
		atomic_inc(&fj->freed);
		/* the last touch of the file: its close may be waiting */
		atomic_dec(&fj->live);
		atomic_dec(&jq->live);
		wake_up_all(&jq->cleanup_wq);
	}
}

/*
 * Called from the scheduler's work queue (ordered with run_job()), from the
 * timeout handler's drm_sched_stop() and from entity teardown: light work
 * only, the rest goes to the cleanup worker.
 */
static void qnn_job_free(struct drm_sched_job *sj)
{
	struct qnn_job *job = to_qnn_job(sj);
	struct qnn_jobs *jq = &job->qdev->jobs;

	drm_sched_job_cleanup(sj);
	if (llist_add(&job->cleanup, &jq->cleanup_list))
		queue_work(system_unbound_wq, &jq->cleanup_work);
}

static const struct drm_sched_backend_ops qnn_sched_ops = {
	.prepare_job = qnn_job_prepare,
	.run_job = qnn_job_run,
	.timedout_job = qnn_job_timedout,
	.free_job = qnn_job_free,
};

/* --- device init/teardown ------------------------------------------- */

/* Release of the DRM device: every file is closed, every job freed. */
static void qnn_jobs_fini(struct drm_device *drm, void *arg)
{
	struct qnn_device *qdev = arg;

	if (qdev->jobs.sched_ready)
		drm_sched_fini(&qdev->jobs.sched);
	destroy_workqueue(qdev->jobs.reset_wq);
	destroy_workqueue(qdev->jobs.submit_wq);
	flush_work(&qdev->jobs.cleanup_work);
	drm_WARN(drm, atomic_read(&qdev->jobs.live), "%d jobs leaked\n",
		 atomic_read(&qdev->jobs.live));
	/* the leak check of the selftests: a leaked BO is a splat */
	drm_WARN(drm, atomic_read(&qdev->bo_count), "%d BOs leaked\n",
		 atomic_read(&qdev->bo_count));
}

/* Before the IRQ is requested: the handler looks at the in-flight list. */
void qnn_jobs_preinit(struct qnn_device *qdev)
{
	struct qnn_jobs *jq = &qdev->jobs;

	spin_lock_init(&jq->fence_lock);
	INIT_LIST_HEAD(&jq->inflight);
	jq->fence_context = dma_fence_context_alloc(1);
	init_llist_head(&jq->cleanup_list);
	INIT_WORK(&jq->cleanup_work, qnn_jobs_cleanup_work);
	init_waitqueue_head(&jq->cleanup_wq);
	atomic_set(&jq->live, 0);
}

int qnn_jobs_init(struct qnn_device *qdev)
{
	struct qnn_jobs *jq = &qdev->jobs;
	struct drm_sched_init_args args = {
		.ops = &qnn_sched_ops,
		.num_rqs = DRM_SCHED_PRIORITY_COUNT,
		/* a ring of N entries holds N - 1 jobs: head == tail is empty */
		.credit_limit = qdev->ring.size - 1,
		.timeout = msecs_to_jiffies(job_timeout_ms ?: 1),
		.name = "qnn",
		.dev = qdev->drm.dev,
	};
	int ret;

	jq->reset_wq = alloc_ordered_workqueue("qnn-reset", 0);
	if (!jq->reset_wq)
		return -ENOMEM;
	/* what drm_sched would allocate itself, but ours to queue work on */
	jq->submit_wq = alloc_ordered_workqueue("qnn-submit", WQ_MEM_RECLAIM);
	if (!jq->submit_wq) {
		destroy_workqueue(jq->reset_wq);
		return -ENOMEM;
	}
	INIT_WORK(&jq->reset_stop_work, qnn_jobs_reset_stop_work);
	args.timeout_wq = jq->reset_wq;
	args.submit_wq = jq->submit_wq;
	ret = drm_sched_init(&jq->sched, &args);
	if (ret) {
		destroy_workqueue(jq->submit_wq);
		destroy_workqueue(jq->reset_wq);
		return ret;
	}
	jq->sched_ready = true;
	return drmm_add_action_or_reset(&qdev->drm, qnn_jobs_fini, qdev);
}

/* After drm_dev_unplug() and the hardware stop: nothing runs any more. */
void qnn_jobs_unplug(struct qnn_device *qdev)
{
	unsigned long flags;
	bool cookie;

	cookie = dma_fence_begin_signalling();
	spin_lock_irqsave(&qdev->ring.lock, flags);
	qnn_jobs_cancel_locked(qdev, -ENODEV);
	spin_unlock_irqrestore(&qdev->ring.lock, flags);
	dma_fence_end_signalling(cookie);
}

/* --- per file -------------------------------------------------------- */

/* enum drm_qnn_priority -> drm_sched priority of the file's entity */
static const enum drm_sched_priority qnn_prio_map[QNN_JOB_PRIOS] = {
	[DRM_QNN_PRIORITY_NORMAL] = DRM_SCHED_PRIORITY_NORMAL,
	[DRM_QNN_PRIORITY_LOW] = DRM_SCHED_PRIORITY_LOW,
	[DRM_QNN_PRIORITY_HIGH] = DRM_SCHED_PRIORITY_HIGH,
};

int qnn_file_jobs_init(struct qnn_device *qdev, struct qnn_file *qf)
{
	struct qnn_file_jobs *fj = &qf->jobs;
	struct drm_gpu_scheduler *sched = &qdev->jobs.sched;
	int i, ret;

	mutex_init(&fj->submit_lock);
	xa_init(&fj->recs);
	fj->next_id = 1;
	fj->oldest_id = 1;
	init_waitqueue_head(&fj->done_wq);
	atomic_set(&fj->live, 0);
	atomic_set(&fj->freed, 0);
	atomic_set(&fj->hangs, 0);
	atomic_set(&fj->banned, 0);
	for (i = 0; i < QNN_JOB_PRIOS; i++) {
		/* a banned file's queued jobs get -ECANCELED from drm_sched */
		ret = drm_sched_entity_init(&fj->entity[i], qnn_prio_map[i],
					    &sched, 1, &fj->banned);
		if (ret) {
			while (i--)
				drm_sched_entity_destroy(&fj->entity[i]);
			mutex_destroy(&fj->submit_lock);
			return ret;
		}
	}
	return 0;
}

/*
 * Jobs of a closing file that are on the ring but have not started: halt
 * the ring (the running job, whichever file's, runs to its end or to the
 * timeout), turn their descriptors into NOPs, resume. A reset meanwhile
 * does the same job: it cancels a closing file's jobs instead of
 * resubmitting them.
 */
static void qnn_jobs_cancel_file(struct qnn_file *qf)
{
	struct qnn_device *qdev = qf->qdev;
	struct qnn_jobs *jq = &qdev->jobs;
	unsigned long flags, deadline;
	struct qnn_job *job;
	bool mine = false;
	int idx;
	u32 gen;

	if (!drm_dev_enter(&qdev->drm, &idx))
		return;		/* unplugged: every job was cancelled */
	spin_lock_irqsave(&qdev->ring.lock, flags);
	WRITE_ONCE(qf->jobs.closing, true);
	list_for_each_entry(job, &jq->inflight, hw_link)
		mine |= job->qf == qf;
	gen = jq->reset_gen;
	if (mine && !jq->halts++)
		qnn_ring_halt_locked(qdev);
	spin_unlock_irqrestore(&qdev->ring.lock, flags);
	if (!mine)
		goto out;

	deadline = jiffies + msecs_to_jiffies(2 * job_timeout_ms + 100);
	while (!qnn_ring_halted(qdev) && READ_ONCE(jq->reset_gen) == gen &&
	       time_before(jiffies, deadline))
		usleep_range(200, 500);

	spin_lock_irqsave(&qdev->ring.lock, flags);
	if (jq->reset_gen == gen && qnn_ring_halted(qdev)) {
		qnn_jobs_reap_locked(qdev);
		list_for_each_entry(job, &jq->inflight, hw_link) {
			if (job->qf != qf)
				continue;
			qnn_ring_nop_locked(qdev, job->slot);
			job->nopped = true;
		}
	}
	if (!--jq->halts)
		qnn_ring_resume_locked(qdev);
	spin_unlock_irqrestore(&qdev->ring.lock, flags);
out:
	drm_dev_exit(idx);
}

struct qnn_entities_fini {
	struct work_struct work;
	struct qnn_file_jobs *fj;
};

static void qnn_entities_fini_work(struct work_struct *work)
{
	struct qnn_entities_fini *w = container_of(work, typeof(*w), work);
	int i;

	for (i = 0; i < QNN_JOB_PRIOS; i++)
		drm_sched_entity_fini(&w->fj->entity[i]);
}

/*
 * Tear the file's entities down between two of the scheduler's work items.
 * 6.12's drm_sched_entity_pop_job() puts the entity back in the run
 * queue's FIFO tree when more jobs wait behind the one it takes, without
 * looking at entity->stopped; if drm_sched_entity_fini() removed it in
 * that window, the freed file stays in the tree and the next pick walks
 * freed memory (seen in CI as a KASAN use-after-free in rb_next). On the
 * ordered submit queue no pick is in progress, so the removal is final.
 */
static void qnn_file_entities_fini(struct qnn_jobs *jq,
				   struct qnn_file_jobs *fj)
{
	struct qnn_entities_fini w = { .fj = fj };

	INIT_WORK_ONSTACK(&w.work, qnn_entities_fini_work);
	queue_work(jq->submit_wq, &w.work);
	flush_work(&w.work);
	destroy_work_on_stack(&w.work);
}

/*
 * Close: queued jobs are cancelled by the entity teardown (once the jobs
 * before them end), jobs on the ring by qnn_jobs_cancel_file(), the one
 * running ends; only then may the file's address space go.
 */
void qnn_file_jobs_fini(struct qnn_file *qf)
{
	struct qnn_file_jobs *fj = &qf->jobs;
	struct qnn_jobs *jq = &qf->qdev->jobs;
	struct qnn_job_rec *rec;
	unsigned long id;

	/* no run_job() for this file after this, but for resubmits */
	qnn_file_entities_fini(jq, fj);
	qnn_jobs_cancel_file(qf);
	wait_event(jq->cleanup_wq, !atomic_read(&fj->live));
	xa_for_each(&fj->recs, id, rec) {
		xa_erase(&fj->recs, id);
		qnn_job_rec_put(rec);
	}
	xa_destroy(&fj->recs);
	mutex_destroy(&fj->submit_lock);
}

/* Forget the oldest finished jobs beyond QNN_JOB_HISTORY (submit_lock). */
static void qnn_jobs_prune(struct qnn_file_jobs *fj)
{
	struct qnn_job_rec *rec;

	while (fj->next_id - fj->oldest_id > QNN_JOB_HISTORY) {
		rec = xa_load(&fj->recs, fj->oldest_id);
		/* pairs with qnn_job_done_cb(): no job writes it any more */
		if (rec && !smp_load_acquire(&rec->done))
			break;
		xa_erase(&fj->recs, fj->oldest_id);
		if (rec)
			qnn_job_rec_put(rec);
		fj->oldest_id++;
	}
}

/* --- SUBMIT ------------------------------------------------------------ */

/*
 * Map the stream copy in the kernel window. The window holds the streams of
 * the file's unfinished jobs: when it is full, room comes back as they end,
 * so wait for that (interruptibly) rather than fail.
 */
static int qnn_stream_map(struct qnn_file *qf, struct drm_mm_node *node,
			  struct sg_table *sgt, size_t size)
{
	struct qnn_file_jobs *fj = &qf->jobs;
	struct qnn_jobs *jq = &qf->qdev->jobs;
	int ret, seen;

	for (;;) {
		seen = atomic_read(&fj->freed);
		memset(node, 0, sizeof(*node));
		ret = qnn_mmu_map_sgt_kernel(&qf->mmu, node, sgt, size);
		if (ret != -ENOSPC || !atomic_read(&fj->live))
			return ret;
		ret = wait_event_interruptible(jq->cleanup_wq,
					       atomic_read(&fj->freed) != seen);
		if (ret)
			return ret;
	}
}

/**
 * qnn_stream_load() - copy a stream into a kernel-only BO, map it read-only
 * @qf: the file whose kernel window gets it
 * @buf: the stream, in kernel memory
 * @size: its bytes
 * @objp: out, the BO (set before any failure after its creation: the
 *	caller undoes with qnn_stream_unload())
 * @node: out, the mapping
 *
 * Return: 0 or a negative errno; may wait for room in the window.
 */
int qnn_stream_load(struct qnn_file *qf, const void *buf, u32 size,
		    struct drm_gem_object **objp, struct drm_mm_node *node)
{
	struct drm_device *drm = &qf->qdev->drm;
	struct drm_gem_shmem_object *shmem;
	struct drm_gem_object *obj;
	struct sg_table *sgt;
	size_t bo_size = round_up(size, PAGE_SIZE), off;
	unsigned int i;

	obj = qnn_gem_create_kernel_bo(drm, bo_size);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	*objp = obj;
	shmem = to_drm_gem_shmem_obj(obj);
	sgt = drm_gem_shmem_get_pages_sgt(shmem);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);
	for (i = 0, off = 0; off < bo_size; i++, off += PAGE_SIZE) {
		size_t n = min_t(size_t, PAGE_SIZE, size > off ? size - off : 0);

		if (n)
			memcpy_to_page(shmem->pages[i], 0, buf + off, n);
		if (n < PAGE_SIZE)
			memzero_page(shmem->pages[i], n, PAGE_SIZE - n);
	}
	dma_sync_sgtable_for_device(drm->dev, sgt, DMA_TO_DEVICE);
	return qnn_stream_map(qf, node, sgt, bo_size);
}

/*
 * The BO list: entries bo_ref_size bytes apart (0: the 1.0 size), of which
 * this kernel reads the struct it knows; the rest must be zero.
 */
int qnn_bo_refs_copy(struct drm_qnn_bo_ref *refs, u64 bos, u32 count,
		     u32 bo_ref_size)
{
	u32 stride = bo_ref_size ?: sizeof(*refs);
	void __user *ubos = u64_to_user_ptr(bos);
	u32 i;
	int ret;

	if (stride == sizeof(*refs))
		return copy_from_user(refs, ubos, count * stride) ?
		       -EFAULT : 0;
	for (i = 0; i < count; i++) {
		ret = copy_struct_from_user(&refs[i], sizeof(refs[i]),
					    ubos + (size_t)i * stride, stride);
		if (ret)
			return ret == -E2BIG ? -EINVAL : ret;
	}
	return 0;
}

/**
 * qnn_bo_refs_get() - look up a BO list, take references and mappings
 * @file: the file whose handles @refs names
 * @refs: the list, @count entries
 * @count: entries
 * @bos: out, zeroed by the caller; the BOs found (undo: qnn_bo_refs_put())
 * @flags: out, DRM_QNN_BO_REF_* and QNN_BO_REF_MAPPED
 * @ranges: out, what the stream may address
 *
 * Return: 0 or a negative errno (what was taken stays in @bos/@flags).
 */
int qnn_bo_refs_get(struct drm_file *file, const struct drm_qnn_bo_ref *refs,
		    u32 count, struct drm_gem_object **bos, u32 *flags,
		    struct qnn_cs_range *ranges)
{
	struct qnn_file *qf = file->driver_priv;
	u32 i, j;
	int ret;

	for (i = 0; i < count; i++) {
		struct drm_gem_object *obj;
		u64 va;

		if (!refs[i].flags || refs[i].flags & ~DRM_QNN_BO_REF_FLAGS)
			return -EINVAL;
		obj = drm_gem_object_lookup(file, refs[i].handle);
		if (!obj)
			return -ENOENT;
		bos[i] = obj;
		flags[i] = refs[i].flags;
		for (j = 0; j < i; j++)
			if (bos[j] == obj)
				return -EINVAL;	/* listed twice */
		ret = qnn_bo_map_get(obj, qf, &va);
		if (ret)
			return ret;
		flags[i] |= QNN_BO_REF_MAPPED;
		ranges[i].va = va;
		ranges[i].size = obj->size;
		ranges[i].writable = (refs[i].flags & DRM_QNN_BO_REF_WRITE) &&
			!(to_qnn_bo(obj)->flags & DRM_QNN_BO_DEVICE_READONLY);
	}
	return 0;
}

/*
 * A dependency (reference consumed). One that has already signalled makes
 * nothing wait and its error is not this job's business: only a dependency
 * that fails while the job waits for it cancels the job.
 */
static int qnn_job_add_dep(struct qnn_job *job, struct dma_fence *f)
{
	if (dma_fence_is_signaled(f)) {
		dma_fence_put(f);
		return 0;
	}
	return drm_sched_job_add_dependency(&job->base, f);
}

static int qnn_job_add_deps(struct qnn_job *job, struct drm_file *file,
			    const struct drm_qnn_submit *args)
{
	u32 __user *uh = u64_to_user_ptr(args->in_syncobjs);
	u64 __user *up = u64_to_user_ptr(args->in_syncobj_points);
	struct dma_fence *f;
	u64 point;
	u32 i, h;
	int ret;

	for (i = 0; i < args->in_syncobj_count; i++) {
		point = 0;
		if (get_user(h, uh + i) ||
		    (args->in_syncobj_points && get_user(point, up + i)))
			return -EFAULT;
		ret = drm_syncobj_find_fence(file, h, point, 0, &f);
		if (ret)
			return ret;
		ret = qnn_job_add_dep(job, f);
		if (ret)
			return ret;
	}
	return 0;
}

/* Implicit sync: a read waits for writers, a write for everyone. */
static int qnn_job_add_implicit_deps(struct qnn_job *job,
				     struct drm_gem_object *obj, bool write)
{
	struct dma_resv_iter cursor;
	struct dma_fence *f;
	int ret;

	dma_resv_for_each_fence(&cursor, obj->resv, dma_resv_usage_rw(write),
				f) {
		ret = qnn_job_add_dep(job, dma_fence_get(f));
		if (ret)
			return ret;
	}
	return 0;
}

/* Called on the job's finished fence: WAIT may report it now. */
static void qnn_job_done_cb(struct dma_fence *f, struct dma_fence_cb *cb)
{
	struct qnn_job *job = container_of(cb, struct qnn_job, done_cb);

	qnn_job_trace_done(job);
	/* the record's fields before "done": WAIT reads them after it */
	smp_store_release(&job->rec->done, true);
	wake_up_all(&job->qf->jobs.done_wq);
}

struct qnn_submit_out {
	struct drm_syncobj *syncobj;
	struct dma_fence_chain *chain;	/* for a timeline point */
	u64 point;
};

/* Lock the BOs, add implicit dependencies, arm, publish, push. */
static int qnn_job_push(struct qnn_job *job, struct qnn_submit_out *out)
{
	struct qnn_file_jobs *fj = &job->qf->jobs;
	struct qnn_jobs *jq = &job->qdev->jobs;
	struct ww_acquire_ctx ctx;
	struct dma_fence *done;
	u32 i;
	int ret;

	ret = drm_gem_lock_reservations(job->bos, job->bo_count, &ctx);
	if (ret)
		return ret;
	for (i = 0; i < job->bo_count; i++) {
		bool write = job->bo_flags[i] & DRM_QNN_BO_REF_WRITE;

		ret = dma_resv_reserve_fences(job->bos[i]->resv, 1);
		if (!ret)
			ret = qnn_job_add_implicit_deps(job, job->bos[i], write);
		if (ret)
			goto out_unlock;
	}
	ret = xa_insert(&fj->recs, job->id, job->rec, GFP_KERNEL);
	if (ret)
		goto out_unlock;
	kref_get(&job->rec->ref);	/* the history's */

	/* nothing may fail from here on */
	drm_sched_job_arm(&job->base);
	done = &job->base.s_fence->finished;
	/* not signalled before the push: this cannot fail */
	dma_fence_add_callback(done, &job->done_cb, qnn_job_done_cb);
	for (i = 0; i < job->bo_count; i++)
		dma_resv_add_fence(job->bos[i]->resv, done,
				   job->bo_flags[i] & DRM_QNN_BO_REF_WRITE ?
				   DMA_RESV_USAGE_WRITE : DMA_RESV_USAGE_READ);
	if (out->chain) {
		drm_syncobj_add_point(out->syncobj, out->chain, done,
				      out->point);
		out->chain = NULL;
	} else if (out->syncobj) {
		drm_syncobj_replace_fence(out->syncobj, done);
	}
	atomic_inc(&fj->live);
	atomic_inc(&jq->live);
	fj->next_id++;
	atomic64_inc(&fj->submitted);
	job->rec->t_submit = ktime_get();
	qnn_stats_submit(job->qf);
	trace_qnn_job_submit(qnn_job_dev(job), job->qf->client_id, job->qf->pid,
			     job->id, job->num_cmds, job->ops, job->cmd_size,
			     job->bo_count);
	/*
	 * Unlock first: once pushed, the job may run, end and drop its BOs
	 * before this function could touch job->bos again.
	 */
	drm_gem_unlock_reservations(job->bos, job->bo_count, &ctx);
	drm_sched_entity_push_job(&job->base);
	return 0;

out_unlock:
	drm_gem_unlock_reservations(job->bos, job->bo_count, &ctx);
	return ret;
}

static int qnn_submit_check(const struct drm_qnn_submit *args)
{
	u32 stride = args->bo_ref_size;

	if (args->flags || args->pad || args->pad2 ||
	    args->bo_count > DRM_QNN_SUBMIT_MAX_BOS ||
	    args->in_syncobj_count > DRM_QNN_SUBMIT_MAX_SYNCOBJS ||
	    args->priority > DRM_QNN_PRIORITY_HIGH ||
	    (stride && (stride < sizeof(struct drm_qnn_bo_ref) ||
			stride % 8 ||
			stride > DRM_QNN_SUBMIT_MAX_BO_REF_SIZE)) ||
	    (args->out_syncobj_point && !args->out_syncobj))
		return -EINVAL;
	/* a kept stream brings its own stream and BO list (1.2) */
	if (args->cmds_handle ?
	    args->cmds || args->cmds_size || args->bos || args->bo_count ||
	    args->bo_ref_size :
	    args->cmds_size < sizeof(struct qnn_cs_header) ||
	    args->cmds_size > QNN_CS_MAX_STREAM_SIZE)
		return -EINVAL;
	/* HIGH runs ahead of everyone's NORMAL jobs: as for nice(2) < 0 */
	if (args->priority == DRM_QNN_PRIORITY_HIGH && !capable(CAP_SYS_NICE))
		return -EACCES;
	return 0;
}

/* A kept stream: borrow its stream and BO list (no copy, no validation). */
static int qnn_job_use_cmds(struct qnn_job *job, u32 handle)
{
	struct qnn_cmds *cmds = qnn_cmds_lookup(job->qf, handle);

	if (!cmds)
		return -ENOENT;
	job->cmds = cmds;
	job->bos = cmds->bos;
	job->bo_flags = cmds->bo_flags;
	job->bo_count = cmds->bo_count;
	job->cmd_va = cmds->node.start;
	job->cmd_size = cmds->size;
	job->num_cmds = cmds->num_cmds;
	job->ops = cmds->ops;
	return 0;
}

/*
 * A stream passed by pointer: copy in the BO list and the stream, take the
 * BOs, validate. On success *@stream is the stream for qnn_stream_load().
 */
static int qnn_job_copy_in(struct qnn_job *job, struct drm_file *file,
			   struct drm_qnn_submit *args, void **stream)
{
	const struct qnn_cs_caps cs_caps = qnn_cs_caps_of(job->qdev);
	struct drm_qnn_bo_ref *refs;
	struct qnn_cs_range *ranges;
	struct qnn_cs_info info;
	int ret = -ENOMEM;

	job->bo_count = args->bo_count;
	job->bos = kvcalloc(args->bo_count + 1, sizeof(*job->bos), GFP_KERNEL);
	job->bo_flags = kvcalloc(args->bo_count + 1, sizeof(*job->bo_flags),
				 GFP_KERNEL);
	refs = kvmalloc_array(args->bo_count + 1, sizeof(*refs), GFP_KERNEL);
	ranges = kvmalloc_array(args->bo_count + 1, sizeof(*ranges),
				GFP_KERNEL);
	*stream = kvmalloc(args->cmds_size, GFP_KERNEL);
	if (!job->bos || !job->bo_flags || !refs || !ranges || !*stream)
		goto out;

	ret = qnn_bo_refs_copy(refs, args->bos, args->bo_count,
			       args->bo_ref_size);
	if (ret)
		goto out;
	ret = -EFAULT;
	if (copy_from_user(*stream, u64_to_user_ptr(args->cmds),
			   args->cmds_size))
		goto out;
	ret = qnn_bo_refs_get(file, refs, job->bo_count, job->bos,
			      job->bo_flags, ranges);
	if (ret)
		goto out;
	ret = qnn_cs_validate(*stream, args->cmds_size, ranges, job->bo_count,
			      &cs_caps, &info);
	if (ret) {
		args->cs_error = info.err;
		args->cs_offset = info.err_offset;
	} else {
		job->num_cmds = info.num_cmds;
		job->ops = info.ops;
	}
out:
	kvfree(ranges);
	kvfree(refs);
	return ret;
}

int qnn_ioctl_submit(struct drm_device *drm, void *data,
		     struct drm_file *file)
{
	struct qnn_device *qdev = to_qnn_device(drm);
	struct qnn_file *qf = file->driver_priv;
	struct qnn_file_jobs *fj = &qf->jobs;
	struct drm_qnn_submit *args = data;
	struct qnn_submit_out out = {};
	struct qnn_job *job;
	void *stream = NULL;
	bool inited = false, pm_held = false;
	int ret, idx;
	u64 id;

	args->job_id = 0;
	args->cs_error = 0;
	args->cs_offset = 0;
	ret = qnn_submit_check(args);
	if (ret)
		return ret;
	if (atomic_read(&fj->banned))
		return -ECANCELED;
	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	/* powered from now until free_job (qnn_device.c, power management) */
	ret = qnn_device_pm_get(qdev);
	if (ret)
		goto out_exit;
	pm_held = true;

	ret = -ENOMEM;
	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job)
		goto out_exit;
	INIT_LIST_HEAD(&job->hw_link);
	job->qdev = qdev;
	job->qf = qf;
	job->rec = kzalloc(sizeof(*job->rec), GFP_KERNEL);
	job->hw_fence = kzalloc(sizeof(*job->hw_fence), GFP_KERNEL);
	if (job->rec)
		kref_init(&job->rec->ref);	/* the job's */
	if (!job->rec || !job->hw_fence)
		goto out_put;

	if (args->cmds_handle)
		ret = qnn_job_use_cmds(job, args->cmds_handle);
	else
		ret = qnn_job_copy_in(job, file, args, &stream);
	if (ret)
		goto out_put;
	if (args->out_syncobj) {
		ret = -ENOENT;
		out.syncobj = drm_syncobj_find(file, args->out_syncobj);
		if (!out.syncobj)
			goto out_put;
		out.point = args->out_syncobj_point;
		ret = -ENOMEM;
		if (out.point) {
			out.chain = dma_fence_chain_alloc();
			if (!out.chain)
				goto out_put;
		}
	}
	/* last: this may wait for room in the stream window */
	if (stream) {
		ret = qnn_stream_load(qf, stream, args->cmds_size,
				      &job->cmd_obj, &job->cmd_node);
		if (ret)
			goto out_put;
		job->cmd_va = job->cmd_node.start;
		job->cmd_size = args->cmds_size;
	}

	mutex_lock(&fj->submit_lock);
	/* once pushed, the job may end and be freed at any time */
	id = fj->next_id;
	job->id = id;
	ret = drm_sched_job_init(&job->base, &fj->entity[args->priority], 1,
				 qf, file->client_id);
	if (!ret) {
		inited = true;
		ret = qnn_job_add_deps(job, file, args);
	}
	if (!ret)
		ret = qnn_job_push(job, &out);
	if (!ret) {
		args->job_id = id;
		qnn_jobs_prune(fj);
	}
	mutex_unlock(&fj->submit_lock);
	if (!ret) {
		job = NULL;	/* the scheduler's now */
		pm_held = false;
	}

out_put:
	dma_fence_chain_free(out.chain);
	if (out.syncobj)
		drm_syncobj_put(out.syncobj);
	if (job) {
		if (inited)
			drm_sched_job_cleanup(&job->base);
		qnn_job_release(job);
	}
	kvfree(stream);
out_exit:
	if (pm_held)
		qnn_device_pm_put(qdev);
	drm_dev_exit(idx);
	return ret;
}

/* --- WAIT -------------------------------------------------------------- */

static void qnn_job_report(const struct qnn_job_rec *rec,
			   struct drm_qnn_wait *a)
{
	a->status = rec->status ?: DRM_QNN_JOB_CANCELED;
	a->cs_error = rec->cs_error;
	a->cs_offset = rec->cs_offset;
	a->fault_flags = rec->fault_flags;
	a->fault_addr = rec->fault_addr;
	a->cycles = rec->cycles;
	a->binops = rec->binops;
	a->bytes_read = rec->bytes_rd;
	a->bytes_written = rec->bytes_wr;
	if (rec->t_run && rec->t_done) {
		a->duration_ns = ktime_to_ns(ktime_sub(rec->t_done,
						       rec->t_run));
		a->latency_ns = ktime_to_ns(ktime_sub(rec->t_done,
						      rec->t_submit));
	}
}

static bool qnn_job_rec_done(const struct qnn_job_rec *rec)
{
	/* pairs with qnn_job_done_cb(): the fields are final after "done" */
	return smp_load_acquire(&rec->done);
}

static int qnn_wait_bo(struct drm_file *file, struct drm_qnn_wait *args,
		       long timeout)
{
	struct drm_gem_object *obj;
	long ret;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	ret = dma_resv_wait_timeout(obj->resv, DMA_RESV_USAGE_READ, true,
				    timeout);
	drm_gem_object_put(obj);
	if (ret < 0)
		return ret;
	return ret ? 0 : -ETIME;
}

int qnn_ioctl_wait(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct qnn_file *qf = file->driver_priv;
	struct qnn_file_jobs *fj = &qf->jobs;
	struct drm_qnn_wait *args = data;
	struct qnn_job_rec *rec;
	long timeout, ret;
	u64 id = args->job_id;

	if (args->flags & ~DRM_QNN_WAIT_BO || args->timeout_ns < 0)
		return -EINVAL;
	/* job ids start at 1; a BO wait names no job, a job wait no BO */
	if ((args->flags & DRM_QNN_WAIT_BO) ? id : (args->handle || !id))
		return -EINVAL;
	/* every out field starts at 0 */
	*args = (struct drm_qnn_wait){
		.job_id = id,
		.timeout_ns = args->timeout_ns,
		.handle = args->handle,
		.flags = args->flags,
	};
	timeout = drm_timeout_abs_to_jiffies(args->timeout_ns);
	if (args->flags & DRM_QNN_WAIT_BO)
		return qnn_wait_bo(file, args, timeout);

	xa_lock(&fj->recs);
	rec = xa_load(&fj->recs, id);
	if (rec)
		kref_get(&rec->ref);
	xa_unlock(&fj->recs);
	if (!rec)
		return -ENOENT;

	ret = wait_event_interruptible_timeout(fj->done_wq,
					       qnn_job_rec_done(rec), timeout);
	if (ret > 0) {
		qnn_job_report(rec, args);
		ret = 0;
	} else if (!ret) {
		ret = -ETIME;
	}
	qnn_job_rec_put(rec);
	return ret;
}

/* --- debugfs ----------------------------------------------------------- */

void qnn_jobs_debugfs_show(struct qnn_device *qdev, struct seq_file *m)
{
	struct qnn_jobs *jq = &qdev->jobs;
	struct qnn_file *qf;
	struct qnn_job *job;
	unsigned int n = 0;
	unsigned long flags;

	spin_lock_irqsave(&qdev->ring.lock, flags);
	list_for_each_entry(job, &jq->inflight, hw_link)
		n++;
	seq_printf(m, "ring: size=%u tail=%u seqno=%u inflight=%u credits=%u/%u\n",
		   qdev->ring.size, qdev->ring.tail, qdev->ring.seqno, n,
		   atomic_read(&jq->sched.credit_count), jq->sched.credit_limit);
	seq_printf(m, "jobs: completed=%llu failed=%llu timeouts=%llu resets=%llu lost_irqs=%llu canceled=%llu live=%d\n",
		   jq->completed, jq->failed, jq->timeouts, jq->resets,
		   jq->lost_irqs, jq->canceled, atomic_read(&jq->live));
	spin_unlock_irqrestore(&qdev->ring.lock, flags);

	mutex_lock(&qdev->files_lock);
	list_for_each_entry(qf, &qdev->files, link)
		seq_printf(m, "file pid=%d comm=%s submitted=%lld completed=%lld failed=%lld timeouts=%lld live=%d hangs=%d banned=%d\n",
			   qf->pid, qf->comm,
			   atomic64_read(&qf->jobs.submitted),
			   atomic64_read(&qf->jobs.completed),
			   atomic64_read(&qf->jobs.failed),
			   atomic64_read(&qf->jobs.timeouts),
			   atomic_read(&qf->jobs.live),
			   atomic_read(&qf->jobs.hangs),
			   atomic_read(&qf->jobs.banned));
	mutex_unlock(&qdev->files_lock);
}
