// SPDX-License-Identifier: MIT
/*
 * The optional IOQUANT section (docs/model-format.md, format 1.1): the source
 * graph's quantization of graph inputs and outputs, written by
 * qnn_writer_set_quant() and read back through qnn_tensor_info. Files
 * without it load as before (QNN_QUANT_NONE), a caller with the old, smaller
 * struct gets no new fields, hostile entries are refused naming the entry,
 * and the section is marked OPTIONAL so a loader that does not know it
 * skips it. Field offsets come from the document, the CRC32C is the test's own.
 */
#include <errno.h>

#include "qnn_test.h"

static struct qnn_ctx *ctx;


static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void fix_crc(uint8_t *f, size_t n)
{
	wr32(f + 28, 0);
	wr32(f + 28, crc32c(f, n));
}

/* section table entry of `type`, or NULL */
static uint8_t *sec_entry(uint8_t *f, uint32_t type)
{
	for (uint32_t i = 0; i < rd32(f + 24); i++)
		if (rd32(f + 64 + 32 * i) == type)
			return f + 64 + 32 * i;
	return NULL;
}

static uint8_t *ioq(uint8_t *f)
{
	uint8_t *e = sec_entry(f, 6);

	return e ? f + rd32(e + 8) : NULL;
}

static const double in_scale[3] = { 0.5, 0.25, 2.0 }, in_zp[3] = { 0, 1.5, -3 };
static const double out_scale = 0.125, out_zp = 7;

/* F32 input 1x1x1x3 -> SOFTMAX -> output; quant entries as asked */
static int build(int with_quant, void **buf, size_t *size)
{
	struct qnn_writer *w;
	struct qnn_tensor_desc di = tdesc("x", QNN_DT_F32, 0, 0, 1, 1, 1, 3);
	struct qnn_tensor_desc dout = tdesc("y", QNN_DT_F32, 0, 0, 1, 1, 1, 3);
	struct qnn_layer_desc l = { .sz = sizeof(l), .name = "sm", .op = QNN_OP_SOFTMAX };
	struct qnn_quant_desc qi = {
		.sz = sizeof(qi), .kind = QNN_QUANT_UNIFORM, .bits = 4, .is_signed = 1,
		.rounding = QNN_ROUND_HALF_EVEN, .qmin = -8, .qmax = 7, .channels = 3,
		.scale = in_scale, .zero_point = in_zp,
	};
	struct qnn_quant_desc qo = {
		.sz = sizeof(qo), .kind = QNN_QUANT_BIPOLAR, .bits = 1, .is_signed = 1,
		.qmin = -1, .qmax = 1, .channels = 1,
		.scale = &out_scale, .zero_point = &out_zp,
	};
	int x, y, err;

	if (qnn_writer_create(&w))
		return -ENOMEM;
	x = qnn_writer_add_tensor(w, &di);
	y = qnn_writer_add_tensor(w, &dout);
	l.inputs[0] = x;
	l.output = y;
	err = qnn_writer_add_layer(w, &l) < 0 || qnn_writer_add_input(w, x) ||
	      qnn_writer_add_output(w, y);
	if (!err && with_quant)
		err = qnn_writer_set_quant(w, x, &qi) || qnn_writer_set_quant(w, y, &qo);
	if (!err)
		err = qnn_writer_write_mem(w, buf, size);
	if (err)
		fprintf(stderr, "# writer: %s\n", qnn_writer_errmsg(w));
	qnn_writer_free(w);
	return err ? -EINVAL : 0;
}

static int load(const void *f, size_t n, struct qnn_model **m)
{
	struct qnn_load_opts o = { .sz = sizeof(o), .flags = QNN_LOAD_COPY };

	return qnn_model_load_mem(ctx, f, n, &o, m);
}

