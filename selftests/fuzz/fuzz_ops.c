// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fuzzer's operations on its state (fuzz.h). Every call's arguments come
 * from the seeded PRNG: mostly valid ones taken from the state (so calls get
 * deep into the driver), some half-valid (one field off), some garbage.
 * Valid jobs run on a file of their own and their results are compared with
 * the independent reference (cs_ref.c); everything else only has to come
 * back without an oops, a WARN or a leak, which the VM lane checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "fuzz.h"
#include "job_util.h"

uint64_t fz_rnd(struct fz *z)
{
	/* xorshift64*: fast, and the whole run follows from the seed */
	z->rng ^= z->rng >> 12;
	z->rng ^= z->rng << 25;
	z->rng ^= z->rng >> 27;
	return z->rng * 2685821657736338717ULL;
}

uint32_t fz_below(struct fz *z, uint32_t n)
{
	return (uint32_t)(fz_rnd(z) % n);
}

static int chance(struct fz *z, int pct)
{
	return (int)fz_below(z, 100) < pct;
}

static void count_err(struct fz *z, int err)
{
	if (err > 0 && err < (int)(sizeof(z->st->errnos) / 8))
		z->st->errnos[err]++;
}

/* A valid request refused: counted, the first few printed. */
static void bad(struct fz *z, const char *fmt, int a, int b)
{
	char msg[200];

	snprintf(msg, sizeof(msg), fmt, a, b);
	if (__atomic_fetch_add(&z->st->bad_fail, 1, __ATOMIC_RELAXED) < 5)
		printf("# refused: %s\n", msg);
	if (!z->st->first_bad[0])
		snprintf(z->st->first_bad, sizeof(z->st->first_bad), "%s", msg);
}

/* Arm fail-nth for the next syscall of this thread (pct of the calls). */
static int arm(struct fz *z, int allow)
{
	char v[8];
	int n;

	if (!allow || z->failnth_fd < 0 || !chance(z, z->failnth_pct))
		return 0;
	/* early points: most ioctls reach only a few allocations */
	n = snprintf(v, sizeof(v), "%u", 1 + fz_below(z, 4));
	if (pwrite(z->failnth_fd, v, n, 0) != n)
		return 0;
	z->st->injected++;
	return 1;
}

static void disarm(struct fz *z, int armed)
{
	if (armed && pwrite(z->failnth_fd, "0", 1, 0) != 1)
		z->failnth_fd = -1;
}

/*
 * ioctl() without libdrm's restart on EAGAIN (a driver answering EAGAIN for
 * ever must show as a hang, not spin): 0 or -errno. @inject: fail-nth may
 * be armed for it.
 */
static int fz_ioctl(struct fz *z, int fd, unsigned long req, void *arg,
		    int inject)
{
	int armed = arm(z, inject), ret;

	z->st->calls++;
	do
		ret = ioctl(fd, req, arg);
	while (ret == -1 && errno == EINTR);
	ret = ret == -1 ? -errno : 0;
	disarm(z, armed);
	z->armed = armed;
	count_err(z, -ret);
	return ret;
}

/* --- picking from the state ---------------------------------------------- */

static struct fz_file *any_file(struct fz *z)
{
	int start = fz_below(z, FZ_FILES);

	for (int i = 0; i < FZ_FILES; i++) {
		struct fz_file *f = &z->files[(start + i) % FZ_FILES];

		if (f->fd >= 0)
			return f;
	}
	return NULL;
}

static struct fz_bo *any_bo(struct fz *z, struct fz_file *f)
{
	int start = fz_below(z, FZ_BOS);

	for (int i = 0; i < FZ_BOS; i++) {
		struct fz_bo *b = &f->bos[(start + i) % FZ_BOS];

		if (b->handle)
			return b;
	}
	return NULL;
}

static struct fz_bo *free_bo(struct fz *z, struct fz_file *f)
{
	for (int i = 0; i < FZ_BOS; i++)
		if (!f->bos[i].handle)
			return &f->bos[i];
	return &f->bos[fz_below(z, FZ_BOS)];	/* caller closes it first */
}

/* A handle: mostly one of the file's, sometimes stale or garbage. */
static uint32_t pick_handle(struct fz *z, struct fz_file *f)
{
	struct fz_bo *b = chance(z, 85) ? any_bo(z, f) : NULL;

	if (b)
		return b->handle;
	return chance(z, 50) ? fz_below(z, 64) : (uint32_t)fz_rnd(z);
}

static uint64_t interesting64(struct fz *z)
{
	static const uint64_t v[] = {
		0, 1, 7, 8, 31, 32, 4095, 4096, 4097, 0x7fffffff, 0x80000000,
		0xffffffff, 0x100000000ULL, 1ULL << 48, 1ULL << 52,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL,
	};

	return chance(z, 70) ? v[fz_below(z, sizeof(v) / sizeof(v[0]))] :
			       fz_rnd(z);
}

/* --- files and BOs -------------------------------------------------------- */

