// SPDX-License-Identifier: GPL-2.0-only
/*
 * The debugfs files docs/uapi.md documents, checked against what this test
 * itself did: bo_count follows creates and frees, files follows opens and
 * closes, and va has one line per open file with that file's mapped BOs and
 * bytes, attributed to this process.
 */
#include <errno.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "qnn_fixture.h"

struct va_line {
	int pid;
	unsigned int bos, pt_pages;
	unsigned long long mapped;
};

/*
 * Parse /sys/kernel/debug/accel/<minor>/va; returns the number of lines of
 * process pid copied into out (at most max), or -errno.
 */
static int read_va(int fd, int pid, struct va_line *out, int max)
{
	char path[96], line[256];
	int minor_nr = qnn_minor(fd), n = 0;
	FILE *f;

	if (minor_nr < 0)
		return minor_nr;
	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%d/va", minor_nr);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct va_line v;
		char comm[32];

		if (sscanf(line, "pid=%d comm=%31s bos=%u mapped=%llu pt_pages=%u",
			   &v.pid, comm, &v.bos, &v.mapped, &v.pt_pages) != 5) {
			fclose(f);
			return -EPROTO;
		}
		if (v.pid == pid && n < max)
			out[n++] = v;
	}
	fclose(f);
	return n;
}

TEST_F(qnn, bo_count_follows_create_and_close)
{
	struct drm_qnn_bo_create bo[5];
	uint64_t base, now;
	int i;

	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &base));
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, qnn_bo_create(self->fd, 4096, 0, &bo[i]));
		ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &now));
		EXPECT_EQ(base + i + 1, now);
	}
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, qnn_bo_close(self->fd, bo[i].handle));
		ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &now));
		EXPECT_EQ(base + 4 - i, now);
	}
	/* A refused create leaves no half-made BO behind. */
	EXPECT_EQ(-EINVAL, qnn_bo_create(self->fd, 0, 0, &bo[0]));
	EXPECT_EQ(-EINVAL, qnn_bo_create(self->fd, 4096, 0x80, &bo[0]));
	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "bo_count", &now));
	EXPECT_EQ(base, now);
}

TEST_F(qnn, files_follows_open_and_close)
{
	uint64_t base, now;
	int fds[4];
	int i;

	ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "files", &base));
	EXPECT_LE(1, base);	/* at least the fixture's own file */
	for (i = 0; i < 4; i++) {
		fds[i] = qnn_open();
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "files", &now));
		EXPECT_EQ(base + i + 1, now);
	}
	for (i = 0; i < 4; i++) {
		close(fds[i]);
		ASSERT_EQ(0, qnn_debugfs_u64(self->fd, "files", &now));
		EXPECT_EQ(base + 3 - i, now);
	}
}

/* Three 8 KiB BOs in a second file: its va line says bos=3 mapped=24576. */
TEST_F(qnn, va_line_per_file)
{
	struct drm_qnn_bo_create bo[3];
	struct va_line v[4];
	int fd2, n, i, idle = -1, busy = -1;

	fd2 = qnn_open();
	ASSERT_LE(0, fd2);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, qnn_bo_create(fd2, 8192, 0, &bo[i]));
	}
	n = read_va(self->fd, getpid(), v, 4);
	ASSERT_EQ(2, n) TH_LOG("want one line per file of pid %d", getpid());
	for (i = 0; i < n; i++) {
		if (v[i].bos == 0)
			idle = i;
		else
			busy = i;
	}
	ASSERT_LE(0, idle) TH_LOG("no line for the fixture's empty file");
	ASSERT_LE(0, busy) TH_LOG("no line for the file with BOs");
	EXPECT_EQ(0, v[idle].mapped);
	EXPECT_EQ(3, v[busy].bos);
	EXPECT_EQ(3 * 8192, v[busy].mapped);
	EXPECT_LT(0, v[busy].pt_pages) TH_LOG("mapped BOs need page tables");

	/* Freeing one BO shows at once. */
	ASSERT_EQ(0, qnn_bo_close(fd2, bo[0].handle));
	n = read_va(self->fd, getpid(), v, 4);
	ASSERT_EQ(2, n);
	EXPECT_EQ(2, v[0].bos + v[1].bos);
	EXPECT_EQ(2 * 8192, v[0].mapped + v[1].mapped);

	/* A closed file has no line any more. */
	close(fd2);
	n = read_va(self->fd, getpid(), v, 4);
	ASSERT_EQ(1, n);
	EXPECT_EQ(0, v[0].bos);
	EXPECT_EQ(0, v[0].mapped);
}

/* An imported BO is mapped in the importer's address space too. */
TEST_F(qnn, va_counts_imported_bo)
{
	struct drm_qnn_bo_create bo;
	struct va_line v[4];
	uint32_t imported;
	int fd2, dmabuf, n;

	fd2 = qnn_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, qnn_bo_create(fd2, 5 * 4096, 0, &bo));
	ASSERT_EQ(0, qnn_prime_export(fd2, bo.handle, &dmabuf));
	ASSERT_EQ(0, qnn_prime_import(self->fd, dmabuf, &imported));
	close(dmabuf);
	n = read_va(self->fd, getpid(), v, 4);
	ASSERT_EQ(2, n);
	EXPECT_EQ(1, v[0].bos);
	EXPECT_EQ(1, v[1].bos);
	EXPECT_EQ(5 * 4096, v[0].mapped);
	EXPECT_EQ(5 * 4096, v[1].mapped);
	EXPECT_EQ(0, qnn_bo_close(self->fd, imported));
	close(fd2);
}

TEST_HARNESS_MAIN
