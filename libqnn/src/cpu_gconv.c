// SPDX-License-Identifier: MIT
/*
 * Grouped and depthwise conv2d with few channels per group (CONV_GROUPED).
 *
 * Why not the popcount path: with C/groups < 64 every group's window is a
 * few bits of a word, so the bit GEMM runs one nearly empty word per tap
 * and group, plus a per-group im2col. A 3x3 depthwise conv over 32x32x256
 * took 17.9 ms there against 0.59 ms for the full conv with 256x the MACs
 * (issue 10). Here the input is decoded once into int16 values -- a band of
 * padded rows per task, padding written as the value a padded tap has
 * (docs/layout.md: all-zero bits; 0 with ZERO_PAD or a byte input) -- and
 * the sums are plain integer multiply-adds, which the compiler vectorizes.
 * The decoded band is stored as cg planes of (row, column, group) and the
 * sums as og planes of groups: output o = grp * og + m reads input channel
 * grp * cg + ci, so for each (tap, ci, m) the inner loop runs over the
 * groups, contiguous on both sides. Its cost grows with cg, the popcount
 * path's shrinks with it: this path takes cg <= GCONV_MAX_CG (measured,
 * docs/kernels.md).
 *
 * The accumulator is the exact integer dot product, as the popcount path
 * produces after its constants; the epilogue is the same (the kernel
 * table's threshold for BITS outputs, cpu_transform_row otherwise).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "cpu_gconv.h"
#include "kern/kern.h"
#include "layout.h"

/* gcc's -O2 vectorizes only cheap loops: ask for it here (clang does anyway) */
#if defined(__clang__)
#define GCONV_VEC
#else
#define GCONV_VEC __attribute__((optimize("tree-vectorize")))
#endif

/* At most this many channels per group (above, the popcount path wins). */
#define GCONV_MAX_CG 4
/* A task decodes at most this many bytes of padded input rows. */
#define GCONV_BAND_BYTES (192u * 1024u)

struct gconv_plan {
	uint32_t c, cg, o, og, g, taps, ho, wo, hp, wp;
	int16_t lut[256];	/* BITS input: code -> value */
	uint64_t spread[256];	/* byte v -> 8 bytes, byte i = bit i of v */
	int16_t padv;		/* value of a padded tap */
	int affine;		/* lut[code] = la * code + lb (all but SIGNED) */
	int16_t la, lb;
	int16_t *w;		/* taps x cg x og x g: weight of (tap, ci) for o = grp * og + m */
	size_t *tapoff;		/* per tap: element offset in a band plane */
	uint32_t band;		/* output rows per task */
	uint32_t rows_max;	/* input rows a task decodes, at most */
	size_t plane_elems;	/* int16 values of one ci plane: rows_max x wp x g */
	int narrow;		/* every sum fits int16: accumulate in 16 bits */
	int32_t *tht;		/* BITS out: nt x o thresholds, transposed */
	uint64_t *negmask;
	unsigned int nt;
};

int cpu_gconv_wanted(const struct qnn_model *m, const struct qnn_layer *l)
{
	const struct qnn_tensor *x = &m->t[l->in[0]];
	uint32_t cg = x->c / l->groups;

	if (l->op != QNN_OP_CONV2D || l->groups < 2 || cg > GCONV_MAX_CG)
		return 0;
	/* values must fit int16 products summed in int32: 8-bit at most */
	if (x->dtype == QNN_DT_BITS)
		return x->bits <= 8 && m->t[l->weights].bits <= 8;
	return (x->dtype == QNN_DT_U8 || x->dtype == QNN_DT_I8) && m->t[l->weights].bits <= 8;
}

void cpu_gconv_free(struct gconv_plan *p)
{
	if (!p)
		return;
	free(p->w);
	free(p->tapoff);
	free(p->tht);
	free(p->negmask);
	free(p);
}

size_t cpu_gconv_scratch(const struct gconv_plan *p)
{
	/* band planes, one decoded row (wp x c), int32 and int16 sums */
	return (p->plane_elems * p->cg + (size_t)p->wp * p->c) * sizeof(int16_t) +
	       (size_t)(p->o + 16) * (2 * sizeof(int32_t) + sizeof(int16_t)) + 3 * 64;
}

