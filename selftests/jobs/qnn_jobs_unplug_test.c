// SPDX-License-Identifier: GPL-2.0-only
/*
 * A device that disappears under a process (issue 9, "bad input"): with
 * files open, copied and kept streams queued, and a thread blocked in
 * WAIT, one qnn_sim device is unbound or deleted. drm_dev_unplug()
 * semantics (docs/uapi.md, "Closing, unloading, unbinding"): the blocked
 * WAIT returns, every later ioctl on the old file answers -ENODEV (the new
 * ones of driver 1.2 too), closing the file frees everything (bo_count of
 * a fresh device 0, and vm-check's leak and splat checks), and a second
 * device carries on computing the reference's results.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "job_util.h"

#define SIM_DRV	"/sys/bus/platform/drivers/qnn_sim/"
#define SIM_ID	5	/* the extra device this test creates */


struct waiter {
	int fd;
	uint64_t id;
	int ret;
	struct drm_qnn_wait w;
	int64_t ns;
};

static void *wait_thread(void *arg)
{
	struct waiter *wt = arg;
	int64_t t0 = job_now_ns();

	wt->ret = job_wait(wt->fd, wt->id, 60000, &wt->w);
	wt->ns = job_now_ns() - t0;
	return NULL;
}

/* @n small convs on @fd, every other one through kept stream @kept. */
static void queue_jobs(struct __test_metadata *_metadata, int fd,
		       struct cs_mem *m, struct cs_builder *b, uint32_t kept,
		       int n, uint64_t *last)
{
	struct drm_qnn_submit s;

	for (int i = 0; i < n; i++) {
		if (i & 1) {
			memset(&s, 0, sizeof(s));
			s.cmds_handle = kept;
			ASSERT_EQ(0, qnn_ioctl(fd, DRM_IOCTL_QNN_SUBMIT, &s));
		} else {
			job_small_conv(m, b);
			ASSERT_EQ(0, m->err);
			ASSERT_EQ(0, job_submit(fd, b, m, 0, &s));
			cs_mem_reset(m);	/* the job holds its BOs */
		}
		*last = s.job_id;
	}
}

/* A kept small conv on @fd; its BOs' handles closed (it holds them). */
static uint32_t make_kept(struct __test_metadata *_metadata, int fd,
			  struct cs_mem *m, struct cs_builder *b)
{
	struct drm_qnn_bo_ref refs[CS_MAX_BUFS];
	struct drm_qnn_cmds_create c = { 0 };

	job_small_conv(m, b);
	for (int i = 0; i < m->n; i++) {
		refs[i].handle = m->bufs[i].handle;
		refs[i].flags = DRM_QNN_BO_REF_READ |
				(m->bufs[i].ro ? 0 : DRM_QNN_BO_REF_WRITE);
	}
	c.cmds = (uintptr_t)b->buf;
	c.cmds_size = csb_finish(b);
	c.bos = (uintptr_t)refs;
	c.bo_count = m->n;
	EXPECT_EQ(0, qnn_ioctl(fd, DRM_IOCTL_QNN_CMDS_CREATE, &c));
	cs_mem_reset(m);
	return c.handle;
}

/* Every ioctl of the dead file: -ENODEV, none blocks. */
static void expect_dead(struct __test_metadata *_metadata, int fd,
			uint32_t kept, uint64_t id)
{
	struct drm_qnn_submit s = { .cmds_handle = kept };
	struct drm_qnn_cmds_create c = { 0 };
	struct drm_qnn_cmds_destroy d = { .handle = kept };
	struct drm_qnn_bo_create bo;
	struct drm_qnn_wait w;
	struct qnn_cs_header h;
	uint64_t v;

	job_empty_stream(&h);
	c.cmds = (uintptr_t)&h;
	c.cmds_size = sizeof(h);
	EXPECT_EQ(-ENODEV, qnn_ioctl(fd, DRM_IOCTL_QNN_SUBMIT, &s));
	EXPECT_EQ(-ENODEV, job_submit_empty(fd, &v));
	EXPECT_EQ(-ENODEV, qnn_ioctl(fd, DRM_IOCTL_QNN_CMDS_CREATE, &c));
	EXPECT_EQ(-ENODEV, qnn_ioctl(fd, DRM_IOCTL_QNN_CMDS_DESTROY, &d));
	EXPECT_EQ(-ENODEV, job_wait(fd, id, 1000, &w));
	EXPECT_EQ(-ENODEV, qnn_bo_create(fd, 4096, 0, &bo));
	EXPECT_EQ(-ENODEV, qnn_get_param(fd, DRM_QNN_PARAM_OPS, &v));
}

FIXTURE(unplug) {
	struct cs_builder *b;
	struct cs_mem m;
	int fd;
};