static void op_open(struct fz *z)
{
	for (int i = 0; i < FZ_FILES; i++) {
		struct fz_file *f = &z->files[i];

		if (f->fd >= 0)
			continue;
		z->st->calls++;
		memset(f, 0, sizeof(*f));
		f->fd = open(z->node, O_RDWR);
		if (f->fd < 0) {
			bad(z, "open of the device failed: errno %d%.0d", errno, 0);
			f->fd = -1;
		}
		return;
	}
}

static void op_close(struct fz *z)
{
	struct fz_file *f = any_file(z);

	/* handles, syncobjs and pending jobs go with the file; maps stay */
	if (f) {
		z->st->calls++;
		close(f->fd);
		f->fd = -1;
	}
}

static void bo_close(struct fz *z, struct fz_file *f, struct fz_bo *b)
{
	struct drm_gem_close c = { .handle = b->handle };

	fz_ioctl(z, f->fd, DRM_IOCTL_GEM_CLOSE, &c, 1);
	b->handle = 0;
}

static void op_bo_create(struct fz *z)
{
	struct fz_file *f = any_file(z);
	struct drm_qnn_bo_create c = { 0 };
	struct fz_bo *b;
	int valid = chance(z, 75), ret;

	if (!f)
		return;
	b = free_bo(z, f);
	if (b->handle)
		bo_close(z, f, b);
	if (valid) {
		c.size = 1 + fz_below(z, 256 * 1024);
		c.flags = chance(z, 30) ? DRM_QNN_BO_DEVICE_READONLY : 0;
	} else {
		c.size = chance(z, 50) ? interesting64(z) : 1 + fz_below(z, 65536);
		c.flags = chance(z, 50) ? (uint32_t)fz_rnd(z) : 0;
		c.handle = chance(z, 20) ? (uint32_t)fz_rnd(z) : 0;
	}
	ret = fz_ioctl(z, f->fd, DRM_IOCTL_QNN_BO_CREATE, &c, 1);
	if (ret && valid && !z->armed && !f->shared)
		bad(z, "BO_CREATE of %d bytes refused: %d", (int)c.size, ret);
	if (!ret) {
		b->handle = c.handle;
		b->size = (c.size + 4095) & ~4095ULL;
		b->va = c.va;
		b->offset = c.offset;
	}
}

static void op_bo_info(struct fz *z)
{
	struct fz_file *f = any_file(z);
	struct drm_qnn_bo_info i = { 0 };

	if (!f)
		return;
	i.handle = pick_handle(z, f);
	i.flags = chance(z, 10) ? (uint32_t)fz_rnd(z) : 0;
	fz_ioctl(z, f->fd, DRM_IOCTL_QNN_BO_INFO, &i, 1);
}

static void op_bo_close(struct fz *z)
{
	struct fz_file *f = any_file(z);
	struct fz_bo *b;

	if (!f)
		return;
	b = any_bo(z, f);
	if (b && chance(z, 90)) {
		bo_close(z, f, b);
	} else {
		struct drm_gem_close c = { .handle = pick_handle(z, f) };

		c.pad = chance(z, 10) ? (uint32_t)fz_rnd(z) : 0;
		/*
		 * A garbage close may have hit a handle of ours. The DRM
		 * core's GEM_CLOSE ignores pad: a close with pad set closes
		 * too, so whether it did is the ioctl's answer, not the pad.
		 */
		if (!fz_ioctl(z, f->fd, DRM_IOCTL_GEM_CLOSE, &c, 1))
			for (int i = 0; i < FZ_BOS; i++)
				if (f->bos[i].handle == c.handle)
					f->bos[i].handle = 0;
	}
}

static void keep_map(struct fz *z, uint8_t *p, size_t size)
{
	struct fz_map *m = &z->maps[fz_below(z, FZ_MAPS)];

	if (m->p)
		munmap(m->p, m->size);
	m->p = p;
	m->size = size;
}

static void op_mmap(struct fz *z)
{
	struct fz_file *f = any_file(z);
	struct fz_bo *b = f ? any_bo(z, f) : NULL;
	uint8_t *p;

	if (!b)
		return;
	z->st->calls++;
	if (chance(z, 85)) {
		size_t size = chance(z, 80) ? b->size : 4096;

		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd,
			 b->offset);
		if (p == MAP_FAILED) {
			int err = errno;
			struct drm_qnn_bo_info i = { .handle = b->handle };
			int info;

			/*
			 * Only a forked child sharing the file may have
			 * closed the handle. Otherwise the refusal counts,
			 * whatever BO_INFO says: BO_INFO tells a driver that
			 * loses handles (it answers -ENOENT, or another BO's
			 * offset) from one that refuses a live BO, and a
			 * stale table entry (this fuzzer's model going wrong,
			 * as it once did: GEM_CLOSE with pad set) shows as
			 * the former.
			 */
			if (f->shared)
				return;
			info = fz_ioctl(z, f->fd, DRM_IOCTL_QNN_BO_INFO, &i, 0);
			bad(z, "mmap of a live BO failed: errno %d, BO_INFO %d",
			    err, info ?: i.offset == b->offset ? 0 : -ESTALE);
			return;
		}
		/* the CPU side of the BO must work: touch both ends */
		p[0] ^= 1;
		p[size - 1] ^= (uint8_t)p[0];
		if (chance(z, 60))
			keep_map(z, p, size);
		else
			munmap(p, size);
		return;
	}
	/* past the BO, a misaligned or foreign offset: no touching */
	{
		size_t size = 4096 * (1 + fz_below(z, 64));
		off_t off = chance(z, 50) ? (off_t)(b->offset + fz_below(z, 8192)) :
					    (off_t)(interesting64(z) & ~4095ULL);

		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd,
			 off);
		if (p != MAP_FAILED)
			munmap(p, size);
		else
			count_err(z, errno);
	}
}

