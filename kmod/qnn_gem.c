// SPDX-License-Identifier: GPL-2.0-only
/*
 * Buffer objects: GEM shmem objects whose pages are pinned and DMA-mapped
 * on first use and mapped into the device address space of every file that
 * holds a handle to them (the GEM open/close callbacks). That is what makes
 * a BO reachable from a file exactly when the file has a handle: its own,
 * or one imported through PRIME.
 */
#include <linux/dma-mapping.h>
#include <linux/atomic.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>

#include "qnn_drv.h"
#include "qnn_accel.h"
#include "qnn_regs.h"

/*
 * The pin limit (docs/design.md, "Pinned BO memory is limited"): a BO's
 * pages stay pinned from BO_CREATE until it is freed, and pinned GEM pages
 * count in no process's RSS, so without a bound any user of the device
 * could pin all of RAM. Like TTM's, the limit is one for the whole driver,
 * not per device: the memory is the machine's, and two devices with half of
 * RAM each would hand out all of it. 0 means half of RAM, TTM's default.
 */
static unsigned int pin_limit_mb;
module_param(pin_limit_mb, uint, 0644);
MODULE_PARM_DESC(pin_limit_mb,
		 "Bytes of BO memory all qnn devices may pin, in MiB (0 = half of RAM)");

static atomic64_t qnn_pinned_bytes = ATOMIC64_INIT(0);

static u64 qnn_pin_limit(void)
{
	unsigned int mb = READ_ONCE(pin_limit_mb);

	if (mb)
		return (u64)mb << 20;
	return (u64)(totalram_pages() / 2) << PAGE_SHIFT;
}

/* Charge @bytes to the pin limit, all or nothing; false if over it. */
static bool qnn_pin_charge(u64 bytes)
{
	u64 limit = qnn_pin_limit();
	s64 old = atomic64_read(&qnn_pinned_bytes);

	do {
		if (bytes > limit || (u64)old > limit - bytes)
			return false;
	} while (!atomic64_try_cmpxchg(&qnn_pinned_bytes, &old, old + bytes));
	return true;
}

static void qnn_pin_uncharge(u64 bytes)
{
	if (bytes)
		atomic64_sub(bytes, &qnn_pinned_bytes);
}

/* A BO's mapping in one file's address space. */
struct qnn_bo_map {
	struct list_head link;		/* in qnn_bo.maps */
	struct qnn_file *qf;
	struct drm_mm_node node;
	unsigned int refs;		/* handles of qf naming this BO */
};

static struct qnn_bo_map *qnn_bo_find_map(struct qnn_bo *bo,
					  struct qnn_file *qf)
{
	struct qnn_bo_map *map;

	list_for_each_entry(map, &bo->maps, link)
		if (map->qf == qf)
			return map;
	return NULL;
}

/* Does any segment need CPU cache maintenance or bouncing? */
static bool qnn_sgt_need_sync(struct device *dev, struct sg_table *sgt)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_dma_sg(sgt, sg, i)
		if (dma_need_sync(dev, sg_dma_address(sg)))
			return true;
	return false;
}

static int qnn_bo_open(struct drm_gem_object *obj, struct drm_file *file)
{
	struct qnn_bo *bo = to_qnn_bo(obj);
	struct qnn_file *qf = file->driver_priv;
	struct qnn_bo_map *map;
	struct sg_table *sgt;
	int ret = 0;

	/* pins the pages and DMA-maps them once; undone when the BO is freed */
	sgt = drm_gem_shmem_get_pages_sgt(&bo->base);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);

	mutex_lock(&bo->lock);
	bo->need_sync = qnn_sgt_need_sync(obj->dev->dev, sgt);
	map = qnn_bo_find_map(bo, qf);
	if (map) {
		map->refs++;
		goto out_unlock;
	}
	map = kzalloc(sizeof(*map), GFP_KERNEL);
	if (!map) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	map->qf = qf;
	map->refs = 1;
	ret = qnn_mmu_map_sgt(&qf->mmu, &map->node, sgt, obj->size,
			      !(bo->flags & DRM_QNN_BO_DEVICE_READONLY));
	if (ret) {
		kfree(map);
		goto out_unlock;
	}
	list_add_tail(&map->link, &bo->maps);
