// SPDX-License-Identifier: MIT
/*
 * Validating parser of .qnn files (docs/model-format.md). Every offset, size,
 * id and shape is checked, with overflow-safe arithmetic, before it is used;
 * all allocations are bounded by counts already checked against the file size
 * and the documented limits. The first problem found is reported with the
 * place it was found (section, tensor or layer, field).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format.h"
#include "internal.h"
#include "layout.h"

struct parser {
	const uint8_t *f;
	size_t size;
	char *err;
	size_t errlen;
	uint64_t off[QNNF_SEC_LAST + 1], len[QNNF_SEC_LAST + 1];
	uint32_t cnt[QNNF_SEC_LAST + 1];
	struct qnn_model *m;
	uint8_t *avail;		/* per tensor: value defined yet */
	uint8_t *is_input;
};

static const char *const sec_names[] = {
	"?", "STRINGS", "TENSORS", "LAYERS", "GRAPH", "DATA", "IOQUANT",
};

static const char *const op_names[] = {
	"?", "conv2d", "dense", "maxpool", "avgpool", "global_avgpool", "add",
	"threshold", "dequant", "flatten", "topk", "quantize", "concat",
	"softmax",
};
#define NUM_OPS 13

const char *qnn_op_name(uint32_t op);
const char *qnn_op_name(uint32_t op)
{
	return op >= 1 && op <= NUM_OPS ? op_names[op] : "?";
}

#define FAIL(p, e, ...) qnn_fmt_err((p)->err, (p)->errlen, (e), __VA_ARGS__)

static int all_zero(const uint8_t *b, size_t n)
{
	while (n--)
		if (*b++)
			return 0;
	return 1;
}

/* A name at STRINGS offset `off`, or NULL if it does not end within bounds. */
static const char *get_name(struct parser *p, uint32_t off)
{
	const char *s = (const char *)p->f + p->off[QNNF_SEC_STRINGS];
	uint64_t len = p->len[QNNF_SEC_STRINGS];

	if (off >= len)
		return NULL;
	for (uint64_t i = off; i < len && i - off <= QNNF_MAX_NAME; i++)
		if (!s[i])
			return s + off;
	return NULL;
}

static int parse_header(struct parser *p, uint32_t *nsec)
{
	const uint8_t *h = p->f;
	uint16_t major;

	if (p->size < QNNF_HEADER_SIZE)
		return FAIL(p, -EBADMSG, "header: file is %zu bytes, shorter than the 64-byte header",
			    p->size);
	if (memcmp(h, QNNF_MAGIC, 8))
		return FAIL(p, -EBADMSG, "header: bad magic, not a .qnn file");
	major = qnnf_rd16(h + 8);
	if (major != QNNF_VERSION_MAJOR)
		return FAIL(p, major > QNNF_VERSION_MAJOR ? -ENOTSUP : -EBADMSG,
			    "header: version %u.%u not supported (this libqnn reads %u.x)",
			    major, qnnf_rd16(h + 10), QNNF_VERSION_MAJOR);
	if (qnnf_rd32(h + 12) != QNNF_HEADER_SIZE)
		return FAIL(p, -EBADMSG, "header: header_size %u, expected 64", qnnf_rd32(h + 12));
	if (qnnf_rd64(h + 16) != p->size)
		return FAIL(p, -EBADMSG, "header: file_size %llu but the file is %zu bytes (truncated or padded)",
			    (unsigned long long)qnnf_rd64(h + 16), p->size);
	if (qnnf_rd32(h + QNNF_CHECKSUM_OFF) != qnnf_file_crc(p->f, p->size))
		return FAIL(p, -EPROTO, "header: checksum mismatch (stored 0x%08x, computed 0x%08x): file corrupt",
			    qnnf_rd32(h + QNNF_CHECKSUM_OFF), qnnf_file_crc(p->f, p->size));
	if (qnnf_rd32(h + 32))
		return FAIL(p, -EBADMSG, "header: flags 0x%x, expected 0", qnnf_rd32(h + 32));
	if (!all_zero(h + 36, 28))
		return FAIL(p, -EBADMSG, "header: reserved bytes not zero");
	*nsec = qnnf_rd32(h + 24);
	if (*nsec < QNNF_SEC_KNOWN || *nsec > QNNF_MAX_SECTIONS)
		return FAIL(p, -EBADMSG, "header: section_count %u out of range 5..64", *nsec);
	if ((uint64_t)QNNF_HEADER_SIZE + (uint64_t)*nsec * QNNF_SECTION_SIZE > p->size)
		return FAIL(p, -EBADMSG, "header: section table (%u entries) exceeds file size %zu",
			    *nsec, p->size);
	return 0;
}

