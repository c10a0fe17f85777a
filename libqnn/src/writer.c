// SPDX-License-Identifier: MIT
/*
 * .qnn writer (docs/model-format.md). It collects tensors and layers, lays the
 * file out and then runs the loader's own validator over the result, so a
 * file that qnn_writer_write_*() accepts is one qnn_model_load_*() accepts,
 * with the same messages for what is wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format.h"
#include "internal.h"

struct wtensor {
	struct qnn_tensor_desc d;
	uint32_t name;		/* STRINGS offset */
	int is_const;
	void *data;
	size_t size;
};

struct qnn_writer {
	char err[QNN_ERRLEN];
	struct wtensor *t;
	size_t nt, capt;
	struct qnn_layer_desc *l;
	uint32_t *lname;
	size_t nl, capl, caplname;
	char *str;
	size_t nstr, capstr;
	int in[QNNF_MAX_IO], out[QNNF_MAX_IO];
	unsigned int nin, nout;
	struct qnn_quant_desc q[2 * QNNF_MAX_IO];	/* IOQUANT entries, values copied */
	int qtensor[2 * QNNF_MAX_IO];
	unsigned int nq;
};

static int grow(void **p, size_t *cap, size_t need, size_t el)
{
	size_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * el);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

static int add_string(struct qnn_writer *w, const char *s, uint32_t *off)
{
	size_t len;

	if (!s || !*s) {
		*off = 0;
		return 0;
	}
	len = strlen(s);
	if (len > QNNF_MAX_NAME)
		return qnn_fmt_err(w->err, sizeof(w->err), -ENAMETOOLONG,
				   "name \"%.40s...\" longer than 255 bytes", s);
	if (grow((void **)&w->str, &w->capstr, w->nstr + len + 1, 1))
		return -ENOMEM;
	*off = (uint32_t)w->nstr;
	memcpy(w->str + w->nstr, s, len + 1);
	w->nstr += len + 1;
	return 0;
}

int qnn_writer_create(struct qnn_writer **out)
{
	struct qnn_writer *w;

	if (!out)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	/* offset 0 is the empty name */
	if (grow((void **)&w->str, &w->capstr, 1, 1)) {
		free(w);
		return -ENOMEM;
	}
	w->str[0] = 0;
	w->nstr = 1;
	*out = w;
	return 0;
}

void qnn_writer_free(struct qnn_writer *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->nt; i++)
		free(w->t[i].data);
	free(w->t);
	free(w->l);
	free(w->lname);
	free(w->str);
	for (unsigned int i = 0; i < w->nq; i++)
		free((void *)w->q[i].scale);
	free(w);
}

const char *qnn_writer_errmsg(const struct qnn_writer *w)
{
	return w ? w->err : "";
}

#define WERR(w, e, ...) qnn_fmt_err((w)->err, sizeof((w)->err), (e), __VA_ARGS__)

static int add_tensor(struct qnn_writer *w, const struct qnn_tensor_desc *d,
		      const void *data, size_t size, int is_const)
{
	struct wtensor *t;
	size_t bytes;
	int ret;

	if (!w)
		return -EINVAL;
	if (!d || d->sz < offsetof(struct qnn_tensor_desc, dims) + sizeof(d->dims))
		return WERR(w, -EINVAL, "tensor descriptor missing or sz too small");
	if (w->nt >= QNNF_MAX_TENSORS)
		return WERR(w, -E2BIG, "more than %u tensors", QNNF_MAX_TENSORS);
	bytes = qnn_tensor_bytes(d);
	if (!bytes)
		return WERR(w, -EINVAL, "tensor \"%s\": invalid dtype/encoding/bits/dims",
			    d->name ? d->name : "");
	if (!is_const && d->dims[0] != 1)
		return WERR(w, -EINVAL, "activation \"%s\": N must be 1", d->name ? d->name : "");
	if (is_const && (!data || size != bytes))
		return WERR(w, -EINVAL, "constant \"%s\": data size %zu, dims need %zu bytes",
			    d->name ? d->name : "", size, bytes);
	if (grow((void **)&w->t, &w->capt, w->nt + 1, sizeof(*w->t)))
		return -ENOMEM;
	t = &w->t[w->nt];
	memset(t, 0, sizeof(*t));
	memcpy(&t->d, d, sizeof(t->d) < d->sz ? sizeof(t->d) : d->sz);
	t->d.name = NULL;
	if (t->d.dtype != QNN_DT_BITS) {
		t->d.encoding = QNN_ENC_NONE;
		t->d.bits = 0;
	}
	ret = add_string(w, d->name, &t->name);
	if (ret)
		return ret;
	t->is_const = is_const;
	if (is_const) {
		t->data = malloc(size);
		if (!t->data)
			return -ENOMEM;
		memcpy(t->data, data, size);
		t->size = size;
	}
	return (int)++w->nt;
}

