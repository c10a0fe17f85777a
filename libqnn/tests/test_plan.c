// SPDX-License-Identifier: MIT
/*
 * The CPU execution plan: the activation arena planned by liveness (exact
 * sizes for a chain whose answer is known by hand), runs of one model from
 * several threads at once (no model lock: each run has its own
 * activations), every result equal to the same images run alone, and
 * conv + maxpool fused into one pass equal to the same network unfused.
 */
#include <errno.h>
#include <pthread.h>

#include "models.h"

#define B 8

/*
 * image (8x8x64, 1 bit: 512 bytes) -> conv -> a -> conv -> b -> conv -> out,
 * all 512 bytes: at most two are live at once, so a plan needs 1024 bytes
 * where one buffer each needs 2048.
 */
static int build_chain(void **buf, size_t *size)
{
	struct qnn_writer *w;
	uint64_t s = 7;
	int t[4], ret = 0;

	if (qnn_writer_create(&w))
		return -1;
	for (int i = 0; i < 4; i++) {
		char name[8];
		struct qnn_tensor_desc d;

		snprintf(name, sizeof(name), "t%d", i);
		d = tdesc(name, QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 1, 8, 8, 64);
		t[i] = qnn_writer_add_tensor(w, &d);
	}
	for (int i = 0; i < 3 && !ret; i++) {
		int32_t *v = xcalloc(64 * 9 * 64, 4), th[64];
		struct qnn_tensor_desc td = tdesc("th", QNN_DT_I32, 0, 0, 1, 1, 64, 1);
		struct qnn_layer_desc l = { .sz = sizeof(l), .name = "conv", .op = QNN_OP_CONV2D,
			.inputs = { t[i] }, .output = t[i + 1], .pad = { 1, 1, 1, 1 } };

		for (size_t k = 0; k < 64 * 9 * 64; k++)
			v[k] = rnd_val(&s, QNN_ENC_BIPOLAR, 1);
		for (int k = 0; k < 64; k++)
			th[k] = rndi(&s, -20, 20);
		l.weights = add_bits_const(w, "w", v, QNN_ENC_BIPOLAR, 1, 64, 3, 3, 64);
		l.thresholds = qnn_writer_add_const(w, &td, th, sizeof(th));
		ret = qnn_writer_add_layer(w, &l) < 0;
		free(v);
	}
	if (!ret) {
		qnn_writer_add_input(w, t[0]);
		qnn_writer_add_output(w, t[3]);
		ret = qnn_writer_write_mem(w, buf, size);
	}
	qnn_writer_free(w);
	return ret;
}

/* a conv with thresholds: o channels, taps k x k pad `pad`, nt thresholds per channel */
static int add_tconv(struct qnn_writer *w, uint64_t *s, int in, int out, uint32_t c, uint32_t o,
		     uint32_t k, uint32_t pad, unsigned int nt, int zero_pad, int in_u8)
{
	size_t nw = (size_t)o * k * k * c;
	int32_t *v = xcalloc(nw, 4), *th = xcalloc((size_t)o * nt, 4);
	uint8_t *neg = xcalloc(o, 1);
	struct qnn_tensor_desc td = tdesc("th", QNN_DT_I32, 0, 0, 1, 1, o, nt);
	struct qnn_layer_desc l = { .sz = sizeof(l), .name = "conv", .op = QNN_OP_CONV2D,
		.inputs = { in }, .output = out, .pad = { pad, pad, pad, pad },
		.flags = zero_pad ? QNN_LAYER_ZERO_PAD : 0 };
	int ret;

	for (size_t i = 0; i < nw; i++)
		v[i] = rnd_val(s, QNN_ENC_BIPOLAR, 1);
	for (uint32_t j = 0; j < o; j++) {
		int32_t t = in_u8 ? rndi(s, -300, 300) : rndi(s, -6, 6);

		for (unsigned int q = 0; q < nt; q++)
			th[j * nt + q] = t += rndi(s, 0, in_u8 ? 150 : 4);
		neg[j] = rndi(s, 0, 2) == 0;
	}
	l.weights = add_bits_const(w, "w", v, QNN_ENC_BIPOLAR, 1, o, k, k, c);
	l.thresholds = qnn_writer_add_const(w, &td, th, (size_t)o * nt * 4);
	l.negate = add_const(w, "neg", QNN_DT_U8, 1, 1, o, neg);
	ret = qnn_writer_add_layer(w, &l) < 0;
	free(v);
	free(th);
	free(neg);
	return ret;
}

