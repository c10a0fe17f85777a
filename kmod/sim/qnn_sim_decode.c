// SPDX-License-Identifier: GPL-2.0-only
/*
 * qnn_sim's command decoder (see qnn_sim_decode.h). Written from
 * docs/cmdstream.md alone: field offsets from its tables, checks in the
 * order of its "Order of checks", capabilities from "Device capabilities".
 * Fields are fetched with get_unaligned_le*(): the stream is little-endian
 * whatever the CPU the model runs on.
 */
#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "../uapi/drm/qnn_accel.h"
#include "qnn_sim_decode.h"

#define MAX_CMD_OPS	BIT_ULL(40)

/* Operand slots: which tensor types a slot takes. */
#define SLOT_BITS	BIT(0)
#define SLOT_INT32	BIT(1)
#define SLOT_ANY	(SLOT_BITS | SLOT_INT32)

static u8 f8(const u8 *p, unsigned int off)
{
	return p[off];
}

static u16 f16(const u8 *p, unsigned int off)
{
	return get_unaligned_le16(p + off);
}

static u32 f32(const u8 *p, unsigned int off)
{
	return get_unaligned_le32(p + off);
}

static u64 f64(const u8 *p, unsigned int off)
{
	return get_unaligned_le64(p + off);
}

/* Struct size of each opcode in this version of the format. */
static unsigned int op_bytes(u16 op)
{
	static const u8 bytes[] = {
		[QNN_CS_OP_NOP] = 8,
		[QNN_CS_OP_CONV2D] = 160,
		[QNN_CS_OP_DENSE] = 160,
		[QNN_CS_OP_MAXPOOL] = 88,
		[QNN_CS_OP_ADD] = 144,
		[QNN_CS_OP_GLOBAL_AVGPOOL] = 112,
		[QNN_CS_OP_TRANSFORM] = 112,
	};

	return op < ARRAY_SIZE(bytes) ? bytes[op] : 0;
}

enum qnn_cs_error qnn_sim_decode_header(const void *raw, u32 avail,
					u32 *size, u32 *num_cmds)
{
	const u8 *p = raw;

	if (avail < QNN_SIM_STREAM_HDR)
		return QNN_CS_ERR_TRUNCATED;
	if (f32(p, 0) != QNN_CS_MAGIC)
		return QNN_CS_ERR_MAGIC;
	if (f16(p, 4) != QNN_CS_VERSION)
		return QNN_CS_ERR_VERSION;
	if (f16(p, 6) != QNN_SIM_STREAM_HDR || f32(p, 16) || f32(p, 20) ||
	    f64(p, 24))
		return QNN_CS_ERR_HEADER;
	*size = f32(p, 8);
	*num_cmds = f32(p, 12);
	if (*size % 8 || *size < QNN_SIM_STREAM_HDR)
		return QNN_CS_ERR_HEADER;
	if (*size > QNN_CS_MAX_STREAM_SIZE || *num_cmds > QNN_CS_MAX_CMDS)
		return QNN_CS_ERR_LIMIT;
	if (*size > avail)
		return QNN_CS_ERR_TRUNCATED;
	return QNN_CS_OK;
}

enum qnn_cs_error qnn_sim_decode_cmd_hdr(const void *raw, u32 avail,
					 u16 *size)
{
	const u8 *p = raw;
	unsigned int need;

	if (avail < QNN_SIM_CMD_HDR)
		return QNN_CS_ERR_TRUNCATED;
	need = op_bytes(f16(p, 0));
	if (!need)
		return QNN_CS_ERR_OPCODE;
	*size = f16(p, 2);
	if (*size < need || *size % 8)
		return QNN_CS_ERR_CMD_SIZE;
	if (*size > avail)
		return QNN_CS_ERR_TRUNCATED;
	return QNN_CS_OK;
}

/* A tensor descriptor (32 bytes at @p) for a slot taking @slot types. */
static enum qnn_cs_error dec_tensor(const u8 *p, unsigned int slot,
				    struct qnn_sim_tensor *t)
{
	t->va = f64(p, 0);
	t->n = f32(p, 8);
	t->h = f32(p, 12);
	t->w = f32(p, 16);
	t->c = f32(p, 20);
	t->type = f8(p, 24);
	t->enc = f8(p, 25);
	t->bits = f8(p, 26);
	if (f8(p, 27) || f32(p, 28))
		return QNN_CS_ERR_PAD;

