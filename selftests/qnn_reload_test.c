// SPDX-License-Identifier: GPL-2.0-only
/*
 * Module lifecycle: qnn_sim can be unloaded under an open file (ioctls then
 * give -ENODEV, existing mappings stay valid) while qnn stays busy until
 * the last fd closes; then a load/unload loop with BOs created in between,
 * under varied qnn_sim parameters, must bring the debugfs live-BO counter
 * back to 0 every time and leave no oops/WARN/BUG in the kernel log.
 *
 * Runs in the test VM as root; modules are in /lib/modules/qnn (override
 * with QNN_MODULE_DIR), see docs/uapi.md. Also covers unbind/bind of a sim
 * device under an open file and out-of-range qnn_sim parameters. Leaves
 * both modules loaded with default parameters.
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
 * Read the kernel log records that arrived since the last call (the fd is
 * opened at the end of the log); for each, call fn with the message text.
 * Returns how many records fn counted (fn returns 1 to count one).
 */
static int kmsg_scan(int kmsg, int (*fn)(const char *msg, const void *arg),
		     const void *arg)
{
	char rec[2048];
	int found = 0;

	for (;;) {
		ssize_t n = read(kmsg, rec, sizeof(rec) - 1);
		const char *msg;

		if (n < 0 && errno == EPIPE)	/* overwritten records: go on */
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		found += fn(msg ? msg + 1 : rec, arg);
	}
	return found;
}

static int is_splat(const char *msg, const void *arg)
{
	static const char *const bad[] = {
		"BUG:", "WARNING:", "Oops", "kernel BUG", "KASAN", "UBSAN",
		"general protection", "Call Trace", "refcount_t", "corruption",
		"leak", "Kernel panic", "RIP:", "list_add", "list_del",
	};
	unsigned int i;

	(void)arg;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (strstr(msg, bad[i])) {
			fprintf(stderr, "# kernel: %s", msg);
			return 1;
		}
	}
	return 0;
}

/* oops/WARN/BUG/sanitizer lines since the last scan, each reported. */
static int kmsg_splats(int kmsg)
{
	return kmsg_scan(kmsg, is_splat, NULL);
}

static int contains(const char *msg, const void *arg)
{
	return strstr(msg, arg) != NULL;
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
	"cores=255 max_weight_bits=1 max_act_bits=2 ops=0x3 clock_khz=1 dma_bits=32 dma_coherent=0 tlb_entries=0",
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

/*
 * Unbinding the sim device (docs/uapi.md) under an open file: ioctls give
 * -ENODEV, the mapping stays valid; binding again brings a working device
 * that starts with no BOs.
 */
TEST_F_TIMEOUT(reload, unbind_rebind_under_open_file, 120)
{
	const char *drv = "/sys/bus/platform/drivers/qnn_sim";
	struct drm_qnn_bo_create bo;
	char parent[64], path[128];
	size_t len = 4 * 4096;
	uint64_t count = ~0ULL;
	uint8_t *map;
	int fd, fd2, ctl;

	fd = qnn_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, qnn_parent_name(fd, parent, sizeof(parent)));
	ASSERT_EQ(0, strncmp(parent, "qnn_sim.", 8)) TH_LOG("parent %s", parent);
	ASSERT_EQ(0, qnn_bo_create(fd, len, 0, &bo));
	map = qnn_bo_mmap(fd, bo.offset, len);
	ASSERT_NE(NULL, map);
	qnn_fill(map, len, 31);

	snprintf(path, sizeof(path), "%s/unbind", drv);
	ctl = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, ctl) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_EQ((ssize_t)strlen(parent), write(ctl, parent, strlen(parent)));
	close(ctl);

	EXPECT_EQ(-ENODEV, qnn_bo_create(fd, 4096, 0, &bo));
	EXPECT_EQ(-1, qnn_check(map, len, 31));

	snprintf(path, sizeof(path), "%s/bind", drv);
	ctl = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, ctl) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_EQ((ssize_t)strlen(parent), write(ctl, parent, strlen(parent)));
	close(ctl);

	/* The old file stays dead; a new open reaches the new device. */
	EXPECT_EQ(-ENODEV, qnn_bo_create(fd, 4096, 0, &bo));
	fd2 = qnn_open();
	ASSERT_LE(0, fd2) TH_LOG("no device after bind");
	ASSERT_EQ(0, qnn_debugfs_u64(fd2, "bo_count", &count));
	EXPECT_EQ(0, count);
	ASSERT_EQ(0, qnn_bo_create(fd2, 4096, 0, &bo));
	EXPECT_EQ(0, qnn_bo_close(fd2, bo.handle));
	munmap(map, len);
	close(fd);
	close(fd2);
	EXPECT_EQ(0, kmsg_splats(self->kmsg));
}

/*
 * Out-of-range qnn_sim parameters make the load fail with -EINVAL and a
 * kernel log line naming the parameter (docs/uapi.md).
 */
