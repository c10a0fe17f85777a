// SPDX-License-Identifier: MIT
/*
 * Bit-packed im2col for conv2d: gathers each output position's window into
 * one plane-major row so a conv becomes popgemm_planes. Layout in and out:
 * kern.h and docs/layout.md.
 */
#include <errno.h>
#include <string.h>

#include "kern.h"
#include "layout.h"

size_t qnn_conv_out_size(size_t in, size_t k, size_t stride, size_t dil,
			 size_t pad_before, size_t pad_after)
{
	size_t span, full;

	if (!k || !stride || !dil)
		return 0;
	span = (k - 1) * dil + 1;
	full = in + pad_before + pad_after;
	if (span > full)
		return 0;
	return (full - span) / stride + 1;
}

static size_t taps_of(const struct qnn_conv_geom *g)
{
	return g->kh * g->kw;
}

static size_t group_words(const struct qnn_conv_geom *g)
{
	return qnn_lay_cw(g->c / g->groups);
}

size_t qnn_im2col_row_words(const struct qnn_conv_geom *g)
{
	return g->planes * taps_of(g) * group_words(g);
}

void qnn_bits_extract(const uint64_t *src, size_t cbit0, size_t cbits,
		      uint64_t *dst)
{
	size_t words = (cbits + 63) / 64;
	size_t w0 = cbit0 / 64, sh = cbit0 % 64;

	if (!sh) {
		memcpy(dst, src + w0, words * sizeof(*dst));
	} else {
		/*
		 * Read word w0 + k + 1 only when a wanted bit lies there, so
		 * nothing past the source plane is touched.
		 */
		size_t last = (cbit0 + cbits - 1) / 64;

		for (size_t k = 0; k < words; k++) {
			uint64_t v = src[w0 + k] >> sh;

			if (w0 + k + 1 <= last)
				v |= src[w0 + k + 1] << (64 - sh);
			dst[k] = v;
		}
	}
	if (cbits % 64)
		dst[words - 1] &= ~(uint64_t)0 >> (64 - cbits % 64);
}

static int geom_ok(const struct qnn_conv_geom *g)
{
	size_t x;

	/* sizes a caller could not have allocated are refused, not wrapped */
	if (__builtin_mul_overflow(g->n, g->oh, &x) || __builtin_mul_overflow(x, g->ow, &x) ||
	    __builtin_mul_overflow(g->n, g->h, &x) || __builtin_mul_overflow(x, g->w, &x) ||
	    __builtin_mul_overflow(x, g->planes, &x) || __builtin_mul_overflow(x, g->c, &x) ||
	    __builtin_mul_overflow(g->kh, g->kw, &x) || __builtin_mul_overflow(x, g->planes, &x) ||
	    __builtin_mul_overflow(x, g->c, &x) ||
	    __builtin_mul_overflow(g->oh, g->sh, &x) || __builtin_mul_overflow(g->ow, g->sw, &x) ||
	    __builtin_mul_overflow(g->kh, g->dh, &x) || __builtin_mul_overflow(g->kw, g->dw, &x))
		return 0;
	if (!g->n || !g->h || !g->w || !g->c || !g->planes || g->planes > 8 ||
	    !g->groups || g->c % g->groups || !g->kh || !g->kw ||
	    !g->sh || !g->sw || !g->dh || !g->dw || !g->oh || !g->ow)
		return 0;
	/* the last output's window must start inside the padded input */
	if ((g->oh - 1) * g->sh > g->h + g->pt + g->kh * g->dh ||
	    (g->ow - 1) * g->sw > g->w + g->pl + g->kw * g->dw)
		return 0;
	return 1;
}

int qnn_im2col_bits(const struct qnn_conv_geom *g, size_t group,
		    const uint64_t *in, size_t row0, size_t nrows,
		    uint64_t *out, size_t ldo, uint64_t *padmask)
{
	size_t taps, gw, cw, cg, pstride, mw, rows;
	int whole;

	if (!geom_ok(g) || group >= g->groups)
		return -EINVAL;
	rows = g->n * g->oh * g->ow;
	if (row0 > rows || nrows > rows - row0)
		return -EINVAL;
	taps = taps_of(g);
	gw = group_words(g);
	cw = qnn_lay_cw(g->c);
	cg = g->c / g->groups;
	pstride = taps * gw;
	mw = (taps + 63) / 64;
	if (ldo < g->planes * pstride)
		return -EINVAL;
	/* the group is whole words of the pixel: plain copies */
	whole = g->groups == 1 || (cg % 64 == 0);

	for (size_t r = row0; r < row0 + nrows; r++) {
		size_t ox = r % g->ow, oy = r / g->ow % g->oh;
		size_t n = r / (g->ow * g->oh);
		uint64_t *dst = out + (r - row0) * ldo;
		uint64_t *mask = padmask ? padmask + (r - row0) * mw : NULL;

		if (mask)
			memset(mask, 0, mw * sizeof(*mask));
		for (size_t ky = 0; ky < g->kh; ky++) {
			/* signed arithmetic via wrap: iy < 0 wraps above h */
			size_t iy = oy * g->sh + ky * g->dh - g->pt;

			for (size_t kx = 0; kx < g->kw; kx++) {
				size_t ix = ox * g->sw + kx * g->dw - g->pl;
				size_t t = ky * g->kw + kx;
				const uint64_t *px;

				if (oy * g->sh + ky * g->dh < g->pt ||
				    ox * g->sw + kx * g->dw < g->pl ||
				    iy >= g->h || ix >= g->w) {
					for (size_t p = 0; p < g->planes; p++)
						memset(dst + p * pstride + t * gw,
						       0, gw * sizeof(*dst));
					if (mask)
						mask[t / 64] |= (uint64_t)1 << (t % 64);
					continue;
				}
				px = in + qnn_lay_pix((n * g->h + iy) * g->w + ix,
						      (unsigned int)g->planes, cw);
				for (unsigned int p = 0; p < g->planes; p++) {
					uint64_t *d = dst + p * pstride + t * gw;

					if (whole)
						memcpy(d, px + qnn_lay_pw(p, cw, group * cg),
						       gw * sizeof(*d));
					else
						qnn_bits_extract(px + qnn_lay_plane(p, cw),
								 group * cg, cg, d);
				}
			}
		}
	}
	return 0;
}
