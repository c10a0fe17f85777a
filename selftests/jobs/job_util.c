// SPDX-License-Identifier: GPL-2.0-only
/* Job selftest helpers; see job_util.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "job_util.h"
#include "qnn_fault.h"

static int bo_alloc(struct cs_mem *m, struct cs_buf *b)
{
	int fd = *(int *)m->priv;
	struct drm_qnn_bo_create c;
	void *p;
	int ret;

	ret = qnn_bo_create(fd, b->size, b->ro ? DRM_QNN_BO_DEVICE_READONLY : 0,
			    &c);
	if (ret)
		return ret;
	p = qnn_bo_mmap(fd, c.offset, b->size);
	if (!p) {
		ret = -errno;
		qnn_bo_close(fd, c.handle);
		return ret;
	}
	b->va = c.va;
	b->handle = c.handle;
	b->dev = p;
	return 0;
}

static void bo_free(struct cs_mem *m, struct cs_buf *b)
{
	munmap(b->dev, b->size);
	qnn_bo_close(*(int *)m->priv, b->handle);
}

static const struct cs_mem_ops bo_ops = { bo_alloc, bo_free };

void job_mem_init(struct cs_mem *m, int *fd, uint64_t seed)
{
	cs_mem_init(m, &bo_ops, fd, seed);
}

int job_submit(int fd, struct cs_builder *b, const struct cs_mem *m,
	       uint32_t out_syncobj, struct drm_qnn_submit *args)
{
	struct drm_qnn_bo_ref refs[CS_MAX_BUFS];

	for (int i = 0; i < m->n; i++) {
		refs[i].handle = m->bufs[i].handle;
		refs[i].flags = DRM_QNN_BO_REF_READ |
				(m->bufs[i].ro ? 0 : DRM_QNN_BO_REF_WRITE);
	}
	memset(args, 0, sizeof(*args));
	args->cmds = (uintptr_t)b->buf;
	args->cmds_size = csb_finish(b);
	args->bos = (uintptr_t)refs;
	args->bo_count = m->n;
	args->out_syncobj = out_syncobj;
	return qnn_ioctl(fd, DRM_IOCTL_QNN_SUBMIT, args);
}

int64_t job_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int job_wait(int fd, uint64_t id, int64_t timeout_ms, struct drm_qnn_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->job_id = id;
	w->timeout_ns = job_now_ns() + timeout_ms * 1000000;
	return qnn_ioctl(fd, DRM_IOCTL_QNN_WAIT, w);
}

void job_empty_stream(struct qnn_cs_header *h)
{
	memset(h, 0, sizeof(*h));
	h->magic = QNN_CS_MAGIC;
	h->version = QNN_CS_VERSION;
	h->hdr_size = sizeof(*h);
	h->size = sizeof(*h);
}

int job_submit_empty(int fd, uint64_t *id)
{
	struct qnn_cs_header h;
	struct drm_qnn_submit s = {
		.cmds = (uintptr_t)&h,
		.cmds_size = sizeof(h),
	};
	int ret;

	job_empty_stream(&h);
	ret = qnn_ioctl(fd, DRM_IOCTL_QNN_SUBMIT, &s);
	*id = s.job_id;
	return ret;
}

int sim_knob(int fd, const char *name, unsigned int val)
{
	return qnn_fault_set(fd, name, val);
}

unsigned int job_timeout_ms(void)
{
	uint64_t v = 500;

	qnn_read_u64_file("/sys/module/qnn/parameters/job_timeout_ms", &v);
	return (unsigned int)v;
}

uint64_t qnn_module_param(const char *name, uint64_t def)
{
	char path[128];
	uint64_t v = def;

	snprintf(path, sizeof(path), "/sys/module/qnn/parameters/%s", name);
	if (qnn_read_u64_file(path, &v))
		return def;
	return v;
}

long read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = 0;
	return (long)n;
}

int dev_reg(int fd, const char *name, uint32_t *val)
{
	static char buf[8192];
	char path[96], *p;
	size_t nl = strlen(name);
	long n;

	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%d/regs",
		 qnn_minor(fd));
	n = read_text(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		unsigned int off, v;

		if (strncmp(p, name, nl) || p[nl] != ' ')
			continue;
		if (sscanf(p + nl, " 0x%x 0x%x", &off, &v) != 2)
			return -EINVAL;
		*val = v;
		return 0;
	}
	return -ENOENT;
}

int slab_active(const char *name, long *n)
{
	static char buf[1 << 17];
	size_t nl = strlen(name);
	char *p;
	long len;

	len = read_text("/proc/slabinfo", buf, sizeof(buf));
	if (len < 0)
		return (int)len;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, nl) && p[nl] == ' ')
			return sscanf(p + nl, "%ld", n) == 1 ? 0 : -EINVAL;
	return -ENOENT;
}

int sh(const char *cmd)
{
	int st = system(cmd);

	return st == 0 ? 0 : -1;
}

void job_small_conv(struct cs_mem *m, struct cs_builder *b)
{
	struct cs_conv_spec spec = {
		.a = { QNN_CS_ENC_BIPOLAR, 1 }, .w = { QNN_CS_ENC_BIPOLAR, 1 },
		.k = 3, .stride = 1, .pad = 1, .pad_set = 1, .zero_pad = 1,
		.n = 1, .h = 4, .w_ = 4, .c = 64, .oc = 8,
		.mode = QNN_CS_OUT_INT32,
	};

	cs_mem_reset(m);
	csb_init(b);
	cs_gen_conv(m, b, &spec);
}

int job_submit_batch(int *fd, struct cs_mem *m, struct cs_builder *b,
		     struct drm_qnn_submit *s, int n, uint64_t seed)
{
	for (int i = 0; i < n; i++) {
		int ret;

		job_mem_init(&m[i], fd, seed + i);
		job_small_conv(&m[i], &b[i]);
		if (m[i].err)
			return m[i].err;
		ret = job_submit(*fd, &b[i], &m[i], 0, &s[i]);
		if (ret)
			return ret;
	}
	return 0;
}

int job_wait_batch(int fd, struct cs_mem *m, struct cs_builder *b,
		   const struct drm_qnn_submit *s, int n,
		   struct job_outcome *out)
{
	int64_t end = job_now_ns() / 1000000 + 4 * job_timeout_ms() + 30000;
	struct drm_qnn_wait w;
	int good = 0;

	for (int i = 0; i < n; i++) {
		int64_t left = end - job_now_ns() / 1000000;

		out[i].wait_err = job_wait(fd, s[i].job_id,
					   left > 1 ? left : 1, &w);
		out[i].status = out[i].wait_err ? 0 : w.status;
		cs_gen_reference(&m[i], &b[i]);
		out[i].mismatch = cs_gen_compare(&m[i]);
		if (out[i].status == DRM_QNN_JOB_COMPLETED && out[i].mismatch < 0)
			good++;
		cs_mem_reset(&m[i]);
	}
	return good;
}

int dev_unplug(int fd, int *pci)
{
	char parent[64], cmd[192];
	int ret = qnn_parent_name(fd, parent, sizeof(parent));

	if (ret)
		return ret;
	*pci = strncmp(parent, "qnn_sim.", 8) != 0;
	if (!*pci)
		return sh("rmmod qnn_sim") ? -EIO : 0;
	snprintf(cmd, sizeof(cmd), "echo 1 >/sys/bus/pci/devices/%s/remove",
		 parent);
	return sh(cmd) ? -EIO : 0;
}

int dev_replug(int pci)
{
	if (!pci)
		return sh("insmod /lib/modules/qnn/qnn_sim.ko") ? -EIO : 0;
	/*
	 * The PCI core finds the function again; qnn binds it by its ID. Its
	 * node is accel0 unless files of the removed device are still open
	 * (their minor stays taken): wait up to 5 s for any accel node.
	 */
	return sh("echo 1 >/sys/bus/pci/rescan && i=0 && "
		  "while ! ls /dev/accel/accel* >/dev/null 2>&1; do "
		  "[ $i -lt 50 ] || exit 1; i=$((i + 1)); sleep 0.1; done") ?
	       -EIO : 0;
}
