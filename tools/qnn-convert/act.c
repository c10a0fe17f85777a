// SPDX-License-Identifier: MIT
/*
 * Activation bookkeeping: the affine map real = a*q + b that ties each qnn
 * tensor to its ONNX value, and materialization of pending accumulators.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "lower.h"

int act_init(struct cv *cv, struct cv_act *x, uint32_t c, double a, double b)
{
	x->c = c;
	x->a = malloc(c * sizeof(double) + 1);
	x->b = malloc(c * sizeof(double) + 1);
	if (!x->a || !x->b)
		return cv_fail(cv, -ENOMEM, "out of memory");
	for (uint32_t i = 0; i < c; i++) {
		x->a[i] = a;
		x->b[i] = b;
	}
	x->clamp_lo = -INFINITY;
	x->clamp_hi = INFINITY;
	return 0;
}

/* Moves (uses == 1) or copies the activation of src into a new value dst. */
int act_forward(struct cv *cv, struct cv_value *src_in, const char *dst_name)
{
	size_t si = (size_t)(src_in - cv->vals);
	struct cv_value *dst, *src;

	if (src_in->a.pend && src_in->uses > 1) {
		int err = act_materialize(cv, src_in, QNN_DT_I32);

		if (err)
			return err;
	}
	dst = cv_add(cv, dst_name);
	if (!dst)
		return cv_fail(cv, -ENOMEM, "out of memory");
	src = &cv->vals[si];	/* cv_add may have moved the table */
	dst->kind = CV_ACT;
	dst->a = src->a;
	dst->uses = 0;
	if (src->a.pend) {	/* the pending layer moves with the value */
		src->a.pend = NULL;
		src->a.a = src->a.b = NULL;
		src->a.nl = NULL;
		src->kind = CV_NONE;
		return 0;
	}
	dst->a.a = malloc(src->a.c * sizeof(double) + 1);
	dst->a.b = malloc(src->a.c * sizeof(double) + 1);
	dst->a.nl = src->a.nl ? malloc(3 * src->a.c * sizeof(double) + 1) : NULL;
	if (!dst->a.a || !dst->a.b || (src->a.nl && !dst->a.nl))
		return cv_fail(cv, -ENOMEM, "out of memory");
	memcpy(dst->a.a, src->a.a, src->a.c * sizeof(double));
	memcpy(dst->a.b, src->a.b, src->a.c * sizeof(double));
	if (src->a.nl)
		memcpy(dst->a.nl, src->a.nl, 3 * src->a.c * sizeof(double));
	return 0;
}

/* y = k*x + m per channel (k, m: 1 or c values); carries a pending clamp. */
void act_affine(struct cv_act *x, const double *k, size_t nk, const double *m, size_t nm)
{
	if (x->leaky) {	/* after a PRelu: the map after the nonlinearity */
		double *k2 = x->nl + x->c, *m2 = x->nl + 2 * x->c;

		for (uint32_t i = 0; i < x->c; i++) {
			double kk = k ? k[nk > 1 ? i : 0] : 1.0, mm = m ? m[nm > 1 ? i : 0] : 0.0;

			k2[i] *= kk;
			m2[i] = kk * m2[i] + mm;
		}
		return;
	}
	for (uint32_t i = 0; i < x->c; i++) {
		double kk = k ? k[nk > 1 ? i : 0] : 1.0, mm = m ? m[nm > 1 ? i : 0] : 0.0;

		x->a[i] = kk * x->a[i];
		x->b[i] = kk * x->b[i] + mm;
	}
	if (x->clamped) {	/* clamp bounds follow the value (one scalar k, m) */
		double kk = k ? k[0] : 1.0, mm = m ? m[0] : 0.0;
		double lo = kk * x->clamp_lo + mm, hi = kk * x->clamp_hi + mm;

		x->clamp_lo = kk >= 0 ? lo : hi;
		x->clamp_hi = kk >= 0 ? hi : lo;
	}
}

