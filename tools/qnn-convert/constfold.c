// SPDX-License-Identifier: MIT
/*
 * Constant folding: exporters leave weight preprocessing in the graph
 * (binarization as GreaterOrEqual/Where, Transpose for Gemm, QONNX Quant on
 * float weights, DequantizeLinear of int8 weights). Nodes whose inputs are
 * all constants are evaluated here, in double precision, so the lowering only
 * sees constant weights.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"

static int out_const(struct cv *cv, const Onnx__NodeProto *n, size_t i, struct cv_const *k)
{
	struct cv_value *v;

	if (i >= n->n_output || !n->output[i][0]) {
		cv_const_free(k);
		return 0;
	}
	v = cv_add(cv, n->output[i]);
	if (!v) {
		cv_const_free(k);
		return cv_fail(cv, -ENOMEM, "out of memory");
	}
	v->kind = CV_CONST;
	v->k = *k;
	return 0;
}

/* numpy broadcasting of a and b; ok = 0 if incompatible */
static int bcast_dims(const struct cv_const *a, const struct cv_const *b, int *nd, int64_t *d)
{
	int n = a->ndim > b->ndim ? a->ndim : b->ndim;

	for (int i = 0; i < n; i++) {
		int ia = i - (n - a->ndim), ib = i - (n - b->ndim);
		int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;

		if (da != db && da != 1 && db != 1)
			return 0;
		d[i] = da == 1 ? db : da;
	}
	*nd = n;
	return 1;
}

/* Flat index into src for output position idx (row-major over out dims). */
static size_t bcast_index(const struct cv_const *src, int nd, const int64_t *od, size_t idx)
{
	size_t off = 0, stride = 1;

	for (int i = nd - 1; i >= 0; i--) {
		int is = i - (nd - src->ndim);
		int64_t c = (int64_t)(idx % (size_t)od[i]);

		idx /= (size_t)od[i];
		if (is >= 0) {
			if (src->dims[is] != 1)
				off += (size_t)c * stride;
			stride *= (size_t)src->dims[is];
		}
	}
	return off;
}

typedef double (*fn3)(double, double, double);

static int is_int_type(int t)
{
	switch (t) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT8:
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8:
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT16:
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16:
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT32:
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64:
		return 1;
	}
	return 0;
}

/* The range of an integer type, for Cast. */
static int int_range(int t, double *lo, double *hi)
{
	switch (t) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: *lo = -128; *hi = 127; return 1;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8: *lo = 0; *hi = 255; return 1;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT16: *lo = -32768; *hi = 32767; return 1;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16: *lo = 0; *hi = 65535; return 1;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: *lo = -2147483648.0; *hi = 2147483647.0; return 1;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32: *lo = 0; *hi = 4294967295.0; return 1;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64:
		*lo = t == ONNX__TENSOR_PROTO__DATA_TYPE__INT64 ? -9007199254740992.0 : 0;
		*hi = 9007199254740992.0;	/* exact in a double */
		return 1;
	}
	return 0;
}

/*
 * Cast of a constant: to float truncates to float32 precision, to an integer
 * type toward zero (values out of the type's range are refused: ONNX leaves
 * them undefined), to bool tests != 0; other targets are refused.
 */
static int fold_cast(struct cv *cv, const Onnx__NodeProto *n, const struct cv_const *x)
{
	int to = (int)cv_attr_i(n, "to", 0);
	double lo = 0, hi = 0;
	struct cv_const out;

	if (to != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT && to != ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE &&
	    to != ONNX__TENSOR_PROTO__DATA_TYPE__BOOL && !int_range(to, &lo, &hi))
		return cv_node_fail(cv, n, "Cast to data type %d is not supported", to);
	if (cv_const_alloc(&out, x->ndim, x->dims))
		return cv_fail(cv, -ENOMEM, "out of memory");
	out.onnx_type = to;
	for (size_t i = 0; i < x->n; i++) {
		double v = x->v[i];

		if (to == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) {
			v = (float)v;
		} else if (to == ONNX__TENSOR_PROTO__DATA_TYPE__BOOL) {
			v = v != 0;
		} else if (to != ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE) {
			v = trunc(v);
			if (!(v >= lo && v <= hi)) {
				cv_const_free(&out);
				return cv_node_fail(cv, n, "value %g does not fit the Cast's integer "
						    "type %d", x->v[i], to);
			}
		}
		out.v[i] = v;
	}
	return out_const(cv, n, 0, &out);
}

