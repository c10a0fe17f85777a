// SPDX-License-Identifier: MIT
/* Job generators; see cs_gen.h. */
#include <stdlib.h>
#include <string.h>

#include "cs_gen.h"
#include "cs_ref.h"
#include "qnn_accel.h"

uint64_t cs_rnd(struct cs_mem *m)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return m->rng;
}

static int64_t rr(struct cs_mem *m, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(cs_rnd(m) % (uint64_t)(hi - lo + 1));
}

void cs_mem_init(struct cs_mem *m, const struct cs_mem_ops *ops, void *priv,
		 uint64_t seed)
{
	memset(m, 0, sizeof(*m));
	m->ops = ops;
	m->priv = priv;
	m->rng = seed ? seed : 88172645463325252ULL;
}

void cs_mem_reset(struct cs_mem *m)
{
	for (int i = 0; i < m->n; i++) {
		m->ops->free(m, &m->bufs[i]);
		free(m->bufs[i].ref);
	}
	m->n = 0;
	m->err = 0;
}

/* A zeroed buffer; on failure a dummy one, and m->err says why. */
struct cs_buf *cs_mem_buf(struct cs_mem *m, uint64_t size, int ro)
{
	static struct cs_buf dummy;
	struct cs_buf *b;
	int ret;

	if (m->n == CS_MAX_BUFS) {
		m->err = m->err ? m->err : -28;	/* -ENOSPC */
		return &dummy;
	}
	b = &m->bufs[m->n];
	memset(b, 0, sizeof(*b));
	b->size = size ? size : 8;
	b->ro = ro;
	b->ref = calloc(1, b->size);
	ret = b->ref ? m->ops->alloc(m, b) : -12;
	if (ret) {
		free(b->ref);
		m->err = m->err ? m->err : ret;
		return &dummy;
	}
	memset(b->dev, 0, b->size);
	m->n++;
	return b;
}

static void fill_rand(struct cs_mem *m, struct cs_buf *b)
{
	for (uint64_t i = 0; i < b->size; i++)
		b->dev[i] = b->ref[i] = (uint8_t)cs_rnd(m);
}

/* An input tensor with random data; tails garbage half the time. */
void cs_gen_tensor_in(struct cs_mem *m, struct qnn_cs_tensor *t)
{
	struct cs_buf *b = cs_mem_buf(m, cs_ref_bytes(t), 1);

	if (!b->dev)
		return;
	fill_rand(m, b);
	if (t->type == QNN_CS_TYPE_INT32) {
		int32_t *d = (int32_t *)b->dev;

		for (uint64_t i = 0; i < b->size / 4; i++)
			d[i] = (int32_t)rr(m, -1000, 1000);
		memcpy(b->ref, b->dev, b->size);
	} else if (cs_rnd(m) & 1) {
		uint32_t cw = (t->c + 63) / 64;
		uint64_t mask = t->c % 64 ? (1ULL << (t->c % 64)) - 1 : ~0ULL;
		uint64_t *d = (uint64_t *)b->dev, *r = (uint64_t *)b->ref;

		for (uint64_t i = cw - 1; i < b->size / 8; i += cw) {
			d[i] &= mask;
			r[i] &= mask;
		}
	}
	t->va = b->va;
}

void cs_gen_tensor_out(struct cs_mem *m, struct qnn_cs_tensor *t)
{
	t->va = cs_mem_buf(m, cs_ref_bytes(t), 0)->va;
}

/* Has the device (if any) this op? */
static int has_op(const struct cs_mem *m, uint32_t op)
{
	return !m->caps || (m->caps->ops & op) == op;
}

/* Widest planes the device takes for weights (@wt) or activations. */
static int cap_bits(const struct cs_mem *m, int wt, int maxb)
{
	int b;

	if (!m->caps)
		return maxb;
	if (!(m->caps->ops & DRM_QNN_OP_MULTIBIT))
		return 1;
	b = wt ? m->caps->wbits : m->caps->abits;
	return b < maxb ? b : maxb;
}

