/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Job execution: SUBMIT/WAIT, the command ring, drm_sched glue, completion
 * from the interrupt thread, timeout -> reset -> resubmit, cancellation.
 */
#ifndef _QNN_JOB_H_
#define _QNN_JOB_H_

#include <linux/atomic.h>
#include <linux/dma-fence.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <drm/gpu_scheduler.h>

struct drm_device;
struct drm_file;
struct qnn_device;
struct qnn_file;

/* Priorities a file's jobs can have: one entity each (enum drm_qnn_priority) */
#define QNN_JOB_PRIOS		3

/* Device-wide job state: one scheduler, one ring. */
struct qnn_jobs {
	struct drm_gpu_scheduler sched;
	bool sched_ready;

	/* the ring's lock (qnn_ring.lock) protects everything up to fence_* */
	struct list_head inflight;	/* on the ring, in ring order */
	u64 completed;
	u64 failed;
	u64 canceled;
	u64 timeouts;
	u64 resets;
	u64 lost_irqs;
	u32 reset_gen;			/* bumped by every reset */
	unsigned int halts;		/* closers that stopped the ring */

	/* hardware fences */
	spinlock_t fence_lock;
	u64 fence_context;
	u64 fence_seqno;

	/* free_job hands jobs here: unmapping and BO puts sleep */
	struct llist_head cleanup_list;
	struct work_struct cleanup_work;
	/* woken when a job is cleaned up (close, stream-window waiters) */
	wait_queue_head_t cleanup_wq;
	atomic_t live;			/* jobs submitted, not cleaned up */

	/*
	 * The scheduler's timeout work queue, ordered: a bus reset parks the
	 * scheduler from a work item here, so it never runs alongside the
	 * timeout handler's own stop/reset/start (qnn_jobs_reset_prepare()).
	 */
	struct workqueue_struct *reset_wq;
	struct work_struct reset_stop_work;

	/*
	 * The scheduler's submit work queue, ordered and ours: a closing
	 * file's entities are torn down from a work item here, never while
	 * the scheduler is taking a job (qnn_file_jobs_fini()).
	 */
	struct workqueue_struct *submit_wq;
};

/* Per-file job state. */
struct qnn_file_jobs {
	struct drm_sched_entity entity[QNN_JOB_PRIOS];
	/* serializes SUBMIT: ids and entity order agree */
	struct mutex submit_lock;
	struct xarray recs;		/* id -> struct qnn_job_rec */
	u64 next_id;
	u64 oldest_id;			/* oldest id still in recs */
	wait_queue_head_t done_wq;	/* a job of this file ended */
	atomic_t live;			/* jobs not yet cleaned up */
	atomic_t freed;			/* jobs cleaned up (window waiters) */
	atomic_t hangs;			/* jobs that timed out */
	atomic_t banned;		/* the entities' "guilty" flag */
	bool closing;			/* written under the ring's lock */
	atomic64_t submitted;
	atomic64_t completed;
	atomic64_t failed;
	atomic64_t timeouts;
};

void qnn_jobs_preinit(struct qnn_device *qdev);
int qnn_jobs_init(struct qnn_device *qdev);
void qnn_jobs_unplug(struct qnn_device *qdev);
void qnn_jobs_irq(struct qnn_device *qdev, u32 pending);
void qnn_jobs_reset_prepare(struct qnn_device *qdev);
int qnn_jobs_reset_done(struct qnn_device *qdev);

int qnn_file_jobs_init(struct qnn_device *qdev, struct qnn_file *qf);
void qnn_file_jobs_fini(struct qnn_file *qf);

int qnn_ioctl_submit(struct drm_device *drm, void *data,
		     struct drm_file *file);
int qnn_ioctl_wait(struct drm_device *drm, void *data, struct drm_file *file);

struct seq_file;
void qnn_jobs_debugfs_show(struct qnn_device *qdev, struct seq_file *m);

#endif /* _QNN_JOB_H_ */
