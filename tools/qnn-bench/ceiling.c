// SPDX-License-Identifier: MIT
/*
 * Popcount ceiling: the best bit-ops per tick an L1-resident loop of
 * XOR + popcount + add reaches on this core with the given ISA (4 rows x 1
 * column, as the kernels' inner loop but with no blocking overheads). It is
 * the yardstick bgemm_bitmacs_per_cycle is compared with. Where there is
 * more than one loop shape (4 x 1 as the issue measured it, 4 x 4
 * register-blocked), the best is the ceiling: the 4 x 1 loop needs 5 loads
 * per 4 popcounts and is load-bound on some cores.
 */
#include <string.h>

#include "bench.h"
#include "ceiling_isa.h"

/* portable: one 64-bit word per row per step */
static uint64_t ceil_scalar(const uint64_t *a, const uint64_t *b, size_t kw,
			    size_t reps)
{
	uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;

	for (size_t r = 0; r < reps; r++)
		for (size_t k = 0; k < kw; k++) {
			s0 += (uint64_t)__builtin_popcountll(a[k] ^ b[k]);
			s1 += (uint64_t)__builtin_popcountll(a[kw + k] ^ b[k]);
			s2 += (uint64_t)__builtin_popcountll(a[2 * kw + k] ^ b[k]);
			s3 += (uint64_t)__builtin_popcountll(a[3 * kw + k] ^ b[k]);
		}
	return s0 + s1 + s2 + s3;
}

double bench_popcount_ceiling(const char *isa, double hz)
{
	enum { KW = 64, REPS = 20000 };
	/* 4 KiB, L1-resident; 64-byte aligned so no load splits a line */
	static _Alignas(64) uint64_t a[4 * KW], b[4 * KW];
	ceil_fn fns[2] = { ceil_scalar, NULL };
	double best = 0;
	volatile uint64_t sink;

	for (size_t i = 0; i < 4 * KW; i++)
		a[i] = 0x9E3779B97F4A7C15ULL * (i + 1);
	for (size_t i = 0; i < 4 * KW; i++)
		b[i] = 0xD1B54A32D192ED03ULL * (i + 7);
#if defined(__x86_64__)
	if (!strcmp(isa, "avx512") || !strcmp(isa, "avx512vnni")) {
		fns[0] = ceil_avx512;
		fns[1] = ceil_avx512_4x4;
	} else if (!strcmp(isa, "avx512bw")) {
		fns[0] = ceil_avx512bw;
	} else if (!strcmp(isa, "avx2")) {
		fns[0] = ceil_avx2;
	}
#elif defined(__aarch64__)
	if (!strcmp(isa, "neon"))
		fns[0] = ceil_neon;
#endif
	for (int t = 0; t < 40; t++) {
		ceil_fn fn = fns[1] ? fns[t & 1] : fns[0];
		struct bench_span sp;

		bench_start(&sp);
		sink = fn(a, b, KW, REPS);
		/* 4 rows x KW words x 64 bits per rep */
		double v = 4.0 * KW * 64 * REPS / bench_stop(&sp, hz);

		if (v > best)
			best = v;
	}
	(void)sink;
	return best;
}
