// SPDX-License-Identifier: MIT
/*
 * Kernel dispatch through the public API: the kernel set "auto" picks must
 * be one the CPU can run, i.e. the CPU reports every feature the set's
 * compile flags enable (the table below is written from libqnn/isa.mk, not
 * taken from the library), and a model runs on it with the scalar result.
 * `make check` also runs this under qemu-x86_64 as CPUs libqnn must not
 * misjudge (Haswell without BMI2, without FMA, plain Haswell): the old
 * dispatch picked avx2 on a CPU without BMI2.
 */
#include <errno.h>

#include "models.h"

static const struct {
	const char *isa;
	unsigned long long needs;
} flags[] = {
	/* -mavx2 -mpopcnt -mbmi2 -mfma (implying AVX, SSE3..SSE4.2) */
	{ "avx2", QNN_CPU_AVX2 | QNN_CPU_POPCNT | QNN_CPU_BMI2 | QNN_CPU_FMA },
	/* -mavx512f -mavx512bw -mavx512vl -mavx512vpopcntdq -mavx2 -mpopcnt -mbmi2 */
	{ "avx512", QNN_CPU_AVX512F | QNN_CPU_AVX512BW | QNN_CPU_AVX512VL |
		    QNN_CPU_AVX512VPOPCNTDQ | QNN_CPU_AVX2 | QNN_CPU_POPCNT | QNN_CPU_BMI2 },
	/* the avx512 flags plus -mavx512vnni */
	{ "avx512vnni", QNN_CPU_AVX512F | QNN_CPU_AVX512BW | QNN_CPU_AVX512VL |
			QNN_CPU_AVX512VPOPCNTDQ | QNN_CPU_AVX512VNNI | QNN_CPU_AVX2 |
			QNN_CPU_POPCNT | QNN_CPU_BMI2 },
	/* the same without VPOPCNTDQ */
	{ "avx512bw", QNN_CPU_AVX512F | QNN_CPU_AVX512BW | QNN_CPU_AVX512VL |
		      QNN_CPU_AVX2 | QNN_CPU_POPCNT | QNN_CPU_BMI2 },
	{ "neon", QNN_CPU_NEON },
	{ "scalar", 0 },
};

static int run_on(const char *isa, const void *buf, size_t size, const uint8_t *in,
		  float *lg, int32_t *tp, char *name, size_t namelen)
{
	struct qnn_ctx_opts o = { .sz = sizeof(o), .device = "cpu", .threads = 2, .cpu_isa = isa };
	struct qnn_ctx_info ci = { .sz = sizeof(ci) };
	struct qnn_ctx *ctx;
	struct qnn_model *m;
	const void *ins[1] = { in };
	void *outs[2] = { lg, tp };
	char err[256];
	int ret;

	ret = qnn_ctx_create(&o, &ctx, err, sizeof(err));
	if (ret) {
		printf("# %s\n", err);
		return ret;
	}
	qnn_ctx_info(ctx, &ci);
	snprintf(name, namelen, "%s", ci.cpu_isa);
	ret = qnn_model_load_mem(ctx, buf, size, NULL, &m);
	if (!ret) {
		ret = qnn_run_batch(m, 4, ins, outs, NULL);
		qnn_model_free(m);
	}
	qnn_ctx_destroy(ctx);
	return ret;
}

int main(void)
{
	struct qnn_cpu_info ci = { .sz = sizeof(ci) };
	unsigned long long need = ~0ull;
	uint8_t in[4][192];
	float lg[4][10], lg_ref[4][10];
	int32_t tp[4][3], tp_ref[4][3];
	char isa[16], isa_ref[16];
	uint64_t s = 11;
	void *buf;
	size_t size;

	ok(!qnn_cpu_info(&ci), "qnn_cpu_info: isa %s, features \"%s\"", ci.isa, ci.features);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (!strcmp(flags[i].isa, ci.isa))
			need = flags[i].needs;
	ok(need != ~0ull, "auto's choice \"%s\" is a known kernel set", ci.isa);
	ok(need != ~0ull && !(need & ~ci.feature_bits),
	   "the CPU has every feature the %s set is compiled for (missing 0x%llx)",
	   ci.isa, need == ~0ull ? 0 : need & ~ci.feature_bits);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		struct qnn_ctx_opts o = { .sz = sizeof(o), .device = "cpu", .threads = 1,
					  .cpu_isa = flags[i].isa };
		struct qnn_ctx *ctx = NULL;
		char err[256];
		int ret = qnn_ctx_create(&o, &ctx, err, sizeof(err));
		int has = !(flags[i].needs & ~ci.feature_bits);

		/* a set the CPU has may still be absent from this build (neon on x86) */
		ok(ret ? !has || ret == -ENODEV : has,
		   "cpu_isa \"%s\": %s (CPU %s its features)", flags[i].isa,
		   ret ? "refused" : "accepted", has ? "has" : "lacks");
		qnn_ctx_destroy(ctx);
	}
	if (build_model(0, &buf, &size, 5)) {
		ok(0, "model built");
		return done_testing();
	}
	for (size_t i = 0; i < sizeof(in); i++)
		((uint8_t *)in)[i] = (uint8_t)rnd(&s);
	ok(!run_on("scalar", buf, size, in[0], lg_ref[0], tp_ref[0], isa_ref, sizeof(isa_ref)),
	   "model runs on the scalar set");
	ok(!run_on(NULL, buf, size, in[0], lg[0], tp[0], isa, sizeof(isa)) &&
	   !memcmp(lg, lg_ref, sizeof(lg)) && !memcmp(tp, tp_ref, sizeof(tp)),
	   "model runs on auto's set (%s), results equal scalar", isa);
	free(buf);
	return done_testing();
}
