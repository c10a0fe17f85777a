// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cancellation (docs/uapi.md, "Jobs"): a job whose dependency fails while
 * it waits ends CANCELED and never runs, and so do the jobs waiting for it;
 * closing a file cancels its jobs that have not started instead of running
 * them. The oracle for "did not run" is the device's own work counter
 * (PERF_BINOPS in debugfs regs), not the driver's bookkeeping.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "job_util.h"

/*
 * Runtime PM control of fd's device ("on" or "auto"). A device that
 * autosuspends resets its PERF counters and reads 0 while powered down,
 * so a count across an idle moment needs it held "on".
 */
static int pm_control(int fd, const char *val)
{
	char path[96];
	int minor = qnn_minor(fd), ret = 0;
	FILE *f;

	if (minor < 0)
		return minor;
	snprintf(path, sizeof(path),
		 "/sys/class/accel/accel%d/device/power/control", minor);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fputs(val, f) < 0)
		ret = -EIO;
	if (fclose(f))
		ret = -errno;
	return ret;
}

static int submit_dep(int fd, struct cs_builder *b, const struct cs_mem *m,
		      uint32_t in, uint32_t out, struct drm_qnn_submit *s)
{
	struct drm_qnn_bo_ref refs[CS_MAX_BUFS];

	for (int i = 0; i < m->n; i++) {
		refs[i].handle = m->bufs[i].handle;
		refs[i].flags = DRM_QNN_BO_REF_READ |
				(m->bufs[i].ro ? 0 : DRM_QNN_BO_REF_WRITE);
	}
	memset(s, 0, sizeof(*s));
	s->cmds = (uintptr_t)b->buf;
	s->cmds_size = csb_finish(b);
	s->bos = (uintptr_t)refs;
	s->bo_count = m->n;
	s->in_syncobjs = (uintptr_t)&in;
	s->in_syncobj_count = !!in;
	s->out_syncobj = out;
	return qnn_ioctl(fd, DRM_IOCTL_QNN_SUBMIT, s);
}

FIXTURE(cancel) {
	int fd1, fd2;
	struct cs_builder *b1, *b2;
	struct cs_mem m1, m2;
};

FIXTURE_SETUP(cancel)
{
	self->fd1 = qnn_open();
	self->fd2 = qnn_open();
	ASSERT_LE(0, self->fd1);
	ASSERT_LE(0, self->fd2);
	self->b1 = calloc(1, sizeof(*self->b1));
	self->b2 = calloc(1, sizeof(*self->b2));
	ASSERT_TRUE(self->b1 && self->b2);
	job_mem_init(&self->m1, &self->fd1, 11);
	job_mem_init(&self->m2, &self->fd2, 12);
}

FIXTURE_TEARDOWN(cancel)
{
	sim_knob(self->fd1, "delay_us", 0);
	sim_knob(self->fd1, "mmu_fault_next_job", 0);
	cs_mem_reset(&self->m1);
	cs_mem_reset(&self->m2);
	free(self->b1);
	free(self->b2);
	close(self->fd1);
	close(self->fd2);
}

