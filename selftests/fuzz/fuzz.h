/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stateful uAPI fuzzer of /dev/accel (qnn_fuzz_test.c): each worker process
 * keeps a table of what it made (files, BOs, mappings, syncobjs, dma-bufs,
 * jobs) and picks, by a seeded PRNG, the next call from valid, half-valid and
 * garbage arguments on that state. See selftests/README.md, "fuzz".
 */
#ifndef QNN_FUZZ_H
#define QNN_FUZZ_H

#include <stdint.h>
#include "cs_gen.h"
#include "qnn_dev.h"

#define FZ_FILES	4
#define FZ_BOS		24
#define FZ_MAPS		16
#define FZ_SYNCOBJS	8
#define FZ_DMABUFS	8
#define FZ_CMDS		8

struct fz_bo {
	uint32_t handle;	/* 0: free slot */
	uint64_t size, va, offset;
};

struct fz_file {
	int fd;			/* -1: free slot */
	struct fz_bo bos[FZ_BOS];
	uint32_t syncobjs[FZ_SYNCOBJS];
	uint32_t cmds[FZ_CMDS];	/* kept streams (CMDS_CREATE), 0: free */
	uint64_t last_job;
	int shared;		/* a forked child has it too */
};

struct fz_map {
	uint8_t *p;		/* NULL: free slot */
	size_t size;
};

struct fz_stats {
	uint64_t calls;		/* ioctls, mmaps, opens, closes made */
	uint64_t jobs;		/* SUBMITs the kernel accepted */
	uint64_t checked;	/* valid jobs whose results were compared */
	uint64_t mismatches;	/* ... and differed from the reference */
	uint64_t bad_fail;	/* valid requests refused without cause */
	uint64_t injected;	/* calls run with fail-nth armed */
	uint64_t forks;
	uint64_t errnos[135];	/* how often each errno came back */
	char first_bad[200];	/* the first mismatch or bad failure */
};

struct fz {
	uint64_t rng;
	const char *node;	/* /dev/accel/accelN */
	struct fz_file files[FZ_FILES];
	struct fz_map maps[FZ_MAPS];
	int dmabufs[FZ_DMABUFS];
	int sock;		/* to the next worker: dma-buf fds travel */
	int sock_in;		/* from the previous worker */
	int failnth_pct;	/* % of calls run with fail-nth armed */
	int failnth_fd;		/* /proc/thread-self/fail-nth or -1 */
	int armed;		/* fail-nth was armed for the last ioctl */
	int in_child;		/* a forked short-lived child */
	struct cs_builder *b;
	struct cs_mem *mem;
	int mem_fd;		/* the file a job's tensors go into */
	struct fz_stats *st;	/* shared with the parent (MAP_SHARED) */
};

uint64_t fz_rnd(struct fz *z);
/* Uniform in [0, n); n > 0. */
uint32_t fz_below(struct fz *z, uint32_t n);

void fz_init(struct fz *z, const char *node, uint64_t seed, int sock,
	     int sock_in, int failnth_pct, struct fz_stats *st);
/* One random operation on the state. */
void fz_step(struct fz *z);
/* Close everything the worker holds (it may also just exit). */
void fz_fini(struct fz *z);

#endif