struct range {
	uint64_t off, len;
	uint32_t idx;
};

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static int parse_sections(struct parser *p, uint32_t nsec)
{
	struct range r[QNNF_MAX_SECTIONS];
	uint64_t table_end = QNNF_HEADER_SIZE + (uint64_t)nsec * QNNF_SECTION_SIZE;
	uint32_t nr = 0;

	for (uint32_t i = 0; i < nsec; i++) {
		const uint8_t *e = p->f + QNNF_HEADER_SIZE + (size_t)i * QNNF_SECTION_SIZE;
		uint32_t type = qnnf_rd32(e), flags = qnnf_rd32(e + 4);
		uint64_t off = qnnf_rd64(e + 8), len = qnnf_rd64(e + 16);
		uint32_t count = qnnf_rd32(e + 24), esz = qnnf_rd32(e + 28);
		const char *nm = type >= 1 && type <= QNNF_SEC_LAST ? sec_names[type] : "unknown";

		if (flags & ~QNNF_SEC_OPTIONAL)
			return FAIL(p, -EBADMSG, "section table entry %u (%s): flags 0x%x unknown", i, nm, flags);
		if (off < table_end || off > p->size || len > p->size - off)
			return FAIL(p, -EBADMSG, "section table entry %u (%s): offset %llu + size %llu outside the file (%zu bytes, data starts at %llu)",
				    i, nm, (unsigned long long)off, (unsigned long long)len,
				    p->size, (unsigned long long)table_end);
		if (off % (type == QNNF_SEC_DATA ? QNNF_DATA_ALIGN : 8))
			return FAIL(p, -EBADMSG, "section table entry %u (%s): offset %llu misaligned",
				    i, nm, (unsigned long long)off);
		r[nr++] = (struct range){ off, len, i };
		if (type < 1 || type > QNNF_SEC_LAST) {
			if (!(flags & QNNF_SEC_OPTIONAL))
				return FAIL(p, -ENOTSUP, "section table entry %u: unknown required section type %u",
					    i, type);
			continue;
		}
		if (p->len[type] || p->off[type])
			return FAIL(p, -EBADMSG, "section table entry %u: second %s section", i, nm);
		p->off[type] = off;
		p->len[type] = len;
		p->cnt[type] = count;
		if (type == QNNF_SEC_TENSORS || type == QNNF_SEC_LAYERS) {
			uint32_t want = type == QNNF_SEC_TENSORS ? QNNF_TENSOR_SIZE : QNNF_LAYER_SIZE;
			uint32_t max = type == QNNF_SEC_TENSORS ? QNNF_MAX_TENSORS : QNNF_MAX_LAYERS;

			if (esz != want)
				return FAIL(p, -EBADMSG, "section %s: entry_size %u, expected %u", nm, esz, want);
			if (count > max)
				return FAIL(p, -E2BIG, "section %s: %u entries, limit %u", nm, count, max);
			if ((uint64_t)count * esz != len)
				return FAIL(p, -EBADMSG, "section %s: size %llu != count %u x %u",
					    nm, (unsigned long long)len, count, esz);
		} else if (type == QNNF_SEC_IOQUANT) {
			/* entries, then their f64 values (checked in parse_ioquant) */
			if (esz != QNNF_IOQ_SIZE)
				return FAIL(p, -EBADMSG, "section %s: entry_size %u, expected %u", nm, esz,
					    QNNF_IOQ_SIZE);
			if (!count || count > 2 * QNNF_MAX_IO)
				return FAIL(p, -EBADMSG, "section %s: %u entries (1..%u)", nm, count,
					    2 * QNNF_MAX_IO);
			if ((uint64_t)count * esz > len)
				return FAIL(p, -EBADMSG, "section %s: size %llu < count %u x %u",
					    nm, (unsigned long long)len, count, esz);
		} else if (count || esz) {
			return FAIL(p, -EBADMSG, "section %s: count/entry_size must be 0", nm);
		}
	}
	for (uint32_t t = 1; t <= QNNF_SEC_KNOWN; t++)
		if (!p->off[t])
			return FAIL(p, -EBADMSG, "section table: no %s section", sec_names[t]);
	qsort(r, nr, sizeof(r[0]), cmp_range);
	for (uint32_t i = 1; i < nr; i++)
		if (r[i - 1].len > r[i].off - r[i - 1].off)
			return FAIL(p, -EBADMSG, "section table entries %u and %u overlap",
				    r[i - 1].idx, r[i].idx);
	if (!p->len[QNNF_SEC_STRINGS] ||
	    p->f[p->off[QNNF_SEC_STRINGS]] ||
	    p->f[p->off[QNNF_SEC_STRINGS] + p->len[QNNF_SEC_STRINGS] - 1])
		return FAIL(p, -EBADMSG, "section STRINGS: must start and end with a NUL byte");
	if (p->len[QNNF_SEC_DATA] % QNNF_DATA_ALIGN)
		return FAIL(p, -EBADMSG, "section DATA: size %llu not a multiple of 64",
			    (unsigned long long)p->len[QNNF_SEC_DATA]);
	return 0;
}

static size_t dtype_size(unsigned int dt)
{
	return dt == QNN_DT_F32 || dt == QNN_DT_I32 ? 4 : 1;
}

static int cmp_name(const void *a, const void *b, void *arg);

int qnn_read_model_file(int fd, size_t size, void **buf)
{
	uint8_t *p;
	size_t got = 0;

	/* aligned like a map, so constants are read in place from the copy */
	p = aligned_alloc(QNN_ALIGN, (size + QNN_ALIGN - 1) / QNN_ALIGN * QNN_ALIGN);
	if (!p)
		return -ENOMEM;
	while (got < size) {
		ssize_t n = read(fd, p + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int ret = n < 0 ? -errno : -EIO;	/* 0: shrank while we read */

			free(p);
			return ret;
		}
		got += (size_t)n;
	}
	*buf = p;
	return 0;
}

