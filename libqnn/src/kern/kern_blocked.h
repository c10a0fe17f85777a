/* SPDX-License-Identifier: MIT */
/*
 * Cache-blocked driver shared by the SIMD tables. Include it after defining
 *
 *   static inline void UKERN(enum qnn_popop op, int mr, int nr, size_t kw,
 *                            size_t pa, const uint64_t *a, size_t lda, size_t sa,
 *                            size_t pb, const uint64_t *b, size_t ldb, size_t sb,
 *                            const int32_t *coef, int32_t *c, size_t ldc,
 *                            int accumulate);
 *
 * which computes an mr x nr block (mr <= KB_MR, nr <= KB_NR) of
 * popgemm_planes over kw words. The driver calls it with constant op, mr and
 * nr so the compiler emits one fully unrolled copy per shape.
 *
 * Blocking (docs/kernels.md): K in chunks of KB_KC words per plane so a
 * micro-kernel's rows stay in L1; columns of b in chunks whose planes fit in
 * about 16 KiB (L1-resident while all row blocks pass over them); rows of a
 * in chunks of about 512 KiB (L2-resident while the column chunks pass).
 */
#ifndef QNN_KERN_BLOCKED_H
#define QNN_KERN_BLOCKED_H

#define KB_MR		4
#define KB_NR		4
#define KB_KC		512
#define KB_L1_BYTES	(16u << 10)
#define KB_L2_BYTES	(512u << 10)

#define KB_SHAPE(OP, MR, NR)						\
	UKERN(OP, MR, NR, kk, pa, a + i * lda + k0, lda, sa,		\
	      pb, b + j * ldb + k0, ldb, sb, coef, c + i * ldc + j, ldc, acc)

#define KB_ROWS(OP, MR)							\
	do {								\
		switch (nr) {						\
		case 4: KB_SHAPE(OP, MR, 4); break;			\
		case 3: KB_SHAPE(OP, MR, 3); break;			\
		case 2: KB_SHAPE(OP, MR, 2); break;			\
		default: KB_SHAPE(OP, MR, 1); break;			\
		}							\
	} while (0)

#define KB_OP(OP)							\
	do {								\
		switch (mr) {						\
		case 4: KB_ROWS(OP, 4); break;				\
		case 3: KB_ROWS(OP, 3); break;				\
		case 2: KB_ROWS(OP, 2); break;				\
		default: KB_ROWS(OP, 1); break;				\
		}							\
	} while (0)

static size_t kb_min(size_t x, size_t y)
{
	return x < y ? x : y;
}

static void blocked_popgemm_planes(enum qnn_popop op, size_t m, size_t n,
				   size_t kw,
				   size_t pa, const uint64_t *a, size_t lda,
				   size_t sa,
				   size_t pb, const uint64_t *b, size_t ldb,
				   size_t sb,
				   const int32_t *coef,
				   int32_t *c, size_t ldc, int accumulate)
{
	if (!m || !n)
		return;
	if (!kw) {
		/* nothing to add; still honour accumulate = 0 */
		if (!accumulate)
			for (size_t i = 0; i < m; i++)
				for (size_t j = 0; j < n; j++)
					c[i * ldc + j] = 0;
		return;
	}
	for (size_t k0 = 0; k0 < kw; k0 += KB_KC) {
		size_t kk = kb_min(KB_KC, kw - k0);
		int acc = accumulate || k0 > 0;
		size_t nc = KB_L1_BYTES / (kk * pb * 8) / KB_NR * KB_NR;
		size_t mc = KB_L2_BYTES / (kk * pa * 8) / KB_MR * KB_MR;

		if (nc < KB_NR)
			nc = KB_NR;
		if (mc < KB_MR)
			mc = KB_MR;
		for (size_t ic = 0; ic < m; ic += mc) {
			size_t iend = kb_min(m, ic + mc);

			for (size_t jc = 0; jc < n; jc += nc) {
				size_t jend = kb_min(n, jc + nc);

				for (size_t i = ic; i < iend; i += KB_MR) {
					size_t mr = kb_min(KB_MR, iend - i);

					for (size_t j = jc; j < jend; j += KB_NR) {
						size_t nr = kb_min(KB_NR, jend - j);

						if (op == QNN_POP_XOR)
							KB_OP(QNN_POP_XOR);
						else
							KB_OP(QNN_POP_AND);
					}
				}
			}
		}
	}
}

#endif /* QNN_KERN_BLOCKED_H */
