// SPDX-License-Identifier: GPL-2.0-only
/*
 * Command-stream validation: every rule of docs/cmdstream.md, "Validation"
 * and "Device capabilities". The stream is little-endian: every field is
 * loaded with get_unaligned_le*() into a CPU-order copy before it is
 * looked at. Size arithmetic is done in u64 with overflow checks, so no
 * field value a hostile stream can hold makes a size wrap.
 */
#include <linux/errno.h>
#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "qnn_accel.h"
#include "qnn_cmdstream.h"

/* One command may cost at most this many ops (docs/cmdstream.md, "Limits"). */
#define QNN_CS_MAX_CMD_OPS	BIT_ULL(40)

static size_t qnn_cs_op_size(u16 op)
{
	switch (op) {
	case QNN_CS_OP_NOP:
		return sizeof(struct qnn_cs_cmd);
	case QNN_CS_OP_CONV2D:
	case QNN_CS_OP_DENSE:
		return sizeof(struct qnn_cs_conv2d);
	case QNN_CS_OP_MAXPOOL:
		return sizeof(struct qnn_cs_maxpool);
	case QNN_CS_OP_ADD:
		return sizeof(struct qnn_cs_add);
	case QNN_CS_OP_GLOBAL_AVGPOOL:
	case QNN_CS_OP_TRANSFORM:
		return sizeof(struct qnn_cs_unary);
	}
	return 0;
}

static u32 qnn_cs_words(u32 c)
{
	return DIV_ROUND_UP(c, 64);
}

/* Bytes of a tensor that passed check_tensor(); dims are bounded there. */
static u64 qnn_cs_tensor_bytes(const struct qnn_cs_tensor *t)
{
	u64 px = (u64)t->n * t->h * t->w;

	if (t->type == QNN_CS_TYPE_BITS)
		return px * t->bits * qnn_cs_words(t->c) * 8;
	return px * t->c * 4;
}

/* Little-endian fields at byte offset @off of @p. */
static u16 le16_at(const u8 *p, size_t off)
{
	return get_unaligned_le16(p + off);
}

static u32 le32_at(const u8 *p, size_t off)
{
	return get_unaligned_le32(p + off);
}

static u64 le64_at(const u8 *p, size_t off)
{
	return get_unaligned_le64(p + off);
}

static void load_tensor(struct qnn_cs_tensor *t, const u8 *p)
{
	t->va = le64_at(p, offsetof(struct qnn_cs_tensor, va));
	t->n = le32_at(p, offsetof(struct qnn_cs_tensor, n));
	t->h = le32_at(p, offsetof(struct qnn_cs_tensor, h));
	t->w = le32_at(p, offsetof(struct qnn_cs_tensor, w));
	t->c = le32_at(p, offsetof(struct qnn_cs_tensor, c));
	t->type = p[offsetof(struct qnn_cs_tensor, type)];
	t->encoding = p[offsetof(struct qnn_cs_tensor, encoding)];
	t->bits = p[offsetof(struct qnn_cs_tensor, bits)];
	t->pad0 = p[offsetof(struct qnn_cs_tensor, pad0)];
	t->pad1 = le32_at(p, offsetof(struct qnn_cs_tensor, pad1));
}

static void load_epi(struct qnn_cs_epilogue *e, const u8 *p)
{
	e->bias_va = le64_at(p, offsetof(struct qnn_cs_epilogue, bias_va));
	e->scale_va = le64_at(p, offsetof(struct qnn_cs_epilogue, scale_va));
	e->thresh_va = le64_at(p, offsetof(struct qnn_cs_epilogue, thresh_va));
	e->negate_va = le64_at(p, offsetof(struct qnn_cs_epilogue, negate_va));
	e->mode = le32_at(p, offsetof(struct qnn_cs_epilogue, mode));
	e->flags = le32_at(p, offsetof(struct qnn_cs_epilogue, flags));
}

