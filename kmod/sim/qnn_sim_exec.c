// SPDX-License-Identifier: GPL-2.0-only
/*
 * qnn_sim's command executor. The arithmetic is docs/cmdstream.md's; the
 * data layout docs/layout.md's. Popcount dot products per bit-plane pair,
 * word-wide (one popcount per word pair, over all taps of a window), exact
 * 64-bit accumulation, then the per-channel output stage; results are
 * element-exact (docs/hw-interface.md, "The simulator's executor"). Commands
 * come decoded by qnn_sim_decode.c.
 *
 * Every access goes through struct qnn_sim_mem: per command the per-channel
 * arrays and the weights (when they fit the buffers below), per output
 * pixel its window (a window row's adjacent taps in one access) and its
 * result, so an MMU fault stops the job at the first offending address,
 * like the hardware's DMA engine would. Device memory is little-endian:
 * words and int32 values are converted as they are read and written.
 */
#include <linux/bitops.h>
#include <linux/byteorder/generic.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "qnn_sim_exec.h"

#define MAX_CMD_BYTES	65536	/* a command's size is a u16 */
#define WCACHE_WORDS	32768	/* whole weight tensors up to 256 KiB */
#define PX_WORDS	4096	/* one pixel: 8 planes x 128 words or 8192 s32 */
#define MAX_TAPS	(QNN_CS_MAX_KERNEL * QNN_CS_MAX_KERNEL)
#define MAX_THRESH	255
#define THR_CACHE	16384	/* whole threshold arrays up to 64 KiB */
#define WVAL_CACHE	32768	/* weight values of the element path */

struct qnn_sim_exec_ctx {
	u64 cmd[MAX_CMD_BYTES / 8];	/* the command as fetched */
	struct qnn_sim_cmd decoded;
	u64 patch[QNN_CS_MAX_PATCH_WORDS];	/* [plane][tap][word] */
	u64 wbuf[WCACHE_WORDS];		/* as read: [oc][tap][plane][word] */
	u64 wlay[WCACHE_WORDS];		/* [oc][plane][tap][word] */
	s16 wval[WVAL_CACHE];		/* [oc][tap][channel] values */
	s32 aval[QNN_CS_MAX_PATCH_WORDS]; /* [tap][channel] values */
	u64 px[PX_WORDS];
	u64 opx[PX_WORDS];
	s64 acc[QNN_CS_MAX_CHANNELS];
	s32 bias[QNN_CS_MAX_CHANNELS];
	struct {
		s32 mult;
		u32 shift;
	} scale[QNN_CS_MAX_CHANNELS];	/* cmdstream.md: 8 bytes each */
	u8 negate[QNN_CS_MAX_CHANNELS];
	s32 thr[MAX_THRESH];
	s32 thr_all[THR_CACHE];		/* [channel][threshold] */
	bool thr_cached;
	bool valid[MAX_TAPS];
	u32 pa[8];			/* popcount of each patch plane */
};

/* State of one run: the memory, where we are, what we did. */
struct run {
	struct qnn_sim_exec_ctx *ctx;
	const struct qnn_sim_mem *mem;
	struct qnn_sim_result *res;
};

struct qnn_sim_exec_ctx *qnn_sim_exec_ctx_alloc(void)
{
	return kvzalloc(sizeof(struct qnn_sim_exec_ctx), GFP_KERNEL);
}

void qnn_sim_exec_ctx_free(struct qnn_sim_exec_ctx *ctx)
{
	kvfree(ctx);
}

/* Device memory is little-endian: the same swap both ways, none on LE. */
static void le64_words(u64 *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		w[i] = le64_to_cpu((__force __le64)w[i]);
}

static void le32_words(void *buf, size_t n)
{
	u32 *w = buf;
	size_t i;

	for (i = 0; i < n; i++)
		w[i] = le32_to_cpu((__force __le32)w[i]);
}

static int mem_read(struct run *r, u64 va, void *dst, size_t len)
{
	u64 fva = 0;

	if (r->mem->read(r->mem->priv, va, dst, len, &fva)) {
		r->res->status = QNN_SIM_MMU_FAULT;
		r->res->fault_va = fva;
		r->res->fault_write = false;
		return -EFAULT;
	}
	r->res->bytes_read += len;
	return 0;
}