	if (t->type == QNN_CS_TYPE_INT32) {
		if (!(slot & SLOT_INT32) || t->enc || t->bits)
			return QNN_CS_ERR_TENSOR;
		if (t->va % 4)
			return QNN_CS_ERR_ADDRESS;
	} else if (t->type == QNN_CS_TYPE_BITS) {
		bool ok;

		if (!(slot & SLOT_BITS) || !t->bits || t->bits > 8)
			return QNN_CS_ERR_TENSOR;
		switch (t->enc) {
		case QNN_CS_ENC_BIPOLAR:
			ok = t->bits == 1;
			break;
		case QNN_CS_ENC_SIGNED:
			ok = t->bits >= 2;
			break;
		case QNN_CS_ENC_UNSIGNED:
		case QNN_CS_ENC_BIPOLAR_BRANCHES:
			ok = true;
			break;
		default:
			ok = false;
		}
		if (!ok)
			return QNN_CS_ERR_TENSOR;
		if (t->va % 8)
			return QNN_CS_ERR_ADDRESS;
	} else {
		return QNN_CS_ERR_TENSOR;
	}

	if (!t->n || !t->h || !t->w || !t->c)
		return QNN_CS_ERR_SHAPE;
	if (max3(t->n, t->h, t->w) > QNN_CS_MAX_DIM ||
	    t->c > QNN_CS_MAX_CHANNELS)
		return QNN_CS_ERR_LIMIT;
	t->cw = DIV_ROUND_UP(t->c, 64);
	t->px_bytes = t->type == QNN_CS_TYPE_INT32 ? t->c * 4 :
						     t->bits * t->cw * 8;
	t->bytes = (u64)t->n * t->h * t->w * t->px_bytes;
	return QNN_CS_OK;
}

/* The output stage (40 bytes at @p) writing the decoded @out. */
static enum qnn_cs_error dec_epi(const u8 *p, const struct qnn_sim_tensor *out,
				 struct qnn_sim_epi *e)
{
	const u32 known = QNN_CS_EPI_BIAS | QNN_CS_EPI_SCALE |
			  QNN_CS_EPI_NEGATE | QNN_CS_EPI_ROUND_FLOOR;
	bool bits = out->type == QNN_CS_TYPE_BITS;

	e->bias_va = f64(p, 0);
	e->scale_va = f64(p, 8);
	e->thresh_va = f64(p, 16);
	e->negate_va = f64(p, 24);
	e->mode = f32(p, 32);
	e->flags = f32(p, 36);

	if (e->flags & ~known)
		return QNN_CS_ERR_FLAGS;
	if (e->mode == QNN_CS_OUT_INT32) {
		if (bits)
			return QNN_CS_ERR_TENSOR;
	} else if (e->mode == QNN_CS_OUT_REQUANT) {
		if (!bits || (out->enc != QNN_CS_ENC_UNSIGNED &&
			      out->enc != QNN_CS_ENC_SIGNED))
			return QNN_CS_ERR_TENSOR;
	} else if (e->mode == QNN_CS_OUT_THRESHOLD) {
		if (!bits || (out->enc != QNN_CS_ENC_UNSIGNED &&
			      out->enc != QNN_CS_ENC_BIPOLAR))
			return QNN_CS_ERR_TENSOR;
	} else {
		return QNN_CS_ERR_FLAGS;
	}
	if (e->flags & QNN_CS_EPI_NEGATE && e->mode != QNN_CS_OUT_THRESHOLD)
		return QNN_CS_ERR_FLAGS;
	if (e->flags & QNN_CS_EPI_ROUND_FLOOR && !(e->flags & QNN_CS_EPI_SCALE))
		return QNN_CS_ERR_FLAGS;
	/* the address of an array the stage does not use is a pad */
	if ((e->bias_va && !(e->flags & QNN_CS_EPI_BIAS)) ||
	    (e->scale_va && !(e->flags & QNN_CS_EPI_SCALE)) ||
	    (e->thresh_va && e->mode != QNN_CS_OUT_THRESHOLD) ||
	    (e->negate_va && !(e->flags & QNN_CS_EPI_NEGATE)))
		return QNN_CS_ERR_PAD;
	/* s32 and {s32, u32} arrays: 4-byte aligned; negate is bytes */
	if (e->bias_va % 4 || e->scale_va % 4 || e->thresh_va % 4)
		return QNN_CS_ERR_ADDRESS;
	return QNN_CS_OK;
}

