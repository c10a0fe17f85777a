// SPDX-License-Identifier: MIT
/*
 * example MODEL.qnn: the whole libqnn API in one page. Builds a tiny binary
 * network with the writer (8-bit 6x6x1 image -> binary 3x3 conv with
 * thresholds -> max-pool -> dense -> top-1), saves it, loads it back with
 * mmap, describes it, and classifies an image synchronously and
 * asynchronously. Prints TAP so `make check` counts it.
 *
 *   cc example.c $(pkg-config --cflags --libs libqnn)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qnn.h>
#include <qnn_model_writer.h>

static int build(const char *path)
{
	struct qnn_writer *w;
	struct qnn_tensor_desc img = { .sz = sizeof(img), .name = "image", .dtype = QNN_DT_U8, .dims = { 1, 6, 6, 1 } };
	struct qnn_tensor_desc c1 = { .sz = sizeof(c1), .name = "conv", .dtype = QNN_DT_BITS,
				      .encoding = QNN_ENC_BIPOLAR, .bits = 1, .dims = { 1, 4, 4, 8 } };
	struct qnn_tensor_desc p1 = c1, lg = { .sz = sizeof(lg), .name = "logits", .dtype = QNN_DT_F32,
					       .dims = { 1, 1, 1, 3 } };
	struct qnn_tensor_desc top = { .sz = sizeof(top), .name = "class", .dtype = QNN_DT_I32, .dims = { 1, 1, 1, 1 } };
	struct qnn_tensor_desc wd = { .sz = sizeof(wd), .dtype = QNN_DT_BITS, .encoding = QNN_ENC_BIPOLAR,
				      .bits = 1, .dims = { 8, 3, 3, 1 } };
	struct qnn_tensor_desc td = { .sz = sizeof(td), .dtype = QNN_DT_I32, .dims = { 1, 1, 8, 1 } };
	struct qnn_tensor_desc fd = { .sz = sizeof(fd), .dtype = QNN_DT_BITS, .encoding = QNN_ENC_BIPOLAR,
				      .bits = 1, .dims = { 3, 2, 2, 8 } };
	int32_t wv[8 * 9], th[8], fv[3 * 2 * 2 * 8];
	uint64_t wp[8 * 9], fp[3 * 4];
	int x, a, b, l, t, id, ret;

	for (int i = 0; i < 8 * 9; i++)
		wv[i] = (i * 7 + i / 9) % 3 ? 1 : -1;	/* some fixed +-1 pattern */
	for (int i = 0; i < 8; i++)
		th[i] = 100 * (i - 4);			/* acc >= th -> +1 */
	for (int i = 0; i < 3 * 2 * 2 * 8; i++)
		fv[i] = (i % 5) < 2 ? -1 : 1;
	p1.name = "pool";
	p1.dims[1] = p1.dims[2] = 2;
	if (qnn_writer_create(&w))
		return -1;
	qnn_pack_bits(wv, wd.dims, 1, QNN_ENC_BIPOLAR, wp);
	qnn_pack_bits(fv, fd.dims, 1, QNN_ENC_BIPOLAR, fp);
	x = qnn_writer_add_tensor(w, &img);
	a = qnn_writer_add_tensor(w, &c1);
	b = qnn_writer_add_tensor(w, &p1);
	l = qnn_writer_add_tensor(w, &lg);
	t = qnn_writer_add_tensor(w, &top);
	{
		struct qnn_layer_desc conv = { .sz = sizeof(conv), .name = "conv", .op = QNN_OP_CONV2D,
			.inputs = { x }, .output = a,
			.weights = qnn_writer_add_const(w, &wd, wp, qnn_tensor_bytes(&wd)),
			.thresholds = qnn_writer_add_const(w, &td, th, sizeof(th)) };
		struct qnn_layer_desc pool = { .sz = sizeof(pool), .name = "pool", .op = QNN_OP_MAXPOOL,
			.inputs = { a }, .output = b, .kernel = { 2, 2 }, .stride = { 2, 2 } };
		struct qnn_layer_desc fc = { .sz = sizeof(fc), .name = "fc", .op = QNN_OP_DENSE,
			.inputs = { b }, .output = l,
			.weights = qnn_writer_add_const(w, &fd, fp, qnn_tensor_bytes(&fd)) };
		struct qnn_layer_desc arg = { .sz = sizeof(arg), .name = "argmax", .op = QNN_OP_TOPK,
			.inputs = { l }, .output = t, .k = 1 };

		qnn_writer_add_layer(w, &conv);
		qnn_writer_add_layer(w, &pool);
		qnn_writer_add_layer(w, &fc);
		id = qnn_writer_add_layer(w, &arg);
	}
	qnn_writer_add_input(w, x);
	qnn_writer_add_output(w, l);
	qnn_writer_add_output(w, t);
	ret = id < 0 ? id : qnn_writer_write_file(w, path);
	if (ret)
		fprintf(stderr, "writer: %s (%s)\n", qnn_writer_errmsg(w), qnn_strerror(ret));
	qnn_writer_free(w);
	return ret;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "example.qnn";
	struct qnn_ctx_opts opts = { .sz = sizeof(opts) };	/* auto device, all CPUs */
	struct qnn_ctx_info ci = { .sz = sizeof(ci) };
	struct qnn_ctx *ctx;
	struct qnn_model *m;
	struct qnn_job *job;
	uint8_t image[36];
	float logits[3], logits2[3];
	int32_t cls, cls2;
	const void *in[1] = { image };
	void *out[2] = { logits, &cls }, *out2[2] = { logits2, &cls2 };
	char err[256];
	int ret;

	if (build(path))
		return 1;
	ret = qnn_ctx_create(&opts, &ctx, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "context: %s\n", err);
		return 1;
	}
	qnn_ctx_info(ctx, &ci);
	ret = qnn_model_load_file(ctx, path, NULL, &m);
	if (ret) {
		fprintf(stderr, "load: %s\n", qnn_ctx_errmsg(ctx));
		return 1;
	}
	printf("# %s on %s, %u threads\n", path, ci.backend, ci.threads);
	for (int i = 0; i < qnn_model_num_layers(m); i++) {
		struct qnn_layer_info li = { .sz = sizeof(li) };

		qnn_model_layer(m, (unsigned int)i, &li);
		printf("#   layer %d %-7s %-8s W%uA%u -> %u bits, %llu MACs\n", i, li.name, li.op,
		       li.weight_bits, li.input_bits, li.output_bits, (unsigned long long)li.macs);
	}
	for (int i = 0; i < 36; i++)
		image[i] = (uint8_t)(i * 7);
	ret = qnn_run(m, in, out);
	if (ret) {
		fprintf(stderr, "run: %s\n", qnn_ctx_errmsg(ctx));
		return 1;
	}
	ret = qnn_submit(m, 1, in, out2, NULL, &job);
	if (!ret)
		ret = qnn_wait(job, -1);
	printf("# logits %.1f %.1f %.1f -> class %d\n", logits[0], logits[1], logits[2], cls);
	printf("%sok 1 - example: built, saved, loaded, ran sync and async with equal results\n",
	       !ret && cls == cls2 && !memcmp(logits, logits2, sizeof(logits)) ? "" : "not ");
	qnn_model_free(m);
	qnn_ctx_destroy(ctx);
	return ret ? 1 : 0;
}