/* The known part of a command of opcode @op into @cmd, in CPU order. */
static void load_cmd(union qnn_cs_any *cmd, const u8 *p, u16 op)
{
	struct qnn_cs_conv2d *cv = &cmd->conv;
	struct qnn_cs_maxpool *pl = &cmd->pool;
	struct qnn_cs_add *ad = &cmd->add;
	struct qnn_cs_unary *un = &cmd->un;

	memset(cmd, 0, sizeof(*cmd));
	cmd->hdr.op = op;
	cmd->hdr.size = le16_at(p, offsetof(struct qnn_cs_cmd, size));
	cmd->hdr.flags = le32_at(p, offsetof(struct qnn_cs_cmd, flags));
	switch (op) {
	case QNN_CS_OP_CONV2D:
	case QNN_CS_OP_DENSE:
		load_tensor(&cv->in, p + offsetof(struct qnn_cs_conv2d, in));
		load_tensor(&cv->weights,
			    p + offsetof(struct qnn_cs_conv2d, weights));
		load_tensor(&cv->out, p + offsetof(struct qnn_cs_conv2d, out));
		cv->stride_h = le16_at(p, offsetof(typeof(*cv), stride_h));
		cv->stride_w = le16_at(p, offsetof(typeof(*cv), stride_w));
		cv->dil_h = le16_at(p, offsetof(typeof(*cv), dil_h));
		cv->dil_w = le16_at(p, offsetof(typeof(*cv), dil_w));
		cv->pad_top = le16_at(p, offsetof(typeof(*cv), pad_top));
		cv->pad_left = le16_at(p, offsetof(typeof(*cv), pad_left));
		cv->pad_bottom = le16_at(p, offsetof(typeof(*cv), pad_bottom));
		cv->pad_right = le16_at(p, offsetof(typeof(*cv), pad_right));
		load_epi(&cv->epi, p + offsetof(struct qnn_cs_conv2d, epi));
		break;
	case QNN_CS_OP_MAXPOOL:
		load_tensor(&pl->in, p + offsetof(struct qnn_cs_maxpool, in));
		load_tensor(&pl->out, p + offsetof(struct qnn_cs_maxpool, out));
		pl->kh = le16_at(p, offsetof(typeof(*pl), kh));
		pl->kw = le16_at(p, offsetof(typeof(*pl), kw));
		pl->stride_h = le16_at(p, offsetof(typeof(*pl), stride_h));
		pl->stride_w = le16_at(p, offsetof(typeof(*pl), stride_w));
		pl->pad_top = le16_at(p, offsetof(typeof(*pl), pad_top));
		pl->pad_left = le16_at(p, offsetof(typeof(*pl), pad_left));
		pl->pad_bottom = le16_at(p, offsetof(typeof(*pl), pad_bottom));
		pl->pad_right = le16_at(p, offsetof(typeof(*pl), pad_right));
		break;
	case QNN_CS_OP_ADD:
		load_tensor(&ad->a, p + offsetof(struct qnn_cs_add, a));
		load_tensor(&ad->b, p + offsetof(struct qnn_cs_add, b));
		load_tensor(&ad->out, p + offsetof(struct qnn_cs_add, out));
		load_epi(&ad->epi, p + offsetof(struct qnn_cs_add, epi));
		break;
	case QNN_CS_OP_GLOBAL_AVGPOOL:
	case QNN_CS_OP_TRANSFORM:
		load_tensor(&un->in, p + offsetof(struct qnn_cs_unary, in));
		load_tensor(&un->out, p + offsetof(struct qnn_cs_unary, out));
		load_epi(&un->epi, p + offsetof(struct qnn_cs_unary, epi));
		break;
	}
}

/* Largest |value| an element of this encoding can have. */
static u64 enc_mag(const struct qnn_cs_tensor *t)
{
	switch (t->encoding) {
	case QNN_CS_ENC_BIPOLAR:
		return 1;
	case QNN_CS_ENC_SIGNED:
		return 1ULL << (t->bits - 1);
	default:	/* UNSIGNED, BIPOLAR_BRANCHES */
		return (1ULL << t->bits) - 1;
	}
}