/* A random encoding and width up to @maxb planes (weights if @wt). */
static void pick_enc_for(struct cs_mem *m, struct cs_enc e, int maxb, int wt,
			 uint8_t *enc, uint8_t *bits)
{
	maxb = cap_bits(m, wt, maxb);
	*enc = e.enc ? e.enc : (uint8_t)rr(m, 1, 4);
	while (!e.enc && maxb < 2 && *enc == QNN_CS_ENC_SIGNED)
		*enc = (uint8_t)rr(m, 1, 4);	/* SIGNED needs 2 planes */
	switch (*enc) {
	case QNN_CS_ENC_BIPOLAR:
		*bits = 1;
		break;
	case QNN_CS_ENC_SIGNED:
		*bits = e.bits ? e.bits : (uint8_t)rr(m, 2, maxb);
		break;
	default:
		*bits = e.bits ? e.bits : (uint8_t)rr(m, 1, maxb);
		break;
	}
}

static void pick_enc(struct cs_mem *m, struct cs_enc e, int maxb,
		     uint8_t *enc, uint8_t *bits)
{
	pick_enc_for(m, e, maxb, 0, enc, bits);
}

static uint32_t rand_c(struct cs_mem *m)
{
	static const uint32_t cs[] = { 1, 2, 3, 5, 17, 63, 64, 65, 100, 130 };

	return cs[cs_rnd(m) % 10];
}

/* Random output stage and output tensor of shape n x h x w x c. */
void cs_gen_epi(struct cs_mem *m, uint32_t mode, struct qnn_cs_epilogue *e,
		struct qnn_cs_tensor *out, uint32_t n, uint32_t h, uint32_t w,
		uint32_t c, int64_t mag)
{
	int scale = has_op(m, DRM_QNN_OP_SCALE_SHIFT);
	int ob = cap_bits(m, 0, 4);

	memset(e, 0, sizeof(*e));
	e->mode = mode ? mode : (uint32_t)rr(m, 1, 3);
	while (!mode && ((e->mode == QNN_CS_OUT_REQUANT && !scale) ||
			 (e->mode == QNN_CS_OUT_THRESHOLD &&
			  !has_op(m, DRM_QNN_OP_THRESHOLD))))
		e->mode = (uint32_t)rr(m, 1, 3);	/* INT32 always fits */
	if (e->mode == QNN_CS_OUT_INT32) {
		*out = cs_int32(0, n, h, w, c);
	} else if (e->mode == QNN_CS_OUT_REQUANT) {
		uint8_t enc = cs_rnd(m) & 1 ? QNN_CS_ENC_UNSIGNED :
					      QNN_CS_ENC_SIGNED;

		if (ob < 2)
			enc = QNN_CS_ENC_UNSIGNED;
		*out = cs_bits(0, n, h, w, c, enc,
			       (uint8_t)rr(m, enc == QNN_CS_ENC_SIGNED ? 2 : 1,
					   ob));
	} else if (cs_rnd(m) & 1) {
		*out = cs_bits(0, n, h, w, c, QNN_CS_ENC_BIPOLAR, 1);
	} else {
		*out = cs_bits(0, n, h, w, c, QNN_CS_ENC_UNSIGNED,
			       (uint8_t)rr(m, 1, ob < 3 ? ob : 3));
	}
	if ((cs_rnd(m) & 1) && scale) {
		struct cs_buf *b = cs_mem_buf(m, c * 4, 1);
		int32_t *d = (int32_t *)b->dev;

		for (uint32_t i = 0; d && i < c; i++)
			d[i] = (int32_t)rr(m, -mag, mag);
		if (d && cs_rnd(m) % 8 == 0)
			d[0] = INT32_MAX;	/* saturation */
		if (d)
			memcpy(b->ref, b->dev, b->size);
		e->flags |= QNN_CS_EPI_BIAS;
		e->bias_va = b->va;
	}
	if ((cs_rnd(m) & 1) && scale) {
		struct cs_buf *b = cs_mem_buf(m, c * 8, 1);
		struct qnn_cs_scale *s = (struct qnn_cs_scale *)b->dev;

		for (uint32_t i = 0; s && i < c; i++) {
			s[i].mult = cs_rnd(m) % 4 == 0 ?
				(int32_t)rr(m, INT32_MIN, INT32_MAX) :
				(int32_t)rr(m, -9, 9);
			s[i].shift = (uint32_t)rr(m, 0, cs_rnd(m) & 1 ? 31 : 3);
		}
		if (s)
			memcpy(b->ref, b->dev, b->size);
		e->flags |= QNN_CS_EPI_SCALE;
		e->scale_va = b->va;
		if (cs_rnd(m) & 1)
			e->flags |= QNN_CS_EPI_ROUND_FLOOR;
	}
	if (e->mode == QNN_CS_OUT_THRESHOLD) {
		uint32_t nt = (1u << out->bits) - 1;
		struct cs_buf *b = cs_mem_buf(m, (uint64_t)c * nt * 4, 1);
		int32_t *d = (int32_t *)b->dev;

		for (uint32_t i = 0; d && i < c; i++) {
			int32_t t = (int32_t)rr(m, -mag, mag / 2);

			for (uint32_t j = 0; j < nt; j++) {
				d[i * nt + j] = t;
				t += (int32_t)rr(m, 0, mag / 4 + 1);
			}
		}
		if (d)
			memcpy(b->ref, b->dev, b->size);
		e->thresh_va = b->va;
		if (cs_rnd(m) & 1) {
			struct cs_buf *nb = cs_mem_buf(m, c, 1);

			for (uint32_t i = 0; nb->dev && i < c; i++)
				nb->dev[i] = nb->ref[i] = cs_rnd(m) & 1;
			e->flags |= QNN_CS_EPI_NEGATE;
			e->negate_va = nb->va;
		}
	}
	cs_gen_tensor_out(m, out);
}

