// SPDX-License-Identifier: GPL-2.0-only
/*
 * Opening and closing the qnn accel node: the device is found by driver
 * name, can be opened many times at once, and every open is a working file.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "qnn_dev.h"

TEST(device_present)
{
	int fd = qnn_open();

	ASSERT_LE(0, fd) TH_LOG("no /dev/accel/accel* driven by \"%s\"",
				QNN_DRIVER_NAME);
	EXPECT_EQ(0, close(fd));
}

TEST(version_identifies_qnn)
{
	int fd = qnn_open();
	drmVersionPtr v;

	ASSERT_LE(0, fd);
	v = drmGetVersion(fd);
	ASSERT_NE(NULL, v);
	EXPECT_STREQ(QNN_DRIVER_NAME, v->name);
	EXPECT_LT(0, v->desc_len) TH_LOG("driver description is empty");
	drmFreeVersion(v);
	EXPECT_EQ(0, close(fd));
}

/* Many files at once; each must answer an ioctl on its own. */
TEST(many_opens)
{
	enum { N = 32 };
	int fds[N];
	int i;

	for (i = 0; i < N; i++) {
		uint64_t id;

		fds[i] = qnn_open();
		ASSERT_LE(0, fds[i]) TH_LOG("open #%d: %d", i, fds[i]);
		ASSERT_EQ(0, qnn_get_param(fds[i], DRM_QNN_PARAM_DEVICE_ID, &id));
	}
	for (i = 0; i < N; i++) {
		EXPECT_EQ(0, close(fds[i]));
	}
}

/* Reopen after close, and a dup()ed fd is the same file. */
TEST(reopen_and_dup)
{
	int i;

	for (i = 0; i < 100; i++) {
		int fd = qnn_open();
		int fd2;
		struct drm_qnn_bo_create bo;
		struct drm_qnn_bo_info info;

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, qnn_bo_create(fd, 4096, 0, &bo));
		fd2 = dup(fd);
		ASSERT_LE(0, fd2);
		/* Same open file, so the handle is valid through the dup. */
		ASSERT_EQ(0, qnn_bo_info(fd2, bo.handle, &info));
		EXPECT_EQ(bo.va, info.va);
		EXPECT_EQ(0, close(fd));
		EXPECT_EQ(0, qnn_bo_info(fd2, bo.handle, &info));
		/* Closing the file with a live BO must not leak it (reload test counts). */
		EXPECT_EQ(0, close(fd2));
	}
}

TEST_HARNESS_MAIN
