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
#define DRM_QNN_SUBMIT			0x03
#define DRM_QNN_WAIT			0x04
#define DRM_QNN_CMDS_CREATE		0x05	/* driver 1.2 */
#define DRM_QNN_CMDS_DESTROY		0x06	/* driver 1.2 */
/* New ioctls take the next free number, 0x07 on (docs/uapi.md). */

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
 * @DRM_QNN_PARAM_DMA_COHERENT: 1 if the device snoops CPU caches; 0 if not,
 *	and then BO mmaps are write-combined (slow to read: copy out once)
 * @DRM_QNN_PARAM_DMA_BITS: width of the bus addresses the device can
 *	issue (32..52); the kernel bounces or places memory beyond it
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
	DRM_QNN_PARAM_DMA_COHERENT	= 13,
	DRM_QNN_PARAM_DMA_BITS		= 14,
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

/* Job submission (docs/uapi.md, "Jobs"); command streams: qnn_cmdstream.h */

/* struct drm_qnn_bo_ref.flags: how the job uses the BO (implicit sync) */
#define DRM_QNN_BO_REF_READ		0x1U
#define DRM_QNN_BO_REF_WRITE		0x2U
#define DRM_QNN_BO_REF_FLAGS		(DRM_QNN_BO_REF_READ | DRM_QNN_BO_REF_WRITE)

/**
 * struct drm_qnn_bo_ref - one BO a job touches
 * @handle: GEM handle of this file
 * @flags: DRM_QNN_BO_REF_*, at least one; WRITE lets the job write it
 */
struct drm_qnn_bo_ref {
	__u32 handle;
	__u32 flags;
};

#define DRM_QNN_SUBMIT_MAX_BOS		256
#define DRM_QNN_SUBMIT_MAX_SYNCOBJS	64
#define DRM_QNN_SUBMIT_MAX_BO_REF_SIZE	4096

/**
 * enum drm_qnn_priority - struct drm_qnn_submit.priority
 * @DRM_QNN_PRIORITY_NORMAL: the default
 * @DRM_QNN_PRIORITY_LOW: runs only when no NORMAL or HIGH job is ready
 * @DRM_QNN_PRIORITY_HIGH: runs before any ready NORMAL or LOW job; needs
 *	CAP_SYS_NICE (-EACCES otherwise)
 */
enum drm_qnn_priority {
	DRM_QNN_PRIORITY_NORMAL		= 0,
	DRM_QNN_PRIORITY_LOW		= 1,
	DRM_QNN_PRIORITY_HIGH		= 2,
};

