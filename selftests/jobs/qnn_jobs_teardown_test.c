// SPDX-License-Identifier: GPL-2.0-only
/*
 * Teardown with jobs in flight: closing a file while its jobs are queued
 * and running, and unloading qnn_sim (device removal) while jobs run and a
 * file is open. Nothing leaks (debugfs bo_count back to its value before;
 * the driver WARNs on release if BOs leaked, which vm-check catches), no
 * splat, no hang. Leaves qnn and qnn_sim loaded with default parameters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "job_util.h"

static int bo_count(int fd, uint64_t *v)
{
	return qnn_debugfs_u64(fd, "bo_count", v);
}

/* No state: the fixture only carries the per-test timeout. */
FIXTURE(teardown) {
	int unused;
};

FIXTURE_SETUP(teardown)
{
}

FIXTURE_TEARDOWN(teardown)
{
}

TEST_F_TIMEOUT(teardown, close_with_jobs_in_flight, 200)
{
	struct cs_builder *b = calloc(1, sizeof(*b));
	int fd = qnn_open(), fd2;
	uint64_t before, now = ~0ULL;
	struct drm_qnn_submit s;
	struct cs_mem m;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, bo_count(fd, &before));
	ASSERT_EQ(0, sim_knob(fd, "delay_us", 20000));

	fd2 = qnn_open();
	ASSERT_LE(0, fd2);
	job_mem_init(&m, &fd2, 5);
	for (int i = 0; i < 24; i++) {
		job_small_conv(&m, b);
		ASSERT_EQ(0, m.err);
		ASSERT_EQ(0, job_submit(fd2, b, &m, 0, &s));
		/* drop our handles: the jobs alone keep the BOs alive */
		cs_mem_reset(&m);
	}
	close(fd2);		/* 24 jobs queued or running */

	/* everything of fd2 goes away once its jobs are drained */
	for (int i = 0; i < 200 && now != before; i++) {
		ASSERT_EQ(0, bo_count(fd, &now));
		usleep(50000);
	}
	EXPECT_EQ(before, now);
	EXPECT_EQ(0, sim_knob(fd, "delay_us", 0));
	close(fd);
	free(b);
}

/*
 * close() while the scheduler is taking the file's jobs one after another:
 * drm_sched's pop puts the entity back in the run queue's FIFO tree when
 * more jobs wait behind the one it takes, and did so after close had taken
 * it out (6.12's drm_sched_entity_pop_job() does not check "stopped"), so
 * the freed file stayed in the tree: the next pick walked freed memory
 * (KASAN use-after-free in rb_next, then soft lockups). Many short closes
 * with a queue of empty jobs each hit that window within a few hundred
 * rounds on TCG; the vm-check console check sees the splat.
 */
TEST_F_TIMEOUT(teardown, close_while_jobs_are_taken, 300)
{
	int fd = qnn_open();
	uint64_t id, before, now = ~0ULL;
	int64_t t0 = job_now_ns();
	uint64_t limit = qnn_module_param("hang_limit", 3);
	struct drm_qnn_wait w;
	int rounds = 0;
	char cmd[96];

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bo_count(fd, &before));
	/*
	 * 1 ms jobs from fd fill the ring, so the second file's jobs wait for
	 * credits and are taken one per completion, each time with more
	 * behind it; the close lands at a different moment each round.
	 */
	ASSERT_EQ(0, sim_knob(fd, "delay_us", 1000));
	/* a starved TCG guest may time jobs out: not what is tested here */
	ASSERT_EQ(0, sh("echo 0 > /sys/module/qnn/parameters/hang_limit"));
	srand(1);
	for (; rounds < 300 && job_now_ns() - t0 < 100000000000LL; rounds++) {
		int fd2 = qnn_open();
		uint64_t last;

		ASSERT_LE(0, fd2);
		for (int i = 0; i < 64; i++)
			ASSERT_EQ(0, job_submit_empty(fd, &last));
		for (int i = 0; i < 6; i++)
			ASSERT_EQ(0, job_submit_empty(fd2, &id));
		usleep(rand() % 8000);
		close(fd2);
		ASSERT_EQ(0, job_wait(fd, last, 60000, &w));
	}
	snprintf(cmd, sizeof(cmd),
		 "echo %llu > /sys/module/qnn/parameters/hang_limit",
		 (unsigned long long)limit);
	EXPECT_EQ(0, sh(cmd));
	ASSERT_EQ(0, sim_knob(fd, "delay_us", 0));
	/* the device still runs jobs, and the scheduler still picks */
	ASSERT_EQ(0, job_submit_empty(fd, &id));
	ASSERT_EQ(0, job_wait(fd, id, 60000, &w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	for (int i = 0; i < 200 && now != before; i++) {
		ASSERT_EQ(0, bo_count(fd, &now));
		usleep(20000);
	}
	EXPECT_EQ(before, now);
	TH_LOG("%d closes while jobs were being taken", rounds);
	close(fd);
}

TEST_F_TIMEOUT(teardown, unload_with_jobs_in_flight, 200)
{
	struct cs_builder *b = calloc(1, sizeof(*b));
	int fd = qnn_open(), ret, pci;
	struct drm_qnn_submit s;
	struct drm_qnn_wait w;
	uint64_t ids[16], n = 0;
	struct cs_mem m;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, sim_knob(fd, "delay_us", 50000));
	job_mem_init(&m, &fd, 9);
	for (int i = 0; i < 16; i++) {
		job_small_conv(&m, b);
		ASSERT_EQ(0, m.err);
		ASSERT_EQ(0, job_submit(fd, b, &m, 0, &s));
		ids[n++] = s.job_id;
		cs_mem_reset(&m);
	}
	/* the device goes away under the running and queued jobs */
	ASSERT_EQ(0, dev_unplug(fd, &pci));
	/* every ioctl now says the device is gone; none hangs */
	for (uint64_t i = 0; i < n; i++) {
		ret = job_wait(fd, ids[i], 20000, &w);
		EXPECT_TRUE(ret == -ENODEV || (ret == 0 &&
			    (w.status == DRM_QNN_JOB_CANCELED ||
			     w.status == DRM_QNN_JOB_COMPLETED)))
			TH_LOG("job %llu: %d status %u",
			       (unsigned long long)ids[i], ret, w.status);
	}
	EXPECT_EQ(-ENODEV, job_submit_empty(fd, &ids[0]));
	close(fd);
	/* with the last file closed, qnn itself unloads: nothing held it */
	EXPECT_EQ(0, sh("rmmod qnn"));
	ASSERT_EQ(0, sh("insmod /lib/modules/qnn/qnn.ko"));
	ASSERT_EQ(0, dev_replug(pci));

	fd = qnn_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, job_submit_empty(fd, &ids[0]));
	ASSERT_EQ(0, job_wait(fd, ids[0], 20000, &w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	close(fd);
	free(b);
}

TEST_HARNESS_MAIN
