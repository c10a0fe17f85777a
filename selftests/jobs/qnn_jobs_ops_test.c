// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every device op, run as a job on qnn_sim and compared bit for bit with
 * the independent element-wise reference in cs_ref.c (docs/cmdstream.md):
 * binary dense, binary 3x3 conv with padding and stride, W2A2, W4A4,
 * thresholds, max-pool, residual add, global average pool, a chained
 * multi-layer job, and a batch of random jobs of every kind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "job_util.h"

/* Submit, wait, compare with the reference; returns a failure text or NULL. */
static const char *run_and_check(int fd, struct cs_mem *m,
				 struct cs_builder *b,
				 struct drm_qnn_wait *w)
{
	static char why[160];
	struct drm_qnn_submit s;
	int ret, d;

	if (m->err) {
		snprintf(why, sizeof(why), "allocation failed: %d", m->err);
		return why;
	}
	ret = job_submit(fd, b, m, 0, &s);
	if (ret) {
		snprintf(why, sizeof(why), "SUBMIT: %d (cs_error %u at %u)",
			 ret, s.cs_error, s.cs_offset);
		return why;
	}
	ret = job_wait(fd, s.job_id, 20000, w);
	if (ret || w->status != DRM_QNN_JOB_COMPLETED) {
		snprintf(why, sizeof(why),
			 "WAIT: %d status %u cs_error %u offset %u fault %#llx",
			 ret, w->status, w->cs_error, w->cs_offset,
			 (unsigned long long)w->fault_addr);
		return why;
	}
	cs_gen_reference(m, b);
	d = cs_gen_compare(m);
	if (d >= 0) {
		snprintf(why, sizeof(why),
			 "buffer %d (va %#llx) differs from the reference", d,
			 (unsigned long long)m->bufs[d].va);
		return why;
	}
	return NULL;
}

FIXTURE(jobs) {
	int fd;
	struct cs_mem mem;
	struct cs_builder *b;
	struct drm_qnn_wait w;
};

FIXTURE_SETUP(jobs)
{
	self->fd = qnn_open();
	ASSERT_LE(0, self->fd);
	job_mem_init(&self->mem, &self->fd, 0x5eed + self->fd);
	self->b = calloc(1, sizeof(*self->b));
	ASSERT_NE(NULL, self->b);
	csb_init(self->b);
}

FIXTURE_TEARDOWN(jobs)
{
	cs_mem_reset(&self->mem);
	free(self->b);
	close(self->fd);
}

static const char *conv_case(FIXTURE_DATA(jobs) *self,
			     const struct cs_conv_spec *s, int reps)
{
	const char *why = NULL;

	for (int i = 0; i < reps && !why; i++) {
		cs_mem_reset(&self->mem);
		csb_init(self->b);
		cs_gen_conv(&self->mem, self->b, s);
		why = run_and_check(self->fd, &self->mem, self->b, &self->w);
	}
	return why;
}

TEST_F_TIMEOUT(jobs, binary_dense, 120)
{
	struct cs_conv_spec s = {
		.a = { QNN_CS_ENC_BIPOLAR, 1 }, .w = { QNN_CS_ENC_BIPOLAR, 1 },
		.dense = 1, .n = 2, .h = 1, .w_ = 1, .c = 1000, .oc = 10,
		.mode = QNN_CS_OUT_INT32,
	};
	const char *why = conv_case(self, &s, 3);

	ASSERT_EQ(NULL, why) TH_LOG("%s", why);
	/* perf counters: N x OC x K 1-bit MACs */
	EXPECT_EQ(2ULL * 10 * 1000, self->w.binops);
	EXPECT_LT(0, self->w.cycles);
	EXPECT_LT(0, self->w.bytes_read);
	EXPECT_EQ(2ULL * 10 * 4, self->w.bytes_written);
}

TEST_F_TIMEOUT(jobs, binary_conv3x3_pad_stride, 120)
{
	struct cs_conv_spec s = {
		.a = { QNN_CS_ENC_BIPOLAR, 1 }, .w = { QNN_CS_ENC_BIPOLAR, 1 },
		.k = 3, .stride = 2, .pad = 1, .pad_set = 1, .zero_pad = 1,
		.n = 1, .h = 9, .w_ = 11, .c = 96, .oc = 16,
		.mode = QNN_CS_OUT_INT32,
	};
	const char *why = conv_case(self, &s, 2);

	ASSERT_EQ(NULL, why) TH_LOG("%s", why);
	/* one-padding (no ZERO_PAD) gives different sums: also checked */
	s.zero_pad = 0;
	why = conv_case(self, &s, 2);
	ASSERT_EQ(NULL, why) TH_LOG("one-padding: %s", why);
}

