// SPDX-License-Identifier: MIT
/*
 * Every op on packed tensors of every awkward width: C in {1, 63, 64, 65,
 * 128} (under a word, one short, exactly one and two words, one over) and
 * B in {1, 2, 3, 8} planes, in every encoding a width allows, batch 2. Each
 * result is checked against a reference computed here on unpacked int
 * arrays from the definitions of docs/layout.md and docs/model-format.md;
 * packing uses the test's own packer (qnn_test.h), never the library's
 * layout code. Output tails must come back zero.
 */
#include <errno.h>
#include <math.h>

#include "qnn_test.h"

static struct qnn_ctx *ctx;

static const uint32_t Cs[] = { 1, 63, 64, 65, 128 };
static const unsigned int Bs[] = { 1, 2, 3, 8 };
#define NC (sizeof(Cs) / sizeof(Cs[0]))
#define NB (sizeof(Bs) / sizeof(Bs[0]))
#define BATCH 2

/* the encodings a B-plane tensor may have */
static int encs_of(unsigned int bits, enum qnn_encoding *e)
{
	if (bits == 1) {
		e[0] = QNN_ENC_BIPOLAR;
		e[1] = QNN_ENC_UNSIGNED;
		return 2;
	}
	e[0] = QNN_ENC_UNSIGNED;
	e[1] = QNN_ENC_SIGNED;
	e[2] = QNN_ENC_BIPOLAR_BRANCHES;
	return 3;
}

static const char *enc_name(enum qnn_encoding e)
{
	static const char *const n[] = { "none", "bipolar", "unsigned", "signed", "branches" };

	return (unsigned int)e < 5 ? n[e] : "?";
}

/* value of an all-zero-bits element: what a padded tap reads */
static int32_t zero_bits_value(enum qnn_encoding enc, unsigned int bits)
{
	return t_value(0, enc, bits);
}

static size_t bytes_of(const struct qnn_tensor_desc *d)
{
	return qnn_tensor_bytes(d);
}

/* one-layer model in w; runs batch BATCH; returns the run's result */
static int run1(struct qnn_writer *w, const struct qnn_tensor_desc *in, int nin,
		const struct qnn_tensor_desc *od, struct qnn_layer_desc *ld,
		const void *const *ins, void *out)
{
	struct qnn_model *m = NULL;
	void *buf = NULL, *outs[1] = { out };
	size_t size;
	int oid, ret;

	for (int i = 0; i < nin; i++) {
		ld->inputs[i] = qnn_writer_add_tensor(w, &in[i]);
		qnn_writer_add_input(w, ld->inputs[i]);
	}
	oid = qnn_writer_add_tensor(w, od);
	ld->output = oid;
	ld->sz = sizeof(*ld);
	qnn_writer_add_layer(w, ld);
	qnn_writer_add_output(w, oid);
	ret = qnn_writer_write_mem(w, &buf, &size);
	if (ret) {
		printf("# writer: %s\n", qnn_writer_errmsg(w));
		goto out;
	}
	ret = qnn_model_load_mem(ctx, buf, size, NULL, &m);
	if (ret) {
		printf("# load: %s\n", qnn_ctx_errmsg(ctx));
		goto out;
	}
	ret = qnn_run_batch(m, BATCH, ins, outs, NULL);
	if (ret)
		printf("# run: %s\n", qnn_ctx_errmsg(ctx));
out:
	qnn_model_free(m);
	qnn_writer_free(w);
	free(buf);
	return ret;
}

static struct qnn_writer *wnew(void)
{
	struct qnn_writer *w = NULL;

	qnn_writer_create(&w);
	return w;
}

/* random values of an encoding, packed by the test's packer */
static int32_t *rnd_bits_tensor(uint64_t *s, size_t pixels, uint32_t c, enum qnn_encoding enc,
				unsigned int bits, uint64_t **packed)
{
	int32_t *v = xcalloc(pixels * c, sizeof(int32_t));

	for (size_t i = 0; i < pixels * c; i++)
		v[i] = rnd_val(s, enc, bits);
	*packed = xcalloc(pixels * bits * ((c + 63) / 64), sizeof(uint64_t));
	t_pack(v, pixels, c, enc, bits, *packed);
	return v;
}

/* packed output -> values; -1 (and a note) if a tail bit is set */
static int unpack_out(const uint64_t *out, size_t pixels, uint32_t c, enum qnn_encoding enc,
		      unsigned int bits, int32_t *v)
{
	unsigned int *codes = xcalloc(pixels * c, sizeof(unsigned int));
	int ret = t_unpack_codes(out, pixels, c, bits, codes);

	if (ret)
		printf("# output tail bits set\n");
	for (size_t i = 0; !ret && i < pixels * c; i++)
		v[i] = t_value(codes[i], enc, bits);
	free(codes);
	return ret;
}

/* ---- conv2d / dense ---- */

struct geo {
	uint32_t h, w, c, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, g, o, ho, wo;
};

