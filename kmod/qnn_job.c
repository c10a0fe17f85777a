// SPDX-License-Identifier: GPL-2.0-only
/*
 * Job execution.
 *
 * SUBMIT copies the command stream into a kernel-only BO mapped read-only
 * in the file's address space (top of the VA range, which userspace cannot
 * map), validates it against the job's BO list, takes references and
 * mapping references on every BO (lifetime) and adds implicit-sync fences,
 * then hands the job to the device's drm_sched scheduler through the
 * file's entity. Everything a job needs is allocated here.
 *
 * run_job() only writes a descriptor into the ring and rings the doorbell;
 * the interrupt thread reads result records and signals hardware fences.
 * Neither allocates nor sleeps. A job that outlives the timeout gets the
 * device reset: its status becomes "timed out" and every other job on the
 * ring is written to the fresh ring again, in order.
 */
#include <linux/bitfield.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>
#include <drm/drm_syncobj.h>
#include <drm/drm_utils.h>

#include "qnn_accel.h"
#include "qnn_cmdstream.h"
#include "qnn_drv.h"
#include "qnn_job.h"
#include "qnn_regs.h"

#define CREATE_TRACE_POINTS
#include "qnn_trace.h"

static unsigned int job_timeout_ms = 500;
module_param(job_timeout_ms, uint, 0444);
MODULE_PARM_DESC(job_timeout_ms,
		 "time a job may run before the device is reset, ms (default 500)");

/* Finished jobs whose status a file keeps for WAIT. */
#define QNN_JOB_HISTORY		4096

/* qnn_job.bo_flags: driver-private bit next to DRM_QNN_BO_REF_* */
#define QNN_JOB_BO_MAPPED	BIT(31)

struct qnn_job {
	struct drm_sched_job base;
	struct kref ref;
	struct rcu_head rcu;
	struct qnn_device *qdev;
	struct qnn_file *qf;
	u64 id;

	struct drm_gem_object **bos;
	u32 *bo_flags;
	u32 bo_count;
	struct drm_gem_object *cmd_obj;	/* kernel-only stream copy */
	struct drm_mm_node cmd_node;
	u32 cmd_size;

	struct dma_fence *done;		/* the scheduler's finished fence */
	struct dma_fence hw_fence;
	bool hw_fence_init;
	struct list_head hw_link;	/* qnn_jobs.inflight */
	u32 slot;
	u32 seqno;

	/* the outcome; written before the hardware fence signals */
	u32 status;			/* DRM_QNN_JOB_* */
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

static struct qnn_job *to_qnn_job(struct drm_sched_job *sj)
{
	return container_of(sj, struct qnn_job, base);
}

static void qnn_job_release(struct kref *ref)
{
	struct qnn_job *job = container_of(ref, struct qnn_job, ref);

	dma_fence_put(job->done);
	kvfree(job->bos);
	kvfree(job->bo_flags);
	kfree_rcu(job, rcu);
}

static void qnn_job_put(struct qnn_job *job)
{
	kref_put(&job->ref, qnn_job_release);
}

/* Hardware fences: embedded in the job, one per run on the ring. */
static const char *qnn_fence_driver_name(struct dma_fence *f)
{
	return "qnn";
}

static const char *qnn_fence_timeline_name(struct dma_fence *f)
{
	return "qnn-ring";
}

static void qnn_fence_release(struct dma_fence *f)
{
	qnn_job_put(container_of(f, struct qnn_job, hw_fence));
}

static const struct dma_fence_ops qnn_fence_ops = {
	.get_driver_name = qnn_fence_driver_name,
	.get_timeline_name = qnn_fence_timeline_name,
	.release = qnn_fence_release,
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
		.cmd_va = job->cmd_node.start,
		.cmd_size = job->cmd_size,
	};

	qnn_ring_write_locked(qdev, &rj, &job->seqno, &job->slot);
	list_add_tail(&job->hw_link, &qdev->jobs.inflight);
}