void verbose_layer(struct cv *cv, const struct qnn_layer_desc *l, const struct cv_act *in,
		   const struct cv_act *out, const struct cv_pending *p)
{
	static const char *const ops[] = { "?", "conv2d", "dense", "maxpool", "avgpool",
		"global_avgpool", "add", "threshold", "dequant", "flatten", "topk", "quantize",
		"concat", "softmax" };
	char b1[32], b2[32], b3[32];

	if (!cv->opts.verbose)
		return;
	fprintf(stderr, "  layer %-3d %-14s %-30.30s %3ux%-3ux%-4u %-10s -> %3ux%-3ux%-4u %-10s",
		cv->nlayers - 1, l->op < 12 ? ops[l->op] : "?", l->name ? l->name : "",
		in->h, in->w, in->c, cv_dtype_name(in->dtype, in->enc, in->bits, b1, sizeof(b1)),
		out->h, out->w, out->c,
		cv_dtype_name(out->dtype, out->enc, out->bits, b2, sizeof(b2)));
	if (p)
		fprintf(stderr, " weights %s%s", cv_dtype_name(QNN_DT_BITS, p->wenc, p->wbits, b3,
							  sizeof(b3)),
			l->flags & QNN_LAYER_ZERO_PAD ? " zero-pad" : "");
	if (l->flags & QNN_LAYER_AVG_VALID)
		fputs(" divided by the taps inside", stderr);
	fputc('\n', stderr);
}

int act_materialize_raw_f32(struct cv *cv, struct cv_value *v)
{
	struct cv_act *x = &v->a;
	double *a, *b;
	int err;

	if (!x->pend)
		return 0;
	a = malloc(x->c * sizeof(double) + 1);
	b = malloc(x->c * sizeof(double) + 1);
	if (!a || !b) {
		free(a);
		free(b);
		return cv_fail(cv, -ENOMEM, "out of memory");
	}
	memcpy(a, x->a, x->c * sizeof(double));
	memcpy(b, x->b, x->c * sizeof(double));
	x->pend->raw = 1;
	err = act_materialize(cv, v, QNN_DT_F32);
	x = &v->a;
	if (!err) {
		memcpy(x->a, a, x->c * sizeof(double));
		memcpy(x->b, b, x->c * sizeof(double));
	}
	free(a);
	free(b);
	return err;
}

/*
 * v as an F32 tensor of its element values, a and b unchanged: a pending
 * layer's raw sums, or a DEQUANT (value * 1 + 0) of bits or integers. For
 * consumers that need a float input: a second linear layer without a
 * quantizer in between, or a quantizer on an already quantized value.
 * Exact while the values are below 2^24.
 */
int act_to_f32(struct cv *cv, struct cv_value *v)
{
	struct qnn_layer_desc l = { 0 };
	struct cv_act in;
	char name[300];
	int id, err;

	if (v->a.leaky)
		return cv_fail(cv, -ENOTSUP, "value \"%s\": PRelu/LeakyRelu is only supported "
			       "before a quantizer", v->name);
	if (v->a.pend)
		return act_materialize_raw_f32(cv, v);
	if (v->a.dtype == QNN_DT_F32)
		return 0;
	if (v->a.dtype == QNN_DT_I32 && v->a.acc_bound > 16777216.0)
		return cv_fail(cv, -ERANGE, "value \"%s\": integers up to %g are not exact in "
			       "float32", v->name, v->a.acc_bound);
	snprintf(name, sizeof(name), "%.250s#f32", v->name);
	id = cv_emit_act_tensor(cv, name, QNN_DT_F32, QNN_ENC_NONE, 0, v->a.h, v->a.w, v->a.c);
	if (id < 0)
		return id;
	l.op = QNN_OP_DEQUANT;
	l.name = name;
	l.inputs[0] = v->a.tensor;
	l.output = id;
	err = cv_emit_layer(cv, &l);
	if (err < 0)
		return err;
	in = v->a;
	v->a.tensor = id;
	v->a.dtype = QNN_DT_F32;
	v->a.enc = QNN_ENC_NONE;
	v->a.bits = 0;
	verbose_layer(cv, &l, &in, &v->a, NULL);
	return 0;
}

/*
 * v as F32 real values (a = 1, b = 0): a pending layer with its F32 output
 * transform, bits or integers through a DEQUANT with scale a and bias b.
 * A float value still carrying a map is refused (qnn has no float affine op).
 */
