// SPDX-License-Identifier: MIT
/*
 * What a model and its inputs may not smuggle in (issue 12, item 5):
 * tail bits of packed constants (refused at load, naming the tensor) and of
 * packed inputs (refused at run, naming the input) -- the XOR popcount
 * would count them; a model file rewritten or truncated after load (the
 * loaded model must not change); I32 average-pool sums past the int32 range
 * (exact in 64 bits, saturated on store). Files are patched here from the
 * format's definition (docs/model-format.md), with the test's own CRC32C.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "qnn_test.h"

static struct qnn_ctx *ctx;

#define C 65		/* two words per plane: channel 64 alone in word 1 */
#define W 2		/* pixels per image */
#define O 3
#define BATCH 2


static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static void fix_crc(uint8_t *f, size_t n)
{
	for (int i = 0; i < 4; i++)
		f[28 + i] = 0;
	uint32_t c = crc32c(f, n);

	for (int i = 0; i < 4; i++)
		f[28 + i] = (uint8_t)(c >> (8 * i));
}

/* file offset of the data of the first BITS constant (the weights) */
static size_t weights_offset(const uint8_t *f)
{
	uint32_t nsec = rd32(f + 24);
	uint64_t toff = 0, tcnt = 0, doff = 0;

	for (uint32_t i = 0; i < nsec; i++) {
		const uint8_t *e = f + 64 + 32 * i;

		if (rd32(e) == 2) {
			toff = rd64(e + 8);
			tcnt = rd32(e + 24);
		} else if (rd32(e) == 5) {
			doff = rd64(e + 8);
		}
	}
	for (uint64_t i = 0; i < tcnt; i++) {
		const uint8_t *t = f + toff + 64 * i;

		if (t[4] == QNN_DT_BITS && t[7] == 1)
			return (size_t)(doff + rd64(t + 24));
	}
	return 0;
}

/*
 * x: BIPOLAR 1x1xWxC -> dense (BIPOLAR weights O x 1 x W x C: the XOR path)
 * -> I32 sums + bias. Weights (wv[O*W*C]) and the bias (wv[O*W*C + o]) from
 * seed; the bias is a constant the engine reads at run time.
 */
static int build(uint64_t seed, int32_t *wv, void **buf, size_t *size)
{
	struct qnn_writer *w;
	struct qnn_tensor_desc xd = tdesc("x", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 1, 1, W, C);
	struct qnn_tensor_desc od = tdesc("y", QNN_DT_I32, 0, 0, 1, 1, 1, O);
	struct qnn_layer_desc l = { .sz = sizeof(l), .name = "fc", .op = QNN_OP_DENSE };
	uint64_t s = seed;
	int ret;

	if (qnn_writer_create(&w))
		return -1;
	for (int i = 0; i < O * W * C; i++)
		wv[i] = rnd(&s) & 1 ? 1 : -1;
	for (int o = 0; o < O; o++)
		wv[O * W * C + o] = rndi(&s, -1000, 1000);
	l.bias = add_const(w, "fc.bias", QNN_DT_I32, 1, 1, O, wv + O * W * C);
	l.inputs[0] = qnn_writer_add_tensor(w, &xd);
	l.output = qnn_writer_add_tensor(w, &od);
	l.weights = add_bits_const(w, "fc.weight", wv, QNN_ENC_BIPOLAR, 1, O, 1, W, C);
	qnn_writer_add_layer(w, &l);
	qnn_writer_add_input(w, l.inputs[0]);
	qnn_writer_add_output(w, l.output);
	ret = qnn_writer_write_mem(w, buf, size);
	if (ret)
		printf("# writer: %s\n", qnn_writer_errmsg(w));
	qnn_writer_free(w);
	return ret;
}

static void ref_dense(const int32_t *x, const int32_t *wv, int32_t *y)
{
	for (int n = 0; n < BATCH; n++)
		for (int o = 0; o < O; o++) {
			int32_t s = 0;

			for (int i = 0; i < W * C; i++)
				s += x[n * W * C + i] * wv[o * W * C + i];
			y[n * O + o] = s + wv[O * W * C + o];
		}
}

static void rnd_input(uint64_t *s, int32_t *x, uint64_t *xp)
{
	for (int i = 0; i < BATCH * W * C; i++)
		x[i] = rnd(s) & 1 ? 1 : -1;
	t_pack(x, BATCH * W, C, QNN_ENC_BIPOLAR, 1, xp);
}

static int run(struct qnn_model *m, const uint64_t *xp, int32_t *y)
{
	const void *ins[1] = { xp };
	void *outs[1] = { y };

	return qnn_run_batch(m, BATCH, ins, outs, NULL);
}

