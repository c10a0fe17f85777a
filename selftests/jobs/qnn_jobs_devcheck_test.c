// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device checks every stream with its own decoder (qnn_sim_decode.c),
 * which shares no code with the driver's validator, so the two can be
 * compared (docs/cmdstream.md, "Validation"; issue 11, item 9):
 *  - random valid streams: both accept, and the device's cost equals the
 *    cost table of docs/cmdstream.md computed here;
 *  - thousands of mutated streams: SUBMIT's verdict (errno, cs_error,
 *    cs_offset) and the device's (debugfs check_stream: hardware status,
 *    detail, offset) agree; a validator bug shows up here as a
 *    disagreement.
 * And devices that advertise fewer ops or bits ("Device capabilities"),
 * created with new_device name=value knobs: streams within their caps run
 * bit-exact with cs_ref.c; a stream beyond them is refused at SUBMIT with
 * -EOPNOTSUPP, QNN_CS_ERR_UNSUPPORTED and the offending command's offset
 * (predicted by cs_ref_supported()), and by the device alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "job_util.h"
#include "cs_ref.h"

/* Hardware error codes (docs/hw-interface.md, "Errors"). */
#define HW_NONE		0
#define HW_BAD_OPCODE	2
#define HW_TRUNCATED	3
#define HW_BAD_SHAPE	4
#define HW_BAD_CMD	7

#define SIM_DRV	"/sys/bus/platform/drivers/qnn_sim/"
#define SIM_ID	6	/* the reduced device this test creates */

struct verdict {
	unsigned int status, detail, offset;
	unsigned long long ops;
};

/* The device's verdict on @len bytes of stream (debugfs check_stream). */
static int dev_check(int fd, const void *buf, size_t len, struct verdict *v)
{
	char parent[64], path[256], text[96];
	ssize_t n;
	int f, ret;

	ret = qnn_parent_name(fd, parent, sizeof(parent));
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/kernel/debug/qnn_sim/%s/check_stream",
		 parent);
	f = open(path, O_WRONLY);
	if (f < 0)
		return -errno;
	n = write(f, buf, len);
	ret = n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
	close(f);
	if (ret)
		return ret;
	f = open(path, O_RDONLY);
	if (f < 0)
		return -errno;
	n = read(f, text, sizeof(text) - 1);
	close(f);
	if (n <= 0)
		return -EIO;
	text[n] = 0;
	return sscanf(text, "%u %u %u %llu", &v->status, &v->detail,
		      &v->offset, &v->ops) == 4 ? 0 : -EIO;
}

/* The hardware status docs/hw-interface.md gives for a stream error. */
static unsigned int hw_status(unsigned int cs_err)
{
	switch (cs_err) {
	case QNN_CS_OK:
		return HW_NONE;
	case QNN_CS_ERR_OPCODE:
		return HW_BAD_OPCODE;
	case QNN_CS_ERR_TRUNCATED:
		return HW_TRUNCATED;
	case QNN_CS_ERR_SHAPE:
	case QNN_CS_ERR_LIMIT:
	case QNN_CS_ERR_UNSUPPORTED:
		return HW_BAD_SHAPE;
	default:
		return HW_BAD_CMD;
	}
}

static uint64_t elems(const struct qnn_cs_tensor *t)
{
	return (uint64_t)t->n * t->h * t->w * t->c;
}

/* docs/cmdstream.md, "Cost", for one valid command. */
static uint64_t cost_of(const void *cmd)
{
	const struct qnn_cs_conv2d *cv = cmd;
	const struct qnn_cs_maxpool *p = cmd;

	switch (cv->hdr.op) {
	case QNN_CS_OP_CONV2D:
	case QNN_CS_OP_DENSE:
		return elems(&cv->out) * cv->weights.h * cv->weights.w *
		       cv->in.c * cv->in.bits * cv->weights.bits;
	case QNN_CS_OP_MAXPOOL:
		return elems(&p->out) * p->kh * p->kw;
	case QNN_CS_OP_ADD:
	case QNN_CS_OP_GLOBAL_AVGPOOL:
	case QNN_CS_OP_TRANSFORM:
		return elems(&p->in);	/* the first tensor is at 8 in all */
	}
	return 0;
}