/* @len bytes of s32/u32 values, in CPU order. */
static int mem_read32(struct run *r, u64 va, void *dst, size_t len)
{
	int ret = mem_read(r, va, dst, len);

	if (!ret)
		le32_words(dst, len / 4);
	return ret;
}

static int mem_write(struct run *r, u64 va, const void *src, size_t len)
{
	u64 fva = 0;

	if (r->mem->write(r->mem->priv, va, src, len, &fva)) {
		r->res->status = QNN_SIM_MMU_FAULT;
		r->res->fault_va = fva;
		r->res->fault_write = true;
		return -EFAULT;
	}
	r->res->bytes_written += len;
	return 0;
}

/* Called once per output pixel: bounded work between checks. */
static int step(struct run *r)
{
	cond_resched();
	if (r->mem->should_stop && r->mem->should_stop(r->mem->priv)) {
		r->res->status = QNN_SIM_ABORTED;
		return -EINTR;
	}
	return 0;
}

static int bad_param(struct run *r)
{
	r->res->status = QNN_SIM_BAD_CMD;
	r->res->cs_err = QNN_CS_ERR_PARAM;
	return -EINVAL;
}

/* Mask of the valid channels in the last word of a plane of @c channels. */
static u64 tail_mask(u32 c)
{
	return c % 64 ? (1ULL << (c % 64)) - 1 : ~0ULL;
}

/* Clear the tail bits of @planes planes of @cw words: data is untrusted. */
static void mask_tails(u64 *w, u32 planes, u32 cw, u32 c)
{
	u64 m = tail_mask(c);
	u32 p;

	for (p = 0; p < planes; p++)
		w[p * cw + cw - 1] &= m;
}

/* Plane p's weight in the value, and whether its bits mean +-1. */
static s64 plane_coef(u8 enc, u8 bits, u32 p)
{
	if (enc == QNN_CS_ENC_SIGNED && p == bits - 1u)
		return -(1LL << p);
	return 1LL << p;
}

static bool plane_bipolar(u8 enc)
{
	return enc == QNN_CS_ENC_BIPOLAR || enc == QNN_CS_ENC_BIPOLAR_BRANCHES;
}

/* Set bits of @n words. */
static u64 pop_words(const u64 *a, u32 n)
{
	u64 s = 0;
	u32 i;

	for (i = 0; i < n; i++)
		s += hweight64(a[i]);
	return s;
}

static u64 pop_and(const u64 *a, const u64 *w, u32 n)
{
	u64 s = 0;
	u32 i;

	for (i = 0; i < n; i++)
		s += hweight64(a[i] & w[i]);
	return s;
}

static u64 pop_xor(const u64 *a, const u64 *w, u32 n)
{
	u64 s = 0;
	u32 i;

	for (i = 0; i < n; i++)
		s += hweight64(a[i] ^ w[i]);
	return s;
}

/*
 * docs/layout.md, "Dot products from popcounts": one activation plane and
 * one weight plane over @ntaps taps of @c channels, @n words in all (tails
 * clear). @pa is the popcount of @a when the activations are not bipolar:
 * it does not depend on the weights, so it is counted once per pixel. One
 * popcount per word pair.
 */
static s64 plane_dot(const u64 *a, const u64 *w, u32 n, u32 ntaps, u32 c,
		     bool abip, bool wbip, u64 pa)
{
	if (abip && wbip)
		return (s64)ntaps * c - 2 * (s64)pop_xor(a, w, n);
	if (abip)
		return (s64)pop_words(w, n) - 2 * (s64)pop_and(a, w, n);
	if (wbip)
		return (s64)pa - 2 * (s64)pop_and(a, w, n);
	return pop_and(a, w, n);
}

/* Value of channel @c of one pixel (its @bits planes, @stride words apart). */
static s32 elem_get(const u64 *px, u8 enc, u8 bits, u32 stride, u32 c)
{
	s32 v = 0;
	u32 p;

	for (p = 0; p < bits; p++) {
		u32 bit = (px[p * stride + c / 64] >> (c % 64)) & 1;

		if (plane_bipolar(enc))
			v += (bit ? -1 : 1) * (1 << p);
		else if (bit)
			v += plane_coef(enc, bits, p);
	}
	return v;
}

