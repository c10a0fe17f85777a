// SPDX-License-Identifier: MIT
/*
 * qnn-run: classify images with a .qnn model through libqnn.
 *
 *   qnn-run [options] MODEL.qnn INPUT...
 *
 * Inputs are IDX image files (gzip'd or not, many images each), PGM, PNG or
 * raw files already in the model's input layout. Prints top-k per image
 * (text, or one JSON object per image with --json), then a summary with
 * timing and, with --labels, accuracy. See docs/tools.md.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "images.h"
#include "qnn.h"

struct opts {
	const char *device, *labels, *raw_out;
	unsigned int threads, batch, topk, limit;
	int json, quiet, per_image, plan;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: qnn-run [options] MODEL.qnn INPUT...\n"
		"  INPUT: IDX images (.gz or not), PGM (P5), PNG, or raw bytes in the\n"
		"         model's input layout (a whole number of inputs)\n"
		"  -k, --top K        classes to show per image (default 5)\n"
		"  -l, --labels FILE  IDX1 or text labels: report accuracy\n"
		"  -b, --batch N      images per libqnn call (default 256)\n"
		"  -t, --threads N    CPU threads (default: all)\n"
		"  -d, --device DEV   auto, cpu, accel or accel:N (default: $QNN_DEVICE or auto)\n"
		"  -n, --limit N      only the first N images\n"
		"  -j, --json         one JSON object per image, then a summary object\n"
		"  -a, --all          text: a line per image even for many images\n"
		"  -q, --quiet        text: summary only\n"
		"  -o, --output-raw F write output 0 of every image to F, raw (layout.md)\n"
		"  -p, --plan         print where each layer runs and why, then exit (no INPUT needed)\n"
		"  -h, --help\n");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int parse_uint(const char *s, unsigned int *v, unsigned int min, unsigned int max)
{
	char *end;
	unsigned long x = strtoul(s, &end, 10);

	if (!*s || *end || x < min || x > max)
		return -1;
	*v = (unsigned int)x;
	return 0;
}

/* Output element c of image i as a double (F32 or I32 outputs). */
static double score(const struct qnn_tensor_info *oi, const void *out, size_t i, size_t c)
{
	const uint8_t *p = (const uint8_t *)out + i * oi->bytes;

	if (oi->dtype == QNN_DT_F32)
		return ((const float *)p)[c];
	if (oi->dtype == QNN_DT_I32)
		return ((const int32_t *)p)[c];
	if (oi->dtype == QNN_DT_I8)
		return ((const int8_t *)p)[c];
	return p[c];
}

/* top-k indices, ties to the lower index (as the TOPK op does). */
static void topk(const struct qnn_tensor_info *oi, const void *out, size_t i, unsigned int k,
		 unsigned int *idx)
{
	size_t C = oi->dims[3];

	for (unsigned int j = 0; j < k; j++) {
		long best = -1;

		for (size_t c = 0; c < C; c++) {
			int taken = 0;

			for (unsigned int q = 0; q < j; q++)
				taken |= idx[q] == c;
			if (!taken && (best < 0 || score(oi, out, i, c) > score(oi, out, i, (size_t)best)))
				best = (long)c;
		}
		idx[j] = (unsigned int)best;
	}
}

/* Converts 8-bit pixels to the model's input element type. */
static int fill_input(const struct qnn_tensor_info *ii, const struct images *im, size_t first,
		      size_t n, void *dst)
{
	size_t per = (size_t)ii->dims[1] * ii->dims[2] * ii->dims[3];

	if (im->h == 0) {	/* raw: bytes as they are */
		memcpy(dst, im->pix + first * ii->bytes, n * ii->bytes);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *src = im->pix + (first + i) * per;

		switch (ii->dtype) {
		case QNN_DT_U8:
			memcpy((uint8_t *)dst + i * per, src, per);
			break;
		case QNN_DT_F32:
			for (size_t j = 0; j < per; j++)
				((float *)dst)[i * per + j] = src[j];
			break;
		default:
			return -ENOTSUP;
		}
	}
	return 0;
}