/* [va, va + size) must lie inside one range (writable if @write). */
static enum qnn_cs_error check_range(u64 va, u64 size, bool write,
				     const struct qnn_cs_range *ranges,
				     unsigned int nr)
{
	unsigned int i;
	u64 end;

	if (!ranges)
		return QNN_CS_OK;
	if (check_add_overflow(va, size, &end))
		return QNN_CS_ERR_ADDRESS;
	for (i = 0; i < nr; i++) {
		const struct qnn_cs_range *r = &ranges[i];

		if (va >= r->va && end <= r->va + r->size)
			return write && !r->writable ? QNN_CS_ERR_ADDRESS :
						       QNN_CS_OK;
	}
	return QNN_CS_ERR_ADDRESS;
}

/* Which tensor types a command slot accepts. */
#define T_BITS	BIT(0)
#define T_INT32	BIT(1)

static enum qnn_cs_error check_tensor(const struct qnn_cs_tensor *t,
				      unsigned int types, bool write,
				      const struct qnn_cs_range *ranges,
				      unsigned int nr)
{
	if (t->pad0 || t->pad1)
		return QNN_CS_ERR_PAD;
	switch (t->type) {
	case QNN_CS_TYPE_BITS:
		if (!(types & T_BITS) || t->bits < 1 || t->bits > 8)
			return QNN_CS_ERR_TENSOR;
		switch (t->encoding) {
		case QNN_CS_ENC_BIPOLAR:
			if (t->bits != 1)
				return QNN_CS_ERR_TENSOR;
			break;
		case QNN_CS_ENC_SIGNED:
			if (t->bits < 2)
				return QNN_CS_ERR_TENSOR;
			break;
		case QNN_CS_ENC_UNSIGNED:
		case QNN_CS_ENC_BIPOLAR_BRANCHES:
			break;
		default:
			return QNN_CS_ERR_TENSOR;
		}
		if (t->va & 7)
			return QNN_CS_ERR_ADDRESS;
		break;
	case QNN_CS_TYPE_INT32:
		if (!(types & T_INT32) || t->encoding || t->bits)
			return QNN_CS_ERR_TENSOR;
		if (t->va & 3)
			return QNN_CS_ERR_ADDRESS;
		break;
	default:
		return QNN_CS_ERR_TENSOR;
	}
	if (!t->n || !t->h || !t->w || !t->c)
		return QNN_CS_ERR_SHAPE;
	if (t->n > QNN_CS_MAX_DIM || t->h > QNN_CS_MAX_DIM ||
	    t->w > QNN_CS_MAX_DIM || t->c > QNN_CS_MAX_CHANNELS)
		return QNN_CS_ERR_LIMIT;
	return check_range(t->va, qnn_cs_tensor_bytes(t), write, ranges, nr);
}

static enum qnn_cs_error check_array(u64 va, u64 size, u64 align,
				     const struct qnn_cs_range *ranges,
				     unsigned int nr)
{
	if (va & (align - 1))
		return QNN_CS_ERR_ADDRESS;
	return check_range(va, size, false, ranges, nr);
}

