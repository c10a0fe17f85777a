// SPDX-License-Identifier: GPL-2.0-only
/*
 * SUBMIT's extensions of driver 1.1 (docs/uapi.md): a stride for the BO
 * list so drm_qnn_bo_ref can grow, timeline syncobj points in and out, the
 * old (1.0) struct still accepted, and a full stream window that makes
 * SUBMIT wait for room instead of failing with -ENOSPC.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "job_util.h"

/* The 1.0 layout, as an old binary has it compiled in. */
struct submit_v1 {
	__u64 cmds;
	__u32 cmds_size;
	__u32 flags;
	__u64 bos;
	__u32 bo_count;
	__u32 in_syncobj_count;
	__u64 in_syncobjs;
	__u32 out_syncobj;
	__u32 pad;
	__u64 job_id;
	__u32 cs_error;
	__u32 cs_offset;
};

#define IOCTL_SUBMIT_V1 \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_QNN_SUBMIT, struct submit_v1)

/* A future drm_qnn_bo_ref with a field this kernel does not know. */
struct bo_ref_v2 {
	__u32 handle;
	__u32 flags;
	__u64 future;
};

FIXTURE(abi) {
	int fd;
	struct cs_builder *b;
	struct cs_mem m;
	struct bo_ref_v2 refs[CS_MAX_BUFS];
	struct drm_qnn_submit s;
};

FIXTURE_SETUP(abi)
{
	self->fd = qnn_open();
	ASSERT_LE(0, self->fd);
	self->b = calloc(1, sizeof(*self->b));
	ASSERT_NE(NULL, self->b);
	job_mem_init(&self->m, &self->fd, 21);
	job_small_conv(&self->m, self->b);
	ASSERT_EQ(0, self->m.err);
	memset(&self->s, 0, sizeof(self->s));
	for (int i = 0; i < self->m.n; i++) {
		self->refs[i].handle = self->m.bufs[i].handle;
		self->refs[i].flags = DRM_QNN_BO_REF_READ |
			(self->m.bufs[i].ro ? 0 : DRM_QNN_BO_REF_WRITE);
		self->refs[i].future = 0;
	}
	self->s.cmds = (uintptr_t)self->b->buf;
	self->s.cmds_size = csb_finish(self->b);
	self->s.bos = (uintptr_t)self->refs;
	self->s.bo_count = self->m.n;
	self->s.bo_ref_size = sizeof(struct bo_ref_v2);
}

FIXTURE_TEARDOWN(abi)
{
	sim_knob(self->fd, "delay_us", 0);
	cs_mem_reset(&self->m);
	free(self->b);
	close(self->fd);
}

TEST_F(abi, driver_version_1_1)
{
	uint64_t v = 0;

	ASSERT_EQ(0, qnn_get_param(self->fd, DRM_QNN_PARAM_DRIVER_VERSION, &v));
	EXPECT_LE(0x010100, v);
}