/* --plan: each layer's placement, segment and reason (qnn_layer_info) */
/* One graph input or output with the source graph's quantization (IOQUANT). */
static void print_io(const char *io, const struct qnn_tensor_info *t, int json)
{
	static const char *const kinds[] = { "none", "uniform", "bipolar", "thresholds" };
	static const char *const dts[] = { "?", "f32", "i8", "u8", "i32", "bits" };
	const char *kind = (unsigned int)t->quant < 4 ? kinds[t->quant] : "?";
	const char *dt = (unsigned int)t->dtype < 6 ? dts[t->dtype] : "?";

	if (json) {
		printf("{\"%s\":\"%s\",\"dims\":[%u,%u,%u],\"dtype\":\"%s\",\"quant\":\"%s\"",
		       io, t->name, t->dims[1], t->dims[2], t->dims[3], dt, kind);
		if (t->quant)
			printf(",\"bits\":%u,\"signed\":%d,\"narrow\":%d,\"rounding\":%d,"
			       "\"qmin\":%d,\"qmax\":%d", t->quant_bits, t->quant_signed,
			       t->quant_narrow, (int)t->quant_rounding, t->quant_min, t->quant_max);
		if (t->quant_channels) {
			printf(",\"scale\":[");
			for (unsigned int c = 0; c < t->quant_channels; c++)
				printf("%s%.17g", c ? "," : "", t->quant_scale[c]);
			printf("],\"zero_point\":[");
			for (unsigned int c = 0; c < t->quant_channels; c++)
				printf("%s%.17g", c ? "," : "", t->quant_zero_point[c]);
			printf("]");
		}
		printf("}\n");
		return;
	}
	printf("%-6s \"%s\": %ux%ux%u %s, quantization %s", io, t->name, t->dims[1], t->dims[2],
	       t->dims[3], dt, kind);
	if (t->quant)
		printf(" %u-bit%s%s q %d..%d", t->quant_bits, t->quant_signed ? " signed" : "",
		       t->quant_narrow ? " narrow" : "", t->quant_min, t->quant_max);
	for (unsigned int c = 0; c < t->quant_channels && c < 4; c++)
		printf("%s scale %.9g zero point %.9g", c ? ";" : ",", t->quant_scale[c],
		       t->quant_zero_point[c]);
	if (t->quant_channels > 4)
		printf("; ... (%u channels)", t->quant_channels);
	printf("\n");
}

