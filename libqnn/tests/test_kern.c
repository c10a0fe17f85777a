// SPDX-License-Identifier: MIT
/*
 * Every optimized kernel table equals the scalar reference bit for bit on
 * randomized shapes: odd channel counts, K tails not multiples of 64, m/n
 * not multiples of the 4x4 block, K and N large enough to cross the cache
 * blocks, accumulate on/off, alpha != 1, unaligned rows, multi-plane
 * coefficients, and convolutions through im2col (1x1 .. 7x7, strides,
 * padding, dilation, groups, batch > 1). Tables the CPU lacks are skipped.
 */
#include <stdlib.h>
#include <string.h>

#include "kern/kern.h"
#include "kern_tap.h"

#define TESTS_PER_TABLE 16

/* m rows of kbits-bit packed data, stride ld words (>= words), tail zero */
static uint64_t *rand_rows(uint64_t *s, size_t m, size_t kbits, size_t ld)
{
	size_t words = (kbits + 63) / 64;
	/* +1: the caller may shift the base by one word to unalign it */
	uint64_t *p = xcalloc(m * ld + 1, sizeof(*p));

	for (size_t i = 0; i < m; i++) {
		for (size_t k = 0; k < ld; k++)
			p[i * ld + k] = k < words ? rnd(s) : rnd(s);
		if (kbits % 64)
			p[i * ld + words - 1] &= ~0ULL >> (64 - kbits % 64);
	}
	return p;
}

struct gcase {
	size_t m, n, kbits, lda, ldb, ldc, pa, pb, sa, sb;
	int op, acc;
	int32_t coef[64];
};

/* run one case on table t and on scalar, compare outputs; planes: 0 plain,
 * 1 popgemm_planes, 2 popgemm_packed on b packed by t->pack */
static int run_case(const struct qnn_kern *t, const struct qnn_kern *ref,
		    uint64_t *s, const struct gcase *g, int planes)
{
	size_t kw = (g->kbits + 63) / 64;
	uint64_t *a = rand_rows(s, g->m, g->kbits, g->lda);
	uint64_t *b = rand_rows(s, g->n, g->kbits, g->ldb);
	int32_t *c0 = xcalloc(g->m * g->ldc + 1, sizeof(int32_t));
	int32_t *c1 = xcalloc(g->m * g->ldc + 1, sizeof(int32_t));
	int ok;

	for (size_t i = 0; i < g->m * g->ldc; i++)
		c0[i] = c1[i] = (int32_t)rnd(s);
	if (planes == 2) {
		size_t pw = t->pack_words(g->n, kw, g->pb);
		uint64_t *bp = NULL;

		if (pw) {
			/* one spare word each side catches writes out of bounds */
			bp = xcalloc(pw + 2, sizeof(*bp));
			bp[0] = bp[pw + 1] = 0x5a5a5a5a5a5a5a5aULL;
			t->pack(g->n, kw, g->pb, b, g->ldb, g->sb, bp + 1);
		}
		ref->popgemm_planes(g->op, g->m, g->n, kw, g->pa, a, g->lda, g->sa,
				    g->pb, b, g->ldb, g->sb, g->coef, c0, g->ldc,
				    g->acc);
		t->popgemm_packed(g->op, g->m, g->n, kw, g->pa, a, g->lda, g->sa,
				  g->pb, pw ? bp + 1 : b, g->ldb, g->sb, g->coef,
				  c1, g->ldc, g->acc);
		if (pw && (bp[0] != 0x5a5a5a5a5a5a5a5aULL ||
			   bp[pw + 1] != 0x5a5a5a5a5a5a5a5aULL)) {
			printf("# pack wrote outside its %zu words\n", pw);
			c1[0] ^= 1;
		}
		free(bp);
	} else if (planes) {
		ref->popgemm_planes(g->op, g->m, g->n, kw, g->pa, a, g->lda, g->sa,
				    g->pb, b, g->ldb, g->sb, g->coef, c0, g->ldc,
				    g->acc);
		t->popgemm_planes(g->op, g->m, g->n, kw, g->pa, a, g->lda, g->sa,
				  g->pb, b, g->ldb, g->sb, g->coef, c1, g->ldc,
				  g->acc);
	} else {
		ref->popgemm(g->op, g->m, g->n, kw, a, g->lda, b, g->ldb, c0,
			     g->ldc, g->coef[0], g->acc);
		t->popgemm(g->op, g->m, g->n, kw, a, g->lda, b, g->ldb, c1,
			   g->ldc, g->coef[0], g->acc);
	}
	/* the whole buffer: also catches writes outside the m x n block */
	ok = !memcmp(c0, c1, g->m * g->ldc * sizeof(int32_t));
	if (!ok)
		printf("# mismatch m=%zu n=%zu kbits=%zu lda=%zu ldb=%zu ldc=%zu pa=%zu pb=%zu op=%d acc=%d\n",
		       g->m, g->n, g->kbits, g->lda, g->ldb, g->ldc, g->pa, g->pb,
		       g->op, g->acc);
	free(a);
	free(b);
	free(c0);
	free(c1);
	return ok;
}

