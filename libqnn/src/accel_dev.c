// SPDX-License-Identifier: MIT
/*
 * Finding and talking to a qnn device through libdrm. Devices are found by
 * their DRM driver name ("qnn", drmGetVersion) among the compute-accel
 * nodes the kernel creates, never by a fixed node number; "accel:N" is the
 * N-th of them in minor order. Every ioctl goes through drmIoctl (EINTR
 * restarts) and is counted for the caller (syscalls per inference).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "accel.h"
#include "qnn_accel.h"

#define ACCEL_DIR "/dev/accel"

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

static int get_param(int fd, uint32_t param, uint64_t *v)
{
	struct drm_qnn_get_param p = { .param = param };

	if (drmIoctl(fd, DRM_IOCTL_QNN_GET_PARAM, &p))
		return -errno;
	*v = p.value;
	return 0;
}

static int read_caps(int fd, struct qnn_accel_caps *c)
{
	static const uint32_t ids[] = {
		DRM_QNN_PARAM_OPS, DRM_QNN_PARAM_MAX_WEIGHT_BITS, DRM_QNN_PARAM_MAX_ACT_BITS,
		DRM_QNN_PARAM_SRAM_SIZE, DRM_QNN_PARAM_VA_START, DRM_QNN_PARAM_VA_SIZE,
		DRM_QNN_PARAM_PAGE_SIZE, DRM_QNN_PARAM_NUM_CORES, DRM_QNN_PARAM_CLOCK_KHZ,
		DRM_QNN_PARAM_QUEUE_DEPTH, DRM_QNN_PARAM_DMA_COHERENT, DRM_QNN_PARAM_DRIVER_VERSION,
	};
	uint64_t v[sizeof(ids) / sizeof(ids[0])];

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		int ret = get_param(fd, ids[i], &v[i]);

		if (ret)
			return ret;
	}
	c->ops = v[0];
	c->max_wbits = (unsigned int)v[1];
	c->max_abits = (unsigned int)v[2];
	c->sram = v[3];
	c->va_start = v[4];
	c->va_size = v[5];
	c->page_size = v[6] ? v[6] : 4096;
	c->cores = (unsigned int)v[7];
	c->clock_khz = (unsigned int)v[8];
	c->queue_depth = (unsigned int)v[9];
	c->coherent = (unsigned int)v[10];
	c->driver_version = (uint32_t)v[11];
	return 0;
}

int qnn_accel_open(int index, struct qnn_accel **out, char *err, size_t errlen)
{
	unsigned int minors[256], n = 0, found = 0;
	char seen[256] = "";
	struct dirent *de;
	DIR *d;

	*out = NULL;
	d = opendir(ACCEL_DIR);
	if (d) {
		while ((de = readdir(d)) && n < 256) {
			unsigned int minor;
			char tail;

			if (sscanf(de->d_name, "accel%u%c", &minor, &tail) == 1)
				minors[n++] = minor;
		}
		closedir(d);
	}
	qsort(minors, n, sizeof(minors[0]), cmp_uint);
	for (unsigned int i = 0; i < n; i++) {
		char node[32];
		drmVersionPtr v;
		int fd, is_qnn;

		snprintf(node, sizeof(node), ACCEL_DIR "/accel%u", minors[i]);
		fd = open(node, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%s: %s",
				 *seen ? ", " : "", node, strerror(errno));
			continue;
		}
		v = drmGetVersion(fd);
		is_qnn = v && v->name && !strcmp(v->name, "qnn");
		snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%s: driver %s",
			 *seen ? ", " : "", node, v && v->name ? v->name : "?");
		drmFreeVersion(v);
		if (!is_qnn || found++ != (unsigned int)index) {
			close(fd);
			continue;
		}
		struct qnn_accel *a = calloc(1, sizeof(*a));
		int ret;

		if (!a) {
			close(fd);
			return qnn_fmt_err(err, errlen, -ENOMEM, "out of memory");
		}
		a->fd = fd;
		a->index = index;
		snprintf(a->node, sizeof(a->node), "%s", node);
		ret = read_caps(fd, &a->caps);
		if (ret) {
			close(fd);
			free(a);
			return qnn_fmt_err(err, errlen, ret, "%s: reading the device's capabilities: %s",
					   node, strerror(-ret));
		}
		atomic_init(&a->dead, 0);
		*out = a;
		return 0;
	}
	return qnn_fmt_err(err, errlen, -ENODEV,
			   "no qnn accelerator number %d: looked for %s/accel* nodes whose DRM driver is \"qnn\" and found %u (%s)",
			   index, ACCEL_DIR, found, *seen ? seen : "no accel nodes");
}

/*
 * A file found closed or replaced under us (EBADF, ENOTTY): its number may
 * belong to someone else now, so it gets no more ioctls and is not closed.
 */