static void roundtrip(void)
{
	struct qnn_tensor_info ti = { .sz = sizeof(ti) }, to = { .sz = sizeof(to) };
	struct qnn_model *m = NULL;
	void *buf;
	size_t n;
	int same = 1;

	if (!ok(!build(1, &buf, &n), "a model with input and output quantization is written"))
		return;
	ok(rd32((uint8_t *)buf + 8) >> 16 == 1 && sec_entry(buf, 6) && (rd32(sec_entry(buf, 6) + 4) & 1),
	   "format 1.1, IOQUANT section (type 6) flagged OPTIONAL");
	if (!ok(!load(buf, n, &m), "it loads: %s", qnn_ctx_errmsg(ctx))) {
		free(buf);
		return;
	}
	qnn_model_input(m, 0, &ti);
	qnn_model_output(m, 0, &to);
	for (int c = 0; c < 3 && ti.quant_scale; c++)
		same &= ti.quant_scale[c] == in_scale[c] && ti.quant_zero_point[c] == in_zp[c];
	ok(ti.quant == QNN_QUANT_UNIFORM && ti.quant_bits == 4 && ti.quant_signed && !ti.quant_narrow &&
	   ti.quant_rounding == QNN_ROUND_HALF_EVEN && ti.quant_min == -8 && ti.quant_max == 7 &&
	   ti.quant_channels == 3 && ti.quant_scale && same,
	   "input: uniform, 4-bit signed, -8..7, per-channel scales and zero points as written");
	ok(to.quant == QNN_QUANT_BIPOLAR && to.quant_bits == 1 && to.quant_signed && !to.quant_narrow &&
	   to.quant_min == -1 && to.quant_max == 1 &&
	   to.quant_channels == 1 && to.quant_scale[0] == 0.125 && to.quant_zero_point[0] == 7,
	   "output: bipolar (-1..1 in 1 bit), one scale and zero point");
	{	/* a caller built before LIBQNN_1.4 passes the old size */
		struct {
			struct qnn_tensor_info ti;
			unsigned char guard[64];
		} old;
		size_t oldsz = offsetof(struct qnn_tensor_info, quant);
		int untouched = 1;

		memset(&old, 0xa5, sizeof(old));
		old.ti.sz = oldsz;
		qnn_model_input(m, 0, &old.ti);
		for (size_t i = oldsz; i < sizeof(old); i++)
			untouched &= ((unsigned char *)&old)[i] == 0xa5;
		ok(untouched && old.ti.dims[3] == 3, "an old-sized struct gets nothing past its sz");
	}
	qnn_model_free(m);

	/* a loader that does not know type 6 skips it: same file with an unknown optional type */
	{
		uint8_t *f = malloc(n);

		memcpy(f, buf, n);
		wr32(sec_entry(f, 6), 77);
		fix_crc(f, n);
		m = NULL;
		ti.quant = QNN_QUANT_UNIFORM;
		ok(!load(f, n, &m) && !qnn_model_input(m, 0, &ti) && ti.quant == QNN_QUANT_NONE,
		   "the section as an unknown optional type is skipped (no quant)");
		qnn_model_free(m);
		free(f);
	}
	free(buf);

	if (ok(!build(0, &buf, &n), "the same model without quantization")) {
		ti.quant = QNN_QUANT_BIPOLAR;
		m = NULL;
		ok(rd32((uint8_t *)buf + 8) >> 16 == 0 && !sec_entry(buf, 6) && !load(buf, n, &m) &&
		   !qnn_model_input(m, 0, &ti) && ti.quant == QNN_QUANT_NONE && !ti.quant_scale,
		   "is format 1.0 without IOQUANT and reports QNN_QUANT_NONE");
		qnn_model_free(m);
		free(buf);
	}
}

struct mut {
	const char *what, *msg;
	size_t at;	/* offset in the section */
	int bytes;	/* 1 or 4 */
	uint32_t v;
};