/*
 * U8 13x13x3 -> conv 3x3 pad 1 (20, bipolar) -> maxpool 2 (6x6: the last
 * row and column dropped) -> conv 3x3 pad 1 ZERO_PAD (37, 2-bit unsigned,
 * some channels negated) -> maxpool 2x1 -> dense 10 F32. The CPU plan fuses
 * both conv + pool pairs. With `expose`, both conv outputs are graph
 * outputs too, which rules the fusion out: the same network unfused.
 */
static int build_pools(void **buf, size_t *size, int expose)
{
	struct qnn_writer *w;
	uint64_t s = 21;
	int x, c1, p1, c2, p2, y, ret;
	struct qnn_tensor_desc d;

	if (qnn_writer_create(&w))
		return -1;
	d = tdesc("x", QNN_DT_U8, 0, 0, 1, 13, 13, 3);
	x = qnn_writer_add_tensor(w, &d);
	d = tdesc("c1", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 1, 13, 13, 20);
	c1 = qnn_writer_add_tensor(w, &d);
	d = tdesc("p1", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 1, 6, 6, 20);
	p1 = qnn_writer_add_tensor(w, &d);
	d = tdesc("c2", QNN_DT_BITS, QNN_ENC_UNSIGNED, 2, 1, 6, 6, 37);
	c2 = qnn_writer_add_tensor(w, &d);
	d = tdesc("p2", QNN_DT_BITS, QNN_ENC_UNSIGNED, 2, 1, 3, 6, 37);
	p2 = qnn_writer_add_tensor(w, &d);
	d = tdesc("y", QNN_DT_F32, 0, 0, 1, 1, 1, 10);
	y = qnn_writer_add_tensor(w, &d);
	ret = add_tconv(w, &s, x, c1, 3, 20, 3, 1, 1, 0, 1);
	if (!ret) {
		struct qnn_layer_desc l = { .sz = sizeof(l), .name = "pool1", .op = QNN_OP_MAXPOOL,
			.inputs = { c1 }, .output = p1, .kernel = { 2, 2 }, .stride = { 2, 2 } };

		ret = qnn_writer_add_layer(w, &l) < 0;
	}
	if (!ret)
		ret = add_tconv(w, &s, p1, c2, 20, 37, 3, 1, 3, 1, 0);
	if (!ret) {
		struct qnn_layer_desc l = { .sz = sizeof(l), .name = "pool2", .op = QNN_OP_MAXPOOL,
			.inputs = { c2 }, .output = p2, .kernel = { 2, 1 }, .stride = { 2, 1 } };

		ret = qnn_writer_add_layer(w, &l) < 0;
	}
	if (!ret) {
		int32_t *v = xcalloc((size_t)10 * 3 * 6 * 37, 4);
		struct qnn_layer_desc l = { .sz = sizeof(l), .name = "fc", .op = QNN_OP_DENSE,
			.inputs = { p2 }, .output = y };

		for (size_t i = 0; i < (size_t)10 * 3 * 6 * 37; i++)
			v[i] = rnd_val(&s, QNN_ENC_BIPOLAR, 1);
		l.weights = add_bits_const(w, "wfc", v, QNN_ENC_BIPOLAR, 1, 10, 3, 6, 37);
		free(v);
		ret = qnn_writer_add_layer(w, &l) < 0;
	}
	if (!ret) {
		qnn_writer_add_input(w, x);
		qnn_writer_add_output(w, y);
		if (expose) {
			qnn_writer_add_output(w, c1);
			qnn_writer_add_output(w, c2);
		}
		ret = qnn_writer_write_mem(w, buf, size);
	}
	qnn_writer_free(w);
	return ret;
}

