// SPDX-License-Identifier: MIT
/*
 * Kernel benchmarks, one thread each:
 *  - bgemm: popgemm XOR, 1024 x 1024 outputs, K = 16384 bits;
 *  - bconv vs sgemm: 3x3 conv 56x56x256 -> 256, stride 1, pad 1, batch 1,
 *    as bit im2col + popgemm_packed (weights packed once, untimed, as an
 *    engine does at load; row tiles, so the im2col buffer stays in L2)
 *    against float im2col + OpenBLAS cblas_sgemm on one thread (the faster
 *    of whole-image and tiled im2col is taken, to be fair to the float
 *    side);
 *  - multibit: the same conv as W1A1 (XOR) and W1A2, W2A2, W4A4 (unsigned
 *    planes, AND) through popgemm_packed; cost = t / (k_w * k_a * t_W1A1).
 * Every figure is the best of `reps` runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "bench.h"
#include "kern/kern.h"

#define CONV_H	56
#define CONV_W	56
#define CONV_C	256
#define CONV_OC	256
#define CONV_K	3
#ifndef TILE
#define TILE	256	/* im2col rows per tile: 256 x 36 words = 72 KiB */
#endif

static uint64_t rng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void *zalloc(size_t bytes)
{
	void *p = NULL;

	if (posix_memalign(&p, 64, bytes ? bytes : 64))
		return NULL;
	memset(p, 0, bytes);
	return p;
}

static void fill_bits(uint64_t *p, size_t n, uint64_t *s)
{
	for (size_t i = 0; i < n; i++)
		p[i] = rng(s);
}

static double bgemm(const struct qnn_kern *k, int reps, double hz, size_t m,
		    size_t n, size_t kbits)
{
	size_t kw = kbits / 64;
	uint64_t s = 1, *a = zalloc(m * kw * 8), *b = zalloc(n * kw * 8);
	int32_t *c = zalloc(m * n * 4);
	double best = 0;

	if (!a || !b || !c)
		goto out;
	fill_bits(a, m * kw, &s);
	fill_bits(b, n * kw, &s);
	k->popgemm(QNN_POP_XOR, m, n, kw, a, kw, b, kw, c, n, 1, 0); /* warm */
	for (int r = 0; r < reps; r++) {
		struct bench_span sp;

		bench_start(&sp);
		k->popgemm(QNN_POP_XOR, m, n, kw, a, kw, b, kw, c, n, 1, 0);
		double v = (double)m * n * kbits / bench_stop(&sp, hz);

		if (v > best)
			best = v;
	}
out:
	free(a);
	free(b);
	free(c);
	return best;
}

/* one binary/multi-bit conv layer: im2col tiles + popgemm_planes */
struct bconv {
	struct qnn_conv_geom g;
	size_t pa, pb, rw, kwp, rows;
	uint64_t *in, *w, *wp, *col;	/* wp: w packed for the table, or w */
	int32_t *out, coef[64];
};

static int bconv_init(const struct qnn_kern *k, struct bconv *L, size_t pa,
		      size_t pb, uint64_t *s)
{
	size_t pw;

	struct qnn_conv_geom *g = &L->g;

	memset(L, 0, sizeof(*L));
	g->n = 1;
	g->h = CONV_H;
	g->w = CONV_W;
	g->c = CONV_C;
	g->planes = pa;
	g->groups = 1;
	g->kh = g->kw = CONV_K;
	g->sh = g->sw = g->dh = g->dw = 1;
	g->pt = g->pl = 1;
	g->oh = qnn_conv_out_size(CONV_H, CONV_K, 1, 1, 1, 1);
	g->ow = qnn_conv_out_size(CONV_W, CONV_K, 1, 1, 1, 1);
	L->pa = pa;
	L->pb = pb;
	L->rw = qnn_im2col_row_words(g);
	L->kwp = CONV_K * CONV_K * CONV_C / 64;
	L->rows = g->oh * g->ow;
	L->in = zalloc(CONV_H * CONV_W * pa * CONV_C / 8);
	L->w = zalloc(CONV_OC * pb * L->kwp * 8);
	L->col = zalloc(TILE * L->rw * 8);
	L->out = zalloc(L->rows * CONV_OC * 4);
	if (!L->in || !L->w || !L->col || !L->out)
		return -ENOMEM;
	fill_bits(L->in, CONV_H * CONV_W * pa * CONV_C / 64, s);
	fill_bits(L->w, CONV_OC * pb * L->kwp, s);
	for (size_t p = 0; p < pa; p++)
		for (size_t q = 0; q < pb; q++)
			L->coef[p * pb + q] = 1 << (p + q);
	/* weights are packed once, as an engine does when it loads a model */
	pw = k->pack_words(CONV_OC, L->kwp, pb);
	L->wp = L->w;
	if (pw) {
		L->wp = zalloc(pw * 8);
		if (!L->wp)
			return -ENOMEM;
		k->pack(CONV_OC, L->kwp, pb, L->w, pb * L->kwp, L->kwp, L->wp);
	}
	return 0;
}

