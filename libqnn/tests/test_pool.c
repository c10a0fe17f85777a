// SPDX-License-Identifier: MIT
/*
 * Thread pool stress: more threads than tasks, many task counts, thread
 * limits and task lengths, tens of thousands of generations back to back.
 * Every generation must run each task exactly once, on a worker id below the
 * limit, and qnn_pool_run must return only after the last task finished (a
 * task of generation g must never run after run(g) returned). Then whole
 * models whose layers have few row tasks (the case that hung: 32 then 4
 * tasks on 5 or 8 threads) run thousands of times on those thread counts and
 * must give the single-thread result every time. A watchdog turns a hang
 * into a failure.
 */
#include <errno.h>
#include <stdatomic.h>

#include "internal.h"
#include "qnn_test.h"
#include "watchdog.h"

#define MAXT 64

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define QNN_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define QNN_SANITIZED 1
#endif
#endif
#ifndef QNN_SANITIZED
#define QNN_SANITIZED 0
#endif

struct gen {
	atomic_uint cnt[MAXT];
	size_t ntasks;
	unsigned int limit;	/* worker ids must be below this */
	unsigned int spin;	/* work per task, in relax steps */
	atomic_uint bad_worker, bad_task;
};

static void task(void *arg, size_t i, unsigned int worker)
{
	struct gen *g = arg;
	volatile unsigned int sink = 0;

	if (worker >= g->limit)
		atomic_fetch_add(&g->bad_worker, 1);
	if (i >= g->ntasks || i >= MAXT) {
		atomic_fetch_add(&g->bad_task, 1);
		return;
	}
	for (unsigned int k = 0; k < g->spin * (1 + (unsigned int)(i % 3)); k++)
		sink += k;
	atomic_fetch_add(&g->cnt[i], 1);
}

static size_t pick_ntasks(uint64_t *s, unsigned long gen, unsigned int threads)
{
	switch (gen % 8) {
	case 0: return 1;
	case 1: return 2;
	case 2: return threads > 1 ? threads - 1 : 1;
	case 3: return threads;
	case 4: return threads + 1;
	case 5: return 32;
	case 6: return 4;
	default: return (size_t)rndi(s, 1, MAXT);
	}
}

/* Runs `gens` generations; returns the number of wrong generations. */
static unsigned long stress(struct qnn_pool *p, unsigned int threads, unsigned long gens,
			    uint64_t seed, char *why, size_t whylen)
{
	static struct gen ring[2];
	unsigned long bad = 0;
	uint64_t s = seed;

	memset(ring, 0, sizeof(ring));
	for (unsigned long g = 0; g < gens; g++) {
		struct gen *cur = &ring[g % 2], *prev = &ring[(g + 1) % 2];
		unsigned int maxt = g % 5 == 4 ? (unsigned int)rndi(&s, 1, (int)threads) : 0;
		size_t n = pick_ntasks(&s, g, threads);

		for (size_t i = 0; i < MAXT; i++)
			atomic_store(&cur->cnt[i], 0);
		cur->ntasks = n;
		cur->limit = maxt ? maxt : threads;
		cur->spin = g % 3 == 0 ? 0 : (unsigned int)rndi(&s, 0, 400);
		atomic_store(&cur->bad_worker, 0);
		atomic_store(&cur->bad_task, 0);
		qnn_pool_run(p, n, task, cur, maxt);
		for (size_t i = 0; i < MAXT; i++) {
			unsigned int c = atomic_load(&cur->cnt[i]);

			if (c != (i < n)) {
				if (!bad++)
					snprintf(why, whylen, "generation %lu: task %zu of %zu ran %u times at return",
						 g, i, n, c);
				break;
			}
		}
		if (atomic_load(&cur->bad_worker) || atomic_load(&cur->bad_task)) {
			if (!bad++)
				snprintf(why, whylen, "generation %lu: worker id >= %u or task >= %zu",
					 g, cur->limit, n);
		}
		/* the previous generation must not have moved since it returned */
		if (g) {
			for (size_t i = 0; i < MAXT; i++)
				if (atomic_load(&prev->cnt[i]) != (i < prev->ntasks)) {
					if (!bad++)
						snprintf(why, whylen, "generation %lu: task %zu ran after its run returned",
							 g - 1, i);
					break;
				}
		}
		wd_tick();
	}
	return bad;
}

/*
 * BITS 16x16x64 -> conv 3x3 pad 1 (64, thresholds) -> conv 3x3 stride 8
 * pad 1 (C2 channels, I32): a layer of many row tasks, then one of 4 rows.
 */
