// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kept command streams (docs/uapi.md, "Kept command streams").
 *
 * CMDS_CREATE does once what SUBMIT's copy path does every time: copy the
 * stream into a kernel-only BO mapped read-only in the file's kernel window,
 * take references and mapping references on its BO list and validate the
 * stream against that list and the device's capabilities. SUBMIT by handle
 * then only borrows the result. That is sound because nothing validated can
 * change afterwards: the copy is the kernel's, the BOs cannot go away or
 * move (their VAs stay theirs while mapped), and the capabilities are read
 * once at probe.
 */
#include <linux/iosys-map.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>

#include "qnn_accel.h"
#include "qnn_cmds.h"
#include "qnn_drv.h"

struct qnn_cs_caps qnn_cs_caps_of(const struct qnn_device *qdev)
{
	return (struct qnn_cs_caps){
		.ops = qdev->caps.ops,
		.weight_bits = qdev->caps.weight_bits,
		.act_bits = qdev->caps.act_bits,
	};
}

static void qnn_cmds_release(struct kref *ref)
{
	struct qnn_cmds *cmds = container_of(ref, struct qnn_cmds, ref);

	if (cmds->bos)
		qnn_bo_refs_put(cmds->qf, cmds->bos, cmds->bo_flags,
				cmds->bo_count);
	qnn_stream_unload(cmds->qf, &cmds->obj, &cmds->node);
	kvfree(cmds->bos);
	kvfree(cmds->bo_flags);
	kfree(cmds);
}

/* Sleeps (unmapping): process context only, never a signalling path. */
void qnn_cmds_put(struct qnn_cmds *cmds)
{
	kref_put(&cmds->ref, qnn_cmds_release);
}

/* A reference on the kept stream @handle of @qf, or NULL. */
struct qnn_cmds *qnn_cmds_lookup(struct qnn_file *qf, u32 handle)
{
	struct qnn_cmds *cmds;

	xa_lock(&qf->cmds);
	cmds = xa_load(&qf->cmds, handle);
	if (cmds)
		kref_get(&cmds->ref);
	xa_unlock(&qf->cmds);
	return cmds;
}

void qnn_file_cmds_init(struct qnn_file *qf)
{
	xa_init_flags(&qf->cmds, XA_FLAGS_ALLOC1);
}

/* Close: jobs still running keep theirs until they are cleaned up. */
void qnn_file_cmds_fini(struct qnn_file *qf)
{
	struct qnn_cmds *cmds;
	unsigned long id;

	xa_for_each(&qf->cmds, id, cmds) {
		xa_erase(&qf->cmds, id);
		qnn_cmds_put(cmds);
	}
	xa_destroy(&qf->cmds);
}

/* The stream from @src_handle at @src_offset (read once, here). */
static int qnn_cmds_read_bo(struct drm_file *file,
			    const struct drm_qnn_cmds_create *args, void *buf)
{
	struct iosys_map map;
	struct drm_gem_object *obj;
	int ret;

	obj = drm_gem_object_lookup(file, args->src_handle);
	if (!obj)
		return -ENOENT;
	ret = -EINVAL;
	if (args->src_offset > obj->size ||
	    args->cmds_size > obj->size - args->src_offset)
		goto out;
	ret = drm_gem_vmap_unlocked(obj, &map);
	if (ret)
		goto out;
	iosys_map_memcpy_from(buf, &map, args->src_offset, args->cmds_size);
	drm_gem_vunmap_unlocked(obj, &map);
out:
	drm_gem_object_put(obj);
	return ret;
}

static int qnn_cmds_check(const struct drm_qnn_cmds_create *args)
{
	u32 stride = args->bo_ref_size;

	if (args->flags ||
	    args->cmds_size < sizeof(struct qnn_cs_header) ||
	    args->cmds_size > QNN_CS_MAX_STREAM_SIZE ||
	    args->bo_count > DRM_QNN_SUBMIT_MAX_BOS ||
	    (stride && (stride < sizeof(struct drm_qnn_bo_ref) ||
			stride % 8 ||
			stride > DRM_QNN_SUBMIT_MAX_BO_REF_SIZE)))
		return -EINVAL;
	/* the stream comes from a BO (offset 8-aligned) or from user memory */
	if (args->src_handle ? args->cmds || args->src_offset % 8 :
	    args->src_offset)
		return -EINVAL;
	return 0;
}

