/* SPDX-License-Identifier: MIT */
/*
 * qnn-top's userspace: snapshots of the BPF maps (collect.c), their
 * differences printed as a table or JSON (print.c), the command line and
 * the BPF life cycle (main.c).
 */
#ifndef QNN_TOP_TOOL_H
#define QNN_TOP_TOOL_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "qnn_top.h"

struct qt_snap_proc {
	struct qt_proc_key key;
	struct qt_proc v;
};

/* One read of the maps, at @t_ns (CLOCK_MONOTONIC). */
struct qt_snap {
	__u64 t_ns;
	struct qt_dev dev[QT_MAX_DEVS];
	struct qt_snap_proc *procs;
	int nprocs;
	__u64 procs_dropped;
	/* BPF run-time statistics (--bpf-stats), summed over the programs */
	bool have_bpf_stats;
	__u64 bpf_runs;
	__u64 bpf_run_ns;
};

/* The qnn devices present: accel minor and what GET_PARAM says. */
struct qt_devinfo {
	bool present;
	uint32_t clock_khz;
	char name[64];		/* parent device, e.g. "qnn_sim.0" */
};

/* 0 or -errno; @devs_fd/@procs_fd the maps, @prog_fds for --bpf-stats. */
int qt_snap_read(struct qt_snap *s, int devs_fd, int procs_fd,
		 const int *prog_fds, int nprogs, __u64 procs_dropped);
void qt_snap_free(struct qt_snap *s);

/* The qnn devices: how many there are (0: none), -errno on failure. */
int qt_scan_devices(struct qt_devinfo devs[QT_MAX_DEVS]);

struct qt_view {
	const struct qt_snap *prev;	/* the attach-time baseline or last read */
	const struct qt_snap *cur;
	const struct qt_devinfo *devinfo;
	bool once;			/* totals since attach */
	bool all_procs;			/* also processes without activity */
};

void qt_print_text(FILE *f, const struct qt_view *v);
void qt_print_json(FILE *f, const struct qt_view *v);

#endif /* QNN_TOP_TOOL_H */
