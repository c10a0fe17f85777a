// SPDX-License-Identifier: MIT
/*
 * bench_accel: the demo model on the device and on the CPU in the same run
 * (make vm-bench, inside the VM on qnn_sim). Prints figures, then one JSON
 * line: syscalls_per_inference (ioctls per qnn_run_batch call, steady
 * state), device_copy_bytes (copied between device layers),
 * host_us_per_device_job (host CPU time per job), peak_activation_ratio
 * (planned / minimum activation bytes), accel_images_per_s,
 * cpu_images_per_s. Performance is printed, never asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../qnn_test.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* images per second of `reps` batches after one warm-up batch */
static double rate(struct qnn_model *m, unsigned int batch, unsigned int reps, const void *in, void *out)
{
	const void *ins[1] = { in };
	void *outs[1] = { out };
	double t0;

	if (qnn_run_batch(m, batch, ins, outs, NULL))
		return -1;
	t0 = now();
	for (unsigned int i = 0; i < reps; i++)
		if (qnn_run_batch(m, batch, ins, outs, NULL))
			return -1;
	return batch * reps / (now() - t0);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/qnn-data/models/fmnist-w1a1.qnn";
	unsigned int batch = argc > 2 ? (unsigned int)atoi(argv[2]) : 16, reps = argc > 3 ? (unsigned int)atoi(argv[3]) : 4;
	struct qnn_ctx_opts co = { .sz = sizeof(co), .device = "cpu" }, ao = co;
	struct qnn_model_stats a = { .sz = sizeof(a) }, b = a;
	struct qnn_plan_info pi = { .sz = sizeof(pi) };
	struct qnn_tensor_info ii = { .sz = sizeof(ii) }, oi = ii;
	struct qnn_ctx *cc, *ac;
	struct qnn_model *cm, *am;
	double cpu_ips, acc_ips;
	uint64_t seed = 1;
	uint8_t *in, *out;
	char err[512];

	ao.device = "accel";
	if (qnn_ctx_create(&co, &cc, err, sizeof(err)) || qnn_ctx_create(&ao, &ac, err, sizeof(err))) {
		printf("not ok 1 - bench: %s\n", err);
		return 1;
	}
	if (qnn_model_load_file(cc, path, NULL, &cm) || qnn_model_load_file(ac, path, NULL, &am)) {
		printf("not ok 1 - bench: load %s\n", path);
		return 1;
	}
	qnn_model_input(cm, 0, &ii);
	qnn_model_output(cm, 0, &oi);
	in = xcalloc(ii.bytes, batch);
	out = xcalloc(oi.bytes, batch);
	for (size_t i = 0; i < ii.bytes * batch; i++)
		in[i] = (uint8_t)rnd(&seed);
	cpu_ips = rate(cm, batch, reps, in, out);
	acc_ips = rate(am, batch, 1, in, out);	/* warm */
	qnn_model_stats(am, &a);
	acc_ips = rate(am, batch, reps, in, out);
	qnn_model_stats(am, &b);
	qnn_model_plan_info(am, &pi);
	printf("# %s, batch %u, %u batches: accel %.0f images/s, cpu %.0f images/s\n", path, batch, reps,
	       acc_ips, cpu_ips);
	printf("# device: %llu jobs, %llu ioctls, %.1f us host CPU per job, %.1f us device time per job, %llu fallbacks\n",
	       (unsigned long long)(b.device_jobs - a.device_jobs),
	       (unsigned long long)(b.device_syscalls - a.device_syscalls),
	       (b.host_device_ns - a.host_device_ns) / 1e3 / (double)(b.device_jobs - a.device_jobs + !(b.device_jobs - a.device_jobs)),
	       (b.device_ns - a.device_ns) / 1e3 / (double)(b.device_jobs - a.device_jobs + !(b.device_jobs - a.device_jobs)),
	       (unsigned long long)b.fallbacks);
	printf("# activations: %zu bytes planned per image, %zu minimum, %zu naive\n", pi.act_peak_bytes,
	       pi.act_min_bytes, pi.act_naive_bytes);
	printf("ok 1 - bench_accel ran (%s)\n", b.fallbacks ? "with fallbacks" : "no fallback");
	printf("1..1\n");
	printf("{\"model\":\"%s\",\"batch\":%u,\"syscalls_per_inference\":%.2f,\"device_copy_bytes\":%llu,"
	       "\"host_us_per_device_job\":%.1f,\"peak_activation_ratio\":%.3f,"
	       "\"accel_images_per_s\":%.0f,\"cpu_images_per_s\":%.0f,\"fallbacks\":%llu}\n",
	       path, batch, (double)(b.device_syscalls - a.device_syscalls) /
	       (double)(b.requests - a.requests ? b.requests - a.requests : 1),
	       (unsigned long long)b.device_copy_bytes,
	       (b.host_device_ns - a.host_device_ns) / 1e3 / (double)(b.device_jobs - a.device_jobs + !(b.device_jobs - a.device_jobs)),
	       pi.act_min_bytes ? (double)pi.act_peak_bytes / (double)pi.act_min_bytes : 0.0,
	       acc_ips, cpu_ips, (unsigned long long)b.fallbacks);
	free(in);
	free(out);
	qnn_model_free(cm);
	qnn_model_free(am);
	qnn_ctx_destroy(cc);
	qnn_ctx_destroy(ac);
	return 0;
}
