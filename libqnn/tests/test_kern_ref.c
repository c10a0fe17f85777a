// SPDX-License-Identifier: MIT
/*
 * Checks the scalar oracle from outside: its popcount GEMMs and
 * qnn_im2col_bits + popgemm_planes convolutions are compared with naive
 * dot products and convolutions over *unpacked* values (one int per
 * element, ±1 or integers), built from the docs/layout.md encodings
 * without any popcount.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kern/kern.h"
#include "kern_tap.h"

/* value of bit c of a packed row */
static int bit(const uint64_t *row, size_t c)
{
	return (int)(row[c / 64] >> (c % 64) & 1);
}

static void set_bit(uint64_t *row, size_t c, int v)
{
	if (v)
		row[c / 64] |= (uint64_t)1 << (c % 64);
}

/* bipolar x bipolar: popgemm XOR with alpha -2 on c = K gives sum(a * w) */
static int check_bipolar_dot(uint64_t *s)
{
	for (int it = 0; it < 50; it++) {
		size_t m = rnd_range(s, 1, 9), n = rnd_range(s, 1, 9);
		size_t k = rnd_range(s, 1, 700), kw = (k + 63) / 64;
		int *av = xcalloc(m * k, sizeof(int)), *wv = xcalloc(n * k, sizeof(int));
		uint64_t *a = xcalloc(m * kw, 8), *w = xcalloc(n * kw, 8);
		int32_t *c = xcalloc(m * n, 4);
		int ok = 1;

		for (size_t i = 0; i < m * k; i++)
			av[i] = rnd(s) & 1 ? 1 : -1;
		for (size_t i = 0; i < n * k; i++)
			wv[i] = rnd(s) & 1 ? 1 : -1;
		for (size_t i = 0; i < m; i++)
			for (size_t x = 0; x < k; x++)
				set_bit(a + i * kw, x, av[i * k + x] < 0);
		for (size_t j = 0; j < n; j++)
			for (size_t x = 0; x < k; x++)
				set_bit(w + j * kw, x, wv[j * k + x] < 0);
		for (size_t i = 0; i < m * n; i++)
			c[i] = (int32_t)k;
		qnn_kern_scalar()->popgemm(QNN_POP_XOR, m, n, kw, a, kw, w, kw,
					   c, n, -2, 1);
		for (size_t i = 0; i < m && ok; i++)
			for (size_t j = 0; j < n && ok; j++) {
				long d = 0;

				for (size_t x = 0; x < k; x++)
					d += av[i * k + x] * wv[j * k + x];
				ok = d == c[i * n + j];
			}
		free(av), free(wv), free(a), free(w), free(c);
		if (!ok)
			return 0;
	}
	return 1;
}

/*
 * unsigned B_a-bit activations x signed (two's complement) B_w-bit weights
 * through popgemm_planes AND with coefficients 2^p * (+-2^q), and rowpop
 * against a naive count of one bits.
 */
static int check_multibit_dot(uint64_t *s)
{
	for (int it = 0; it < 50; it++) {
		size_t m = rnd_range(s, 1, 7), n = rnd_range(s, 1, 7);
		size_t k = rnd_range(s, 1, 300), kw = (k + 63) / 64;
		size_t ba = rnd_range(s, 1, 8), bw = rnd_range(s, 1, 8);
		int *av = xcalloc(m * k, sizeof(int)), *wv = xcalloc(n * k, sizeof(int));
		uint64_t *a = xcalloc(m * ba * kw, 8), *w = xcalloc(n * bw * kw, 8);
		int32_t *c = xcalloc(m * n, 4), coef[64], rp[8];
		int ok = 1;

		for (size_t i = 0; i < m * k; i++)
			av[i] = (int)(rnd(s) % (1u << ba));
		for (size_t i = 0; i < n * k; i++)
			wv[i] = (int)(rnd(s) % (1u << bw)) - (1 << (bw - 1));
		for (size_t i = 0; i < m; i++)
			for (size_t p = 0; p < ba; p++)
				for (size_t x = 0; x < k; x++)
					set_bit(a + (i * ba + p) * kw, x,
						av[i * k + x] >> p & 1);
		for (size_t j = 0; j < n; j++)
			for (size_t q = 0; q < bw; q++)
				for (size_t x = 0; x < k; x++)
					set_bit(w + (j * bw + q) * kw, x,
						(unsigned)wv[j * k + x] >> q & 1);
		for (size_t p = 0; p < ba; p++)
			for (size_t q = 0; q < bw; q++)
				coef[p * bw + q] = (1 << p) *
					(q == bw - 1 ? -(1 << q) : (1 << q));
		qnn_kern_scalar()->popgemm_planes(QNN_POP_AND, m, n, kw,
						  ba, a, ba * kw, kw,
						  bw, w, bw * kw, kw,
						  coef, c, n, 0);
		for (size_t i = 0; i < m && ok; i++)
			for (size_t j = 0; j < n && ok; j++) {
				long d = 0;

				for (size_t x = 0; x < k; x++)
					d += av[i * k + x] * wv[j * k + x];
				ok = d == c[i * n + j];
			}
		/* rowpop: ones in plane p of row 0 */
		qnn_kern_scalar()->rowpop(ba, kw, a, kw, rp);
		for (size_t p = 0; p < ba && ok; p++) {
			int32_t ones = 0;

			for (size_t x = 0; x < k; x++)
				ones += av[x] >> p & 1;
			ok = ones == rp[p];
		}
		free(av), free(wv), free(a), free(w), free(c);
		if (!ok)
			return 0;
	}
	return 1;
}