/* The output stage: @out is the already-checked output tensor. */
static enum qnn_cs_error check_epi(const struct qnn_cs_epilogue *e,
				   const struct qnn_cs_tensor *out,
				   const struct qnn_cs_range *ranges,
				   unsigned int nr, u64 *bytes)
{
	const u32 known = QNN_CS_EPI_BIAS | QNN_CS_EPI_SCALE |
			  QNN_CS_EPI_NEGATE | QNN_CS_EPI_ROUND_FLOOR;
	u64 c = out->c;
	enum qnn_cs_error err;

	if (e->flags & ~known)
		return QNN_CS_ERR_FLAGS;
	switch (e->mode) {
	case QNN_CS_OUT_INT32:
		if (out->type != QNN_CS_TYPE_INT32)
			return QNN_CS_ERR_TENSOR;
		break;
	case QNN_CS_OUT_REQUANT:
		if (out->type != QNN_CS_TYPE_BITS ||
		    (out->encoding != QNN_CS_ENC_UNSIGNED &&
		     out->encoding != QNN_CS_ENC_SIGNED))
			return QNN_CS_ERR_TENSOR;
		break;
	case QNN_CS_OUT_THRESHOLD:
		if (out->type != QNN_CS_TYPE_BITS ||
		    (out->encoding != QNN_CS_ENC_UNSIGNED &&
		     out->encoding != QNN_CS_ENC_BIPOLAR))
			return QNN_CS_ERR_TENSOR;
		break;
	default:
		return QNN_CS_ERR_FLAGS;
	}
	if ((e->flags & QNN_CS_EPI_NEGATE) && e->mode != QNN_CS_OUT_THRESHOLD)
		return QNN_CS_ERR_FLAGS;
	if ((e->flags & QNN_CS_EPI_ROUND_FLOOR) && !(e->flags & QNN_CS_EPI_SCALE))
		return QNN_CS_ERR_FLAGS;
	/* Addresses of absent arrays are pads. */
	if ((!(e->flags & QNN_CS_EPI_BIAS) && e->bias_va) ||
	    (!(e->flags & QNN_CS_EPI_SCALE) && e->scale_va) ||
	    (!(e->flags & QNN_CS_EPI_NEGATE) && e->negate_va) ||
	    (e->mode != QNN_CS_OUT_THRESHOLD && e->thresh_va))
		return QNN_CS_ERR_PAD;
	if (e->flags & QNN_CS_EPI_BIAS) {
		err = check_array(e->bias_va, c * 4, 4, ranges, nr);
		if (err)
			return err;
		*bytes += c * 4;
	}
	if (e->flags & QNN_CS_EPI_SCALE) {
		err = check_array(e->scale_va, c * 8, 4, ranges, nr);
		if (err)
			return err;
		*bytes += c * 8;
	}
	if (e->mode == QNN_CS_OUT_THRESHOLD) {
		u64 sz = c * ((1U << out->bits) - 1) * 4;

		err = check_array(e->thresh_va, sz, 4, ranges, nr);
		if (err)
			return err;
		*bytes += sz;
	}
	if (e->flags & QNN_CS_EPI_NEGATE) {
		err = check_array(e->negate_va, c, 1, ranges, nr);
		if (err)
			return err;
		*bytes += c;
	}
	return QNN_CS_OK;
}

/* Output extent of a window; 0 if it does not fit. */
static u32 out_extent(u32 in, u32 k, u32 stride, u32 dil, u32 pb, u32 pa)
{
	u32 span = in + pb + pa, eff = (k - 1) * dil + 1;

	if (span < eff)
		return 0;
	return (span - eff) / stride + 1;
}

