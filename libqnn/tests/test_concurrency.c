// SPDX-License-Identifier: MIT
/*
 * libqnn's thread-safety contract (docs/libqnn.md "Threads"), meant to run
 * under ASan and TSan as well:
 * - error messages are per thread: threads failing calls on one context at
 *   the same time each read their own message, and an async job's failure
 *   message reaches the thread that waits for it;
 * - freeing a model with jobs still queued cancels them (-ECANCELED) and
 *   waits for the running one; no job touches the freed model;
 * - destroying a context with live models leaves them usable; it is freed
 *   with the last one;
 * - async jobs of different models run in parallel (a blocked model does
 *   not hold up another's job), jobs of one model in submission order.
 * A watchdog turns a hang into a failure.
 */
#include <errno.h>
#include <pthread.h>

#include "internal.h"
#include "qnn_test.h"
#include "watchdog.h"

/* BITS bipolar 1x1x64 -> dense 64 + thresholds -> BITS bipolar 1x1x64 */
static int chain_model(uint64_t seed, void **buf, size_t *size)
{
	struct qnn_writer *w;
	struct qnn_tensor_desc d;
	struct qnn_layer_desc l;
	int32_t v[64 * 64], th[64];
	uint64_t s = seed;
	int x, y, ret;

	if (qnn_writer_create(&w))
		return -1;
	for (int i = 0; i < 64 * 64; i++)
		v[i] = rnd(&s) & 1 ? 1 : -1;
	for (int i = 0; i < 64; i++)
		th[i] = rndi(&s, -6, 6);
	d = tdesc("x", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 1, 1, 1, 64);
	x = qnn_writer_add_tensor(w, &d);
	d = tdesc("y", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 1, 1, 1, 64);
	y = qnn_writer_add_tensor(w, &d);
	d = tdesc("t", QNN_DT_I32, 0, 0, 1, 1, 64, 1);
	l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "fc", .op = QNN_OP_DENSE,
		.inputs = { x }, .output = y,
		.weights = add_bits_const(w, "w", v, QNN_ENC_BIPOLAR, 1, 64, 1, 1, 64),
		.thresholds = qnn_writer_add_const(w, &d, th, sizeof(th)) };
	qnn_writer_add_layer(w, &l);
	qnn_writer_add_input(w, x);
	qnn_writer_add_output(w, y);
	ret = qnn_writer_write_mem(w, buf, size);
	qnn_writer_free(w);
	return ret;
}

static struct qnn_ctx *new_ctx(unsigned int threads, size_t mem_limit)
{
	struct qnn_ctx_opts o = { .sz = sizeof(o), .device = "cpu", .threads = threads,
				  .mem_limit = mem_limit };
	struct qnn_ctx *ctx = NULL;
	char err[256];

	if (qnn_ctx_create(&o, &ctx, err, sizeof(err)))
		printf("# %s\n", err);
	return ctx;
}

/* ---- per-thread error messages ---- */

struct err_arg {
	struct qnn_ctx *ctx;
	int id, iters, wrong;
	char last[200];
};

static void *err_thread(void *p)
{
	struct err_arg *a = p;

	for (int i = 0; i < a->iters; i++) {
		char path[96];
		struct qnn_model *m = NULL;
		int ret;

		snprintf(path, sizeof(path), "/nonexistent/qnn-thread-%d-call-%d.qnn", a->id, i);
		ret = qnn_model_load_file(a->ctx, path, NULL, &m);
		if (ret != -ENOENT || !strstr(qnn_ctx_errmsg(a->ctx), path)) {
			if (!a->wrong++)
				snprintf(a->last, sizeof(a->last), "expected %s, read \"%s\"", path,
					 qnn_ctx_errmsg(a->ctx));
		}
		wd_tick();
	}
	return NULL;
}