static const struct qnn_cs_cmd *cmd_at(const struct cs_builder *b,
				       uint32_t off)
{
	return (const struct qnn_cs_cmd *)((const uint8_t *)b->buf + off);
}

/* SUBMIT the stream of @b as it is (@len bytes, every buffer listed). */
static int submit_raw(int fd, const struct cs_builder *b, uint32_t len,
		      const struct cs_mem *m, struct drm_qnn_submit *s)
{
	struct drm_qnn_bo_ref refs[CS_MAX_BUFS];

	for (int i = 0; i < m->n; i++) {
		refs[i].handle = m->bufs[i].handle;
		refs[i].flags = DRM_QNN_BO_REF_READ |
				(m->bufs[i].ro ? 0 : DRM_QNN_BO_REF_WRITE);
	}
	memset(s, 0, sizeof(*s));
	s->cmds = (uintptr_t)b->buf;
	s->cmds_size = len;
	s->bos = (uintptr_t)refs;
	s->bo_count = m->n;
	return qnn_ioctl(fd, DRM_IOCTL_QNN_SUBMIT, s);
}

FIXTURE(dc) {
	int fd;
	struct cs_mem mem;
	struct cs_builder *b, *mut;
	struct drm_qnn_submit s;
	struct drm_qnn_wait w;
};

FIXTURE_SETUP(dc)
{
	self->fd = qnn_open();
	ASSERT_LE(0, self->fd);
	job_mem_init(&self->mem, &self->fd, 0xdec0de);
	self->b = calloc(1, sizeof(*self->b));
	self->mut = calloc(1, sizeof(*self->mut));
	ASSERT_NE(NULL, self->b);
	ASSERT_NE(NULL, self->mut);
}

FIXTURE_TEARDOWN(dc)
{
	cs_mem_reset(&self->mem);
	free(self->b);
	free(self->mut);
	close(self->fd);
}

static void random_stream(FIXTURE_DATA(dc) *self)
{
	int cmds = 1 + (int)(cs_rnd(&self->mem) % 3);

	cs_mem_reset(&self->mem);
	csb_init(self->b);
	for (int k = 0; k < cmds; k++)
		cs_gen_any(&self->mem, self->b);
	csb_finish(self->b);
}

TEST_F_TIMEOUT(dc, valid_streams_same_verdict_and_cost, 240)
{
	for (int i = 0; i < 30; i++) {
		struct verdict v;
		uint64_t cost = 0;
		uint32_t off = sizeof(struct qnn_cs_header);

		random_stream(self);
		ASSERT_EQ(0, self->mem.err);
		for (uint32_t k = 0; k < self->b->ncmds; k++) {
			cost += cost_of(cmd_at(self->b, off));
			off += cmd_at(self->b, off)->size;
		}
		ASSERT_EQ(0, dev_check(self->fd, self->b->buf, self->b->len,
				       &v));
		EXPECT_EQ(HW_NONE, v.status) TH_LOG("stream %d: device says %u/%u at %u",
						    i, v.status, v.detail, v.offset);
		EXPECT_EQ(cost, v.ops);
		ASSERT_EQ(0, job_submit(self->fd, self->b, &self->mem, 0,
					&self->s));
		ASSERT_EQ(0, job_wait(self->fd, self->s.job_id, 20000,
				      &self->w));
		ASSERT_EQ(DRM_QNN_JOB_COMPLETED, self->w.status);
		EXPECT_EQ(cost, self->w.binops);
		cs_gen_reference(&self->mem, self->b);
		ASSERT_GT(0, cs_gen_compare(&self->mem));
	}
}