/**
 * struct drm_qnn_submit - queue one job
 * @cmds: in, user pointer to the command stream (copied by the kernel
 *	into a BO userspace cannot map)
 * @cmds_size: in, bytes, 32 .. QNN_CS_MAX_STREAM_SIZE
 * @flags: in, must be zero
 * @bos: in, user pointer to @bo_count struct drm_qnn_bo_ref: every BO the
 *	stream addresses; they stay alive and mapped until the job ends
 * @bo_count: in, 0 .. DRM_QNN_SUBMIT_MAX_BOS
 * @in_syncobj_count: in, 0 .. DRM_QNN_SUBMIT_MAX_SYNCOBJS
 * @in_syncobjs: in, user pointer to __u32 syncobj handles to wait for
 * @out_syncobj: in, syncobj that gets the job's fence, 0 for none
 * @pad: must be zero
 * @job_id: out, the job's id in this file (1, 2, ...)
 * @cs_error: out, enum qnn_cs_error when the stream was rejected: -EINVAL,
 *	or -EOPNOTSUPP with QNN_CS_ERR_UNSUPPORTED for a valid command the
 *	device does not advertise (DRM_QNN_PARAM_OPS, MAX_*_BITS)
 * @cs_offset: out, byte offset of the rejected command
 *
 * Since driver version 1.1 (DRM_QNN_PARAM_DRIVER_VERSION >= 0x010100); an
 * older kernel ignores these fields, so check the version before relying
 * on them:
 * @bo_ref_size: in, bytes from one @bos entry to the next, 0 = 8 (the size
 *	of struct drm_qnn_bo_ref in 1.0); a multiple of 8, 8 .. 4096. Bytes
 *	past the struct this kernel knows must be zero.
 * @priority: in, enum drm_qnn_priority; 0 = NORMAL
 * @in_syncobj_points: in, user pointer to @in_syncobj_count __u64 timeline
 *	points, one per @in_syncobjs handle (0 = a binary syncobj's fence);
 *	0 = no array, every handle binary
 * @out_syncobj_point: in, 0: the job's fence replaces @out_syncobj's fence;
 *	else the fence is added to the timeline @out_syncobj at this point
 *
 * Since driver version 1.2 (DRM_QNN_PARAM_DRIVER_VERSION >= 0x010200):
 * @cmds_handle: in, 0: the stream is @cmds/@cmds_size with the BO list
 *	@bos, as in 1.0; else a stream kept by DRM_IOCTL_QNN_CMDS_CREATE in
 *	this file, run as validated then with its BO list, neither copied nor
 *	validated again. @cmds, @cmds_size, @bos, @bo_count and @bo_ref_size
 *	must then be 0 (-EINVAL); an unknown handle gives -ENOENT.
 * @pad2: must be zero
 */
struct drm_qnn_submit {
	__u64 cmds;
	__u32 cmds_size;
	__u32 flags;
	__u64 bos;
	__u32 bo_count;
	__u32 in_syncobj_count;
	__u64 in_syncobjs;
	__u32 out_syncobj;
	__u32 pad;
	__u64 job_id;
	__u32 cs_error;
	__u32 cs_offset;
	__u32 bo_ref_size;
	__u32 priority;
	__u64 in_syncobj_points;
	__u64 out_syncobj_point;
	__u32 cmds_handle;
	__u32 pad2;
};

/**
 * struct drm_qnn_cmds_create - validate a command stream once and keep it
 * (driver 1.2, docs/uapi.md "Kept command streams")
 *
 * The kernel copies the stream into memory userspace cannot map or change,
 * validates it against the BO list and the device's capabilities as SUBMIT
 * does, and keeps it with references and mappings on every listed BO until
 * DRM_IOCTL_QNN_CMDS_DESTROY (or close) and the last job using it ends.
 * SUBMIT then runs it by @handle (drm_qnn_submit.cmds_handle).
 *
 * @cmds: in, user pointer to the stream when @src_handle is 0; else 0
 * @cmds_size: in, bytes, 32 .. QNN_CS_MAX_STREAM_SIZE
 * @flags: in, must be zero
 * @bos: in, user pointer to @bo_count BO references, @bo_ref_size bytes
 *	apart: every BO the stream addresses, as for SUBMIT
 * @bo_count: in, 0 .. DRM_QNN_SUBMIT_MAX_BOS
 * @bo_ref_size: in, as drm_qnn_submit.bo_ref_size; 0 = 8
 * @src_handle: in, 0, or a BO of this file holding the stream at
 *	@src_offset (read once, here; later writes to it change nothing)
 * @handle: out, the kept stream's handle in this file (1, 2, ...; its own
 *	namespace, not a GEM handle)
 * @src_offset: in, with @src_handle: byte offset of the stream in that BO,
 *	a multiple of 8, the stream wholly inside the BO; else 0
 * @cs_error: out, enum qnn_cs_error when the stream was rejected
 * @cs_offset: out, byte offset (in the stream) of the rejected command
 */
struct drm_qnn_cmds_create {
	__u64 cmds;
	__u32 cmds_size;
	__u32 flags;
	__u64 bos;
	__u32 bo_count;
	__u32 bo_ref_size;
	__u32 src_handle;
	__u32 handle;
	__u64 src_offset;
	__u32 cs_error;
	__u32 cs_offset;
};

