// SPDX-License-Identifier: GPL-2.0-only
/*
 * ABI stability (docs/uapi.md, "Extensibility rules"): the struct layouts
 * and ioctl numbers are frozen, and the DRM core's size handling lets an
 * old binary pass a shorter struct and a newer one a longer struct: both
 * still work, new fields read as zero, the tail of a longer struct comes
 * back untouched.
 */
#include <errno.h>
#include <stddef.h>

#include "kselftest_harness.h"
#include "qnn_fixture.h"

/* Layouts as released: a change here breaks every existing binary. */
_Static_assert(sizeof(struct drm_qnn_get_param) == 16, "get_param size");
_Static_assert(offsetof(struct drm_qnn_get_param, value) == 8, "get_param.value");
_Static_assert(sizeof(struct drm_qnn_bo_create) == 32, "bo_create size");
_Static_assert(offsetof(struct drm_qnn_bo_create, flags) == 8, "bo_create.flags");
_Static_assert(offsetof(struct drm_qnn_bo_create, handle) == 12, "bo_create.handle");
_Static_assert(offsetof(struct drm_qnn_bo_create, va) == 16, "bo_create.va");
_Static_assert(offsetof(struct drm_qnn_bo_create, offset) == 24, "bo_create.offset");
_Static_assert(sizeof(struct drm_qnn_bo_info) == 32, "bo_info size");
_Static_assert(offsetof(struct drm_qnn_bo_info, flags) == 4, "bo_info.flags");
_Static_assert(offsetof(struct drm_qnn_bo_info, size) == 8, "bo_info.size");
_Static_assert(offsetof(struct drm_qnn_bo_info, va) == 16, "bo_info.va");
_Static_assert(offsetof(struct drm_qnn_bo_info, offset) == 24, "bo_info.offset");
_Static_assert(DRM_IOCTL_QNN_GET_PARAM ==
	       DRM_IOWR(DRM_COMMAND_BASE + 0x00, struct drm_qnn_get_param), "nr");
_Static_assert(DRM_IOCTL_QNN_BO_CREATE ==
	       DRM_IOWR(DRM_COMMAND_BASE + 0x01, struct drm_qnn_bo_create), "nr");
_Static_assert(DRM_IOCTL_QNN_BO_INFO ==
	       DRM_IOWR(DRM_COMMAND_BASE + 0x02, struct drm_qnn_bo_info), "nr");

/* The same ioctl number with another struct size (what another ABI sends). */
#define SIZED(nr, size) _IOC(_IOC_READ | _IOC_WRITE, DRM_IOCTL_BASE, \
			     DRM_COMMAND_BASE + (nr), (size))

/* An "old" BO_CREATE that ended before .offset (24 bytes). */
TEST_F(qnn, shorter_bo_create)
{
	struct drm_qnn_bo_create c;
	struct drm_qnn_bo_info info;

	memset(&c, 0xa5, sizeof(c));
	c.size = 4096;
	c.flags = 0;
	ASSERT_EQ(0, qnn_ioctl(self->fd, SIZED(DRM_QNN_BO_CREATE, 24), &c));
	/* What lies beyond the old struct is not written. */
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, c.offset);
	ASSERT_EQ(0, qnn_bo_info(self->fd, c.handle, &info));
	EXPECT_EQ(4096, info.size);
	EXPECT_EQ(c.va, info.va);
	EXPECT_EQ(0, qnn_bo_close(self->fd, c.handle));
}

/* A "newer" BO_INFO with 16 more bytes: works, and its tail is preserved. */
TEST_F(qnn, longer_bo_info)
{
	struct {
		struct drm_qnn_bo_info info;
		uint64_t future[2];
	} big;
	struct drm_qnn_bo_create bo;

	ASSERT_EQ(0, qnn_bo_create(self->fd, 3 * 4096, DRM_QNN_BO_DEVICE_READONLY,
				   &bo));
	memset(&big, 0, sizeof(big));
	big.info.handle = bo.handle;
	ASSERT_EQ(0, qnn_ioctl(self->fd, SIZED(DRM_QNN_BO_INFO, sizeof(big)), &big));
	EXPECT_EQ(3 * 4096, big.info.size);
	EXPECT_EQ(DRM_QNN_BO_DEVICE_READONLY, big.info.flags);
	EXPECT_EQ(bo.va, big.info.va);
	EXPECT_EQ(bo.offset, big.info.offset);
	EXPECT_EQ(0, big.future[0]);
	EXPECT_EQ(0, big.future[1]);
	EXPECT_EQ(0, qnn_bo_close(self->fd, bo.handle));
}

/* A "newer" GET_PARAM (24 bytes, zero tail) gets the same answer. */
TEST_F(qnn, longer_get_param)
{
	struct {
		struct drm_qnn_get_param p;
		uint64_t future;
	} big = { .p = { .param = DRM_QNN_PARAM_NUM_CORES } };
	uint64_t cores;

	ASSERT_EQ(0, qnn_get_param(self->fd, DRM_QNN_PARAM_NUM_CORES, &cores));
	ASSERT_EQ(0, qnn_ioctl(self->fd, SIZED(DRM_QNN_GET_PARAM, sizeof(big)), &big));
	EXPECT_EQ(cores, big.p.value);
	EXPECT_EQ(0, big.future);
}

/* A struct too short to hold the input the ioctl needs: pad reads as 0. */
TEST_F(qnn, shorter_get_param_zero_extended)
{
	struct drm_qnn_get_param p;

	/* Only .param travels in; the kernel sees pad = 0, value = 0. */
	memset(&p, 0xff, sizeof(p));
	p.param = DRM_QNN_PARAM_PAGE_SIZE;
	EXPECT_EQ(0, qnn_ioctl(self->fd, SIZED(DRM_QNN_GET_PARAM, 4), &p));
	/* Nothing beyond 4 bytes is written back. */
	EXPECT_EQ(0xffffffffU, p.pad);
	EXPECT_EQ(~0ULL, p.value);
}

TEST_HARNESS_MAIN
