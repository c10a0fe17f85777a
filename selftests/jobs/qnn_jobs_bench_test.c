// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark (figures only, no timed assertion): empty jobs through the
 * whole path (SUBMIT, scheduler, ring, qnn_sim, IRQ, fence, WAIT).
 * Prints jobs/s with several jobs in flight and the submit -> complete
 * latency of one job at a time, each as a ratio to a DRM_IOCTL_VERSION
 * round trip measured in the same run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "job_util.h"

#define N_VERSION	4000
#define N_LATENCY	1000
#define N_THROUGHPUT	2000
#define BATCH		16

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* No state: the fixture only carries the per-test timeout. */
FIXTURE(bench) {
	int unused;
};

FIXTURE_SETUP(bench)
{
}

FIXTURE_TEARDOWN(bench)
{
}

TEST_F_TIMEOUT(bench, empty_job_latency_and_throughput, 280)
{
	int64_t *lat = calloc(N_LATENCY, sizeof(*lat));
	int64_t t0, version_ns, tput_ns, sum = 0;
	struct drm_qnn_wait w;
	uint64_t id, ids[BATCH];
	int fd = qnn_open();

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, lat);
	/* DRM_IOCTL_VERSION with no buffers: the cheapest driver round trip */
	t0 = job_now_ns();
	for (int i = 0; i < N_VERSION; i++) {
		struct drm_version v;

		memset(&v, 0, sizeof(v));
		ASSERT_EQ(0, qnn_ioctl(fd, DRM_IOCTL_VERSION, &v));
	}
	version_ns = (job_now_ns() - t0) / N_VERSION;

	/* latency: one job at a time, submit -> WAIT returns */
	for (int i = 0; i < N_LATENCY; i++) {
		t0 = job_now_ns();
		ASSERT_EQ(0, job_submit_empty(fd, &id));
		ASSERT_EQ(0, job_wait(fd, id, 20000, &w));
		lat[i] = job_now_ns() - t0;
		ASSERT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
		sum += lat[i];
	}
	qsort(lat, N_LATENCY, sizeof(*lat), cmp_i64);

	/* throughput: BATCH jobs in flight */
	t0 = job_now_ns();
	for (int i = 0; i < N_THROUGHPUT; i += BATCH) {
		for (int k = 0; k < BATCH; k++)
			ASSERT_EQ(0, job_submit_empty(fd, &ids[k]));
		for (int k = 0; k < BATCH; k++) {
			ASSERT_EQ(0, job_wait(fd, ids[k], 20000, &w));
			ASSERT_EQ(DRM_QNN_JOB_COMPLETED, w.status);
		}
	}
	tput_ns = job_now_ns() - t0;

	printf("# bench: DRM_IOCTL_VERSION round trip: %.2f us\n",
	       version_ns / 1000.0);
	printf("# bench: empty job submit->complete latency: mean %.1f us, median %.1f us, p99 %.1f us\n",
	       sum / 1000.0 / N_LATENCY, lat[N_LATENCY / 2] / 1000.0,
	       lat[N_LATENCY * 99 / 100] / 1000.0);
	printf("# bench: latency / VERSION round trip: mean %.1fx, median %.1fx\n",
	       (double)sum / N_LATENCY / version_ns,
	       (double)lat[N_LATENCY / 2] / version_ns);
	printf("# bench: throughput with %d in flight: %.0f jobs/s (%.1f us/job = %.1fx VERSION)\n",
	       BATCH, N_THROUGHPUT * 1e9 / tput_ns,
	       tput_ns / 1000.0 / N_THROUGHPUT,
	       (double)tput_ns / N_THROUGHPUT / version_ns);
	free(lat);
	close(fd);
}

TEST_HARNESS_MAIN
