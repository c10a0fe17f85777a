// SPDX-License-Identifier: GPL-2.0-only
/*
 * qnn_sim loaded with module parameters for two reduced devices
 * (num_devices=2 ops=0x2b max_weight_bits=1 max_act_bits=1: a binary-only
 * accelerator, docs/uapi.md "qnn_sim module parameters"): both are found
 * by driver name, told apart by their parent device, advertise exactly
 * those capabilities, run what fits bit-exact with cs_ref.c, and refuse a
 * multi-bit convolution and a residual add with -EOPNOTSUPP and
 * QNN_CS_ERR_UNSUPPORTED at SUBMIT and at CMDS_CREATE. (The new_device
 * route to reduced caps is qnn_jobs_devcheck_test's.) Leaves qnn_sim
 * loaded with default parameters.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "job_util.h"

#define OPS	0x2bu	/* bconv2d, bdense, threshold, maxpool */

/* Every qnn device, by driver name (never a fixed path): how many. */
static int open_all_qnn(int *fds, char names[][64], int max)
{
	int n = 0;

	for (int minor = 0; minor < 64 && n < max; minor++) {
		char path[32];
		int fd;

		snprintf(path, sizeof(path), "/dev/accel/accel%d", minor);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (qnn_is_qnn_fd(fd) &&
		    !qnn_parent_name(fd, names[n], sizeof(names[n])))
			fds[n++] = fd;
		else
			close(fd);
	}
	return n;
}

FIXTURE(simcaps) {
	int fds[4];
	char names[4][64];
	int n;
	struct cs_builder *b;
};

FIXTURE_SETUP(simcaps)
{
	ASSERT_EQ(0, sh("rmmod qnn_sim"));
	ASSERT_EQ(0, sh("insmod /lib/modules/qnn/qnn_sim.ko num_devices=2 ops=0x2b max_weight_bits=1 max_act_bits=1"));
	self->n = open_all_qnn(self->fds, self->names, 4);
	self->b = calloc(1, sizeof(*self->b));
	ASSERT_NE(NULL, self->b);
}

FIXTURE_TEARDOWN(simcaps)
{
	for (int i = 0; i < self->n; i++)
		close(self->fds[i]);
	free(self->b);
	sh("rmmod qnn_sim");
	EXPECT_EQ(0, sh("insmod /lib/modules/qnn/qnn_sim.ko"));
}

TEST_F(simcaps, two_devices_found_by_name_with_the_caps_given)
{
	uint64_t v;

	ASSERT_EQ(2, self->n);
	/* told apart by parent, not by anything the driver reports */
	EXPECT_STRNE(self->names[0], self->names[1]);
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(0, strncmp(self->names[i], "qnn_sim.", 8));
		ASSERT_EQ(0, qnn_get_param(self->fds[i], DRM_QNN_PARAM_OPS, &v));
		EXPECT_EQ(OPS, v);
		ASSERT_EQ(0, qnn_get_param(self->fds[i],
					   DRM_QNN_PARAM_MAX_WEIGHT_BITS, &v));
		EXPECT_EQ(1, v);
		ASSERT_EQ(0, qnn_get_param(self->fds[i],
					   DRM_QNN_PARAM_MAX_ACT_BITS, &v));
		EXPECT_EQ(1, v);
	}
}

/* SUBMIT and CMDS_CREATE of @b/@m on @fd: both -EOPNOTSUPP at the 1st cmd. */
static void expect_refused(struct __test_metadata *_metadata, int fd,
			   struct cs_builder *b, struct cs_mem *m)
{
	struct drm_qnn_bo_ref refs[CS_MAX_BUFS];
	struct drm_qnn_cmds_create c = { 0 };
	struct drm_qnn_submit s;

	ASSERT_EQ(0, m->err);
	EXPECT_EQ(-EOPNOTSUPP, job_submit(fd, b, m, 0, &s));
	EXPECT_EQ(QNN_CS_ERR_UNSUPPORTED, s.cs_error);
	EXPECT_EQ(sizeof(struct qnn_cs_header), s.cs_offset);
	EXPECT_EQ(0, s.job_id);
	for (int i = 0; i < m->n; i++) {
		refs[i].handle = m->bufs[i].handle;
		refs[i].flags = DRM_QNN_BO_REF_READ |
				(m->bufs[i].ro ? 0 : DRM_QNN_BO_REF_WRITE);
	}
	c.cmds = (uintptr_t)b->buf;
	c.cmds_size = csb_finish(b);
	c.bos = (uintptr_t)refs;
	c.bo_count = m->n;
	EXPECT_EQ(-EOPNOTSUPP, qnn_ioctl(fd, DRM_IOCTL_QNN_CMDS_CREATE, &c));
	EXPECT_EQ(QNN_CS_ERR_UNSUPPORTED, c.cs_error);
	EXPECT_EQ(0, c.handle);
}

TEST_F(simcaps, beyond_caps_refused_within_caps_exact_on_both)
{
	struct cs_conv_spec w2a2 = {
		.a = { QNN_CS_ENC_UNSIGNED, 2 }, .w = { QNN_CS_ENC_SIGNED, 2 },
		.k = 3, .stride = 1, .pad = 1, .pad_set = 1,
		.n = 1, .h = 4, .w_ = 4, .c = 64, .oc = 8,
		.mode = QNN_CS_OUT_INT32,
	};
	const struct cs_caps caps = { .ops = OPS, .wbits = 1, .abits = 1 };

	ASSERT_EQ(2, self->n);
	for (int i = 0; i < 2; i++) {
		int fd = self->fds[i];
		struct drm_qnn_submit s;
		struct drm_qnn_wait w;
		struct cs_mem m;

		job_mem_init(&m, &self->fds[i], 40 + i);
		/* 2-bit weights and activations: beyond max_*_bits=1 */
		csb_init(self->b);
		cs_gen_conv(&m, self->b, &w2a2);
		expect_refused(_metadata, fd, self->b, &m);
		/* residual add: an op the device lacks */
		cs_mem_reset(&m);
		csb_init(self->b);
		cs_gen_add(&m, self->b);
		expect_refused(_metadata, fd, self->b, &m);
		/* a binary conv (output stage within the caps too) fits */
		m.caps = &caps;
		job_small_conv(&m, self->b);
		ASSERT_EQ(0, m.err);
		ASSERT_EQ(0, job_submit(fd, self->b, &m, 0, &s))
			TH_LOG("%s: cs_error %u", self->names[i], s.cs_error);
		ASSERT_EQ(0, job_wait(fd, s.job_id, 20000, &w));
		ASSERT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
		cs_gen_reference(&m, self->b);
		EXPECT_GT(0, cs_gen_compare(&m)) TH_LOG("%s", self->names[i]);
		cs_mem_reset(&m);
	}
}

TEST_HARNESS_MAIN