static double f_add(double x, double y, double z) { (void)z; return x + y; }
static double f_sub(double x, double y, double z) { (void)z; return x - y; }
static double f_mul(double x, double y, double z) { (void)z; return x * y; }
static double f_div(double x, double y, double z) { (void)z; return x / y; }
/* ONNX Div on integer tensors truncates (the reference casts the quotient) */
static double f_idiv(double x, double y, double z) { (void)z; return trunc(x / y); }
static double f_ge(double x, double y, double z) { (void)z; return x >= y; }
static double f_gt(double x, double y, double z) { (void)z; return x > y; }
static double f_le(double x, double y, double z) { (void)z; return x <= y; }
static double f_lt(double x, double y, double z) { (void)z; return x < y; }
static double f_eq(double x, double y, double z) { (void)z; return x == y; }
static double f_where(double c, double x, double y) { return c != 0 ? x : y; }

static int elementwise(struct cv *cv, const Onnx__NodeProto *n, fn3 f, int nin)
{
	const struct cv_const *in[3];
	struct cv_const tmp, out;
	int nd;
	int64_t d[CV_MAXDIM];

	for (int i = 0; i < nin; i++)
		in[i] = cv_in_const_any(cv, n, i);
	tmp = *in[0];
	if (!bcast_dims(in[0], in[1], &nd, d))
		return cv_node_fail(cv, n, "inputs cannot be broadcast together");
	if (nin == 3) {
		tmp.ndim = nd;
		memcpy(tmp.dims, d, sizeof(d));
		if (!bcast_dims(&tmp, in[2], &nd, d))
			return cv_node_fail(cv, n, "inputs cannot be broadcast together");
	}
	if (cv_const_alloc(&out, nd, d))
		return cv_fail(cv, -ENOMEM, "out of memory");
	for (size_t i = 0; i < out.n; i++) {
		double x = in[0]->v[bcast_index(in[0], nd, d, i)];
		double y = in[1]->v[bcast_index(in[1], nd, d, i)];
		double z = nin == 3 ? in[2]->v[bcast_index(in[2], nd, d, i)] : 0;

		out.v[i] = f(x, y, z);
	}
	if (cv_const_bdep_from(&out, in, nin)) {
		cv_const_free(&out);
		return cv_fail(cv, -ENOMEM, "out of memory");
	}
	if (f == f_where)
		out.onnx_type = in[1]->onnx_type;
	else if (f == f_ge || f == f_gt || f == f_le || f == f_lt || f == f_eq)
		out.onnx_type = ONNX__TENSOR_PROTO__DATA_TYPE__BOOL;
	else
		out.onnx_type = in[0]->onnx_type;
	return out_const(cv, n, 0, &out);
}

static int copy_reshaped(struct cv *cv, const Onnx__NodeProto *n, const struct cv_const *x,
			 int nd, const int64_t *d)
{
	struct cv_const out;

	if (cv_const_alloc(&out, nd, d))
		return cv_fail(cv, -ENOMEM, "out of memory");
	if (out.n != x->n) {
		cv_const_free(&out);
		return cv_node_fail(cv, n, "reshape of %zu elements to %zu", x->n, out.n);
	}
	memcpy(out.v, x->v, x->n * sizeof(double));
	out.onnx_type = x->onnx_type;
	if (x->bdep) {
		out.bdep = malloc(x->n + 1);
		if (!out.bdep) {
			cv_const_free(&out);
			return cv_fail(cv, -ENOMEM, "out of memory");
		}
		memcpy(out.bdep, x->bdep, x->n);
	}
	return out_const(cv, n, 0, &out);
}