static void bconv_free(struct bconv *L)
{
	free(L->in);
	if (L->wp != L->w)
		free(L->wp);
	free(L->w);
	free(L->col);
	free(L->out);
}

static void bconv_run(const struct qnn_kern *k, struct bconv *L)
{
	enum qnn_popop op = L->pa == 1 && L->pb == 1 ? QNN_POP_XOR : QNN_POP_AND;

	for (size_t r0 = 0; r0 < L->rows; r0 += TILE) {
		size_t nr = L->rows - r0 < TILE ? L->rows - r0 : TILE;

		qnn_im2col_bits(&L->g, 0, L->in, r0, nr, L->col, L->rw, NULL);
		k->popgemm_packed(op, nr, CONV_OC, L->kwp,
				  L->pa, L->col, L->rw, L->kwp,
				  L->pb, L->wp, L->pb * L->kwp, L->kwp,
				  L->coef, L->out + r0 * CONV_OC, CONV_OC, 0);
	}
}

static double best_time(const struct qnn_kern *k, struct bconv *L, int reps,
			double hz)
{
	double best = 1e30;

	bconv_run(k, L);
	for (int r = 0; r < reps; r++) {
		struct bench_span sp;

		bench_start(&sp);
		bconv_run(k, L);
		double t = bench_stop(&sp, hz);

		if (t < best)
			best = t;
	}
	return best;
}

/* float im2col of rows r0..r0+nr (NHWC, zero padding), row = 9 * C */
static void im2col_f32(const float *in, size_t r0, size_t nr, float *col)
{
	const size_t kk = CONV_K * CONV_K * CONV_C;

	for (size_t r = r0; r < r0 + nr; r++) {
		size_t oy = r / CONV_W, ox = r % CONV_W;
		float *d = col + (r - r0) * kk;

		for (size_t ky = 0; ky < CONV_K; ky++)
			for (size_t kx = 0; kx < CONV_K; kx++) {
				long iy = (long)(oy + ky) - 1, ix = (long)(ox + kx) - 1;
				float *t = d + (ky * CONV_K + kx) * CONV_C;

				if (iy < 0 || ix < 0 || iy >= CONV_H || ix >= CONV_W)
					memset(t, 0, CONV_C * sizeof(float));
				else
					memcpy(t, in + ((size_t)iy * CONV_W + (size_t)ix) * CONV_C,
					       CONV_C * sizeof(float));
			}
	}
}