TEST_F_TIMEOUT(reload, bad_sim_parameters_refused, 120)
{
	static const struct {
		const char *params;
		const char *name;
	} bad[] = {
		{ "num_devices=0", "num_devices" },
		{ "num_devices=9", "num_devices" },
		{ "cores=0", "cores" },
		{ "cores=256", "cores" },
		{ "sram_kib=4194304", "sram_kib" },
		{ "max_weight_bits=0", "max_weight_bits" },
		{ "max_act_bits=9", "max_act_bits" },
		{ "ops=0x100", "ops" },
		{ "clock_khz=0", "clock_khz" },
		{ "va_bits=29", "va_bits" },
		{ "va_bits=49", "va_bits" },
		{ "queue_depth=1", "queue_depth" },
		{ "queue_depth=48", "queue_depth" },
		{ "queue_depth=8192", "queue_depth" },
		{ "dma_bits=31", "dma_bits" },
		{ "dma_bits=53", "dma_bits" },
		{ "tlb_entries=4097", "tlb_entries" },
	};
	unsigned int i;

	ASSERT_EQ(0, mod_unload("qnn_sim"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kmsg_splats(self->kmsg);	/* skip to now */
		EXPECT_EQ(-EINVAL, mod_load("qnn_sim", bad[i].params))
			TH_LOG("%s", bad[i].params);
		EXPECT_FALSE(mod_loaded("qnn_sim")) TH_LOG("%s", bad[i].params);
		if (mod_loaded("qnn_sim")) {
			ASSERT_EQ(0, mod_unload("qnn_sim"));
		}
		EXPECT_LE(1, kmsg_scan(self->kmsg, contains, bad[i].name))
			TH_LOG("no kernel log line names %s", bad[i].name);
	}
	ASSERT_EQ(0, load_both(""));
	EXPECT_EQ(0, kmsg_splats(self->kmsg));
}

/*
 * PRIME between two devices (qnn_sim num_devices=2): the importer gets a
 * new BO of its own (its bo_count +1, the exporter's unchanged) that wraps
 * the exporter's pages, with flags 0 and a VA in the importer's space;
 * bytes written on either side are seen on the other; and the import keeps
 * the memory alive after the exporter closed everything.
 */
TEST_F_TIMEOUT(reload, cross_device_prime, 120)
{
	struct drm_qnn_bo_create bo;
	struct drm_qnn_bo_info info;
	uint64_t a0, b0, a1, b1, va_start, va_size;
	size_t len = 6 * 4096;
	int fds[2], dmabuf, n;
	uint8_t *pa, *pb;
	uint32_t imported;

	ASSERT_EQ(0, unload_both());
	ASSERT_EQ(0, load_both("num_devices=2"));
	n = open_all(fds, 2);
	ASSERT_EQ(2, n);
	ASSERT_NE(qnn_minor(fds[0]), qnn_minor(fds[1]));
	ASSERT_EQ(0, qnn_get_param(fds[1], DRM_QNN_PARAM_VA_START, &va_start));
	ASSERT_EQ(0, qnn_get_param(fds[1], DRM_QNN_PARAM_VA_SIZE, &va_size));

	ASSERT_EQ(0, qnn_bo_create(fds[0], len, 0, &bo));
	pa = qnn_bo_mmap(fds[0], bo.offset, len);
	ASSERT_NE(NULL, pa);
	qnn_fill(pa, len, 123);
	ASSERT_EQ(0, qnn_debugfs_u64(fds[0], "bo_count", &a0));
	ASSERT_EQ(0, qnn_debugfs_u64(fds[1], "bo_count", &b0));

	ASSERT_EQ(0, qnn_prime_export(fds[0], bo.handle, &dmabuf));
	ASSERT_EQ(0, qnn_prime_import(fds[1], dmabuf, &imported));
	close(dmabuf);
	ASSERT_EQ(0, qnn_debugfs_u64(fds[0], "bo_count", &a1));
	ASSERT_EQ(0, qnn_debugfs_u64(fds[1], "bo_count", &b1));
	EXPECT_EQ(a0, a1);
	EXPECT_EQ(b0 + 1, b1);

	ASSERT_EQ(0, qnn_bo_info(fds[1], imported, &info));
	EXPECT_EQ(len, info.size);
	EXPECT_EQ(0, info.flags);
	EXPECT_LE(va_start, info.va);
	EXPECT_GE(va_start + va_size, info.va + info.size);
	pb = qnn_bo_mmap(fds[1], info.offset, len);
	ASSERT_NE(NULL, pb) TH_LOG("mmap of the foreign import: %s", strerror(errno));
	EXPECT_EQ(-1, qnn_check(pb, len, 123));
	qnn_fill(pb, len, 124);
	EXPECT_EQ(-1, qnn_check(pa, len, 124));

	/* Exporter gone: the import still holds the pages. */
	munmap(pa, len);
	EXPECT_EQ(0, qnn_bo_close(fds[0], bo.handle));
	close(fds[0]);
	EXPECT_EQ(-1, qnn_check(pb, len, 124));
	munmap(pb, len);
	EXPECT_EQ(0, qnn_bo_close(fds[1], imported));
	ASSERT_EQ(0, qnn_debugfs_u64(fds[1], "bo_count", &b1));
	EXPECT_EQ(b0, b1);
	close(fds[1]);

	ASSERT_EQ(0, unload_both());
	ASSERT_EQ(0, load_both(""));
	EXPECT_EQ(0, kmsg_splats(self->kmsg));
}

TEST_HARNESS_MAIN