static uint32_t out_dim(uint32_t in, uint32_t p0, uint32_t p1, uint32_t k, uint32_t d, uint32_t s)
{
	return (in + p0 + p1 - d * (k - 1) - 1) / s + 1;
}

/*
 * acc[n][oy][ox][o] = sum over the window and the group's channels of
 * x * w; a tap outside the input reads padv.
 */
static void ref_conv(const struct geo *g, const int32_t *x, int32_t padv, const int32_t *wv,
		     int64_t *acc)
{
	uint32_t cg = g->c / g->g, og = g->o / g->g;

	for (uint32_t n = 0; n < BATCH; n++)
		for (uint32_t oy = 0; oy < g->ho; oy++)
			for (uint32_t ox = 0; ox < g->wo; ox++)
				for (uint32_t o = 0; o < g->o; o++) {
					int64_t s = 0;
					uint32_t grp = o / og;

					for (uint32_t ky = 0; ky < g->kh; ky++)
						for (uint32_t kx = 0; kx < g->kw; kx++) {
							long y = (long)(oy * g->sh + ky * g->dh) - g->pt;
							long xx = (long)(ox * g->sw + kx * g->dw) - g->pl;
							int in = y >= 0 && xx >= 0 && y < g->h && xx < g->w;

							for (uint32_t c = 0; c < cg; c++) {
								int32_t a = in ? x[(((size_t)n * g->h + y) * g->w + xx) * g->c +
										   grp * cg + c] : padv;

								s += (int64_t)a * wv[(((size_t)o * g->kh + ky) * g->kw + kx) * cg + c];
							}
						}
					acc[(((size_t)n * g->ho + oy) * g->wo + ox) * g->o + o] = s;
				}
}

static uint32_t rnd_divisor(uint64_t *s, uint32_t c)
{
	uint32_t d[8], nd = 0;

	for (uint32_t k = 1; k <= c && nd < 8; k++)
		if (c % k == 0 && (k <= 5 || k == c))
			d[nd++] = k;
	return d[rnd(s) % nd];
}

static void rnd_geo(uint64_t *s, struct geo *g, uint32_t c, int dense)
{
	memset(g, 0, sizeof(*g));
	g->c = c;
	if (dense) {
		g->h = (uint32_t)rndi(s, 1, 2);
		g->w = (uint32_t)rndi(s, 1, 2);
		g->kh = g->h;
		g->kw = g->w;
		g->sh = g->sw = g->dh = g->dw = g->g = 1;
	} else {
		g->h = (uint32_t)rndi(s, 2, 5);
		g->w = (uint32_t)rndi(s, 2, 5);
		g->kh = (uint32_t)rndi(s, 1, 3);
		g->kw = (uint32_t)rndi(s, 1, 3);
		g->sh = (uint32_t)rndi(s, 1, 2);
		g->sw = (uint32_t)rndi(s, 1, 2);
		g->dh = (uint32_t)rndi(s, 1, 2);
		g->dw = 1;
		g->pt = (uint32_t)rndi(s, 0, 1);
		g->pl = (uint32_t)rndi(s, 0, 1);
		g->pb = (uint32_t)rndi(s, 0, 1);
		g->pr = (uint32_t)rndi(s, 0, 1);
		while (g->h + g->pt + g->pb < g->dh * (g->kh - 1) + 1)
			g->pb++;
		while (g->w + g->pl + g->pr < g->dw * (g->kw - 1) + 1)
			g->pr++;
		g->g = rnd_divisor(s, c);
	}
	g->o = g->g * (uint32_t)rndi(s, 1, 3);
	g->ho = out_dim(g->h, g->pt, g->pb, g->kh, g->dh, g->sh);
	g->wo = out_dim(g->w, g->pl, g->pr, g->kw, g->dw, g->sw);
}

/*
 * thresholds (1 x 1 x O x T) for a B-bit output: T ascending values taken
 * from the accumulators themselves, so every code occurs and ties are hit
 */
static int32_t *rnd_thresholds(uint64_t *s, const int64_t *acc, size_t nacc, uint32_t o,
			       unsigned int ob)
{
	uint32_t nt = (1u << ob) - 1;
	int32_t *th = xcalloc((size_t)o * nt, sizeof(int32_t));

	for (uint32_t ch = 0; ch < o; ch++) {
		for (uint32_t k = 0; k < nt; k++)
			th[ch * nt + k] = (int32_t)acc[(rnd(s) % (nacc / o)) * o + ch] + rndi(s, -1, 1);
		for (uint32_t i = 1; i < nt; i++)	/* insertion sort */
			for (uint32_t j = i; j > 0 && th[ch * nt + j - 1] > th[ch * nt + j]; j--) {
				int32_t t = th[ch * nt + j];

				th[ch * nt + j] = th[ch * nt + j - 1];
				th[ch * nt + j - 1] = t;
			}
	}
	return th;
}