static int fold_transpose(struct cv *cv, const Onnx__NodeProto *n, const struct cv_const *x)
{
	int64_t perm[CV_MAXDIM], d[CV_MAXDIM], istr[CV_MAXDIM];
	int np = cv_attr_ints(n, "perm", perm, CV_MAXDIM);
	struct cv_const out;

	if (np < 0) {
		np = x->ndim;
		for (int i = 0; i < np; i++)
			perm[i] = np - 1 - i;
	}
	if (np != x->ndim)
		return cv_node_fail(cv, n, "perm has %d entries for a rank-%d tensor", np, x->ndim);
	for (int i = 0; i < np; i++) {
		if (perm[i] < 0 || perm[i] >= np)
			return cv_node_fail(cv, n, "bad perm");
		d[i] = x->dims[perm[i]];
	}
	istr[np - 1] = 1;
	for (int i = np - 2; i >= 0; i--)
		istr[i] = istr[i + 1] * x->dims[i + 1];
	if (cv_const_alloc(&out, np, d))
		return cv_fail(cv, -ENOMEM, "out of memory");
	for (size_t i = 0; i < out.n; i++) {
		size_t idx = i, off = 0;

		for (int j = np - 1; j >= 0; j--) {
			off += (idx % (size_t)d[j]) * (size_t)istr[perm[j]];
			idx /= (size_t)d[j];
		}
		out.v[i] = x->v[off];
	}
	out.onnx_type = x->onnx_type;
	return out_const(cv, n, 0, &out);
}

/*
 * ONNX Reshape target: 0 copies the input dim (allowzero = 0, opset 14's
 * default; with allowzero = 1 a 0 is a real empty dim, refused here), -1
 * infers.
 */
int cv_reshape_dims(const struct cv_const *shape, const int64_t *in, int in_nd, size_t total,
		    int allowzero, int64_t *d)
{
	int nd = (int)shape->n, infer = -1;
	size_t known = 1;

	if (nd > CV_MAXDIM)
		return -1;
	for (int i = 0; i < nd; i++) {
		d[i] = (int64_t)shape->v[i];
		if (d[i] == 0 && i < in_nd && !allowzero)
			d[i] = in[i];
		if (d[i] == -1) {
			if (infer >= 0)
				return -1;
			infer = i;
		} else if (d[i] <= 0) {
			return -1;
		} else {
			known *= (size_t)d[i];
		}
	}
	if (infer >= 0) {
		if (!known || total % known)
			return -1;
		d[infer] = (int64_t)(total / known);
	} else if (known != total) {
		return -1;
	}
	return nd;
}

/* Round half to even, as QONNX ROUND, numpy and torch.round. */
static double round_even(double x)
{
	return nearbyint(x);	/* default FE_TONEAREST: ties to even */
}

