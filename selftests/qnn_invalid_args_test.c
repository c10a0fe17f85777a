// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile arguments get the errno docs/uapi.md documents, never a BO, a
 * crash or a kernel splat: bad handles, non-zero pads and input-only-zero
 * fields, zero and huge sizes, unknown flags, unimplemented ioctl numbers,
 * out-of-range mmaps.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "qnn_fixture.h"

TEST_F(qnn, bo_create_zero_size)
{
	struct drm_qnn_bo_create bo;

	EXPECT_EQ(-EINVAL, qnn_bo_create(self->fd, 0, 0, &bo));
	EXPECT_EQ(-EINVAL, qnn_bo_create(self->fd, 0, DRM_QNN_BO_DEVICE_READONLY, &bo));
}

TEST_F(qnn, bo_create_huge_size)
{
	const uint64_t bad[] = {
		self->va_size + 1,
		self->va_size + self->page_size,
		1ULL << 63,
		UINT64_MAX - self->page_size + 2,	/* page round-up overflows */
		UINT64_MAX,
	};
	struct drm_qnn_bo_create bo;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, qnn_bo_create(self->fd, bad[i], 0, &bo))
			TH_LOG("size 0x%llx", (unsigned long long)bad[i]);
	}
}

/* Legal size, but more pinned memory than the VM has: -ENOMEM, not OOM. */
TEST_F(qnn, bo_create_more_than_ram)
{
	struct drm_qnn_bo_create bo;
	long pages = sysconf(_SC_PHYS_PAGES);
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t ram = (uint64_t)pages * (uint64_t)psz;

	ASSERT_LT(0, pages);
	/* Only meaningful when the whole address space exceeds half of RAM. */
	if (self->va_size <= ram / 2)
		SKIP(return, "VA space %llu <= half of RAM %llu",
		     (unsigned long long)self->va_size, (unsigned long long)ram);
	EXPECT_EQ(-ENOMEM, qnn_bo_create(self->fd, self->va_size, 0, &bo));
}

TEST_F(qnn, bo_create_unknown_flags)
{
	struct drm_qnn_bo_create bo;
	uint32_t bit;

	for (bit = 0; bit < 32; bit++) {
		uint32_t f = 1U << bit;

		if (f & DRM_QNN_BO_FLAGS)
			continue;
		EXPECT_EQ(-EINVAL, qnn_bo_create(self->fd, 4096, f, &bo))
			TH_LOG("flag 0x%x", f);
	}
	EXPECT_EQ(-EINVAL, qnn_bo_create(self->fd, 4096, ~0U, &bo));
	EXPECT_EQ(-EINVAL, qnn_bo_create(self->fd, 4096,
					 DRM_QNN_BO_FLAGS | 0x80000000U, &bo));
}

/* Out fields are ignored on input: garbage there still creates a BO. */
TEST_F(qnn, bo_create_ignores_out_fields)
{
	struct drm_qnn_bo_create c = {
		.size = 4096, .handle = 0xdeadbeef, .va = ~0ULL, .offset = 12345,
	};
	struct drm_qnn_bo_info info;

	ASSERT_EQ(0, qnn_ioctl(self->fd, DRM_IOCTL_QNN_BO_CREATE, &c));
	EXPECT_NE(0xdeadbeef, c.handle);
	ASSERT_EQ(0, qnn_bo_info(self->fd, c.handle, &info));
	EXPECT_EQ(c.va, info.va);
	EXPECT_EQ(0, qnn_bo_close(self->fd, c.handle));
}

TEST_F(qnn, bo_info_bad_handles)
{
	static const uint32_t bad[] = { 0, 1, 2, 1000, 0x7fffffff, 0xffffffff };
	struct drm_qnn_bo_info info;
	unsigned int i;

	/* A fresh file owns no handles at all. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-ENOENT, qnn_bo_info(self->fd, bad[i], &info))
			TH_LOG("handle %u", bad[i]);
	}
}

TEST_F(qnn, bo_info_nonzero_flags_in)
{
	struct drm_qnn_bo_create bo;
	struct drm_qnn_bo_info i = { 0 };

	ASSERT_EQ(0, qnn_bo_create(self->fd, 4096, 0, &bo));
	i.handle = bo.handle;
	i.flags = 1;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_BO_INFO, &i));
	i.flags = 0x80000000;
	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_BO_INFO, &i));
	/* Out fields with garbage are fine. */
	i.flags = 0;
	i.size = i.va = i.offset = ~0ULL;
	EXPECT_EQ(0, qnn_ioctl(self->fd, DRM_IOCTL_QNN_BO_INFO, &i));
	EXPECT_EQ(4096, i.size);
	EXPECT_EQ(bo.va, i.va);
	EXPECT_EQ(0, qnn_bo_close(self->fd, bo.handle));
}

