// SPDX-License-Identifier: MIT
/*
 * Activation functions as real thresholds, and their folding into the
 * per-channel integer thresholds of docs/layout.md.
 *
 * Every quantizer qnn accepts is a monotone step function of its input x:
 * its output is oa * count + ob with count = #{k : x >= T_k} (or x > T_k for
 * exclusive thresholds). Folding composes it with the integer accumulator's
 * map real = a*q + b and solves for q exactly in double precision.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"

void cv_qfn_free(struct cv_qfn *f)
{
	free(f->t);
	free(f->incl);
	free(f->oa);
	free(f->ob);
	free(f->us);
	free(f->qs);
	free(f->qz);
	memset(f, 0, sizeof(*f));
}

static int qfn_alloc(struct cv_qfn *f, size_t nch, size_t nt, size_t noab)
{
	memset(f, 0, sizeof(*f));
	f->nch = nch;
	f->nt = nt;
	f->noab = noab;
	f->t = calloc(nch * nt + 1, sizeof(double));
	f->incl = calloc(nch * nt + 1, 1);
	f->oa = calloc(noab, sizeof(double));
	f->ob = calloc(noab, sizeof(double));
	if (!f->t || !f->incl || !f->oa || !f->ob) {
		cv_qfn_free(f);
		return -ENOMEM;
	}
	return 0;
}

int cv_rounding_mode(const char *s)
{
	static const char *const names[] = { "ROUND", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP",
					     "HALF_DOWN" };

	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcasecmp(s, names[i]))
			return i;
	if (!strcasecmp(s, "HALF_EVEN"))
		return CV_RM_ROUND;
	return -1;
}

double cv_round(int mode, double x)
{
	switch (mode) {
	case CV_RM_CEIL:
		return ceil(x);
	case CV_RM_FLOOR:
		return floor(x);
	case CV_RM_UP:
		return x >= 0 ? ceil(x) : floor(x);
	case CV_RM_DOWN:
		return trunc(x);
	case CV_RM_HALF_UP:
		return round(x);	/* C round(): halves away from zero */
	case CV_RM_HALF_DOWN:
		return fabs(x - trunc(x)) == 0.5 ? trunc(x) : round(x);
	default:
		return nearbyint(x);	/* FE_TONEAREST: halves to even */
	}
}

/*
 * rnd(v) >= k for an integer k, as one threshold on v. Derived per mode from
 * where rnd steps from k - 1 to k and which side the step point belongs to.
 */
void cv_round_ge(int mode, double k, double *t, unsigned char *incl)
{
	switch (mode) {
	case CV_RM_FLOOR:	/* floor(v) >= k <=> v >= k */
		*t = k;
		*incl = 1;
		break;
	case CV_RM_CEIL:	/* ceil(v) >= k <=> v > k - 1 */
		*t = k - 1;
		*incl = 0;
		break;
	case CV_RM_UP:		/* away from zero: ceil above 0, floor below */
		*t = k >= 1 ? k - 1 : k;
		*incl = k < 1;
		break;
	case CV_RM_DOWN:	/* toward zero: floor above 0, ceil below */
		*t = k >= 1 ? k : k - 1;
		*incl = k >= 1;
		break;
	case CV_RM_HALF_UP:	/* the half goes away from zero */
		*t = k - 0.5;
		*incl = k >= 1;
		break;
	case CV_RM_HALF_DOWN:	/* the half goes toward zero */
		*t = k - 0.5;
		*incl = k < 1;
		break;
	default:		/* half to even: v = k - 1/2 rounds to k iff k is even */
		*t = k - 0.5;
		*incl = fmod(fabs(k), 2.0) == 0.0;
		break;
	}
}

static void round_ge(double m, double *t, unsigned char *incl)
{
	cv_round_ge(CV_RM_ROUND, m, t, incl);
}

