// SPDX-License-Identifier: GPL-2.0-only
/*
 * Storm: several processes at once, each burst on a fresh file holding
 * more jobs than the ring (63), files closed with their jobs queued or on
 * the ring, and in the second test the device unplugged (rmmod qnn_sim, or
 * the PCI function removed) and back under all of it.
 *
 * Asserts: no process crashes or hangs; every job waited for ends, as
 * COMPLETED or (a starved TCG guest) TIMEOUT, and around the unplug also
 * CANCELED or -ENODEV; every COMPLETED conv equals the reference (cs_ref);
 * no BO is left once the files are closed; the device runs a job after.
 * The lane adds what matters most here: KASAN, lockdep, WARN and slab
 * counts. QNN_STORM_SECONDS (default 15) bounds each test.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "job_util.h"

#define PROCS	6
#define BURST	100	/* empty jobs per file and burst, plus one conv */

struct tally {
	long files, jobs, waited, completed, timedout, canceled, enodev;
	long closed_busy, convs_checked, bad;
};

static long storm_seconds(void)
{
	const char *v = getenv("QNN_STORM_SECONDS");

	return v && *v ? strtol(v, NULL, 0) : 15;
}

static void bad(struct tally *t, const char *what, long v)
{
	fprintf(stderr, "# storm pid %d: %s (%ld)\n", getpid(), what, v);
	t->bad++;
}

/* A job ended: count its status; 1 if it may be checked as COMPLETED. */
static int count_end(struct tally *t, int ret, uint32_t status, int unplug)
{
	t->waited++;
	if (ret == -ENODEV && unplug) {
		t->enodev++;
		return 0;
	}
	if (ret) {
		bad(t, "WAIT failed", ret);
		return 0;
	}
	switch (status) {
	case DRM_QNN_JOB_COMPLETED:
		t->completed++;
		return 1;
	case DRM_QNN_JOB_TIMEOUT:
		t->timedout++;
		return 0;
	case DRM_QNN_JOB_CANCELED:
		if (unplug) {
			t->canceled++;
			return 0;
		}
		/* fall through */
	default:
		bad(t, "job status", status);
		return 0;
	}
}

/* One process: bursts on fresh files until @end_ns. */
static void storm_child(uint64_t seed, int64_t end_ns, int unplug,
			struct tally *t)
{
	struct cs_builder *b = calloc(1, sizeof(*b));
	uint64_t *ids = calloc(BURST, sizeof(*ids));
	struct drm_qnn_submit s;
	struct drm_qnn_wait w;
	int64_t wait_ms = 4 * job_timeout_ms() + 30000;

	srand(seed);
	for (int round = 0; b && ids && job_now_ns() < end_ns; round++) {
		int fd = qnn_open(), n = 0, ret, mode = rand() % 3;
		struct cs_mem m;

		if (fd < 0) {
			if (!unplug)
				bad(t, "open", fd);
			usleep(20000);	/* the device is away */
			continue;
		}
		t->files++;
		job_mem_init(&m, &fd, seed * 1000 + round);
		job_small_conv(&m, b);
		ret = m.err;
		t->enodev += ret == -ENODEV;
		if (ret && !(unplug && ret == -ENODEV))
			bad(t, "BO create or mmap", ret);
		if (!ret) {
			ret = job_submit(fd, b, &m, 0, &s);
			for (int i = 0; !ret && i < BURST / 2 + rand() % BURST; i++) {
				ret = job_submit_empty(fd, &ids[i]);
				n += !ret;
			}
			t->jobs += n + !ret;
			t->enodev += ret == -ENODEV;
			if (ret && !(unplug && ret == -ENODEV))
				bad(t, "SUBMIT", ret);
		}
		if (mode == 0 || ret) {
			/* close with the burst queued and on the ring */
			t->closed_busy++;
			cs_mem_reset(&m);
			close(fd);
			continue;
		}
		ret = job_wait(fd, s.job_id, wait_ms, &w);
		if (count_end(t, ret, w.status, unplug)) {
			cs_gen_reference(&m, b);
			if (cs_gen_compare(&m) >= 0)
				bad(t, "conv result differs from cs_ref", round);
			t->convs_checked++;
		}
		/* mode 1: every job; mode 2: the last, then close with the rest */
		for (int i = mode == 1 ? 0 : n - 1; i >= 0 && i < n; i++) {
			ret = job_wait(fd, ids[i], wait_ms, &w);
			count_end(t, ret, w.status, unplug);
		}
		cs_mem_reset(&m);
		close(fd);
	}
	free(ids);
	free(b);
}

FIXTURE(storm) {
	struct tally *t;
	unsigned long hang_limit;
};

