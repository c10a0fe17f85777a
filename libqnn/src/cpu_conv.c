// SPDX-License-Identifier: MIT
/*
 * conv2d and dense on the CPU: im2col into plane-major bit rows, one fused
 * multi-plane popcount GEMM per group (kern.h), then the per-channel output
 * transform. The algebra (docs/layout.md "Dot products from popcounts"):
 * every plane is either a {0,1} "unit" plane or a ±1 "sign" plane, and
 *
 *   sign x sign: sum (1-2x)(1-2y) = K - 2 pop(x ^ y)
 *   unit x sign: sum x (1-2y)     = pop(x) - 2 pop(x & y)
 *   sign x unit: sum (1-2x) y     = pop(y) - 2 pop(x & y)
 *   unit x unit: sum x y          = pop(x & y)
 *
 * so one popgemm (XOR when both sides are sign planes, AND otherwise) with a
 * coefficient per plane pair, plus a per-row term (activation popcounts) and
 * a per-output-channel constant (K, weight popcounts) gives the exact integer
 * dot product of any pair of encodings. Padded taps are zero bits (0 or +1
 * per encoding); ZERO_PAD subtracts what +1 padding added.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "cpu_gconv.h"
#include "layout.h"

#define RPT_MAX 64	/* rows per task: im2col + accumulators stay in L1/L2 */
#define DENSE_MAX_CG 256	/* bit-dense rows only for few channels per group */
/*
 * 8-bit input windows of at most this many values go through i16gemm: bit-
 * planes would cost 8 popcount passes over words mostly empty at this size,
 * i16gemm one multiply-add per value pair and 16 channels.
 */
#define INT8_MAX_K 128

static int is_sign(unsigned int enc)
{
	return enc == QNN_ENC_BIPOLAR || enc == QNN_ENC_BIPOLAR_BRANCHES;
}

static int32_t plane_coef(unsigned int enc, unsigned int bits, unsigned int b)
{
	if (enc == QNN_ENC_SIGNED && b == bits - 1)
		return -(1 << b);
	return 1 << b;
}

static size_t mask_words(const struct conv_plan *p)
{
	return (p->taps + 63) / 64;
}

/* per-worker scratch: im2col rows, accumulators, masks, row terms; then a bpad strip */
static size_t strip_at(const struct conv_plan *p)
{
	return RPT_MAX * (p->row_words * 8 + (size_t)p->o * 4 + mask_words(p) * 8 + 8) + 64;
}

size_t cpu_conv_scratch(const struct qnn_model *m, const struct qnn_layer *l)
{
	const struct conv_plan *p = l->conv;

	(void)m;
	if (p->mode == CONV_GROUPED)
		return cpu_gconv_scratch(p->gconv);
	if (p->mode == CONV_FLOAT)	/* a pointer per tap to pixel and weights */
		return 2 * (size_t)p->taps * sizeof(float *);
	return strip_at(p) + (p->bpad ? p->bpad_rows * p->geom.w * p->pixw * 8 : 0);
}

void cpu_conv_free(struct conv_plan *p)
{
	if (!p)
		return;
	free(p->wcopy);
	free(p->colconst);
	free(p->wtap);
	free(p->wf);
	free(p->fsb);
	free(p->wpk);
	free(p->tht);
	free(p->negmask);
	free(p->tapoff);
	free(p->wi16);
	free(p->tapoff8);
	free(p->koff8);
	free(p->wu8);
	free(p->padclass);
	free(p->padcorr);
	free(p->thtc);
	free(p->psign);
	free(p->wdc);
	free(p->dc_off);
	free(p->pth);
	free(p->pinv);
	free(p->woff);
	cpu_gconv_free(p->gconv);
	free(p);
}

/* OR `nbits` bits of src (tail zero) into dst at bit offset `at`; dst has dw words. */
static void insert_bits(uint64_t *dst, size_t dw, size_t at, const uint64_t *src,
			size_t nbits)
{
	size_t words = (nbits + 63) / 64, sh = at % 64;

	for (size_t k = 0; k < words; k++) {
		size_t wi = at / 64 + k;

		dst[wi] |= src[k] << sh;
		if (sh && wi + 1 < dw)
			dst[wi + 1] |= src[k] >> (64 - sh);
	}
}

#define PADCLASS_MAX 256

/*
 * Padding classes of a ZERO_PAD layer (taps <= 64): which taps of each
 * output pixel's window are padding, the distinct sets numbered, each set's
 * correction sum_t a0 * wtap[oc][t], and per class thresholds with it added
 * (acc - corr >= th  <=>  acc >= th + corr; likewise <= for negated
 * channels). Exact while accumulators stay PADCLASS-far from the int32
 * limits. Without room for the classes (returns 0 leaving padclass NULL)
 * rows are corrected tap by tap.
 */
static int prepare_padclass(const struct qnn_model *m, const struct qnn_layer *l,
			    struct conv_plan *p)
{
	const struct qnn_tensor *x = &m->t[l->in[0]];
	uint64_t cls[PADCLASS_MAX] = { 0 };
	size_t npix = (size_t)p->ho * p->wo;

	if (!p->wtap || p->taps > 64 || npix > SIZE_MAX / 2)
		return 0;
	p->padclass = malloc(npix * sizeof(*p->padclass));
	if (!p->padclass)
		return -ENOMEM;
	p->npadcls = 1;
	for (size_t oy = 0; oy < p->ho; oy++)
		for (size_t ox = 0; ox < p->wo; ox++) {
			uint64_t mask = 0;
			unsigned int c;

			for (size_t ky = 0; ky < l->kh; ky++)
				for (size_t kx = 0; kx < l->kw; kx++) {
					size_t y = oy * l->sh + ky * l->dh, xx = ox * l->sw + kx * l->dw;

					if (y < l->pt || xx < l->pl || y - l->pt >= x->h || xx - l->pl >= x->w)
						mask |= 1ull << (ky * l->kw + kx);
				}
			for (c = 0; c < p->npadcls && cls[c] != mask; c++)
				;
			if (c == p->npadcls) {
				if (c == PADCLASS_MAX) {
					free(p->padclass);
					p->padclass = NULL;
					return 0;
				}
				cls[p->npadcls++] = mask;
			}
			p->padclass[oy * p->wo + ox] = (uint16_t)c;
		}
	p->padcorr = calloc((size_t)p->npadcls * p->o, sizeof(int32_t));
	if (!p->padcorr)
		return -ENOMEM;
	for (unsigned int c = 0; c < p->npadcls; c++)
		for (uint32_t j = 0; j < p->o; j++)
			for (uint32_t t = 0; t < p->taps; t++)
				if (cls[c] >> t & 1)
					p->padcorr[(size_t)c * p->o + j] += p->a0 * p->wtap[(size_t)j * p->taps + t];
	if (p->tht) {
		p->thtc = malloc((size_t)p->npadcls * p->nt * p->o * sizeof(int32_t));
		if (!p->thtc)
			return -ENOMEM;
		for (unsigned int c = 0; c < p->npadcls; c++)
			for (unsigned int t = 0; t < p->nt; t++)
				for (uint32_t j = 0; j < p->o; j++)
					p->thtc[((size_t)c * p->nt + t) * p->o + j] =
						sat_i32((int64_t)p->tht[(size_t)t * p->o + j] +
						      p->padcorr[(size_t)c * p->o + j]);
	}
	return 0;
}

/* BITS output: thresholds transposed with colconst folded in, negate mask */
static int prepare_out(const struct qnn_model *m, const struct qnn_layer *l, struct conv_plan *p)
{
	const struct qnn_tensor *o = &m->t[l->out];

	if (o->dtype == QNN_DT_BITS) {
		/* acc + colconst >= t  <=>  acc >= t - colconst: fold it in once */
		const int32_t *th = m->t[l->thresholds].data;
		const struct qnn_tensor *ng = l->negate >= 0 ? &m->t[l->negate] : NULL;

		p->nt = (1u << o->bits) - 1;
		p->tht = malloc((size_t)p->nt * p->o * sizeof(int32_t));
		p->negmask = calloc(o->cw, sizeof(uint64_t));
		if (!p->tht || !p->negmask)
			return -ENOMEM;
		for (uint32_t oc = 0; oc < p->o; oc++) {
			for (unsigned int t = 0; t < p->nt; t++) {
				int64_t v = (int64_t)th[(size_t)oc * p->nt + t] - p->colconst[oc];

				p->tht[(size_t)t * p->o + oc] = v > INT32_MAX ? INT32_MAX :
								v < INT32_MIN ? INT32_MIN : (int32_t)v;
			}
			if (ng && ((const uint8_t *)ng->data)[ng->c == 1 ? 0 : oc])
				p->negmask[qnn_lay_pw(0, o->cw, oc)] |= qnn_lay_bit(oc);
		}
	}
	return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return q * b != a && (a < 0) != (b < 0) ? q - 1 : q;
}

/*
 * popconv_bits for a binary layer with a one-bit output (see conv_plan):
 * one plane each side, no row term, no padding. Its accumulator is
 * c * pop (c = coef[0], exact: |c| * K < 2^31), and the test acc >= t
 * (acc <= t where negated) becomes pop <= T, or its complement (pinv).
 */