int act_real_f32(struct cv *cv, struct cv_value *v)
{
	struct qnn_layer_desc l = { 0 };
	uint32_t dims[4] = { 1, 1, 1, v->a.c };
	struct cv_act in;
	char name[300];
	float *s, *b;
	int id, err;

	if (v->a.leaky)
		return cv_fail(cv, -ENOTSUP, "value \"%s\": PRelu/LeakyRelu is only supported "
			       "before a quantizer", v->name);
	if (v->a.pend)
		return act_materialize(cv, v, QNN_DT_F32);
	if (v->a.dtype == QNN_DT_F32) {
		for (uint32_t c = 0; c < v->a.c; c++)
			if (v->a.a[c] != 1 || v->a.b[c] != 0)
				return cv_fail(cv, -ENOTSUP, "value \"%s\": a float with a scale or "
					       "offset still to apply", v->name);
		return 0;
	}
	s = malloc(v->a.c * sizeof(float) + 1);
	b = malloc(v->a.c * sizeof(float) + 1);
	if (!s || !b) {
		free(s);
		free(b);
		return cv_fail(cv, -ENOMEM, "out of memory");
	}
	for (uint32_t c = 0; c < v->a.c; c++) {
		s[c] = (float)v->a.a[c];
		b[c] = (float)v->a.b[c];
	}
	l.scale = cv_emit_const(cv, QNN_DT_F32, QNN_ENC_NONE, 0, dims, s);
	l.bias = l.scale > 0 ? cv_emit_const(cv, QNN_DT_F32, QNN_ENC_NONE, 0, dims, b) : -1;
	free(s);
	free(b);
	if (l.scale < 0 || l.bias < 0)
		return l.scale < 0 ? l.scale : l.bias;
	snprintf(name, sizeof(name), "%.250s#real", v->name);
	id = cv_emit_act_tensor(cv, name, QNN_DT_F32, QNN_ENC_NONE, 0, v->a.h, v->a.w, v->a.c);
	if (id < 0)
		return id;
	l.op = QNN_OP_DEQUANT;
	l.name = name;
	l.inputs[0] = v->a.tensor;
	l.output = id;
	err = cv_emit_layer(cv, &l);
	if (err < 0)
		return err;
	in = v->a;
	v->a.tensor = id;
	v->a.dtype = QNN_DT_F32;
	v->a.enc = QNN_ENC_NONE;
	v->a.bits = 0;
	for (uint32_t c = 0; c < v->a.c; c++) {
		v->a.a[c] = 1;
		v->a.b[c] = 0;
	}
	verbose_layer(cv, &l, &in, &v->a, NULL);
	return 0;
}

/*
 * Emits the pending conv/dense of v with output dtype I32 (raw accumulator,
 * the affine map stays on the value) or F32 (acc * a + b applied: the value
 * becomes plain real numbers).
 */
int act_materialize(struct cv *cv, struct cv_value *v, enum qnn_dtype dt)
{
	struct cv_act *x = &v->a;
	struct cv_pending *p = x->pend;
	struct cv_act in = { 0 };
	uint32_t dims[4] = { 1, 1, 1, x->c };
	int id, err;

	if (!p)
		return 0;
	if (x->clamped || x->leaky)
		return cv_fail(cv, -ENOTSUP, "value \"%s\": %s is only supported before a "
			       "quantizer (Sign, Quant, MultiThreshold, ...)", v->name,
			       x->leaky ? "PRelu/LeakyRelu" : "Relu/Clip");
	if (dt == QNN_DT_F32 && p->raw) {
		p->l.scale = p->l.bias = 0;	/* the sums themselves */
	} else if (dt == QNN_DT_F32) {
		float *s = malloc(x->c * sizeof(float) + 1), *b = malloc(x->c * sizeof(float) + 1);

		if (!s || !b) {
			free(s);
			free(b);
			return cv_fail(cv, -ENOMEM, "out of memory");
		}
		for (uint32_t i = 0; i < x->c; i++) {
			s[i] = (float)x->a[i];
			b[i] = (float)x->b[i];
		}
		p->l.scale = cv_emit_const(cv, QNN_DT_F32, QNN_ENC_NONE, 0, dims, s);
		p->l.bias = p->l.scale > 0 ? cv_emit_const(cv, QNN_DT_F32, QNN_ENC_NONE, 0, dims, b) : 0;
		free(s);
		free(b);
		if (p->l.scale <= 0 || p->l.bias <= 0)
			return -EINVAL;
		for (uint32_t i = 0; i < x->c; i++) {
			x->a[i] = 1;
			x->b[i] = 0;
		}
	} else if (p->acc_bound > 2147483647.0) {
		return cv_fail(cv, -ERANGE, "node \"%s\": accumulator may exceed 32 bits", p->node);
	}
	x->acc_bound = p->acc_bound;
	id = cv_emit_act_tensor(cv, v->name, dt, QNN_ENC_NONE, 0, x->h, x->w, x->c);
	if (id < 0)
		return id;
	p->l.output = id;
	p->l.name = p->node;
	err = cv_emit_layer(cv, &p->l);
	if (err < 0)
		return err;
	in.h = p->in_h;
	in.w = p->in_w;
	in.c = p->in_c;
	in.dtype = p->in_dtype;
	in.enc = p->in_enc;
	in.bits = p->in_bits;
	x->tensor = id;
	x->dtype = dt;
	x->enc = QNN_ENC_NONE;
	x->bits = 0;
	x->pend = NULL;
	verbose_layer(cv, &p->l, &in, x, p);
	free(p->node);
	free(p);
	return 0;
}