static int parse_tensors(struct parser *p)
{
	struct qnn_model *m = p->m;
	const uint8_t *base = p->f + p->off[QNNF_SEC_TENSORS];
	const uint8_t *data = p->f + p->off[QNNF_SEC_DATA];
	uint64_t dlen = p->len[QNNF_SEC_DATA];
	struct range *cr;
	uint32_t ncr = 0;
	size_t act = 0;

	m->nt = p->cnt[QNNF_SEC_TENSORS];
	if (!m->nt)
		return FAIL(p, -EBADMSG, "section TENSORS: no tensors");
	m->t = calloc(m->nt, sizeof(*m->t));
	cr = calloc(m->nt, sizeof(*cr));
	if (!m->t || !cr) {
		free(cr);
		return FAIL(p, -ENOMEM, "out of memory for %u tensors", m->nt);
	}
	for (uint32_t i = 0; i < m->nt; i++) {
		const uint8_t *e = base + (size_t)i * QNNF_TENSOR_SIZE;
		struct qnn_tensor *t = &m->t[i];
		struct qnn_tensor_desc d = { .sz = sizeof(d) };
		uint64_t off = qnnf_rd64(e + QT_OFFSET), len = qnnf_rd64(e + QT_SIZE);
		int ret = 0;

		t->name = get_name(p, qnnf_rd32(e + QT_NAME));
		if (!t->name) {
			ret = FAIL(p, -EBADMSG, "tensor %u: name offset %u not a string in STRINGS",
				   i + 1, qnnf_rd32(e + QT_NAME));
			goto out;
		}
		t->dtype = e[QT_DTYPE];
		t->enc = e[QT_ENC];
		t->bits = e[QT_BITS];
		t->is_const = e[QT_KIND];
		t->n = qnnf_rd32(e + QT_DIMS);
		t->h = qnnf_rd32(e + QT_DIMS + 4);
		t->w = qnnf_rd32(e + QT_DIMS + 8);
		t->c = qnnf_rd32(e + QT_DIMS + 12);
		t->producer = -1;
#define TFAIL(e2, fmt, ...) do { ret = FAIL(p, e2, "tensor %u \"%s\": " fmt, i + 1, t->name, ##__VA_ARGS__); goto out; } while (0)
		if (!all_zero(e + QT_RESERVED, QNNF_TENSOR_SIZE - QT_RESERVED))
			TFAIL(-EBADMSG, "reserved bytes not zero");
		if (t->dtype < QNN_DT_F32 || t->dtype > QNN_DT_BITS)
			TFAIL(-EBADMSG, "dtype %u unknown", t->dtype);
		if (t->dtype == QNN_DT_BITS) {
			int32_t lo, hi;

			if (qnn_enc_range(t->enc, t->bits, &lo, &hi))
				TFAIL(-EBADMSG, "encoding %u with %u bit-planes invalid", t->enc, t->bits);
		} else if (t->enc || t->bits) {
			TFAIL(-EBADMSG, "encoding/bits set on a non-BITS tensor");
		}
		if (t->is_const > 1)
			TFAIL(-EBADMSG, "kind %u unknown", t->is_const);
		if (!t->n || !t->h || !t->w || !t->c)
			TFAIL(-EBADMSG, "zero dimension %ux%ux%ux%u", t->n, t->h, t->w, t->c);
		if (t->n > QNNF_MAX_HW || t->h > QNNF_MAX_HW || t->w > QNNF_MAX_HW || t->c > QNNF_MAX_C)
			TFAIL(-E2BIG, "dims %ux%ux%ux%u over the limits", t->n, t->h, t->w, t->c);
		d.dtype = t->dtype;
		d.encoding = t->enc;
		d.bits = t->bits;
		d.dims[0] = t->n;
		d.dims[1] = t->h;
		d.dims[2] = t->w;
		d.dims[3] = t->c;
		t->bytes = qnn_tensor_bytes(&d);
		if (!t->bytes || t->bytes > QNNF_MAX_TENSOR_BYTES)
			TFAIL(-E2BIG, "size over the 2^31-byte limit");
		t->cw = (uint32_t)qnn_lay_cw(t->c);
		t->pix_bytes = t->dtype == QNN_DT_BITS ?
			       qnn_lay_pix_words(t->bits, t->cw) * sizeof(uint64_t) :
			       (size_t)t->c * dtype_size(t->dtype);
		if (t->is_const) {
			if (off % QNNF_DATA_ALIGN)
				TFAIL(-EBADMSG, "data offset %llu not 64-byte aligned", (unsigned long long)off);
			if (len != t->bytes)
				TFAIL(-EBADMSG, "data size %llu, but its dims need %zu bytes",
				      (unsigned long long)len, t->bytes);
			if (off > dlen || len > dlen - off)
				TFAIL(-EBADMSG, "data offset %llu + size %llu outside DATA (%llu bytes)",
				      (unsigned long long)off, (unsigned long long)len,
				      (unsigned long long)dlen);
			t->data = data + off;
			cr[ncr++] = (struct range){ off, len, i };
			if (t->dtype == QNN_DT_BITS) {
				/* tails are zero (docs/layout.md); kernels count them, e.g. in XOR */
				int plane;
				long long px = qnn_lay_tail_pixel(t->data, (size_t)t->n * t->h * t->w,
								  t->bits, t->c, &plane);

				if (px >= 0)
					TFAIL(-EBADMSG, "pixel %lld plane %d: tail bits (channels %u..%zu) set; "
					      "docs/layout.md requires them zero", px, plane, t->c,
					      (size_t)t->cw * 64 - 1);
			}
		} else {
			if (off || len)
				TFAIL(-EBADMSG, "activation with data offset/size");
			if (t->n != 1)
				TFAIL(-EINVAL, "activation with N = %u (must describe one image)", t->n);
			t->arena_off = act;
			act += (t->bytes + QNN_ALIGN - 1) / QNN_ALIGN * QNN_ALIGN;
			if (act > QNNF_MAX_ACT_BYTES)
				TFAIL(-E2BIG, "activations of one image exceed 2^30 bytes");
		}
#undef TFAIL
out:
		if (ret) {
			free(cr);
			return ret;
		}
	}
	m->act_bytes = act;
	qsort(cr, ncr, sizeof(cr[0]), cmp_range);
	for (uint32_t i = 1; i < ncr; i++)
		if (cr[i - 1].len > cr[i].off - cr[i - 1].off) {
			int ret = FAIL(p, -EBADMSG, "tensors %u and %u: constant data overlaps",
				       cr[i - 1].idx + 1, cr[i].idx + 1);

			free(cr);
			return ret;
		}
	/* unique names among named activations */
	ncr = 0;
	for (uint32_t i = 0; i < m->nt; i++)
		if (!m->t[i].is_const && m->t[i].name[0])
			cr[ncr++].idx = i;
	qsort_r(cr, ncr, sizeof(cr[0]), cmp_name, m);
	for (uint32_t i = 1; i < ncr; i++)
		if (!strcmp(m->t[cr[i - 1].idx].name, m->t[cr[i].idx].name)) {
			int ret = FAIL(p, -EINVAL, "tensors %u and %u: duplicate name \"%s\"",
				       cr[i - 1].idx + 1, cr[i].idx + 1, m->t[cr[i].idx].name);

			free(cr);
			return ret;
		}
	free(cr);
	return 0;
}

static int cmp_name(const void *a, const void *b, void *arg)
{
	const struct qnn_model *m = arg;

	return strcmp(m->t[((const struct range *)a)->idx].name,
		      m->t[((const struct range *)b)->idx].name);
}

static int parse_graph(struct parser *p)
{
	struct qnn_model *m = p->m;
	const uint8_t *g = p->f + p->off[QNNF_SEC_GRAPH];
	uint64_t len = p->len[QNNF_SEC_GRAPH];

	if (len < 8)
		return FAIL(p, -EBADMSG, "section GRAPH: %llu bytes, need at least 8",
			    (unsigned long long)len);
	m->nin = qnnf_rd32(g);
	m->nout = qnnf_rd32(g + 4);
	if (!m->nin || m->nin > QNNF_MAX_IO || !m->nout || m->nout > QNNF_MAX_IO)
		return FAIL(p, -EBADMSG, "section GRAPH: %u inputs, %u outputs (each 1..16)",
			    m->nin, m->nout);
	if (len != 8 + 4ull * (m->nin + m->nout))
		return FAIL(p, -EBADMSG, "section GRAPH: size %llu, expected %u",
			    (unsigned long long)len, 8 + 4 * (m->nin + m->nout));
	for (uint32_t i = 0; i < m->nin + m->nout; i++) {
		uint32_t id = qnnf_rd32(g + 8 + 4 * i);
		int out = i >= m->nin;
		uint32_t k = out ? i - m->nin : i;

		if (!id || id > m->nt || m->t[id - 1].is_const)
			return FAIL(p, -EINVAL, "section GRAPH: %s %u: tensor id %u is not an activation",
				    out ? "output" : "input", k, id);
		if (out) {
			m->out[k] = (int)id - 1;
		} else {
			if (p->is_input[id - 1])
				return FAIL(p, -EINVAL, "section GRAPH: tensor %u listed twice as input", id);
			m->in[k] = (int)id - 1;
			p->is_input[id - 1] = 1;
			p->avail[id - 1] = 1;
		}
	}
	return 0;
}

/* ---- graph I/O quantization (optional IOQUANT section, format 1.1) ---- */