static unsigned int ref_threshold(const int32_t *th, unsigned int nt, int neg, int64_t acc)
{
	unsigned int n = 0;

	for (unsigned int k = 0; k < nt; k++)
		n += neg ? acc <= th[k] : acc >= th[k];
	return n;
}

enum xkind { X_BITS, X_U8, X_I8, X_F32 };

/*
 * One conv (or dense) case: input of kind xk (BITS: enc/bits), weights
 * wenc/wbits; output I32 (raw sums) or, with ob > 0, thresholded to ob
 * UNSIGNED planes (BIPOLAR when obip), or F32 for an F32 input.
 */
static int conv_case(uint64_t *s, uint32_t c, enum xkind xk, enum qnn_encoding enc,
		     unsigned int bits, enum qnn_encoding wenc, unsigned int wbits,
		     int dense, unsigned int ob, int obip, uint32_t oc_want)
{
	struct geo g;
	struct qnn_writer *w = wnew();
	struct qnn_tensor_desc xd, od, wd;
	struct qnn_layer_desc ld = { .op = dense ? QNN_OP_DENSE : QNN_OP_CONV2D };
	size_t xpix, opix, nw;
	int32_t *x, *wv, padv = 0, *th = NULL;
	uint64_t *wp, *xbits;
	void *xin;
	int64_t *acc;
	void *out;
	int good = 1, zero_pad = 0;

	rnd_geo(s, &g, c, dense);
	if (ob) {	/* thresholded outputs: all of one group, O from the width list */
		g.g = 1;
		g.o = oc_want;
	}
	xpix = (size_t)BATCH * g.h * g.w;
	opix = (size_t)BATCH * g.ho * g.wo;
	x = xcalloc(xpix * c, sizeof(int32_t));
	switch (xk) {
	case X_BITS:
		free(x);
		x = rnd_bits_tensor(s, xpix, c, enc, bits, &xbits);
		xin = xbits;
		xd = tdesc("x", QNN_DT_BITS, enc, bits, 1, g.h, g.w, c);
		padv = zero_bits_value(enc, bits);
		if ((enc == QNN_ENC_BIPOLAR || enc == QNN_ENC_BIPOLAR_BRANCHES) && rnd(s) % 2) {
			zero_pad = 1;
			padv = 0;
		}
		break;
	case X_U8:
	case X_I8:
		xin = xcalloc(xpix * c, 1);
		for (size_t i = 0; i < xpix * c; i++) {
			x[i] = xk == X_U8 ? rndi(s, 0, 255) : rndi(s, -128, 127);
			((uint8_t *)xin)[i] = (uint8_t)x[i];
		}
		xd = tdesc("x", xk == X_U8 ? QNN_DT_U8 : QNN_DT_I8, 0, 0, 1, g.h, g.w, c);
		break;
	default:
		xin = xcalloc(xpix * c, sizeof(float));
		for (size_t i = 0; i < xpix * c; i++) {
			x[i] = rndi(s, -20, 20);
			((float *)xin)[i] = (float)x[i];
		}
		xd = tdesc("x", QNN_DT_F32, 0, 0, 1, g.h, g.w, c);
		break;
	}
	nw = (size_t)g.o * g.kh * g.kw;
	wv = rnd_bits_tensor(s, nw, c / g.g, wenc, wbits, &wp);
	wd = tdesc("w", QNN_DT_BITS, wenc, wbits, g.o, g.kh, g.kw, c / g.g);
	ld.weights = qnn_writer_add_const(w, &wd, wp, bytes_of(&wd));
	if (!dense) {
		ld.kernel[0] = g.kh;
		ld.kernel[1] = g.kw;
		ld.stride[0] = g.sh;
		ld.stride[1] = g.sw;
		ld.dilation[0] = g.dh;
		ld.dilation[1] = g.dw;
		ld.pad[0] = g.pt;
		ld.pad[1] = g.pl;
		ld.pad[2] = g.pb;
		ld.pad[3] = g.pr;
		ld.groups = g.g;
		ld.flags = zero_pad ? QNN_LAYER_ZERO_PAD : 0;
	}
	acc = xcalloc(opix * g.o, sizeof(int64_t));
	ref_conv(&g, x, padv, wv, acc);
	if (xk == X_F32) {
		od = tdesc("y", QNN_DT_F32, 0, 0, 1, g.ho, g.wo, g.o);
	} else if (ob) {
		struct qnn_tensor_desc td;
		uint8_t *neg = xcalloc(g.o, 1);

		od = tdesc("y", QNN_DT_BITS, obip ? QNN_ENC_BIPOLAR : QNN_ENC_UNSIGNED, ob, 1, g.ho, g.wo, g.o);
		th = rnd_thresholds(s, acc, opix * g.o, g.o, ob);
		td = tdesc("t", QNN_DT_I32, 0, 0, 1, 1, g.o, (1u << ob) - 1);
		ld.thresholds = qnn_writer_add_const(w, &td, th, bytes_of(&td));
		for (uint32_t o = 0; o < g.o; o++)
			neg[o] = (uint8_t)(rnd(s) % 4 == 0);
		ld.negate = add_const(w, "n", QNN_DT_U8, 1, 1, g.o, neg);
		/* the reference output: codes (or ±1) from the exact sums */
		for (size_t i = 0; i < opix * g.o; i++) {
			uint32_t o = (uint32_t)(i % g.o);
			unsigned int code = ref_threshold(th + (size_t)o * ((1u << ob) - 1),
							  (1u << ob) - 1, neg[o], acc[i]);

			/* BIPOLAR: threshold reached -> +1 */
			acc[i] = obip ? (code ? 1 : -1) : (int64_t)code;
		}
		free(neg);
	} else {
		od = tdesc("y", QNN_DT_I32, 0, 0, 1, g.ho, g.wo, g.o);
	}
	out = xcalloc(1, bytes_of(&od) * BATCH);
	{
		const void *ins[1] = { xin };

		if (run1(w, &xd, 1, &od, &ld, ins, out))
			good = 0;
	}
	if (good && od.dtype == QNN_DT_BITS) {
		int32_t *v = xcalloc(opix * g.o, sizeof(int32_t));

		good = !unpack_out(out, opix, g.o, od.encoding, ob, v);
		for (size_t i = 0; good && i < opix * g.o; i++)
			if (v[i] != acc[i]) {
				printf("# element %zu: got %d want %lld\n", i, v[i], (long long)acc[i]);
				good = 0;
			}
		free(v);
	} else if (good) {
		for (size_t i = 0; good && i < opix * g.o; i++) {
			double got = od.dtype == QNN_DT_I32 ? ((int32_t *)out)[i] : ((float *)out)[i];

			if (got != (double)acc[i]) {
				printf("# element %zu: got %.0f want %lld\n", i, got, (long long)acc[i]);
				good = 0;
			}
		}
	}
	if (!good)
		printf("# C %u %ux%u k %ux%u s %u,%u d %u pad %u%u%u%u g %u o %u x %d %s%u w %s%u zp %d ob %u\n",
		       c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.dh, g.pt, g.pl, g.pb, g.pr, g.g, g.o, xk,
		       enc_name(enc), bits, enc_name(wenc), wbits, zero_pad, ob);
	free(x);
	free(xin);
	free(wv);
	free(wp);
	free(acc);
	free(th);
	free(out);
	return good;
}