static int fold_quant(struct cv *cv, const Onnx__NodeProto *n)
{
	const struct cv_const *x = cv_in_const_any(cv, n, 0), *s = cv_in_const_any(cv, n, 1);
	const struct cv_const *z = cv_in_const_any(cv, n, 2), *bw = cv_in_const_any(cv, n, 3);
	char buf[32];
	const char *mname = cv_attr_s(n, "rounding_mode", "ROUND", buf, sizeof(buf));
	int sgn = (int)cv_attr_i(n, "signed", 1), nar = (int)cv_attr_i(n, "narrow", 0);
	int mode = cv_rounding_mode(mname), bip;
	struct cv_const out;
	double lo, hi, bits;
	int nd;
	int64_t d[CV_MAXDIM];

	if (!s || !z || !bw || bw->n != 1)
		return cv_node_fail(cv, n, "scale, zero point and bit width must be constants");
	bits = bw->v[0];
	if (bits < 1 || bits > 32 || bits != floor(bits))
		return cv_node_fail(cv, n, "bit width %g", bits);
	if (mode < 0)
		return cv_node_fail(cv, n, "rounding_mode \"%s\" is not a QONNX rounding mode", mname);
	/* qonnx's quant(): a 1-bit signed quantizer is bipolar, whatever narrow says */
	bip = sgn && bits == 1;
	lo = sgn ? -ldexp(1, (int)bits - 1) + nar : 0;
	hi = sgn ? ldexp(1, (int)bits - 1) - 1 : ldexp(1, (int)bits) - 1 - nar;
	if (!bcast_dims(x, s, &nd, d) || nd != x->ndim || !bcast_dims(x, z, &nd, d) ||
	    nd != x->ndim)
		return cv_node_fail(cv, n, "scale/zero point do not broadcast to the input");
	if (cv_const_alloc(&out, x->ndim, x->dims))
		return cv_fail(cv, -ENOMEM, "out of memory");
	for (size_t i = 0; i < x->n; i++) {
		double sc = s->v[bcast_index(s, x->ndim, x->dims, i)];
		double zp = z->v[bcast_index(z, x->ndim, x->dims, i)];
		double y = x->v[i] / sc + zp, q;

		if (bip)
			q = y >= 0 ? 1 : -1;
		else	/* clamp, then round, as the reference (the same: lo, hi are integers) */
			q = cv_round(mode, y < lo ? lo : y > hi ? hi : y);
		out.v[i] = (q - zp) * sc;
	}
	return out_const(cv, n, 0, &out);
}

static int fold_bipolar(struct cv *cv, const Onnx__NodeProto *n)
{
	const struct cv_const *x = cv_in_const_any(cv, n, 0), *s = cv_in_const_any(cv, n, 1);
	struct cv_const out;
	int nd;
	int64_t d[CV_MAXDIM];

	if (!s || !bcast_dims(x, s, &nd, d) || nd != x->ndim)
		return cv_node_fail(cv, n, "scale must be a constant broadcastable to the input");
	if (cv_const_alloc(&out, x->ndim, x->dims))
		return cv_fail(cv, -ENOMEM, "out of memory");
	for (size_t i = 0; i < x->n; i++)
		out.v[i] = (x->v[i] >= 0 ? 1 : -1) * s->v[bcast_index(s, x->ndim, x->dims, i)];
	return out_const(cv, n, 0, &out);
}

/* DequantizeLinear(x, scale, zp[, axis]) on constant (e.g. int8) weights. */
static int fold_dequant(struct cv *cv, const Onnx__NodeProto *n)
{
	const struct cv_const *x = cv_in_const_any(cv, n, 0), *s = cv_in_const_any(cv, n, 1);
	const struct cv_const *z = cv_in_const_any(cv, n, 2);
	int64_t axis = cv_attr_i(n, "axis", 1);
	struct cv_const out;

	if (!s)
		return cv_node_fail(cv, n, "scale must be a constant");
	if (cv_attr_i(n, "block_size", 0))
		return cv_node_fail(cv, n, "blocked dequantization (block_size) is not supported");
	if (axis < 0)
		axis += x->ndim;
	if (s->n != 1 && (axis >= x->ndim || (int64_t)s->n != x->dims[axis]))
		return cv_node_fail(cv, n, "per-axis scale does not match axis %lld", (long long)axis);
	if (cv_const_alloc(&out, x->ndim, x->dims))
		return cv_fail(cv, -ENOMEM, "out of memory");
	for (size_t i = 0; i < x->n; i++) {
		size_t c = 0, inner = 1;

		if (s->n != 1) {
			for (int j = x->ndim - 1; j > axis; j--)
				inner *= (size_t)x->dims[j];
			c = (i / inner) % (size_t)x->dims[axis];
		}
		out.v[i] = (x->v[i] - (z ? z->v[z->n == 1 ? 0 : c] : 0)) * s->v[s->n == 1 ? 0 : c];
	}
	return out_const(cv, n, 0, &out);
}

/* Per-element batch dependence for ops that move elements: out[i] <- x[src[i]]. */
static int take_bdep(struct cv_const *out, const struct cv_const *x, const size_t *src)
{
	if (!x->bdep)
		return 0;
	out->bdep = malloc(out->n + 1);
	if (!out->bdep)
		return -ENOMEM;
	for (size_t i = 0; i < out->n; i++)
		out->bdep[i] = x->bdep[src[i]];
	return 0;
}

