// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bad input and device errors, each answered as docs/uapi.md and
 * docs/cmdstream.md document: SUBMIT/WAIT argument checks, malformed
 * command streams (rejected at SUBMIT with the stream error and offset),
 * errors only the device sees (bad parameter data), injected MMU faults,
 * corrupted status records and lost interrupts. After each, a good job
 * still runs. vm-check fails the run on any kernel splat.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "job_util.h"

FIXTURE(err) {
	int fd;
	struct cs_mem mem;
	struct cs_builder *b;
	struct drm_qnn_submit s;
	struct drm_qnn_wait w;
};

/* One valid conv job in self->b over buffers of self->mem. */
static void good_job(FIXTURE_DATA(err) *self)
{
	struct cs_conv_spec spec = {
		.a = { QNN_CS_ENC_BIPOLAR, 1 }, .w = { QNN_CS_ENC_BIPOLAR, 1 },
		.k = 3, .stride = 1, .pad = 1, .pad_set = 1, .zero_pad = 1,
		.n = 1, .h = 4, .w_ = 4, .c = 64, .oc = 8,
		.mode = QNN_CS_OUT_INT32,
	};

	cs_mem_reset(&self->mem);
	csb_init(self->b);
	cs_gen_conv(&self->mem, self->b, &spec);
	csb_finish(self->b);
}

static struct qnn_cs_conv2d *conv(FIXTURE_DATA(err) *self)
{
	return (struct qnn_cs_conv2d *)((uint8_t *)self->b->buf +
					sizeof(struct qnn_cs_header));
}

static struct qnn_cs_header *hdr(FIXTURE_DATA(err) *self)
{
	return (struct qnn_cs_header *)self->b->buf;
}

/* SUBMIT the (possibly corrupted) stream as it is, without csb_finish(). */
static int submit_raw(FIXTURE_DATA(err) *self, uint32_t size)
{
	struct drm_qnn_bo_ref refs[CS_MAX_BUFS];

	for (int i = 0; i < self->mem.n; i++) {
		refs[i].handle = self->mem.bufs[i].handle;
		refs[i].flags = DRM_QNN_BO_REF_READ |
				(self->mem.bufs[i].ro ? 0 : DRM_QNN_BO_REF_WRITE);
	}
	memset(&self->s, 0, sizeof(self->s));
	self->s.cmds = (uintptr_t)self->b->buf;
	self->s.cmds_size = size;
	self->s.bos = (uintptr_t)refs;
	self->s.bo_count = self->mem.n;
	return qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s);
}

/* A good job runs to completion: the device is still healthy. */
static int still_healthy(FIXTURE_DATA(err) *self)
{
	good_job(self);
	if (job_submit(self->fd, self->b, &self->mem, 0, &self->s))
		return 0;
	if (job_wait(self->fd, self->s.job_id, 20000, &self->w))
		return 0;
	if (self->w.status != DRM_QNN_JOB_COMPLETED)
		return 0;
	cs_gen_reference(&self->mem, self->b);
	return cs_gen_compare(&self->mem) < 0;
}

FIXTURE_SETUP(err)
{
	self->fd = qnn_open();
	ASSERT_LE(0, self->fd);
	job_mem_init(&self->mem, &self->fd, 77);
	self->b = calloc(1, sizeof(*self->b));
	ASSERT_NE(NULL, self->b);
}

FIXTURE_TEARDOWN(err)
{
	sim_knob(self->fd, "hang_next_job", 0);
	sim_knob(self->fd, "mmu_fault_next_job", 0);
	sim_knob(self->fd, "corrupt_next_status", 0);
	sim_knob(self->fd, "drop_next_irq", 0);
	cs_mem_reset(&self->mem);
	free(self->b);
	close(self->fd);
}