out_unlock:
	mutex_unlock(&bo->lock);
	return ret;
}

/*
 * Jobs hold a mapping reference on each BO they use (qnn_bo_map_get()), so
 * closing the last handle while a job runs leaves the BO mapped at its VA
 * until the job has ended.
 */
static void qnn_bo_map_release(struct qnn_bo *bo, struct qnn_file *qf)
{
	struct qnn_bo_map *map;

	mutex_lock(&bo->lock);
	map = qnn_bo_find_map(bo, qf);
	if (map && !--map->refs) {
		/* flushes the device TLB before the VA or pages can be reused */
		qnn_mmu_unmap(&qf->mmu, &map->node, &bo->base.base);
		list_del(&map->link);
		kfree(map);
	}
	mutex_unlock(&bo->lock);
}

static void qnn_bo_close(struct drm_gem_object *obj, struct drm_file *file)
{
	qnn_bo_map_release(to_qnn_bo(obj), file->driver_priv);
}

/**
 * qnn_bo_map_get() - pin a BO's mapping in a file for a job
 * @obj: the BO
 * @qf: the job's file
 * @va: out, the BO's device VA in @qf
 *
 * Return: 0, or -ENOENT if the BO is not mapped in @qf.
 */
int qnn_bo_map_get(struct drm_gem_object *obj, struct qnn_file *qf, u64 *va)
{
	struct qnn_bo *bo = to_qnn_bo(obj);
	struct qnn_bo_map *map;
	int ret = -ENOENT;

	mutex_lock(&bo->lock);
	map = qnn_bo_find_map(bo, qf);
	if (map) {
		map->refs++;
		*va = map->node.start;
		ret = 0;
	}
	mutex_unlock(&bo->lock);
	return ret;
}

void qnn_bo_map_put(struct drm_gem_object *obj, struct qnn_file *qf)
{
	qnn_bo_map_release(to_qnn_bo(obj), qf);
}

/*
 * Coherence between the CPU's view of a BO and the device's (docs/uapi.md,
 * "Memory coherence"). A BO is DMA-mapped once, when it is first mapped
 * into an address space; the mapping may go through bounce buffers
 * (swiotlb) and the device may not snoop CPU caches. So when a job goes
 * onto the ring every BO it uses is synced for the device, and before its
 * fence signals every BO it may write is synced back for the CPU. Both are
 * no-ops on a coherent device without bouncing. Neither sleeps nor
 * allocates: the job code calls them from run_job and the completion path.
 *
 * One catch: drm_sched puts a job on the ring while the jobs it depends on
 * may still run there (same entity, or pipelining within one scheduler).
 * Syncing a BO for the device then copies the CPU's view over what a job
 * ahead on the ring is writing into the bounce buffer. So each BO counts
 * the jobs on the ring that may write it, and a BO with writers ahead is
 * not synced for the device: the writer's data is what the job must see,
 * and it is already where the device looks. (Cache maintenance alone
 * would be harmless there; a bounce buffer is a copy.)
 */
static struct sg_table *qnn_bo_sgt(struct drm_gem_object *obj)
{
	/* set by qnn_bo_open() (own BOs) or the PRIME import (imported) */
	return to_drm_gem_shmem_obj(obj)->sgt;
}

/**
 * qnn_bos_sync_for_device() - a job goes onto the ring: sync its BOs
 * @bos: the job's BOs (NULL entries are skipped)
 * @flags: DRM_QNN_BO_REF_* of each
 * @count: entries
 *
 * Call exactly once per run on the ring, paired with qnn_bos_sync_for_cpu().
 */