/* Store @v (representable in the encoding) into a zeroed pixel. */
static void elem_put(u64 *px, u8 enc, u8 bits, u32 cw, u32 c, s32 v)
{
	u32 u, p;

	if (enc == QNN_CS_ENC_BIPOLAR_BRANCHES)
		u = ~(u32)((v + (1 << bits) - 1) / 2);	/* bit = s_b is -1 */
	else if (enc == QNN_CS_ENC_BIPOLAR)
		u = v < 0;
	else
		u = (u32)v;	/* two's complement bits for SIGNED */
	for (p = 0; p < bits; p++)
		if (u >> p & 1)
			px[p * cw + c / 64] |= 1ULL << (c % 64);
}

/* Read one pixel (all planes) of a BITS tensor, or C values of an INT32. */
static int read_pixel(struct run *r, const struct qnn_sim_tensor *t, u64 pix,
		      u64 *dst)
{
	int ret;

	if (t->type == QNN_CS_TYPE_INT32)
		return mem_read32(r, t->va + pix * t->px_bytes, dst,
				  t->px_bytes);
	ret = mem_read(r, t->va + pix * t->px_bytes, dst, t->px_bytes);
	if (!ret) {
		le64_words(dst, t->px_bytes / 8);
		mask_tails(dst, t->bits, t->cw, t->c);
	}
	return ret;
}

/*
 * @count pixels of a BITS tensor from pixel @pix on, consecutive in memory:
 * one access, the same bytes in the same order as @count read_pixel()s.
 */
static int read_pixels(struct run *r, const struct qnn_sim_tensor *t,
		       u64 pix, u32 count, u64 *dst)
{
	int ret = mem_read(r, t->va + pix * t->px_bytes, dst,
			   count * t->px_bytes);

	if (!ret) {
		le64_words(dst, count * t->px_bytes / 8);
		mask_tails(dst, count * t->bits, t->cw, t->c);
	}
	return ret;
}

static s32 pixel_value(const u64 *px, const struct qnn_sim_tensor *t, u32 c)
{
	if (t->type == QNN_CS_TYPE_INT32)
		return ((const s32 *)px)[c];
	return elem_get(px, t->enc, t->bits, t->cw, c);
}

/* Store channel @c's value into the output pixel being built in ctx->opx. */
static void put_value(struct qnn_sim_exec_ctx *x,
		      const struct qnn_sim_tensor *t, u32 c, s32 v)
{
	if (t->type == QNN_CS_TYPE_INT32)
		((s32 *)x->opx)[c] = v;
	else
		elem_put(x->opx, t->enc, t->bits, t->cw, c, v);
}

/* Write the pixel built in ctx->opx (which this leaves little-endian). */
static int write_pixel(struct run *r, const struct qnn_sim_tensor *t,
		       u64 pix)
{
	if (t->type == QNN_CS_TYPE_INT32)
		le32_words(r->ctx->opx, t->c);
	else
		le64_words(r->ctx->opx, t->px_bytes / 8);
	return mem_write(r, t->va + pix * t->px_bytes, r->ctx->opx,
			 t->px_bytes);
}

/* Load the per-channel arrays of an output stage once per command. */
static int epi_load(struct run *r, const struct qnn_sim_epi *e,
		    const struct qnn_sim_tensor *out)
{
	struct qnn_sim_exec_ctx *x = r->ctx;
	u32 c = out->c, nthr = 0;
	int ret = 0;
	u32 i;

	if (e->mode == QNN_CS_OUT_THRESHOLD)
		nthr = (1U << out->bits) - 1;

	if (e->flags & QNN_CS_EPI_BIAS)
		ret = mem_read32(r, e->bias_va, x->bias, c * 4);
	if (!ret && (e->flags & QNN_CS_EPI_SCALE)) {
		ret = mem_read32(r, e->scale_va, x->scale, c * 8);
		for (i = 0; !ret && i < c; i++)
			if (x->scale[i].shift > 31)
				return bad_param(r);
	}
	if (!ret && (e->flags & QNN_CS_EPI_NEGATE))
		ret = mem_read(r, e->negate_va, x->negate, c);
	/* the thresholds too when they fit the buffer, else per element */
	x->thr_cached = false;
	if (!ret && e->mode == QNN_CS_OUT_THRESHOLD &&
	    (u64)c * nthr <= THR_CACHE) {
		ret = mem_read32(r, e->thresh_va, x->thr_all, c * nthr * 4);
		x->thr_cached = !ret;
	}
	return ret;
}

