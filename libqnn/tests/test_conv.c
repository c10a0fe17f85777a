// SPDX-License-Identifier: MIT
/*
 * conv2d / dense against a plain integer (or double) reference written here:
 * unpacked values, explicit padding values, explicit output transforms.
 * Randomized: every input kind (BITS of each encoding 1..4 planes, U8, I8,
 * F32), every weight encoding, odd channel counts and tails, 1x1..7x7,
 * strides, asymmetric padding with and without ZERO_PAD, dilation, groups,
 * batch > 1, and the three output transforms (I32 shift/bias, thresholds to
 * BITS with negate, F32 scale/bias). Each case runs on every kernel table
 * this CPU has.
 */
#include <errno.h>
#include <math.h>

#include "qnn_test.h"

struct cfg {
	int in_kind;		/* 0 BITS, 1 U8, 2 I8, 3 F32 */
	enum qnn_encoding aenc, wenc;
	unsigned int abits, wbits;
	uint32_t n, h, w, c, o, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, g;
	int dense, zero_pad;
	int out_kind;		/* 0 I32, 1 BITS, 2 F32 */
	unsigned int obits;
	enum qnn_encoding oenc;
	int use_bias, use_shift, use_neg, f32_shift_scale;
};

static const uint32_t chans[] = { 1, 2, 3, 7, 63, 64, 65, 100, 128, 130 };

static void rnd_enc(uint64_t *s, enum qnn_encoding *e, unsigned int *b, unsigned int maxb)
{
	switch (rndi(s, 0, 3)) {
	case 0: *e = QNN_ENC_BIPOLAR; *b = 1; break;
	case 1: *e = QNN_ENC_UNSIGNED; *b = (unsigned int)rndi(s, 1, (int)maxb); break;
	case 2: *e = QNN_ENC_SIGNED; *b = (unsigned int)rndi(s, 2, (int)maxb); break;
	default: *e = QNN_ENC_BIPOLAR_BRANCHES; *b = (unsigned int)rndi(s, 1, (int)maxb); break;
	}
}

static uint32_t osz(uint32_t in, uint32_t p0, uint32_t p1, uint32_t k, uint32_t d, uint32_t s)
{
	int64_t span = (int64_t)d * (k - 1) + 1, avail = (int64_t)in + p0 + p1;

	return avail < span ? 0 : (uint32_t)((avail - span) / s + 1);
}

static void make_cfg(uint64_t *s, struct cfg *c, int idx)
{
	memset(c, 0, sizeof(*c));
	c->in_kind = idx % 7 == 5 ? 1 : idx % 7 == 6 ? 2 : idx % 11 == 10 ? 3 : 0;
	rnd_enc(s, &c->aenc, &c->abits, 4);
	rnd_enc(s, &c->wenc, &c->wbits, 4);
	c->n = (uint32_t)rndi(s, 1, 5);	/* >= 4: the image-parallel path */
	c->dense = rndi(s, 0, 5) == 0;
	c->g = 1;
	c->c = chans[rndi(s, 0, 9)];
	if (c->in_kind && c->c > 65)
		c->c = 3;
	c->o = rndi(s, 0, 1) ? (uint32_t)rndi(s, 1, 9) : chans[rndi(s, 0, 9)];
	c->h = (uint32_t)rndi(s, 1, 9);
	c->w = (uint32_t)rndi(s, 1, 9);
	if (c->dense) {
		c->kh = c->h;
		c->kw = c->w;
		c->sh = c->sw = c->dh = c->dw = 1;
	} else {
		static const uint32_t ks[] = { 1, 1, 2, 3, 3, 5, 7 };

		if (rndi(s, 0, 2) == 0) {
			uint32_t gs[] = { 2, 3, 5 };
			uint32_t g = gs[rndi(s, 0, 2)];

			c->g = g;
			c->c = g * (uint32_t)(rndi(s, 0, 1) ? rndi(s, 1, 5) : 64);
			if (c->in_kind)
				c->c = g;
			c->o = g * (uint32_t)rndi(s, 1, 4);
		}
		c->sh = (uint32_t)rndi(s, 1, 2);
		c->sw = (uint32_t)rndi(s, 1, 3);
		c->dh = (uint32_t)(rndi(s, 0, 3) ? 1 : 2);
		c->dw = (uint32_t)(rndi(s, 0, 3) ? 1 : 2);
		c->pt = (uint32_t)rndi(s, 0, 3);
		c->pb = (uint32_t)rndi(s, 0, 2);
		c->pl = (uint32_t)rndi(s, 0, 3);
		c->pr = (uint32_t)rndi(s, 0, 1);
		do {
			c->kh = ks[rndi(s, 0, 6)];
			c->kw = ks[rndi(s, 0, 6)];
		} while (!osz(c->h, c->pt, c->pb, c->kh, c->dh, c->sh) ||
			 !osz(c->w, c->pl, c->pr, c->kw, c->dw, c->sw));
		c->zero_pad = rndi(s, 0, 1);
	}
	c->out_kind = c->in_kind == 3 ? 2 : rndi(s, 0, 2);
	c->obits = (unsigned int)rndi(s, 1, 3);
	c->oenc = c->obits == 1 && rndi(s, 0, 1) ? QNN_ENC_BIPOLAR : QNN_ENC_UNSIGNED;
	c->use_bias = rndi(s, 0, 1);
	c->use_shift = rndi(s, 0, 1);
	c->use_neg = rndi(s, 0, 1);
	c->f32_shift_scale = rndi(s, 0, 1);
}

