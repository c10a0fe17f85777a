// SPDX-License-Identifier: MIT
/*
 * Can the device run a layer, bit-identically to the CPU engine? Decided
 * from what the device advertises (ops, bit widths, SRAM) and the limits of
 * docs/cmdstream.md, never from its name. The answer comes with a reason,
 * which qnn_model_layer() and `qnn-run --plan` show.
 */
#include <stdio.h>
#include <string.h>

#include "accel.h"
#include "qnn_accel.h"
#include "qnn_cmdstream.h"

#define NO(...) (snprintf(why, len, __VA_ARGS__), 0)

static uint32_t words(uint32_t c)
{
	return (c + 63) / 64;
}

/* Bits of a tensor as the device sees it: U8/I8 conv inputs become 8 planes. */
static unsigned int dev_bits(const struct qnn_tensor *t)
{
	return t->dtype == QNN_DT_BITS ? t->bits : t->dtype == QNN_DT_U8 || t->dtype == QNN_DT_I8 ? 8 : 0;
}

/* Largest |value| of a BITS (or U8/I8) element: cmdstream.md's max|v|. */
static uint64_t max_abs(const struct qnn_tensor *t)
{
	if (t->dtype == QNN_DT_U8)
		return 255;
	if (t->dtype == QNN_DT_I8)
		return 128;
	switch (t->enc) {
	case QNN_ENC_BIPOLAR: return 1;
	case QNN_ENC_SIGNED: return 1ull << (t->bits - 1);
	default: return (1ull << t->bits) - 1;
	}
}

static int dims_ok(const struct qnn_tensor *t, const char *what, char *why, size_t len)
{
	if (t->h > QNN_CS_MAX_DIM || t->w > QNN_CS_MAX_DIM || t->c > QNN_CS_MAX_CHANNELS)
		return NO("%s %ux%ux%u over the device's limits (h, w <= %u, c <= %u)", what,
			  t->h, t->w, t->c, QNN_CS_MAX_DIM, QNN_CS_MAX_CHANNELS);
	return 1;
}

/* An activation as a device tensor: BITS, or INT32 where the op takes it. */
static int act_ok(const struct qnn_accel_caps *c, const struct qnn_tensor *t, int int32_ok,
		  const char *what, char *why, size_t len)
{
	if (t->dtype == QNN_DT_I32 && int32_ok)
		return dims_ok(t, what, why, len);
	if (t->dtype != QNN_DT_BITS)
		return NO("%s is %s: not a device type", what,
			  t->dtype == QNN_DT_F32 ? "F32" : t->dtype == QNN_DT_I32 ? "I32" : "8-bit");
	if (t->bits > 1 && !(c->ops & DRM_QNN_OP_MULTIBIT))
		return NO("%s has %u bits: device has no multi-bit op", what, t->bits);
	if (t->bits > c->max_abits)
		return NO("%s has %u bits > device max_act_bits %u", what, t->bits, c->max_abits);
	return dims_ok(t, what, why, len);
}

static int window_ok(const struct qnn_layer *l, char *why, size_t len)
{
	if (l->kh > QNN_CS_MAX_KERNEL || l->kw > QNN_CS_MAX_KERNEL)
		return NO("window %ux%u > %u", l->kh, l->kw, QNN_CS_MAX_KERNEL);
	if (l->sh > QNN_CS_MAX_STRIDE || l->sw > QNN_CS_MAX_STRIDE || l->dh > QNN_CS_MAX_STRIDE ||
	    l->dw > QNN_CS_MAX_STRIDE)
		return NO("stride or dilation > %u", QNN_CS_MAX_STRIDE);
	if (l->pt > QNN_CS_MAX_DIM || l->pl > QNN_CS_MAX_DIM || l->pb > QNN_CS_MAX_DIM ||
	    l->pr > QNN_CS_MAX_DIM)
		return NO("padding > %u", QNN_CS_MAX_DIM);
	return 1;
}

