/* SPDX-License-Identifier: MIT */
/*
 * Bitwise compute kernels of libqnn's CPU engine: one table of function
 * pointers per instruction set, picked once per context at run time.
 *
 * Operands are bit-packed as docs/layout.md defines: rows of 64-bit words,
 * tail bits zero. The scalar table is the oracle every other table must equal
 * bit for bit.
 */
#ifndef QNN_KERN_H
#define QNN_KERN_H

#include <stddef.h>
#include <stdint.h>

enum qnn_popop {
	QNN_POP_XOR,	/* bipolar x bipolar */
	QNN_POP_AND,	/* any pair involving an unsigned plane */
};

struct qnn_kern {
	const char *name;	/* "scalar", "avx2", "avx512", "neon" */

	/*
	 * Popcount GEMM:
	 *   c[i * ldc + j] = (accumulate ? c[i * ldc + j] : 0)
	 *                  + alpha * sum_{k < kw} popcount(a[i * lda + k] OP b[j * ldb + k])
	 * for i < m, j < n. lda, ldb and ldc are in elements (words / int32).
	 * a, b need no particular alignment.
	 */
	void (*popgemm)(enum qnn_popop op, size_t m, size_t n, size_t kw,
			const uint64_t *a, size_t lda,
			const uint64_t *b, size_t ldb,
			int32_t *c, size_t ldc, int32_t alpha, int accumulate);

	/* out[i] = sum_{k < kw} popcount(a[i * lda + k]), i < m */
	void (*rowpop)(size_t m, size_t kw, const uint64_t *a, size_t lda,
		       int32_t *out);
};

/* The portable reference table; always available. */
const struct qnn_kern *qnn_kern_scalar(void);

/*
 * The table for `name` ("scalar", "avx2", "avx512", "neon"), or the best one
 * this CPU supports when name is NULL or "auto". Returns NULL when the named
 * table is not built in or the CPU lacks the instructions.
 */
const struct qnn_kern *qnn_kern_select(const char *name);

#endif /* QNN_KERN_H */