struct conv {
	struct qnn_conv_geom g;
	size_t oc, pb_, pr_;
};

static void rand_geom(uint64_t *s, struct conv *cv, size_t kh, size_t kw_)
{
	struct qnn_conv_geom *g = &cv->g;

	do {
		memset(cv, 0, sizeof(*cv));
		g->kh = kh;
		g->kw = kw_;
		g->n = rnd_range(s, 1, 3);
		g->h = rnd_range(s, 1, 11);
		g->w = rnd_range(s, 1, 11);
		g->groups = rnd_range(s, 1, 3);
		g->c = g->groups * rnd_range(s, 1, 70);
		g->planes = 1;
		g->sh = rnd_range(s, 1, 3);
		g->sw = rnd_range(s, 1, 2);
		g->dh = rnd_range(s, 1, 2);
		g->dw = rnd_range(s, 1, 3);
		g->pt = rnd_range(s, 0, kh);
		g->pl = rnd_range(s, 0, kw_);
		cv->pb_ = rnd_range(s, 0, kh);
		cv->pr_ = rnd_range(s, 0, kw_);
		g->oh = qnn_conv_out_size(g->h, kh, g->sh, g->dh, g->pt, cv->pb_);
		g->ow = qnn_conv_out_size(g->w, kw_, g->sw, g->dw, g->pl, cv->pr_);
		cv->oc = g->groups * rnd_range(s, 1, 5);
	} while (!g->oh || !g->ow);
}

/*
 * Binary ±1 conv with ZERO padding, naive over unpacked values, vs
 * im2col + popgemm XOR (padded taps read as +1) + the padmask correction
 * (subtract sum of the weights over padded taps) described in kern.h.
 * Also checks the uncorrected result equals a naive conv with +1 padding.
 */
