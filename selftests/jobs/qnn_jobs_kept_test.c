// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kept command streams (driver 1.2, docs/uapi.md "Kept command streams"):
 * a stream validated once by CMDS_CREATE and submitted by handle runs and
 * gives the results of the independent reference (cs_ref.c) run after run
 * with fresh inputs; the kernel runs what it validated even when the
 * source is rewritten or the BOs' handles are closed; every hostile
 * argument gets its documented errno; and a benchmark prints host-side us
 * per SUBMIT+WAIT for the copied stream against the kept one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "job_util.h"

/* Fill @refs with every buffer of @m (writable unless read-only). */
static void fill_refs(const struct cs_mem *m, struct drm_qnn_bo_ref *refs)
{
	for (int i = 0; i < m->n; i++) {
		refs[i].handle = m->bufs[i].handle;
		refs[i].flags = DRM_QNN_BO_REF_READ |
				(m->bufs[i].ro ? 0 : DRM_QNN_BO_REF_WRITE);
	}
}

/* CMDS_CREATE from user memory: 0 or -errno; *h the handle. */
static int kept_create(int fd, struct cs_builder *b, const struct cs_mem *m,
		       struct drm_qnn_cmds_create *c)
{
	static struct drm_qnn_bo_ref refs[CS_MAX_BUFS];

	fill_refs(m, refs);
	memset(c, 0, sizeof(*c));
	c->cmds = (uintptr_t)b->buf;
	c->cmds_size = csb_finish(b);
	c->bos = (uintptr_t)refs;
	c->bo_count = m->n;
	return qnn_ioctl(fd, DRM_IOCTL_QNN_CMDS_CREATE, c);
}

static int kept_destroy(int fd, uint32_t handle)
{
	struct drm_qnn_cmds_destroy d = { .handle = handle };

	return qnn_ioctl(fd, DRM_IOCTL_QNN_CMDS_DESTROY, &d);
}

static int kept_submit(int fd, uint32_t handle, uint64_t *id)
{
	struct drm_qnn_submit s = { .cmds_handle = handle };
	int ret = qnn_ioctl(fd, DRM_IOCTL_QNN_SUBMIT, &s);

	*id = s.job_id;
	return ret;
}

/* New random inputs, the same in the device's and the reference's copy. */
static void new_inputs(struct cs_mem *m, uint32_t seed)
{
	for (int i = 0; i < m->n; i++) {
		struct cs_buf *b = &m->bufs[i];

		if (b->ro) {
			qnn_fill(b->ref, b->size, seed + i);
			memcpy(b->dev, b->ref, b->size);
		} else {
			memset(b->dev, 0xa5, b->size);	/* must be overwritten */
		}
	}
}

/* Run kept stream @h, wait, compare with the reference: NULL or why. */
static const char *run_kept(int fd, uint32_t h, struct cs_mem *m,
			    const struct cs_builder *b)
{
	static char why[128];
	struct drm_qnn_wait w;
	uint64_t id;
	int ret, d;

	ret = kept_submit(fd, h, &id);
	if (ret) {
		snprintf(why, sizeof(why), "SUBMIT by handle: %d", ret);
		return why;
	}
	ret = job_wait(fd, id, 20000, &w);
	if (ret || w.status != DRM_QNN_JOB_COMPLETED) {
		snprintf(why, sizeof(why), "WAIT: %d status %u cs_error %u",
			 ret, w.status, w.cs_error);
		return why;
	}
	cs_gen_reference(m, b);
	d = cs_gen_compare(m);
	if (d >= 0) {
		snprintf(why, sizeof(why), "buffer %d differs from the reference",
			 d);
		return why;
	}
	return NULL;
}

FIXTURE(kept) {
	int fd;
	uint64_t bos_before;
	struct cs_mem m;
	struct cs_builder *b;
	struct drm_qnn_cmds_create c;
};