static void op_munmap(struct fz *z)
{
	struct fz_map *m = &z->maps[fz_below(z, FZ_MAPS)];

	if (m->p) {
		z->st->calls++;
		/* the BO (or its file) may be gone: the pages must still be ours */
		m->p[m->size / 2] ^= 0x5a;
		munmap(m->p, m->size);
		m->p = NULL;
	}
}

static void op_get_param(struct fz *z)
{
	struct fz_file *f = any_file(z);
	struct drm_qnn_get_param p = { 0 };

	if (!f)
		return;
	p.param = chance(z, 80) ? fz_below(z, 20) : (uint32_t)fz_rnd(z);
	p.pad = chance(z, 10) ? (uint32_t)fz_rnd(z) : 0;
	fz_ioctl(z, f->fd, DRM_IOCTL_QNN_GET_PARAM, &p, 1);
}

/* Any driver ioctl number, any size, random bytes. */
static void op_garbage_ioctl(struct fz *z)
{
	struct fz_file *f = any_file(z);
	uint64_t buf[32];
	unsigned int nr = DRM_COMMAND_BASE + fz_below(z, 16);
	unsigned int size = fz_below(z, sizeof(buf) + 1);

	if (!f)
		return;
	for (unsigned int i = 0; i < 32; i++)
		buf[i] = chance(z, 50) ? 0 : interesting64(z);
	fz_ioctl(z, f->fd, _IOC(fz_below(z, 4), DRM_IOCTL_BASE, nr, size), buf, 1);
}

/* --- jobs ------------------------------------------------------------------ */

static int mem_alloc(struct cs_mem *m, struct cs_buf *b)
{
	struct fz *z = m->priv;
	struct drm_qnn_bo_create c = {
		.size = b->size,
		.flags = b->ro ? DRM_QNN_BO_DEVICE_READONLY : 0,
	};
	void *p;
	int ret;

	ret = fz_ioctl(z, z->mem_fd, DRM_IOCTL_QNN_BO_CREATE, &c, 0);
	if (ret)
		return ret;
	z->st->calls++;
	p = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, z->mem_fd,
		 c.offset);
	if (p == MAP_FAILED) {
		struct drm_gem_close g = { .handle = c.handle };

		ret = -errno;
		fz_ioctl(z, z->mem_fd, DRM_IOCTL_GEM_CLOSE, &g, 0);
		return ret;
	}
	b->va = c.va;
	b->handle = c.handle;
	b->dev = p;
	return 0;
}

static void mem_free(struct cs_mem *m, struct cs_buf *b)
{
	struct fz *z = m->priv;
	struct drm_gem_close g = { .handle = b->handle };

	munmap(b->dev, b->size);
	fz_ioctl(z, z->mem_fd, DRM_IOCTL_GEM_CLOSE, &g, 0);
}

static const struct cs_mem_ops fz_mem_ops = { mem_alloc, mem_free };

/* 1..3 random commands with fresh tensors in file @fd: 0 or -errno. */
static int gen_job(struct fz *z, int fd)
{
	int ncmds = 1 + fz_below(z, 3);

	z->mem_fd = fd;
	cs_mem_init(z->mem, &fz_mem_ops, z, fz_rnd(z) | 1);
	csb_init(z->b);
	for (int i = 0; i < ncmds && !z->mem->err; i++)
		cs_gen_any(z->mem, z->b);
	if (z->mem->err) {
		int err = z->mem->err;

		cs_mem_reset(z->mem);
		return err;
	}
	csb_finish(z->b);
	return 0;
}

/*
 * SUBMIT that waits out a full queue (other workers' jobs): the stream
 * window filling up is not this request's fault.
 */
static int submit_valid(struct fz *z, int fd, struct drm_qnn_submit *s)
{
	struct drm_qnn_submit copy = *s;
	int ret;

	for (int tries = 0; tries < 200; tries++) {
		*s = copy;
		ret = fz_ioctl(z, fd, DRM_IOCTL_QNN_SUBMIT, s, 0);
		if (ret != -ENOSPC && ret != -EAGAIN && ret != -EBUSY)
			return ret;
		usleep(10000);
	}
	return ret;
}

/*
 * Turn the valid copied-stream SUBMIT @s into a SUBMIT of the same stream
 * kept by CMDS_CREATE (from user memory or, half the time, from a BO whose
 * copy is scribbled over afterwards): 0 or -errno (cs_error in @s).
 */
