// SPDX-License-Identifier: MIT
/*
 * Loading models (read, validate, plan), answering queries about them, and
 * running them synchronously (asynchronous jobs: jobs.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "accel.h"
#include "format.h"

int qnn_opts_ok(const void *opts, size_t known);

/*
 * Places every layer on the first backend that supports it. Running a graph
 * split across backends (device segments between CPU segments) is the
 * accelerator backend's job when it arrives; until then one backend runs all.
 */
static int place(struct qnn_ctx *ctx, struct qnn_model *m, char *err, size_t errlen)
{
	for (uint32_t i = 0; i < m->nl; i++) {
		struct qnn_layer *l = &m->l[i];

		/* the segmented plan places each layer itself (seg_plan.c) */
		if (ctx->accel) {
			l->placed = qnn_backend_seg();
			continue;
		}
		l->placed = NULL;
		for (unsigned int b = 0; b < ctx->nbackends && !l->placed; b++)
			if (ctx->backends[b]->supports(ctx, m, l))
				l->placed = ctx->backends[b];
		if (!l->placed)
			return qnn_fmt_err(err, errlen, -ENOTSUP, "layer %u \"%s\": no backend supports it",
					   i, l->name);
		if (l->placed != m->l[0].placed)
			return qnn_fmt_err(err, errlen, -ENOTSUP,
					   "layer %u \"%s\": graphs split across backends are not supported yet",
					   i, l->name);
	}
	return 0;
}

static int finish_load(struct qnn_ctx *ctx, struct qnn_model *m, const char *what,
		       struct qnn_model **out)
{
	char err[QNN_ERRLEN];
	int ret;

	ret = qnn_parse_model(m->file, m->file_size, m, err, sizeof(err));
	if (!ret) {
		/* the backend refines this (scratch) before allocating it */
		m->img_bytes = m->act_bytes;
		ret = qnn_mem_check(m, 1, err, sizeof(err));
	}
	if (!ret)
		ret = place(ctx, m, err, sizeof(err));
	if (!ret)
		ret = m->l[0].placed->prepare(m, err, sizeof(err));
	if (ret) {
		qnn_ctx_err(ctx, ret, "%s: %s", what, err);
		qnn_model_free(m);
		return ret;
	}
	snprintf(m->backend, sizeof(m->backend), "cpu-%s", ctx->isa);
	pthread_rwlock_init(&m->run_gate, NULL);
	/* a live model keeps its context alive (qnn_ctx_destroy before it) */
	qnn_ctx_get(ctx);
	m->ctx_ref = 1;
	*out = m;
	return 0;
}

int qnn_model_load_file(struct qnn_ctx *ctx, const char *path,
			const struct qnn_load_opts *opts, struct qnn_model **out)
{
	struct qnn_model *m;
	struct stat st;
	int fd, ret;

	if (!ctx || !path || !out)
		return qnn_ctx_err(ctx, -EINVAL, "qnn_model_load_file: NULL argument");
	*out = NULL;
	if (!qnn_opts_ok(opts, sizeof(*opts)))
		return qnn_ctx_err(ctx, -EINVAL, "qnn_load_opts: sz invalid or unknown fields set");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		return qnn_ctx_err(ctx, ret, "%s: %s", path, strerror(-ret));
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		close(fd);
		return qnn_ctx_err(ctx, ret, "%s: %s", path, strerror(-ret));
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0) {
		close(fd);
		return qnn_ctx_err(ctx, -EBADMSG, "%s: not a regular non-empty file", path);
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		close(fd);
		return qnn_ctx_err(ctx, -ENOMEM, "out of memory");
	}
	m->ctx = ctx;
	m->file_size = (size_t)st.st_size;
	/* a private copy, not a map: a file rewritten or truncated later changes nothing */
	ret = qnn_read_model_file(fd, m->file_size, &m->copy);
	close(fd);
	if (ret) {
		free(m);
		return qnn_ctx_err(ctx, ret, "%s: read: %s", path, strerror(-ret));
	}
	m->file = m->copy;
	return finish_load(ctx, m, path, out);
}

