/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * qnn: DRM accel driver for binary/low-bit neural-network accelerators.
 * Core objects shared by the driver's files.
 */
#ifndef _QNN_DRV_H_
#define _QNN_DRV_H_

#include <linux/completion.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/regmap.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>
#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_gem_shmem_helper.h>

#include "qnn_mmu.h"
#include "qnn_job.h"
#include "qnn_obs.h"
#include "qnn_ring.h"

#define QNN_DRIVER_MAJOR	1
#define QNN_DRIVER_MINOR	2
#define QNN_DRIVER_PATCH	0

/* User BOs live in [QNN_VA_START, 2^va_bits - QNN_VA_KERNEL_SIZE). */
#define QNN_VA_START		0x100000ULL
#define QNN_VA_KERNEL_SIZE	0x1000000ULL

/* What the device says it can do, read once from its registers. */
struct qnn_caps {
	u32 id;
	u32 version;
	u32 ops;
	u32 cores;
	u32 weight_bits;
	u32 act_bits;
	u32 sram_kib;
	u32 clock_khz;
	u32 va_bits;
	u32 queue_depth;
	u32 dma_bits;		/* bus address width of the DMA master */
	bool dma_coherent;	/* the device snoops CPU caches */
};

struct qnn_device {
	struct drm_device drm;
	struct regmap *regs;
	int irq;
	struct qnn_caps caps;
	u64 va_user_end;	/* first VA past the user range */

	atomic_t bo_count;

	/* protects files */
	struct mutex files_lock;
	struct list_head files;
	unsigned int num_files;

	/* protects irq_pending between hard and threaded handler */
	spinlock_t irq_lock;
	u32 irq_pending;
	struct completion sw_irq;

	struct qnn_ring ring;
	struct qnn_jobs jobs;

	struct dentry *debugfs_link;

	/* power management (qnn_device.c) */
	bool powered_down;		/* POWER.ON clear: IRQs are not ours */
	bool sys_stopped;		/* system sleep stopped the scheduler */
	bool sys_powered_down;		/* by system sleep, not runtime PM */
	unsigned long suspend_timeout;	/* the scheduler's, across sleep */

	struct qnn_obs obs;		/* counters, coredumps (qnn_obs.h) */
};

/* One open file: a context with its own device address space. */
struct qnn_file {
	struct qnn_device *qdev;
	struct list_head link;	/* in qdev->files */
	struct qnn_mmu_ctx mmu;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	struct qnn_file_jobs jobs;
	u64 client_id;			/* drm-client-id (fdinfo, tracepoints) */
	struct qnn_obs_stats stats;	/* fdinfo */
	struct xarray cmds;	/* kept streams: handle -> struct qnn_cmds */
};

struct qnn_bo_map;

struct qnn_bo {
	struct drm_gem_shmem_object base;
	u32 flags;		/* DRM_QNN_BO_* */
	bool need_sync;		/* the DMA mapping needs syncs (qnn_gem.c) */
	atomic_t ring_writers;	/* jobs on the ring that may write it */
	/* protects maps */
	struct mutex lock;
	struct list_head maps;	/* struct qnn_bo_map, one per file */
	u64 pin_charge;		/* bytes charged to the pin limit (qnn_gem.c) */
};

static inline struct qnn_device *to_qnn_device(struct drm_device *drm)
{
	return container_of(drm, struct qnn_device, drm);
}

static inline struct qnn_bo *to_qnn_bo(struct drm_gem_object *obj)
{
	return container_of(to_drm_gem_shmem_obj(obj), struct qnn_bo, base);
}

/* qnn_device.c: hardware bring-up, IRQ, the entry points of the bus glue */
extern const struct regmap_config qnn_regmap_config;
struct qnn_device *qnn_device_init(struct device *dev, struct regmap *regs,
				   int irq);
void qnn_device_fini(struct qnn_device *qdev);
int qnn_hw_quiesce(struct device *dev, struct regmap *regs);
void qnn_device_shutdown(struct qnn_device *qdev);
void qnn_device_reset_prepare(struct qnn_device *qdev, bool mmio_ok);
int qnn_device_reset_done(struct qnn_device *qdev);
int qnn_device_pm_enable(struct qnn_device *qdev);
void qnn_device_pm_autosuspend(struct qnn_device *qdev);
int qnn_device_pm_get(struct qnn_device *qdev);
void qnn_device_pm_put(struct qnn_device *qdev);
int qnn_device_runtime_suspend(struct qnn_device *qdev);
int qnn_device_runtime_resume(struct qnn_device *qdev);
int qnn_device_suspend(struct qnn_device *qdev);
int qnn_device_resume(struct qnn_device *qdev);
int qnn_hw_start(struct qnn_device *qdev);
int qnn_hw_mmu_flush(struct qnn_device *qdev);
int qnn_hw_translate(struct qnn_device *qdev, u64 pt_base, u64 va,
		     bool write, u64 *pa, u32 *reason);

/* qnn_drv.c */
extern const struct drm_driver qnn_drm_driver;

/* qnn_gem.c */
struct drm_gem_object *qnn_gem_create_object(struct drm_device *drm,
					     size_t size);
struct drm_gem_object *
qnn_gem_prime_import_sg_table(struct drm_device *drm,
			      struct dma_buf_attachment *attach,
			      struct sg_table *sgt);
int qnn_ioctl_bo_create(struct drm_device *drm, void *data,
			struct drm_file *file);
int qnn_ioctl_bo_info(struct drm_device *drm, void *data,
		      struct drm_file *file);
struct drm_gem_object *qnn_gem_create_kernel_bo(struct drm_device *drm,
						size_t size);
int qnn_bo_map_get(struct drm_gem_object *obj, struct qnn_file *qf, u64 *va);
void qnn_bo_map_put(struct drm_gem_object *obj, struct qnn_file *qf);
void qnn_bos_sync_for_device(struct drm_gem_object *const *bos,
			     const u32 *flags, u32 count);
void qnn_bos_sync_for_cpu(struct drm_gem_object *const *bos,
			  const u32 *flags, u32 count);

/* qnn_debugfs.c */
void qnn_debugfs_init(struct qnn_device *qdev);
void qnn_debugfs_fini(struct qnn_device *qdev);

/* bus glue, registered by qnn_drv.c */
int qnn_pci_register(void);
void qnn_pci_unregister(void);
int qnn_axi_register(void);
void qnn_axi_unregister(void);

#endif /* _QNN_DRV_H_ */