int cpu_gconv_prepare(struct qnn_model *m, struct qnn_layer *l, struct gconv_plan **out)
{
	const struct qnn_tensor *x = &m->t[l->in[0]], *wt = &m->t[l->weights];
	const struct qnn_tensor *o = &m->t[l->out];
	struct gconv_plan *p = calloc(1, sizeof(*p));
	const uint64_t *wf = wt->data;
	size_t gw, rows_in;

	if (!p)
		return -ENOMEM;
	*out = p;
	p->c = x->c;
	p->cg = x->c / l->groups;
	p->o = wt->n;
	p->og = p->o / l->groups;
	p->g = l->groups;
	p->taps = l->kh * l->kw;
	p->ho = o->h;
	p->wo = o->w;
	p->hp = x->h + l->pt + l->pb;
	p->wp = x->w + l->pl + l->pr;
	gw = qnn_lay_cw(p->cg);
	for (unsigned int v = 0; v < 256; v++)
		for (unsigned int i = 0; i < 8; i++)
			p->spread[v] |= (uint64_t)(v >> i & 1) << (8 * i);
	if (x->dtype == QNN_DT_BITS) {
		for (unsigned int code = 0; code < (1u << x->bits); code++) {
			uint64_t pix[8] = { 0 };

			for (unsigned int b = 0; b < x->bits; b++)
				pix[b] = (uint64_t)(code >> b & 1);
			p->lut[code] = (int16_t)qnn_bits_get(pix, 1, x->bits, x->enc, 0);
		}
		p->padv = (l->flags & QNN_LAYER_ZERO_PAD) ? 0 : p->lut[0];
		p->lb = p->lut[0];
		p->la = (int16_t)(x->bits > 0 && (1u << x->bits) > 1 ? p->lut[1] - p->lut[0] : 0);
		p->affine = 1;
		for (unsigned int code = 0; code < (1u << x->bits); code++)
			if (p->lut[code] != p->la * (int)code + p->lb)
				p->affine = 0;
	}
	p->w = malloc((size_t)p->taps * p->cg * p->o * sizeof(int16_t));
	p->tapoff = malloc(p->taps * sizeof(size_t));
	if (!p->w || !p->tapoff)
		return -ENOMEM;
	for (uint32_t oc = 0; oc < p->o; oc++)
		for (uint32_t t = 0; t < p->taps; t++)
			for (uint32_t ci = 0; ci < p->cg; ci++)
				p->w[(((size_t)t * p->cg + ci) * p->og + oc % p->og) * p->g + oc / p->og] = (int16_t)
					qnn_bits_get(wf + qnn_lay_pix((size_t)oc * p->taps + t, wt->bits, gw),
						     (uint32_t)gw, wt->bits, wt->enc, ci);
	{
		/* the largest |sum|: taps x cg products of the largest magnitudes */
		int32_t vmax = x->dtype == QNN_DT_U8 ? 255 : x->dtype == QNN_DT_I8 ? 128 : 0, wmax = 0;

		for (unsigned int code = 0; x->dtype == QNN_DT_BITS && code < (1u << x->bits); code++)
			vmax = abs(p->lut[code]) > vmax ? abs(p->lut[code]) : vmax;
		for (size_t i = 0; i < (size_t)p->taps * p->cg * p->o; i++)
			wmax = abs(p->w[i]) > wmax ? abs(p->w[i]) : wmax;
		p->narrow = (int64_t)vmax * wmax * p->taps * p->cg <= INT16_MAX;
	}
	for (uint32_t ky = 0; ky < l->kh; ky++)
		for (uint32_t kx = 0; kx < l->kw; kx++)
			p->tapoff[ky * l->kw + kx] = ((size_t)ky * l->dh * p->wp + (size_t)kx * l->dw) * p->g;
	/* output rows per task: as many as fit the band budget, at least one */
	for (p->band = p->ho; p->band > 1; p->band = (p->band + 1) / 2) {
		rows_in = (size_t)(p->band - 1) * l->sh + (size_t)(l->kh - 1) * l->dh + 1;
		if (rows_in * p->wp * p->c * sizeof(int16_t) <= GCONV_BAND_BYTES)
			break;
	}
	rows_in = (size_t)(p->band - 1) * l->sh + (size_t)(l->kh - 1) * l->dh + 1;
	p->rows_max = (uint32_t)rows_in;
	p->plane_elems = rows_in * p->wp * p->g;
	if (o->dtype == QNN_DT_BITS) {
		const int32_t *th = m->t[l->thresholds].data;
		const struct qnn_tensor *ng = l->negate >= 0 ? &m->t[l->negate] : NULL;

		p->nt = (1u << o->bits) - 1;
		p->tht = malloc((size_t)p->nt * p->o * sizeof(int32_t));
		p->negmask = calloc(o->cw, sizeof(uint64_t));
		if (!p->tht || !p->negmask)
			return -ENOMEM;
		for (uint32_t oc = 0; oc < p->o; oc++) {
			for (unsigned int t = 0; t < p->nt; t++)
				p->tht[(size_t)t * p->o + oc] = th[(size_t)oc * p->nt + t];
			if (ng && ((const uint8_t *)ng->data)[ng->c == 1 ? 0 : oc])
				p->negmask[qnn_lay_pw(0, o->cw, oc)] |= qnn_lay_bit(oc);
		}
	}
	return 0;
}