static int32_t pad_value(const struct cfg *c)
{
	/* docs/layout.md: padded taps are all-zero bits */
	if (c->in_kind || c->zero_pad)
		return 0;
	if (c->aenc == QNN_ENC_BIPOLAR)
		return 1;
	if (c->aenc == QNN_ENC_BIPOLAR_BRANCHES)
		return (1 << c->abits) - 1;
	return 0;
}

static int run_case(struct qnn_ctx *ctx, const struct cfg *c, uint64_t seed, const char *isa)
{
	uint64_t s = seed;
	uint32_t cg = c->c / c->g, og = c->o / c->g;
	uint32_t ho = osz(c->h, c->pt, c->pb, c->kh, c->dh, c->sh);
	uint32_t wo = osz(c->w, c->pl, c->pr, c->kw, c->dw, c->sw);
	size_t in_el = (size_t)c->n * c->h * c->w * c->c, w_el = (size_t)c->o * c->kh * c->kw * cg;
	size_t out_pix = (size_t)c->n * ho * wo;
	int32_t *xv = xcalloc(in_el, 4), *wv = xcalloc(w_el, 4);
	float *xf = xcalloc(in_el, 4);
	double *ref = xcalloc(out_pix * c->o, sizeof(double));
	int32_t *bias = xcalloc(c->o, 4), *th = NULL;
	int8_t *shift = xcalloc(c->o, 1);
	uint8_t *neg = xcalloc(c->o, 1);
	float *fs = xcalloc(c->o, 4), *fb = xcalloc(c->o, 4);
	struct qnn_writer *wr;
	struct qnn_model *m = NULL;
	struct qnn_tensor_desc xd, od;
	void *in = NULL, *out = NULL, *buf = NULL;
	size_t size, in_bytes, out_bytes;
	unsigned int nt = (1u << c->obits) - 1;
	int xid, oid, wid, good = 1, ret;
	struct qnn_layer_desc ld = { .sz = sizeof(ld), .name = "conv" };

	for (size_t i = 0; i < in_el; i++) {
		switch (c->in_kind) {
		case 0: xv[i] = rnd_val(&s, c->aenc, c->abits); break;
		case 1: xv[i] = rndi(&s, 0, 255); break;
		case 2: xv[i] = rndi(&s, -128, 127); break;
		default: xf[i] = (float)rndi(&s, -1000, 1000) / 64.0f; break;
		}
	}
	for (size_t i = 0; i < w_el; i++)
		wv[i] = rnd_val(&s, c->wenc, c->wbits);
	/* the reference convolution */
	for (uint32_t n = 0; n < c->n; n++)
		for (uint32_t oy = 0; oy < ho; oy++)
			for (uint32_t ox = 0; ox < wo; ox++)
				for (uint32_t oc = 0; oc < c->o; oc++) {
					uint32_t grp = oc / og;
					double acc = 0;

					for (uint32_t ky = 0; ky < c->kh; ky++)
						for (uint32_t kx = 0; kx < c->kw; kx++)
							for (uint32_t ci = 0; ci < cg; ci++) {
								long iy = (long)oy * c->sh + (long)ky * c->dh - c->pt;
								long ix = (long)ox * c->sw + (long)kx * c->dw - c->pl;
								double a;
								int32_t wgt = wv[(((size_t)oc * c->kh + ky) * c->kw + kx) * cg + ci];

								if (iy < 0 || ix < 0 || iy >= c->h || ix >= c->w) {
									a = pad_value(c);
								} else {
									size_t xi = (((size_t)n * c->h + iy) * c->w + ix) * c->c + grp * cg + ci;

									a = c->in_kind == 3 ? xf[xi] : xv[xi];
								}
								acc += a * wgt;
							}
					ref[((size_t)(n * ho + oy) * wo + ox) * c->o + oc] = acc;
				}
	qnn_writer_create(&wr);
	switch (c->in_kind) {
	case 0: xd = tdesc("x", QNN_DT_BITS, c->aenc, c->abits, 1, c->h, c->w, c->c); break;
	case 1: xd = tdesc("x", QNN_DT_U8, 0, 0, 1, c->h, c->w, c->c); break;
	case 2: xd = tdesc("x", QNN_DT_I8, 0, 0, 1, c->h, c->w, c->c); break;
	default: xd = tdesc("x", QNN_DT_F32, 0, 0, 1, c->h, c->w, c->c); break;
	}
	xid = qnn_writer_add_tensor(wr, &xd);
	od = c->out_kind == 0 ? tdesc("y", QNN_DT_I32, 0, 0, 1, ho, wo, c->o) :
	     c->out_kind == 1 ? tdesc("y", QNN_DT_BITS, c->oenc, c->obits, 1, ho, wo, c->o) :
	     tdesc("y", QNN_DT_F32, 0, 0, 1, ho, wo, c->o);
	oid = qnn_writer_add_tensor(wr, &od);
	wid = add_bits_const(wr, "w", wv, c->wenc, c->wbits, c->o, c->kh, c->kw, cg);
	ld.op = c->dense ? QNN_OP_DENSE : QNN_OP_CONV2D;
	ld.inputs[0] = xid;
	ld.output = oid;
	ld.weights = wid;
	if (!c->dense) {
		ld.stride[0] = c->sh;
		ld.stride[1] = c->sw;
		ld.pad[0] = c->pt;
		ld.pad[1] = c->pl;
		ld.pad[2] = c->pb;
		ld.pad[3] = c->pr;
		ld.dilation[0] = c->dh;
		ld.dilation[1] = c->dw;
		ld.groups = c->g;
		ld.flags = c->zero_pad ? QNN_LAYER_ZERO_PAD : 0;
	}
	for (uint32_t oc = 0; oc < c->o; oc++) {
		bias[oc] = rndi(&s, -50, 50);
		shift[oc] = (int8_t)rndi(&s, -3, 3);
		neg[oc] = (uint8_t)rndi(&s, 0, 1);
		fs[oc] = (float)rndi(&s, -100, 100) / 32.0f;
		fb[oc] = (float)rndi(&s, -100, 100) / 8.0f;
	}
	if (c->out_kind == 0) {
		if (c->use_bias)
			ld.bias = add_const(wr, "b", QNN_DT_I32, 1, 1, c->o, bias);
		if (c->use_shift)
			ld.scale = add_const(wr, "s", QNN_DT_I8, 1, 1, c->o, shift);
	} else if (c->out_kind == 1) {
		th = xcalloc((size_t)c->o * nt, 4);
		for (uint32_t oc = 0; oc < c->o; oc++) {
			/* thresholds drawn from the real accumulators: ties happen */
			for (unsigned int k = 0; k < nt; k++)
				th[oc * nt + k] = (int32_t)ref[(size_t)rndi(&s, 0, (int)out_pix - 1) * c->o + oc] +
						  rndi(&s, -1, 1);
			for (unsigned int a = 1; a < nt; a++)
				for (unsigned int b = a; b > 0 && th[oc * nt + b - 1] > th[oc * nt + b]; b--) {
					int32_t t = th[oc * nt + b];

					th[oc * nt + b] = th[oc * nt + b - 1];
					th[oc * nt + b - 1] = t;
				}
		}
		{
			struct qnn_tensor_desc td = tdesc("t", QNN_DT_I32, 0, 0, 1, 1, c->o, nt);

			ld.thresholds = qnn_writer_add_const(wr, &td, th, (size_t)c->o * nt * 4);
		}
		if (c->use_neg)
			ld.negate = add_const(wr, "neg", QNN_DT_U8, 1, 1, c->o, neg);
	} else {
		if (c->use_bias)
			ld.bias = add_const(wr, "b", QNN_DT_F32, 1, 1, c->o, fb);
		if (c->use_shift)
			ld.scale = c->f32_shift_scale ? add_const(wr, "s", QNN_DT_I8, 1, 1, c->o, shift) :
				   add_const(wr, "s", QNN_DT_F32, 1, 1, c->o, fs);
	}
	qnn_writer_add_layer(wr, &ld);
	qnn_writer_add_input(wr, xid);
	qnn_writer_add_output(wr, oid);
	ret = qnn_writer_write_mem(wr, &buf, &size);
	if (ret) {
		printf("# writer: %s\n", qnn_writer_errmsg(wr));
		good = 0;
		goto out;
	}
	ret = qnn_model_load_mem(ctx, buf, size, NULL, &m);
	if (ret) {
		printf("# load: %s\n", qnn_ctx_errmsg(ctx));
		good = 0;
		goto out;
	}
	in_bytes = qnn_tensor_bytes(&xd) * c->n;
	out_bytes = qnn_tensor_bytes(&od) * c->n;
	in = xcalloc(1, in_bytes);
	out = xcalloc(1, out_bytes);
	if (c->in_kind == 0)
		t_pack(xv, (size_t)c->n * c->h * c->w, c->c, c->aenc, c->abits, in);
	else if (c->in_kind == 3)
		memcpy(in, xf, in_bytes);
	else
		for (size_t i = 0; i < in_el; i++)
			((uint8_t *)in)[i] = (uint8_t)xv[i];
	{
		const void *ins[1] = { in };
		void *outs[1] = { out };

		ret = qnn_run_batch(m, c->n, ins, outs, NULL);
	}
	if (ret) {
		printf("# run: %s\n", qnn_ctx_errmsg(ctx));
		good = 0;
		goto out;
	}
	if (c->out_kind == 1) {
		unsigned int *codes = xcalloc(out_pix * c->o, sizeof(unsigned int));

		if (t_unpack_codes(out, out_pix, c->o, c->obits, codes)) {
			printf("# tail bits set in the output\n");
			good = 0;
		}
		for (size_t p = 0; good && p < out_pix; p++)
			for (uint32_t oc = 0; oc < c->o; oc++) {
				int64_t acc = (int64_t)ref[p * c->o + oc];
				unsigned int cnt = 0, want;
				int ng = c->use_neg && neg[oc];

				for (unsigned int k = 0; k < nt; k++)
					cnt += ng ? acc <= th[oc * nt + k] : acc >= th[oc * nt + k];
				/* BIPOLAR: +1 (bit 0) when the threshold is met */
				want = c->oenc == QNN_ENC_BIPOLAR ? !cnt : cnt;
				if (codes[p * c->o + oc] != want) {
					printf("# pixel %zu channel %u: code %u, want %u (acc %lld)\n", p, oc,
					       codes[p * c->o + oc], want, (long long)acc);
					good = 0;
					break;
				}
			}
		free(codes);
	} else {
		for (size_t p = 0; good && p < out_pix; p++)
			for (uint32_t oc = 0; oc < c->o; oc++) {
				double acc = ref[p * c->o + oc];

				if (c->out_kind == 0) {
					int64_t v = (int64_t)acc + (c->use_bias ? bias[oc] : 0);
					int32_t got = ((int32_t *)out)[p * c->o + oc];

					if (c->use_shift)
						v = shift[oc] >= 0 ? v * (1 << shift[oc]) :
						    (int64_t)floor((double)v / (1 << -shift[oc]));
					if (got != v) {
						printf("# pixel %zu channel %u: %d, want %lld\n", p, oc, got, (long long)v);
						good = 0;
						break;
					}
				} else {
					double sc = c->use_shift ? (c->f32_shift_scale ? ldexp(1, shift[oc]) : fs[oc]) : 1;
					double want = acc * sc + (c->use_bias ? fb[oc] : 0);
					float got = ((float *)out)[p * c->o + oc];

					if (fabs(got - want) > 1e-4 * (fabs(want) + 1)) {
						printf("# pixel %zu channel %u: %g, want %g\n", p, oc, got, want);
						good = 0;
						break;
					}
				}
			}
	}
out:
	if (!good)
		printf("# isa %s cfg: in_kind %d aenc %d/%u wenc %d/%u n%u %ux%ux%u -> %u k%ux%u s%u,%u p%u,%u,%u,%u d%u,%u g%u dense %d zp %d out %d/%u/%d\n",
		       isa, c->in_kind, c->aenc, c->abits, c->wenc, c->wbits, c->n, c->h, c->w, c->c, c->o,
		       c->kh, c->kw, c->sh, c->sw, c->pt, c->pl, c->pb, c->pr, c->dh, c->dw, c->g,
		       c->dense, c->zero_pad, c->out_kind, c->obits, c->oenc);
	qnn_model_free(m);
	qnn_writer_free(wr);
	free(buf);
	free(in);
	free(out);
	free(xv);
	free(wv);
	free(xf);
	free(ref);
	free(bias);
	free(th);
	free(shift);
	free(neg);
	free(fs);
	free(fb);
	return good;
}