static int prepare_bits(const struct qnn_model *m, const struct qnn_layer *l, struct conv_plan *p)
{
	const struct qnn_tensor *o = &m->t[l->out];
	int64_t c = p->coef[0], kbits = (int64_t)p->kwp * 64;

	if (!m->ctx->kern->popconv_bits || p->mode != CONV_TAPS || p->g != 1 || p->pa != 1 ||
	    p->pb != 1 || p->pack_input || p->need_rowpop || !p->tht || p->nt != 1 || p->thtc ||
	    p->wtap || p->bpad || l->pt || l->pl || l->pb || l->pr || o->dtype != QNN_DT_BITS ||
	    o->bits != 1 || !c || (c < 0 ? -c : c) * kbits >= INT32_MAX)
		return 0;
	p->pth = malloc((size_t)p->o * sizeof(int32_t));
	p->pinv = calloc(o->cw, sizeof(uint64_t));
	p->woff = malloc(p->kwp * sizeof(size_t));
	if (!p->pth || !p->pinv || !p->woff)
		return -ENOMEM;
	for (uint32_t j = 0; j < p->o; j++) {
		int neg = qnn_lay_get(p->negmask, 1, o->cw, j), inv;
		int64_t t = p->tht[j], T;

		/* c < 0: c pop >= t <=> pop <= floor(t / c); c > 0: <= likewise */
		if ((c < 0) != neg) {
			T = floor_div(t, c);
			inv = 0;
		} else {	/* pop >= ceil(t / c) <=> !(pop <= ceil(t / c) - 1) */
			T = -floor_div(-t, c) - 1;
			inv = 1;
		}
		p->pth[j] = (int32_t)(T < -1 ? -1 : T > kbits ? kbits : T);
		if (inv)
			p->pinv[qnn_lay_pw(0, o->cw, j)] |= qnn_lay_bit(j);
	}
	{
		size_t gw = qnn_lay_cw(p->cg);

		for (size_t k = 0; k < p->kwp; k++)
			p->woff[k] = p->tapoff[k / gw] + k % gw;
	}
	return 0;
}

/*
 * CONV_INT8 through u8conv, when the table has one and every weight is an
 * int8: the image is copied zero-padded into aux (per image, dc_img bytes)
 * so every window lies inside it, and a window is ns segments of
 * contiguous bytes (whole window rows when dw == 1, else single taps).
 * I8 input is stored biased (x + 128, a plain u8) with padding 0x80, i.e.
 * the value 0; colconst subtracts 128 * sum w per channel.
 */
static int prepare_direct(const struct qnn_model *m, struct qnn_layer *l, struct conv_plan *p,
			  const int16_t *w, size_t k)
{
	const struct qnn_tensor *x = &m->t[l->in[0]];
	size_t c = x->c, len, hp, wp;
	int8_t *w8;

	if (!m->ctx->kern->u8conv)
		return 0;
	for (size_t i = 0; i < k * p->o; i++)
		if (w[i] < INT8_MIN || w[i] > INT8_MAX)
			return 0;
	hp = (size_t)(p->ho - 1) * l->sh + (size_t)(l->kh - 1) * l->dh + 1;
	wp = (size_t)(p->wo - 1) * l->sw + (size_t)(l->kw - 1) * l->dw + 1;
	hp = hp > l->pt + (size_t)x->h ? hp : l->pt + (size_t)x->h;
	wp = wp > l->pl + (size_t)x->w ? wp : l->pl + (size_t)x->w;
	p->dc_px = c;
	if (l->dw == 1) {
		p->dc_ns = l->kh;
		len = (size_t)l->kw * c;
	} else {
		p->dc_ns = p->taps;
		len = c;
	}
	if (l->dw == 1 && l->dh == 1 && l->kh > 1 &&
	    (k + 3) / 4 < l->kh * ((len + 3) / 4)) {
		/*
		 * Window rows waste bytes of their last quad (CNV: 3 rows of 9
		 * bytes, 9 quads for 27 values): stack the kh rows under each
		 * pixel into one "pixel" of kh * c bytes, so the window is one
		 * run of k bytes (7 quads). Window order becomes kx, ky, c.
		 */
		p->dc_ns = 1;
		len = k;
		p->dc_px = l->kh * c;
		/* + 4: the last window's quad, and stack_rows' last store, run past */
		p->dc_st = (((size_t)(p->ho - 1) * l->sh + 1) * wp * p->dc_px + 4 + 63) / 64 * 64;
	}
	p->dc_nq = (len + 3) / 4;
	p->dc_hp = hp;
	p->dc_wp = wp;
	/*
	 * The last segment reads up to 3 bytes past the window; a stacked
	 * image is followed by the plain padded one it is made from.
	 */
	p->dc_img = (p->dc_st + hp * wp * c + 4 + 63) / 64 * 64;
	p->dc_off = malloc(p->dc_ns * sizeof(size_t));
	p->wdc = malloc(qnn_u8conv_pack_len(p->o, p->dc_ns, p->dc_nq));
	w8 = malloc(k * p->o);
	if (!p->dc_off || !p->wdc || !w8) {
		free(w8);
		return -ENOMEM;
	}
	for (size_t oc = 0; oc < p->o; oc++)
		for (size_t i = 0; i < k; i++) {
			/* i = (ky * kw + kx) * c + ch; stacked: (kx * kh + ky) * c + ch */
			size_t t = i / c, ch = i % c;
			size_t at = p->dc_st ? ((t % l->kw) * l->kh + t / l->kw) * c + ch : i;

			w8[oc * k + at] = (int8_t)w[oc * k + i];
		}
	qnn_u8conv_pack(p->o, p->dc_ns, len, p->dc_nq, w8, k, p->wdc);
	free(w8);
	for (size_t s = 0; s < p->dc_ns; s++)
		p->dc_off[s] = p->dc_st ? 0 : l->dw == 1 ? s * l->dh * wp * c :
			       ((s / l->kw) * l->dh * wp + (s % l->kw) * l->dw) * c;
	if (x->dtype == QNN_DT_I8)
		for (uint32_t oc = 0; oc < p->o; oc++) {
			int32_t sum = 0;

			for (size_t i = 0; i < k; i++)
				sum += w[oc * k + i];
			p->colconst[oc] = -128 * sum;
		}
	l->aux_bytes = p->dc_img;
	return 0;
}

/*
 * CONV_INT8: the window's byte values times integer weights, exact in int32
 * (no bit-plane algebra, so no colconst, row or padding terms: a padded tap
 * is the value 0).
 */
static int prepare_int8(const struct qnn_model *m, struct qnn_layer *l, struct conv_plan *p)
{
	const struct qnn_tensor *x = &m->t[l->in[0]], *wt = &m->t[l->weights];
	const uint64_t *wf = wt->data;
	size_t k = (size_t)p->taps * p->cg, gw = qnn_lay_cw(p->cg);
	int16_t *w = malloc(k * p->o * sizeof(*w));

	p->mode = CONV_INT8;
	p->pa = p->pb = 1;
	p->kk = (k + 1) / 2 * 2;
	p->kwp = p->row_words = (p->kk * sizeof(int16_t) + 7) / 8;
	p->in_enc = x->dtype == QNN_DT_U8 ? QNN_ENC_UNSIGNED : QNN_ENC_SIGNED;
	p->colconst = calloc(p->o, sizeof(int32_t));
	p->wi16 = malloc(qnn_i16_pack_len(p->o, p->kk) * sizeof(int16_t));
	p->tapoff8 = malloc(p->taps * sizeof(size_t));
	if (!w || !p->colconst || !p->wi16 || !p->tapoff8) {
		free(w);
		return -ENOMEM;
	}
	for (uint32_t oc = 0; oc < p->o; oc++)
		for (uint32_t t = 0; t < p->taps; t++)
			for (uint32_t c = 0; c < p->cg; c++)
				w[oc * k + (size_t)t * p->cg + c] = (int16_t)
					qnn_bits_get(wf + qnn_lay_pix((size_t)oc * p->taps + t, wt->bits, gw),
						     (uint32_t)gw, wt->bits, wt->enc, c);
	qnn_i16_pack(p->o, k, p->kk, w, k, p->wi16);
	if (prepare_direct(m, l, p, w, k)) {
		free(w);
		return -ENOMEM;
	}
	if (!p->wdc && x->dtype == QNN_DT_U8 && m->ctx->kern->u8gemm) {
		/* u8gemm sums in 16 bits: only while no column can reach 2^15 */
		int fits = 1;

		for (uint32_t oc = 0; oc < p->o && fits; oc++) {
			int32_t sum = 0;

			for (size_t i = 0; i < k && fits; i++) {
				int32_t v = w[oc * k + i] < 0 ? -w[oc * k + i] : w[oc * k + i];

				sum += v;
				fits = v <= 64 && 255 * sum <= 32767;
			}
		}
		if (fits) {
			int8_t *w8 = malloc(k * p->o);

			p->wu8 = malloc(qnn_u8_pack_len(p->o, p->kk));
			if (!w8 || !p->wu8) {
				free(w8);
				free(w);
				return -ENOMEM;
			}
			for (size_t i = 0; i < k * p->o; i++)
				w8[i] = (int8_t)w[i];
			qnn_u8_pack(p->o, k, p->kk, w8, k, p->wu8);
			free(w8);
		}
	}
	free(w);
	for (uint32_t ky = 0; ky < l->kh; ky++)
		for (uint32_t kx = 0; kx < l->kw; kx++)
			p->tapoff8[ky * l->kw + kx] = ((size_t)ky * l->dh * x->w + (size_t)kx * l->dw) * x->c;
	p->koff8 = malloc(k * sizeof(size_t));
	if (!p->koff8)
		return -ENOMEM;
	for (size_t i = 0; i < k; i++)
		p->koff8[i] = p->tapoff8[i / p->cg] + i % p->cg;
	p->geom = (struct qnn_conv_geom){
		.n = 1, .h = x->h, .w = x->w, .c = x->c, .planes = 1,
		.groups = 1, .kh = l->kh, .kw = l->kw, .sh = l->sh, .sw = l->sw,
		.dh = l->dh, .dw = l->dw, .pt = l->pt, .pl = l->pl,
		.oh = p->ho, .ow = p->wo,
	};
	return prepare_out(m, l, p);
}