static uint32_t pick(struct cs_mem *m, uint32_t v, uint32_t lo, uint32_t hi)
{
	return v ? v : (uint32_t)rr(m, lo, hi);
}

void cs_gen_conv(struct cs_mem *m, struct cs_builder *b,
		 const struct cs_conv_spec *s)
{
	struct qnn_cs_conv2d *cv = csb_add(b, s->dense ? QNN_CS_OP_DENSE :
						QNN_CS_OP_CONV2D, sizeof(*cv));
	uint8_t ae, ab, we, wb;
	uint32_t n, h, w, c, oc, kh, kw, oh, ow;
	int zp;

	if (!cv)
		return;
	pick_enc_for(m, s->a, 4, 0, &ae, &ab);
	pick_enc_for(m, s->w, 4, 1, &we, &wb);
	n = pick(m, s->n, 1, 2);
	c = s->c ? s->c : rand_c(m);
	oc = s->oc ? s->oc : (cs_rnd(m) & 3 ? (uint32_t)rr(m, 1, 9) : 70);
	h = pick(m, s->h, 1, s->dense ? 4 : 7);
	w = pick(m, s->w_, 1, s->dense ? 4 : 7);
	kh = s->dense ? h : pick(m, s->k, 1, 3);
	kw = s->dense ? w : pick(m, s->k, 1, 3);
	for (;;) {
		int64_t sh, sw;

		cv->stride_h = cv->stride_w = 1;
		cv->dil_h = cv->dil_w = 1;
		if (s->dense)
			break;
		cv->stride_h = (uint16_t)pick(m, s->stride, 1, 2);
		cv->stride_w = s->stride ? cv->stride_h : (uint16_t)rr(m, 1, 2);
		if (!s->k) {
			cv->dil_h = (uint16_t)rr(m, 1, 2);
			cv->dil_w = (uint16_t)rr(m, 1, 2);
		}
		if (s->pad_set) {
			cv->pad_top = cv->pad_left = (uint16_t)s->pad;
			cv->pad_bottom = cv->pad_right = (uint16_t)s->pad;
		} else {
			cv->pad_top = (uint16_t)rr(m, 0, 2);
			cv->pad_bottom = (uint16_t)rr(m, 0, 2);
			cv->pad_left = (uint16_t)rr(m, 0, 2);
			cv->pad_right = (uint16_t)rr(m, 0, 2);
		}
		sh = (int64_t)h + cv->pad_top + cv->pad_bottom -
		     ((kh - 1) * cv->dil_h + 1);
		sw = (int64_t)w + cv->pad_left + cv->pad_right -
		     ((kw - 1) * cv->dil_w + 1);
		if (sh >= 0 && sw >= 0)
			break;
		h++;	/* grow the input until the window fits */
		w++;
	}
	oh = (h + cv->pad_top + cv->pad_bottom - ((kh - 1) * cv->dil_h + 1)) /
	     cv->stride_h + 1;
	ow = (w + cv->pad_left + cv->pad_right - ((kw - 1) * cv->dil_w + 1)) /
	     cv->stride_w + 1;
	zp = s->zero_pad < 0 ? (int)(cs_rnd(m) & 1) : s->zero_pad;
	if (zp)
		cv->hdr.flags = QNN_CS_CMD_ZERO_PAD;
	cv->in = cs_bits(0, n, h, w, c, ae, ab);
	cs_gen_tensor_in(m, &cv->in);
	cv->weights = cs_bits(0, oc, kh, kw, c, we, wb);
	cs_gen_tensor_in(m, &cv->weights);
	cs_gen_epi(m, s->mode, &cv->epi, &cv->out, n, oh, ow, oc,
		(int64_t)kh * kw * c * 4);
}