/* End a job's run on the ring: record, signal, drop the ring's reference. */
static void qnn_job_finish_locked(struct qnn_device *qdev, struct qnn_job *job,
				  u32 status, int err)
{
	struct qnn_jobs *jq = &qdev->jobs;
	struct qnn_file_jobs *fj = &job->qf->jobs;

	job->status = status;
	job->t_done = ktime_get();
	list_del_init(&job->hw_link);
	if (status == DRM_QNN_JOB_COMPLETED) {
		jq->completed++;
		atomic64_inc(&fj->completed);
	} else {
		jq->failed++;
		atomic64_inc(&fj->failed);
		if (status == DRM_QNN_JOB_TIMEOUT) {
			jq->timeouts++;
			atomic64_inc(&fj->timeouts);
		}
	}
	trace_qnn_job_done(job->id, job->seqno, status,
			   ktime_to_ns(ktime_sub(job->t_done, job->t_run)));
	if (err)
		dma_fence_set_error(&job->hw_fence, err);
	/* the device's writes visible to the CPU before anyone can wait */
	qnn_bos_sync_for_cpu(job->bos, job->bo_flags, job->bo_count);
	dma_fence_signal(&job->hw_fence);
	dma_fence_put(&job->hw_fence);
}

/* Complete every job at the head of the ring whose record is written. */
static void qnn_jobs_reap_locked(struct qnn_device *qdev)
{
	struct qnn_jobs *jq = &qdev->jobs;
	struct qnn_job *job, *tmp;

	list_for_each_entry_safe(job, tmp, &jq->inflight, hw_link) {
		const struct qnn_hw_result *r = &qdev->ring.results[job->slot];
		u32 st = le32_to_cpu(READ_ONCE(r->status));
		u32 detail, status;
		int err;

		if (st == QNN_RESULT_PENDING)
			break;
		dma_rmb();	/* the rest of the record after its status */
		detail = le32_to_cpu(r->detail);
		job->cs_offset = le32_to_cpu(r->err_offset);
		job->fault_addr = le64_to_cpu(r->fault_addr);
		job->cycles = le64_to_cpu(r->cycles);
		job->binops = le64_to_cpu(r->binops);
		job->bytes_rd = le64_to_cpu(r->bytes_rd);
		job->bytes_wr = le64_to_cpu(r->bytes_wr);
		switch (st) {
		case QNN_ERR_NONE:
			status = DRM_QNN_JOB_COMPLETED;
			err = 0;
			break;
		case QNN_ERR_MMU_FAULT:
			status = DRM_QNN_JOB_MMU_FAULT;
			job->fault_flags = detail & QNN_RESULT_FAULT_WRITE ?
					   DRM_QNN_FAULT_WRITE : 0;
			err = -EFAULT;
			break;
		case QNN_ERR_BAD_OPCODE:
		case QNN_ERR_TRUNCATED:
		case QNN_ERR_BAD_SHAPE:
		case QNN_ERR_BAD_CMD:
			status = DRM_QNN_JOB_INVALID_CMD;
			job->cs_error = detail;
			err = -EINVAL;
			break;
		default:
			/* a status this driver does not know: do not trust it */
			drm_err_ratelimited(&qdev->drm,
					    "job %llu: unknown device status %#x\n",
					    job->id, st);
			status = DRM_QNN_JOB_DEVICE_ERROR;
			job->cs_offset = 0;
			err = -EIO;
			break;
		}
		qnn_job_finish_locked(qdev, job, status, err);
	}
}

void qnn_jobs_irq(struct qnn_device *qdev, u32 pending)
{
	unsigned long flags;

	if (!(pending & (QNN_IRQ_JOB_DONE | QNN_IRQ_CMD_ERROR |
			 QNN_IRQ_MMU_FAULT)))
		return;
	spin_lock_irqsave(&qdev->ring.lock, flags);
	qnn_jobs_reap_locked(qdev);
	spin_unlock_irqrestore(&qdev->ring.lock, flags);
}

/* Fail every job on the ring (device gone). */
static void qnn_jobs_cancel_locked(struct qnn_device *qdev)
{
	struct qnn_job *job, *tmp;

	list_for_each_entry_safe(job, tmp, &qdev->jobs.inflight, hw_link)
		qnn_job_finish_locked(qdev, job, DRM_QNN_JOB_CANCELED, -ENODEV);
}

