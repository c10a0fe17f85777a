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

/*
 * Batches of 64 images (32 per core, image-parallel), best of 20: short
 * runs so that some of them find both cores free on a shared machine.
 */
#define CNV_BATCH 64
#define CNV_REPS 20

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

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Times `reps` batched runs and `nlat` single-image runs on ctx. With
 * on_cpu, spans are the calling thread's CPU time (exact for a one-thread
 * context, where the caller does all the work), else wall-clock time.
 * Throughput is the best run, latency the median.
 */
static int measure(struct qnn_ctx *ctx, struct qnn_model *m, const uint8_t *images,
		   float *logits, int on_cpu, double *ips, double *lat_us,
		   char *err, size_t errlen)
{
	const void *in[1] = { images };
	void *outv[1] = { logits };
	double lat[301], t0, best = 0;
	int ret;

	for (int rep = 0; rep < CNV_REPS; rep++) {
		t0 = on_cpu ? thread_cpu_s() : bench_now_s();
		ret = qnn_run_batch(m, CNV_BATCH, in, outv, NULL);
		if (ret) {
			snprintf(err, errlen, "cnv: run: %s", qnn_ctx_errmsg(ctx));
			return ret;
		}
		t0 = (on_cpu ? thread_cpu_s() : bench_now_s()) - t0;
		if (rep && CNV_BATCH / t0 > best)
			best = CNV_BATCH / t0;
	}
	for (int i = 0; i < 301; i++) {
		t0 = on_cpu ? thread_cpu_s() : bench_now_s();
		ret = qnn_run(m, in, outv);
		lat[i] = ((on_cpu ? thread_cpu_s() : bench_now_s()) - t0) * 1e6;
		if (ret) {
			snprintf(err, errlen, "cnv: run: %s", qnn_ctx_errmsg(ctx));
			return ret;
		}
	}
	qsort(lat, 301, sizeof(lat[0]), cmp_double);
	*ips = best;
	*lat_us = lat[150];
	return 0;
}

int bench_cnv(double *images_per_s, double *latency_us, char *err, size_t errlen)
{
	struct qnn_ctx_info ci = { .sz = sizeof(ci) };
	struct qnn_ctx *ctx = NULL;
	struct qnn_model *m = NULL;
	uint8_t *images = NULL;
	float *logits = NULL;
	void *buf = NULL;
	size_t size;
	double ips1, lat1;
	uint64_t s = 12345;
	int ret;

	ret = build_cnv(&buf, &size, err, errlen);
	if (ret)
		return ret;
	images = malloc((size_t)CNV_BATCH * 32 * 32 * 3);
	logits = malloc((size_t)CNV_BATCH * 10 * sizeof(float));
	if (!images || !logits) {
		ret = -ENOMEM;
		snprintf(err, errlen, "cnv: out of memory");
		goto out;
	}
	for (size_t i = 0; i < (size_t)CNV_BATCH * 32 * 32 * 3; i++)
		images[i] = (uint8_t)next(&s);
	/* the figures: all threads, wall clock */
	for (int pass = 0; pass < 2; pass++) {
		struct qnn_ctx_opts o = { .sz = sizeof(o), .threads = pass ? 1 : 0 };

		ret = qnn_ctx_create(&o, &ctx, err, errlen);
		if (ret)
			goto out;
		qnn_ctx_info(ctx, &ci);
		ret = qnn_model_load_mem(ctx, buf, size, NULL, &m);
		if (ret) {
			snprintf(err, errlen, "cnv: %s", qnn_ctx_errmsg(ctx));
			goto out;
		}
		ret = pass ? measure(ctx, m, images, logits, 1, &ips1, &lat1, err, errlen) :
		      measure(ctx, m, images, logits, 0, images_per_s, latency_us, err, errlen);
		if (ret)
			goto out;
		qnn_model_free(m);
		m = NULL;
		qnn_ctx_destroy(ctx);
		ctx = NULL;
	}
	/*
	 * On a shared machine the wall clock also counts time other processes
	 * had our cores; one thread's own CPU time shows what one core does.
	 */
	fprintf(stderr, "# cnv: %s, batch %d: all threads (wall clock): %.0f images/s, "
		"latency median %.1f us; one thread (its CPU time): %.0f images/s, latency %.1f us\n",
		ci.backend, CNV_BATCH, *images_per_s, *latency_us, ips1, lat1);
out:
	free(images);
	free(logits);
	qnn_model_free(m);
	qnn_ctx_destroy(ctx);
	free(buf);
	return ret;
}
