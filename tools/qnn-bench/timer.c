// SPDX-License-Identifier: MIT
/* Cycle counters for the benchmarks: TSC (x86-64), CNTVCT (aarch64). */
#include <time.h>

#include "bench.h"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

double bench_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t bench_ticks(void)
{
#if defined(__x86_64__)
	return __rdtsc();
#elif defined(__aarch64__)
	uint64_t v;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	return v;
#else
	return (uint64_t)(bench_now_s() * 1e9);
#endif
}

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bench_start(struct bench_span *sp)
{
	sp->cpu0 = thread_cpu_s();
	sp->t0 = bench_ticks();
}

double bench_stop(struct bench_span *sp, double hz)
{
	double ticks = (double)(bench_ticks() - sp->t0);
	double on_cpu = (thread_cpu_s() - sp->cpu0) * hz;

	/* on a shared machine, time this thread spent preempted is not ours */
	return on_cpu > 0 && on_cpu < ticks ? on_cpu : ticks;
}

double bench_tick_hz(void)
{
#if defined(__aarch64__)
	uint64_t f;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
	return (double)f;
#elif defined(__x86_64__)
	/* 50 ms against the monotonic clock; TSC is invariant on this class */
	double t0 = bench_now_s(), t1;
	uint64_t c0 = bench_ticks(), c1;

	do {
		t1 = bench_now_s();
	} while (t1 - t0 < 0.05);
	c1 = bench_ticks();
	return (double)(c1 - c0) / (t1 - t0);
#else
	return 1e9;
#endif
}