/* --- drm_sched backend ---------------------------------------------- */

static struct dma_fence *qnn_job_run(struct drm_sched_job *sj)
{
	struct qnn_job *job = to_qnn_job(sj);
	struct qnn_device *qdev = job->qdev;
	struct qnn_jobs *jq = &qdev->jobs;
	struct dma_fence *fence;
	unsigned long flags;
	int idx;

	/* cancelled before it ran (entity killed, dependency error) */
	if (unlikely(sj->s_fence->finished.error))
		return NULL;
	if (!drm_dev_enter(&qdev->drm, &idx))
		return ERR_PTR(-ENODEV);

	dma_fence_init(&job->hw_fence, &qnn_fence_ops, &jq->fence_lock,
		       jq->fence_context, ++jq->fence_seqno);
	job->hw_fence_init = true;
	kref_get(&job->ref);		/* the fence's, see qnn_fence_release */
	/* the scheduler's reference, before the job can end and drop ours */
	fence = dma_fence_get(&job->hw_fence);
	job->t_run = ktime_get();
	/* onto the ring: the CPU's writes go to the device (qnn_gem.c) */
	qnn_bos_sync_for_device(job->bos, job->bo_flags, job->bo_count);

	spin_lock_irqsave(&qdev->ring.lock, flags);
	qnn_ring_push_job_locked(qdev, job);
	trace_qnn_job_run(job->id, job->seqno, job->slot);
	qnn_ring_doorbell_locked(qdev);
	spin_unlock_irqrestore(&qdev->ring.lock, flags);

	drm_dev_exit(idx);
	return fence;
}

static enum drm_gpu_sched_stat qnn_job_timedout(struct drm_sched_job *sj)
{
	struct qnn_job *bad = to_qnn_job(sj);
	struct qnn_device *qdev = bad->qdev;
	struct qnn_jobs *jq = &qdev->jobs;
	struct qnn_job *job, *tmp;
	LIST_HEAD(requeue);
	unsigned long flags;
	int idx, ret;

	/*
	 * The scheduler took @bad off its pending list so that it cannot be
	 * freed under us; with its work items stopped, put it back (as
	 * drm_sched_stop() does) so that it is freed once its fence signals.
	 * Unlike drm_sched_stop() the jobs keep their hardware fences: the
	 * innocent ones go back on the ring below, with the same fences.
	 */
	drm_sched_wqueue_stop(&jq->sched);
	spin_lock(&jq->sched.job_list_lock);
	list_add(&sj->list, &jq->sched.pending_list);
	spin_unlock(&jq->sched.job_list_lock);

	/* a completion whose interrupt got lost is not a hang */
	spin_lock_irqsave(&qdev->ring.lock, flags);
	qnn_jobs_reap_locked(qdev);
	if (bad->hw_fence_init && dma_fence_is_signaled(&bad->hw_fence)) {
		jq->lost_irqs++;
		spin_unlock_irqrestore(&qdev->ring.lock, flags);
		drm_warn(&qdev->drm, "job %llu: completion IRQ lost\n",
			 bad->id);
		drm_sched_wqueue_start(&jq->sched);
		return DRM_GPU_SCHED_STAT_NOMINAL;
	}
	spin_unlock_irqrestore(&qdev->ring.lock, flags);

	if (!drm_dev_enter(&qdev->drm, &idx)) {
		spin_lock_irqsave(&qdev->ring.lock, flags);
		qnn_jobs_cancel_locked(qdev);
		spin_unlock_irqrestore(&qdev->ring.lock, flags);
		drm_sched_wqueue_start(&jq->sched);
		return DRM_GPU_SCHED_STAT_ENODEV;
	}
	drm_warn(&qdev->drm, "job %llu timed out after %u ms: resetting\n",
		 bad->id, job_timeout_ms);
	trace_qnn_reset(bad->id);
	/*
	 * Records written before the reset are real completions; the reset
	 * drops the running job and leaves an empty, enabled ring.
	 */
	spin_lock_irqsave(&qdev->ring.lock, flags);
	qnn_jobs_reap_locked(qdev);
	spin_unlock_irqrestore(&qdev->ring.lock, flags);
	ret = qnn_hw_start(qdev);

