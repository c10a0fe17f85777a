// SPDX-License-Identifier: MIT
/* Reference semantics of qnn command streams; see cs_ref.h. */
#include <string.h>

#include "cs_ref.h"
#include "qnn_accel.h"

static uint32_t words(uint32_t c)
{
	return (c + 63) / 64;
}

uint64_t cs_ref_bytes(const struct qnn_cs_tensor *t)
{
	uint64_t px = (uint64_t)t->n * t->h * t->w;

	if (t->type == QNN_CS_TYPE_INT32)
		return px * t->c * 4;
	return px * t->bits * words(t->c) * 8;
}

/* docs/layout.md: word (((n*H + h)*W + w)*B + b)*CW + c/64, bit c%64 */
static int bit_at(const struct qnn_cs_tensor *t, const uint64_t *d,
		  uint32_t n, uint32_t y, uint32_t x, uint32_t b, uint32_t c)
{
	uint64_t wi = ((((uint64_t)n * t->h + y) * t->w + x) * t->bits + b) *
		      words(t->c) + c / 64;

	return (d[wi] >> (c % 64)) & 1;
}

/* The value of a pixel element given its plane bits (table of layout.md). */
static int32_t decode(uint8_t enc, uint8_t bits, const int *bit)
{
	int32_t v = 0;

	for (int b = 0; b < bits; b++) {
		switch (enc) {
		case QNN_CS_ENC_BIPOLAR:
		case QNN_CS_ENC_BIPOLAR_BRANCHES:
			v += (bit[b] ? -1 : 1) * (1 << b);
			break;
		case QNN_CS_ENC_UNSIGNED:
			v += bit[b] << b;
			break;
		case QNN_CS_ENC_SIGNED:
			v += (b == bits - 1 ? -1 : 1) * (bit[b] << b);
			break;
		}
	}
	return v;
}

int32_t cs_ref_get(const struct qnn_cs_tensor *t, const void *data,
		   uint32_t n, uint32_t y, uint32_t x, uint32_t c)
{
	int bit[8];

	if (t->type == QNN_CS_TYPE_INT32)
		return ((const int32_t *)data)[(((uint64_t)n * t->h + y) *
						t->w + x) * t->c + c];
	for (int b = 0; b < t->bits; b++)
		bit[b] = bit_at(t, data, n, y, x, b, c);
	return decode(t->encoding, t->bits, bit);
}

void cs_ref_put(const struct qnn_cs_tensor *t, void *data,
		uint32_t n, uint32_t y, uint32_t x, uint32_t c, int32_t v)
{
	uint64_t *d = data;

	if (t->type == QNN_CS_TYPE_INT32) {
		((int32_t *)data)[(((uint64_t)n * t->h + y) * t->w + x) *
				  t->c + c] = v;
		return;
	}
	/* search the bit pattern whose decoded value is v: slow, obvious */
	for (int code = 0; code < (1 << t->bits); code++) {
		int bit[8];

		for (int b = 0; b < t->bits; b++)
			bit[b] = code >> b & 1;
		if (decode(t->encoding, t->bits, bit) != v)
			continue;
		for (int b = 0; b < t->bits; b++) {
			uint64_t wi = ((((uint64_t)n * t->h + y) * t->w + x) *
				       t->bits + b) * words(t->c) + c / 64;

			d[wi] &= ~(1ULL << (c % 64));
			d[wi] |= (uint64_t)bit[b] << (c % 64);
		}
		return;
	}
}

/* Value of an element made of all-zero bits: what a padded tap reads. */
static int32_t zero_value(const struct qnn_cs_tensor *t)
{
	int bit[8] = { 0 };

	return decode(t->encoding, t->bits, bit);
}

static int64_t sat32(int64_t v)
{
	return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v;
}

/* The output stage of docs/cmdstream.md for one element. */
static int32_t epilogue(const struct qnn_cs_epilogue *e,
			const struct qnn_cs_tensor *out, uint32_t c,
			int64_t acc, cs_ref_ptr_fn ptr, void *priv)
{
	int64_t y = acc;

	if (e->flags & QNN_CS_EPI_BIAS)
		y += ((int32_t *)ptr(priv, e->bias_va))[c];
	y = sat32(y);
	if (e->flags & QNN_CS_EPI_SCALE) {
		const struct qnn_cs_scale *s =
			(struct qnn_cs_scale *)ptr(priv, e->scale_va) + c;
		int64_t num = y * s->mult;

		/*
		 * floor((y*mult + 2^(shift-1)) / 2^shift), or without the
		 * half for ROUND_FLOOR; division spelt out
		 */
		if (s->shift) {
			int64_t d = (int64_t)1 << s->shift;
			int64_t q = num + (e->flags & QNN_CS_EPI_ROUND_FLOOR ?
					   0 : d / 2);

			y = q / d - ((q % d) < 0);
		} else {
			y = num;
		}
	}
	switch (e->mode) {
	case QNN_CS_OUT_INT32:
		return (int32_t)sat32(y);
	case QNN_CS_OUT_REQUANT: {
		int64_t lo = 0, hi = (1 << out->bits) - 1;

		if (out->encoding == QNN_CS_ENC_SIGNED) {
			lo = -(1 << (out->bits - 1));
			hi = (1 << (out->bits - 1)) - 1;
		}
		return y < lo ? lo : y > hi ? hi : y;
	}
	default: {
		int nt = (1 << out->bits) - 1, cnt = 0, neg = 0;
		const int32_t *t = (int32_t *)ptr(priv, e->thresh_va) +
				   (uint64_t)c * nt;

		if (e->flags & QNN_CS_EPI_NEGATE)
			neg = ((uint8_t *)ptr(priv, e->negate_va))[c] != 0;
		for (int i = 0; i < nt; i++)
			cnt += neg ? (y <= t[i]) : (y >= t[i]);
		if (out->encoding == QNN_CS_ENC_BIPOLAR)
			return cnt ? 1 : -1;
		return cnt;
	}
	}
}