static int kept_valid(struct fz *z, int fd, struct drm_qnn_submit *s)
{
	struct drm_qnn_cmds_create c = {
		.cmds = s->cmds, .cmds_size = s->cmds_size,
		.bos = s->bos, .bo_count = s->bo_count,
	};
	struct drm_qnn_bo_create bo = { .size = 2 * sizeof(z->b->buf) };
	struct drm_gem_close g = { 0 };
	uint8_t *p = NULL;
	int ret;

	if (chance(z, 50) &&
	    !fz_ioctl(z, fd, DRM_IOCTL_QNN_BO_CREATE, &bo, 0)) {
		g.handle = bo.handle;
		z->st->calls++;
		p = mmap(NULL, bo.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 bo.offset);
		if (p == MAP_FAILED) {
			p = NULL;
		} else {
			c.src_offset = 8 * fz_below(z, 64);
			memcpy(p + c.src_offset, (void *)(uintptr_t)s->cmds,
			       s->cmds_size);
			c.cmds = 0;
			c.src_handle = bo.handle;
		}
	}
	for (int tries = 0; tries < 200; tries++) {
		ret = fz_ioctl(z, fd, DRM_IOCTL_QNN_CMDS_CREATE, &c, 0);
		if (ret != -ENOSPC)
			break;
		usleep(10000);
	}
	s->cs_error = c.cs_error;
	if (p) {
		memset(p, 0xff, bo.size);	/* must not matter any more */
		munmap(p, bo.size);
	}
	if (g.handle)
		fz_ioctl(z, fd, DRM_IOCTL_GEM_CLOSE, &g, 0);
	if (ret)
		return ret;
	memset(s, 0, sizeof(*s));
	s->cmds_handle = c.handle;
	return 0;
}

/*
 * A valid job on a file of its own (nothing else can touch its tensors):
 * SUBMIT must accept it, and when it completes its outputs must equal the
 * reference's.
 */
static void op_job_checked(struct fz *z)
{
	struct drm_qnn_bo_ref refs[CS_MAX_BUFS];
	struct drm_qnn_submit s = { 0 };
	struct drm_qnn_wait w;
	int fd, ret, diff;

	z->st->calls++;
	fd = open(z->node, O_RDWR);
	if (fd < 0) {
		bad(z, "open of the device failed: errno %d%.0d", errno, 0);
		return;
	}
	ret = gen_job(z, fd);
	if (ret) {
		bad(z, "BOs of a valid job refused: %d%.0d", ret, 0);
		close(fd);
		return;
	}
	for (int i = 0; i < z->mem->n; i++) {
		refs[i].handle = z->mem->bufs[i].handle;
		refs[i].flags = DRM_QNN_BO_REF_READ |
				(z->mem->bufs[i].ro ? 0 : DRM_QNN_BO_REF_WRITE);
	}
	s.cmds = (uintptr_t)z->b->buf;
	s.cmds_size = z->b->len;
	s.bos = (uintptr_t)refs;
	s.bo_count = z->mem->n;
	if (chance(z, 50)) {
		/* the same job as a kept stream (driver 1.2), run by handle */
		ret = kept_valid(z, fd, &s);
		if (ret)
			bad(z, "valid CMDS_CREATE refused: %d (cs_error %d)",
			    ret, (int)s.cs_error);
	}
	ret = submit_valid(z, fd, &s);
	if (ret) {
		bad(z, "valid SUBMIT refused: %d (cs_error %d)", ret,
		    (int)s.cs_error);
	} else {
		z->st->jobs++;
		cs_gen_reference(z->mem, z->b);
		memset(&w, 0, sizeof(w));
		w.job_id = s.job_id;
		w.timeout_ns = job_now_ns() + 60000000000LL;
		ret = fz_ioctl(z, fd, DRM_IOCTL_QNN_WAIT, &w, 0);
		if (ret) {
			bad(z, "WAIT for a valid job: %d%.0d", ret, 0);
		} else if (w.status == DRM_QNN_JOB_COMPLETED) {
			__atomic_fetch_add(&z->st->checked, 1, __ATOMIC_RELAXED);
			diff = cs_gen_compare(z->mem);
			if (diff >= 0) {
				__atomic_fetch_add(&z->st->mismatches, 1,
						   __ATOMIC_RELAXED);
				if (!z->st->first_bad[0])
					snprintf(z->st->first_bad,
						 sizeof(z->st->first_bad),
						 "valid job %llu: buffer %d of %d differs from the reference",
						 (unsigned long long)s.job_id,
						 diff, z->mem->n);
			}
		}
	}
	/* half the time the file goes first, then its BOs' last handles */
	if (chance(z, 50)) {
		close(fd);
		z->mem_fd = -1;
		for (int i = 0; i < z->mem->n; i++)
			munmap(z->mem->bufs[i].dev, z->mem->bufs[i].size);
		for (int i = 0; i < z->mem->n; i++)
			free(z->mem->bufs[i].ref);
		z->mem->n = 0;
	} else {
		cs_mem_reset(z->mem);
		close(fd);
	}
}