int qnn_writer_add_tensor(struct qnn_writer *w, const struct qnn_tensor_desc *d)
{
	return add_tensor(w, d, NULL, 0, 0);
}

int qnn_writer_add_const(struct qnn_writer *w, const struct qnn_tensor_desc *d,
			 const void *data, size_t size)
{
	return add_tensor(w, d, data, size, 1);
}

static int add_io(struct qnn_writer *w, int id, int *list, unsigned int *n,
		  const char *what)
{
	if (!w)
		return -EINVAL;
	if (id < 1 || (size_t)id > w->nt || w->t[id - 1].is_const)
		return WERR(w, -EINVAL, "graph %s: %d is not an activation tensor id", what, id);
	if (*n >= QNNF_MAX_IO)
		return WERR(w, -E2BIG, "more than %u graph %ss", QNNF_MAX_IO, what);
	list[(*n)++] = id;
	return 0;
}

int qnn_writer_add_input(struct qnn_writer *w, int tensor)
{
	return add_io(w, tensor, w ? w->in : NULL, w ? &w->nin : NULL, "input");
}

int qnn_writer_add_output(struct qnn_writer *w, int tensor)
{
	return add_io(w, tensor, w ? w->out : NULL, w ? &w->nout : NULL, "output");
}

int qnn_writer_add_layer(struct qnn_writer *w, const struct qnn_layer_desc *l)
{
	struct qnn_layer_desc *d;
	int ret;

	if (!w)
		return -EINVAL;
	if (!l || l->sz < offsetof(struct qnn_layer_desc, k) + sizeof(l->k))
		return WERR(w, -EINVAL, "layer descriptor missing or sz too small");
	if (w->nl >= QNNF_MAX_LAYERS)
		return WERR(w, -E2BIG, "more than %u layers", QNNF_MAX_LAYERS);
	if (grow((void **)&w->l, &w->capl, w->nl + 1, sizeof(*w->l)))
		return -ENOMEM;
	if (grow((void **)&w->lname, &w->caplname, w->nl + 1, sizeof(*w->lname)))
		return -ENOMEM;
	d = &w->l[w->nl];
	memset(d, 0, sizeof(*d));
	memcpy(d, l, sizeof(*d) < l->sz ? sizeof(*d) : l->sz);
	d->name = NULL;
	ret = add_string(w, l->name, &w->lname[w->nl]);
	if (ret)
		return ret;
	/* ids must name existing tensors; everything else is checked at write */
	for (int k = 0; k < 4; k++)
		if (d->inputs[k] < 0 || (size_t)d->inputs[k] > w->nt)
			return WERR(w, -EINVAL, "layer %zu \"%s\": input %d id %d unknown",
				    w->nl, l->name ? l->name : "", k, d->inputs[k]);
	{
		int ids[7] = { d->output, d->weights, d->thresholds, d->negate, d->scale,
			       d->bias, d->levels };

		for (int k = 0; k < 7; k++)
			if (ids[k] < 0 || (size_t)ids[k] > w->nt)
				return WERR(w, -EINVAL, "layer %zu \"%s\": tensor id %d unknown",
					    w->nl, l->name ? l->name : "", ids[k]);
	}
	return (int)w->nl++;
}