GCONV_VEC
static void codes_affine(int16_t *restrict d, const uint8_t *restrict cb, size_t n,
			 int16_t la, int16_t lb)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (int16_t)(la * cb[i] + lb);
}

/* Decodes input row y (may be padding) of image n into dst: wp x c values. */
static void decode_row(const struct gconv_plan *p, const struct qnn_layer *l,
		       const struct qnn_tensor *x, const uint8_t *img, long y, int16_t *dst)
{
	size_t c = p->c;

	if (y < 0 || y >= (long)x->h) {
		for (size_t i = 0; i < (size_t)p->wp * c; i++)
			dst[i] = p->padv;
		return;
	}
	for (size_t i = 0; i < (size_t)l->pl * c; i++)
		dst[i] = p->padv;
	for (size_t i = (size_t)(l->pl + x->w) * c; i < (size_t)p->wp * c; i++)
		dst[i] = p->padv;
	dst += (size_t)l->pl * c;
	if (x->dtype == QNN_DT_U8) {
		const uint8_t *s = img + (size_t)y * x->w * c;

		for (size_t i = 0; i < (size_t)x->w * c; i++)
			dst[i] = s[i];
		return;
	}
	if (x->dtype == QNN_DT_I8) {
		const int8_t *s = (const int8_t *)img + (size_t)y * x->w * c;

		for (size_t i = 0; i < (size_t)x->w * c; i++)
			dst[i] = s[i];
		return;
	}
	for (uint32_t xx = 0; xx < x->w; xx++) {
		const uint64_t *px = (const uint64_t *)(img + ((size_t)y * x->w + xx) * x->pix_bytes);
		int16_t *d = dst + (size_t)xx * c;

		for (size_t w0 = 0; w0 < x->cw; w0++) {
			size_t n = c - w0 * 64 < 64 ? c - w0 * 64 : 64;
			uint64_t code[8] = { 0 };	/* 64 one-byte codes */
			uint8_t cb[64];

			for (unsigned int b = 0; b < x->bits; b++) {
				uint64_t wd = px[qnn_lay_plane(b, x->cw) + w0];

				for (unsigned int k = 0; k < 8; k++)
					code[k] |= p->spread[wd >> (8 * k) & 0xff] << b;
			}
			memcpy(cb, code, sizeof(cb));
			if (p->affine)
				codes_affine(d + w0 * 64, cb, n, p->la, p->lb);
			else
				for (size_t i = 0; i < n; i++)
					d[w0 * 64 + i] = p->lut[cb[i]];
		}
	}
}

struct gconv_task {
	struct cpu_exec *e;
	const uint8_t *in;
	uint8_t *out;
	size_t bands;	/* per image */
};

/* acc[grp] += v[grp] * w[grp] for every group: the hot loop, in 16 bits when no sum can leave int16. */
GCONV_VEC
static void macs16(int16_t *restrict acc, const int16_t *restrict v, const int16_t *restrict w,
		   uint32_t g)
{
	for (uint32_t j = 0; j < g; j++)
		acc[j] = (int16_t)(acc[j] + v[j] * w[j]);
}

GCONV_VEC
static void macs32(int32_t *restrict acc, const int16_t *restrict v, const int16_t *restrict w,
		   uint32_t g)
{
	for (uint32_t j = 0; j < g; j++)
		acc[j] += (int32_t)v[j] * w[j];
}

/* The (m, grp) sums back in channel order o = grp * og + m. */
GCONV_VEC
static void unplane16(int32_t *d, const int16_t *a, uint32_t og, uint32_t g)
{
	for (uint32_t m = 0; m < og; m++)
		for (uint32_t j = 0; j < g; j++)
			d[(size_t)j * og + m] = a[(size_t)m * g + j];
}