static void rand_case(uint64_t *s, struct gcase *g, size_t maxm, size_t maxn,
		      size_t maxk, size_t maxp)
{
	size_t kw;

	memset(g, 0, sizeof(*g));
	g->m = rnd_range(s, 1, maxm);
	g->n = rnd_range(s, 1, maxn);
	g->kbits = rnd_range(s, 1, maxk);
	kw = (g->kbits + 63) / 64;
	g->pa = rnd_range(s, 1, maxp);
	g->pb = rnd_range(s, 1, maxp);
	g->sa = kw + rnd_range(s, 0, 3);
	g->sb = kw + rnd_range(s, 0, 3);
	g->lda = g->pa * g->sa + rnd_range(s, 0, 2);
	g->ldb = g->pb * g->sb + rnd_range(s, 0, 2);
	g->ldc = g->n + rnd_range(s, 0, 3);
	g->op = rnd(s) & 1 ? QNN_POP_XOR : QNN_POP_AND;
	g->acc = rnd(s) & 1;
	for (size_t i = 0; i < 64; i++)
		g->coef[i] = (int32_t)rnd_range(s, 0, 600) - 300;
}

static int gemm_cases(const struct qnn_kern *t, const struct qnn_kern *ref,
		      uint64_t *s, int count, int op, int force_acc, size_t maxm,
		      size_t maxn, size_t maxk, size_t maxp, int planes)
{
	int ok = 1;

	for (int i = 0; i < count && ok; i++) {
		struct gcase g;

		rand_case(s, &g, maxm, maxn, maxk, maxp);
		if (op >= 0)
			g.op = op;
		if (force_acc >= 0) {
			g.acc = force_acc;
		} else {
			g.coef[0] = 1;	/* plain: alpha 1, overwrite */
			g.acc = 0;
		}
		if (!planes) {
			g.pa = g.pb = 1;
			g.sa = g.sb = 0;
		}
		ok = run_case(t, ref, s, &g, planes);
	}
	return ok;
}

/* kw == 0 (and m or n == 0): c zeroed or kept, nothing else touched */
static int empty_cases(const struct qnn_kern *t)
{
	uint64_t a[1] = { ~0ULL }, b[1] = { ~0ULL };
	int32_t c[12], coef[1] = { 3 };
	int ok = 1;

	for (int acc = 0; acc < 2; acc++)
		for (int packed = 0; packed < 2; packed++) {
			for (int i = 0; i < 12; i++)
				c[i] = 7;
			if (packed)	/* pack_words(.., kw = 0, ..) is 0: plain b */
				t->popgemm_packed(QNN_POP_XOR, 3, 3, 0, 1, a, 1, 0, 1, b, 1, 0,
						  coef, c, 4, acc);
			else
				t->popgemm(QNN_POP_XOR, 3, 3, 0, a, 1, b, 1, c, 4, 3, acc);
			for (int i = 0; i < 12; i++)
				ok = ok && c[i] == ((i % 4 < 3 && !acc) ? 0 : 7);
			t->popgemm_planes(QNN_POP_AND, 0, 3, 1, 1, a, 1, 0, 1, b, 1, 0,
					  coef, c, 4, acc);
			t->popgemm_planes(QNN_POP_AND, 3, 0, 1, 1, a, 1, 0, 1, b, 1, 0,
					  coef, c, 4, acc);
			for (int i = 0; i < 12; i++)
				ok = ok && c[i] == ((i % 4 < 3 && !acc) ? 0 : 7);
		}
	return ok;
}

static int rowpop_cases(const struct qnn_kern *t, const struct qnn_kern *ref,
			uint64_t *s)
{
	int ok = 1;

	for (int i = 0; i < 40 && ok; i++) {
		size_t m = rnd_range(s, 1, 37), kbits = rnd_range(s, 1, 3000);
		size_t lda = (kbits + 63) / 64 + rnd_range(s, 0, 3);
		uint64_t *a = rand_rows(s, m, kbits, lda);
		int32_t *o0 = xcalloc(m, sizeof(int32_t));
		int32_t *o1 = xcalloc(m, sizeof(int32_t));

		ref->rowpop(m, (kbits + 63) / 64, a + 1 - 1, lda, o0);
		t->rowpop(m, (kbits + 63) / 64, a, lda, o1);
		ok = !memcmp(o0, o1, m * sizeof(int32_t));
		free(a);
		free(o0);
		free(o1);
	}
	return ok;
}