static s64 clamp_s32(s64 v)
{
	return clamp_t(s64, v, S32_MIN, S32_MAX);
}

/*
 * The output stage for the C accumulators in ctx->acc of output pixel @pix
 * (docs/cmdstream.md, "Output stage").
 */
static int epi_store(struct run *r, const struct qnn_sim_epi *e,
		     const struct qnn_sim_tensor *out, u64 pix)
{
	struct qnn_sim_exec_ctx *x = r->ctx;
	u32 nthr = (1U << out->bits) - 1;
	u32 c, i;
	int ret;

	memset(x->opx, 0, out->px_bytes);
	for (c = 0; c < out->c; c++) {
		s64 y = x->acc[c];

		if (e->flags & QNN_CS_EPI_BIAS)
			y += x->bias[c];
		y = clamp_s32(y);
		if (e->flags & QNN_CS_EPI_SCALE) {
			u32 sh = x->scale[c].shift;

			y *= x->scale[c].mult;
			if (sh && !(e->flags & QNN_CS_EPI_ROUND_FLOOR))
				y += 1LL << (sh - 1);
			y >>= sh;	/* arithmetic: floor */
		}
		switch (e->mode) {
		case QNN_CS_OUT_INT32:
			y = clamp_s32(y);
			break;
		case QNN_CS_OUT_REQUANT:
			if (out->enc == QNN_CS_ENC_SIGNED)
				y = clamp_t(s64, y, -(1LL << (out->bits - 1)),
					    (1LL << (out->bits - 1)) - 1);
			else
				y = clamp_t(s64, y, 0, nthr);
			break;
		default: {	/* QNN_CS_OUT_THRESHOLD */
			bool neg = (e->flags & QNN_CS_EPI_NEGATE) &&
				   x->negate[c];
			const s32 *thr = x->thr_all + c * nthr;
			u32 cnt = 0;

			if (!x->thr_cached) {
				ret = mem_read32(r, e->thresh_va +
						 (u64)c * nthr * 4, x->thr,
						 nthr * 4);
				if (ret)
					return ret;
				thr = x->thr;
			}
			for (i = 0; i < nthr; i++)
				cnt += neg ? y <= thr[i] : y >= thr[i];
			/* BIPOLAR: passing the threshold means +1 */
			if (out->enc == QNN_CS_ENC_BIPOLAR)
				y = cnt ? 1 : -1;
			else
				y = cnt;
			break;
		}
		}
		put_value(x, out, c, y);
	}
	return write_pixel(r, out, pix);
}

/* One tap's planes [plane][word] into the patch's [plane][tap][word]. */
static void tap_scatter(u64 *patch, const u64 *src, u32 planes, u32 cw,
			u32 tw, u32 t)
{
	u64 *dst = patch + t * cw;
	u32 p, i;

	/* mostly one or two words a plane: not worth a memcpy() call */
	for (p = 0; p < planes; p++, dst += tw, src += cw)
		for (i = 0; i < cw; i++)
			dst[i] = src[i];
}

/* One output channel's weights [tap][plane][word] as [plane][tap][word]. */
static void weights_lay(u64 *dst, const u64 *src, u32 taps, u32 planes,
			u32 cw)
{
	u32 t;

	for (t = 0; t < taps; t++)
		tap_scatter(dst, src + t * planes * cw, planes, cw, taps * cw,
			    t);
}