void qnn_bos_sync_for_device(struct drm_gem_object *const *bos,
			     const u32 *flags, u32 count)
{
	struct sg_table *sgt;
	struct qnn_bo *bo;
	u32 i;

	for (i = 0; i < count; i++) {
		if (!bos[i])
			continue;
		bo = to_qnn_bo(bos[i]);
		sgt = qnn_bo_sgt(bos[i]);
		if (sgt && READ_ONCE(bo->need_sync) &&
		    !atomic_read(&bo->ring_writers))
			dma_sync_sgtable_for_device(bos[i]->dev->dev, sgt,
						    flags[i] & DRM_QNN_BO_REF_WRITE ?
						    DMA_BIDIRECTIONAL :
						    DMA_TO_DEVICE);
	}
	/* after the checks above: our own writes do not hold ourselves back */
	for (i = 0; i < count; i++)
		if (bos[i] && flags[i] & DRM_QNN_BO_REF_WRITE)
			atomic_inc(&to_qnn_bo(bos[i])->ring_writers);
}

/**
 * qnn_bos_sync_for_cpu() - a job left the ring: sync what it may have written
 * @bos: the job's BOs (NULL entries are skipped)
 * @flags: DRM_QNN_BO_REF_* of each; only WRITE ones are synced, so that
 *	   a read-only use never copies stale device data over the CPU's
 * @count: entries
 *
 * Call before the job's fence signals.
 */
void qnn_bos_sync_for_cpu(struct drm_gem_object *const *bos,
			  const u32 *flags, u32 count)
{
	struct sg_table *sgt;
	struct qnn_bo *bo;
	u32 i;

	for (i = 0; i < count; i++) {
		if (!bos[i] || !(flags[i] & DRM_QNN_BO_REF_WRITE))
			continue;
		bo = to_qnn_bo(bos[i]);
		sgt = qnn_bo_sgt(bos[i]);
		if (sgt && READ_ONCE(bo->need_sync))
			dma_sync_sgtable_for_cpu(bos[i]->dev->dev, sgt,
						 DMA_FROM_DEVICE);
		/* the copy is done before a job behind us may sync again */
		smp_mb__before_atomic();
		atomic_dec(&bo->ring_writers);
	}
}

static void qnn_bo_free(struct drm_gem_object *obj)
{
	struct qnn_bo *bo = to_qnn_bo(obj);
	u64 pin_charge = bo->pin_charge;

	atomic_dec(&to_qnn_device(obj->dev)->bo_count);
	mutex_destroy(&bo->lock);
	/* puts the pages; only then may others pin their share */
	drm_gem_shmem_free(&bo->base);
	qnn_pin_uncharge(pin_charge);
}

static const struct drm_gem_object_funcs qnn_gem_funcs = {
	.free = qnn_bo_free,
	.open = qnn_bo_open,
	.close = qnn_bo_close,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = drm_gem_shmem_object_mmap,
	.vm_ops = &drm_gem_shmem_vm_ops,
	.status = qnn_bo_status,	/* fdinfo drm-resident-memory */
};

/* Constructor for every qnn BO: created here, or imported through PRIME. */
struct drm_gem_object *qnn_gem_create_object(struct drm_device *drm,
					     size_t size)
{
	struct qnn_bo *bo;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->base.base.funcs = &qnn_gem_funcs;
	mutex_init(&bo->lock);
	INIT_LIST_HEAD(&bo->maps);
	return &bo->base.base;
}

/*
 * bo_count counts BOs that finished construction, so that a constructor
 * failing after qnn_gem_create_object() (the shmem helper then frees the
 * object without calling .free) cannot skew it.
 */
static void qnn_bo_count(struct drm_gem_object *obj)
{
	atomic_inc(&to_qnn_device(obj->dev)->bo_count);
}

struct drm_gem_object *
qnn_gem_prime_import_sg_table(struct drm_device *drm,
			      struct dma_buf_attachment *attach,
			      struct sg_table *sgt)
{
	struct drm_gem_object *obj;

	obj = drm_gem_shmem_prime_import_sg_table(drm, attach, sgt);
	if (!IS_ERR(obj))
		qnn_bo_count(obj);
	return obj;
}

