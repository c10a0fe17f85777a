// SPDX-License-Identifier: MIT
/*
 * bench_accel: the demo model on the device and on the CPU in the same run
 * (make vm-bench, inside the VM on qnn_sim). Prints figures, then one JSON
 * line: syscalls_per_inference (ioctls per qnn_run_batch call, steady
 * state), device_copy_bytes (copied between device layers),
 * host_us_per_device_job (host CPU time per job), peak_activation_ratio
 * (planned / minimum activation bytes), accel_images_per_s,
 * cpu_images_per_s; then zero-copy I/O (inputs and outputs in qnn_buffers):
 * zero_copy_host_copy_bytes_per_inference (target 0; the U8 input's
 * packing into 8 bit planes, a format conversion, is reported apart as
 * zero_copy_pack_bytes_per_inference) and accel_zero_copy_images_per_s;
 * and async jobs of a mixed plan (forced alternating placement) with and
 * without overlap across requests (QNN_PIPELINE=0):
 * async_overlap_images_per_s, async_serial_images_per_s. Performance is
 * printed, never asserted.
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

/* images per second of `jobs` async jobs of `batch` images, all submitted, then waited */
static double async_rate(struct qnn_model *m, unsigned int batch, unsigned int jobs, const uint8_t *in,
			 size_t inb, uint8_t *out, size_t outb, uint64_t *overlapped)
{
	struct qnn_model_stats a = { .sz = sizeof(a) }, b = a;
	const void *ins[16];
	void *outs[16];
	struct qnn_job *j[16];
	double t0;
	int bad = 0;

	if (jobs > 16)
		jobs = 16;
	for (unsigned int k = 0; k < jobs; k++) {
		ins[k] = in + k * inb * batch;
		outs[k] = out + k * outb * batch;
	}
	qnn_model_stats(m, &a);
	t0 = now();
	for (unsigned int k = 0; k < jobs; k++)
		bad |= qnn_submit(m, batch, &ins[k], &outs[k], NULL, &j[k]) != 0;
	for (unsigned int k = 0; k < jobs && !bad; k++)
		bad |= qnn_wait(j[k], 600000) != 0;
	qnn_model_stats(m, &b);
	*overlapped = b.overlapped_requests - a.overlapped_requests;
	return bad ? -1 : batch * jobs / (now() - t0);
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
	struct qnn_model_stats za = { .sz = sizeof(za) }, zb = za;
	double cpu_ips, acc_ips, zc_ips = -1, ov_ips = -1, se_ips = -1, zimg = 1;
	uint64_t ov = 0, ovs = 0;
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
	/* zero-copy I/O: the same batches with inputs and outputs in qnn_buffers */
	{
		struct qnn_buffer *bi = NULL, *bo = NULL;

		if (!qnn_buffer_alloc(ac, ii.bytes * batch, &bi) && !qnn_buffer_alloc(ac, oi.bytes * batch, &bo)) {
			memcpy(qnn_buffer_data(bi), in, ii.bytes * batch);
			zc_ips = rate(am, batch, 1, qnn_buffer_data(bi), qnn_buffer_data(bo));	/* warm */
			qnn_model_stats(am, &za);
			zc_ips = rate(am, batch, reps, qnn_buffer_data(bi), qnn_buffer_data(bo));
			qnn_model_stats(am, &zb);
			zimg = (double)(zb.requests - za.requests) * batch;
			zimg = zimg ? zimg : 1;
		}
		qnn_buffer_free(bi);
		qnn_buffer_free(bo);
	}
	printf("# zero-copy I/O: %.0f images/s, %.1f host bytes copied per image (target 0), %.1f bytes packed per image (U8 input into 8 bit planes), %.1f bytes read/written in place per image\n",
	       zc_ips, (double)(zb.copy_in_bytes - za.copy_in_bytes + zb.copy_out_bytes - za.copy_out_bytes) / zimg,
	       (double)(zb.pack_bytes - za.pack_bytes) / zimg, (double)(zb.zero_copy_bytes - za.zero_copy_bytes) / zimg);
	/* async jobs of a mixed plan, overlapping across requests or not */
	{
		const unsigned int ab = 2, aj = 8;
		uint8_t *ain = xcalloc(ii.bytes, ab * aj), *aout = xcalloc(oi.bytes, ab * aj);
		struct qnn_model *mo = NULL, *ms = NULL;

		for (size_t i = 0; i < ii.bytes * ab * aj; i++)
			ain[i] = (uint8_t)rnd(&seed);
		setenv("QNN_PLACE", "alternate", 1);
		qnn_model_load_file(ac, path, NULL, &mo);
		setenv("QNN_PIPELINE", "0", 1);
		qnn_model_load_file(ac, path, NULL, &ms);
		unsetenv("QNN_PIPELINE");
		unsetenv("QNN_PLACE");
		if (mo && ms) {
			async_rate(mo, ab, aj, ain, ii.bytes, aout, oi.bytes, &ov);	/* warm */
			async_rate(ms, ab, aj, ain, ii.bytes, aout, oi.bytes, &ovs);
			ov_ips = async_rate(mo, ab, aj, ain, ii.bytes, aout, oi.bytes, &ov);
			se_ips = async_rate(ms, ab, aj, ain, ii.bytes, aout, oi.bytes, &ovs);
		}
		printf("# async, mixed plan (alternating), %u jobs of %u images: %.1f images/s overlapping requests (%llu of %u overlapped), %.1f images/s one at a time\n",
		       aj, ab, ov_ips, (unsigned long long)ov, aj, se_ips);
		qnn_model_free(mo);
		qnn_model_free(ms);
		free(ain);
		free(aout);
	}
	printf("ok 1 - bench_accel ran (%s)\n", b.fallbacks ? "with fallbacks" : "no fallback");
	printf("1..1\n");
	printf("{\"model\":\"%s\",\"batch\":%u,\"syscalls_per_inference\":%.2f,\"device_copy_bytes\":%llu,"
	       "\"host_us_per_device_job\":%.1f,\"peak_activation_ratio\":%.3f,"
	       "\"accel_images_per_s\":%.0f,\"cpu_images_per_s\":%.0f,\"fallbacks\":%llu,"
	       "\"zero_copy_host_copy_bytes_per_inference\":%.1f,\"zero_copy_pack_bytes_per_inference\":%.1f,"
	       "\"accel_zero_copy_images_per_s\":%.0f,\"async_overlap_images_per_s\":%.1f,"
	       "\"async_serial_images_per_s\":%.1f}\n",
	       path, batch, (double)(b.device_syscalls - a.device_syscalls) /
	       (double)(b.requests - a.requests ? b.requests - a.requests : 1),
	       (unsigned long long)b.device_copy_bytes,
	       (b.host_device_ns - a.host_device_ns) / 1e3 / (double)(b.device_jobs - a.device_jobs + !(b.device_jobs - a.device_jobs)),
	       pi.act_min_bytes ? (double)pi.act_peak_bytes / (double)pi.act_min_bytes : 0.0,
	       acc_ips, cpu_ips, (unsigned long long)b.fallbacks,
	       (double)(zb.copy_in_bytes - za.copy_in_bytes + zb.copy_out_bytes - za.copy_out_bytes) / zimg,
	       (double)(zb.pack_bytes - za.pack_bytes) / zimg, zc_ips, ov_ips, se_ips);
	free(in);
	free(out);
	qnn_model_free(cm);
	qnn_model_free(am);
	qnn_ctx_destroy(cc);
	qnn_ctx_destroy(ac);
	return 0;
}
