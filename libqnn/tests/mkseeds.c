// SPDX-License-Identifier: MIT
/* mkseeds DIR: writes the test models as the fuzzer's seed corpus. */
#include "models.h"

/* A model with an IOQUANT section (format 1.1), so the fuzzer starts from one. */
static int ioquant_seed(const char *dir)
{
	static const double s3[3] = { 0.5, 0.25, 2 }, z3[3] = { 0, 1.5, -3 }, one = 1, zero = 0;
	struct qnn_tensor_desc d = tdesc("x", QNN_DT_F32, 0, 0, 1, 1, 1, 3);
	struct qnn_layer_desc l = { .sz = sizeof(l), .name = "sm", .op = QNN_OP_SOFTMAX };
	struct qnn_quant_desc qi = { .sz = sizeof(qi), .kind = QNN_QUANT_UNIFORM, .bits = 4,
				     .is_signed = 1, .qmin = -8, .qmax = 7, .channels = 3,
				     .scale = s3, .zero_point = z3 };
	struct qnn_quant_desc qo = { .sz = sizeof(qo), .kind = QNN_QUANT_BIPOLAR, .bits = 1,
				     .is_signed = 1, .qmin = -1, .qmax = 1, .channels = 1,
				     .scale = &one, .zero_point = &zero };
	struct qnn_writer *w;
	char path[4096];
	int x, y, err;

	if (qnn_writer_create(&w))
		return 1;
	x = qnn_writer_add_tensor(w, &d);
	d.name = "y";
	y = qnn_writer_add_tensor(w, &d);
	l.inputs[0] = x;
	l.output = y;
	snprintf(path, sizeof(path), "%s/ioquant.qnn", dir);
	err = qnn_writer_add_layer(w, &l) < 0 || qnn_writer_add_input(w, x) ||
	      qnn_writer_add_output(w, y) || qnn_writer_set_quant(w, x, &qi) ||
	      qnn_writer_set_quant(w, y, &qo) || qnn_writer_write_file(w, path);
	if (err)
		fprintf(stderr, "mkseeds: %s: %s\n", path, qnn_writer_errmsg(w));
	qnn_writer_free(w);
	return err;
}

int main(int argc, char **argv)
{
	char path[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds DIR\n");
		return 2;
	}
	for (int i = 0; i < NUM_MODELS; i++) {
		void *buf;
		size_t size;
		FILE *f;

		if (build_model(i, &buf, &size, 1 + (uint64_t)i))
			return 1;
		snprintf(path, sizeof(path), "%s/model%d.qnn", argv[1], i);
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, size, f) != size || fclose(f)) {
			perror(path);
			return 1;
		}
		free(buf);
	}
	return ioquant_seed(argv[1]);
}