static int fd_ours(const struct qnn_accel *a)
{
	int dead = atomic_load(&a->dead);

	return dead != EBADF && dead != ENOTTY;
}

void qnn_accel_close(struct qnn_accel *a)
{
	if (!a)
		return;
	if (fd_ours(a))
		close(a->fd);
	free(a);
}

int qnn_accel_bo_create(struct qnn_accel *a, size_t size, int readonly, uint32_t *handle,
			uint64_t *va, void **map, atomic_ullong *calls)
{
	struct drm_qnn_bo_create c = {
		.size = size, .flags = readonly ? DRM_QNN_BO_DEVICE_READONLY : 0,
	};
	struct drm_gem_close gc = { 0 };
	void *p;
	int ret;

	atomic_fetch_add(calls, 2);
	if (drmIoctl(a->fd, DRM_IOCTL_QNN_BO_CREATE, &c))
		return -errno;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, a->fd, (off_t)c.offset);
	if (p == MAP_FAILED) {
		ret = -errno;
		gc.handle = c.handle;
		drmIoctl(a->fd, DRM_IOCTL_GEM_CLOSE, &gc);
		return ret;
	}
	*handle = c.handle;
	*va = c.va;
	*map = p;
	return 0;
}

void qnn_accel_bo_free(struct qnn_accel *a, uint32_t handle, void *map, size_t size)
{
	struct drm_gem_close gc = { .handle = handle };

	if (map)
		munmap(map, size);
	if (handle && fd_ours(a))
		drmIoctl(a->fd, DRM_IOCTL_GEM_CLOSE, &gc);
}

int qnn_accel_bo_import(struct qnn_accel *a, int dmabuf_fd, uint32_t *handle, uint64_t *va,
			size_t *size, void **map)
{
	struct drm_qnn_bo_info bi = { 0 };
	void *p;
	int ret;

	if (drmPrimeFDToHandle(a->fd, dmabuf_fd, handle))
		return -errno;
	bi.handle = *handle;
	if (drmIoctl(a->fd, DRM_IOCTL_QNN_BO_INFO, &bi)) {
		ret = -errno;
		goto close;
	}
	/* the importer's own mapping (the exporter's mmap underneath) */
	p = mmap(NULL, bi.size, PROT_READ | PROT_WRITE, MAP_SHARED, a->fd, (off_t)bi.offset);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto close;
	}
	*va = bi.va;
	*size = bi.size;
	*map = p;
	return 0;
close:
	qnn_accel_bo_free(a, *handle, NULL, 0);
	*handle = 0;
	return ret;
}

/*
 * The BO list of a SUBMIT or CMDS_CREATE, in the uAPI's form. One helper so
 * the limit is stated once: QNN_ACCEL_MAX_BOS (the arena, the constants and
 * an application buffer per graph input and output), -E2BIG past it.
 */
static int bo_refs(struct drm_qnn_bo_ref *refs, const uint32_t *bos, const uint32_t *bo_flags,
		   unsigned int nbo)
{
	if (nbo > QNN_ACCEL_MAX_BOS)
		return -E2BIG;
	for (unsigned int i = 0; i < nbo; i++) {
		refs[i].handle = bos[i];
		refs[i].flags = bo_flags[i];
	}
	return 0;
}

