// SPDX-License-Identifier: MIT
/*
 * FINN's CNV topology (BNN-PYNQ cnvW1A1) through libqnn's public API: built
 * with the model writer from random weights, loaded from memory, then timed
 * batched on all threads (images/s) and one image at a time on all threads
 * (median latency). Layers (valid 3x3 convs, as FINN):
 *
 *   32x32x3 U8 -> conv 64 -> conv 64 -> maxpool 2 -> conv 128 -> conv 128
 *   -> maxpool 2 -> conv 256 -> conv 256 -> fc 512 -> fc 512 -> fc 10 (F32)
 *
 * Every conv/fc but the last thresholds its accumulator to a bipolar bit
 * (batch-norm + sign folded), so all hidden activations are W1A1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "qnn.h"
#include "qnn_model_writer.h"

#define CNV_BATCH 256

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int add_act(struct qnn_writer *w, const char *name, enum qnn_dtype dt,
		   uint32_t h, uint32_t wd, uint32_t c)
{
	struct qnn_tensor_desc d = {
		.sz = sizeof(d), .name = name, .dtype = dt,
		.encoding = dt == QNN_DT_BITS ? QNN_ENC_BIPOLAR : QNN_ENC_NONE,
		.bits = dt == QNN_DT_BITS ? 1 : 0, .dims = { 1, h, wd, c },
	};

	return qnn_writer_add_tensor(w, &d);
}

/* conv (k x k, valid) or dense (k = 0) with random +-1 weights; bipolar out unless last */
static int add_layer(struct qnn_writer *w, uint64_t *s, const char *name, int in, int out,
		     uint32_t o, uint32_t k, uint32_t h, uint32_t wd, uint32_t c, int last)
{
	struct qnn_tensor_desc wdsc = {
		.sz = sizeof(wdsc), .dtype = QNN_DT_BITS, .encoding = QNN_ENC_BIPOLAR, .bits = 1,
		.dims = { o, k ? k : h, k ? k : wd, c },
	};
	struct qnn_tensor_desc td = { .sz = sizeof(td), .dtype = QNN_DT_I32, .dims = { 1, 1, o, 1 } };
	struct qnn_layer_desc l = {
		.sz = sizeof(l), .name = name, .op = k ? QNN_OP_CONV2D : QNN_OP_DENSE,
		.inputs = { in }, .output = out,
	};
	size_t bytes = qnn_tensor_bytes(&wdsc), words = bytes / 8;
	uint32_t cw = (c + 63) / 64;
	uint64_t *wp = malloc(bytes);
	int32_t *th = calloc(o, sizeof(*th));
	int ret;

	if (!wp || !th) {
		free(wp);
		free(th);
		return -ENOMEM;
	}
	for (size_t i = 0; i < words; i++) {
		wp[i] = next(s);
		if (c % 64 && i % cw == cw - 1)
			wp[i] &= ~0ull >> (64 - c % 64);	/* tail bits zero */
	}
	l.weights = qnn_writer_add_const(w, &wdsc, wp, bytes);
	if (!last)
		l.thresholds = qnn_writer_add_const(w, &td, th, o * sizeof(*th));
	ret = qnn_writer_add_layer(w, &l);
	free(wp);
	free(th);
	return ret < 0 ? ret : 0;
}

static int build_cnv(void **buf, size_t *size, char *err, size_t errlen)
{
	struct qnn_writer *w;
	uint64_t s = 0x9e3779b97f4a7c15ull;
	int t[14], ret = 0;

	if (qnn_writer_create(&w))
		return -ENOMEM;
	t[0] = add_act(w, "image", QNN_DT_U8, 32, 32, 3);
	t[1] = add_act(w, "conv1", QNN_DT_BITS, 30, 30, 64);
	t[2] = add_act(w, "conv2", QNN_DT_BITS, 28, 28, 64);
	t[3] = add_act(w, "pool1", QNN_DT_BITS, 14, 14, 64);
	t[4] = add_act(w, "conv3", QNN_DT_BITS, 12, 12, 128);
	t[5] = add_act(w, "conv4", QNN_DT_BITS, 10, 10, 128);
	t[6] = add_act(w, "pool2", QNN_DT_BITS, 5, 5, 128);
	t[7] = add_act(w, "conv5", QNN_DT_BITS, 3, 3, 256);
	t[8] = add_act(w, "conv6", QNN_DT_BITS, 1, 1, 256);
	t[9] = add_act(w, "fc1", QNN_DT_BITS, 1, 1, 512);
	t[10] = add_act(w, "fc2", QNN_DT_BITS, 1, 1, 512);
	t[11] = add_act(w, "logits", QNN_DT_F32, 1, 1, 10);
	ret = add_layer(w, &s, "conv1", t[0], t[1], 64, 3, 32, 32, 3, 0);
	if (!ret)
		ret = add_layer(w, &s, "conv2", t[1], t[2], 64, 3, 30, 30, 64, 0);
	if (!ret) {
		struct qnn_layer_desc p = { .sz = sizeof(p), .name = "pool1", .op = QNN_OP_MAXPOOL,
			.inputs = { t[2] }, .output = t[3], .kernel = { 2, 2 }, .stride = { 2, 2 } };

		ret = qnn_writer_add_layer(w, &p) < 0;
	}
	if (!ret)
		ret = add_layer(w, &s, "conv3", t[3], t[4], 128, 3, 14, 14, 64, 0);
	if (!ret)
		ret = add_layer(w, &s, "conv4", t[4], t[5], 128, 3, 12, 12, 128, 0);
	if (!ret) {
		struct qnn_layer_desc p = { .sz = sizeof(p), .name = "pool2", .op = QNN_OP_MAXPOOL,
			.inputs = { t[5] }, .output = t[6], .kernel = { 2, 2 }, .stride = { 2, 2 } };

		ret = qnn_writer_add_layer(w, &p) < 0;
	}
	if (!ret)
		ret = add_layer(w, &s, "conv5", t[6], t[7], 256, 3, 5, 5, 128, 0);
	if (!ret)
		ret = add_layer(w, &s, "conv6", t[7], t[8], 256, 3, 3, 3, 256, 0);
	if (!ret)
		ret = add_layer(w, &s, "fc1", t[8], t[9], 512, 0, 1, 1, 256, 0);
	if (!ret)
		ret = add_layer(w, &s, "fc2", t[9], t[10], 512, 0, 1, 1, 512, 0);
	if (!ret)
		ret = add_layer(w, &s, "fc3", t[10], t[11], 10, 0, 1, 1, 512, 1);
	if (!ret) {
		qnn_writer_add_input(w, t[0]);
		qnn_writer_add_output(w, t[11]);
		ret = qnn_writer_write_mem(w, buf, size);
	}
	if (ret)
		snprintf(err, errlen, "cnv: building the model: %s", qnn_writer_errmsg(w));
	qnn_writer_free(w);
	return ret < 0 ? ret : ret ? -EINVAL : 0;
}

