// SPDX-License-Identifier: GPL-2.0-only
/*
 * Power management of a qnn device (docs/uapi.md, "Power management"):
 * runtime PM powers an idle device down after its autosuspend delay and up
 * again for the next job; system sleep ("freeze", with /sys/power/pm_test
 * = devices where the kernel has it) with jobs on the ring and more queued
 * behind them loses none: every job completes after resume with the right
 * data. Oracles: sysfs power/runtime_status, the device model's own
 * power-down counter (qnn_sim's debugfs, or the qnn-pci model's test
 * block through qnn_fault.h), the CPU's copy of the data. A PCI function's
 * runtime PM is off until power/control reads "auto": the test turns it
 * on and back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "kselftest_harness.h"
#include "qnn_fixture.h"
#include "qnn_copy_job.h"
#include "qnn_fault.h"

#define WORDS	1024
#define BYTES	(WORDS * 4)
#define JOBS	100

static int dev_path(int fd, const char *rel, char *path, size_t len)
{
	int minor = qnn_minor(fd);

	if (minor < 0)
		return minor;
	snprintf(path, len, "/sys/class/accel/accel%d/device/%s", minor, rel);
	return 0;
}

static int read_str(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}


/* A counter of the device model (qnn_fault_get()), ~0 if unreadable. */
static uint64_t sim_u64(int fd, const char *name)
{
	uint64_t v = ~0ULL;

	qnn_fault_get(fd, name, &v);
	return v;
}

/* A bool of the model: qnn_sim's debugfs "Y"/"N", or the test block's 0/1 */
static int sim_bool(int fd, const char *name)
{
	char parent[64], path[256], v[8];
	uint64_t u;
	int ret = qnn_parent_name(fd, parent, sizeof(parent));

	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/kernel/debug/qnn_sim/%s/%s",
		 parent, name);
	if (access(path, F_OK)) {
		ret = qnn_fault_get(fd, name, &u);
		return ret ? ret : u != 0;
	}
	ret = read_str(path, v, sizeof(v));
	return ret ? ret : v[0] == 'Y';
}

static int sim_set(int fd, const char *name, unsigned int val)
{
	return qnn_fault_set(fd, name, val);
}

/* Wait up to @ms for power/runtime_status to read @want. */
static int wait_status(int fd, const char *want, int ms)
{
	char path[256], st[32];

	if (dev_path(fd, "power/runtime_status", path, sizeof(path)))
		return -ENODEV;
	for (int t = 0; t <= ms; t += 10) {
		if (!read_str(path, st, sizeof(st)) && !strcmp(st, want))
			return 0;
		usleep(10000);
	}
	return -ETIME;
}

struct bo {
	uint32_t handle;
	uint64_t va;
	uint32_t *map;
};

static int bo_new(int fd, struct bo *b)
{
	struct drm_qnn_bo_create c;
	int ret = qnn_bo_create(fd, BYTES, 0, &c);

	if (ret)
		return ret;
	b->handle = c.handle;
	b->va = c.va;
	b->map = qnn_bo_mmap(fd, c.offset, BYTES);
	return b->map ? 0 : -errno;
}

static void bo_del(int fd, struct bo *b)
{
	munmap(b->map, BYTES);
	qnn_bo_close(fd, b->handle);
}