int qnn_accel_submit(struct qnn_accel *a, const void *cs, uint32_t size,
		     const uint32_t *bos, const uint32_t *bo_flags, unsigned int nbo,
		     uint64_t *job, uint32_t *cs_error, uint32_t *cs_offset, atomic_ullong *calls)
{
	struct drm_qnn_bo_ref refs[QNN_ACCEL_MAX_BOS];
	struct drm_qnn_submit s = {
		.cmds = (uintptr_t)cs, .cmds_size = size, .bos = (uintptr_t)refs, .bo_count = nbo,
	};
	int ret = bo_refs(refs, bos, bo_flags, nbo);

	if (ret)
		return ret;
	atomic_fetch_add(calls, 1);
	if (drmIoctl(a->fd, DRM_IOCTL_QNN_SUBMIT, &s)) {
		*cs_error = s.cs_error;
		*cs_offset = s.cs_offset;
		return -errno;
	}
	*job = s.job_id;
	return 0;
}

int qnn_accel_cmds_create(struct qnn_accel *a, const void *cs, uint32_t size,
			  const uint32_t *bos, const uint32_t *bo_flags, unsigned int nbo,
			  uint32_t *handle, uint32_t *cs_error, uint32_t *cs_offset, atomic_ullong *calls)
{
	struct drm_qnn_bo_ref refs[QNN_ACCEL_MAX_BOS];
	struct drm_qnn_cmds_create c = {
		.cmds = (uintptr_t)cs, .cmds_size = size, .bos = (uintptr_t)refs, .bo_count = nbo,
	};
	int ret = bo_refs(refs, bos, bo_flags, nbo);

	if (ret)
		return ret;
	/* kept streams came with driver 1.2 */
	if (a->caps.driver_version < 0x010200)
		return -EOPNOTSUPP;
	atomic_fetch_add(calls, 1);
	if (drmIoctl(a->fd, DRM_IOCTL_QNN_CMDS_CREATE, &c)) {
		*cs_error = c.cs_error;
		*cs_offset = c.cs_offset;
		return -errno;
	}
	*handle = c.handle;
	return 0;
}

void qnn_accel_cmds_destroy(struct qnn_accel *a, uint32_t handle)
{
	struct drm_qnn_cmds_destroy d = { .handle = handle };

	if (handle && fd_ours(a))
		drmIoctl(a->fd, DRM_IOCTL_QNN_CMDS_DESTROY, &d);
}

int qnn_accel_submit_kept(struct qnn_accel *a, uint32_t handle, uint64_t *job, atomic_ullong *calls)
{
	struct drm_qnn_submit s = { .cmds_handle = handle };

	atomic_fetch_add(calls, 1);
	if (drmIoctl(a->fd, DRM_IOCTL_QNN_SUBMIT, &s))
		return -errno;
	*job = s.job_id;
	return 0;
}

int qnn_accel_wait(struct qnn_accel *a, uint64_t job, int64_t timeout_ms,
		   struct drm_qnn_wait *w, atomic_ullong *calls)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	memset(w, 0, sizeof(*w));
	w->job_id = job;
	w->timeout_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + timeout_ms * 1000000;
	atomic_fetch_add(calls, 1);
	if (drmIoctl(a->fd, DRM_IOCTL_QNN_WAIT, w))
		return -errno;
	return 0;
}

const char *qnn_accel_status_name(uint32_t status)
{
	switch (status) {
	case DRM_QNN_JOB_COMPLETED: return "completed";
	case DRM_QNN_JOB_TIMEOUT: return "timeout";
	case DRM_QNN_JOB_MMU_FAULT: return "MMU fault";
	case DRM_QNN_JOB_INVALID_CMD: return "invalid command";
	case DRM_QNN_JOB_CANCELED: return "canceled";
	case DRM_QNN_JOB_DEVICE_ERROR: return "device error";
	default: return "unknown status";
	}
}
