/* SPDX-License-Identifier: MIT */
/*
 * qnn-top: what the BPF program (qnn_top.bpf.c) keeps in its maps and the
 * tool reads. Counters only grow; the tool shows differences between two
 * reads. Shared by the BPF side (vmlinux.h types) and userspace (stdint).
 */
#ifndef QNN_TOP_H
#define QNN_TOP_H

#define QT_MAX_DEVS	64	/* accel minors watched */
#define QT_MAX_PROCS	1024	/* (device, process) pairs */
#define QT_STATUSES	8	/* DRM_QNN_JOB_* 0..7 */
#define QT_HIST		32	/* log2 buckets of microseconds */
#define QT_COMM		16

/* One device (index: accel minor). */
struct qt_dev {
	__u64 submitted;
	__u64 ended;			/* qnn_job_done: every job once */
	__u64 status[QT_STATUSES];	/* ended jobs by DRM_QNN_JOB_* */
	__u64 runs;			/* qnn_job_run (again after a reset) */
	__u64 resets;
	__u64 mmu_faults;
	__u64 cycles;			/* device cycles of ended jobs */
	__u64 dev_ns;			/* the same in ns at the device clock */
	__u64 wait_hist[QT_HIST];	/* submit -> run */
	__u64 run_hist[QT_HIST];	/* run -> done */
	__u64 seen_ended;		/* ended jobs whose submit it saw */
};

struct qt_proc_key {
	__u32 dev;
	__s32 pid;
};

struct qt_proc {
	char comm[QT_COMM];
	__u64 submitted;
	__u64 ended;
	__u64 status[QT_STATUSES];
	__u64 runs;
	__u64 resets;			/* resets its jobs caused */
	__u64 mmu_faults;
	__u64 dev_ns;
	__u64 wait_ns;			/* sums, for the means */
	__u64 run_ns;
	__u64 seen_ended;		/* ended jobs whose submit it saw */
};

/* A job in flight since its submit event (queue depth). */
struct qt_job_key {
	__u32 dev;
	__s32 pid;
	__u64 client;
	__u64 id;
};

#define QT_MAX_INFLIGHT	16384

#endif /* QNN_TOP_H */
