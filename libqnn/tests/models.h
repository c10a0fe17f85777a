/* SPDX-License-Identifier: MIT */
/*
 * Small valid models built through the writer, shared by the loader tests,
 * the fuzzer's seed generator and the API tests. Each covers different ops.
 */
#ifndef QNN_TEST_MODELS_H
#define QNN_TEST_MODELS_H

#include "qnn_test.h"

#define NUM_MODELS 5

/*
 * 0: U8 8x8x3 -> conv 3x3 (16, thresholds) -> maxpool 2 -> conv 3x3 W1A1 ZERO_PAD
 *    (32, 2-bit out) -> flatten -> dense 10 F32 -> topk 3
 * 1: BITS W2A2 4x4x65 -> conv 1x1 I32 -> threshold 2-bit -> avgpool 2 (F32)
 * 2: F32 5x5x2 -> quantize U8 -> conv I32 bias/shift -> add residual (I32)
 *    -> global avg pool
 * 3: BITS bipolar 3x3x64 -> dequant levels ... two outputs
 */
static inline int build_model(int which, void **buf, size_t *size, uint64_t seed)
{
	struct qnn_writer *w;
	uint64_t s = seed;
	int ret, x, y;

	if (qnn_writer_create(&w))
		return -1;
#define T(name, dt, enc, bits, h, wd, c) ({ struct qnn_tensor_desc d_ = tdesc(name, dt, enc, bits, 1, h, wd, c); \
	qnn_writer_add_tensor(w, &d_); })
#define RANDW(name, enc, bits, o, kh, kw, c) ({ size_t n_ = (size_t)(o) * (kh) * (kw) * (c); \
	int32_t *v_ = xcalloc(n_, 4); for (size_t i_ = 0; i_ < n_; i_++) v_[i_] = rnd_val(&s, enc, bits); \
	int id_ = add_bits_const(w, name, v_, enc, bits, o, kh, kw, c); free(v_); id_; })