/* float conv ticks: best of whole-image and tiled im2col + sgemm */
static double sconv(int reps, double hz, double *sgemm_only)
{
	const size_t rows = CONV_H * CONV_W, kk = CONV_K * CONV_K * CONV_C;
	float *in = zalloc(rows * CONV_C * 4), *w = zalloc(CONV_OC * kk * 4);
	float *col = zalloc(rows * kk * 4), *out = zalloc(rows * CONV_OC * 4);
	double best = 1e30;
	uint64_t s = 3;

	*sgemm_only = 1e30;
	if (!in || !w || !col || !out)
		goto out;
	for (size_t i = 0; i < rows * CONV_C; i++)
		in[i] = (float)(rng(&s) % 1000) / 500.0f - 1.0f;
	for (size_t i = 0; i < CONV_OC * kk; i++)
		w[i] = (float)(rng(&s) % 1000) / 500.0f - 1.0f;
	for (int r = 0; r <= reps; r++) {	/* r == 0 warms up */
		for (int tiled = 0; tiled < 2; tiled++) {
			size_t tile = tiled ? 512 : rows;
			struct bench_span sp, gp;
			double tg = 0;

			for (size_t r0 = 0; r0 < rows; r0 += tile) {
				size_t nr = rows - r0 < tile ? rows - r0 : tile;

				if (r0 == 0)
					bench_start(&sp);
				im2col_f32(in, r0, nr, col);
				bench_start(&gp);
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
					    (int)nr, CONV_OC, (int)kk, 1.0f, col, (int)kk,
					    w, (int)kk, 0.0f, out + r0 * CONV_OC, CONV_OC);
				tg += bench_stop(&gp, hz);
			}
			double t = bench_stop(&sp, hz);

			if (r && t < best)
				best = t;
			if (r && !tiled && tg < *sgemm_only)
				*sgemm_only = tg;
		}
	}
out:
	free(in);
	free(w);
	free(col);
	free(out);
	return best;
}

int bench_kernels(const char *isa, int reps, double hz, struct bench_kern_result *R,
		  char *err, size_t errlen)
{
	const struct qnn_kern *k = qnn_kern_select(isa);
	struct bconv L[4];
	static const size_t planes[4][2] = { { 1, 1 }, { 2, 1 }, { 2, 2 }, { 4, 4 } };
	double t[4], sg, macs;
	uint64_t s = 7;
	int rc = 0;

	memset(R, 0, sizeof(*R));
	if (!k) {
		snprintf(err, errlen, "kernel table \"%s\" not available on this CPU", isa);
		return -ENODEV;
	}
	R->isa = k->name;
	R->bgemm_m = R->bgemm_n = 1024;
	R->bgemm_k = 16384;
	R->bgemm_bitmacs_per_tick = bgemm(k, reps, hz, R->bgemm_m, R->bgemm_n, R->bgemm_k);

	for (int i = 0; i < 4; i++)
		if (bconv_init(k, &L[i], planes[i][0], planes[i][1], &s))
			rc = -ENOMEM;
	if (rc) {
		snprintf(err, errlen, "out of memory for the conv benchmark");
		goto out;
	}
	/* interleave the variants so noise from other load hits all alike */
	for (int i = 0; i < 4; i++)
		t[i] = 1e30;
	for (int r = 0; r < reps; r++)
		for (int i = 0; i < 4; i++) {
			double v = best_time(k, &L[i], 1, hz);

			if (v < t[i])
				t[i] = v;
		}
	openblas_set_num_threads(1);
	R->sconv_s = sconv(reps, hz, &sg) / hz;
	macs = (double)L[0].rows * CONV_OC * CONV_K * CONV_K * CONV_C;
	R->bconv_s = t[0] / hz;
	R->bconv_vs_sgemm = R->sconv_s / R->bconv_s;
	R->bconv_bitmacs_per_tick = macs / t[0];
	R->sgemm_macs_per_tick = macs / sg;
	R->w1a1_s = t[0] / hz;
	R->w1a2_s = t[1] / hz;
	R->w2a2_s = t[2] / hz;
	R->w4a4_s = t[3] / hz;
	R->cost_w1a2 = t[1] / (2 * t[0]);
	R->cost_w2a2 = t[2] / (4 * t[0]);
	R->cost_w4a4 = t[3] / (16 * t[0]);
	snprintf(R->sgemm_core, sizeof(R->sgemm_core), "%s", openblas_get_corename());
out:
	for (int i = 0; i < 4; i++)
		bconv_free(&L[i]);
	return rc;
}