static int check_bipolar_conv(uint64_t *s, size_t kh, size_t kw_)
{
	for (int it = 0; it < 12; it++) {
		struct conv cv;
		struct qnn_conv_geom *g = &cv.g;
		size_t cg, gw, taps, rows, rw, cw, mw, ocg;
		int *x, *wt;
		uint64_t *in, *w, *col, *mask;
		int32_t *c;
		int ok = 1;

		rand_geom(s, &cv, kh, kw_);
		cg = g->c / g->groups;
		ocg = cv.oc / g->groups;
		gw = (cg + 63) / 64;
		cw = (g->c + 63) / 64;
		taps = kh * kw_;
		mw = (taps + 63) / 64;
		rows = g->n * g->oh * g->ow;
		rw = qnn_im2col_row_words(g);
		x = xcalloc(g->n * g->h * g->w * g->c, sizeof(int));
		wt = xcalloc(cv.oc * taps * cg, sizeof(int));
		in = xcalloc(g->n * g->h * g->w * cw, 8);
		w = xcalloc(cv.oc * taps * gw, 8);
		col = xcalloc(rows * rw, 8);
		mask = xcalloc(rows * mw, 8);
		c = xcalloc(rows * ocg, 4);
		for (size_t i = 0; i < g->n * g->h * g->w * g->c; i++) {
			x[i] = rnd(s) & 1 ? 1 : -1;
			set_bit(in + i / g->c * cw, i % g->c, x[i] < 0);
		}
		/* weights [oc][ky][kx][c within group] */
		for (size_t i = 0; i < cv.oc * taps * cg; i++) {
			wt[i] = rnd(s) & 1 ? 1 : -1;
			set_bit(w + i / cg * gw, i % cg, wt[i] < 0);
		}
		for (size_t grp = 0; grp < g->groups && ok; grp++) {
			const uint64_t *wg = w + grp * ocg * taps * gw;

			ok = !qnn_im2col_bits(g, grp, in, 0, rows, col, rw, mask);
			for (size_t i = 0; i < rows * ocg; i++)
				c[i] = (int32_t)(taps * cg);
			qnn_kern_scalar()->popgemm(QNN_POP_XOR, rows, ocg, taps * gw,
						   col, rw, wg, taps * gw, c, ocg, -2, 1);
			for (size_t r = 0; r < rows && ok; r++) {
				size_t ox = r % g->ow, oy = r / g->ow % g->oh;
				size_t n = r / (g->ow * g->oh);

				for (size_t o = 0; o < ocg && ok; o++) {
					size_t oo = grp * ocg + o;
					long zero = 0, one = 0, corr = 0;

					for (size_t ky = 0; ky < kh; ky++)
						for (size_t kx = 0; kx < kw_; kx++) {
							long iy = (long)(oy * g->sh + ky * g->dh) - (long)g->pt;
							long ix = (long)(ox * g->sw + kx * g->dw) - (long)g->pl;
							int pad = iy < 0 || ix < 0 || iy >= (long)g->h || ix >= (long)g->w;
							size_t t = ky * kw_ + kx;

							for (size_t ci = 0; ci < cg; ci++) {
								int wv = wt[(oo * taps + t) * cg + ci];
								int xv = pad ? 0 : x[((n * g->h + iy) * g->w + ix) * g->c + grp * cg + ci];

								zero += xv * wv;
								one += (pad ? 1 : xv) * wv;
								if (bit(mask + r * mw, t))
									corr += wv;
							}
							ok = ok && pad == bit(mask + r * mw, t);
						}
					ok = ok && one == c[r * ocg + o] &&
					     zero == c[r * ocg + o] - corr;
				}
			}
		}
		free(x), free(wt), free(in), free(w), free(col), free(mask), free(c);
		if (!ok) {
			printf("# conv %zux%zu failed\n", kh, kw_);
			return 0;
		}
	}
	return 1;
}

/* row0/nrows tiles of im2col equal the full call; bad geometry is refused */
static int check_im2col_tiles(uint64_t *s)
{
	struct conv cv;
	struct qnn_conv_geom *g = &cv.g, bad;
	size_t rows, rw, mw;
	uint64_t *in, *full, *part, *m0, *m1;
	int ok = 1;

	rand_geom(s, &cv, 3, 3);
	g->planes = 3;
	rows = g->n * g->oh * g->ow;
	rw = qnn_im2col_row_words(g);
	mw = 1;
	in = xcalloc(g->n * g->h * g->w * 3 * ((g->c + 63) / 64), 8);
	for (size_t i = 0; i < g->n * g->h * g->w * 3 * ((g->c + 63) / 64); i++)
		in[i] = g->c % 64 ? 0 : rnd(s);
	full = xcalloc(rows * rw, 8);
	part = xcalloc(rows * rw, 8);
	m0 = xcalloc(rows * mw, 8);
	m1 = xcalloc(rows * mw, 8);
	ok = !qnn_im2col_bits(g, 0, in, 0, rows, full, rw, m0);
	for (size_t r = 0; r < rows && ok; r += 5) {
		size_t nr = rows - r < 5 ? rows - r : 5;

		ok = !qnn_im2col_bits(g, 0, in, r, nr, part + r * rw, rw, m1 + r);
	}
	ok = ok && !memcmp(full, part, rows * rw * 8) && !memcmp(m0, m1, rows * 8);
	bad = *g;
	bad.groups = g->c + 1;
	ok = ok && qnn_im2col_bits(&bad, 0, in, 0, rows, full, rw, NULL) < 0;
	ok = ok && qnn_im2col_bits(g, 0, in, rows, 1, full, rw, NULL) < 0;
	ok = ok && qnn_im2col_bits(g, 0, in, 0, rows, full, rw - 1, NULL) < 0;
	ok = ok && qnn_im2col_bits(g, g->groups, in, 0, rows, full, rw, NULL) < 0;
	bad = *g;
	bad.oh = SIZE_MAX / 2;	/* n * oh * ow overflows */
	ok = ok && qnn_im2col_bits(&bad, 0, in, 0, 1, full, rw, NULL) < 0;
	bad = *g;
	bad.kw = SIZE_MAX / 3;
	ok = ok && qnn_im2col_bits(&bad, 0, in, 0, 1, full, rw, NULL) < 0;
	free(in), free(full), free(part), free(m0), free(m1);
	return ok;
}