TEST_F(err, submit_args)
{
	uint32_t size;

	good_job(self);
	size = hdr(self)->size;
	ASSERT_EQ(0, submit_raw(self, size));

	/* flags, pad */
	memset(&self->s, 0, sizeof(self->s));
	self->s.cmds = (uintptr_t)self->b->buf;
	self->s.cmds_size = size;
	self->s.flags = 1;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	self->s.flags = 0;
	self->s.pad = 1;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	self->s.pad = 0;
	/* sizes */
	self->s.cmds_size = 0;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	self->s.cmds_size = QNN_CS_MAX_STREAM_SIZE + 8;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	self->s.cmds_size = size;
	self->s.bo_count = DRM_QNN_SUBMIT_MAX_BOS + 1;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	self->s.bo_count = 0;
	self->s.in_syncobj_count = DRM_QNN_SUBMIT_MAX_SYNCOBJS + 1;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	self->s.in_syncobj_count = 0;
	/* bad pointers */
	self->s.cmds = 8;
	EXPECT_EQ(-EFAULT, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	self->s.cmds = (uintptr_t)self->b->buf;
	self->s.bo_count = 1;
	self->s.bos = 8;
	EXPECT_EQ(-EFAULT, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	/* a syncobj that does not exist (on a valid, empty stream) */
	{
		static const struct qnn_cs_header empty = {
			.magic = QNN_CS_MAGIC, .version = QNN_CS_VERSION,
			.hdr_size = sizeof(empty), .size = sizeof(empty),
		};

		self->s.cmds = (uintptr_t)&empty;
		self->s.cmds_size = sizeof(empty);
	}
	self->s.bo_count = 0;
	self->s.out_syncobj = 12345;
	EXPECT_EQ(-ENOENT, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	self->s.out_syncobj = 0;
	{
		uint32_t h = 12345;

		self->s.in_syncobjs = (uintptr_t)&h;
		self->s.in_syncobj_count = 1;
		EXPECT_EQ(-ENOENT, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT,
					     &self->s));
	}
	ASSERT_TRUE(still_healthy(self));
}

TEST_F(err, bo_list)
{
	struct drm_qnn_bo_ref refs[2];
	uint32_t size;

	good_job(self);
	size = hdr(self)->size;
	memset(&self->s, 0, sizeof(self->s));
	self->s.cmds = (uintptr_t)self->b->buf;
	self->s.cmds_size = size;
	self->s.bos = (uintptr_t)refs;
	self->s.bo_count = 1;
	refs[0].handle = 0xdead;
	refs[0].flags = DRM_QNN_BO_REF_READ;
	EXPECT_EQ(-ENOENT, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	refs[0].handle = self->mem.bufs[0].handle;
	refs[0].flags = 0;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	refs[0].flags = 0x4;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	refs[0].flags = DRM_QNN_BO_REF_READ;
	refs[1] = refs[0];
	self->s.bo_count = 2;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	/* the stream's tensors are not all in the list: rejected */
	self->s.bo_count = 1;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_SUBMIT, &self->s));
	EXPECT_EQ(QNN_CS_ERR_ADDRESS, self->s.cs_error);
	EXPECT_EQ(sizeof(struct qnn_cs_header), self->s.cs_offset);
	ASSERT_TRUE(still_healthy(self));
}

/* Corrupt one thing of a good stream, expect -EINVAL and its error code. */
#define BAD_STREAM(name, code, offset, ...)				\
TEST_F(err, stream_##name)						\
{									\
	uint32_t size;							\
	good_job(self);							\
	size = hdr(self)->size;						\
	{ __VA_ARGS__; }						\
	ASSERT_EQ(-EINVAL, submit_raw(self, size));			\
	EXPECT_EQ(code, self->s.cs_error);				\
	EXPECT_EQ(offset, self->s.cs_offset);				\
	ASSERT_TRUE(still_healthy(self));				\
}

#define CMD0 sizeof(struct qnn_cs_header)

BAD_STREAM(magic, QNN_CS_ERR_MAGIC, 0, hdr(self)->magic = 0x12345678)
BAD_STREAM(version, QNN_CS_ERR_VERSION, 0, hdr(self)->version = 2)
BAD_STREAM(header_reserved, QNN_CS_ERR_HEADER, 0, hdr(self)->reserved = 1)
BAD_STREAM(truncated, QNN_CS_ERR_TRUNCATED, 0, size -= 8)
BAD_STREAM(truncated_cmd, QNN_CS_ERR_TRUNCATED, CMD0,
	   hdr(self)->size -= 8; size -= 8)
BAD_STREAM(trailing_bytes, QNN_CS_ERR_TRUNCATED, CMD0 + 160,
	   hdr(self)->num_cmds = 1; hdr(self)->size += 8; size += 8)
BAD_STREAM(opcode, QNN_CS_ERR_OPCODE, CMD0, conv(self)->hdr.op = 0x99)
BAD_STREAM(cmd_size, QNN_CS_ERR_CMD_SIZE, CMD0, conv(self)->hdr.size = 12)
BAD_STREAM(cmd_flags, QNN_CS_ERR_FLAGS, CMD0, conv(self)->hdr.flags = 0x80)
BAD_STREAM(tensor_pad, QNN_CS_ERR_PAD, CMD0, conv(self)->in.pad1 = 1)
BAD_STREAM(bad_encoding, QNN_CS_ERR_TENSOR, CMD0,
	   conv(self)->weights.encoding = 9)
BAD_STREAM(bipolar_2bit, QNN_CS_ERR_TENSOR, CMD0, conv(self)->in.bits = 2)
BAD_STREAM(zero_stride, QNN_CS_ERR_SHAPE, CMD0, conv(self)->stride_h = 0)
BAD_STREAM(channel_mismatch, QNN_CS_ERR_SHAPE, CMD0,
	   conv(self)->weights.c = 32)
BAD_STREAM(absurd_batch, QNN_CS_ERR_LIMIT, CMD0, conv(self)->in.n = 1000000)
BAD_STREAM(absurd_kernel, QNN_CS_ERR_LIMIT, CMD0,
	   conv(self)->weights.h = 20000)
BAD_STREAM(address_outside, QNN_CS_ERR_ADDRESS, CMD0,
	   conv(self)->in.va = 0x10000)
BAD_STREAM(address_straddles, QNN_CS_ERR_ADDRESS, CMD0,
	   conv(self)->in.va += 4096 - 8)
BAD_STREAM(address_overflow, QNN_CS_ERR_ADDRESS, CMD0,
	   conv(self)->in.va = ~0ULL - 7)
BAD_STREAM(output_readonly, QNN_CS_ERR_ADDRESS, CMD0,
	   conv(self)->out.va = conv(self)->weights.va)
BAD_STREAM(misaligned, QNN_CS_ERR_ADDRESS, CMD0, conv(self)->in.va += 4)

TEST_F(err, device_rejects_bad_parameter_data)
{
	struct qnn_cs_conv2d *c;
	struct cs_buf *sb;
	struct qnn_cs_scale *sc;

	good_job(self);
	c = conv(self);
	sb = cs_mem_buf(&self->mem, 8 * 8, 1);
	ASSERT_EQ(0, self->mem.err);
	sc = (struct qnn_cs_scale *)sb->dev;
	for (int i = 0; i < 8; i++) {
		sc[i].mult = 1;
		sc[i].shift = i == 5 ? 40 : 1;	/* shift > 31: bad data */
	}
	c->epi.flags |= QNN_CS_EPI_SCALE;
	c->epi.scale_va = sb->va;
	ASSERT_EQ(0, job_submit(self->fd, self->b, &self->mem, 0, &self->s));
	ASSERT_EQ(0, job_wait(self->fd, self->s.job_id, 20000, &self->w));
	EXPECT_EQ(DRM_QNN_JOB_INVALID_CMD, self->w.status);
	EXPECT_EQ(QNN_CS_ERR_PARAM, self->w.cs_error);
	EXPECT_EQ(CMD0, self->w.cs_offset);
	ASSERT_TRUE(still_healthy(self));
}

TEST_F(err, injected_mmu_fault)
{
	good_job(self);
	ASSERT_EQ(0, sim_knob(self->fd, "mmu_fault_next_job", 1));
	ASSERT_EQ(0, job_submit(self->fd, self->b, &self->mem, 0, &self->s));
	ASSERT_EQ(0, job_wait(self->fd, self->s.job_id, 20000, &self->w));
	EXPECT_EQ(DRM_QNN_JOB_MMU_FAULT, self->w.status);
	/* the device's first data access: the start of one of the job's BOs */
	{
		int found = 0;

		for (int i = 0; i < self->mem.n; i++)
			found |= self->mem.bufs[i].va == self->w.fault_addr;
		EXPECT_TRUE(found) TH_LOG("fault at %#llx",
					  (unsigned long long)self->w.fault_addr);
	}
	EXPECT_EQ(0, self->w.fault_flags);
	EXPECT_EQ(CMD0, self->w.cs_offset);
	ASSERT_TRUE(still_healthy(self));
}

TEST_F(err, corrupted_status)
{
	good_job(self);
	ASSERT_EQ(0, sim_knob(self->fd, "corrupt_next_status", 1));
	ASSERT_EQ(0, job_submit(self->fd, self->b, &self->mem, 0, &self->s));
	ASSERT_EQ(0, job_wait(self->fd, self->s.job_id, 20000, &self->w));
	EXPECT_EQ(DRM_QNN_JOB_DEVICE_ERROR, self->w.status);
	ASSERT_TRUE(still_healthy(self));
}

TEST_F_TIMEOUT(err, lost_irq_recovered, 120)
{
	unsigned int t = job_timeout_ms();

	good_job(self);
	ASSERT_EQ(0, sim_knob(self->fd, "drop_next_irq", 1));
	ASSERT_EQ(0, job_submit(self->fd, self->b, &self->mem, 0, &self->s));
	/* no interrupt: the timeout handler finds the finished record */
	ASSERT_EQ(0, job_wait(self->fd, self->s.job_id, 4 * t + 5000,
			      &self->w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, self->w.status);
	cs_gen_reference(&self->mem, self->b);
	EXPECT_GT(0, cs_gen_compare(&self->mem));
	ASSERT_TRUE(still_healthy(self));
}

TEST_F(err, wait_args)
{
	struct drm_qnn_wait w;
	uint64_t id;

	memset(&w, 0, sizeof(w));
	w.job_id = 1ULL << 40;
	EXPECT_EQ(-ENOENT, qnn_ioctl(self->fd, DRM_IOCTL_QNN_WAIT, &w));
	w.job_id = 0;	/* never a job id */
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_WAIT, &w));
	ASSERT_EQ(0, job_submit_empty(self->fd, &id));
	w.job_id = id;
	w.flags = 0x80;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_WAIT, &w));
	w.flags = 0;
	w.timeout_ns = -1;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_WAIT, &w));
	w.handle = 1;
	w.timeout_ns = 0;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_WAIT, &w));
	/* a BO wait with an unknown handle */
	w.job_id = 0;
	w.handle = 0xdead;
	w.flags = DRM_QNN_WAIT_BO;
	EXPECT_EQ(-ENOENT, qnn_ioctl(self->fd, DRM_IOCTL_QNN_WAIT, &w));
	/* the job's status is kept: wait twice, long after it ended */
	ASSERT_EQ(0, job_wait(self->fd, id, 20000, &self->w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, self->w.status);
	usleep(100000);
	ASSERT_EQ(0, job_wait(self->fd, id, 0, &self->w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, self->w.status);
	/* ids are per file: fd2 never handed out this one */
	{
		int fd2 = qnn_open();
		uint64_t id2;

		ASSERT_LE(0, fd2);
		ASSERT_EQ(0, job_submit_empty(fd2, &id2));
		ASSERT_EQ(0, job_submit_empty(fd2, &id2));
		w.job_id = id2 + 100;
		w.flags = 0;
		w.handle = 0;
		EXPECT_EQ(-ENOENT, qnn_ioctl(fd2, DRM_IOCTL_QNN_WAIT, &w));
		close(fd2);
	}
}

TEST_F(err, wait_bo_and_syncobj)
{
	uint32_t syncobj;
	uint64_t t0;

	good_job(self);
	ASSERT_EQ(0, drmSyncobjCreate(self->fd, 0, &syncobj));
	ASSERT_EQ(0, job_submit(self->fd, self->b, &self->mem, syncobj,
				&self->s));
	ASSERT_EQ(0, drmSyncobjWait(self->fd, &syncobj, 1,
				    job_now_ns() + 20000000000LL, 0, NULL));
	/* the output BO is idle now: a BO wait with no timeout succeeds */
	memset(&self->w, 0, sizeof(self->w));
	self->w.flags = DRM_QNN_WAIT_BO;
	self->w.handle = self->mem.bufs[self->mem.n - 1].handle;
	EXPECT_EQ(0, qnn_ioctl(self->fd, DRM_IOCTL_QNN_WAIT, &self->w));
	/* a job waiting on the syncobj runs after it */
	{
		struct drm_qnn_submit s2;

		t0 = self->s.job_id;
		good_job(self);
		ASSERT_EQ(0, job_submit(self->fd, self->b, &self->mem, 0, &s2));
		ASSERT_LT(t0, s2.job_id);
		ASSERT_EQ(0, job_wait(self->fd, s2.job_id, 20000, &self->w));
		EXPECT_EQ(DRM_QNN_JOB_COMPLETED, self->w.status);
	}
	drmSyncobjDestroy(self->fd, syncobj);
}

TEST_HARNESS_MAIN