/* Emits thresholds (+ negate) for an activation function on x, B-bit output. */
int act_thresholds(struct cv *cv, const struct cv_qfn *f, const struct cv_act *x,
		   unsigned int bits, int *th_id, int *neg_id)
{
	size_t T = ((size_t)1 << bits) - 1;
	int32_t *th = malloc((size_t)x->c * T * sizeof(int32_t) + 1);
	uint8_t *neg = calloc(x->c + 1, 1);
	uint32_t tdims[4] = { 1, 1, x->c, (uint32_t)T }, ndims[4] = { 1, 1, 1, x->c };
	int anyneg = 0, err;

	if (!th || !neg) {
		free(th);
		free(neg);
		return cv_fail(cv, -ENOMEM, "out of memory");
	}
	err = cv_qfn_fold(cv, f, x, bits, th, neg);
	if (err > 0 && f->onnx_sign && cv->cur)
		fprintf(stderr, "qnn-convert: warning: node \"%s\" (Sign): in %d channel(s) the "
			"input can be exactly 0, where ONNX Sign gives 0 and qnn gives +1\n",
			cv_node_name(cv->cur), err);
	if (err > 0)
		err = 0;
	for (uint32_t i = 0; !err && i < x->c; i++)
		anyneg |= neg[i];
	if (!err) {
		*th_id = cv_emit_const(cv, QNN_DT_I32, QNN_ENC_NONE, 0, tdims, th);
		*neg_id = 0;
		if (*th_id > 0 && anyneg)
			*neg_id = cv_emit_const(cv, QNN_DT_U8, QNN_ENC_NONE, 0, ndims, neg);
		err = *th_id < 0 ? *th_id : *neg_id < 0 ? *neg_id : 0;
	}
	free(th);
	free(neg);
	return err;
}

/* x's ONNX shape (N as 1), for messages. */
static void shape_str(const struct cv_act *x, char *buf, size_t len)
{
	if (x->rank == 2)
		snprintf(buf, len, "[N,%u]", x->flat ? x->c * x->h * x->w : x->c);
	else if (x->rank == 3)
		snprintf(buf, len, "[N,%u,%u]", x->c, x->h * x->w);
	else if (x->nhwc)
		snprintf(buf, len, "[N,%u,%u,%u] (NHWC)", x->h, x->w, x->c);
	else
		snprintf(buf, len, "[N,%u,%u,%u]", x->c, x->h, x->w);
}

int cv_chan_operand(struct cv *cv, const Onnx__NodeProto *n, const struct cv_const *k,
		    const struct cv_act *x, const char *what, size_t *cnt)
{
	int r = x->rank ? x->rank : 4;
	int flat = x->flat && x->h * x->w > 1;
	char sh[64];

	*cnt = 1;
	shape_str(x, sh, sizeof(sh));
	if (k->ndim > r)
		return cv_node_fail(cv, n, "%s has rank %d, the activation %s only %d: the result "
				    "would change shape", what, k->ndim, sh, r);
	if (!k->n)
		return cv_node_fail(cv, n, "%s is empty", what);
	for (int j = 0; j < k->ndim; j++) {
		int ax = j + r - k->ndim;	/* numpy aligns the trailing axes */

		if (k->dims[j] == 1)
			continue;
		if (ax == (r == 4 && x->nhwc ? 3 : 1) && !flat && k->dims[j] == x->c) {
			*cnt = x->c;
			continue;
		}
		return cv_node_fail(cv, n, "%s (%lld values along axis %d) is neither one value nor "
				    "one per channel of the activation %s; qnn folds only per-tensor "
				    "or per-channel constants", what, (long long)k->dims[j], ax, sh);
	}
	return 0;
}