/*
 * Records the quantizer as the graph states it (IOQUANT); scales and zero
 * points are set by the caller into f->qs, f->qz (noab entries), which stay
 * NULL if out of memory (then nothing is recorded: qkind 0).
 */
static void qdesc(struct cv_qfn *f, int kind, int round, int bits, int sgn, int nar,
		  double lo, double hi)
{
	f->qs = calloc(f->noab, sizeof(double));
	f->qz = calloc(f->noab, sizeof(double));
	if (!f->qs || !f->qz)
		return;
	f->qkind = kind;
	f->qround = round;
	f->qbits = bits;
	f->qsigned = sgn;
	f->qnarrow = nar;
	f->qlo = lo;
	f->qhi = hi;
}

/* Records a uniform zero-point-0 quantizer (scales: oa) for the QUANTIZE op. */
static void uniform_info(struct cv_qfn *f, int ok, double lo, double hi)
{
	if (!ok || !(f->us = malloc(f->noab * sizeof(double))))
		return;
	memcpy(f->us, f->oa, f->noab * sizeof(double));
	f->uniform = 1;
	f->ulo = lo;
	f->uhi = hi;
}

/* Per-channel or per-tensor constant: values for channel count c (1 or c). */
static int chan_const(struct cv *cv, const Onnx__NodeProto *n, size_t i, const struct cv_act *x,
		      const struct cv_const **k, size_t *cnt, const char *what)
{
	*k = cv_in_const(cv, n, i);
	if (!*k)
		return cv_node_fail(cv, n, "%s must be a constant", what);
	return cv_chan_operand(cv, n, *k, x, what, cnt);
}

/*
 * QONNX Quant/IntQuant on an activation, as qonnx's reference quant() runs
 * it: y = clamp(x/s + z, lo, hi) rounded, out = (y - z) * s; a 1-bit signed
 * quantizer is bipolar instead: y = x/s + z >= 0 ? +1 : -1 (narrow ignored).
 */
static int qfn_quant(struct cv *cv, const Onnx__NodeProto *n, const struct cv_act *x,
		     struct cv_qfn *f)
{
	const struct cv_const *s, *z, *bw;
	char buf[32];
	const char *mname = cv_attr_s(n, "rounding_mode", "ROUND", buf, sizeof(buf));
	int sgn = (int)cv_attr_i(n, "signed", 1), nar = (int)cv_attr_i(n, "narrow", 0);
	int err, bits, mode = cv_rounding_mode(mname);
	double lo, hi;
	size_t nch, ns, nz;

