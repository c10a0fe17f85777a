// SPDX-License-Identifier: MIT
/*
 * Element access and (un)packing of bit-packed tensors exactly as
 * docs/layout.md defines them. Used by the writer helpers, the loader (weight
 * sums) and the non-hot ops; the hot loops work on words directly.
 */
#include <errno.h>

#include "internal.h"
#include "layout.h"

int qnn_enc_range(unsigned int enc, unsigned int bits, int32_t *lo, int32_t *hi)
{
	if (bits < 1 || bits > 8)
		return -EINVAL;
	switch (enc) {
	case QNN_ENC_BIPOLAR:
		if (bits != 1)
			return -EINVAL;
		*lo = -1;
		*hi = 1;
		return 0;
	case QNN_ENC_UNSIGNED:
		*lo = 0;
		*hi = (1 << bits) - 1;
		return 0;
	case QNN_ENC_SIGNED:
		*lo = -(1 << (bits - 1));
		*hi = (1 << (bits - 1)) - 1;
		return 0;
	case QNN_ENC_BIPOLAR_BRANCHES:
		*hi = (1 << bits) - 1;
		*lo = -*hi;
		return 0;
	}
	return -EINVAL;
}

static int32_t decode(unsigned int code, unsigned int bits, unsigned int enc)
{
	switch (enc) {
	case QNN_ENC_BIPOLAR:
		return code ? -1 : 1;
	case QNN_ENC_SIGNED:
		return (code >> (bits - 1)) ? (int32_t)code - (1 << bits) : (int32_t)code;
	case QNN_ENC_BIPOLAR_BRANCHES:
		return ((1 << bits) - 1) - 2 * (int32_t)code;
	default:
		return (int32_t)code;
	}
}

static int encode(int32_t v, unsigned int bits, unsigned int enc, unsigned int *code)
{
	int32_t lo, hi;

	if (qnn_enc_range(enc, bits, &lo, &hi) || v < lo || v > hi)
		return -ERANGE;
	switch (enc) {
	case QNN_ENC_BIPOLAR:
		if (v == 0)
			return -ERANGE;
		*code = v < 0;
		return 0;
	case QNN_ENC_BIPOLAR_BRANCHES:
		if (!(v & 1))
			return -ERANGE;
		*code = (unsigned int)(hi - v) / 2;
		return 0;
	default:
		*code = (unsigned int)v & ((1u << bits) - 1);
		return 0;
	}
}

int32_t qnn_bits_get(const uint64_t *pix, uint32_t cw, unsigned int bits,
		     unsigned int enc, uint32_t c)
{
	return decode(qnn_lay_get(pix, bits, cw, c), bits, enc);
}

void qnn_bits_set(uint64_t *pix, uint32_t cw, unsigned int bits,
		  unsigned int enc, uint32_t c, int32_t v)
{
	unsigned int code = 0;

	if (encode(v, bits, enc, &code))
		code = 0;
	qnn_lay_put(pix, bits, cw, c, code);
}

/*
 * Tail bits are zero (docs/layout.md) and the kernels count them (an XOR
 * of two tails is not zero), so a packed input with a tail bit set is
 * refused rather than silently giving other sums. One word per plane per
 * pixel is read, and none when C is a multiple of 64.
 */
int qnn_check_input_tails(struct qnn_model *m, unsigned int batch, const void *const *inputs)
{
	for (uint32_t i = 0; i < m->nin; i++) {
		const struct qnn_tensor *t = &m->t[m->in[i]];
		size_t pixels = (size_t)t->h * t->w, total;
		long long px;
		int plane;

		if (t->dtype != QNN_DT_BITS)
			continue;
		if (__builtin_mul_overflow(pixels, (size_t)batch, &total))
			return qnn_ctx_err(m->ctx, -E2BIG, "run: batch %u too large", batch);
		px = qnn_lay_tail_pixel(inputs[i], total, t->bits, t->c, &plane);
		if (px >= 0)
			return qnn_ctx_err(m->ctx, -EINVAL,
					   "run: input %u \"%s\": image %llu, pixel %llu, plane %d: tail bits "
					   "(channels %u..%zu) set; docs/layout.md requires them zero",
					   i, t->name, (unsigned long long)px / pixels,
					   (unsigned long long)px % pixels, plane, t->c,
					   (size_t)t->cw * 64 - 1);
	}
	return 0;
}

size_t qnn_tensor_bytes(const struct qnn_tensor_desc *d)
{
	size_t n = 1, el;

	if (!d)
		return 0;
	for (int i = 0; i < 4; i++) {
		if (!d->dims[i] || __builtin_mul_overflow(n, (size_t)d->dims[i], &n))
			return 0;
	}
	switch (d->dtype) {
	case QNN_DT_F32:
	case QNN_DT_I32:
		el = 4;
		break;
	case QNN_DT_I8:
	case QNN_DT_U8:
		el = 1;
		break;
	case QNN_DT_BITS: {
		int32_t lo, hi;

		if (qnn_enc_range(d->encoding, d->bits, &lo, &hi))
			return 0;
		n /= d->dims[3];
		el = qnn_lay_pix_words(d->bits, qnn_lay_cw(d->dims[3])) * sizeof(uint64_t);
		break;
	}
	default:
		return 0;
	}
	if (__builtin_mul_overflow(n, el, &n))
		return 0;
	return n;
}

static int bits_geometry(const uint32_t dims[4], unsigned int bits,
			 unsigned int enc, size_t *pixels, uint32_t *cw)
{
	struct qnn_tensor_desc d = {
		.sz = sizeof(d), .dtype = QNN_DT_BITS, .encoding = enc, .bits = bits,
		.dims = { dims[0], dims[1], dims[2], dims[3] },
	};

	if (!qnn_tensor_bytes(&d))
		return -EINVAL;
	*pixels = (size_t)dims[0] * dims[1] * dims[2];
	*cw = (uint32_t)qnn_lay_cw(dims[3]);
	return 0;
}

int qnn_pack_bits(const int32_t *values, const uint32_t dims[4],
		  unsigned int bits, enum qnn_encoding enc, uint64_t *out)
{
	size_t pixels;
	uint32_t cw, c = dims ? dims[3] : 0;
	int ret;

	if (!values || !out || !dims)
		return -EINVAL;
	ret = bits_geometry(dims, bits, enc, &pixels, &cw);
	if (ret)
		return ret;
	for (size_t p = 0; p < pixels; p++) {
		uint64_t *pix = out + qnn_lay_pix(p, bits, cw);

		for (size_t i = 0; i < qnn_lay_pix_words(bits, cw); i++)
			pix[i] = 0;
		for (uint32_t ch = 0; ch < c; ch++) {
			unsigned int code;

			if (encode(values[p * c + ch], bits, enc, &code))
				return -ERANGE;
			qnn_lay_or(pix, bits, cw, ch, code);
		}
	}
	return 0;
}

int qnn_unpack_bits(const uint64_t *in, const uint32_t dims[4],
		    unsigned int bits, enum qnn_encoding enc, int32_t *values)
{
	size_t pixels;
	uint32_t cw;
	int ret;

	if (!values || !in || !dims)
		return -EINVAL;
	ret = bits_geometry(dims, bits, enc, &pixels, &cw);
	if (ret)
		return ret;
	for (size_t p = 0; p < pixels; p++)
		for (uint32_t ch = 0; ch < dims[3]; ch++)
			values[p * dims[3] + ch] =
				qnn_bits_get(in + qnn_lay_pix(p, bits, cw), cw, bits, enc, ch);
	return 0;
}