FIXTURE_SETUP(kept)
{
	uint64_t v;

	self->fd = qnn_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, qnn_get_param(self->fd, DRM_QNN_PARAM_DRIVER_VERSION, &v));
	ASSERT_LE(0x010200, v);
	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &self->bos_before));
	self->b = calloc(1, sizeof(*self->b));
	ASSERT_NE(NULL, self->b);
	job_mem_init(&self->m, &self->fd, 0x6b657074);
	job_small_conv(&self->m, self->b);
	ASSERT_EQ(0, self->m.err);
}

FIXTURE_TEARDOWN(kept)
{
	cs_mem_reset(&self->m);
	free(self->b);
	close(self->fd);
}

TEST_F(kept, runs_like_the_reference_with_new_inputs)
{
	const char *why;

	ASSERT_EQ(0, kept_create(self->fd, self->b, &self->m, &self->c));
	ASSERT_LT(0, self->c.handle);
	for (uint32_t run = 0; run < 8; run++) {
		new_inputs(&self->m, 1000 * run);
		why = run_kept(self->fd, self->c.handle, &self->m, self->b);
		ASSERT_EQ(NULL, why) TH_LOG("run %u: %s", run, why);
	}
	ASSERT_EQ(0, kept_destroy(self->fd, self->c.handle));
}

TEST_F(kept, random_streams_of_every_kind)
{
	const char *why;

	for (int i = 0; i < 24; i++) {
		cs_mem_reset(&self->m);
		csb_init(self->b);
		cs_gen_any(&self->m, self->b);
		ASSERT_EQ(0, self->m.err);
		ASSERT_EQ(0, kept_create(self->fd, self->b, &self->m,
					 &self->c))
			TH_LOG("stream %d: cs_error %u at %u", i,
			       self->c.cs_error, self->c.cs_offset);
		for (int run = 0; run < 2; run++) {
			why = run_kept(self->fd, self->c.handle, &self->m,
				       self->b);
			ASSERT_EQ(NULL, why) TH_LOG("stream %d run %d: %s", i,
						    run, why);
		}
		ASSERT_EQ(0, kept_destroy(self->fd, self->c.handle));
	}
}

/* The stream kept in a BO; the BO and the user copy rewritten afterwards. */
TEST_F(kept, from_a_bo_then_source_rewritten)
{
	static struct drm_qnn_bo_ref refs[CS_MAX_BUFS];
	struct drm_qnn_bo_create bo;
	uint32_t len = csb_finish(self->b);
	uint8_t *p;
	const char *why;

	ASSERT_EQ(0, qnn_bo_create(self->fd, 8192, 0, &bo));
	p = qnn_bo_mmap(self->fd, bo.offset, 8192);
	ASSERT_NE(NULL, p);
	memcpy(p + 64, self->b->buf, len);
	fill_refs(&self->m, refs);
	memset(&self->c, 0, sizeof(self->c));
	self->c.src_handle = bo.handle;
	self->c.src_offset = 64;
	self->c.cmds_size = len;
	self->c.bos = (uintptr_t)refs;
	self->c.bo_count = self->m.n;
	ASSERT_EQ(0, qnn_ioctl(self->fd, DRM_IOCTL_QNN_CMDS_CREATE, &self->c));

	/* garbage where the stream was: the kernel runs its validated copy */
	memset(p, 0xff, 8192);
	ASSERT_EQ(0, qnn_bo_close(self->fd, bo.handle));
	munmap(p, 8192);
	new_inputs(&self->m, 7);
	why = run_kept(self->fd, self->c.handle, &self->m, self->b);
	ASSERT_EQ(NULL, why) TH_LOG("%s", why);

	/* the user-memory variant: the builder's buffer rewritten */
	ASSERT_EQ(0, kept_destroy(self->fd, self->c.handle));
	ASSERT_EQ(0, kept_create(self->fd, self->b, &self->m, &self->c));
	{
		struct cs_builder saved = *self->b;

		memset(self->b->buf, 0xff, sizeof(self->b->buf));
		new_inputs(&self->m, 8);
		*self->b = saved;	/* the reference needs the real one */
	}
	why = run_kept(self->fd, self->c.handle, &self->m, self->b);
	ASSERT_EQ(NULL, why) TH_LOG("%s", why);
}

