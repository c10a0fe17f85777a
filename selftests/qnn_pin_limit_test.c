// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pin limit (docs/uapi.md, DRM_IOCTL_QNN_BO_CREATE): BO pages stay
 * pinned from BO_CREATE until the BO is freed, and the bytes all files may
 * pin are bounded by qnn's pin_limit_mb parameter. Each test lowers it to
 * LIMIT_MB and checks, from the sizes it asked for, that BO_CREATE answers
 * -ENOMEM exactly when the total would pass it, and that freeing gives the
 * bytes back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "qnn_copy_job.h"
#include "qnn_dev.h"

#define PARAM		"/sys/module/qnn/parameters/pin_limit_mb"
#define MIB		(1ULL << 20)
#define LIMIT_MB	32
#define BO_MB		2
#define NBOS		(LIMIT_MB / BO_MB)

static int write_param(uint64_t mb)
{
	FILE *f = fopen(PARAM, "w");
	int ret;

	if (!f)
		return -errno;
	ret = fprintf(f, "%llu\n", (unsigned long long)mb) < 0 ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

/* Create one BO of @size in a fresh file and free it again: 0 or -errno. */
static int try_alone(uint64_t size)
{
	struct drm_qnn_bo_create bo;
	int fd = qnn_open(), ret;

	if (fd < 0)
		return fd;
	ret = qnn_bo_create(fd, size, 0, &bo);
	close(fd);
	return ret;
}

FIXTURE(pin) {
	uint64_t saved;
	int restore;
};

FIXTURE_SETUP(pin)
{
	int i, ret;

	ASSERT_EQ(0, qnn_read_u64_file(PARAM, &self->saved))
		TH_LOG("no %s: qnn has no pin limit", PARAM);
	ASSERT_EQ(0, write_param(LIMIT_MB));
	self->restore = 1;
	/*
	 * A baseline from outside the driver: the whole limit is free once
	 * earlier tests' BOs are gone (a job may hold one a moment after
	 * its process exited).
	 */
	for (i = 0; i < 100; i++) {
		ret = try_alone(LIMIT_MB * MIB);
		if (ret != -ENOMEM)
			break;
		usleep(100 * 1000);
	}
	ASSERT_EQ(0, ret) TH_LOG("the %d MiB limit never became free", LIMIT_MB);
}

FIXTURE_TEARDOWN(pin)
{
	if (self->restore)
		EXPECT_EQ(0, write_param(self->saved));
}

TEST_F(pin, refuses_past_the_limit)
{
	uint32_t handles[NBOS];
	struct drm_qnn_bo_create bo;
	int fd, i;

	fd = qnn_open();
	ASSERT_LE(0, fd);
	for (i = 0; i < NBOS; i++) {
		ASSERT_EQ(0, qnn_bo_create(fd, BO_MB * MIB, 0, &bo))
			TH_LOG("BO %d of %d", i + 1, NBOS);
		handles[i] = bo.handle;
	}
	/* the limit is full: not one more page, from any file */
	EXPECT_EQ(-ENOMEM, qnn_bo_create(fd, 1, 0, &bo));
	EXPECT_EQ(-ENOMEM, try_alone(1));

	/* freeing one gives exactly its bytes back */
	ASSERT_EQ(0, qnn_bo_close(fd, handles[3]));
	ASSERT_EQ(0, qnn_bo_create(fd, BO_MB * MIB, 0, &bo));
	EXPECT_EQ(-ENOMEM, qnn_bo_create(fd, 1, 0, &bo));

	/* closing the file frees all of them */
	close(fd);
	EXPECT_EQ(0, try_alone(LIMIT_MB * MIB));
	EXPECT_EQ(-ENOMEM, try_alone(LIMIT_MB * MIB + 1));
}

/* A BO shared through PRIME is charged once, until its last handle goes. */
TEST_F(pin, shared_bo_charged_once)
{
	struct drm_qnn_bo_create bo, small;
	int fd1, fd2, dmabuf;
	uint32_t imported;

	fd1 = qnn_open();
	fd2 = qnn_open();
	ASSERT_LE(0, fd1);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, qnn_bo_create(fd1, (LIMIT_MB - BO_MB) * MIB, 0, &bo));
	ASSERT_EQ(0, qnn_prime_export(fd1, bo.handle, &dmabuf));
	ASSERT_EQ(0, qnn_prime_import(fd2, dmabuf, &imported));
	close(dmabuf);
	/* the import took nothing: BO_MB is still free, and no more */
	ASSERT_EQ(0, qnn_bo_create(fd2, BO_MB * MIB, 0, &small));
	EXPECT_EQ(-ENOMEM, try_alone(1));
	ASSERT_EQ(0, qnn_bo_close(fd2, small.handle));

	/* the exporter's file is gone, the BO (and its charge) is not */
	close(fd1);
	EXPECT_EQ(-ENOMEM, try_alone(2 * BO_MB * MIB));
	EXPECT_EQ(0, try_alone(BO_MB * MIB));
	close(fd2);
	EXPECT_EQ(0, try_alone(LIMIT_MB * MIB));
}