static enum qnn_cs_error check_conv(const struct qnn_cs_conv2d *c, u16 op,
				    const struct qnn_cs_range *ranges,
				    unsigned int nr, struct qnn_cs_cost *cost)
{
	const struct qnn_cs_tensor *in = &c->in, *wt = &c->weights,
				   *out = &c->out;
	u32 kh = wt->h, kw = wt->w, cw = qnn_cs_words(in->c);
	enum qnn_cs_error err;
	u64 k, ops;

	if (c->hdr.flags & ~QNN_CS_CMD_ZERO_PAD)
		return QNN_CS_ERR_FLAGS;
	err = check_tensor(in, T_BITS, false, ranges, nr);
	if (!err)
		err = check_tensor(wt, T_BITS, false, ranges, nr);
	if (!err)
		err = check_tensor(out, T_BITS | T_INT32, true, ranges, nr);
	if (err)
		return err;
	if (kh > QNN_CS_MAX_KERNEL || kw > QNN_CS_MAX_KERNEL ||
	    c->stride_h > QNN_CS_MAX_STRIDE || c->stride_w > QNN_CS_MAX_STRIDE ||
	    c->dil_h > QNN_CS_MAX_STRIDE || c->dil_w > QNN_CS_MAX_STRIDE ||
	    c->pad_top > QNN_CS_MAX_DIM || c->pad_bottom > QNN_CS_MAX_DIM ||
	    c->pad_left > QNN_CS_MAX_DIM || c->pad_right > QNN_CS_MAX_DIM)
		return QNN_CS_ERR_LIMIT;
	if (!c->stride_h || !c->stride_w || !c->dil_h || !c->dil_w)
		return QNN_CS_ERR_SHAPE;
	if (op == QNN_CS_OP_DENSE &&
	    (kh != in->h || kw != in->w ||
	     c->stride_h != 1 || c->stride_w != 1 || c->dil_h != 1 ||
	     c->dil_w != 1 || c->pad_top || c->pad_bottom || c->pad_left ||
	     c->pad_right))
		return QNN_CS_ERR_SHAPE;
	if (wt->c != in->c || out->n != in->n || out->c != wt->n ||
	    out->h != out_extent(in->h, kh, c->stride_h, c->dil_h,
				 c->pad_top, c->pad_bottom) ||
	    out->w != out_extent(in->w, kw, c->stride_w, c->dil_w,
				 c->pad_left, c->pad_right))
		return QNN_CS_ERR_SHAPE;
	/* Patches must fit the device's line buffers. */
	if ((u64)kh * kw * in->bits * cw > QNN_CS_MAX_PATCH_WORDS ||
	    (u64)kh * kw * wt->bits * cw > QNN_CS_MAX_PATCH_WORDS)
		return QNN_CS_ERR_LIMIT;
	/* The accumulator is 32-bit: |sum| must fit whatever the data. */
	k = (u64)kh * kw * in->c;
	if (k * enc_mag(in) * enc_mag(wt) > S32_MAX)
		return QNN_CS_ERR_LIMIT;
	err = check_epi(&c->epi, out, ranges, nr, &cost->bytes);
	if (err)
		return err;
	if (check_mul_overflow((u64)out->n * out->h * out->w, (u64)out->c,
			       &ops) ||
	    check_mul_overflow(ops, k * in->bits * wt->bits, &ops) ||
	    ops > QNN_CS_MAX_CMD_OPS)
		return QNN_CS_ERR_LIMIT;
	cost->ops += ops;
	cost->bytes += qnn_cs_tensor_bytes(in) + qnn_cs_tensor_bytes(wt) +
		       qnn_cs_tensor_bytes(out);
	return QNN_CS_OK;
}

static enum qnn_cs_error check_pool(const struct qnn_cs_maxpool *p,
				    const struct qnn_cs_range *ranges,
				    unsigned int nr, struct qnn_cs_cost *cost)
{
	const struct qnn_cs_tensor *in = &p->in, *out = &p->out;
	enum qnn_cs_error err;
	u64 ops;

	if (p->hdr.flags)
		return QNN_CS_ERR_FLAGS;
	err = check_tensor(in, T_BITS | T_INT32, false, ranges, nr);
	if (!err)
		err = check_tensor(out, T_BITS | T_INT32, true, ranges, nr);
	if (err)
		return err;
	if (p->kh > QNN_CS_MAX_KERNEL || p->kw > QNN_CS_MAX_KERNEL ||
	    p->stride_h > QNN_CS_MAX_STRIDE || p->stride_w > QNN_CS_MAX_STRIDE)
		return QNN_CS_ERR_LIMIT;
	if (!p->kh || !p->kw || !p->stride_h || !p->stride_w ||
	    p->pad_top >= p->kh || p->pad_bottom >= p->kh ||
	    p->pad_left >= p->kw || p->pad_right >= p->kw)
		return QNN_CS_ERR_SHAPE;
	if (out->type != in->type || out->encoding != in->encoding ||
	    out->bits != in->bits)
		return QNN_CS_ERR_TENSOR;
	if (out->n != in->n || out->c != in->c ||
	    out->h != out_extent(in->h, p->kh, p->stride_h, 1, p->pad_top,
				 p->pad_bottom) ||
	    out->w != out_extent(in->w, p->kw, p->stride_w, 1, p->pad_left,
				 p->pad_right))
		return QNN_CS_ERR_SHAPE;
	if ((u64)in->bits * qnn_cs_words(in->c) > QNN_CS_MAX_PATCH_WORDS)
		return QNN_CS_ERR_LIMIT;
	ops = (u64)out->n * out->h * out->w * out->c * p->kh * p->kw;
	if (ops > QNN_CS_MAX_CMD_OPS)
		return QNN_CS_ERR_LIMIT;
	cost->ops += ops;
	cost->bytes += qnn_cs_tensor_bytes(in) + qnn_cs_tensor_bytes(out);
	return QNN_CS_OK;
}