static double rd_f64(const uint8_t *b)
{
	uint64_t u = qnnf_rd64(b);
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

static int parse_ioquant(struct parser *p)
{
	struct qnn_model *m = p->m;
	const uint8_t *base = p->f + p->off[QNNF_SEC_IOQUANT];
	uint64_t len = p->len[QNNF_SEC_IOQUANT], want;
	uint32_t n = p->cnt[QNNF_SEC_IOQUANT], nv = 0;

	if (!p->off[QNNF_SEC_IOQUANT])
		return 0;
	want = (uint64_t)n * QNNF_IOQ_SIZE;
	/* first pass: fields, and the values' total, before allocating */
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = base + (size_t)i * QNNF_IOQ_SIZE;
		uint32_t id = qnnf_rd32(e + QQ_TENSOR), ch = qnnf_rd32(e + QQ_CHANNELS);
		uint32_t voff = qnnf_rd32(e + QQ_VALUES);
		unsigned int kind = e[QQ_KIND], rnd = e[QQ_ROUND], bits = e[QQ_BITS];
		unsigned int fl = e[QQ_FLAGS];
		int32_t qmin = (int32_t)qnnf_rd32(e + QQ_QMIN), qmax = (int32_t)qnnf_rd32(e + QQ_QMAX);
		int io = 0;

		for (uint32_t k = 0; k < m->nin; k++)
			io |= m->in[k] == (int)id - 1;
		for (uint32_t k = 0; k < m->nout; k++)
			io |= m->out[k] == (int)id - 1;
		if (!id || id > m->nt || !io)
			return FAIL(p, -EINVAL, "section IOQUANT: entry %u: tensor id %u is not a graph "
				    "input or output", i, id);
		for (uint32_t k = 0; k < i; k++)
			if (qnnf_rd32(base + (size_t)k * QNNF_IOQ_SIZE + QQ_TENSOR) == id)
				return FAIL(p, -EINVAL, "section IOQUANT: entry %u: tensor %u listed "
					    "twice", i, id);
		if (kind < QNN_QUANT_UNIFORM || kind > QNN_QUANT_THRESHOLDS || rnd > QNN_ROUND_HALF_DOWN ||
		    bits < 1 || bits > 32 || (fl & ~(QQ_F_SIGNED | QQ_F_NARROW)) ||
		    !all_zero(e + QQ_RESERVED, QNNF_IOQ_SIZE - QQ_RESERVED))
			return FAIL(p, -EBADMSG, "section IOQUANT: entry %u: kind %u, rounding %u, "
				    "bits %u, flags 0x%x or reserved bytes invalid", i, kind, rnd, bits, fl);
		/* bipolar: the two values -1 and +1 in one bit */
		if (kind == QNN_QUANT_BIPOLAR ? qmin != -1 || qmax != 1 || bits != 1 :
		    qmin > qmax || (uint64_t)((int64_t)qmax - qmin) > (1ull << bits) - 1)
			return FAIL(p, -EBADMSG, "section IOQUANT: entry %u: range %d..%d does not fit "
				    "%u bits", i, qmin, qmax, bits);
		if (kind == QNN_QUANT_THRESHOLDS && (ch || voff))
			return FAIL(p, -EBADMSG, "section IOQUANT: entry %u: kind THRESHOLDS has no "
				    "values (channels %u, values at %u)", i, ch, voff);
		if (kind != QNN_QUANT_THRESHOLDS && ch != 1 && ch != m->t[id - 1].c)
			return FAIL(p, -EINVAL, "section IOQUANT: entry %u: %u channels for tensor "
				    "\"%s\" with %u", i, ch, m->t[id - 1].name, m->t[id - 1].c);
		if (ch && voff != want)
			return FAIL(p, -EBADMSG, "section IOQUANT: entry %u: values at %u, expected "
				    "%llu", i, voff, (unsigned long long)want);
		want += 16ull * ch;
		nv += ch;
	}
	if (want != len)
		return FAIL(p, -EBADMSG, "section IOQUANT: size %llu, expected %llu",
			    (unsigned long long)len, (unsigned long long)want);
	m->ioq = calloc(n, sizeof(*m->ioq));
	m->ioq_vals = calloc(2 * (size_t)nv + 1, sizeof(double));
	if (!m->ioq || !m->ioq_vals)
		return FAIL(p, -ENOMEM, "out of memory");
	m->nioq = n;
	nv = 0;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = base + (size_t)i * QNNF_IOQ_SIZE;
		struct qnn_ioquant *q = &m->ioq[i];
		const uint8_t *v = base + qnnf_rd32(e + QQ_VALUES);

		q->tensor = (int)qnnf_rd32(e + QQ_TENSOR) - 1;
		q->kind = e[QQ_KIND];
		q->rounding = e[QQ_ROUND];
		q->bits = e[QQ_BITS];
		q->flags = e[QQ_FLAGS];
		q->qmin = (int32_t)qnnf_rd32(e + QQ_QMIN);
		q->qmax = (int32_t)qnnf_rd32(e + QQ_QMAX);
		q->channels = qnnf_rd32(e + QQ_CHANNELS);
		q->scale = m->ioq_vals + 2 * (size_t)nv;
		q->zero_point = q->scale + q->channels;
		for (uint32_t c = 0; c < q->channels; c++) {
			q->scale[c] = rd_f64(v + 8 * c);
			q->zero_point[c] = rd_f64(v + 8 * (q->channels + c));
			if (!isfinite(q->scale[c]) || q->scale[c] == 0 || !isfinite(q->zero_point[c]))
				return FAIL(p, -EBADMSG, "section IOQUANT: entry %u: channel %u: scale "
					    "%g, zero point %g (finite, scale nonzero)", i, c,
					    q->scale[c], q->zero_point[c]);
		}
		nv += q->channels;
	}
	return 0;
}

/* ---- layers ---- */

struct lctx {
	struct parser *p;
	uint32_t idx;
	const char *name;
	const char *op;
};

#define LFAIL(c, e, fmt, ...) FAIL((c)->p, e, "layer %u \"%s\" (%s): " fmt, (c)->idx, (c)->name, (c)->op, ##__VA_ARGS__)

static int max_abs(const struct qnn_tensor *t, int64_t *v)
{
	int32_t lo, hi;

	switch (t->dtype) {
	case QNN_DT_U8: *v = 255; return 0;
	case QNN_DT_I8: *v = 128; return 0;
	case QNN_DT_BITS:
		qnn_enc_range(t->enc, t->bits, &lo, &hi);
		*v = -(int64_t)lo > hi ? -(int64_t)lo : hi;
		return 0;
	default: return -1;
	}
}