static void ref_conv(const struct qnn_cs_conv2d *cv, cs_ref_ptr_fn ptr,
		     void *priv)
{
	const struct qnn_cs_tensor *in = &cv->in, *wt = &cv->weights,
				   *out = &cv->out;
	const void *id = ptr(priv, in->va), *wd = ptr(priv, wt->va);
	void *od = ptr(priv, out->va);
	int zp = cv->hdr.flags & QNN_CS_CMD_ZERO_PAD;

	for (uint32_t n = 0; n < out->n; n++)
	for (uint32_t oy = 0; oy < out->h; oy++)
	for (uint32_t ox = 0; ox < out->w; ox++)
	for (uint32_t oc = 0; oc < out->c; oc++) {
		int64_t acc = 0;

		for (uint32_t ky = 0; ky < wt->h; ky++)
		for (uint32_t kx = 0; kx < wt->w; kx++) {
			int64_t iy = (int64_t)oy * cv->stride_h - cv->pad_top +
				     (int64_t)ky * cv->dil_h;
			int64_t ix = (int64_t)ox * cv->stride_w -
				     cv->pad_left + (int64_t)kx * cv->dil_w;
			int pad = iy < 0 || ix < 0 || iy >= in->h ||
				  ix >= in->w;

			for (uint32_t c = 0; c < in->c; c++) {
				int64_t a, w = cs_ref_get(wt, wd, oc, ky, kx,
							  c);

				if (pad)
					a = zp ? 0 : zero_value(in);
				else
					a = cs_ref_get(in, id, n, iy, ix, c);
				acc += a * w;
			}
		}
		cs_ref_put(out, od, n, oy, ox, oc,
			   epilogue(&cv->epi, out, oc, acc, ptr, priv));
	}
}

static void ref_pool(const struct qnn_cs_maxpool *p, cs_ref_ptr_fn ptr,
		     void *priv)
{
	const void *id = ptr(priv, p->in.va);
	void *od = ptr(priv, p->out.va);

	for (uint32_t n = 0; n < p->out.n; n++)
	for (uint32_t oy = 0; oy < p->out.h; oy++)
	for (uint32_t ox = 0; ox < p->out.w; ox++)
	for (uint32_t c = 0; c < p->out.c; c++) {
		int64_t m = INT64_MIN;

		for (uint32_t ky = 0; ky < p->kh; ky++)
		for (uint32_t kx = 0; kx < p->kw; kx++) {
			int64_t iy = (int64_t)oy * p->stride_h - p->pad_top + ky;
			int64_t ix = (int64_t)ox * p->stride_w - p->pad_left +
				     kx;
			int64_t v;

			if (iy < 0 || ix < 0 || iy >= p->in.h || ix >= p->in.w)
				continue;
			v = cs_ref_get(&p->in, id, n, iy, ix, c);
			if (v > m)
				m = v;
		}
		cs_ref_put(&p->out, od, n, oy, ox, c, (int32_t)m);
	}
}

static void ref_add(const struct qnn_cs_add *a, cs_ref_ptr_fn ptr, void *priv)
{
	const void *ad = ptr(priv, a->a.va), *bd = ptr(priv, a->b.va);
	void *od = ptr(priv, a->out.va);

	for (uint32_t n = 0; n < a->out.n; n++)
	for (uint32_t y = 0; y < a->out.h; y++)
	for (uint32_t x = 0; x < a->out.w; x++)
	for (uint32_t c = 0; c < a->out.c; c++) {
		int64_t s = (int64_t)cs_ref_get(&a->a, ad, n, y, x, c) +
			    cs_ref_get(&a->b, bd, n, y, x, c);

		cs_ref_put(&a->out, od, n, y, x, c,
			   epilogue(&a->epi, &a->out, c, s, ptr, priv));
	}
}

