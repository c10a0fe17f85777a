/* SPDX-License-Identifier: MIT */
/* The segmented plan's private state, shared by seg_plan.c and seg_run.c. */
#ifndef QNN_SEG_H
#define QNN_SEG_H

#include "accel.h"

/* A run of consecutive layers on one side. */
struct seg {
	int dev;			/* 1: one device job */
	uint32_t first, last;		/* layers [first, last] */
	struct qnn_model *sub;		/* CPU: the segment as a model of its own */
	uint32_t ncmds;
	size_t cs_bytes;		/* device: stream size, header included */
};

/*
 * Streams of every device segment for one chunk shape: n images, and the
 * device address of each graph input/output (key[k], 0: in the arena;
 * non-zero for zero-copy application buffers). A request state keeps a few,
 * so chunks of a pipelined batch and requests reusing their buffers find
 * theirs already validated and kept by the kernel.
 */
#define SEG_SLOTS 4
struct seg_slot {
	int valid;
	unsigned int n;
	uint64_t key[32];
	uint32_t *kept;			/* per segment: kept stream handle, 0 none */
	uint64_t stamp;			/* last use, for replacement */
};

/* One request in flight: its device arena and the streams built for it. */
struct seg_req {
	struct seg_req *next;
	struct qnn_accel *acc;		/* the device its arena and streams are on */
	unsigned int dev;		/* its index in the plan's devices */
	uint32_t bo;
	uint64_t va;
	uint8_t *map;
	size_t bytes;
	unsigned int cap;		/* images the arena holds */
	uint8_t **cs;			/* per segment (device ones), cs_bytes each */
	int cs_slot;			/* the slot whose addresses cs holds, -1 none */
	struct seg_slot slot[SEG_SLOTS];
	uint64_t tick;
};

struct seg_plan {
	struct qnn_accel *acc;
	uint8_t *dev;			/* per layer: 1 on the device */
	char (*why)[128];		/* per layer: the reason */
	int *segof;			/* per layer */
	struct seg *segs;
	unsigned int nseg, ndev;
	/* the device memory domain: tensors in the per-request arena BO */
	uint8_t *indev;			/* per tensor */
	size_t *doff;			/* per tensor: offset per image */
	size_t *soff;			/* per tensor: its 8-plane shadow (SIZE_MAX: none) */
	size_t dev_per_image, dev_min, dev_naive;
	unsigned int max_chunk;		/* images per device job */
	int pipeline;			/* CPU and device segments: chunks overlap */
	/* the devices a batch is spread over (one unless "accel:all") */
	struct qnn_accel *accs[QNN_MAX_ACCEL];
	unsigned int nacc;
	/* constants, uploaded once at load into one read-only BO per device */
	uint32_t cbo[QNN_MAX_ACCEL];
	uint64_t cva[QNN_MAX_ACCEL];
	size_t csize;
	struct qnn_cs_addrs *ca[QNN_MAX_ACCEL];	/* per layer: constant VAs */
	int64_t timeout_ms;
	pthread_mutex_t lock;		/* free requests, last message */
	struct seg_req *free[QNN_MAX_ACCEL];	/* per device */
	char last[160];
	int reported;			/* stderr lines printed about fallbacks */
	atomic_int no_kept;		/* the driver keeps no streams (before 1.2) */
	atomic_ullong requests, jobs, calls, fallbacks, cin, cout, devcopy, dev_ns, host_ns, kept;
	atomic_ullong zc, pack, overlapped;
	atomic_uint inflight;		/* requests running now */
};

void qnn_seg_req_free(struct seg_plan *p, struct seg_req *r);

#endif /* QNN_SEG_H */
