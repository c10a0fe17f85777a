// SPDX-License-Identifier: MIT
/*
 * Lowering: walks the ONNX nodes in order (ONNX requires topological order)
 * and folds them into qnn layers. Linear layers (Conv, Gemm, MatMul) stay
 * "pending" until a consumer decides their output transform: a quantizer
 * turns into thresholds (batch-norm, scales and biases folded in), a pool or
 * residual add into a raw I32 accumulator, a graph output into F32.
 * Everything else that reaches an unsupported op is reported by node name
 * and op type with the reason.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "lower.h"

static int is_op(const Onnx__NodeProto *n, const char *op)
{
	return n->op_type && !strcmp(n->op_type, op) && cv_is_default_domain(n);
}

static struct cv_value *in_act(struct cv *cv, const Onnx__NodeProto *n, size_t i)
{
	struct cv_value *v = i < n->n_input ? cv_find(cv, n->input[i]) : NULL;

	if (v && v->kind == CV_ACT && (v->a.xpad[0] | v->a.xpad[1] | v->a.xpad[2] | v->a.xpad[3]) &&
	    !is_op(n, "Conv") && !is_op(n, "AveragePool")) {
		cv_node_fail(cv, n, "input is zero-padded by a Pad node; only Conv and AveragePool "
			     "can absorb a Pad");
		return NULL;
	}
	if (!v || v->kind != CV_ACT) {
		cv_node_fail(cv, n, "input %zu (\"%s\") is %s", i, i < n->n_input ? n->input[i] : "",
			     !v ? "unknown (produced by an unsupported node?)" :
			     "not an activation");
		return NULL;
	}
	return v;
}

static size_t vidx(struct cv *cv, const struct cv_value *v)
{
	return (size_t)(v - cv->vals);
}

/* New activation value for output 0 of n, shaped like x (not pending). */
static struct cv_value *new_act(struct cv *cv, const Onnx__NodeProto *n, size_t src,
				uint32_t h, uint32_t w, uint32_t c)
{
	struct cv_value *o = cv_add(cv, n->output[0]);
	struct cv_act *x;

	if (!o) {
		cv_fail(cv, -ENOMEM, "out of memory");
		return NULL;
	}
	x = &cv->vals[src].a;
	o->kind = CV_ACT;
	o->a.h = h;
	o->a.w = w;
	o->a.rank = x->rank;
	o->a.dtype = x->dtype;
	o->a.enc = x->enc;
	o->a.bits = x->bits;
	if (act_init(cv, &o->a, c, 1, 0))
		return NULL;
	if (c == x->c) {
		memcpy(o->a.a, x->a, c * sizeof(double));
		memcpy(o->a.b, x->b, c * sizeof(double));
	}
	o->a.clamped = x->clamped;
	o->a.clamp_lo = x->clamp_lo;
	o->a.clamp_hi = x->clamp_hi;
	o->a.leaky = 0;
	o->a.nl = NULL;
	return o;
}

static int uniform(const double *v, uint32_t c)
{
	for (uint32_t i = 1; i < c; i++)
		if (fabs(v[i] - v[0]) > 1e-12 * fabs(v[0]))
			return 0;
	return 1;
}

static uint32_t out_size(uint32_t in, uint32_t k, uint32_t s, uint32_t pb, uint32_t pe, uint32_t d)
{
	int64_t span = (int64_t)d * (k - 1) + 1, v = (int64_t)in + pb + pe - span;

	return v < 0 ? 0 : (uint32_t)(v / s + 1);
}

/* kernel/stride/pads/dilations attributes of Conv and pools. */
static int geometry(struct cv *cv, const Onnx__NodeProto *n, const struct cv_act *x,
		    uint32_t kh, uint32_t kw, struct qnn_layer_desc *l, int is_pool, int *overhang)
{
	int64_t v[8];
	char buf[32];
	const char *ap = cv_attr_s(n, "auto_pad", "NOTSET", buf, sizeof(buf));
	int m;

	l->stride[0] = l->stride[1] = 1;
	l->dilation[0] = l->dilation[1] = 1;
	if (x->rank == 3) {	/* 1-D: the attributes are about W; H is 1 */
		if ((m = cv_attr_ints(n, "strides", v, 8)) == 1)
			l->stride[1] = (uint32_t)v[0];
		else if (m >= 0)
			return cv_node_fail(cv, n, "strides must have 1 entry (1-D)");
		if ((m = cv_attr_ints(n, "dilations", v, 8)) == 1)
			l->dilation[1] = (uint32_t)v[0];
		else if (m >= 0)
			return cv_node_fail(cv, n, "dilations must have 1 entry (1-D)");
		if (is_pool && l->dilation[1] != 1)
			return cv_node_fail(cv, n, "pooling with dilation is not supported");
		if ((m = cv_attr_ints(n, "pads", v, 8)) == 2) {
			if (v[0] < 0 || v[0] > 64 || v[1] < 0 || v[1] > 64)
				return cv_node_fail(cv, n, "bad pads");
			l->pad[1] = (uint32_t)v[0];
			l->pad[3] = (uint32_t)v[1];
		} else if (m >= 0) {
			return cv_node_fail(cv, n, "pads must have 2 entries (1-D)");
		}
		if (l->stride[1] < 1 || l->stride[1] > 64 || l->dilation[1] < 1 || l->dilation[1] > 64)
			return cv_node_fail(cv, n, "bad strides or dilations");
		goto auto_pad;
	}
	if ((m = cv_attr_ints(n, "strides", v, 8)) == 2) {
		l->stride[0] = (uint32_t)v[0];
		l->stride[1] = (uint32_t)v[1];
	}
	if ((m = cv_attr_ints(n, "dilations", v, 8)) == 2) {
		l->dilation[0] = (uint32_t)v[0];
		l->dilation[1] = (uint32_t)v[1];
	}
	if (is_pool && (l->dilation[0] != 1 || l->dilation[1] != 1))
		return cv_node_fail(cv, n, "pooling with dilation is not supported");
	if (l->stride[0] < 1 || l->stride[1] < 1 || l->stride[0] > 64 || l->stride[1] > 64 ||
	    l->dilation[0] < 1 || l->dilation[1] < 1 || l->dilation[0] > 64 || l->dilation[1] > 64)
		return cv_node_fail(cv, n, "bad strides or dilations");
	if ((m = cv_attr_ints(n, "pads", v, 8)) == 4) {
		for (int i = 0; i < 4; i++) {
			if (v[i] < 0 || v[i] > 64)
				return cv_node_fail(cv, n, "bad pads");
		}
		l->pad[0] = (uint32_t)v[0];	/* top */
		l->pad[1] = (uint32_t)v[1];	/* left */
		l->pad[2] = (uint32_t)v[2];	/* bottom */
		l->pad[3] = (uint32_t)v[3];	/* right */
	} else if (m >= 0 && m != 4) {
		return cv_node_fail(cv, n, "pads must have 4 entries (2-D only)");
	}
auto_pad:
	if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
		uint32_t in[2] = { x->h, x->w }, k[2] = { kh, kw };

		for (int i = 0; i < 2; i++) {
			uint32_t o = (in[i] + l->stride[i] - 1) / l->stride[i];
			int64_t tot = (int64_t)(o - 1) * l->stride[i] + (int64_t)l->dilation[i] * (k[i] - 1) + 1 - in[i];
			uint32_t t = tot > 0 ? (uint32_t)tot : 0;

			l->pad[i] = !strcmp(ap, "SAME_UPPER") ? t / 2 : t - t / 2;
			l->pad[i + 2] = t - l->pad[i];
		}
	} else if (!strcmp(ap, "VALID")) {
		memset(l->pad, 0, sizeof(l->pad));
	} else if (strcmp(ap, "NOTSET")) {
		return cv_node_fail(cv, n, "auto_pad \"%s\"", ap);
	}
	for (int i = 0; i < 4; i++)	/* a preceding Pad node */
		l->pad[i] += x->xpad[i];
	if (is_pool && cv_attr_i(n, "ceil_mode", 0)) {
		/*
		 * ceil_mode: extra bottom/right padding for the last window, which
		 * ONNX (and PyTorch) keep only if it starts inside the input or its
		 * begin padding. Max-pools never pick padded taps; an average pool
		 * would divide that window wrongly, so the caller refuses it.
		 */
		uint32_t in[2] = { x->h, x->w }, k[2] = { kh, kw };

		for (int i = 0; i < 2; i++) {
			int64_t span = (int64_t)in[i] + l->pad[i] + l->pad[i + 2] - k[i];
			int64_t s = l->stride[i], o = span < 0 ? 0 : (span + s - 1) / s + 1;

			if (o > 1 && (o - 1) * s >= (int64_t)in[i] + l->pad[i])
				o--;
			if (span >= 0 && (o - 1) * s > span) {
				l->pad[i + 2] += (uint32_t)((o - 1) * s - span);
				if (overhang)
					*overhang = 1;
			}
		}
	}
	return 0;
}

static int any_pad(const struct qnn_layer_desc *l)
{
	return l->pad[0] | l->pad[1] | l->pad[2] | l->pad[3];
}

/*
 * A float input whose tracked map has an offset ((x - mean) / std) feeding
 * a zero-padded conv: ONNX pads the normalised value with 0, which is the
 * raw value mean, not 0. The normalisation is then run, not folded: a 1x1
 * depthwise CONV2D with unit weights and the map as its F32 scale and bias
 * (float, as the framework computes it), so the conv pads real zeros.
 */
static int f32_normalise(struct cv *cv, const Onnx__NodeProto *n, struct cv_value *xv)
{
	struct qnn_layer_desc l = { 0 };
	struct cv_qweights qw;
	struct cv_act *x = &xv->a, in;
	uint32_t dims[4] = { 1, 1, 1, x->c };
	double *w = malloc(x->c * sizeof(double) + 1);
	float *s = malloc(x->c * sizeof(float) + 1), *b = malloc(x->c * sizeof(float) + 1);
	char name[300];
	int err = 0;

	if (!w || !s || !b) {
		free(w);
		free(s);
		free(b);
		return cv_fail(cv, -ENOMEM, "out of memory");
	}
	for (uint32_t c = 0; c < x->c; c++) {
		w[c] = 1;
		s[c] = (float)x->a[c];
		b[c] = (float)x->b[c];
	}
	err = cv_quantize_weights(cv, n, w, x->c, 1, 1, 1, &qw);
	if (!err) {
		l.weights = cv_emit_weights(cv, &qw);
		cv_qweights_free(&qw);
		l.scale = l.weights < 0 ? l.weights : cv_emit_const(cv, QNN_DT_F32, QNN_ENC_NONE, 0, dims, s);
		l.bias = l.scale < 0 ? l.scale : cv_emit_const(cv, QNN_DT_F32, QNN_ENC_NONE, 0, dims, b);
		err = l.bias < 0 ? l.bias : 0;
	}
	free(w);
	free(s);
	free(b);
	if (err)
		return err;
	snprintf(name, sizeof(name), "%.250s#normalised", xv->name);
	l.op = QNN_OP_CONV2D;
	l.name = name;
	l.groups = x->c;
	l.kernel[0] = l.kernel[1] = 1;
	l.stride[0] = l.stride[1] = 1;
	l.dilation[0] = l.dilation[1] = 1;
	l.inputs[0] = x->tensor;
	l.output = cv_emit_act_tensor(cv, name, QNN_DT_F32, QNN_ENC_NONE, 0, x->h, x->w, x->c);
	if (l.output < 0)
		return l.output;
	err = cv_emit_layer(cv, &l);
	if (err < 0)
		return err;
	in = *x;
	x->tensor = l.output;
	for (uint32_t c = 0; c < x->c; c++) {
		x->a[c] = 1;
		x->b[c] = 0;
	}
	verbose_layer(cv, &l, &in, x, NULL);
	return 0;
}