static bool same_shape(const struct qnn_cs_tensor *a,
		       const struct qnn_cs_tensor *b)
{
	return a->n == b->n && a->h == b->h && a->w == b->w && a->c == b->c;
}

static enum qnn_cs_error check_add(const struct qnn_cs_add *a,
				   const struct qnn_cs_range *ranges,
				   unsigned int nr, struct qnn_cs_cost *cost)
{
	enum qnn_cs_error err;

	if (a->hdr.flags)
		return QNN_CS_ERR_FLAGS;
	err = check_tensor(&a->a, T_BITS | T_INT32, false, ranges, nr);
	if (!err)
		err = check_tensor(&a->b, T_BITS | T_INT32, false, ranges, nr);
	if (!err)
		err = check_tensor(&a->out, T_BITS | T_INT32, true, ranges, nr);
	if (err)
		return err;
	if (!same_shape(&a->a, &a->b) || !same_shape(&a->a, &a->out))
		return QNN_CS_ERR_SHAPE;
	if ((u64)a->a.bits * qnn_cs_words(a->a.c) > QNN_CS_MAX_PATCH_WORDS ||
	    (u64)a->b.bits * qnn_cs_words(a->b.c) > QNN_CS_MAX_PATCH_WORDS)
		return QNN_CS_ERR_LIMIT;
	err = check_epi(&a->epi, &a->out, ranges, nr, &cost->bytes);
	if (err)
		return err;
	/* dims are bounded: the element count cannot overflow */
	if ((u64)a->out.n * a->out.h * a->out.w * a->out.c > QNN_CS_MAX_CMD_OPS)
		return QNN_CS_ERR_LIMIT;
	cost->ops += (u64)a->out.n * a->out.h * a->out.w * a->out.c;
	cost->bytes += qnn_cs_tensor_bytes(&a->a) + qnn_cs_tensor_bytes(&a->b) +
		       qnn_cs_tensor_bytes(&a->out);
	return QNN_CS_OK;
}

static enum qnn_cs_error check_unary(const struct qnn_cs_unary *g,
				     const struct qnn_cs_range *ranges,
				     unsigned int nr, struct qnn_cs_cost *cost)
{
	enum qnn_cs_error err;

	if (g->hdr.flags)
		return QNN_CS_ERR_FLAGS;
	err = check_tensor(&g->in, T_BITS | T_INT32, false, ranges, nr);
	if (!err)
		err = check_tensor(&g->out, T_BITS | T_INT32, true, ranges, nr);
	if (err)
		return err;
	if (g->hdr.op == QNN_CS_OP_TRANSFORM ? !same_shape(&g->in, &g->out) :
	    g->out.n != g->in.n || g->out.c != g->in.c || g->out.h != 1 ||
	    g->out.w != 1)
		return QNN_CS_ERR_SHAPE;
	if ((u64)g->in.bits * qnn_cs_words(g->in.c) > QNN_CS_MAX_PATCH_WORDS)
		return QNN_CS_ERR_LIMIT;
	err = check_epi(&g->epi, &g->out, ranges, nr, &cost->bytes);
	if (err)
		return err;
	if ((u64)g->in.n * g->in.h * g->in.w * g->in.c > QNN_CS_MAX_CMD_OPS)
		return QNN_CS_ERR_LIMIT;
	cost->ops += (u64)g->in.n * g->in.h * g->in.w * g->in.c;
	cost->bytes += qnn_cs_tensor_bytes(&g->in) +
		       qnn_cs_tensor_bytes(&g->out);
	return QNN_CS_OK;
}