/* Copy in, take the BOs, validate, keep: everything SUBMIT then skips. */
static int qnn_cmds_build(struct qnn_cmds *cmds, struct drm_file *file,
			  struct drm_qnn_cmds_create *args)
{
	const struct qnn_cs_caps caps = qnn_cs_caps_of(cmds->qf->qdev);
	u32 n = args->bo_count;
	struct drm_qnn_bo_ref *refs;
	struct qnn_cs_range *ranges;
	struct qnn_cs_info info;
	void *stream;
	int ret = -ENOMEM;

	cmds->bos = kvcalloc(n + 1, sizeof(*cmds->bos), GFP_KERNEL);
	cmds->bo_flags = kvcalloc(n + 1, sizeof(*cmds->bo_flags), GFP_KERNEL);
	refs = kvmalloc_array(n + 1, sizeof(*refs), GFP_KERNEL);
	ranges = kvmalloc_array(n + 1, sizeof(*ranges), GFP_KERNEL);
	stream = kvmalloc(args->cmds_size, GFP_KERNEL);
	if (!cmds->bos || !cmds->bo_flags || !refs || !ranges || !stream)
		goto out;

	if (args->src_handle)
		ret = qnn_cmds_read_bo(file, args, stream);
	else if (copy_from_user(stream, u64_to_user_ptr(args->cmds),
				args->cmds_size))
		ret = -EFAULT;
	else
		ret = 0;
	if (!ret)
		ret = qnn_bo_refs_copy(refs, args->bos, n, args->bo_ref_size);
	if (ret)
		goto out;
	cmds->bo_count = n;
	ret = qnn_bo_refs_get(file, refs, n, cmds->bos, cmds->bo_flags,
			      ranges);
	if (ret)
		goto out;
	ret = qnn_cs_validate(stream, args->cmds_size, ranges, n, &caps,
			      &info);
	if (ret) {
		args->cs_error = info.err;
		args->cs_offset = info.err_offset;
		goto out;
	}
	ret = qnn_stream_load(cmds->qf, stream, args->cmds_size, &cmds->obj,
			      &cmds->node);
	cmds->size = args->cmds_size;
	cmds->num_cmds = info.num_cmds;
	cmds->ops = info.ops;
out:
	kvfree(stream);
	kvfree(ranges);
	kvfree(refs);
	return ret;
}

int qnn_ioctl_cmds_create(struct drm_device *drm, void *data,
			  struct drm_file *file)
{
	struct qnn_file *qf = file->driver_priv;
	struct drm_qnn_cmds_create *args = data;
	struct qnn_cmds *cmds;
	int ret, idx;
	u32 id;

	args->handle = 0;
	args->cs_error = 0;
	args->cs_offset = 0;
	ret = qnn_cmds_check(args);
	if (ret)
		return ret;
	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	ret = -ENOMEM;
	cmds = kzalloc(sizeof(*cmds), GFP_KERNEL);
	if (!cmds)
		goto out_exit;
	kref_init(&cmds->ref);
	cmds->qf = qf;
	ret = qnn_cmds_build(cmds, file, args);
	if (!ret)
		ret = xa_alloc(&qf->cmds, &id, cmds, xa_limit_32b, GFP_KERNEL);
	if (ret) {
		qnn_cmds_put(cmds);
		goto out_exit;
	}
	args->handle = id;
out_exit:
	drm_dev_exit(idx);
	return ret;
}

int qnn_ioctl_cmds_destroy(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct qnn_file *qf = file->driver_priv;
	struct drm_qnn_cmds_destroy *args = data;
	struct qnn_cmds *cmds;

	if (args->pad)
		return -EINVAL;
	cmds = xa_erase(&qf->cmds, args->handle);
	if (!cmds)
		return -ENOENT;
	qnn_cmds_put(cmds);
	return 0;
}
