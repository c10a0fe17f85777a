// SPDX-License-Identifier: MIT
/*
 * Image and label readers: IDX through zlib (gzopen reads gzip'd and plain
 * files alike), PNG through libpng, binary PGM and raw bytes by hand.
 */
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "images.h"

#define MAX_FILE (1ull << 32)

/* Whole file through zlib: transparent for non-gzip files. */
static int read_all(const char *path, uint8_t **out, size_t *len, char *err, size_t el)
{
	gzFile f = gzopen(path, "rb");
	size_t cap = 1 << 20, n = 0;
	uint8_t *buf;
	int r;

	if (!f) {
		snprintf(err, el, "%s: %s", path, strerror(errno ? errno : ENOENT));
		return -ENOENT;
	}
	buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			uint8_t *nb = cap < MAX_FILE ? realloc(buf, cap * 2) : NULL;

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		r = gzread(f, buf + n, (unsigned int)(cap - n > (1u << 30) ? (1u << 30) : cap - n));
		if (r < 0) {
			int zerr;

			snprintf(err, el, "%s: %s", path, gzerror(f, &zerr));
			free(buf);
			gzclose(f);
			return -EIO;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	gzclose(f);
	if (buf && n == cap) {	/* room for a terminating NUL (text labels) */
		uint8_t *nb = realloc(buf, cap + 1);

		if (!nb)
			free(buf);
		buf = nb;
	}
	if (buf)
		buf[n] = 0;
	if (!buf) {
		snprintf(err, el, "%s: out of memory or file too large", path);
		return -ENOMEM;
	}
	*out = buf;
	*len = n;
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int grow(struct images *im, size_t add, size_t per)
{
	size_t need = (im->count + add) * per;

	if (need > im->cap) {
		size_t cap = need > 2 * im->cap ? need : 2 * im->cap;
		uint8_t *np = realloc(im->pix, cap);

		if (!np)
			return -ENOMEM;
		im->pix = np;
		im->cap = cap;
	}
	return 0;
}

static int set_shape(struct images *im, uint32_t h, uint32_t w, uint32_t c, const char *path,
		     char *err, size_t el)
{
	if (im->count && (im->h != h || im->w != w || im->c != c)) {
		snprintf(err, el, "%s: %ux%ux%u images after %ux%ux%u ones", path, h, w, c,
			 im->h, im->w, im->c);
		return -EINVAL;
	}
	im->h = h;
	im->w = w;
	im->c = c;
	return 0;
}

static int load_idx(struct images *im, const char *path, const uint8_t *d, size_t len,
		    char *err, size_t el)
{
	uint32_t n, h, w;
	size_t per;

	if (len < 16 || d[2] != 0x08 || d[3] != 3) {
		snprintf(err, el, "%s: IDX file is not 3-D unsigned bytes (images)", path);
		return -EINVAL;
	}
	n = be32(d + 4);
	h = be32(d + 8);
	w = be32(d + 12);
	if (!h || !w || h > 65535 || w > 65535 || (uint64_t)n * h * w != len - 16) {
		snprintf(err, el, "%s: IDX header says %u images of %ux%u, the file holds %zu bytes",
			 path, n, h, w, len - 16);
		return -EINVAL;
	}
	if (set_shape(im, h, w, 1, path, err, el))
		return -EINVAL;
	per = (size_t)h * w;
	if (grow(im, n, per))
		return -ENOMEM;
	memcpy(im->pix + im->count * per, d + 16, (size_t)n * per);
	im->count += n;
	return 0;
}

/* Binary PGM: "P5 <w> <h> <maxval>" with comments, maxval <= 255. */
static int load_pgm(struct images *im, const char *path, const uint8_t *d, size_t len,
		    char *err, size_t el)
{
	unsigned long v[3];
	size_t p = 2;

	for (int i = 0; i < 3; i++) {
		while (p < len && (d[p] == ' ' || d[p] == '\n' || d[p] == '\r' || d[p] == '\t' ||
				   d[p] == '#')) {
			if (d[p] == '#')
				while (p < len && d[p] != '\n')
					p++;
			else
				p++;
		}
		if (p >= len || d[p] < '0' || d[p] > '9')
			goto bad;
		v[i] = 0;
		while (p < len && d[p] >= '0' && d[p] <= '9' && v[i] < 100000)
			v[i] = v[i] * 10 + (d[p++] - '0');
	}
	p++;	/* one whitespace byte */
	if (!v[0] || !v[1] || v[0] > 65535 || v[1] > 65535 || !v[2] || v[2] > 255 ||
	    p > len || len - p < v[0] * v[1])
		goto bad;
	if (set_shape(im, (uint32_t)v[1], (uint32_t)v[0], 1, path, err, el))
		return -EINVAL;
	if (grow(im, 1, v[0] * v[1]))
		return -ENOMEM;
	memcpy(im->pix + im->count * v[0] * v[1], d + p, v[0] * v[1]);
	im->count++;
	return 0;
bad:
	snprintf(err, el, "%s: not a binary 8-bit PGM (P5) file", path);
	return -EINVAL;
}

static int load_png(struct images *im, const char *path, uint32_t want_c, char *err, size_t el)
{
	png_image img;
	uint8_t *buf;
	size_t per;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&img, path)) {
		snprintf(err, el, "%s: %s", path, img.message);
		return -EINVAL;
	}
	img.format = want_c == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
	if (want_c != 1 && want_c != 3) {
		png_image_free(&img);
		snprintf(err, el, "%s: the model takes %u channels; PNG gives 1 or 3", path, want_c);
		return -EINVAL;
	}
	if (set_shape(im, img.height, img.width, want_c, path, err, el)) {
		png_image_free(&img);
		return -EINVAL;
	}
	per = PNG_IMAGE_SIZE(img);
	if (grow(im, 1, per)) {
		png_image_free(&img);
		return -ENOMEM;
	}
	buf = im->pix + im->count * per;
	if (!png_image_finish_read(&img, NULL, buf, 0, NULL)) {
		snprintf(err, el, "%s: %s", path, img.message);
		png_image_free(&img);
		return -EINVAL;
	}
	im->count++;
	return 0;
}