/* Conv / Gemm / MatMul: a pending linear layer on a quantized activation. */
static int lower_linear(struct cv *cv, const Onnx__NodeProto *n)
{
	struct cv_value *xv = in_act(cv, n, 0), *ov;
	const struct cv_const *W = cv_in_const(cv, n, 1), *B = NULL;
	int conv = is_op(n, "Conv"), gemm = is_op(n, "Gemm");
	struct cv_pending *p;
	struct cv_qweights qw;
	struct cv_act *x;
	uint32_t O, Cg, KH = 1, KW = 1, G = 1, oh = 1, ow = 1;
	double *w, alpha = 1, beta = 1, *sbo = NULL;
	size_t xi;
	int err, transB = 0, percs;

	if (!xv)
		return -ENOTSUP;
	x = &xv->a;
	xi = vidx(cv, xv);
	if (!W)
		return cv_node_fail(cv, n, "weights must be constant (after folding)");
	if (x->clamped || x->leaky)
		return cv_node_fail(cv, n, "input has a %s without a quantizer after it "
				    "(a float nonlinearity between layers is not supported)",
				    x->leaky ? "PRelu/LeakyRelu" : "Relu/Clip");
	if (x->pend || x->dtype == QNN_DT_I32) {
		/* another linear layer's sums (or an I32 sum) with no quantizer between:
		 * this layer runs on them as floats, exact for integers below 2^24 */
		err = act_to_f32(cv, xv);
		if (err)
			return cv_node_fail(cv, n, "%s", cv->err);
		xv = &cv->vals[xi];
		x = &xv->a;
	}
	if (conv && x->dtype == QNN_DT_F32 && !x->pend && x->xpadv == 0 &&
	    (W->ndim == 4 || W->ndim == 3)) {
		struct qnn_layer_desc g = { 0 };
		int offset = 0;

		for (uint32_t c = 0; c < x->c; c++)
			offset |= x->b[c] != 0;
		err = offset ? geometry(cv, n, x, W->ndim == 3 ? 1 : (uint32_t)W->dims[2],
					(uint32_t)W->dims[W->ndim - 1], &g, 0, NULL) : 0;
		if (err)
			return err;
		if (offset && any_pad(&g) && (err = f32_normalise(cv, n, xv)))
			return err;
		xv = &cv->vals[xi];
		x = &xv->a;
	}
	if (x->dtype == QNN_DT_F32 && !x->pend && !uniform(x->a, x->c) &&
	    cv_ioq_is_input(cv, x->tensor)) {
		/*
		 * A float graph input with per-channel scales ((x - mean)/std
		 * straight into a conv or dense layer): folded into binary
		 * weights they are no longer few-level integers, so the
		 * normalisation runs (a 1x1 F32 layer) and the layer multiplies
		 * the normalised floats, as the framework does.
		 */
		err = f32_normalise(cv, n, xv);
		if (err)
			return err;
		xv = &cv->vals[xi];
		x = &xv->a;
	}
	percs = !uniform(x->a, x->c);
	if (n->n_input > 2 && n->input[2][0]) {
		B = cv_in_const(cv, n, 2);
		if (!B)
			return cv_node_fail(cv, n, "bias must be constant");
		if (B->n != 1 && B->n != (size_t)(conv ? (W->ndim ? W->dims[0] : 0) :
			(W->ndim == 2 ? W->dims[cv_attr_i(n, "transB", 0) ? 0 : 1] : 0)))
			return cv_node_fail(cv, n, "bias has %zu values, not one per output", B->n);
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return cv_fail(cv, -ENOMEM, "out of memory");
	if (conv) {
		if (W->ndim != (x->rank == 3 ? 3 : 4)) {
			free(p);
			return cv_node_fail(cv, n, "%d-D weights on a rank-%d input (1-D and 2-D "
					    "convolutions are supported)", W->ndim, x->rank);
		}
		G = (uint32_t)cv_attr_i(n, "group", 1);
		O = (uint32_t)W->dims[0];
		Cg = (uint32_t)W->dims[1];
		/* 1-D: O x Cg x K is O x Cg x 1 x K, the signal 1 x L */
		KH = W->ndim == 3 ? 1 : (uint32_t)W->dims[2];
		KW = (uint32_t)W->dims[W->ndim - 1];
		if (!G || Cg * G != x->c || O % G) {
			free(p);
			return cv_node_fail(cv, n, "weights %ux%ux%ux%u, group %u do not fit %u input "
					    "channels", O, Cg, KH, KW, G, x->c);
		}
		err = geometry(cv, n, x, KH, KW, &p->l, 0, NULL);
		if (err) {
			free(p);
			return err;
		}
		oh = out_size(x->h, KH, p->l.stride[0], p->l.pad[0], p->l.pad[2], p->l.dilation[0]);
		ow = out_size(x->w, KW, p->l.stride[1], p->l.pad[1], p->l.pad[3], p->l.dilation[1]);
		if (!oh || !ow) {
			free(p);
			return cv_node_fail(cv, n, "output would be empty");
		}
		/* ONNX O x Cg x KH x KW -> qnn O x KH x KW x Cg */
		w = malloc(W->n * sizeof(double) + 1);
		if (!w) {
			free(p);
			return cv_fail(cv, -ENOMEM, "out of memory");
		}
		for (uint32_t o = 0; o < O; o++)
			for (uint32_t c = 0; c < Cg; c++)
				for (uint32_t i = 0; i < KH; i++)
					for (uint32_t j = 0; j < KW; j++)
						w[(((size_t)o * KH + i) * KW + j) * Cg + c] =
							W->v[(((size_t)o * Cg + c) * KH + i) * KW + j];
		p->l.op = QNN_OP_CONV2D;
		p->l.groups = G;
	} else {
		uint32_t K = x->h * x->w * x->c;

		if (gemm) {
			alpha = cv_attr_f(n, "alpha", 1.0);
			beta = cv_attr_f(n, "beta", 1.0);
			transB = (int)cv_attr_i(n, "transB", 0);
			if (!!cv_attr_i(n, "transA", 0) != x->batch_last) {
				free(p);
				return cv_node_fail(cv, n, x->batch_last ? "A is a transposed [K, N] "
						    "activation but transA=0" : "transA=1 on an activation "
						    "whose first axis is the batch (A' would mix images); "
						    "supported when A is a Transpose (perm 1,0) of one");
			}
		}
		if (W->ndim != 2) {
			free(p);
			return cv_node_fail(cv, n, "weights must be a 2-D matrix");
		}
		if (x->rank != 2) {
			free(p);
			return cv_node_fail(cv, n, "input is a rank-%d %ux%ux%u feature map (%s works on "
					    "its last axis); Flatten it first", x->rank, x->c, x->h,
					    x->w, n->op_type);
		}
		O = (uint32_t)(transB ? W->dims[0] : W->dims[1]);
		if ((uint32_t)(transB ? W->dims[1] : W->dims[0]) != K) {
			free(p);
			return cv_node_fail(cv, n, "weights have %lld inputs, the activation %u",
					    (long long)(transB ? W->dims[1] : W->dims[0]), K);
		}
		KH = x->h;
		KW = x->w;
		Cg = x->c;
		w = malloc(W->n * sizeof(double) + 1);
		if (!w) {
			free(p);
			return cv_fail(cv, -ENOMEM, "out of memory");
		}
		/* ONNX flattens NCHW (k = c*H*W + h*W + w); qnn weights are O x H x W x C */
		for (uint32_t o = 0; o < O; o++)
			for (uint32_t c = 0; c < Cg; c++)
				for (uint32_t i = 0; i < KH; i++)
					for (uint32_t j = 0; j < KW; j++) {
						/* NHWC-order flatten (flat 2) is qnn's own */
						size_t k = x->flat == 2 ?
							((size_t)i * KW + j) * Cg + c :
							((size_t)c * KH + i) * KW + j;
						size_t src = transB ? (size_t)o * K + k : k * O + o;

						w[(((size_t)o * KH + i) * KW + j) * Cg + c] =
							alpha * W->v[src];
					}
		p->l.op = QNN_OP_DENSE;
	}
	if (percs) {
		/*
		 * Per-channel input scales a[c]: folded into the weights,
		 * w' = w * a[c] / a[0], so the accumulator has the one scale a[0];
		 * exact as long as w' are still few-level integers times a scale.
		 * The offset term sum(w * b_in) is taken from the original w.
		 */
		sbo = calloc(O + 1, sizeof(double));
		if (!sbo || x->a[0] == 0) {
			free(w);
			free(p);
			free(sbo);
			return sbo ? cv_node_fail(cv, n, "input channel 0 has scale 0") :
				cv_fail(cv, -ENOMEM, "out of memory");
		}
		for (uint32_t o = 0; o < O; o++) {
			uint32_t g0 = conv ? (o / (O / G)) * Cg : 0;

			for (uint32_t i = 0; i < KH * KW; i++)
				for (uint32_t c = 0; c < Cg; c++) {
					double *wv = &w[((size_t)o * KH * KW + i) * Cg + c];

					sbo[o] += *wv * x->b[g0 + c];
					*wv *= x->a[g0 + c] / x->a[0];
				}
		}
	}
	err = cv_quantize_weights(cv, n, w, O, KH, KW, Cg, &qw);
	free(w);
	if (err) {
		if (percs) {
			char why[sizeof(cv->err)];

			snprintf(why, sizeof(why), "%s", cv->err);
			cv_fail(cv, err, "%s (the input's per-channel scales were folded into "
				"the weights)", why);
		}
		free(sbo);
		free(p);
		return err;
	}
	p->l.weights = cv_emit_weights(cv, &qw);
	if (p->l.weights < 0) {
		err = p->l.weights;
		cv_qweights_free(&qw);
		free(sbo);
		free(p);
		return err;
	}
	p->l.inputs[0] = x->tensor;
	p->node = strdup(cv_node_name(n));
	p->wbits = qw.bits;
	p->wenc = qw.enc;
	p->in_h = x->h;
	p->in_w = x->w;
	p->in_c = x->c;
	p->in_dtype = x->dtype;
	p->in_enc = x->enc;
	p->in_bits = x->bits;
	{
		double qmax = x->dtype == QNN_DT_BITS ? (x->enc == QNN_ENC_BIPOLAR ? 1 :
			ldexp(1, (int)x->bits)) : x->dtype == QNN_DT_F32 ? 1e30 : 255;

		p->acc_bound = (double)KH * KW * Cg * qw.maxabs * qmax;
	}
	if (any_pad(&p->l) && x->xpadv != 0) {
		/* a Pad with the +1 level of a bipolar input: qnn's own padding */
		if (any_pad(&p->l) && (p->l.pad[0] != x->xpad[0] || p->l.pad[1] != x->xpad[1] ||
				       p->l.pad[2] != x->xpad[2] || p->l.pad[3] != x->xpad[3])) {
			cv_qweights_free(&qw);
			free(sbo);
			free(p->node);
			free(p);
			return cv_node_fail(cv, n, "the conv's own zero padding after a Pad with "
					    "value %g", x->xpadv);
		}
	} else if (any_pad(&p->l)) {
		int bip = x->dtype == QNN_DT_BITS &&
			  (x->enc == QNN_ENC_BIPOLAR || x->enc == QNN_ENC_BIPOLAR_BRANCHES);

		for (uint32_t c = 0; c < x->c; c++)
			if (x->b[c] != 0) {
				cv_qweights_free(&qw);
				free(sbo);
				free(p->node);
				free(p);
				return cv_node_fail(cv, n, "zero padding of an input whose zero is not "
						    "code 0 (offset %g) is not supported", x->b[c]);
			}
		if (bip)
			p->l.flags |= QNN_LAYER_ZERO_PAD;
	}
	ov = cv_add(cv, n->output[0]);
	if (!ov || !p->node) {
		cv_qweights_free(&qw);
		free(sbo);
		free(p);
		return cv_fail(cv, -ENOMEM, "out of memory");
	}
	xv = &cv->vals[xi];
	x = &xv->a;
	ov->kind = CV_ACT;
	ov->a.pend = p;
	ov->a.h = oh;
	ov->a.w = ow;
	ov->a.rank = conv ? (x->rank == 3 ? 3 : 4) : 2;
	ov->a.dtype = QNN_DT_I32;
	if (act_init(cv, &ov->a, O, 1, 0)) {
		cv_qweights_free(&qw);
		free(sbo);
		return -ENOMEM;
	}
	/* real = a_in * scale[o] * acc + scale[o] * sum(w * b_in) + bias[o] */
	for (uint32_t o = 0; o < O; o++) {
		double sb = 0;
		uint32_t g0 = conv ? (o / (O / G)) * Cg : 0;

		for (uint32_t i = 0; i < KH * KW; i++)
			for (uint32_t c = 0; c < Cg; c++)
				sb += qw.q[((size_t)o * KH * KW + i) * Cg + c] * x->b[g0 + c];
		ov->a.a[o] = x->a[0] * qw.scale[o];
		ov->a.b[o] = sbo ? sbo[o] : qw.scale[o] * sb;
		if (B)
			ov->a.b[o] += (gemm ? beta : 1.0) * B->v[B->n == 1 ? 0 : o];
	}
	free(sbo);
	if (B && B->n != 1 && B->n != O) {
		cv_qweights_free(&qw);
		return cv_node_fail(cv, n, "bias has %zu values for %u outputs", B->n, O);
	}
	cv_qweights_free(&qw);
	return 0;
}

static int lower_batchnorm(struct cv *cv, const Onnx__NodeProto *n)
{
	struct cv_value *xv = in_act(cv, n, 0);
	const struct cv_const *g = cv_in_const(cv, n, 1), *bb = cv_in_const(cv, n, 2);
	const struct cv_const *m = cv_in_const(cv, n, 3), *var = cv_in_const(cv, n, 4);
	double eps = cv_attr_f(n, "epsilon", 1e-5), *k, *c;
	uint32_t C;
	int err;

	if (!xv)
		return -ENOTSUP;
	if (!g || !bb || !m || !var)
		return cv_node_fail(cv, n, "scale, bias, mean and variance must be constants");
	if ((n->n_output > 1 && n->output[1][0]) || cv_attr_i(n, "training_mode", 0))
		return cv_node_fail(cv, n, "training-mode batch-norm");
	if (!cv_attr_i(n, "spatial", 1))
		return cv_node_fail(cv, n, "spatial=0 (per-position statistics, opset < 9)");
	C = xv->a.c;
	if (g->n != C || bb->n != C || m->n != C || var->n != C)
		return cv_node_fail(cv, n, "parameters do not have %u channels", C);
	if (xv->a.dtype == QNN_DT_F32 && !xv->a.pend)
		return cv_node_fail(cv, n, "batch-norm on a float activation is not supported");
	err = act_forward(cv, xv, n->output[0]);
	if (err)
		return err;
	k = malloc(2 * C * sizeof(double));
	if (!k)
		return cv_fail(cv, -ENOMEM, "out of memory");
	c = k + C;
	for (uint32_t i = 0; i < C; i++) {
		/* y = g*(x-m)/sqrt(v+eps) + b, in the float32 terms the exporter stored */
		k[i] = g->v[i] / sqrt(var->v[i] + (double)(float)eps);
		c[i] = bb->v[i] - m->v[i] * k[i];
	}
	xv = cv_find(cv, n->output[0]);
	if (xv->a.clamped) {
		free(k);
		return cv_node_fail(cv, n, "batch-norm after a Relu/Clip is not supported");
	}
	act_affine(&xv->a, k, C, c, C);
	free(k);
	return 0;
}

/* Mul/Div/Add/Sub with one constant operand: an affine map on the value. */
static int lower_arith(struct cv *cv, const Onnx__NodeProto *n)
{
	struct cv_value *v0 = cv_find(cv, n->input[0]), *v1 = cv_find(cv, n->input[1]), *xv;
	const struct cv_const *k;
	int kfirst, mul = is_op(n, "Mul"), div = is_op(n, "Div"), sub = is_op(n, "Sub");
	size_t cnt = 1;
	double *kv;
	int err;

	if (!v0 || !v1)
		return cv_node_fail(cv, n, "unknown input");
	kfirst = v0->kind == CV_CONST;
	xv = kfirst ? v1 : v0;
	k = kfirst ? &v0->k : &v1->k;
	if (k->bdep)
		return cv_node_fail(cv, n, "the constant depends on the batch size (Shape of an "
				    "activation): qnn runs one image at a time");
	if (xv->kind != CV_ACT || (kfirst ? v1 : v0)->kind == CV_CONST)
		return cv_node_fail(cv, n, "operands unsupported");
	if (div && kfirst)
		return cv_node_fail(cv, n, "division by an activation");
	err = cv_chan_operand(cv, n, k, &xv->a, "constant operand", &cnt);
	if (err)
		return err;
	if ((mul || div) && xv->a.clamped && cnt > 1)
		return cv_node_fail(cv, n, "per-channel scaling after Relu/Clip");
	kv = malloc(cnt * sizeof(double));
	if (!kv)
		return cv_fail(cv, -ENOMEM, "out of memory");
	for (size_t i = 0; i < cnt; i++) {
		if (div && k->v[i] == 0) {
			free(kv);
			return cv_node_fail(cv, n, "division by zero");
		}
		kv[i] = div ? 1.0 / k->v[i] : k->v[i];
	}
	err = act_forward(cv, xv, n->output[0]);
	if (err) {
		free(kv);
		return err;
	}
	xv = cv_find(cv, n->output[0]);
	if (mul || div) {
		act_affine(&xv->a, kv, cnt, NULL, 0);
	} else if (sub && kfirst) {	/* k - x */
		double m1 = -1;

		act_affine(&xv->a, &m1, 1, kv, cnt);
	} else {
		if (sub)
			for (size_t i = 0; i < cnt; i++)
				kv[i] = -kv[i];
		if (xv->a.clamped && cnt > 1) {
			free(kv);
			return cv_node_fail(cv, n, "per-channel offset after Relu/Clip");
		}
		act_affine(&xv->a, NULL, 0, kv, cnt);
	}
	free(kv);
	return 0;
}

/* Residual Add of two activations: element values added in I32. */
static int lower_add2(struct cv *cv, const Onnx__NodeProto *n)
{
	struct cv_value *u = in_act(cv, n, 0), *v;
	size_t ui, vi;
	struct qnn_layer_desc l = { 0 };
	struct cv_value *o;
	enum qnn_dtype dt;
	int err;

	if (!u)
		return -ENOTSUP;
	ui = vidx(cv, u);
	v = in_act(cv, n, 1);
	if (!v)
		return -ENOTSUP;
	vi = vidx(cv, v);
	for (int i = 0; i < 2; i++) {
		struct cv_value *x = &cv->vals[i ? vi : ui];

		err = !x->a.pend ? 0 : x->a.pend->in_dtype == QNN_DT_F32 ?
			act_materialize_raw_f32(cv, x) : act_materialize(cv, x, QNN_DT_I32);
		if (err)
			return cv_node_fail(cv, n, "%s", cv->err);
	}
	u = &cv->vals[ui];
	v = &cv->vals[vi];
	if (u->a.h != v->a.h || u->a.w != v->a.w || u->a.c != v->a.c || u->a.flat != v->a.flat ||
	    u->a.rank != v->a.rank || u->a.nhwc != v->a.nhwc)
		return cv_node_fail(cv, n, "operands have different shapes (broadcasting residuals "
				    "is not supported)");
	if (u->a.clamped || v->a.clamped || u->a.leaky || v->a.leaky)
		return cv_node_fail(cv, n, "operand with a Relu/Clip/PRelu not followed by a quantizer");
	{
		int same = (u->a.dtype == QNN_DT_F32) == (v->a.dtype == QNN_DT_F32);

		for (uint32_t c = 0; same && c < u->a.c; c++)
			same = fabs(u->a.a[c] - v->a.a[c]) <= 1e-9 * fabs(u->a.a[c]);
		if (!same) {
			/* different scales: add the real values, in float */
			if ((err = act_real_f32(cv, &cv->vals[ui])) ||
			    (err = act_real_f32(cv, &cv->vals[vi])))
				return cv_node_fail(cv, n, "%s", cv->err);
			u = &cv->vals[ui];
			v = &cv->vals[vi];
		}
	}
	dt = u->a.dtype == QNN_DT_F32 || v->a.dtype == QNN_DT_F32 ? QNN_DT_F32 : QNN_DT_I32;
	o = new_act(cv, n, ui, u->a.h, u->a.w, u->a.c);
	if (!o)
		return -ENOMEM;
	u = &cv->vals[ui];
	v = &cv->vals[vi];
	for (uint32_t c = 0; c < o->a.c; c++)
		o->a.b[c] = u->a.b[c] + v->a.b[c];
	o->a.dtype = dt;
	o->a.enc = QNN_ENC_NONE;
	o->a.bits = 0;
	o->a.flat = u->a.flat;
	l.op = QNN_OP_ADD;
	l.name = cv_node_name(n);
	l.inputs[0] = u->a.tensor;
	l.inputs[1] = v->a.tensor;
	l.output = cv_emit_act_tensor(cv, n->output[0], dt, QNN_ENC_NONE, 0, o->a.h, o->a.w, o->a.c);
	if (l.output < 0)
		return l.output;
	o = cv_find(cv, n->output[0]);
	o->a.tensor = l.output;
	err = cv_emit_layer(cv, &l);
	if (err < 0)
		return err;
	verbose_layer(cv, &l, &cv->vals[ui].a, &o->a, NULL);
	return 0;
}

/* Sign, Quant, BipolarQuant, MultiThreshold, Trunc, QuantizeLinear. */
/*
 * A uniform 8-bit quantizer with zero point 0 straight on a float input
 * (real = x exactly): libqnn's QUANTIZE op computes the same
 * clamp(round_half_even(x / s)) in float32 as the graph does, into I8/U8
 * codes whose zero is 0 (so a signed input can be zero-padded).
 */
static int lower_quantize_op(struct cv *cv, const Onnx__NodeProto *n, const struct cv_qfn *f,
			     size_t xi)
{
	struct cv_act *x = &cv->vals[xi].a, in = *x;
	struct qnn_layer_desc l = { 0 };
	uint32_t dims[4] = { 1, 1, 1, (uint32_t)f->noab };
	enum qnn_dtype dt = f->ulo < 0 ? QNN_DT_I8 : QNN_DT_U8;
	struct cv_value *o;
	float *s = malloc(f->noab * sizeof(float) + 1);
	int err;

	if (!s)
		return cv_fail(cv, -ENOMEM, "out of memory");
	for (size_t i = 0; i < f->noab; i++)
		s[i] = (float)f->us[i];
	l.op = QNN_OP_QUANTIZE;
	l.name = cv_node_name(n);
	l.inputs[0] = x->tensor;
	l.scale = cv_emit_const(cv, QNN_DT_F32, QNN_ENC_NONE, 0, dims, s);
	free(s);
	if (l.scale < 0)
		return l.scale;
	o = new_act(cv, n, xi, x->h, x->w, x->c);
	if (!o)
		return -ENOMEM;
	o->a.dtype = dt;
	o->a.enc = QNN_ENC_NONE;
	o->a.bits = 0;
	o->a.flat = cv->vals[xi].a.flat;
	o->a.nhwc = cv->vals[xi].a.nhwc;
	o->a.clamped = 0;
	for (uint32_t c = 0; c < o->a.c; c++) {
		o->a.a[c] = f->oa[f->noab > 1 ? c : 0];
		o->a.b[c] = f->ob[f->noab > 1 ? c : 0] - f->ulo * o->a.a[c];
	}
	l.output = cv_emit_act_tensor(cv, n->output[0], dt, QNN_ENC_NONE, 0, o->a.h, o->a.w, o->a.c);
	if (l.output < 0)
		return l.output;
	o = cv_find(cv, n->output[0]);
	o->a.tensor = l.output;
	err = cv_emit_layer(cv, &l);
	if (err < 0)
		return err;
	err = cv_qout_add(cv, l.output, f, 0);	/* the stored I8/U8 value is q */
	if (err)
		return err;
	verbose_layer(cv, &l, &in, &o->a, NULL);
	return 0;
}

static int lower_quantizer(struct cv *cv, const Onnx__NodeProto *n, struct cv_qfn *f)
{
	struct cv_value *xv = in_act(cv, n, 0), *o;
	struct cv_act *x, in;
	struct qnn_layer_desc l = { 0 }, *lp = &l;
	struct cv_pending *p;
	unsigned int bits;
	size_t xi;
	int th, neg, err;

	if (!xv)
		return -ENOTSUP;
	xi = vidx(cv, xv);
	x = &xv->a;
	err = cv_ioq_input(cv, f, x);	/* a float graph input's first quantizer */
	if (err)
		return err;
	if (x->dtype == QNN_DT_F32 && !x->pend && !x->clamped && !x->leaky && f->uniform &&
	    ((f->ulo == -128 && f->uhi == 127) || (f->ulo == 0 && f->uhi == 255))) {
		int plain = 1;

		for (uint32_t c = 0; c < x->c; c++)
			plain &= x->a[c] == 1 && x->b[c] == 0;
		if (plain)
			return lower_quantize_op(cv, n, f, xi);
	}
	if (x->pend && x->pend->in_dtype == QNN_DT_F32) {
		/* a float conv: its raw F32 sums, then a float THRESHOLD */
		int clamped = xv->a.clamped, leaky = xv->a.leaky;

		xv->a.clamped = 0;
		xv->a.leaky = 0;
		err = act_materialize_raw_f32(cv, xv);
		xv = &cv->vals[xi];
		xv->a.clamped = clamped;
		xv->a.leaky = leaky;
		x = &xv->a;
		if (err)
			return err;
	}
	if (x->leaky)
		for (uint32_t c = 0; c < x->c; c++)
			if (!(x->nl[x->c + c] > 0))
				return cv_node_fail(cv, n, "a scale of %g after the PRelu/LeakyRelu "
						    "(channel %u): only positive ones fold",
						    x->nl[x->c + c], c);
	if (x->pend && xv->uses > 1) {
		/* the accumulator has other consumers: emit it once as I32 */
		int clamped = xv->a.clamped, leaky = xv->a.leaky;

		xv->a.clamped = 0;
		xv->a.leaky = 0;
		err = act_materialize(cv, xv, QNN_DT_I32);
		xv = &cv->vals[xi];
		xv->a.clamped = clamped;
		xv->a.leaky = leaky;
		x = &xv->a;
		if (err)
			return err;
	}
	if (!x->pend && x->dtype != QNN_DT_I32 && x->dtype != QNN_DT_F32) {
		/* re-quantizing bits or bytes: their values as floats, then thresholds */
		int leaky = xv->a.leaky;

		xv->a.leaky = 0;
		err = act_to_f32(cv, xv);
		cv->vals[xi].a.leaky = leaky;
		xv = &cv->vals[xi];
		x = &xv->a;
		if (err)
			return err;
	}
	if (f->bipolar)
		bits = 1;
	else
		for (bits = 1; ((size_t)1 << bits) - 1 < f->nt; bits++)
			;
	if (bits > 8)
		return cv_node_fail(cv, n, "%zu levels need more than 8 bits", f->nt + 1);
	err = x->dtype == QNN_DT_F32 && !x->pend ? act_thresholds_f32(cv, f, x, bits, &th, &neg) :
		act_thresholds(cv, f, x, bits, &th, &neg);
	if (err)
		return err;
	xv = &cv->vals[xi];
	x = &xv->a;
	in = *x;
	p = x->pend;
	if (p) {
		lp = &p->l;
		in.h = p->in_h;
		in.w = p->in_w;
		in.c = p->in_c;
		in.dtype = p->in_dtype;
		in.enc = p->in_enc;
		in.bits = p->in_bits;
	} else {
		l.op = QNN_OP_THRESHOLD;
		l.inputs[0] = x->tensor;
	}
	lp->name = p ? p->node : cv_node_name(n);
	lp->thresholds = th;
	lp->negate = neg;
	o = new_act(cv, n, xi, x->h, x->w, x->c);
	if (!o)
		return -ENOMEM;
	xv = &cv->vals[xi];
	o->a.dtype = QNN_DT_BITS;
	o->a.enc = f->bipolar ? QNN_ENC_BIPOLAR : QNN_ENC_UNSIGNED;
	o->a.bits = bits;
	o->a.flat = xv->a.flat;
	o->a.clamped = 0;
	o->a.clamp_lo = -INFINITY;
	o->a.clamp_hi = INFINITY;
	for (uint32_t c = 0; c < o->a.c; c++) {
		o->a.a[c] = f->oa[f->noab > 1 ? c : 0];
		o->a.b[c] = f->ob[f->noab > 1 ? c : 0];
	}
	lp->output = cv_emit_act_tensor(cv, n->output[0], QNN_DT_BITS, o->a.enc, bits,
					o->a.h, o->a.w, o->a.c);
	if (lp->output < 0)
		return lp->output;
	err = cv_emit_layer(cv, lp);
	if (err < 0)
		return err;
	err = cv_qout_add(cv, lp->output, f, f->qlo);	/* code 0 is the graph's qlo */
	if (err)
		return err;
	o = cv_find(cv, n->output[0]);
	o->a.tensor = lp->output;
	verbose_layer(cv, lp, &in, &o->a, p);
	if (p) {
		free(p->node);
		free(p);
		cv->vals[xi].a.pend = NULL;
		cv->vals[xi].kind = CV_NONE;	/* its accumulator was never emitted */
	}
	return 0;
}

static int lower_pool_kind(struct cv *cv, const Onnx__NodeProto *n, int maxp, int glob);

static int lower_pool(struct cv *cv, const Onnx__NodeProto *n)
{
	int gmax = is_op(n, "GlobalMaxPool");

	return lower_pool_kind(cv, n, is_op(n, "MaxPool") || gmax,
			       is_op(n, "GlobalAveragePool") || gmax);
}

/* maxp: max (else average); glob: over all of H x W (global pool, ReduceMean/Max) */
/*
 * AVG_VALID (docs/model-format.md): the lcm, over an axis' n windows, of
 * each window's taps inside the input; libqnn computes the same.
 */
static uint64_t axis_lcm(uint32_t n, uint32_t s, uint32_t k, uint32_t p0, uint32_t in)
{
	uint64_t l = 1;

	for (uint32_t i = 0; i < n && l <= INT32_MAX; i++) {
		uint64_t t = 0, a, b;

		for (uint32_t j = 0; j < k; j++)
			t += (uint64_t)i * s + j >= p0 && (uint64_t)i * s + j < (uint64_t)p0 + in;
		for (a = l, b = t; b;) {
			uint64_t r = a % b;

			a = b;
			b = r;
		}
		l = l / a * t;
	}
	return l;
}

static int lower_pool_kind(struct cv *cv, const Onnx__NodeProto *n, int maxp, int glob)
{
	struct cv_value *xv = in_act(cv, n, 0), *o;
	int overhang = 0, valid = 0;
	double lyx = 1;	/* AVG_VALID: the common divisor Ly * Lx */
	struct qnn_layer_desc l = { 0 };
	int64_t ks[8];
	uint32_t kh, kw, oh, ow;
	size_t xi;
	int err;

	if (!xv)
		return -ENOTSUP;
	xi = vidx(cv, xv);
	if ((!maxp && xv->a.clamped) || xv->a.leaky)
		return cv_node_fail(cv, n, "pool after Relu/Clip/PRelu without a quantizer");
	if (xv->a.pend) {
		/* max-pool commutes with a (monotone) clamp: it stays pending */
		int clamped = xv->a.clamped;

		xv->a.clamped = 0;
		err = xv->a.pend->in_dtype == QNN_DT_F32 ? act_materialize_raw_f32(cv, xv) :
			act_materialize(cv, xv, QNN_DT_I32);
		xv = &cv->vals[xi];
		xv->a.clamped = clamped;
		if (err)
			return err;
	}
	if (xv->a.flat)
		return cv_node_fail(cv, n, "pooling a flattened tensor");
	if (glob) {
		kh = xv->a.h;
		kw = xv->a.w;
	} else {
		if (cv_attr_ints(n, "kernel_shape", ks, 8) != (xv->a.rank == 3 ? 1 : 2))
			return cv_node_fail(cv, n, "kernel_shape must be %s", xv->a.rank == 3 ? "1-D" :
					    "2-D");
		kh = xv->a.rank == 3 ? 1 : (uint32_t)ks[0];
		kw = (uint32_t)ks[xv->a.rank == 3 ? 0 : 1];
		if (!kh || !kw || kh > 64 || kw > 64)
			return cv_node_fail(cv, n, "bad kernel_shape");
		err = geometry(cv, n, &xv->a, kh, kw, &l, 1, &overhang);
		if (err)
			return err;
	}
	if (maxp) {
		if (n->n_output > 1 && n->output[1][0])
			return cv_node_fail(cv, n, "the Indices output is not supported");
		for (uint32_t c = 0; c < xv->a.c; c++)
			if (xv->a.a[c] < 0)
				return cv_node_fail(cv, n, "channel %u has a negative scale before "
						    "max-pool (max would become min)", c);

	} else if (!glob) {
		int attr_pad = 0, xpad = 0, inc = (int)cv_attr_i(n, "count_include_pad", 0);

		for (int i = 0; i < 4; i++) {
			attr_pad |= l.pad[i] != xv->a.xpad[i];
			xpad |= xv->a.xpad[i] != 0;
		}
		if (overhang || (attr_pad && !inc)) {
			/* the divisor varies: the taps inside the input (AVG_VALID) */
			if (xpad && overhang)	/* PyTorch's count_include_pad=True */
				return cv_node_fail(cv, n, "ceil_mode with padding and count_include_pad=1 "
						    "(exported as a Pad node before the AveragePool): the last "
						    "window's divisor counts the padding but not the overhang; "
						    "hint: count_include_pad=False, or no ceil_mode");
			if (xpad)
				return cv_node_fail(cv, n, "a Pad node before an AveragePool whose divisor "
						    "varies (count_include_pad=0 with pads): the Pad's zeros "
						    "would count, qnn's padding does not; hint: put the padding "
						    "into the AveragePool's pads");
			if (inc && attr_pad)
				return cv_node_fail(cv, n, "ceil_mode with padding and count_include_pad=1 "
						    "(the last window's divisor counts the padding but not the "
						    "overhang); hint: count_include_pad=0 or no ceil_mode");
			valid = 1;
		} else if (any_pad(&l)) {
			if (xv->a.xpadv != 0)
				return cv_node_fail(cv, n, "average pool after a Pad with value %g",
						    xv->a.xpadv);
			for (uint32_t c = 0; c < xv->a.c; c++)
				if (xv->a.b[c] != 0)
					return cv_node_fail(cv, n, "padding of a value with offset");
		}
		if (xv->a.clamped)
			return cv_node_fail(cv, n, "average pool after Relu/Clip without a quantizer");
	}
	oh = glob ? 1 : out_size(xv->a.h, kh, l.stride[0], l.pad[0], l.pad[2], 1);
	ow = glob ? 1 : out_size(xv->a.w, kw, l.stride[1], l.pad[1], l.pad[3], 1);
	if (!oh || !ow)
		return cv_node_fail(cv, n, "output would be empty");
	o = new_act(cv, n, xi, oh, ow, cv->vals[xi].a.c);
	if (!o)
		return -ENOMEM;
	xv = &cv->vals[xi];
	if (maxp) {
		l.op = QNN_OP_MAXPOOL;
		l.kernel[0] = kh;
		l.kernel[1] = kw;
		if (glob)
			l.stride[0] = l.stride[1] = 1;
	} else {
		/* integer inputs: exact I32 window sums, the 1/(KH*KW) joins the scale */
		l.op = glob ? QNN_OP_GLOBAL_AVGPOOL : QNN_OP_AVGPOOL;
		if (!glob) {
			l.kernel[0] = kh;
			l.kernel[1] = kw;
		} else {
			memset(l.stride, 0, sizeof(l.stride));
		}
		o->a.dtype = xv->a.dtype == QNN_DT_F32 ? QNN_DT_F32 : QNN_DT_I32;
		o->a.enc = QNN_ENC_NONE;
		o->a.bits = 0;
		if (valid) {
			double bound = xv->a.dtype == QNN_DT_BITS ? (double)(1u << xv->a.bits) :
				       xv->a.dtype == QNN_DT_I32 ? xv->a.acc_bound : 256;

			l.flags |= QNN_LAYER_AVG_VALID;
			lyx = (double)axis_lcm(oh, l.stride[0], kh, l.pad[0], xv->a.h) *
			      (double)axis_lcm(ow, l.stride[1], kw, l.pad[1], xv->a.w);
			if (o->a.dtype == QNN_DT_I32 && (bound <= 0 || bound * lyx > 2147483647.0))
				return cv_node_fail(cv, n, "the exact sums of this AveragePool (scaled to a "
						    "common divisor %.0f) could exceed 32 bits", lyx);
			if (o->a.dtype == QNN_DT_I32)
				o->a.acc_bound = bound * lyx;
		}
		if (o->a.dtype == QNN_DT_I32)
			for (uint32_t c = 0; c < o->a.c; c++)
				o->a.a[c] /= valid ? lyx : (double)kh * kw;
	}
	l.dilation[0] = l.dilation[1] = 0;
	l.name = cv_node_name(n);
	l.inputs[0] = xv->a.tensor;
	l.output = cv_emit_act_tensor(cv, n->output[0], o->a.dtype, o->a.enc, o->a.bits, oh, ow,
				      o->a.c);
	if (l.output < 0)
		return l.output;
	o = cv_find(cv, n->output[0]);
	o->a.tensor = l.output;
	err = cv_emit_layer(cv, &l);
	if (err < 0)
		return err;
	verbose_layer(cv, &l, &cv->vals[xi].a, &o->a, NULL);
	return 0;
}

/* ONNX dims of one image of x (N = 1) as the converter tracks it. */
static int act_dims(const struct cv_act *x, int64_t *d)
{
	d[0] = 1;
	if (x->rank == 2) {
		d[1] = (int64_t)x->c * x->h * x->w;
		return 2;
	}
	if (x->rank == 3) {	/* N x C x L, stored 1 x L x C */
		d[1] = x->c;
		d[2] = (int64_t)x->h * x->w;
		return 3;
	}
	d[1] = x->nhwc ? x->h : x->c;
	d[2] = x->nhwc ? x->w : x->h;
	d[3] = x->nhwc ? x->c : x->w;
	return 4;
}

/*
 * The value's new ONNX shape d (rank nd, N = 1) after a shape op. qnn
 * stores every activation H x W x C; the op is accepted when that storage
 * does not change: [1, K] (flattened in the value's order), or a rank-4
 * shape read as NCHW or NHWC whose non-unit dims, in storage order, are the
 * ones the value has now. lab[] names each new axis (0 N, 1 C, 2 H, 3 W; -1
 * unknown, e.g. after a Reshape).
 */
static int set_shape(struct cv *cv, const Onnx__NodeProto *n, struct cv_act *x, int nd,
		     const int64_t *d)
{
	size_t K = (size_t)x->c * x->h * x->w;
	int64_t old[3] = { x->h, x->w, x->c }, o[3];
	int no = 0;

	if (nd < 1 || d[0] != 1)
		return cv_node_fail(cv, n, "the result does not keep the batch as its first axis");
	if (nd == 2 && (size_t)d[1] == K) {
		if (x->rank == 4 || x->rank == 3)
			x->flat = x->h * x->w == 1 || x->c == 1 ? 0 : x->nhwc ? 2 : 1;
		x->rank = 2;
		x->nhwc = 0;
		return 0;
	}
	for (int i = 0; i < 3; i++)
		if (old[i] != 1)
			o[no++] = old[i];
	if (nd == 3 && !x->flat && !x->nhwc && (x->h == 1 || x->w == 1) &&
	    (d[1] == x->c || x->h * x->w == 1) && (size_t)(d[1] * d[2]) == K) {
		/* N x C x L (a 1-D signal): [N, C, 1, L] squeezed, or the same */
		x->w = (uint32_t)d[2];
		x->h = 1;
		x->c = (uint32_t)d[1];
		x->rank = 3;
		return 0;
	}
	if (nd == 4 && (!x->flat || x->rank == 4)) {
		for (int nh = 0; nh < 2; nh++) {	/* read as NCHW, then as NHWC */
			int64_t h = nh ? d[1] : d[2], w = nh ? d[2] : d[3], c = nh ? d[3] : d[1];
			int64_t nw[3] = { h, w, c }, m[3];
			int nm = 0, same;

			for (int i = 0; i < 3; i++)
				if (nw[i] != 1)
					m[nm++] = nw[i];
			same = nm == no;
			for (int i = 0; same && i < nm; i++)
				same = m[i] == o[i];
			/* the channels must stay the channels unless they are all there is */
			if (!same || (c != x->c && x->h * x->w != 1))
				continue;
			x->h = (uint32_t)h;
			x->w = (uint32_t)w;
			x->c = (uint32_t)c;
			x->rank = 4;
			x->nhwc = nh;
			x->flat = 0;
			return 0;
		}
	}
	return cv_node_fail(cv, n, "a %s that moves data or changes the layout (to rank %d) is "
			    "not supported; qnn keeps activations NHWC and only removes layout "
			    "no-ops", n->op_type, nd);
}

/*
 * A rank-4 Transpose by perm (new dims d). The storage H x W x C stays when
 * the channels land on axis 1 (NCHW) or 3 (NHWC) and H stays before W on
 * the other two axes (or one of them is 1). Axes are followed by identity,
 * not by size: swapping a 4x4 map's H and W moves data.
 */
static int transpose_to(struct cv *cv, const Onnx__NodeProto *n, struct cv_act *x,
			const int64_t *perm, const int64_t *d)
{
	/* old axis -> 'C', 'H', 'W' */
	const char *lab = x->nhwc ? "NHWC" : "NCHW";
	char nl[4];
	int cpos = -1, sp[2], ns = 0;

	for (int i = 0; i < 4; i++) {
		nl[i] = lab[perm[i]];
		if (nl[i] == 'C')
			cpos = i;
		else if (i)
			sp[ns++] = i;
	}
	if (nl[0] != 'N' || cpos < 1 || ns != 2 || (cpos == 2 && x->c * x->h * x->w > 1) ||
	    (nl[sp[0]] == 'W' && x->h != 1 && x->w != 1))
		return cv_node_fail(cv, n, "Transpose that moves data (only NCHW <-> NHWC and "
				    "moves of unit axes are layout no-ops for qnn)");
	x->h = (uint32_t)d[sp[0]];
	x->w = (uint32_t)d[sp[1]];
	x->nhwc = cpos == 3;
	return 0;
}

/* Flatten / Reshape / Transpose / Squeeze / Unsqueeze that do not move data. */
/* Is every reader of name a Gemm with transA=1 taking it as A? */
static int only_gemm_transA(struct cv *cv, const char *name)
{
	int users = 0;

	for (size_t i = 0; i < cv->g->n_output; i++)
		if (!strcmp(cv->g->output[i]->name, name))
			return 0;
	for (size_t i = 0; i < cv->g->n_node; i++) {
		const Onnx__NodeProto *n = cv->g->node[i];

		for (size_t j = 0; j < n->n_input; j++) {
			if (strcmp(n->input[j], name))
				continue;
			if (!is_op(n, "Gemm") || j != 0 || !cv_attr_i(n, "transA", 0))
				return 0;
			users++;
		}
	}
	return users > 0;
}

static int lower_shape(struct cv *cv, const Onnx__NodeProto *n)
{
	struct cv_value *xv = in_act(cv, n, 0);
	int64_t in[4], d[CV_MAXDIM];
	int err, nin, nd = -1;

	if (!xv)
		return -ENOTSUP;
	nin = act_dims(&xv->a, in);
	if (is_op(n, "Flatten")) {
		int64_t axis = cv_attr_i(n, "axis", 1);

		if (axis < 0)
			axis += nin;
		if (axis != 1)
			return cv_node_fail(cv, n, "axis %lld (only 1: keep the batch)", (long long)axis);
		nd = 2;
		d[0] = 1;
		d[1] = (int64_t)xv->a.c * xv->a.h * xv->a.w;
	} else if (is_op(n, "Reshape")) {
		const struct cv_const *s = cv_in_const_any(cv, n, 1);

		if (!s)
			return cv_node_fail(cv, n, "target shape must be constant (or computed from "
					    "Shape with Gather/Slice/Concat/Unsqueeze/arithmetic)");
		for (size_t i = 1; s->bdep && i < s->n; i++)
			if (s->bdep[i])
				return cv_node_fail(cv, n, "target dimension %zu depends on the batch "
						    "size", i);
		for (size_t i = 0; cv_attr_i(n, "allowzero", 0) && i < s->n; i++)
			if (s->v[i] == 0)
				return cv_node_fail(cv, n, "allowzero = 1 makes the target's 0 at "
						    "index %zu an empty dimension; export with "
						    "allowzero = 0 (a 0 copies the input's dimension)", i);
		nd = cv_reshape_dims(s, in, nin, (size_t)xv->a.c * xv->a.h * xv->a.w,
				     (int)cv_attr_i(n, "allowzero", 0), d);
		/* a batch of one exported as a literal 1 or -1 is the batch axis */
		if (nd < 0)
			return cv_node_fail(cv, n, "target shape does not fit one image");
	} else if (is_op(n, "Transpose")) {
		int64_t perm[8];
		int np = cv_attr_ints(n, "perm", perm, 8);

		if (np < 0) {	/* default: reverse the axes */
			np = nin;
			for (int i = 0; i < np; i++)
				perm[i] = np - 1 - i;
		}
		if (np != nin)
			return cv_node_fail(cv, n, "perm has %d entries for a rank-%d value", np, nin);
		for (int i = 0; i < np; i++) {
			if (perm[i] < 0 || perm[i] >= np)
				return cv_node_fail(cv, n, "bad perm");
			d[i] = in[perm[i]];
		}
		if (nin == 2 && perm[0] == 1 && !xv->a.batch_last && only_gemm_transA(cv, n->output[0])) {
			/* [N, K] -> [K, N] read back by Gemm transA=1: no data moves */
			err = act_forward(cv, xv, n->output[0]);
			if (!err)
				cv_find(cv, n->output[0])->a.batch_last = 1;
			return err;
		}
		if (nin == 2 && xv->a.flat && perm[0] != 0)
			return cv_node_fail(cv, n, "Transpose that moves data");
		if (nin == 4 && (d[0] != 1 || perm[0] != 0))
			return cv_node_fail(cv, n, "Transpose of the batch axis");
		/* NCHW <-> NHWC and unit-axis moves keep qnn's storage */
		if (nin == 4) {
			err = act_forward(cv, xv, n->output[0]);
			if (err)
				return err;
			xv = cv_find(cv, n->output[0]);
			return transpose_to(cv, n, &xv->a, perm, d);
		}
		nd = np;
	} else {	/* Squeeze / Unsqueeze: axes attribute (< 13) or input (13+) */
		int64_t ax[CV_MAXDIM];
		int na = cv_attr_ints(n, "axes", ax, CV_MAXDIM), unsq = is_op(n, "Unsqueeze");

		if (na < 0 && n->n_input > 1 && n->input[1][0]) {
			const struct cv_const *a = cv_in_const(cv, n, 1);

			if (!a || a->n > CV_MAXDIM)
				return cv_node_fail(cv, n, "axes must be a constant");
			na = (int)a->n;
			for (int i = 0; i < na; i++)
				ax[i] = (int64_t)a->v[i];
		}
		if (unsq && na < 1)
			return cv_node_fail(cv, n, "Unsqueeze without axes");
		nd = 0;
		if (!unsq) {
			for (int i = 0; i < nin; i++) {
				int drop = na < 0 && in[i] == 1;

				for (int j = 0; j < na; j++)
					drop |= ax[j] == i || ax[j] + nin == i;
				if (drop && i == 0) {	/* the batch stays */
					if (na >= 0)
						return cv_node_fail(cv, n, "squeezing the batch axis");
					drop = 0;
				}
				if (drop && in[i] != 1)
					return cv_node_fail(cv, n, "squeezing axis %d of size %lld", i,
							    (long long)in[i]);
				if (!drop)
					d[nd++] = in[i];
			}
		} else {
			int on = nin + na, src = 0;

			if (on > CV_MAXDIM)
				return cv_node_fail(cv, n, "too many axes");
			for (int i = 0; i < on; i++) {
				int ins = 0;

				for (int j = 0; j < na; j++)
					ins |= ax[j] == i || ax[j] + on == i;
				d[nd++] = ins ? 1 : in[src++];
			}
			if (src != nin)
				return cv_node_fail(cv, n, "bad axes");
		}
	}
	err = act_forward(cv, xv, n->output[0]);
	if (err)
		return err;
	xv = cv_find(cv, n->output[0]);
	return set_shape(cv, n, &xv->a, nd, d);
}

/*
 * Shape of an activation: a constant, with N = 1 (qnn runs one image at a
 * time) marked batch-dependent, so only a Reshape's batch dimension may use
 * it. PyTorch's x.view(x.size(0), -1) exports as Shape, Gather, Unsqueeze,
 * Concat, Reshape.
 */
static int lower_shape_of(struct cv *cv, const Onnx__NodeProto *n)
{
	struct cv_value *xv = in_act(cv, n, 0), *o;
	int64_t d[4], start = cv_attr_i(n, "start", 0), end, nd;
	int r;

	if (!xv)
		return -ENOTSUP;
	r = act_dims(&xv->a, d);
	end = cv_attr_i(n, "end", r);
	start = start < 0 ? start + r : start;
	end = end < 0 ? end + r : end;
	start = start < 0 ? 0 : start > r ? r : start;
	end = end < start ? start : end > r ? r : end;
	nd = end - start;
	o = cv_add(cv, n->output[0]);
	if (!o || cv_const_alloc(&o->k, 1, &nd))
		return cv_fail(cv, -ENOMEM, "out of memory");
	o->kind = CV_CONST;
	o->k.onnx_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
	o->k.bdep = calloc((size_t)nd + 1, 1);
	if (!o->k.bdep)
		return cv_fail(cv, -ENOMEM, "out of memory");
	for (int64_t i = 0; i < nd; i++) {
		o->k.v[i] = (double)d[start + i];
		o->k.bdep[i] = start + i == 0;
	}
	return 0;
}

/* Pad with zeros on H and W: handed to the next Conv / AveragePool. */
static int lower_pad(struct cv *cv, const Onnx__NodeProto *n)
{
	struct cv_value *xv = in_act(cv, n, 0);
	char buf[32];
	const char *mode = cv_attr_s(n, "mode", "constant", buf, sizeof(buf));
	double p[8] = { 0 }, val = 0;
	int64_t ax[4] = { 0, 1, 2, 3 }, pv[8];
	int na = 4, np, err, r;

	if (!xv)
		return -ENOTSUP;
	r = xv->a.rank;
	na = r;
	if (strcmp(mode, "constant"))
		return cv_node_fail(cv, n, "mode \"%s\" (only constant padding)", mode);
	if (xv->a.leaky || xv->a.clamped)
		return cv_node_fail(cv, n, "padding after Relu/Clip/PRelu without a quantizer");
	if (r != 4 && r != 3)
		return cv_node_fail(cv, n, "padding a rank-%d value", r);
	if (n->n_input > 1 && n->input[1][0]) {	/* opset 11+: pads, constant_value, axes */
		const struct cv_const *pk = cv_in_const(cv, n, 1), *k = NULL, *axk = NULL;

		if (n->n_input > 2 && n->input[2][0] && !(k = cv_in_const(cv, n, 2)))
			return cv_node_fail(cv, n, "constant_value must be a constant");
		if (n->n_input > 3 && n->input[3][0]) {
			axk = cv_in_const(cv, n, 3);
			if (!axk || axk->n > 4)
				return cv_node_fail(cv, n, "axes must be a constant");
			na = (int)axk->n;
			for (int i = 0; i < na; i++)
				ax[i] = (int64_t)axk->v[i] < 0 ? (int64_t)axk->v[i] + r : (int64_t)axk->v[i];
		}
		if (!pk || pk->n != (size_t)(2 * na))
			return cv_node_fail(cv, n, "pads must be a constant with 2 values per axis");
		for (int i = 0; i < 2 * na; i++)
			pv[i] = (int64_t)pk->v[i];
		val = k ? k->v[0] : 0;
	} else {	/* opset < 11: attributes pads and value */
		if (cv_attr_ints(n, "pads", pv, 8) != 2 * r)
			return cv_node_fail(cv, n, "pads must have %d entries (rank %d)", 2 * r, r);
		val = cv_attr_f(n, "value", 0.0);
	}
	for (int i = 0; i < na; i++) {
		/* rank 3 (N, C, L) is N, C, 1, L */
		int64_t a4 = r == 3 && ax[i] == 2 ? 3 : ax[i];

		if (ax[i] < 0 || ax[i] >= r)
			return cv_node_fail(cv, n, "bad axes");
		p[a4] = (double)pv[i];
		p[a4 + 4] = (double)pv[i + na];
	}
	np = xv->a.nhwc;	/* the spatial axes: 2, 3 (NCHW) or 1, 2 (NHWC) */
	if (p[0] || p[4] || p[np ? 3 : 1] || p[np ? 7 : 5])
		return cv_node_fail(cv, n, "padding the batch or channel axis");
	for (int i = 0; i < 8; i++)
		if (p[i] < 0 || p[i] > 64)
			return cv_node_fail(cv, n, "pads %g (0 to 64; no cropping)", p[i]);
	{
		double t = p[np ? 1 : 2], l = p[np ? 2 : 3], bo = p[np ? 5 : 6], r = p[np ? 6 : 7];
		int any = t || l || bo || r;

		if (any && val != 0) {
			/* a bipolar value padded with the real value of its +1 code (Larq's
			 * one-padding): qnn's native padding, no ZERO_PAD */
			int ok = xv->a.dtype == QNN_DT_BITS && xv->a.enc == QNN_ENC_BIPOLAR;

			for (uint32_t c = 0; ok && c < xv->a.c; c++)
				ok = fabs(xv->a.a[c] + xv->a.b[c] - val) <= 1e-12 * fmax(1, fabs(val));
			if (!ok)
				return cv_node_fail(cv, n, "padding with %g: only zeros, or a bipolar "
						    "value padded with its +1 level, are supported", val);
		} else if (any) {
			for (uint32_t c = 0; c < xv->a.c; c++)
				if (xv->a.b[c] != 0)
					return cv_node_fail(cv, n, "zero padding of a value whose zero "
							    "is not code 0");
		}
		if (any && (xv->a.xpad[0] | xv->a.xpad[1] | xv->a.xpad[2] | xv->a.xpad[3]) &&
		    xv->a.xpadv != val)
			return cv_node_fail(cv, n, "two Pads with different values");
		err = act_forward(cv, xv, n->output[0]);
		if (err)
			return err;
		xv = cv_find(cv, n->output[0]);
		xv->a.xpad[0] += (uint32_t)t;
		xv->a.xpad[1] += (uint32_t)l;
		xv->a.xpad[2] += (uint32_t)bo;
		xv->a.xpad[3] += (uint32_t)r;
		if (any)
			xv->a.xpadv = val;
	}
	return 0;
}

/*
 * PRelu / LeakyRelu (ReActNet's RPReLU, Bi-Real) with slopes > 0: an
 * increasing function, folded with the affine map after it into the next
 * quantizer's thresholds.
 */
static int lower_leaky(struct cv *cv, const Onnx__NodeProto *n)
{
	struct cv_value *xv = in_act(cv, n, 0);
	const struct cv_const *sl = NULL;
	double alpha = cv_attr_f(n, "alpha", 0.01);
	size_t cnt = 1;
	uint32_t C;
	int err;

	if (!xv)
		return -ENOTSUP;
	if (is_op(n, "PRelu")) {
		sl = cv_in_const(cv, n, 1);
		if (!sl)
			return cv_node_fail(cv, n, "slope must be a constant");
		err = cv_chan_operand(cv, n, sl, &xv->a, "slope", &cnt);
		if (err)
			return err;
	}
	if (xv->a.clamped || xv->a.leaky)
		return cv_node_fail(cv, n, "a second nonlinearity before the quantizer");
	C = xv->a.c;
	for (size_t i = 0; i < cnt; i++)
		if (!((sl ? sl->v[i] : alpha) > 0))
			return cv_node_fail(cv, n, "slope %g: only positive slopes (increasing) fold "
					    "into thresholds", sl ? sl->v[i] : alpha);
	err = act_forward(cv, xv, n->output[0]);
	if (err)
		return err;
	xv = cv_find(cv, n->output[0]);
	free(xv->a.nl);
	xv->a.nl = malloc(3 * C * sizeof(double) + 1);
	if (!xv->a.nl)
		return cv_fail(cv, -ENOMEM, "out of memory");
	for (uint32_t c = 0; c < C; c++) {
		xv->a.nl[c] = sl ? sl->v[cnt > 1 ? c : 0] : alpha;
		xv->a.nl[C + c] = 1;
		xv->a.nl[2 * C + c] = 0;
	}
	xv->a.leaky = 1;
	return 0;
}

static int lower_clamp(struct cv *cv, const Onnx__NodeProto *n)
{
	struct cv_value *xv = in_act(cv, n, 0);
	double lo = 0, hi = INFINITY;
	int err;

	if (!xv)
		return -ENOTSUP;
	if (is_op(n, "Clip")) {
		const struct cv_const *a = n->n_input > 1 && n->input[1][0] ? cv_in_const(cv, n, 1) : NULL;
		const struct cv_const *b = n->n_input > 2 && n->input[2][0] ? cv_in_const(cv, n, 2) : NULL;

		if ((n->n_input > 1 && n->input[1][0] && !a) || (n->n_input > 2 && n->input[2][0] && !b))
			return cv_node_fail(cv, n, "min/max must be constants");
		lo = a ? a->v[0] : cv_attr_f(n, "min", -INFINITY);
		hi = b ? b->v[0] : cv_attr_f(n, "max", INFINITY);
	}
	err = act_forward(cv, xv, n->output[0]);
	if (err)
		return err;
	xv = cv_find(cv, n->output[0]);
	if (!xv->a.clamped) {
		xv->a.clamped = 1;
		xv->a.clamp_lo = lo;
		xv->a.clamp_hi = hi;
	} else {
		xv->a.clamp_lo = fmax(xv->a.clamp_lo, lo);
		xv->a.clamp_hi = fmin(xv->a.clamp_hi, hi);
	}
	return 0;
}

/* DequantizeLinear on an activation: real = (code - zp) * scale. */
static int lower_dequantizelinear(struct cv *cv, const Onnx__NodeProto *n)
{
	struct cv_value *xv = in_act(cv, n, 0);
	const struct cv_const *s = cv_in_const(cv, n, 1), *z = cv_in_const(cv, n, 2);
	double k, m;
	int err;

	if (!xv)
		return -ENOTSUP;
	if (!s || s->n != 1 || (z && z->n != 1))
		return cv_node_fail(cv, n, "only per-tensor constant scale and zero point");
	k = s->v[0];
	m = z ? -z->v[0] * k : 0;
	err = act_forward(cv, xv, n->output[0]);
	if (err)
		return err;
	act_affine(&cv_find(cv, n->output[0])->a, &k, 1, &m, 1);
	return 0;
}

static int is_quantizer(const Onnx__NodeProto *n)
{
	static const char *const q[] = { "Quant", "IntQuant", "BipolarQuant", "MultiThreshold",
					  "Trunc" };

	if (cv_is_qonnx(n)) {
		for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
			if (!strcmp(n->op_type, q[i]))
				return 1;
		return 0;
	}
	return is_op(n, "Sign") || is_op(n, "QuantizeLinear");
}

/* Every consumer of value `name` is one of ops[] (and it is no graph output). */
static int only_used_by(struct cv *cv, const char *name, const char *const *ops, int nops)
{
	int users = 0;

	for (size_t i = 0; i < cv->g->n_output; i++)
		if (!strcmp(cv->g->output[i]->name, name))
			return 0;
	for (size_t i = 0; i < cv->g->n_node; i++) {
		const Onnx__NodeProto *n = cv->g->node[i];

		for (size_t j = 0; j < n->n_input; j++) {
			int ok = 0;

			if (strcmp(n->input[j], name))
				continue;
			for (int k = 0; k < nops; k++)
				ok |= is_op(n, ops[k]) && j == 0;
			if (!ok)
				return 0;
			users++;
		}
	}
	return users > 0;
}

/* The class axis of a classifier head: the channels of [N, C] or [N, C, 1, 1]. */
static int class_axis_ok(const struct cv_act *x, int64_t axis)
{
	int r = x->rank;

	if (axis < 0)
		axis += r;
	if (x->flat == 1 && x->h * x->w > 1 && x->c > 1)
		return 0;
	if (r == 2)
		return axis == 1;
	return x->h == 1 && x->w == 1 && axis == (x->nhwc ? 3 : 1);
}

/*
 * Softmax / LogSoftmax are monotone along the class axis: before an ArgMax
 * or a TopK's indices they change nothing, so they are dropped there. qnn
 * has no exp: anywhere else they are refused.
 */
static int lower_softmax(struct cv *cv, const Onnx__NodeProto *n)
{
	static const char *const next[] = { "ArgMax", "TopK" };
	struct cv_value *xv = in_act(cv, n, 0);
	int64_t axis = cv_attr_i(n, "axis", cv->opset >= 13 ? -1 : 1);

	if (!xv)
		return -ENOTSUP;
	if (!class_axis_ok(&xv->a, axis))
		return cv_node_fail(cv, n, "softmax over axis %lld of a feature map", (long long)axis);
	if (only_used_by(cv, n->output[0], next, 2))	/* monotone: the indices stay */
		return act_forward(cv, xv, n->output[0]);
	{
		/* a SOFTMAX layer on the real values (F32) */
		struct qnn_layer_desc l = { 0 };
		size_t xi = vidx(cv, xv);
		struct cv_value *o;
		struct cv_act in;
		int err = act_real_f32(cv, xv);

		if (err)
			return cv_node_fail(cv, n, "%s", cv->err);
		xv = &cv->vals[xi];
		in = xv->a;
		o = new_act(cv, n, xi, xv->a.h, xv->a.w, xv->a.c);
		if (!o)
			return -ENOMEM;
		o->a.rank = cv->vals[xi].a.rank;
		o->a.nhwc = cv->vals[xi].a.nhwc;
		o->a.flat = cv->vals[xi].a.flat;
		l.op = QNN_OP_SOFTMAX;
		l.flags = is_op(n, "LogSoftmax") ? QNN_LAYER_SOFTMAX_LOG : 0;
		l.name = cv_node_name(n);
		l.inputs[0] = in.tensor;
		l.output = cv_emit_act_tensor(cv, n->output[0], QNN_DT_F32, QNN_ENC_NONE, 0,
					      in.h, in.w, in.c);
		if (l.output < 0)
			return l.output;
		o = cv_find(cv, n->output[0]);
		o->a.tensor = l.output;
		err = cv_emit_layer(cv, &l);
		if (err < 0)
			return err;
		verbose_layer(cv, &l, &in, &o->a, NULL);
		return 0;
	}
}

/*
 * ArgMax / TopK (indices) over the classes: libqnn's TOPK on the real values
 * (F32: acc * a + b), ties to the lower index as ONNX says.
 */
static int lower_topk(struct cv *cv, const Onnx__NodeProto *n)
{
	struct cv_value *xv = in_act(cv, n, 0), *o;
	struct qnn_layer_desc l = { 0 };
	int argmax = is_op(n, "ArgMax"), err;
	int64_t axis = cv_attr_i(n, "axis", argmax ? 0 : -1), k = 1;
	size_t xi;
	struct cv_act in;

	if (!xv)
		return -ENOTSUP;
	xi = vidx(cv, xv);
	if (!class_axis_ok(&xv->a, axis))
		return cv_node_fail(cv, n, "axis %lld is not the class axis of a [N, C] value",
				    (long long)axis);
	if (argmax && cv_attr_i(n, "select_last_index", 0))
		return cv_node_fail(cv, n, "select_last_index=1 (ties go to the first index)");
	if (!argmax) {
		const struct cv_const *kk = n->n_input > 1 ? cv_in_const(cv, n, 1) : NULL;
		int64_t ka;

		if (cv_attr_ints(n, "k", &ka, 1) == 1)
			k = ka;		/* opset < 10 */
		else if (kk && kk->n == 1)
			k = (int64_t)kk->v[0];
		else
			return cv_node_fail(cv, n, "K must be a constant");
		if (!cv_attr_i(n, "largest", 1) || !cv_attr_i(n, "sorted", 1))
			return cv_node_fail(cv, n, "only largest=1, sorted=1");
		if (n->n_output < 2 || !n->output[1][0])
			return cv_node_fail(cv, n, "no Indices output");
		for (size_t i = 0; i < cv->g->n_node; i++)
			for (size_t j = 0; j < cv->g->node[i]->n_input; j++)
				if (n->output[0][0] && !strcmp(cv->g->node[i]->input[j], n->output[0]))
					return cv_node_fail(cv, n, "the Values output is not supported "
							    "(only the Indices)");
		for (size_t i = 0; i < cv->g->n_output; i++)
			if (n->output[0][0] && !strcmp(cv->g->output[i]->name, n->output[0]))
				return cv_node_fail(cv, n, "the Values output is not supported "
						    "(only the Indices)");
	}
	if (k < 1 || k > xv->a.c)
		return cv_node_fail(cv, n, "K = %lld outside 1..%u", (long long)k, xv->a.c);
	err = act_real_f32(cv, xv);
	if (err)
		return cv_node_fail(cv, n, "%s", cv->err);
	xv = &cv->vals[xi];
	in = xv->a;
	l.op = QNN_OP_TOPK;
	l.name = cv_node_name(n);
	l.inputs[0] = xv->a.tensor;
	l.k = (uint32_t)k;
	o = cv_add(cv, n->output[argmax ? 0 : 1]);
	if (!o)
		return cv_fail(cv, -ENOMEM, "out of memory");
	xv = &cv->vals[xi];
	o->kind = CV_ACT;
	o->a.h = o->a.w = 1;
	o->a.rank = 2;	/* keepdims or not: [N, 1] and [N] hold one value per image */
	o->a.dtype = QNN_DT_I32;
	if (act_init(cv, &o->a, (uint32_t)k, 1, 0))
		return -ENOMEM;
	l.output = cv_emit_act_tensor(cv, n->output[argmax ? 0 : 1], QNN_DT_I32, QNN_ENC_NONE, 0,
				      1, 1, (uint32_t)k);
	if (l.output < 0)
		return l.output;
	o = cv_find(cv, n->output[argmax ? 0 : 1]);
	o->a.tensor = l.output;
	err = cv_emit_layer(cv, &l);
	if (err < 0)
		return err;
	verbose_layer(cv, &l, &in, &o->a, NULL);
	return 0;
}

/* ReduceMean / ReduceMax over H and W: global average / max pools. */
static int lower_reduce(struct cv *cv, const Onnx__NodeProto *n)
{
	struct cv_value *xv = in_act(cv, n, 0);
	int64_t ax[8];
	int na = cv_attr_ints(n, "axes", ax, 8), hw = 0, err;

	if (!xv)
		return -ENOTSUP;
	if (na < 0 && n->n_input > 1 && n->input[1][0]) {	/* opset 18: axes input */
		const struct cv_const *a = cv_in_const(cv, n, 1);

		if (!a || a->n > 8)
			return cv_node_fail(cv, n, "axes must be a constant");
		na = (int)a->n;
		for (int i = 0; i < na; i++)
			ax[i] = (int64_t)a->v[i];
	}
	if (xv->a.rank != 4 || xv->a.nhwc)
		return cv_node_fail(cv, n, "only over H and W of an NCHW feature map");
	for (int i = 0; i < na; i++)
		hw |= 1 << (ax[i] < 0 ? ax[i] + 4 : ax[i]);
	if (hw != 12 || na != 2)
		return cv_node_fail(cv, n, "only over axes 2 and 3 (H, W): a global pool");
	err = lower_pool_kind(cv, n, !is_op(n, "ReduceMean"), 1);
	if (err)
		return err;
	if (!cv_attr_i(n, "keepdims", 1))
		cv_find(cv, n->output[0])->a.rank = 2;
	return 0;
}

static int layout_op(const Onnx__NodeProto *n)
{
	static const char *const ops[] = { "Conv", "BatchNormalization", "MaxPool", "AveragePool",
					   "GlobalAveragePool", "GlobalMaxPool", "Pad" };

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (is_op(n, ops[i]))
			return 1;
	if (cv_is_qonnx(n) && !strcmp(n->op_type, "MultiThreshold")) {
		char buf[16];

		return !strcmp(cv_attr_s(n, "data_layout", "NCHW", buf, sizeof(buf)), "NCHW");
	}
	return 0;
}

/*
 * Concat of activations along the channel axis: CONCAT layers, two inputs
 * each (chained), on one type; a, b per channel follow the channels. Pending
 * layers become I32 sums (raw F32 sums on a float input); inputs of
 * different types are read as F32 values (DEQUANT, exact below 2^24).
 */
static int lower_concat(struct cv *cv, const Onnx__NodeProto *n)
{
	size_t k = n->n_input, *ix, oi;
	int64_t axis = cv_attr_i(n, "axis", 1);
	uint32_t ctot = 0;
	int same = 1, any_f32 = 0, err = 0, cur;
	struct cv_value *o;

	if (k < 1)
		return cv_node_fail(cv, n, "Concat without inputs");
	ix = calloc(k, sizeof(*ix));
	if (!ix)
		return cv_fail(cv, -ENOMEM, "out of memory");
	for (size_t i = 0; i < k; i++) {
		struct cv_value *x = in_act(cv, n, i);

		if (!x) {
			free(ix);
			return -ENOTSUP;
		}
		ix[i] = vidx(cv, x);
	}
	for (size_t i = 0; i < k && !err; i++) {
		struct cv_value *x = &cv->vals[ix[i]];
		int64_t ax = axis < 0 ? axis + (x->a.flat ? 2 : x->a.rank) : axis;
		int64_t chan = x->a.rank == 4 && !x->a.flat && x->a.nhwc ? 3 : 1;

		if (ax != chan)
			err = cv_node_fail(cv, n, "Concat along axis %lld; qnn concatenates channels "
					   "only (axis %lld of this %s value)", (long long)axis,
					   (long long)chan, x->a.nhwc ? "NHWC" : "NCHW");
		else if (x->a.flat && (x->a.h > 1 || x->a.w > 1))
			err = cv_node_fail(cv, n, "Concat of a flattened %ux%ux%u map (its channels "
					   "are not the flattened axis' order); hint: Concat before "
					   "the Flatten", x->a.h, x->a.w, x->a.c);
		else if (x->a.clamped || x->a.leaky)
			err = cv_node_fail(cv, n, "input %zu has a Relu/Clip/PRelu not followed by a "
					   "quantizer", i);
		else if (x->a.pend)
			err = x->a.pend->in_dtype == QNN_DT_F32 ? act_materialize_raw_f32(cv, x) :
			      act_materialize(cv, x, QNN_DT_I32);
	}
	for (size_t i = 0; i < k && !err; i++) {
		const struct cv_act *x = &cv->vals[ix[i]].a, *x0 = &cv->vals[ix[0]].a;

		if (x->h != x0->h || x->w != x0->w || x->rank != x0->rank || x->nhwc != x0->nhwc ||
		    x->flat != x0->flat)
			err = cv_node_fail(cv, n, "inputs 0 and %zu differ in shape (%ux%u vs %ux%u)",
					   i, x0->h, x0->w, x->h, x->w);
		same &= x->dtype == x0->dtype && x->enc == x0->enc && x->bits == x0->bits;
		any_f32 |= x->dtype == QNN_DT_F32;
		ctot += x->c;
	}
	for (size_t i = 0; i < k && !err && (!same || any_f32); i++)
		if (cv->vals[ix[i]].a.dtype != QNN_DT_F32 && (err = act_to_f32(cv, &cv->vals[ix[i]])))
			err = cv_node_fail(cv, n, "%s", cv->err);
	if (err) {
		free(ix);
		return err;
	}
	o = new_act(cv, n, ix[0], cv->vals[ix[0]].a.h, cv->vals[ix[0]].a.w, ctot);
	if (!o) {
		free(ix);
		return -ENOMEM;
	}
	oi = vidx(cv, o);
	{
		uint32_t at = 0;

		for (size_t i = 0; i < k; i++) {
			const struct cv_act *x = &cv->vals[ix[i]].a;

			memcpy(o->a.a + at, x->a, x->c * sizeof(double));
			memcpy(o->a.b + at, x->b, x->c * sizeof(double));
			if (x->acc_bound > o->a.acc_bound)
				o->a.acc_bound = x->acc_bound;
			at += x->c;
		}
		o->a.flat = cv->vals[ix[0]].a.flat;
		o->a.nhwc = cv->vals[ix[0]].a.nhwc;
		o->a.dtype = cv->vals[ix[0]].a.dtype;
		o->a.enc = cv->vals[ix[0]].a.enc;
		o->a.bits = cv->vals[ix[0]].a.bits;
	}
	cur = cv->vals[ix[0]].a.tensor;
	if (k == 1) {	/* a no-op */
		o->a.tensor = cur;
		free(ix);
		return 0;
	}
	{
		uint32_t cdone = cv->vals[ix[0]].a.c;

		for (size_t i = 1; i < k && !err; i++) {
			struct qnn_layer_desc l = { 0 };
			const struct cv_act *x = &cv->vals[ix[i]].a;
			char name[300];
			struct cv_act in = cv->vals[ix[0]].a, out = cv->vals[oi].a;

			cdone += x->c;
			snprintf(name, sizeof(name), "%.250s#concat%zu", n->output[0], i);
			l.op = QNN_OP_CONCAT;
			l.name = cv_node_name(n);
			l.inputs[0] = cur;
			l.inputs[1] = x->tensor;
			l.output = i + 1 == k ? cv_emit_act_tensor(cv, n->output[0], out.dtype, out.enc,
								   out.bits, out.h, out.w, out.c) :
				   cv_emit_act_tensor(cv, name, out.dtype, out.enc, out.bits, out.h,
						      out.w, cdone);
			if (l.output < 0) {
				err = l.output;
				break;
			}
			cur = l.output;
			err = cv_emit_layer(cv, &l);
			out.c = cdone;
			if (err >= 0) {
				err = 0;
				verbose_layer(cv, &l, &in, &out, NULL);
			}
		}
	}
	free(ix);
	if (err)
		return err;
	cv->vals[oi].a.tensor = cur;
	return 0;
}

static int lower_node(struct cv *cv, const Onnx__NodeProto *n)
{
	struct cv_qfn f;
	int r;

	cv->cur = n;
	r = cv_constfold(cv, n);
	if (r)
		return r < 0 ? r : 0;
	if (n->n_output < 1)
		return cv_node_fail(cv, n, "node without outputs");
	if (n->n_input < 1 || !n->input[0][0])	/* every op below reads input 0 */
		return cv_node_fail(cv, n, "input 0 is missing");
	if (layout_op(n)) {	/* ops that read axis 1 as the channels, 2-3 as H, W */
		struct cv_value *xv = cv_find(cv, n->input[0]);

		if (xv && xv->kind == CV_ACT && xv->a.rank == 4 && xv->a.nhwc && xv->a.c > 1)
			return cv_node_fail(cv, n, "input is an NHWC tensor; ONNX's %s reads it as "
					    "NCHW (only a Transpose to NCHW is supported before it)",
					    n->op_type);
	}
	if (is_op(n, "Conv") || is_op(n, "Gemm") || is_op(n, "MatMul"))
		return lower_linear(cv, n);
	if (is_op(n, "BatchNormalization"))
		return lower_batchnorm(cv, n);
	if (is_op(n, "Mul") || is_op(n, "Div") || is_op(n, "Add") || is_op(n, "Sub")) {
		struct cv_value *a = cv_find(cv, n->input[0]), *b = n->n_input > 1 ?
			cv_find(cv, n->input[1]) : NULL;

		if (is_op(n, "Add") && a && b && a->kind == CV_ACT && b->kind == CV_ACT)
			return lower_add2(cv, n);
		return lower_arith(cv, n);
	}
	if (is_op(n, "Relu") || is_op(n, "Clip")) {
		struct cv_value *xv = cv_find(cv, n->input[0]);

		if (xv && xv->kind == CV_ACT && xv->a.leaky)
			return cv_node_fail(cv, n, "a second nonlinearity before the quantizer");
		return lower_clamp(cv, n);
	}
	if (is_op(n, "PRelu") || is_op(n, "LeakyRelu"))
		return lower_leaky(cv, n);
	if (is_op(n, "Pad"))
		return lower_pad(cv, n);
	if (is_op(n, "MaxPool") || is_op(n, "AveragePool") || is_op(n, "GlobalAveragePool") ||
	    is_op(n, "GlobalMaxPool"))
		return lower_pool(cv, n);
	if (is_op(n, "ReduceMean") || is_op(n, "ReduceMax"))
		return lower_reduce(cv, n);
	if (is_op(n, "Softmax") || is_op(n, "LogSoftmax"))
		return lower_softmax(cv, n);
	if (is_op(n, "ArgMax") || is_op(n, "TopK"))
		return lower_topk(cv, n);
	if (is_op(n, "Shape"))
		return lower_shape_of(cv, n);
	if (is_op(n, "Concat"))
		return lower_concat(cv, n);
	if (is_op(n, "Split") || is_op(n, "Slice"))
		return cv_node_fail(cv, n, "%s of an activation is not supported: qnn has no layer "
				    "that takes part of a tensor's channels or pixels; hint: split the "
				    "following layers' weights instead (a grouped Conv, or one Conv per "
				    "branch on the whole input)", n->op_type);
	if (is_op(n, "Resize") || is_op(n, "Upsample"))
		return cv_node_fail(cv, n, "%s (interpolation) is not supported: qnn has no "
				    "upsampling layer; hint: resize outside the model (before its input "
				    "or after its output)", n->op_type);
	if (is_op(n, "Flatten") || is_op(n, "Reshape") || is_op(n, "Transpose") ||
	    is_op(n, "Squeeze") || is_op(n, "Unsqueeze"))
		return lower_shape(cv, n);
	if (is_op(n, "Identity") || is_op(n, "Cast") || is_op(n, "Dropout")) {
		struct cv_value *xv = in_act(cv, n, 0);
		int64_t to = cv_attr_i(n, "to", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);

		if (!xv)
			return -ENOTSUP;
		/* every value qnn tracks is exact in float32 or double; not in narrower types */
		if (is_op(n, "Cast") && to != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT &&
		    to != ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE)
			return cv_node_fail(cv, n, "Cast of an activation to data type %lld (only to "
					    "float or double, which keep its values)", (long long)to);
		if (is_op(n, "Dropout") && n->n_input > 2 && n->input[2][0]) {
			const struct cv_const *tm = cv_in_const(cv, n, 2);

			if (!tm || tm->v[0] != 0)
				return cv_node_fail(cv, n, "Dropout in training mode");
		}
		if (is_op(n, "Dropout") && n->n_output > 1 && n->output[1][0])
			return cv_node_fail(cv, n, "the mask output is not supported");
		return act_forward(cv, xv, n->output[0]);
	}
	if (is_op(n, "DequantizeLinear"))
		return lower_dequantizelinear(cv, n);
	if (is_quantizer(n)) {
		struct cv_value *xv = in_act(cv, n, 0);

		if (!xv)
			return -ENOTSUP;
		r = cv_qfn_from_node(cv, n, &xv->a, &f);
		if (r < 0)
			return r;
		r = lower_quantizer(cv, n, &f);
		cv_qfn_free(&f);
		return r;
	}
	return cv_node_fail(cv, n, "operator is not supported by qnn-convert "
			    "(see docs/onnx-import.md)");
}

/*
 * A rank-4 graph input is NHWC (as tf2onnx and QKeras write them) when every
 * consumer is a Transpose to NCHW: qnn's storage is NHWC, so it then needs
 * no data movement at all.
 */
static int input_is_nhwc(struct cv *cv, const char *name)
{
	int users = 0, tr = 0;

	for (size_t i = 0; i < cv->g->n_node; i++) {
		const Onnx__NodeProto *n = cv->g->node[i];
		int64_t perm[8];

		for (size_t j = 0; j < n->n_input; j++) {
			if (strcmp(n->input[j], name))
				continue;
			users++;
			tr += is_op(n, "Transpose") && j == 0 && cv_attr_ints(n, "perm", perm, 8) == 4 &&
			      perm[0] == 0 && perm[1] == 3 && perm[2] == 1 && perm[3] == 2;
		}
	}
	return users && users == tr;
}

static int lower_inputs(struct cv *cv)
{
	int nin = 0;

	for (size_t i = 0; i < cv->g->n_input; i++) {
		const Onnx__ValueInfoProto *vi = cv->g->input[i];
		const Onnx__TypeProto__Tensor *tt;
		const Onnx__TensorShapeProto *sh;
		struct cv_value *v;
		int64_t d[4] = { 1, 1, 1, 1 };
		uint32_t h, w, c;
		enum qnn_dtype dt;
		double a = 1, b = 0;
		int nhwc;

		if (cv_find(cv, vi->name))
			continue;	/* an initializer listed as input (old exporters) */
		if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ||
		    !(tt = vi->type->tensor_type) || !(sh = tt->shape))
			return cv_fail(cv, -ENOTSUP, "graph input \"%s\": not a tensor with a shape",
				       vi->name);
		if (sh->n_dim != 4 && sh->n_dim != 3 && sh->n_dim != 2)
			return cv_fail(cv, -ENOTSUP, "graph input \"%s\": rank %zu (NCHW, NCL or NC "
				       "only)", vi->name, sh->n_dim);
		for (size_t j = 1; j < sh->n_dim; j++) {
			if (sh->dim[j]->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE ||
			    sh->dim[j]->dim_value < 1 || sh->dim[j]->dim_value > 65535)
				return cv_fail(cv, -ENOTSUP, "graph input \"%s\": dimension %zu must be a "
					       "fixed size", vi->name, j);
			d[j] = sh->dim[j]->dim_value;
		}
		nhwc = sh->n_dim == 4 && input_is_nhwc(cv, vi->name);
		c = (uint32_t)d[nhwc ? 3 : 1];
		h = sh->n_dim == 4 ? (uint32_t)d[nhwc ? 1 : 2] : 1;
		/* rank 3 (N x C x L, a 1-D signal): stored 1 x L x C */
		w = sh->n_dim == 4 ? (uint32_t)d[nhwc ? 2 : 3] : sh->n_dim == 3 ? (uint32_t)d[2] : 1;
		switch (tt->elem_type) {
		case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8:
			dt = QNN_DT_U8;
			break;
		case ONNX__TENSOR_PROTO__DATA_TYPE__INT8:
			dt = QNN_DT_I8;
			break;
		case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
			/* floats as the user has them: preprocessing and the first
			 * quantizer fold into a THRESHOLD on the F32 input */
			dt = QNN_DT_F32;
			break;
		default:
			return cv_fail(cv, -ENOTSUP, "graph input \"%s\": element type %d (float, "
				       "uint8 or int8)", vi->name, tt->elem_type);
		}
		v = cv_add(cv, vi->name);
		if (!v)
			return cv_fail(cv, -ENOMEM, "out of memory");
		v->kind = CV_ACT;
		v->a.h = h;
		v->a.w = w;
		v->a.rank = (int)sh->n_dim;
		v->a.nhwc = nhwc;
		v->a.dtype = dt;
		if (act_init(cv, &v->a, c, a, b))
			return -ENOMEM;
		v->a.tensor = cv_emit_act_tensor(cv, vi->name, dt, QNN_ENC_NONE, 0, h, w, c);
		if (v->a.tensor < 0)
			return v->a.tensor;
		if (qnn_writer_add_input(cv->w, v->a.tensor) < 0)
			return cv_fail(cv, -EINVAL, "input \"%s\": %s", vi->name,
				       qnn_writer_errmsg(cv->w));
		if (cv->nin_tensor < 16)
			cv->in_tensor[cv->nin_tensor++] = v->a.tensor;
		if (cv->opts.verbose)
			fprintf(stderr, "  input  \"%s\": %ux%ux%u %s%s\n", vi->name, h, w, c,
				dt == QNN_DT_U8 ? "u8" : dt == QNN_DT_I8 ? "i8" : "f32",
				nhwc ? " (NHWC)" : "");
		nin++;
		if (nin > 16)
			return cv_fail(cv, -E2BIG, "more than 16 graph inputs");
	}
	if (!nin)
		return cv_fail(cv, -EINVAL, "the graph has no inputs");
	return 0;
}