static void test_conv(uint64_t *s, int dense)
{
	for (size_t bi = 0; bi < NB; bi++) {
		enum qnn_encoding e[3], we[3];
		int ne = encs_of(Bs[bi], e), good = 1;

		for (size_t ci = 0; ci < NC; ci++)
			for (int k = 0; k < ne; k++)
				for (size_t wi = 0; wi < NB; wi++) {
					int nwe = encs_of(Bs[wi], we);

					for (int j = 0; j < nwe; j++)
						good &= conv_case(s, Cs[ci], X_BITS, e[k], Bs[bi], we[j], Bs[wi],
								  dense, 0, 0, 0);
				}
		ok(good, "%s: %u-bit input, every encoding pair and weight width, C 1/63/64/65/128, I32 sums",
		   dense ? "dense" : "conv2d", Bs[bi]);
	}
	for (size_t bi = 0; bi < NB; bi++) {
		enum qnn_encoding e[3];
		int ne = encs_of(Bs[bi], e), good = 1;

		/* thresholded B-bit outputs of every width, from B-bit inputs */
		for (size_t ci = 0; ci < NC; ci++)
			for (int k = 0; k < ne; k++)
				for (size_t oi = 0; oi < NC; oi++)
					good &= conv_case(s, Cs[ci], X_BITS, e[k], Bs[bi], QNN_ENC_BIPOLAR, 1,
							  dense, Bs[bi], Bs[bi] == 1 && k == 0, Cs[oi]);
		ok(good, "%s: %u-bit thresholded output, O 1/63/64/65/128 (output packing, tails zero)",
		   dense ? "dense" : "conv2d", Bs[bi]);
	}
	{
		int good = 1;

		for (size_t ci = 0; ci < NC; ci++)
			for (size_t wi = 0; wi < NB; wi++) {
				enum qnn_encoding we[3];
				int nwe = encs_of(Bs[wi], we);

				for (int j = 0; j < nwe; j++) {
					good &= conv_case(s, Cs[ci], X_U8, 0, 8, we[j], Bs[wi], dense, 0, 0, 0);
					good &= conv_case(s, Cs[ci], X_I8, 0, 8, we[j], Bs[wi], dense, 0, 0, 0);
					good &= conv_case(s, Cs[ci], X_F32, 0, 0, we[j], Bs[wi], dense, 0, 0, 0);
				}
			}
		ok(good, "%s: U8, I8 (8 packed planes) and F32 inputs, every weight width, C 1/63/64/65/128",
		   dense ? "dense" : "conv2d");
	}
}

/* ---- pools ---- */

