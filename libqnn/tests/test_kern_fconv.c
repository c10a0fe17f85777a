// SPDX-License-Identifier: MIT
/*
 * fconv (the F32-input conv of kern.h) in every kernel table, the scalar
 * one included, against a convolution written here from its definition:
 * per output pixel and channel a double sum, 0.0 first, over the window's
 * taps (rows, then columns; those outside the image skipped) and, per tap,
 * the group's input channels in order, then (float)sum * scale + bias.
 * With integer weights every product is exact, so the order of the sum is
 * all that fixes the bits: every table must give these bytes exactly.
 * Random geometry: odd channel counts around the 4/8/16/32-lane blocks,
 * 1..4 x 1..4 windows, stride, dilation, padding wider than the window,
 * groups, batch 2; inputs with -0.0, huge and tiny magnitudes; the calls
 * are made as libqnn's conv makes them (runs of pixels sharing the same
 * in-image taps). Tables the CPU lacks are skipped.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kern/kern.h"
#include "kern_tap.h"

#define CASES 150

struct fcase {
	size_t n, h, w, cg, og, g, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, ho, wo;
};

static float rnd_float(uint64_t *s)
{
	switch (rnd_range(s, 0, 9)) {
	case 0:
		return 0.0f;
	case 1:
		return -0.0f;
	case 2:	/* magnitudes whose sums round */
		return ldexpf((float)rnd_range(s, 1, 1u << 23), (int)rnd_range(s, 0, 40) - 20) *
		       (rnd(s) & 1 ? -1.0f : 1.0f);
	default:
		return ((float)rnd_range(s, 0, 2000000) - 1000000.0f) / 4093.0f;
	}
}

/* the reference: one output value from the definition */
static float ref_out(const struct fcase *f, const float *x, const float *wt, const float *sc,
		     const float *bi, size_t n, size_t oy, size_t ox, size_t oc)
{
	size_t grp = oc / f->og, c = f->cg * f->g;
	double s = 0.0;

	for (size_t ky = 0; ky < f->kh; ky++)
		for (size_t kx = 0; kx < f->kw; kx++) {
			long y = (long)(oy * f->sh + ky * f->dh) - (long)f->pt;
			long xx = (long)(ox * f->sw + kx * f->dw) - (long)f->pl;

			if (y < 0 || y >= (long)f->h || xx < 0 || xx >= (long)f->w)
				continue;
			for (size_t ci = 0; ci < f->cg; ci++)
				s += (double)x[((n * f->h + (size_t)y) * f->w + (size_t)xx) * c +
					       grp * f->cg + ci] *
				     (double)wt[((oc * f->kh + ky) * f->kw + kx) * f->cg + ci];
		}
	return (float)s * sc[oc] + bi[oc];
}

/* is tap column kx of output column ox inside the image? */
static int col_in(const struct fcase *f, size_t ox, size_t kx)
{
	size_t at = ox * f->sw + kx * f->dw;

	return at >= f->pl && at - f->pl < f->w;
}