int main(void)
{
	static const char *const isas[] = { "scalar", "avx2", "avx512", "avx512vnni", "neon" };
	const int cases = 60;

	for (size_t i = 0; i < sizeof(isas) / sizeof(isas[0]); i++) {
		struct qnn_ctx_opts o = { .sz = sizeof(o), .device = "cpu", .cpu_isa = isas[i], .threads = 2 };
		struct qnn_ctx *ctx;
		char err[256];
		int bad = 0, first_bad = -1;

		if (qnn_ctx_create(&o, &ctx, err, sizeof(err))) {
			printf("ok %d # SKIP kernel set %s: %s\n", ++t_n, isas[i], err);
			continue;
		}
		for (int k = 0; k < cases; k++) {
			uint64_t s = 0x1234 + (uint64_t)k * 7919;
			struct cfg c;

			make_cfg(&s, &c, k);
			if (!run_case(ctx, &c, s, isas[i])) {
				bad++;
				if (first_bad < 0)
					first_bad = k;
			}
		}
		ok(!bad, "conv2d/dense vs integer reference, %d random cases, kernels %s (%d failed, first %d)",
		   cases, isas[i], bad, first_bad);
		qnn_ctx_destroy(ctx);
	}
	/* per-feature cases so a regression names what broke */
	{
		struct qnn_ctx *ctx;
		const char *names[] = {
			"W1A1 bipolar 3x3 pad 1 one-padding", "W1A1 bipolar 3x3 pad 1 ZERO_PAD",
			"W2A2 unsigned x signed", "W4A4 signed x signed",
			"bipolar branches 3 planes", "U8 first layer 3 channels",
			"I8 input", "F32 input", "grouped conv 3 groups", "dilated 2 7x7",
			"dense 2x2x65 -> 10", "odd channels 65 -> 70 stride 2 batch 3",
			"W1A1 unpadded 3x3 64 -> 70 bipolar out, negated (popconv_bits)",
			"unit x unit unpadded 2x3 128 -> 9 unsigned out, negated (popconv_bits, AND)",
			"dense 1x1x256 -> 130 bipolar out, negated, batch 7 (popconv_bits)",
		};
		struct cfg base = {
			.in_kind = 0, .aenc = QNN_ENC_BIPOLAR, .abits = 1, .wenc = QNN_ENC_BIPOLAR, .wbits = 1,
			.n = 2, .h = 6, .w = 5, .c = 64, .o = 16, .kh = 3, .kw = 3, .sh = 1, .sw = 1,
			.pt = 1, .pl = 1, .pb = 1, .pr = 1, .dh = 1, .dw = 1, .g = 1, .out_kind = 0,
			.obits = 1, .oenc = QNN_ENC_BIPOLAR,
		};

		qnn_ctx_create(NULL, &ctx, NULL, 0);
		for (int k = 0; k < 15; k++) {
			struct cfg c = base;

			switch (k) {
			case 1: c.zero_pad = 1; c.out_kind = 1; break;
			case 2: c.aenc = QNN_ENC_UNSIGNED; c.abits = 2; c.wenc = QNN_ENC_SIGNED; c.wbits = 2; break;
			case 3: c.aenc = QNN_ENC_SIGNED; c.abits = 4; c.wenc = QNN_ENC_SIGNED; c.wbits = 4; c.c = 37; break;
			case 4: c.aenc = QNN_ENC_BIPOLAR_BRANCHES; c.abits = 3; c.zero_pad = 1; break;
			case 5: c.in_kind = 1; c.c = 3; c.out_kind = 1; break;
			case 6: c.in_kind = 2; c.c = 5; break;
			case 7: c.in_kind = 3; c.c = 4; c.out_kind = 2; c.use_bias = 1; c.use_shift = 1; break;
			case 8: c.g = 3; c.c = 3 * 70; c.o = 9; break;
			case 9: c.h = c.w = 9; c.kh = c.kw = 7; c.dh = c.dw = 2; c.pt = c.pl = c.pb = c.pr = 3; break;
			case 10: c.dense = 1; c.h = c.w = 2; c.kh = c.kw = 2; c.c = 65; c.o = 10;
				c.pt = c.pl = c.pb = c.pr = 0; break;
			case 11: c.c = 65; c.o = 70; c.sh = c.sw = 2; c.n = 3; c.out_kind = 1; c.obits = 2;
				c.oenc = QNN_ENC_UNSIGNED; c.use_neg = 1; break;
			case 12: c.o = 70; c.h = 7; c.w = 8; c.n = 3; c.out_kind = 1; c.use_neg = 1;
				c.pt = c.pl = c.pb = c.pr = 0; break;
			case 13: c.aenc = QNN_ENC_UNSIGNED; c.wenc = QNN_ENC_UNSIGNED; c.c = 128; c.o = 9;
				c.kh = 2; c.pt = c.pl = c.pb = c.pr = 0; c.out_kind = 1;
				c.oenc = QNN_ENC_UNSIGNED; c.use_neg = 1; break;
			case 14: c.dense = 1; c.h = c.w = c.kh = c.kw = 1; c.c = 256; c.o = 130; c.n = 7;
				c.pt = c.pl = c.pb = c.pr = 0; c.out_kind = 1; c.use_neg = 1; break;
			}
			ok(run_case(ctx, &c, 99 + (uint64_t)k, "auto"), "%s", names[k]);
		}
		qnn_ctx_destroy(ctx);
	}
	/*
	 * Grouped and depthwise convs with few channels per group (cpu_gconv.c:
	 * decoded values, 16- or 32-bit sums): every input kind and encoding up
	 * to 8 bits, depthwise, channel multipliers, ZERO_PAD, all outputs.
	 */
	{
		struct qnn_ctx *ctx;
		const int gcases = 80;
		int bad = 0, first_bad = -1;

		qnn_ctx_create(NULL, &ctx, NULL, 0);
		for (int k = 0; k < gcases; k++) {
			uint64_t s = 0x6c0 + (uint64_t)k * 104729;
			struct cfg c;
			uint32_t g;

			make_cfg(&s, &c, k);
			if (c.dense) {
				c.dense = 0;
				c.kh = c.kw = 1;
				c.pt = c.pl = c.pb = c.pr = 0;
			}
			if (c.in_kind == 3)
				c.in_kind = 0;
			if (c.in_kind == 0 && k % 5 == 4)
				rnd_enc(&s, &c.aenc, &c.abits, 8);
			if (k % 4 == 3)
				rnd_enc(&s, &c.wenc, &c.wbits, 8);
			g = (uint32_t)rndi(&s, 2, 70);
			c.g = g;
			c.c = g * (uint32_t)(k % 3 ? 1 : rndi(&s, 1, k % 2 ? 4 : 9));
			c.o = g * (uint32_t)(k % 2 ? 1 : rndi(&s, 1, 3));
			if (c.out_kind == 2 && c.in_kind == 3)
				c.out_kind = 0;
			if (!run_case(ctx, &c, s, "auto")) {
				bad++;
				if (first_bad < 0)
					first_bad = k;
			}
		}
		ok(!bad, "grouped/depthwise conv vs integer reference, %d random cases (%d failed, first %d)",
		   gcases, bad, first_bad);
		{
			/* the shape, smaller: 3x3 depthwise, bipolar, ZERO_PAD, BITS out */
			struct cfg c = {
				.aenc = QNN_ENC_BIPOLAR, .abits = 1, .wenc = QNN_ENC_BIPOLAR, .wbits = 1,
				.n = 2, .h = 8, .w = 8, .c = 256, .o = 256, .kh = 3, .kw = 3, .sh = 1, .sw = 1,
				.pt = 1, .pl = 1, .pb = 1, .pr = 1, .dh = 1, .dw = 1, .g = 256, .zero_pad = 1,
				.out_kind = 1, .obits = 1, .oenc = QNN_ENC_BIPOLAR, .use_neg = 1,
			};

			ok(run_case(ctx, &c, 4242, "auto"), "depthwise 3x3 over 8x8x256, ZERO_PAD, bipolar out");
			c.zero_pad = 0;
			c.aenc = QNN_ENC_SIGNED;
			c.abits = 8;
			c.wenc = QNN_ENC_SIGNED;
			c.wbits = 8;
			c.out_kind = 0;
			ok(run_case(ctx, &c, 4243, "auto"), "depthwise 3x3 over 8x8x256, 8-bit signed x 8-bit signed, I32 out");
		}
		qnn_ctx_destroy(ctx);
	}
	return done_testing();
}