/* Change one thing of the stream in self->mut; returns its new length. */
static uint32_t mutate(FIXTURE_DATA(dc) *self, char *what, size_t wlen)
{
	static const uint32_t odd[] = {
		0, 1, 2, 3, 4, 7, 8, 9, 16, 17, 64, 255, 256, 8192, 8193,
		16384, 16385, 65535, 0x7fffffff, 0x80000000, 0xffffffff,
	};
	struct cs_mem *m = &self->mem;
	uint8_t *p = (uint8_t *)self->mut->buf;
	uint32_t len = self->b->len, at, val;

	memcpy(self->mut->buf, self->b->buf, len);
	switch (cs_rnd(m) % 8) {
	case 0:	/* one random byte */
		at = (uint32_t)(cs_rnd(m) % len);
		val = (uint8_t)cs_rnd(m);
		p[at] = (uint8_t)val;
		snprintf(what, wlen, "byte %u = %#x", at, val);
		break;
	case 1:	/* the length the kernel is given */
		len += cs_rnd(m) & 1 ? 8 : -8u;
		if (len < sizeof(struct qnn_cs_header))
			len = sizeof(struct qnn_cs_header);
		snprintf(what, wlen, "length %u", len);
		break;
	case 2:
	case 3:	/* a 16-bit field */
		at = (uint32_t)(cs_rnd(m) % (len / 2)) * 2;
		val = odd[cs_rnd(m) % ARRAY_SIZE(odd)] & 0xffff;
		memcpy(p + at, &(uint16_t){ (uint16_t)val }, 2);
		snprintf(what, wlen, "u16 at %u = %u", at, val);
		break;
	default:	/* a 32-bit field */
		at = (uint32_t)(cs_rnd(m) % (len / 4)) * 4;
		val = odd[cs_rnd(m) % ARRAY_SIZE(odd)];
		memcpy(p + at, &val, 4);
		snprintf(what, wlen, "u32 at %u = %#x", at, val);
		break;
	}
	return len;
}

/*
 * SUBMIT and the device judge the same mutated streams. Where SUBMIT
 * refuses a command for its BO ranges (ADDRESS, which the device leaves
 * to its MMU), the device may only find fault at that command or later.
 */
TEST_F_TIMEOUT(dc, mutated_streams_same_verdict, 280)
{
	int agree = 0, refused = 0, ran = 0;

	for (int i = 0; i < 250; i++) {
		random_stream(self);
		ASSERT_EQ(0, self->mem.err);
		for (int k = 0; k < 8; k++) {
			char what[64];
			uint32_t len = mutate(self, what, sizeof(what));
			struct verdict v;
			int ret;

			ret = submit_raw(self->fd, self->mut, len, &self->mem,
					 &self->s);
			ASSERT_EQ(0, dev_check(self->fd, self->mut->buf, len,
					       &v));
			if (ret == 0) {
				/* ran: let it end before the next one */
				ASSERT_EQ(0, job_wait(self->fd, self->s.job_id,
						      20000, &self->w));
				ASSERT_TRUE(self->w.status == DRM_QNN_JOB_COMPLETED ||
					    (self->w.status == DRM_QNN_JOB_INVALID_CMD &&
					     self->w.cs_error == QNN_CS_ERR_PARAM))
					TH_LOG("%s: status %u cs_error %u", what,
					       self->w.status, self->w.cs_error);
				ASSERT_EQ(HW_NONE, v.status)
					TH_LOG("%s: SUBMIT accepted, device says %u/%u at %u",
					       what, v.status, v.detail, v.offset);
				ran++;
				continue;
			}
			ASSERT_TRUE(ret == -EINVAL || ret == -EOPNOTSUPP)
				TH_LOG("%s: SUBMIT %d", what, ret);
			ASSERT_EQ(ret == -EOPNOTSUPP,
				  self->s.cs_error == QNN_CS_ERR_UNSUPPORTED);
			refused++;
			if (self->s.cs_error == QNN_CS_ERR_ADDRESS &&
			    (v.status == HW_NONE || v.offset > self->s.cs_offset ||
			     (v.offset == self->s.cs_offset &&
			      v.detail != QNN_CS_ERR_ADDRESS)))
				continue;	/* range: the MMU's job */
			ASSERT_EQ(self->s.cs_error, v.detail)
				TH_LOG("%s: SUBMIT %u at %u, device %u at %u",
				       what, self->s.cs_error, self->s.cs_offset,
				       v.detail, v.offset);
			ASSERT_EQ(self->s.cs_offset, v.offset) TH_LOG("%s", what);
			ASSERT_EQ(hw_status(v.detail), v.status) TH_LOG("%s", what);
			agree++;
		}
	}
	TH_LOG("%d refused (%d with the same code and offset), %d ran",
	       refused, agree, ran);
	EXPECT_LT(1000, agree);
	EXPECT_LT(20, ran);
}