static int32_t chan_i32(const struct qnn_tensor *t, uint32_t c)
{
	return ((const int32_t *)t->data)[t->c == 1 ? 0 : c];
}

static int conv_ok(const struct qnn_accel_caps *c, const struct qnn_model *m,
		   const struct qnn_layer *l, char *why, size_t len)
{
	const struct qnn_tensor *x = &m->t[l->in[0]], *wt = &m->t[l->weights], *o = &m->t[l->out];
	unsigned int ab = dev_bits(x);
	uint64_t bound;

	if (!(c->ops & (l->op == QNN_OP_DENSE ? DRM_QNN_OP_BDENSE : DRM_QNN_OP_BCONV2D)))
		return NO("device does not advertise %s", l->op == QNN_OP_DENSE ? "BDENSE" : "BCONV2D");
	if (l->groups > 1)
		return NO("grouped convolution (%u groups) is not a device op", l->groups);
	if (x->dtype == QNN_DT_F32)
		return NO("F32 input: not a device type");
	if (x->dtype == QNN_DT_I32)
		return NO("I32 input: not a device conv input");
	if (ab > 1 && !(c->ops & DRM_QNN_OP_MULTIBIT))
		return NO("%u-bit input: device has no multi-bit op", ab);
	if (ab > c->max_abits)
		return NO("%u-bit input > device max_act_bits %u", ab, c->max_abits);
	if (!dims_ok(x, "input", why, len))
		return 0;
	if (wt->dtype != QNN_DT_BITS)
		return NO("weights are not bit-packed");
	if (wt->bits > 1 && !(c->ops & DRM_QNN_OP_MULTIBIT))
		return NO("%u-bit weights: device has no multi-bit op", wt->bits);
	if (wt->bits > c->max_wbits)
		return NO("%u-bit weights > device max_weight_bits %u", wt->bits, c->max_wbits);
	if (wt->n > QNN_CS_MAX_CHANNELS)
		return NO("%u output channels > %u", wt->n, QNN_CS_MAX_CHANNELS);
	if (!window_ok(l, why, len))
		return 0;
	if ((uint64_t)l->kh * l->kw * ab * words(x->c) > QNN_CS_MAX_PATCH_WORDS ||
	    (uint64_t)l->kh * l->kw * wt->bits * words(x->c) > QNN_CS_MAX_PATCH_WORDS)
		return NO("window of %ux%ux%u is over the device's %u words", l->kh, l->kw, x->c,
			  QNN_CS_MAX_PATCH_WORDS);
	bound = (uint64_t)l->kh * l->kw * x->c * max_abs(x) * max_abs(wt);
	if (bound > INT32_MAX)
		return NO("accumulator bound %llu over 2^31 - 1", (unsigned long long)bound);
	if (c->sram && (uint64_t)l->kh * l->kw * words(x->c) * 8 * wt->bits > c->sram)
		return NO("one output channel's weights do not fit the device's %llu bytes of SRAM",
			  (unsigned long long)c->sram);
	switch (o->dtype) {
	case QNN_DT_BITS:
		if (!(c->ops & DRM_QNN_OP_THRESHOLD))
			return NO("thresholded output: device does not advertise THRESHOLD");
		if (o->enc != QNN_ENC_UNSIGNED && o->enc != QNN_ENC_BIPOLAR)
			return NO("output encoding %u is not a threshold output", o->enc);
		return act_ok(c, o, 0, "output", why, len);
	case QNN_DT_I32:
		if ((l->bias >= 0 || l->scale >= 0) && !(c->ops & DRM_QNN_OP_SCALE_SHIFT))
			return NO("bias/scale: device does not advertise SCALE_SHIFT");
		if (l->scale >= 0) {
			const struct qnn_tensor *s = &m->t[l->scale];

			if (s->dtype != QNN_DT_I8)
				return NO("scale is not a power-of-two shift");
			for (uint32_t k = 0; k < s->c; k++)
				if (((const int8_t *)s->data)[k] > 30 || ((const int8_t *)s->data)[k] < -31)
					return NO("shift %d of channel %u: not a device scale",
						  ((const int8_t *)s->data)[k], k);
		}
		if (l->bias >= 0) {
			const struct qnn_tensor *b = &m->t[l->bias];
			int64_t mx = 0;

			for (uint32_t k = 0; k < wt->n; k++) {
				int64_t v = chan_i32(b, k);

				if ((v < 0 ? -v : v) > mx)
					mx = v < 0 ? -v : v;
			}
			/* the device saturates acc + bias before the shift, the CPU after */
			if (bound + (uint64_t)mx > INT32_MAX)
				return NO("accumulator + bias may pass 2^31 - 1 (the device saturates earlier than the CPU)");
		}
		return dims_ok(o, "output", why, len);
	default:
		/* int32 accumulators on the device, the float transform at the boundary */
		return dims_ok(o, "output", why, len);
	}
}

