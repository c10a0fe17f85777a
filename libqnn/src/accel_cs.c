// SPDX-License-Identifier: MIT
/*
 * A model layer as one device command (docs/cmdstream.md, "Mapping from the
 * .qnn model format"). Layers reaching here passed qnn_accel_layer_ok().
 * The structs of qnn_cmdstream.h are filled on a little-endian host (the
 * only kind libqnn builds for: x86-64 and aarch64).
 */
#include <errno.h>
#include <string.h>

#include "accel.h"
#include "qnn_cmdstream.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "command streams are little-endian");

static struct qnn_cs_tensor act(const struct qnn_tensor *t, uint64_t va, unsigned int n, int shadow)
{
	struct qnn_cs_tensor c = { .va = va, .n = n, .h = t->h, .w = t->w, .c = t->c };

	if (shadow) {		/* U8/I8 packed into 8 UNSIGNED/SIGNED planes */
		c.type = QNN_CS_TYPE_BITS;
		c.encoding = t->dtype == QNN_DT_I8 ? QNN_CS_ENC_SIGNED : QNN_CS_ENC_UNSIGNED;
		c.bits = 8;
	} else if (t->dtype == QNN_DT_BITS) {
		c.type = QNN_CS_TYPE_BITS;
		c.encoding = t->enc;	/* the .qnn numbering is the device's */
		c.bits = t->bits;
	} else {
		c.type = QNN_CS_TYPE_INT32;
	}
	return c;
}

/* Output stage of a layer whose output is `o` (thresholds, or int32 with bias/shift). */
static struct qnn_cs_epilogue epilogue(const struct qnn_model *m, const struct qnn_layer *l,
				       const struct qnn_cs_addrs *a)
{
	const struct qnn_tensor *o = &m->t[l->out];
	struct qnn_cs_epilogue e = { 0 };

	if (o->dtype == QNN_DT_BITS) {
		e.mode = QNN_CS_OUT_THRESHOLD;
		e.thresh_va = a->thresh;
		if (l->negate >= 0) {
			e.flags |= QNN_CS_EPI_NEGATE;
			e.negate_va = a->negate;
		}
		return e;
	}
	e.mode = QNN_CS_OUT_INT32;
	if (o->dtype == QNN_DT_F32)	/* accumulators; the host applies scale and bias */
		return e;
	if (l->bias >= 0) {
		e.flags |= QNN_CS_EPI_BIAS;
		e.bias_va = a->bias;
	}
	if (l->scale >= 0) {
		e.flags |= QNN_CS_EPI_SCALE;
		e.scale_va = a->scale;
		/* a negative shift rounds toward -inf on the CPU (arithmetic shift) */
		for (uint32_t c = 0; c < m->t[l->scale].c; c++)
			if (((const int8_t *)m->t[l->scale].data)[c] < 0)
				e.flags |= QNN_CS_EPI_ROUND_FLOOR;
	}
	return e;
}

size_t qnn_accel_cmd_bytes(uint32_t op)
{
	switch (op) {
	case QNN_OP_CONV2D:
	case QNN_OP_DENSE:
		return sizeof(struct qnn_cs_conv2d);
	case QNN_OP_MAXPOOL:
		return sizeof(struct qnn_cs_maxpool);
	case QNN_OP_ADD:
		return sizeof(struct qnn_cs_add);
	default:
		return sizeof(struct qnn_cs_unary);
	}
}

int qnn_accel_encode(const struct qnn_model *m, const struct qnn_layer *l, unsigned int n,
		     const struct qnn_cs_addrs *a, uint8_t *buf, size_t cap)
{
	const struct qnn_tensor *x = &m->t[l->in[0]], *o = &m->t[l->out];
	size_t sz = qnn_accel_cmd_bytes(l->op);

	if (sz > cap)
		return -E2BIG;
	memset(buf, 0, sz);
	switch (l->op) {
	case QNN_OP_CONV2D:
	case QNN_OP_DENSE: {
		const struct qnn_tensor *w = &m->t[l->weights];
		struct qnn_cs_conv2d c = {
			.hdr = { .op = l->op == QNN_OP_DENSE ? QNN_CS_OP_DENSE : QNN_CS_OP_CONV2D,
				 .size = (uint16_t)sz,
				 .flags = l->op == QNN_OP_CONV2D && (l->flags & QNN_LAYER_ZERO_PAD) ?
					  QNN_CS_CMD_ZERO_PAD : 0 },
			.in = act(x, a->in[0], n, a->in_shadow[0]),
			.weights = { .va = a->weights, .n = w->n, .h = w->h, .w = w->w, .c = w->c,
				     .type = QNN_CS_TYPE_BITS, .encoding = w->enc, .bits = w->bits },
			.out = act(o, a->out, n, 0),
			.stride_h = (uint16_t)(l->sh ? l->sh : 1), .stride_w = (uint16_t)(l->sw ? l->sw : 1),
			.dil_h = (uint16_t)(l->dh ? l->dh : 1), .dil_w = (uint16_t)(l->dw ? l->dw : 1),
			.pad_top = (uint16_t)l->pt, .pad_left = (uint16_t)l->pl,
			.pad_bottom = (uint16_t)l->pb, .pad_right = (uint16_t)l->pr,
			.epi = epilogue(m, l, a),
		};

		memcpy(buf, &c, sz);
		break;
	}
	case QNN_OP_MAXPOOL: {
		struct qnn_cs_maxpool c = {
			.hdr = { .op = QNN_CS_OP_MAXPOOL, .size = (uint16_t)sz },
			.in = act(x, a->in[0], n, 0), .out = act(o, a->out, n, 0),
			.kh = (uint16_t)l->kh, .kw = (uint16_t)l->kw,
			.stride_h = (uint16_t)(l->sh ? l->sh : 1), .stride_w = (uint16_t)(l->sw ? l->sw : 1),
			.pad_top = (uint16_t)l->pt, .pad_left = (uint16_t)l->pl,
			.pad_bottom = (uint16_t)l->pb, .pad_right = (uint16_t)l->pr,
		};

		memcpy(buf, &c, sz);
		break;
	}
	case QNN_OP_ADD: {
		struct qnn_cs_add c = {
			.hdr = { .op = QNN_CS_OP_ADD, .size = (uint16_t)sz },
			.a = act(x, a->in[0], n, 0), .b = act(&m->t[l->in[1]], a->in[1], n, 0),
			.out = act(o, a->out, n, 0), .epi = epilogue(m, l, a),
		};

		memcpy(buf, &c, sz);
		break;
	}
	case QNN_OP_GLOBAL_AVGPOOL:
	case QNN_OP_THRESHOLD: {
		struct qnn_cs_unary c = {
			.hdr = { .op = l->op == QNN_OP_THRESHOLD ? QNN_CS_OP_TRANSFORM :
				       QNN_CS_OP_GLOBAL_AVGPOOL, .size = (uint16_t)sz },
			.in = act(x, a->in[0], n, 0), .out = act(o, a->out, n, 0),
			.epi = epilogue(m, l, a),
		};

		memcpy(buf, &c, sz);
		break;
	}
	default:
		return -EINVAL;
	}
	return (int)sz;
}

void qnn_accel_cs_header(uint8_t *buf, uint32_t size, uint32_t cmds)
{
	struct qnn_cs_header h = {
		.magic = QNN_CS_MAGIC, .version = QNN_CS_VERSION,
		.hdr_size = sizeof(h), .size = size, .num_cmds = cmds,
	};

	memcpy(buf, &h, sizeof(h));
}