#define THRESH(name, o, nt, lo, hi) ({ int32_t *t_ = xcalloc((size_t)(o) * (nt), 4); \
	for (uint32_t o_ = 0; o_ < (o); o_++) for (uint32_t k_ = 0; k_ < (nt); k_++) \
		t_[o_ * (nt) + k_] = (lo) + (int32_t)(((hi) - (lo)) * (k_ + 1) / ((nt) + 1)) + rndi(&s, -1, 1) * (k_ == 0); \
	struct qnn_tensor_desc d_ = tdesc(name, QNN_DT_I32, 0, 0, 1, 1, o, nt); \
	int id_ = qnn_writer_add_const(w, &d_, t_, (size_t)(o) * (nt) * 4); free(t_); id_; })
	switch (which) {
	case 0: {
		struct qnn_layer_desc l = { .sz = sizeof(l) };
		int a, b, c, d, e, f;

		x = T("image", QNN_DT_U8, 0, 0, 8, 8, 3);
		a = T("c1", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 6, 6, 16);
		b = T("p1", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 3, 3, 16);
		c = T("c2", QNN_DT_BITS, QNN_ENC_UNSIGNED, 2, 3, 3, 32);
		d = T("flat", QNN_DT_BITS, QNN_ENC_UNSIGNED, 2, 1, 1, 288);
		e = T("logits", QNN_DT_F32, 0, 0, 1, 1, 10);
		f = T("top3", QNN_DT_I32, 0, 0, 1, 1, 3);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "conv1", .op = QNN_OP_CONV2D,
			.inputs = { x }, .output = a, .weights = RANDW("w1", QNN_ENC_BIPOLAR, 1, 16, 3, 3, 3),
			.thresholds = THRESH("t1", 16, 1, -200, 200) };
		qnn_writer_add_layer(w, &l);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "pool1", .op = QNN_OP_MAXPOOL,
			.inputs = { a }, .output = b, .kernel = { 2, 2 }, .stride = { 2, 2 } };
		qnn_writer_add_layer(w, &l);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "conv2", .op = QNN_OP_CONV2D,
			.inputs = { b }, .output = c, .weights = RANDW("w2", QNN_ENC_BIPOLAR, 1, 32, 3, 3, 16),
			.thresholds = THRESH("t2", 32, 3, -40, 40), .pad = { 1, 1, 1, 1 },
			.flags = QNN_LAYER_ZERO_PAD };
		qnn_writer_add_layer(w, &l);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "flatten", .op = QNN_OP_FLATTEN,
			.inputs = { c }, .output = d };
		qnn_writer_add_layer(w, &l);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "fc", .op = QNN_OP_DENSE,
			.inputs = { d }, .output = e, .weights = RANDW("w3", QNN_ENC_BIPOLAR, 1, 10, 1, 1, 288) };
		qnn_writer_add_layer(w, &l);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "top", .op = QNN_OP_TOPK,
			.inputs = { e }, .output = f, .k = 3 };
		qnn_writer_add_layer(w, &l);
		qnn_writer_add_input(w, x);
		qnn_writer_add_output(w, e);
		qnn_writer_add_output(w, f);
		break;
	}
	case 1: {
		struct qnn_layer_desc l;
		int a, b, c;

		x = T("x", QNN_DT_BITS, QNN_ENC_UNSIGNED, 2, 4, 4, 65);
		a = T("acc", QNN_DT_I32, 0, 0, 4, 4, 7);
		b = T("q", QNN_DT_BITS, QNN_ENC_UNSIGNED, 2, 4, 4, 7);
		c = T("avg", QNN_DT_F32, 0, 0, 2, 2, 7);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "conv", .op = QNN_OP_CONV2D,
			.inputs = { x }, .output = a, .weights = RANDW("w", QNN_ENC_SIGNED, 2, 7, 1, 1, 65) };
		qnn_writer_add_layer(w, &l);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "act", .op = QNN_OP_THRESHOLD,
			.inputs = { a }, .output = b, .thresholds = THRESH("t", 7, 3, -60, 60) };
		qnn_writer_add_layer(w, &l);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "avg", .op = QNN_OP_AVGPOOL,
			.inputs = { b }, .output = c, .kernel = { 2, 2 }, .stride = { 2, 2 } };
		qnn_writer_add_layer(w, &l);
		qnn_writer_add_input(w, x);
		qnn_writer_add_output(w, c);
		break;
	}
	case 2: {
		struct qnn_layer_desc l;
		float sc = 0.25f;
		int32_t bias[4] = { 1, -2, 3, -4 };
		int8_t sh[4] = { 0, 1, -1, 2 };
		int q, a, b, c, r;

		x = T("x", QNN_DT_F32, 0, 0, 5, 5, 2);
		q = T("xq", QNN_DT_U8, 0, 0, 5, 5, 2);
		a = T("conv", QNN_DT_I32, 0, 0, 5, 5, 4);
		r = T("skip", QNN_DT_I32, 0, 0, 5, 5, 4);
		b = T("sum", QNN_DT_I32, 0, 0, 5, 5, 4);
		c = T("gap", QNN_DT_F32, 0, 0, 1, 1, 4);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "quant", .op = QNN_OP_QUANTIZE,
			.inputs = { x }, .output = q, .scale = add_const(w, "qs", QNN_DT_F32, 1, 1, 1, &sc) };
		qnn_writer_add_layer(w, &l);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "conv", .op = QNN_OP_CONV2D,
			.inputs = { q }, .output = a, .weights = RANDW("w", QNN_ENC_BIPOLAR, 1, 4, 3, 3, 2),
			.pad = { 1, 1, 1, 1 }, .bias = add_const(w, "b", QNN_DT_I32, 1, 1, 4, bias),
			.scale = add_const(w, "s", QNN_DT_I8, 1, 1, 4, sh) };
		qnn_writer_add_layer(w, &l);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "conv_skip", .op = QNN_OP_CONV2D,
			.inputs = { q }, .output = r, .weights = RANDW("w2", QNN_ENC_UNSIGNED, 3, 4, 1, 1, 2) };
		qnn_writer_add_layer(w, &l);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "add", .op = QNN_OP_ADD,
			.inputs = { a, r }, .output = b };
		qnn_writer_add_layer(w, &l);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "gap", .op = QNN_OP_GLOBAL_AVGPOOL,
			.inputs = { b }, .output = c };
		qnn_writer_add_layer(w, &l);
		qnn_writer_add_input(w, x);
		qnn_writer_add_output(w, c);
		break;
	}
	default: {
		struct qnn_layer_desc l;
		float lv[4] = { -1.5f, -0.25f, 0.5f, 2.0f };
		int a, b, d;

		x = T("x", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 3, 3, 64);
		y = T("x2", QNN_DT_BITS, QNN_ENC_UNSIGNED, 2, 3, 3, 5);
		a = T("v", QNN_DT_F32, 0, 0, 3, 3, 64);
		b = T("lv", QNN_DT_F32, 0, 0, 3, 3, 5);
		d = T("mx", QNN_DT_BITS, QNN_ENC_UNSIGNED, 2, 2, 2, 5);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "deq", .op = QNN_OP_DEQUANT,
			.inputs = { x }, .output = a };
		qnn_writer_add_layer(w, &l);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "levels", .op = QNN_OP_DEQUANT,
			.inputs = { y }, .output = b, .levels = add_const(w, "lv", QNN_DT_F32, 1, 1, 4, lv) };
		qnn_writer_add_layer(w, &l);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "mp", .op = QNN_OP_MAXPOOL,
			.inputs = { y }, .output = d, .kernel = { 2, 2 }, .stride = { 2, 2 }, .pad = { 1, 1, 0, 0 } };
		qnn_writer_add_layer(w, &l);
		qnn_writer_add_input(w, x);
		qnn_writer_add_input(w, y);
		qnn_writer_add_output(w, a);
		qnn_writer_add_output(w, b);
		qnn_writer_add_output(w, d);
		break;
	}
	case 4: {
		/* issue 10's ops: depthwise conv (cpu_gconv.c), AVG_VALID pool, CONCAT, SOFTMAX */
		struct qnn_layer_desc l;
		int a, b, c, d, e, f;

		x = T("x", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 5, 5, 8);
		a = T("dw", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 5, 5, 8);
		b = T("cat", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 5, 5, 16);
		c = T("avg", QNN_DT_I32, 0, 0, 3, 3, 16);
		d = T("flat", QNN_DT_I32, 0, 0, 1, 1, 144);
		e = T("f", QNN_DT_F32, 0, 0, 1, 1, 144);
		f = T("p", QNN_DT_F32, 0, 0, 1, 1, 144);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "dw", .op = QNN_OP_CONV2D,
			.inputs = { x }, .output = a, .weights = RANDW("w", QNN_ENC_BIPOLAR, 1, 8, 3, 3, 1),
			.thresholds = THRESH("t", 8, 1, -3, 3), .stride = { 1, 1 }, .pad = { 1, 1, 1, 1 },
			.dilation = { 1, 1 }, .groups = 8, .flags = QNN_LAYER_ZERO_PAD };
		qnn_writer_add_layer(w, &l);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "cat", .op = QNN_OP_CONCAT,
			.inputs = { x, a }, .output = b };
		qnn_writer_add_layer(w, &l);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "avg", .op = QNN_OP_AVGPOOL,
			.inputs = { b }, .output = c, .kernel = { 3, 3 }, .stride = { 2, 2 },
			.pad = { 1, 1, 1, 1 }, .flags = QNN_LAYER_AVG_VALID };
		qnn_writer_add_layer(w, &l);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "flat", .op = QNN_OP_FLATTEN,
			.inputs = { c }, .output = d };
		qnn_writer_add_layer(w, &l);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "deq", .op = QNN_OP_DEQUANT,
			.inputs = { d }, .output = e };
		qnn_writer_add_layer(w, &l);
		l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "sm", .op = QNN_OP_SOFTMAX,
			.inputs = { e }, .output = f, .flags = QNN_LAYER_SOFTMAX_LOG };
		qnn_writer_add_layer(w, &l);
		qnn_writer_add_input(w, x);
		qnn_writer_add_output(w, f);
		break;
	}
	}
#undef T
#undef RANDW
#undef THRESH
	ret = qnn_writer_write_mem(w, buf, size);
	if (ret)
		printf("# build_model %d: %s\n", which, qnn_writer_errmsg(w));
	qnn_writer_free(w);
	return ret;
}

#endif /* QNN_TEST_MODELS_H */