static u64 qnn_bo_va(struct qnn_bo *bo, struct qnn_file *qf)
{
	struct qnn_bo_map *map;
	u64 va = 0;

	mutex_lock(&bo->lock);
	map = qnn_bo_find_map(bo, qf);
	if (map)
		va = map->node.start;
	mutex_unlock(&bo->lock);
	return va;
}

int qnn_ioctl_bo_create(struct drm_device *drm, void *data,
			struct drm_file *file)
{
	struct qnn_device *qdev = to_qnn_device(drm);
	struct drm_qnn_bo_create *args = data;
	struct drm_gem_shmem_object *shmem;
	struct drm_gem_object *obj;
	u32 handle;
	u64 size;
	int ret;

	if (!args->size || args->flags & ~DRM_QNN_BO_FLAGS)
		return -EINVAL;
	if (args->size > qdev->va_user_end - QNN_VA_START)
		return -EINVAL;
	size = round_up(args->size, QNN_PAGE_SIZE);
	size = round_up(size, PAGE_SIZE);
	/* pinned memory: fail early rather than wake the OOM killer */
	if ((size >> PAGE_SHIFT) > totalram_pages() / 2)
		return -ENOMEM;
	/* charged up front, so that racing creators cannot overshoot */
	if (!qnn_pin_charge(size))
		return -ENOMEM;

	shmem = drm_gem_shmem_create(drm, size);
	if (IS_ERR(shmem)) {
		/* freed without .free (see qnn_bo_count()) */
		qnn_pin_uncharge(size);
		return PTR_ERR(shmem);
	}
	obj = &shmem->base;
	qnn_bo_count(obj);
	/* from here every failure ends in qnn_bo_free(), which uncharges */
	to_qnn_bo(obj)->pin_charge = size;
	to_qnn_bo(obj)->flags = args->flags;
	/* a device that does not snoop: CPU maps bypass the cache */
	shmem->map_wc = !qdev->caps.dma_coherent;

	ret = drm_gem_create_mmap_offset(obj);
	if (!ret)
		/* maps the BO into this file's address space (qnn_bo_open) */
		ret = drm_gem_handle_create(file, obj, &handle);
	if (!ret) {
		args->handle = handle;
		args->va = qnn_bo_va(to_qnn_bo(obj), file->driver_priv);
		args->offset = drm_vma_node_offset_addr(&obj->vma_node);
	}
	drm_gem_object_put(obj);
	return ret;
}

int qnn_ioctl_bo_info(struct drm_device *drm, void *data,
		      struct drm_file *file)
{
	struct drm_qnn_bo_info *args = data;
	struct drm_gem_object *obj;
	struct qnn_bo *bo;
	int ret;

	if (args->flags)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	bo = to_qnn_bo(obj);
	ret = drm_gem_create_mmap_offset(obj);
	if (!ret) {
		args->flags = bo->flags;
		args->size = obj->size;
		args->va = qnn_bo_va(bo, file->driver_priv);
		args->offset = drm_vma_node_offset_addr(&obj->vma_node);
	}
	drm_gem_object_put(obj);
	return ret;
}

/* A BO without a handle, for the driver itself (command-stream copies). */
struct drm_gem_object *qnn_gem_create_kernel_bo(struct drm_device *drm,
						size_t size)
{
	struct drm_gem_shmem_object *shmem;

	/* its pages are pinned too, up to a window per file: charge them */
	size = round_up(size, PAGE_SIZE);
	if (!qnn_pin_charge(size))
		return ERR_PTR(-ENOMEM);
	shmem = drm_gem_shmem_create(drm, size);
	if (IS_ERR(shmem)) {
		qnn_pin_uncharge(size);
		return ERR_CAST(shmem);
	}
	qnn_bo_count(&shmem->base);
	to_qnn_bo(&shmem->base)->flags = DRM_QNN_BO_DEVICE_READONLY;
	to_qnn_bo(&shmem->base)->pin_charge = size;
	return &shmem->base;
}
