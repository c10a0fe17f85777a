// SPDX-License-Identifier: MIT
/*
 * The source graph's quantization of each graph input and output, recorded
 * in the .qnn file's IOQUANT section (docs/model-format.md) so applications
 * can feed codes or read codes without re-deriving them from the ONNX file.
 * The model still takes and gives floats: this is metadata, the layers do
 * the quantizing (docs/design.md).
 *
 * Input: the first quantizer on a float graph input, with the preprocessing
 * folded before it (x_q = a[c]·x + b[c]) moved into its scale and zero point:
 *     x_q / s + z = x / (s / a) + (z + b / s).
 * Output: a graph output whose tensor a quantizer wrote (possibly followed by
 * Mul/Add/reshapes, which only change a, b): real = a[c]·v + b[c] with v the
 * stored value, and v = q − code0 for the graph's integer q, so
 *     real = (q − zp)·a,  zp = code0 − b / a.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"

static struct cv_ioq *slot(struct cv *cv, int tensor)
{
	for (int i = 0; i < cv->nioq; i++)
		if (cv->ioq[i].tensor == tensor)
			return &cv->ioq[i];
	if (cv->nioq >= (int)(sizeof(cv->ioq) / sizeof(cv->ioq[0])))
		return NULL;
	memset(&cv->ioq[cv->nioq], 0, sizeof(cv->ioq[0]));
	cv->ioq[cv->nioq].tensor = tensor;
	return &cv->ioq[cv->nioq++];
}

/* An integer within rounding noise is that integer (zero points). */
static double snap(double v)
{
	double r = nearbyint(v);

	return fabs(v - r) <= 1e-9 * fmax(1.0, fabs(v)) ? r : v;
}

/* Fills d with n channels of scale/zero point, collapsed to one when all equal. */
static int set_values(struct qnn_quant_desc *d, const double *s, const double *z, uint32_t n)
{
	double *v;
	uint32_t k = 1;

	for (uint32_t c = 1; c < n; c++)
		if (s[c] != s[0] || z[c] != z[0])
			k = n;
	v = malloc(2 * sizeof(double) * k);
	if (!v)
		return -ENOMEM;
	memcpy(v, s, k * sizeof(double));
	memcpy(v + k, z, k * sizeof(double));
	d->channels = k;
	d->scale = v;
	d->zero_point = v + k;
	return 0;
}

static int same_desc(const struct qnn_quant_desc *a, const struct qnn_quant_desc *b)
{
	if (a->kind != b->kind || a->bits != b->bits || a->is_signed != b->is_signed ||
	    a->narrow != b->narrow || a->rounding != b->rounding || a->qmin != b->qmin ||
	    a->qmax != b->qmax || a->channels != b->channels)
		return 0;
	for (unsigned int c = 0; c < a->channels; c++)
		if (a->scale[c] != b->scale[c] || a->zero_point[c] != b->zero_point[c])
			return 0;
	return 1;
}

static void desc_free(struct qnn_quant_desc *d)
{
	free((void *)d->scale);
	d->scale = d->zero_point = NULL;
	d->channels = 0;
}

int cv_ioq_is_input(const struct cv *cv, int tensor)
{
	for (int i = 0; i < cv->nin_tensor; i++)
		if (cv->in_tensor[i] == tensor)
			return 1;
	return 0;
}

/*
 * The quantizer f (node n) reads x, a value of a float graph input with the
 * preprocessing map a, b (and maybe a pending Relu/Clip): record it.
 */
