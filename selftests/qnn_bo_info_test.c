// SPDX-License-Identifier: GPL-2.0-only
/*
 * DRM_IOCTL_QNN_BO_INFO describes a BO exactly as BO_CREATE returned it,
 * sizes are rounded up to the device page size, device addresses are
 * page-aligned, inside the file's address space and never overlap, and a
 * closed handle gives -ENOENT.
 */
#include <errno.h>

#include "kselftest_harness.h"
#include "qnn_fixture.h"

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

TEST_F(qnn, matches_create)
{
	const uint64_t sizes[] = { 1, self->page_size - 1, self->page_size,
				   self->page_size + 1, 1 << 20 };
	const uint32_t flags[] = { 0, DRM_QNN_BO_DEVICE_READONLY };
	unsigned int i, f;

	for (f = 0; f < 2; f++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			struct drm_qnn_bo_create bo;
			struct drm_qnn_bo_info info;

			ASSERT_EQ(0, qnn_bo_create(self->fd, sizes[i], flags[f], &bo));
			ASSERT_EQ(0, qnn_bo_info(self->fd, bo.handle, &info));
			EXPECT_EQ(bo.handle, info.handle);
			EXPECT_EQ(flags[f], info.flags);
			EXPECT_EQ(round_up(sizes[i], self->page_size), info.size)
				TH_LOG("requested %llu",
				       (unsigned long long)sizes[i]);
			EXPECT_EQ(bo.va, info.va);
			EXPECT_EQ(bo.offset, info.offset);
			EXPECT_NE(0, info.offset);
			EXPECT_EQ(0, info.offset % 4096);
			EXPECT_EQ(0, qnn_bo_close(self->fd, bo.handle));
		}
	}
}

TEST_F(qnn, va_inside_and_disjoint)
{
	enum { N = 64 };
	struct drm_qnn_bo_info info[N];
	uint64_t end = self->va_start + self->va_size;
	int i, j;

	for (i = 0; i < N; i++) {
		struct drm_qnn_bo_create bo;

		/* Mixed sizes so the allocator has to place unequal ranges. */
		ASSERT_EQ(0, qnn_bo_create(self->fd, (1 + i % 5) * self->page_size,
					   0, &bo));
		ASSERT_EQ(0, qnn_bo_info(self->fd, bo.handle, &info[i]));
		EXPECT_EQ(0, info[i].va % self->page_size);
		EXPECT_LE(self->va_start, info[i].va);
		EXPECT_GE(end, info[i].va + info[i].size)
			TH_LOG("BO #%d [0x%llx, +0x%llx) beyond VA end 0x%llx", i,
			       (unsigned long long)info[i].va,
			       (unsigned long long)info[i].size,
			       (unsigned long long)end);
	}
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++) {
			int overlap = info[i].va < info[j].va + info[j].size &&
				      info[j].va < info[i].va + info[i].size;

			EXPECT_FALSE(overlap) TH_LOG("BOs %d and %d overlap", i, j);
			EXPECT_NE(info[i].offset, info[j].offset);
			EXPECT_NE(info[i].handle, info[j].handle);
		}
	for (i = 0; i < N; i++) {
		EXPECT_EQ(0, qnn_bo_close(self->fd, info[i].handle));
	}
}

TEST_F(qnn, closed_handle_enoent)
{
	struct drm_qnn_bo_create bo;
	struct drm_qnn_bo_info info;

	ASSERT_EQ(0, qnn_bo_create(self->fd, self->page_size, 0, &bo));
	ASSERT_EQ(0, qnn_bo_info(self->fd, bo.handle, &info));
	ASSERT_EQ(0, qnn_bo_close(self->fd, bo.handle));
	EXPECT_EQ(-ENOENT, qnn_bo_info(self->fd, bo.handle, &info));
}

/*
 * Freed device addresses are handed out again: allocate and free more than
 * the whole address space in total (when it is small enough to do so in the
 * VM), which only works if nothing leaks per cycle.
 */
TEST_F_TIMEOUT(qnn, va_space_recycled, 120)
{
	uint64_t big = self->va_size / 4;
	uint64_t cycles;
	uint64_t i;

	/* Cap the BO at 16 MiB so the VM's memory is not the limit. */
	if (big > (16 << 20))
		big = 16 << 20;
	big -= big % self->page_size;
	ASSERT_LT(0, big);
	cycles = 2 * (self->va_size / big) + 1;
	if (cycles > 256)
		cycles = 256;
	for (i = 0; i < cycles; i++) {
		struct drm_qnn_bo_create bo;

		ASSERT_EQ(0, qnn_bo_create(self->fd, big, 0, &bo))
			TH_LOG("cycle %llu of %llu", (unsigned long long)i,
			       (unsigned long long)cycles);
		ASSERT_EQ(0, qnn_bo_close(self->fd, bo.handle));
	}
}

TEST_HARNESS_MAIN