static int print_plan(struct qnn_model *m, const struct qnn_ctx_info *ci, int json)
{
	struct qnn_model_stats st = { .sz = sizeof(st) };
	int n = qnn_model_num_layers(m);

	qnn_model_stats(m, &st);
	if (!json)
		printf("context %s: %u segments (%u on the device)\n", ci->backend, st.segments,
		       st.device_segments);
	for (int i = 0; i < qnn_model_num_inputs(m) + qnn_model_num_outputs(m); i++) {
		struct qnn_tensor_info t = { .sz = sizeof(t) };
		int out = i >= qnn_model_num_inputs(m);

		if (out ? qnn_model_output(m, (unsigned int)(i - qnn_model_num_inputs(m)), &t) :
		    qnn_model_input(m, (unsigned int)i, &t))
			return 1;
		print_io(out ? "output" : "input", &t, json);
	}
	for (int i = 0; i < n; i++) {
		struct qnn_layer_info li = { .sz = sizeof(li) };

		if (qnn_model_layer(m, (unsigned int)i, &li))
			return 1;
		if (json)
			printf("{\"layer\":%d,\"name\":\"%s\",\"op\":\"%s\",\"backend\":\"%s\","
			       "\"segment\":%d,\"reason\":\"%s\"}\n", i, li.name, li.op, li.backend,
			       li.segment, li.reason);
		else
			printf("%3d %-14s %-20.20s %-12s seg %-3d %s\n", i, li.op, li.name, li.backend,
			       li.segment, li.reason);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "top", required_argument, NULL, 'k' }, { "labels", required_argument, NULL, 'l' },
		{ "batch", required_argument, NULL, 'b' }, { "threads", required_argument, NULL, 't' },
		{ "device", required_argument, NULL, 'd' }, { "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' }, { "all", no_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' }, { "output-raw", required_argument, NULL, 'o' },
		{ "plan", no_argument, NULL, 'p' }, { "help", no_argument, NULL, 'h' }, { 0 }
	};
	struct opts o = { .batch = 256, .topk = 5 };
	struct qnn_ctx_opts co = { .sz = sizeof(co) };
	struct qnn_ctx_info cinfo = { .sz = sizeof(cinfo) };
	struct qnn_tensor_info ii = { .sz = sizeof(ii) }, oi = { .sz = sizeof(oi) };
	struct qnn_run_opts ro = { .sz = sizeof(ro) };
	struct qnn_ctx *ctx = NULL;
	struct qnn_model *m = NULL;
	struct images im = { 0 };
	int *labels = NULL, c, rc = 1, progress;
	size_t nlabels = 0, total, correct = 0;
	void *in = NULL, *out = NULL;
	FILE *rawf = NULL;
	unsigned int *idx = NULL;
	double t_run = 0, t_start;
	char err[512];

	while ((c = getopt_long(argc, argv, "k:l:b:t:d:n:o:pjaqh", lo, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (parse_uint(optarg, &o.topk, 1, 1 << 20))
				goto bad_arg;
			break;
		case 'l':
			o.labels = optarg;
			break;
		case 'b':
			if (parse_uint(optarg, &o.batch, 1, 1 << 16))
				goto bad_arg;
			break;
		case 't':
			if (parse_uint(optarg, &o.threads, 1, 1024))
				goto bad_arg;
			break;
		case 'd':
			o.device = optarg;
			break;
		case 'n':
			if (parse_uint(optarg, &o.limit, 1, ~0u))
				goto bad_arg;
			break;
		case 'o':
			o.raw_out = optarg;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'p':
			o.plan = 1;
			break;
		case 'a':
			o.per_image = 1;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind < (o.plan ? 1 : 2)) {
		usage(stderr);
		return 2;
	}
	co.device = o.device;
	co.threads = o.threads;
	if (qnn_ctx_create(&co, &ctx, err, sizeof(err))) {
		fprintf(stderr, "qnn-run: %s\n", err);
		return 1;
	}
	qnn_ctx_info(ctx, &cinfo);
	if (qnn_model_load_file(ctx, argv[optind], NULL, &m)) {
		fprintf(stderr, "qnn-run: %s\n", qnn_ctx_errmsg(ctx));
		goto out;
	}
	if (o.plan) {
		rc = print_plan(m, &cinfo, o.json);
		goto out;
	}
	if (qnn_model_num_inputs(m) != 1 || qnn_model_num_outputs(m) < 1 ||
	    qnn_model_input(m, 0, &ii) || qnn_model_output(m, 0, &oi)) {
		fprintf(stderr, "qnn-run: %s: qnn-run handles models with one input\n", argv[optind]);
		goto out;
	}
	for (int a = optind + 1; a < argc; a++) {
		int raw;

		if (images_load(&im, argv[a], ii.dims[1], ii.dims[2], ii.dims[3], ii.bytes, &raw,
				err, sizeof(err))) {
			fprintf(stderr, "qnn-run: %s\n", err);
			goto out;
		}
	}
	if (im.h && (im.h != ii.dims[1] || im.w != ii.dims[2] || im.c != ii.dims[3])) {
		fprintf(stderr, "qnn-run: images are %ux%ux%u, the model takes %ux%ux%u (HxWxC)\n",
			im.h, im.w, im.c, ii.dims[1], ii.dims[2], ii.dims[3]);
		goto out;
	}
	if (im.h && ii.dtype != QNN_DT_U8 && ii.dtype != QNN_DT_F32) {
		fprintf(stderr, "qnn-run: the model input is not u8 or f32; give raw inputs\n");
		goto out;
	}
	total = im.count;
	if (o.limit && o.limit < total)
		total = o.limit;
	if (o.labels) {
		if (labels_load(o.labels, &labels, &nlabels, err, sizeof(err))) {
			fprintf(stderr, "qnn-run: %s\n", err);
			goto out;
		}
		if (nlabels < total) {
			fprintf(stderr, "qnn-run: %s: %zu labels for %zu images\n", o.labels, nlabels,
				total);
			goto out;
		}
	}
	if (o.topk > oi.dims[3])
		o.topk = oi.dims[3];
	in = malloc((size_t)o.batch * ii.bytes);
	out = malloc((size_t)o.batch * oi.bytes);
	idx = malloc(o.topk * sizeof(*idx));
	if (!in || !out || !idx) {
		fprintf(stderr, "qnn-run: out of memory\n");
		goto out;
	}
	if (o.raw_out && !(rawf = fopen(o.raw_out, "wb"))) {
		fprintf(stderr, "qnn-run: %s: %s\n", o.raw_out, strerror(errno));
		goto out;
	}
	progress = isatty(2) && total > o.batch;
	ro.threads = o.threads;
	t_start = now_s();
	for (size_t first = 0; first < total; first += o.batch) {
		size_t n = total - first < o.batch ? total - first : o.batch;
		const void *ins[1] = { in };
		void *outs[1] = { out };
		double t0;
		int r;

		if (fill_input(&ii, &im, first, n, in)) {
			fprintf(stderr, "qnn-run: cannot convert images to the model's input type\n");
			goto out;
		}
		t0 = now_s();
		r = qnn_run_batch(m, (unsigned int)n, ins, outs, &ro);
		t_run += now_s() - t0;
		if (r) {
			fprintf(stderr, "qnn-run: run failed at image %zu: %s\n", first,
				qnn_ctx_errmsg(ctx));
			goto out;
		}
		if (rawf && fwrite(out, oi.bytes, n, rawf) != n) {
			fprintf(stderr, "qnn-run: %s: write error\n", o.raw_out);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			size_t gi = first + i;

			topk(&oi, out, i, o.topk, idx);
			if (labels && (int)idx[0] == labels[gi])
				correct++;
			if (o.json) {
				printf("{\"index\":%zu,\"top1\":%u", gi, idx[0]);
				if (labels)
					printf(",\"label\":%d", labels[gi]);
				printf(",\"topk\":[");
				for (unsigned int j = 0; j < o.topk; j++)
					printf("%s%u", j ? "," : "", idx[j]);
				printf("],\"scores\":[");
				for (size_t k = 0; k < oi.dims[3]; k++)
					printf("%s%.9g", k ? "," : "", score(&oi, out, i, k));
				printf("]}\n");
			} else if (!o.quiet && (o.per_image || total <= 16)) {
				printf("image %zu:", gi);
				for (unsigned int j = 0; j < o.topk; j++)
					printf(" %u (%.4g)", idx[j], score(&oi, out, i, idx[j]));
				if (labels)
					printf("  label %d%s", labels[gi],
					       (int)idx[0] == labels[gi] ? "" : "  MISS");
				putchar('\n');
			}
		}
		if (progress) {
			double el = now_s() - t_start;

			fprintf(stderr, "\r%zu/%zu images  %.0f images/s ", first + n, total,
				el > 0 ? (first + n) / el : 0.0);
		}
	}
	if (progress)
		fprintf(stderr, "\r%60s\r", "");
	{
		double ips = t_run > 0 ? total / t_run : 0;
		unsigned int threads = o.threads ? o.threads : cinfo.threads;

		if (o.json) {
			printf("{\"summary\":true,\"model\":\"%s\",\"images\":%zu,\"backend\":\"%s\","
			       "\"threads\":%u,\"batch\":%u,\"seconds\":%.6f,\"images_per_s\":%.1f",
			       argv[optind], total, cinfo.backend, threads, o.batch, t_run, ips);
			if (labels)
				printf(",\"correct\":%zu,\"accuracy\":%.4f", correct,
				       total ? (double)correct / total : 0.0);
			printf("}\n");
		} else {
			printf("images=%zu backend=%s threads=%u batch=%u time_s=%.3f images_per_s=%.0f "
			       "latency_us_per_image=%.1f", total, cinfo.backend, threads, o.batch, t_run,
			       ips, total ? t_run * 1e6 / total : 0.0);
			if (labels)
				printf(" accuracy=%.4f (%zu/%zu)", total ? (double)correct / total : 0.0,
				       correct, total);
			putchar('\n');
		}
	}
	rc = 0;
	if (rawf && fclose(rawf)) {
		fprintf(stderr, "qnn-run: %s: write error\n", o.raw_out);
		rc = 1;
	}
	rawf = NULL;
out:
	if (rawf)
		fclose(rawf);
	free(in);
	free(out);
	free(idx);
	free(labels);
	images_free(&im);
	if (m)
		qnn_model_free(m);
	qnn_ctx_destroy(ctx);
	return rc;
bad_arg:
	fprintf(stderr, "qnn-run: bad value for -%c: %s\n", c, optarg);
	return 2;
}
