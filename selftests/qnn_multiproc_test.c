// SPDX-License-Identifier: GPL-2.0-only
/*
 * Several processes at once: each opens the device after a common start
 * signal (twice in a row), or all share one open file through fork, and
 * they create, map, fill, verify and free many BOs concurrently. Every byte must read back as its own process wrote it, and
 * once all exit the device's live-BO and open-file counters are back where
 * they started.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "qnn_fixture.h"

#define NPROC	8
#define ROUNDS	100
#define LIVE	12

/* Child exit codes: 0 ok, else which step failed. */
enum { OK, E_OPEN, E_CREATE, E_MMAP, E_DATA, E_INFO, E_CLOSE, E_START };

struct live_bo {
	uint32_t handle;
	uint64_t offset;
	size_t len;
	uint32_t seed;
};

static int check_and_free(int fd, struct live_bo *b)
{
	struct drm_qnn_bo_info info;
	uint8_t *p;
	long bad;

	if (qnn_bo_info(fd, b->handle, &info) || info.size != b->len)
		return E_INFO;
	p = qnn_bo_mmap(fd, b->offset, b->len);
	if (!p)
		return E_MMAP;
	bad = qnn_check(p, b->len, b->seed);
	munmap(p, b->len);
	if (bad >= 0) {
		fprintf(stderr, "# pid %d: BO %u byte %ld corrupted\n",
			getpid(), b->handle, bad);
		return E_DATA;
	}
	return qnn_bo_close(fd, b->handle) ? E_CLOSE : OK;
}

/* One worker: ROUNDS BOs of varied size, at most LIVE alive at once. */
static int worker(int fd, int id)
{
	struct live_bo live[LIVE] = { 0 };
	uint32_t rng = 0x9e3779b9u * (id + 1);
	int i, ret;

	for (i = 0; i < ROUNDS; i++) {
		struct live_bo *b = &live[i % LIVE];
		struct drm_qnn_bo_create bo;
		uint8_t *p;

		if (b->len && (ret = check_and_free(fd, b)))
			return ret;
		rng = rng * 1103515245u + 12345u;
		b->len = 4096 * (1 + (rng >> 16) % 16);
		b->seed = (uint32_t)(id << 20 | i);
		if (qnn_bo_create(fd, b->len, 0, &bo))
			return E_CREATE;
		b->handle = bo.handle;
		b->offset = bo.offset;
		p = qnn_bo_mmap(fd, bo.offset, b->len);
		if (!p)
			return E_MMAP;
		qnn_fill(p, b->len, b->seed);
		munmap(p, b->len);
	}
	for (i = 0; i < LIVE; i++)
		if (live[i].len && (ret = check_and_free(fd, &live[i])))
			return ret;
	return OK;
}

/*
 * Fork NPROC workers that wait on a pipe so they all start together.
 * shared_fd < 0: each opens its own file; else all use that one file.
 */
static void run_workers(struct __test_metadata *_metadata, int shared_fd)
{
	pid_t pids[NPROC];
	int go[2];
	int i;

	ASSERT_EQ(0, pipe(go));
	for (i = 0; i < NPROC; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			int session, ret = OK;
			char c;

			close(go[1]);
			if (read(go[0], &c, 1) != 0)
				_exit(E_START);
			if (shared_fd >= 0)
				_exit(worker(shared_fd, i));
			/*
			 * Own files: open after the start signal, so opens,
			 * allocations and closes of all workers interleave.
			 */
			for (session = 0; session < 2 && ret == OK; session++) {
				int fd = qnn_open();

				if (fd < 0)
					_exit(E_OPEN);
				ret = worker(fd, i + session * NPROC);
				close(fd);
			}
			_exit(ret);
		}
	}
	close(go[0]);
	close(go[1]);	/* EOF on the pipe: everybody starts now. */
	for (i = 0; i < NPROC; i++) {
		int status;

		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status)) TH_LOG("worker %d died, status 0x%x",
						      i, status);
		EXPECT_EQ(OK, WEXITSTATUS(status)) TH_LOG("worker %d failed", i);
	}
}

TEST_F_TIMEOUT(qnn, own_files, 240)
{
	uint64_t bos0, files0, bos1, files1;

	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &bos0));
	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "files", &files0));
	run_workers(_metadata, -1);
	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &bos1));
	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "files", &files1));
	EXPECT_EQ(bos0, bos1);
	EXPECT_EQ(files0, files1);
}

TEST_F_TIMEOUT(qnn, one_shared_file, 240)
{
	uint64_t bos0, bos1;

	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &bos0));
	run_workers(_metadata, self->fd);
	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &bos1));
	EXPECT_EQ(bos0, bos1);
}

TEST_HARNESS_MAIN