static int check_chan(struct lctx *c, int id, const char *field, int dt1, int dt2,
		      uint32_t ch)
{
	const struct qnn_tensor *t;

	if (id < 0)
		return 0;
	t = &c->p->m->t[id];
	if (t->dtype != dt1 && t->dtype != dt2)
		return LFAIL(c, -EINVAL, "%s: tensor %d has the wrong dtype %u", field, id + 1, t->dtype);
	if (t->n != 1 || t->h != 1 || t->w != 1 || (t->c != ch && t->c != 1))
		return LFAIL(c, -EINVAL, "%s: dims %ux%ux%ux%u, expected 1x1x1x%u (or 1x1x1x1)",
			     field, t->n, t->h, t->w, t->c, ch);
	return 0;
}

static int check_thresholds(struct lctx *c, const struct qnn_layer *l,
			    const struct qnn_tensor *out, uint32_t ch, enum qnn_dtype tdt)
{
	const struct qnn_model *m = c->p->m;
	const struct qnn_tensor *t;
	uint32_t nt;

	if (out->enc != QNN_ENC_UNSIGNED && out->enc != QNN_ENC_BIPOLAR)
		return LFAIL(c, -EINVAL, "thresholded output must be UNSIGNED or BIPOLAR, not encoding %u",
			     out->enc);
	if (l->thresholds < 0)
		return LFAIL(c, -EINVAL, "BITS output needs thresholds");
	t = &m->t[l->thresholds];
	nt = (1u << out->bits) - 1;
	if (t->dtype != tdt || t->n != 1 || t->h != 1 || t->w != ch || t->c != nt)
		return LFAIL(c, -EINVAL, "thresholds: tensor %d is %ux%ux%ux%u dtype %u, expected %s 1x1x%ux%u",
			     l->thresholds + 1, t->n, t->h, t->w, t->c, t->dtype,
			     tdt == QNN_DT_F32 ? "F32" : "I32", ch, nt);
	for (uint32_t o = 0; tdt == QNN_DT_F32 && o < ch; o++) {	/* float thresholds */
		const float *row = (const float *)t->data + (size_t)o * nt;

		for (uint32_t k = 0; k < nt; k++)
			if (isnan(row[k]) || (k && row[k] < row[k - 1]))
				return LFAIL(c, -EINVAL, "thresholds: channel %u not ascending (or NaN) "
					     "at index %u", o, k);
	}
	for (uint32_t o = 0; tdt == QNN_DT_I32 && o < ch; o++) {
		const uint8_t *row = (const uint8_t *)t->data + (size_t)o * nt * 4;

		for (uint32_t k = 1; k < nt; k++)
			if ((int32_t)qnnf_rd32(row + 4 * k) < (int32_t)qnnf_rd32(row + 4 * (k - 1)))
				return LFAIL(c, -EINVAL, "thresholds: channel %u not ascending at index %u",
					     o, k);
	}
	if (l->negate >= 0) {
		const struct qnn_tensor *n = &m->t[l->negate];
		int ret = check_chan(c, l->negate, "negate", QNN_DT_U8, QNN_DT_U8, ch);

		if (ret)
			return ret;
		for (uint32_t o = 0; o < n->c; o++)
			if (((const uint8_t *)n->data)[o] > 1)
				return LFAIL(c, -EINVAL, "negate: channel %u value %u, expected 0 or 1",
					     o, ((const uint8_t *)n->data)[o]);
	}
	return 0;
}

static int64_t out_size(uint32_t in, uint32_t p0, uint32_t p1, uint32_t k,
			uint32_t dil, uint32_t s)
{
	int64_t span = (int64_t)dil * (k - 1) + 1;
	int64_t avail = (int64_t)in + p0 + p1;

	if (avail < span)
		return 0;
	return (avail - span) / s + 1;
}

static int check_out(struct lctx *c, const struct qnn_tensor *o, uint32_t h,
		     uint32_t w, uint32_t ch)
{
	if (o->h != h || o->w != w || o->c != ch)
		return LFAIL(c, -EINVAL, "output \"%s\" is %ux%u x%u, the op gives %ux%u x%u",
			     o->name, o->h, o->w, o->c, h, w, ch);
	return 0;
}

static int check_conv(struct lctx *c, struct qnn_layer *l)
{
	const struct qnn_model *m = c->p->m;
	const struct qnn_tensor *x = &m->t[l->in[0]], *o = &m->t[l->out], *wt;
	int64_t ho, wo, ax, aw, k;
	uint32_t ch, cg;
	int ret;

	if (x->dtype == QNN_DT_I32)
		return LFAIL(c, -EINVAL, "input \"%s\" is I32; conv takes BITS, U8, I8 or F32", x->name);
	if (l->weights < 0)
		return LFAIL(c, -EINVAL, "no weights");
	wt = &m->t[l->weights];
	if (wt->dtype != QNN_DT_BITS)
		return LFAIL(c, -EINVAL, "weights: tensor %d is not BITS", l->weights + 1);
	ch = wt->n;
	if (l->op == QNN_OP_DENSE) {
		if (l->groups > 1 || l->pt || l->pl || l->pb || l->pr || l->sh > 1 || l->sw > 1 ||
		    l->dh > 1 || l->dw > 1 || l->kh || l->kw)
			return LFAIL(c, -EINVAL, "dense takes no kernel/stride/pad/dilation/groups");
		if (wt->h != x->h || wt->w != x->w || wt->c != x->c)
			return LFAIL(c, -EINVAL, "weights: dims %ux%ux%ux%u but input is %ux%ux%u",
				     wt->n, wt->h, wt->w, wt->c, x->h, x->w, x->c);
		l->sh = l->sw = l->dh = l->dw = l->groups = 1;
	} else {
		if (!l->sh || !l->sw || !l->dh || !l->dw || !l->groups)
			return LFAIL(c, -EINVAL, "stride, dilation and groups must be >= 1");
		if ((l->kh && l->kh != wt->h) || (l->kw && l->kw != wt->w))
			return LFAIL(c, -EINVAL, "kernel %ux%u disagrees with weights %ux%u",
				     l->kh, l->kw, wt->h, wt->w);
		if (x->c % l->groups || ch % l->groups)
			return LFAIL(c, -EINVAL, "groups %u must divide input channels %u and output channels %u",
				     l->groups, x->c, ch);
		cg = x->c / l->groups;
		if (wt->c != cg)
			return LFAIL(c, -EINVAL, "weights: dims %ux%ux%ux%u but input has %u channels / %u groups",
				     wt->n, wt->h, wt->w, wt->c, x->c, l->groups);
		if (l->pt > QNNF_MAX_HW || l->pb > QNNF_MAX_HW || l->pl > QNNF_MAX_HW || l->pr > QNNF_MAX_HW)
			return LFAIL(c, -E2BIG, "padding over 65535");
	}
	l->kh = wt->h;
	l->kw = wt->w;
	ho = out_size(x->h, l->pt, l->pb, l->kh, l->dh, l->sh);
	wo = out_size(x->w, l->pl, l->pr, l->kw, l->dw, l->sw);
	if (!ho || !wo)
		return LFAIL(c, -EINVAL, "kernel %ux%u (dilation %u,%u) larger than padded input %ux%u",
			     l->kh, l->kw, l->dh, l->dw, x->h, x->w);
	ret = check_out(c, o, (uint32_t)ho, (uint32_t)wo, ch);
	if (ret)
		return ret;
	k = (int64_t)l->kh * l->kw * wt->c;
	l->macs = (uint64_t)(ho * wo) * ch * (uint64_t)k;
	if (x->dtype != QNN_DT_F32) {
		max_abs(x, &ax);
		max_abs(wt, &aw);
		if (k * ax * aw >= (1ll << 31))
			return LFAIL(c, -E2BIG, "accumulator may overflow int32 (K=%lld, |x|<=%lld, |w|<=%lld)",
				     (long long)k, (long long)ax, (long long)aw);
	}
	if (l->levels >= 0)
		return LFAIL(c, -EINVAL, "levels not used by conv");
	switch (o->dtype) {
	case QNN_DT_BITS:
		if (x->dtype == QNN_DT_F32)
			return LFAIL(c, -EINVAL, "F32 input allows only an F32 output");
		if (l->scale >= 0 || l->bias >= 0)
			return LFAIL(c, -EINVAL, "BITS output takes thresholds, not scale/bias");
		return check_thresholds(c, l, o, ch, QNN_DT_I32);
	case QNN_DT_I32:
		if (x->dtype == QNN_DT_F32)
			return LFAIL(c, -EINVAL, "F32 input allows only an F32 output");
		if (l->thresholds >= 0 || l->negate >= 0)
			return LFAIL(c, -EINVAL, "thresholds only with a BITS output");
		ret = check_chan(c, l->bias, "bias", QNN_DT_I32, QNN_DT_I32, ch);
		if (!ret)
			ret = check_chan(c, l->scale, "scale (shift)", QNN_DT_I8, QNN_DT_I8, ch);
		break;
	case QNN_DT_F32:
		if (l->thresholds >= 0 || l->negate >= 0)
			return LFAIL(c, -EINVAL, "thresholds only with a BITS output");
		ret = check_chan(c, l->bias, "bias", QNN_DT_F32, QNN_DT_F32, ch);
		if (!ret)
			ret = check_chan(c, l->scale, "scale", QNN_DT_F32, QNN_DT_I8, ch);
		break;
	default:
		return LFAIL(c, -EINVAL, "output dtype %u; conv writes BITS, I32 or F32", o->dtype);
	}
	if (!ret && l->scale >= 0 && m->t[l->scale].dtype == QNN_DT_I8) {
		const struct qnn_tensor *s = &m->t[l->scale];

		for (uint32_t i = 0; i < s->c; i++) {
			int8_t v = ((const int8_t *)s->data)[i];

			if (v < -31 || v > 31)
				return LFAIL(c, -EINVAL, "scale: shift %d of channel %u outside -31..31", v, i);
		}
	}
	return ret;
}