/* BO handles closed after CMDS_CREATE: the kept stream holds the BOs. */
TEST_F(kept, bo_handles_closed_after_create)
{
	uint64_t now;
	const char *why;

	ASSERT_EQ(0, kept_create(self->fd, self->b, &self->m, &self->c));
	for (int i = 0; i < self->m.n; i++)
		ASSERT_EQ(0, qnn_bo_close(self->fd, self->m.bufs[i].handle));
	/* a new BO cannot take a VA the kept stream uses */
	for (int i = 0; i < 4; i++) {
		struct drm_qnn_bo_create bo;

		ASSERT_EQ(0, qnn_bo_create(self->fd, 4096, 0, &bo));
		for (int k = 0; k < self->m.n; k++)
			ASSERT_FALSE(bo.va < self->m.bufs[k].va +
				     self->m.bufs[k].size &&
				     self->m.bufs[k].va < bo.va + 4096);
		ASSERT_EQ(0, qnn_bo_close(self->fd, bo.handle));
	}
	new_inputs(&self->m, 11);	/* through the still-mapped mmaps */
	why = run_kept(self->fd, self->c.handle, &self->m, self->b);
	ASSERT_EQ(NULL, why) TH_LOG("%s", why);
	/* destroyed with a job queued: the job still runs to its end */
	{
		struct drm_qnn_wait w;
		uint64_t id;

		ASSERT_EQ(0, kept_submit(self->fd, self->c.handle, &id));
		ASSERT_EQ(0, kept_destroy(self->fd, self->c.handle));
		ASSERT_EQ(0, job_wait(self->fd, id, 20000, &w));
		ASSERT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	}
	/* the mmaps still hold the BOs: unmap them, then every BO is gone */
	for (int i = 0; i < self->m.n; i++) {
		munmap(self->m.bufs[i].dev, self->m.bufs[i].size);
		free(self->m.bufs[i].ref);
	}
	self->m.n = 0;
	for (int tries = 0; tries < 200; tries++) {
		ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &now));
		if (now == self->bos_before)
			break;
		usleep(10000);
	}
	ASSERT_EQ(self->bos_before, now);
}

TEST_F(kept, create_refuses_bad_arguments)
{
	static struct drm_qnn_bo_ref refs[CS_MAX_BUFS];
	struct drm_qnn_cmds_create c;
	struct drm_qnn_bo_create bo;
	uint32_t len = csb_finish(self->b);
	int fd2;

	fill_refs(&self->m, refs);
	ASSERT_EQ(0, qnn_bo_create(self->fd, 8192, 0, &bo));
#define BASE (struct drm_qnn_cmds_create){ .cmds = (uintptr_t)self->b->buf, \
	.cmds_size = len, .bos = (uintptr_t)refs, .bo_count = self->m.n }