static void test_pools(uint64_t *s)
{
	for (size_t bi = 0; bi < NB; bi++) {
		enum qnn_encoding e[3];
		int ne = encs_of(Bs[bi], e), good_max = 1, good_avg = 1, good_glob = 1;
		unsigned int bits = Bs[bi];

		for (size_t ci = 0; ci < NC; ci++)
			for (int k = 0; k < ne; k++) {
				uint32_t c = Cs[ci], h = (uint32_t)rndi(s, 2, 5), wd = (uint32_t)rndi(s, 2, 5);
				uint32_t kh = (uint32_t)rndi(s, 1, 3), kw = (uint32_t)rndi(s, 1, 3);
				uint32_t st = (uint32_t)rndi(s, 1, 2), pt = (uint32_t)rndi(s, 0, (int)kh - 1);
				uint32_t pl = (uint32_t)rndi(s, 0, (int)kw - 1);
				uint32_t ho, wo;
				size_t xpix = (size_t)BATCH * h * wd, opix;
				uint64_t *xp;
				int32_t *x = rnd_bits_tensor(s, xpix, c, e[k], bits, &xp);
				const void *ins[1] = { xp };
				struct qnn_tensor_desc xd = tdesc("x", QNN_DT_BITS, e[k], bits, 1, h, wd, c);

				if (h + 2 * pt < kh)
					pt = 0, kh = 1;
				if (wd + 2 * pl < kw)
					pl = 0, kw = 1;
				ho = (h + 2 * pt - kh) / st + 1;
				wo = (wd + 2 * pl - kw) / st + 1;
				opix = (size_t)BATCH * ho * wo;
				for (int kind = 0; kind < 4; kind++) {
					/* 0 max, 1 avg -> I32, 2 avg -> F32, 3 global -> I32 */
					struct qnn_layer_desc ld = { .op = kind == 0 ? QNN_OP_MAXPOOL :
								     kind == 3 ? QNN_OP_GLOBAL_AVGPOOL : QNN_OP_AVGPOOL };
					uint32_t oh = kind == 3 ? 1 : ho, ow = kind == 3 ? 1 : wo;
					size_t op = kind == 3 ? BATCH : opix;
					struct qnn_tensor_desc od = kind == 0 ?
						tdesc("y", QNN_DT_BITS, e[k], bits, 1, oh, ow, c) :
						tdesc("y", kind == 2 ? QNN_DT_F32 : QNN_DT_I32, 0, 0, 1, oh, ow, c);
					void *out = xcalloc(1, bytes_of(&od) * BATCH);
					int32_t *vals = xcalloc(op * c, sizeof(int32_t));
					int good;

					if (kind != 3) {
						ld.kernel[0] = kh;
						ld.kernel[1] = kw;
						ld.stride[0] = ld.stride[1] = st;
						ld.pad[0] = ld.pad[2] = pt;
						ld.pad[1] = ld.pad[3] = pl;
					}
					good = !run1(wnew(), &xd, 1, &od, &ld, ins, out);
					if (good && kind == 0)
						good = !unpack_out(out, op, c, e[k], bits, vals);
					for (uint32_t n = 0; good && n < BATCH; n++)
						for (uint32_t oy = 0; good && oy < oh; oy++)
							for (uint32_t ox = 0; good && ox < ow; ox++)
								for (uint32_t ch = 0; good && ch < c; ch++) {
									int64_t best = INT64_MIN, sum = 0;
									uint32_t wkh = kind == 3 ? h : kh, wkw = kind == 3 ? wd : kw;
									size_t o = (((size_t)n * oh + oy) * ow + ox) * c + ch;

									for (uint32_t ky = 0; ky < wkh; ky++)
										for (uint32_t kx = 0; kx < wkw; kx++) {
											long y = kind == 3 ? (long)ky : (long)(oy * st + ky) - pt;
											long xx = kind == 3 ? (long)kx : (long)(ox * st + kx) - pl;
											int32_t v;

											if (y < 0 || xx < 0 || y >= h || xx >= wd)
												continue;	/* max: never; avg: 0 */
											v = x[(((size_t)n * h + y) * wd + xx) * c + ch];
											sum += v;
											if (v > best)
												best = v;
										}
									if (kind == 0)
										good = vals[o] == best;
									else if (kind == 2)
										good = fabs(((float *)out)[o] - (double)sum / (wkh * wkw)) <=
										       1e-6 * (1 + fabs((double)sum));
									else
										good = ((int32_t *)out)[o] == sum;
									if (!good)
										printf("# pool %d C %u %s%u: element %zu wrong\n",
										       kind, c, enc_name(e[k]), bits, o);
								}
					if (kind == 0)
						good_max &= good;
					else if (kind == 3)
						good_glob &= good;
					else
						good_avg &= good;
					free(out);
					free(vals);
				}
				free(x);
				free(xp);
			}
		ok(good_max, "maxpool: %u-bit, every encoding, C 1/63/64/65/128", bits);
		ok(good_avg, "avgpool -> I32 sums and F32 means: %u-bit, every encoding, C 1/63/64/65/128", bits);
		ok(good_glob, "global avgpool -> I32: %u-bit, every encoding, C 1/63/64/65/128", bits);
	}
}