/* Output rows (or columns) of a window; 0 when the window does not fit. */
static u32 extent(u32 in, u32 k, u32 stride, u32 dil, u32 pad0, u32 pad1)
{
	u32 span = in + pad0 + pad1, reach = (k - 1) * dil + 1;

	return span < reach ? 0 : (span - reach) / stride + 1;
}

static bool same_dims(const struct qnn_sim_tensor *a,
		      const struct qnn_sim_tensor *b)
{
	return a->n == b->n && a->h == b->h && a->w == b->w && a->c == b->c;
}

/* Largest magnitude of an element (the accumulator bound). */
static u64 magnitude(const struct qnn_sim_tensor *t)
{
	if (t->enc == QNN_CS_ENC_BIPOLAR)
		return 1;
	if (t->enc == QNN_CS_ENC_SIGNED)
		return BIT_ULL(t->bits - 1);
	return BIT_ULL(t->bits) - 1;
}

static u64 elements(const struct qnn_sim_tensor *t)
{
	return (u64)t->n * t->h * t->w * t->c;
}

static enum qnn_cs_error dec_conv(const u8 *p, struct qnn_sim_cmd *c)
{
	struct qnn_sim_tensor *in = &c->in, *wt = &c->wt, *out = &c->out;
	enum qnn_cs_error err;
	u64 taps, per_out, ops;

	if (c->flags & ~QNN_CS_CMD_ZERO_PAD)
		return QNN_CS_ERR_FLAGS;
	err = dec_tensor(p + 8, SLOT_BITS, in) ?:
	      dec_tensor(p + 40, SLOT_BITS, wt) ?:
	      dec_tensor(p + 72, SLOT_ANY, out);
	if (err)
		return err;
	c->kh = wt->h;
	c->kw = wt->w;
	c->sh = f16(p, 104);
	c->sw = f16(p, 106);
	c->dh = f16(p, 108);
	c->dw = f16(p, 110);
	c->pt = f16(p, 112);
	c->pl = f16(p, 114);
	c->pb = f16(p, 116);
	c->pr = f16(p, 118);
	if (c->kh > QNN_CS_MAX_KERNEL || c->kw > QNN_CS_MAX_KERNEL ||
	    max(c->sh, c->sw) > QNN_CS_MAX_STRIDE ||
	    max(c->dh, c->dw) > QNN_CS_MAX_STRIDE ||
	    max(max(c->pt, c->pb), max(c->pl, c->pr)) > QNN_CS_MAX_DIM)
		return QNN_CS_ERR_LIMIT;
	if (!c->sh || !c->sw || !c->dh || !c->dw)
		return QNN_CS_ERR_SHAPE;
	if (c->op == QNN_CS_OP_DENSE &&
	    (c->kh != in->h || c->kw != in->w || c->sh != 1 || c->sw != 1 ||
	     c->dh != 1 || c->dw != 1 || c->pt || c->pl || c->pb || c->pr))
		return QNN_CS_ERR_SHAPE;
	if (wt->c != in->c || out->n != in->n || out->c != wt->n ||
	    out->h != extent(in->h, c->kh, c->sh, c->dh, c->pt, c->pb) ||
	    out->w != extent(in->w, c->kw, c->sw, c->dw, c->pl, c->pr))
		return QNN_CS_ERR_SHAPE;
	taps = (u64)c->kh * c->kw;
	/* one window of the input and one of the weights in line buffers */
	if (taps * in->bits * in->cw > QNN_CS_MAX_PATCH_WORDS ||
	    taps * wt->bits * in->cw > QNN_CS_MAX_PATCH_WORDS)
		return QNN_CS_ERR_LIMIT;
	/* a 32-bit accumulator: no data may overflow it */
	if (taps * in->c * magnitude(in) * magnitude(wt) > S32_MAX)
		return QNN_CS_ERR_LIMIT;
	err = dec_epi(p + 120, out, &c->epi);
	if (err)
		return err;
	per_out = taps * in->c * in->bits * wt->bits;
	if (check_mul_overflow(elements(out), per_out, &ops) ||
	    ops > MAX_CMD_OPS)
		return QNN_CS_ERR_LIMIT;
	c->ops = ops;
	return QNN_CS_OK;
}