/* the fused model against the same network unfused, batches 1..9, 1 and all threads */
static void test_fused_pools(struct qnn_ctx *ctx)
{
	struct qnn_model *mf = NULL, *mu = NULL;
	void *bf = NULL, *bu = NULL;
	size_t nf, nu;
	struct qnn_plan_info pf = { .sz = sizeof(pf) }, pu = { .sz = sizeof(pu) };
	uint8_t *in = xcalloc(9, 13 * 13 * 3);
	float yf[9][10], yu[9][10];
	uint8_t *c1 = xcalloc(9, 13 * 13 * 8), *c2 = xcalloc(9, 6 * 6 * 16);
	uint64_t s = 5;
	int bad = 0;

	if (build_pools(&bf, &nf, 0) || build_pools(&bu, &nu, 1) ||
	    qnn_model_load_mem(ctx, bf, nf, NULL, &mf) || qnn_model_load_mem(ctx, bu, nu, NULL, &mu)) {
		ok(0, "conv + maxpool models load: %s", qnn_ctx_errmsg(ctx));
		goto out;
	}
	for (size_t i = 0; i < 9 * 13 * 13 * 3; i++)
		in[i] = (uint8_t)rnd(&s);
	for (unsigned int b = 1; b <= 9; b++)
		for (unsigned int th = 0; th <= 1; th++) {
			struct qnn_run_opts ro = { .sz = sizeof(ro), .threads = th };
			const void *iv[1] = { in };
			void *of[1] = { yf }, *ou[3] = { yu, c1, c2 };

			memset(yf, 0, sizeof(yf));
			memset(yu, 0x55, sizeof(yu));
			if (qnn_run_batch(mf, b, iv, of, &ro) || qnn_run_batch(mu, b, iv, ou, &ro) ||
			    memcmp(yf, yu, b * sizeof(yf[0])))
				bad++;
		}
	qnn_model_plan_info(mf, &pf);
	qnn_model_plan_info(mu, &pu);
	ok(!bad && pf.act_peak_bytes < pu.act_peak_bytes,
	   "conv+maxpool fused (2x2 dropping a row, 2x1; ZERO_PAD, negated, 2-bit) == unfused, "
	   "batches 1..9, 1 and all threads (%d differ); arena %zu < %zu bytes/image",
	   bad, pf.act_peak_bytes, pu.act_peak_bytes);
out:
	qnn_model_free(mf);
	qnn_model_free(mu);
	free(bf);
	free(bu);
	free(in);
	free(c1);
	free(c2);
}

/*
 * BITS 9x8x64 -> conv 3x3 unpadded (70, bipolar, some channels negated:
 * the popconv_bits path) -> maxpool 2 (3x3: a row dropped) -> dense 10
 * F32; with `expose` the conv output is a graph output too (unfused).
 */