static int lower_outputs(struct cv *cv)
{
	for (size_t i = 0; i < cv->g->n_output; i++) {
		const char *name = cv->g->output[i]->name;
		struct cv_value *v = cv_find(cv, name);
		struct cv_act *x;
		int err;

		if (!v || v->kind != CV_ACT)
			return cv_fail(cv, -ENOTSUP, "graph output \"%s\" is %s", name,
				       v ? "a constant" : "not produced by a supported node");
		x = &v->a;
		if (x->flat == 1 && x->h * x->w > 1 && x->c > 1)
			return cv_fail(cv, -ENOTSUP, "graph output \"%s\": a flattened feature map "
				       "(NCHW order) is not supported", name);
		if (x->pend) {
			err = act_materialize(cv, v, QNN_DT_F32);
			if (err)
				return err;
			v = cv_find(cv, name);
		} else if (x->clamped || x->leaky) {
			return cv_fail(cv, -ENOTSUP, "graph output \"%s\": Relu/Clip/PRelu without a "
				       "quantizer", name);
		} else if (x->dtype != QNN_DT_F32) {
			/* integer or bits -> real values with DEQUANT (scale, bias per channel) */
			struct qnn_layer_desc l = { 0 };
			uint32_t dims[4] = { 1, 1, 1, x->c };
			float *s = malloc(x->c * sizeof(float) + 1), *b = malloc(x->c * sizeof(float) + 1);
			struct cv_act in = *x;

			if (!s || !b) {
				free(s);
				free(b);
				return cv_fail(cv, -ENOMEM, "out of memory");
			}
			for (uint32_t c = 0; c < x->c; c++) {
				s[c] = (float)x->a[c];
				b[c] = (float)x->b[c];
			}
			l.op = QNN_OP_DEQUANT;
			l.name = "dequant";
			l.inputs[0] = x->tensor;
			l.scale = cv_emit_const(cv, QNN_DT_F32, QNN_ENC_NONE, 0, dims, s);
			l.bias = l.scale > 0 ? cv_emit_const(cv, QNN_DT_F32, QNN_ENC_NONE, 0, dims, b) : -1;
			free(s);
			free(b);
			if (l.scale < 0 || l.bias < 0)
				return -EINVAL;
			l.output = cv_emit_act_tensor(cv, name, QNN_DT_F32, QNN_ENC_NONE, 0,
						      x->h, x->w, x->c);
			if (l.output < 0)
				return l.output;
			err = cv_emit_layer(cv, &l);
			if (err < 0)
				return err;
			err = cv_ioq_output(cv, &in, l.output);
			if (err)
				return err;
			v = cv_find(cv, name);
			x = &v->a;
			x->tensor = l.output;
			x->dtype = QNN_DT_F32;
			x->enc = QNN_ENC_NONE;
			x->bits = 0;
			verbose_layer(cv, &l, &in, x, NULL);
		}
		if (qnn_writer_add_output(cv->w, v->a.tensor) < 0)
			return cv_fail(cv, -EINVAL, "output \"%s\": %s", name, qnn_writer_errmsg(cv->w));
		if (cv->opts.verbose)
			fprintf(stderr, "  output \"%s\": %ux%ux%u f32\n", name, v->a.h, v->a.w, v->a.c);
	}
	return 0;
}