FIXTURE_SETUP(storm)
{
	self->t = mmap(NULL, PROCS * sizeof(*self->t), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->t);
	memset(self->t, 0, PROCS * sizeof(*self->t));
	/* a starved TCG guest may time jobs out: no ban for that here */
	self->hang_limit = qnn_module_param("hang_limit", 3);
	ASSERT_EQ(0, sh("echo 0 > /sys/module/qnn/parameters/hang_limit"));
}

FIXTURE_TEARDOWN(storm)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd),
		 "echo %lu > /sys/module/qnn/parameters/hang_limit",
		 self->hang_limit);
	sh(cmd);
	munmap(self->t, PROCS * sizeof(*self->t));
}

/* Start the processes; -1 on a fork failure. */
static int storm_start(pid_t *pids, struct tally *t, int64_t end_ns,
		       int unplug)
{
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		if (pids[p] < 0)
			return -1;
		if (!pids[p]) {
			storm_child(17 + p, end_ns, unplug, &t[p]);
			_exit(0);
		}
	}
	return 0;
}

/* Every process exits 0; the tallies are summed, logged and checked. */
static void storm_end(struct __test_metadata *_metadata, pid_t *pids,
		      struct tally *t)
{
	struct tally sum = { 0 };
	int st;

	for (int p = 0; p < PROCS; p++) {
		EXPECT_EQ(pids[p], waitpid(pids[p], &st, 0));
		EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
			TH_LOG("process %d: status 0x%x", p, st);
		sum.files += t[p].files;
		sum.jobs += t[p].jobs;
		sum.waited += t[p].waited;
		sum.completed += t[p].completed;
		sum.timedout += t[p].timedout;
		sum.canceled += t[p].canceled;
		sum.enodev += t[p].enodev;
		sum.closed_busy += t[p].closed_busy;
		sum.convs_checked += t[p].convs_checked;
		sum.bad += t[p].bad;
	}
	TH_LOG("%d processes: %ld files (%ld closed busy), %ld jobs, %ld waited: %ld completed, %ld timed out, %ld canceled, %ld -ENODEV; %ld convs equal to cs_ref",
	       PROCS, sum.files, sum.closed_busy, sum.jobs, sum.waited,
	       sum.completed, sum.timedout, sum.canceled, sum.enodev,
	       sum.convs_checked);
	EXPECT_EQ(0, sum.bad);
	EXPECT_LT(0, sum.completed);
}

/* The device runs a job, and no BO is left (all files of the storm shut). */
static void device_after(struct __test_metadata *_metadata, uint64_t bos0)
{
	uint64_t id, bos = ~0ULL;
	struct drm_qnn_wait w;
	int fd = qnn_open();

	ASSERT_LE(0, fd);
	/* the last jobs' BOs go with the cleanup worker: poll, bounded */
	for (int i = 0; i < 200 && bos != bos0; i++) {
		ASSERT_EQ(0, qnn_debugfs_u64(fd, "bo_count", &bos));
		usleep(20000);
	}
	EXPECT_EQ(bos0, bos);
	ASSERT_EQ(0, job_submit_empty(fd, &id));
	ASSERT_EQ(0, job_wait(fd, id, 60000, &w));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
	close(fd);
}

TEST_F_TIMEOUT(storm, processes_bursts_and_busy_closes, 600)
{
	int64_t end = job_now_ns() + storm_seconds() * 1000000000LL;
	pid_t pids[PROCS];
	uint64_t bos0;
	int fd = qnn_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, qnn_debugfs_u64(fd, "bo_count", &bos0));
	/* 200 us jobs: the ring stays full, bursts wait for credits */
	ASSERT_EQ(0, sim_knob(fd, "delay_us", 200));
	ASSERT_EQ(0, storm_start(pids, self->t, end, 0));
	storm_end(_metadata, pids, self->t);
	EXPECT_EQ(0, sim_knob(fd, "delay_us", 0));
	close(fd);
	device_after(_metadata, bos0);
}

TEST_F_TIMEOUT(storm, unplugged_and_back_under_the_storm, 600)
{
	int64_t t0 = job_now_ns(), secs = storm_seconds();
	int64_t end = t0 + secs * 1000000000LL;
	pid_t pids[PROCS];
	int fd = qnn_open(), pci = 0;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sim_knob(fd, "delay_us", 200));
	ASSERT_EQ(0, storm_start(pids, self->t, end, 1));
	usleep(secs * 1000000 / 3);
	/*
	 * qnn_sim unloaded (or the PCI function removed) under the storm;
	 * EXPECT, not ASSERT: the processes are waited for either way
	 */
	EXPECT_EQ(0, dev_unplug(fd, &pci));
	close(fd);
	usleep(500000);
	EXPECT_EQ(0, dev_replug(pci));
	storm_end(_metadata, pids, self->t);
	/* a new device: its BO count starts from 0 */
	device_after(_metadata, 0);
}

TEST_HARNESS_MAIN