/* conv through im2col with table t vs scalar, multi-plane, random geometry */
static int conv_cases(const struct qnn_kern *t, const struct qnn_kern *ref,
		      uint64_t *s)
{
	static const size_t ks[] = { 1, 3, 5, 7 };
	int ok = 1;

	for (int it = 0; it < 16 && ok; it++) {
		struct qnn_conv_geom g = { 0 };
		size_t pa, pb, oc, cw, rw, rows, taps, gw, in_words, pbot, pr;
		uint64_t *in, *col, *w;
		int32_t *c0, *c1, coef[64];

		g.kh = ks[rnd(s) % 4];
		g.kw = it % 3 ? g.kh : ks[rnd(s) % 4];
		g.n = rnd_range(s, 1, 2);
		g.h = rnd_range(s, g.kh > 3 ? 4 : 1, 12);
		g.w = rnd_range(s, g.kw > 3 ? 4 : 1, 12);
		g.groups = rnd_range(s, 1, 3);
		g.c = g.groups * rnd_range(s, 1, 150);
		g.planes = pa = rnd_range(s, 1, 3);
		g.sh = rnd_range(s, 1, 2);
		g.sw = rnd_range(s, 1, 3);
		g.dh = rnd_range(s, 1, 2);
		g.dw = rnd_range(s, 1, 2);
		g.pt = rnd_range(s, 0, g.kh / 2 + 1);
		g.pl = rnd_range(s, 0, g.kw / 2 + 1);
		pbot = rnd_range(s, 0, g.kh / 2);
		pr = rnd_range(s, 0, g.kw / 2);
		g.oh = qnn_conv_out_size(g.h, g.kh, g.sh, g.dh, g.pt, pbot);
		g.ow = qnn_conv_out_size(g.w, g.kw, g.sw, g.dw, g.pl, pr);
		if (!g.oh || !g.ow) {
			it--;
			continue;
		}
		pb = rnd_range(s, 1, 3);
		oc = rnd_range(s, 1, 21);
		cw = (g.c + 63) / 64;
		taps = g.kh * g.kw;
		gw = (g.c / g.groups + 63) / 64;
		rw = qnn_im2col_row_words(&g);
		rows = g.n * g.oh * g.ow;
		in_words = g.n * g.h * g.w * g.planes * cw;
		in = xcalloc(in_words, sizeof(*in));
		for (size_t px = 0; px < g.n * g.h * g.w * g.planes; px++) {
			for (size_t k = 0; k < cw; k++)
				in[px * cw + k] = rnd(s);
			if (g.c % 64)
				in[px * cw + cw - 1] &= ~0ULL >> (64 - g.c % 64);
		}
		col = xcalloc(rows * rw, sizeof(*col));
		w = rand_rows(s, oc * pb * taps, g.c / g.groups, gw);
		c0 = xcalloc(rows * oc, sizeof(int32_t));
		c1 = xcalloc(rows * oc, sizeof(int32_t));
		for (int i = 0; i < 64; i++)
			coef[i] = (int32_t)rnd_range(s, 0, 40) - 20;
		for (size_t grp = 0; grp < g.groups && ok; grp++) {
			int op = rnd(s) & 1;

			ok = !qnn_im2col_bits(&g, grp, in, 0, rows, col, rw, NULL);
			ref->popgemm_planes(op, rows, oc, taps * gw, pa, col, rw,
					    taps * gw, pb, w, pb * taps * gw,
					    taps * gw, coef, c0, oc, 0);
			t->popgemm_planes(op, rows, oc, taps * gw, pa, col, rw,
					  taps * gw, pb, w, pb * taps * gw,
					  taps * gw, coef, c1, oc, 0);
			ok = ok && !memcmp(c0, c1, rows * oc * sizeof(int32_t));
			if (!ok)
				printf("# conv mismatch n=%zu %zux%zux%zu k=%zux%zu s=%zu,%zu d=%zu,%zu p=%zu,%zu g=%zu planes=%zu/%zu oc=%zu\n",
				       g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw,
				       g.dh, g.dw, g.pt, g.pl, g.groups, pa, pb, oc);
		}
		free(in);
		free(col);
		free(w);
		free(c0);
		free(c1);
	}
	return ok;
}

static int threshold_cases(const struct qnn_kern *t, const struct qnn_kern *ref,
			   uint64_t *s)
{
	static const size_t nts[] = { 1, 3, 7, 15, 255 };
	int ok = 1;

	for (int it = 0; it < 200 && ok; it++) {
		size_t n = rnd_range(s, 1, 300), nt = nts[rnd(s) % 5];
		size_t ldt = n + rnd_range(s, 0, 5), cw = (n + 63) / 64, planes = 0;
		int32_t *acc = xcalloc(n, 4), *th = xcalloc(nt * ldt, 4);
		uint64_t neg[5], *o0, *o1;
		int use_neg = rnd(s) & 1, flip = rnd(s) & 1;

		while (((size_t)1 << planes) - 1 < nt)
			planes++;
		o0 = xcalloc(planes * cw, 8);
		o1 = xcalloc(planes * cw, 8);
		for (size_t i = 0; i < 5; i++)
			neg[i] = rnd(s);
		for (size_t c = 0; c < n; c++) {
			int32_t v = (int32_t)rnd_range(s, 0, 200) - 100;

			for (size_t k = 0; k < nt; k++) {
				v += (int32_t)rnd_range(s, 0, 3);
				th[k * ldt + c] = v;
			}
			/* often exactly on a threshold, to test >= and <= */
			acc[c] = rnd(s) & 1 ? th[rnd_range(s, 0, nt - 1) * ldt + c]
					    : (int32_t)rnd_range(s, 0, 1200) - 600;
		}
		ref->threshold(n, acc, nt, th, ldt, use_neg ? neg : NULL, flip, o0);
		t->threshold(n, acc, nt, th, ldt, use_neg ? neg : NULL, flip, o1);
		ok = !memcmp(o0, o1, planes * cw * 8);
		if (!ok)
			printf("# threshold mismatch n=%zu nt=%zu neg=%d flip=%d\n",
			       n, nt, use_neg, flip);
		free(acc);
		free(th);
		free(o0);
		free(o1);
	}
	return ok;
}

