// SPDX-License-Identifier: GPL-2.0-only
/*
 * Module lifecycle: qnn_sim can be unloaded under an open file (ioctls then
 * give -ENODEV, existing mappings stay valid) while qnn stays busy until
 * the last fd closes; then a load/unload loop with BOs created in between,
 * under varied qnn_sim parameters, must bring the debugfs live-BO counter
 * back to 0 every time and leave no oops/WARN/BUG in the kernel log.
 *
 * Runs in the test VM as root; modules are in /lib/modules/qnn (override
 * with QNN_MODULE_DIR), see docs/uapi.md. Leaves both modules loaded with
 * default parameters.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "qnn_dev.h"

#define LOOPS 20

static const char *mod_dir(void)
{
	const char *d = getenv("QNN_MODULE_DIR");

	return d && *d ? d : "/lib/modules/qnn";
}

static int mod_loaded(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

/* insmod <dir>/<name>.ko params: 0 or -errno. */
static int mod_load(const char *name, const char *params)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s.ko", mod_dir(), name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* rmmod without waiting: 0 or -errno (-EWOULDBLOCK while in use). */
static int mod_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

/* Both modules in, sim with params ("" = defaults). */
static int load_both(const char *sim_params)
{
	int ret;

	if (!mod_loaded("qnn")) {
		ret = mod_load("qnn", "");
		if (ret)
			return ret;
	}
	return mod_loaded("qnn_sim") ? -EEXIST : mod_load("qnn_sim", sim_params);
}

static int unload_both(void)
{
	int ret = 0;

	if (mod_loaded("qnn_sim"))
		ret = mod_unload("qnn_sim");
	if (!ret && mod_loaded("qnn"))
		ret = mod_unload("qnn");
	return ret;
}

/*
 * Kernel log since the fd was opened (positioned at the end): report
 * every line that looks like a splat; returns how many there were.
 */
static int kmsg_splats(int kmsg)
{
	static const char *const bad[] = {
		"BUG:", "WARNING:", "Oops", "kernel BUG", "KASAN", "UBSAN",
		"general protection", "Call Trace", "refcount_t", "corruption",
		"leak", "Kernel panic", "RIP:", "list_add", "list_del",
	};
	char rec[2048];
	int found = 0;

	for (;;) {
		ssize_t n = read(kmsg, rec, sizeof(rec) - 1);
		const char *msg;
		unsigned int i;

		if (n < 0 && errno == EPIPE)	/* overwritten records: go on */
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (strstr(msg, bad[i])) {
				fprintf(stderr, "# kernel: %s", msg);
				found++;
				break;
			}
		}
	}
	return found;
}

FIXTURE(reload) {
	int kmsg;
};

FIXTURE_SETUP(reload)
{
	char path[256];

	self->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, self->kmsg) TH_LOG("/dev/kmsg: %s", strerror(errno));
	ASSERT_LE(0, lseek(self->kmsg, 0, SEEK_END));
	snprintf(path, sizeof(path), "%s/qnn.ko", mod_dir());
	ASSERT_EQ(0, access(path, R_OK)) TH_LOG("%s missing", path);
	snprintf(path, sizeof(path), "%s/qnn_sim.ko", mod_dir());
	ASSERT_EQ(0, access(path, R_OK)) TH_LOG("%s missing", path);
	ASSERT_TRUE(mod_loaded("qnn")) TH_LOG("qnn.ko not loaded at start");
	ASSERT_TRUE(mod_loaded("qnn_sim")) TH_LOG("qnn_sim.ko not loaded at start");
}

/* Whatever happened, later tests find the modules as /init left them. */
FIXTURE_TEARDOWN(reload)
{
	if (!mod_loaded("qnn") || !mod_loaded("qnn_sim"))
		load_both("");
	close(self->kmsg);
}

TEST_F_TIMEOUT(reload, unplug_under_open_file, 120)
{
	struct drm_qnn_bo_create bo;
	struct drm_qnn_get_param p = { .param = DRM_QNN_PARAM_DEVICE_ID };
	size_t len = 8 * 4096;
	uint8_t *map;
	int fd;

	fd = qnn_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, qnn_bo_create(fd, len, 0, &bo));
	map = qnn_bo_mmap(fd, bo.offset, len);
	ASSERT_NE(NULL, map);
	qnn_fill(map, len, 77);

	/* The sim goes, its device is unplugged under the open file. */
	ASSERT_EQ(0, mod_unload("qnn_sim"));
	EXPECT_EQ(-ENODEV, qnn_ioctl(fd, DRM_IOCTL_QNN_GET_PARAM, &p));
	EXPECT_EQ(-ENODEV, qnn_bo_create(fd, 4096, 0, &bo));
	/* The existing mapping still holds the bytes written before. */
	EXPECT_EQ(-1, qnn_check(map, len, 77));
	/* The open file pins qnn.ko. */
	EXPECT_EQ(-EWOULDBLOCK, mod_unload("qnn"));
	EXPECT_TRUE(mod_loaded("qnn"));

	munmap(map, len);
	close(fd);
	EXPECT_EQ(0, mod_unload("qnn"));
	EXPECT_FALSE(mod_loaded("qnn"));

	ASSERT_EQ(0, load_both(""));
	fd = qnn_open();
	ASSERT_LE(0, fd) TH_LOG("no device after reload");
	close(fd);
	EXPECT_EQ(0, kmsg_splats(self->kmsg));
}