/* X (file 1) faults; Y (file 2) waits for X's syncobj, Z for Y's. */
TEST_F_TIMEOUT(cancel, failed_dependency_across_files, 120)
{
	uint32_t sx, sy1, sy, sz, ux, uy;
	struct drm_qnn_submit x, y, z;
	struct drm_qnn_wait w;
	int sfd;

	ASSERT_EQ(0, drmSyncobjCreate(self->fd1, 0, &sx));
	ASSERT_EQ(0, drmSyncobjCreate(self->fd2, 0, &sy));
	ASSERT_EQ(0, drmSyncobjCreate(self->fd2, 0, &sz));
	ASSERT_EQ(0, drmSyncobjHandleToFD(self->fd1, sx, &sfd));
	ASSERT_EQ(0, drmSyncobjFDToHandle(self->fd2, sfd, &sy1));
	close(sfd);

	/* X runs long enough that Y and Z are queued behind it */
	ASSERT_EQ(0, sim_knob(self->fd1, "delay_us", 200000));
	ASSERT_EQ(0, sim_knob(self->fd1, "mmu_fault_next_job", 1));
	job_small_conv(&self->m1, self->b1);
	ASSERT_EQ(0, self->m1.err);
	ASSERT_EQ(0, submit_dep(self->fd1, self->b1, &self->m1, 0, sx, &x));
	job_small_conv(&self->m2, self->b2);
	ASSERT_EQ(0, self->m2.err);
	ASSERT_EQ(0, submit_dep(self->fd2, self->b2, &self->m2, sy1, sy, &y));
	ASSERT_EQ(0, submit_dep(self->fd2, self->b2, &self->m2, sy, sz, &z));

	ASSERT_EQ(0, job_wait(self->fd1, x.job_id, 20000, &w));
	EXPECT_EQ(DRM_QNN_JOB_MMU_FAULT, w.status);
	ASSERT_EQ(0, job_wait(self->fd2, y.job_id, 20000, &w));
	EXPECT_EQ(DRM_QNN_JOB_CANCELED, w.status);
	EXPECT_EQ(0, w.cycles);
	ASSERT_EQ(0, job_wait(self->fd2, z.job_id, 20000, &w));
	EXPECT_EQ(DRM_QNN_JOB_CANCELED, w.status);
	/* Y never wrote its output: it is still all zero */
	for (int i = 0; i < self->m2.n; i++) {
		const struct cs_buf *bf = &self->m2.bufs[i];
		uint64_t dirty = 0;

		for (uint64_t k = 0; !bf->ro && k < bf->size; k++)
			dirty += !!bf->dev[k];
		EXPECT_EQ(0, dirty) TH_LOG("cancelled job wrote buffer %d", i);
	}

	/* the syncobjs got fences that signalled: nobody hangs on them */
	ux = sy;
	uy = sz;
	EXPECT_EQ(0, drmSyncobjWait(self->fd2, &ux, 1, INT64_MAX, 0, NULL));
	EXPECT_EQ(0, drmSyncobjWait(self->fd2, &uy, 1, INT64_MAX, 0, NULL));

	/* a job submitted after the failure is not cancelled by it */
	ASSERT_EQ(0, sim_knob(self->fd1, "delay_us", 0));
	job_small_conv(&self->m2, self->b2);
	ASSERT_EQ(0, submit_dep(self->fd2, self->b2, &self->m2, sy1, 0, &y));
	ASSERT_EQ(0, job_wait(self->fd2, y.job_id, 20000, &w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
}

/* Implicit sync in one file: B writes the BOs A is still writing. */
TEST_F_TIMEOUT(cancel, failed_implicit_dependency_same_file, 120)
{
	struct drm_qnn_submit a, b;
	struct drm_qnn_wait w;

	ASSERT_EQ(0, sim_knob(self->fd1, "delay_us", 200000));
	ASSERT_EQ(0, sim_knob(self->fd1, "mmu_fault_next_job", 1));
	job_small_conv(&self->m1, self->b1);
	ASSERT_EQ(0, self->m1.err);
	ASSERT_EQ(0, submit_dep(self->fd1, self->b1, &self->m1, 0, 0, &a));
	ASSERT_EQ(0, submit_dep(self->fd1, self->b1, &self->m1, 0, 0, &b));
	ASSERT_EQ(0, job_wait(self->fd1, a.job_id, 20000, &w));
	EXPECT_EQ(DRM_QNN_JOB_MMU_FAULT, w.status);
	ASSERT_EQ(0, job_wait(self->fd1, b.job_id, 20000, &w));
	EXPECT_EQ(DRM_QNN_JOB_CANCELED, w.status);

	/* submitted after the failure: runs */
	ASSERT_EQ(0, sim_knob(self->fd1, "delay_us", 0));
	ASSERT_EQ(0, submit_dep(self->fd1, self->b1, &self->m1, 0, 0, &b));
	ASSERT_EQ(0, job_wait(self->fd1, b.job_id, 20000, &w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	cs_gen_reference(&self->m1, self->b1);
	EXPECT_GT(0, cs_gen_compare(&self->m1));
}

/*
 * close() with 20 queued 100 ms jobs: the one running may finish, the rest
 * are cancelled; the device's work counter shows how many really ran.
 */
TEST_F_TIMEOUT(cancel, close_cancels_queued_jobs, 120)
{
	unsigned int t = job_timeout_ms();
	uint32_t ops0, ops1, per_job;
	struct drm_qnn_submit s;
	struct drm_qnn_wait w;
	uint64_t before, now = ~0ULL;
	int64_t t0, dt;
	int fd3;

	/* the work one job does, as the device counts it */
	job_small_conv(&self->m1, self->b1);
	ASSERT_EQ(0, self->m1.err);
	ASSERT_EQ(0, job_submit(self->fd1, self->b1, &self->m1, 0, &s));
	ASSERT_EQ(0, job_wait(self->fd1, s.job_id, 20000, &w));
	ASSERT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	per_job = (uint32_t)w.binops;
	ASSERT_LT(0, per_job);
	cs_mem_reset(&self->m1);

	ASSERT_EQ(0, qnn_debugfs_u64(self->fd1, "bo_count", &before));
	ASSERT_EQ(0, pm_control(self->fd1, "on"));
	ASSERT_EQ(0, sim_knob(self->fd1, "delay_us", 100000));
	fd3 = qnn_open();
	ASSERT_LE(0, fd3);
	job_mem_init(&self->m2, &fd3, 13);
	for (int i = 0; i < 20; i++) {
		job_small_conv(&self->m2, self->b2);
		ASSERT_EQ(0, self->m2.err);
		ASSERT_EQ(0, job_submit(fd3, self->b2, &self->m2, 0, &s));
		cs_mem_reset(&self->m2);
	}
	/* jobs that ended while the others were being submitted do not count */
	ASSERT_EQ(0, dev_reg(self->fd1, "PERF_BINOPS_LO", &ops0));
	t0 = job_now_ns();
	close(fd3);
	dt = job_now_ns() - t0;
	/*
	 * fd3's BOs all go; BOs of earlier tests that the cleanup worker
	 * still held may go too, so the count can end below @before.
	 */
	for (int i = 0; i < 200 && now > before; i++) {
		ASSERT_EQ(0, qnn_debugfs_u64(self->fd1, "bo_count", &now));
		usleep(20000);
	}
	EXPECT_GE(before, now);
	ASSERT_EQ(0, dev_reg(self->fd1, "PERF_BINOPS_LO", &ops1));
	EXPECT_EQ(0, pm_control(self->fd1, "auto"));
	TH_LOG("close() with 20 queued 100 ms jobs: %lld ms, %u ran after it began",
	       (long long)(dt / 1000000), (ops1 - ops0) / per_job);
	/* the running one and at most one more that started meanwhile */
	EXPECT_LE((ops1 - ops0) / per_job, 2);
	/* documented: close never takes longer than the job timeout */
	EXPECT_LT(dt, (int64_t)t * 1000000 + 200000000);
}

TEST_HARNESS_MAIN
