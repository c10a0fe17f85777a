// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device coredumps (devcoredump): when a job hangs, faults in the device
 * MMU or gets a status the driver does not know, the registers, the ring
 * and the job's stream go to /sys/class/devcoredump/devcdN/data in the
 * format of uapi/drm/qnn_coredump.h.
 *
 * The capture runs in the fence-signalling path (the timeout handler, the
 * interrupt thread's reap) under the ring's spinlock, where nothing may
 * allocate or sleep: it copies into a buffer allocated with the device and
 * leaves the rest to a worker, as upstream drivers do (xe, msm): the
 * worker vmallocs the copy dev_coredumpv() takes over and calls it, which
 * allocates and registers a device. While a dump waits for the worker, later
 * failures are only counted: the first failure is the interesting one, and
 * devcoredump keeps one dump per device anyway.
 */
#include <linux/devcoredump.h>
#include <linux/highmem.h>
#include <linux/minmax.h>
#include <linux/regmap.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>
#include <drm/drm_accel.h>
#include <drm/drm_file.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_managed.h>

#include "qnn_coredump.h"
#include "qnn_drv.h"
#include "qnn_regs.h"

/* What the preallocated buffer holds at most: the rest is cut off. */
#define QNN_COREDUMP_MAX_RING	256		/* ring entries */
#define QNN_COREDUMP_MAX_STREAM	(64 * 1024)	/* stream bytes */
#define QNN_COREDUMP_SECTIONS	4

static size_t qnn_coredump_ring_entries(struct qnn_device *qdev)
{
	return min_t(size_t, qdev->ring.size, QNN_COREDUMP_MAX_RING);
}

static size_t qnn_coredump_cap(struct qnn_device *qdev)
{
	return sizeof(struct qnn_coredump_header) +
	       QNN_COREDUMP_SECTIONS * sizeof(struct qnn_coredump_section) +
	       sizeof(struct qnn_coredump_info) +
	       qnn_num_reg_names * sizeof(struct qnn_coredump_reg) +
	       sizeof(struct qnn_coredump_ring) +
	       qnn_coredump_ring_entries(qdev) *
	       (sizeof(struct qnn_hw_desc) + sizeof(struct qnn_hw_result)) +
	       QNN_COREDUMP_MAX_STREAM;
}

/* Append a section header for @size bytes; returns where they go. */
static void *qnn_coredump_section(void **pos, struct qnn_coredump_header *h,
				  u32 type, size_t size)
{
	struct qnn_coredump_section *s = *pos;
	void *data = s + 1;

	s->type = cpu_to_le32(type);
	s->pad = 0;
	s->size = cpu_to_le64(size);
	*pos = data + size;
	h->num_sections = cpu_to_le32(le32_to_cpu(h->num_sections) + 1);
	return data;
}

static void qnn_coredump_info(struct qnn_device *qdev,
			      const struct qnn_coredump_job *j,
			      struct qnn_coredump_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->reason = cpu_to_le32(j->reason);
	ci->job_status = cpu_to_le32(j->status);
	ci->job_id = cpu_to_le64(j->id);
	ci->client_id = cpu_to_le64(j->qf->client_id);
	ci->pid = cpu_to_le32(j->qf->pid);
	strscpy(ci->comm, j->qf->comm, sizeof(ci->comm));
	ci->seqno = cpu_to_le32(j->seqno);
	ci->slot = cpu_to_le32(j->slot);
	ci->hw_status = cpu_to_le32(j->hw_status);
	ci->hw_detail = cpu_to_le32(j->hw_detail);
	ci->cs_offset = cpu_to_le32(j->cs_offset);
	ci->fault_addr = cpu_to_le64(j->fault_addr);
	ci->fault_flags = cpu_to_le32(j->fault_flags);
	ci->stream_size = cpu_to_le32(j->cmd_size);
	ci->time_ns = cpu_to_le64(ktime_get_real_ns());
	if (j->t_run)
		ci->run_ns = cpu_to_le64(ktime_to_ns(ktime_sub(ktime_get(),
							       j->t_run)));
	ci->device_id = cpu_to_le32(qdev->caps.id);
	ci->hw_version = cpu_to_le32(qdev->caps.version);
	ci->driver_version = cpu_to_le32(QNN_DRIVER_MAJOR << 16 |
					 QNN_DRIVER_MINOR << 8 |
					 QNN_DRIVER_PATCH);
	ci->accel_minor = cpu_to_le32(qdev->drm.accel->index);
	strscpy(ci->device, dev_name(qdev->drm.dev), sizeof(ci->device));
}

static void qnn_coredump_regs(struct qnn_device *qdev,
			      struct qnn_coredump_reg *r)
{
	unsigned int i, val;

	for (i = 0; i < qnn_num_reg_names; i++, r++) {
		/* regmap is fast_io (a spinlock): fine under the ring lock */
		if (regmap_read(qdev->regs, qnn_reg_names[i].reg, &val))
			val = ~0U;
		r->offset = cpu_to_le32(qnn_reg_names[i].reg);
		r->value = cpu_to_le32(val);
		memset(r->name, 0, sizeof(r->name));
		strscpy(r->name, qnn_reg_names[i].name, sizeof(r->name));
	}
}

static void qnn_coredump_ring(struct qnn_device *qdev,
			      struct qnn_coredump_ring *cr, size_t n)
{
	struct qnn_ring *ring = &qdev->ring;
	unsigned int head = 0, done = 0;
	void *p = cr + 1;

	regmap_read(qdev->regs, QNN_REG_CQ_HEAD, &head);
	regmap_read(qdev->regs, QNN_REG_DONE_SEQNO, &done);
	memset(cr, 0, sizeof(*cr));
	cr->size = cpu_to_le32(ring->size);
	cr->captured = cpu_to_le32(n);
	cr->head = cpu_to_le32(head);
	cr->tail = cpu_to_le32(ring->tail);
	cr->seqno = cpu_to_le32(ring->seqno);
	cr->done_seqno = cpu_to_le32(done);
	/* descriptors the device has not fetched yet */
	cr->unfetched = cpu_to_le32((ring->tail - head) & (ring->size - 1));
	memcpy(p, ring->descs, n * sizeof(*ring->descs));
	memcpy(p + n * sizeof(*ring->descs), ring->results,
	       n * sizeof(*ring->results));
}

/* Copy up to @len bytes of the job's stream copy (pinned shmem pages). */
static void qnn_coredump_stream(struct drm_gem_object *obj, void *dst,
				size_t len)
{
	struct drm_gem_shmem_object *shmem = to_drm_gem_shmem_obj(obj);
	size_t off, n;

	for (off = 0; off < len; off += n) {
		n = min_t(size_t, PAGE_SIZE, len - off);
		memcpy_from_page(dst + off, shmem->pages[off >> PAGE_SHIFT], 0,
				 n);
	}
}

void qnn_coredump_capture_locked(struct qnn_device *qdev,
				 const struct qnn_coredump_job *j)
{
	struct qnn_coredump_state *cd = &qdev->obs.cd;
	size_t ring_n = qnn_coredump_ring_entries(qdev);
	size_t stream_n = 0, ring_bytes;
	struct qnn_coredump_header *h;
	void *pos;

	if (!cd->buf)
		return;
	spin_lock(&cd->lock);
	if (cd->busy) {
		spin_unlock(&cd->lock);
		atomic64_inc(&cd->dropped);
		return;
	}
	cd->busy = true;
	spin_unlock(&cd->lock);

	if (j->cmd_obj && to_drm_gem_shmem_obj(j->cmd_obj)->pages)
		stream_n = min_t(size_t, j->cmd_size, QNN_COREDUMP_MAX_STREAM);
	h = cd->buf;
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, QNN_COREDUMP_MAGIC, sizeof(h->magic));
	h->version = cpu_to_le32(QNN_COREDUMP_VERSION);
	h->header_size = cpu_to_le32(sizeof(*h));
	pos = h + 1;

	qnn_coredump_info(qdev, j,
			  qnn_coredump_section(&pos, h, QNN_COREDUMP_SEC_INFO,
					       sizeof(struct qnn_coredump_info)));
	qnn_coredump_regs(qdev,
			  qnn_coredump_section(&pos, h, QNN_COREDUMP_SEC_REGS,
					       qnn_num_reg_names *
					       sizeof(struct qnn_coredump_reg)));
	ring_bytes = sizeof(struct qnn_coredump_ring) +
		     ring_n * (sizeof(struct qnn_hw_desc) +
			       sizeof(struct qnn_hw_result));
	qnn_coredump_ring(qdev,
			  qnn_coredump_section(&pos, h, QNN_COREDUMP_SEC_RING,
					       ring_bytes), ring_n);
	/* the stream's size is a multiple of 8 (SUBMIT checks it) */
	if (stream_n)
		qnn_coredump_stream(j->cmd_obj,
				    qnn_coredump_section(&pos, h,
							 QNN_COREDUMP_SEC_STREAM,
							 stream_n), stream_n);
	h->total_size = cpu_to_le64(pos - cd->buf);
	cd->len = pos - cd->buf;
	atomic64_inc(&cd->taken);
	queue_work(system_unbound_wq, &cd->work);
}

