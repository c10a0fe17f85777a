// SPDX-License-Identifier: GPL-2.0-only
/*
 * BO_CREATE + mmap: a new BO reads as zeros, bytes written through one
 * mapping read back through another and after remapping, and a mapping
 * outlives the handle.
 */
#include <errno.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "qnn_fixture.h"

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static int all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

TEST_F(qnn, write_read_sizes)
{
	const uint64_t sizes[] = { 1, 100, 4096, self->page_size,
				   self->page_size + 1, 3 * self->page_size - 7,
				   1 << 20, (4 << 20) + 4096 };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct drm_qnn_bo_create bo;
		size_t len = round_up(sizes[i], self->page_size);
		uint8_t *p;

		ASSERT_EQ(0, qnn_bo_create(self->fd, sizes[i], 0, &bo))
			TH_LOG("size %llu", (unsigned long long)sizes[i]);
		p = qnn_bo_mmap(self->fd, bo.offset, len);
		ASSERT_NE(NULL, p) TH_LOG("mmap size %zu: %s", len, strerror(errno));
		/* Fresh memory must never leak another user's data. */
		EXPECT_TRUE(all_zero(p, len)) TH_LOG("size %zu not zeroed", len);
		qnn_fill(p, len, 0x1000 + i);
		ASSERT_EQ(0, munmap(p, len));

		p = qnn_bo_mmap(self->fd, bo.offset, len);
		ASSERT_NE(NULL, p);
		EXPECT_EQ(-1, qnn_check(p, len, 0x1000 + i))
			TH_LOG("size %zu: byte %ld differs after remap", len,
			       qnn_check(p, len, 0x1000 + i));
		ASSERT_EQ(0, munmap(p, len));
		ASSERT_EQ(0, qnn_bo_close(self->fd, bo.handle));
	}
}

/* Two mappings of one BO are the same pages. */
TEST_F(qnn, two_mappings_coherent)
{
	size_t len = 8 * self->page_size;
	struct drm_qnn_bo_create bo;
	uint8_t *a, *b;

	ASSERT_EQ(0, qnn_bo_create(self->fd, len, 0, &bo));
	a = qnn_bo_mmap(self->fd, bo.offset, len);
	b = qnn_bo_mmap(self->fd, bo.offset, len);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(a, b);
	qnn_fill(a, len, 7);
	EXPECT_EQ(-1, qnn_check(b, len, 7));
	qnn_fill(b + self->page_size, self->page_size, 8);
	EXPECT_EQ(-1, qnn_check(a + self->page_size, self->page_size, 8));
	munmap(a, len);
	munmap(b, len);
	EXPECT_EQ(0, qnn_bo_close(self->fd, bo.handle));
}

/* A mapping holds its own reference: closing the handle keeps the pages. */
TEST_F(qnn, mapping_outlives_handle)
{
	size_t len = 4 * self->page_size;
	struct drm_qnn_bo_create bo;
	uint8_t *p;

	ASSERT_EQ(0, qnn_bo_create(self->fd, len, 0, &bo));
	p = qnn_bo_mmap(self->fd, bo.offset, len);
	ASSERT_NE(NULL, p);
	qnn_fill(p, len, 99);
	ASSERT_EQ(0, qnn_bo_close(self->fd, bo.handle));
	EXPECT_EQ(-1, qnn_check(p, len, 99));
	qnn_fill(p, len, 100);
	EXPECT_EQ(-1, qnn_check(p, len, 100));
	EXPECT_EQ(0, munmap(p, len));
}

/*
 * A mapping may cover just the first pages of a BO. (It must start at the
 * BO's offset: GEM looks offsets up exactly, see qnn_invalid_args_test.)
 */
TEST_F(qnn, prefix_mapping)
{
	size_t len = 4 * self->page_size;
	struct drm_qnn_bo_create bo;
	uint8_t *all, *part;

	ASSERT_EQ(0, qnn_bo_create(self->fd, len, 0, &bo));
	all = qnn_bo_mmap(self->fd, bo.offset, len);
	ASSERT_NE(NULL, all);
	qnn_fill(all, len, 5);
	part = qnn_bo_mmap(self->fd, bo.offset, self->page_size);
	ASSERT_NE(NULL, part) TH_LOG("mmap of first page: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(part, all, self->page_size));
	munmap(part, self->page_size);
	munmap(all, len);
	EXPECT_EQ(0, qnn_bo_close(self->fd, bo.handle));
}

/* Many live BOs at once, each with its own contents. */
TEST_F(qnn, many_bos)
{
	enum { N = 256 };
	struct drm_qnn_bo_create bo[N];
	int i;

	for (i = 0; i < N; i++) {
		uint8_t *p;

		ASSERT_EQ(0, qnn_bo_create(self->fd, self->page_size, 0, &bo[i]))
			TH_LOG("BO #%d", i);
		p = qnn_bo_mmap(self->fd, bo[i].offset, self->page_size);
		ASSERT_NE(NULL, p);
		qnn_fill(p, self->page_size, i);
		munmap(p, self->page_size);
	}
	for (i = 0; i < N; i++) {
		uint8_t *p = qnn_bo_mmap(self->fd, bo[i].offset, self->page_size);

		ASSERT_NE(NULL, p);
		EXPECT_EQ(-1, qnn_check(p, self->page_size, i)) TH_LOG("BO #%d", i);
		munmap(p, self->page_size);
		EXPECT_EQ(0, qnn_bo_close(self->fd, bo[i].handle));
	}
}

TEST_HARNESS_MAIN