struct vname {
	const char *name;
	const Onnx__NodeProto *n;	/* the writer, NULL for inputs and initializers */
};

static int cmp_vname(const void *a, const void *b)
{
	return strcmp(((const struct vname *)a)->name, ((const struct vname *)b)->name);
}

/*
 * ONNX values are written once (SSA): a node output that repeats a graph
 * input, an initializer or another node's output would make every later
 * lookup of that name ambiguous, so such a graph is refused up front.
 * IR 3 files list initializers as graph inputs too: those count once.
 */
static int check_single_assignment(struct cv *cv)
{
	const Onnx__GraphProto *g = cv->g;
	size_t n = g->n_initializer + g->n_input, k = 0;
	struct vname *v;
	int err = 0;

	for (size_t i = 0; i < g->n_node; i++)
		n += g->node[i]->n_output;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return cv_fail(cv, -ENOMEM, "out of memory");
	for (size_t i = 0; i < g->n_initializer; i++)
		v[k++].name = g->initializer[i]->name;
	for (size_t i = 0; i < g->n_input; i++) {
		int init = 0;

		for (size_t j = 0; j < g->n_initializer && !init; j++)
			init = !strcmp(g->input[i]->name, g->initializer[j]->name);
		if (!init)
			v[k++].name = g->input[i]->name;
	}
	for (size_t i = 0; i < g->n_node; i++)
		for (size_t j = 0; j < g->node[i]->n_output; j++)
			if (g->node[i]->output[j][0]) {
				v[k].n = g->node[i];
				v[k++].name = g->node[i]->output[j];
			}
	qsort(v, k, sizeof(*v), cmp_vname);
	for (size_t i = 1; i < k && !err; i++) {
		const struct vname *d = v[i].n ? &v[i] : &v[i - 1];

		if (strcmp(v[i - 1].name, v[i].name))
			continue;
		err = d->n ? cv_node_fail(cv, d->n, "writes value \"%s\", which the graph already "
					  "has (a graph input, initializer or another node's output); "
					  "ONNX values are assigned once", d->name) :
			cv_fail(cv, -EINVAL, "value \"%s\" is declared twice (graph inputs and "
				"initializers)", d->name);
	}
	free(v);
	return err ? -EINVAL : 0;
}

