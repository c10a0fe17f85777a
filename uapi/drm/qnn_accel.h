/* SPDX-License-Identifier: MIT */
/*
 * qnn binary/low-bit neural-network accelerator: userspace ABI.
 *
 * Rules that keep this ABI stable (see docs/uapi.md):
 *  - fixed-width types only, every struct a multiple of 8 bytes, explicit
 *    padding that the kernel rejects with -EINVAL when non-zero;
 *  - structs only ever grow at the end; the DRM core zero-extends a shorter
 *    struct from an old binary, and a zero in a new field means "old
 *    behaviour";
 *  - ioctl and parameter numbers are never reused.
 */
#ifndef _QNN_ACCEL_H_
#define _QNN_ACCEL_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

#define DRM_QNN_GET_PARAM		0x00
#define DRM_QNN_BO_CREATE		0x01
#define DRM_QNN_BO_INFO			0x02
/*
 * 0x03..0x07 are reserved for job submission (SUBMIT), waiting on jobs and
 * BOs (WAIT) and per-job perf counters; see docs/uapi.md.
 */

/**
 * enum drm_qnn_param - what DRM_IOCTL_QNN_GET_PARAM can query
 *
 * @DRM_QNN_PARAM_DEVICE_ID: vendor id << 16 | device id
 * @DRM_QNN_PARAM_HW_VERSION: major << 16 | minor << 8 | patch
 * @DRM_QNN_PARAM_OPS: bitmask of DRM_QNN_OP_* the device executes
 * @DRM_QNN_PARAM_MAX_WEIGHT_BITS: widest weight precision (1..8)
 * @DRM_QNN_PARAM_MAX_ACT_BITS: widest activation precision (1..8)
 * @DRM_QNN_PARAM_SRAM_SIZE: on-chip memory in bytes
 * @DRM_QNN_PARAM_NUM_CORES: number of compute cores
 * @DRM_QNN_PARAM_VA_START: first usable device virtual address
 * @DRM_QNN_PARAM_VA_SIZE: size of the per-file device address space
 * @DRM_QNN_PARAM_DRIVER_VERSION: major << 16 | minor << 8 | patch
 * @DRM_QNN_PARAM_QUEUE_DEPTH: job descriptors the command ring holds
 * @DRM_QNN_PARAM_CLOCK_KHZ: compute clock in kHz
 * @DRM_QNN_PARAM_PAGE_SIZE: device MMU page size in bytes
 */
enum drm_qnn_param {
	DRM_QNN_PARAM_DEVICE_ID		= 0,
	DRM_QNN_PARAM_HW_VERSION	= 1,
	DRM_QNN_PARAM_OPS		= 2,
	DRM_QNN_PARAM_MAX_WEIGHT_BITS	= 3,
	DRM_QNN_PARAM_MAX_ACT_BITS	= 4,
	DRM_QNN_PARAM_SRAM_SIZE		= 5,
	DRM_QNN_PARAM_NUM_CORES		= 6,
	DRM_QNN_PARAM_VA_START		= 7,
	DRM_QNN_PARAM_VA_SIZE		= 8,
	DRM_QNN_PARAM_DRIVER_VERSION	= 9,
	DRM_QNN_PARAM_QUEUE_DEPTH	= 10,
	DRM_QNN_PARAM_CLOCK_KHZ		= 11,
	DRM_QNN_PARAM_PAGE_SIZE		= 12,
};

/* Layer operations, as bits of DRM_QNN_PARAM_OPS. */
#define DRM_QNN_OP_BCONV2D		0x1ULL	/* binary conv2d */
#define DRM_QNN_OP_BDENSE		0x2ULL	/* binary dense */
#define DRM_QNN_OP_MULTIBIT		0x4ULL	/* bit-plane 2..8 bit */
#define DRM_QNN_OP_THRESHOLD		0x8ULL	/* per-channel thresholds */
#define DRM_QNN_OP_SCALE_SHIFT		0x10ULL	/* int scale, shift, bias */
#define DRM_QNN_OP_MAXPOOL		0x20ULL	/* max-pool, bitpacked */
#define DRM_QNN_OP_RESIDUAL_ADD		0x40ULL
#define DRM_QNN_OP_GLOBAL_AVGPOOL	0x80ULL

/**
 * struct drm_qnn_get_param - query one device or driver parameter
 * @param: in, an enum drm_qnn_param value; unknown values give -EINVAL
 * @pad: must be zero
 * @value: out
 */
struct drm_qnn_get_param {
	__u32 param;
	__u32 pad;
	__u64 value;
};

/* BO_CREATE flags */
/* The device may only read the BO (weights, command streams). */
#define DRM_QNN_BO_DEVICE_READONLY	0x1U
#define DRM_QNN_BO_FLAGS		DRM_QNN_BO_DEVICE_READONLY

/**
 * struct drm_qnn_bo_create - allocate a buffer object
 * @size: in, bytes; rounded up to the page size; 0 or larger than the
 *	device address space (DRM_QNN_PARAM_VA_SIZE) gives -EINVAL, more
 *	than half of the machine's RAM -ENOMEM
 * @flags: in, DRM_QNN_BO_*; unknown bits give -EINVAL
 * @handle: out, GEM handle in this file
 * @va: out, device virtual address of the BO in this file's address space
 * @offset: out, fake offset to pass to mmap() on the device fd
 */
struct drm_qnn_bo_create {
	__u64 size;
	__u32 flags;
	__u32 handle;
	__u64 va;
	__u64 offset;
};

/**
 * struct drm_qnn_bo_info - describe a BO of this file (also one imported
 * through PRIME, which gets its own device address here)
 * @handle: in; unknown handles give -ENOENT
 * @flags: in, must be 0 (-EINVAL otherwise); out, the BO's DRM_QNN_BO_*
 * @size: out, bytes
 * @va: out, device virtual address in this file's address space
 * @offset: out, fake offset to pass to mmap()
 */
struct drm_qnn_bo_info {
	__u32 handle;
	__u32 flags;
	__u64 size;
	__u64 va;
	__u64 offset;
};

#define DRM_IOCTL_QNN_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_QNN_GET_PARAM, struct drm_qnn_get_param)
#define DRM_IOCTL_QNN_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_QNN_BO_CREATE, struct drm_qnn_bo_create)
#define DRM_IOCTL_QNN_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_QNN_BO_INFO, struct drm_qnn_bo_info)

#if defined(__cplusplus)
}
#endif

#endif /* _QNN_ACCEL_H_ */