static int check_pool(struct lctx *c, struct qnn_layer *l)
{
	const struct qnn_model *m = c->p->m;
	const struct qnn_tensor *x = &m->t[l->in[0]], *o = &m->t[l->out];
	int64_t ho, wo;

	if (l->op == QNN_OP_GLOBAL_AVGPOOL) {
		if (l->kh || l->kw || l->sh > 1 || l->sw > 1 || l->pt || l->pl || l->pb || l->pr)
			return LFAIL(c, -EINVAL, "global pool takes no kernel/stride/pad");
		l->kh = x->h;
		l->kw = x->w;
		l->sh = l->sw = 1;
		ho = wo = 1;
	} else {
		if (!l->kh || !l->kw || !l->sh || !l->sw)
			return LFAIL(c, -EINVAL, "kernel and stride must be >= 1");
		if (l->kh > QNNF_MAX_HW || l->kw > QNNF_MAX_HW || l->sh > QNNF_MAX_HW || l->sw > QNNF_MAX_HW)
			return LFAIL(c, -E2BIG, "kernel/stride over 65535");
		if (l->pt >= l->kh || l->pb >= l->kh || l->pl >= l->kw || l->pr >= l->kw)
			return LFAIL(c, -EINVAL, "padding %u,%u,%u,%u must be smaller than the kernel %ux%u",
				     l->pt, l->pl, l->pb, l->pr, l->kh, l->kw);
		ho = out_size(x->h, l->pt, l->pb, l->kh, 1, l->sh);
		wo = out_size(x->w, l->pl, l->pr, l->kw, 1, l->sw);
		if (!ho || !wo)
			return LFAIL(c, -EINVAL, "kernel %ux%u larger than padded input %ux%u",
				     l->kh, l->kw, x->h, x->w);
	}
	if (l->dh > 1 || l->dw > 1 || l->groups > 1)
		return LFAIL(c, -EINVAL, "pools take no dilation/groups");
	l->dh = l->dw = l->groups = 1;
	if (l->op == QNN_OP_MAXPOOL) {
		if (o->dtype != x->dtype || o->enc != x->enc || o->bits != x->bits)
			return LFAIL(c, -EINVAL, "output type differs from input type");
	} else if (!(o->dtype == QNN_DT_F32 || (o->dtype == QNN_DT_I32 && x->dtype != QNN_DT_F32))) {
		return LFAIL(c, -EINVAL, "average pool writes F32 (or I32 sums of integer inputs)");
	}
	l->macs = (uint64_t)(ho * wo) * x->c * l->kh * l->kw;
	return check_out(c, o, (uint32_t)ho, (uint32_t)wo, x->c);
}

static int is_int(const struct qnn_tensor *t)
{
	return t->dtype != QNN_DT_F32;
}

