// SPDX-License-Identifier: GPL-2.0-only
/*
 * PRIME round trip: a BO exported from one file and imported into another
 * is the same memory (writes on either side are seen by the other and
 * through the dma-buf's own mmap), gets a VA in the importing file's
 * address space, does not create a second BO, and outlives the exporter.
 */
#include <errno.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "qnn_fixture.h"

#define LEN (16 * 4096)

TEST_F(qnn, round_trip_other_file)
{
	struct drm_qnn_bo_create bo;
	struct drm_qnn_bo_info info;
	uint64_t before, after;
	uint32_t imported;
	uint8_t *a, *b;
	int fd2, dmabuf;

	fd2 = qnn_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, qnn_bo_create(self->fd, LEN, 0, &bo));
	a = qnn_bo_mmap(self->fd, bo.offset, LEN);
	ASSERT_NE(NULL, a);
	qnn_fill(a, LEN, 42);

	ASSERT_EQ(0, qnn_prime_export(self->fd, bo.handle, &dmabuf));
	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &before));
	ASSERT_EQ(0, qnn_prime_import(fd2, dmabuf, &imported));
	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &after));
	EXPECT_EQ(before, after) TH_LOG("import into the same device made a new BO");

	/* The importer has its own VA for it, inside its own address space. */
	ASSERT_EQ(0, qnn_bo_info(fd2, imported, &info));
	EXPECT_EQ(LEN, info.size);
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(0, info.va % self->page_size);
	EXPECT_LE(self->va_start, info.va);
	EXPECT_GE(self->va_start + self->va_size, info.va + info.size);
	EXPECT_NE(0, info.offset);

	b = qnn_bo_mmap(fd2, info.offset, LEN);
	ASSERT_NE(NULL, b) TH_LOG("mmap of imported BO: %s", strerror(errno));
	EXPECT_EQ(-1, qnn_check(b, LEN, 42)) TH_LOG("importer sees other data");
	qnn_fill(b, LEN, 43);
	EXPECT_EQ(-1, qnn_check(a, LEN, 43)) TH_LOG("exporter misses importer's write");

	munmap(a, LEN);
	munmap(b, LEN);
	close(dmabuf);
	EXPECT_EQ(0, qnn_bo_close(fd2, imported));
	EXPECT_EQ(0, qnn_bo_close(self->fd, bo.handle));
	close(fd2);
}

/* The importer keeps the memory alive after the exporter closed everything. */
TEST_F(qnn, import_outlives_exporter)
{
	struct drm_qnn_bo_create bo;
	struct drm_qnn_bo_info info;
	uint32_t imported;
	uint8_t *p;
	int fd2, dmabuf;

	fd2 = qnn_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, qnn_bo_create(fd2, LEN, DRM_QNN_BO_DEVICE_READONLY, &bo));
	p = qnn_bo_mmap(fd2, bo.offset, LEN);
	ASSERT_NE(NULL, p);
	qnn_fill(p, LEN, 7);
	munmap(p, LEN);
	ASSERT_EQ(0, qnn_prime_export(fd2, bo.handle, &dmabuf));
	ASSERT_EQ(0, qnn_prime_import(self->fd, dmabuf, &imported));
	close(dmabuf);
	/* Exporter gone entirely: handle, dma-buf fd and file. */
	close(fd2);

	ASSERT_EQ(0, qnn_bo_info(self->fd, imported, &info));
	EXPECT_EQ(DRM_QNN_BO_DEVICE_READONLY, info.flags);
	p = qnn_bo_mmap(self->fd, info.offset, LEN);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(-1, qnn_check(p, LEN, 7));
	munmap(p, LEN);
	EXPECT_EQ(0, qnn_bo_close(self->fd, imported));
}

/* Importing into the exporting file gives back the original handle. */
TEST_F(qnn, self_import_same_handle)
{
	struct drm_qnn_bo_create bo;
	uint32_t imported;
	int dmabuf;

	ASSERT_EQ(0, qnn_bo_create(self->fd, LEN, 0, &bo));
	ASSERT_EQ(0, qnn_prime_export(self->fd, bo.handle, &dmabuf));
	ASSERT_EQ(0, qnn_prime_import(self->fd, dmabuf, &imported));
	EXPECT_EQ(bo.handle, imported);
	close(dmabuf);
	EXPECT_EQ(0, qnn_bo_close(self->fd, bo.handle));
}

/* The dma-buf itself can be mmap()ed and shows the BO's bytes. */
TEST_F(qnn, dmabuf_mmap)
{
	struct drm_qnn_bo_create bo;
	uint8_t *p, *d;
	int dmabuf;

	ASSERT_EQ(0, qnn_bo_create(self->fd, LEN, 0, &bo));
	p = qnn_bo_mmap(self->fd, bo.offset, LEN);
	ASSERT_NE(NULL, p);
	qnn_fill(p, LEN, 11);
	ASSERT_EQ(0, qnn_prime_export(self->fd, bo.handle, &dmabuf));
	d = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	ASSERT_NE(MAP_FAILED, d) TH_LOG("dma-buf mmap: %s", strerror(errno));
	EXPECT_EQ(-1, qnn_check(d, LEN, 11));
	qnn_fill(d, LEN, 12);
	EXPECT_EQ(-1, qnn_check(p, LEN, 12));
	munmap(d, LEN);
	munmap(p, LEN);
	close(dmabuf);
	EXPECT_EQ(0, qnn_bo_close(self->fd, bo.handle));
}

/* Repeated export/import/close cycles return bo_count to where it was. */
TEST_F(qnn, cycles_do_not_leak)
{
	uint64_t before, after;
	int fd2 = qnn_open();
	int i;

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &before));
	for (i = 0; i < 50; i++) {
		struct drm_qnn_bo_create bo;
		uint32_t imported;
		int dmabuf;

		ASSERT_EQ(0, qnn_bo_create(self->fd, 4096, 0, &bo));
		ASSERT_EQ(0, qnn_prime_export(self->fd, bo.handle, &dmabuf));
		ASSERT_EQ(0, qnn_prime_import(fd2, dmabuf, &imported));
		close(dmabuf);
		/* Drop in the "wrong" order every other cycle. */
		if (i & 1) {
			ASSERT_EQ(0, qnn_bo_close(self->fd, bo.handle));
			ASSERT_EQ(0, qnn_bo_close(fd2, imported));
		} else {
			ASSERT_EQ(0, qnn_bo_close(fd2, imported));
			ASSERT_EQ(0, qnn_bo_close(self->fd, bo.handle));
		}
	}
	close(fd2);
	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &after));
	EXPECT_EQ(before, after);
}

TEST_HARNESS_MAIN