static int one_case(const struct qnn_kern *t, uint64_t *s)
{
	struct fcase f;
	size_t c, o, taps, xn, on;
	float *x, *wt, *wk, *sc, *bi, *out;
	const float **xp, **wp;
	int good = 1;
	static const size_t ogs[] = { 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40, 63, 70 };

	f.n = rnd_range(s, 1, 2);
	f.g = rnd_range(s, 1, 3);
	f.cg = rnd_range(s, 1, 5);
	f.og = ogs[rnd_range(s, 0, sizeof(ogs) / sizeof(ogs[0]) - 1)];
	f.kh = rnd_range(s, 1, 4);
	f.kw = rnd_range(s, 1, 4);
	f.sh = rnd_range(s, 1, 3);
	f.sw = rnd_range(s, 1, 3);
	f.dh = rnd_range(s, 1, 2);
	f.dw = rnd_range(s, 1, 2);
	f.pt = rnd_range(s, 0, 4);
	f.pl = rnd_range(s, 0, 4);
	f.pb = rnd_range(s, 0, 4);
	f.pr = rnd_range(s, 0, 4);
	f.h = rnd_range(s, 1, 9);
	f.w = rnd_range(s, 1, 9);
	f.ho = qnn_conv_out_size(f.h, f.kh, f.sh, f.dh, f.pt, f.pb);
	f.wo = qnn_conv_out_size(f.w, f.kw, f.sw, f.dw, f.pl, f.pr);
	if (!f.ho || !f.wo)
		return 1;	/* no output: nothing to compare */
	c = f.cg * f.g;
	o = f.og * f.g;
	taps = f.kh * f.kw;
	xn = f.n * f.h * f.w * c;
	on = f.n * f.ho * f.wo * o;
	x = xcalloc(xn, sizeof(float));
	wt = xcalloc(o * taps * f.cg, sizeof(float));
	wk = xcalloc(o * taps * f.cg, sizeof(float));
	sc = xcalloc(o, sizeof(float));
	bi = xcalloc(o, sizeof(float));
	out = xcalloc(on + 1, sizeof(float));	/* +1: a canary past the end */
	xp = xcalloc(taps, sizeof(*xp));
	wp = xcalloc(taps, sizeof(*wp));
	for (size_t i = 0; i < xn; i++)
		x[i] = rnd_float(s);
	/* bit-plane weights: small integers, e.g. -1/+1 or a few bits' values */
	for (size_t i = 0; i < o * taps * f.cg; i++)
		wt[i] = (float)((long)rnd_range(s, 0, 30) - 15);
	for (size_t j = 0; j < o; j++) {
		int plain = rnd(s) % 4 == 0;

		sc[j] = plain ? 1.0f : rnd_float(s);
		bi[j] = plain ? 0.0f : rnd_float(s);
	}
	/* the table's layout: group x tap x input channel x output channel in the group */
	for (size_t oc = 0; oc < o; oc++)
		for (size_t tp = 0; tp < taps; tp++)
			for (size_t ci = 0; ci < f.cg; ci++)
				wk[(((oc / f.og) * taps + tp) * f.cg + ci) * f.og + oc % f.og] =
					wt[(oc * taps + tp) * f.cg + ci];
	out[on] = 12345.0f;
	for (size_t n = 0; n < f.n; n++)
		for (size_t oy = 0; oy < f.ho; oy++)
			for (size_t ox = 0, run; ox < f.wo; ox += run) {
				/* a run: the following columns whose taps in the image are the same */
				for (run = 1; ox + run < f.wo; run++) {
					size_t kx = 0;

					while (kx < f.kw && col_in(&f, ox, kx) == col_in(&f, ox + run, kx))
						kx++;
					if (kx < f.kw)
						break;
				}
				for (size_t grp = 0; grp < f.g; grp++) {
					size_t nt = 0;

					for (size_t ky = 0; ky < f.kh; ky++) {
						size_t y = oy * f.sh + ky * f.dh;

						if (y < f.pt || y - f.pt >= f.h)
							continue;
						for (size_t kx = 0; kx < f.kw; kx++) {
							if (!col_in(&f, ox, kx))
								continue;
							xp[nt] = x + ((n * f.h + y - f.pt) * f.w +
								      ox * f.sw + kx * f.dw - f.pl) * c +
								 grp * f.cg;
							wp[nt++] = wk + (grp * taps + ky * f.kw + kx) *
									f.cg * f.og;
						}
					}
					t->fconv(run, f.og, f.cg, nt, xp, f.sw * c, wp, sc + grp * f.og,
						 bi + grp * f.og,
						 out + ((n * f.ho + oy) * f.wo + ox) * o + grp * f.og, o);
				}
			}
	for (size_t n = 0; good && n < f.n; n++)
		for (size_t oy = 0; good && oy < f.ho; oy++)
			for (size_t ox = 0; good && ox < f.wo; ox++)
				for (size_t oc = 0; good && oc < o; oc++) {
					float want = ref_out(&f, x, wt, sc, bi, n, oy, ox, oc);
					float got = out[((n * f.ho + oy) * f.wo + ox) * o + oc];

					good = !memcmp(&want, &got, sizeof(float));
					if (!good)
						printf("# %s: n%zu h%zu w%zu g%zu cg%zu og%zu k%zux%zu s%zu,%zu d%zu,%zu pad %zu,%zu: (%zu,%zu,%zu,%zu) %a != %a\n",
						       t->name, f.n, f.h, f.w, f.g, f.cg, f.og, f.kh, f.kw,
						       f.sh, f.sw, f.dh, f.dw, f.pt, f.pl, n, oy, ox, oc,
						       (double)got, (double)want);
				}
	if (good && out[on] != 12345.0f) {
		printf("# %s: wrote past the output\n", t->name);
		good = 0;
	}
	free(x);
	free(wt);
	free(wk);
	free(sc);
	free(bi);
	free(out);
	free(xp);
	free(wp);
	return good;
}

int main(void)
{
	const char *const *names = qnn_kern_names();
	struct tap tp = { 0 };
	uint64_t seed = test_seed();
	size_t nt = 0;

	while (names[nt])
		nt++;
	printf("1..%zu\n", nt);
	printf("# seed 0x%llx (set QNN_TEST_SEED to vary)\n", (unsigned long long)seed);
	for (size_t i = 0; names[i]; i++) {
		const struct qnn_kern *t = qnn_kern_select(names[i]);
		uint64_t s = seed + i;
		int good = 1;

		if (!t) {
			tap_skip(&tp, "%s: CPU lacks the instructions", names[i]);
			continue;
		}
		for (int k = 0; good && k < CASES; k++)
			good = one_case(t, &s);
		tap_ok(&tp, good,
		       "%s: fconv == a double-sum conv from the definition, bit for bit (%d random geometries: odd channels, pad, stride, dilation, groups)",
		       names[i], CASES);
	}
	return tp.failed ? 1 : 0;
}