/* The float32 threshold t with "x >= t" <=> "x >= r" (incl) / "x > r" for float x. */
static float f32_up(double r, int incl)
{
	float t = (float)r;

	if (isinf(r))
		return (float)r;
	if ((double)t < r || (!incl && (double)t == r))
		t = nextafterf(t, INFINITY);
	else if (incl && (double)nextafterf(t, -INFINITY) >= r)
		t = nextafterf(t, -INFINITY);
	return t;
}

/* ... and "x <= t" <=> "x <= r" (incl) / "x < r". */
static float f32_down(double r, int incl)
{
	return -f32_up(-r, incl);
}

static int cmp_f32(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/*
 * A quantizer on a float value real = a*x + b (x the F32 tensor): each real
 * threshold T becomes x >= (T - b)/a (a > 0; a < 0 negates the channel),
 * rounded to the float32 that gives the same answer for every float32 x.
 * A ratio within 1e-9 of a float32 is taken as that float32 (a tie).
 */
int act_thresholds_f32(struct cv *cv, const struct cv_qfn *f, const struct cv_act *x,
		       unsigned int bits, int *th_id, int *neg_id)
{
	size_t T = ((size_t)1 << bits) - 1;
	float *th = calloc((size_t)x->c * T + 1, sizeof(float));
	uint8_t *neg = calloc(x->c + 1, 1);
	uint32_t tdims[4] = { 1, 1, x->c, (uint32_t)T }, ndims[4] = { 1, 1, 1, x->c };
	int anyneg = 0, err = 0;

	if (!th || !neg) {
		free(th);
		free(neg);
		return cv_fail(cv, -ENOMEM, "out of memory");
	}
	for (uint32_t c = 0; c < x->c; c++) {
		double a = x->a[c], b = x->b[c];
		int ng = a < 0;
		float *row = th + (size_t)c * T;

		neg[c] = (uint8_t)ng;
		anyneg |= ng;
		for (size_t j = 0; j < T; j++) {
			double Tv, r;
			int incl, always = 0, never = 0;

			if (j >= f->nt) {
				row[j] = ng ? -INFINITY : INFINITY;
				continue;
			}
			Tv = f->t[(f->nch > 1 ? c : 0) * f->nt + j];
			incl = f->incl[(f->nch > 1 ? c : 0) * f->nt + j];
			if (x->leaky)
				Tv = cv_act_unleak(x, c, Tv);
			if (x->clamped) {
				if (incl ? Tv <= x->clamp_lo : Tv < x->clamp_lo)
					always = 1;
				else if (incl ? Tv > x->clamp_hi : Tv >= x->clamp_hi)
					never = 1;
			}
			if (a == 0 && !always && !never)
				(incl ? b >= Tv : b > Tv) ? (always = 1) : (never = 1);
			if (always || never) {
				row[j] = always == !ng ? -INFINITY : INFINITY;
				continue;
			}
			r = (Tv - b) / a;
			if (fabs(r - (double)(float)r) <= 1e-9 * fmax(1.0, fabs(r)))
				r = (float)r;
			row[j] = ng ? f32_down(r, incl) : f32_up(r, incl);
		}
		qsort(row, T, sizeof(*row), cmp_f32);
	}
	*th_id = cv_emit_const(cv, QNN_DT_F32, QNN_ENC_NONE, 0, tdims, th);
	*neg_id = 0;
	if (*th_id > 0 && anyneg)
		*neg_id = cv_emit_const(cv, QNN_DT_U8, QNN_ENC_NONE, 0, ndims, neg);
	err = *th_id < 0 ? *th_id : *neg_id < 0 ? *neg_id : 0;
	free(th);
	free(neg);
	return err;
}

double cv_act_unleak(const struct cv_act *x, uint32_t c, double T)
{
	double u = (T - x->nl[2 * x->c + c]) / x->nl[x->c + c];

	return u >= 0 ? u : u / x->nl[c];
}