int cv_lower(struct cv *cv)
{
	int err;

	err = check_single_assignment(cv);
	if (err)
		return err;

	for (size_t i = 0; i < cv->g->n_initializer; i++) {
		struct cv_value *v = cv_add(cv, cv->g->initializer[i]->name);

		if (!v)
			return cv_fail(cv, -ENOMEM, "out of memory");
		v->kind = CV_CONST;
		err = cv_tensor_to_const(cv, cv->g->initializer[i], &v->k);
		if (err)
			return err;
	}
	err = lower_inputs(cv);
	if (err)
		return err;
	/* consumer counts decide whether a pending layer may move to an alias */
	for (size_t i = 0; i < cv->g->n_node; i++) {
		const Onnx__NodeProto *n = cv->g->node[i];

		for (size_t j = 0; j < n->n_input; j++) {
			struct cv_value *v = cv_find(cv, n->input[j]);

			if (v)
				v->uses++;
		}
	}
	for (size_t i = 0; i < cv->g->n_node; i++) {
		const Onnx__NodeProto *n = cv->g->node[i];

		err = lower_node(cv, n);
		if (err)
			return err;
		/* values created by this node: count their consumers */
		for (size_t o = 0; o < n->n_output; o++) {
			struct cv_value *v = cv_find(cv, n->output[o]);

			if (!v || v->uses)
				continue;
			for (size_t k = i + 1; k < cv->g->n_node; k++)
				for (size_t j = 0; j < cv->g->node[k]->n_input; j++)
					v->uses += !strcmp(cv->g->node[k]->input[j], n->output[o]);
			for (size_t k = 0; k < cv->g->n_output; k++)
				v->uses += !strcmp(cv->g->output[k]->name, n->output[o]);
		}
	}
	cv->cur = NULL;
	err = lower_outputs(cv);
	if (err)
		return err;
	{	/* the I/O quantization records, in graph order */
		int ids[32], is_out[32], k = 0;
		const char *names[32];

		for (size_t i = 0; i < cv->g->n_input && k < 16; i++) {
			struct cv_value *v = cv_find(cv, cv->g->input[i]->name);

			if (v && v->kind == CV_ACT && cv_ioq_is_input(cv, v->a.tensor)) {
				names[k] = cv->g->input[i]->name;
				is_out[k] = 0;
				ids[k++] = v->a.tensor;
			}
		}
		for (size_t i = 0; i < cv->g->n_output && k < 32; i++) {
			struct cv_value *v = cv_find(cv, cv->g->output[i]->name);

			if (v && v->kind == CV_ACT) {
				names[k] = cv->g->output[i]->name;
				is_out[k] = 1;
				ids[k++] = v->a.tensor;
			}
		}
		return cv_ioq_emit(cv, ids, names, is_out, k);
	}
}
