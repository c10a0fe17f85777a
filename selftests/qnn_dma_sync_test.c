// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU and device see each other's writes: the CPU writes through a BO's
 * mmap, a device job copies it, the CPU reads the copy through the other
 * BO's mmap. On a coherent device without bouncing this is trivially true;
 * under swiotlb=force (the VM's bounce lane) or with a device that does not
 * snoop CPU caches, it holds only if the driver syncs the BOs' DMA mappings
 * for the device before a job runs and for the CPU before the job's fence
 * signals (docs/uapi.md, "Memory coherence"). The oracle is the CPU's own
 * pattern, never the device's arithmetic.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "qnn_fixture.h"
#include "qnn_copy_job.h"

#define WORDS	1024			/* one 4 KiB page of int32 */
#define BYTES	(WORDS * 4)

struct bo {
	uint32_t handle;
	uint64_t va;
	uint32_t *map;
	size_t size;
};

static int bo_new(int fd, size_t size, struct bo *b)
{
	struct drm_qnn_bo_create c;
	int ret;

	ret = qnn_bo_create(fd, size, 0, &c);
	if (ret)
		return ret;
	b->handle = c.handle;
	b->va = c.va;
	b->size = size;
	b->map = qnn_bo_mmap(fd, c.offset, size);
	return b->map ? 0 : -errno;
}

static void bo_del(int fd, struct bo *b)
{
	if (b->map)
		munmap(b->map, b->size);
	qnn_bo_close(fd, b->handle);
}

static void fill(uint32_t *w, unsigned int n, uint32_t seed)
{
	for (unsigned int i = 0; i < n; i++)
		w[i] = seed * 0x9e3779b9u + i * 0x85ebca6bu + 1;
}

/* How many of @n words differ from fill(seed). */
static unsigned int wrong(const uint32_t *w, unsigned int n, uint32_t seed)
{
	uint32_t want[WORDS * 4];
	unsigned int bad = 0;

	fill(want, n, seed);
	for (unsigned int i = 0; i < n; i++)
		bad += w[i] != want[i];
	return bad;
}

/* CPU write -> device copy -> CPU read, repeated on the same BOs. */
TEST_F(qnn, cpu_device_cpu)
{
	struct bo src, dst;

	ASSERT_EQ(0, bo_new(self->fd, BYTES, &src));
	ASSERT_EQ(0, bo_new(self->fd, BYTES, &dst));
	for (uint32_t round = 1; round <= 4; round++) {
		fill(src.map, WORDS, round);
		memset(dst.map, 0xa5, BYTES);
		ASSERT_EQ(DRM_QNN_JOB_COMPLETED,
			  qnn_copy(self->fd, src.handle, src.va, dst.handle,
				   dst.va, WORDS));
		/* the device saw the CPU's words, the CPU sees the device's */
		EXPECT_EQ(0, wrong(dst.map, WORDS, round))
			TH_LOG("round %u: %u of %u words wrong", round,
			       wrong(dst.map, WORDS, round), WORDS);
		/* a read-only use must not write stale data back */
		EXPECT_EQ(0, wrong(src.map, WORDS, round));
	}
	bo_del(self->fd, &src);
	bo_del(self->fd, &dst);
}

/*
 * The device writes only part of a BO the CPU filled: the rest must keep
 * the CPU's bytes (the written BO is synced for the device too).
 */
TEST_F(qnn, partial_write_keeps_cpu_bytes)
{
	struct bo src, dst;
	uint32_t want[WORDS];

	ASSERT_EQ(0, bo_new(self->fd, BYTES, &src));
	ASSERT_EQ(0, bo_new(self->fd, BYTES, &dst));
	fill(src.map, WORDS, 7);
	fill(dst.map, WORDS, 8);
	fill(want, WORDS, 8);
	ASSERT_EQ(DRM_QNN_JOB_COMPLETED,
		  qnn_copy(self->fd, src.handle, src.va, dst.handle, dst.va,
			   WORDS / 2));
	EXPECT_EQ(0, wrong(dst.map, WORDS / 2, 7));
	EXPECT_EQ(0, memcmp(dst.map + WORDS / 2, want + WORDS / 2, BYTES / 2));
	bo_del(self->fd, &src);
	bo_del(self->fd, &dst);
}

/* A BO of several pages (several DMA segments, or one long bounce slot). */
TEST_F(qnn, multi_page)
{
	struct bo src, dst;

	ASSERT_EQ(0, bo_new(self->fd, BYTES * 4, &src));
	ASSERT_EQ(0, bo_new(self->fd, BYTES * 4, &dst));
	fill(src.map, WORDS * 4, 5);
	ASSERT_EQ(DRM_QNN_JOB_COMPLETED,
		  qnn_copy(self->fd, src.handle, src.va, dst.handle, dst.va,
			   WORDS * 4));
	EXPECT_EQ(0, wrong(dst.map, WORDS * 4, 5))
		TH_LOG("%u of %u words wrong", wrong(dst.map, WORDS * 4, 5),
		       WORDS * 4);
	bo_del(self->fd, &src);
	bo_del(self->fd, &dst);
}

/*
 * Device -> device: job 2 reads what job 1 wrote (ordered by implicit
 * sync), submitted before job 1 ended; the CPU checks the end of the chain.
 */
TEST_F(qnn, device_chain)
{
	struct bo a, b, c;
	uint64_t j1, j2;

	ASSERT_EQ(0, bo_new(self->fd, BYTES * 4, &a));
	ASSERT_EQ(0, bo_new(self->fd, BYTES * 4, &b));
	ASSERT_EQ(0, bo_new(self->fd, BYTES * 4, &c));
	fill(a.map, WORDS * 4, 11);
	ASSERT_EQ(0, qnn_copy_submit(self->fd, a.handle, a.va, b.handle, b.va,
				     WORDS * 4, &j1));
	ASSERT_EQ(0, qnn_copy_submit(self->fd, b.handle, b.va, c.handle, c.va,
				     WORDS * 4, &j2));
	ASSERT_EQ(DRM_QNN_JOB_COMPLETED, qnn_copy_wait(self->fd, j2));
	ASSERT_EQ(DRM_QNN_JOB_COMPLETED, qnn_copy_wait(self->fd, j1));
	EXPECT_EQ(0, wrong(b.map, WORDS * 4, 11));
	EXPECT_EQ(0, wrong(c.map, WORDS * 4, 11));
	bo_del(self->fd, &a);
	bo_del(self->fd, &b);
	bo_del(self->fd, &c);
}

/* Through PRIME: the exporter's CPU writes, the importer's device copies. */
TEST_F(qnn, imported_bo)
{
	struct bo src, dst;
	uint32_t imp;
	int fd2, dmabuf;

	fd2 = qnn_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, bo_new(self->fd, BYTES, &src));
	ASSERT_EQ(0, bo_new(fd2, BYTES, &dst));
	ASSERT_EQ(0, qnn_prime_export(self->fd, src.handle, &dmabuf));
	ASSERT_EQ(0, qnn_prime_import(fd2, dmabuf, &imp));
	struct drm_qnn_bo_info info;

	ASSERT_EQ(0, qnn_bo_info(fd2, imp, &info));
	fill(src.map, WORDS, 21);
	ASSERT_EQ(DRM_QNN_JOB_COMPLETED,
		  qnn_copy(fd2, imp, info.va, dst.handle, dst.va, WORDS));
	EXPECT_EQ(0, wrong(dst.map, WORDS, 21));
	/* and back: the importer's device writes, the exporter's CPU reads */
	fill(dst.map, WORDS, 22);
	ASSERT_EQ(DRM_QNN_JOB_COMPLETED,
		  qnn_copy(fd2, dst.handle, dst.va, imp, info.va, WORDS));
	EXPECT_EQ(0, wrong(src.map, WORDS, 22));
	close(dmabuf);
	bo_del(fd2, &dst);
	qnn_bo_close(fd2, imp);
	bo_del(self->fd, &src);
	close(fd2);
}