/* ---- add, dequant, flatten ---- */

static void test_elementwise(uint64_t *s)
{
	for (size_t bi = 0; bi < NB; bi++) {
		enum qnn_encoding e[3], e2[3];
		int ne = encs_of(Bs[bi], e), good_add = 1, good_dq = 1, good_lv = 1, good_fl = 1;
		unsigned int bits = Bs[bi];

		for (size_t ci = 0; ci < NC; ci++)
			for (int k = 0; k < ne; k++) {
				uint32_t c = Cs[ci], h = (uint32_t)rndi(s, 1, 3), wd = (uint32_t)rndi(s, 1, 3);
				size_t pix = (size_t)BATCH * h * wd, per = (size_t)h * wd * c;
				unsigned int bits2 = Bs[(bi + ci + 1) % NB];
				int ne2 = encs_of(bits2, e2);
				enum qnn_encoding enc2 = e2[(size_t)k % ne2];
				uint64_t *xp, *yp;
				int32_t *x = rnd_bits_tensor(s, pix, c, e[k], bits, &xp);
				int32_t *y = rnd_bits_tensor(s, pix, c, enc2, bits2, &yp);
				struct qnn_tensor_desc xd = tdesc("x", QNN_DT_BITS, e[k], bits, 1, h, wd, c);
				int32_t *got = xcalloc(pix * c, sizeof(int32_t));
				float *gotf = xcalloc(pix * c, sizeof(float));

				{	/* ADD of two packed tensors of different widths -> I32 */
					struct qnn_tensor_desc in[2] = {
						xd, tdesc("y", QNN_DT_BITS, enc2, bits2, 1, h, wd, c) };
					struct qnn_tensor_desc od = tdesc("z", QNN_DT_I32, 0, 0, 1, h, wd, c);
					struct qnn_layer_desc ld = { .op = QNN_OP_ADD };
					const void *ins[2] = { xp, yp };
					int good = !run1(wnew(), in, 2, &od, &ld, ins, got);

					for (size_t i = 0; good && i < pix * c; i++)
						good = got[i] == x[i] + y[i];
					if (!good)
						printf("# add C %u %s%u + %s%u wrong\n", c, enc_name(e[k]), bits,
						       enc_name(enc2), bits2);
					good_add &= good;
				}
				{	/* DEQUANT with a per-channel scale and bias */
					struct qnn_writer *w = wnew();
					struct qnn_tensor_desc od = tdesc("z", QNN_DT_F32, 0, 0, 1, h, wd, c);
					struct qnn_layer_desc ld = { .op = QNN_OP_DEQUANT };
					float *sc = xcalloc(c, sizeof(float)), *bi2 = xcalloc(c, sizeof(float));
					const void *ins[1] = { xp };
					int good;

					for (uint32_t ch = 0; ch < c; ch++) {
						sc[ch] = ldexpf(1, rndi(s, -3, 3));
						bi2[ch] = (float)rndi(s, -9, 9);
					}
					ld.scale = add_const(w, "s", QNN_DT_F32, 1, 1, c, sc);
					ld.bias = add_const(w, "b", QNN_DT_F32, 1, 1, c, bi2);
					good = !run1(w, &xd, 1, &od, &ld, ins, gotf);
					for (size_t i = 0; good && i < pix * c; i++)
						good = gotf[i] == (float)x[i] * sc[i % c] + bi2[i % c];
					if (!good)
						printf("# dequant C %u %s%u wrong\n", c, enc_name(e[k]), bits);
					good_dq &= good;
					free(sc);
					free(bi2);
				}
				{	/* DEQUANT through levels[c][code] */
					struct qnn_writer *w = wnew();
					struct qnn_tensor_desc od = tdesc("z", QNN_DT_F32, 0, 0, 1, h, wd, c);
					struct qnn_layer_desc ld = { .op = QNN_OP_DEQUANT };
					uint32_t nl = 1u << bits;
					float *lv = xcalloc((size_t)c * nl, sizeof(float));
					const void *ins[1] = { xp };
					int good;

					for (size_t i = 0; i < (size_t)c * nl; i++)
						lv[i] = (float)rndi(s, -100000, 100000) / 64;
					ld.levels = add_const(w, "l", QNN_DT_F32, 1, c, nl, lv);
					good = !run1(w, &xd, 1, &od, &ld, ins, gotf);
					for (size_t i = 0; good && i < pix * c; i++)
						good = gotf[i] == lv[(i % c) * nl + t_code(x[i], e[k], bits)];
					if (!good)
						printf("# dequant levels C %u %s%u wrong\n", c, enc_name(e[k]), bits);
					good_lv &= good;
					free(lv);
				}
				{	/* FLATTEN: element (h, w, c) -> channel (h * W + w) * C + c */
					struct qnn_tensor_desc od = tdesc("z", QNN_DT_BITS, e[k], bits, 1, 1, 1,
									  (uint32_t)per);
					struct qnn_layer_desc ld = { .op = QNN_OP_FLATTEN };
					uint64_t *out = xcalloc(1, bytes_of(&od) * BATCH);
					const void *ins[1] = { xp };
					int good = !run1(wnew(), &xd, 1, &od, &ld, ins, out) &&
						   !unpack_out(out, BATCH, (uint32_t)per, e[k], bits, got);
					size_t wrong = 0;

					for (size_t i = 0; good && i < pix * c; i++)
						wrong += got[i] != x[i];
					if (good && wrong)
						printf("# flatten %ux%ux%u %s%u: %zu of %zu values wrong\n", h, wd, c,
						       enc_name(e[k]), bits, wrong, pix * c);
					good_fl &= good && !wrong;
					free(out);
				}
				free(x);
				free(y);
				free(xp);
				free(yp);
				free(got);
				free(gotf);
			}
		ok(good_add, "add: %u-bit + other widths -> I32, every encoding, C 1/63/64/65/128", bits);
		ok(good_dq, "dequant scale/bias: %u-bit, every encoding, C 1/63/64/65/128", bits);
		ok(good_lv, "dequant levels (raw codes): %u-bit, every encoding, C 1/63/64/65/128", bits);
		ok(good_fl, "flatten: %u-bit, every encoding, C 1/63/64/65/128", bits);
	}
}