#define EXPECT_CREATE(err, ...) do { \
		c = BASE; __VA_ARGS__; \
		EXPECT_EQ(err, qnn_ioctl(self->fd, DRM_IOCTL_QNN_CMDS_CREATE, \
					 &c)); \
		if (err) \
			EXPECT_EQ(0, c.handle); \
	} while (0)
	EXPECT_CREATE(-EINVAL, c.flags = 1);
	EXPECT_CREATE(-EINVAL, c.cmds_size = 24);
	EXPECT_CREATE(-EINVAL, c.cmds_size = QNN_CS_MAX_STREAM_SIZE + 8);
	EXPECT_CREATE(-EINVAL, c.bo_count = DRM_QNN_SUBMIT_MAX_BOS + 1);
	EXPECT_CREATE(-EINVAL, c.bo_ref_size = 12);
	EXPECT_CREATE(-EINVAL, c.src_offset = 8);	/* no src_handle */
	EXPECT_CREATE(-EINVAL, c.src_handle = bo.handle);	/* and cmds */
	EXPECT_CREATE(-ENOENT, c.cmds = 0; c.src_handle = 0x7fff);
	EXPECT_CREATE(-EINVAL, c.cmds = 0; c.src_handle = bo.handle;
		      c.src_offset = 4);			/* unaligned */
	EXPECT_CREATE(-EINVAL, c.cmds = 0; c.src_handle = bo.handle;
		      c.src_offset = 8192 - 8);			/* past the end */
	EXPECT_CREATE(-EINVAL, c.cmds = 0; c.src_handle = bo.handle;
		      c.src_offset = ~0ULL - 7);		/* wraps */
	EXPECT_CREATE(-EFAULT, c.cmds = 8);
	EXPECT_CREATE(-EFAULT, c.bos = 8);
	/* the source BO holds zeroes: no stream header */
	EXPECT_CREATE(-EINVAL, c.cmds = 0; c.src_handle = bo.handle);
	EXPECT_EQ(QNN_CS_ERR_MAGIC, c.cs_error);
	/* the output BO left out of the list */
	EXPECT_CREATE(-EINVAL, c.bo_count = self->m.n - 1);
	EXPECT_EQ(QNN_CS_ERR_ADDRESS, c.cs_error);
	EXPECT_LT(0, c.cs_offset);
	/* a listed BO that is not this file's */
	fd2 = qnn_open();
	ASSERT_LE(0, fd2);
	{
		struct drm_qnn_bo_create other;
		uint32_t saved = refs[0].handle;

		for (int i = 0; i < 16; i++)
			ASSERT_EQ(0, qnn_bo_create(fd2, 4096, 0, &other));
		refs[0].handle = other.handle;	/* above every handle of fd */
		EXPECT_CREATE(-ENOENT);
		refs[0].handle = saved;
	}
	EXPECT_CREATE(-EINVAL, refs[1].flags = 0);
	refs[1].flags = DRM_QNN_BO_REF_READ;
	EXPECT_CREATE(-EINVAL, refs[1].handle = refs[0].handle);
	refs[1].handle = self->m.bufs[1].handle;
	EXPECT_CREATE(0);
	EXPECT_EQ(0, kept_destroy(self->fd, c.handle));
	close(fd2);
#undef EXPECT_CREATE
#undef BASE
}

TEST_F(kept, submit_and_destroy_refuse_bad_arguments)
{
	struct drm_qnn_cmds_destroy d = { 0 };
	struct drm_qnn_cmds_create c2;
	struct drm_qnn_submit s;
	uint32_t h;
	uint64_t id;
	int fd2;

	ASSERT_EQ(0, kept_create(self->fd, self->b, &self->m, &self->c));
	h = self->c.handle;
#define EXPECT_SUBMIT(err, ...) do { \
		memset(&s, 0, sizeof(s)); s.cmds_handle = h; __VA_ARGS__; \
		EXPECT_EQ(err, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &s)); \
		if (err) \
			EXPECT_EQ(0, s.job_id); \
	} while (0)
	EXPECT_SUBMIT(-EINVAL, s.pad2 = 1);
	EXPECT_SUBMIT(-EINVAL, s.cmds = (uintptr_t)self->b->buf);
	EXPECT_SUBMIT(-EINVAL, s.cmds_size = 32);
	EXPECT_SUBMIT(-EINVAL, s.bos = 8);
	EXPECT_SUBMIT(-EINVAL, s.bo_count = 1);
	EXPECT_SUBMIT(-EINVAL, s.bo_ref_size = 8);
	EXPECT_SUBMIT(-EINVAL, s.flags = 1);
	EXPECT_SUBMIT(-ENOENT, s.cmds_handle = h + 100);
	EXPECT_SUBMIT(0);
	/* another file's kept stream is unknown here */
	fd2 = qnn_open();
	ASSERT_LE(0, fd2);
	{
		struct cs_mem m2;
		struct cs_builder *b2 = calloc(1, sizeof(*b2));

		ASSERT_NE(NULL, b2);
		job_mem_init(&m2, &fd2, 3);
		job_small_conv(&m2, b2);
		for (int i = 0; i < 4; i++)
			ASSERT_EQ(0, kept_create(fd2, b2, &m2, &c2));
		EXPECT_SUBMIT(-ENOENT, s.cmds_handle = c2.handle);
		EXPECT_EQ(-ENOENT, kept_destroy(self->fd, c2.handle));
		cs_mem_reset(&m2);
		free(b2);
	}
	close(fd2);
	d.handle = h;
	d.pad = 1;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_CMDS_DESTROY, &d));
	EXPECT_EQ(0, kept_destroy(self->fd, h));
	EXPECT_EQ(-ENOENT, kept_destroy(self->fd, h));
	EXPECT_EQ(-ENOENT, kept_destroy(self->fd, 0));
	/* destroyed: SUBMIT by its handle is refused */
	EXPECT_SUBMIT(-ENOENT);
	(void)id;
