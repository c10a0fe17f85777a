// SPDX-License-Identifier: GPL-2.0-only
/*
 * Timeout and recovery: qnn_sim hangs the next job; the driver's timeout
 * resets the device. The hung job reports "timed out", a job another file
 * queued behind it is resubmitted and completes correctly, and the next
 * job succeeds within twice the timeout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "job_util.h"

static void conv_job(struct cs_mem *m, struct cs_builder *b)
{
	struct cs_conv_spec spec = {
		.a = { QNN_CS_ENC_UNSIGNED, 2 }, .w = { QNN_CS_ENC_SIGNED, 2 },
		.k = 3, .stride = 1, .pad = 1, .pad_set = 1, .zero_pad = 0,
		.n = 1, .h = 5, .w_ = 5, .c = 64, .oc = 8,
		.mode = QNN_CS_OUT_INT32,
	};

	cs_mem_reset(m);
	csb_init(b);
	cs_gen_conv(m, b, &spec);
}

/* No state: the fixture only carries the per-test timeout. */
FIXTURE(hang) {
	int unused;
};

FIXTURE_SETUP(hang)
{
}

FIXTURE_TEARDOWN(hang)
{
}

/* Whole content of a (small) text file, NUL-terminated; NULL on error. */
static char *slurp(const char *path)
{
	static char buf[1 << 16];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}


#define TRACING "/sys/kernel/debug/tracing"

TEST_F_TIMEOUT(hang, hang_timeout_reset_resubmit, 120)
{
	unsigned int t = job_timeout_ms();
	struct cs_mem m1, m2;
	struct cs_builder *b1 = calloc(1, sizeof(*b1));
	struct cs_builder *b2 = calloc(1, sizeof(*b2));
	struct drm_qnn_submit s1, s2;
	struct drm_qnn_wait w;
	int fd1 = qnn_open(), fd2 = qnn_open();
	int64_t t0, dt;

	ASSERT_LE(0, fd1);
	ASSERT_LE(0, fd2);
	ASSERT_TRUE(b1 && b2);
	job_mem_init(&m1, &fd1, 1);
	job_mem_init(&m2, &fd2, 2);
	conv_job(&m1, b1);
	conv_job(&m2, b2);
	ASSERT_EQ(0, m1.err);
	ASSERT_EQ(0, m2.err);

	/* the tracepoints must show the reset and the job's status */
	ASSERT_EQ(0, qnn_write_file(TRACING "/trace", ""));
	ASSERT_EQ(0, qnn_write_file(TRACING "/events/qnn/enable", "1"));
	ASSERT_EQ(0, sim_knob(fd1, "hang_next_job", 1));
	t0 = job_now_ns();
	ASSERT_EQ(0, job_submit(fd1, b1, &m1, 0, &s1));
	ASSERT_EQ(0, job_submit(fd2, b2, &m2, 0, &s2));

	ASSERT_EQ(0, job_wait(fd1, s1.job_id, 10 * t + 10000, &w));
	dt = job_now_ns() - t0;
	EXPECT_EQ(DRM_QNN_JOB_TIMEOUT, w.status);
	TH_LOG("hung job reported after %lld ms (timeout %u ms)",
	       (long long)(dt / 1000000), t);

	/* the innocent job of the other file ran again and is right */
	ASSERT_EQ(0, job_wait(fd2, s2.job_id, 10 * t + 10000, &w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	cs_gen_reference(&m2, b2);
	EXPECT_GT(0, cs_gen_compare(&m2));

	/* the next job succeeds within 2x the timeout */
	conv_job(&m1, b1);
	ASSERT_EQ(0, m1.err);
	t0 = job_now_ns();
	ASSERT_EQ(0, job_submit(fd1, b1, &m1, 0, &s1));
	ASSERT_EQ(0, job_wait(fd1, s1.job_id, 2 * t, &w));
	dt = job_now_ns() - t0;
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	EXPECT_LT(dt, 2LL * t * 1000000);
	cs_gen_reference(&m1, b1);
	EXPECT_GT(0, cs_gen_compare(&m1));
	TH_LOG("next job completed %lld us after submit",
	       (long long)(dt / 1000));

	{
		char dbg[96];
		const char *t, *j;

		EXPECT_EQ(0, qnn_write_file(TRACING "/events/qnn/enable", "0"));
		t = slurp(TRACING "/trace");
		ASSERT_NE(NULL, t);
		EXPECT_NE(NULL, strstr(t, "qnn_job_submit:"));
		EXPECT_NE(NULL, strstr(t, "qnn_job_run:"));
		EXPECT_NE(NULL, strstr(t, "qnn_reset:"));
		EXPECT_NE(NULL, strstr(t, "status=2 "))	/* TIMEOUT */
			TH_LOG("no qnn_job_done with status=2 in the trace");
		EXPECT_NE(NULL, strstr(t, "status=1 "));	/* COMPLETED */
		snprintf(dbg, sizeof(dbg), "/sys/kernel/debug/accel/%d/jobs",
			 qnn_minor(fd1));
		j = slurp(dbg);
		ASSERT_NE(NULL, j);
		EXPECT_NE(NULL, strstr(j, "ring: size="));
		EXPECT_EQ(NULL, strstr(j, "resets=0 ")) TH_LOG("%s", j);
		EXPECT_NE(NULL, strstr(j, "file pid="));
	}

	cs_mem_reset(&m1);
	cs_mem_reset(&m2);
	free(b1);
	free(b2);
	close(fd1);
	close(fd2);
}

/* A hang while several jobs of the same file are queued behind it. */
TEST_F_TIMEOUT(hang, hang_with_queue_behind, 120)
{
	unsigned int t = job_timeout_ms();
	int fd = qnn_open();
	struct drm_qnn_wait w;
	uint64_t ids[8];

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sim_knob(fd, "hang_next_job", 1));
	for (int i = 0; i < 8; i++)
		ASSERT_EQ(0, job_submit_empty(fd, &ids[i]));
	ASSERT_EQ(0, job_wait(fd, ids[0], 10 * t + 10000, &w));
	EXPECT_EQ(DRM_QNN_JOB_TIMEOUT, w.status);
	for (int i = 1; i < 8; i++) {
		ASSERT_EQ(0, job_wait(fd, ids[i], 10 * t + 10000, &w));
		EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	}
	close(fd);
}

TEST_HARNESS_MAIN