/* A BITS tensor needs MULTIBIT beyond one plane and at most @max planes. */
static bool caps_tensor(const struct qnn_cs_tensor *t, u32 max, u32 *need)
{
	if (t->type != QNN_CS_TYPE_BITS)
		return true;
	if (t->bits > 1)
		*need |= DRM_QNN_OP_MULTIBIT;
	return t->bits <= max;
}

static u32 caps_epi(const struct qnn_cs_epilogue *e)
{
	u32 need = 0;

	if (e->mode == QNN_CS_OUT_THRESHOLD)
		need |= DRM_QNN_OP_THRESHOLD;
	if (e->mode == QNN_CS_OUT_REQUANT ||
	    e->flags & (QNN_CS_EPI_BIAS | QNN_CS_EPI_SCALE))
		need |= DRM_QNN_OP_SCALE_SHIFT;
	return need;
}

/*
 * docs/cmdstream.md, "Device capabilities": can a device with @caps run
 * this (otherwise valid) command?
 */
static enum qnn_cs_error check_caps(const union qnn_cs_any *cmd,
				    const struct qnn_cs_caps *caps)
{
	u32 wb = caps->weight_bits, ab = caps->act_bits, need = 0;
	bool fits = true;

	switch (cmd->hdr.op) {
	case QNN_CS_OP_CONV2D:
	case QNN_CS_OP_DENSE:
		need = cmd->hdr.op == QNN_CS_OP_CONV2D ? DRM_QNN_OP_BCONV2D :
							 DRM_QNN_OP_BDENSE;
		need |= caps_epi(&cmd->conv.epi);
		fits = caps_tensor(&cmd->conv.in, ab, &need) &&
		       caps_tensor(&cmd->conv.weights, wb, &need) &&
		       caps_tensor(&cmd->conv.out, ab, &need);
		break;
	case QNN_CS_OP_MAXPOOL:
		need = DRM_QNN_OP_MAXPOOL;
		fits = caps_tensor(&cmd->pool.in, ab, &need) &&
		       caps_tensor(&cmd->pool.out, ab, &need);
		break;
	case QNN_CS_OP_ADD:
		need = DRM_QNN_OP_RESIDUAL_ADD | caps_epi(&cmd->add.epi);
		fits = caps_tensor(&cmd->add.a, ab, &need) &&
		       caps_tensor(&cmd->add.b, ab, &need) &&
		       caps_tensor(&cmd->add.out, ab, &need);
		break;
	case QNN_CS_OP_GLOBAL_AVGPOOL:
	case QNN_CS_OP_TRANSFORM:
		if (cmd->hdr.op == QNN_CS_OP_GLOBAL_AVGPOOL)
			need = DRM_QNN_OP_GLOBAL_AVGPOOL;
		need |= caps_epi(&cmd->un.epi);
		fits = caps_tensor(&cmd->un.in, ab, &need) &&
		       caps_tensor(&cmd->un.out, ab, &need);
		break;
	}
	return fits && !(need & ~caps->ops) ? QNN_CS_OK :
					      QNN_CS_ERR_UNSUPPORTED;
}

enum qnn_cs_error qnn_cs_check_header(const void *buf, size_t len,
				      struct qnn_cs_header *h)
{
	const u8 *p = buf;

	if (len < sizeof(*h))
		return QNN_CS_ERR_TRUNCATED;
	h->magic = le32_at(p, offsetof(struct qnn_cs_header, magic));
	h->version = le16_at(p, offsetof(struct qnn_cs_header, version));
	h->hdr_size = le16_at(p, offsetof(struct qnn_cs_header, hdr_size));
	h->size = le32_at(p, offsetof(struct qnn_cs_header, size));
	h->num_cmds = le32_at(p, offsetof(struct qnn_cs_header, num_cmds));
	h->flags = le32_at(p, offsetof(struct qnn_cs_header, flags));
	h->pad = le32_at(p, offsetof(struct qnn_cs_header, pad));
	h->reserved = le64_at(p, offsetof(struct qnn_cs_header, reserved));
	if (h->magic != QNN_CS_MAGIC)
		return QNN_CS_ERR_MAGIC;
	if (h->version != QNN_CS_VERSION)
		return QNN_CS_ERR_VERSION;
	if (h->hdr_size != sizeof(*h) || h->flags || h->pad || h->reserved)
		return QNN_CS_ERR_HEADER;
	if (h->size & 7 || h->size < sizeof(*h))
		return QNN_CS_ERR_HEADER;
	if (h->size > QNN_CS_MAX_STREAM_SIZE || h->num_cmds > QNN_CS_MAX_CMDS)
		return QNN_CS_ERR_LIMIT;
	if (h->size > len)
		return QNN_CS_ERR_TRUNCATED;
	return QNN_CS_OK;
}