/*
 * The accumulator of one output channel from the patch and its weights
 * @w, both [plane][tap][word]: per plane pair, one run of popcounts over
 * all taps. A zero-padded tap of bipolar activations must count as 0, not
 * as the +1s its zero words mean: those windows (@split) go tap by tap.
 */
static s64 conv_dot(const struct qnn_sim_exec_ctx *x,
		    const struct qnn_sim_tensor *in,
		    const struct qnn_sim_tensor *wt, const u64 *w, u32 taps,
		    bool split)
{
	bool abip = plane_bipolar(in->enc), wbip = plane_bipolar(wt->enc);
	u32 cw = in->cw, tw = taps * cw, p, q, t;
	s64 sum = 0;

	for (p = 0; p < in->bits; p++) {
		const u64 *a = x->patch + p * tw;
		s64 ca = plane_coef(in->enc, in->bits, p);

		for (q = 0; q < wt->bits; q++) {
			const u64 *wq = w + q * tw;
			s64 d = 0;

			if (!split) {
				d = plane_dot(a, wq, tw, taps, in->c, abip,
					      wbip, x->pa[p]);
			} else {
				for (t = 0; t < taps; t++)
					if (x->valid[t])
						d += plane_dot(a + t * cw,
							       wq + t * cw, cw,
							       1, in->c, abip,
							       wbip, 0);
			}
			sum += ca * plane_coef(wt->enc, wt->bits, q) * d;
		}
	}
	return sum;
}

/*
 * Few channels of many planes (an 8-bit image's one channel): multiplying
 * values beats popcounting mostly empty words. The weights' values are
 * decoded once per command (in ctx->wval), the window's once per pixel.
 */
static bool conv_by_value(const struct qnn_sim_tensor *in,
			  const struct qnn_sim_tensor *wt, u32 taps)
{
	return in->c < 4u * in->bits * wt->bits &&
	       (u64)taps * in->c <= QNN_CS_MAX_PATCH_WORDS &&
	       (u64)wt->n * taps * in->c <= WVAL_CACHE;
}

static void weight_values(struct qnn_sim_exec_ctx *x,
			  const struct qnn_sim_tensor *in,
			  const struct qnn_sim_tensor *wt, u32 taps)
{
	u32 cw = in->cw, wpx = wt->bits * cw, i, c;

	for (i = 0; i < wt->n * taps; i++)
		for (c = 0; c < in->c; c++)
			x->wval[i * in->c + c] = elem_get(x->wbuf + i * wpx,
							  wt->enc, wt->bits,
							  cw, c);
}

static void patch_values(struct qnn_sim_exec_ctx *x,
			 const struct qnn_sim_tensor *in, u32 taps,
			 bool zero_pad)
{
	u32 cw = in->cw, tw = taps * cw, t, c;

	for (t = 0; t < taps; t++)
		for (c = 0; c < in->c; c++)
			x->aval[t * in->c + c] =
				zero_pad && !x->valid[t] ? 0 :
				elem_get(x->patch + t * cw, in->enc, in->bits,
					 tw, c);
}

static s64 value_dot(const s32 *a, const s16 *w, u32 n)
{
	s64 acc = 0;
	u32 i;

	for (i = 0; i < n; i++)
		acc += (s64)a[i] * w[i];
	return acc;
}

/* The accumulators of one output pixel from the window in the patch. */
static int conv_acc_bits(struct run *r, const struct qnn_sim_cmd *cv,
			 bool cached, bool split)
{
	const struct qnn_sim_tensor *in = &cv->in, *wt = &cv->wt;
	struct qnn_sim_exec_ctx *x = r->ctx;
	u32 cw = in->cw, taps = cv->kh * cv->kw, tw = taps * cw, oc, p;
	u64 wrow = (u64)taps * wt->bits * cw;
	int ret;

	if (!plane_bipolar(in->enc))
		for (p = 0; p < in->bits; p++)
			x->pa[p] = pop_words(x->patch + p * tw, tw);
	for (oc = 0; oc < cv->out.c; oc++) {
		const u64 *wl = x->wlay + (cached ? oc * wrow : 0);

		/* weights beyond the cache: one channel's at a time */
		if (!cached) {
			ret = mem_read(r, wt->va + oc * wrow * 8, x->wbuf,
				       wrow * 8);
			if (ret)
				return ret;
			le64_words(x->wbuf, wrow);
			mask_tails(x->wbuf, taps * wt->bits, cw, in->c);
			weights_lay(x->wlay, x->wbuf, taps, wt->bits, cw);
		}
		x->acc[oc] = conv_dot(x, in, wt, wl, taps, split);
	}
	return 0;
}

