// SPDX-License-Identifier: MIT
/*
 * The non-conv ops against references written here from the spec
 * (docs/model-format.md): max-pool on every bit encoding and dtype, average
 * and global average pool, residual add, thresholds, dequantize (scale,
 * shift, learned levels), flatten of odd channel counts, top-k with ties,
 * quantize; plus the writer's packing helpers against the test's packer.
 */
#include <errno.h>
#include <math.h>

#include "qnn_test.h"

static struct qnn_ctx *ctx;

/* one-layer model: inputs in[0..nin), output od; runs batch n */
static int run1(const struct qnn_tensor_desc *in, int nin, const struct qnn_tensor_desc *od,
		struct qnn_layer_desc *ld, struct qnn_writer *w, unsigned int n,
		const void *const *ins, void *out)
{
	struct qnn_model *m = NULL;
	void *buf = NULL;
	size_t size;
	int ids[4], oid, ret;

	for (int i = 0; i < nin; i++) {
		ids[i] = qnn_writer_add_tensor(w, &in[i]);
		ld->inputs[i] = ids[i];
		qnn_writer_add_input(w, ids[i]);
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
	{
		void *outs[1] = { out };

		ret = qnn_run_batch(m, n, ins, outs, NULL);
	}
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
	struct qnn_writer *w;

	qnn_writer_create(&w);
	return w;
}

static void test_maxpool_bits(uint64_t *s)
{
	static const enum qnn_encoding encs[] = {
		QNN_ENC_BIPOLAR, QNN_ENC_UNSIGNED, QNN_ENC_SIGNED, QNN_ENC_BIPOLAR_BRANCHES,
	};

	for (int e = 0; e < 4; e++) {
		int good = 1;

		for (int rep = 0; rep < 6 && good; rep++) {
			enum qnn_encoding enc = encs[e];
			unsigned int bits = enc == QNN_ENC_BIPOLAR ? 1 : (unsigned int)rndi(s, enc == QNN_ENC_SIGNED ? 2 : 1, 4);
			uint32_t n = (uint32_t)rndi(s, 1, 2), h = (uint32_t)rndi(s, 2, 7), wd = (uint32_t)rndi(s, 2, 7);
			uint32_t c = (uint32_t)(rndi(s, 0, 1) ? rndi(s, 1, 70) : 128);
			uint32_t k = (uint32_t)rndi(s, 1, 3), st = (uint32_t)rndi(s, 1, 2);
			uint32_t pad = (uint32_t)rndi(s, 0, (int)k - 1);
			uint32_t ho = (h + 2 * pad - k) / st + 1, wo = (wd + 2 * pad - k) / st + 1;
			struct qnn_tensor_desc xd = tdesc("x", QNN_DT_BITS, enc, bits, 1, h, wd, c);
			struct qnn_tensor_desc od = tdesc("y", QNN_DT_BITS, enc, bits, 1, ho, wo, c);
			struct qnn_layer_desc ld = { .op = QNN_OP_MAXPOOL, .kernel = { k, k }, .stride = { st, st },
						     .pad = { pad, pad, pad, pad } };
			size_t npx = (size_t)n * h * wd, opx = (size_t)n * ho * wo;
			int32_t *v = xcalloc(npx * c, 4);
			uint64_t *in = xcalloc(1, qnn_tensor_bytes(&xd) * n), *out = xcalloc(1, qnn_tensor_bytes(&od) * n);
			unsigned int *codes = xcalloc(opx * c, sizeof(unsigned int));
			const void *ins[1] = { in };

			if (h + 2 * pad < k || wd + 2 * pad < k) {
				free(v); free(in); free(out); free(codes);
				continue;
			}
			for (size_t i = 0; i < npx * c; i++)
				v[i] = rnd_val(s, enc, bits);
			t_pack(v, npx, c, enc, bits, in);
			if (run1(&xd, 1, &od, &ld, wnew(), n, ins, out) ||
			    t_unpack_codes(out, opx, c, bits, codes)) {
				good = 0;
			} else {
				for (uint32_t b = 0; b < n && good; b++)
					for (uint32_t oy = 0; oy < ho; oy++)
						for (uint32_t ox = 0; ox < wo; ox++)
							for (uint32_t ch = 0; ch < c; ch++) {
								int32_t best = INT32_MIN;
								size_t op = ((size_t)b * ho + oy) * wo + ox;

								for (uint32_t ky = 0; ky < k; ky++)
									for (uint32_t kx = 0; kx < k; kx++) {
										long y = (long)(oy * st + ky) - pad, x = (long)(ox * st + kx) - pad;

										if (y < 0 || x < 0 || y >= h || x >= wd)
											continue;
										if (v[(((size_t)b * h + y) * wd + x) * c + ch] > best)
											best = v[(((size_t)b * h + y) * wd + x) * c + ch];
									}
								if (t_value(codes[op * c + ch], enc, bits) != best) {
									printf("# enc %d bits %u: got %d want %d\n", enc, bits,
									       t_value(codes[op * c + ch], enc, bits), best);
									good = 0;
								}
							}
			}
			free(v);
			free(in);
			free(out);
			free(codes);
		}
		ok(good, "maxpool on packed bits, encoding %d (bit-sliced max, padding never selected)", encs[e]);
	}
}

static void test_maxpool_plain(uint64_t *s)
{
	static const enum qnn_dtype dts[] = { QNN_DT_U8, QNN_DT_I8, QNN_DT_I32, QNN_DT_F32 };

	for (int d = 0; d < 4; d++) {
		uint32_t h = 5, wd = 4, c = 3;
		struct qnn_tensor_desc xd = tdesc("x", dts[d], 0, 0, 1, h, wd, c);
		struct qnn_tensor_desc od = tdesc("y", dts[d], 0, 0, 1, 3, 2, c);
		struct qnn_layer_desc ld = { .op = QNN_OP_MAXPOOL, .kernel = { 3, 2 }, .stride = { 2, 2 },
					     .pad = { 1, 0, 1, 0 } };
		double v[60], got, want;
		uint8_t in[240], out[72];
		const void *ins[1] = { in };
		int good = 1;

		for (int i = 0; i < 60; i++) {
			v[i] = rndi(s, dts[d] == QNN_DT_U8 ? 0 : -100, 100);
			if (dts[d] == QNN_DT_U8) in[i] = (uint8_t)v[i];
			else if (dts[d] == QNN_DT_I8) ((int8_t *)in)[i] = (int8_t)v[i];
			else if (dts[d] == QNN_DT_I32) ((int32_t *)in)[i] = (int32_t)v[i];
			else ((float *)in)[i] = (float)v[i];
		}
		good = !run1(&xd, 1, &od, &ld, wnew(), 1, ins, out);
		for (uint32_t oy = 0; good && oy < 3; oy++)
			for (uint32_t ox = 0; ox < 2; ox++)
				for (uint32_t ch = 0; ch < c; ch++) {
					size_t o = (oy * 2 + ox) * c + ch;

					want = -1e9;
					for (int ky = 0; ky < 3; ky++)
						for (int kx = 0; kx < 2; kx++) {
							int y = (int)oy * 2 + ky - 1, x = (int)ox * 2 + kx;

							if (y >= 0 && y < (int)h && x < (int)wd && v[(y * wd + x) * c + ch] > want)
								want = v[(y * wd + x) * c + ch];
						}
					got = dts[d] == QNN_DT_U8 ? out[o] : dts[d] == QNN_DT_I8 ? ((int8_t *)out)[o] :
					      dts[d] == QNN_DT_I32 ? ((int32_t *)out)[o] : ((float *)out)[o];
					if (got != want)
						good = 0;
				}
		ok(good, "maxpool dtype %d, 3x2 window, asymmetric padding", dts[d]);
	}
}

static void test_avgpool(uint64_t *s)
{
	/* BITS signed 3-bit 4x4x65 -> avgpool 2x2 s2 pad 1 (F32), I32 sums, global */
	uint32_t h = 4, wd = 4, c = 65;
	struct qnn_tensor_desc xd = tdesc("x", QNN_DT_BITS, QNN_ENC_SIGNED, 3, 1, h, wd, c);
	int32_t v[4 * 4 * 65];
	uint64_t in[16 * 3 * 2];
	const void *ins[1] = { in };
	float outf[3 * 3 * 65];
	int32_t outi[3 * 3 * 65];
	int good;

	for (size_t i = 0; i < 16 * 65; i++)
		v[i] = rnd_val(s, QNN_ENC_SIGNED, 3);
	t_pack(v, 16, c, QNN_ENC_SIGNED, 3, in);
	for (int kind = 0; kind < 3; kind++) {
		struct qnn_tensor_desc od = kind == 2 ? tdesc("y", QNN_DT_F32, 0, 0, 1, 1, 1, c) :
					    tdesc("y", kind ? QNN_DT_I32 : QNN_DT_F32, 0, 0, 1, 3, 3, c);
		struct qnn_layer_desc ld = { .op = kind == 2 ? QNN_OP_GLOBAL_AVGPOOL : QNN_OP_AVGPOOL };
		uint32_t ho = kind == 2 ? 1 : 3;

		if (kind < 2) {
			ld.kernel[0] = ld.kernel[1] = 2;
			ld.stride[0] = ld.stride[1] = 2;
			for (int i = 0; i < 4; i++)
				ld.pad[i] = 1;
		}
		good = !run1(&xd, 1, &od, &ld, wnew(), 1, ins, kind == 1 ? (void *)outi : (void *)outf);
		for (uint32_t oy = 0; good && oy < ho; oy++)
			for (uint32_t ox = 0; ox < ho; ox++)
				for (uint32_t ch = 0; ch < c; ch++) {
					long sum = 0;
					int taps = 0;

					for (int y = 0; y < (int)h; y++)
						for (int x = 0; x < (int)wd; x++) {
							int in_win = kind == 2 || (y + 1 >= (int)oy * 2 && y + 1 < (int)oy * 2 + 2 &&
										   x + 1 >= (int)ox * 2 && x + 1 < (int)ox * 2 + 2);

							if (in_win)
								sum += v[(y * wd + x) * c + ch];
						}
					taps = kind == 2 ? 16 : 4;	/* padded taps count (PyTorch default) */
					if (kind == 1 ? outi[(oy * ho + ox) * c + ch] != sum :
					    fabsf(outf[(oy * ho + ox) * c + ch] - (float)sum / taps) > 1e-5f)
						good = 0;
				}
		ok(good, "%s", kind == 0 ? "avgpool 2x2 pad 1 -> F32 mean (padding counted as 0)" :
		   kind == 1 ? "avgpool -> I32 window sums" : "global average pool");
	}
}

/*
 * AVG_VALID: 3x3 stride 2 over 5x7 with pads t1 l1 b2 r2 (count_include_pad
 * = 0 plus a ceil_mode overhang): F32 = sum / taps inside the input; I32 =
 * sum * (L / taps), L the product of the per-axis lcms, computed here from
 * the windows' tap counts.
 */
static void test_avgpool_valid(uint64_t *s)
{
	enum { H = 5, W = 7, C = 3, HO = 3, WO = 4 };
	struct qnn_tensor_desc xd = tdesc("x", QNN_DT_I32, 0, 0, 1, H, W, C);
	int32_t v[H * W * C], outi[HO * WO * C];
	float outf[HO * WO * C];
	const void *ins[1] = { v };
	long cy[HO], cx[WO], ly = 1, lx = 1;

	for (size_t i = 0; i < H * W * C; i++)
		v[i] = rndi(s, -1000, 1000);
	for (int i = 0; i < HO; i++) {
		cy[i] = 0;
		for (int k = 0; k < 3; k++)
			cy[i] += i * 2 + k - 1 >= 0 && i * 2 + k - 1 < H;
	}
	for (int i = 0; i < WO; i++) {
		cx[i] = 0;
		for (int k = 0; k < 3; k++)
			cx[i] += i * 2 + k - 1 >= 0 && i * 2 + k - 1 < W;
	}
	for (int i = 0; i < HO; i++) {
		long a = ly, b = cy[i];

		while (b) {
			long t = a % b;

			a = b;
			b = t;
		}
		ly = ly / a * cy[i];
	}
	for (int i = 0; i < WO; i++) {
		long a = lx, b = cx[i];

		while (b) {
			long t = a % b;

			a = b;
			b = t;
		}
		lx = lx / a * cx[i];
	}
	for (int kind = 0; kind < 2; kind++) {
		struct qnn_tensor_desc od = tdesc("y", kind ? QNN_DT_I32 : QNN_DT_F32, 0, 0, 1, HO, WO, C);
		struct qnn_layer_desc ld = {
			.op = QNN_OP_AVGPOOL, .flags = QNN_LAYER_AVG_VALID,
			.kernel = { 3, 3 }, .stride = { 2, 2 }, .pad = { 1, 1, 2, 2 },
		};
		int good = !run1(&xd, 1, &od, &ld, wnew(), 1, ins, kind ? (void *)outi : (void *)outf);

		for (int oy = 0; good && oy < HO; oy++)
			for (int ox = 0; ox < WO; ox++)
				for (int ch = 0; ch < C; ch++) {
					long sum = 0, n = 0;
					size_t o = ((size_t)oy * WO + ox) * C + ch;

					for (int y = oy * 2 - 1; y < oy * 2 + 2; y++)
						for (int x = ox * 2 - 1; x < ox * 2 + 2; x++)
							if (y >= 0 && y < H && x >= 0 && x < W) {
								sum += v[(y * W + x) * C + ch];
								n++;
							}
					if (n != cy[oy] * cx[ox] ||
					    (kind ? outi[o] != sum * (ly * lx / n) :
					     fabs(outf[o] - (double)sum / n) > 1e-4))
						good = 0;
				}
		ok(good, "avgpool AVG_VALID (count_include_pad 0, ceil overhang) -> %s",
		   kind ? "I32 sums times L/taps" : "F32 sum / taps inside");
	}
}

/* CONCAT: BITS (2-bit unsigned, 65 + 3 channels: a word boundary) and F32 */
static void test_concat(uint64_t *s)
{
	enum { P = 6, C1 = 65, C2 = 3 };
	int32_t v1[P * C1], v2[P * C2];
	uint64_t in1[P * 2 * 2], in2[P * 2], out[P * 2 * 2];
	unsigned int codes[P * (C1 + C2)];
	float f1[P * C1], f2[P * C2], fo[P * (C1 + C2)];
	int good;

	for (int i = 0; i < P * C1; i++) {
		v1[i] = rnd_val(s, QNN_ENC_UNSIGNED, 2);
		f1[i] = (float)rndi(s, -99, 99);
	}
	for (int i = 0; i < P * C2; i++) {
		v2[i] = rnd_val(s, QNN_ENC_UNSIGNED, 2);
		f2[i] = (float)rndi(s, -99, 99);
	}
	t_pack(v1, P, C1, QNN_ENC_UNSIGNED, 2, in1);
	t_pack(v2, P, C2, QNN_ENC_UNSIGNED, 2, in2);
	{
		struct qnn_tensor_desc xd[2] = {
			tdesc("x", QNN_DT_BITS, QNN_ENC_UNSIGNED, 2, 1, 2, 3, C1),
			tdesc("y", QNN_DT_BITS, QNN_ENC_UNSIGNED, 2, 1, 2, 3, C2),
		};
		struct qnn_tensor_desc od = tdesc("o", QNN_DT_BITS, QNN_ENC_UNSIGNED, 2, 1, 2, 3, C1 + C2);
		struct qnn_layer_desc ld = { .op = QNN_OP_CONCAT };
		const void *ins[2] = { in1, in2 };

		good = !run1(xd, 2, &od, &ld, wnew(), 1, ins, out) &&
		       !t_unpack_codes(out, P, C1 + C2, 2, codes);
		for (int p = 0; good && p < P; p++)
			for (int c = 0; c < C1 + C2; c++)
				if ((int)codes[p * (C1 + C2) + c] != (c < C1 ? v1[p * C1 + c] : v2[p * C2 + c - C1]))
					good = 0;
		ok(good, "concat of 2-bit maps, 65 + 3 channels (tails clean)");
	}
	{
		struct qnn_tensor_desc xd[2] = {
			tdesc("x", QNN_DT_F32, 0, 0, 1, 2, 3, C1), tdesc("y", QNN_DT_F32, 0, 0, 1, 2, 3, C2),
		};
		struct qnn_tensor_desc od = tdesc("o", QNN_DT_F32, 0, 0, 1, 2, 3, C1 + C2);
		struct qnn_layer_desc ld = { .op = QNN_OP_CONCAT };
		const void *ins[2] = { f1, f2 };

		good = !run1(xd, 2, &od, &ld, wnew(), 1, ins, fo);
		for (int p = 0; good && p < P; p++)
			for (int c = 0; c < C1 + C2; c++)
				if (fo[p * (C1 + C2) + c] != (c < C1 ? f1[p * C1 + c] : f2[p * C2 + c - C1]))
					good = 0;
		ok(good, "concat of F32 maps");
	}
}

/* SOFTMAX and its log form over 10 classes, 2x1 pixels, against long double */
static void test_softmax(uint64_t *s)
{
	enum { P = 2, C = 10 };
	float x[P * C], y[P * C];

	for (int i = 0; i < P * C; i++)
		x[i] = (float)rndi(s, -4000, 4000) / 97.0f;
	x[3] = 88.0f;	/* exp(88) is near float's limit: the max is subtracted */
	for (int lg = 0; lg < 2; lg++) {
		struct qnn_tensor_desc xd = tdesc("x", QNN_DT_F32, 0, 0, 1, 2, 1, C);
		struct qnn_tensor_desc od = tdesc("y", QNN_DT_F32, 0, 0, 1, 2, 1, C);
		struct qnn_layer_desc ld = { .op = QNN_OP_SOFTMAX, .flags = lg ? QNN_LAYER_SOFTMAX_LOG : 0 };
		const void *ins[1] = { x };
		int good = !run1(&xd, 1, &od, &ld, wnew(), 1, ins, y);

		for (int p = 0; good && p < P; p++) {
			long double sum = 0;

			for (int c = 0; c < C; c++)
				sum += expl((long double)x[p * C + c]);
			for (int c = 0; c < C; c++) {
				long double want = lg ? (long double)x[p * C + c] - logl(sum) :
					      expl((long double)x[p * C + c]) / sum;

				if (fabsl(y[p * C + c] - want) > 1e-6L * (fabsl(want) + 1e-30L) + 1e-37L)
					good = 0;
			}
		}
		ok(good, "%s over 10 classes (one logit 88) within 1e-6 relative", lg ? "log-softmax" : "softmax");
	}
}

static void test_add_threshold_dequant(uint64_t *s)
{
	uint32_t c = 67;
	int32_t a[2 * 67], bv[2 * 67], outi[2 * 67];
	uint64_t bp[2 * 2 * 2];
	const void *ins[2] = { a, bp };
	int good;

	/* ADD: I32 + BITS(unsigned 2) -> I32, batch 2 */
	{
		struct qnn_tensor_desc in[2] = { tdesc("a", QNN_DT_I32, 0, 0, 1, 1, 1, c),
						 tdesc("b", QNN_DT_BITS, QNN_ENC_UNSIGNED, 2, 1, 1, 1, c) };
		struct qnn_tensor_desc od = tdesc("y", QNN_DT_I32, 0, 0, 1, 1, 1, c);
		struct qnn_layer_desc ld = { .op = QNN_OP_ADD };

		for (uint32_t i = 0; i < 2 * c; i++) {
			a[i] = rndi(s, -1000, 1000);
			bv[i] = rndi(s, 0, 3);
		}
		t_pack(bv, 2, c, QNN_ENC_UNSIGNED, 2, bp);
		good = !run1(in, 2, &od, &ld, wnew(), 2, ins, outi);
		for (uint32_t i = 0; good && i < 2 * c; i++)
			good = outi[i] == a[i] + bv[i];
		ok(good, "residual add I32 + unsigned BITS, batch 2");
	}
	/* ADD: I32 + I32 past the int32 range saturates, as the device's ADD does */
	{
		struct qnn_tensor_desc in[2] = { tdesc("a", QNN_DT_I32, 0, 0, 1, 1, 1, c),
						 tdesc("b", QNN_DT_I32, 0, 0, 1, 1, 1, c) };
		struct qnn_tensor_desc od = tdesc("y", QNN_DT_I32, 0, 0, 1, 1, 1, c);
		struct qnn_layer_desc ld = { .op = QNN_OP_ADD };
		int32_t x[2 * 67], y[2 * 67];
		const void *ins2[2] = { x, y };

		for (uint32_t i = 0; i < 2 * c; i++) {
			x[i] = i % 3 ? rndi(s, INT32_MAX - 1000, INT32_MAX) : rndi(s, INT32_MIN, INT32_MIN + 1000);
			y[i] = rndi(s, -1000, 1000);
		}
		good = !run1(in, 2, &od, &ld, wnew(), 2, ins2, outi);
		for (uint32_t i = 0; good && i < 2 * c; i++) {
			int64_t want = (int64_t)x[i] + y[i];

			want = want > INT32_MAX ? INT32_MAX : want < INT32_MIN ? INT32_MIN : want;
			good = outi[i] == want;
		}
		ok(good, "add I32 + I32 saturates to the int32 range (as the device does)");
	}
	/* THRESHOLD: I32 -> 2-bit unsigned with negate, and -> bipolar */
	for (int bip = 0; bip < 2; bip++) {
		unsigned int bits = bip ? 1 : 2, nt = (1u << bits) - 1;
		struct qnn_tensor_desc xd = tdesc("a", QNN_DT_I32, 0, 0, 1, 1, 1, c);
		struct qnn_tensor_desc od = tdesc("y", QNN_DT_BITS, bip ? QNN_ENC_BIPOLAR : QNN_ENC_UNSIGNED,
						  bits, 1, 1, 1, c);
		struct qnn_tensor_desc td = tdesc("t", QNN_DT_I32, 0, 0, 1, 1, c, nt);
		struct qnn_layer_desc ld = { .op = QNN_OP_THRESHOLD };
		struct qnn_writer *w = wnew();
		int32_t th[67 * 3];
		uint8_t neg[67];
		uint64_t out[2 * 2 * 2];
		unsigned int codes[2 * 67];
		const void *in1[1] = { a };

		for (uint32_t ch = 0; ch < c; ch++) {
			int32_t base = rndi(s, -500, 0);

			for (unsigned int k = 0; k < nt; k++) {
				base += rndi(s, 0, 300);
				th[ch * nt + k] = base;
			}
			neg[ch] = (uint8_t)rndi(s, 0, 1);
		}
		a[5] = th[5 * nt];	/* exact tie */
		ld.thresholds = qnn_writer_add_const(w, &td, th, sizeof(int32_t) * c * nt);
		ld.negate = add_const(w, "n", QNN_DT_U8, 1, 1, c, neg);
		good = !run1(&xd, 1, &od, &ld, w, 2, in1, out) && !t_unpack_codes(out, 2, c, bits, codes);
		for (uint32_t i = 0; good && i < 2 * c; i++) {
			uint32_t ch = i % c;
			unsigned int cnt = 0;

			for (unsigned int k = 0; k < nt; k++)
				cnt += neg[ch] ? a[i] <= th[ch * nt + k] : a[i] >= th[ch * nt + k];
			good = codes[i] == (bip ? !cnt : cnt);
		}
		ok(good, "threshold I32 -> %s with per-channel negate and ties", bip ? "bipolar" : "2-bit unsigned");
	}
	/* DEQUANT: bits unsigned 2 -> levels; U8 -> scale (shift) + bias */
	{
		struct qnn_tensor_desc xd = tdesc("x", QNN_DT_BITS, QNN_ENC_UNSIGNED, 2, 1, 1, 1, c);
		struct qnn_tensor_desc od = tdesc("y", QNN_DT_F32, 0, 0, 1, 1, 1, c);
		struct qnn_layer_desc ld = { .op = QNN_OP_DEQUANT };
		struct qnn_writer *w = wnew();
		float lv[67 * 4], out[2 * 67];
		const void *in1[1] = { bp };

		for (size_t i = 0; i < 67 * 4; i++)
			lv[i] = (float)rndi(s, -1000, 1000) / 7.0f;
		ld.levels = add_const(w, "lv", QNN_DT_F32, 1, c, 4, lv);
		good = !run1(&xd, 1, &od, &ld, w, 2, in1, out);
		for (uint32_t i = 0; good && i < 2 * c; i++)
			good = out[i] == lv[(i % c) * 4 + (uint32_t)bv[i]];
		ok(good, "dequant: learned per-channel non-uniform levels");
	}
	{
		struct qnn_tensor_desc xd = tdesc("x", QNN_DT_I8, 0, 0, 1, 1, 2, 3);
		struct qnn_tensor_desc od = tdesc("y", QNN_DT_F32, 0, 0, 1, 1, 2, 3);
		struct qnn_layer_desc ld = { .op = QNN_OP_DEQUANT };
		struct qnn_writer *w = wnew();
		int8_t x[6] = { -128, -1, 0, 1, 77, 127 }, sh[3] = { -2, 0, 3 };
		float b[3] = { 0.5f, -1, 2 }, out[6];
		const void *in1[1] = { x };

		ld.scale = add_const(w, "s", QNN_DT_I8, 1, 1, 3, sh);
		ld.bias = add_const(w, "b", QNN_DT_F32, 1, 1, 3, b);
		good = !run1(&xd, 1, &od, &ld, w, 1, in1, out);
		for (int i = 0; good && i < 6; i++)
			good = out[i] == (float)(x[i] * ldexp(1, sh[i % 3]) + b[i % 3]);
		ok(good, "dequant: I8 with power-of-two scales and bias");
	}
}

/* THRESHOLD on an F32 input (a quantizer on a float model input) */
static void test_threshold_f32(uint64_t *s)
{
	uint32_t c = 67;
	unsigned int bits = 3, nt = 7;
	struct qnn_tensor_desc xd = tdesc("x", QNN_DT_F32, 0, 0, 1, 1, 1, c);
	struct qnn_tensor_desc od = tdesc("y", QNN_DT_BITS, QNN_ENC_UNSIGNED, bits, 1, 1, 1, c);
	struct qnn_tensor_desc td = tdesc("t", QNN_DT_F32, 0, 0, 1, 1, c, nt);
	struct qnn_layer_desc ld = { .op = QNN_OP_THRESHOLD };
	struct qnn_writer *w = wnew();
	float x[2 * 67], th[67 * 7];
	uint8_t neg[67];
	uint64_t out[2 * 3 * 2];
	unsigned int codes[2 * 67];
	const void *in1[1] = { x };
	int good;

	for (uint32_t ch = 0; ch < c; ch++) {
		float base = (float)rndi(s, -500, 0) / 3.0f;

		for (unsigned int k = 0; k < nt; k++) {
			base += (float)rndi(s, 0, 300) / 7.0f;
			th[ch * nt + k] = base;
		}
		th[ch * nt + nt - 1] = ch % 5 ? th[ch * nt + nt - 1] : INFINITY;	/* unused slot */
		neg[ch] = (uint8_t)rndi(s, 0, 1);
	}
	for (uint32_t i = 0; i < 2 * c; i++)
		x[i] = (float)rndi(s, -600, 600) / 3.0f;
	x[5] = th[5 * nt + 2];				/* exact tie */
	x[6] = nextafterf(th[6 * nt + 3], -INFINITY);	/* one ulp below */
	ld.thresholds = qnn_writer_add_const(w, &td, th, sizeof(float) * c * nt);
	ld.negate = add_const(w, "n", QNN_DT_U8, 1, 1, c, neg);
	good = !run1(&xd, 1, &od, &ld, w, 2, in1, out) && !t_unpack_codes(out, 2, c, bits, codes);
	for (uint32_t i = 0; good && i < 2 * c; i++) {
		uint32_t ch = i % c;
		unsigned int cnt = 0;

		for (unsigned int k = 0; k < nt; k++)
			cnt += neg[ch] ? x[i] <= th[ch * nt + k] : x[i] >= th[ch * nt + k];
		good = codes[i] == cnt;
	}
	ok(good, "threshold F32 -> 3-bit unsigned with float thresholds, negate, ties, ulps");
}

/*
 * 1-bit THRESHOLD on F32 (Sign / BipolarQuant on a float layer): its own
 * path (whole words, 4-wide compares on x86-64), checked bit by bit from
 * the definition: over 2 words plus a tail, NaN (meets no threshold),
 * infinities, ties, -0.0 against 0, with and without negated channels,
 * BIPOLAR (+1 is bit 0) and UNSIGNED.
 */
static void test_threshold_f32_1bit(uint64_t *s)
{
	enum { C = 131, PX = 3, CW = 3 };

	for (int v = 0; v < 4; v++) {
		int bip = v & 1, negs = v >> 1;
		struct qnn_tensor_desc xd = tdesc("x", QNN_DT_F32, 0, 0, 1, 1, PX, C);
		struct qnn_tensor_desc od = tdesc("y", QNN_DT_BITS,
						  bip ? QNN_ENC_BIPOLAR : QNN_ENC_UNSIGNED, 1, 1, 1,
						  PX, C);
		struct qnn_tensor_desc td = tdesc("t", QNN_DT_F32, 0, 0, 1, 1, C, 1);
		struct qnn_layer_desc ld = { .op = QNN_OP_THRESHOLD };
		struct qnn_writer *w = wnew();
		float x[PX * C], th[C];
		uint8_t neg[C];
		uint64_t out[PX * CW];
		const void *in1[1] = { x };
		int good;

		for (uint32_t ch = 0; ch < C; ch++) {
			th[ch] = ch % 3 ? (float)rndi(s, -300, 300) / 7.0f : 0.0f;
			neg[ch] = negs && rndi(s, 0, 1);
		}
		for (uint32_t i = 0; i < PX * C; i++)
			x[i] = (float)rndi(s, -300, 300) / 7.0f;
		for (uint32_t i = 0; i < PX * C; i += 11)
			x[i] = th[i % C];		/* ties */
		x[1] = NAN;
		x[2] = -NAN;
		x[4] = INFINITY;
		x[C + 7] = -INFINITY;
		x[C + 6] = -0.0f;			/* th[6] == 0: -0.0 >= 0 */
		x[2 * C + 9] = 0.0f;
		x[2 * C + 130] = nextafterf(th[130], INFINITY);
		ld.thresholds = qnn_writer_add_const(w, &td, th, sizeof(th));
		if (negs)
			ld.negate = add_const(w, "n", QNN_DT_U8, 1, 1, C, neg);
		memset(out, 0xa5, sizeof(out));
		good = !run1(&xd, 1, &od, &ld, w, 1, in1, out);
		for (uint32_t i = 0; good && i < PX * CW * 64; i++) {
			uint32_t p = i / (CW * 64), ch = i % (CW * 64);
			int bit = (int)(out[i / 64] >> (i % 64) & 1), want = 0;

			if (ch < C) {
				float xv = x[p * C + ch];
				int one = neg[ch] ? xv <= th[ch] : xv >= th[ch];

				want = bip ? !one : one;
			}
			good = bit == want;
			if (!good)
				printf("# pixel %u channel %u: bit %d, want %d\n", p, ch, bit, want);
		}
		ok(good, "threshold F32 -> 1 bit, %s, %s: NaN, infinities, ties, -0.0, 2 words + tail",
		   bip ? "BIPOLAR" : "UNSIGNED", negs ? "negated channels" : "no negate");
	}
}

static void test_flatten_topk_quantize(uint64_t *s)
{
	int good;

	{
		uint32_t h = 3, wd = 2, c = 5;
		struct qnn_tensor_desc xd = tdesc("x", QNN_DT_BITS, QNN_ENC_SIGNED, 3, 1, h, wd, c);
		struct qnn_tensor_desc od = tdesc("y", QNN_DT_BITS, QNN_ENC_SIGNED, 3, 1, 1, 1, h * wd * c);
		struct qnn_layer_desc ld = { .op = QNN_OP_FLATTEN };
		int32_t v[2 * 30];
		uint64_t in[2 * 6 * 3], out[2 * 3];
		unsigned int codes[60];
		const void *in1[1] = { in };

		for (int i = 0; i < 60; i++)
			v[i] = rnd_val(s, QNN_ENC_SIGNED, 3);
		t_pack(v, 12, c, QNN_ENC_SIGNED, 3, in);
		good = !run1(&xd, 1, &od, &ld, wnew(), 2, in1, out) && !t_unpack_codes(out, 2, 30, 3, codes);
		for (int i = 0; good && i < 60; i++)
			good = t_value(codes[i], QNN_ENC_SIGNED, 3) == v[i];
		ok(good, "flatten of packed 3x2x5 (odd channels repacked, tail zero)");
	}
	{
		struct qnn_tensor_desc xd = tdesc("x", QNN_DT_F32, 0, 0, 1, 1, 1, 7);
		struct qnn_tensor_desc od = tdesc("y", QNN_DT_I32, 0, 0, 1, 1, 1, 4);
		struct qnn_layer_desc ld = { .op = QNN_OP_TOPK, .k = 4 };
		float x[14] = { 1, 5, 3, 5, -2, 9, 0,   -1, -1, -1, -1, -1, -1, -0.5f };
		int32_t out[8], want[8] = { 5, 1, 3, 2,   6, 0, 1, 2 };
		const void *in1[1] = { x };

		good = !run1(&xd, 1, &od, &ld, wnew(), 2, in1, out) && !memcmp(out, want, sizeof(want));
		ok(good, "top-k: largest first, ties to the lower index, batch 2");
	}
	{
		struct qnn_tensor_desc xd = tdesc("x", QNN_DT_F32, 0, 0, 1, 1, 4, 2);
		struct qnn_tensor_desc od = tdesc("y", QNN_DT_I8, 0, 0, 1, 1, 4, 2);
		struct qnn_layer_desc ld = { .op = QNN_OP_QUANTIZE };
		struct qnn_writer *w = wnew();
		float x[8] = { 0.25f, 0.75f, -0.25f, 1000, -1000, 1.25f, 0.5f, -0.75f };
		float sc[2] = { 0.5f, 0.5f }, zp[2] = { 0, 1 };
		int8_t out[8], want[8] = { 0, 3, 0, 127, -128, 3, 1, -1 };
		const void *in1[1] = { x };

		/* x/scale: .5 1.5 -.5 2000 -2000 2.5 1 -1.5 -> half-even 0 2 -0 2000 -2000 2 1 -2; + zp 0/1 by channel */
		ld.scale = add_const(w, "s", QNN_DT_F32, 1, 1, 2, sc);
		ld.bias = add_const(w, "z", QNN_DT_F32, 1, 1, 2, zp);
		good = !run1(&xd, 1, &od, &ld, w, 1, in1, out) && !memcmp(out, want, sizeof(want));
		if (!good)
			printf("# got %d %d %d %d %d %d %d %d\n", out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7]);
		ok(good, "quantize F32 -> I8: round half to even, zero point, clamp");
	}
}