	if ((err = chan_const(cv, n, 1, x, &s, &ns, "scale")) ||
	    (err = chan_const(cv, n, 2, x, &z, &nz, "zero point")))
		return err;
	bw = cv_in_const(cv, n, 3);
	if (!bw || bw->n != 1 || bw->v[0] != floor(bw->v[0]) || bw->v[0] < 1 || bw->v[0] > 8)
		return cv_node_fail(cv, n, "activation bit width must be a constant 1..8 (qnn "
				    "activations have at most 8 bits)");
	if (mode < 0)
		return cv_node_fail(cv, n, "rounding_mode \"%s\" is not a QONNX rounding mode", mname);
	bits = (int)bw->v[0];
	lo = sgn ? -ldexp(1, bits - 1) + nar : 0;
	hi = sgn ? ldexp(1, bits - 1) - 1 : ldexp(1, bits) - 1 - nar;
	if (sgn && bits == 1)
		lo = -1, hi = 1;
	else if (hi <= lo)
		return cv_node_fail(cv, n, "a 1-bit unsigned narrow quantizer has one level: its "
				    "output is the constant %g; replace it by that constant",
				    -z->v[0] * s->v[0]);
	nch = ns > 1 || nz > 1 ? x->c : 1;
	if (qfn_alloc(f, nch, sgn && bits == 1 ? 1 : (size_t)(hi - lo), nch))
		return cv_fail(cv, -ENOMEM, "out of memory");
	f->bipolar = sgn && bits == 1;
	/* qnn_rounding follows cv_rmode's order */
	qdesc(f, f->bipolar ? QNN_QUANT_BIPOLAR : QNN_QUANT_UNIFORM, mode, bits, sgn, nar, lo, hi);
	for (size_t ch = 0; ch < nch; ch++) {
		double sc = s->v[ns > 1 ? ch : 0], zp = z->v[nz > 1 ? ch : 0];

		if (f->qkind) {
			f->qs[ch] = sc;
			f->qz[ch] = zp;
		}

		if (!(sc > 0)) {
			cv_qfn_free(f);
			return cv_node_fail(cv, n, "scale %g is not positive", sc);
		}
		if (f->bipolar) {	/* x/s + z >= 0; out = (+-1 - z) * s */
			f->t[ch] = -zp * sc;
			f->incl[ch] = 1;
			f->oa[ch] = sc;
			f->ob[ch] = -zp * sc;
			continue;
		}
		/* q >= k  <=>  rnd(x/s + z) >= k, k = lo+1 .. hi (clamping is the range) */
		for (size_t j = 0; j < f->nt; j++) {
			double tv;
			unsigned char inc;

			cv_round_ge(mode, lo + 1 + (double)j, &tv, &inc);
			f->t[ch * f->nt + j] = (tv - zp) * sc;
			f->incl[ch * f->nt + j] = inc;
		}
		/* real = (q - z) * s, q = lo + count */
		f->oa[ch] = sc;
		f->ob[ch] = (lo - zp) * sc;
	}
	uniform_info(f, mode == CV_RM_ROUND && !f->bipolar && z->n == 1 && z->v[0] == 0, lo, hi);
	return 0;
}

/* QONNX MultiThreshold: thresholds C x T (or 1 x T), out = out_scale*count + out_bias. */
static int qfn_multithreshold(struct cv *cv, const Onnx__NodeProto *n, uint32_t c,
			      struct cv_qfn *f)
{
	const struct cv_const *th = cv_in_const(cv, n, 1);
	char buf[32];
	const char *layout = cv_attr_s(n, "data_layout", "NCHW", buf, sizeof(buf));
	double os = cv_attr_f(n, "out_scale", 1.0), ob = cv_attr_f(n, "out_bias", 0.0);
	size_t rows, nt;

	if (!th || th->ndim != 2)
		return cv_node_fail(cv, n, "thresholds must be a constant C x T matrix");
	if (strcmp(layout, "NCHW") && strcmp(layout, "NC") && strcmp(layout, "NHWC"))
		return cv_node_fail(cv, n, "data_layout \"%s\" (NCHW, NC or NHWC)", layout);
	rows = (size_t)th->dims[0];
	nt = (size_t)th->dims[1];
	if ((rows != 1 && rows != c) || nt < 1 || nt > CV_MAXT)
		return cv_node_fail(cv, n, "thresholds are %zux%zu for %u channels", rows, nt, c);
	if (qfn_alloc(f, rows, nt, 1))
		return cv_fail(cv, -ENOMEM, "out of memory");
	for (size_t i = 0; i < rows * nt; i++) {
		f->t[i] = th->v[i];
		f->incl[i] = 1;
	}
	f->oa[0] = os;
	f->ob[0] = ob;
	if (nt == 1 && os == 2.0 && ob == -1.0) {	/* out_dtype BIPOLAR */
		f->bipolar = 1;
		f->oa[0] = 1.0;
		f->ob[0] = 0.0;
	}
	{	/* non-uniform thresholds: codes 0..nt, no scale */
		int b = 1;

		while (((size_t)1 << b) - 1 < nt)
			b++;
		qdesc(f, QNN_QUANT_THRESHOLDS, 0, b, 0, 0, 0, (double)nt);
	}
	return 0;
}