/*
 * i16gemm on qnn_i16_pack()ed weights == the plain dot products of 8-bit
 * values and weights (the oracle is written out here, not the scalar table):
 * n around the 16/32-column blocks, m around the 4-row blocks, odd k.
 */
static int i16_cases(const struct qnn_kern *t, uint64_t *s)
{
	int ok = 1;

	for (int it = 0; it < 300 && ok; it++) {
		size_t m = rnd_range(s, 1, 13), n = rnd_range(s, 1, 70), k = rnd_range(s, 1, 80);
		size_t kk = (k + 1) / 2 * 2, lda = kk + 2 * rnd_range(s, 0, 2), ldc = n + rnd_range(s, 0, 3);
		int16_t *a = xcalloc(m * lda, 2), *w = xcalloc(n * k, 2);
		int16_t *b = xcalloc(qnn_i16_pack_len(n, kk), 2);
		int32_t *c = xcalloc(m * ldc, 4);
		int sgn = rnd(s) & 1;

		for (size_t i = 0; i < m; i++)
			for (size_t j = 0; j < k; j++)
				a[i * lda + j] = (int16_t)(sgn ? (int)rnd_range(s, 0, 255) - 128 :
							   (int)rnd_range(s, 0, 255));
		for (size_t i = 0; i < n * k; i++)
			w[i] = (int16_t)((int)rnd_range(s, 0, 255) - 128);
		qnn_i16_pack(n, k, kk, w, k, b);
		t->i16gemm(m, n, kk, a, lda, b, c, ldc);
		for (size_t i = 0; i < m && ok; i++)
			for (size_t j = 0; j < n && ok; j++) {
				int32_t v = 0;

				for (size_t q = 0; q < k; q++)
					v += a[i * lda + q] * w[j * k + q];
				ok = c[i * ldc + j] == v;
				if (!ok)
					printf("# i16gemm m=%zu n=%zu k=%zu: c[%zu][%zu] = %d, want %d\n",
					       m, n, k, i, j, c[i * ldc + j], v);
			}
		free(a);
		free(w);
		free(b);
		free(c);
	}
	return ok;
}

/*
 * u8gemm on qnn_u8_pack()ed weights == plain dot products, for weights
 * within its bounds (|w| <= 64, 255 * sum |w| <= 32767 per column), the
 * extremes included.
 */
static int u8_cases(const struct qnn_kern *t, uint64_t *s)
{
	int ok = 1;

	for (int it = 0; it < 300 && ok; it++) {
		size_t m = rnd_range(s, 1, 13), n = rnd_range(s, 1, 70), k = rnd_range(s, 1, 80);
		size_t kk = (k + 1) / 2 * 2, lda = kk + 2 * rnd_range(s, 0, 2), ldc = n + rnd_range(s, 0, 3);
		uint8_t *a = xcalloc(m * lda, 1);
		int8_t *w = xcalloc(n * k, 1), *b = xcalloc(qnn_u8_pack_len(n, kk), 1);
		int32_t *c = xcalloc(m * ldc, 4);
		int wmax = (int)(32767 / 255 / k);

		wmax = wmax > 64 ? 64 : wmax < 1 ? 1 : wmax;
		if (255 * (int)k * wmax > 32767)
			k = kk = 2, wmax = 64;
		for (size_t i = 0; i < m * lda; i++)
			a[i] = rnd(s) & 1 ? 255 : (uint8_t)rnd(s);
		for (size_t i = 0; i < n * k; i++)
			w[i] = (int8_t)(rnd(s) & 1 ? (rnd(s) & 1 ? wmax : -wmax) :
					(int)rnd_range(s, 0, 2 * (size_t)wmax) - wmax);
		qnn_u8_pack(n, k, kk, w, k, b);
		t->u8gemm(m, n, kk, a, lda, b, c, ldc);
		for (size_t i = 0; i < m && ok; i++)
			for (size_t j = 0; j < n && ok; j++) {
				int32_t v = 0;

				for (size_t q = 0; q < k; q++)
					v += a[i * lda + q] * w[j * k + q];
				ok = c[i * ldc + j] == v;
				if (!ok)
					printf("# u8gemm m=%zu n=%zu k=%zu: c[%zu][%zu] = %d, want %d\n",
					       m, n, k, i, j, c[i * ldc + j], v);
			}
		free(a);
		free(w);
		free(b);
		free(c);
	}
	return ok;
}

