// SPDX-License-Identifier: GPL-2.0-only
/*
 * qnn: the DRM driver (ioctl table, per-file contexts) and the module that
 * registers the PCI and AXI bus glue. qnn_sim.ko adds simulated devices
 * through qnn_device_init().
 */
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <drm/drm_accel.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_prime.h>

#include "qnn_drv.h"
#include "qnn_accel.h"
#include "qnn_cmds.h"
#include "qnn_regs.h"

static int qnn_ioctl_get_param(struct drm_device *drm, void *data,
			       struct drm_file *file)
{
	struct qnn_device *qdev = to_qnn_device(drm);
	const struct qnn_caps *c = &qdev->caps;
	struct drm_qnn_get_param *args = data;

	if (args->pad)
		return -EINVAL;

	switch (args->param) {
	case DRM_QNN_PARAM_DEVICE_ID:
		args->value = c->id;
		break;
	case DRM_QNN_PARAM_HW_VERSION:
		args->value = c->version;
		break;
	case DRM_QNN_PARAM_OPS:
		args->value = c->ops;
		break;
	case DRM_QNN_PARAM_MAX_WEIGHT_BITS:
		args->value = c->weight_bits;
		break;
	case DRM_QNN_PARAM_MAX_ACT_BITS:
		args->value = c->act_bits;
		break;
	case DRM_QNN_PARAM_SRAM_SIZE:
		args->value = (u64)c->sram_kib * 1024;
		break;
	case DRM_QNN_PARAM_NUM_CORES:
		args->value = c->cores;
		break;
	case DRM_QNN_PARAM_VA_START:
		args->value = QNN_VA_START;
		break;
	case DRM_QNN_PARAM_VA_SIZE:
		args->value = qdev->va_user_end - QNN_VA_START;
		break;
	case DRM_QNN_PARAM_DRIVER_VERSION:
		args->value = QNN_DRIVER_MAJOR << 16 | QNN_DRIVER_MINOR << 8 |
			      QNN_DRIVER_PATCH;
		break;
	case DRM_QNN_PARAM_QUEUE_DEPTH:
		args->value = c->queue_depth;
		break;
	case DRM_QNN_PARAM_CLOCK_KHZ:
		args->value = c->clock_khz;
		break;
	case DRM_QNN_PARAM_PAGE_SIZE:
		args->value = QNN_PAGE_SIZE;
		break;
	case DRM_QNN_PARAM_DMA_COHERENT:
		args->value = c->dma_coherent;
		break;
	case DRM_QNN_PARAM_DMA_BITS:
		args->value = c->dma_bits;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int qnn_open(struct drm_device *drm, struct drm_file *file)
{
	struct qnn_device *qdev = to_qnn_device(drm);
	struct qnn_file *qf;
	int ret;

	qf = kzalloc(sizeof(*qf), GFP_KERNEL);
	if (!qf)
		return -ENOMEM;
	qf->qdev = qdev;
	qf->pid = task_tgid_nr(current);
	qf->client_id = file->client_id;
	get_task_comm(qf->comm, current);
	ret = qnn_mmu_ctx_init(&qf->mmu, qdev, qdev->caps.va_bits,
			       QNN_VA_START, qdev->va_user_end);
	if (ret) {
		kfree(qf);
		return ret;
	}
	ret = qnn_file_jobs_init(qdev, qf);
	if (ret) {
		qnn_mmu_ctx_fini(&qf->mmu);
		kfree(qf);
		return ret;
	}
	qnn_file_cmds_init(qf);
	mutex_lock(&qdev->files_lock);
	list_add_tail(&qf->link, &qdev->files);
	qdev->num_files++;
	mutex_unlock(&qdev->files_lock);
	file->driver_priv = qf;
	return 0;
}

/*
 * Runs after the DRM core closed every handle. Kept streams go; jobs still
 * in flight keep their BOs (and kept streams) mapped: wait for them
 * (qnn_file_jobs_fini()), then no BO is mapped any more.
 */
static void qnn_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct qnn_device *qdev = to_qnn_device(drm);
	struct qnn_file *qf = file->driver_priv;

	qnn_file_cmds_fini(qf);
	qnn_file_jobs_fini(qf);
	mutex_lock(&qdev->files_lock);
	list_del(&qf->link);
	qdev->num_files--;
	mutex_unlock(&qdev->files_lock);
	qnn_mmu_ctx_fini(&qf->mmu);
	kfree(qf);
}

static const struct drm_ioctl_desc qnn_ioctls[] = {
	DRM_IOCTL_DEF_DRV(QNN_GET_PARAM, qnn_ioctl_get_param, 0),
	DRM_IOCTL_DEF_DRV(QNN_BO_CREATE, qnn_ioctl_bo_create, 0),
	DRM_IOCTL_DEF_DRV(QNN_BO_INFO, qnn_ioctl_bo_info, 0),
	DRM_IOCTL_DEF_DRV(QNN_SUBMIT, qnn_ioctl_submit, 0),
	DRM_IOCTL_DEF_DRV(QNN_WAIT, qnn_ioctl_wait, 0),
	DRM_IOCTL_DEF_DRV(QNN_CMDS_CREATE, qnn_ioctl_cmds_create, 0),
	DRM_IOCTL_DEF_DRV(QNN_CMDS_DESTROY, qnn_ioctl_cmds_destroy, 0),
};

/* DRM_ACCEL_FOPS and fdinfo (qnn_stats.c) */
static const struct file_operations qnn_fops = {
	.owner = THIS_MODULE,
	DRM_ACCEL_FOPS,
	.show_fdinfo = drm_show_fdinfo,
};

const struct drm_driver qnn_drm_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM | DRIVER_SYNCOBJ |
			   DRIVER_SYNCOBJ_TIMELINE,
	.open = qnn_open,
	.postclose = qnn_postclose,
	.show_fdinfo = qnn_show_fdinfo,
	.gem_create_object = qnn_gem_create_object,
	.gem_prime_import_sg_table = qnn_gem_prime_import_sg_table,
	.ioctls = qnn_ioctls,
	.num_ioctls = ARRAY_SIZE(qnn_ioctls),
	.fops = &qnn_fops,
	.name = "qnn",
	.desc = "binary/low-bit neural-network accelerator",
	.major = QNN_DRIVER_MAJOR,
	.minor = QNN_DRIVER_MINOR,
	.patchlevel = QNN_DRIVER_PATCH,
};

static int __init qnn_init(void)
{
	int ret;

	ret = qnn_pci_register();
	if (ret)
		return ret;
	ret = qnn_axi_register();
	if (ret)
		qnn_pci_unregister();
	return ret;
}

static void __exit qnn_exit(void)
{
	qnn_axi_unregister();
	qnn_pci_unregister();
}

module_init(qnn_init);
module_exit(qnn_exit);

MODULE_DESCRIPTION("DRM accel driver for binary/low-bit neural-network accelerators");
MODULE_LICENSE("GPL");