TEST_F(qnn, get_param_nonzero_pad)
{
	struct drm_qnn_get_param p = { .param = DRM_QNN_PARAM_OPS, .pad = 1 };

	EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_GET_PARAM, &p));
}

TEST_F(qnn, gem_close_bad_handles)
{
	struct drm_qnn_bo_create bo;

	EXPECT_EQ(-EINVAL, qnn_bo_close(self->fd, 0));
	EXPECT_EQ(-EINVAL, qnn_bo_close(self->fd, 12345));
	ASSERT_EQ(0, qnn_bo_create(self->fd, 4096, 0, &bo));
	EXPECT_EQ(0, qnn_bo_close(self->fd, bo.handle));
	/* Double close. */
	EXPECT_EQ(-EINVAL, qnn_bo_close(self->fd, bo.handle));
}

TEST_F(qnn, prime_bad_arguments)
{
	struct drm_qnn_bo_create bo;
	uint32_t h;
	int dmabuf, efd;

	EXPECT_EQ(-ENOENT, qnn_prime_export(self->fd, 777, &dmabuf));
	/* Not a descriptor at all, then a descriptor that is no dma-buf. */
	EXPECT_EQ(-EBADF, qnn_prime_import(self->fd, 1000000, &h));
	EXPECT_EQ(-EBADF, qnn_prime_import(self->fd, -1, &h));
	efd = qnn_open();
	ASSERT_LE(0, efd);
	EXPECT_EQ(-EINVAL, qnn_prime_import(self->fd, efd, &h));
	close(efd);
	/* Unknown export flags are refused by the DRM core. */
	ASSERT_EQ(0, qnn_bo_create(self->fd, 4096, 0, &bo));
	EXPECT_EQ(-1, drmPrimeHandleToFD(self->fd, bo.handle, 0x4000, &dmabuf));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, qnn_bo_close(self->fd, bo.handle));
}

/*
 * Reserved and unused driver ioctl numbers: -EINVAL (DRM core); the
 * implemented ones from 0x03 on refuse zeroed arguments: -EINVAL, but
 * CMDS_DESTROY of handle 0, which no kept stream has: -ENOENT.
 */
TEST_F(qnn, unimplemented_ioctls)
{
	uint8_t buf[64] = { 0 };
	unsigned int nr;

	for (nr = 0x03; nr <= 0x3f; nr++) {
		unsigned long req = DRM_IOWR(DRM_COMMAND_BASE + nr, buf);
		int want = nr == DRM_QNN_CMDS_DESTROY ? -ENOENT : -EINVAL;

		EXPECT_EQ(want, qnn_ioctl(self->fd, req, buf))
			TH_LOG("ioctl nr 0x%x", nr);
	}
}

TEST_F(qnn, mmap_out_of_range)
{
	struct drm_qnn_bo_create bo;
	void *p;

	ASSERT_EQ(0, qnn_bo_create(self->fd, 2 * 4096, 0, &bo));
	/* Longer than the BO. */
	p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 (off_t)bo.offset);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	if (p != MAP_FAILED)
		munmap(p, 3 * 4096);
	/* Inside the BO but not its start: GEM looks offsets up exactly. */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 (off_t)(bo.offset + 4096));
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	if (p != MAP_FAILED)
		munmap(p, 4096);
	/* An offset no BO has. */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd,
		 (off_t)(bo.offset + (1ULL << 30)));
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	if (p != MAP_FAILED)
		munmap(p, 4096);
	EXPECT_EQ(0, qnn_bo_close(self->fd, bo.handle));
}

TEST_HARNESS_MAIN