void cs_gen_pool(struct cs_mem *m, struct cs_builder *b, struct cs_enc e)
{
	struct qnn_cs_maxpool *p = csb_add(b, QNN_CS_OP_MAXPOOL, sizeof(*p));
	uint8_t enc, bits;
	uint32_t n, h, w, c;
	int i32;

	if (!p)
		return;
	pick_enc(m, e, 8, &enc, &bits);
	i32 = !e.enc && cs_rnd(m) % 4 == 0;
	n = (uint32_t)rr(m, 1, 2);
	h = (uint32_t)rr(m, 1, 8);
	w = (uint32_t)rr(m, 1, 8);
	c = rand_c(m);
	do {
		p->kh = (uint16_t)rr(m, 1, 3);
		p->kw = (uint16_t)rr(m, 1, 3);
		p->stride_h = (uint16_t)rr(m, 1, 3);
		p->stride_w = (uint16_t)rr(m, 1, 3);
		p->pad_top = (uint16_t)rr(m, 0, p->kh - 1);
		p->pad_bottom = (uint16_t)rr(m, 0, p->kh - 1);
		p->pad_left = (uint16_t)rr(m, 0, p->kw - 1);
		p->pad_right = (uint16_t)rr(m, 0, p->kw - 1);
	} while (h + p->pad_top + p->pad_bottom < p->kh ||
		 w + p->pad_left + p->pad_right < p->kw);
	p->in = i32 ? cs_int32(0, n, h, w, c) :
		      cs_bits(0, n, h, w, c, enc, bits);
	cs_gen_tensor_in(m, &p->in);
	p->out = p->in;
	p->out.h = (h + p->pad_top + p->pad_bottom - p->kh) / p->stride_h + 1;
	p->out.w = (w + p->pad_left + p->pad_right - p->kw) / p->stride_w + 1;
	cs_gen_tensor_out(m, &p->out);
}

static void tensor_any(struct cs_mem *m, struct qnn_cs_tensor *t, uint32_t n,
		       uint32_t h, uint32_t w, uint32_t c)
{
	struct cs_enc any = { 0, 0 };
	uint8_t enc, bits;

	if (cs_rnd(m) % 3 == 0) {
		*t = cs_int32(0, n, h, w, c);
	} else {
		pick_enc(m, any, 8, &enc, &bits);
		*t = cs_bits(0, n, h, w, c, enc, bits);
	}
	cs_gen_tensor_in(m, t);
}