TEST_F_TIMEOUT(jobs, w2a2, 120)
{
	struct cs_conv_spec s = {
		.a = { QNN_CS_ENC_UNSIGNED, 2 }, .w = { QNN_CS_ENC_SIGNED, 2 },
		.k = 3, .stride = 1, .pad = 1, .pad_set = 1, .zero_pad = 0,
		.n = 1, .h = 6, .w_ = 6, .c = 64, .oc = 8,
		.mode = QNN_CS_OUT_INT32,
	};
	const char *why = conv_case(self, &s, 2);

	ASSERT_EQ(NULL, why) TH_LOG("%s", why);
	EXPECT_EQ(1ULL * 6 * 6 * 8 * 9 * 64 * 2 * 2, self->w.binops);
	s.a.enc = QNN_CS_ENC_BIPOLAR_BRANCHES;
	s.mode = QNN_CS_OUT_REQUANT;
	why = conv_case(self, &s, 2);
	ASSERT_EQ(NULL, why) TH_LOG("branches, requant: %s", why);
}

TEST_F_TIMEOUT(jobs, w4a4, 120)
{
	struct cs_conv_spec s = {
		.a = { QNN_CS_ENC_UNSIGNED, 4 }, .w = { QNN_CS_ENC_SIGNED, 4 },
		.k = 3, .stride = 1, .pad = 1, .pad_set = 1, .zero_pad = 0,
		.n = 1, .h = 5, .w_ = 5, .c = 80, .oc = 12,
		.mode = QNN_CS_OUT_REQUANT,
	};
	const char *why = conv_case(self, &s, 3);

	ASSERT_EQ(NULL, why) TH_LOG("%s", why);
}

TEST_F_TIMEOUT(jobs, thresholds, 120)
{
	struct cs_conv_spec s = {
		.a = { QNN_CS_ENC_BIPOLAR, 1 }, .w = { QNN_CS_ENC_BIPOLAR, 1 },
		.k = 3, .stride = 1, .pad = 1, .pad_set = 1, .zero_pad = 1,
		.n = 1, .h = 6, .w_ = 6, .c = 70, .oc = 70,
		.mode = QNN_CS_OUT_THRESHOLD,
	};
	const char *why = conv_case(self, &s, 6);

	ASSERT_EQ(NULL, why) TH_LOG("%s", why);
}

TEST_F_TIMEOUT(jobs, maxpool, 120)
{
	const char *why = NULL;

	for (int enc = 1; enc <= 4 && !why; enc++) {
		struct cs_enc e = { (uint8_t)enc, 0 };

		cs_mem_reset(&self->mem);
		csb_init(self->b);
		cs_gen_pool(&self->mem, self->b, e);
		why = run_and_check(self->fd, &self->mem, self->b, &self->w);
	}
	ASSERT_EQ(NULL, why) TH_LOG("%s", why);
}

TEST_F_TIMEOUT(jobs, residual_add, 120)
{
	const char *why = NULL;

	for (int i = 0; i < 6 && !why; i++) {
		cs_mem_reset(&self->mem);
		csb_init(self->b);
		cs_gen_add(&self->mem, self->b);
		why = run_and_check(self->fd, &self->mem, self->b, &self->w);
	}
	ASSERT_EQ(NULL, why) TH_LOG("%s", why);
}

TEST_F_TIMEOUT(jobs, global_avgpool_and_transform, 120)
{
	const char *why = NULL;

	for (int i = 0; i < 6 && !why; i++) {
		cs_mem_reset(&self->mem);
		csb_init(self->b);
		cs_gen_unary(&self->mem, self->b, i & 1);
		why = run_and_check(self->fd, &self->mem, self->b, &self->w);
	}
	ASSERT_EQ(NULL, why) TH_LOG("%s", why);
}

/*
 * A small binary network in one job, each layer reading what the previous
 * one wrote: conv3x3 (thresholds -> +-1) -> max-pool 2x2 -> conv3x3 with
 * 2-bit weights (int32) -> residual add (requantized to 4 bits) -> global
 * average pool (int32).
 */