static int two_conv_model(uint32_t c2, void **buf, size_t *size)
{
	struct qnn_writer *w;
	struct qnn_layer_desc l;
	uint64_t s = 7;
	int32_t *v, *th;
	int x, a, b, ret;
	struct qnn_tensor_desc d;

	if (qnn_writer_create(&w))
		return -1;
	d = tdesc("x", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 1, 16, 16, 64);
	x = qnn_writer_add_tensor(w, &d);
	d = tdesc("a", QNN_DT_BITS, QNN_ENC_BIPOLAR, 1, 1, 16, 16, 64);
	a = qnn_writer_add_tensor(w, &d);
	d = tdesc("b", QNN_DT_I32, 0, 0, 1, 2, 2, c2);
	b = qnn_writer_add_tensor(w, &d);
	v = xcalloc((size_t)c2 * 9 * 64, 4);
	for (size_t i = 0; i < (size_t)c2 * 9 * 64; i++)
		v[i] = rnd(&s) & 1 ? 1 : -1;
	th = xcalloc(64, 4);
	for (int i = 0; i < 64; i++)
		th[i] = rndi(&s, -20, 20);
	d = tdesc("t1", QNN_DT_I32, 0, 0, 1, 1, 64, 1);
	l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "conv1", .op = QNN_OP_CONV2D,
		.inputs = { x }, .output = a, .pad = { 1, 1, 1, 1 },
		.weights = add_bits_const(w, "w1", v, QNN_ENC_BIPOLAR, 1, 64, 3, 3, 64),
		.thresholds = qnn_writer_add_const(w, &d, th, 64 * 4) };
	qnn_writer_add_layer(w, &l);
	l = (struct qnn_layer_desc){ .sz = sizeof(l), .name = "conv2", .op = QNN_OP_CONV2D,
		.inputs = { a }, .output = b, .pad = { 1, 1, 1, 1 }, .stride = { 8, 8 },
		.weights = add_bits_const(w, "w2", v, QNN_ENC_BIPOLAR, 1, c2, 3, 3, 64) };
	qnn_writer_add_layer(w, &l);
	qnn_writer_add_input(w, x);
	qnn_writer_add_output(w, b);
	ret = qnn_writer_write_mem(w, buf, size);
	if (ret)
		printf("# two_conv_model: %s\n", qnn_writer_errmsg(w));
	qnn_writer_free(w);
	free(v);
	free(th);
	return ret;
}

static int load_on(unsigned int threads, const void *buf, size_t size, struct qnn_ctx **ctx,
		   struct qnn_model **m)
{
	struct qnn_ctx_opts o = { .sz = sizeof(o), .device = "cpu", .threads = threads };
	char err[256];

	if (qnn_ctx_create(&o, ctx, err, sizeof(err))) {
		printf("# %s\n", err);
		return -1;
	}
	if (qnn_model_load_mem(*ctx, buf, size, NULL, m)) {
		printf("# %s\n", qnn_ctx_errmsg(*ctx));
		qnn_ctx_destroy(*ctx);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	/* a lighter load under sanitizers (10x slower) or `test_pool quick` */
	int quick = QNN_SANITIZED || (argc > 1 && !strcmp(argv[1], "quick"));
	unsigned long gens = quick ? 2000 : 6000;
	unsigned int runs = quick ? 400 : 1500;
	static const unsigned int tcounts[] = { 2, 3, 5, 8, 13, 33 };
	char why[256];

	wd_start();
	for (size_t i = 0; i < sizeof(tcounts) / sizeof(tcounts[0]); i++) {
		unsigned int t = tcounts[i];
		struct qnn_pool *p;
		unsigned long bad;

		if (qnn_pool_create(t, &p)) {
			ok(0, "pool of %u threads created", t);
			continue;
		}
		wd_set_stage("pool stress");
		why[0] = 0;
		bad = stress(p, t, gens, 1000 + t, why, sizeof(why));
		ok(!bad, "pool of %u threads, %lu generations of 1..%d tasks (thread limits, "
		   "uneven tasks): %lu wrong%s%s", t, gens, MAXT, bad, bad ? ": " : "", why);
		qnn_pool_destroy(p);
	}
	{
		/* create/destroy races: destroy right after a run, workers mid-spin */
		unsigned long bad = 0;

		wd_set_stage("pool create/run/destroy");
		for (int k = 0; k < (quick ? 50 : 300); k++) {
			struct qnn_pool *p;
			unsigned int t = 2 + (unsigned int)k % 7;

			if (qnn_pool_create(t, &p)) {
				bad++;
				continue;
			}
			why[0] = 0;
			bad += stress(p, t, 3 + (unsigned long)k % 5, (uint64_t)k, why, sizeof(why));
			qnn_pool_destroy(p);
		}
		ok(!bad, "pools created, used for a few generations and destroyed: %lu wrong", bad);
	}
	for (uint32_t c2 = 2048; c2 <= 4096; c2 += 2048) {
		void *buf = NULL;
		size_t size = 0;
		uint8_t in[16 * 16 * 8], *ref, *out;
		size_t obytes = (size_t)2 * 2 * c2 * 4;
		uint64_t s = c2;

		if (two_conv_model(c2, &buf, &size)) {
			ok(0, "two-conv model built");
			continue;
		}
		for (size_t i = 0; i < sizeof(in); i++)
			in[i] = (uint8_t)rnd(&s);
		ref = xcalloc(1, obytes);
		out = xcalloc(1, obytes);
		{
			struct qnn_ctx *ctx;
			struct qnn_model *m;
			const void *ins[1] = { in };
			void *outs[1] = { ref };

			if (!load_on(1, buf, size, &ctx, &m)) {
				ok(!qnn_run(m, ins, outs), "two-conv model (conv2 %u channels) on 1 thread", c2);
				qnn_model_free(m);
				qnn_ctx_destroy(ctx);
			}
		}
		for (unsigned int t = 5; t <= 8; t += 3) {
			struct qnn_ctx *ctx;
			struct qnn_model *m;
			const void *ins[1] = { in };
			void *outs[1] = { out };
			unsigned int wrong = 0, fails = 0;

			if (load_on(t, buf, size, &ctx, &m)) {
				ok(0, "two-conv model loads on %u threads", t);
				continue;
			}
			wd_set_stage("two-conv model runs");
			for (unsigned int r = 0; r < runs; r++) {
				memset(out, 0xa5, obytes);
				if (qnn_run(m, ins, outs))
					fails++;
				else if (memcmp(out, ref, obytes))
					wrong++;
				wd_tick();
			}
			ok(!fails && !wrong, "two-conv model (conv2 %u channels), %u threads, %u runs: "
			   "%u failed, %u differ from 1 thread", c2, t, runs, fails, wrong);
			qnn_model_free(m);
			qnn_ctx_destroy(ctx);
		}
		free(ref);
		free(out);
		free(buf);
	}
	return done_testing();
}
