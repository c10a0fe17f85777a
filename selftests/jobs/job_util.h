/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the job selftests: command-stream tensors in real BOs, SUBMIT
 * and WAIT wrappers answering 0 or -errno, and qnn_sim's fault-injection
 * knobs (docs/uapi.md, "qnn_sim fault injection").
 */
#ifndef QNN_JOB_UTIL_H
#define QNN_JOB_UTIL_H

#include <stdint.h>
#include "cs_gen.h"
#include "qnn_dev.h"

/* cs_mem backed by BOs of fd (read-only buffers get DEVICE_READONLY). */
void job_mem_init(struct cs_mem *m, int *fd, uint64_t seed);

/* SUBMIT the finished stream @b with every buffer of @m in the BO list. */
int job_submit(int fd, struct cs_builder *b, const struct cs_mem *m,
	       uint32_t out_syncobj, struct drm_qnn_submit *args);

/* WAIT for a job, @timeout_ms from now: 0 or -errno. */
int job_wait(int fd, uint64_t id, int64_t timeout_ms, struct drm_qnn_wait *w);

/* An empty (0-command) job: 0 or -errno; *id gets its id. */
int job_submit_empty(int fd, uint64_t *id);

/* CLOCK_MONOTONIC in ns. */
int64_t job_now_ns(void);

/*
 * Write @val to fault knob @name of fd's device (qnn_sim's debugfs knob,
 * or the qnn-pci model's test block: qnn_fault.h): 0 or -errno.
 */
int sim_knob(int fd, const char *name, unsigned int val);

/* qnn.ko's job_timeout_ms parameter. */
unsigned int job_timeout_ms(void);

/* A qnn.ko parameter, @def when it cannot be read. */
uint64_t qnn_module_param(const char *name, uint64_t def);

/* A register of fd's device from debugfs "regs" (e.g. "PERF_BINOPS_LO"). */
int dev_reg(int fd, const char *name, uint32_t *val);

/* Active objects of slab cache @name (/proc/slabinfo): 0 or -errno. */
int slab_active(const char *name, long *n);

/* Whole text file @path into @buf (NUL-terminated): bytes or -errno. */
long read_text(const char *path, char *buf, size_t len);

/* Run a shell command: 0 when it exited with 0. */
int sh(const char *cmd);

/*
 * Take fd's device away as a hot-unplug does: qnn_sim unloaded, or the
 * PCI function removed (*pci = 1). 0 or -errno.
 */
int dev_unplug(int fd, int *pci);

/* After dev_unplug() (and qnn.ko reloaded): the device back, bound. */
int dev_replug(int pci);

/*
 * A small binary conv (4x4x64 -> 8, 3x3, one-padded, INT32 out) built into
 * @m/@b from scratch: the jobs tests' unit of real device work.
 */
void job_small_conv(struct cs_mem *m, struct cs_builder *b);

/* The header of an empty stream (a valid 0-command job). */
void job_empty_stream(struct qnn_cs_header *h);

/*
 * @n job_small_conv() jobs, job i in BOs of its own (of *fd) filled from
 * @seed + i, submitted and not waited: 0 or the first -errno (allocation
 * or SUBMIT); the jobs before it stay submitted.
 */
int job_submit_batch(int *fd, struct cs_mem *m, struct cs_builder *b,
		     struct drm_qnn_submit *s, int n, uint64_t seed);

/* How one job of a batch ended (job_wait_batch). */
struct job_outcome {
	int wait_err;		/* 0 or -errno of its WAIT */
	uint32_t status;	/* DRM_QNN_JOB_*, 0 when the WAIT failed */
	int mismatch;		/* cs_gen_compare(): -1 = the reference result */
};

/*
 * WAIT for the @n jobs of job_submit_batch() against one deadline for the
 * batch (4 job timeouts + 30 s from now: a stuck device costs it once,
 * not per job) and compare each job's outputs with the reference (cs_ref),
 * whatever its status; the buffers are freed. Fills @out; returns how many
 * jobs COMPLETED with the reference result.
 */
int job_wait_batch(int fd, struct cs_mem *m, struct cs_builder *b,
		   const struct drm_qnn_submit *s, int n,
		   struct job_outcome *out);

#endif
