// SPDX-License-Identifier: MIT
/*
 * The CPU backend: per-layer plans made once at load, and the executor that
 * walks the layers in file order over an activation arena holding `batch`
 * images of every activation (plus per-layer scratch), splitting each layer
 * across the context's thread pool.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"

struct cpu_state {
	size_t aux_bytes;	/* per image, after the activations */
	size_t scratch_bytes;	/* per worker */
	uint8_t *scratch;
	unsigned int threads;
	void **ptr;
	void **wptr;		/* per worker: nt pointers (image-parallel runs) */
};

static struct cpu_state *state(struct qnn_model *m);

int qnn_cpu_prepare(struct qnn_model *m, char *err, size_t errlen)
{
	struct cpu_state *s = calloc(1, sizeof(*s));
	size_t aux = 0;

	if (!s)
		return qnn_fmt_err(err, errlen, -ENOMEM, "out of memory");
	m->cpu = s;
	s->threads = qnn_pool_threads(m->ctx->pool);
	s->ptr = calloc(m->nt, sizeof(*s->ptr));
	s->wptr = calloc((size_t)m->nt * s->threads, sizeof(*s->wptr));
	if (!s->ptr || !s->wptr)
		return qnn_fmt_err(err, errlen, -ENOMEM, "out of memory");
	for (uint32_t i = 0; i < m->nl; i++) {
		struct qnn_layer *l = &m->l[i];
		size_t need = 0;

		if (l->op == QNN_OP_CONV2D || l->op == QNN_OP_DENSE) {
			int ret = cpu_conv_prepare(m, l, err, errlen);

			if (ret)
				return ret;
			need = cpu_conv_scratch(m, l);
		} else if (l->op == QNN_OP_TOPK) {
			need = (size_t)m->t[l->in[0]].c * 8;
		}
		if (need > s->scratch_bytes)
			s->scratch_bytes = need;
		if (l->aux_bytes) {
			l->aux_off = m->act_bytes + aux;
			aux += (l->aux_bytes + QNN_ALIGN - 1) / QNN_ALIGN * QNN_ALIGN;
		}
		if (l->aux2_bytes) {
			l->aux2_off = m->act_bytes + aux;
			aux += (l->aux2_bytes + QNN_ALIGN - 1) / QNN_ALIGN * QNN_ALIGN;
		}
	}
	s->aux_bytes = aux;
	s->scratch_bytes = (s->scratch_bytes + QNN_ALIGN - 1) / QNN_ALIGN * QNN_ALIGN;
	/* the memory limit (memlimit.c), checked before allocating */
	m->img_bytes = m->act_bytes + aux;
	if (__builtin_mul_overflow(s->scratch_bytes, (size_t)s->threads, &m->fixed_bytes))
		m->fixed_bytes = SIZE_MAX;
	{
		int ret = qnn_mem_check(m, 1, err, errlen);

		if (ret)
			return ret;
	}
	if (s->scratch_bytes) {
		s->scratch = aligned_alloc(QNN_ALIGN, s->scratch_bytes * s->threads);
		if (!s->scratch)
			return qnn_fmt_err(err, errlen, -ENOMEM, "out of memory for %u x %zu bytes of scratch",
					   s->threads, s->scratch_bytes);
	}
	return 0;
}

static struct cpu_state *state(struct qnn_model *m)
{
	return m->cpu;
}

void qnn_cpu_unprepare(struct qnn_model *m)
{
	struct cpu_state *s = state(m);

	if (m->l)
		for (uint32_t i = 0; i < m->nl; i++) {
			cpu_conv_free(m->l[i].conv);
			m->l[i].conv = NULL;
		}
	if (s) {
		free(s->scratch);
		free(s->ptr);
		free(s->wptr);
		free(s);
	}
	m->cpu = NULL;
}

static int aligned_for(const struct qnn_tensor *t, const void *p)
{
	return (uintptr_t)p % (t->dtype == QNN_DT_BITS ? 8 : t->dtype == QNN_DT_U8 ||
			       t->dtype == QNN_DT_I8 ? 1 : 4) == 0;
}

/* All layers over images [img0, img0 + e->batch) of a batch of `total`. */
static void run_layers(struct cpu_exec *e, uint8_t *arena, size_t total, size_t img0)
{
	const struct qnn_model *m = e->m;

	for (uint32_t i = 0; i < m->nl; i++) {
		e->l = &m->l[i];
		e->aux = e->l->aux_bytes ? arena + e->l->aux_off * total + img0 * e->l->aux_bytes : NULL;
		e->aux2 = e->l->aux2_bytes ? arena + e->l->aux2_off * total + img0 * e->l->aux2_bytes : NULL;
		switch (e->l->op) {
		case QNN_OP_CONV2D:
		case QNN_OP_DENSE:
			cpu_conv_run(e);
			break;
		case QNN_OP_MAXPOOL:
		case QNN_OP_AVGPOOL:
		case QNN_OP_GLOBAL_AVGPOOL:
			cpu_pool_run(e);
			break;
		default:
			cpu_misc_run(e);
		}
	}
}

