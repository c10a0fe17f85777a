// SPDX-License-Identifier: MIT
/*
 * The CPU's non-GEMM ops: output transforms (thresholds, shifts, scales),
 * pools (max-pool bit-sliced on packed planes), residual add, dequantize /
 * level lookup, flatten, top-k, quantize. Semantics: docs/model-format.md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "cpu.h"
#include "layout.h"

static inline uint32_t chan(const struct qnn_tensor *t, uint32_t c)
{
	return t->c == 1 ? 0 : c;
}

static unsigned int count_thresholds(const int32_t *t, unsigned int n, int32_t acc, int neg)
{
	unsigned int lo = 0, hi = n;

	/* ascending: number of t <= acc (>= comparisons), or t >= acc (negate) */
	if (!neg) {
		while (lo < hi) {
			unsigned int mid = (lo + hi) / 2;

			if (t[mid] <= acc)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo;
	}
	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (t[mid] < acc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return n - lo;
}

/*
 * THRESHOLD on an F32 input (float thresholds, ascending per channel): the
 * code is #{t : x >= t} (negate: x <= t), packed as cpu_transform_row does.
 * NaN meets no threshold.
 */
static void threshold_f32_row(const struct qnn_model *m, const struct qnn_layer *l,
			      const float *x, void *out)
{
	const struct qnn_tensor *o = &m->t[l->out];
	const float *th = m->t[l->thresholds].data;
	const struct qnn_tensor *ng = l->negate >= 0 ? &m->t[l->negate] : NULL;
	unsigned int nt = (1u << o->bits) - 1;
	uint64_t *px = out;

	if (o->bits == 1) {	/* one threshold: Sign / BipolarQuant on a float layer */
		/* BIPOLAR: +1 is bit 0; UNSIGNED: code 1 is bit 1 */
		uint64_t flip = o->enc == QNN_ENC_BIPOLAR;
		const uint8_t *nd = ng ? ng->data : NULL;
		uint32_t nstep = ng && ng->c != 1;

		/* a word at a time, without branches: NaN meets neither test */
		for (uint32_t w0 = 0; w0 < o->c; w0 += 64) {
			uint32_t nc = o->c - w0 < 64 ? o->c - w0 : 64, i = 0;
			uint64_t word = 0;

#ifdef __SSE2__
			/* x86-64's baseline: 4 compares per instruction (cmpnltps is
			 * true for NaN, so x >= t is written as t <= x: cmpleps) */
			if (!nd)
				for (; i + 4 <= nc; i += 4) {
					__m128 v = _mm_loadu_ps(x + w0 + i);
					__m128 t = _mm_loadu_ps(th + w0 + i);

					word |= (uint64_t)_mm_movemask_ps(_mm_cmple_ps(t, v)) << i;
				}
			word ^= flip ? (i == 64 ? ~0ull : (1ull << i) - 1) : 0;
#endif
			for (; i < nc; i++) {
				uint32_t c = w0 + i;
				uint64_t neg = nd ? nd[c * nstep] != 0 : 0;
				uint64_t ge = x[c] >= th[c], le = x[c] <= th[c];

				word |= (((ge & !neg) | (le & neg)) ^ flip) << i;
			}
			px[w0 / 64] = word;
		}
		return;
	}
	memset(px, 0, o->pix_bytes);
	for (uint32_t c = 0; c < o->c; c++) {
		int neg = ng && ((const uint8_t *)ng->data)[chan(ng, c)];
		unsigned int code = 0;

		for (unsigned int k = 0; k < nt; k++)
			code += neg ? x[c] <= th[(size_t)c * nt + k] : x[c] >= th[(size_t)c * nt + k];
		if (o->bits == 1 && o->enc == QNN_ENC_BIPOLAR)
			code = !code;	/* +1 is bit 0 */
		for (unsigned int b = 0; code; b++, code >>= 1)
			px[b * o->cw + c / 64] |= (uint64_t)(code & 1) << (c % 64);
	}
}

void cpu_transform_row(const struct qnn_model *m, const struct qnn_layer *l,
		       const int32_t *acc, void *out)
{
	const struct qnn_tensor *o = &m->t[l->out];
	const struct qnn_tensor *sc = l->scale >= 0 ? &m->t[l->scale] : NULL;
	const struct qnn_tensor *bi = l->bias >= 0 ? &m->t[l->bias] : NULL;

	switch (o->dtype) {
	case QNN_DT_BITS: {
		const int32_t *th = m->t[l->thresholds].data;
		const struct qnn_tensor *ng = l->negate >= 0 ? &m->t[l->negate] : NULL;
		unsigned int nt = (1u << o->bits) - 1;
		uint64_t *px = out;

		memset(px, 0, o->pix_bytes);
		if (o->bits == 1) {
			for (uint32_t c = 0; c < o->c; c++) {
				int neg = ng && ((const uint8_t *)ng->data)[chan(ng, c)];
				int one = neg ? acc[c] <= th[c] : acc[c] >= th[c];

				/* BIPOLAR: +1 is bit 0; UNSIGNED: code 1 is bit 1 */
				if (o->enc == QNN_ENC_BIPOLAR ? !one : one)
					px[qnn_lay_pw(0, o->cw, c)] |= qnn_lay_bit(c);
			}
			return;
		}
		for (uint32_t c = 0; c < o->c; c++) {
			int neg = ng && ((const uint8_t *)ng->data)[chan(ng, c)];
			unsigned int code = count_thresholds(th + (size_t)c * nt, nt, acc[c], neg);

			qnn_lay_or(px, o->bits, o->cw, c, code);
		}
		return;
	}
	case QNN_DT_I32: {
		int32_t *dst = out;

		for (uint32_t c = 0; c < o->c; c++) {
			int64_t v = acc[c];

			if (bi)
				v += ((const int32_t *)bi->data)[chan(bi, c)];
			if (sc) {
				int s = ((const int8_t *)sc->data)[chan(sc, c)];

				if (s >= 0) {
					v = v > (INT64_MAX >> s) ? INT64_MAX :
					    v < (INT64_MIN >> s) ? INT64_MIN : v * ((int64_t)1 << s);
				} else {
					v >>= -s;	/* arithmetic: rounds toward -inf */
				}
			}
			dst[c] = v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
		}
		return;
	}
	case QNN_DT_F32: {
		float *dst = out;

		for (uint32_t c = 0; c < o->c; c++) {
			float s = 1, b = 0;

			if (sc)
				s = sc->dtype == QNN_DT_I8 ?
				    ldexpf(1, ((const int8_t *)sc->data)[chan(sc, c)]) :
				    ((const float *)sc->data)[chan(sc, c)];
			if (bi)
				b = ((const float *)bi->data)[chan(bi, c)];
			dst[c] = (float)acc[c] * s + b;
		}
		return;
	}
	}
}

/* element (pixel pix, channel c) of an image as an integer / a float */
static int32_t ival(const struct qnn_tensor *t, const void *img, size_t pix, uint32_t c)
{
	switch (t->dtype) {
	case QNN_DT_BITS:
		return qnn_bits_get((const uint64_t *)img + qnn_lay_pix(pix, t->bits, t->cw), t->cw,
				    t->bits, t->enc, c);
	case QNN_DT_U8: return ((const uint8_t *)img)[pix * t->c + c];
	case QNN_DT_I8: return ((const int8_t *)img)[pix * t->c + c];
	default: return ((const int32_t *)img)[pix * t->c + c];
	}
}

static float fval(const struct qnn_tensor *t, const void *img, size_t pix, uint32_t c)
{
	if (t->dtype == QNN_DT_F32)
		return ((const float *)img)[pix * t->c + c];
	return (float)ival(t, img, pix, c);
}

/* ---- pools ---- */

/*
 * a = max(a, x) lane-wise over `bits` planes of cw words. Codes compare as
 * unsigned; SIGNED flips the top plane first, and for bipolar encodings a
 * larger code is a smaller value, so the smaller code wins (want_min).
 */
static void bits_max(uint64_t *a, const uint64_t *x, unsigned int bits, uint32_t cw,
		     int signed_top, int want_min)
{
	for (uint32_t w = 0; w < cw; w++) {
		uint64_t gt = 0, eq = ~0ull;

		for (int b = (int)bits - 1; b >= 0; b--) {
			uint64_t xb = x[qnn_lay_plane((unsigned int)b, cw) + w];
			uint64_t ab = a[qnn_lay_plane((unsigned int)b, cw) + w];

			if (signed_top && b == (int)bits - 1) {
				xb = ~xb;
				ab = ~ab;
			}
			gt |= eq & (want_min ? ~xb & ab : xb & ~ab);
			eq &= ~(xb ^ ab);
		}
		for (unsigned int b = 0; b < bits; b++) {
			size_t i = qnn_lay_plane(b, cw) + w;

			a[i] = (x[i] & gt) | (a[i] & ~gt);
		}
	}
}

/* one task per output row of one image: a single image still splits */
/* Taps of window i along one axis that lie inside the input (AVG_VALID). */
static uint64_t axis_taps(uint32_t i, uint32_t s, uint32_t k, uint32_t p0, uint32_t in)
{
	uint64_t lo = (uint64_t)i * s, n = 0;

	for (uint32_t t = 0; t < k; t++)
		n += lo + t >= p0 && lo + t < (uint64_t)p0 + in;
	return n;
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* The least common multiple of axis_taps over all n windows of an axis. */
static uint64_t axis_lcm(uint32_t n, uint32_t s, uint32_t k, uint32_t p0, uint32_t in)
{
	uint64_t l = 1;

	for (uint32_t i = 0; i < n && l <= INT32_MAX; i++) {
		uint64_t t = axis_taps(i, s, k, p0, in);

		l = l / gcd64(l, t) * t;
	}
	return l;
}

static void pool_image(void *arg, size_t task, unsigned int worker)
{
	struct cpu_exec *e = arg;
	const struct qnn_layer *l = e->l;
	const struct qnn_tensor *x = &e->m->t[l->in[0]], *o = &e->m->t[l->out];
	size_t n = task / o->h;
	uint32_t oy = (uint32_t)(task % o->h);
	const uint8_t *in = (const uint8_t *)e->ptr[l->in[0]] + n * x->bytes;
	uint8_t *out = (uint8_t *)e->ptr[l->out] + n * o->bytes;
	/*
	 * AVG_VALID: a window of cy x cx taps inside the input is divided by
	 * cy*cx: F32 outputs directly, I32 sums are multiplied by (Ly/cy)(Lx/cx)
	 * (Ly, Lx: lcm of the counts along each axis), exact integers whose
	 * common divisor Ly*Lx the converter puts into the scale.
	 */
	int valid = l->op == QNN_OP_AVGPOOL && (l->flags & QNN_LAYER_AVG_VALID);
	uint64_t cy = valid ? axis_taps(oy, l->sh, l->kh, l->pt, x->h) : 1, ly = 1, lx = 1;

	(void)worker;
	if (valid) {
		ly = axis_lcm(o->h, l->sh, l->kh, l->pt, x->h);
		lx = axis_lcm(o->w, l->sw, l->kw, l->pl, x->w);
	}
	{
		for (uint32_t ox = 0; ox < o->w; ox++) {
			size_t opix = (size_t)oy * o->w + ox;
			uint64_t cx = valid ? axis_taps(ox, l->sw, l->kw, l->pl, x->w) : 1;
			int64_t mul = (int64_t)(ly / cy * (lx / cx));
			double div = valid ? (double)(cy * cx) : (double)l->kh * l->kw;
			int first = 1;

			if (l->op != QNN_OP_MAXPOOL) {
				for (uint32_t c = 0; c < x->c; c++) {
					/*
					 * Integer inputs sum exactly in 64 bits: at most
					 * 65535^2 taps of |v| <= 2^31 stay below 2^63.
					 */
					double s = 0;
					int64_t si = 0;

					for (uint32_t ky = 0; ky < l->kh; ky++)
						for (uint32_t kx = 0; kx < l->kw; kx++) {
							size_t y = (size_t)oy * l->sh + ky, xx = (size_t)ox * l->sw + kx;
							size_t ip = (y - l->pt) * x->w + xx - l->pl;

							if (y < l->pt || xx < l->pl || y - l->pt >= x->h || xx - l->pl >= x->w)
								continue;
							if (x->dtype == QNN_DT_F32)
								s += fval(x, in, ip, c);
							else
								si += ival(x, in, ip, c);
						}
					if (x->dtype != QNN_DT_F32)
						s = (double)si;
					if (valid && x->dtype != QNN_DT_F32)
						si = si > INT64_MAX / mul ? INT64_MAX :
						     si < INT64_MIN / mul ? INT64_MIN : si * mul;
					if (o->dtype == QNN_DT_F32)
						((float *)out)[opix * o->c + c] = (float)(s / div);
					else	/* saturated, as the conv's I32 transform */
						((int32_t *)out)[opix * o->c + c] = sat_i32(si);
				}
				continue;
			}
			for (uint32_t ky = 0; ky < l->kh; ky++)
				for (uint32_t kx = 0; kx < l->kw; kx++) {
					size_t y = (size_t)oy * l->sh + ky, xx = (size_t)ox * l->sw + kx, ipix;
					uint8_t *dst = out + opix * o->pix_bytes;
					const uint8_t *src;

					if (y < l->pt || xx < l->pl || y - l->pt >= x->h || xx - l->pl >= x->w)
						continue;
					ipix = (y - l->pt) * x->w + xx - l->pl;
					src = in + ipix * x->pix_bytes;
					if (first) {
						memcpy(dst, src, x->pix_bytes);
						first = 0;
						continue;
					}
					switch (x->dtype) {
					case QNN_DT_BITS:
						if (x->enc == QNN_ENC_BIPOLAR) {
							for (uint32_t w = 0; w < x->cw; w++)
								((uint64_t *)dst)[w] &= ((const uint64_t *)src)[w];
						} else {
							bits_max((uint64_t *)dst, (const uint64_t *)src, x->bits, x->cw,
								 x->enc == QNN_ENC_SIGNED,
								 x->enc == QNN_ENC_BIPOLAR_BRANCHES);
						}
						break;
					case QNN_DT_F32:
						for (uint32_t c = 0; c < x->c; c++) {
							float *d = (float *)dst + c, v = ((const float *)src)[c];

							if (v > *d || isnan(v))
								*d = v;
						}
						break;
					default:
						for (uint32_t c = 0; c < x->c; c++) {
							int32_t v = ival(x, src, 0, c);

							if (v > ival(x, dst, 0, c)) {
								if (x->dtype == QNN_DT_U8)
									dst[c] = (uint8_t)v;
								else if (x->dtype == QNN_DT_I8)
									((int8_t *)dst)[c] = (int8_t)v;
								else
									((int32_t *)dst)[c] = v;
							}
						}
					}
				}
		}
	}
}

void cpu_pool_run(struct cpu_exec *e)
{
	const struct qnn_tensor *o = &e->m->t[e->l->out];

	cpu_tasks_w(e, (size_t)e->batch * o->h, pool_image, e,
		    (size_t)e->batch * o->h * o->w * e->l->kh * e->l->kw *
		    (o->dtype == QNN_DT_BITS ? o->bits * o->cw : o->c));
}

/* ---- the rest, one image per task ---- */

static void insert_bits(uint64_t *dst, size_t dw, size_t at, const uint64_t *src, size_t nbits)
{
	size_t words = (nbits + 63) / 64, sh = at % 64;

	for (size_t k = 0; k < words; k++) {
		size_t wi = at / 64 + k;

		dst[wi] |= src[k] << sh;
		if (sh && wi + 1 < dw)
			dst[wi + 1] |= src[k] >> (64 - sh);
	}
}

static int cmp_desc(const float *v, uint32_t a, uint32_t b)
{
	return v[a] > v[b] || (v[a] == v[b] && a < b);
}

static void misc_image(void *arg, size_t n, unsigned int worker)
{
	struct cpu_exec *e = arg;
	const struct qnn_layer *l = e->l;
	const struct qnn_model *m = e->m;
	const struct qnn_tensor *x = &m->t[l->in[0]], *o = &m->t[l->out];
	const uint8_t *in = (const uint8_t *)e->ptr[l->in[0]] + n * x->bytes;
	uint8_t *out = (uint8_t *)e->ptr[l->out] + n * o->bytes;
	size_t pixels = (size_t)x->h * x->w;

	switch (l->op) {
	case QNN_OP_ADD: {
		const struct qnn_tensor *y = &m->t[l->in[1]];
		const uint8_t *in2 = (const uint8_t *)e->ptr[l->in[1]] + n * y->bytes;

		for (size_t p = 0; p < pixels; p++)
			for (uint32_t c = 0; c < x->c; c++) {
				if (o->dtype == QNN_DT_I32)	/* saturated, as the device's ADD */
					((int32_t *)out)[p * o->c + c] = sat_i32((int64_t)ival(x, in, p, c) +
										 ival(y, in2, p, c));
				else
					((float *)out)[p * o->c + c] = fval(x, in, p, c) + fval(y, in2, p, c);
			}
		break;
	}
	case QNN_OP_SOFTMAX:
		/*
		 * In double, from the largest value (no overflow), rounded once to
		 * float: within an ulp of the exact result. NaN in, NaN out.
		 */
		for (size_t p = 0; p < pixels; p++) {
			const float *v = (const float *)in + p * x->c;
			float *d = (float *)out + p * o->c;
			double mx = -INFINITY, sum = 0;

			for (uint32_t c = 0; c < x->c; c++)
				mx = v[c] > mx || isnan(v[c]) ? v[c] : mx;
			for (uint32_t c = 0; c < x->c; c++)
				sum += exp((double)v[c] - mx);
			for (uint32_t c = 0; c < x->c; c++)
				d[c] = (float)(l->flags & QNN_LAYER_SOFTMAX_LOG ?
					       (double)v[c] - mx - log(sum) : exp((double)v[c] - mx) / sum);
		}
		break;
	case QNN_OP_CONCAT: {
		/* channels of x, then those of y, per pixel (and per plane) */
		const struct qnn_tensor *y = &m->t[l->in[1]];
		const uint8_t *in2 = (const uint8_t *)e->ptr[l->in[1]] + n * y->bytes;

		if (x->dtype != QNN_DT_BITS) {
			size_t ex = x->pix_bytes / x->c;

			for (size_t p = 0; p < pixels; p++) {
				memcpy(out + p * o->pix_bytes, in + p * x->pix_bytes, x->pix_bytes);
				memcpy(out + p * o->pix_bytes + x->c * ex, in2 + p * y->pix_bytes,
				       y->pix_bytes);
			}
			break;
		}
		memset(out, 0, o->bytes);
		for (size_t p = 0; p < pixels; p++)
			for (unsigned int b = 0; b < x->bits; b++) {
				uint64_t *dp = (uint64_t *)out + qnn_lay_pix(p, o->bits, o->cw) +
					       qnn_lay_plane(b, o->cw);

				insert_bits(dp, o->cw, 0, (const uint64_t *)in + qnn_lay_pix(p, x->bits, x->cw) +
					    qnn_lay_plane(b, x->cw), x->c);
				insert_bits(dp, o->cw, x->c, (const uint64_t *)in2 +
					    qnn_lay_pix(p, y->bits, y->cw) + qnn_lay_plane(b, y->cw), y->c);
			}
		break;
	}
	case QNN_OP_THRESHOLD:
		if (x->dtype == QNN_DT_F32) {	/* a quantizer on a float input */
			for (size_t p = 0; p < pixels; p++)
				threshold_f32_row(m, l, (const float *)in + p * x->c,
						  out + p * o->pix_bytes);
			break;
		}
		for (size_t p = 0; p < pixels; p++)
			cpu_transform_row(m, l, (const int32_t *)in + p * x->c, out + p * o->pix_bytes);
		break;
	case QNN_OP_DEQUANT: {
		const struct qnn_tensor *lv = l->levels >= 0 ? &m->t[l->levels] : NULL;
		const struct qnn_tensor *sc = l->scale >= 0 ? &m->t[l->scale] : NULL;
		const struct qnn_tensor *bi = l->bias >= 0 ? &m->t[l->bias] : NULL;

		for (size_t p = 0; p < pixels; p++)
			for (uint32_t c = 0; c < x->c; c++) {
				float *d = (float *)out + p * o->c + c;

				if (lv) {
					unsigned int code = 0;

					if (x->dtype == QNN_DT_U8) {
						code = in[p * x->c + c];
					} else {
						code = qnn_lay_get((const uint64_t *)in +
								   qnn_lay_pix(p, x->bits, x->cw),
								   x->bits, x->cw, c);
					}
					*d = ((const float *)lv->data)[(size_t)(lv->w == 1 ? 0 : c) * lv->c + code];
				} else {
					float s = 1, b = 0;

					if (sc)
						s = sc->dtype == QNN_DT_I8 ?
						    ldexpf(1, ((const int8_t *)sc->data)[chan(sc, c)]) :
						    ((const float *)sc->data)[chan(sc, c)];
					if (bi)
						b = ((const float *)bi->data)[chan(bi, c)];
					*d = (float)ival(x, in, p, c) * s + b;
				}
			}
		break;
	}
	case QNN_OP_FLATTEN:
		if (x->dtype != QNN_DT_BITS || qnn_lay_flat_same(x->bits, x->c)) {
			memcpy(out, in, x->bytes);	/* the same words */
			break;
		}
		/* plane b of pixel p -> channels [p*C, (p+1)*C) of the output's plane b */
		memset(out, 0, o->bytes);
		for (size_t p = 0; p < pixels; p++)
			for (unsigned int b = 0; b < x->bits; b++)
				insert_bits((uint64_t *)out + qnn_lay_plane(b, o->cw), o->cw, p * x->c,
					    (const uint64_t *)in + qnn_lay_pix(p, x->bits, x->cw) +
					    qnn_lay_plane(b, x->cw), x->c);
		break;
	case QNN_OP_TOPK: {
		/* selection of the k best; k is small next to C in practice */
		float *v = (float *)(e->scratch + (size_t)worker * e->scratch_bytes);
		uint32_t *idx = (uint32_t *)(v + x->c);

		for (uint32_t c = 0; c < x->c; c++) {
			v[c] = fval(x, in, 0, c);
			idx[c] = c;
		}
		for (uint32_t i = 0; i < l->k; i++) {
			uint32_t best = i;

			for (uint32_t j = i + 1; j < x->c; j++)
				if (cmp_desc(v, idx[j], idx[best]))
					best = j;
			uint32_t t = idx[i];

			idx[i] = idx[best];
			idx[best] = t;
			((int32_t *)out)[i] = (int32_t)idx[i];
		}
		break;
	}
	case QNN_OP_QUANTIZE: {
		const struct qnn_tensor *sc = &m->t[l->scale];
		const struct qnn_tensor *bi = l->bias >= 0 ? &m->t[l->bias] : NULL;
		float lo = o->dtype == QNN_DT_U8 ? 0 : -128, hi = o->dtype == QNN_DT_U8 ? 255 : 127;

		for (size_t p = 0; p < pixels; p++)
			for (uint32_t c = 0; c < x->c; c++) {
				float v = ((const float *)in)[p * x->c + c];
				float q = nearbyintf(v / ((const float *)sc->data)[chan(sc, c)]);

				if (bi)
					q += ((const float *)bi->data)[chan(bi, c)];
				q = isnan(q) ? 0 : q < lo ? lo : q > hi ? hi : q;
				if (o->dtype == QNN_DT_U8)
					out[p * x->c + c] = (uint8_t)q;
				else
					((int8_t *)out)[p * x->c + c] = (int8_t)q;
			}
		break;
	}
	}
}

void cpu_misc_run(struct cpu_exec *e)
{
	cpu_tasks(e, e->batch, misc_image, e);
}