/* Flip, overwrite or point elsewhere a few places of the stream. */
static void mutate(struct fz *z, uint8_t *p, uint32_t len)
{
	int n = 1 + fz_below(z, 6);

	for (int i = 0; i < n; i++) {
		uint32_t at = chance(z, 40) ? fz_below(z, 64 < len ? 64 : len) :
					      fz_below(z, len);

		switch (fz_below(z, 4)) {
		case 0:
			p[at] ^= (uint8_t)(1u << fz_below(z, 8));
			break;
		case 1:
			p[at] = (uint8_t)fz_rnd(z);
			break;
		case 2: {
			uint32_t v = (uint32_t)interesting64(z);

			at &= ~3u;
			if (at + 4 <= len)
				memcpy(p + at, &v, 4);
			break;
		}
		default: {
			uint64_t v = interesting64(z);

			at &= ~7u;
			if (at + 8 <= len)
				memcpy(p + at, &v, 8);
			break;
		}
		}
	}
}

/*
 * A random stream (generated then mutated, or an empty one) on a shared file,
 * with a BO list and syncobjs from the state, valid or not; sometimes waited
 * for, mostly left running while its handles are closed.
 */
static void op_job_fuzzed(struct fz *z)
{
	struct fz_file *f = any_file(z);
	struct drm_qnn_bo_ref refs[CS_MAX_BUFS + 8];
	uint32_t in[6];
	struct drm_qnn_submit s = { 0 };
	struct drm_qnn_wait w;
	int nrefs = 0, gen = 0;

	if (!f)
		return;
	if (chance(z, 70) && !gen_job(z, f->fd)) {
		gen = 1;
		for (int i = 0; i < z->mem->n; i++) {
			refs[nrefs].handle = z->mem->bufs[i].handle;
			refs[nrefs++].flags = z->mem->bufs[i].ro ?
				DRM_QNN_BO_REF_READ : DRM_QNN_BO_REF_FLAGS;
		}
		if (chance(z, 80))
			mutate(z, (uint8_t *)z->b->buf, z->b->len);
	} else {
		csb_init(z->b);
		csb_finish(z->b);
	}
	/* extra refs: the file's BOs, duplicates, garbage */
	for (int i = fz_below(z, 4); i > 0; i--) {
		refs[nrefs].handle = pick_handle(z, f);
		refs[nrefs++].flags = chance(z, 80) ? 1 + fz_below(z, 3) :
						      (uint32_t)fz_rnd(z);
	}
	if (nrefs && chance(z, 10))
		refs[fz_below(z, nrefs)].flags = 0;
	s.cmds = (uintptr_t)z->b->buf;
	s.cmds_size = chance(z, 85) ? z->b->len : (uint32_t)interesting64(z);
	if (s.cmds_size > sizeof(z->b->buf))
		s.cmds = chance(z, 50) ? (uintptr_t)z->b->buf : interesting64(z);
	s.bos = (uintptr_t)refs;
	s.bo_count = nrefs;
	if (chance(z, 5))
		s.bo_count = (uint32_t)interesting64(z);
	if (chance(z, 5))
		s.bos = interesting64(z);
	s.in_syncobj_count = fz_below(z, 7);
	for (uint32_t i = 0; i < s.in_syncobj_count; i++)
		in[i] = chance(z, 80) ? f->syncobjs[fz_below(z, FZ_SYNCOBJS)] :
					(uint32_t)fz_rnd(z);
	s.in_syncobjs = (uintptr_t)in;
	if (chance(z, 3))
		s.in_syncobj_count = (uint32_t)interesting64(z);
	s.out_syncobj = chance(z, 40) ? f->syncobjs[fz_below(z, FZ_SYNCOBJS)] : 0;
	if (chance(z, 3))
		s.flags = (uint32_t)fz_rnd(z);
	if (chance(z, 3))
		s.pad = (uint32_t)fz_rnd(z);
	if (chance(z, 3))
		s.job_id = fz_rnd(z);
	/* SUBMIT 1.1: BO reference stride, priority, timeline points */
	if (chance(z, 10))
		s.bo_ref_size = chance(z, 50) ? 8 * fz_below(z, 4) :
						(uint32_t)interesting64(z);
	if (chance(z, 20))
		s.priority = chance(z, 80) ? fz_below(z, 4) : (uint32_t)fz_rnd(z);
	if (chance(z, 10)) {
		static uint64_t points[6];

		points[fz_below(z, 6)] = fz_below(z, 4);
		s.in_syncobj_points = chance(z, 90) ? (uintptr_t)points :
						      interesting64(z);
		s.out_syncobj_point = fz_below(z, 4);
	}
	if (!fz_ioctl(z, f->fd, DRM_IOCTL_QNN_SUBMIT, &s, 1)) {
		z->st->jobs++;
		f->last_job = s.job_id;
		if (chance(z, 30)) {
			memset(&w, 0, sizeof(w));
			w.job_id = s.job_id;
			w.timeout_ns = job_now_ns() + 50000000LL;
			fz_ioctl(z, f->fd, DRM_IOCTL_QNN_WAIT, &w, 0);
		}
	}
	if (gen)
		cs_mem_reset(z->mem);	/* the job keeps its own references */
}

/*
 * Kept streams (driver 1.2): CMDS_CREATE of a generated, mutated or empty
 * stream with half-valid source and BO-list fields; CMDS_DESTROY of a kept,
 * stale or garbage handle; SUBMIT by such a handle with stray fields.
 */