TEST_F_TIMEOUT(jobs, chained_multilayer, 120)
{
	struct cs_mem *m = &self->mem;
	struct cs_builder *b = self->b;
	struct qnn_cs_conv2d *c1, *c2;
	struct qnn_cs_maxpool *p;
	struct qnn_cs_add *a;
	struct qnn_cs_unary *g;
	const char *why;

	c1 = csb_add(b, QNN_CS_OP_CONV2D, sizeof(*c1));
	c1->hdr.flags = QNN_CS_CMD_ZERO_PAD;
	c1->in = cs_bits(0, 1, 8, 8, 64, QNN_CS_ENC_BIPOLAR, 1);
	cs_gen_tensor_in(m, &c1->in);
	c1->weights = cs_bits(0, 32, 3, 3, 64, QNN_CS_ENC_BIPOLAR, 1);
	cs_gen_tensor_in(m, &c1->weights);
	c1->stride_h = c1->stride_w = c1->dil_h = c1->dil_w = 1;
	c1->pad_top = c1->pad_left = c1->pad_bottom = c1->pad_right = 1;
	c1->epi.mode = QNN_CS_OUT_THRESHOLD;
	cs_gen_epi(m, QNN_CS_OUT_THRESHOLD, &c1->epi, &c1->out, 1, 8, 8, 32,
		   64);
	/* force a +-1 output whatever gen_epi picked */
	if (c1->out.encoding != QNN_CS_ENC_BIPOLAR) {
		c1->out = cs_bits(0, 1, 8, 8, 32, QNN_CS_ENC_BIPOLAR, 1);
		c1->epi.thresh_va = cs_mem_buf(m, 32 * 4, 1)->va;
		cs_gen_tensor_out(m, &c1->out);
	}

	p = csb_add(b, QNN_CS_OP_MAXPOOL, sizeof(*p));
	p->in = c1->out;
	p->out = cs_bits(0, 1, 4, 4, 32, QNN_CS_ENC_BIPOLAR, 1);
	cs_gen_tensor_out(m, &p->out);
	p->kh = p->kw = p->stride_h = p->stride_w = 2;

	c2 = csb_add(b, QNN_CS_OP_CONV2D, sizeof(*c2));
	c2->in = p->out;
	c2->weights = cs_bits(0, 32, 3, 3, 32, QNN_CS_ENC_SIGNED, 2);
	cs_gen_tensor_in(m, &c2->weights);
	c2->stride_h = c2->stride_w = c2->dil_h = c2->dil_w = 1;
	c2->pad_top = c2->pad_left = c2->pad_bottom = c2->pad_right = 1;
	c2->out = cs_int32(0, 1, 4, 4, 32);
	cs_gen_tensor_out(m, &c2->out);
	c2->epi.mode = QNN_CS_OUT_INT32;

	a = csb_add(b, QNN_CS_OP_ADD, sizeof(*a));
	a->a = c2->out;
	a->b = cs_int32(0, 1, 4, 4, 32);
	cs_gen_tensor_in(m, &a->b);
	a->out = cs_bits(0, 1, 4, 4, 32, QNN_CS_ENC_UNSIGNED, 4);
	cs_gen_tensor_out(m, &a->out);
	a->epi.mode = QNN_CS_OUT_REQUANT;
	a->epi.flags = QNN_CS_EPI_SCALE;
	a->epi.scale_va = cs_mem_buf(m, 32 * 8, 1)->va;
	for (int i = 0; !m->err && i < 32; i++) {
		struct qnn_cs_scale sc = { .mult = 1, .shift = 6 };

		memcpy(m->bufs[m->n - 1].dev + i * 8, &sc, 8);
		memcpy(m->bufs[m->n - 1].ref + i * 8, &sc, 8);
	}

	g = csb_add(b, QNN_CS_OP_GLOBAL_AVGPOOL, sizeof(*g));
	g->in = a->out;
	g->out = cs_int32(0, 1, 1, 1, 32);
	cs_gen_tensor_out(m, &g->out);
	g->epi.mode = QNN_CS_OUT_INT32;

	why = run_and_check(self->fd, m, b, &self->w);
	ASSERT_EQ(NULL, why) TH_LOG("%s", why);
}

TEST_F_TIMEOUT(jobs, random_jobs, 280)
{
	const char *why = NULL;
	int i;

	for (i = 0; i < 60 && !why; i++) {
		int cmds = 1 + (int)(cs_rnd(&self->mem) % 3);

		cs_mem_reset(&self->mem);
		csb_init(self->b);
		for (int k = 0; k < cmds; k++)
			cs_gen_any(&self->mem, self->b);
		why = run_and_check(self->fd, &self->mem, self->b, &self->w);
	}
	ASSERT_EQ(NULL, why) TH_LOG("job %d: %s", i - 1, why);
}

TEST_HARNESS_MAIN