/* --- devices advertising fewer ops or bits ----------------------------- */


/* Open the accel node of qnn_sim.<id>, or -ENODEV. */
static int open_sim(unsigned int id)
{
	char want[32];

	snprintf(want, sizeof(want), "qnn_sim.%u", id);
	return qnn_open_by_parent(want);
}

TEST(new_device_knobs_checked)
{
	static const char *const bad[] = {
		"6 ops=0x100", "6 max_act_bits=0", "6 max_weight_bits=9",
		"6 bogus=1", "6 ops", "6 ops=x", "6 queue_depth=3",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, qnn_write_file(SIM_DRV "new_device", bad[i]))
			TH_LOG("%s", bad[i]);
	}
	EXPECT_EQ(-ENODEV, open_sim(SIM_ID));
}

FIXTURE(caps) {
	int fd;
	struct cs_mem mem;
	struct cs_caps caps;
	struct cs_builder *b;
	struct drm_qnn_submit s;
	struct drm_qnn_wait w;
};

FIXTURE_VARIANT(caps) {
	uint32_t ops;
	uint8_t wbits, abits;
};

/* bconv2d, bdense, threshold, maxpool: a binary-only device */
FIXTURE_VARIANT_ADD(caps, binary_only) {
	.ops = 0x2b, .wbits = 1, .abits = 1,
};

/* every op but thresholds and residual add, W2A4 at most */
FIXTURE_VARIANT_ADD(caps, w2a4_no_threshold_no_add) {
	.ops = 0xb7, .wbits = 2, .abits = 4,
};

/* multi-bit convolutions with a plain int32 output stage only */
FIXTURE_VARIANT_ADD(caps, conv_only) {
	.ops = 0x07, .wbits = 8, .abits = 8,
};

/* nothing: only NOP and TRANSFORM to int32 of 1-bit or int32 data */
FIXTURE_VARIANT_ADD(caps, no_ops) {
	.ops = 0, .wbits = 1, .abits = 1,
};

FIXTURE_SETUP(caps)
{
	char arg[96];
	uint64_t v;

	qnn_write_file(SIM_DRV "del_device", "6");
	snprintf(arg, sizeof(arg), "%d ops=%#x max_weight_bits=%u max_act_bits=%u",
		 SIM_ID, variant->ops, variant->wbits, variant->abits);
	ASSERT_EQ(0, qnn_write_file(SIM_DRV "new_device", arg)) TH_LOG("%s", arg);
	self->fd = open_sim(SIM_ID);
	ASSERT_LE(0, self->fd);
	self->caps.ops = variant->ops;
	self->caps.wbits = variant->wbits;
	self->caps.abits = variant->abits;
	job_mem_init(&self->mem, &self->fd, 0xca95 + variant->ops);
	self->b = calloc(1, sizeof(*self->b));
	ASSERT_NE(NULL, self->b);
	/* the device advertises what it was given */
	ASSERT_EQ(0, qnn_get_param(self->fd, DRM_QNN_PARAM_OPS, &v));
	ASSERT_EQ(variant->ops, v);
	ASSERT_EQ(0, qnn_get_param(self->fd, DRM_QNN_PARAM_MAX_WEIGHT_BITS, &v));
	ASSERT_EQ(variant->wbits, v);
	ASSERT_EQ(0, qnn_get_param(self->fd, DRM_QNN_PARAM_MAX_ACT_BITS, &v));
	ASSERT_EQ(variant->abits, v);
}