/*
 * u8conv on qnn_u8conv_pack()ed weights == the sums written out here: ns
 * segments of `len` bytes at random offsets, pixels `step` apart, any int8
 * weight (the extremes often), bytes past len random (weight 0: must not
 * count), n across 64-channel chunks and 4-pixel tiles.
 */
static int u8conv_cases(const struct qnn_kern *t, uint64_t *s)
{
	int ok = 1;

	for (int it = 0; it < 300 && ok; it++) {
		size_t m = rnd_range(s, 1, 13), n = rnd_range(s, 1, 140), ns = rnd_range(s, 1, 4);
		size_t len = rnd_range(s, 1, 20), nq = (len + 3) / 4 + rnd_range(s, 0, 1);
		size_t step = rnd_range(s, 1, 9), ldc = n + rnd_range(s, 0, 3), off[4], xlen;
		int8_t *w = xcalloc(n * ns * len, 1), *b = xcalloc(qnn_u8conv_pack_len(n, ns, nq), 1);
		int32_t *c = xcalloc(m * ldc, 4);
		uint8_t *x;

		off[0] = rnd_range(s, 0, 5);
		for (size_t q = 1; q < ns; q++)
			off[q] = off[q - 1] + rnd_range(s, 0, 40);
		xlen = (m - 1) * step + off[ns - 1] + 4 * nq;
		x = xcalloc(xlen, 1);
		for (size_t i = 0; i < xlen; i++)
			x[i] = rnd(s) & 1 ? 255 : (uint8_t)rnd(s);
		for (size_t i = 0; i < n * ns * len; i++)
			w[i] = (int8_t)(rnd(s) & 1 ? (rnd(s) & 1 ? 127 : -128) : (int)rnd_range(s, 0, 255) - 128);
		qnn_u8conv_pack(n, ns, len, nq, w, ns * len, b);
		t->u8conv(m, n, ns, nq, x, step, off, b, c, ldc);
		for (size_t i = 0; i < m && ok; i++)
			for (size_t j = 0; j < n && ok; j++) {
				int32_t v = 0;

				for (size_t g = 0; g < ns; g++)
					for (size_t k = 0; k < len; k++)
						v += x[i * step + off[g] + k] * w[(j * ns + g) * len + k];
				ok = c[i * ldc + j] == v;
				if (!ok)
					printf("# u8conv m=%zu n=%zu ns=%zu len=%zu nq=%zu: c[%zu][%zu] = %d, want %d\n",
					       m, n, ns, len, nq, i, j, c[i * ldc + j], v);
			}
		if (ok && t->u8conv_bits) {
			/* thresholds at, just above and below a sum of the column: ties decide */
			size_t cw = (n + 63) / 64, ldo = cw + rnd_range(s, 0, 2);
			int32_t *th = xcalloc(n, 4);
			uint64_t *neg = xcalloc(cw, 8), *ob = xcalloc(m * ldo, 8);

			for (size_t j = 0; j < n; j++) {
				th[j] = c[rnd_range(s, 0, m - 1) * ldc + j] + (int32_t)rnd_range(s, 0, 2) - 1;
				if (rnd(s) & 1)
					neg[j / 64] |= 1ull << (j % 64);
			}
			for (size_t i = 0; i < m * ldo; i++)
				ob[i] = 0x5a5a5a5a5a5a5a5aull;
			t->u8conv_bits(m, n, ns, nq, x, step, off, b, th, neg, ob, ldo);
			for (size_t i = 0; i < m && ok; i++) {
				for (size_t j = 0; j < 64 * cw && ok; j++) {
					int want = j < n && (neg[j / 64] >> (j % 64) & 1 ?
							     c[i * ldc + j] <= th[j] : c[i * ldc + j] >= th[j]);

					ok = (int)(ob[i * ldo + j / 64] >> (j % 64) & 1) == want;
					if (!ok)
						printf("# u8conv_bits m=%zu n=%zu: pixel %zu channel %zu: %d\n",
						       m, n, i, j, !want);
				}
				for (size_t k = cw; k < ldo && ok; k++)
					ok = ob[i * ldo + k] == 0x5a5a5a5a5a5a5a5aull;
			}
			free(th);
			free(neg);
			free(ob);
		}
		free(x);
		free(w);
		free(b);
		free(c);
	}
	return ok;
}