int images_load(struct images *im, const char *path, uint32_t want_h, uint32_t want_w,
		uint32_t want_c, size_t raw_bytes, int *is_raw, char *err, size_t el)
{
	static const uint8_t png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	uint8_t *d;
	size_t len;
	int r = read_all(path, &d, &len, err, el);

	*is_raw = 0;
	if (r)
		return r;
	if (len >= 8 && !memcmp(d, png_sig, 8)) {
		free(d);
		return load_png(im, path, want_c, err, el);
	}
	if (len >= 4 && d[0] == 0 && d[1] == 0 && d[2] == 0x08 && d[3] == 3)
		r = load_idx(im, path, d, len, err, el);
	else if (len >= 2 && d[0] == 'P' && d[1] == '5')
		r = load_pgm(im, path, d, len, err, el);
	else {
		/* raw: already in the model's input layout (docs/layout.md) */
		*is_raw = 1;
		if (!raw_bytes || len % raw_bytes || !len) {
			snprintf(err, el, "%s: %zu bytes is not a whole number of %zu-byte inputs "
				 "(and not IDX, PGM or PNG)", path, len, raw_bytes);
			r = -EINVAL;
		} else if (im->count && (im->h != 0 || im->c != (uint32_t)raw_bytes)) {
			snprintf(err, el, "%s: raw inputs cannot be mixed with images", path);
			r = -EINVAL;
		} else if (!(r = grow(im, len / raw_bytes, raw_bytes))) {
			im->h = 0;	/* marks raw entries: c holds the byte size */
			im->w = 0;
			im->c = (uint32_t)raw_bytes;
			memcpy(im->pix + im->count * raw_bytes, d, len);
			im->count += len / raw_bytes;
		}
	}
	free(d);
	(void)want_h;
	(void)want_w;
	return r;
}

void images_free(struct images *im)
{
	free(im->pix);
	memset(im, 0, sizeof(*im));
}

int labels_load(const char *path, int **labels, size_t *count, char *err, size_t el)
{
	uint8_t *d;
	size_t len, n = 0;
	int r = read_all(path, &d, &len, err, el), *lab;

	if (r)
		return r;
	if (len >= 8 && d[0] == 0 && d[1] == 0 && d[2] == 0x08 && d[3] == 1) {
		n = be32(d + 4);
		if (n != len - 8) {
			snprintf(err, el, "%s: IDX header says %zu labels, the file holds %zu", path,
				 n, len - 8);
			free(d);
			return -EINVAL;
		}
		lab = malloc(n * sizeof(int) + 1);
		for (size_t i = 0; lab && i < n; i++)
			lab[i] = d[8 + i];
	} else {	/* text: one integer per line */
		char *s = (char *)d, *end;

		lab = malloc((len / 2 + 1) * sizeof(int));
		for (size_t p = 0; lab && p < len;) {
			long v;

			while (p < len && (s[p] == '\n' || s[p] == ' ' || s[p] == '\r' || s[p] == '\t'))
				p++;
			if (p >= len)
				break;
			v = strtol(s + p, &end, 10);
			if (end == s + p || v < 0 || v > 1 << 20) {
				snprintf(err, el, "%s: not an IDX1 label file nor text labels", path);
				free(lab);
				free(d);
				return -EINVAL;
			}
			lab[n++] = (int)v;
			p = (size_t)(end - s);
		}
	}
	free(d);
	if (!lab) {
		snprintf(err, el, "%s: out of memory", path);
		return -ENOMEM;
	}
	*labels = lab;
	*count = n;
	return 0;
}