FIXTURE_SETUP(unplug)
{
	self->b = calloc(1, sizeof(*self->b));
	ASSERT_NE(NULL, self->b);
	self->fd = -1;
	qnn_write_file(SIM_DRV "del_device", "5");
	ASSERT_EQ(0, qnn_write_file(SIM_DRV "new_device", "5"));
}

FIXTURE_TEARDOWN(unplug)
{
	char name[16];

	free(self->b);
	/* back as it was: qnn_sim.5 gone, whatever the test did to it */
	snprintf(name, sizeof(name), "qnn_sim.%d", SIM_ID);
	qnn_write_file(SIM_DRV "bind", name);
	qnn_write_file(SIM_DRV "del_device", "5");
}

/*
 * Unbind under a file with copied and kept jobs queued and a thread in
 * WAIT: the WAIT returns, the file is dead, a rebound device starts clean.
 */
TEST_F_TIMEOUT(unplug, unbind_with_jobs_queued_and_a_waiter, 200)
{
	struct waiter wt = { 0 };
	pthread_t th;
	uint32_t kept;
	uint64_t count = ~0ULL;
	int fd2;

	self->fd = qnn_open_by_parent("qnn_sim.5");
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, sim_knob(self->fd, "delay_us", 50000));
	job_mem_init(&self->m, &self->fd, 12);
	kept = make_kept(_metadata, self->fd, &self->m, self->b);
	ASSERT_LT(0, kept);
	queue_jobs(_metadata, self->fd, &self->m, self->b, kept, 16, &wt.id);
	wt.fd = self->fd;
	ASSERT_EQ(0, pthread_create(&th, NULL, wait_thread, &wt));
	usleep(100000);		/* the thread is in WAIT, jobs queued */

	ASSERT_EQ(0, qnn_write_file(SIM_DRV "unbind", "qnn_sim.5"));
	ASSERT_EQ(0, pthread_join(th, NULL));
	/* it returned (well before its 60 s), the job not completed */
	EXPECT_EQ(0, wt.ret);
	EXPECT_EQ(DRM_QNN_JOB_CANCELED, wt.w.status);
	EXPECT_GT(20000000000LL, wt.ns);
	expect_dead(_metadata, self->fd, kept, wt.id);
	close(self->fd);

	ASSERT_EQ(0, qnn_write_file(SIM_DRV "bind", "qnn_sim.5"));
	fd2 = qnn_open_by_parent("qnn_sim.5");
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, qnn_debugfs_u64(fd2, "bo_count", &count));
	EXPECT_EQ(0, count);
	ASSERT_EQ(0, job_submit_empty(fd2, &wt.id));
	ASSERT_EQ(0, job_wait(fd2, wt.id, 20000, &wt.w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, wt.w.status);
	close(fd2);
}

/*
 * Two devices share the work; one is deleted with jobs queued on both:
 * the other's jobs still complete with the reference's results.
 */
TEST_F_TIMEOUT(unplug, one_of_two_devices_deleted, 200)
{
	struct drm_qnn_submit s;
	struct drm_qnn_wait w;
	uint64_t last, ids[8];
	uint32_t kept;
	int fd0;

	self->fd = qnn_open_by_parent("qnn_sim.5");
	ASSERT_LE(0, self->fd);
	fd0 = qnn_open_by_parent("qnn_sim.0");
	ASSERT_LE(0, fd0);
	ASSERT_EQ(0, sim_knob(self->fd, "delay_us", 50000));
	job_mem_init(&self->m, &self->fd, 13);
	kept = make_kept(_metadata, self->fd, &self->m, self->b);
	queue_jobs(_metadata, self->fd, &self->m, self->b, kept, 12, &last);

	/* device 0: eight checked jobs, submitted before, waited after */
	{
		struct cs_mem ms[8];
		struct cs_builder *bs = calloc(8, sizeof(*bs));

		ASSERT_NE(NULL, bs);
		for (int i = 0; i < 8; i++) {
			job_mem_init(&ms[i], &fd0, 100 + i);
			csb_init(&bs[i]);
			cs_gen_any(&ms[i], &bs[i]);
			ASSERT_EQ(0, ms[i].err);
			ASSERT_EQ(0, job_submit(fd0, &bs[i], &ms[i], 0, &s));
			ids[i] = s.job_id;
		}
		ASSERT_EQ(0, qnn_write_file(SIM_DRV "del_device", "5"));
		expect_dead(_metadata, self->fd, kept, last);
		for (int i = 0; i < 8; i++) {
			ASSERT_EQ(0, job_wait(fd0, ids[i], 20000, &w));
			ASSERT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
			cs_gen_reference(&ms[i], &bs[i]);
			EXPECT_GT(0, cs_gen_compare(&ms[i])) TH_LOG("job %d", i);
			cs_mem_reset(&ms[i]);
		}
		free(bs);
	}
	close(self->fd);
	close(fd0);
}

TEST_HARNESS_MAIN