int cpu_conv_prepare(struct qnn_model *m, struct qnn_layer *l, char *err, size_t errlen)
{
	const struct qnn_tensor *x = &m->t[l->in[0]], *wt = &m->t[l->weights];
	const struct qnn_tensor *o = &m->t[l->out];
	struct conv_plan *p = calloc(1, sizeof(*p));
	const uint64_t *wf = wt->data;
	size_t gw, dense_words, tap_words;
	int asign, wsign;

	if (!p)
		return qnn_fmt_err(err, errlen, -ENOMEM, "layer \"%s\": out of memory", l->name);
	l->conv = p;
	p->pool_out = -1;
	p->c = x->c;
	p->g = l->groups;
	p->cg = x->c / l->groups;
	p->o = wt->n;
	p->og = p->o / p->g;
	p->taps = l->kh * l->kw;
	p->ho = o->h;
	p->wo = o->w;
	p->pb = wt->bits;
	gw = qnn_lay_cw(p->cg);

	if (cpu_gconv_wanted(m, l)) {
		p->mode = CONV_GROUPED;
		if (cpu_gconv_prepare(m, l, &p->gconv))
			goto nomem;
		return 0;
	}
	if (x->dtype == QNN_DT_F32) {
		p->mode = CONV_FLOAT;
		/* group x tap x channel x (output channel in the group): the run
		 * loop's innermost walk is over output channels, contiguous */
		p->wf = malloc((size_t)p->o * p->taps * p->cg * sizeof(float));
		if (!p->wf)
			goto nomem;
		for (uint32_t oc = 0; oc < p->o; oc++)
			for (uint32_t t = 0; t < p->taps; t++)
				for (uint32_t c = 0; c < p->cg; c++)
					p->wf[(((size_t)(oc / p->og) * p->taps + t) * p->cg + c) * p->og +
					      oc % p->og] = (float)
						qnn_bits_get(wf + qnn_lay_pix((size_t)oc * p->taps + t, p->pb, gw),
							     (uint32_t)gw, p->pb, wt->enc, c);
		/* the epilogue's factors once, not an ldexpf per channel and pixel */
		p->fsb = malloc(2 * (size_t)p->o * sizeof(float));
		if (!p->fsb)
			goto nomem;
		for (uint32_t oc = 0; oc < p->o; oc++) {
			const struct qnn_tensor *sc = l->scale >= 0 ? &m->t[l->scale] : NULL;
			const struct qnn_tensor *bi = l->bias >= 0 ? &m->t[l->bias] : NULL;
			float scale = 1, bias = 0;

			if (sc)
				scale = sc->dtype == QNN_DT_I8 ?
					ldexpf(1, ((const int8_t *)sc->data)[sc->c == 1 ? 0 : oc]) :
					((const float *)sc->data)[sc->c == 1 ? 0 : oc];
			if (bi)
				bias = ((const float *)bi->data)[bi->c == 1 ? 0 : oc];
			p->fsb[oc] = scale;
			p->fsb[p->o + oc] = bias;
		}
		return 0;
	}
	if ((x->dtype == QNN_DT_U8 || x->dtype == QNN_DT_I8) && p->g == 1 &&
	    (size_t)p->taps * p->cg <= INT8_MAX_K && m->ctx->kern->i16gemm) {
		if (prepare_int8(m, l, p))
			goto nomem;
		return 0;
	}
	if (x->dtype == QNN_DT_U8 || x->dtype == QNN_DT_I8) {
		p->pack_input = 1;
		p->pa = 8;
		p->in_enc = x->dtype == QNN_DT_U8 ? QNN_ENC_UNSIGNED : QNN_ENC_SIGNED;
		l->aux_bytes = qnn_lay_pix((size_t)x->h * x->w, 8, x->cw) * sizeof(uint64_t);
	} else {
		p->pa = x->bits;
		p->in_enc = x->enc;
	}
	asign = is_sign(p->in_enc);
	wsign = is_sign(wt->enc);
	p->op = asign && wsign ? QNN_POP_XOR : QNN_POP_AND;
	tap_words = p->taps * gw;
	dense_words = qnn_lay_cw((size_t)p->taps * p->cg);
	p->mode = p->cg % 64 && p->cg <= DENSE_MAX_CG && dense_words * 4 <= tap_words * 3 ? CONV_DENSE : CONV_TAPS;
	p->kwp = p->mode == CONV_DENSE ? dense_words : tap_words;
	p->row_words = p->pa * p->kwp;
	p->wrow = p->pb * p->kwp;

	/* weight rows, plane-major; the file's own words when they already are */
	if (p->mode == CONV_TAPS && p->pb == 1) {
		p->w = wf;
	} else {
		p->wcopy = calloc((size_t)p->o * p->wrow, sizeof(uint64_t));
		if (!p->wcopy)
			goto nomem;
		for (uint32_t oc = 0; oc < p->o; oc++)
			for (uint32_t t = 0; t < p->taps; t++)
				for (unsigned int j = 0; j < p->pb; j++) {
					const uint64_t *src = wf + qnn_lay_word((size_t)oc * p->taps + t, p->pb, gw, j, 0);
					uint64_t *dst = p->wcopy + oc * p->wrow + j * p->kwp;

					if (p->mode == CONV_TAPS)
						memcpy(dst + t * gw, src, gw * 8);
					else
						insert_bits(dst, p->kwp, (size_t)t * p->cg, src, p->cg);
				}
		p->w = p->wcopy;
	}

	/* coefficients, per-channel constants, per-row popcount factors */
	p->colconst = calloc(p->o, sizeof(int32_t));
	if (!p->colconst)
		goto nomem;
	for (unsigned int i = 0; i < p->pa; i++) {
		int32_t a = plane_coef(p->in_enc, p->pa, i);

		for (unsigned int j = 0; j < p->pb; j++) {
			int32_t b = plane_coef(wt->enc, p->pb, j), ab = a * b;

			p->coef[i * p->pb + j] = asign || wsign ? -2 * ab : ab;
			if (!asign && wsign) {
				p->rowcoef[i] += ab;
				p->need_rowpop = 1;
			}
			for (uint32_t oc = 0; oc < p->o; oc++) {
				if (asign && wsign) {
					p->colconst[oc] += ab * (int32_t)(p->taps * p->cg);
				} else if (asign) {
					int32_t pop = 0;

					for (size_t k = 0; k < p->kwp; k++)
						pop += __builtin_popcountll(p->w[oc * p->wrow + j * p->kwp + k]);
					p->colconst[oc] += ab * pop;
				}
			}
		}
	}
	if (p->pack_input && p->need_rowpop && p->g == 1) {
		/*
		 * sum_i rowcoef_i pop(x_i) = (sum_j beta_j) * (sum of the window's
		 * byte values): integer adds of per-pixel sums instead of 8
		 * popcounts of every row.
		 */
		p->pixsum = 1;
		l->aux2_bytes = (size_t)x->h * x->w * sizeof(int32_t);
	}
	if ((l->flags & QNN_LAYER_ZERO_PAD) && asign && (l->pt || l->pl || l->pb || l->pr)) {
		p->wtap = calloc((size_t)p->o * p->taps, sizeof(int32_t));
		if (!p->wtap)
			goto nomem;
		for (unsigned int i = 0; i < p->pa; i++)
			p->a0 += plane_coef(p->in_enc, p->pa, i);
		for (uint32_t oc = 0; oc < p->o; oc++)
			for (uint32_t t = 0; t < p->taps; t++) {
				const uint64_t *pix = wf + qnn_lay_pix((size_t)oc * p->taps + t, p->pb, gw);
				int32_t s = 0;

				for (uint32_t c = 0; c < p->cg; c++)
					s += qnn_bits_get(pix, (uint32_t)gw, p->pb, wt->enc, c);
				p->wtap[(size_t)oc * p->taps + t] = s;
			}
	}
	{
		const struct qnn_kern *k = m->ctx->kern;

		p->wpk_group = k->pack_words(p->og, p->kwp, p->pb);
		if (p->wpk_group) {
			p->wpk = malloc(p->wpk_group * p->g * sizeof(uint64_t));
			if (!p->wpk)
				goto nomem;
			for (uint32_t grp = 0; grp < p->g; grp++)
				k->pack(p->og, p->kwp, p->pb, p->w + (size_t)grp * p->og * p->wrow, p->wrow,
					p->kwp, p->wpk + grp * p->wpk_group);
		}
	}
	if (prepare_out(m, l, p) || prepare_padclass(m, l, p))
		goto nomem;
	p->pixw = qnn_lay_pix_words(p->pa, x->cw);
	p->tapoff = malloc(p->taps * sizeof(size_t));
	if (!p->tapoff)
		goto nomem;
	p->geom = (struct qnn_conv_geom){
		.n = 1, .h = x->h, .w = x->w, .c = x->c, .planes = p->pa,
		.groups = p->g, .kh = l->kh, .kw = l->kw, .sh = l->sh, .sw = l->sw,
		.dh = l->dh, .dw = l->dw, .pt = l->pt, .pl = l->pl,
		.oh = p->ho, .ow = p->wo,
	};
	/*
	 * Padded layers whose padded taps need no per-row mask (one-padding,
	 * or ZERO_PAD corrected by padding class) read a zero-bordered copy:
	 * zero words are what im2col writes for padded taps anyway.
	 */
	if ((l->pt || l->pl || l->pb || l->pr) && !p->pack_input && (!p->wtap || p->padclass)) {
		size_t hp = (size_t)(p->ho - 1) * l->sh + (size_t)(l->kh - 1) * l->dh + 1;
		size_t wp = (size_t)(p->wo - 1) * l->sw + (size_t)(l->kw - 1) * l->dw + 1;

		hp = hp > l->pt + (size_t)x->h ? hp : l->pt + (size_t)x->h;
		wp = wp > l->pl + (size_t)x->w ? wp : l->pl + (size_t)x->w;
		size_t orows = RPT_MAX / p->wo + 2;

		orows = orows < p->ho ? orows : p->ho;
		p->bpad = 1;
		p->bpad_rows = (orows - 1) * l->sh + (size_t)(l->kh - 1) * l->dh + 1;
		p->geom.h = hp;
		p->geom.w = wp;
		p->geom.pt = p->geom.pl = 0;
	}
	for (uint32_t ky = 0; ky < l->kh; ky++)
		for (uint32_t kx = 0; kx < l->kw; kx++)
			p->tapoff[ky * l->kw + kx] = ((size_t)ky * l->dh * p->geom.w + (size_t)kx * l->dw) *
						     p->pixw;
	if (prepare_bits(m, l, p))
		goto nomem;
	return 0;
nomem:
	return qnn_fmt_err(err, errlen, -ENOMEM, "layer \"%s\": out of memory for weights", l->name);
}