static int build_bpool(void **buf, size_t *size, int expose)
{
	struct qnn_writer *w;
	uint64_t s = 77;
	int x, c1, p1, y, ret;
	struct qnn_tensor_desc d;

	if (qnn_writer_create(&w))
		return -1;
	d = tdesc("x", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 1, 9, 8, 64);
	x = qnn_writer_add_tensor(w, &d);
	d = tdesc("c1", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 1, 7, 6, 70);
	c1 = qnn_writer_add_tensor(w, &d);
	d = tdesc("p1", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 1, 3, 3, 70);
	p1 = qnn_writer_add_tensor(w, &d);
	d = tdesc("y", QNN_DT_F32, 0, 0, 1, 1, 1, 10);
	y = qnn_writer_add_tensor(w, &d);
	ret = add_tconv(w, &s, x, c1, 64, 70, 3, 0, 1, 0, 0);
	if (!ret) {
		struct qnn_layer_desc l = { .sz = sizeof(l), .name = "pool1", .op = QNN_OP_MAXPOOL,
			.inputs = { c1 }, .output = p1, .kernel = { 2, 2 }, .stride = { 2, 2 } };

		ret = qnn_writer_add_layer(w, &l) < 0;
	}
	if (!ret) {
		int32_t *v = xcalloc((size_t)10 * 3 * 3 * 70, 4);
		struct qnn_layer_desc l = { .sz = sizeof(l), .name = "fc", .op = QNN_OP_DENSE,
			.inputs = { p1 }, .output = y };

		for (size_t i = 0; i < (size_t)10 * 3 * 3 * 70; i++)
			v[i] = rnd_val(&s, QNN_ENC_BIPOLAR, 1);
		l.weights = add_bits_const(w, "wfc", v, QNN_ENC_BIPOLAR, 1, 10, 3, 3, 70);
		free(v);
		ret = qnn_writer_add_layer(w, &l) < 0;
	}
	if (!ret) {
		qnn_writer_add_input(w, x);
		qnn_writer_add_output(w, y);
		if (expose)
			qnn_writer_add_output(w, c1);
		ret = qnn_writer_write_mem(w, buf, size);
	}
	qnn_writer_free(w);
	return ret;
}

/* the binary fused model against the same network unfused, batches 1..9, 1 and all threads */
static void test_fused_bits_pool(struct qnn_ctx *ctx)
{
	struct qnn_model *mf = NULL, *mu = NULL;
	void *bf = NULL, *bu = NULL;
	size_t nf, nu, ib = (size_t)9 * 8 * 8;
	uint64_t *in = xcalloc(9, ib);
	float yf[9][10], yu[9][10];
	uint8_t *c1 = xcalloc(9, 7 * 6 * 16);
	uint64_t s = 6;
	int bad = 0;

	if (build_bpool(&bf, &nf, 0) || build_bpool(&bu, &nu, 1) ||
	    qnn_model_load_mem(ctx, bf, nf, NULL, &mf) || qnn_model_load_mem(ctx, bu, nu, NULL, &mu)) {
		ok(0, "binary conv + maxpool models load: %s", qnn_ctx_errmsg(ctx));
		goto out;
	}
	for (size_t i = 0; i < 9 * ib / 8; i++)
		in[i] = rnd(&s);
	for (unsigned int b = 1; b <= 9; b++)
		for (unsigned int th = 0; th <= 1; th++) {
			struct qnn_run_opts ro = { .sz = sizeof(ro), .threads = th };
			const void *iv[1] = { in };
			void *of[1] = { yf }, *ou[2] = { yu, c1 };

			memset(yf, 0, sizeof(yf));
			memset(yu, 0x55, sizeof(yu));
			if (qnn_run_batch(mf, b, iv, of, &ro) || qnn_run_batch(mu, b, iv, ou, &ro) ||
			    memcmp(yf, yu, b * sizeof(yf[0])))
				bad++;
		}
	ok(!bad, "binary conv+maxpool fused (popconv_bits, 2x2 dropping a row, negated, 70 channels) "
	   "== unfused, batches 1..9, 1 and all threads (%d differ)", bad);
out:
	qnn_model_free(mf);
	qnn_model_free(mu);
	free(bf);
	free(bu);
	free(in);
	free(c1);
}

struct job {
	struct qnn_model *m;
	const uint8_t *in;
	const float *ref;
	size_t ibytes, obytes;
	int seed, bad;
};

static void *hammer(void *arg)
{
	struct job *j = arg;
	uint64_t s = (uint64_t)j->seed;
	float *out = xcalloc(B, j->obytes);

	for (int it = 0; it < 40; it++) {
		unsigned int first = (unsigned int)rndi(&s, 0, B - 1);
		unsigned int n = (unsigned int)rndi(&s, 1, (int)(B - first));
		const void *in[1] = { j->in + first * j->ibytes };
		void *o[2] = { out, xcalloc(B, 12) };

		if (qnn_run_batch(j->m, n, in, o, NULL) ||
		    memcmp(out, (const uint8_t *)j->ref + first * j->obytes, n * j->obytes))
			j->bad++;
		free(o[1]);
	}
	free(out);
	return NULL;
}