/*
 * QONNX Trunc (v1: x, scale, zeropt, in_bits, out_bits; v2 adds out_scale
 * with signed/narrow attributes) on an activation: q = rnd(round(x/s+z)/2^t).
 */
static int qfn_trunc(struct cv *cv, const Onnx__NodeProto *n, uint32_t c, struct cv_qfn *f)
{
	const struct cv_const *s = cv_in_const(cv, n, 1), *z = cv_in_const(cv, n, 2);
	const struct cv_const *ib = cv_in_const(cv, n, 3), *ob = cv_in_const(cv, n, 4);
	const struct cv_const *osc = n->n_input > 5 ? cv_in_const(cv, n, 5) : NULL;
	char buf[32];
	const char *mode = cv_attr_s(n, "rounding_mode", "FLOOR", buf, sizeof(buf));
	double sc, zp, ts, lo, hi, outs;
	int sgn, nar;

	(void)c;
	if (strcasecmp(mode, "FLOOR") && strcasecmp(mode, "CEIL") && strcasecmp(mode, "ROUND"))
		return cv_node_fail(cv, n, "rounding_mode \"%s\": Trunc supports FLOOR, CEIL and "
				    "ROUND", mode);
	if (!s || !z || !ib || !ob || s->n != 1 || z->n != 1 || ib->n != 1 || ob->n != 1 ||
	    (n->n_input > 5 && (!osc || osc->n != 1)))
		return cv_node_fail(cv, n, "scale, zero point and bit widths must be scalar constants");
	sc = s->v[0];
	zp = z->v[0];
	if (osc) {	/* v2: the output bit width is input 4, out_scale input 5? */
		/* v2 inputs: x, scale, zeropt, in_bitwidth, out_scale, out_bitwidth */
		outs = ob->v[0];
		ob = osc;
		osc = NULL;
		ts = exp2(nearbyint(log2(outs / sc)));
		sgn = (int)cv_attr_i(n, "signed", 1);
		nar = (int)cv_attr_i(n, "narrow", 0);
		lo = sgn ? -ldexp(1, (int)ob->v[0] - 1) + nar : 0;
		hi = sgn ? ldexp(1, (int)ob->v[0] - 1) - 1 : ldexp(1, (int)ob->v[0]) - 1 - nar;
	} else {
		ts = ldexp(1, (int)(ib->v[0] - ob->v[0]));
		outs = sc;
		/* v1 has no clamp; the range follows from an unsigned in_bitwidth input */
		lo = 0;
		hi = ldexp(1, (int)ob->v[0]) - 1;
	}
	if (!(sc > 0) || ts < 1 || hi - lo > CV_MAXT || hi <= lo)
		return cv_node_fail(cv, n, "unsupported truncation (scale %g, shift %g, %g levels)",
				    sc, ts, hi - lo + 1);
	if (qfn_alloc(f, 1, (size_t)(hi - lo), 1))
		return cv_fail(cv, -ENOMEM, "out of memory");
	for (size_t j = 0; j < f->nt; j++) {
		double k = lo + 1 + (double)j, m, tv;
		unsigned char inc;

		/* r = round(x/s + z) is an integer; rnd(r/ts) >= k <=> r >= m */
		if (!strcasecmp(mode, "FLOOR")) {
			m = k * ts;
		} else if (!strcasecmp(mode, "CEIL")) {
			m = (k - 1) * ts + 1;
		} else {
			m = (k - 0.5) * ts;	/* tie r == m goes to the even k */
			if (m != floor(m) || fmod(fabs(k), 2.0) != 0.0)
				m = floor(m) + 1;
		}
		round_ge(m, &tv, &inc);
		f->t[j] = (tv - zp) * sc;
		f->incl[j] = inc;
	}
	f->oa[0] = outs;
	f->ob[0] = (lo - zp / ts) * outs;
	if (n->n_input <= 5)
		f->ob[0] = (lo - zp) * outs;
	/* on an input: rounded twice, so no single scale describes it */
	qdesc(f, QNN_QUANT_THRESHOLDS, 0, (int)ob->v[0], 0, 0, lo, hi);
	return 0;
}