enum qnn_cs_error qnn_cs_check_cmd(const void *buf, size_t avail,
				   const struct qnn_cs_range *ranges,
				   unsigned int nr_ranges,
				   const struct qnn_cs_caps *caps,
				   union qnn_cs_any *cmd,
				   struct qnn_cs_cost *cost)
{
	const u8 *p = buf;
	size_t known, i;
	enum qnn_cs_error err;
	u16 op, size;

	cost->ops = 0;
	cost->bytes = 0;
	if (avail < sizeof(struct qnn_cs_cmd))
		return QNN_CS_ERR_TRUNCATED;
	op = le16_at(p, offsetof(struct qnn_cs_cmd, op));
	size = le16_at(p, offsetof(struct qnn_cs_cmd, size));
	known = qnn_cs_op_size(op);
	if (!known)
		return QNN_CS_ERR_OPCODE;
	if (size < known || size & 7)
		return QNN_CS_ERR_CMD_SIZE;
	if (size > avail)
		return QNN_CS_ERR_TRUNCATED;
	/* A newer, longer layout is accepted only if its extension is 0. */
	for (i = known; i < size; i++)
		if (p[i])
			return QNN_CS_ERR_PAD;
	load_cmd(cmd, p, op);

	switch (op) {
	case QNN_CS_OP_NOP:
		err = cmd->hdr.flags ? QNN_CS_ERR_FLAGS : QNN_CS_OK;
		break;
	case QNN_CS_OP_CONV2D:
	case QNN_CS_OP_DENSE:
		err = check_conv(&cmd->conv, op, ranges, nr_ranges, cost);
		break;
	case QNN_CS_OP_MAXPOOL:
		err = check_pool(&cmd->pool, ranges, nr_ranges, cost);
		break;
	case QNN_CS_OP_ADD:
		err = check_add(&cmd->add, ranges, nr_ranges, cost);
		break;
	default:	/* QNN_CS_OP_GLOBAL_AVGPOOL, QNN_CS_OP_TRANSFORM */
		err = check_unary(&cmd->un, ranges, nr_ranges, cost);
		break;
	}
	return err ?: check_caps(cmd, caps);
}

int qnn_cs_validate(const void *stream, size_t len,
		    const struct qnn_cs_range *ranges, unsigned int nr_ranges,
		    const struct qnn_cs_caps *caps, struct qnn_cs_info *info)
{
	struct qnn_cs_header h;
	union qnn_cs_any cmd;
	struct qnn_cs_cost cost;
	size_t off;
	u32 i;

	memset(info, 0, sizeof(*info));
	info->err = qnn_cs_check_header(stream, len, &h);
	if (info->err)
		return -EINVAL;
	off = h.hdr_size;
	for (i = 0; i < h.num_cmds; i++) {
		info->err = qnn_cs_check_cmd(stream + off, h.size - off, ranges,
					     nr_ranges, caps, &cmd, &cost);
		if (info->err) {
			info->err_offset = off;
			/* valid, but not for this device: a distinct errno */
			return info->err == QNN_CS_ERR_UNSUPPORTED ?
			       -EOPNOTSUPP : -EINVAL;
		}
		info->ops += cost.ops;
		info->bytes += cost.bytes;
		off += cmd.hdr.size;
	}
	/* Bytes after the last command would be silently ignored: reject. */
	if (off != h.size) {
		info->err = QNN_CS_ERR_TRUNCATED;
		info->err_offset = off;
		return -EINVAL;
	}
	info->num_cmds = h.num_cmds;
	return 0;
}