/*
 * threshold_pool == pooling and threshold counting written out here:
 * random n (tails), 1..8-bit outputs, windows 1x1..3x3 (plain rows too),
 * row strides with slack, negated channels (min), flip, values on the
 * thresholds, output words with slack; every output word is checked
 * (tail bits zero) and the slack words untouched.
 */
static int tpool_cases(const struct qnn_kern *t, uint64_t *s)
{
	int ok = 1;

	for (int it = 0; it < 300 && ok; it++) {
		size_t n = rnd_range(s, 1, 140), npx = rnd_range(s, 1, 6), ph = rnd_range(s, 1, 3);
		size_t pw = rnd_range(s, 1, 3), bits = rnd_range(s, 1, 8), nt = ((size_t)1 << bits) - 1;
		size_t lda = n + rnd_range(s, 0, 3), rs = npx * pw + rnd_range(s, 0, 2);
		size_t ldt = n + rnd_range(s, 0, 2), cw = (n + 63) / 64, ldo = bits * cw + rnd_range(s, 0, 2);
		int flip = bits == 1 && (rnd(s) & 1);
		int32_t *acc = xcalloc(ph * rs * lda, 4), *th = xcalloc(nt * ldt, 4);
		uint64_t *neg = xcalloc(cw, 8), *out = xcalloc(npx * ldo, 8);

		for (size_t i = 0; i < ph * rs * lda; i++)
			acc[i] = (int32_t)rnd_range(s, 0, 60) - 30;
		for (size_t c = 0; c < n; c++) {
			int32_t v = (int32_t)rnd_range(s, 0, 20) - 25;

			for (size_t k = 0; k < nt; k++)
				th[k * ldt + c] = v += (int32_t)rnd_range(s, 0, 4);
			if (rnd(s) & 1)
				neg[c / 64] |= 1ull << (c % 64);
		}
		for (size_t i = 0; i < npx * ldo; i++)
			out[i] = 0x5a5a5a5a5a5a5a5aull;
		t->threshold_pool(n, npx, ph, pw, rs, acc, lda, nt, th, ldt, neg, flip, out, ldo);
		for (size_t px = 0; px < npx && ok; px++) {
			for (size_t c = 0; c < 64 * cw && ok; c++) {
				unsigned int code = 0, got = 0;

				if (c < n) {
					int ng = neg[c / 64] >> (c % 64) & 1;
					int32_t v = acc[px * pw * lda + c];

					for (size_t dy = 0; dy < ph; dy++)
						for (size_t dx = 0; dx < pw; dx++) {
							int32_t y = acc[(dy * rs + px * pw + dx) * lda + c];

							v = ng ? (y < v ? y : v) : (y > v ? y : v);
						}
					for (size_t k = 0; k < nt; k++)
						code += ng ? v <= th[k * ldt + c] : v >= th[k * ldt + c];
					if (flip)
						code ^= 1;
				}
				for (size_t b = 0; b < bits; b++)
					got |= (unsigned int)(out[px * ldo + b * cw + c / 64] >> (c % 64) & 1) << b;
				ok = got == code;
				if (!ok)
					printf("# threshold_pool n=%zu bits=%zu %zux%zu px %zu c %zu: %u, want %u\n",
					       n, bits, ph, pw, px, c, got, code);
			}
			for (size_t i = bits * cw; i < ldo && ok; i++)
				ok = out[px * ldo + i] == 0x5a5a5a5a5a5a5a5aull;
		}
		free(acc);
		free(th);
		free(neg);
		free(out);
	}
	return ok;
}

/* rowmax == per-column max (min where flipped), written out here */
static int rowmax_cases(const struct qnn_kern *t, uint64_t *s)
{
	int ok = 1;

	for (int it = 0; it < 300 && ok; it++) {
		size_t n = rnd_range(s, 1, 140), nr = rnd_range(s, 1, 9);
		int32_t *rows = xcalloc(nr * n, 4), *flip = xcalloc(n, 4), *dst = xcalloc(n, 4);
		const int32_t *rp[9];

		for (size_t i = 0; i < nr * n; i++)
			rows[i] = (int32_t)(rnd(s) >> (rnd(s) & 1 ? 33 : 60)) * (rnd(s) & 1 ? 1 : -1);
		for (size_t j = 0; j < n; j++)
			flip[j] = rnd(s) & 1 ? -1 : 0;
		for (size_t r = 0; r < nr; r++)
			rp[r] = rows + r * n;
		t->rowmax(n, nr, rp, flip, dst);
		for (size_t j = 0; j < n && ok; j++) {
			int32_t v = rows[j];

			for (size_t r = 1; r < nr; r++) {
				int32_t x = rows[r * n + j];

				v = flip[j] ? (x < v ? x : v) : (x > v ? x : v);
			}
			ok = dst[j] == v;
			if (!ok)
				printf("# rowmax n=%zu nr=%zu j=%zu: %d, want %d\n", n, nr, j, dst[j], v);
		}
		free(rows);
		free(flip);
		free(dst);
	}
	return ok;
}