int main(void)
{
	struct qnn_ctx *ctx;
	struct qnn_model *m;
	char err[256];
	void *buf;
	size_t n;

	if (qnn_ctx_create(NULL, &ctx, err, sizeof(err))) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	/* liveness: the chain's plan is known by hand */
	if (build_chain(&buf, &n) || qnn_model_load_mem(ctx, buf, n, NULL, &m)) {
		printf("Bail out! chain model: %s\n", qnn_ctx_errmsg(ctx));
		return 1;
	}
	{
		struct qnn_plan_info pi = { .sz = sizeof(pi) }, small = { .sz = 4 };
		int ret = qnn_model_plan_info(m, &pi);

		ok(!ret && pi.act_naive_bytes == 2048 &&
		   pi.act_min_bytes == 1024 && pi.act_peak_bytes == 1024,
		   "chain of 4 x 512-byte activations: planned %zu bytes, minimum %zu, naive %zu",
		   pi.act_peak_bytes, pi.act_min_bytes, pi.act_naive_bytes);
		ok(qnn_model_plan_info(m, &small) == -EINVAL && qnn_model_plan_info(NULL, &pi) == -EINVAL,
		   "plan_info: sz too small or no model: -EINVAL");
	}
	qnn_model_free(m);
	free(buf);

	/* model 0 (conv, pool, flatten, dense, top-k) from 4 threads at once */
	if (build_model(0, &buf, &n, 11) || qnn_model_load_mem(ctx, buf, n, NULL, &m)) {
		printf("Bail out! model 0: %s\n", qnn_ctx_errmsg(ctx));
		return 1;
	}
	{
		struct qnn_tensor_info ti = { .sz = sizeof(ti) }, to = { .sz = sizeof(to) };
		struct qnn_plan_info pi = { .sz = sizeof(pi) };
		struct job jobs[4];
		pthread_t th[4];
		uint8_t *in;
		float *ref;
		int bad = 0;
		uint64_t s = 3;

		qnn_model_input(m, 0, &ti);
		qnn_model_output(m, 0, &to);
		in = xcalloc(B, ti.bytes);
		ref = xcalloc(B, to.bytes);
		for (size_t i = 0; i < B * ti.bytes; i++)
			in[i] = (uint8_t)rnd(&s);
		for (int i = 0; i < B; i++) {
			const void *iv[1] = { in + i * ti.bytes };
			void *ov[2] = { (uint8_t *)ref + i * to.bytes, xcalloc(1, 12) };

			bad |= qnn_run(m, iv, ov);
			free(ov[1]);
		}
		bad |= qnn_model_plan_info(m, &pi);
		ok(!bad && pi.act_min_bytes <= pi.act_peak_bytes &&
		   pi.act_peak_bytes <= pi.act_naive_bytes,
		   "model 0 alone; plan %zu <= naive %zu, >= minimum %zu bytes per image",
		   pi.act_peak_bytes, pi.act_naive_bytes, pi.act_min_bytes);
		for (int i = 0; i < 4; i++) {
			jobs[i] = (struct job){ m, in, ref, ti.bytes, to.bytes, i + 1, 0 };
			pthread_create(&th[i], NULL, hammer, &jobs[i]);
		}
		for (int i = 0; i < 4; i++) {
			pthread_join(th[i], NULL);
			bad += jobs[i].bad;
		}
		ok(!bad, "4 threads x 40 runs of one model at once, batches 1..8: every output as alone (%d differ)",
		   bad);
		free(in);
		free(ref);
	}
	qnn_model_free(m);
	free(buf);
	test_fused_pools(ctx);
	test_fused_bits_pool(ctx);
	qnn_ctx_destroy(ctx);
	return done_testing();
}