static int check_extract(uint64_t *s)
{
	for (int it = 0; it < 200; it++) {
		size_t words = rnd_range(s, 1, 5), c0, cb;
		uint64_t src[5], dst[6];
		int ok = 1;

		for (size_t i = 0; i < words; i++)
			src[i] = rnd(s);
		c0 = rnd_range(s, 0, words * 64 - 1);
		cb = rnd_range(s, 1, words * 64 - c0);
		memset(dst, 0xa5, sizeof(dst));
		qnn_bits_extract(src, c0, cb, dst);
		for (size_t i = 0; i < (cb + 63) / 64 * 64; i++)
			ok = ok && bit(dst, i) == (i < cb ? bit(src, c0 + i) : 0);
		if (!ok)
			return 0;
	}
	return 1;
}

/*
 * scalar threshold vs a naive per-channel count over per-channel sorted
 * thresholds (not the transposed array the kernel reads), decoded bit by
 * bit from the output planes; tail bits must be zero
 */
static int check_threshold(uint64_t *s)
{
	for (int it = 0; it < 300; it++) {
		size_t bits = rnd_range(s, 1, 8), nt = ((size_t)1 << bits) - 1;
		size_t n = rnd_range(s, 1, 200), cw = (n + 63) / 64;
		int32_t *chan = xcalloc(n * nt, 4), *th = xcalloc(n * nt, 4);
		int32_t *acc = xcalloc(n, 4);
		uint64_t neg[4] = { rnd(s), rnd(s), rnd(s), rnd(s) };
		uint64_t *out = xcalloc(bits * cw, 8);
		int flip = rnd(s) & 1, ok = 1;

		for (size_t c = 0; c < n; c++) {
			int32_t v = (int32_t)rnd_range(s, 0, 100) - 50;

			for (size_t t = 0; t < nt; t++) {
				v += (int32_t)rnd_range(s, 0, 2);
				chan[c * nt + t] = v;
				th[t * n + c] = v;
			}
			acc[c] = (int32_t)rnd_range(s, 0, 700) - 350;
		}
		qnn_kern_scalar()->threshold(n, acc, nt, th, n, neg, flip, out);
		for (size_t c = 0; c < cw * 64 && ok; c++) {
			unsigned int want = 0, got = 0;

			if (c < n) {
				int ng = neg[c / 64] >> (c % 64) & 1;

				for (size_t t = 0; t < nt; t++)
					want += ng ? acc[c] <= chan[c * nt + t]
						   : acc[c] >= chan[c * nt + t];
				if (flip)
					want = ~want & (unsigned int)nt;
			}
			for (size_t b = 0; b < bits; b++)
				got |= (unsigned int)bit(out + b * cw, c) << b;
			ok = want == got;
		}
		free(chan), free(th), free(acc), free(out);
		if (!ok)
			return 0;
	}
	return 1;
}

int main(void)
{
	struct tap tp = { 0 };
	uint64_t s = test_seed();

	printf("1..10\n");
	tap_ok(&tp, check_bipolar_dot(&s),
	       "scalar popgemm XOR == naive ±1 dot product");
	tap_ok(&tp, check_multibit_dot(&s),
	       "scalar popgemm_planes AND == naive unsigned x signed dot; rowpop == naive count");
	tap_ok(&tp, check_bipolar_conv(&s, 1, 1),
	       "1x1 conv: im2col+popgemm == naive (+1 pad), padmask correction == naive zero pad");
	tap_ok(&tp, check_bipolar_conv(&s, 3, 3), "3x3 conv == naive (stride, pad, dilation, groups, batch)");
	tap_ok(&tp, check_bipolar_conv(&s, 7, 7), "7x7 conv == naive");
	tap_ok(&tp, check_bipolar_conv(&s, 2, 5), "2x5 conv == naive");
	tap_ok(&tp, check_bipolar_conv(&s, 9, 8), "9x8 conv (72 taps, two mask words) == naive");
	tap_ok(&tp, check_im2col_tiles(&s), "im2col in row tiles == one call; bad geometry refused");
	tap_ok(&tp, check_extract(&s), "qnn_bits_extract == naive bit copy");
	tap_ok(&tp, check_threshold(&s),
	       "scalar threshold == naive per-channel count (>=, negated <=, flip, tail zero)");
	return tp.failed ? 1 : 0;
}