	spin_lock_irqsave(&qdev->ring.lock, flags);
	jq->resets++;
	qnn_jobs_reap_locked(qdev);
	list_splice_init(&jq->inflight, &requeue);
	list_for_each_entry_safe(job, tmp, &requeue, hw_link) {
		list_del_init(&job->hw_link);
		if (job == bad)
			qnn_job_finish_locked(qdev, job, DRM_QNN_JOB_TIMEOUT,
					      -ETIMEDOUT);
		else if (ret)
			qnn_job_finish_locked(qdev, job,
					      DRM_QNN_JOB_DEVICE_ERROR, -EIO);
		else	/* innocent: runs again from the fresh ring */
			qnn_ring_push_job_locked(qdev, job);
	}
	if (!ret)
		qnn_ring_doorbell_locked(qdev);
	spin_unlock_irqrestore(&qdev->ring.lock, flags);
	if (ret)
		drm_err(&qdev->drm, "reset failed: %d\n", ret);
	drm_dev_exit(idx);
	drm_sched_wqueue_start(&jq->sched);
	return DRM_GPU_SCHED_STAT_NOMINAL;
}

static void qnn_job_put_bos(struct qnn_job *job)
{
	u32 i;

	for (i = 0; i < job->bo_count; i++) {
		if (!job->bos[i])
			continue;
		if (job->bo_flags[i] & QNN_JOB_BO_MAPPED)
			qnn_bo_map_put(job->bos[i], job->qf);
		drm_gem_object_put(job->bos[i]);
	}
	job->bo_count = 0;
	if (job->cmd_obj) {
		if (drm_mm_node_allocated(&job->cmd_node)) {
			qnn_mmu_unmap(&job->qf->mmu, &job->cmd_node,
				      job->cmd_obj);
		}
		drm_gem_object_put(job->cmd_obj);
		job->cmd_obj = NULL;
	}
}

static void qnn_job_free(struct drm_sched_job *sj)
{
	struct qnn_job *job = to_qnn_job(sj);
	struct qnn_file_jobs *fj = &job->qf->jobs;

	drm_sched_job_cleanup(sj);
	qnn_job_put_bos(job);
	/*
	 * Last touch of the file: its close may be waiting for this, and
	 * frees it once it has seen live_lock free with live == 0.
	 */
	qnn_device_pm_put(job->qdev);	/* SUBMIT's */
	spin_lock(&fj->live_lock);
	if (!--fj->live)
		wake_up_all(&fj->idle);
	spin_unlock(&fj->live_lock);
	qnn_job_put(job);
}

static const struct drm_sched_backend_ops qnn_sched_ops = {
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

	ret = drm_sched_init(&jq->sched, &args);
	if (ret)
		return ret;
	jq->sched_ready = true;
	return drmm_add_action_or_reset(&qdev->drm, qnn_jobs_fini, qdev);
}

/* After drm_dev_unplug() and the hardware stop: nothing runs any more. */
void qnn_jobs_unplug(struct qnn_device *qdev)
{
	unsigned long flags;

	spin_lock_irqsave(&qdev->ring.lock, flags);
	qnn_jobs_cancel_locked(qdev);
	spin_unlock_irqrestore(&qdev->ring.lock, flags);
}

/* --- per file -------------------------------------------------------- */

int qnn_file_jobs_init(struct qnn_device *qdev, struct qnn_file *qf)
{
	struct qnn_file_jobs *fj = &qf->jobs;
	struct drm_gpu_scheduler *sched = &qdev->jobs.sched;

	mutex_init(&fj->submit_lock);
	xa_init(&fj->jobs);
	fj->next_id = 1;
	fj->oldest_id = 1;
	spin_lock_init(&fj->live_lock);
	fj->live = 0;
	init_waitqueue_head(&fj->idle);
	return drm_sched_entity_init(&fj->entity, DRM_SCHED_PRIORITY_NORMAL,
				     &sched, 1, NULL);
}