/*
 * Gather the window of output pixel (@n, @oy, @ox) into the patch: padded
 * taps read as zero words, the taps of a window row that are adjacent in
 * memory in one access. Returns the number of real taps, or an error.
 */
static int conv_gather(struct run *r, const struct qnn_sim_cmd *cv, u32 n,
		       u32 oy, u32 ox)
{
	const struct qnn_sim_tensor *in = &cv->in;
	struct qnn_sim_exec_ctx *x = r->ctx;
	u32 cw = in->cw, taps = cv->kh * cv->kw, tw = taps * cw;
	u32 pxw = in->bits * cw, most = PX_WORDS / pxw;
	u32 t = 0, k, run, p;
	int ret, nvalid = 0;

	while (t < taps) {
		s64 iy = (s64)oy * cv->sh - cv->pt + (s64)(t / cv->kw) * cv->dh;
		s64 ix = (s64)ox * cv->sw - cv->pl + (s64)(t % cv->kw) * cv->dw;

		x->valid[t] = iy >= 0 && iy < in->h && ix >= 0 && ix < in->w;
		if (!x->valid[t]) {
			for (p = 0; p < in->bits; p++)
				memset(x->patch + p * tw + t * cw, 0, cw * 8);
			t++;
			continue;
		}
		/* the next taps of this window row, while adjacent and real */
		for (run = 1; run < most && cv->dw == 1 &&
		     (t + run) % cv->kw && ix + run < in->w; run++)
			x->valid[t + run] = true;
		ret = read_pixels(r, in, ((u64)n * in->h + iy) * in->w + ix,
				  run, x->px);
		if (ret)
			return ret;
		for (k = 0; k < run; k++)
			tap_scatter(x->patch, x->px + k * pxw, in->bits, cw, tw,
				    t + k);
		t += run;
		nvalid += run;
	}
	return nvalid;
}

