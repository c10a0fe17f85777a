// SPDX-License-Identifier: MIT
/*
 * qnn-convert: ONNX (standard ops and QONNX Quant/BipolarQuant/
 * MultiThreshold/Trunc) -> .qnn model file. See docs/tools.md and
 * docs/onnx-import.md.
 *
 * The output is written to a temporary file in the same directory and
 * renamed into place only when the whole model converted, so a failed
 * conversion never leaves a partial file.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "convert.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: qnn-convert [-v] [-o OUT.qnn] MODEL.onnx [OUT.qnn]\n"
		"  -o, --output FILE  output file (default: MODEL.qnn next to MODEL.onnx)\n"
		"  -v, --verbose      show each layer's precision and, when the model loads\n"
		"                     here, where libqnn places it\n"
		"  -h, --help         this help\n");
}

static int write_atomic(struct cv *cv, const char *out)
{
	char *tmp = malloc(strlen(out) + 16);
	void *buf = NULL;
	size_t size = 0;
	FILE *f;
	int fd, err;

	if (!tmp)
		return cv_fail(cv, -ENOMEM, "out of memory");
	err = qnn_writer_write_mem(cv->w, &buf, &size);
	if (err) {
		free(tmp);
		return cv_fail(cv, err, "serialising: %s", qnn_writer_errmsg(cv->w));
	}
	sprintf(tmp, "%s.tmp.XXXXXX", out);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = cv_fail(cv, -errno, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	{	/* mkstemp makes 0600; a model file is as readable as any other */
		mode_t um = umask(0);

		umask(um);
		if (fchmod(fd, 0666 & ~um))
			err = 0;	/* keep 0600 rather than fail */
	}
	f = fdopen(fd, "wb");
	if (!f || fwrite(buf, 1, size, f) != size || fflush(f) || fsync(fd)) {
		err = cv_fail(cv, -EIO, "%s: write failed: %s", tmp, strerror(errno));
		if (f)
			fclose(f);
		else
			close(fd);
		unlink(tmp);
		goto out;
	}
	fclose(f);
	if (rename(tmp, out)) {
		err = cv_fail(cv, -errno, "%s: %s", out, strerror(errno));
		unlink(tmp);
	}
out:
	free(buf);
	free(tmp);
	return err;
}

/* --verbose: where libqnn places each layer (needs a loadable model). */
static void show_placement(const char *path)
{
	struct qnn_ctx *ctx;
	struct qnn_model *m;
	char msg[256];
	int n;

	if (qnn_ctx_create(NULL, &ctx, msg, sizeof(msg))) {
		fprintf(stderr, "placement: no context (%s)\n", msg);
		return;
	}
	if (qnn_model_load_file(ctx, path, NULL, &m)) {
		fprintf(stderr, "placement: %s does not load: %s\n", path, qnn_ctx_errmsg(ctx));
		qnn_ctx_destroy(ctx);
		return;
	}
	n = qnn_model_num_layers(m);
	fprintf(stderr, "placement (%d layers):\n", n);
	for (int i = 0; i < n; i++) {
		struct qnn_layer_info li = { .sz = sizeof(li) };

		if (qnn_model_layer(m, (unsigned int)i, &li))
			continue;
		fprintf(stderr, "  layer %-3d %-14s %-30.30s on %-12s w%u a%u -> %u bits, %llu MACs\n",
			i, li.op, li.name ? li.name : "", li.backend ? li.backend : "?",
			li.weight_bits, li.input_bits, li.output_bits, (unsigned long long)li.macs);
	}
	qnn_model_free(m);
	qnn_ctx_destroy(ctx);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct cv cv = { 0 };
	const char *in, *out = NULL;
	char *defout = NULL;
	int c, err;

	while ((c = getopt_long(argc, argv, "o:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'v':
			cv.opts.verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc || argc - optind > 2 || (out && argc - optind > 1)) {
		usage(stderr);
		return 2;
	}
	in = argv[optind];
	if (!out && argc - optind == 2)
		out = argv[optind + 1];
	if (!out) {
		size_t l = strlen(in);

		defout = malloc(l + 5);
		if (!defout)
			return 1;
		strcpy(defout, in);
		if (l > 5 && !strcmp(defout + l - 5, ".onnx"))
			defout[l - 5] = 0;
		strcat(defout, ".qnn");
		out = defout;
	}
	err = cv_load_onnx(&cv, in);
	if (!err)
		err = qnn_writer_create(&cv.w);
	if (!err) {
		if (cv.opts.verbose)
			fprintf(stderr, "%s: opset %lld, %zu nodes\n", in, (long long)cv.opset,
				cv.g->n_node);
		err = cv_lower(&cv);
	}
	if (!err)
		err = write_atomic(&cv, out);
	if (err) {
		fprintf(stderr, "qnn-convert: %s: %s\n", in, cv.err[0] ? cv.err : strerror(-err));
	} else {
		if (cv.opts.verbose)
			show_placement(out);
		printf("%s: %d layers -> %s\n", in, cv.nlayers, out);
	}
	if (cv.w)
		qnn_writer_free(cv.w);
	cv_free_values(&cv);
	cv_ioq_free(&cv);
	for (size_t i = 0; i < cv.nnames; i++)
		free(cv.names[i]);
	free(cv.names);
	cv_unload_onnx(&cv);
	free(defout);
	return err ? 1 : 0;
}