static bool qnn_file_jobs_idle(struct qnn_file_jobs *fj)
{
	bool idle;

	spin_lock(&fj->live_lock);
	idle = !fj->live;
	spin_unlock(&fj->live_lock);
	return idle;
}

/*
 * Close: queued jobs are run or cancelled by the entity teardown, jobs on
 * the ring finish (or time out); only then may the file's address space go.
 */
void qnn_file_jobs_fini(struct qnn_file *qf)
{
	struct qnn_file_jobs *fj = &qf->jobs;
	struct qnn_job *job;
	unsigned long id;

	drm_sched_entity_destroy(&fj->entity);
	wait_event(fj->idle, qnn_file_jobs_idle(fj));
	/* the last free_job has left its critical section */
	spin_lock(&fj->live_lock);
	spin_unlock(&fj->live_lock);
	xa_for_each(&fj->jobs, id, job) {
		xa_erase(&fj->jobs, id);
		qnn_job_put(job);
	}
	xa_destroy(&fj->jobs);
	mutex_destroy(&fj->submit_lock);
}

/* Forget the oldest finished jobs beyond QNN_JOB_HISTORY (submit_lock). */
static void qnn_jobs_prune(struct qnn_file_jobs *fj)
{
	struct qnn_job *job;

	while (fj->next_id - fj->oldest_id > QNN_JOB_HISTORY) {
		job = xa_load(&fj->jobs, fj->oldest_id);
		if (job && !dma_fence_is_signaled(job->done))
			break;
		xa_erase(&fj->jobs, fj->oldest_id);
		if (job)
			qnn_job_put(job);
		fj->oldest_id++;
	}
}

/* --- SUBMIT ------------------------------------------------------------ */

/* Copy the stream into a kernel-only BO and map it read-only for the job. */
static int qnn_job_load_stream(struct qnn_job *job, const void *buf, u32 size)
{
	struct drm_device *drm = &job->qdev->drm;
	struct drm_gem_shmem_object *shmem;
	struct drm_gem_object *obj;
	struct sg_table *sgt;
	size_t bo_size = round_up(size, PAGE_SIZE), off;
	unsigned int i;

	obj = qnn_gem_create_kernel_bo(drm, bo_size);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	job->cmd_obj = obj;
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
	job->cmd_size = size;
	return qnn_mmu_map_sgt_kernel(&job->qf->mmu, &job->cmd_node, sgt,
				      bo_size);
}

/* Look up the BO list, take references and mappings, fill @ranges. */
static int qnn_job_get_bos(struct qnn_job *job, struct drm_file *file,
			   const struct drm_qnn_bo_ref *refs,
			   struct qnn_cs_range *ranges)
{
	u32 i, j;
	int ret;

	for (i = 0; i < job->bo_count; i++) {
		struct drm_gem_object *obj;
		u64 va;

		if (!refs[i].flags || refs[i].flags & ~DRM_QNN_BO_REF_FLAGS)
			return -EINVAL;
		obj = drm_gem_object_lookup(file, refs[i].handle);
		if (!obj)
			return -ENOENT;
		job->bos[i] = obj;
		job->bo_flags[i] = refs[i].flags;
		for (j = 0; j < i; j++)
			if (job->bos[j] == obj)
				return -EINVAL;	/* listed twice */
		ret = qnn_bo_map_get(obj, job->qf, &va);
		if (ret)
			return ret;
		job->bo_flags[i] |= QNN_JOB_BO_MAPPED;
		ranges[i].va = va;
		ranges[i].size = obj->size;
		ranges[i].writable = (refs[i].flags & DRM_QNN_BO_REF_WRITE) &&
			!(to_qnn_bo(obj)->flags & DRM_QNN_BO_DEVICE_READONLY);
	}
	return 0;
}

static int qnn_job_add_deps(struct qnn_job *job, struct drm_file *file,
			    const struct drm_qnn_submit *args)
{
	u32 __user *uh = u64_to_user_ptr(args->in_syncobjs);
	u32 i, h;
	int ret;

	for (i = 0; i < args->in_syncobj_count; i++) {
		if (get_user(h, uh + i))
			return -EFAULT;
		ret = drm_sched_job_add_syncobj_dependency(&job->base, file, h,
							   0);
		if (ret)
			return ret;
	}
	return 0;
}

