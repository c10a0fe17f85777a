// SPDX-License-Identifier: GPL-2.0-only
/*
 * Job statistics per file and per device: what DRM fdinfo
 * (Documentation/gpu/drm-usage-stats.rst) and debugfs "counters" show.
 * The job code calls the hooks from the submit ioctl, the interrupt thread
 * and the finished-fence callback: atomics only, nothing that sleeps.
 *
 * Engine time is device time: the cycles the device reports for each job,
 * at its clock. Wall time between run and done would count the jobs
 * queued on the ring behind the running one too.
 */
#include <linux/math64.h>
#include <linux/seq_file.h>
#include <drm/drm_file.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_print.h>

#include "qnn_accel.h"
#include "qnn_drv.h"

static void qnn_stats_add(struct qnn_obs_stats *s, u32 status, u64 cycles,
			  u64 ns)
{
	atomic64_inc(&s->status[status < QNN_OBS_STATUSES ? status : 0]);
	atomic64_add(cycles, &s->cycles);
	atomic64_add(ns, &s->busy_ns);
}

void qnn_stats_submit(struct qnn_file *qf)
{
	atomic64_inc(&qf->stats.submitted);
	atomic64_inc(&qf->qdev->obs.stats.submitted);
}

/* A job ended with @status after @cycles device cycles: its device ns. */
u64 qnn_stats_done(struct qnn_file *qf, u32 status, u64 cycles)
{
	u32 khz = qf->qdev->caps.clock_khz;
	u64 ns = khz ? mul_u64_u32_div(cycles, NSEC_PER_MSEC, khz) : 0;

	qnn_stats_add(&qf->stats, status, cycles, ns);
	qnn_stats_add(&qf->qdev->obs.stats, status, cycles, ns);
	return ns;
}

void qnn_stats_mmu_fault(struct qnn_file *qf)
{
	atomic64_inc(&qf->stats.mmu_faults);
	atomic64_inc(&qf->qdev->obs.stats.mmu_faults);
}

/* Key names of the job states in fdinfo and debugfs, by DRM_QNN_JOB_* */
static const char *const qnn_stats_status_key[QNN_OBS_STATUSES] = {
	[0] = "unknown",
	[DRM_QNN_JOB_COMPLETED] = "completed",
	[DRM_QNN_JOB_TIMEOUT] = "timeout",
	[DRM_QNN_JOB_MMU_FAULT] = "mmu-fault",
	[DRM_QNN_JOB_INVALID_CMD] = "invalid-cmd",
	[DRM_QNN_JOB_CANCELED] = "canceled",
	[DRM_QNN_JOB_DEVICE_ERROR] = "device-error",
};

/*
 * drm-engine-qnn, drm-cycles-qnn and drm-maxfreq-qnn in the DRM format,
 * then the job counts under the driver's prefix, then the DRM core's
 * memory keys (drm-total-memory, drm-shared-memory).
 */
void qnn_show_fdinfo(struct drm_printer *p, struct drm_file *file)
{
	struct qnn_file *qf = file->driver_priv;
	struct qnn_obs_stats *s = &qf->stats;
	unsigned int i;

	drm_printf(p, "drm-engine-qnn:\t%llu ns\n",
		   (u64)atomic64_read(&s->busy_ns));
	drm_printf(p, "drm-cycles-qnn:\t%llu\n", (u64)atomic64_read(&s->cycles));
	drm_printf(p, "drm-maxfreq-qnn:\t%u KHz\n", qf->qdev->caps.clock_khz);
	drm_printf(p, "qnn-jobs-submitted:\t%llu\n",
		   (u64)atomic64_read(&s->submitted));
	for (i = 1; i < QNN_OBS_STATUSES; i++)
		drm_printf(p, "qnn-jobs-%s:\t%llu\n", qnn_stats_status_key[i],
			   (u64)atomic64_read(&s->status[i]));
	drm_printf(p, "qnn-mmu-faults:\t%llu\n",
		   (u64)atomic64_read(&s->mmu_faults));
	drm_show_memory_stats(p, file);
}

/*
 * What drm_show_memory_stats() counts a BO as: resident while it has pages
 * (a qnn BO's are pinned from its first mapping into a file until it is
 * freed, qnn_gem.c) or is imported (the exporter's pages, attached), so
 * fdinfo has drm-resident-memory. Never purgeable: qnn has no madvise.
 */
enum drm_gem_object_status qnn_bo_status(struct drm_gem_object *obj)
{
	if (obj->import_attach || READ_ONCE(to_drm_gem_shmem_obj(obj)->pages))
		return DRM_GEM_OBJECT_RESIDENT;
	return 0;
}

/* debugfs "counters": "key value" lines, one device. */
void qnn_stats_debugfs_show(struct qnn_device *qdev, struct seq_file *m)
{
	struct qnn_obs_stats *s = &qdev->obs.stats;
	struct qnn_jobs *jq = &qdev->jobs;
	u64 resets, lost_irqs;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&qdev->ring.lock, flags);
	resets = jq->resets;
	lost_irqs = jq->lost_irqs;
	spin_unlock_irqrestore(&qdev->ring.lock, flags);

	seq_printf(m, "jobs-submitted %llu\n",
		   (u64)atomic64_read(&s->submitted));
	for (i = 1; i < QNN_OBS_STATUSES; i++)
		seq_printf(m, "jobs-%s %llu\n", qnn_stats_status_key[i],
			   (u64)atomic64_read(&s->status[i]));
	seq_printf(m, "mmu-faults %llu\n", (u64)atomic64_read(&s->mmu_faults));
	seq_printf(m, "resets %llu\n", resets);
	seq_printf(m, "lost-irqs %llu\n", lost_irqs);
	seq_printf(m, "cycles %llu\n", (u64)atomic64_read(&s->cycles));
	seq_printf(m, "busy-ns %llu\n", (u64)atomic64_read(&s->busy_ns));
	seq_printf(m, "coredumps %llu\n",
		   (u64)atomic64_read(&qdev->obs.cd.taken));
	seq_printf(m, "coredumps-dropped %llu\n",
		   (u64)atomic64_read(&qdev->obs.cd.dropped));
}