/* the flatten case of issue 12: 2x2x64 at 2 bits */
static void test_flatten_2x2x64(uint64_t *s)
{
	struct qnn_tensor_desc xd = tdesc("x", QNN_DT_BITS, QNN_ENC_UNSIGNED, 2, 1, 2, 2, 64);
	struct qnn_tensor_desc od = tdesc("y", QNN_DT_BITS, QNN_ENC_UNSIGNED, 2, 1, 1, 1, 256);
	struct qnn_layer_desc ld = { .op = QNN_OP_FLATTEN };
	uint64_t *xp, *out = xcalloc(BATCH, bytes_of(&od));
	int32_t *x = rnd_bits_tensor(s, BATCH * 4, 64, QNN_ENC_UNSIGNED, 2, &xp);
	int32_t got[BATCH * 256];
	const void *ins[1] = { xp };
	int wrong = 0, good = !run1(wnew(), &xd, 1, &od, &ld, ins, out) &&
			      !unpack_out(out, BATCH, 256, QNN_ENC_UNSIGNED, 2, got);

	for (int i = 0; good && i < BATCH * 256; i++)
		wrong += got[i] != x[i];
	ok(good && !wrong, "flatten 2x2x64 unsigned 2-bit: %d of %d values wrong", wrong, BATCH * 256);
	free(x);
	free(xp);
	free(out);
}

/* ---- threshold, top-k, quantize ---- */

static void test_threshold(uint64_t *s)
{
	for (size_t bi = 0; bi < NB; bi++) {
		unsigned int bits = Bs[bi], nt = (1u << bits) - 1;
		int good = 1;

		for (size_t ci = 0; ci < NC; ci++)
			for (int bip = 0; bip < (bits == 1 ? 2 : 1); bip++) {
				uint32_t c = Cs[ci], h = (uint32_t)rndi(s, 1, 3), wd = (uint32_t)rndi(s, 1, 3);
				size_t pix = (size_t)BATCH * h * wd;
				struct qnn_writer *w = wnew();
				enum qnn_encoding oe = bip ? QNN_ENC_BIPOLAR : QNN_ENC_UNSIGNED;
				struct qnn_tensor_desc xd = tdesc("x", QNN_DT_I32, 0, 0, 1, h, wd, c);
				struct qnn_tensor_desc od = tdesc("y", QNN_DT_BITS, oe, bits, 1, h, wd, c);
				struct qnn_tensor_desc td = tdesc("t", QNN_DT_I32, 0, 0, 1, 1, c, nt);
				struct qnn_layer_desc ld = { .op = QNN_OP_THRESHOLD };
				int32_t *x = xcalloc(pix * c, sizeof(int32_t)), *got = xcalloc(pix * c, sizeof(int32_t));
				int64_t *x64 = xcalloc(pix * c, sizeof(int64_t));
				uint8_t *neg = xcalloc(c, 1);
				uint64_t *out = xcalloc(BATCH, bytes_of(&od));
				const void *ins[1] = { x };
				int32_t *th;

				for (size_t i = 0; i < pix * c; i++)
					x64[i] = x[i] = rndi(s, -300, 300);
				th = rnd_thresholds(s, x64, pix * c, c, bits);
				for (uint32_t ch = 0; ch < c; ch++)
					neg[ch] = (uint8_t)(rnd(s) % 3 == 0);
				ld.thresholds = qnn_writer_add_const(w, &td, th, bytes_of(&td));
				ld.negate = add_const(w, "n", QNN_DT_U8, 1, 1, c, neg);
				if (run1(w, &xd, 1, &od, &ld, ins, out) || unpack_out(out, pix, c, oe, bits, got))
					good = 0;
				for (size_t i = 0; good && i < pix * c; i++) {
					unsigned int code = ref_threshold(th + (i % c) * nt, nt, neg[i % c], x[i]);

					good = got[i] == (bip ? (code ? 1 : -1) : (int32_t)code);
				}
				if (!good)
					printf("# threshold C %u bits %u bip %d wrong\n", c, bits, bip);
				free(x);
				free(x64);
				free(got);
				free(neg);
				free(out);
				free(th);
			}
		ok(good, "threshold I32 -> %u-bit (unsigned%s), C 1/63/64/65/128", bits,
		   bits == 1 ? " and bipolar" : "");
	}
}