/*
 * Output coordinates of consecutive rows without a division per row: set
 * once from the first row, then stepped.
 */
struct rowpos {
	size_t ox, oy, n;
};

static inline struct rowpos rowpos_at(const struct qnn_conv_geom *g, size_t r)
{
	return (struct rowpos){ r % g->ow, r / g->ow % g->oh, r / (g->ow * g->oh) };
}

static inline void rowpos_next(const struct qnn_conv_geom *g, struct rowpos *q)
{
	if (++q->ox == g->ow) {
		q->ox = 0;
		if (++q->oy == g->oh) {
			q->oy = 0;
			q->n++;
		}
	}
}

/* Does output pixel (oy, ox)'s window lie inside the input (no padded tap)? */
static inline int interior(const struct qnn_conv_geom *g, size_t oy, size_t ox)
{
	size_t y0 = oy * g->sh, x0 = ox * g->sw;

	return y0 >= g->pt && x0 >= g->pl &&
	       y0 - g->pt + (g->kh - 1) * g->dh < g->h &&
	       x0 - g->pl + (g->kw - 1) * g->dw < g->w;
}

/* Bit-dense im2col: tap t of plane p at bits [t*cg, (t+1)*cg) of the row. */
static void window_sums(const struct conv_plan *p, const struct qnn_conv_geom *g,
			const int32_t *sums, size_t row0, size_t nr, int32_t *rt);

/*
 * Bit-dense im2col. With sums (8-bit input), also rt[] = the rows' window
 * sums times rowcoef_0 (see window_sums), taken while the window is at hand.
 */
static void im2col_dense(const struct conv_plan *p, const struct qnn_conv_geom *g,
			 uint32_t group, const uint64_t *in, size_t row0, size_t nrows,
			 uint64_t *out, uint64_t *padmask, const int32_t *sums, int32_t *rt)
{
	size_t cw = qnn_lay_cw(g->c), mw = mask_words(p);
	uint64_t tmp[DENSE_MAX_CG / 64];
	struct rowpos rp = rowpos_at(g, row0);

	for (size_t r = row0; r < row0 + nrows; r++, rowpos_next(g, &rp)) {
		size_t ox = rp.ox, oy = rp.oy, n = rp.n;
		uint64_t *dst = out + (r - row0) * p->row_words;
		uint64_t *mask = padmask ? padmask + (r - row0) * mw : NULL;

		for (size_t w = 0; w < p->row_words; w++)
			dst[w] = 0;
		if (mask)
			memset(mask, 0, mw * 8);
		if (p->kwp == 1 && g->planes == 8 && cw == 1 && p->g == 1 && interior(g, oy, ox)) {
			/* 8-bit input, whole window in one word per plane, no padding */
			size_t pix0 = (n * g->h + oy * g->sh - g->pt) * g->w + ox * g->sw - g->pl;
			const uint64_t *base = in + qnn_lay_pix(pix0, 8, 1);

			for (size_t t = 0; t < p->taps; t++) {
				const uint64_t *px = base + p->tapoff[t];
				unsigned int sh = (unsigned int)(t * p->cg);

				for (unsigned int q = 0; q < 8; q++)
					dst[q] |= px[qnn_lay_plane(q, 1)] << sh;
			}
			if (sums) {
				const int32_t *sp = sums + pix0;
				int32_t v = 0;

				for (size_t t = 0; t < p->taps; t++)
					v += sp[p->tapoff[t] / qnn_lay_pix_words(8, 1)];
				rt[r - row0] = p->rowcoef[0] * v;
			}
			continue;
		}
		if (!sums && g->planes * cw == 1 && p->g == 1 && 64 % p->cg == 0 &&
		    interior(g, oy, ox)) {
			/*
			 * One plane of one word per pixel, taps that never
			 * straddle a word (cg divides 64), no padding: a load,
			 * a shift and an OR per tap.
			 */
			size_t pix0 = (n * g->h + oy * g->sh - g->pt) * g->w + ox * g->sw - g->pl;
			const uint64_t *base = in + pix0;
			size_t t = 0;

			/* each word built in a register: ORs into memory would chain */
			for (size_t wi = 0; wi < p->kwp; wi++) {
				uint64_t v = 0;

				for (; t < p->taps && t * p->cg / 64 == wi; t++)
					v |= base[p->tapoff[t]] << (t * p->cg % 64);
				dst[wi] = v;
			}
			continue;
		}
		if (sums)
			window_sums(p, g, sums, r, 1, rt + (r - row0));
		for (size_t ky = 0; ky < g->kh; ky++) {
			size_t y = oy * g->sh + ky * g->dh;

			for (size_t kx = 0; kx < g->kw; kx++) {
				size_t xx = ox * g->sw + kx * g->dw, t = ky * g->kw + kx;
				const uint64_t *px;

				if (y < g->pt || xx < g->pl || y - g->pt >= g->h || xx - g->pl >= g->w) {
					if (mask)
						mask[t / 64] |= 1ull << (t % 64);
					continue;
				}
				px = in + qnn_lay_pix((n * g->h + y - g->pt) * g->w + xx - g->pl,
						      (unsigned int)g->planes, cw);
				if (cw == 1 && p->g == 1) {
					/* few channels: each plane is one word, a shift and two ORs */
					size_t at = t * p->cg, wi = at / 64, sh = at % 64;

					if (p->kwp == 1 && g->planes == 8) {
						/* 8-bit input, window <= 64 bits: one vector op */
						for (unsigned int q = 0; q < 8; q++)
							dst[q] |= px[qnn_lay_plane(q, 1)] << sh;
						continue;
					}
					for (unsigned int pl = 0; pl < g->planes; pl++) {
						uint64_t v = px[qnn_lay_plane(pl, 1)], *d = dst + pl * p->kwp;

						d[wi] |= v << sh;
						if (sh && sh + p->cg > 64)
							d[wi + 1] |= v >> (64 - sh);
					}
					continue;
				}
				for (unsigned int pl = 0; pl < g->planes; pl++) {
					if (p->g == 1) {
						insert_bits(dst + pl * p->kwp, p->kwp, t * p->cg,
							    px + qnn_lay_plane(pl, cw), p->cg);
					} else {
						qnn_bits_extract(px + qnn_lay_plane(pl, cw), (size_t)group * p->cg,
								 p->cg, tmp);
						insert_bits(dst + pl * p->kwp, p->kwp, t * p->cg, tmp, p->cg);
					}
				}
			}
		}
	}
}

/*
 * U8/I8 pixels -> 8 bit-planes (two's complement for I8). Eight channels at
 * a time: bit b of 8 bytes is gathered into one byte with a multiply (the
 * partial products land on distinct bits, so no carries).
 */
static void pack_bytes(const uint8_t *src, size_t pixels, uint32_t c, uint64_t *dst)
{
	size_t cw = qnn_lay_cw(c);

	memset(dst, 0, qnn_lay_pix(pixels, 8, cw) * sizeof(uint64_t));
	for (size_t px = 0; px < pixels; px++, src += c, dst += qnn_lay_pix_words(8, cw))
		for (uint32_t c0 = 0; c0 < c; c0 += 8) {
			uint64_t x = 0;

			for (uint32_t k = 0; k < 8 && c0 + k < c; k++)
				x |= (uint64_t)src[c0 + k] << (8 * k);
			for (unsigned int b = 0; b < 8; b++) {
				uint64_t byte = (((x >> b) & 0x0101010101010101ull) *
						 0x0102040810204080ull) >> 56;

				dst[qnn_lay_pw(b, cw, c0)] |= byte << qnn_lay_shift(c0);
			}
		}
}

/* Whole-word taps (C/groups a multiple of 64, or one group): plain copies. */
static void im2col_words(const struct conv_plan *p, const struct qnn_conv_geom *g,
			 uint32_t group, const uint64_t *in, size_t row0, size_t nrows,
			 uint64_t *out, uint64_t *padmask)
{
	size_t cw = qnn_lay_cw(g->c), gw = qnn_lay_cw(p->cg), mw = mask_words(p);
	size_t goff = qnn_lay_pw(0, cw, (size_t)group * p->cg), kwp = p->kwp;
	unsigned int planes = (unsigned int)g->planes;
	struct rowpos rp = rowpos_at(g, row0);

	for (size_t r = row0; r < row0 + nrows; r++, rowpos_next(g, &rp)) {
		size_t ox = rp.ox, oy = rp.oy, n = rp.n;
		uint64_t *dst = out + (r - row0) * p->row_words;
		uint64_t *mask = padmask ? padmask + (r - row0) * mw : NULL;

		if (mask)
			memset(mask, 0, mw * 8);
		if (interior(g, oy, ox)) {
			/* the whole window is inside: precomputed tap offsets, no checks */
			const uint64_t *base = in + qnn_lay_pix((n * g->h + oy * g->sh - g->pt) * g->w +
								ox * g->sw - g->pl, planes, cw) + goff;

			if (planes == 1 && gw == 1) {
				for (size_t t = 0; t < p->taps; t++)
					dst[t] = base[p->tapoff[t]];
				continue;
			}
			for (size_t t = 0; t < p->taps; t++)
				for (unsigned int pl = 0; pl < planes; pl++)
					for (size_t w = 0; w < gw; w++)
						dst[pl * kwp + t * gw + w] =
							base[p->tapoff[t] + qnn_lay_plane(pl, cw) + w];
			continue;
		}
		for (size_t ky = 0; ky < g->kh; ky++) {
			size_t y = oy * g->sh + ky * g->dh;

			for (size_t kx = 0; kx < g->kw; kx++) {
				size_t xx = ox * g->sw + kx * g->dw, t = ky * g->kw + kx;
				const uint64_t *px;

				if (y < g->pt || xx < g->pl || y - g->pt >= g->h || xx - g->pl >= g->w) {
					for (unsigned int pl = 0; pl < planes; pl++)
						for (size_t w = 0; w < gw; w++)
							dst[pl * kwp + t * gw + w] = 0;
					if (mask)
						mask[t / 64] |= 1ull << (t % 64);
					continue;
				}
				px = in + qnn_lay_pix((n * g->h + y - g->pt) * g->w + xx - g->pl, planes, cw) + goff;
				for (unsigned int pl = 0; pl < planes; pl++)
					for (size_t w = 0; w < gw; w++)
						dst[pl * kwp + t * gw + w] = px[qnn_lay_plane(pl, cw) + w];
			}
		}
	}
}