/* Process context: hand a copy to devcoredump, free the buffer for more. */
static void qnn_coredump_work(struct work_struct *work)
{
	struct qnn_coredump_state *cd = container_of(work,
						     struct qnn_coredump_state,
						     work);
	struct qnn_device *qdev = container_of(cd, struct qnn_device, obs.cd);
	size_t len = cd->len;
	void *copy;

	copy = vmalloc(len);
	if (copy)
		memcpy(copy, cd->buf, len);
	else
		atomic64_inc(&cd->dropped);
	spin_lock_irq(&cd->lock);
	cd->busy = false;
	spin_unlock_irq(&cd->lock);
	/* takes @copy over, frees it with vfree() */
	if (copy)
		dev_coredumpv(qdev->drm.dev, copy, len, GFP_KERNEL);
}

static void qnn_coredump_free(struct drm_device *drm, void *buf)
{
	kvfree(buf);
}

int qnn_coredump_init(struct qnn_device *qdev)
{
	struct qnn_coredump_state *cd = &qdev->obs.cd;

	spin_lock_init(&cd->lock);
	INIT_WORK(&cd->work, qnn_coredump_work);
	cd->cap = qnn_coredump_cap(qdev);
	cd->buf = kvzalloc(cd->cap, GFP_KERNEL);
	if (!cd->buf)
		return -ENOMEM;
	return drmm_add_action_or_reset(&qdev->drm, qnn_coredump_free, cd->buf);
}

/* Device removal: no capture runs any more (the ring is stopped). */
void qnn_coredump_fini(struct qnn_device *qdev)
{
	cancel_work_sync(&qdev->obs.cd.work);
}
