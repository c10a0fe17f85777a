// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scheduling policy (docs/uapi.md, "Priorities", "Banning", "Timeouts"):
 * SUBMIT's priority field (validated, HIGH needs CAP_SYS_NICE) and what it
 * does once the ring is full; a file whose jobs hang hang_limit times is
 * banned; a completion whose interrupt was lost is found at the timeout
 * without resetting the device.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "kselftest_harness.h"
#include "job_util.h"

static int submit_prio(int fd, uint32_t prio, uint64_t *id)
{
	struct qnn_cs_header h;
	struct drm_qnn_submit s = {
		.cmds = (uintptr_t)&h,
		.cmds_size = sizeof(h),
		.priority = prio,
	};
	int ret;

	job_empty_stream(&h);
	ret = qnn_ioctl(fd, DRM_IOCTL_QNN_SUBMIT, &s);
	if (id)
		*id = s.job_id;
	return ret;
}

/* Done (0), not yet (-ETIME), or another error. */
static int poll_job(int fd, uint64_t id, struct drm_qnn_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->job_id = id;
	return qnn_ioctl(fd, DRM_IOCTL_QNN_WAIT, w);
}

static int drop_cap_sys_nice(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[0].effective &= ~(1U << CAP_SYS_NICE);
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

TEST(priority_validation)
{
	int fd = qnn_open(), st;
	uint64_t id;
	pid_t pid;

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, submit_prio(fd, DRM_QNN_PRIORITY_LOW, &id));
	EXPECT_EQ(0, submit_prio(fd, DRM_QNN_PRIORITY_NORMAL, &id));
	EXPECT_EQ(0, submit_prio(fd, DRM_QNN_PRIORITY_HIGH, &id));
	EXPECT_EQ(-EINVAL, submit_prio(fd, 3, &id));
	EXPECT_EQ(-EINVAL, submit_prio(fd, ~0U, &id));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (drop_cap_sys_nice())
			_exit(2);
		if (submit_prio(fd, DRM_QNN_PRIORITY_HIGH, &id) != -EACCES)
			_exit(3);
		if (submit_prio(fd, DRM_QNN_PRIORITY_LOW, &id))
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("child status %#x", st);
	close(fd);
}

/*
 * File A fills the ring and queues more; a HIGH job of file B runs as soon
 * as a slot frees, ahead of A's queued jobs; a NORMAL job of file C waits
 * for all of them (the scheduler is FIFO within a priority).
 */