static void test_pack_helpers(uint64_t *s)
{
	static const enum qnn_encoding encs[] = {
		QNN_ENC_BIPOLAR, QNN_ENC_UNSIGNED, QNN_ENC_SIGNED, QNN_ENC_BIPOLAR_BRANCHES,
	};
	int good = 1;

	for (int e = 0; e < 4; e++)
		for (unsigned int bits = encs[e] == QNN_ENC_BIPOLAR ? 1 : 2; bits <= (encs[e] == QNN_ENC_BIPOLAR ? 1u : 8u); bits++) {
			uint32_t dims[4] = { 2, 3, 1, 131 };
			int32_t v[6 * 131], back[6 * 131];
			uint64_t a[6 * 8 * 3], b[6 * 8 * 3];

			for (int i = 0; i < 6 * 131; i++)
				v[i] = rnd_val(s, encs[e], bits);
			t_pack(v, 6, 131, encs[e], bits, a);
			if (qnn_pack_bits(v, dims, bits, encs[e], b) || memcmp(a, b, 6 * bits * 3 * 8) ||
			    qnn_unpack_bits(b, dims, bits, encs[e], back) || memcmp(v, back, sizeof(v)))
				good = 0;
		}
	ok(good, "qnn_pack_bits/qnn_unpack_bits equal the layout.md packer, all encodings 1..8 planes");
	{
		uint32_t dims[4] = { 1, 1, 1, 2 };
		int32_t bad[2] = { 0, 1 };
		uint64_t o[1];

		ok(qnn_pack_bits(bad, dims, 1, QNN_ENC_BIPOLAR, o) == -ERANGE,
		   "qnn_pack_bits: 0 is not bipolar -> -ERANGE");
	}
}

int main(void)
{
	uint64_t s = 42;

	if (qnn_ctx_create(NULL, &ctx, NULL, 0)) {
		printf("Bail out! no context\n");
		return 1;
	}
	test_maxpool_bits(&s);
	test_maxpool_plain(&s);
	test_avgpool(&s);
	test_avgpool_valid(&s);
	test_concat(&s);
	test_softmax(&s);
	test_add_threshold_dequant(&s);
	test_threshold_f32(&s);
	test_threshold_f32_1bit(&s);
	test_flatten_topk_quantize(&s);
	test_pack_helpers(&s);
	qnn_ctx_destroy(ctx);
	return done_testing();
}
