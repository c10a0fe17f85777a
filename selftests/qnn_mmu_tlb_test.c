// SPDX-License-Identifier: GPL-2.0-only
/*
 * The translation-cache contract of docs/hw-interface.md, "Translation
 * caching", against the TLB model of qnn_sim (tlb_entries > 0, the default)
 * or of the qnn-pci model (its test block has the statistics):
 * entries are tagged by root table, so two files using the same VA never
 * see each other's pages; the driver returns a VA to its allocator only
 * after the device has completed a flush, so a new BO at a just-freed VA
 * can never be reached through a stale entry, even while a flush is slow
 * (debugfs flush_delay_ms) or never completes (flush_hang: the range is
 * quarantined until the file closes; qnn_sim only: the qnn-pci model
 * flushes at once). Oracle: the CPU's own data.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "qnn_fixture.h"
#include "qnn_copy_job.h"
#include "qnn_fault.h"

#define WORDS	1024
#define BYTES	(WORDS * 4)

struct bo {
	uint32_t handle;
	uint64_t va;
	uint32_t *map;
};

static int bo_new(int fd, uint32_t seed, struct bo *b)
{
	struct drm_qnn_bo_create c;
	int ret;

	ret = qnn_bo_create(fd, BYTES, 0, &c);
	if (ret)
		return ret;
	b->handle = c.handle;
	b->va = c.va;
	b->map = qnn_bo_mmap(fd, c.offset, BYTES);
	if (!b->map)
		return -errno;
	for (unsigned int i = 0; i < WORDS; i++)
		b->map[i] = seed * 0x01000193u + i;
	return 0;
}

static void bo_del(int fd, struct bo *b)
{
	munmap(b->map, BYTES);
	qnn_bo_close(fd, b->handle);
}

/* Does @b hold what bo_new(seed) wrote? */
static int holds(const struct bo *b, uint32_t seed)
{
	for (unsigned int i = 0; i < WORDS; i++)
		if (b->map[i] != seed * 0x01000193u + i)
			return 0;
	return 1;
}

/* fault knobs and TLB statistics of qnn_sim or the qnn-pci model */
static int sim_set(int fd, const char *name, unsigned int val)
{
	return qnn_fault_set(fd, name, val);
}

static uint64_t sim_get(int fd, const char *name)
{
	uint64_t v = 0;

	qnn_fault_get(fd, name, &v);
	return v;
}

/* A model whose flushes complete at once (qnn-pci) has no flush knobs. */
#define NEED_KNOB(fd, name) do {					\
		uint64_t v_;						\
		if (qnn_fault_get(fd, name, &v_) == -EOPNOTSUPP)	\
			SKIP(return, "the device's model has no %s knob", name); \
	} while (0)

/*
 * Wait until some file of ours has exactly @bos mappings of @bos pages
 * (jobs ended and freed: they hold mappings until then): 0 or -ETIME.
 */
static int wait_maps(int fd, unsigned int bos)
{
	char path[64], line[256];
	int minor = qnn_minor(fd);

	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%d/va", minor);
	for (int tries = 0; tries < 400; tries++) {
		FILE *f = fopen(path, "r");
		int found = 0;

		while (f && fgets(line, sizeof(line), f)) {
			unsigned int n, pt;
			unsigned long long mapped;
			int pid;
			char comm[32];

			if (sscanf(line, "pid=%d comm=%31s bos=%u mapped=%llu pt_pages=%u",
				   &pid, comm, &n, &mapped, &pt) == 5 &&
			    pid == getpid() && n == bos && mapped == bos * BYTES)
				found = 1;
		}
		if (f)
			fclose(f);
		if (found)
			return 0;
		usleep(5000);
	}
	return -ETIME;
}

/* The model is on: jobs hit cached translations. */
TEST_F(qnn, tlb_model_active)
{
	struct bo a, b;
	uint64_t hits;

	ASSERT_LT(0, sim_get(self->fd, "tlb_misses") +
		     sim_get(self->fd, "tlb_flushes"))
		TH_LOG("no TLB statistics: qnn_sim loaded with tlb_entries=0?");
	ASSERT_EQ(0, bo_new(self->fd, 1, &a));
	ASSERT_EQ(0, bo_new(self->fd, 2, &b));
	hits = sim_get(self->fd, "tlb_hits");
	ASSERT_EQ(DRM_QNN_JOB_COMPLETED,
		  qnn_copy(self->fd, a.handle, a.va, b.handle, b.va, WORDS));
	ASSERT_EQ(DRM_QNN_JOB_COMPLETED,
		  qnn_copy(self->fd, b.handle, b.va, a.handle, a.va, WORDS));
	EXPECT_LT(hits, sim_get(self->fd, "tlb_hits"));
	EXPECT_TRUE(holds(&a, 1));
	bo_del(self->fd, &a);
	bo_del(self->fd, &b);
}