TEST(high_priority_overtakes_queued_jobs)
{
	int fa = qnn_open(), fb = qnn_open(), fc = qnn_open();
	uint64_t depth = 0, n, ida[200], idb, idc;
	struct drm_qnn_wait w;
	unsigned int behind = 0, undone = 0, queued;

	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	ASSERT_LE(0, fc);
	ASSERT_EQ(0, qnn_get_param(fa, DRM_QNN_PARAM_QUEUE_DEPTH, &depth));
	n = depth + 16;
	ASSERT_GE(200, n);
	ASSERT_EQ(0, sim_knob(fa, "delay_us", 30000));
	for (uint64_t i = 0; i < n; i++)
		ASSERT_EQ(0, submit_prio(fa, DRM_QNN_PRIORITY_NORMAL, &ida[i]));
	/* A's jobs beyond the ring's depth - 1 wait in the scheduler */
	for (uint64_t i = 0; i < n; i++)
		undone += poll_job(fa, ida[i], &w) == -ETIME;
	queued = undone > depth - 1 ? undone - (depth - 1) : 0;
	if (queued < 4)
		SKIP(goto out, "host too slow: only %u jobs queued behind the ring",
		     queued);
	ASSERT_EQ(0, submit_prio(fb, DRM_QNN_PRIORITY_HIGH, &idb));
	ASSERT_EQ(0, submit_prio(fc, DRM_QNN_PRIORITY_NORMAL, &idc));

	ASSERT_EQ(0, job_wait(fb, idb, 60000, &w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	for (uint64_t i = 0; i < n; i++)
		behind += poll_job(fa, ida[i], &w) == -ETIME;
	TH_LOG("HIGH job done with %u of %llu earlier NORMAL jobs still queued (%u were queued behind the ring at its SUBMIT)",
	       behind, (unsigned long long)n, queued);
	/*
	 * It waited for a slot, not for the queue. Without priorities it
	 * would end after all of them (behind == 0); half leaves room for
	 * a host that falls a few 30 ms jobs behind between the two polls.
	 */
	EXPECT_LE(queued / 2, behind);

	ASSERT_EQ(0, job_wait(fc, idc, 60000, &w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	EXPECT_EQ(0, poll_job(fa, ida[n - 1], &w));
out:
	EXPECT_EQ(0, sim_knob(fa, "delay_us", 0));
	close(fa);
	close(fb);
	close(fc);
}

static int debugfs_jobs(int fd, char *buf, size_t len)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%d/jobs",
		 qnn_minor(fd));
	return read_text(path, buf, len) < 0 ? -1 : 0;
}

TEST(ban_after_repeated_hangs)
{
	unsigned int t = job_timeout_ms();
	uint64_t limit = qnn_module_param("hang_limit", 3);
	int fd = qnn_open(), other = qnn_open();
	struct drm_qnn_wait w;
	uint64_t id, q[2];
	static char dbg[1 << 16];

	ASSERT_LE(0, fd);
	ASSERT_LE(0, other);
	ASSERT_LT(0, limit);
	for (uint64_t i = 0; i < limit; i++) {
		ASSERT_EQ(0, sim_knob(fd, "hang_next_job", 1));
		ASSERT_EQ(0, job_submit_empty(fd, &id));
		/* the last hang has jobs of the same file queued behind it */
		if (i + 1 == limit) {
			ASSERT_EQ(0, job_submit_empty(fd, &q[0]));
			ASSERT_EQ(0, job_submit_empty(fd, &q[1]));
		}
		ASSERT_EQ(0, job_wait(fd, id, 10 * t + 10000, &w));
		EXPECT_EQ(DRM_QNN_JOB_TIMEOUT, w.status);
	}
	/* banned: its queued jobs never run, new ones are refused */
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, job_wait(fd, q[i], 10 * t + 10000, &w));
		EXPECT_EQ(DRM_QNN_JOB_CANCELED, w.status);
	}
	EXPECT_EQ(-ECANCELED, job_submit_empty(fd, &id));
	ASSERT_EQ(0, debugfs_jobs(fd, dbg, sizeof(dbg)));
	EXPECT_NE(NULL, strstr(dbg, "banned=1")) TH_LOG("%s", dbg);

	/* other files are not affected */
	ASSERT_EQ(0, job_submit_empty(other, &id));
	ASSERT_EQ(0, job_wait(other, id, 20000, &w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	close(fd);
	close(other);
}

/* A job whose completion interrupt is lost ends COMPLETED, no reset. */
TEST(lost_irq_found_at_timeout)
{
	unsigned int t = job_timeout_ms();
	int fd = qnn_open();
	struct drm_qnn_wait w;
	static char a[1 << 16], b[1 << 16];
	uint32_t s;
	uint64_t id;
	char *ra, *rb;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, drmSyncobjCreate(fd, 0, &s));
	ASSERT_EQ(0, debugfs_jobs(fd, a, sizeof(a)));
	ASSERT_EQ(0, sim_knob(fd, "drop_next_irq", 1));
	ASSERT_EQ(0, job_submit_empty(fd, &id));
	ASSERT_EQ(0, job_wait(fd, id, 10 * t + 10000, &w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	ASSERT_EQ(0, job_submit_empty(fd, &id));
	ASSERT_EQ(0, job_wait(fd, id, 10 * t + 10000, &w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	ASSERT_EQ(0, debugfs_jobs(fd, b, sizeof(b)));
	ra = strstr(a, "resets=");
	rb = strstr(b, "resets=");
	ASSERT_TRUE(ra && rb);
	EXPECT_EQ(strtoul(ra + 7, NULL, 10), strtoul(rb + 7, NULL, 10));
	/* every credit is back once the ring is idle */
	EXPECT_NE(NULL, strstr(b, "credits=0/")) TH_LOG("%s", b);
	drmSyncobjDestroy(fd, s);
	close(fd);
}

TEST_HARNESS_MAIN
