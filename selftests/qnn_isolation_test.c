// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-file isolation: a BO handle or mmap offset of one open file means
 * nothing in another file of the same device (docs/uapi.md: -ENOENT for
 * BO_INFO and PRIME export, -EINVAL for GEM_CLOSE, -EACCES for mmap), the
 * same handle number in two files names two different BOs, and closing a
 * file frees everything it held.
 */
#include <errno.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "qnn_fixture.h"

TEST_F(qnn, foreign_handle_invalid)
{
	struct drm_qnn_bo_create bo;
	struct drm_qnn_bo_info info;
	int fd2 = qnn_open();
	int dmabuf = -1;

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, qnn_bo_create(self->fd, 4096, 0, &bo));
	EXPECT_EQ(-ENOENT, qnn_bo_info(fd2, bo.handle, &info));
	EXPECT_EQ(-ENOENT, qnn_prime_export(fd2, bo.handle, &dmabuf));
	EXPECT_EQ(-1, dmabuf);
	/* DRM core: GEM_CLOSE of a handle the file does not own. */
	EXPECT_EQ(-EINVAL, qnn_bo_close(fd2, bo.handle));
	/* ...and that attempt did not close it in its real owner. */
	EXPECT_EQ(0, qnn_bo_info(self->fd, bo.handle, &info));
	EXPECT_EQ(0, qnn_bo_close(self->fd, bo.handle));
	close(fd2);
}

/* mmap of another file's offset: the DRM core refuses with -EACCES. */
TEST_F(qnn, foreign_mmap_offset_refused)
{
	struct drm_qnn_bo_create bo;
	int fd2 = qnn_open();
	void *p;

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, qnn_bo_create(self->fd, 4096, 0, &bo));
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd2,
		 (off_t)bo.offset);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	if (p != MAP_FAILED)
		munmap(p, 4096);
	EXPECT_EQ(0, qnn_bo_close(self->fd, bo.handle));
	close(fd2);
}

/* Equal handle numbers in two files are two different BOs. */
TEST_F(qnn, same_number_different_bo)
{
	struct drm_qnn_bo_create a, b;
	struct drm_qnn_bo_info ia, ib;
	uint8_t *pa, *pb;
	int fd2 = qnn_open();

	ASSERT_LE(0, fd2);
	/* Fresh files hand out the same first handle number. */
	ASSERT_EQ(0, qnn_bo_create(self->fd, 2 * 4096, 0, &a));
	ASSERT_EQ(0, qnn_bo_create(fd2, 3 * 4096, 0, &b));
	ASSERT_EQ(0, qnn_bo_info(self->fd, a.handle, &ia));
	ASSERT_EQ(0, qnn_bo_info(fd2, b.handle, &ib));
	EXPECT_EQ(2 * 4096, ia.size);
	EXPECT_EQ(3 * 4096, ib.size);
	pa = qnn_bo_mmap(self->fd, a.offset, 4096);
	pb = qnn_bo_mmap(fd2, b.offset, 4096);
	ASSERT_NE(NULL, pa);
	ASSERT_NE(NULL, pb);
	qnn_fill(pa, 4096, 1);
	qnn_fill(pb, 4096, 2);
	EXPECT_EQ(-1, qnn_check(pa, 4096, 1));
	EXPECT_EQ(-1, qnn_check(pb, 4096, 2));
	munmap(pa, 4096);
	munmap(pb, 4096);
	close(fd2);
	EXPECT_EQ(0, qnn_bo_close(self->fd, a.handle));
}

/* Closing a file releases its BOs and its context (debugfs counters). */
TEST_F(qnn, close_releases_everything)
{
	uint64_t bos0, files0, bos1, files1, bos2, files2;
	int fd2, i;

	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &bos0));
	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "files", &files0));
	fd2 = qnn_open();
	ASSERT_LE(0, fd2);
	for (i = 0; i < 20; i++) {
		struct drm_qnn_bo_create bo;

		ASSERT_EQ(0, qnn_bo_create(fd2, 4096 * (i + 1), 0, &bo));
	}
	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &bos1));
	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "files", &files1));
	EXPECT_EQ(bos0 + 20, bos1);
	EXPECT_EQ(files0 + 1, files1);
	close(fd2);
	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &bos2));
	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "files", &files2));
	EXPECT_EQ(bos0, bos2);
	EXPECT_EQ(files0, files2);
}

TEST_HARNESS_MAIN