/*
 * QuantizeLinear(x, scale, zp) on an activation: saturate(round(x/s) + zp) to
 * uint8/int8 (the zero point's type). The output is the integer; a following
 * DequantizeLinear is an affine map on it.
 */
static int qfn_quantizelinear(struct cv *cv, const Onnx__NodeProto *n, uint32_t c,
			      struct cv_qfn *f)
{
	const struct cv_const *s = cv_in_const(cv, n, 1), *z = cv_in_const(cv, n, 2);
	int sgn = z && z->onnx_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT8;
	double lo = sgn ? -128 : 0, hi = sgn ? 127 : 255;

	(void)c;
	if (!s || s->n != 1 || (z && z->n != 1))
		return cv_node_fail(cv, n, "only per-tensor constant scale and zero point");
	if (qfn_alloc(f, 1, (size_t)(hi - lo), 1))
		return cv_fail(cv, -ENOMEM, "out of memory");
	for (size_t j = 0; j < f->nt; j++) {
		double k = lo + 1 + (double)j, zp = z ? z->v[0] : 0, tv;
		unsigned char inc;

		/* round(x/s) + zp >= k <=> round(x/s) >= k - zp */
		round_ge(k - zp, &tv, &inc);
		f->t[j] = tv * s->v[0];
		f->incl[j] = inc;
	}
	f->oa[0] = s->v[0];
	uniform_info(f, !z || z->v[0] == 0, lo, hi);
	f->oa[0] = 1;
	f->ob[0] = lo;
	qdesc(f, QNN_QUANT_UNIFORM, QNN_ROUND_HALF_EVEN, 8, sgn, 0, lo, hi);
	if (f->qkind) {
		f->qs[0] = s->v[0];
		f->qz[0] = z ? z->v[0] : 0;
	}
	return 0;
}

int cv_qfn_from_node(struct cv *cv, const Onnx__NodeProto *n, const struct cv_act *x,
		     struct cv_qfn *f)
{
	const char *op = n->op_type;
	uint32_t c = x->c;