TEST_F(abi, bo_ref_stride)
{
	struct drm_qnn_wait w;

	ASSERT_LT(1, self->m.n);
	ASSERT_EQ(0, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	ASSERT_EQ(0, job_wait(self->fd, self->s.job_id, 20000, &w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	cs_gen_reference(&self->m, self->b);
	EXPECT_GT(0, cs_gen_compare(&self->m));
}

TEST_F(abi, bo_ref_stride_invalid)
{
	/* a field this kernel does not know must be zero */
	self->refs[1].future = 1;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	self->refs[1].future = 0;
	/* smaller than the 1.0 struct, not a multiple of 8, too big */
	self->s.bo_ref_size = 4;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	self->s.bo_ref_size = 12;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	self->s.bo_ref_size = DRM_QNN_SUBMIT_MAX_BO_REF_SIZE + 8;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	self->s.bo_ref_size = 16;
	EXPECT_EQ(0, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
}

/* An old binary's 64-byte struct still works (its fields end at cs_offset). */
TEST_F(abi, old_struct_size)
{
	struct drm_qnn_bo_ref refs[CS_MAX_BUFS];
	struct submit_v1 s = {
		.cmds = self->s.cmds,
		.cmds_size = self->s.cmds_size,
		.bos = (uintptr_t)refs,
		.bo_count = self->s.bo_count,
	};
	struct drm_qnn_wait w;

	for (int i = 0; i < self->m.n; i++) {
		refs[i].handle = self->refs[i].handle;
		refs[i].flags = self->refs[i].flags;
	}
	ASSERT_EQ(64, sizeof(s));
	ASSERT_EQ(0, qnn_ioctl(self->fd, IOCTL_SUBMIT_V1, &s));
	ASSERT_EQ(0, job_wait(self->fd, s.job_id, 20000, &w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
}

TEST_F(abi, timeline_points)
{
	uint32_t t, t2;
	uint64_t pt, in_pt;
	struct drm_qnn_submit e;
	struct qnn_cs_header h;
	struct drm_qnn_wait w;

	ASSERT_EQ(0, drmSyncobjCreate(self->fd, 0, &t));
	job_empty_stream(&h);
	memset(&e, 0, sizeof(e));
	e.cmds = (uintptr_t)&h;
	e.cmds_size = sizeof(h);
	e.out_syncobj = t;
	e.out_syncobj_point = 5;
	ASSERT_EQ(0, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &e));
	pt = 5;
	t2 = t;
	ASSERT_EQ(0, drmSyncobjTimelineWait(self->fd, &t2, &pt, 1, INT64_MAX,
					    DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
					    NULL));
	pt = 0;
	ASSERT_EQ(0, drmSyncobjQuery(self->fd, &t2, &pt, 1));
	EXPECT_EQ(5, pt);

	/* wait for point 5, signal point 7 */
	in_pt = 5;
	e.in_syncobjs = (uintptr_t)&t2;
	e.in_syncobj_count = 1;
	e.in_syncobj_points = (uintptr_t)&in_pt;
	e.out_syncobj_point = 7;
	ASSERT_EQ(0, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &e));
	ASSERT_EQ(0, job_wait(self->fd, e.job_id, 20000, &w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	ASSERT_EQ(0, drmSyncobjQuery(self->fd, &t2, &pt, 1));
	EXPECT_EQ(7, pt);

	/* a point nobody has submitted yet: no fence to wait for */
	in_pt = 9;
	e.out_syncobj_point = 0;
	e.out_syncobj = 0;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &e));
	/* an unreadable points array */
	e.in_syncobj_points = 8;
	EXPECT_EQ(-EFAULT, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &e));
	drmSyncobjDestroy(self->fd, t);
}

/* The largest stream: a header and 16 NOPs of 65528 bytes (zero tail). */
#define BIG_NOP		65528
#define BIG_STREAM	(sizeof(struct qnn_cs_header) + 16 * BIG_NOP)

static uint8_t big[BIG_STREAM] __attribute__((aligned(8)));

static void big_stream(void)
{
	struct qnn_cs_header *h = (void *)big;

	memset(big, 0, sizeof(big));
	job_empty_stream(h);
	h->size = BIG_STREAM;
	h->num_cmds = 16;
	for (int i = 0; i < 16; i++) {
		struct qnn_cs_cmd *c = (void *)(big + sizeof(*h) + i * BIG_NOP);

		c->op = QNN_CS_OP_NOP;
		c->size = BIG_NOP;
	}
}

/*
 * Each queued job holds its stream copy in the 16 MiB kernel window: 16
 * streams of ~1 MiB fill it. The next SUBMIT waits until one job ends.
 */
TEST_F_TIMEOUT(abi, full_stream_window_waits, 120)
{
	struct drm_qnn_submit s;
	struct drm_qnn_wait w;
	uint64_t ids[20];
	int64_t t0, dt;

	ASSERT_GE(QNN_CS_MAX_STREAM_SIZE, BIG_STREAM);
	big_stream();
	ASSERT_EQ(0, sim_knob(self->fd, "delay_us", 100000));
	for (int i = 0; i < 20; i++) {
		memset(&s, 0, sizeof(s));
		s.cmds = (uintptr_t)big;
		s.cmds_size = BIG_STREAM;
		t0 = job_now_ns();
		ASSERT_EQ(0, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &s))
			TH_LOG("SUBMIT %d of 20", i + 1);
		dt = job_now_ns() - t0;
		if (i >= 16)
			TH_LOG("SUBMIT %d waited %lld ms for window room", i + 1,
			       (long long)(dt / 1000000));
		ids[i] = s.job_id;
	}
	ASSERT_EQ(0, sim_knob(self->fd, "delay_us", 0));
	for (int i = 0; i < 20; i++) {
		ASSERT_EQ(0, job_wait(self->fd, ids[i], 30000, &w));
		EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	}
}

TEST_HARNESS_MAIN