struct conv_task {
	struct cpu_exec *e;
	int fused;		/* tasks are pool rows (conv_plan.pool_out) */
	const uint64_t *in;
	uint8_t *out;
	size_t rows, rpt, out_pix;
	size_t tpi;		/* > 0: tasks per image (bpad: tasks stay in one image) */
	unsigned int out_enc;
	const int32_t *sums;	/* per-pixel byte sums (pixsum) */
};

/*
 * rt[r] = rowcoef_0 * (sum of the byte values in row r's window): equals
 * sum_i rowcoef_i * pop(plane i of the row), since rowcoef_i = alpha_i *
 * sum_j beta_j and the planes' alpha_i rebuild each byte. Groups are 1.
 */
static void window_sums(const struct conv_plan *p, const struct qnn_conv_geom *g,
			const int32_t *sums, size_t row0, size_t nr, int32_t *rt)
{
	struct rowpos rp = rowpos_at(g, row0);

	for (size_t r = row0; r < row0 + nr; r++, rowpos_next(g, &rp)) {
		size_t ox = rp.ox, oy = rp.oy, n = rp.n;
		int32_t v = 0;

		for (size_t ky = 0; ky < g->kh; ky++) {
			size_t y = oy * g->sh + ky * g->dh;

			if (y < g->pt || y - g->pt >= g->h)
				continue;
			for (size_t kx = 0; kx < g->kw; kx++) {
				size_t xx = ox * g->sw + kx * g->dw;

				if (xx < g->pl || xx - g->pl >= g->w)
					continue;
				v += sums[(n * g->h + y - g->pt) * g->w + xx - g->pl];
			}
		}
		rt[r - row0] = p->rowcoef[0] * v;
	}
}

static void finish_rows(struct cpu_exec *e, const struct conv_task *ct, int32_t *acc,
			const uint64_t *mask, size_t row0, size_t nr);

/* The conv rows of a task: a run of rpt rows, or the pkh rows under a pool row. */
static void task_rows(const struct conv_task *ct, const struct conv_plan *p, size_t task,
		      size_t *row0, size_t *nr)
{
	if (ct->fused) {
		size_t n = task / p->pho, py = task % p->pho;

		*row0 = (n * p->ho + py * p->pkh) * p->wo;
		*nr = (size_t)p->pkh * p->wo;
		return;
	}
	if (ct->tpi) {
		/* tasks within one image: tpi per image */
		size_t npix = (size_t)p->ho * p->wo, first = task % ct->tpi * ct->rpt;

		*row0 = task / ct->tpi * npix + first;
		*nr = npix - first < ct->rpt ? npix - first : ct->rpt;
		return;
	}
	*row0 = task * ct->rpt;
	*nr = ct->rows - *row0 < ct->rpt ? ct->rows - *row0 : ct->rpt;
}

/*
 * bpad: the input rows under output rows [row0, row0 + nr) of one image,
 * zero-bordered, into strip; *g becomes the strip's geometry and the
 * returned value the first row's index in it.
 */
static size_t fill_strip(const struct cpu_exec *e, const struct conv_plan *p, const uint64_t *in,
			 size_t row0, size_t nr, uint64_t *strip, struct qnn_conv_geom *g)
{
	const struct qnn_layer *l = e->l;
	const struct qnn_tensor *x = &e->m->t[l->in[0]];
	size_t npix = (size_t)p->ho * p->wo, n = row0 / npix, rel = row0 - n * npix;
	size_t oy0 = rel / p->wo, oy1 = (rel + nr - 1) / p->wo;
	size_t ys = oy0 * l->sh, rows = (oy1 - oy0) * l->sh + (size_t)(l->kh - 1) * l->dh + 1;
	size_t wpw = g->w * p->pixw, roww = (size_t)x->w * p->pixw;
	const uint64_t *img = (const uint64_t *)((const uint8_t *)in + n * x->bytes);

	for (size_t i = 0; i < rows; i++) {
		uint64_t *d = strip + i * wpw;
		size_t y = ys + i;

		if (y < l->pt || y - l->pt >= x->h) {
			memset(d, 0, wpw * sizeof(uint64_t));
			continue;
		}
		memset(d, 0, l->pl * p->pixw * sizeof(uint64_t));
		memcpy(d + l->pl * p->pixw, img + (y - l->pt) * roww, roww * sizeof(uint64_t));
		memset(d + l->pl * p->pixw + roww, 0, (wpw - l->pl * p->pixw - roww) * sizeof(uint64_t));
	}
	g->n = 1;
	g->h = rows;
	g->oh = oy1 - oy0 + 1;
	return rel - oy0 * p->wo;
}

static void finish_pooled(struct cpu_exec *e, const struct conv_task *ct, int32_t *acc,
			  size_t row0, size_t task);

static void conv_rows(void *arg, size_t task, unsigned int worker)
{
	struct conv_task *ct = arg;
	struct cpu_exec *e = ct->e;
	const struct qnn_layer *l = e->l;
	const struct conv_plan *p = l->conv;
	const struct qnn_kern *k = e->k;
	size_t row0, nr;
	size_t mw = mask_words(p);
	uint8_t *s = e->scratch + (size_t)worker * e->scratch_bytes;
	uint64_t *buf = (uint64_t *)s;
	int32_t *acc = (int32_t *)(buf + RPT_MAX * p->row_words);
	uint64_t *mask = (uint64_t *)(acc + RPT_MAX * (size_t)p->o);	/* RPT_MAX even: 8-aligned */
	int32_t *pop = (int32_t *)(mask + RPT_MAX * mw);
	struct qnn_conv_geom g = p->geom;

	const uint64_t *in = ct->in;
	size_t r0;

	task_rows(ct, p, task, &row0, &nr);
	g.n = e->batch;
	r0 = row0;
	if (p->bpad) {
		uint64_t *strip = (uint64_t *)(s + strip_at(p));

		r0 = fill_strip(e, p, ct->in, row0, nr, strip, &g);
		in = strip;
	}
	for (uint32_t grp = 0; grp < p->g; grp++) {
		if (p->mode == CONV_TAPS && (p->g == 1 || p->cg % 64 == 0))
			im2col_words(p, &g, grp, in, r0, nr, buf, p->wtap && !p->padclass ? mask : NULL);
		else if (p->mode == CONV_TAPS)
			qnn_im2col_bits(&g, grp, in, r0, nr, buf, p->row_words, p->wtap && !p->padclass ? mask : NULL);
		else
			im2col_dense(p, &g, grp, in, r0, nr, buf, p->wtap && !p->padclass ? mask : NULL,
				     p->pixsum ? ct->sums : NULL, pop + RPT_MAX);
		k->popgemm_packed(p->op, nr, p->og, p->kwp, p->pa, buf, p->row_words, p->kwp,
				  p->pb, p->wpk ? p->wpk + grp * p->wpk_group :
				  p->w + (size_t)grp * p->og * p->wrow, p->wrow, p->kwp,
				  p->coef, acc + (size_t)grp * p->og, p->o, 0);
		if (p->need_rowpop) {
			/* unit activations x sign weights: + sum_i rowcoef_i * pop(x_i) per row */
			uint32_t og = p->og, ldc = p->o;
			int32_t *rt = pop + RPT_MAX;

			if (!p->pixsum) {
				for (size_t r = 0; r < nr; r++)
					rt[r] = 0;
				for (unsigned int i = 0; i < p->pa; i++) {
					k->rowpop(nr, p->kwp, buf + i * p->kwp, p->row_words, pop);
					for (size_t r = 0; r < nr; r++)
						rt[r] += p->rowcoef[i] * pop[r];
				}
			} else if (p->mode != CONV_DENSE) {
				window_sums(p, &g, ct->sums, row0, nr, rt);
			}	/* else im2col_dense filled rt */
			for (size_t r = 0; r < nr; r++) {
				int32_t *a = acc + r * ldc + (size_t)grp * og, v = rt[r];

				for (uint32_t j = 0; j < og; j++)
					a[j] += v;
			}
		}
	}
	if (ct->fused)
		finish_pooled(e, ct, acc, row0, task);
	else
		finish_rows(e, ct, acc, p->wtap && !p->padclass ? mask : NULL, row0, nr);
}

/*
 * Max-pool of a task's threshold bits: each pooled word is the OR of its
 * window's words (thresholds are monotone, see direct_bits). pinv, when
 * given, is applied to each pixel before the OR, as its threshold test
 * is the inverted one.
 */