static enum qnn_cs_error dec_pool(const u8 *p, struct qnn_sim_cmd *c)
{
	struct qnn_sim_tensor *in = &c->in, *out = &c->out;
	enum qnn_cs_error err;

	if (c->flags)
		return QNN_CS_ERR_FLAGS;
	err = dec_tensor(p + 8, SLOT_ANY, in) ?:
	      dec_tensor(p + 40, SLOT_ANY, out);
	if (err)
		return err;
	c->kh = f16(p, 72);
	c->kw = f16(p, 74);
	c->sh = f16(p, 76);
	c->sw = f16(p, 78);
	c->pt = f16(p, 80);
	c->pl = f16(p, 82);
	c->pb = f16(p, 84);
	c->pr = f16(p, 86);
	c->dh = 1;
	c->dw = 1;
	if (max(c->kh, c->kw) > QNN_CS_MAX_KERNEL ||
	    max(c->sh, c->sw) > QNN_CS_MAX_STRIDE)
		return QNN_CS_ERR_LIMIT;
	/* pads below the window: every window has a real tap */
	if (!c->kh || !c->kw || !c->sh || !c->sw ||
	    max(c->pt, c->pb) >= c->kh || max(c->pl, c->pr) >= c->kw)
		return QNN_CS_ERR_SHAPE;
	if (in->type != out->type || in->enc != out->enc ||
	    in->bits != out->bits)
		return QNN_CS_ERR_TENSOR;
	if (out->n != in->n || out->c != in->c ||
	    out->h != extent(in->h, c->kh, c->sh, 1, c->pt, c->pb) ||
	    out->w != extent(in->w, c->kw, c->sw, 1, c->pl, c->pr))
		return QNN_CS_ERR_SHAPE;
	/* dims are bounded: this product stays below 2^63 */
	c->ops = elements(out) * c->kh * c->kw;
	if (c->ops > MAX_CMD_OPS)
		return QNN_CS_ERR_LIMIT;
	return QNN_CS_OK;
}

static enum qnn_cs_error dec_add(const u8 *p, struct qnn_sim_cmd *c)
{
	enum qnn_cs_error err;

	if (c->flags)
		return QNN_CS_ERR_FLAGS;
	err = dec_tensor(p + 8, SLOT_ANY, &c->in) ?:
	      dec_tensor(p + 40, SLOT_ANY, &c->in2) ?:
	      dec_tensor(p + 72, SLOT_ANY, &c->out);
	if (err)
		return err;
	if (!same_dims(&c->in, &c->in2) || !same_dims(&c->in, &c->out))
		return QNN_CS_ERR_SHAPE;
	err = dec_epi(p + 104, &c->out, &c->epi);
	if (err)
		return err;
	c->ops = elements(&c->in);
	return c->ops > MAX_CMD_OPS ? QNN_CS_ERR_LIMIT : QNN_CS_OK;
}

static enum qnn_cs_error dec_unary(const u8 *p, struct qnn_sim_cmd *c)
{
	struct qnn_sim_tensor *in = &c->in, *out = &c->out;
	enum qnn_cs_error err;
	bool fits;

	if (c->flags)
		return QNN_CS_ERR_FLAGS;
	err = dec_tensor(p + 8, SLOT_ANY, in) ?:
	      dec_tensor(p + 40, SLOT_ANY, out);
	if (err)
		return err;
	if (c->op == QNN_CS_OP_TRANSFORM)
		fits = same_dims(in, out);
	else	/* GLOBAL_AVGPOOL */
		fits = out->n == in->n && out->c == in->c && out->h == 1 &&
		       out->w == 1;
	if (!fits)
		return QNN_CS_ERR_SHAPE;
	err = dec_epi(p + 72, out, &c->epi);
	if (err)
		return err;
	c->ops = elements(in);
	return c->ops > MAX_CMD_OPS ? QNN_CS_ERR_LIMIT : QNN_CS_OK;
}