static void test_topk_quantize(uint64_t *s)
{
	int good_k = 1, good_q = 1;

	for (size_t ci = 0; ci < NC; ci++) {
		uint32_t c = Cs[ci], k = (uint32_t)rndi(s, 1, (int)c);
		struct qnn_tensor_desc xd = tdesc("x", QNN_DT_I32, 0, 0, 1, 1, 1, c);
		struct qnn_tensor_desc od = tdesc("y", QNN_DT_I32, 0, 0, 1, 1, 1, k);
		struct qnn_layer_desc ld = { .op = QNN_OP_TOPK, .k = k };
		int32_t *x = xcalloc(BATCH * c, sizeof(int32_t)), *got = xcalloc(BATCH * k, sizeof(int32_t));
		const void *ins[1] = { x };
		int good;

		for (size_t i = 0; i < BATCH * c; i++)
			x[i] = rndi(s, -5, 5);	/* many ties */
		good = !run1(wnew(), &xd, 1, &od, &ld, ins, got);
		for (uint32_t n = 0; good && n < BATCH; n++) {
			const int32_t *v = x + (size_t)n * c;

			/* i-th best: the (value desc, index asc) order, counted by rank */
			for (uint32_t j = 0; good && j < k; j++) {
				uint32_t idx = (uint32_t)got[n * k + j], rank = 0;

				if (idx >= c) {
					good = 0;
					break;
				}
				for (uint32_t q = 0; q < c; q++)
					rank += v[q] > v[idx] || (v[q] == v[idx] && q < idx);
				good = rank == j;
			}
		}
		good_k &= good;
		free(x);
		free(got);
	}
	ok(good_k, "top-k over C 1/63/64/65/128 with ties");
	for (size_t ci = 0; ci < NC; ci++) {
		uint32_t c = Cs[ci];
		struct qnn_writer *w = wnew();
		struct qnn_tensor_desc xd = tdesc("x", QNN_DT_F32, 0, 0, 1, 2, 1, c);
		struct qnn_tensor_desc od = tdesc("y", QNN_DT_U8, 0, 0, 1, 2, 1, c);
		struct qnn_layer_desc ld = { .op = QNN_OP_QUANTIZE };
		float *x = xcalloc(BATCH * 2 * c, sizeof(float)), *sc = xcalloc(c, sizeof(float));
		float *zp = xcalloc(c, sizeof(float));
		uint8_t *got = xcalloc(BATCH * 2, c);
		const void *ins[1] = { x };
		int good;

		for (uint32_t ch = 0; ch < c; ch++) {
			sc[ch] = ldexpf(1, rndi(s, -2, 2));
			zp[ch] = (float)rndi(s, 0, 20);
		}
		for (size_t i = 0; i < BATCH * 2 * c; i++)
			x[i] = (float)rndi(s, -400, 400) / 4;
		ld.scale = add_const(w, "s", QNN_DT_F32, 1, 1, c, sc);
		ld.bias = add_const(w, "z", QNN_DT_F32, 1, 1, c, zp);
		good = !run1(w, &xd, 1, &od, &ld, ins, got);
		for (size_t i = 0; good && i < BATCH * 2 * c; i++) {
			double q = nearbyint((double)x[i] / sc[i % c]) + zp[i % c];

			q = q < 0 ? 0 : q > 255 ? 255 : q;
			good = got[i] == (uint8_t)q;
		}
		good_q &= good;
		free(x);
		free(sc);
		free(zp);
		free(got);
	}
	ok(good_q, "quantize F32 -> U8 over C 1/63/64/65/128");
}

int main(void)
{
	uint64_t s = 1212;

	if (qnn_ctx_create(NULL, &ctx, NULL, 0)) {
		printf("Bail out! no context\n");
		return 1;
	}
	test_flatten_2x2x64(&s);
	test_conv(&s, 0);
	test_conv(&s, 1);
	test_pools(&s);
	test_elementwise(&s);
	test_threshold(&s);
	test_topk_quantize(&s);
	qnn_ctx_destroy(ctx);
	return done_testing();
}