static void pool_hits(const struct conv_task *ct, const struct conv_plan *p, size_t task,
		      const uint64_t *hits, const uint64_t *pinv, uint64_t flip)
{
	size_t cw = qnn_lay_cw(p->o);
	uint64_t last = qnn_lay_last_mask(p->o);

	for (size_t px = 0; px < p->pwo; px++) {
		uint64_t *o = (uint64_t *)(ct->out + (task * p->pwo + px) * ct->out_pix);

		for (size_t w = 0; w < cw; w++) {
			uint64_t v = 0, inv = pinv ? pinv[w] : 0;

			for (size_t dy = 0; dy < p->pkh; dy++)
				for (size_t dx = 0; dx < p->pkw; dx++)
					v |= hits[(dy * p->wo + px * p->pkw + dx) * cw + w] ^ inv;
			o[w] = (v ^ flip) & (w + 1 < cw ? ~0ull : last);
		}
	}
}

/*
 * A task of a popconv_bits layer: the rows' window pointers, one kernel
 * call, then the bits fixed up (pinv, flip, tails) in place, or ORed
 * over each pool window into the pool's output (thresholds are monotone:
 * see direct_bits).
 */
static void conv_rows_bits(void *arg, size_t task, unsigned int worker)
{
	struct conv_task *ct = arg;
	struct cpu_exec *e = ct->e;
	const struct conv_plan *p = e->l->conv;
	const struct qnn_conv_geom *g = &p->geom;
	uint8_t *s = e->scratch + (size_t)worker * e->scratch_bytes;
	const uint64_t **rows = (const uint64_t **)s;
	uint64_t *hits = (uint64_t *)(s + RPT_MAX * p->row_words * 8);
	size_t cw = qnn_lay_cw(p->o), row0, nr, ldo;
	uint64_t last = qnn_lay_last_mask(p->o), flip = ct->out_enc == QNN_ENC_BIPOLAR ? ~0ull : 0;
	const uint64_t *in = ct->in;
	uint64_t *dst;
	struct rowpos rp;

	task_rows(ct, p, task, &row0, &nr);
	rp = rowpos_at(g, row0);
	for (size_t r = 0; r < nr; r++, rowpos_next(g, &rp))
		rows[r] = in + ((rp.n * g->h + rp.oy * g->sh) * g->w + rp.ox * g->sw) * p->pixw;
	dst = ct->fused ? hits : (uint64_t *)(ct->out + row0 * ct->out_pix);
	ldo = ct->fused ? cw : ct->out_pix / sizeof(uint64_t);
	if (p->o % 64)	/* bytes past ceil(o / 8) are not written */
		for (size_t r = 0; r < nr; r++)
			dst[r * ldo + cw - 1] = 0;
	e->k->popconv_bits(p->op, nr, p->o, p->kwp, rows, p->woff,
			   p->wpk ? p->wpk : p->w, p->pth, (uint8_t *)dst, ldo * 8);
	if (!ct->fused) {
		for (size_t r = 0; r < nr; r++)
			for (size_t w = 0; w < cw; w++)
				dst[r * ldo + w] = (dst[r * ldo + w] ^ p->pinv[w] ^ flip) &
						   (w + 1 < cw ? ~0ull : last);
		return;
	}
	pool_hits(ct, p, task, hits, p->pinv, flip);
}

/* What padding added (ZERO_PAD), taken off nr rows from output pixel pix on. */
static void correct_rows(const struct conv_plan *p, int32_t *acc, const uint64_t *mask,
			 size_t pix, size_t nr)
{
	size_t mw = mask_words(p), npix = (size_t)p->ho * p->wo;

	for (size_t r = 0; r < nr; r++, pix = pix + 1 == npix ? 0 : pix + 1) {
		int32_t *a = acc + r * p->o;
		unsigned int c = p->padclass ? p->padclass[pix] : 0;

		if (c)
			for (uint32_t j = 0; j < p->o; j++)
				a[j] -= p->padcorr[(size_t)c * p->o + j];
		if (mask)
			for (uint32_t t = 0; t < p->taps; t++)
				if (mask[r * mw + t / 64] >> (t % 64) & 1)
					for (uint32_t j = 0; j < p->o; j++)
						a[j] -= p->a0 * p->wtap[(size_t)j * p->taps + t];
	}
}

/* Padding correction, then thresholds or the output transform, per row. */
static void finish_rows(struct cpu_exec *e, const struct conv_task *ct, int32_t *acc,
			const uint64_t *mask, size_t row0, size_t nr)
{
	const struct conv_plan *p = e->l->conv;
	const struct qnn_kern *k = e->k;
	size_t mw = mask_words(p);

	size_t npix = (size_t)p->ho * p->wo, pix = row0 % npix;

	if (p->tht && k->threshold_pool) {
		/* corrections first, then runs of rows sharing a threshold table */
		size_t ldo = ct->out_pix / sizeof(uint64_t);

		if (!p->thtc)
			correct_rows(p, acc, mask, pix, nr);
		for (size_t r = 0, run; r < nr; r += run) {
			unsigned int c = p->thtc ? p->padclass[(pix + r) % npix] : 0;

			for (run = 1; r + run < nr && p->thtc &&
			     p->padclass[(pix + r + run) % npix] == c; run++)
				;
			if (!p->thtc)
				run = nr - r;
			k->threshold_pool(p->o, run, 1, 1, 1, acc + r * p->o, p->o, p->nt,
					  p->thtc ? p->thtc + (size_t)c * p->nt * p->o : p->tht, p->o,
					  p->negmask, ct->out_enc == QNN_ENC_BIPOLAR,
					  (uint64_t *)(ct->out + (row0 + r) * ct->out_pix), ldo);
		}
		return;
	}
	for (size_t r = 0; r < nr; r++, pix = pix + 1 == npix ? 0 : pix + 1) {
		int32_t *a = acc + r * p->o;
		unsigned int c = p->padclass ? p->padclass[pix] : 0;

		if (p->thtc) {
			/* colconst and this pixel's padding folded into thtc */
			k->threshold(p->o, a, p->nt, p->thtc + (size_t)c * p->nt * p->o, p->o,
				     p->negmask, ct->out_enc == QNN_ENC_BIPOLAR,
				     (uint64_t *)(ct->out + (row0 + r) * ct->out_pix));
			continue;
		}
		if (c)
			for (uint32_t j = 0; j < p->o; j++)
				a[j] -= p->padcorr[(size_t)c * p->o + j];
		if (mask)
			for (uint32_t t = 0; t < p->taps; t++)
				if (mask[r * mw + t / 64] >> (t % 64) & 1)
					for (uint32_t j = 0; j < p->o; j++)
						a[j] -= p->a0 * p->wtap[(size_t)j * p->taps + t];
		if (p->tht) {
			/* colconst is folded into tht */
			k->threshold(p->o, a, p->nt, p->tht, p->o, p->negmask,
				     ct->out_enc == QNN_ENC_BIPOLAR,
				     (uint64_t *)(ct->out + (row0 + r) * ct->out_pix));
			continue;
		}
		for (uint32_t j = 0; j < p->o; j++)
			a[j] += p->colconst[j];
		cpu_transform_row(e->m, e->l, a, ct->out + (row0 + r) * ct->out_pix);
	}
}

/*
 * CONV_INT8 rows: each window's byte values as int16 (zeros for padded taps
 * and the pad to kk), one i16gemm, then the usual epilogue.
 */
static void im2col_i16(const struct conv_plan *p, const struct qnn_conv_geom *g, int is_signed,
		       const uint8_t *in, size_t row0, size_t nrows, int16_t *out)
{
	size_t c = g->c, k = (size_t)p->taps * c;
	struct rowpos rp = rowpos_at(g, row0);

	for (size_t r = row0; r < row0 + nrows; r++, rowpos_next(g, &rp)) {
		size_t ox = rp.ox, oy = rp.oy, n = rp.n;
		int16_t *dst = out + (r - row0) * p->kk;

		if (k < p->kk)
			dst[k] = 0;
		if (interior(g, oy, ox)) {
			const uint8_t *base = in + ((n * g->h + oy * g->sh - g->pt) * g->w +
						    ox * g->sw - g->pl) * c;

			/*
			 * Whole pairs as 32-bit stores: i16gemm reads each pair
			 * with one load, which two 16-bit stores would stall.
			 */
			for (size_t q = 0; q < k / 2; q++) {
				uint32_t lo = base[p->koff8[2 * q]], hi = base[p->koff8[2 * q + 1]];
				uint32_t v;

				if (is_signed) {
					lo = (uint16_t)(int8_t)lo;
					hi = (uint16_t)(int8_t)hi;
				}
				v = lo | hi << 16;
				memcpy(dst + 2 * q, &v, 4);
			}
			if (k % 2) {
				uint32_t v = base[p->koff8[k - 1]];

				if (is_signed)
					v = (uint16_t)(int8_t)v;
				memcpy(dst + k - 1, &v, 4);
			}
			continue;
		}
		for (size_t ky = 0; ky < g->kh; ky++) {
			size_t y = oy * g->sh + ky * g->dh;

			for (size_t kx = 0; kx < g->kw; kx++) {
				size_t xx = ox * g->sw + kx * g->dw, t = ky * g->kw + kx;
				const uint8_t *px;

				if (y < g->pt || xx < g->pl || y - g->pt >= g->h || xx - g->pl >= g->w) {
					for (size_t ch = 0; ch < c; ch++)
						dst[t * c + ch] = 0;
					continue;
				}
				px = in + ((n * g->h + y - g->pt) * g->w + xx - g->pl) * c;
				for (size_t ch = 0; ch < c; ch++)
					dst[t * c + ch] = is_signed ? (int8_t)px[ch] : px[ch];
			}
		}
	}
}

