/* SPDX-License-Identifier: MIT */
/*
 * qnn-info: what one qnn accelerator reports, gathered once and then
 * printed as text or JSON; plus what libqnn's CPU fallback can use
 * (qnn_cpu_info(), libqnn's public API).
 */
#ifndef QNN_INFO_H
#define QNN_INFO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "qnn.h"

/* drmGetVersion()->name of qnn devices (docs/uapi.md). */
#define QNN_INFO_DRIVER "qnn"

/* GET_PARAM numbers 0..QNN_INFO_NPARAMS-1 (uapi/drm/qnn_accel.h). */
#define QNN_INFO_NPARAMS 13

#define QNN_INFO_MAX_COUNTERS	32
#define QNN_INFO_MAX_REGS	96

struct qnn_info_dev {
	char path[64];		/* /dev/accel/accelN */
	int minor;
	char parent[64];	/* "qnn_sim.0", "0000:00:04.0", "" if unknown */
	char bus[32];		/* "platform", "pci", "" if unknown */
	char drv_name[32];
	char drv_desc[128];
	char drv_date[32];
	int drv_major, drv_minor, drv_patch;
	uint64_t param[QNN_INFO_NPARAMS];
	bool have[QNN_INFO_NPARAMS];	/* false: the driver refused it */
	/* debugfs "counters" (jobs by status, resets, faults, ...) */
	int ncounters;			/* -errno: could not be read */
	struct qnn_info_counter {
		char key[32];
		uint64_t value;
	} counters[QNN_INFO_MAX_COUNTERS];
	/* debugfs "regs", with --regs */
	int nregs;			/* -errno: could not be read */
	struct qnn_info_reg {
		char name[24];
		unsigned int offset;
		uint32_t value;
	} regs[QNN_INFO_MAX_REGS];
};

struct qnn_info_scan {
	struct qnn_info_dev *devs;
	int ndevs;
	int nodes;		/* /dev/accel/accel* nodes seen */
	int unopenable;		/* of those, how many could not be opened */
};

/* Scan /dev/accel/accel*; keeps qnn devices. 0 or -errno (ENOMEM). */
int qnn_info_scan(struct qnn_info_scan *scan);
void qnn_info_scan_free(struct qnn_info_scan *scan);

/*
 * The device's debugfs files (root only): counters always, registers when
 * @regs. Failures are kept in ncounters/nregs as -errno, not fatal.
 */
void qnn_info_debugfs(struct qnn_info_dev *d, bool regs);

/* --clients: the DRM fdinfo of every open qnn file (clients.c). */
int qnn_info_clients(FILE *f, bool json);

/* --coredump FILE: decode a devcoredump (coredump.c). Exit status. */
int qnn_info_coredump(FILE *f, const char *path, bool json);

/* JSON string with escapes */
void qnn_info_json_str(FILE *f, const char *s);

/* Name of one DRM_QNN_OP_* bit, NULL if the bit is not defined. */
const char *qnn_info_op_name(uint64_t bit);

void qnn_info_print_text(FILE *f, const struct qnn_info_scan *scan,
			 const struct qnn_cpu_info *cpu, int cpu_err);
void qnn_info_print_json(FILE *f, const struct qnn_info_scan *scan,
			 const struct qnn_cpu_info *cpu, int cpu_err);

#endif /* QNN_INFO_H */