static void test_const_tail(uint64_t *s)
{
	int32_t wv[O * W * C + O], x[BATCH * W * C], y[BATCH * O], want[BATCH * O];
	uint64_t xp[BATCH * W * 2];
	struct qnn_model *m = NULL;
	void *buf;
	size_t size, off;
	int ret;

	if (build(7, wv, &buf, &size)) {
		ok(0, "build");
		return;
	}
	off = weights_offset(buf);
	ok(off > 0 && off % 64 == 0, "found the weights at file offset %zu", off);
	rnd_input(s, x, xp);
	ref_dense(x, wv, want);
	ret = qnn_model_load_mem(ctx, buf, size, NULL, &m);
	ok(!ret && !run(m, xp, y) && !memcmp(y, want, sizeof(y)), "clean model: dense sums exact");
	qnn_model_free(m);
	m = NULL;
	/* output channel 1, pixel 0, plane 0, word 1: set bit 63 (channel 127, a tail bit) */
	((uint8_t *)buf)[off + (1 * W + 0) * 16 + 8 + 7] |= 0x80;
	fix_crc(buf, size);
	ret = qnn_model_load_mem(ctx, buf, size, NULL, &m);
	ok(ret == -EBADMSG && strstr(qnn_ctx_errmsg(ctx), "fc.weight") && strstr(qnn_ctx_errmsg(ctx), "tail"),
	   "weights with a tail bit set: load refused (%d: %s)", ret, qnn_ctx_errmsg(ctx));
	if (!ret) {
		run(m, xp, y);
		printf("# loaded anyway: output channel 1 is %d, %d (want %d, %d)\n", y[1], y[O + 1],
		       want[1], want[O + 1]);
	}
	qnn_model_free(m);
	free(buf);
	{
		/* the writer checks what it writes with the same loader */
		struct qnn_writer *w;
		struct qnn_tensor_desc xd = tdesc("x", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 1, 1, 1, 3);
		struct qnn_tensor_desc od = tdesc("y", QNN_DT_I32, 0, 0, 1, 1, 1, 1);
		struct qnn_tensor_desc wd = tdesc("wbad", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 1, 1, 1, 3);
		struct qnn_layer_desc l = { .sz = sizeof(l), .op = QNN_OP_DENSE };
		uint64_t bad = 0x5 | 1ull << 40;

		qnn_writer_create(&w);
		l.inputs[0] = qnn_writer_add_tensor(w, &xd);
		l.output = qnn_writer_add_tensor(w, &od);
		l.weights = qnn_writer_add_const(w, &wd, &bad, sizeof(bad));
		qnn_writer_add_layer(w, &l);
		qnn_writer_add_input(w, l.inputs[0]);
		qnn_writer_add_output(w, l.output);
		ret = qnn_writer_write_mem(w, &buf, &size);
		ok(ret < 0 && strstr(qnn_writer_errmsg(w), "wbad"),
		   "writer refuses a constant with tail bits (%d: %s)", ret, qnn_writer_errmsg(w));
		if (!ret)
			free(buf);
		qnn_writer_free(w);
	}
}

static void test_input_tail(uint64_t *s)
{
	int32_t wv[O * W * C + O], x[BATCH * W * C], y[BATCH * O], want[BATCH * O];
	uint64_t xp[BATCH * W * 2];
	struct qnn_model *m = NULL;
	void *buf;
	size_t size;
	int ret;

	if (build(8, wv, &buf, &size) || qnn_model_load_mem(ctx, buf, size, NULL, &m)) {
		ok(0, "build/load");
		return;
	}
	rnd_input(s, x, xp);
	ref_dense(x, wv, want);
	ok(!run(m, xp, y) && !memcmp(y, want, sizeof(y)), "clean input: dense sums exact");
	/* image 1, pixel 1, plane 0, word 1: bit 5 is channel 69 (tail) */
	xp[(1 * W + 1) * 2 + 1] |= 1ull << 5;
	memset(y, 0, sizeof(y));
	ret = run(m, xp, y);
	ok(ret == -EINVAL && strstr(qnn_ctx_errmsg(ctx), "\"x\"") && strstr(qnn_ctx_errmsg(ctx), "tail"),
	   "input with a tail bit set: run refused (%d: %s)", ret, qnn_ctx_errmsg(ctx));
	if (!ret)
		printf("# ran anyway: image 1 sums %d %d %d (want %d %d %d): the XOR counted the tail\n",
		       y[O], y[O + 1], y[O + 2], want[O], want[O + 1], want[O + 2]);
	{
		/* the same through the asynchronous path */
		struct qnn_job *j = NULL;
		const void *ins[1] = { xp };
		void *outs[1] = { y };

		ret = qnn_submit(m, BATCH, ins, outs, NULL, &j);
		if (!ret)
			ret = qnn_wait(j, -1);
		ok(ret == -EINVAL, "... and through qnn_submit/qnn_wait (%d)", ret);
	}
	xp[(1 * W + 1) * 2 + 1] &= ~(1ull << 5);
	ok(!run(m, xp, y) && !memcmp(y, want, sizeof(y)), "clean again: runs, exact");
	qnn_model_free(m);
	free(buf);
}

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t k = write(fd, b, n);

		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