/**
 * struct drm_qnn_cmds_destroy - forget a kept stream (jobs using it finish)
 * @handle: in, from DRM_IOCTL_QNN_CMDS_CREATE; unknown: -ENOENT
 * @pad: must be zero
 */
struct drm_qnn_cmds_destroy {
	__u32 handle;
	__u32 pad;
};

/* struct drm_qnn_wait.flags */
#define DRM_QNN_WAIT_BO			0x1U	/* wait for @handle, not a job */

/* struct drm_qnn_wait.status */
enum drm_qnn_job_status {
	DRM_QNN_JOB_COMPLETED		= 1,
	DRM_QNN_JOB_TIMEOUT		= 2,	/* timed out; device reset */
	DRM_QNN_JOB_MMU_FAULT		= 3,	/* fault_addr, cs_offset */
	DRM_QNN_JOB_INVALID_CMD		= 4,	/* cs_error, cs_offset */
	DRM_QNN_JOB_CANCELED		= 5,	/* never ran to the end */
	DRM_QNN_JOB_DEVICE_ERROR	= 6,	/* device reported nonsense */
};

/* struct drm_qnn_wait.fault_flags */
#define DRM_QNN_FAULT_WRITE		0x1U

/**
 * struct drm_qnn_wait - wait for a job (or a BO) and get its status
 * @job_id: in, a job id of this file (0 with DRM_QNN_WAIT_BO)
 * @timeout_ns: in, absolute CLOCK_MONOTONIC time; 0 = do not block
 * @handle: in, BO handle with DRM_QNN_WAIT_BO, else 0
 * @flags: in, DRM_QNN_WAIT_*
 * @status: out, enum drm_qnn_job_status
 * @cs_error: out, INVALID_CMD: enum qnn_cs_error
 * @cs_offset: out, INVALID_CMD, MMU_FAULT: byte offset of the command
 * @fault_flags: out, MMU_FAULT: DRM_QNN_FAULT_*
 * @fault_addr: out, MMU_FAULT: the device VA that faulted
 * @cycles: out, perf counter: device cycles
 * @binops: out, perf counter: 1-bit multiply-accumulates and element ops
 * @bytes_read: out, perf counter
 * @bytes_written: out, perf counter
 * @duration_ns: out, from the doorbell to the completion interrupt
 * @latency_ns: out, from SUBMIT to the completion interrupt
 */
struct drm_qnn_wait {
	__u64 job_id;
	__s64 timeout_ns;
	__u32 handle;
	__u32 flags;
	__u32 status;
	__u32 cs_error;
	__u32 cs_offset;
	__u32 fault_flags;
	__u64 fault_addr;
	__u64 cycles;
	__u64 binops;
	__u64 bytes_read;
	__u64 bytes_written;
	__u64 duration_ns;
	__u64 latency_ns;
};

#define DRM_IOCTL_QNN_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_QNN_GET_PARAM, struct drm_qnn_get_param)
#define DRM_IOCTL_QNN_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_QNN_BO_CREATE, struct drm_qnn_bo_create)
#define DRM_IOCTL_QNN_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_QNN_BO_INFO, struct drm_qnn_bo_info)

#define DRM_IOCTL_QNN_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_QNN_SUBMIT, struct drm_qnn_submit)
#define DRM_IOCTL_QNN_WAIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_QNN_WAIT, struct drm_qnn_wait)
#define DRM_IOCTL_QNN_CMDS_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_QNN_CMDS_CREATE, \
		 struct drm_qnn_cmds_create)
#define DRM_IOCTL_QNN_CMDS_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_QNN_CMDS_DESTROY, \
		struct drm_qnn_cmds_destroy)

#if defined(__cplusplus)
}
#endif

#endif /* _QNN_ACCEL_H_ */
