// SPDX-License-Identifier: GPL-2.0-only
/*
 * Load: 8 processes, each with its own file, run 500 jobs each at the same
 * time, several in flight per process. Every job's status is checked and
 * every result compared with the reference; half the jobs are waited for
 * through their out-syncobj with libdrm's drmSyncobjWait().
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "job_util.h"

#define PROCS		8
#define JOBS		500
#define INFLIGHT	4

struct slot {
	struct cs_mem mem;
	struct cs_builder b;
	uint64_t id;
	uint32_t syncobj;
};

/* A small job; its shape varies with the slot so the ring sees a mix. */
static void make_job(struct slot *s, int k)
{
	struct cs_conv_spec spec = {
		.a = { QNN_CS_ENC_BIPOLAR, 1 }, .w = { QNN_CS_ENC_BIPOLAR, 1 },
		.dense = k & 1, .n = 1, .h = 3, .w_ = 3, .c = 64 + 64 * (k & 2),
		.oc = 8, .k = 3, .stride = 1, .pad = 1, .pad_set = 1,
		.zero_pad = 1, .mode = k % 3 == 0 ? QNN_CS_OUT_THRESHOLD :
						     QNN_CS_OUT_INT32,
	};

	cs_mem_reset(&s->mem);
	csb_init(&s->b);
	cs_gen_conv(&s->mem, &s->b, &spec);
}

/* One process's share: returns the number of bad jobs. */
static int worker(int p)
{
	struct slot *slots = calloc(INFLIGHT, sizeof(*slots));
	int fd = qnn_open(), bad = 0, done = 0;
	struct drm_qnn_submit sub;
	struct drm_qnn_wait w;

	if (fd < 0 || !slots)
		return JOBS;
	for (int i = 0; i < INFLIGHT; i++) {
		job_mem_init(&slots[i].mem, &fd, 1000 * p + i + 1);
		if (drmSyncobjCreate(fd, 0, &slots[i].syncobj))
			return JOBS;
	}
	for (int j = 0; j < JOBS + INFLIGHT; j++) {
		struct slot *s = &slots[j % INFLIGHT];

		if (j >= INFLIGHT) {	/* retire the job this slot held */
			int use_syncobj = (j / INFLIGHT) & 1, ret = 0;

			if (use_syncobj)
				ret = drmSyncobjWait(fd, &s->syncobj, 1,
						     job_now_ns() +
						     60000000000LL, 0, NULL);
			if (!ret)
				ret = job_wait(fd, s->id, 60000, &w);
			if (ret || w.status != DRM_QNN_JOB_COMPLETED) {
				bad++;
			} else {
				cs_gen_reference(&s->mem, &s->b);
				bad += cs_gen_compare(&s->mem) >= 0;
			}
			done++;
		}
		if (j >= JOBS)
			continue;
		make_job(s, j + p);
		if (s->mem.err ||
		    job_submit(fd, &s->b, &s->mem, s->syncobj, &sub)) {
			bad++;
			s->id = 0;
			continue;
		}
		s->id = sub.job_id;
	}
	for (int i = 0; i < INFLIGHT; i++)
		cs_mem_reset(&slots[i].mem);
	close(fd);
	free(slots);
	return bad + (done != JOBS);
}

/* No state: the fixture only carries the per-test timeout. */
FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
}

FIXTURE_TEARDOWN(stress)
{
}

TEST_F_TIMEOUT(stress, eight_processes_500_jobs_each, 280)
{
	pid_t pids[PROCS];
	int64_t t0 = job_now_ns();
	int bad = 0;

	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		ASSERT_LE(0, pids[p]);
		if (!pids[p])
			_exit(worker(p) ? 1 : 0);
	}
	for (int p = 0; p < PROCS; p++) {
		int st;

		ASSERT_EQ(pids[p], waitpid(pids[p], &st, 0));
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
	}
	TH_LOG("%d x %d jobs in %lld ms", PROCS, JOBS,
	       (long long)((job_now_ns() - t0) / 1000000));
	ASSERT_EQ(0, bad);
}

TEST_HARNESS_MAIN
