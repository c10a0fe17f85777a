// SPDX-License-Identifier: MIT
/* qnn_writer calls: activations, constants in docs/layout.md form, layers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"

const char *cv_dtype_name(enum qnn_dtype dt, enum qnn_encoding enc, unsigned int bits,
			  char *buf, size_t len)
{
	static const char *const encs[] = { "", "bipolar", "unsigned", "signed", "branches" };

	switch (dt) {
	case QNN_DT_F32: return "f32";
	case QNN_DT_I8: return "i8";
	case QNN_DT_U8: return "u8";
	case QNN_DT_I32: return "i32";
	case QNN_DT_BITS:
		snprintf(buf, len, "%s%u", enc < 5 ? encs[enc] : "?", bits);
		return buf;
	}
	return "?";
}

static int writer_fail(struct cv *cv, int err, const char *what)
{
	return cv_fail(cv, err < 0 ? err : -EINVAL, "%s: %s", what, qnn_writer_errmsg(cv->w));
}

static int name_used(const struct cv *cv, const char *name)
{
	for (size_t i = 0; i < cv->nnames; i++)
		if (!strcmp(cv->names[i], name))
			return 1;
	return 0;
}

int cv_emit_act_tensor(struct cv *cv, const char *name, enum qnn_dtype dt,
		       enum qnn_encoding enc, unsigned int bits,
		       uint32_t h, uint32_t w, uint32_t c)
{
	struct qnn_tensor_desc d = {
		.sz = sizeof(d), .name = name, .dtype = dt,
		.encoding = dt == QNN_DT_BITS ? enc : QNN_ENC_NONE,
		.bits = dt == QNN_DT_BITS ? bits : 0,
		.dims = { 1, h, w, c },
	};
	char uniq[300], **nn;
	int id;

	/* ONNX names are unique per value, but one value can need two tensors */
	snprintf(uniq, sizeof(uniq), "%.250s", name);
	for (int i = 2; name_used(cv, uniq); i++)
		snprintf(uniq, sizeof(uniq), "%.250s#%d", name, i);
	d.name = uniq;
	id = qnn_writer_add_tensor(cv->w, &d);
	if (id <= 0)
		return writer_fail(cv, id, name);
	nn = realloc(cv->names, (cv->nnames + 1) * sizeof(*nn));
	if (!nn || !(nn[cv->nnames] = strdup(uniq))) {
		if (nn)
			cv->names = nn;
		return cv_fail(cv, -ENOMEM, "out of memory");
	}
	cv->names = nn;
	cv->nnames++;
	return id;
}

int cv_emit_const(struct cv *cv, enum qnn_dtype dt, enum qnn_encoding enc,
		  unsigned int bits, const uint32_t dims[4], const void *data)
{
	struct qnn_tensor_desc d = {
		.sz = sizeof(d), .dtype = dt, .encoding = enc, .bits = bits,
		.dims = { dims[0], dims[1], dims[2], dims[3] },
	};
	int id = qnn_writer_add_const(cv->w, &d, data, qnn_tensor_bytes(&d));

	if (id <= 0)
		return writer_fail(cv, id, "constant");
	return id;
}

/* Bit-packed weight planes O x KH x KW x C (docs/layout.md). */
int cv_emit_weights(struct cv *cv, const struct cv_qweights *qw)
{
	struct qnn_tensor_desc d = {
		.sz = sizeof(d), .dtype = QNN_DT_BITS, .encoding = qw->enc, .bits = qw->bits,
		.dims = { qw->o, qw->kh, qw->kw, qw->c },
	};
	size_t bytes = qnn_tensor_bytes(&d);
	uint64_t *buf;
	int err;

	if (!bytes)
		return cv_fail(cv, -EINVAL, "weights %ux%ux%ux%u: invalid size", qw->o, qw->kh,
			       qw->kw, qw->c);
	buf = calloc(1, bytes);
	if (!buf)
		return cv_fail(cv, -ENOMEM, "out of memory");
	err = qnn_pack_bits(qw->q, d.dims, qw->bits, qw->enc, buf);
	if (err) {
		free(buf);
		return cv_fail(cv, err, "packing weights: %d", err);
	}
	err = cv_emit_const(cv, QNN_DT_BITS, qw->enc, qw->bits, d.dims, buf);
	free(buf);
	return err;
}

int cv_emit_layer(struct cv *cv, struct qnn_layer_desc *l)
{
	int idx;

	l->sz = sizeof(*l);
	idx = qnn_writer_add_layer(cv->w, l);
	if (idx < 0)
		return writer_fail(cv, idx, l->name ? l->name : "layer");
	cv->nlayers++;
	return idx;
}