int qnn_model_load_mem(struct qnn_ctx *ctx, const void *data, size_t size,
		       const struct qnn_load_opts *opts, struct qnn_model **out)
{
	struct qnn_model *m;
	unsigned int flags = 0;

	if (!ctx || !data || !out)
		return qnn_ctx_err(ctx, -EINVAL, "qnn_model_load_mem: NULL argument");
	*out = NULL;
	if (!qnn_opts_ok(opts, sizeof(*opts)))
		return qnn_ctx_err(ctx, -EINVAL, "qnn_load_opts: sz invalid or unknown fields set");
	if (opts && opts->sz >= offsetof(struct qnn_load_opts, flags) + sizeof(opts->flags))
		flags = opts->flags;
	if (flags & ~QNN_LOAD_COPY)
		return qnn_ctx_err(ctx, -EINVAL, "qnn_load_opts: unknown flags 0x%x", flags);
	m = calloc(1, sizeof(*m));
	if (!m)
		return qnn_ctx_err(ctx, -ENOMEM, "out of memory");
	m->ctx = ctx;
	m->file_size = size;
	/* constants are read as typed words: a misaligned buffer is copied */
	if ((flags & QNN_LOAD_COPY) || (uintptr_t)data % QNN_ALIGN) {
		m->copy = aligned_alloc(QNN_ALIGN, (size + QNN_ALIGN - 1) / QNN_ALIGN * QNN_ALIGN + QNN_ALIGN);
		if (!m->copy) {
			free(m);
			return qnn_ctx_err(ctx, -ENOMEM, "out of memory for a %zu-byte copy", size);
		}
		memcpy(m->copy, data, size);
		m->file = m->copy;
	} else {
		m->file = data;
	}
	return finish_load(ctx, m, "model in memory", out);
}

void qnn_model_free(struct qnn_model *m)
{
	struct qnn_ctx *ctx;
	int ref;

	if (!m)
		return;
	ctx = m->ctx;
	ref = m->ctx_ref;
	/* its queued jobs end with -ECANCELED; a running one is waited for */
	if (ref)
		qnn_jobs_cancel_model(m);
	if (m->l && m->nl && m->l[0].placed)
		m->l[0].placed->unprepare(m);
	else
		qnn_cpu_unprepare(m);
	qnn_model_release_parse(m);
	if (m->map && m->map != MAP_FAILED)
		munmap(m->map, m->file_size);
	free(m->copy);
	if (ref)
		pthread_rwlock_destroy(&m->run_gate);
	free(m);
	if (ref)
		qnn_ctx_put(ctx);
}

int qnn_model_num_inputs(const struct qnn_model *m)
{
	return m ? (int)m->nin : -EINVAL;
}

int qnn_model_num_outputs(const struct qnn_model *m)
{
	return m ? (int)m->nout : -EINVAL;
}

int qnn_model_num_layers(const struct qnn_model *m)
{
	return m ? (int)m->nl : -EINVAL;
}

static int tensor_info(const struct qnn_model *m, int idx, struct qnn_tensor_info *info)
{
	const struct qnn_tensor *t = &m->t[idx];
	struct qnn_tensor_info ti;

	if (!info || info->sz < offsetof(struct qnn_tensor_info, dtype))
		return -EINVAL;
	memset(&ti, 0, sizeof(ti));
	ti.sz = info->sz;
	ti.name = t->name;
	ti.dtype = t->dtype;
	ti.encoding = t->enc;
	ti.bits = t->bits;
	ti.dims[0] = t->n;
	ti.dims[1] = t->h;
	ti.dims[2] = t->w;
	ti.dims[3] = t->c;
	ti.bytes = t->bytes;
	for (uint32_t i = 0; i < m->nioq; i++) {
		const struct qnn_ioquant *q = &m->ioq[i];

		if (q->tensor != idx)
			continue;
		ti.quant = (enum qnn_quant_kind)q->kind;
		ti.quant_bits = q->bits;
		ti.quant_signed = !!(q->flags & QQ_F_SIGNED);
		ti.quant_narrow = !!(q->flags & QQ_F_NARROW);
		ti.quant_rounding = (enum qnn_rounding)q->rounding;
		ti.quant_min = q->qmin;
		ti.quant_max = q->qmax;
		ti.quant_channels = q->channels;
		ti.quant_scale = q->channels ? q->scale : NULL;
		ti.quant_zero_point = q->channels ? q->zero_point : NULL;
	}
	memcpy(info, &ti, info->sz < sizeof(ti) ? info->sz : sizeof(ti));
	return 0;
}

int qnn_model_input(const struct qnn_model *m, unsigned int index,
		    struct qnn_tensor_info *info)
{
	if (!m || index >= m->nin)
		return -EINVAL;
	return tensor_info(m, m->in[index], info);
}

int qnn_model_output(const struct qnn_model *m, unsigned int index,
		     struct qnn_tensor_info *info)
{
	if (!m || index >= m->nout)
		return -EINVAL;
	return tensor_info(m, m->out[index], info);
}

