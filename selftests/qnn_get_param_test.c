// SPDX-License-Identifier: GPL-2.0-only
/*
 * DRM_IOCTL_QNN_GET_PARAM: every parameter answers with a plausible value
 * that does not change, an unknown parameter and a non-zero pad give
 * -EINVAL (docs/uapi.md).
 */
#include <errno.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "qnn_fixture.h"

#define ALL_OPS (DRM_QNN_OP_BCONV2D | DRM_QNN_OP_BDENSE | DRM_QNN_OP_MULTIBIT | \
		 DRM_QNN_OP_THRESHOLD | DRM_QNN_OP_SCALE_SHIFT | \
		 DRM_QNN_OP_MAXPOOL | DRM_QNN_OP_RESIDUAL_ADD | \
		 DRM_QNN_OP_GLOBAL_AVGPOOL)

/* The last parameter the header defines; the next number is unknown. */
#define LAST_PARAM DRM_QNN_PARAM_DMA_BITS

static uint64_t param(struct __test_metadata *_metadata, int fd, uint32_t p)
{
	uint64_t v = 0;

	ASSERT_EQ(0, qnn_get_param(fd, p, &v)) TH_LOG("param %u", p);
	return v;
}

TEST_F(qnn, identity)
{
	uint64_t id = param(_metadata, self->fd, DRM_QNN_PARAM_DEVICE_ID);
	uint64_t hw = param(_metadata, self->fd, DRM_QNN_PARAM_HW_VERSION);
	uint64_t drv = param(_metadata, self->fd, DRM_QNN_PARAM_DRIVER_VERSION);

	/* vendor << 16 | device: both halves set, nothing above 32 bits. */
	EXPECT_NE(0, id >> 16);
	EXPECT_NE(0, id & 0xffff);
	EXPECT_EQ(0, id >> 32);
	/* major << 16 | minor << 8 | patch, and not 0.0.0 */
	EXPECT_NE(0, hw);
	EXPECT_EQ(0, hw >> 24);
	EXPECT_NE(0, drv);
	EXPECT_EQ(0, drv >> 24);
}

/* DRIVER_VERSION is the version drmGetVersion() reports. */
TEST_F(qnn, driver_version_matches_drm)
{
	uint64_t drv = param(_metadata, self->fd, DRM_QNN_PARAM_DRIVER_VERSION);
	drmVersionPtr v = drmGetVersion(self->fd);
	uint64_t want;

	ASSERT_NE(NULL, v);
	want = (uint64_t)v->version_major << 16 | (uint64_t)v->version_minor << 8 |
	       (uint64_t)v->version_patchlevel;
	drmFreeVersion(v);
	EXPECT_EQ(want, drv);
}

TEST_F(qnn, capabilities)
{
	uint64_t ops = param(_metadata, self->fd, DRM_QNN_PARAM_OPS);
	uint64_t wbits = param(_metadata, self->fd, DRM_QNN_PARAM_MAX_WEIGHT_BITS);
	uint64_t abits = param(_metadata, self->fd, DRM_QNN_PARAM_MAX_ACT_BITS);
	uint64_t cores = param(_metadata, self->fd, DRM_QNN_PARAM_NUM_CORES);
	uint64_t sram = param(_metadata, self->fd, DRM_QNN_PARAM_SRAM_SIZE);
	uint64_t depth = param(_metadata, self->fd, DRM_QNN_PARAM_QUEUE_DEPTH);
	uint64_t khz = param(_metadata, self->fd, DRM_QNN_PARAM_CLOCK_KHZ);

	EXPECT_NE(0, ops);
	EXPECT_EQ(0, ops & ~ALL_OPS) TH_LOG("ops 0x%llx has undefined bits",
					    (unsigned long long)ops);
	EXPECT_LE(1, wbits);
	EXPECT_GE(8, wbits);
	EXPECT_LE(1, abits);
	EXPECT_GE(8, abits);
	/* Multi-bit ops are only meaningful with more than one bit. */
	if (ops & DRM_QNN_OP_MULTIBIT) {
		EXPECT_LT(1, wbits > abits ? wbits : abits);
	}
	EXPECT_LE(1, cores);
	/* SRAM may be 0: a device without on-chip memory is valid. */
	(void)sram;
	EXPECT_LE(1, depth);
	EXPECT_EQ(0, depth & (depth - 1)) TH_LOG("queue depth %llu",
						 (unsigned long long)depth);
	EXPECT_LT(0, khz);
}

TEST_F(qnn, address_space)
{
	uint64_t ps = self->page_size;

	EXPECT_LE(4096, ps);
	EXPECT_EQ(0, ps & (ps - 1)) TH_LOG("page size %llu not a power of 2",
					   (unsigned long long)ps);
	EXPECT_LT(0, self->va_size);
	EXPECT_EQ(0, self->va_start % ps);
	EXPECT_EQ(0, self->va_size % ps);
	/* The range must not wrap around. */
	EXPECT_LE(self->va_start, self->va_start + self->va_size - 1);
}