static int check_layer(struct lctx *c, struct qnn_layer *l)
{
	const struct qnn_model *m = c->p->m;
	const struct qnn_tensor *x = &m->t[l->in[0]], *o = &m->t[l->out];
	uint64_t flat;
	int ret;

	switch (l->op) {
	case QNN_OP_CONV2D:
	case QNN_OP_DENSE:
		return check_conv(c, l);
	case QNN_OP_MAXPOOL:
	case QNN_OP_AVGPOOL:
	case QNN_OP_GLOBAL_AVGPOOL:
		return check_pool(c, l);
	default:
		break;
	}
	if (l->kh || l->kw || l->sh > 1 || l->sw > 1 || l->pt || l->pl || l->pb || l->pr ||
	    l->dh > 1 || l->dw > 1 || l->groups > 1)
		return LFAIL(c, -EINVAL, "kernel/stride/pad/dilation/groups not used by this op");
	if (l->op != QNN_OP_TOPK && l->k)
		return LFAIL(c, -EINVAL, "k is only for topk");
	switch (l->op) {
	case QNN_OP_ADD: {
		const struct qnn_tensor *y = &m->t[l->in[1]];

		if (y->h != x->h || y->w != x->w || y->c != x->c)
			return LFAIL(c, -EINVAL, "inputs differ in shape");
		if (o->dtype != (is_int(x) && is_int(y) ? QNN_DT_I32 : QNN_DT_F32))
			return LFAIL(c, -EINVAL, "output must be I32 for integer inputs, else F32");
		return check_out(c, o, x->h, x->w, x->c);
	}
	case QNN_OP_SOFTMAX:
		if (x->dtype != QNN_DT_F32 || o->dtype != QNN_DT_F32)
			return LFAIL(c, -EINVAL, "softmax maps F32 to F32");
		return check_out(c, o, x->h, x->w, x->c);
	case QNN_OP_CONCAT: {
		const struct qnn_tensor *y = &m->t[l->in[1]];

		if (y->h != x->h || y->w != x->w)
			return LFAIL(c, -EINVAL, "inputs differ in height or width");
		if (y->dtype != x->dtype || y->enc != x->enc || y->bits != x->bits ||
		    o->dtype != x->dtype || o->enc != x->enc || o->bits != x->bits)
			return LFAIL(c, -EINVAL, "inputs and output must have one type");
		if ((uint64_t)x->c + y->c > QNNF_MAX_C)
			return LFAIL(c, -E2BIG, "%u + %u channels over the limit", x->c, y->c);
		return check_out(c, o, x->h, x->w, x->c + y->c);
	}
	case QNN_OP_THRESHOLD:	/* I32 with I32 thresholds, or F32 with F32 ones */
		if ((x->dtype != QNN_DT_I32 && x->dtype != QNN_DT_F32) || o->dtype != QNN_DT_BITS)
			return LFAIL(c, -EINVAL, "threshold maps I32 or F32 to BITS");
		ret = check_out(c, o, x->h, x->w, x->c);
		return ret ? ret : check_thresholds(c, l, o, x->c, x->dtype);
	case QNN_OP_DEQUANT:
		if (x->dtype == QNN_DT_F32 || o->dtype != QNN_DT_F32)
			return LFAIL(c, -EINVAL, "dequant maps BITS/I32/U8/I8 to F32");
		ret = check_out(c, o, x->h, x->w, x->c);
		if (ret)
			return ret;
		if (l->levels >= 0) {
			const struct qnn_tensor *lv = &m->t[l->levels];
			uint32_t nlev = x->dtype == QNN_DT_BITS ? 1u << x->bits :
					x->dtype == QNN_DT_U8 ? 256 : 0;

			if (!nlev)
				return LFAIL(c, -EINVAL, "levels need a BITS or U8 input");
			if (l->scale >= 0 || l->bias >= 0)
				return LFAIL(c, -EINVAL, "levels exclude scale/bias");
			if (lv->dtype != QNN_DT_F32 || lv->n != 1 || lv->h != 1 ||
			    (lv->w != x->c && lv->w != 1) || lv->c != nlev)
				return LFAIL(c, -EINVAL, "levels: expected F32 1x1x%ux%u (or 1x1x1x%u)",
					     x->c, nlev, nlev);
			return 0;
		}
		ret = check_chan(c, l->scale, "scale", QNN_DT_F32, QNN_DT_I8, x->c);
		return ret ? ret : check_chan(c, l->bias, "bias", QNN_DT_F32, QNN_DT_F32, x->c);
	case QNN_OP_FLATTEN:
		flat = (uint64_t)x->h * x->w * x->c;
		if (o->dtype != x->dtype || o->enc != x->enc || o->bits != x->bits)
			return LFAIL(c, -EINVAL, "output type differs from input type");
		if (flat > QNNF_MAX_C)
			return LFAIL(c, -E2BIG, "flattened size %llu over the channel limit",
				     (unsigned long long)flat);
		return check_out(c, o, 1, 1, (uint32_t)flat);
	case QNN_OP_TOPK:
		if ((x->dtype != QNN_DT_F32 && x->dtype != QNN_DT_I32) || x->h != 1 || x->w != 1)
			return LFAIL(c, -EINVAL, "topk takes an F32/I32 1x1xC input");
		if (!l->k || l->k > x->c)
			return LFAIL(c, -EINVAL, "k = %u outside 1..%u", l->k, x->c);
		if (o->dtype != QNN_DT_I32)
			return LFAIL(c, -EINVAL, "topk writes I32 indices");
		return check_out(c, o, 1, 1, l->k);
	case QNN_OP_QUANTIZE:
		if (x->dtype != QNN_DT_F32 || (o->dtype != QNN_DT_U8 && o->dtype != QNN_DT_I8))
			return LFAIL(c, -EINVAL, "quantize maps F32 to U8/I8");
		if (l->scale < 0)
			return LFAIL(c, -EINVAL, "quantize needs a scale");
		ret = check_out(c, o, x->h, x->w, x->c);
		if (!ret)
			ret = check_chan(c, l->scale, "scale", QNN_DT_F32, QNN_DT_F32, x->c);
		if (!ret)
			ret = check_chan(c, l->bias, "bias", QNN_DT_F32, QNN_DT_F32, x->c);
		if (!ret) {
			const float *s = m->t[l->scale].data;

			for (uint32_t i = 0; i < m->t[l->scale].c; i++)
				if (!(s[i] > 0) || s[i] > 3.4e38f)
					return LFAIL(c, -EINVAL, "scale of channel %u not a positive finite number", i);
		}
		return ret;
	}
	return LFAIL(c, -ENOTSUP, "unknown op");
}

/* Which constant fields each op may use (bit per field, order as below). */
enum { F_W = 1, F_T = 2, F_N = 4, F_S = 8, F_B = 16, F_L = 32 };
static const uint8_t op_fields[NUM_OPS + 1] = {
	[QNN_OP_CONV2D] = F_W | F_T | F_N | F_S | F_B,
	[QNN_OP_DENSE] = F_W | F_T | F_N | F_S | F_B,
	[QNN_OP_THRESHOLD] = F_T | F_N,
	[QNN_OP_DEQUANT] = F_S | F_B | F_L,
	[QNN_OP_QUANTIZE] = F_S | F_B,
};
static const uint8_t op_nin[NUM_OPS + 1] = {
	0, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 2, 1,
};

