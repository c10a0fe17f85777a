/* SPDX-License-Identifier: MIT */
/* Small models the VM tests build with the writer (each for one test's point). */
#ifndef QNN_VM_MODELS_H
#define QNN_VM_MODELS_H

#include "vm_util.h"

static inline int vm_load(struct qnn_ctx *ctx, struct qnn_writer *w, struct qnn_model **m)
{
	struct qnn_load_opts lo = { .sz = sizeof(lo), .flags = QNN_LOAD_COPY };
	void *buf = NULL;
	size_t size;
	int ret = qnn_writer_write_mem(w, &buf, &size);

	*m = NULL;
	if (ret)
		fprintf(stderr, "# writer: %s\n", qnn_writer_errmsg(w));
	if (!ret)
		ret = qnn_model_load_mem(ctx, buf, size, &lo, m);
	free(buf);
	return ret;
}

/*
 * `n` inputs, `n` outputs: BITS h x h x 64 each max-pooled 2x2 on its own.
 * All on the device; with every input and output in its own buffer, a job
 * lists 2 + 2n BOs.
 */
static inline int many_io_model(struct qnn_ctx *ctx, unsigned int n, uint32_t h,
				struct qnn_model **m)
{
	struct qnn_writer *w;
	int ret;

	if (qnn_writer_create(&w))
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		char nin[16], nout[16], nl[16];
		struct qnn_tensor_desc di = tdesc(nin, QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 1, h, h, 64);
		struct qnn_tensor_desc dout = tdesc(nout, QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 1, h / 2, h / 2, 64);
		int x, y;

		snprintf(nin, sizeof(nin), "in%u", i);
		snprintf(nout, sizeof(nout), "out%u", i);
		snprintf(nl, sizeof(nl), "pool%u", i);
		x = qnn_writer_add_tensor(w, &di);
		y = qnn_writer_add_tensor(w, &dout);
		struct qnn_layer_desc l = { .sz = sizeof(l), .name = nl, .op = QNN_OP_MAXPOOL,
			.inputs = { x }, .output = y, .kernel = { 2, 2 }, .stride = { 2, 2 } };

		qnn_writer_add_layer(w, &l);
		qnn_writer_add_input(w, x);
		qnn_writer_add_output(w, y);
	}
	ret = vm_load(ctx, w, m);
	qnn_writer_free(w);
	return ret;
}

/*
 * BITS 4x4x64 -> conv 1x1 (64, threshold) -> conv 1x1 (64, threshold):
 * output shaped as the input, so job k+1 can read what job k wrote.
 */
static inline int chain_model(struct qnn_ctx *ctx, uint64_t seed, struct qnn_model **m)
{
	struct qnn_tensor_desc d = tdesc("x", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 1, 4, 4, 64);
	struct qnn_writer *w;
	int32_t wv[64 * 64], tv[64];
	int t[3], ret;

	if (qnn_writer_create(&w))
		return -ENOMEM;
	for (int k = 0; k < 3; k++) {
		d.name = (const char *[]){ "x", "y", "z" }[k];
		t[k] = qnn_writer_add_tensor(w, &d);
	}
	for (int k = 0; k < 2; k++) {
		struct qnn_tensor_desc td = tdesc(k ? "t2" : "t1", QNN_DT_I32, 0, 0, 1, 1, 64, 1);
		struct qnn_layer_desc l = { .sz = sizeof(l), .name = k ? "conv2" : "conv1",
			.op = QNN_OP_CONV2D, .inputs = { t[k] }, .output = t[k + 1] };

		for (int i = 0; i < 64 * 64; i++)
			wv[i] = rnd(&seed) & 1 ? 1 : -1;
		for (int i = 0; i < 64; i++)
			tv[i] = rndi(&seed, -8, 8);
		l.weights = add_bits_const(w, k ? "w2" : "w1", wv, QNN_ENC_BIPOLAR, 1, 64, 1, 1, 64);
		l.thresholds = qnn_writer_add_const(w, &td, tv, sizeof(tv));
		qnn_writer_add_layer(w, &l);
	}
	qnn_writer_add_input(w, t[0]);
	qnn_writer_add_output(w, t[2]);
	ret = vm_load(ctx, w, m);
	qnn_writer_free(w);
	return ret;
}

#endif /* QNN_VM_MODELS_H */