static double cpu_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * A span's time as if the process had its threads' cores to itself: the
 * wall time, or -- when smaller -- the process's CPU time over the thread
 * count (the machine is shared; time spent preempted is not ours). Spinning
 * and idle-waiting workers still count as CPU time, so this never flatters
 * a badly balanced run.
 */
static double span_s(double w0, double c0, unsigned int threads)
{
	double wall = bench_now_s() - w0, cpu = (cpu_now_s() - c0) / threads;

	return cpu < wall ? cpu : wall;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int bench_cnv(double *images_per_s, double *latency_us, char *err, size_t errlen)
{
	struct qnn_ctx_opts o = { .sz = sizeof(o) };
	struct qnn_ctx *ctx = NULL;
	struct qnn_model *m = NULL;
	uint8_t *images = NULL;
	float *logits = NULL;
	void *buf = NULL;
	size_t size;
	double lat[301], t0, c0, best = 0, wall_best = 0;
	struct qnn_ctx_info ci = { .sz = sizeof(ci) };
	uint64_t s = 12345;
	int ret;

	ret = build_cnv(&buf, &size, err, errlen);
	if (ret)
		return ret;
	ret = qnn_ctx_create(&o, &ctx, err, errlen);
	if (ret)
		goto out;
	qnn_ctx_info(ctx, &ci);
	ret = qnn_model_load_mem(ctx, buf, size, NULL, &m);
	if (ret) {
		snprintf(err, errlen, "cnv: %s", qnn_ctx_errmsg(ctx));
		goto out;
	}
	images = malloc((size_t)CNV_BATCH * 32 * 32 * 3);
	logits = malloc((size_t)CNV_BATCH * 10 * sizeof(float));
	if (!images || !logits) {
		ret = -ENOMEM;
		snprintf(err, errlen, "cnv: out of memory");
		goto out;
	}
	for (size_t i = 0; i < (size_t)CNV_BATCH * 32 * 32 * 3; i++)
		images[i] = (uint8_t)next(&s);
	{
		const void *in[1] = { images };
		void *outv[1] = { logits };

		/* throughput: best of a few batched runs (the machine is shared) */
		for (int rep = 0; rep < 6; rep++) {
			double wall;

			t0 = bench_now_s();
			c0 = cpu_now_s();
			ret = qnn_run_batch(m, CNV_BATCH, in, outv, NULL);
			if (ret) {
				snprintf(err, errlen, "cnv: run: %s", qnn_ctx_errmsg(ctx));
				goto out;
			}
			wall = bench_now_s() - t0;
			t0 = span_s(t0, c0, ci.threads);
			if (rep && CNV_BATCH / t0 > best)
				best = CNV_BATCH / t0;
			if (rep && CNV_BATCH / wall > wall_best)
				wall_best = CNV_BATCH / wall;
		}
		*images_per_s = best;
		/* latency: median of single-image runs */
		for (int i = 0; i < 301; i++) {
			t0 = bench_now_s();
			c0 = cpu_now_s();
			ret = qnn_run(m, in, outv);
			lat[i] = span_s(t0, c0, ci.threads) * 1e6;
			if (ret) {
				snprintf(err, errlen, "cnv: run: %s", qnn_ctx_errmsg(ctx));
				goto out;
			}
		}
		qsort(lat, 301, sizeof(lat[0]), cmp_double);
		*latency_us = lat[150];
		fprintf(stderr, "# cnv: %s, %u threads, batch %d: %.0f images/s (wall clock %.0f), "
			"latency median %.1f us (on-CPU time / threads when the machine is shared)\n",
			ci.backend, ci.threads, CNV_BATCH, best, wall_best, *latency_us);
	}
out:
	free(images);
	free(logits);
	qnn_model_free(m);
	qnn_ctx_destroy(ctx);
	free(buf);
	return ret;
}
