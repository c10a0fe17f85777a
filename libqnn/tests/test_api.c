// SPDX-License-Identifier: MIT
/*
 * The public API's contracts: option structs with sz (too small, larger with
 * a zero or non-zero tail), QNN_DEVICE parsing, context/cpu info, model
 * queries, errors as negative errno plus a message, batch runs equal to
 * image-by-image runs, asynchronous submit/wait in order and with timeouts,
 * thread counts giving identical results.
 */
#include <errno.h>

#include "models.h"

struct big_opts {
	struct qnn_ctx_opts o;
	uint64_t future;
};

static int ctx_with_env(const char *env, struct qnn_ctx **ctx, char *err, size_t len)
{
	int ret;

	setenv("QNN_DEVICE", env, 1);
	ret = qnn_ctx_create(NULL, ctx, err, len);
	unsetenv("QNN_DEVICE");
	return ret;
}

int main(void)
{
	struct qnn_ctx *ctx = NULL, *c2 = NULL;
	struct qnn_model *m = NULL;
	char err[256];
	void *buf;
	size_t n;
	int ret;

	/* ---- contexts ---- */
	ok(!qnn_ctx_create(NULL, &ctx, err, sizeof(err)), "context with NULL options (auto device)");
	{
		struct qnn_ctx_info ci = { .sz = sizeof(ci) };

		ret = qnn_ctx_info(ctx, &ci);
		ok(!ret && !strncmp(ci.backend, "cpu-", 4) && ci.threads >= 1 &&
		   ci.accel_index == -1, "auto falls back to the CPU: backend %s, isa %s, %u threads",
		   ci.backend, ci.cpu_isa, ci.threads);
	}
	{
		struct qnn_ctx_opts o = { .sz = 4 };

		ok(qnn_ctx_create(&o, &c2, err, sizeof(err)) == -EINVAL && !c2 && err[0],
		   "opts.sz too small: -EINVAL (%s)", err);
	}
	{
		struct big_opts b = { .o = { .sz = sizeof(b), .device = "cpu", .threads = 1 } };

		ok(!qnn_ctx_create(&b.o, &c2, err, sizeof(err)), "larger opts from a newer caller, zero tail: accepted");
		qnn_ctx_destroy(c2);
		c2 = NULL;
		b.future = 1;
		ok(qnn_ctx_create(&b.o, &c2, err, sizeof(err)) == -EINVAL, "larger opts with a non-zero unknown field: -EINVAL");
	}
	{
		struct qnn_ctx_opts o = { .sz = offsetof(struct qnn_ctx_opts, threads) + sizeof(unsigned int),
					  .device = "cpu", .threads = 3 };
		struct qnn_ctx_info ci = { .sz = sizeof(ci) };

		ok(!qnn_ctx_create(&o, &c2, err, sizeof(err)) && !qnn_ctx_info(c2, &ci) && ci.threads == 3,
		   "older (shorter) opts honoured: 3 threads");
		qnn_ctx_destroy(c2);
		c2 = NULL;
	}
	ok(!ctx_with_env("cpu", &c2, err, sizeof(err)), "QNN_DEVICE=cpu");
	qnn_ctx_destroy(c2);
	c2 = NULL;
	ok(!ctx_with_env("auto", &c2, err, sizeof(err)), "QNN_DEVICE=auto");
	qnn_ctx_destroy(c2);
	c2 = NULL;
	ret = ctx_with_env("accel", &c2, err, sizeof(err));
	ok(ret == -ENODEV && strstr(err, "/dev/accel") && strstr(err, "\"qnn\""),
	   "QNN_DEVICE=accel without a qnn device: -ENODEV naming what was looked for (%s)", err);
	ret = ctx_with_env("accel:1", &c2, err, sizeof(err));
	ok(ret == -ENODEV, "QNN_DEVICE=accel:1: -ENODEV");
	ret = ctx_with_env("accel:x", &c2, err, sizeof(err));
	ok(ret == -EINVAL && strstr(err, "accel:x"), "QNN_DEVICE=accel:x: -EINVAL naming it (%s)", err);
	ret = ctx_with_env("gpu", &c2, err, sizeof(err));
	ok(ret == -EINVAL, "QNN_DEVICE=gpu: -EINVAL");
	{
		struct qnn_ctx_opts o = { .sz = sizeof(o), .device = "cpu" };

		setenv("QNN_DEVICE", "bogus", 1);
		ok(!qnn_ctx_create(&o, &c2, err, sizeof(err)), "opts.device overrides QNN_DEVICE");
		unsetenv("QNN_DEVICE");
		qnn_ctx_destroy(c2);
		c2 = NULL;
		o.cpu_isa = "vax";
		ok(qnn_ctx_create(&o, &c2, err, sizeof(err)) == -ENODEV && strstr(err, "vax"),
		   "unknown kernel set: -ENODEV (%s)", err);
	}
	{
		struct qnn_cpu_info ci = { .sz = sizeof(ci) };
		struct qnn_cpu_info small = { .sz = 2 };

		ret = qnn_cpu_info(&ci);
		ok(!ret && ci.isa[0] && ci.logical_cpus >= 1,
		   "qnn_cpu_info: isa %s, %u cpus, features \"%s\"", ci.isa, ci.logical_cpus, ci.features);
		ok(qnn_cpu_info(&small) == -EINVAL, "qnn_cpu_info with sz 2: -EINVAL");
		ok(!strcmp(qnn_cpu_feature_name(QNN_CPU_AVX512VPOPCNTDQ), "avx512vpopcntdq") &&
		   !qnn_cpu_feature_name(3), "qnn_cpu_feature_name");
	}
	ok(!strcmp(qnn_strerror(-EPROTO), "model file checksum mismatch") && qnn_strerror(12345)[0],
	   "qnn_strerror");

	/* ---- models and queries ---- */
	build_model(0, &buf, &n, 11);
	ok(!qnn_model_load_mem(ctx, buf, n, NULL, &m), "load model 0 in place from memory");
	{
		struct qnn_tensor_info ti = { .sz = sizeof(ti) };
		struct qnn_layer_info li = { .sz = sizeof(li) };

		ok(qnn_model_num_inputs(m) == 1 && qnn_model_num_outputs(m) == 2 && qnn_model_num_layers(m) == 6,
		   "1 input, 2 outputs, 6 layers");
		ok(!qnn_model_input(m, 0, &ti) && !strcmp(ti.name, "image") && ti.dtype == QNN_DT_U8 &&
		   ti.dims[1] == 8 && ti.dims[3] == 3 && ti.bytes == 192, "input 0: image U8 1x8x8x3, 192 bytes");
		ok(!qnn_model_output(m, 1, &ti) && !strcmp(ti.name, "top3") && ti.bytes == 12, "output 1: top3 I32");
		ret = qnn_model_layer(m, 2, &li);
		ok(!ret && !strcmp(li.name, "conv2") && !strcmp(li.op, "conv2d") &&
		   li.weight_bits == 1 && li.input_bits == 1 && li.output_bits == 2 && li.macs == 3 * 3 * 32 * 9 * 16 &&
		   !strncmp(li.backend, "cpu", 3), "layer 2: conv2d W1A1 -> 2 bits, %llu MACs on %s",
		   (unsigned long long)li.macs, li.backend);
		ok(qnn_model_input(m, 1, &ti) == -EINVAL && qnn_model_layer(m, 6, &li) == -EINVAL,
		   "queries out of range: -EINVAL");
	}

	/* ---- running: batch vs single, threads, async ---- */
	{
		enum { B = 5 };
		uint8_t in[B][192];
		float lg[B][10], lg1[B][10], lga[B][10];
		int32_t tp[B][3], tp1[B][3], tpa[B][3];
		uint64_t s = 3;
		struct qnn_job *jobs[B];
		int same = 1, good = 1;

		for (int b = 0; b < B; b++)
			for (int i = 0; i < 192; i++)
				in[b][i] = (uint8_t)rnd(&s);
		{
			const void *ins[1] = { in };
			void *outs[2] = { lg, tp };

			ok(!qnn_run_batch(m, B, ins, outs, NULL), "run_batch of %d images", B);
		}
		for (int b = 0; b < B; b++) {
			const void *ins[1] = { in[b] };
			void *outs[2] = { lg1[b], tp1[b] };

			good &= !qnn_run(m, ins, outs);
		}
		ok(good && !memcmp(lg, lg1, sizeof(lg)) && !memcmp(tp, tp1, sizeof(tp)),
		   "batch results equal image-by-image runs");
		for (int b = 0; b < B; b++)
			for (int k = 0; k < 10; k++)
				same &= lg[b][k] <= lg[b][tp[b][0]];
		ok(same, "top-1 index is the largest logit");
		{
			const void *ins[1] = { in };
			void *outs[2] = { lga, tpa };
			struct qnn_run_opts ro = { .sz = sizeof(ro), .threads = 1 };

			ok(!qnn_run_batch(m, B, ins, outs, &ro) && !memcmp(lg, lga, sizeof(lg)),
			   "one thread gives the same result");
		}
		{
			/* unaligned input and output buffers are copied, not misread */
			static uint8_t raw[192 + 1], rawo[40 + 1];
			const void *ins[1] = { raw + 1 };
			void *outs[2] = { rawo + 1, tpa[0] };

			memcpy(raw + 1, in[0], 192);
			ok(!qnn_run(m, ins, outs) && !memcmp(rawo + 1, lg[0], 40), "misaligned buffers");
		}
		memset(lga, 0, sizeof(lga));
		good = 1;
		static const void *ains[B][1];
		static void *aouts[B][2];

		for (int b = 0; b < B; b++) {
			ains[b][0] = in[b];
			aouts[b][0] = lga[b];
			aouts[b][1] = tpa[b];
			good &= !qnn_submit(m, 1, ains[b], aouts[b], NULL, &jobs[b]);
		}
		ok(good, "submit %d jobs", B);
		good = 1;
		for (int b = B - 1; b >= 0; b--)
			good &= qnn_wait(jobs[b], -1) == 0;
		ok(good && !memcmp(lg, lga, sizeof(lg)) && !memcmp(tp, tpa, sizeof(tp)),
		   "wait (in reverse order): async results equal sync ones");
		{
			struct qnn_job *j;
			const void *ins[1] = { in };
			void *outs[2] = { lga, tpa };
			int r;

			qnn_submit(m, B, ins, outs, NULL, &j);
			while ((r = qnn_wait(j, 0)) == -ETIMEDOUT)
				;
			ok(r == 0 && !memcmp(lg, lga, sizeof(lg)), "poll with timeout 0 until done (batch job)");
			qnn_submit(m, B, ins, outs, NULL, &j);
			ok(qnn_wait(j, 10000) == 0, "wait with a 10 s timeout");
		}
		{
			const void *ins[1] = { NULL };
			void *outs[2] = { lg, tp };

			ret = qnn_run(m, ins, outs);
			ok(ret == -EINVAL && strstr(qnn_ctx_errmsg(ctx), "input 0"), "NULL input buffer: -EINVAL (%s)",
			   qnn_ctx_errmsg(ctx));
			ret = qnn_run_batch(m, 0, ins, outs, NULL);
			ok(ret == -EINVAL, "batch 0: -EINVAL");
		}
	}
	qnn_model_free(m);
	{
		struct qnn_load_opts lo = { .sz = sizeof(lo), .flags = QNN_LOAD_COPY };
		uint8_t *copy = malloc(n);

		memcpy(copy, buf, n);
		ok(!qnn_model_load_mem(ctx, copy, n, &lo, &m), "QNN_LOAD_COPY");
		memset(copy, 0, n);	/* the model no longer needs the buffer */
		{
			uint8_t in[192] = { 1 };
			float lg[10];
			int32_t tp[3];
			const void *ins[1] = { in };
			void *outs[2] = { lg, tp };

			ok(!qnn_run(m, ins, outs), "a copied model runs after its source buffer is cleared");
		}
		free(copy);
		qnn_model_free(m);
		lo.flags = 0x80;
		ok(qnn_model_load_mem(ctx, buf, n, &lo, &m) == -EINVAL, "unknown load flag: -EINVAL");
	}
	free(buf);
	qnn_ctx_destroy(ctx);
	return done_testing();
}
