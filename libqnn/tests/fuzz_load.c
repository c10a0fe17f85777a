// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the model loader: every input is loaded as is, and
 * again with its checksum recomputed so mutations reach the structural
 * checks behind it. Models that load are run once on zero input when small,
 * so the plans the loader accepted are exercised too.
 */
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "qnn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct qnn_ctx *ctx;

static void try_load(const uint8_t *data, size_t size)
{
	struct qnn_load_opts lo = { .sz = sizeof(lo), .flags = QNN_LOAD_COPY };
	struct qnn_model *m;
	const void *ins[16];
	void *outs[16];
	size_t total = 0;
	uint64_t macs = 0;
	int ni, no, nl, ok = 1;

	if (qnn_model_load_mem(ctx, data, size, &lo, &m)) {
		if (!qnn_ctx_errmsg(ctx)[0])
			abort();	/* every failure must say what was wrong */
		return;
	}
	ni = qnn_model_num_inputs(m);
	no = qnn_model_num_outputs(m);
	nl = qnn_model_num_layers(m);
	for (int i = 0; i < nl; i++) {
		struct qnn_layer_info li = { .sz = sizeof(li) };

		qnn_model_layer(m, (unsigned int)i, &li);
		macs += li.macs;
	}
	for (int i = 0; i < ni + no; i++) {
		struct qnn_tensor_info ti = { .sz = sizeof(ti) };

		if (i < ni)
			qnn_model_input(m, (unsigned int)i, &ti);
		else
			qnn_model_output(m, (unsigned int)(i - ni), &ti);
		total += ti.bytes;
		/* the IOQUANT values must be readable (ASan checks the reads) */
		for (unsigned int c = 0; c < ti.quant_channels; c++)
			macs += ti.quant_scale[c] != ti.quant_zero_point[c];
		if (i < ni)
			ins[i] = calloc(1, ti.bytes);
		else
			outs[i - ni] = calloc(1, ti.bytes);
	}
	if (macs < 20000000 && total < (16u << 20))
		ok = qnn_run(m, ins, outs) == 0;
	for (int i = 0; i < ni; i++)
		free((void *)ins[i]);
	for (int i = 0; i < no; i++)
		free(outs[i]);
	qnn_model_free(m);
	if (!ok)
		abort();	/* a model that validated must run */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ctx) {
		struct qnn_ctx_opts o = { .sz = sizeof(o), .device = "cpu", .threads = 1 };

		if (qnn_ctx_create(&o, &ctx, NULL, 0))
			abort();
	}
	try_load(data, size);
	if (size >= QNNF_HEADER_SIZE) {
		uint8_t *copy = malloc(size);

		memcpy(copy, data, size);
		qnnf_wr64(copy + 16, size);
		qnnf_wr32(copy + QNNF_CHECKSUM_OFF, qnnf_file_crc(copy, size));
		try_load(copy, size);
		free(copy);
	}
	return 0;
}
