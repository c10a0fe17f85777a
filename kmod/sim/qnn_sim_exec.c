// SPDX-License-Identifier: GPL-2.0-only
/*
 * qnn_sim's command executor. The arithmetic is docs/cmdstream.md's; the
 * data layout docs/layout.md's. Popcount dot products per bit-plane pair,
 * exact 64-bit accumulation, then the per-channel output stage. Commands
 * come decoded by qnn_sim_decode.c.
 *
 * Every access goes through struct qnn_sim_mem, in chunks no larger than
 * one pixel row or one weight row, so an MMU fault stops the job at the
 * first offending address, like the hardware's DMA engine would. Device
 * memory is little-endian: words and int32 values are converted as they
 * are read and written.
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

struct qnn_sim_exec_ctx {
	u64 cmd[MAX_CMD_BYTES / 8];	/* the command as fetched */
	struct qnn_sim_cmd decoded;
	u64 patch[QNN_CS_MAX_PATCH_WORDS];
	u64 wbuf[WCACHE_WORDS];
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
	bool valid[MAX_TAPS];
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

/* docs/layout.md, "Dot products from popcounts", over @c channels. */
static s64 plane_dot(const u64 *a, const u64 *w, u32 cw, u32 c, bool abip,
		     bool wbip)
{
	s64 pa = 0, pw = 0, pand = 0, pxor = 0;
	u32 j;

	for (j = 0; j < cw; j++) {
		pa += hweight64(a[j]);
		pw += hweight64(w[j]);
		pand += hweight64(a[j] & w[j]);
		pxor += hweight64(a[j] ^ w[j]);
	}
	if (abip && wbip)
		return (s64)c - 2 * pxor;
	if (abip)
		return pw - 2 * pand;
	if (wbip)
		return pa - 2 * pand;
	return pand;
}

/* Sum over all plane pairs of one tap: activation planes x weight planes. */
static s64 tap_dot(const u64 *a, const struct qnn_sim_tensor *in,
		   const u64 *w, const struct qnn_sim_tensor *wt)
{
	bool abip = plane_bipolar(in->enc);
	bool wbip = plane_bipolar(wt->enc);
	u32 cw = in->cw, p, q;
	s64 sum = 0;

	for (p = 0; p < in->bits; p++) {
		s64 ca = plane_coef(in->enc, in->bits, p);

		for (q = 0; q < wt->bits; q++)
			sum += ca * plane_coef(wt->enc, wt->bits, q) *
			       plane_dot(a + p * cw, w + q * cw, cw, in->c,
					 abip, wbip);
	}
	return sum;
}

/* Value of channel @c of one pixel (its @bits planes of @cw words). */
static s32 elem_get(const u64 *px, u8 enc, u8 bits, u32 cw, u32 c)
{
	s32 v = 0;
	u32 p;

	for (p = 0; p < bits; p++) {
		u32 bit = (px[p * cw + c / 64] >> (c % 64)) & 1;

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
static int epi_load(struct run *r, const struct qnn_sim_epi *e, u32 c)
{
	struct qnn_sim_exec_ctx *x = r->ctx;
	int ret = 0;
	u32 i;

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
			u32 cnt = 0;

			ret = mem_read32(r, e->thresh_va + (u64)c * nthr * 4,
					 x->thr, nthr * 4);
			if (ret)
				return ret;
			for (i = 0; i < nthr; i++)
				cnt += neg ? y <= x->thr[i] : y >= x->thr[i];
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

static int exec_conv(struct run *r, const struct qnn_sim_cmd *cv)
{
	const struct qnn_sim_tensor *in = &cv->in, *wt = &cv->wt,
				    *out = &cv->out;
	struct qnn_sim_exec_ctx *x = r->ctx;
	bool zero_pad = cv->flags & QNN_CS_CMD_ZERO_PAD;
	u32 cw = in->cw, taps = cv->kh * cv->kw;
	u32 apx = in->bits * cw, wpx = wt->bits * cw;	/* words per tap */
	u64 wrow = (u64)taps * wpx;			/* words per oc */
	bool cached = wrow * wt->n <= WCACHE_WORDS;
	u64 pix, npix = (u64)out->n * out->h * out->w;
	u32 n, oy, ox, oc, t;
	int ret;

	ret = epi_load(r, &cv->epi, out->c);
	if (ret)
		return ret;
	if (cached) {
		ret = mem_read(r, wt->va, x->wbuf, wrow * wt->n * 8);
		if (ret)
			return ret;
		le64_words(x->wbuf, wrow * wt->n);
		mask_tails(x->wbuf, taps * wt->n * wt->bits, cw, in->c);
	}
	for (pix = 0; pix < npix; pix++) {
		ox = pix % out->w;
		oy = pix / out->w % out->h;
		n = pix / out->w / out->h;
		ret = step(r);
		if (ret)
			return ret;
		/* gather the window: padded taps read as zero words */
		for (t = 0; t < taps; t++) {
			s64 iy = (s64)oy * cv->sh - cv->pt +
				 (s64)(t / cv->kw) * cv->dh;
			s64 ix = (s64)ox * cv->sw - cv->pl +
				 (s64)(t % cv->kw) * cv->dw;
			u64 *dst = x->patch + t * apx;

			x->valid[t] = iy >= 0 && iy < in->h &&
				      ix >= 0 && ix < in->w;
			if (!x->valid[t]) {
				memset(dst, 0, apx * 8);
				continue;
			}
			ret = read_pixel(r, in, ((u64)n * in->h + iy) * in->w +
					 ix, dst);
			if (ret)
				return ret;
		}
		for (oc = 0; oc < out->c; oc++) {
			const u64 *wr = x->wbuf + (cached ? oc * wrow : 0);
			s64 acc = 0;

			if (!cached) {
				ret = mem_read(r, wt->va + oc * wrow * 8,
					       x->wbuf, wrow * 8);
				if (ret)
					return ret;
				le64_words(x->wbuf, wrow);
				mask_tails(x->wbuf, taps * wt->bits, cw,
					   in->c);
			}
			for (t = 0; t < taps; t++) {
				if (!x->valid[t] && zero_pad)
					continue;
				acc += tap_dot(x->patch + t * apx, in,
					       wr + t * wpx, wt);
			}
			x->acc[oc] = acc;
		}
		ret = epi_store(r, &cv->epi, out, pix);
		if (ret)
			return ret;
	}
	return 0;
}

static int exec_pool(struct run *r, const struct qnn_sim_cmd *pool)
{
	const struct qnn_sim_tensor *in = &pool->in, *out = &pool->out;
	struct qnn_sim_exec_ctx *x = r->ctx;
	u64 pix, npix = (u64)out->n * out->h * out->w;
	u32 n, oy, ox, t, c;
	int ret;

	for (pix = 0; pix < npix; pix++) {
		ox = pix % out->w;
		oy = pix / out->w % out->h;
		n = pix / out->w / out->h;
		ret = step(r);
		if (ret)
			return ret;
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
			for (c = 0; c < in->c; c++)
				x->acc[c] = max_t(s64, x->acc[c],
						  pixel_value(x->px, in, c));
		}
		/* pad < window: every window holds a real tap */
		memset(x->opx, 0, out->px_bytes);
		for (c = 0; c < in->c; c++)
			put_value(x, out, c, x->acc[c]);
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

	ret = epi_load(r, &ad->epi, ad->out.c);
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

	ret = epi_load(r, &g->epi, g->out.c);
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