GCONV_VEC
static void unplane32(int32_t *d, const int32_t *a, uint32_t og, uint32_t g)
{
	for (uint32_t m = 0; m < og; m++)
		for (uint32_t j = 0; j < g; j++)
			d[(size_t)j * og + m] = a[(size_t)m * g + j];
}

/* One decoded row (wp x c, channel order) into the cg band planes at row r. */
static void to_planes(const struct gconv_plan *p, const int16_t *row, int16_t *band, size_t r)
{
	for (uint32_t ci = 0; ci < p->cg; ci++) {
		int16_t *d = band + ci * p->plane_elems + r * p->wp * p->g;

		for (size_t col = 0; col < p->wp; col++)
			for (uint32_t j = 0; j < p->g; j++)
				d[col * p->g + j] = row[col * p->c + (size_t)j * p->cg + ci];
	}
}

static void gconv_band(void *arg, size_t task, unsigned int worker)
{
	struct gconv_task *gt = arg;
	struct cpu_exec *e = gt->e;
	const struct qnn_layer *l = e->l;
	const struct gconv_plan *p = l->conv->gconv;
	const struct qnn_tensor *x = &e->m->t[l->in[0]], *o = &e->m->t[l->out];
	size_t n = task / gt->bands, oy0 = task % gt->bands * p->band;
	size_t oy1 = oy0 + p->band < p->ho ? oy0 + p->band : p->ho;
	size_t rows_in = (oy1 - oy0 - 1) * l->sh + (size_t)(l->kh - 1) * l->dh + 1;
	uint8_t *s = e->scratch + (size_t)worker * e->scratch_bytes;
	int16_t *band = (int16_t *)s;
	int16_t *row = band + p->plane_elems * p->cg;
	int32_t *acc = (int32_t *)(s + (((p->plane_elems * p->cg + (size_t)p->wp * p->c) *
					 sizeof(int16_t) + 63) & ~(size_t)63));
	int32_t *accp = acc + ((p->o + 15) & ~15u);
	int16_t *a16 = (int16_t *)(accp + ((p->o + 15) & ~15u));
	const uint8_t *img = gt->in + n * x->bytes;
	size_t gg = p->g;

	for (size_t r = 0; r < rows_in; r++) {
		long y = (long)(oy0 * l->sh + r) - (long)l->pt;

		if (p->cg == 1) {	/* planes are the channel order */
			decode_row(p, l, x, img, y, band + r * p->wp * gg);
		} else {
			decode_row(p, l, x, img, y, row);
			to_planes(p, row, band, r);
		}
	}
	for (size_t oy = oy0; oy < oy1; oy++)
		for (size_t ox = 0; ox < p->wo; ox++) {
			const int16_t *win = band + ((oy - oy0) * l->sh * p->wp + ox * l->sw) * gg;
			uint8_t *dst = gt->out + n * o->bytes + (oy * p->wo + ox) * o->pix_bytes;
			const int16_t *w = p->w;

			if (p->narrow)
				memset(a16, 0, p->o * sizeof(int16_t));
			else
				memset(accp, 0, p->o * sizeof(int32_t));
			for (uint32_t t = 0; t < p->taps; t++)
				for (uint32_t ci = 0; ci < p->cg; ci++) {
					const int16_t *v = win + ci * p->plane_elems + p->tapoff[t];

					for (uint32_t m = 0; m < p->og; m++, w += gg) {
						if (p->narrow)
							macs16(a16 + m * gg, v, w, p->g);
						else
							macs32(accp + m * gg, v, w, p->g);
					}
				}
			if (p->narrow)
				unplane16(acc, a16, p->og, p->g);
			else
				unplane32(acc, accp, p->og, p->g);
			if (p->tht)
				e->k->threshold(p->o, acc, p->nt, p->tht, p->o, p->negmask,
						o->enc == QNN_ENC_BIPOLAR, (uint64_t *)dst);
			else
				cpu_transform_row(e->m, l, acc, dst);
		}
}

void cpu_gconv_run(struct cpu_exec *e)
{
	const struct qnn_layer *l = e->l;
	const struct gconv_plan *p = l->conv->gconv;
	struct gconv_task gt = {
		.e = e, .in = e->ptr[l->in[0]], .out = e->ptr[l->out],
		.bands = (p->ho + p->band - 1) / p->band,
	};

	cpu_tasks_w(e, e->batch * gt.bands, gconv_band, &gt,
		    (size_t)e->batch * p->ho * p->wo * p->taps * p->cg * p->o / 16);
}