/* qnn_sim parameters per iteration; "" = defaults. */
static const char *const sim_params[] = {
	"",
	"num_devices=2 cores=1 sram_kib=0 va_bits=30 queue_depth=2",
	"cores=255 max_weight_bits=1 max_act_bits=2 ops=0x3 clock_khz=1",
	"num_devices=3 va_bits=48 queue_depth=4096",
};

/* Open every qnn device; returns how many (at most max). */
static int open_all(int *fds, int max)
{
	int n = 0;
	int minor;

	/* qnn_open() finds the first; walk the minors for the rest. */
	for (minor = 0; minor < 64 && n < max; minor++) {
		char path[32];
		int fd;

		snprintf(path, sizeof(path), "/dev/accel/accel%d", minor);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (qnn_is_qnn_fd(fd))
			fds[n++] = fd;
		else
			close(fd);
	}
	return n;
}

/* One iteration's work on one device: BOs, data, a PRIME share. */
static void exercise(struct __test_metadata *_metadata, int fd, int peer,
		     int iter)
{
	struct drm_qnn_bo_create bo[8];
	uint32_t imported;
	uint8_t *p;
	int i, dmabuf;

	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, qnn_bo_create(fd, 4096 * (i + 1), i & 1 ?
					   DRM_QNN_BO_DEVICE_READONLY : 0, &bo[i]));
		p = qnn_bo_mmap(fd, bo[i].offset, 4096 * (i + 1));
		ASSERT_NE(NULL, p);
		qnn_fill(p, 4096 * (i + 1), iter * 8 + i);
		munmap(p, 4096 * (i + 1));
	}
	/* Share one with the peer file (possibly another device). */
	ASSERT_EQ(0, qnn_prime_export(fd, bo[3].handle, &dmabuf));
	ASSERT_EQ(0, qnn_prime_import(peer, dmabuf, &imported));
	close(dmabuf);
	{
		struct drm_qnn_bo_info info;

		ASSERT_EQ(0, qnn_bo_info(peer, imported, &info));
		ASSERT_EQ(4 * 4096, info.size);
		p = qnn_bo_mmap(peer, info.offset, info.size);
		ASSERT_NE(NULL, p);
		EXPECT_EQ(-1, qnn_check(p, info.size, iter * 8 + 3));
		munmap(p, info.size);
	}
	/* Free half explicitly; file close must free the rest. */
	for (i = 0; i < 8; i += 2) {
		ASSERT_EQ(0, qnn_bo_close(fd, bo[i].handle));
	}
}

TEST_F_TIMEOUT(reload, load_unload_loop, 240)
{
	int iter;

	for (iter = 0; iter < LOOPS; iter++) {
		const char *params = sim_params[iter % 4];
		int fds[8], minors[8];
		int n, i, peer, want = 1;

		if (strstr(params, "num_devices=2"))
			want = 2;
		else if (strstr(params, "num_devices=3"))
			want = 3;

		/* Nothing may hold the modules now: unload must just work. */
		ASSERT_EQ(0, unload_both()) TH_LOG("iteration %d", iter);
		ASSERT_FALSE(mod_loaded("qnn_sim"));
		ASSERT_FALSE(mod_loaded("qnn"));
		ASSERT_EQ(0, load_both(params))
			TH_LOG("iteration %d: load with \"%s\"", iter, params);

		n = open_all(fds, 8);
		ASSERT_EQ(want, n) TH_LOG("iteration %d: \"%s\"", iter, params);
		for (i = 0; i < n; i++) {
			uint64_t count, cores, sim_cores;

			minors[i] = qnn_minor(fds[i]);
			ASSERT_LE(0, minors[i]);
			ASSERT_EQ(0, qnn_debugfs_u64(fds[i], "bo_count", &count));
			EXPECT_EQ(0, count) TH_LOG("fresh device has BOs");
			/* The device reports what this load asked for. */
			ASSERT_EQ(0, qnn_get_param(fds[i], DRM_QNN_PARAM_NUM_CORES,
						   &cores));
			ASSERT_EQ(0, qnn_read_u64_file("/sys/module/qnn_sim/parameters/cores",
						       &sim_cores));
			EXPECT_EQ(sim_cores, cores);
		}
		/*
		 * A second file on the first device receives one BO from every
		 * device: same-device and cross-device PRIME.
		 */
		peer = qnn_open();
		ASSERT_LE(0, peer);
		for (i = 0; i < n; i++)
			exercise(_metadata, fds[i], peer, iter);
		for (i = 0; i < n; i++)
			close(fds[i]);
		close(peer);
		for (i = 0; i < n; i++) {
			char path[96];
			uint64_t count = ~0ULL;

			snprintf(path, sizeof(path),
				 "/sys/kernel/debug/accel/%d/bo_count", minors[i]);
			ASSERT_EQ(0, qnn_read_u64_file(path, &count));
			EXPECT_EQ(0, count)
				TH_LOG("iteration %d device %d: %llu BOs leaked",
				       iter, i, (unsigned long long)count);
		}
	}
	ASSERT_EQ(0, unload_both());
	ASSERT_EQ(0, load_both(""));
	EXPECT_EQ(0, kmsg_splats(self->kmsg));
}

TEST_HARNESS_MAIN