/* Gather(data, indices, axis) of constants (shape arithmetic: x.size(0)). */
static int fold_gather(struct cv *cv, const Onnx__NodeProto *n, const struct cv_const *x)
{
	const struct cv_const *idx = cv_in_const_any(cv, n, 1);
	int64_t axis = cv_attr_i(n, "axis", 0), d[CV_MAXDIM];
	size_t outer = 1, inner = 1, *src;
	int nd = 0;
	struct cv_const out;

	if (axis < 0)
		axis += x->ndim;
	if (!idx || axis < 0 || axis >= x->ndim || x->ndim + idx->ndim - 1 > CV_MAXDIM)
		return cv_node_fail(cv, n, "bad axis or indices");
	for (int i = 0; i < axis; i++)
		outer *= (size_t)(d[nd++] = x->dims[i]);
	for (int i = 0; i < idx->ndim; i++)
		d[nd++] = idx->dims[i];
	for (int i = (int)axis + 1; i < x->ndim; i++)
		inner *= (size_t)(d[nd++] = x->dims[i]);
	if (cv_const_alloc(&out, nd, d))
		return cv_fail(cv, -ENOMEM, "out of memory");
	src = malloc(out.n * sizeof(size_t) + 1);
	if (!src) {
		cv_const_free(&out);
		return cv_fail(cv, -ENOMEM, "out of memory");
	}
	out.onnx_type = x->onnx_type;
	for (size_t o = 0, i = 0; o < outer; o++)
		for (size_t j = 0; j < idx->n; j++) {
			int64_t k = (int64_t)idx->v[j];

			if (k < 0)
				k += x->dims[axis];
			if (k < 0 || k >= x->dims[axis]) {
				free(src);
				cv_const_free(&out);
				return cv_node_fail(cv, n, "index %lld out of range", (long long)idx->v[j]);
			}
			for (size_t e = 0; e < inner; e++, i++) {
				src[i] = (o * (size_t)x->dims[axis] + (size_t)k) * inner + e;
				out.v[i] = x->v[src[i]];
			}
		}
	if (take_bdep(&out, x, src)) {
		free(src);
		cv_const_free(&out);
		return cv_fail(cv, -ENOMEM, "out of memory");
	}
	free(src);
	return out_const(cv, n, 0, &out);
}

/* Concat of constants along axis. */
static int fold_concat(struct cv *cv, const Onnx__NodeProto *n)
{
	const struct cv_const *x = cv_in_const_any(cv, n, 0);
	int64_t axis = cv_attr_i(n, "axis", 0), d[CV_MAXDIM];
	size_t outer = 1, at = 0;
	struct cv_const out;
	int bd = 0;

	if (axis < 0)
		axis += x->ndim;
	if (axis < 0 || axis >= x->ndim)
		return cv_node_fail(cv, n, "bad axis");
	memcpy(d, x->dims, sizeof(d));
	d[axis] = 0;
	for (size_t i = 0; i < n->n_input; i++) {
		const struct cv_const *k = cv_in_const_any(cv, n, i);

		if (!k || k->ndim != x->ndim)
			return cv_node_fail(cv, n, "inputs of different ranks");
		for (int j = 0; j < x->ndim; j++)
			if (j != axis && k->dims[j] != x->dims[j])
				return cv_node_fail(cv, n, "inputs of different shapes");
		d[axis] += k->dims[axis];
		bd |= k->bdep != NULL;
	}
	for (int i = 0; i < axis; i++)
		outer *= (size_t)x->dims[i];
	if (cv_const_alloc(&out, x->ndim, d))
		return cv_fail(cv, -ENOMEM, "out of memory");
	out.onnx_type = x->onnx_type;
	if (bd && !(out.bdep = calloc(out.n + 1, 1))) {
		cv_const_free(&out);
		return cv_fail(cv, -ENOMEM, "out of memory");
	}
	for (size_t o = 0; o < outer; o++)
		for (size_t i = 0; i < n->n_input; i++) {
			const struct cv_const *k = cv_in_const_any(cv, n, i);
			size_t chunk = k->n / outer;

			memcpy(out.v + at, k->v + o * chunk, chunk * sizeof(double));
			if (k->bdep)
				memcpy(out.bdep + at, k->bdep + o * chunk, chunk);
			at += chunk;
		}
	return out_const(cv, n, 0, &out);
}