void cs_gen_add(struct cs_mem *m, struct cs_builder *b)
{
	struct qnn_cs_add *a = csb_add(b, QNN_CS_OP_ADD, sizeof(*a));
	uint32_t n, h, w, c;

	if (!a)
		return;
	n = (uint32_t)rr(m, 1, 2);
	h = (uint32_t)rr(m, 1, 5);
	w = (uint32_t)rr(m, 1, 5);
	c = rand_c(m);
	tensor_any(m, &a->a, n, h, w, c);
	tensor_any(m, &a->b, n, h, w, c);
	cs_gen_epi(m, 0, &a->epi, &a->out, n, h, w, c, 1000);
}

void cs_gen_unary(struct cs_mem *m, struct cs_builder *b, int transform)
{
	struct qnn_cs_unary *g = csb_add(b, transform ? QNN_CS_OP_TRANSFORM :
					    QNN_CS_OP_GLOBAL_AVGPOOL,
					 sizeof(*g));
	uint32_t n, h, w, c;

	if (!g)
		return;
	n = (uint32_t)rr(m, 1, 2);
	h = (uint32_t)rr(m, 1, 6);
	w = (uint32_t)rr(m, 1, 6);
	c = rand_c(m);
	tensor_any(m, &g->in, n, h, w, c);
	cs_gen_epi(m, 0, &g->epi, &g->out, n, transform ? h : 1,
		transform ? w : 1, c, transform ? 1000 : 1000 * h * w);
}

void cs_gen_any(struct cs_mem *m, struct cs_builder *b)
{
	/* 4 and 5: GLOBAL_AVGPOOL or TRANSFORM, which any device runs */
	static const uint32_t need[6] = {
		DRM_QNN_OP_BCONV2D, DRM_QNN_OP_BDENSE, DRM_QNN_OP_MAXPOOL,
		DRM_QNN_OP_RESIDUAL_ADD, 0, 0,
	};
	struct cs_conv_spec s = { .zero_pad = -1 };
	struct cs_enc any = { 0, 0 };
	uint64_t pick = cs_rnd(m) % 6;
	int transform;

	while (!has_op(m, need[pick]))	/* an op the device has */
		pick = cs_rnd(m) % 6;
	switch (pick) {
	case 0:
		cs_gen_conv(m, b, &s);
		break;
	case 1:
		s.dense = 1;
		cs_gen_conv(m, b, &s);
		break;
	case 2:
		cs_gen_pool(m, b, any);
		break;
	case 3:
		cs_gen_add(m, b);
		break;
	default:
		transform = (int)(cs_rnd(m) & 1);
		if (!has_op(m, DRM_QNN_OP_GLOBAL_AVGPOOL))
			transform = 1;
		cs_gen_unary(m, b, transform);
		break;
	}
}

static void *ref_ptr(void *priv, uint64_t va)
{
	struct cs_mem *m = priv;

	for (int i = 0; i < m->n; i++)
		if (va >= m->bufs[i].va && va < m->bufs[i].va + m->bufs[i].size)
			return m->bufs[i].ref + (va - m->bufs[i].va);
	return NULL;
}

void cs_gen_reference(struct cs_mem *m, const struct cs_builder *b)
{
	const uint8_t *p = (const uint8_t *)b->buf;
	uint32_t off = sizeof(struct qnn_cs_header);

	for (uint32_t i = 0; i < b->ncmds; i++) {
		const struct qnn_cs_cmd *c = (const void *)(p + off);

		cs_ref_run(c, ref_ptr, m);
		off += c->size;
	}
}

int cs_gen_compare(const struct cs_mem *m)
{
	for (int i = 0; i < m->n; i++)
		if (memcmp(m->bufs[i].dev, m->bufs[i].ref, m->bufs[i].size))
			return i;
	return -1;
}