static void ref_transform(const struct qnn_cs_unary *g, cs_ref_ptr_fn ptr,
			  void *priv)
{
	const void *id = ptr(priv, g->in.va);
	void *od = ptr(priv, g->out.va);

	for (uint32_t n = 0; n < g->in.n; n++)
	for (uint32_t y = 0; y < g->in.h; y++)
	for (uint32_t x = 0; x < g->in.w; x++)
	for (uint32_t c = 0; c < g->in.c; c++)
		cs_ref_put(&g->out, od, n, y, x, c,
			   epilogue(&g->epi, &g->out, c,
				    cs_ref_get(&g->in, id, n, y, x, c),
				    ptr, priv));
}

static void ref_gap(const struct qnn_cs_unary *g, cs_ref_ptr_fn ptr,
		    void *priv)
{
	const void *id = ptr(priv, g->in.va);
	void *od = ptr(priv, g->out.va);

	for (uint32_t n = 0; n < g->in.n; n++)
	for (uint32_t c = 0; c < g->in.c; c++) {
		int64_t s = 0;

		for (uint32_t y = 0; y < g->in.h; y++)
			for (uint32_t x = 0; x < g->in.w; x++)
				s += cs_ref_get(&g->in, id, n, y, x, c);
		cs_ref_put(&g->out, od, n, 0, 0, c,
			   epilogue(&g->epi, &g->out, c, s, ptr, priv));
	}
}

int cs_ref_run(const void *cmd, cs_ref_ptr_fn ptr, void *priv)
{
	struct qnn_cs_cmd h;

	memcpy(&h, cmd, sizeof(h));
	switch (h.op) {
	case QNN_CS_OP_NOP:
		return 0;
	case QNN_CS_OP_CONV2D:
	case QNN_CS_OP_DENSE:
		ref_conv(cmd, ptr, priv);
		return 0;
	case QNN_CS_OP_MAXPOOL:
		ref_pool(cmd, ptr, priv);
		return 0;
	case QNN_CS_OP_ADD:
		ref_add(cmd, ptr, priv);
		return 0;
	case QNN_CS_OP_GLOBAL_AVGPOOL:
		ref_gap(cmd, ptr, priv);
		return 0;
	case QNN_CS_OP_TRANSFORM:
		ref_transform(cmd, ptr, priv);
		return 0;
	}
	return -1;
}

/* What one tensor asks of the device: planes within @max, MULTIBIT if > 1. */
static int tensor_ok(const struct qnn_cs_tensor *t, unsigned int max,
		     uint32_t *need)
{
	if (t->type != QNN_CS_TYPE_BITS)
		return 1;
	if (t->bits > 1)
		*need |= DRM_QNN_OP_MULTIBIT;
	return t->bits <= max;
}

static uint32_t epi_needs(const struct qnn_cs_epilogue *e)
{
	uint32_t need = 0;

	if (e->mode == QNN_CS_OUT_THRESHOLD)
		need |= DRM_QNN_OP_THRESHOLD;
	if (e->mode == QNN_CS_OUT_REQUANT ||
	    (e->flags & (QNN_CS_EPI_BIAS | QNN_CS_EPI_SCALE)))
		need |= DRM_QNN_OP_SCALE_SHIFT;
	return need;
}

int cs_ref_supported(const void *cmd, uint32_t ops, unsigned int wbits,
		     unsigned int abits)
{
	const struct qnn_cs_conv2d *cv = cmd;
	const struct qnn_cs_maxpool *p = cmd;
	const struct qnn_cs_add *a = cmd;
	const struct qnn_cs_unary *g = cmd;
	uint32_t need = 0;
	int ok = 1;

	switch (cv->hdr.op) {
	case QNN_CS_OP_CONV2D:
	case QNN_CS_OP_DENSE:
		need = cv->hdr.op == QNN_CS_OP_CONV2D ? DRM_QNN_OP_BCONV2D :
							DRM_QNN_OP_BDENSE;
		need |= epi_needs(&cv->epi);
		ok = tensor_ok(&cv->in, abits, &need) &
		     tensor_ok(&cv->weights, wbits, &need) &
		     tensor_ok(&cv->out, abits, &need);
		break;
	case QNN_CS_OP_MAXPOOL:
		need = DRM_QNN_OP_MAXPOOL;
		ok = tensor_ok(&p->in, abits, &need) &
		     tensor_ok(&p->out, abits, &need);
		break;
	case QNN_CS_OP_ADD:
		need = DRM_QNN_OP_RESIDUAL_ADD | epi_needs(&a->epi);
		ok = tensor_ok(&a->a, abits, &need) &
		     tensor_ok(&a->b, abits, &need) &
		     tensor_ok(&a->out, abits, &need);
		break;
	case QNN_CS_OP_GLOBAL_AVGPOOL:
	case QNN_CS_OP_TRANSFORM:
		if (g->hdr.op == QNN_CS_OP_GLOBAL_AVGPOOL)
			need = DRM_QNN_OP_GLOBAL_AVGPOOL;
		need |= epi_needs(&g->epi);
		ok = tensor_ok(&g->in, abits, &need) &
		     tensor_ok(&g->out, abits, &need);
		break;
	}
	return ok && !(need & ~ops);
}