static int parse_layers(struct parser *p)
{
	struct qnn_model *m = p->m;
	const uint8_t *base = p->f + p->off[QNNF_SEC_LAYERS];
	static const char *const fnames[] = {
		"weights", "thresholds", "negate", "scale", "bias", "levels",
	};

	m->nl = p->cnt[QNNF_SEC_LAYERS];
	if (!m->nl)
		return FAIL(p, -EBADMSG, "section LAYERS: no layers");
	m->l = calloc(m->nl, sizeof(*m->l));
	if (!m->l)
		return FAIL(p, -ENOMEM, "out of memory for %u layers", m->nl);
	for (uint32_t i = 0; i < m->nl; i++) {
		const uint8_t *e = base + (size_t)i * QNNF_LAYER_SIZE;
		struct qnn_layer *l = &m->l[i];
		struct lctx c = { .p = p, .idx = i, .op = "?" };
		int *cf[6] = { &l->weights, &l->thresholds, &l->negate, &l->scale, &l->bias, &l->levels };
		uint32_t outid;
		int ret;

		l->name = get_name(p, qnnf_rd32(e + QL_NAME));
		if (!l->name)
			return FAIL(p, -EBADMSG, "layer %u: name offset %u not a string in STRINGS",
				    i, qnnf_rd32(e + QL_NAME));
		c.name = l->name;
		l->op = qnnf_rd32(e + QL_OP);
		if (l->op < 1 || l->op > NUM_OPS)
			return FAIL(p, -ENOTSUP, "layer %u \"%s\": op %u unknown", i, l->name, l->op);
		c.op = op_names[l->op];
		if (!all_zero(e + QL_RESERVED, QNNF_LAYER_SIZE - QL_RESERVED))
			return LFAIL(&c, -EBADMSG, "reserved bytes not zero");
		l->flags = qnnf_rd32(e + QL_FLAGS);
		if (l->flags & ~(QNN_LAYER_ZERO_PAD | QNN_LAYER_AVG_VALID | QNN_LAYER_SOFTMAX_LOG))
			return LFAIL(&c, -EBADMSG, "flags 0x%x unknown", l->flags);
		if ((l->flags & QNN_LAYER_ZERO_PAD) && l->op != QNN_OP_CONV2D)
			return LFAIL(&c, -EINVAL, "ZERO_PAD only applies to conv2d");
		if ((l->flags & QNN_LAYER_AVG_VALID) && l->op != QNN_OP_AVGPOOL)
			return LFAIL(&c, -EINVAL, "AVG_VALID only applies to avgpool");
		if ((l->flags & QNN_LAYER_SOFTMAX_LOG) && l->op != QNN_OP_SOFTMAX)
			return LFAIL(&c, -EINVAL, "SOFTMAX_LOG only applies to softmax");
		l->n_in = qnnf_rd32(e + QL_NIN);
		if (l->n_in != op_nin[l->op])
			return LFAIL(&c, -EINVAL, "n_inputs %u, this op takes %u", l->n_in, op_nin[l->op]);
		for (uint32_t k = 0; k < 4; k++) {
			uint32_t id = qnnf_rd32(e + QL_IN + 4 * k);

			l->in[k] = -1;
			if (k >= l->n_in) {
				if (id)
					return LFAIL(&c, -EBADMSG, "input %u set beyond n_inputs", k);
				continue;
			}
			if (!id || id > m->nt || m->t[id - 1].is_const)
				return LFAIL(&c, -EINVAL, "input %u: tensor id %u is not an activation", k, id);
			if (!p->avail[id - 1])
				return LFAIL(&c, -EINVAL, "input %u: tensor \"%s\" is not computed before this layer (order)",
					     k, m->t[id - 1].name);
			l->in[k] = (int)id - 1;
		}
		outid = qnnf_rd32(e + QL_OUT);
		if (!outid || outid > m->nt || m->t[outid - 1].is_const)
			return LFAIL(&c, -EINVAL, "output: tensor id %u is not an activation", outid);
		if (p->avail[outid - 1])
			return LFAIL(&c, -EINVAL, "output: tensor \"%s\" already written (graph input or earlier layer)",
				     m->t[outid - 1].name);
		l->out = (int)outid - 1;
		for (int k = 0; k < 6; k++) {
			uint32_t id = qnnf_rd32(e + QL_WEIGHTS + 4 * k);

			*cf[k] = -1;
			if (!id)
				continue;
			if (!(op_fields[l->op] & (1 << k)))
				return LFAIL(&c, -EINVAL, "%s set but not used by this op", fnames[k]);
			if (id > m->nt || !m->t[id - 1].is_const)
				return LFAIL(&c, -EINVAL, "%s: tensor id %u is not a constant", fnames[k], id);
			*cf[k] = (int)id - 1;
		}
		l->kh = qnnf_rd32(e + QL_KERNEL);
		l->kw = qnnf_rd32(e + QL_KERNEL + 4);
		l->sh = qnnf_rd32(e + QL_STRIDE);
		l->sw = qnnf_rd32(e + QL_STRIDE + 4);
		l->pt = qnnf_rd32(e + QL_PAD);
		l->pl = qnnf_rd32(e + QL_PAD + 4);
		l->pb = qnnf_rd32(e + QL_PAD + 8);
		l->pr = qnnf_rd32(e + QL_PAD + 12);
		l->dh = qnnf_rd32(e + QL_DIL);
		l->dw = qnnf_rd32(e + QL_DIL + 4);
		l->groups = qnnf_rd32(e + QL_GROUPS);
		l->k = qnnf_rd32(e + QL_K);
		ret = check_layer(&c, l);
		if (ret)
			return ret;
		p->avail[l->out] = 1;
		m->t[l->out].producer = (int)i;
	}
	for (uint32_t i = 0; i < m->nout; i++)
		if (!p->avail[m->out[i]])
			return FAIL(p, -EINVAL, "section GRAPH: output %u \"%s\" is never computed",
				    i, m->t[m->out[i]].name);
	return 0;
}

void qnn_model_release_parse(struct qnn_model *m)
{
	free(m->t);
	free(m->l);
	free(m->ioq);
	free(m->ioq_vals);
	m->t = NULL;
	m->l = NULL;
	m->ioq = NULL;
	m->ioq_vals = NULL;
	m->nioq = 0;
}

int qnn_parse_model(const uint8_t *file, size_t size, struct qnn_model *m,
		    char *err, size_t errlen)
{
	struct parser p = { .f = file, .size = size, .err = err, .errlen = errlen, .m = m };
	uint32_t nsec = 0;
	int ret;

	ret = parse_header(&p, &nsec);
	if (!ret)
		ret = parse_sections(&p, nsec);
	if (!ret)
		ret = parse_tensors(&p);
	if (!ret) {
		p.avail = calloc(m->nt, 2);
		if (!p.avail)
			ret = FAIL(&p, -ENOMEM, "out of memory");
		else
			p.is_input = p.avail + m->nt;
	}
	if (!ret)
		ret = parse_graph(&p);
	if (!ret)
		ret = parse_layers(&p);
	if (!ret)
		ret = parse_ioquant(&p);
	free(p.avail);
	if (ret)
		qnn_model_release_parse(m);
	return ret;
}
