/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Observability: per-file and per-device job statistics (DRM fdinfo,
 * debugfs "counters"), devcoredumps of failed jobs, and the register names
 * that debugfs "regs" and the coredump share. The tracepoints are in
 * qnn_trace.h; the job code calls the hooks below at the same points.
 */
#ifndef _QNN_OBS_H_
#define _QNN_OBS_H_

#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <drm/drm_gem.h>

struct drm_file;
struct drm_gem_object;
struct drm_printer;
struct qnn_device;
struct qnn_file;
struct seq_file;

/* DRM_QNN_JOB_* values counted, 0 (unused) up to DEVICE_ERROR */
#define QNN_OBS_STATUSES	7

/* Job counts and device time, of one file or one device. */
struct qnn_obs_stats {
	atomic64_t submitted;
	atomic64_t status[QNN_OBS_STATUSES];	/* ended jobs, by status */
	atomic64_t mmu_faults;
	atomic64_t cycles;			/* device cycles of ended jobs */
	atomic64_t busy_ns;			/* the same in ns at clock_khz */
};

/* One coredump at a time: captured in the signalling path, written later. */
struct qnn_coredump_state {
	spinlock_t lock;		/* protects busy and len */
	bool busy;			/* buf holds a dump not yet handed over */
	size_t len;
	void *buf;			/* preallocated: capture never allocates */
	size_t cap;
	struct work_struct work;
	atomic64_t taken;
	atomic64_t dropped;		/* failures while a dump was pending */
};

struct qnn_obs {
	struct qnn_obs_stats stats;
	struct qnn_coredump_state cd;
};

/* qnn_stats.c: hooks of the job code (any context, no allocation) */
void qnn_stats_submit(struct qnn_file *qf);
u64 qnn_stats_done(struct qnn_file *qf, u32 status, u64 cycles);
void qnn_stats_mmu_fault(struct qnn_file *qf);
void qnn_show_fdinfo(struct drm_printer *p, struct drm_file *file);
enum drm_gem_object_status qnn_bo_status(struct drm_gem_object *obj);
void qnn_stats_debugfs_show(struct qnn_device *qdev, struct seq_file *m);

/* qnn_debugfs.c: the registers worth reading, with their names */
struct qnn_reg_name {
	const char *name;
	unsigned int reg;
};

extern const struct qnn_reg_name qnn_reg_names[];
extern const unsigned int qnn_num_reg_names;

/* qnn_coredump.c */
struct qnn_coredump_job {
	u32 reason;		/* enum qnn_coredump_reason */
	u32 status;		/* DRM_QNN_JOB_* it ends with */
	u64 id;
	struct qnn_file *qf;
	u32 seqno;
	u32 slot;
	u32 hw_status;		/* result record status, ~0 when none */
	u32 hw_detail;
	u32 cs_offset;
	u32 fault_flags;
	u64 fault_addr;
	struct drm_gem_object *cmd_obj;	/* the stream copy, pages pinned */
	u32 cmd_size;
	ktime_t t_run;
};

int qnn_coredump_init(struct qnn_device *qdev);
void qnn_coredump_fini(struct qnn_device *qdev);
/* Ring lock held; in the fence-signalling path: copies, never allocates. */
void qnn_coredump_capture_locked(struct qnn_device *qdev,
				 const struct qnn_coredump_job *j);

#endif /* _QNN_OBS_H_ */
