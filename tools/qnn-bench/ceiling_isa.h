/* SPDX-License-Identifier: MIT */
/* Per-ISA ceiling loops; each file is compiled with its ISA's flags. */
#ifndef QNN_BENCH_CEILING_ISA_H
#define QNN_BENCH_CEILING_ISA_H

#include <stddef.h>
#include <stdint.h>

/* a, b: 4 rows of kw words each; returns a checksum */
typedef uint64_t (*ceil_fn)(const uint64_t *a, const uint64_t *b, size_t kw,
			    size_t reps);

uint64_t ceil_avx512(const uint64_t *a, const uint64_t *b, size_t kw, size_t reps);
uint64_t ceil_avx512_4x4(const uint64_t *a, const uint64_t *b, size_t kw, size_t reps);
uint64_t ceil_avx512bw(const uint64_t *a, const uint64_t *b, size_t kw, size_t reps);
uint64_t ceil_avx2(const uint64_t *a, const uint64_t *b, size_t kw, size_t reps);
uint64_t ceil_neon(const uint64_t *a, const uint64_t *b, size_t kw, size_t reps);

#endif