static void test_file_rewrite(uint64_t *s)
{
	int32_t wa[O * W * C + O], wb[O * W * C + O], x[BATCH * W * C], y[BATCH * O], want[BATCH * O];
	int32_t other[BATCH * O];
	uint64_t xp[BATCH * W * 2];
	char path[] = "/tmp/qnn-test-tails-XXXXXX";
	struct qnn_model *m = NULL;
	void *a, *b;
	size_t na, nb;
	int fd = mkstemp(path), good;

	if (fd < 0 || build(9, wa, &a, &na) || build(10, wb, &b, &nb) || na != nb ||
	    write_all(fd, a, na)) {
		ok(0, "temporary model file");
		return;
	}
	close(fd);
	rnd_input(s, x, xp);
	ref_dense(x, wa, want);
	ref_dense(x, wb, other);
	good = !qnn_model_load_file(ctx, path, NULL, &m) && !run(m, xp, y) && !memcmp(y, want, sizeof(y));
	ok(good && memcmp(want, other, sizeof(want)), "model A loaded from a file, exact (model B differs)");
	/* rewrite in place, as a careless tool or a second writer would */
	fd = open(path, O_WRONLY);
	good = fd >= 0 && !write_all(fd, b, nb);
	if (fd >= 0)
		close(fd);
	memset(y, 0, sizeof(y));
	good = good && !run(m, xp, y);
	ok(good && !memcmp(y, want, sizeof(y)), "file overwritten with model B after load: results unchanged%s",
	   good && !memcmp(y, other, sizeof(y)) ? " (got model B's)" : "");
	/* truncate and rewrite (what cp or the writer does): no SIGBUS, no change */
	fd = open(path, O_WRONLY | O_TRUNC);
	good = fd >= 0 && !fsync(fd) && !write_all(fd, b, nb / 2);
	if (fd >= 0)
		close(fd);
	memset(y, 0, sizeof(y));
	good = good && !run(m, xp, y);
	ok(good && !memcmp(y, want, sizeof(y)), "file truncated to half after load: results unchanged");
	qnn_model_free(m);
	unlink(path);
	free(a);
	free(b);
}

static void test_avgpool_i32(void)
{
	static const int32_t vals[4][4] = {
		{ INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX },	/* 4 * (2^31 - 1): saturates */
		{ INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN },	/* -2^33: saturates */
		{ INT32_MAX, INT32_MAX, INT32_MIN, INT32_MIN },	/* -2: exact, partial sums overflow */
		{ INT32_MAX, 1, -5, INT32_MIN },		/* -5 */
	};
	static const int32_t want[4] = { INT32_MAX, INT32_MIN, -2, -5 };

	for (int glob = 0; glob < 2; glob++) {
		struct qnn_writer *w;
		struct qnn_tensor_desc xd = tdesc("x", QNN_DT_I32, 0, 0, 1, 2, 2, 4);
		struct qnn_tensor_desc od = tdesc("y", QNN_DT_I32, 0, 0, 1, 1, 1, 4);
		struct qnn_layer_desc l = { .sz = sizeof(l), .op = glob ? QNN_OP_GLOBAL_AVGPOOL : QNN_OP_AVGPOOL };
		struct qnn_model *m = NULL;
		int32_t x[16], y[4] = { 0 };
		const void *ins[1] = { x };
		void *outs[1] = { y }, *buf = NULL;
		size_t size;
		int ret;

		if (!glob) {
			l.kernel[0] = l.kernel[1] = 2;
			l.stride[0] = l.stride[1] = 2;
		}
		for (int p = 0; p < 4; p++)
			for (int c = 0; c < 4; c++)
				x[p * 4 + c] = vals[c][p];
		qnn_writer_create(&w);
		l.inputs[0] = qnn_writer_add_tensor(w, &xd);
		l.output = qnn_writer_add_tensor(w, &od);
		qnn_writer_add_layer(w, &l);
		qnn_writer_add_input(w, l.inputs[0]);
		qnn_writer_add_output(w, l.output);
		ret = qnn_writer_write_mem(w, &buf, &size);
		if (!ret)
			ret = qnn_model_load_mem(ctx, buf, size, NULL, &m);
		if (!ret)
			ret = qnn_run(m, ins, outs);
		ok(!ret && !memcmp(y, want, sizeof(want)),
		   "%s I32 sums past int32: exact, saturated on store (got %d %d %d %d)",
		   glob ? "global avgpool" : "avgpool 2x2", y[0], y[1], y[2], y[3]);
		qnn_model_free(m);
		qnn_writer_free(w);
		free(buf);
	}
}

int main(void)
{
	uint64_t s = 5;

	if (qnn_ctx_create(NULL, &ctx, NULL, 0)) {
		printf("Bail out! no context\n");
		return 1;
	}
	test_const_tail(&s);
	test_input_tail(&s);
	test_avgpool_i32();
	test_file_rewrite(&s);
	qnn_ctx_destroy(ctx);
	return done_testing();
}