TEST_F(qnn, runtime_autosuspend)
{
	char path[256], old[32];
	uint64_t downs;
	struct bo a, b;

	char ctl[256], old_ctl[32];

	ASSERT_EQ(0, dev_path(self->fd, "power/control", ctl, sizeof(ctl)));
	ASSERT_EQ(0, read_str(ctl, old_ctl, sizeof(old_ctl)));
	ASSERT_EQ(0, qnn_write_file(ctl, "auto"));
	ASSERT_EQ(0, dev_path(self->fd, "power/autosuspend_delay_ms", path,
			      sizeof(path)));
	ASSERT_EQ(0, read_str(path, old, sizeof(old)));
	ASSERT_EQ(0, qnn_write_file(path, "100"));
	ASSERT_EQ(0, bo_new(self->fd, &a));
	ASSERT_EQ(0, bo_new(self->fd, &b));

	/* idle: powered down, by the device's own account too */
	ASSERT_EQ(0, wait_status(self->fd, "suspended", 3000));
	EXPECT_EQ(1, sim_bool(self->fd, "powered_down"));
	downs = sim_u64(self->fd, "power_downs");

	for (int round = 1; round <= 3; round++) {
		for (unsigned int i = 0; i < WORDS; i++)
			a.map[i] = round * 1000003u + i;
		/* a job powers it up (reset sequence) and runs correctly */
		ASSERT_EQ(DRM_QNN_JOB_COMPLETED,
			  qnn_copy(self->fd, a.handle, a.va, b.handle, b.va,
				   WORDS));
		EXPECT_EQ(0, memcmp(a.map, b.map, BYTES));
		EXPECT_EQ(0, sim_bool(self->fd, "powered_down"));
		ASSERT_EQ(0, wait_status(self->fd, "suspended", 3000));
		EXPECT_EQ(downs + round, sim_u64(self->fd, "power_downs"));
	}
	bo_del(self->fd, &a);
	bo_del(self->fd, &b);
	EXPECT_EQ(0, qnn_write_file(path, old));
	EXPECT_EQ(0, qnn_write_file(ctl, old_ctl));
}

/*
 * JOBS copies of 10 ms each: the ring (63 slots) fills, the rest wait in
 * the scheduler; then the system sleeps. All must complete after resume.
 */
TEST_F(qnn, system_sleep_with_queued_jobs)
{
	struct bo src[JOBS], dst[JOBS];
	uint64_t ids[JOBS], downs;
	struct drm_qnn_wait w;
	int pm_test;

	pm_test = access("/sys/power/pm_test", W_OK) == 0;
	if (!pm_test && access("/sys/class/rtc/rtc0/wakealarm", W_OK))
		SKIP(return, "neither pm_test nor an RTC wake alarm");
	for (int i = 0; i < JOBS; i++) {
		ASSERT_EQ(0, bo_new(self->fd, &src[i]));
		ASSERT_EQ(0, bo_new(self->fd, &dst[i]));
		for (unsigned int k = 0; k < WORDS; k++)
			src[i].map[k] = i * 7919u + k;
	}
	ASSERT_EQ(0, sim_set(self->fd, "delay_us", 10000));
	for (int i = 0; i < JOBS; i++)
		ASSERT_EQ(0, qnn_copy_submit(self->fd, src[i].handle, src[i].va,
					     dst[i].handle, dst[i].va, WORDS,
					     &ids[i]));
	downs = sim_u64(self->fd, "power_downs");
	/* the last job has not run yet */
	memset(&w, 0, sizeof(w));
	w.job_id = ids[JOBS - 1];
	EXPECT_EQ(-ETIME, qnn_ioctl(self->fd, DRM_IOCTL_QNN_WAIT, &w));

	if (pm_test) {
		ASSERT_EQ(0, qnn_write_file("/sys/power/pm_test", "devices"));
		qnn_write_file("/sys/module/suspend/parameters/pm_test_delay", "1");
	} else {
		ASSERT_EQ(0, qnn_write_file("/sys/class/rtc/rtc0/wakealarm", "+3"));
	}
	EXPECT_EQ(0, qnn_write_file("/sys/power/state", "freeze"));
	if (pm_test)
		qnn_write_file("/sys/power/pm_test", "none");

	EXPECT_LT(downs, sim_u64(self->fd, "power_downs"))
		TH_LOG("the device was not powered down for sleep");
	for (int i = 0; i < JOBS; i++) {
		ASSERT_EQ(DRM_QNN_JOB_COMPLETED, qnn_copy_wait(self->fd, ids[i]))
			TH_LOG("job %d", i);
		EXPECT_EQ(0, memcmp(src[i].map, dst[i].map, BYTES))
			TH_LOG("job %d", i);
	}
	EXPECT_EQ(0, sim_set(self->fd, "delay_us", 0));
	for (int i = 0; i < JOBS; i++) {
		bo_del(self->fd, &src[i]);
		bo_del(self->fd, &dst[i]);
	}
}

TEST_HARNESS_MAIN
