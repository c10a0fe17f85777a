// SPDX-License-Identifier: GPL-2.0-only
/*
 * Job and fence lifetime: thousands of jobs leave nothing behind. The oracle
 * is the slab allocator, not the driver: /proc/slabinfo's count of
 * drm_sched_fence objects (the scheduler's fences, one per job) before and
 * after, and gpu_sched's own check when its cache is destroyed on unload
 * ("Objects remaining"). Leaves qnn and qnn_sim loaded with defaults.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "job_util.h"

#define NJOBS	3000
/* per-CPU slabs count as active in slabinfo: a few slabs of slack */
#define SLACK	200

TEST(no_fence_left_after_3000_jobs)
{
	long before, after = -1;
	struct drm_qnn_wait w;
	uint64_t id = 0;
	int fd, i;

	if (slab_active("drm_sched_fence", &before))
		SKIP(return, "no drm_sched_fence line in /proc/slabinfo (merged cache: boot with slub_debug)");
	fd = qnn_open();
	ASSERT_LE(0, fd);
	for (i = 0; i < NJOBS; i++)
		ASSERT_EQ(0, job_submit_empty(fd, &id));
	ASSERT_EQ(0, job_wait(fd, id, 120000, &w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	close(fd);
	/* fences are freed after an RCU grace period */
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, slab_active("drm_sched_fence", &after));
		if (after <= before + SLACK)
			break;
		usleep(100000);
	}
	TH_LOG("drm_sched_fence objects: %ld before, %ld after %d jobs and close()",
	       before, after, NJOBS);
	EXPECT_LE(after, before + SLACK);
}

static int count_in_dmesg(const char *what)
{
	char cmd[160];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "dmesg | grep -c '%s'", what);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	return n;
}

/* Path of gpu-sched.ko in the VM's load-order file. */
static int gpu_sched_path(char *buf, size_t len)
{
	FILE *f = fopen("/lib/modules/qnn/load-order", "r");
	char line[512];
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "gpu-sched.ko") || strstr(line, "gpu_sched.ko")) {
			line[strcspn(line, "\n")] = 0;
			snprintf(buf, len, "%s", line);
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

/* Unloading gpu_sched destroys its fence cache: no object may remain. */
TEST(gpu_sched_unloads_without_objects_remaining)
{
	char path[512], cmd[600];
	int before, after, fd, sim = !sh("grep -q '^qnn_sim ' /proc/modules");
	uint64_t id;
	struct drm_qnn_wait w;

	ASSERT_EQ(0, gpu_sched_path(path, sizeof(path)));
	fd = qnn_open();
	ASSERT_LE(0, fd);
	for (int i = 0; i < 100; i++)
		ASSERT_EQ(0, job_submit_empty(fd, &id));
	ASSERT_EQ(0, job_wait(fd, id, 60000, &w));
	close(fd);

	before = count_in_dmesg("Objects remaining");
	ASSERT_LE(0, before);
	/* qnn_sim's devices, or the PCI functions qnn is bound to */
	if (sim)
		ASSERT_EQ(0, sh("rmmod qnn_sim"));
	ASSERT_EQ(0, sh("rmmod qnn"));
	EXPECT_EQ(0, sh("rmmod gpu_sched"));
	after = count_in_dmesg("Objects remaining");
	EXPECT_EQ(before, after) TH_LOG("gpu_sched reported objects remaining");

	snprintf(cmd, sizeof(cmd),
		 "grep -q '^gpu_sched ' /proc/modules || insmod %s", path);
	ASSERT_EQ(0, sh(cmd));
	ASSERT_EQ(0, sh("insmod /lib/modules/qnn/qnn.ko"));
	if (sim)
		ASSERT_EQ(0, sh("insmod /lib/modules/qnn/qnn_sim.ko"));
	fd = qnn_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, job_submit_empty(fd, &id));
	ASSERT_EQ(0, job_wait(fd, id, 20000, &w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	close(fd);
}

TEST_HARNESS_MAIN