FIXTURE_TEARDOWN(caps)
{
	cs_mem_reset(&self->mem);
	free(self->b);
	if (self->fd >= 0)
		close(self->fd);
	EXPECT_EQ(0, qnn_write_file(SIM_DRV "del_device", "6"));
}

static void caps_stream(FIXTURE_DATA(caps) *self, const struct cs_caps *caps)
{
	int cmds = 1 + (int)(cs_rnd(&self->mem) % 3);

	cs_mem_reset(&self->mem);
	self->mem.caps = caps;
	csb_init(self->b);
	for (int k = 0; k < cmds; k++)
		cs_gen_any(&self->mem, self->b);
	csb_finish(self->b);
}

/* Offset of the first command the device cannot run, 0 if none. */
static uint32_t first_unsupported(const struct cs_builder *b,
				  const struct cs_caps *c)
{
	uint32_t off = sizeof(struct qnn_cs_header);

	for (uint32_t k = 0; k < b->ncmds; k++) {
		const struct qnn_cs_cmd *cmd = cmd_at(b, off);

		if (!cs_ref_supported(cmd, c->ops, c->wbits, c->abits))
			return off;
		off += cmd->size;
	}
	return 0;
}

TEST_F_TIMEOUT(caps, within_caps_run_bit_exact, 240)
{
	for (int i = 0; i < 20; i++) {
		struct verdict v;

		caps_stream(self, &self->caps);
		ASSERT_EQ(0, self->mem.err);
		ASSERT_EQ(0, first_unsupported(self->b, &self->caps))
			TH_LOG("the generator left the caps");
		ASSERT_EQ(0, job_submit(self->fd, self->b, &self->mem, 0,
					&self->s))
			TH_LOG("stream %d: cs_error %u at %u", i,
			       self->s.cs_error, self->s.cs_offset);
		ASSERT_EQ(0, job_wait(self->fd, self->s.job_id, 20000,
				      &self->w));
		ASSERT_EQ(DRM_QNN_JOB_COMPLETED, self->w.status)
			TH_LOG("cs_error %u at %u", self->w.cs_error,
			       self->w.cs_offset);
		cs_gen_reference(&self->mem, self->b);
		ASSERT_GT(0, cs_gen_compare(&self->mem));
		ASSERT_EQ(0, dev_check(self->fd, self->b->buf, self->b->len,
				       &v));
		EXPECT_EQ(HW_NONE, v.status);
	}
}

TEST_F_TIMEOUT(caps, beyond_caps_refused, 240)
{
	int refused = 0;

	for (int i = 0; i < 60; i++) {
		uint32_t bad;
		struct verdict v;
		int ret;

		caps_stream(self, NULL);	/* any op, any width */
		ASSERT_EQ(0, self->mem.err);
		bad = first_unsupported(self->b, &self->caps);
		ret = job_submit(self->fd, self->b, &self->mem, 0, &self->s);
		ASSERT_EQ(0, dev_check(self->fd, self->b->buf, self->b->len,
				       &v));
		if (!bad) {
			ASSERT_EQ(0, ret);
			ASSERT_EQ(0, job_wait(self->fd, self->s.job_id, 20000,
					      &self->w));
			EXPECT_EQ(DRM_QNN_JOB_COMPLETED, self->w.status);
			EXPECT_EQ(HW_NONE, v.status);
			continue;
		}
		refused++;
		ASSERT_EQ(-EOPNOTSUPP, ret) TH_LOG("stream %d", i);
		EXPECT_EQ(QNN_CS_ERR_UNSUPPORTED, self->s.cs_error);
		EXPECT_EQ(bad, self->s.cs_offset);
		EXPECT_EQ(0, self->s.job_id);
		/* the device refuses it as well */
		EXPECT_EQ(HW_BAD_SHAPE, v.status);
		EXPECT_EQ(QNN_CS_ERR_UNSUPPORTED, v.detail);
		EXPECT_EQ(bad, v.offset);
	}
	EXPECT_LT(5, refused);
}

TEST_HARNESS_MAIN