int main(void)
{
	void *ba, *bb;
	size_t sa, sb;

	wd_start();
	if (chain_model(1, &ba, &sa) || chain_model(2, &bb, &sb)) {
		ok(0, "models built");
		return done_testing();
	}

	wd_set_stage("per-thread errors");
	{
		enum { T = 4 };
		struct qnn_ctx *ctx = new_ctx(2, 0);
		struct err_arg a[T];
		pthread_t th[T];
		int wrong = 0;

		for (int t = 0; t < T; t++) {
			a[t] = (struct err_arg){ .ctx = ctx, .id = t, .iters = 3000 };
			pthread_create(&th[t], NULL, err_thread, &a[t]);
		}
		for (int t = 0; t < T; t++) {
			pthread_join(th[t], NULL);
			wrong += a[t].wrong;
			if (a[t].wrong)
				printf("# thread %d: %s\n", t, a[t].last);
		}
		ok(!wrong, "%d threads failing calls on one context read their own messages: %d wrong",
		   T, wrong);
		qnn_ctx_destroy(ctx);
	}

	wd_set_stage("async failure message");
	{
		/* a 1 MiB limit: a job of 2^20 images (128 MiB) fails in the runner */
		struct qnn_ctx *ctx = new_ctx(2, 1u << 20);
		struct qnn_model *m = NULL;
		uint64_t in[2] = { 0 }, out[2];
		const void *ins[1] = { in };
		void *outs[1] = { out };
		struct qnn_job *j;
		int ret = -1;

		if (!qnn_model_load_mem(ctx, ba, sa, NULL, &m) && !qnn_submit(m, 1u << 20, ins, outs, NULL, &j))
			ret = qnn_wait(j, -1);
		ok(ret == -E2BIG && strstr(qnn_ctx_errmsg(ctx), "memory limit"),
		   "a job failing in a runner: the waiter gets -E2BIG and its message (%s)",
		   qnn_ctx_errmsg(ctx));
		qnn_model_free(m);
		qnn_ctx_destroy(ctx);
	}

	wd_set_stage("model freed with queued jobs");
	{
		enum { J = 40 };
		struct qnn_ctx *ctx = new_ctx(2, 0);
		struct qnn_model *m = NULL, *ref = NULL;
		static uint64_t in[J][16], out[J][16], want[J][16];
		const void *ins[J][1];
		void *outs[J][1];
		struct qnn_job *jobs[J];
		int submitted = 0, done = 0, cancelled = 0, bad = 0;
		uint64_t s = 9;

		for (int i = 0; i < J; i++)
			for (int k = 0; k < 16; k++)
				in[i][k] = rnd(&s);
		if (!qnn_model_load_mem(ctx, ba, sa, NULL, &m) && !qnn_model_load_mem(ctx, ba, sa, NULL, &ref)) {
			for (int i = 0; i < J; i++) {
				const void *ri[1] = { in[i] };
				void *ro[1] = { want[i] };

				qnn_run_batch(ref, 16, ri, ro, NULL);
			}
			for (int i = 0; i < J; i++) {
				ins[i][0] = in[i];
				outs[i][0] = out[i];
				memset(out[i], 0, sizeof(out[i]));
				submitted += !qnn_submit(m, 16, ins[i], outs[i], NULL, &jobs[i]);
			}
			qnn_model_free(m);
			for (int i = 0; i < submitted; i++) {
				int r = qnn_wait(jobs[i], -1);

				if (r == 0)
					done++, bad += memcmp(out[i], want[i], sizeof(want[i])) != 0;
				else if (r == -ECANCELED)
					cancelled++;
				else
					bad++;
			}
		}
		ok(submitted == J && done + cancelled == J && !bad,
		   "model freed with %d jobs queued: %d ran (results right), %d cancelled, %d wrong",
		   J, done, cancelled, bad);
		qnn_model_free(ref);
		qnn_ctx_destroy(ctx);
	}

	wd_set_stage("context destroyed with a live model");
	{
		struct qnn_ctx *ctx = new_ctx(2, 0), *c1 = new_ctx(1, 0);
		struct qnn_model *m = NULL, *m1 = NULL;
		uint64_t in[4] = { 1, 2, 3, 4 }, out[4] = { 0 }, want[4] = { 0 };
		const void *ins[1] = { in };
		void *outs[1] = { out }, *wouts[1] = { want };
		struct qnn_job *j;
		int ret = -1, ret2 = -1;

		qnn_model_load_mem(c1, ba, sa, NULL, &m1);
		qnn_run_batch(m1, 4, ins, wouts, NULL);
		if (!qnn_model_load_mem(ctx, ba, sa, NULL, &m)) {
			qnn_ctx_destroy(ctx);
			ret = qnn_run_batch(m, 4, ins, outs, NULL);
			if (!ret)
				ret = memcmp(out, want, sizeof(out)) ? -1 : 0;
			memset(out, 0, sizeof(out));
			if (!qnn_submit(m, 4, ins, outs, NULL, &j))
				ret2 = qnn_wait(j, -1);
			if (!ret2)
				ret2 = memcmp(out, want, sizeof(out)) ? -1 : 0;
			qnn_model_free(m);	/* frees the context too (LSan checks) */
		}
		ok(!ret && !ret2, "context destroyed first: its model still runs (sync %d, async %d)",
		   ret, ret2);
		qnn_model_free(m1);
		qnn_ctx_destroy(c1);
	}

	wd_set_stage("parallel async jobs");
	{
		struct qnn_ctx *ctx = new_ctx(4, 0);
		struct qnn_model *ma = NULL, *mb = NULL;
		uint64_t in[1] = { 5 }, oa[1], ob[1];
		const void *ins[1] = { in };
		void *outa[1] = { oa }, *outb[1] = { ob };
		struct qnn_job *ja = NULL, *jb = NULL;
		int rb = -1, ra = -1;

		if (!qnn_model_load_mem(ctx, ba, sa, NULL, &ma) && !qnn_model_load_mem(ctx, bb, sb, NULL, &mb)) {
			/* model A held busy (as by a long run on another thread) */
			pthread_rwlock_wrlock(&ma->run_gate);
			qnn_submit(ma, 1, ins, outa, NULL, &ja);
			qnn_submit(mb, 1, ins, outb, NULL, &jb);
			rb = jb ? qnn_wait(jb, 20000) : -1;
			pthread_rwlock_unlock(&ma->run_gate);
			ra = ja ? qnn_wait(ja, -1) : -1;
			if (rb == -ETIMEDOUT)
				qnn_wait(jb, -1);
		}
		ok(rb == 0 && ra == 0, "a job of model B completes while model A's job is blocked "
		   "(B %d, A %d)", rb, ra);
		qnn_model_free(ma);
		qnn_model_free(mb);
		qnn_ctx_destroy(ctx);
	}

	wd_set_stage("job order per model");
	{
		enum { N = 40 };
		struct qnn_ctx *ctx = new_ctx(3, 0);
		struct qnn_model *m[2] = { NULL, NULL };
		static uint64_t chain[2][N + 1], want[2][N + 1];
		const void *ins[2][N][1];
		void *outs[2][N][1];
		struct qnn_job *jobs[2][N];
		int good = 1;

		if (!qnn_model_load_mem(ctx, ba, sa, NULL, &m[0]) && !qnn_model_load_mem(ctx, bb, sb, NULL, &m[1])) {
			for (int k = 0; k < 2; k++) {
				want[k][0] = chain[k][0] = 0x0123456789abcdefull * (uint64_t)(k + 1);
				for (int i = 0; i < N; i++) {
					const void *ri[1] = { &want[k][i] };
					void *ro[1] = { &want[k][i + 1] };

					good &= !qnn_run(m[k], ri, ro);
				}
			}
			/* job i reads what job i-1 wrote: only in-order execution gives want[] */
			for (int i = 0; i < N; i++)
				for (int k = 0; k < 2; k++) {
					ins[k][i][0] = &chain[k][i];
					outs[k][i][0] = &chain[k][i + 1];
					good &= !qnn_submit(m[k], 1, ins[k][i], outs[k][i], NULL, &jobs[k][i]);
				}
			for (int i = N - 1; i >= 0; i--)
				for (int k = 0; k < 2; k++)
					good &= !qnn_wait(jobs[k][i], -1);
			good &= !memcmp(chain, want, sizeof(chain));
		}
		ok(good, "two models' chains of %d dependent jobs, interleaved: each in order", N);
		qnn_model_free(m[0]);
		qnn_model_free(m[1]);
		qnn_ctx_destroy(ctx);
	}
	free(ba);
	free(bb);
	return done_testing();
}