/*
 * popconv_bits == the counts written out here: rows read through random
 * word offsets (repeats, any order), both ops, n across 32-column chunks
 * and byte tails, 1..13 rows (6-row tiles and their rests), thresholds
 * at, just above and below a real count (ties decide), and the extremes;
 * bytes past ceil(n / 8) of each row must stay untouched.
 */
static int popconv_cases(const struct qnn_kern *t, uint64_t *s)
{
	int ok = 1;

	for (int it = 0; it < 300 && ok; it++) {
		size_t m = rnd_range(s, 1, 13), n = rnd_range(s, 1, 140), kw = rnd_range(s, 1, 40);
		size_t span = rnd_range(s, 1, 30), nb = (n + 7) / 8, ldo = nb + rnd_range(s, 0, 3);
		enum qnn_popop op = rnd(s) & 1 ? QNN_POP_XOR : QNN_POP_AND;
		size_t xlen = m * span + kw + 64, pw = t->pack_words(n, kw, 1);
		uint64_t *x = xcalloc(xlen, 8), *w = xcalloc(n * kw, 8), *bp = w;
		size_t *off = xcalloc(kw, sizeof(*off));
		const uint64_t **rows = xcalloc(m, sizeof(*rows));
		int32_t *pth = xcalloc(n, 4), *pop = xcalloc(m * n, 4);
		uint8_t *out = xcalloc(m * ldo, 1);

		for (size_t i = 0; i < xlen; i++)
			x[i] = rnd(s);
		for (size_t i = 0; i < n * kw; i++)
			w[i] = rnd(s);
		for (size_t k = 0; k < kw; k++)
			off[k] = rnd_range(s, 0, kw + 63);
		for (size_t i = 0; i < m; i++)
			rows[i] = x + rnd_range(s, 0, m * span);
		if (pw) {
			bp = xcalloc(pw, 8);
			t->pack(n, kw, 1, w, kw, kw, bp);
		}
		for (size_t i = 0; i < m; i++)
			for (size_t j = 0; j < n; j++)
				for (size_t k = 0; k < kw; k++) {
					uint64_t v = rows[i][off[k]], wv = w[j * kw + k];

					pop[i * n + j] += __builtin_popcountll(op == QNN_POP_XOR ? v ^ wv : v & wv);
				}
		for (size_t j = 0; j < n; j++) {
			uint64_t r = rnd(s) % 8;

			pth[j] = r == 0 ? -1 : r == 1 ? (int32_t)(64 * kw) : r == 2 ? INT32_MIN :
				 r == 3 ? INT32_MAX :
				 pop[rnd_range(s, 0, m - 1) * n + j] + (int32_t)rnd_range(s, 0, 2) - 1;
		}
		memset(out, 0xa5, m * ldo);
		t->popconv_bits(op, m, n, kw, rows, off, bp, pth, out, ldo);
		for (size_t i = 0; i < m && ok; i++) {
			for (size_t j = 0; j < 8 * nb && ok; j++) {
				int want = j < n && pop[i * n + j] <= pth[j];

				ok = (out[i * ldo + j / 8] >> (j % 8) & 1) == want;
				if (!ok)
					printf("# popconv_bits m=%zu n=%zu kw=%zu: row %zu channel %zu: %d\n",
					       m, n, kw, i, j, !want);
			}
			for (size_t b = nb; b < ldo && ok; b++)
				ok = out[i * ldo + b] == 0xa5;
		}
		if (bp != w)
			free(bp);
		free(x);
		free(w);
		free(off);
		free(rows);
		free(pth);
		free(pop);
		free(out);
	}
	return ok;
}

