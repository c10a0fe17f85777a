/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Job execution: SUBMIT/WAIT, the command ring, drm_sched glue, completion
 * from the interrupt thread, timeout -> reset -> resubmit.
 */
#ifndef _QNN_JOB_H_
#define _QNN_JOB_H_

#include <linux/dma-fence.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <drm/gpu_scheduler.h>

struct drm_device;
struct drm_file;
struct qnn_device;
struct qnn_file;

/* Device-wide job state: one scheduler, one ring. */
struct qnn_jobs {
	struct drm_gpu_scheduler sched;
	bool sched_ready;

	/* the ring's lock (qnn_ring.lock) protects inflight and the counters */
	struct list_head inflight;	/* on the ring, in ring order */
	u64 completed;
	u64 failed;
	u64 timeouts;
	u64 resets;
	u64 lost_irqs;

	/* hardware fences */
	spinlock_t fence_lock;
	u64 fence_context;
	u64 fence_seqno;
};

/* Per-file job state. */
struct qnn_file_jobs {
	struct drm_sched_entity entity;
	/* serializes SUBMIT: ids and entity order agree */
	struct mutex submit_lock;
	struct xarray jobs;		/* id -> struct qnn_job */
	u64 next_id;
	u64 oldest_id;			/* oldest id still in jobs */
	/* protects live; see qnn_job_free() */
	spinlock_t live_lock;
	unsigned int live;		/* jobs not yet freed by free_job */
	wait_queue_head_t idle;
	atomic64_t submitted;
	atomic64_t completed;
	atomic64_t failed;
	atomic64_t timeouts;
};

void qnn_jobs_preinit(struct qnn_device *qdev);
int qnn_jobs_init(struct qnn_device *qdev);
void qnn_jobs_unplug(struct qnn_device *qdev);
void qnn_jobs_irq(struct qnn_device *qdev, u32 pending);

int qnn_file_jobs_init(struct qnn_device *qdev, struct qnn_file *qf);
void qnn_file_jobs_fini(struct qnn_file *qf);

int qnn_ioctl_submit(struct drm_device *drm, void *data,
		     struct drm_file *file);
int qnn_ioctl_wait(struct drm_device *drm, void *data, struct drm_file *file);

struct seq_file;
void qnn_jobs_debugfs_show(struct qnn_device *qdev, struct seq_file *m);

#endif /* _QNN_JOB_H_ */
