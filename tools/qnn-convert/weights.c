// SPDX-License-Identifier: MIT
/*
 * Constant weights -> integers x per-output-channel scale, and the smallest
 * bit-plane encoding (docs/layout.md) that holds them exactly.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"

void cv_qweights_free(struct cv_qweights *qw)
{
	free(qw->q);
	free(qw->scale);
	qw->q = NULL;
	qw->scale = NULL;
}

static int is_int(double v, double tol)
{
	return fabs(v - nearbyint(v)) <= tol;
}

/*
 * Does w[0..n) / s consist of integers in [-128, 255]? A weight may only
 * become 0 if it is 0 (to within 1e-6 of the largest, mx): otherwise tiny
 * weights, as batch-norm folding makes of a channel with a small scale, would
 * pass as all zeros at s = 1.
 */
static int ints_with_scale(const double *w, size_t n, double s, double mx)
{
	for (size_t i = 0; i < n; i++) {
		double q = w[i] / s;

		if (fabs(q) > 255 || !is_int(q, 1e-4))
			return 0;
		if (nearbyint(q) == 0 && fabs(w[i]) > 1e-6 * mx)
			return 0;
	}
	return 1;
}

/*
 * Scale of one output channel's weights: the largest s = max|w| / k
 * (k = 1..255) that makes every weight an integer multiple of s, i.e. the
 * fewest levels: what a per-channel or per-tensor quantizer produces. Even
 * integer weights are not taken at scale 1 when a larger one fits: 8-bit
 * Quant codes times a scale of 2 are the 8-bit codes at scale 2, not 9-bit
 * integers (issue 10).
 */
static int channel_scale(const double *w, size_t n, double *s)
{
	double mx = 0;

	for (size_t i = 0; i < n; i++)
		mx = fmax(mx, fabs(w[i]));
	if (mx == 0) {
		*s = 1.0;
		return 0;
	}
	for (int k = 1; k <= 255; k++) {
		double cand = mx / k;

		if (ints_with_scale(w, n, cand, mx)) {
			*s = cand;
			return 0;
		}
	}
	return -1;
}

int cv_quantize_weights(struct cv *cv, const Onnx__NodeProto *n, const double *w,
			uint32_t o, uint32_t kh, uint32_t kw, uint32_t c,
			struct cv_qweights *qw)
{
	size_t per = (size_t)kh * kw * c, total = per * o;
	int32_t mn = INT32_MAX, mx = INT32_MIN;
	int allodd = 1, bip = 1;

	memset(qw, 0, sizeof(*qw));
	qw->o = o;
	qw->kh = kh;
	qw->kw = kw;
	qw->c = c;
	qw->q = malloc(total * sizeof(int32_t) + 1);
	qw->scale = malloc(o * sizeof(double) + 1);
	if (!qw->q || !qw->scale) {
		cv_qweights_free(qw);
		return cv_fail(cv, -ENOMEM, "out of memory");
	}
	for (uint32_t oc = 0; oc < o; oc++) {
		const double *wo = w + (size_t)oc * per;

		if (channel_scale(wo, per, &qw->scale[oc])) {
			cv_qweights_free(qw);
			return cv_node_fail(cv, n, "weights of output channel %u are not quantized "
					    "(not small integers times a scale); quantize them "
					    "(Quant/BipolarQuant/QuantizeLinear) before export", oc);
		}
		for (size_t i = 0; i < per; i++) {
			int32_t q = (int32_t)nearbyint(wo[i] / qw->scale[oc]);

			qw->q[(size_t)oc * per + i] = q;
			mn = q < mn ? q : mn;
			mx = q > mx ? q : mx;
			allodd &= (q & 1) != 0;
			bip &= q == 1 || q == -1;
		}
	}
	/* One shared scale is nicer for the per-channel tables; keep per channel. */
	if (bip) {
		qw->bits = 1;
		qw->enc = QNN_ENC_BIPOLAR;
	} else if (mn >= 0) {
		qw->enc = QNN_ENC_UNSIGNED;
		for (qw->bits = 1; (1 << qw->bits) - 1 < mx; qw->bits++)
			;
	} else {
		unsigned int sb, bb = 99;

		for (sb = 1; -(1 << (sb - 1)) > mn || (1 << (sb - 1)) - 1 < mx; sb++)
			;
		if (allodd)
			for (bb = 1; (1 << bb) - 1 < (mx > -mn ? mx : -mn); bb++)
				;
		qw->enc = bb < sb ? QNN_ENC_BIPOLAR_BRANCHES : QNN_ENC_SIGNED;
		qw->bits = bb < sb ? bb : sb;
	}
	if (qw->bits > 8) {
		cv_qweights_free(qw);
		return cv_node_fail(cv, n, "weights need %u bits (range %d..%d); at most 8 are supported",
				    qw->bits, mn, mx);
	}
	qw->maxabs = fmax(fabs((double)mn), fabs((double)mx));
	return 0;
}