static uint64_t sim_param(struct __test_metadata *_metadata, const char *name)
{
	char path[128];
	uint64_t v = 0;

	snprintf(path, sizeof(path), "/sys/module/qnn_sim/parameters/%s", name);
	ASSERT_EQ(0, qnn_read_u64_file(path, &v)) TH_LOG("%s", path);
	return v;
}

/*
 * Oracle from outside the driver: on a simulated device, every capability
 * is what qnn_sim was loaded with (docs/uapi.md, qnn_sim parameters).
 */
TEST_F(qnn, matches_sim_parameters)
{
	uint64_t va_bits;
	char parent[64];

	ASSERT_EQ(0, qnn_parent_name(self->fd, parent, sizeof(parent)));
	if (strncmp(parent, "qnn_sim.", 8) != 0)
		SKIP(return, "device %s is not simulated", parent);

	EXPECT_EQ(0x514e0001, param(_metadata, self->fd, DRM_QNN_PARAM_DEVICE_ID));
	EXPECT_EQ(0x010000, param(_metadata, self->fd, DRM_QNN_PARAM_HW_VERSION));
	EXPECT_EQ(sim_param(_metadata, "ops"),
		  param(_metadata, self->fd, DRM_QNN_PARAM_OPS));
	EXPECT_EQ(sim_param(_metadata, "max_weight_bits"),
		  param(_metadata, self->fd, DRM_QNN_PARAM_MAX_WEIGHT_BITS));
	EXPECT_EQ(sim_param(_metadata, "max_act_bits"),
		  param(_metadata, self->fd, DRM_QNN_PARAM_MAX_ACT_BITS));
	EXPECT_EQ(sim_param(_metadata, "sram_kib") * 1024,
		  param(_metadata, self->fd, DRM_QNN_PARAM_SRAM_SIZE));
	EXPECT_EQ(sim_param(_metadata, "cores"),
		  param(_metadata, self->fd, DRM_QNN_PARAM_NUM_CORES));
	EXPECT_EQ(sim_param(_metadata, "queue_depth"),
		  param(_metadata, self->fd, DRM_QNN_PARAM_QUEUE_DEPTH));
	EXPECT_EQ(sim_param(_metadata, "clock_khz"),
		  param(_metadata, self->fd, DRM_QNN_PARAM_CLOCK_KHZ));
	va_bits = sim_param(_metadata, "va_bits");
	EXPECT_EQ(0x100000, self->va_start);
	EXPECT_EQ((1ULL << va_bits) - (17ULL << 20), self->va_size);
	EXPECT_EQ(4096, self->page_size);
	EXPECT_EQ(sim_param(_metadata, "dma_bits"),
		  param(_metadata, self->fd, DRM_QNN_PARAM_DMA_BITS));
	/* "Y"/"N" of a bool parameter: read as text */
	{
		char v[8] = "";
		FILE *f = fopen("/sys/module/qnn_sim/parameters/dma_coherent",
				"r");

		ASSERT_NE(NULL, f);
		ASSERT_NE(NULL, fgets(v, sizeof(v), f));
		fclose(f);
		EXPECT_EQ(v[0] == 'Y',
			  param(_metadata, self->fd, DRM_QNN_PARAM_DMA_COHERENT));
	}
}

/* Same answers twice and from another open file: parameters are per device. */
TEST_F(qnn, stable_across_files)
{
	int fd2 = qnn_open();
	uint32_t p;

	ASSERT_LE(0, fd2);
	for (p = 0; p <= LAST_PARAM; p++) {
		uint64_t a = param(_metadata, self->fd, p);
		uint64_t b = param(_metadata, self->fd, p);
		uint64_t c = param(_metadata, fd2, p);

		EXPECT_EQ(a, b) TH_LOG("param %u", p);
		EXPECT_EQ(a, c) TH_LOG("param %u", p);
	}
	close(fd2);
}

TEST_F(qnn, unknown_param)
{
	static const uint32_t bad[] = { LAST_PARAM + 1, 0x100, 0x7fffffff,
					0xffffffff };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct drm_qnn_get_param p = { .param = bad[i], .value = 0x5a5a };

		EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_GET_PARAM, &p))
			TH_LOG("param 0x%x", bad[i]);
	}
}

TEST_F(qnn, nonzero_pad)
{
	static const uint32_t pads[] = { 1, 0x80000000, 0xffffffff };
	unsigned int i;

	for (i = 0; i < sizeof(pads) / sizeof(pads[0]); i++) {
		struct drm_qnn_get_param p = {
			.param = DRM_QNN_PARAM_DEVICE_ID,
			.pad = pads[i],
		};

		EXPECT_EQ(-EINVAL, qnn_ioctl(self->fd, DRM_IOCTL_QNN_GET_PARAM, &p))
			TH_LOG("pad 0x%x", pads[i]);
	}
}

TEST_HARNESS_MAIN
