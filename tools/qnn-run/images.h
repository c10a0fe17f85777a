/* SPDX-License-Identifier: MIT */
/* Image and label sources for qnn-run. */
#ifndef QNN_RUN_IMAGES_H
#define QNN_RUN_IMAGES_H

#include <stddef.h>
#include <stdint.h>

/* Decoded 8-bit images, all h x w x c (channels interleaved, HWC). */
struct images {
	uint8_t *pix;
	size_t count;
	uint32_t h, w, c;
	size_t cap;
};

/*
 * Appends the images of one file: IDX (magic 0x0803/0x0801, gzip'd or not),
 * binary PGM (P5), PNG, or anything else as raw bytes in the model's input
 * layout (raw_bytes per image; the file size must be a multiple). want_c is
 * the model's channel count (PNG is converted to gray or RGB to match).
 * 0 or -errno; err holds the reason.
 */
int images_load(struct images *im, const char *path, uint32_t want_h, uint32_t want_w,
		uint32_t want_c, size_t raw_bytes, int *is_raw, char *err, size_t errlen);
void images_free(struct images *im);

/* Labels: IDX1 (gzip'd or not) or text, one integer per line. */
int labels_load(const char *path, int **labels, size_t *count, char *err, size_t errlen);

#endif