/* Same VA in two files, back to back on the ring: each sees its own page. */
TEST_F(qnn, same_va_two_files)
{
	struct bo s1, d1, s2, d2;
	uint64_t j1, j2;
	int fd2;

	fd2 = qnn_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, bo_new(self->fd, 10, &s1));
	ASSERT_EQ(0, bo_new(self->fd, 0, &d1));
	ASSERT_EQ(0, bo_new(fd2, 20, &s2));
	ASSERT_EQ(0, bo_new(fd2, 0, &d2));
	ASSERT_EQ(s1.va, s2.va) TH_LOG("premise: the same first VA per file");
	for (int round = 0; round < 3; round++) {
		ASSERT_EQ(0, qnn_copy_submit(self->fd, s1.handle, s1.va,
					     d1.handle, d1.va, WORDS, &j1));
		ASSERT_EQ(0, qnn_copy_submit(fd2, s2.handle, s2.va, d2.handle,
					     d2.va, WORDS, &j2));
		ASSERT_EQ(DRM_QNN_JOB_COMPLETED, qnn_copy_wait(self->fd, j1));
		ASSERT_EQ(DRM_QNN_JOB_COMPLETED, qnn_copy_wait(fd2, j2));
		EXPECT_TRUE(holds(&d1, 10));
		EXPECT_TRUE(holds(&d2, 20)) TH_LOG("file 2 read file 1's page");
	}
	bo_del(self->fd, &s1);
	bo_del(self->fd, &d1);
	bo_del(fd2, &s2);
	bo_del(fd2, &d2);
	close(fd2);
}

struct closer {
	int fd;
	uint32_t handle;
};

static void *close_bo(void *arg)
{
	struct closer *c = arg;

	qnn_bo_close(c->fd, c->handle);
	return NULL;
}

/*
 * Free a BO whose translation the device caches while the flush takes
 * 400 ms; meanwhile create a BO and copy from it. It must not get the VA
 * still cached (or, if it did, read the old page through it).
 */
TEST_F(qnn, slow_flush_no_stale_va)
{
	struct bo old, dst, fresh, filler;
	struct closer c;
	pthread_t t;

	NEED_KNOB(self->fd, "flush_delay_ms");
	ASSERT_EQ(0, bo_new(self->fd, 0, &dst));
	ASSERT_EQ(0, bo_new(self->fd, 30, &old));
	/* from here every flush takes 400 ms; the job's caches stay */
	ASSERT_EQ(0, sim_set(self->fd, "flush_delay_ms", 400));
	ASSERT_EQ(DRM_QNN_JOB_COMPLETED,
		  qnn_copy(self->fd, old.handle, old.va, dst.handle, dst.va,
			   WORDS));
	ASSERT_TRUE(holds(&dst, 30));
	munmap(old.map, BYTES);
	ASSERT_EQ(0, wait_maps(self->fd, 2));	/* the job let go of old */

	c.fd = self->fd;
	c.handle = old.handle;
	ASSERT_EQ(0, pthread_create(&t, NULL, close_bo, &c));
	usleep(50000);		/* the closer is inside its flush */
	/* takes the freed page if any: a stale read then shows seed 32 */
	ASSERT_EQ(0, bo_new(self->fd, 32, &filler));
	ASSERT_EQ(0, bo_new(self->fd, 31, &fresh));
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED,
		  qnn_copy(self->fd, fresh.handle, fresh.va, dst.handle,
			   dst.va, WORDS));
	pthread_join(t, NULL);
	EXPECT_EQ(0, sim_set(self->fd, "flush_delay_ms", 0));
	EXPECT_TRUE(holds(&dst, 31))
		TH_LOG("stale translation: fresh BO at %#llx read a page it does not own (freed VA %#llx)",
		       (unsigned long long)fresh.va,
		       (unsigned long long)old.va);
	bo_del(self->fd, &fresh);
	bo_del(self->fd, &filler);
	bo_del(self->fd, &dst);
}

/*
 * A flush that never completes: the driver must neither reuse the VA nor
 * free the pages; after the file closes (flush working again) every BO,
 * the quarantined one included, is gone.
 */
TEST_F(qnn, hung_flush_quarantines)
{
	struct bo old, dst, fresh, filler;
	uint64_t before, after;
	int fd2;

	NEED_KNOB(self->fd, "flush_hang");
	fd2 = qnn_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &before));
	ASSERT_EQ(0, bo_new(fd2, 0, &dst));
	ASSERT_EQ(0, bo_new(fd2, 40, &old));
	/* from here no flush completes: the job's translations stay cached */
	ASSERT_EQ(0, sim_set(fd2, "flush_hang", 1));
	ASSERT_EQ(DRM_QNN_JOB_COMPLETED,
		  qnn_copy(fd2, old.handle, old.va, dst.handle, dst.va, WORDS));
	ASSERT_EQ(0, wait_maps(fd2, 2));
	bo_del(fd2, &old);		/* its flush times out */
	ASSERT_EQ(0, bo_new(fd2, 42, &filler));	/* takes a freed page */
	ASSERT_EQ(0, bo_new(fd2, 41, &fresh));
	EXPECT_NE(old.va, fresh.va) TH_LOG("VA reused after a failed flush");
	EXPECT_EQ(DRM_QNN_JOB_COMPLETED,
		  qnn_copy(fd2, fresh.handle, fresh.va, dst.handle, dst.va,
			   WORDS));
	EXPECT_TRUE(holds(&dst, 41));
	ASSERT_EQ(0, sim_set(fd2, "flush_hang", 0));
	bo_del(fd2, &fresh);
	bo_del(fd2, &filler);
	bo_del(fd2, &dst);
	close(fd2);
	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &after));
	EXPECT_EQ(before, after);
}

TEST_HARNESS_MAIN