static void op_cmds(struct fz *z)
{
	struct fz_file *f = any_file(z);
	struct drm_qnn_bo_ref refs[CS_MAX_BUFS + 4];
	struct drm_qnn_cmds_create c = { 0 };
	struct drm_qnn_cmds_destroy d = { 0 };
	struct drm_qnn_submit s = { 0 };
	uint32_t *slot;
	int nrefs = 0, gen = 0;

	if (!f)
		return;
	slot = &f->cmds[fz_below(z, FZ_CMDS)];
	switch (fz_below(z, 3)) {
	case 0:
		if (chance(z, 70) && !gen_job(z, f->fd)) {
			gen = 1;
			for (int i = 0; i < z->mem->n; i++) {
				refs[nrefs].handle = z->mem->bufs[i].handle;
				refs[nrefs++].flags = z->mem->bufs[i].ro ?
					DRM_QNN_BO_REF_READ :
					DRM_QNN_BO_REF_FLAGS;
			}
			if (chance(z, 50))
				mutate(z, (uint8_t *)z->b->buf, z->b->len);
		} else {
			csb_init(z->b);
			csb_finish(z->b);
		}
		for (int i = fz_below(z, 3); i > 0; i--) {
			refs[nrefs].handle = pick_handle(z, f);
			refs[nrefs++].flags = 1 + fz_below(z, 3);
		}
		c.cmds = (uintptr_t)z->b->buf;
		c.cmds_size = chance(z, 90) ? z->b->len :
					      (uint32_t)interesting64(z);
		if (c.cmds_size > sizeof(z->b->buf))
			c.cmds = chance(z, 50) ? 0 : interesting64(z);
		c.bos = (uintptr_t)refs;
		c.bo_count = nrefs;
		if (chance(z, 15)) {
			c.src_handle = pick_handle(z, f);
			c.cmds = chance(z, 80) ? 0 : c.cmds;
			c.src_offset = chance(z, 70) ? 8 * fz_below(z, 512) :
						       interesting64(z);
		}
		if (chance(z, 3))
			c.flags = (uint32_t)fz_rnd(z);
		if (chance(z, 5))
			c.bo_ref_size = 8 * fz_below(z, 3);
		if (chance(z, 3))
			c.bo_count = (uint32_t)interesting64(z);
		if (!fz_ioctl(z, f->fd, DRM_IOCTL_QNN_CMDS_CREATE, &c, 1)) {
			if (*slot) {
				d.handle = *slot;
				fz_ioctl(z, f->fd, DRM_IOCTL_QNN_CMDS_DESTROY,
					 &d, 0);
			}
			*slot = c.handle;
		}
		if (gen)	/* the kept stream holds its BOs */
			cs_mem_reset(z->mem);
		break;
	case 1:
		d.handle = chance(z, 80) ? *slot : (uint32_t)fz_rnd(z);
		if (chance(z, 3))
			d.pad = (uint32_t)fz_rnd(z);
		if (!fz_ioctl(z, f->fd, DRM_IOCTL_QNN_CMDS_DESTROY, &d, 0) &&
		    d.handle == *slot)
			*slot = 0;
		break;
	default:
		s.cmds_handle = chance(z, 85) ? *slot : fz_below(z, 16);
		if (chance(z, 5))
			s.cmds_size = 32;
		if (chance(z, 5))
			s.bo_count = 1;
		if (chance(z, 3))
			s.pad2 = (uint32_t)fz_rnd(z);
		if (chance(z, 40))
			s.out_syncobj = f->syncobjs[fz_below(z, FZ_SYNCOBJS)];
		if (!fz_ioctl(z, f->fd, DRM_IOCTL_QNN_SUBMIT, &s, 1)) {
			z->st->jobs++;
			f->last_job = s.job_id;
		}
		break;
	}
}

static void op_wait(struct fz *z)
{
	struct fz_file *f = any_file(z);
	struct drm_qnn_wait w = { 0 };

	if (!f)
		return;
	if (chance(z, 80)) {
		w.job_id = f->last_job - fz_below(z, 3);
	} else {
		w.job_id = interesting64(z);
	}
	if (chance(z, 15)) {
		w.flags = DRM_QNN_WAIT_BO;
		w.job_id = chance(z, 80) ? 0 : w.job_id;
		w.handle = pick_handle(z, f);
	}
	if (chance(z, 5))
		w.flags = (uint32_t)fz_rnd(z);
	switch (fz_below(z, 4)) {
	case 0:
		w.timeout_ns = 0;
		break;
	case 1:
		w.timeout_ns = -(int64_t)fz_below(z, 1000);
		break;
	default:
		w.timeout_ns = job_now_ns() + fz_below(z, 20000000);
		break;
	}
	fz_ioctl(z, f->fd, DRM_IOCTL_QNN_WAIT, &w, 0);
}

/* --- syncobjs, dma-bufs, other processes ------------------------------------ */

static uint32_t *any_syncobj(struct fz *z, struct fz_file *f)
{
	return &f->syncobjs[fz_below(z, FZ_SYNCOBJS)];
}

