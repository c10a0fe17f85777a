// SPDX-License-Identifier: GPL-2.0-only
/*
 * Function-level reset under load (PCI devices only: the test SKIPs on a
 * qnn_sim device, which has no FLR). The PCI core's reset_prepare and
 * reset_done go through the job layer (qnn_jobs_reset_prepare/done):
 *
 * - jobs on the ring when the FLR comes are resubmitted and complete with
 *   results equal to the independent reference (cs_ref.c); none is lost;
 * - completions whose interrupts arrive while the scheduler is parked for
 *   the FLR are not lost either;
 * - a job timeout that fires around the FLR (a hung job, the reset written
 *   at times spread across the timeout) ends the job as TIMEOUT or, when
 *   the FLR freed it first, COMPLETED with the right result; the device
 *   runs jobs afterwards and the kernel log shows no failed restart.
 *   The model holds STATUS.READY low for 80 ms after each reset (its
 *   reset_ready_us knob; the driver waits up to 100 ms), so the timeout
 *   handler spends that long in its reset sequence and FLRs written then
 *   land inside it: before the reset park moved onto the timeout work
 *   queue (45fe319), the handler's reset then timed out ("reset failed")
 *   as the FLR reset the device again under it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "job_util.h"

#define NJOBS	12

FIXTURE(flr) {
	int fd;
	char reset[160];
};

FIXTURE_SETUP(flr)
{
	char parent[64];

	self->fd = qnn_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, qnn_parent_name(self->fd, parent, sizeof(parent)));
	snprintf(self->reset, sizeof(self->reset),
		 "/sys/bus/pci/devices/%s/reset", parent);
	if (access(self->reset, W_OK))
		SKIP(return, "%s is not a PCI function with a reset", parent);
}

FIXTURE_TEARDOWN(flr)
{
	sim_knob(self->fd, "delay_us", 0);
	sim_knob(self->fd, "hang_next_job", 0);
	sim_knob(self->fd, "reset_ready_us", 0);
	close(self->fd);
}

/* The PCI core's function reset (FLR here): 0 or -errno. */
static int flr(const char *reset)
{
	int f = open(reset, O_WRONLY), ret = 0;

	if (f < 0)
		return -errno;
	if (write(f, "1", 1) != 1)
		ret = -errno;
	close(f);
	return ret;
}

/* Every job of the batch ends COMPLETED with the reference result. */
static void check_batch(struct __test_metadata *_metadata, int fd,
			struct cs_mem *m, struct cs_builder *b,
			struct drm_qnn_submit *s)
{
	struct job_outcome o[NJOBS];

	job_wait_batch(fd, m, b, s, NJOBS, o);
	for (int i = 0; i < NJOBS; i++) {
		ASSERT_EQ(0, o[i].wait_err) TH_LOG("job %d of %d lost", i, NJOBS);
		EXPECT_EQ(DRM_QNN_JOB_COMPLETED, o[i].status) TH_LOG("job %d", i);
		EXPECT_GT(0, o[i].mismatch) TH_LOG("job %d", i);
	}
}

static void flr_under_jobs(struct __test_metadata *_metadata,
			   FIXTURE_DATA(flr) *self, unsigned int delay_us,
			   unsigned int wait_us)
{
	struct cs_mem *m = calloc(NJOBS, sizeof(*m));
	struct cs_builder *b = calloc(NJOBS, sizeof(*b));
	struct drm_qnn_submit s[NJOBS];

	ASSERT_TRUE(m && b);
	ASSERT_EQ(0, sim_knob(self->fd, "delay_us", delay_us));
	for (int round = 0; round < 3; round++) {
		ASSERT_EQ(0, job_submit_batch(&self->fd, m, b, s, NJOBS,
					       100 * round + delay_us));
		usleep(wait_us);
		ASSERT_EQ(0, flr(self->reset));
		check_batch(_metadata, self->fd, m, b, s);
	}
	free(m);
	free(b);
}

/* 20 ms jobs: the FLR drops the running one and the ring behind it. */
TEST_F_TIMEOUT(flr, jobs_in_flight_complete, 180)
{
	flr_under_jobs(_metadata, self, 20000, 30000);
}

/*
 * Jobs of no delay, the FLR written while they complete: their interrupts
 * arrive between the scheduler's park and the reset, and after it.
 */
TEST_F_TIMEOUT(flr, completions_while_parked, 180)
{
	flr_under_jobs(_metadata, self, 0, 0);
}

TEST_F_TIMEOUT(flr, timeout_during_flr, 300)
{
	static const int offs_ms[] = { -120, -60, -30, -10, 0, 10, 30, 40, 50,
				       60, 120 };
	unsigned int t = job_timeout_ms();
	int timeouts = 0, completed = 0;
	struct cs_builder *b = calloc(1, sizeof(*b));
	struct drm_qnn_submit s;
	struct drm_qnn_wait w;
	struct cs_mem m;

	ASSERT_NE(NULL, b);
	/* each reset takes 80 ms: the timeout handler's window, widened */
	ASSERT_EQ(0, sim_knob(self->fd, "reset_ready_us", 80000));
	for (size_t i = 0; i < sizeof(offs_ms) / sizeof(offs_ms[0]); i++) {
		/* a file per round: repeated hangs would ban one file */
		int fd = qnn_open();
		long sleep_ms = (long)t + offs_ms[i];

		ASSERT_LE(0, fd);
		job_mem_init(&m, &fd, 7 + i);
		job_small_conv(&m, b);
		ASSERT_EQ(0, m.err);
		ASSERT_EQ(0, sim_knob(fd, "hang_next_job", 1));
		ASSERT_EQ(0, job_submit(fd, b, &m, 0, &s));
		usleep(sleep_ms * 1000);
		ASSERT_EQ(0, flr(self->reset));
		ASSERT_EQ(0, job_wait(fd, s.job_id, 4 * t + 10000, &w))
			TH_LOG("hung job lost (FLR at %ld ms)", sleep_ms);
		if (w.status == DRM_QNN_JOB_TIMEOUT) {
			timeouts++;
		} else {
			/* the FLR came first: resubmitted, it ran again */
			EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status)
				TH_LOG("FLR at %ld ms", sleep_ms);
			cs_gen_reference(&m, b);
			EXPECT_GT(0, cs_gen_compare(&m));
			completed++;
		}
		/* the knob is spent either way; the device runs jobs */
		job_small_conv(&m, b);
		ASSERT_EQ(0, job_submit(fd, b, &m, 0, &s));
		ASSERT_EQ(0, job_wait(fd, s.job_id, 2 * t + 5000, &w));
		EXPECT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
		cs_gen_reference(&m, b);
		EXPECT_GT(0, cs_gen_compare(&m));
		cs_mem_reset(&m);
		close(fd);
	}
	TH_LOG("hung job vs FLR around the %u ms timeout: %d timed out, %d freed by the FLR",
	       t, timeouts, completed);
	free(b);
	/* the restart after each FLR worked (qnn_pci_reset_done) */
	EXPECT_NE(0, sh("dmesg | grep -q 'did not restart\\|reset failed'"));
}

TEST_HARNESS_MAIN