static void hostile(void)
{
	/* entry 0 (input, 3 channels), entry 1 (output, 1); values from 64 */
	static const struct mut muts[] = {
		{ "tensor id 0", "not a graph input or output", 0, 4, 0 },
		{ "tensor id out of range", "not a graph input or output", 0, 4, 99 },
		{ "same tensor twice", "listed twice", 32, 4, 1 },
		{ "kind 9", "kind 9", 4, 1, 9 },
		{ "rounding 7", "rounding 7", 5, 1, 7 },
		{ "bits 0", "bits 0", 6, 1, 0 },
		{ "flags 0x4", "flags 0x4", 7, 1, 4 },
		{ "reserved byte", "reserved", 24, 1, 1 },
		{ "qmin > qmax", "range 8..7", 8, 4, 8 },
		{ "range wider than the bits", "range -100..7", 8, 4, (uint32_t)-100 },
		{ "bipolar with a 4-bit range", "range -8..7", 4, 1, 2 },
		{ "bipolar with 2 bits", "range -1..1 does not fit 2", 38, 1, 2 },
		{ "2 channels on a 3-channel tensor", "2 channels", 16, 4, 2 },
		{ "values at the wrong offset", "values at 72", 20, 4, 72 },
		{ "thresholds kind with values", "THRESHOLDS has no values", 4, 1, 3 },
		{ "scale 0", "scale 0", 64, 4, 0 },
	};
	void *buf;
	size_t n;

	if (build(1, &buf, &n))
		return;
	for (size_t i = 0; i < sizeof(muts) / sizeof(muts[0]); i++) {
		const struct mut *u = &muts[i];
		uint8_t *f = malloc(n), *q;
		struct qnn_model *m = NULL;
		int err;

		memcpy(f, buf, n);
		q = ioq(f);
		if (u->bytes == 1)
			q[u->at] = (uint8_t)u->v;
		else
			wr32(q + u->at, u->v);
		if (u->at == 64)	/* the whole double */
			wr32(q + 68, 0);
		fix_crc(f, n);
		err = load(f, n, &m);
		ok(err < 0 && strstr(qnn_ctx_errmsg(ctx), "IOQUANT") &&
		   strstr(qnn_ctx_errmsg(ctx), u->msg),
		   "refused: %s (%d: %s)", u->what, err, qnn_ctx_errmsg(ctx));
		qnn_model_free(m);
		free(f);
	}
	{	/* section size one value short */
		uint8_t *f = malloc(n);
		struct qnn_model *m = NULL;
		uint8_t *e;

		memcpy(f, buf, n);
		e = sec_entry(f, 6);
		wr32(e + 16, rd32(e + 16) - 8);
		fix_crc(f, n);
		ok(load(f, n, &m) == -EBADMSG && strstr(qnn_ctx_errmsg(ctx), "IOQUANT: size"),
		   "refused: section size short of its values (%s)", qnn_ctx_errmsg(ctx));
		qnn_model_free(m);
		free(f);
	}
	free(buf);
}

static void writer_checks(void)
{
	struct qnn_writer *w;
	struct qnn_tensor_desc d = tdesc("x", QNN_DT_F32, 0, 0, 1, 1, 1, 3);
	struct qnn_quant_desc q = { .sz = sizeof(q), .kind = QNN_QUANT_UNIFORM, .bits = 8,
				    .qmin = 0, .qmax = 255, .channels = 1,
				    .scale = &out_scale, .zero_point = &out_zp };
	int x;

	if (qnn_writer_create(&w))
		return;
	x = qnn_writer_add_tensor(w, &d);
	ok(qnn_writer_set_quant(w, 0, &q) == -EINVAL && qnn_writer_set_quant(w, x, NULL) == -EINVAL,
	   "writer: unknown tensor or no descriptor refused");
	ok(!qnn_writer_set_quant(w, x, &q) && qnn_writer_set_quant(w, x, &q) == -EINVAL,
	   "writer: a tensor's quantization is set once");
	qnn_writer_free(w);
}

int main(void)
{
	if (qnn_ctx_create(NULL, &ctx, NULL, 0)) {
		printf("not ok 1 - context\n1..1\n");
		return 1;
	}
	roundtrip();
	hostile();
	writer_checks();
	qnn_ctx_destroy(ctx);
	return done_testing();
}