static void op_syncobj(struct fz *z)
{
	struct fz_file *f = any_file(z);
	uint32_t *h;

	if (!f)
		return;
	h = any_syncobj(z, f);
	switch (fz_below(z, 6)) {
	case 0: {
		struct drm_syncobj_create c = {
			.flags = chance(z, 30) ? DRM_SYNCOBJ_CREATE_SIGNALED : 0,
		};

		if (*h) {
			struct drm_syncobj_destroy d = { .handle = *h };

			fz_ioctl(z, f->fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d, 1);
		}
		*h = fz_ioctl(z, f->fd, DRM_IOCTL_SYNCOBJ_CREATE, &c, 1) ? 0 :
									 c.handle;
		break;
	}
	case 1: {
		struct drm_syncobj_destroy d = { .handle = *h };

		fz_ioctl(z, f->fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d, 1);
		*h = 0;
		break;
	}
	case 2: {
		struct drm_syncobj_wait w = {
			.handles = (uintptr_t)h,
			.count_handles = 1,
			.timeout_nsec = job_now_ns() + fz_below(z, 10000000),
			.flags = chance(z, 50) ?
				 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT : 0,
		};

		fz_ioctl(z, f->fd, DRM_IOCTL_SYNCOBJ_WAIT, &w, 1);
		break;
	}
	case 3: {
		/* out as a sync_file, into another file's syncobj */
		struct drm_syncobj_handle e = {
			.handle = *h,
			.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
			.fd = -1,
		};
		struct fz_file *g = any_file(z);
		uint32_t *gh = any_syncobj(z, g);

		if (fz_ioctl(z, f->fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &e, 1))
			break;
		if (*gh) {
			struct drm_syncobj_handle i = {
				.handle = *gh, .fd = e.fd,
				.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
			};

			fz_ioctl(z, g->fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &i, 1);
		}
		close(e.fd);
		break;
	}
	case 4: {
		struct drm_syncobj_array a = {
			.handles = (uintptr_t)h, .count_handles = 1,
		};

		fz_ioctl(z, f->fd, chance(z, 50) ? DRM_IOCTL_SYNCOBJ_RESET :
				   DRM_IOCTL_SYNCOBJ_SIGNAL, &a, 1);
		break;
	}
	default: {
		/* the syncobj itself as an fd, to the next worker */
		struct drm_syncobj_handle e = { .handle = *h, .fd = -1 };
		char tag = 's';
		char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
		struct iovec io = { .iov_base = &tag, .iov_len = 1 };
		struct msghdr msg = {
			.msg_iov = &io, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

		if (z->sock < 0 ||
		    fz_ioctl(z, f->fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &e, 1))
			break;
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &e.fd, sizeof(int));
		z->st->calls++;
		sendmsg(z->sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		close(e.fd);
		break;
	}
	}
}

static int *any_dmabuf(struct fz *z)
{
	return &z->dmabufs[fz_below(z, FZ_DMABUFS)];
}

static void put_dmabuf(struct fz *z, int fd)
{
	int *slot = any_dmabuf(z);

	if (*slot >= 0)
		close(*slot);
	*slot = fd;
}

static void op_prime(struct fz *z)
{
	struct fz_file *f = any_file(z);
	int *d = any_dmabuf(z);

	if (!f)
		return;
	switch (fz_below(z, 5)) {
	case 0:
	case 1: {
		struct drm_prime_handle p = {
			.handle = pick_handle(z, f),
			.flags = chance(z, 90) ? DRM_CLOEXEC | DRM_RDWR :
						 (uint32_t)fz_rnd(z),
			.fd = -1,
		};

		if (!fz_ioctl(z, f->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p, 1))
			put_dmabuf(z, p.fd);
		break;
	}
	case 2: {
		struct drm_prime_handle p = {
			.fd = *d >= 0 || chance(z, 90) ? *d : (int)fz_rnd(z),
		};
		struct fz_bo *b;

		if (fz_ioctl(z, f->fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p, 1))
			break;
		/* a self-import gives back a handle the table has already */
		for (int i = 0; i < FZ_BOS; i++)
			if (f->bos[i].handle == p.handle)
				return;
		b = free_bo(z, f);
		if (b->handle)
			bo_close(z, f, b);
		b->handle = p.handle;
		b->size = lseek(*d, 0, SEEK_END);
		{
			struct drm_qnn_bo_info i = { .handle = p.handle };

			if (!fz_ioctl(z, f->fd, DRM_IOCTL_QNN_BO_INFO, &i, 0)) {
				b->size = i.size;
				b->va = i.va;
				b->offset = i.offset;
			} else {
				if (!f->shared)
					bad(z, "BO_INFO of an imported BO: %d%.0d",
					    -errno, 0);
				b->handle = 0;
			}
		}
		break;
	}
	case 3:
		/* the dma-buf's own mmap */
		if (*d >= 0) {
			off_t size = lseek(*d, 0, SEEK_END);
			uint8_t *p;

			z->st->calls++;
			if (size <= 0)
				break;
			p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
				 *d, 0);
			if (p == MAP_FAILED)
				break;
			p[size - 1] ^= 0xa5;
			keep_map(z, p, size);
		}
		break;
	default:
		if (*d >= 0) {
			close(*d);
			*d = -1;
		}
		break;
	}
}

