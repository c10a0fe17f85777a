// SPDX-License-Identifier: MIT
/*
 * The context's memory limit. A model file of a few hundred bytes can
 * declare two 16384x16384x2 U8 activations (1 GiB per image, inside the
 * format's limits); a batch multiplies that. Loads and runs that would
 * allocate more than the limit must fail with -E2BIG, naming the sizes,
 * before allocating; runs within it must work. Sizes are checked against
 * the model's own tensor sizes (qnn_tensor_info.bytes), the default against
 * /proc/meminfo.
 */
#include <errno.h>
#include <stdint.h>

#include "qnn_test.h"

/* U8 h x w x c -> maxpool 1x1 -> U8 h x w x c: no constants at all */
static int pool_model(uint32_t h, uint32_t w, uint32_t c, void **buf, size_t *size)
{
	struct qnn_writer *wr;
	struct qnn_tensor_desc d;
	struct qnn_layer_desc l;
	int x, y, ret;

	if (qnn_writer_create(&wr))
		return -1;
	d = tdesc("x", QNN_DT_U8, 0, 0, 1, h, w, c);
	x = qnn_writer_add_tensor(wr, &d);
	d = tdesc("y", QNN_DT_U8, 0, 0, 1, h, w, c);
	y = qnn_writer_add_tensor(wr, &d);
	l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "p", .op = QNN_OP_MAXPOOL,
		.inputs = { x }, .output = y, .kernel = { 1, 1 }, .stride = { 1, 1 } };
	qnn_writer_add_layer(wr, &l);
	qnn_writer_add_input(wr, x);
	qnn_writer_add_output(wr, y);
	ret = qnn_writer_write_mem(wr, buf, size);
	if (ret)
		printf("# %s\n", qnn_writer_errmsg(wr));
	qnn_writer_free(wr);
	return ret;
}

static size_t meminfo_total(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	unsigned long long kb = 0;
	char line[128];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return (size_t)kb * 1024;
}

static struct qnn_ctx *ctx_limit(size_t limit)
{
	struct qnn_ctx_opts o = { .sz = sizeof(o), .device = "cpu", .threads = 2, .mem_limit = limit };
	struct qnn_ctx *ctx = NULL;
	char err[256];

	if (qnn_ctx_create(&o, &ctx, err, sizeof(err)))
		printf("# %s\n", err);
	return ctx;
}

static size_t round64(size_t n)
{
	return (n + 63) / 64 * 64;
}

int main(void)
{
	const size_t gib = (size_t)1 << 30;
	void *big = NULL, *small = NULL;
	size_t big_size = 0, small_size = 0;
	uint8_t dummy[64] = { 0 };
	const void *ins[1] = { dummy };
	void *outs[1] = { dummy };
	struct qnn_ctx *ctx;
	struct qnn_model *m = NULL;
	int ret;

	ret = pool_model(16384, 16384, 2, &big, &big_size);
	ok(!ret && big_size <= 1024, "model with two 16384x16384x2 U8 activations: a %zu-byte file",
	   big_size);
	ret = pool_model(64, 64, 16, &small, &small_size);
	ok(!ret, "model with two 64x64x16 U8 activations");

	/* ---- the default ---- */
	ctx = ctx_limit(0);
	{
		struct qnn_ctx_info ci = { .sz = sizeof(ci) };
		size_t ram = meminfo_total(), want = ram / 2 < gib ? ram / 2 : gib;

		ret = ctx ? qnn_ctx_info(ctx, &ci) : -1;
		ok(!ret && ram && ci.mem_limit <= want && ci.mem_limit + (64u << 20) >= want,
		   "default limit %zu = min(1 GiB, half of %zu bytes of RAM)", ci.mem_limit, ram);
	}
	ret = qnn_model_load_mem(ctx, big, big_size, NULL, &m);
	if (!ret) {
		/* 1 GiB per image fits the default on a machine with >= 2 GiB */
		ret = qnn_run_batch(m, 64, ins, outs, NULL);
		ok(ret == -E2BIG && strstr(qnn_ctx_errmsg(ctx), "1073741824") &&
		   strstr(qnn_ctx_errmsg(ctx), "memory limit"),
		   "batch 64 of it (64 GiB): -E2BIG before allocating (%d: %s)", ret, qnn_ctx_errmsg(ctx));
		ret = qnn_run_batch(m, 2, ins, outs, NULL);
		ok(ret == -E2BIG, "batch 2 of it (2 GiB): -E2BIG (%d)", ret);
		qnn_model_free(m);
		m = NULL;
	} else {
		ok(ret == -E2BIG && strstr(qnn_ctx_errmsg(ctx), "memory limit"),
		   "small machine: the 1 GiB-per-image model refused at load (%s)", qnn_ctx_errmsg(ctx));
		ok(1, "# SKIP batch checks (model did not load)");
	}
	qnn_ctx_destroy(ctx);

	/* ---- refused at load ---- */
	ctx = ctx_limit(64u << 20);
	ret = qnn_model_load_mem(ctx, big, big_size, NULL, &m);
	ok(ret == -E2BIG && !m && strstr(qnn_ctx_errmsg(ctx), "1073741824") &&
	   strstr(qnn_ctx_errmsg(ctx), "67108864"),
	   "limit 64 MiB: the model is refused at load, naming both sizes (%s)", qnn_ctx_errmsg(ctx));
	qnn_ctx_destroy(ctx);

	/* ---- the boundary, on a model small enough to run ---- */
	{
		size_t per = round64(64 * 64 * 16) * 2;	/* input + output, 64-byte aligned */
		size_t n = 64 * 64 * 16 * 5;
		uint8_t *in = xcalloc(1, n), *out = xcalloc(1, n);
		const void *bi[1] = { in };
		void *bo[1] = { out };
		uint64_t s = 1;

		for (size_t i = 0; i < n; i++)
			in[i] = (uint8_t)rnd(&s);
		ctx = ctx_limit(per * 4);
		ret = qnn_model_load_mem(ctx, small, small_size, NULL, &m);
		ok(!ret, "limit of 4 images: model loads");
		if (!ret) {
			ret = qnn_run_batch(m, 4, bi, bo, NULL);
			ok(!ret && !memcmp(in, out, 64 * 64 * 16 * 4), "batch 4 runs (1x1 max pool = copy)");
			ret = qnn_run_batch(m, 5, bi, bo, NULL);
			ok(ret == -E2BIG && strstr(qnn_ctx_errmsg(ctx), "batch 5"),
			   "batch 5: -E2BIG (%s)", qnn_ctx_errmsg(ctx));
			ret = qnn_run(m, bi, bo);
			ok(!ret, "a refused batch leaves the model usable");
			qnn_model_free(m);
			m = NULL;
		}
		qnn_ctx_destroy(ctx);
		ctx = ctx_limit(SIZE_MAX);
		ret = qnn_model_load_mem(ctx, small, small_size, NULL, &m);
		ok(!ret && !qnn_run_batch(m, 5, bi, bo, NULL) && !memcmp(in, out, n),
		   "limit SIZE_MAX: no limit, batch 5 runs");
		qnn_model_free(m);
		qnn_ctx_destroy(ctx);
		free(in);
		free(out);
	}
	free(big);
	free(small);
	return done_testing();
}