int cv_ioq_input(struct cv *cv, const struct cv_qfn *f, const struct cv_act *x)
{
	struct qnn_quant_desc d = { .sz = sizeof(d) };
	struct cv_ioq *q;
	double *s, *z;
	const char *why = NULL;

	if (x->pend || x->dtype != QNN_DT_F32 || !cv_ioq_is_input(cv, x->tensor))
		return 0;
	q = slot(cv, x->tensor);
	if (!q || q->dropped)
		return 0;
	d.kind = (enum qnn_quant_kind)f->qkind;
	d.bits = (unsigned int)f->qbits;
	d.is_signed = f->qsigned;
	d.narrow = f->qnarrow;
	d.rounding = (enum qnn_rounding)f->qround;
	d.qmin = (int32_t)f->qlo;
	d.qmax = (int32_t)f->qhi;
	if (!f->qkind)
		why = "the quantizer is not described";
	else if (x->leaky)
		why = "a PRelu/LeakyRelu before the quantizer";
	else if (x->clamped && f->qkind == QNN_QUANT_BIPOLAR)
		why = "a Relu/Clip before a bipolar quantizer";
	if (!why && d.kind != QNN_QUANT_THRESHOLDS) {
		s = calloc(2 * (size_t)x->c + 1, sizeof(double));
		if (!s)
			return cv_fail(cv, -ENOMEM, "out of memory");
		z = s + x->c;
		for (uint32_t c = 0; c < x->c && !why; c++) {
			double qs = f->qs[f->noab > 1 ? c : 0], qz = f->qz[f->noab > 1 ? c : 0];

			if (x->a[c] == 0 || !(qs > 0)) {
				why = "a constant channel";
				break;
			}
			s[c] = qs / x->a[c];
			z[c] = snap(qz + x->b[c] / qs);
			/* what the format cannot say (inf, NaN, 0) is not recorded */
			if (!isfinite(s[c]) || s[c] == 0 || !isfinite(z[c])) {
				why = "its scale or zero point is not a finite number";
				break;
			}
			if (x->clamped) {	/* Q(clamp(v)) = clamp(Q(v), Q(lo), Q(hi)) */
				double lo = fmax(f->qlo, cv_round(f->qround, x->clamp_lo / qs + qz));
				double hi = fmin(f->qhi, cv_round(f->qround, x->clamp_hi / qs + qz));

				if (c && (lo != d.qmin || hi != d.qmax))
					why = "a Relu/Clip that clamps channels to different ranges";
				d.qmin = (int32_t)lo;
				d.qmax = (int32_t)hi;
			}
		}
		if (!why && set_values(&d, s, z, x->c)) {
			free(s);
			return cv_fail(cv, -ENOMEM, "out of memory");
		}
		free(s);
	}
	if (why) {
		desc_free(&q->d);
		q->dropped = 1;
		q->why = why;
		return 0;
	}
	if (q->d.kind) {	/* a second quantizer on the same input */
		if (!same_desc(&q->d, &d)) {
			desc_free(&q->d);
			q->dropped = 1;
			q->why = "two different quantizers read it";
		}
		desc_free(&d);
		return 0;
	}
	q->d = d;
	return 0;
}

int cv_qout_add(struct cv *cv, int tensor, const struct cv_qfn *f, double code0)
{
	struct cv_qout *o = realloc(cv->qout, (cv->nqout + 1) * sizeof(*o));

	if (!o)
		return cv_fail(cv, -ENOMEM, "out of memory");
	cv->qout = o;
	o += cv->nqout++;
	memset(o, 0, sizeof(*o));
	o->tensor = tensor;
	/* an output's levels are uniform even after non-uniform thresholds */
	o->kind = f->bipolar ? QNN_QUANT_BIPOLAR : f->qkind ? QNN_QUANT_UNIFORM : 0;
	o->round = f->qkind == QNN_QUANT_UNIFORM ? f->qround : 0;
	o->bits = f->bipolar ? 1 : f->qbits;
	o->is_signed = f->bipolar || f->qsigned;
	o->narrow = f->qkind == QNN_QUANT_UNIFORM && f->qnarrow;
	o->code0 = f->bipolar ? 0 : code0;
	o->qlo = f->bipolar ? -1 : f->qlo;
	o->qhi = f->bipolar ? 1 : f->qhi;
	if (f->qkind == QNN_QUANT_THRESHOLDS && !f->bipolar) {	/* counts 0..nt */
		o->qlo = 0;
		o->qhi = (double)f->nt;
		o->code0 = 0;
		o->is_signed = 0;
	}
	return 0;
}