	memset(f, 0, sizeof(*f));
	if (cv_is_qonnx(n)) {
		if (!strcmp(op, "Quant") || !strcmp(op, "IntQuant"))
			return qfn_quant(cv, n, x, f) ?: 1;
		if (!strcmp(op, "MultiThreshold")) {
			char buf[16];

			/* NHWC: thresholds per last axis; the channels there only if x is NHWC */
			if (!strcmp(cv_attr_s(n, "data_layout", "NCHW", buf, sizeof(buf)), "NHWC") &&
			    x->rank == 4 && !x->nhwc && x->c > 1 && x->h * x->w > 1)
				return cv_node_fail(cv, n, "data_layout NHWC on an NCHW tensor");
			return qfn_multithreshold(cv, n, c, f) ?: 1;
		}
		if (!strcmp(op, "Trunc"))
			return qfn_trunc(cv, n, c, f) ?: 1;
		if (!strcmp(op, "BipolarQuant")) {
			const struct cv_const *s;
			size_t ns;
			int err = chan_const(cv, n, 1, x, &s, &ns, "scale");

			if (err)
				return err;
			if (qfn_alloc(f, 1, 1, ns))
				return cv_fail(cv, -ENOMEM, "out of memory");
			f->incl[0] = 1;		/* x >= 0 -> +1, then times the scale */
			f->bipolar = 1;
			qdesc(f, QNN_QUANT_BIPOLAR, 0, 1, 1, 0, -1, 1);
			for (size_t i = 0; i < ns; i++) {
				f->oa[i] = s->v[i];
				if (f->qkind)
					f->qs[i] = s->v[i];
			}
			return 1;
		}
		return 0;
	}
	if (!cv_is_default_domain(n))
		return 0;
	if (!strcmp(op, "Sign")) {
		/* Sign(0) is 0 in ONNX; a bit can only say +1 or -1: 0 -> +1 (lower warns) */
		if (qfn_alloc(f, 1, 1, 1))
			return cv_fail(cv, -ENOMEM, "out of memory");
		f->incl[0] = 1;
		f->bipolar = 1;
		f->onnx_sign = 1;
		f->oa[0] = 1;
		qdesc(f, QNN_QUANT_BIPOLAR, 0, 1, 1, 0, -1, 1);
		if (f->qkind)
			f->qs[0] = 1;
		return 1;
	}
	if (!strcmp(op, "QuantizeLinear"))
		return qfn_quantizelinear(cv, n, c, f) ?: 1;
	return 0;
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* Integer threshold for "a*q + b >= T" (incl) or "> T"; *neg set when a < 0. */
static int32_t int_threshold(double a, double b, double T, int incl, int *neg, int *exact_hit)
{
	double r, ri, t;

	*exact_hit = 0;
	if (a == 0) {	/* constant channel: always or never */
		int on = incl ? b >= T : b > T;

		return *neg ? (on ? INT32_MAX : INT32_MIN) : (on ? INT32_MIN : INT32_MAX);
	}
	r = (T - b) / a;
	ri = nearbyint(r);
	/* a ratio within rounding noise of an integer is that integer: the tie case */
	if (fabs(r - ri) <= 1e-9 * fmax(1.0, fabs(r))) {
		r = ri;
		*exact_hit = 1;
	}
	if (a > 0)	/* q >= r (incl) / q > r */
		t = r == floor(r) ? (incl ? r : r + 1) : ceil(r);
	else		/* q <= r (incl) / q < r */
		t = r == floor(r) ? (incl ? r : r - 1) : floor(r);
	if (t > INT32_MAX)
		return INT32_MAX;
	if (t < INT32_MIN)
		return INT32_MIN;
	return (int32_t)t;
}

int cv_qfn_fold(struct cv *cv, const struct cv_qfn *f, const struct cv_act *x,
		unsigned int bits, int32_t *th, uint8_t *neg)
{
	size_t T = ((size_t)1 << bits) - 1;
	int ties = 0;

	for (uint32_t c = 0; c < x->c; c++) {
		double a = x->a[c], b = x->b[c];
		int ng = a < 0;
		int32_t *row = th + (size_t)c * T;

		neg[c] = (uint8_t)ng;
		for (size_t j = 0; j < T; j++) {
			double Tv;
			int incl, hit, always = 0, never = 0;

			if (j >= f->nt) {	/* unused levels: never reached */
				row[j] = ng ? INT32_MIN : INT32_MAX;
				continue;
			}
			Tv = f->t[(f->nch > 1 ? c : 0) * f->nt + j];
			incl = f->incl[(f->nch > 1 ? c : 0) * f->nt + j];
			if (x->leaky)	/* y = k2*leaky(x) + m2 >= T <=> x >= unleak(T) */
				Tv = cv_act_unleak(x, c, Tv);
			if (x->clamped) {	/* pending Relu/Clip: y = clamp(x, lo, hi) */
				if (incl ? Tv <= x->clamp_lo : Tv < x->clamp_lo)
					always = 1;
				else if (incl ? Tv > x->clamp_hi : Tv >= x->clamp_hi)
					never = 1;
			}
			if (always)
				row[j] = ng ? INT32_MAX : INT32_MIN;
			else if (never)
				row[j] = ng ? INT32_MIN : INT32_MAX;
			else {
				row[j] = int_threshold(a, b, Tv, incl, &ng, &hit);
				ties += hit;
			}
		}
		qsort(row, T, sizeof(*row), cmp_i32);
	}
	(void)cv;
	return ties;
}