int qnn_writer_set_quant(struct qnn_writer *w, int tensor, const struct qnn_quant_desc *d)
{
	struct qnn_quant_desc *q;
	double *v = NULL;

	if (!w)
		return -EINVAL;
	if (!d || d->sz < offsetof(struct qnn_quant_desc, zero_point) + sizeof(d->zero_point))
		return WERR(w, -EINVAL, "quant descriptor missing or sz too small");
	if (tensor < 1 || (size_t)tensor > w->nt || w->t[tensor - 1].is_const)
		return WERR(w, -EINVAL, "quant: %d is not an activation tensor id", tensor);
	if (w->nq >= 2 * QNNF_MAX_IO)
		return WERR(w, -E2BIG, "more than %u quant entries", 2 * QNNF_MAX_IO);
	for (unsigned int i = 0; i < w->nq; i++)
		if (w->qtensor[i] == tensor)
			return WERR(w, -EINVAL, "quant: tensor %d set twice", tensor);
	if (d->channels > QNNF_MAX_C || (d->channels && (!d->scale || !d->zero_point)))
		return WERR(w, -EINVAL, "quant: %u channels without values", d->channels);
	if (d->channels) {
		v = malloc(2 * sizeof(double) * d->channels);
		if (!v)
			return -ENOMEM;
		memcpy(v, d->scale, sizeof(double) * d->channels);
		memcpy(v + d->channels, d->zero_point, sizeof(double) * d->channels);
	}
	q = &w->q[w->nq];
	*q = *d;
	q->sz = sizeof(*q);
	q->scale = v;
	q->zero_point = v ? v + d->channels : NULL;
	w->qtensor[w->nq++] = tensor;
	return 0;	/* the rest (kind, range, channels) is checked at write */
}

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

static uint32_t one(uint32_t v, int op_uses)
{
	return op_uses && !v ? 1 : v;
}