/* What a tensor needs: MULTIBIT beyond one plane, and no more planes
 * than the device's widest weights or activations.
 */
static bool tensor_fits(const struct qnn_sim_tensor *t, u32 max_bits,
			u32 *need)
{
	if (!t->n || t->type != QNN_CS_TYPE_BITS)
		return true;	/* absent, or int32 */
	if (t->bits > 1)
		*need |= DRM_QNN_OP_MULTIBIT;
	return t->bits <= max_bits;
}

/* docs/cmdstream.md, "Device capabilities". */
static bool supported(const struct qnn_sim_cmd *c,
		      const struct qnn_sim_caps *caps)
{
	u32 need = 0;
	bool epi = true;

	switch (c->op) {
	case QNN_CS_OP_CONV2D:
		need = DRM_QNN_OP_BCONV2D;
		break;
	case QNN_CS_OP_DENSE:
		need = DRM_QNN_OP_BDENSE;
		break;
	case QNN_CS_OP_MAXPOOL:
		need = DRM_QNN_OP_MAXPOOL;
		epi = false;
		break;
	case QNN_CS_OP_ADD:
		need = DRM_QNN_OP_RESIDUAL_ADD;
		break;
	case QNN_CS_OP_GLOBAL_AVGPOOL:
		need = DRM_QNN_OP_GLOBAL_AVGPOOL;
		break;
	case QNN_CS_OP_TRANSFORM:
		break;	/* only its output stage needs anything */
	default:
		return true;	/* NOP */
	}
	if (epi) {
		if (c->epi.mode == QNN_CS_OUT_THRESHOLD)
			need |= DRM_QNN_OP_THRESHOLD;
		if (c->epi.mode == QNN_CS_OUT_REQUANT ||
		    c->epi.flags & (QNN_CS_EPI_BIAS | QNN_CS_EPI_SCALE))
			need |= DRM_QNN_OP_SCALE_SHIFT;
	}
	if (!tensor_fits(&c->in, caps->abits, &need) ||
	    !tensor_fits(&c->in2, caps->abits, &need) ||
	    !tensor_fits(&c->wt, caps->wbits, &need) ||
	    !tensor_fits(&c->out, caps->abits, &need))
		return false;
	return !(need & ~caps->ops);
}

enum qnn_cs_error qnn_sim_decode_cmd(const void *raw, u16 size,
				     const struct qnn_sim_caps *caps,
				     struct qnn_sim_cmd *cmd)
{
	const u8 *p = raw;
	enum qnn_cs_error err;
	unsigned int i;

	memset(cmd, 0, sizeof(*cmd));
	cmd->op = f16(p, 0);
	cmd->size = size;
	cmd->flags = f32(p, 4);
	/* a newer, longer layout: only if what this device ignores is 0 */
	for (i = op_bytes(cmd->op); i < size; i++)
		if (p[i])
			return QNN_CS_ERR_PAD;

	switch (cmd->op) {
	case QNN_CS_OP_NOP:
		err = cmd->flags ? QNN_CS_ERR_FLAGS : QNN_CS_OK;
		break;
	case QNN_CS_OP_CONV2D:
	case QNN_CS_OP_DENSE:
		err = dec_conv(p, cmd);
		break;
	case QNN_CS_OP_MAXPOOL:
		err = dec_pool(p, cmd);
		break;
	case QNN_CS_OP_ADD:
		err = dec_add(p, cmd);
		break;
	case QNN_CS_OP_GLOBAL_AVGPOOL:
	case QNN_CS_OP_TRANSFORM:
		err = dec_unary(p, cmd);
		break;
	default:
		err = QNN_CS_ERR_OPCODE;
	}
	if (!err && !supported(cmd, caps))
		err = QNN_CS_ERR_UNSUPPORTED;
	return err;
}
