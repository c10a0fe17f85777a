/* SPDX-License-Identifier: MIT */
/*
 * qnn devcoredump format: what the driver writes to
 * /sys/class/devcoredump/devcdN/data when a job hangs, faults in the device
 * MMU or the device reports a status the driver does not know
 * (docs/uapi.md, "Device coredumps"). `qnn-info --coredump FILE` decodes it.
 *
 * Layout, all little-endian: a struct qnn_coredump_header, then
 * header.num_sections sections, each a struct qnn_coredump_section followed
 * by section.size bytes (a multiple of 8). A reader skips section types it
 * does not know; the structs only grow at the end (the section size says
 * how much of one is there).
 */
#ifndef _QNN_COREDUMP_H_
#define _QNN_COREDUMP_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

#define QNN_COREDUMP_MAGIC	"QNNCORE"	/* 8 bytes with its NUL */
#define QNN_COREDUMP_VERSION	1

struct qnn_coredump_header {
	char magic[8];
	__u32 version;
	__u32 header_size;	/* sizeof(struct qnn_coredump_header) */
	__u64 total_size;	/* bytes of the whole dump */
	__u32 num_sections;
	__u32 pad;
};

enum qnn_coredump_section_type {
	QNN_COREDUMP_SEC_INFO	= 1,	/* struct qnn_coredump_info */
	QNN_COREDUMP_SEC_REGS	= 2,	/* struct qnn_coredump_reg[] */
	QNN_COREDUMP_SEC_RING	= 3,	/* struct qnn_coredump_ring, descs, results */
	QNN_COREDUMP_SEC_STREAM	= 4,	/* the job's command stream (bytes) */
};

struct qnn_coredump_section {
	__u32 type;		/* enum qnn_coredump_section_type */
	__u32 pad;
	__u64 size;		/* bytes that follow this header */
};

/* Why the dump was taken */
enum qnn_coredump_reason {
	QNN_COREDUMP_HANG		= 1,	/* job timeout; the device was reset after */
	QNN_COREDUMP_MMU_FAULT		= 2,	/* the job faulted in the device MMU */
	QNN_COREDUMP_DEVICE_ERROR	= 3,	/* unknown status in a result record */
};

struct qnn_coredump_info {
	__u32 reason;		/* enum qnn_coredump_reason */
	__u32 job_status;	/* DRM_QNN_JOB_* the job ends with */
	__u64 job_id;		/* per file, as SUBMIT returned it */
	__u64 client_id;	/* drm-client-id of the job's file (fdinfo) */
	__s32 pid;		/* process that opened the file */
	char comm[16];
	__u32 seqno;		/* ring sequence number of the job */
	__u32 slot;		/* ring slot */
	__u32 hw_status;	/* result record status (QNN_ERR_*), ~0: none */
	__u32 hw_detail;	/* result record detail */
	__u32 cs_offset;	/* failing command's offset in the stream */
	__u64 fault_addr;	/* MMU fault: the VA */
	__u32 fault_flags;	/* MMU fault: DRM_QNN_FAULT_* */
	__u32 stream_size;	/* the job's stream, bytes (SEC_STREAM may be cut) */
	__u64 time_ns;		/* CLOCK_REALTIME of the capture */
	__u64 run_ns;		/* time the job had been on the ring */
	__u32 device_id;	/* DRM_QNN_PARAM_DEVICE_ID */
	__u32 hw_version;	/* DRM_QNN_PARAM_HW_VERSION */
	__u32 driver_version;	/* DRM_QNN_PARAM_DRIVER_VERSION */
	__u32 accel_minor;	/* /dev/accel/accelN */
	char device[32];	/* parent device name, e.g. "qnn_sim.0" */
};

/* One register: its offset, value and name (from the driver's header) */
struct qnn_coredump_reg {
	__u32 offset;
	__u32 value;
	char name[24];
};

/*
 * The ring at capture time; followed by @captured descriptors (64 bytes
 * each, struct qnn_hw_desc in docs/hw-interface.md) and @captured result
 * records (64 bytes each), from slot 0.
 */
struct qnn_coredump_ring {
	__u32 size;		/* entries */
	__u32 captured;		/* entries that follow (<= size) */
	__u32 head;		/* CQ_HEAD register */
	__u32 tail;		/* driver's tail */
	__u32 seqno;		/* last seqno handed out */
	__u32 done_seqno;	/* DONE_SEQNO register */
	__u32 unfetched;	/* descriptors between head and tail */
	__u32 pad;
};

#if defined(__cplusplus)
}
#endif

#endif /* _QNN_COREDUMP_H_ */