int qnn_writer_write_mem(struct qnn_writer *w, void **bufp, size_t *sizep)
{
	size_t off_str, off_t, off_l, off_g, off_q, off_d, dlen = 0, size, glen, qlen;
	uint32_t nsec;
	struct qnn_model m;
	uint8_t *f;
	size_t *doff;
	int ret;

	if (!w || !bufp || !sizep)
		return -EINVAL;
	if (!w->nin || !w->nout)
		return WERR(w, -EINVAL, "graph needs at least one input and one output");
	doff = calloc(w->nt ? w->nt : 1, sizeof(*doff));
	if (!doff)
		return -ENOMEM;
	for (size_t i = 0; i < w->nt; i++)
		if (w->t[i].is_const) {
			doff[i] = dlen;
			dlen += align_up(w->t[i].size, QNNF_DATA_ALIGN);
		}
	glen = 8 + 4 * (w->nin + w->nout);
	qlen = w->nq * (size_t)QNNF_IOQ_SIZE;
	for (unsigned int i = 0; i < w->nq; i++)
		qlen += 16 * (size_t)w->q[i].channels;
	nsec = w->nq ? 6 : 5;
	off_str = QNNF_HEADER_SIZE + nsec * QNNF_SECTION_SIZE;
	off_t = align_up(off_str + w->nstr, 8);
	off_l = off_t + w->nt * QNNF_TENSOR_SIZE;
	off_g = off_l + w->nl * QNNF_LAYER_SIZE;
	off_q = align_up(off_g + glen, 8);
	off_d = align_up(off_q + qlen, QNNF_DATA_ALIGN);
	size = off_d + dlen;
	f = calloc(1, size);
	if (!f) {
		free(doff);
		return -ENOMEM;
	}
	memcpy(f, QNNF_MAGIC, 8);
	qnnf_wr16(f + 8, QNNF_VERSION_MAJOR);
	/* minor 1: the optional IOQUANT section (older loaders skip it) */
	qnnf_wr16(f + 10, w->nq ? 1 : QNNF_VERSION_MINOR);
	qnnf_wr32(f + 12, QNNF_HEADER_SIZE);
	qnnf_wr64(f + 16, size);
	qnnf_wr32(f + 24, nsec);
	{
		size_t so[6] = { off_str, off_t, off_l, off_g, off_d, off_q };
		size_t sl[6] = { w->nstr, w->nt * QNNF_TENSOR_SIZE, w->nl * QNNF_LAYER_SIZE, glen, dlen,
				 qlen };
		uint32_t cnt[6] = { 0, (uint32_t)w->nt, (uint32_t)w->nl, 0, 0, w->nq };
		uint32_t esz[6] = { 0, QNNF_TENSOR_SIZE, QNNF_LAYER_SIZE, 0, 0, QNNF_IOQ_SIZE };

		for (uint32_t i = 0; i < nsec; i++) {
			uint8_t *e = f + QNNF_HEADER_SIZE + i * QNNF_SECTION_SIZE;

			qnnf_wr32(e, i + 1);
			qnnf_wr32(e + 4, i + 1 == QNNF_SEC_IOQUANT ? QNNF_SEC_OPTIONAL : 0);
			qnnf_wr64(e + 8, so[i]);
			qnnf_wr64(e + 16, sl[i]);
			qnnf_wr32(e + 24, cnt[i]);
			qnnf_wr32(e + 28, esz[i]);
		}
	}
	memcpy(f + off_str, w->str, w->nstr);
	for (size_t i = 0; i < w->nt; i++) {
		const struct wtensor *t = &w->t[i];
		uint8_t *e = f + off_t + i * QNNF_TENSOR_SIZE;

		qnnf_wr32(e + QT_NAME, t->name);
		e[QT_DTYPE] = (uint8_t)t->d.dtype;
		e[QT_ENC] = (uint8_t)t->d.encoding;
		e[QT_BITS] = (uint8_t)t->d.bits;
		e[QT_KIND] = (uint8_t)t->is_const;
		for (int k = 0; k < 4; k++)
			qnnf_wr32(e + QT_DIMS + 4 * k, t->d.dims[k]);
		if (t->is_const) {
			qnnf_wr64(e + QT_OFFSET, doff[i]);
			qnnf_wr64(e + QT_SIZE, t->size);
			memcpy(f + off_d + doff[i], t->data, t->size);
		}
	}
	for (size_t i = 0; i < w->nl; i++) {
		const struct qnn_layer_desc *d = &w->l[i];
		uint8_t *e = f + off_l + i * QNNF_LAYER_SIZE;
		int conv = d->op == QNN_OP_CONV2D;
		int pool = d->op == QNN_OP_MAXPOOL || d->op == QNN_OP_AVGPOOL;
		uint32_t nin = 0;

		for (int k = 0; k < 4; k++)
			if (d->inputs[k])
				nin = (uint32_t)k + 1;
		qnnf_wr32(e + QL_OP, (uint32_t)d->op);
		qnnf_wr32(e + QL_NAME, w->lname[i]);
		qnnf_wr32(e + QL_FLAGS, d->flags);
		qnnf_wr32(e + QL_NIN, nin);
		for (int k = 0; k < 4; k++)
			qnnf_wr32(e + QL_IN + 4 * k, (uint32_t)d->inputs[k]);
		qnnf_wr32(e + QL_OUT, (uint32_t)d->output);
		qnnf_wr32(e + QL_WEIGHTS, (uint32_t)d->weights);
		qnnf_wr32(e + QL_THRESH, (uint32_t)d->thresholds);
		qnnf_wr32(e + QL_NEGATE, (uint32_t)d->negate);
		qnnf_wr32(e + QL_SCALE, (uint32_t)d->scale);
		qnnf_wr32(e + QL_BIAS, (uint32_t)d->bias);
		qnnf_wr32(e + QL_LEVELS, (uint32_t)d->levels);
		qnnf_wr32(e + QL_KERNEL, d->kernel[0]);
		qnnf_wr32(e + QL_KERNEL + 4, d->kernel[1]);
		qnnf_wr32(e + QL_STRIDE, one(d->stride[0], conv || pool));
		qnnf_wr32(e + QL_STRIDE + 4, one(d->stride[1], conv || pool));
		for (int k = 0; k < 4; k++)
			qnnf_wr32(e + QL_PAD + 4 * k, d->pad[k]);
		qnnf_wr32(e + QL_DIL, one(d->dilation[0], conv));
		qnnf_wr32(e + QL_DIL + 4, one(d->dilation[1], conv));
		qnnf_wr32(e + QL_GROUPS, one(d->groups, conv));
		qnnf_wr32(e + QL_K, d->k);
	}
	qnnf_wr32(f + off_g, w->nin);
	qnnf_wr32(f + off_g + 4, w->nout);
	for (unsigned int i = 0; i < w->nin; i++)
		qnnf_wr32(f + off_g + 8 + 4 * i, (uint32_t)w->in[i]);
	for (unsigned int i = 0; i < w->nout; i++)
		qnnf_wr32(f + off_g + 8 + 4 * (w->nin + i), (uint32_t)w->out[i]);
	for (unsigned int i = 0, voff = w->nq * QNNF_IOQ_SIZE; i < w->nq; i++) {
		const struct qnn_quant_desc *q = &w->q[i];
		uint8_t *e = f + off_q + i * QNNF_IOQ_SIZE;

		qnnf_wr32(e + QQ_TENSOR, (uint32_t)w->qtensor[i]);
		e[QQ_KIND] = (uint8_t)q->kind;
		e[QQ_ROUND] = (uint8_t)q->rounding;
		e[QQ_BITS] = (uint8_t)(q->bits > 255 ? 255 : q->bits);
		e[QQ_FLAGS] = (uint8_t)((q->is_signed ? QQ_F_SIGNED : 0) | (q->narrow ? QQ_F_NARROW : 0));
		qnnf_wr32(e + QQ_QMIN, (uint32_t)q->qmin);
		qnnf_wr32(e + QQ_QMAX, (uint32_t)q->qmax);
		qnnf_wr32(e + QQ_CHANNELS, q->channels);
		qnnf_wr32(e + QQ_VALUES, q->channels ? voff : 0);
		for (unsigned int c = 0; c < 2 * q->channels; c++) {
			uint64_t u;

			memcpy(&u, &q->scale[c], sizeof(u));	/* zero points follow the scales */
			qnnf_wr64(f + off_q + voff + 8 * c, u);
		}
		voff += 16 * q->channels;
	}
	free(doff);
	qnnf_wr32(f + QNNF_CHECKSUM_OFF, qnnf_file_crc(f, size));

	memset(&m, 0, sizeof(m));
	ret = qnn_parse_model(f, size, &m, w->err, sizeof(w->err));
	if (ret) {
		free(f);
		return ret;
	}
	qnn_model_release_parse(&m);
	*bufp = f;
	*sizep = size;
	return 0;
}

int qnn_writer_write_file(struct qnn_writer *w, const char *path)
{
	void *buf;
	size_t size, done = 0;
	char tmp[4096];
	int fd, ret;

	if (!w || !path)
		return -EINVAL;
	ret = qnn_writer_write_mem(w, &buf, &size);
	if (ret)
		return ret;
	/* write a temporary file and rename it: no partial file on failure */
	if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp)) {
		free(buf);
		return WERR(w, -ENAMETOOLONG, "path too long");
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = -errno;
		free(buf);
		return WERR(w, ret, "%s: %s", tmp, strerror(-ret));
	}
	while (done < size) {
		ssize_t n = write(fd, (char *)buf + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)n;
	}
	free(buf);
	if (!ret && fchmod(fd, 0644))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return WERR(w, ret, "writing %s: %s", path, strerror(-ret));
	}
	return 0;
}