static void test_table(struct tap *tp, const char *name, uint64_t seed)
{
	const struct qnn_kern *t = qnn_kern_select(name);
	const struct qnn_kern *ref = qnn_kern_scalar();
	uint64_t s = seed;

	if (!t) {
		for (int i = 0; i < TESTS_PER_TABLE; i++)
			tap_skip(tp, "%s: CPU lacks the instructions", name);
		return;
	}
	tap_ok(tp, gemm_cases(t, ref, &s, 60, QNN_POP_XOR, -1, 19, 23, 1500, 1, 0),
	       "%s: popgemm XOR == scalar (random m, n, K tails)", name);
	tap_ok(tp, gemm_cases(t, ref, &s, 60, QNN_POP_AND, -1, 19, 23, 1500, 1, 0),
	       "%s: popgemm AND == scalar", name);
	tap_ok(tp, gemm_cases(t, ref, &s, 60, -1, 1, 19, 23, 1500, 1, 0) &&
		   gemm_cases(t, ref, &s, 60, -1, 0, 19, 23, 1500, 1, 0),
	       "%s: popgemm accumulate on/off, alpha != 1 == scalar", name);
	tap_ok(tp, gemm_cases(t, ref, &s, 6, -1, 1, 140, 150, 70000, 1, 0),
	       "%s: popgemm across K, N and M cache blocks == scalar", name);
	tap_ok(tp, rowpop_cases(t, ref, &s) && empty_cases(t),
	       "%s: rowpop == scalar; empty K/M/N leave c zeroed or kept", name);
	tap_ok(tp, gemm_cases(t, ref, &s, 60, QNN_POP_XOR, 1, 13, 14, 700, 5, 1),
	       "%s: popgemm_planes XOR (1..5 x 1..5 planes) == scalar", name);
	tap_ok(tp, gemm_cases(t, ref, &s, 60, QNN_POP_AND, 0, 13, 14, 700, 8, 1),
	       "%s: popgemm_planes AND (1..8 x 1..8 planes) == scalar", name);
	tap_ok(tp, gemm_cases(t, ref, &s, 40, QNN_POP_XOR, 0, 30, 70, 1500, 3, 2) &&
		   gemm_cases(t, ref, &s, 40, QNN_POP_AND, 1, 30, 70, 1500, 3, 2),
	       "%s: popgemm_packed on pack()ed b == scalar popgemm_planes", name);
	tap_ok(tp, threshold_cases(t, ref, &s),
	       "%s: threshold (1..8 bits, negated channels, flip, odd n) == scalar", name);
	tap_ok(tp, conv_cases(t, ref, &s),
	       "%s: conv via im2col (1x1..7x7, stride, pad, dilation, groups, batch) == scalar",
	       name);
	tap_ok(tp, i16_cases(t, &s), "%s: i16gemm (8-bit values x 8-bit weights) == dot products",
	       name);
	tap_ok(tp, rowmax_cases(t, &s), "%s: rowmax == column max, min where flipped", name);
	tap_ok(tp, u8_cases(t, &s), "%s: u8gemm (bytes x weights within its bounds) == dot products",
	       name);
	if (t->u8conv)
		tap_ok(tp, u8conv_cases(t, &s), "%s: u8conv, u8conv_bits (direct 8-bit conv, int8 weights) == sums, thresholds",
		       name);
	else
		tap_skip(tp, "%s: no u8conv in this table", name);
	if (t->threshold_pool)
		tap_ok(tp, tpool_cases(t, &s), "%s: threshold_pool (max/min pool, 1..8 bits) == counts",
		       name);
	else
		tap_skip(tp, "%s: no threshold_pool in this table", name);
	if (t->popconv_bits)
		tap_ok(tp, popconv_cases(t, &s),
		       "%s: popconv_bits (rows in place, 1-bit threshold in registers) == counts", name);
	else
		tap_skip(tp, "%s: no popconv_bits in this table", name);
}

int main(void)
{
	const char *const *names = qnn_kern_names();
	struct tap tp = { 0 };
	uint64_t seed = test_seed();
	size_t nt = 0;
	const struct qnn_kern *k;

	for (size_t i = 0; names[i]; i++)
		nt += strcmp(names[i], "scalar") != 0;
	printf("1..%zu\n", nt * TESTS_PER_TABLE + 9);
	printf("# seed 0x%llx (set QNN_TEST_SEED to vary)\n",
	       (unsigned long long)seed);

	k = qnn_kern_select("auto");
	tap_ok(&tp, k != NULL, "auto selects a table (%s)", k ? k->name : "none");
	setenv("QNN_KERNELS", "scalar", 1);
	k = qnn_kern_select(NULL);
	tap_ok(&tp, k == qnn_kern_scalar(), "QNN_KERNELS=scalar overrides auto");
	setenv("QNN_KERNELS", "no-such-isa", 1);
	tap_ok(&tp, qnn_kern_select(NULL) == NULL && qnn_kern_select("bogus") == NULL,
	       "unknown table name gives NULL");
	unsetenv("QNN_KERNELS");

	{
		uint64_t s = seed;

		tap_ok(&tp, i16_cases(qnn_kern_scalar(), &s),
		       "scalar: i16gemm (8-bit values x 8-bit weights) == dot products");
		tap_ok(&tp, rowmax_cases(qnn_kern_scalar(), &s),
		       "scalar: rowmax == column max, min where flipped");
		tap_ok(&tp, u8_cases(qnn_kern_scalar(), &s),
		       "scalar: u8gemm (bytes x weights within its bounds) == dot products");
		tap_ok(&tp, u8conv_cases(qnn_kern_scalar(), &s),
		       "scalar: u8conv, u8conv_bits (direct 8-bit conv, int8 weights) == sums, thresholds");
		tap_ok(&tp, tpool_cases(qnn_kern_scalar(), &s),
		       "scalar: threshold_pool (max/min pool, 1..8 bits) == counts");
		tap_ok(&tp, popconv_cases(qnn_kern_scalar(), &s),
		       "scalar: popconv_bits (rows in place, 1-bit threshold) == counts");
	}
	for (size_t i = 0; names[i]; i++)
		if (strcmp(names[i], "scalar"))
			test_table(&tp, names[i], seed + i);
	return tp.failed ? 1 : 0;
}