/* Slice of a 1-D constant (starts/ends/axes/steps as inputs, or attributes < 10). */
static int fold_slice(struct cv *cv, const Onnx__NodeProto *n, const struct cv_const *x)
{
	const struct cv_const *st = cv_in_const_any(cv, n, 1), *en = cv_in_const_any(cv, n, 2);
	const struct cv_const *ax = n->n_input > 3 && n->input[3][0] ? cv_in_const_any(cv, n, 3) : NULL;
	const struct cv_const *sp = n->n_input > 4 && n->input[4][0] ? cv_in_const_any(cv, n, 4) : NULL;
	int64_t a[1], b[1], len = x->ndim == 1 ? x->dims[0] : -1, step = 1, s0, e0, cnt = 0;
	size_t *src;
	struct cv_const out;
	int err;

	if (len < 0)
		return cv_node_fail(cv, n, "Slice of a constant of rank %d (only 1-D)", x->ndim);
	if (st && en) {
		if (st->n != 1 || en->n != 1 || (ax && (ax->n != 1 || ax->v[0] > 0 || ax->v[0] < -1)) ||
		    (sp && sp->n != 1))
			return cv_node_fail(cv, n, "one axis only");
		s0 = (int64_t)st->v[0];
		e0 = en->v[0] > 9e15 ? INT64_MAX : en->v[0] < -9e15 ? INT64_MIN : (int64_t)en->v[0];
		step = sp ? (int64_t)sp->v[0] : 1;
	} else if (cv_attr_ints(n, "starts", a, 1) == 1 && cv_attr_ints(n, "ends", b, 1) == 1) {
		s0 = a[0];
		e0 = b[0];
	} else {
		return cv_node_fail(cv, n, "starts and ends must be constants");
	}
	if (step <= 0)
		return cv_node_fail(cv, n, "steps other than positive");
	if (s0 < 0)
		s0 += len;
	if (e0 < 0 && e0 != INT64_MIN)
		e0 += len;
	s0 = s0 < 0 ? 0 : s0 > len ? len : s0;
	e0 = e0 < 0 ? 0 : e0 > len ? len : e0;
	src = malloc(((size_t)len + 1) * sizeof(size_t));
	if (!src)
		return cv_fail(cv, -ENOMEM, "out of memory");
	for (int64_t i = s0; i < e0; i += step)
		src[cnt++] = (size_t)i;
	if (cv_const_alloc(&out, 1, &cnt)) {
		free(src);
		return cv_fail(cv, -ENOMEM, "out of memory");
	}
	out.onnx_type = x->onnx_type;
	for (int64_t i = 0; i < cnt; i++)
		out.v[i] = x->v[src[i]];
	err = take_bdep(&out, x, src);
	free(src);
	if (err) {
		cv_const_free(&out);
		return cv_fail(cv, -ENOMEM, "out of memory");
	}
	return out_const(cv, n, 0, &out);
}

static int fold_unary(struct cv *cv, const Onnx__NodeProto *n, const struct cv_const *x)
{
	const char *op = n->op_type;
	struct cv_const out;

	if (cv_const_alloc(&out, x->ndim, x->dims))
		return cv_fail(cv, -ENOMEM, "out of memory");
	out.onnx_type = x->onnx_type;
	for (size_t i = 0; i < x->n; i++) {
		double v = x->v[i];

		if (!strcmp(op, "Neg"))
			v = -v;
		else if (!strcmp(op, "Abs"))
			v = fabs(v);
		else if (!strcmp(op, "Sign"))
			v = v > 0 ? 1 : v < 0 ? -1 : 0;
		else if (!strcmp(op, "Round"))
			v = round_even(v);
		else if (!strcmp(op, "Sqrt"))
			v = sqrt(v);
		else if (!strcmp(op, "Reciprocal"))
			v = 1 / v;
		out.v[i] = v;
	}
	return out_const(cv, n, 0, &out);
}