static int exec_conv(struct run *r, const struct qnn_sim_cmd *cv)
{
	const struct qnn_sim_tensor *in = &cv->in, *wt = &cv->wt,
				    *out = &cv->out;
	struct qnn_sim_exec_ctx *x = r->ctx;
	bool zero_pad = cv->flags & QNN_CS_CMD_ZERO_PAD;
	bool abip = plane_bipolar(in->enc);
	u32 cw = in->cw, taps = cv->kh * cv->kw;
	u64 wrow = (u64)taps * wt->bits * cw;		/* words per oc */
	bool cached = wrow * wt->n <= WCACHE_WORDS;
	bool by_value = cached && conv_by_value(in, wt, taps);
	u64 pix, npix = (u64)out->n * out->h * out->w;
	u32 n, oy, ox, oc;
	int ret, nvalid;

	ret = epi_load(r, &cv->epi, out);
	if (ret)
		return ret;
	if (cached) {
		ret = mem_read(r, wt->va, x->wbuf, wrow * wt->n * 8);
		if (ret)
			return ret;
		le64_words(x->wbuf, wrow * wt->n);
		mask_tails(x->wbuf, taps * wt->n * wt->bits, cw, in->c);
		if (by_value)
			weight_values(x, in, wt, taps);
		else
			for (oc = 0; oc < wt->n; oc++)
				weights_lay(x->wlay + oc * wrow,
					    x->wbuf + oc * wrow, taps,
					    wt->bits, cw);
	}
	for (pix = 0; pix < npix; pix++) {
		ox = pix % out->w;
		oy = pix / out->w % out->h;
		n = pix / out->w / out->h;
		ret = step(r);
		if (ret)
			return ret;
		nvalid = conv_gather(r, cv, n, oy, ox);
		if (nvalid < 0)
			return nvalid;
		if (by_value) {
			patch_values(x, in, taps, zero_pad);
			for (oc = 0; oc < out->c; oc++)
				x->acc[oc] = value_dot(x->aval, x->wval +
						       oc * taps * in->c,
						       taps * in->c);
		} else {
			ret = conv_acc_bits(r, cv, cached, abip && zero_pad &&
					    nvalid < (int)taps);
			if (ret)
				return ret;
		}
		ret = epi_store(r, &cv->epi, out, pix);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Max of one-bit elements, word-wide: bipolar bit 0 (+1) beats bit 1 (-1),
 * so the max is the AND of the bits; unsigned 1 beats 0: the OR.
 */
static void pool_words(u64 *acc, const u64 *px, u32 cw, bool and, bool first)
{
	u32 i;

	for (i = 0; i < cw; i++)
		acc[i] = first ? px[i] : and ? acc[i] & px[i] : acc[i] | px[i];
}

static int exec_pool(struct run *r, const struct qnn_sim_cmd *pool)
{
	const struct qnn_sim_tensor *in = &pool->in, *out = &pool->out;
	struct qnn_sim_exec_ctx *x = r->ctx;
	u64 pix, npix = (u64)out->n * out->h * out->w;
	/* one plane: the max of 64 channels at once, see pool_words() */
	bool bitwise = in->type == QNN_CS_TYPE_BITS && in->bits == 1;
	bool any_zero = plane_bipolar(in->enc), first;
	u32 n, oy, ox, t, c;
	int ret;

	for (pix = 0; pix < npix; pix++) {
		ox = pix % out->w;
		oy = pix / out->w % out->h;
		n = pix / out->w / out->h;
		ret = step(r);
		if (ret)
			return ret;
		first = true;
		for (c = 0; c < in->c; c++)
			x->acc[c] = S64_MIN;	/* max's identity: -inf */
		for (t = 0; t < pool->kh * pool->kw; t++) {
			s64 iy = (s64)oy * pool->sh - pool->pt + t / pool->kw;
			s64 ix = (s64)ox * pool->sw - pool->pl + t % pool->kw;

			if (iy < 0 || iy >= in->h || ix < 0 || ix >= in->w)
				continue;	/* never selects a padded tap */
			ret = read_pixel(r, in, ((u64)n * in->h + iy) * in->w +
					 ix, x->px);
			if (ret)
				return ret;
			if (bitwise) {
				pool_words(x->opx, x->px, in->cw, any_zero,
					   first);
				first = false;
				continue;
			}
			for (c = 0; c < in->c; c++)
				x->acc[c] = max_t(s64, x->acc[c],
						  pixel_value(x->px, in, c));
		}
		/* pad < window: every window holds a real tap */
		if (!bitwise) {
			memset(x->opx, 0, out->px_bytes);
			for (c = 0; c < in->c; c++)
				put_value(x, out, c, x->acc[c]);
		}
		ret = write_pixel(r, out, pix);
		if (ret)
			return ret;
	}
	return 0;
}

static int exec_add(struct run *r, const struct qnn_sim_cmd *ad)
{
	struct qnn_sim_exec_ctx *x = r->ctx;
	u64 pix, npix = (u64)ad->out.n * ad->out.h * ad->out.w;
	u32 c;
	int ret;

	ret = epi_load(r, &ad->epi, &ad->out);
	if (ret)
		return ret;
	for (pix = 0; pix < npix; pix++) {
		ret = step(r);
		if (!ret)
			ret = read_pixel(r, &ad->in, pix, x->px);
		if (ret)
			return ret;
		for (c = 0; c < ad->in.c; c++)
			x->acc[c] = pixel_value(x->px, &ad->in, c);
		ret = read_pixel(r, &ad->in2, pix, x->px);
		if (ret)
			return ret;
		for (c = 0; c < ad->in2.c; c++)
			x->acc[c] += pixel_value(x->px, &ad->in2, c);
		ret = epi_store(r, &ad->epi, &ad->out, pix);
		if (ret)
			return ret;
	}
	return 0;
}

/* GLOBAL_AVGPOOL sums each image's pixels; TRANSFORM takes each pixel. */
static int exec_unary(struct run *r, const struct qnn_sim_cmd *g)
{
	struct qnn_sim_exec_ctx *x = r->ctx;
	u64 hw = (u64)g->in.h * g->in.w, i, n, nimg;
	u32 c;
	int ret;

	ret = epi_load(r, &g->epi, &g->out);
	if (ret)
		return ret;
	/* TRANSFORM: as many one-pixel images as there are pixels */
	if (g->op == QNN_CS_OP_TRANSFORM)
		hw = 1;
	nimg = (u64)g->in.n * g->in.h * g->in.w / hw;
	for (n = 0; n < nimg; n++) {
		memset(x->acc, 0, g->in.c * sizeof(x->acc[0]));
		for (i = 0; i < hw; i++) {
			ret = step(r);
			if (!ret)
				ret = read_pixel(r, &g->in, n * hw + i, x->px);
			if (ret)
				return ret;
			for (c = 0; c < g->in.c; c++)
				x->acc[c] += pixel_value(x->px, &g->in, c);
		}
		ret = epi_store(r, &g->epi, &g->out, n);
		if (ret)
			return ret;
	}
	return 0;
}

static int exec_cmd(struct run *r, const struct qnn_sim_cmd *cmd)
{
	switch (cmd->op) {
	case QNN_CS_OP_CONV2D:
	case QNN_CS_OP_DENSE:
		return exec_conv(r, cmd);
	case QNN_CS_OP_MAXPOOL:
		return exec_pool(r, cmd);
	case QNN_CS_OP_ADD:
		return exec_add(r, cmd);
	case QNN_CS_OP_GLOBAL_AVGPOOL:
	case QNN_CS_OP_TRANSFORM:
		return exec_unary(r, cmd);
	}
	return 0;	/* NOP */
}

int qnn_sim_exec(struct qnn_sim_exec_ctx *ctx, const struct qnn_sim_mem *mem,
		 const struct qnn_sim_caps *caps, u64 va, u32 size,
		 unsigned int flags, struct qnn_sim_result *res)
{
	struct run r = { .ctx = ctx, .mem = mem, .res = res };
	struct qnn_sim_cmd *cmd = &ctx->decoded;
	u32 stream_size, num_cmds, off, i;
	u16 cmd_size;

	memset(res, 0, sizeof(*res));
	/* the header: never read beyond what the descriptor gives */
	if (size < QNN_SIM_STREAM_HDR) {
		res->cs_err = QNN_CS_ERR_TRUNCATED;
		goto bad;
	}
	if (mem_read(&r, va, ctx->cmd, QNN_SIM_STREAM_HDR))
		return -EIO;
	res->cs_err = qnn_sim_decode_header(ctx->cmd, size, &stream_size,
					    &num_cmds);
	if (res->cs_err)
		goto bad;
	off = QNN_SIM_STREAM_HDR;
	for (i = 0; i < num_cmds; i++) {
		u32 left = stream_size - off;

		res->cmd_offset = off;
		/* the command's header, then all of the command */
		if (left >= QNN_SIM_CMD_HDR &&
		    mem_read(&r, va + off, ctx->cmd, QNN_SIM_CMD_HDR))
			return -EIO;
		res->cs_err = qnn_sim_decode_cmd_hdr(ctx->cmd, left, &cmd_size);
		if (res->cs_err)
			goto bad;
		if (mem_read(&r, va + off, ctx->cmd, cmd_size))
			return -EIO;
		res->cs_err = qnn_sim_decode_cmd(ctx->cmd, cmd_size, caps, cmd);
		if (res->cs_err)
			goto bad;
		if (!(flags & QNN_SIM_EXEC_DECODE_ONLY) && exec_cmd(&r, cmd))
			return -EIO;
		res->ops += cmd->ops;
		res->cmds_done++;
		off += cmd_size;
	}
	/* bytes after the last command would go unseen: refuse them */
	if (off != stream_size) {
		res->cmd_offset = off;
		res->cs_err = QNN_CS_ERR_TRUNCATED;
		goto bad;
	}
	res->cmd_offset = 0;
	return 0;
bad:
	res->status = QNN_SIM_BAD_CMD;
	return -EIO;
}