/*
 * The kernel's copy of a submitted stream pins pages too (a window of them
 * per file, and files are many): with the limit full SUBMIT answers
 * -ENOMEM, and runs once a BO is freed.
 */
TEST_F(pin, stream_copies_charged)
{
	struct drm_qnn_bo_create src, dst, fill;
	uint64_t page, small, job;
	int fd;

	fd = qnn_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, qnn_get_param(fd, DRM_QNN_PARAM_PAGE_SIZE, &page));
	small = page > 4096 ? page : 4096;
	ASSERT_EQ(0, qnn_bo_create(fd, small, 0, &src));
	ASSERT_EQ(0, qnn_bo_create(fd, small, 0, &dst));
	ASSERT_EQ(0, qnn_bo_create(fd, LIMIT_MB * MIB - 2 * small, 0, &fill));
	EXPECT_EQ(-ENOMEM, qnn_copy_submit(fd, src.handle, src.va, dst.handle,
					   dst.va, 16, &job));
	ASSERT_EQ(0, qnn_bo_close(fd, fill.handle));
	ASSERT_EQ(0, qnn_copy_submit(fd, src.handle, src.va, dst.handle,
				     dst.va, 16, &job));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED, qnn_copy_wait(fd, job));
	close(fd);
}

/*
 * Every way BO_CREATE can fail gives back exactly what it charged: fail-nth
 * (debug kernels) fails its 1st, 2nd, ... allocation until one create runs
 * through. The limit is kept full but for one small BO, so each time a
 * small BO must fit again (no charge leaked) and one page more must not
 * (none given back twice).
 */
TEST_F(pin, failed_creates_uncharge)
{
	struct drm_qnn_bo_create hold, bo;
	uint64_t page, small;
	int fd, nth, n, ret, injected = 1;
	char v[16];

	nth = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth < 0)
		SKIP(return, "no fail-nth (not a fault-injection kernel)");
	fd = qnn_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, qnn_get_param(fd, DRM_QNN_PARAM_PAGE_SIZE, &page));
	small = page > 4096 ? page : 4096;
	ASSERT_EQ(0, qnn_bo_create(fd, LIMIT_MB * MIB - small, 0, &hold));
	for (n = 1; n <= 1000 && injected; n++) {
		int len = snprintf(v, sizeof(v), "%d", n);

		ASSERT_EQ(len, pwrite(nth, v, len, 0));
		ret = qnn_bo_create(fd, small, 0, &bo);
		ASSERT_LT(0, pread(nth, v, sizeof(v) - 1, 0));
		injected = atoi(v) == 0;
		ASSERT_EQ(1, pwrite(nth, "0", 1, 0));
		if (!ret) {
			ASSERT_EQ(0, qnn_bo_close(fd, bo.handle));
		}
		ASSERT_EQ(0, qnn_bo_create(fd, small, 0, &bo))
			TH_LOG("a charge leaked after fault %d (ret %d)", n, ret);
		EXPECT_EQ(-ENOMEM, qnn_bo_create(fd, 1, 0, &bo))
			TH_LOG("charge given back twice after fault %d", n);
		ASSERT_EQ(0, qnn_bo_close(fd, bo.handle));
	}
	EXPECT_FALSE(injected) TH_LOG("BO_CREATE still failing at fault %d", n);
	ksft_print_msg("BO_CREATE run with faults 1..%d\n", n - 2);
	close(nth);
	close(fd);
}

TEST_HARNESS_MAIN