/*
 * Large batches run image-parallel: each task takes a few images through the
 * whole network on one thread. No barrier per layer, no idle threads at a
 * layer's tail; each image's activations stay in that core's cache.
 */
struct img_par {
	struct cpu_exec e;
	uint8_t *arena;
	size_t batch, chunk;
};

static void image_chunk(void *arg, size_t task, unsigned int worker)
{
	struct img_par *ip = arg;
	struct cpu_exec e = ip->e;
	struct cpu_state *s = e.m->cpu;
	size_t img0 = task * ip->chunk;
	void **ptr = s->wptr + (size_t)worker * e.m->nt;

	e.batch = (unsigned int)(ip->batch - img0 < ip->chunk ? ip->batch - img0 : ip->chunk);
	for (uint32_t i = 0; i < e.m->nt; i++)
		ptr[i] = e.m->t[i].is_const ? s->ptr[i] : (uint8_t *)s->ptr[i] + img0 * e.m->t[i].bytes;
	e.ptr = ptr;
	e.inline_worker = (int)worker;
	run_layers(&e, ip->arena, ip->batch, img0);
}

static int image_parallel(const struct qnn_model *m, unsigned int batch, unsigned int threads)
{
	unsigned int t = threads ? threads : qnn_pool_threads(m->ctx->pool);

	return t > 1 && batch >= 2 * t;
}

int qnn_cpu_run(struct qnn_model *m, unsigned int batch,
		const void *const *inputs, void *const *outputs,
		unsigned int threads)
{
	struct cpu_state *s = state(m);
	size_t per_image = m->act_bytes + s->aux_bytes, need;
	uint8_t *arena;
	struct cpu_exec e = {
		.m = m, .k = m->ctx->kern, .batch = batch, .ptr = s->ptr,
		.scratch = s->scratch, .scratch_bytes = s->scratch_bytes,
		.threads = threads, .inline_worker = -1,
	};

	if (__builtin_mul_overflow(per_image, (size_t)batch, &need))
		return qnn_ctx_err(m->ctx, -E2BIG, "run: batch %u too large", batch);
	if (need > m->arena_cap) {
		void *a = aligned_alloc(QNN_ALIGN, (need + QNN_ALIGN - 1) / QNN_ALIGN * QNN_ALIGN);

		if (!a)
			return qnn_ctx_err(m->ctx, -ENOMEM, "run: out of memory for %zu bytes of activations (batch %u)",
					   need, batch);
		free(m->arena);
		m->arena = a;
		m->arena_cap = need;
	}
	arena = m->arena;
	for (uint32_t i = 0; i < m->nt; i++)
		s->ptr[i] = m->t[i].is_const ? (void *)m->t[i].data :
			    arena + m->t[i].arena_off * batch;
	/* graph inputs are read in place unless misaligned for their type */
	for (uint32_t i = 0; i < m->nin; i++) {
		const struct qnn_tensor *t = &m->t[m->in[i]];

		if (aligned_for(t, inputs[i]))
			s->ptr[m->in[i]] = (void *)inputs[i];
		else
			memcpy(s->ptr[m->in[i]], inputs[i], t->bytes * batch);
	}
	/* outputs computed by a layer are written in place when aligned */
	for (uint32_t i = 0; i < m->nout; i++) {
		const struct qnn_tensor *t = &m->t[m->out[i]];

		if (t->producer >= 0 && aligned_for(t, outputs[i]))
			s->ptr[m->out[i]] = outputs[i];
	}
	if (image_parallel(m, batch, threads)) {
		struct img_par ip = { .e = e, .arena = arena, .batch = batch };
		unsigned int t = threads ? threads : s->threads;

		ip.chunk = batch / (t * 4);
		ip.chunk = ip.chunk < 1 ? 1 : ip.chunk > 16 ? 16 : ip.chunk;
		qnn_pool_run(m->ctx->pool, (batch + ip.chunk - 1) / ip.chunk, image_chunk, &ip, threads);
	} else {
		run_layers(&e, arena, batch, 0);
	}
	for (uint32_t i = 0; i < m->nout; i++)
		if (s->ptr[m->out[i]] != outputs[i])
			memcpy(outputs[i], s->ptr[m->out[i]], m->t[m->out[i]].bytes * batch);
	return 0;
}

static int cpu_supports(const struct qnn_ctx *ctx, const struct qnn_model *m,
			const struct qnn_layer *l)
{
	(void)ctx;
	(void)m;
	(void)l;
	return 1;	/* every op, every precision */
}

static const struct qnn_backend cpu_backend = {
	.name = "cpu",
	.supports = cpu_supports,
	.prepare = qnn_cpu_prepare,
	.unprepare = qnn_cpu_unprepare,
	.run = qnn_cpu_run,
};

const struct qnn_backend *qnn_backend_cpu(void)
{
	return &cpu_backend;
}