/* im2col_i16's U8 twin for u8gemm: byte values, pairs stored whole */
static void im2col_u8(const struct conv_plan *p, const struct qnn_conv_geom *g,
		      const uint8_t *in, size_t row0, size_t nrows, uint8_t *out)
{
	size_t c = g->c, k = (size_t)p->taps * c;
	struct rowpos rp = rowpos_at(g, row0);

	for (size_t r = row0; r < row0 + nrows; r++, rowpos_next(g, &rp)) {
		size_t ox = rp.ox, oy = rp.oy, n = rp.n;
		uint8_t *dst = out + (r - row0) * p->kk;

		if (interior(g, oy, ox)) {
			const uint8_t *base = in + ((n * g->h + oy * g->sh - g->pt) * g->w +
						    ox * g->sw - g->pl) * c;

			for (size_t q = 0; q < k / 2; q++) {
				uint16_t v = (uint16_t)(base[p->koff8[2 * q]] |
							base[p->koff8[2 * q + 1]] << 8);

				memcpy(dst + 2 * q, &v, 2);
			}
			if (k % 2) {
				uint16_t v = base[p->koff8[k - 1]];

				memcpy(dst + k - 1, &v, 2);
			}
			continue;
		}
		if (k < p->kk)
			dst[k] = 0;
		for (size_t ky = 0; ky < g->kh; ky++) {
			size_t y = oy * g->sh + ky * g->dh;

			for (size_t kx = 0; kx < g->kw; kx++) {
				size_t xx = ox * g->sw + kx * g->dw, t = ky * g->kw + kx;

				if (y < g->pt || xx < g->pl || y - g->pt >= g->h || xx - g->pl >= g->w)
					memset(dst + t * c, 0, c);
				else
					memcpy(dst + t * c,
					       in + ((n * g->h + y - g->pt) * g->w + xx - g->pl) * c, c);
			}
		}
	}
}

/*
 * A binary-output first layer through u8conv_bits: threshold bits per
 * pixel straight from the kernel, into the output (inverted for BIPOLAR),
 * or into hits[] and then max-pooled as the OR of each window's words
 * (thresholds are monotone: max >= t iff some value >= t, likewise min
 * <= t for negated channels).
 */
static void direct_bits(struct cpu_exec *e, const struct conv_task *ct,
			const struct qnn_conv_geom *g, uint64_t *hits, size_t row0, size_t nr,
			size_t task)
{
	const struct conv_plan *p = e->l->conv;
	size_t cw = qnn_lay_cw(p->o), ldo = ct->fused ? cw : ct->out_pix / sizeof(uint64_t);
	uint64_t *dst = ct->fused ? hits : (uint64_t *)(ct->out + row0 * ct->out_pix);
	uint64_t last = qnn_lay_last_mask(p->o), flip = ct->out_enc == QNN_ENC_BIPOLAR ? ~0ull : 0;
	struct rowpos rp = rowpos_at(g, row0);
	size_t c = p->dc_px, step = g->sw * c;

	for (size_t done = 0; done < nr;) {
		size_t cnt = g->ow - rp.ox < nr - done ? g->ow - rp.ox : nr - done;
		const uint8_t *x = (const uint8_t *)e->aux + rp.n * p->dc_img +
				   (rp.oy * g->sh * p->dc_wp + rp.ox * g->sw) * c;

		e->k->u8conv_bits(cnt, p->o, p->dc_ns, p->dc_nq, x, step, p->dc_off, p->wdc, p->tht,
				  p->negmask, dst + done * ldo, ldo);
		done += cnt;
		rp.ox += cnt;
		if (rp.ox == g->ow) {
			rp.ox = 0;
			if (++rp.oy == g->oh) {
				rp.oy = 0;
				rp.n++;
			}
		}
	}
	if (!ct->fused) {
		if (flip)
			for (size_t r = 0; r < nr; r++)
				for (size_t w = 0; w < cw; w++)
					dst[r * ldo + w] ^= w + 1 < cw ? ~0ull : last;
		return;
	}
	pool_hits(ct, p, task, hits, NULL, flip);
}

static void conv_rows_int8(void *arg, size_t task, unsigned int worker)
{
	struct conv_task *ct = arg;
	struct cpu_exec *e = ct->e;
	const struct conv_plan *p = e->l->conv;
	size_t row0, nr;
	uint8_t *s = e->scratch + (size_t)worker * e->scratch_bytes;
	int16_t *buf = (int16_t *)s;
	int32_t *acc = (int32_t *)(s + RPT_MAX * p->row_words * 8);
	struct qnn_conv_geom g = p->geom;

	task_rows(ct, p, task, &row0, &nr);
	g.n = e->batch;
	if (p->wdc && p->nt == 1 && e->k->u8conv_bits) {
		direct_bits(e, ct, &g, (uint64_t *)acc, row0, nr, task);
		return;
	}
	if (p->wdc) {
		/* runs of pixels along one output row: windows step by sw pixels */
		struct rowpos rp = rowpos_at(&g, row0);
		size_t c = p->dc_px, step = g.sw * c;

		for (size_t done = 0; done < nr;) {
			size_t cnt = g.ow - rp.ox < nr - done ? g.ow - rp.ox : nr - done;
			const uint8_t *x = (const uint8_t *)e->aux + rp.n * p->dc_img +
					   (rp.oy * g.sh * p->dc_wp + rp.ox * g.sw) * c;

			e->k->u8conv(cnt, p->o, p->dc_ns, p->dc_nq, x, step, p->dc_off, p->wdc,
				     acc + done * p->o, p->o);
			done += cnt;
			rp.ox += cnt;
			if (rp.ox == g.ow) {
				rp.ox = 0;
				if (++rp.oy == g.oh) {
					rp.oy = 0;
					rp.n++;
				}
			}
		}
	} else if (p->wu8) {
		im2col_u8(p, &g, (const uint8_t *)ct->in, row0, nr, (uint8_t *)buf);
		e->k->u8gemm(nr, p->o, p->kk, (const uint8_t *)buf, p->kk, p->wu8, acc, p->o);
	} else {
		im2col_i16(p, &g, p->in_enc == QNN_ENC_SIGNED, (const uint8_t *)ct->in, row0, nr, buf);
		e->k->i16gemm(nr, p->o, p->kk, buf, p->kk, p->wi16, acc, p->o);
	}
	if (ct->fused)
		finish_pooled(e, ct, acc, row0, task);
	else
		finish_rows(e, ct, acc, NULL, row0, nr);
}

/*
 * Fused max-pool: the pkh x wo accumulator rows of one pool row, padding
 * corrections applied per row, pooled per channel (max; min for negated
 * channels, as psign flips them), then one threshold per pool output.
 * Pooled in place: pool output px goes to row px, read rows are >= px.
 */
static void finish_pooled(struct cpu_exec *e, const struct conv_task *ct, int32_t *acc,
			  size_t row0, size_t task)
{
	const struct conv_plan *p = e->l->conv;
	size_t o = p->o, npix = (size_t)p->ho * p->wo, pix0 = row0 % npix;

	if (p->padclass)
		for (size_t r = 0; r < (size_t)p->pkh * p->wo; r++) {
			unsigned int c = p->padclass[pix0 + r];

			if (c)
				for (size_t j = 0; j < o; j++)
					acc[r * o + j] -= p->padcorr[(size_t)c * o + j];
		}
	if (e->k->threshold_pool) {
		e->k->threshold_pool(o, p->pwo, p->pkh, p->pkw, p->wo, acc, o, p->nt, p->tht, o,
				     p->negmask, ct->out_enc == QNN_ENC_BIPOLAR,
				     (uint64_t *)(ct->out + task * p->pwo * ct->out_pix),
				     ct->out_pix / sizeof(uint64_t));
		return;
	}
	for (size_t px = 0; px < p->pwo; px++) {
		int32_t *dst = acc + px * o;
		const int32_t *first = acc + px * p->pkw * o;

		const int32_t *rows[64];
		size_t nr = 0;

		rows[nr++] = first;
		for (size_t dy = 0; dy < p->pkh; dy++)
			for (size_t dx = 0; dx < p->pkw; dx++) {
				const int32_t *x = acc + (dy * p->wo + px * p->pkw + dx) * o;

				if (x != first)
					rows[nr++] = x;
			}
		e->k->rowmax(o, nr, rows, p->psign, dst);
		e->k->threshold(o, dst, p->nt, p->tht, o, p->negmask, ct->out_enc == QNN_ENC_BIPOLAR,
				(uint64_t *)(ct->out + (task * p->pwo + px) * ct->out_pix));
	}
}

int cpu_conv_fuse_pool(struct qnn_model *m, struct qnn_layer *conv, const struct qnn_layer *pool)
{
	struct conv_plan *p = conv->conv;
	const struct qnn_tensor *co = &m->t[conv->out], *po = &m->t[pool->out];

	if (!p || p->mode == CONV_FLOAT || !p->tht || pool->op != QNN_OP_MAXPOOL ||
	    pool->in[0] != conv->out || !pool->kh || !pool->kw ||
	    pool->sh != pool->kh || pool->sw != pool->kw ||
	    pool->pt || pool->pl || pool->pb || pool->pr ||
	    (size_t)pool->kh * p->wo > RPT_MAX || (size_t)pool->kh * pool->kw > 64 ||
	    po->h != p->ho / pool->kh ||
	    po->w != p->wo / pool->kw || po->dtype != QNN_DT_BITS || po->bits != co->bits ||
	    po->enc != co->enc ||
	    !(co->enc == QNN_ENC_UNSIGNED || (co->enc == QNN_ENC_BIPOLAR && co->bits == 1)))
		return 0;
	p->psign = malloc(p->o * sizeof(int32_t));
	if (!p->psign)
		return 0;
	for (uint32_t j = 0; j < p->o; j++)
		p->psign[j] = qnn_lay_get(p->negmask, 1, co->cw, j) ? -1 : 0;
	p->pool_out = pool->out;
	p->pkh = pool->kh;
	p->pkw = pool->kw;
	p->pho = po->h;
	p->pwo = po->w;
	return 1;
}