/* DMA_COHERENT and DMA_BITS answer, and agree with each other's meaning. */
TEST_F(qnn, dma_params)
{
	uint64_t coherent, bits;

	ASSERT_EQ(0, qnn_get_param(self->fd, DRM_QNN_PARAM_DMA_COHERENT,
				   &coherent));
	ASSERT_EQ(0, qnn_get_param(self->fd, DRM_QNN_PARAM_DMA_BITS, &bits));
	EXPECT_LE(coherent, 1);
	EXPECT_LE(32, bits);
	EXPECT_GE(52, bits);
}

#define SIM_DRV		"/sys/bus/platform/drivers/qnn_sim/"
#define NARROW_ID	7	/* the 32-bit device dma_bus_width makes */
#define NARROW_BOS	128
#define NARROW_BYTES	(4 * 4096)	/* a copy job moves up to 4096 words */


/* swiotlb slots in use (debugfs), -1 when unknown. */
static long swiotlb_used(void)
{
	FILE *f = fopen("/sys/kernel/debug/swiotlb/io_tlb_used", "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/*
 * The DMA mask is the device's bus width (DMA_CAPS), not a blanket 64
 * bits: a qnn_sim device with 32 address lines (new_device dma_bits=32,
 * a bus error beyond them) copies BOs whose pages sit above 4 GiB
 * correctly, because the mask makes the DMA API bounce them below: the
 * swiotlb slots in use grow while the BOs are mapped (user pages cannot be
 * told apart by address: /proc/self/pagemap skips a GEM mmap, a PFN map).
 * The stock lane puts 1 GiB of RAM above 4 GiB for this; where nothing
 * was bounced the test SKIPs. With the old DMA_BIT_MASK(64) the copies fail.
 */
TEST(dma_mask_from_device_bus_width)
{
	struct bo src[NARROW_BOS], dst[NARROW_BOS];
	char arg[32], parent[32];
	long used0 = swiotlb_used(), high;
	uint64_t bits;
	int fd;

	if (access(SIM_DRV "new_device", W_OK))
		SKIP(return, "not on qnn_sim (a device of 32 address lines is made there)");
	snprintf(arg, sizeof(arg), "%d", NARROW_ID);
	qnn_write_file(SIM_DRV "del_device", arg);
	snprintf(arg, sizeof(arg), "%d dma_bits=32", NARROW_ID);
	ASSERT_EQ(0, qnn_write_file(SIM_DRV "new_device", arg));
	snprintf(parent, sizeof(parent), "qnn_sim.%d", NARROW_ID);
	fd = qnn_open_by_parent(parent);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, qnn_get_param(fd, DRM_QNN_PARAM_DMA_BITS, &bits));
	EXPECT_EQ(32, bits);
	for (int i = 0; i < NARROW_BOS; i++) {
		ASSERT_EQ(0, bo_new(fd, NARROW_BYTES, &src[i]));
		ASSERT_EQ(0, bo_new(fd, NARROW_BYTES, &dst[i]));
		fill(src[i].map, NARROW_BYTES / 4, 100 + i);
		memset(dst[i].map, 0xa5, NARROW_BYTES);
	}
	/* BOs are DMA-mapped while they live: bounced pages hold slots */
	high = used0 < 0 ? 0 : swiotlb_used() - used0;
	TH_LOG("%ld swiotlb slots taken by %d BO pages", high,
	       2 * NARROW_BOS * NARROW_BYTES / 4096);
	for (int i = 0; high && i < NARROW_BOS; i++) {
		uint32_t *want = malloc(NARROW_BYTES);

		ASSERT_NE(NULL, want);
		fill(want, NARROW_BYTES / 4, 100 + i);
		ASSERT_EQ(DRM_QNN_JOB_COMPLETED,
			  qnn_copy(fd, src[i].handle, src[i].va, dst[i].handle,
				   dst[i].va, NARROW_BYTES / 4)) TH_LOG("BO %d", i);
		EXPECT_EQ(0, memcmp(want, dst[i].map, NARROW_BYTES))
			TH_LOG("BO %d", i);
		free(want);
	}
	for (int i = 0; i < NARROW_BOS; i++) {
		bo_del(fd, &src[i]);
		bo_del(fd, &dst[i]);
	}
	close(fd);
	snprintf(arg, sizeof(arg), "%d", NARROW_ID);
	EXPECT_EQ(0, qnn_write_file(SIM_DRV "del_device", arg));
	if (!high)
		SKIP(return, "no BO page bounced (no RAM above 4 GiB? %s)",
		     "the stock lane has some");
}

TEST_HARNESS_MAIN