#undef EXPECT_SUBMIT
}

/* us per SUBMIT alone and per SUBMIT+WAIT, copied stream vs kept one. */
struct bench_fig {
	double submit_us, job_us;
};

static int bench_run(int fd, const struct drm_qnn_submit *tmpl, int n,
		     struct bench_fig *f)
{
	int64_t t0, t_sub = 0, t_all;
	struct drm_qnn_submit s;
	struct drm_qnn_wait w;
	int ret;

	t0 = job_now_ns();
	for (int i = 0; i < n; i++) {
		int64_t t1 = job_now_ns();

		s = *tmpl;
		ret = qnn_ioctl(fd, DRM_IOCTL_QNN_SUBMIT, &s);
		t_sub += job_now_ns() - t1;
		if (!ret)
			ret = job_wait(fd, s.job_id, 20000, &w);
		if (ret || w.status != DRM_QNN_JOB_COMPLETED)
			return ret ?: -EIO;
	}
	t_all = job_now_ns() - t0;
	f->submit_us = t_sub / 1000.0 / n;
	f->job_us = t_all / 1000.0 / n;
	return 0;
}

static void bench_case(struct __test_metadata *_metadata, int fd,
		       struct cs_builder *b, struct cs_mem *m, const char *what)
{
	static struct drm_qnn_bo_ref refs[CS_MAX_BUFS];
	struct drm_qnn_submit copy = { 0 }, kept = { 0 };
	struct drm_qnn_cmds_create c;
	struct bench_fig fc, fk;
	const int n = 300;

	fill_refs(m, refs);
	ASSERT_EQ(0, kept_create(fd, b, m, &c));
	copy.cmds = (uintptr_t)b->buf;
	copy.cmds_size = c.cmds_size;
	copy.bos = (uintptr_t)refs;
	copy.bo_count = m->n;
	kept.cmds_handle = c.handle;
	for (int round = 0; round < 2; round++) {	/* round 0 warms up */
		ASSERT_EQ(0, bench_run(fd, &copy, n, &fc));
		ASSERT_EQ(0, bench_run(fd, &kept, n, &fk));
	}
	printf("# bench: %s (%u-byte stream, %d BOs): SUBMIT copied %.1f us, kept %.1f us; SUBMIT+WAIT copied %.1f us, kept %.1f us\n",
	       what, c.cmds_size, m->n, fc.submit_us, fk.submit_us, fc.job_us,
	       fk.job_us);
	ASSERT_EQ(0, kept_destroy(fd, c.handle));
}

/* Host-side figures, printed (no timed assertion). */
TEST_F_TIMEOUT(kept, bench_copy_vs_kept, 280)
{
	bench_case(_metadata, self->fd, self->b, &self->m, "small conv");
	cs_mem_reset(&self->m);
	csb_init(self->b);
	bench_case(_metadata, self->fd, self->b, &self->m, "empty stream");
	/* many commands and BOs: where validation costs most */
	for (int i = 0; i < 16; i++)
		cs_gen_pool(&self->m, self->b,
			    (struct cs_enc){ QNN_CS_ENC_BIPOLAR, 1 });
	ASSERT_EQ(0, self->m.err);
	bench_case(_metadata, self->fd, self->b, &self->m, "16 max-pools");
}

TEST_HARNESS_MAIN