static void pack_task(void *arg, size_t n, unsigned int worker)
{
	struct cpu_exec *e = arg;
	const struct qnn_tensor *x = &e->m->t[e->l->in[0]];
	size_t pixels = (size_t)x->h * x->w;

	const uint8_t *src = (const uint8_t *)e->ptr[e->l->in[0]] + n * x->bytes;

	(void)worker;
	pack_bytes(src, pixels, x->c, (uint64_t *)e->aux + qnn_lay_pix(n * pixels, 8, x->cw));
	if (e->l->conv->pixsum) {
		int32_t *sum = (int32_t *)e->aux2 + n * pixels;

		for (size_t px = 0; px < pixels; px++, src += x->c) {
			int32_t v = 0;

			for (uint32_t c = 0; c < x->c; c++)
				v += x->dtype == QNN_DT_I8 ? (int8_t)src[c] : src[c];
			sum[px] = v;
		}
	}
}

/*
 * The stacked image (prepare_direct) from the plain padded one: stacked
 * pixel (y, x) = pixels (y + ky, x), ky < kh, of c bytes each. Small c is
 * copied 4 bytes at a time: stores go in ascending address order and spill
 * at most 3 bytes forward, onto bytes a later store writes (or the slack).
 */
static void stack_rows(const struct conv_plan *p, const uint8_t *plain, uint8_t *st, size_t c,
		       size_t kh, size_t sh)
{
	size_t wp = p->dc_wp, px = p->dc_px, hs = (size_t)(p->ho - 1) * sh + 1;

	if (c == 3 && kh == 3) {
		/* RGB under a 3x3 window: a stacked pixel is 8 bytes built in a register + 1 */
		for (size_t y = 0; y < hs; y++) {
			const uint8_t *s = plain + y * wp * 3;
			uint8_t *d = st + y * wp * 9;

			for (size_t x = 0; x < wp; x++, s += 3, d += 9) {
				uint32_t v0, v1, v2;
				uint64_t lo;

				memcpy(&v0, s, 4);
				memcpy(&v1, s + wp * 3, 4);
				memcpy(&v2, s + wp * 6, 4);
				lo = (v0 & 0xffffffu) | (uint64_t)(v1 & 0xffffffu) << 24 |
				     (uint64_t)v2 << 48;
				memcpy(d, &lo, 8);
				d[8] = (uint8_t)(v2 >> 16);
			}
		}
		return;
	}
	for (size_t y = 0; y < hs; y++)
		for (size_t x = 0; x < wp; x++) {
			uint8_t *d = st + (y * wp + x) * px;
			const uint8_t *s = plain + (y * wp + x) * c;

			for (size_t ky = 0; ky < kh; ky++, d += c, s += wp * c) {
				if (c <= 4) {
					uint32_t v;

					memcpy(&v, s, 4);
					memcpy(d, &v, 4);
				} else {
					memcpy(d, s, c);
				}
			}
		}
}

/* u8conv's input: image n zero-padded into aux (I8 biased to u8, see prepare_direct) */
static void pad_task(void *arg, size_t n, unsigned int worker)
{
	struct cpu_exec *e = arg;
	const struct qnn_layer *l = e->l;
	const struct conv_plan *p = l->conv;
	const struct qnn_tensor *x = &e->m->t[l->in[0]];
	const uint8_t *src = (const uint8_t *)e->ptr[l->in[0]] + n * x->bytes;
	uint8_t *img = (uint8_t *)e->aux + n * p->dc_img, *dst = img + p->dc_st;
	size_t row = (size_t)x->w * x->c;
	int bias = x->dtype == QNN_DT_I8;

	(void)worker;
	memset(dst, bias ? 0x80 : 0, p->dc_img - p->dc_st);
	for (size_t y = 0; y < x->h; y++) {
		uint8_t *d = dst + ((l->pt + y) * p->dc_wp + l->pl) * x->c;

		if (bias)
			for (size_t i = 0; i < row; i++)
				d[i] = src[y * row + i] ^ 0x80;
		else
			memcpy(d, src + y * row, row);
	}
	if (p->dc_st)
		stack_rows(p, dst, img, x->c, l->kh, l->sh);
}

struct fconv_task {
	struct cpu_exec *e;
	const float *in;
	float *out;
};

/*
 * The window positions k < kn of output position o that fall inside the
 * image (pad <= o * s + k * d < pad + size): an interval [*k0, *k1),
 * empty when *k0 == *k1.
 */
static void tap_range(size_t o, size_t s, size_t d, size_t kn, size_t pad, size_t size,
		      uint32_t *k0, uint32_t *k1)
{
	size_t at = o * s, lo = at >= pad ? 0 : (pad - at + d - 1) / d;
	size_t hi = at >= pad + size ? 0 : (pad + size - 1 - at) / d + 1;

	if (hi > kn)
		hi = kn;
	if (lo > hi)
		lo = hi;
	*k0 = (uint32_t)lo;
	*k1 = (uint32_t)hi;
}

/*
 * Task r: output row (n, oy). Its pixels go in runs that see the same
 * window taps inside the image (the left border, the interior, the right
 * border): per run and group, the kernel table's fconv takes a pointer per
 * such tap to the run's first pixel and to the tap's weights, and sums in
 * double, per output channel over taps then input channels -- the order of
 * the scalar oracle, so every table gives the same bits. Padded taps are
 * left out (they add nothing): no per-element test.
 */
static void conv_float_row(void *arg, size_t r, unsigned int worker)
{
	struct fconv_task *ft = arg;
	struct cpu_exec *e = ft->e;
	const struct qnn_layer *l = e->l;
	const struct conv_plan *p = l->conv;
	const struct qnn_tensor *x = &e->m->t[l->in[0]];
	const struct qnn_kern *k = e->m->ctx->kern;
	const float **xp = (const float **)(e->scratch + (size_t)worker * e->scratch_bytes);
	const float **wp = xp + p->taps;
	size_t oy = r % p->ho, n = r / p->ho;
	uint32_t ky0, ky1;

	tap_range(oy, l->sh, l->dh, l->kh, l->pt, x->h, &ky0, &ky1);
	for (size_t ox = 0, run; ox < p->wo; ox += run) {
		uint32_t kx0, kx1, a, b;

		tap_range(ox, l->sw, l->dw, l->kw, l->pl, x->w, &kx0, &kx1);
		for (run = 1; ox + run < p->wo; run++) {
			tap_range(ox + run, l->sw, l->dw, l->kw, l->pl, x->w, &a, &b);
			if (a != kx0 || b != kx1)
				break;
		}
		for (uint32_t grp = 0; grp < p->g; grp++) {
			size_t nt = 0, og = (size_t)grp * p->og;

			for (uint32_t ky = ky0; ky < ky1; ky++) {
				size_t y = oy * l->sh + (size_t)ky * l->dh - l->pt;

				for (uint32_t kx = kx0; kx < kx1; kx++) {
					size_t xx = ox * l->sw + (size_t)kx * l->dw - l->pl;

					xp[nt] = ft->in + ((n * x->h + y) * x->w + xx) * x->c +
						 (size_t)grp * p->cg;
					wp[nt++] = p->wf + ((size_t)grp * p->taps + ky * l->kw + kx) *
							   p->cg * p->og;
				}
			}
			k->fconv(run, p->og, p->cg, nt, xp, (size_t)l->sw * x->c, wp, p->fsb + og,
				 p->fsb + p->o + og, ft->out + (r * p->wo + ox) * p->o + og, p->o);
		}
	}
}

void cpu_conv_run(struct cpu_exec *e)
{
	const struct qnn_layer *l = e->l;
	const struct conv_plan *p = l->conv;
	const struct qnn_tensor *o = &e->m->t[l->out];
	size_t rows = (size_t)e->batch * p->ho * p->wo;
	unsigned int threads = e->inline_worker >= 0 ? 1 : qnn_pool_threads(e->m->ctx->pool);

	if (p->mode == CONV_GROUPED) {
		cpu_gconv_run(e);
		return;
	}
	if (p->mode == CONV_FLOAT) {
		struct fconv_task ft = { e, e->ptr[l->in[0]], e->ptr[l->out] };

		cpu_tasks(e, (size_t)e->batch * p->ho, conv_float_row, &ft);
		return;
	}
	{
		struct conv_task ct = {
			.e = e, .out = e->ptr[l->out], .rows = rows, .out_pix = o->pix_bytes,
			.out_enc = o->enc, .fused = p->pool_out >= 0,
		};
		size_t tasks;

		if (p->wdc) {
			cpu_tasks_w(e, e->batch, pad_task, e, (size_t)e->batch * p->dc_img / 8);
			ct.in = e->aux;
		} else if (p->pack_input) {
			cpu_tasks(e, e->batch, pack_task, e);
			ct.in = e->aux;
			ct.sums = e->aux2;
		} else {
			ct.in = e->ptr[l->in[0]];
		}
		/* about 4 tasks per thread for balance (one thread: none), at most RPT_MAX rows each */
		ct.rpt = threads == 1 ? RPT_MAX : (rows + threads * 4 - 1) / (threads * 4);
		if (ct.rpt > RPT_MAX)
			ct.rpt = RPT_MAX;
		if (!ct.rpt)
			ct.rpt = 1;
		tasks = (rows + ct.rpt - 1) / ct.rpt;
		if (p->bpad && !ct.fused) {
			size_t npix = (size_t)p->ho * p->wo;

			ct.tpi = (npix + ct.rpt - 1) / ct.rpt;
			tasks = e->batch * ct.tpi;
		}
		if (ct.fused) {
			/* one task per pool output row, into the pool's output */
			ct.out = e->ptr[p->pool_out];
			ct.out_pix = e->m->t[p->pool_out].pix_bytes;
			ct.rpt = (size_t)p->pkh * p->wo;
			tasks = (size_t)e->batch * p->pho;
		}
		cpu_tasks_w(e, tasks, p->mode == CONV_INT8 ? conv_rows_int8 :
			    p->pth ? conv_rows_bits : conv_rows, &ct,
			    rows * p->o * p->kwp * p->pa * p->pb);
	}
}