int qnn_accel_layer_ok(const struct qnn_accel_caps *c, const struct qnn_model *m,
		       const struct qnn_layer *l, char *why, size_t len)
{
	const struct qnn_tensor *x = &m->t[l->in[0]], *o = &m->t[l->out];

	switch (l->op) {
	case QNN_OP_CONV2D:
	case QNN_OP_DENSE:
		return conv_ok(c, m, l, why, len);
	case QNN_OP_MAXPOOL:
		if (!(c->ops & DRM_QNN_OP_MAXPOOL))
			return NO("device does not advertise MAXPOOL");
		if (!window_ok(l, why, len))
			return 0;
		if (l->pt >= l->kh || l->pb >= l->kh || l->pl >= l->kw || l->pr >= l->kw)
			return NO("pool padding not smaller than the window");
		return act_ok(c, x, 1, "input", why, len);
	case QNN_OP_GLOBAL_AVGPOOL:
		if (!(c->ops & DRM_QNN_OP_GLOBAL_AVGPOOL))
			return NO("device does not advertise GLOBAL_AVGPOOL");
		if (o->dtype != QNN_DT_I32)
			return NO("F32 mean output: not a device type");
		return act_ok(c, x, 1, "input", why, len);
	case QNN_OP_ADD:
		if (!(c->ops & DRM_QNN_OP_RESIDUAL_ADD))
			return NO("device does not advertise RESIDUAL_ADD");
		if (o->dtype != QNN_DT_I32)
			return NO("F32 sum output: not a device type");
		return act_ok(c, x, 1, "input a", why, len) &&
		       act_ok(c, &m->t[l->in[1]], 1, "input b", why, len);
	case QNN_OP_THRESHOLD:
		if (!(c->ops & DRM_QNN_OP_THRESHOLD))
			return NO("device does not advertise THRESHOLD");
		if (x->dtype != QNN_DT_I32)
			return NO("threshold on a float input: not a device op");
		if (o->enc != QNN_ENC_UNSIGNED && o->enc != QNN_ENC_BIPOLAR)
			return NO("output encoding %u is not a threshold output", o->enc);
		return dims_ok(x, "input", why, len) && act_ok(c, o, 0, "output", why, len);
	default:
		return NO("%s is not a device op", qnn_op_name(l->op));
	}
}

uint64_t qnn_accel_layer_ops(const struct qnn_model *m, const struct qnn_layer *l)
{
	const struct qnn_tensor *x = &m->t[l->in[0]], *o = &m->t[l->out];

	switch (l->op) {
	case QNN_OP_CONV2D:
	case QNN_OP_DENSE:
		return (uint64_t)o->h * o->w * o->c * l->kh * l->kw * x->c * dev_bits(x) *
		       m->t[l->weights].bits;
	case QNN_OP_MAXPOOL:
		return (uint64_t)o->h * o->w * o->c * l->kh * l->kw;
	default:
		return (uint64_t)x->h * x->w * x->c;
	}
}
