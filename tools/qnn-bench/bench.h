/* SPDX-License-Identifier: MIT */
/*
 * qnn-bench: figures for libqnn's CPU engine (docs/kernels.md). Benchmarks
 * print numbers; nothing here asserts a speed.
 */
#ifndef QNN_BENCH_H
#define QNN_BENCH_H

#include <stddef.h>
#include <stdint.h>

/*
 * FINN's CNV topology through libqnn's public API (implemented in cnv.c by
 * the engine's owner): images per second batched on all threads, and
 * one-image latency on all threads. Returns 0, or a negative errno with a
 * readable message in err.
 */
int bench_cnv(double *images_per_s, double *latency_us, char *err, size_t errlen);

/*
 * --peer (peer.c): model (U8 input, F32 output) through libqnn against the
 * same network in onnxruntime, driven as a child process `cmd ONNX INPUT H W
 * C` (scripts/peer/ort_bench.js). input: raw NHWC images (>= 2560), NULL for
 * random ones. rounds: alternations per configuration (medians reported).
 */
struct bench_peer_opts {
	const char *model, *onnx, *input, *cmd;
	int rounds;
	double seconds;
};

/* Prints the comparison; returns the process exit status. */
int bench_peer(const struct bench_peer_opts *o, int json);

/* ---- the kernel benchmarks (timer.c, ceiling*.c, kernels.c) ---- */

/* cycle counter: TSC on x86-64, CNTVCT on aarch64, ns elsewhere */
uint64_t bench_ticks(void);
/* its frequency in Hz, calibrated against CLOCK_MONOTONIC (or CNTFRQ) */
double bench_tick_hz(void);
double bench_now_s(void);

/*
 * A timed span in ticks: the counter's delta, or -- when smaller -- the
 * thread's on-CPU time (CLOCK_THREAD_CPUTIME_ID) times hz, so that time the
 * thread spent preempted on a shared machine is not counted.
 */
struct bench_span {
	uint64_t t0;
	double cpu0;
};

void bench_start(struct bench_span *sp);
double bench_stop(struct bench_span *sp, double hz);

/* bit-ops per tick of an L1-resident XOR+popcount+add loop of `isa` */
double bench_popcount_ceiling(const char *isa, double hz);

struct bench_kern_result {
	const char *isa;
	double bgemm_bitmacs_per_tick;
	size_t bgemm_m, bgemm_n, bgemm_k;
	double bconv_s, sconv_s, bconv_vs_sgemm;
	double bconv_bitmacs_per_tick, sgemm_macs_per_tick;
	double w1a1_s, w1a2_s, w2a2_s, w4a4_s;
	double cost_w1a2, cost_w2a2, cost_w4a4;
	char sgemm_core[64];
};

/* fills r; returns 0 or a negative errno with a message in err */
int bench_kernels(const char *isa, int reps, double tick_hz,
		  struct bench_kern_result *r,
		  char *err, size_t errlen);

#endif /* QNN_BENCH_H */