/* Graph output x (not pending, its stored values about to become F32). */
int cv_ioq_output(struct cv *cv, const struct cv_act *x, int out_tensor)
{
	const struct cv_qout *o = NULL;
	struct qnn_quant_desc d = { .sz = sizeof(d) };
	struct cv_ioq *q;
	double *s;
	int err;

	for (size_t i = 0; i < cv->nqout; i++)
		if (cv->qout[i].tensor == x->tensor)
			o = &cv->qout[i];
	if (!o || !o->kind || x->pend || x->dtype == QNN_DT_F32 || x->dtype == QNN_DT_I32)
		return 0;
	s = calloc(2 * (size_t)x->c + 1, sizeof(double));
	if (!s)
		return cv_fail(cv, -ENOMEM, "out of memory");
	for (uint32_t c = 0; c < x->c; c++) {
		if (x->a[c] == 0) {
			free(s);
			return 0;	/* a constant channel: no grid */
		}
		s[c] = x->a[c];
		s[x->c + c] = snap(o->code0 - x->b[c] / x->a[c]);
		if (!isfinite(s[c]) || !isfinite(s[x->c + c])) {
			free(s);
			return 0;	/* not a grid the format can say */
		}
	}
	d.kind = (enum qnn_quant_kind)o->kind;
	d.bits = (unsigned int)o->bits;
	d.is_signed = o->is_signed;
	d.narrow = o->narrow;
	d.rounding = (enum qnn_rounding)o->round;
	d.qmin = (int32_t)o->qlo;
	d.qmax = (int32_t)o->qhi;
	err = set_values(&d, s, s + x->c, x->c);
	free(s);
	if (err)
		return cv_fail(cv, -ENOMEM, "out of memory");
	q = slot(cv, out_tensor);
	if (!q) {
		desc_free(&d);
		return 0;
	}
	desc_free(&q->d);
	q->d = d;
	return 0;
}

static const char *const kinds[] = { "none", "uniform", "bipolar", "thresholds" };
static const char *const rounds[] = { "ROUND", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP",
				      "HALF_DOWN" };

/* "uniform 8-bit signed q -128..127 ROUND scale 0.0078125 zero point 0" */
void cv_ioq_describe(const struct qnn_quant_desc *d, char *buf, size_t len)
{
	int n;

	if (!d->kind) {
		snprintf(buf, len, "none");
		return;
	}
	n = snprintf(buf, len, "%s %u-bit%s%s q %d..%d", kinds[d->kind], d->bits,
		     d->is_signed ? " signed" : " unsigned", d->narrow ? " narrow" : "",
		     d->qmin, d->qmax);
	if (d->kind == QNN_QUANT_UNIFORM && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " %s", rounds[d->rounding % 7]);
	if (d->kind == QNN_QUANT_THRESHOLDS && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " (non-uniform thresholds: no scale)");
	for (unsigned int c = 0; c < d->channels && c < 4 && n > 0 && (size_t)n < len; c++)
		n += snprintf(buf + n, len - (size_t)n, "%s scale %.9g zero point %.9g",
			      c ? ";" : d->channels > 1 ? " per channel:" : "", d->scale[c],
			      d->zero_point[c]);
	if (d->channels > 4 && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "; ... (%u channels)", d->channels);
}

/* Hands the records to the writer; -v prints one line per input and output. */
int cv_ioq_emit(struct cv *cv, const int *ids, const char *const *names, const int *is_out,
		int n)
{
	for (int i = 0; i < n; i++) {
		const struct cv_ioq *q = NULL;
		char buf[512];

		for (int k = 0; k < cv->nioq; k++)
			if (cv->ioq[k].tensor == ids[i])
				q = &cv->ioq[k];
		if (q && q->d.kind && !q->dropped &&
		    qnn_writer_set_quant(cv->w, ids[i], &q->d) < 0)
			return cv_fail(cv, -EINVAL, "quantization of \"%s\": %s", names[i],
				       qnn_writer_errmsg(cv->w));
		if (!cv->opts.verbose)
			continue;
		if (q && q->dropped)
			snprintf(buf, sizeof(buf), "not recorded (%s)", q->why);
		else if (q && q->d.kind)
			cv_ioq_describe(&q->d, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "none (%s)", is_out[i] ?
				 "not a quantizer's output" : "no quantizer reads it first");
		fprintf(stderr, "  quant  %s \"%s\": %s\n", is_out[i] ? "output" : "input ",
			names[i], buf);
	}
	return 0;
}

void cv_ioq_free(struct cv *cv)
{
	for (int i = 0; i < cv->nioq; i++)
		desc_free(&cv->ioq[i].d);
	cv->nioq = 0;
	free(cv->qout);
	cv->qout = NULL;
	cv->nqout = 0;
}
