/* SPDX-License-Identifier: MIT */
/*
 * The bit-packed tensor layout of docs/layout.md, written down once. Every
 * piece of libqnn that finds a packed element -- the ops, im2col, the
 * loader's checks, qnn_pack_bits() (which the writer helpers and qnn-convert
 * use) -- asks these helpers instead of re-deriving the formula:
 *
 *   word = ((pixel * B + b) * CW + c / 64),  bit = c % 64,  CW = ceil(C / 64)
 *   pixel = (n * H + h) * W + w
 *
 * so one pixel is B planes of CW words, adjacent. A flattened or dense
 * tensor is the same formula with H = W = 1. Channels C .. 64*CW-1 (the
 * tail) are zero bits. All static inline: the hot loops pay nothing.
 */
#ifndef QNN_LAYOUT_H
#define QNN_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define QNN_LAY_WORD_BITS 64

/* Words per plane per pixel: CW = ceil(C / 64). */
static inline size_t qnn_lay_cw(size_t c)
{
	return (c + QNN_LAY_WORD_BITS - 1) / QNN_LAY_WORD_BITS;
}

/* Words of one pixel, all B planes. */
static inline size_t qnn_lay_pix_words(unsigned int bits, size_t cw)
{
	return (size_t)bits * cw;
}

/* Index of the first word of pixel p. */
static inline size_t qnn_lay_pix(size_t p, unsigned int bits, size_t cw)
{
	return p * qnn_lay_pix_words(bits, cw);
}

/* Index, from its pixel's first word, of the first word of plane b. */
static inline size_t qnn_lay_plane(unsigned int b, size_t cw)
{
	return (size_t)b * cw;
}

/* Index, from its pixel's first word, of plane b's word holding channel c. */
static inline size_t qnn_lay_pw(unsigned int b, size_t cw, size_t c)
{
	return qnn_lay_plane(b, cw) + c / QNN_LAY_WORD_BITS;
}

/* The whole formula: word of channel c, plane b, pixel p. */
static inline size_t qnn_lay_word(size_t p, unsigned int bits, size_t cw,
				  unsigned int b, size_t c)
{
	return qnn_lay_pix(p, bits, cw) + qnn_lay_pw(b, cw, c);
}

/* Position of channel c in its word (lowest channel in the LSB). */
static inline unsigned int qnn_lay_shift(size_t c)
{
	return (unsigned int)(c % QNN_LAY_WORD_BITS);
}

static inline uint64_t qnn_lay_bit(size_t c)
{
	return (uint64_t)1 << qnn_lay_shift(c);
}

/* Raw B-bit code of channel c of one pixel (plane b is bit b). */
static inline unsigned int qnn_lay_get(const uint64_t *pix, unsigned int bits,
				       size_t cw, size_t c)
{
	unsigned int code = 0;

	for (unsigned int b = 0; b < bits; b++)
		code |= (unsigned int)((pix[qnn_lay_pw(b, cw, c)] >> qnn_lay_shift(c)) & 1) << b;
	return code;
}

/* ORs code into channel c of a pixel whose bits for c are still zero. */
static inline void qnn_lay_or(uint64_t *pix, unsigned int bits, size_t cw,
			      size_t c, unsigned int code)
{
	for (unsigned int b = 0; code && b < bits; b++, code >>= 1)
		pix[qnn_lay_pw(b, cw, c)] |= (uint64_t)(code & 1) << qnn_lay_shift(c);
}

/* Stores code as channel c of a pixel, whatever was there. */
static inline void qnn_lay_put(uint64_t *pix, unsigned int bits, size_t cw,
			       size_t c, unsigned int code)
{
	for (unsigned int b = 0; b < bits; b++) {
		uint64_t *wp = &pix[qnn_lay_pw(b, cw, c)];

		*wp = ((code >> b) & 1) ? (*wp | qnn_lay_bit(c)) : (*wp & ~qnn_lay_bit(c));
	}
}

/* Bits of a plane's last word that hold channels (the rest is the tail). */
static inline uint64_t qnn_lay_last_mask(size_t c)
{
	return c % QNN_LAY_WORD_BITS ? ~(uint64_t)0 >> (QNN_LAY_WORD_BITS - c % QNN_LAY_WORD_BITS) :
		~(uint64_t)0;
}

/*
 * The first plane of a pixel with a tail bit set, or -1 when the tail is
 * clean (always, when C is a multiple of 64). pix needs no alignment: it
 * may be a caller's input buffer.
 */
static inline int qnn_lay_tail_plane(const void *pix, unsigned int bits, size_t c)
{
	size_t cw = qnn_lay_cw(c);
	uint64_t keep = qnn_lay_last_mask(c), w;

	for (unsigned int b = 0; b < bits && keep != ~(uint64_t)0; b++) {
		memcpy(&w, (const uint8_t *)pix + (qnn_lay_plane(b, cw) + cw - 1) * sizeof(w),
		       sizeof(w));
		if (w & ~keep)
			return (int)b;
	}
	return -1;
}

/* The first of `pixels` pixels with a tail bit set (its plane in *plane), or -1. */
static inline long long qnn_lay_tail_pixel(const void *data, size_t pixels, unsigned int bits,
					   size_t c, int *plane)
{
	size_t cw = qnn_lay_cw(c);

	*plane = -1;
	if (c % QNN_LAY_WORD_BITS == 0)
		return -1;
	for (size_t p = 0; p < pixels; p++) {
		*plane = qnn_lay_tail_plane((const uint8_t *)data +
					    qnn_lay_pix(p, bits, cw) * sizeof(uint64_t), bits, c);
		if (*plane >= 0)
			return (long long)p;
	}
	return -1;
}

/*
 * Does a tensor's flattening (1 x 1 x 1 x H*W*C, same planes) have the same
 * words as the tensor? Only with one plane and whole-word pixels: with more
 * planes, a pixel's planes are adjacent but a flat tensor's are not.
 */
static inline int qnn_lay_flat_same(unsigned int bits, size_t c)
{
	return bits == 1 && c % QNN_LAY_WORD_BITS == 0;
}

#endif /* QNN_LAYOUT_H */