/* Lock the BOs, add implicit dependencies, arm, publish, push. */
static int qnn_job_push(struct qnn_job *job, struct drm_syncobj *out)
{
	struct qnn_file_jobs *fj = &job->qf->jobs;
	struct ww_acquire_ctx ctx;
	u32 i;
	int ret;

	ret = drm_gem_lock_reservations(job->bos, job->bo_count, &ctx);
	if (ret)
		return ret;
	for (i = 0; i < job->bo_count; i++) {
		bool write = job->bo_flags[i] & DRM_QNN_BO_REF_WRITE;

		ret = dma_resv_reserve_fences(job->bos[i]->resv, 1);
		if (!ret)
			ret = drm_sched_job_add_implicit_dependencies(&job->base,
								      job->bos[i],
								      write);
		if (ret)
			goto out_unlock;
	}
	ret = xa_insert(&fj->jobs, job->id, job, GFP_KERNEL);
	if (ret)
		goto out_unlock;
	kref_get(&job->ref);		/* the xarray's */

	/* nothing may fail from here on */
	drm_sched_job_arm(&job->base);
	job->done = dma_fence_get(&job->base.s_fence->finished);
	for (i = 0; i < job->bo_count; i++)
		dma_resv_add_fence(job->bos[i]->resv, job->done,
				   job->bo_flags[i] & DRM_QNN_BO_REF_WRITE ?
				   DMA_RESV_USAGE_WRITE : DMA_RESV_USAGE_READ);
	if (out)
		drm_syncobj_replace_fence(out, job->done);
	spin_lock(&fj->live_lock);
	fj->live++;
	spin_unlock(&fj->live_lock);
	fj->next_id++;
	atomic64_inc(&fj->submitted);
	job->t_submit = ktime_get();
	trace_qnn_job_submit(job->id, job->cmd_size, job->bo_count);
	kref_get(&job->ref);		/* the scheduler's, put by free_job */
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

int qnn_ioctl_submit(struct drm_device *drm, void *data,
		     struct drm_file *file)
{
	struct qnn_device *qdev = to_qnn_device(drm);
	struct qnn_file *qf = file->driver_priv;
	struct qnn_file_jobs *fj = &qf->jobs;
	struct drm_qnn_submit *args = data;
	struct drm_qnn_bo_ref *refs = NULL;
	struct qnn_cs_range *ranges = NULL;
	struct drm_syncobj *out = NULL;
	struct qnn_cs_info info;
	struct qnn_job *job;
	void *stream = NULL;
	bool inited = false, pm_held = false;
	int ret, idx;

	args->job_id = 0;
	args->cs_error = 0;
	args->cs_offset = 0;
	if (args->flags || args->pad ||
	    args->cmds_size < sizeof(struct qnn_cs_header) ||
	    args->cmds_size > QNN_CS_MAX_STREAM_SIZE ||
	    args->bo_count > DRM_QNN_SUBMIT_MAX_BOS ||
	    args->in_syncobj_count > DRM_QNN_SUBMIT_MAX_SYNCOBJS)
		return -EINVAL;
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
	kref_init(&job->ref);
	INIT_LIST_HEAD(&job->hw_link);
	job->qdev = qdev;
	job->qf = qf;
	job->bo_count = args->bo_count;
	job->bos = kvcalloc(args->bo_count + 1, sizeof(*job->bos), GFP_KERNEL);
	job->bo_flags = kvcalloc(args->bo_count + 1, sizeof(*job->bo_flags),
				 GFP_KERNEL);
	refs = kvmalloc_array(args->bo_count + 1, sizeof(*refs), GFP_KERNEL);
	ranges = kvmalloc_array(args->bo_count + 1, sizeof(*ranges),
				GFP_KERNEL);
	stream = kvmalloc(args->cmds_size, GFP_KERNEL);
	if (!job->bos || !job->bo_flags || !refs || !ranges || !stream)
		goto out_put;

	ret = -EFAULT;
	if (copy_from_user(refs, u64_to_user_ptr(args->bos),
			   args->bo_count * sizeof(*refs)) ||
	    copy_from_user(stream, u64_to_user_ptr(args->cmds),
			   args->cmds_size))
		goto out_put;
	ret = qnn_job_get_bos(job, file, refs, ranges);
	if (ret)
		goto out_put;
	ret = qnn_cs_validate(stream, args->cmds_size, ranges, job->bo_count,
			      &info);
	if (ret) {
		args->cs_error = info.err;
		args->cs_offset = info.err_offset;
		goto out_put;
	}
	ret = qnn_job_load_stream(job, stream, args->cmds_size);
	if (ret)
		goto out_put;
	if (args->out_syncobj) {
		out = drm_syncobj_find(file, args->out_syncobj);
		ret = -ENOENT;
		if (!out)
			goto out_put;
	}

	mutex_lock(&fj->submit_lock);
	job->id = fj->next_id;
	ret = drm_sched_job_init(&job->base, &fj->entity, 1, qf,
				 file->client_id);
	if (!ret) {
		inited = true;
		ret = qnn_job_add_deps(job, file, args);
	}
	if (!ret)
		ret = qnn_job_push(job, out);
	if (!ret) {
		args->job_id = job->id;
		qnn_jobs_prune(fj);
	}
	mutex_unlock(&fj->submit_lock);
	if (!ret) {
		/* the scheduler owns its references now */
		inited = false;
		job = NULL;
		pm_held = false;
	}

out_put:
	if (out)
		drm_syncobj_put(out);
	if (job) {
		if (inited)
			drm_sched_job_cleanup(&job->base);
		qnn_job_put_bos(job);
		qnn_job_put(job);
	}
	kvfree(stream);
	kvfree(ranges);
	kvfree(refs);
out_exit:
	if (pm_held)
		qnn_device_pm_put(qdev);
	drm_dev_exit(idx);
	return ret;
}

/* --- WAIT -------------------------------------------------------------- */

static void qnn_job_report(const struct qnn_job *job, struct drm_qnn_wait *a)
{
	a->status = job->status ?: DRM_QNN_JOB_CANCELED;
	a->cs_error = job->cs_error;
	a->cs_offset = job->cs_offset;
	a->fault_flags = job->fault_flags;
	a->fault_addr = job->fault_addr;
	a->cycles = job->cycles;
	a->binops = job->binops;
	a->bytes_read = job->bytes_rd;
	a->bytes_written = job->bytes_wr;
	if (job->status) {
		a->duration_ns = ktime_to_ns(ktime_sub(job->t_done,
						       job->t_run));
		a->latency_ns = ktime_to_ns(ktime_sub(job->t_done,
						      job->t_submit));
	}
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
	struct qnn_job *job;
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

	xa_lock(&fj->jobs);
	job = xa_load(&fj->jobs, id);
	if (job)
		kref_get(&job->ref);
	xa_unlock(&fj->jobs);
	if (!job)
		return -ENOENT;

	ret = dma_fence_wait_timeout(job->done, true, timeout);
	if (ret > 0) {
		qnn_job_report(job, args);
		ret = 0;
	} else if (!ret) {
		ret = -ETIME;
	}
	qnn_job_put(job);
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
	seq_printf(m, "jobs: completed=%llu failed=%llu timeouts=%llu resets=%llu lost_irqs=%llu\n",
		   jq->completed, jq->failed, jq->timeouts, jq->resets,
		   jq->lost_irqs);
	spin_unlock_irqrestore(&qdev->ring.lock, flags);

	mutex_lock(&qdev->files_lock);
	list_for_each_entry(qf, &qdev->files, link)
		seq_printf(m, "file pid=%d comm=%s submitted=%lld completed=%lld failed=%lld timeouts=%lld live=%d\n",
			   qf->pid, qf->comm,
			   atomic64_read(&qf->jobs.submitted),
			   atomic64_read(&qf->jobs.completed),
			   atomic64_read(&qf->jobs.failed),
			   atomic64_read(&qf->jobs.timeouts),
			   READ_ONCE(qf->jobs.live));
	mutex_unlock(&qdev->files_lock);
}
