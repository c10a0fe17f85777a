/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kept command streams (DRM_IOCTL_QNN_CMDS_CREATE): a stream validated once,
 * copied into a kernel-only BO, kept with its BO list for SUBMIT by handle.
 * Also the stream and BO-list helpers SUBMIT's copy path shares with it.
 */
#ifndef _QNN_CMDS_H_
#define _QNN_CMDS_H_

#include <linux/bits.h>
#include <linux/kref.h>
#include <linux/types.h>
#include <drm/drm_mm.h>

#include "qnn_cmdstream.h"

struct drm_device;
struct drm_file;
struct drm_gem_object;
struct drm_qnn_bo_ref;
struct qnn_device;
struct qnn_file;

/* BO-list flags: driver-private bit next to DRM_QNN_BO_REF_* */
#define QNN_BO_REF_MAPPED	BIT(31)

/*
 * A kept stream. Read-only once created; jobs borrow @bos, @bo_flags and
 * the mapping at @node while they hold a reference.
 */
struct qnn_cmds {
	struct kref ref;
	struct qnn_file *qf;
	struct drm_gem_object *obj;	/* the kernel's copy */
	struct drm_mm_node node;	/* read-only, in the kernel window */
	u32 size;
	u32 num_cmds;			/* for the tracepoints */
	u64 ops;			/* bit-MACs plus element ops (tracepoints) */
	u32 bo_count;
	struct drm_gem_object **bos;	/* referenced and mapped */
	u32 *bo_flags;			/* DRM_QNN_BO_REF_* | QNN_BO_REF_MAPPED */
};

struct qnn_cmds *qnn_cmds_lookup(struct qnn_file *qf, u32 handle);
void qnn_cmds_put(struct qnn_cmds *cmds);
void qnn_file_cmds_init(struct qnn_file *qf);
void qnn_file_cmds_fini(struct qnn_file *qf);
int qnn_ioctl_cmds_create(struct drm_device *drm, void *data,
			  struct drm_file *file);
int qnn_ioctl_cmds_destroy(struct drm_device *drm, void *data,
			   struct drm_file *file);

/* What a stream may use on @qdev (its advertised capabilities). */
struct qnn_cs_caps qnn_cs_caps_of(const struct qnn_device *qdev);

/* qnn_job.c: shared with SUBMIT's copy path */
int qnn_bo_refs_copy(struct drm_qnn_bo_ref *refs, u64 bos, u32 count,
		     u32 bo_ref_size);
int qnn_bo_refs_get(struct drm_file *file, const struct drm_qnn_bo_ref *refs,
		    u32 count, struct drm_gem_object **bos, u32 *flags,
		    struct qnn_cs_range *ranges);
void qnn_bo_refs_put(struct qnn_file *qf, struct drm_gem_object **bos,
		     const u32 *flags, u32 count);
int qnn_stream_load(struct qnn_file *qf, const void *buf, u32 size,
		    struct drm_gem_object **objp, struct drm_mm_node *node);
void qnn_stream_unload(struct qnn_file *qf, struct drm_gem_object **obj,
		       struct drm_mm_node *node);

#endif /* _QNN_CMDS_H_ */