/* A dma-buf to the next worker, or whatever the previous one sent. */
static void op_pass(struct fz *z)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char tag = 'd';
	struct iovec io = { .iov_base = &tag, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &io, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	int *d = any_dmabuf(z), fd;

	if (z->sock < 0 || z->sock_in < 0)
		return;
	z->st->calls++;
	if (chance(z, 50) && *d >= 0) {
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), d, sizeof(int));
		sendmsg(z->sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		return;
	}
	if (recvmsg(z->sock_in, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1)
		return;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if (tag == 'd') {
		put_dmabuf(z, fd);
	} else {
		struct fz_file *f = any_file(z);
		struct drm_syncobj_handle i = { .fd = fd };

		if (f && !fz_ioctl(z, f->fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
				   &i, 1)) {
			uint32_t *h = any_syncobj(z, f);

			if (*h) {
				struct drm_syncobj_destroy x = { .handle = *h };

				fz_ioctl(z, f->fd, DRM_IOCTL_SYNCOBJ_DESTROY,
					 &x, 1);
			}
			*h = i.handle;
		}
		close(fd);
	}
}

static void failnth_open(struct fz *z)
{
	z->failnth_fd = -1;
	if (z->failnth_pct > 0)
		z->failnth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
}

/*
 * A child that shares every file, mapping and dma-buf, makes a few calls on
 * them and exits without cleaning up: one drm_file used by two processes,
 * and released by whichever goes last.
 */
static void op_fork(struct fz *z)
{
	pid_t pid;

	if (z->in_child)
		return;
	z->st->calls++;
	z->st->forks++;
	/* the child shares every open file: its handles may change under us */
	for (int i = 0; i < FZ_FILES; i++)
		z->files[i].shared = z->files[i].fd >= 0;
	pid = fork();
	if (pid == 0) {
		int n = 1 + fz_below(z, 30);

		z->in_child = 1;
		z->rng ^= 0x9e3779b97f4a7c15ULL;
		failnth_open(z);
		alarm(120);
		for (int i = 0; i < n; i++)
			fz_step(z);
		_exit(0);
	}
	if (pid > 0) {
		/* the child may outlive this call by a little */
		if (chance(z, 50))
			waitpid(pid, NULL, 0);
	}
}

/* --- the driver loop's step --------------------------------------------------- */

struct fz_op {
	void (*fn)(struct fz *z);
	int weight;
};

static const struct fz_op fz_ops[] = {
	{ op_open, 4 },
	{ op_close, 2 },
	{ op_bo_create, 12 },
	{ op_bo_info, 5 },
	{ op_bo_close, 6 },
	{ op_mmap, 6 },
	{ op_munmap, 4 },
	{ op_get_param, 2 },
	{ op_garbage_ioctl, 3 },
	{ op_job_checked, 3 },
	{ op_job_fuzzed, 12 },
	{ op_cmds, 8 },
	{ op_wait, 6 },
	{ op_syncobj, 8 },
	{ op_prime, 8 },
	{ op_pass, 4 },
	{ op_fork, 1 },
};

void fz_step(struct fz *z)
{
	int total = 0, r;
	size_t i;

	/* zombies of earlier forks */
	while (!z->in_child && waitpid(-1, NULL, WNOHANG) > 0)
		;
	for (i = 0; i < sizeof(fz_ops) / sizeof(fz_ops[0]); i++)
		total += fz_ops[i].weight;
	r = fz_below(z, total);
	for (i = 0; r >= fz_ops[i].weight; i++)
		r -= fz_ops[i].weight;
	if (!any_file(z))
		op_open(z);
	else
		fz_ops[i].fn(z);
}

void fz_init(struct fz *z, const char *node, uint64_t seed, int sock,
	     int sock_in, int failnth_pct, struct fz_stats *st)
{
	memset(z, 0, sizeof(*z));
	z->rng = seed ? seed : 1;
	z->node = node;
	z->sock = sock;
	z->sock_in = sock_in;
	z->st = st;
	z->failnth_pct = failnth_pct;
	z->mem_fd = -1;
	failnth_open(z);
	for (int i = 0; i < FZ_FILES; i++)
		z->files[i].fd = -1;
	for (int i = 0; i < FZ_DMABUFS; i++)
		z->dmabufs[i] = -1;
	z->b = calloc(1, sizeof(*z->b));
	z->mem = calloc(1, sizeof(*z->mem));
	if (!z->b || !z->mem)
		abort();
}

void fz_fini(struct fz *z)
{
	for (int i = 0; i < FZ_MAPS; i++)
		if (z->maps[i].p)
			munmap(z->maps[i].p, z->maps[i].size);
	for (int i = 0; i < FZ_DMABUFS; i++)
		if (z->dmabufs[i] >= 0)
			close(z->dmabufs[i]);
	for (int i = 0; i < FZ_FILES; i++)
		if (z->files[i].fd >= 0)
			close(z->files[i].fd);
	while (waitpid(-1, NULL, 0) > 0)
		;
	free(z->b);
	free(z->mem);
}