static unsigned int tensor_bits(const struct qnn_tensor *t)
{
	switch (t->dtype) {
	case QNN_DT_BITS: return t->bits;
	case QNN_DT_U8:
	case QNN_DT_I8: return 8;
	default: return 32;
	}
}

int qnn_model_layer(const struct qnn_model *m, unsigned int index,
		    struct qnn_layer_info *info)
{
	struct qnn_layer_info li;
	const struct qnn_layer *l;

	if (!m || index >= m->nl || !info || info->sz < offsetof(struct qnn_layer_info, op))
		return -EINVAL;
	l = &m->l[index];
	memset(&li, 0, sizeof(li));
	li.sz = info->sz;
	li.name = l->name;
	li.op = qnn_op_name(l->op);
	li.backend = m->backend;
	li.input = m->t[l->in[0]].name;
	li.output = m->t[l->out].name;
	li.weight_bits = l->weights >= 0 ? m->t[l->weights].bits : 0;
	li.input_bits = tensor_bits(&m->t[l->in[0]]);
	li.output_bits = tensor_bits(&m->t[l->out]);
	li.macs = l->macs;
	li.reason = "cpu: no accelerator in this context";
	if (m->ctx->accel)
		qnn_seg_layer(m, index, &li.backend, &li.segment, &li.reason);
	memcpy(info, &li, info->sz < sizeof(li) ? info->sz : sizeof(li));
	return 0;
}

int qnn_model_plan_info(const struct qnn_model *m, struct qnn_plan_info *info)
{
	struct qnn_plan_info pi;

	if (!m || !info || info->sz < offsetof(struct qnn_plan_info, act_peak_bytes))
		return -EINVAL;
	memset(&pi, 0, sizeof(pi));
	pi.sz = info->sz;
	m->l[0].placed->plan_info(m, &pi);
	memcpy(info, &pi, info->sz < sizeof(pi) ? info->sz : sizeof(pi));
	return 0;
}

int qnn_model_stats(const struct qnn_model *m, struct qnn_model_stats *info)
{
	struct qnn_model_stats st;

	if (!m || !info || info->sz < offsetof(struct qnn_model_stats, segments))
		return -EINVAL;
	memset(&st, 0, sizeof(st));
	st.sz = info->sz;
	st.segments = 1;
	if (m->ctx->accel)
		qnn_seg_stats(m, &st);
	memcpy(info, &st, info->sz < sizeof(st) ? info->sz : sizeof(st));
	return 0;
}

/* ---- running ---- */

int qnn_run_checked(struct qnn_model *m, unsigned int batch,
		    const void *const *inputs, void *const *outputs,
		    const struct qnn_run_opts *opts)
{
	unsigned int threads = 0;
	int ret;

	if (!m)
		return -EINVAL;
	if (!inputs || !outputs || !batch)
		return qnn_ctx_err(m->ctx, -EINVAL, "run: inputs/outputs NULL or batch 0");
	if (!qnn_opts_ok(opts, sizeof(*opts)))
		return qnn_ctx_err(m->ctx, -EINVAL, "qnn_run_opts: sz invalid or unknown fields set");
	if (opts && opts->sz >= offsetof(struct qnn_run_opts, threads) + sizeof(opts->threads))
		threads = opts->threads;
	for (uint32_t i = 0; i < m->nin; i++)
		if (!inputs[i])
			return qnn_ctx_err(m->ctx, -EINVAL, "run: input %u is NULL", i);
	for (uint32_t i = 0; i < m->nout; i++)
		if (!outputs[i])
			return qnn_ctx_err(m->ctx, -EINVAL, "run: output %u is NULL", i);
	{
		char err[QNN_ERRLEN];

		ret = qnn_mem_check(m, batch, err, sizeof(err));
		if (ret)
			return qnn_ctx_err(m->ctx, ret, "run: %s", err);
	}
	ret = qnn_check_input_tails(m, batch, inputs);
	if (ret)
		return ret;
	/* shared: the backend keeps each run's state apart */
	pthread_rwlock_rdlock(&m->run_gate);
	ret = m->l[0].placed->run(m, batch, inputs, outputs, threads);
	pthread_rwlock_unlock(&m->run_gate);
	return ret;
}

int qnn_run(struct qnn_model *m, const void *const *inputs, void *const *outputs)
{
	return qnn_run_checked(m, 1, inputs, outputs, NULL);
}

int qnn_run_batch(struct qnn_model *m, unsigned int batch,
		  const void *const *inputs, void *const *outputs,
		  const struct qnn_run_opts *opts)
{
	return qnn_run_checked(m, batch, inputs, outputs, opts);
}