static int constfold_node(struct cv *cv, const Onnx__NodeProto *n);

/*
 * Folds n; an output computed from batch-dependent inputs is batch-dependent
 * (element by element where the op says so, else as a whole).
 */
int cv_constfold(struct cv *cv, const Onnx__NodeProto *n)
{
	const struct cv_const *in[8] = { 0 };
	int r = constfold_node(cv, n), nin = 0;

	if (r <= 0)
		return r;
	for (size_t i = 0; i < n->n_input && nin < 8; i++)
		in[nin++] = cv_in_const_any(cv, n, i);
	for (size_t o = 0; o < n->n_output; o++) {
		struct cv_value *v = cv_find(cv, n->output[o]);

		if (v && v->kind == CV_CONST && !v->k.bdep && cv_const_bdep_from(&v->k, in, nin))
			return cv_fail(cv, -ENOMEM, "out of memory");
	}
	return 1;
}

static int constfold_node(struct cv *cv, const Onnx__NodeProto *n)
{
	const char *op = n->op_type;
	const struct cv_const *x;

	if (!strcmp(op, "Constant") && cv_is_default_domain(n)) {
		const Onnx__AttributeProto *a = cv_attr(n, "value");
		struct cv_const k;
		int err;

		if (a && a->t) {
			err = cv_tensor_to_const(cv, a->t, &k);
			if (err)
				return cv_node_fail(cv, n, "%s", cv->err);
			return out_const(cv, n, 0, &k) ?: 1;
		}
		if ((a = cv_attr(n, "value_float")) || (a = cv_attr(n, "value_int"))) {
			if (cv_const_alloc(&k, 0, NULL))
				return cv_fail(cv, -ENOMEM, "out of memory");
			k.v[0] = a->has_f ? a->f : (double)a->i;
			return out_const(cv, n, 0, &k) ?: 1;
		}
		if ((a = cv_attr(n, "value_floats")) || (a = cv_attr(n, "value_ints"))) {
			int64_t d = a->n_floats ? (int64_t)a->n_floats : (int64_t)a->n_ints;

			if (cv_const_alloc(&k, 1, &d))
				return cv_fail(cv, -ENOMEM, "out of memory");
			for (int64_t i = 0; i < d; i++)
				k.v[i] = a->n_floats ? a->floats[i] : (double)a->ints[i];
			return out_const(cv, n, 0, &k) ?: 1;
		}
		return cv_node_fail(cv, n, "Constant without a supported value attribute");
	}
	for (size_t i = 0; i < n->n_input; i++)
		if (n->input[i][0] && !cv_in_const_any(cv, n, i))
			return 0;
	if (!n->n_input)
		return 0;
	x = cv_in_const_any(cv, n, 0);
	if (!x)		/* input 0 named "" (absent), the others constant */
		return cv_node_fail(cv, n, "input 0 is missing");
	if (cv_is_qonnx(n)) {
		if (!strcmp(op, "Quant") || !strcmp(op, "IntQuant"))
			return fold_quant(cv, n) ?: 1;
		if (!strcmp(op, "BipolarQuant"))
			return fold_bipolar(cv, n) ?: 1;
		return 0;
	}
	if (!cv_is_default_domain(n))
		return 0;
	if (!strcmp(op, "Identity") || !strcmp(op, "Dropout"))
		return copy_reshaped(cv, n, x, x->ndim, x->dims) ?: 1;
	if (!strcmp(op, "Cast"))
		return fold_cast(cv, n, x) ?: 1;
	if (!strcmp(op, "Add"))
		return elementwise(cv, n, f_add, 2) ?: 1;
	if (!strcmp(op, "Sub"))
		return elementwise(cv, n, f_sub, 2) ?: 1;
	if (!strcmp(op, "Mul"))
		return elementwise(cv, n, f_mul, 2) ?: 1;
	if (!strcmp(op, "Div"))
		return elementwise(cv, n, is_int_type(x->onnx_type) ? f_idiv : f_div, 2) ?: 1;
	if (!strcmp(op, "GreaterOrEqual"))
		return elementwise(cv, n, f_ge, 2) ?: 1;
	if (!strcmp(op, "Greater"))
		return elementwise(cv, n, f_gt, 2) ?: 1;
	if (!strcmp(op, "LessOrEqual"))
		return elementwise(cv, n, f_le, 2) ?: 1;
	if (!strcmp(op, "Less"))
		return elementwise(cv, n, f_lt, 2) ?: 1;
	if (!strcmp(op, "Equal"))
		return elementwise(cv, n, f_eq, 2) ?: 1;
	if (!strcmp(op, "Where"))
		return elementwise(cv, n, f_where, 3) ?: 1;
	if (!strcmp(op, "Neg") || !strcmp(op, "Abs") || !strcmp(op, "Sign") ||
	    !strcmp(op, "Round") || !strcmp(op, "Sqrt") || !strcmp(op, "Reciprocal"))
		return fold_unary(cv, n, x) ?: 1;
	if (!strcmp(op, "Transpose"))
		return fold_transpose(cv, n, x) ?: 1;
	if (!strcmp(op, "Gather"))
		return fold_gather(cv, n, x) ?: 1;
	if (!strcmp(op, "Concat"))
		return fold_concat(cv, n) ?: 1;
	if (!strcmp(op, "Slice"))
		return fold_slice(cv, n, x) ?: 1;
	if (!strcmp(op, "DequantizeLinear"))
		return fold_dequant(cv, n) ?: 1;
	if (!strcmp(op, "Reshape")) {
		int64_t d[CV_MAXDIM];
		int nd = cv_reshape_dims(cv_in_const_any(cv, n, 1), x->dims, x->ndim, x->n,
					 (int)cv_attr_i(n, "allowzero", 0), d);

		if (nd < 0)
			return cv_node_fail(cv, n, "invalid target shape");
		return copy_reshaped(cv, n, x, nd, d) ?: 1;
	}
	if (!strcmp(op, "Flatten")) {
		int64_t axis = cv_attr_i(n, "axis", 1), d[2] = { 1, 1 };

		if (axis < 0)
			axis += x->ndim;
		for (int i = 0; i < x->ndim; i++)
			d[i >= axis] *= x->dims[i];
		return copy_reshaped(cv, n, x, 2, d) ?: 1;
	}
	if (!strcmp(op, "Squeeze") || !strcmp(op, "Unsqueeze")) {
		int64_t ax[CV_MAXDIM], d[CV_MAXDIM];
		int na = cv_attr_ints(n, "axes", ax, CV_MAXDIM), nd = 0;
		const struct cv_const *axc = cv_in_const_any(cv, n, 1);

		if (na < 0 && axc) {
			na = (int)axc->n;
			for (int i = 0; i < na && i < CV_MAXDIM; i++)
				ax[i] = (int64_t)axc->v[i];
		}
		if (!strcmp(op, "Squeeze")) {
			for (int i = 0; i < x->ndim; i++) {
				int drop = na < 0 && x->dims[i] == 1;

				for (int j = 0; j < na; j++)
					drop |= ax[j] == i || ax[j] + x->ndim == i;
				if (!drop)
					d[nd++] = x->dims[i];
			}
		} else {
			int on = x->ndim + (na > 0 ? na : 0), src = 0;

			for (int i = 0; i < on && i < CV_MAXDIM; i++) {
				int ins = 0;

				for (int j = 0; j < na; j++)
					ins |= ax[j] == i || ax[j] + on == i;
				d[nd++] = ins ? 1 : x->dims[src++];
			}
		}
		return copy_reshaped(cv, n, x, nd, d) ?: 1;
	}
	return 0;
}
