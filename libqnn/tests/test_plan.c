// SPDX-License-Identifier: MIT
/*
 * The CPU execution plan: the activation arena planned by liveness (exact
 * sizes for a chain whose answer is known by hand), and runs of one model
 * from several threads at once (no model lock: each run has its own
 * activations), every result equal to the same images run alone.
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
	qnn_ctx_destroy(ctx);
	return done_testing();
}
