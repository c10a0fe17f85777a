// SPDX-License-Identifier: MIT
/*
 * The CPU backend. At load it makes its plan, private to it (struct
 * cpu_plan): the kernels' per-layer plans (cpu_conv.c), and one activation
 * arena layout in which every activation and per-layer scratch gets an offset
 * by liveness, so tensors that are never live at the same time share bytes.
 *
 * A run takes a request (struct cpu_req: arena slots, per-worker scratch,
 * tensor pointers) from the plan's free list, or makes one: runs of one model
 * in flight at once each have their own, so they need no model-wide lock.
 *
 * A run walks the images in groups. Each group goes through every layer in
 * one arena slot (tensor t of a group of G images at slot + off[t] * G,
 * image k of it at + k * bytes): with several threads and enough images,
 * each thread takes whole groups end to end in its own slot -- no barrier
 * per layer, and a group's activations stay in that core's caches; else one
 * group at a time, each layer split across the pool.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu.h"

/* Images per group: activations of a group of the demo network fit in L2. */
#define GROUP_MAX 16

struct cpu_req {
	struct cpu_req *next;		/* the plan's free list */
	uint8_t *arena;			/* slots x slot_cap images */
	size_t arena_bytes;
	unsigned int slots, slot_cap;
	uint8_t *scratch;		/* per worker: plan->scratch_bytes */
	void **ptr;			/* per slot: nt tensor pointers */
	uint64_t *prof;			/* QNN_PROFILE: per worker, per layer ns */
};

struct cpu_plan {
	size_t *off;			/* per tensor: arena offset per image */
	uint8_t *gone;			/* per tensor: fused away, never stored */
	uint8_t *skip;			/* per layer: done by the layer before it */
	size_t *aux_off, *aux2_off;	/* per layer */
	size_t per_image;		/* arena bytes per image, as planned */
	size_t min_bytes;		/* most bytes live at once (lower bound) */
	size_t naive_bytes;		/* every buffer its own bytes */
	size_t scratch_bytes;		/* per worker */
	unsigned int threads;
	int profile;			/* QNN_PROFILE set at load */
	uint64_t *prof;			/* per layer ns, summed from requests */
	pthread_mutex_t lock;		/* free list and prof */
	struct cpu_req *free;
};

static struct cpu_plan *plan_of(const struct qnn_model *m)
{
	return m->cpu;
}

static size_t align_up(size_t v)
{
	return (v + QNN_ALIGN - 1) / QNN_ALIGN * QNN_ALIGN;
}

/* ---- liveness planning of the activation arena ---- */

struct live_item {
	size_t bytes, *off;		/* where to write the offset */
	uint32_t first, last;		/* layer interval, inclusive */
};

static int by_size_desc(const void *a, const void *b)
{
	const struct live_item *x = a, *y = b;

	return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : 0;
}

/*
 * Largest first, each at the lowest offset that overlaps no placed item live
 * at the same time (first fit). Items are few (tensors + scratch regions).
 */
static size_t place_items(struct live_item *it, size_t n)
{
	size_t top = 0;

	qsort(it, n, sizeof(*it), by_size_desc);
	for (size_t i = 0; i < n; i++) {
		size_t at = 0;

		for (int moved = 1; moved;) {
			moved = 0;
			for (size_t j = 0; j < i; j++) {
				if (it[j].last < it[i].first || it[i].last < it[j].first)
					continue;
				if (at < *it[j].off + it[j].bytes && *it[j].off < at + it[i].bytes) {
					at = *it[j].off + it[j].bytes;
					moved = 1;
				}
			}
		}
		*it[i].off = at;
		if (at + it[i].bytes > top)
			top = at + it[i].bytes;
	}
	return top;
}

static int plan_arena(struct qnn_model *m, struct cpu_plan *p)
{
	size_t n = 0, cap = m->nt + 2 * (size_t)m->nl;
	struct live_item *it = calloc(cap, sizeof(*it));
	uint32_t *last = calloc(m->nt, sizeof(*last));

	if (!it || !last) {
		free(it);
		free(last);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < m->nl; i++)
		for (uint32_t k = 0; k < m->l[i].n_in && k < 4; k++)
			if (m->l[i].in[k] >= 0)
				last[m->l[i].in[k]] = i;
	for (uint32_t i = 0; i < m->nout; i++)
		last[m->out[i]] = m->nl;
	for (uint32_t t = 0; t < m->nt; t++) {
		const struct qnn_tensor *x = &m->t[t];
		uint32_t first = x->producer >= 0 ? (uint32_t)x->producer : 0;

		if (x->is_const || p->gone[t])
			continue;
		/* a fused layer's output is written by the layer it was fused into */
		while (first && p->skip[first])
			first--;
		it[n++] = (struct live_item){
			.bytes = align_up(x->bytes), .off = &p->off[t], .first = first,
			.last = last[t] > first ? last[t] : first,
		};
	}
	for (uint32_t i = 0; i < m->nl; i++) {
		if (m->l[i].aux_bytes)
			it[n++] = (struct live_item){ align_up(m->l[i].aux_bytes), &p->aux_off[i], i, i };
		if (m->l[i].aux2_bytes)
			it[n++] = (struct live_item){ align_up(m->l[i].aux2_bytes), &p->aux2_off[i], i, i };
	}
	for (size_t i = 0; i < n; i++)
		p->naive_bytes += it[i].bytes;
	for (uint32_t i = 0; i <= m->nl; i++) {
		size_t live = 0;

		for (size_t j = 0; j < n; j++)
			if (it[j].first <= i && i <= it[j].last)
				live += it[j].bytes;
		if (live > p->min_bytes)
			p->min_bytes = live;
	}
	p->per_image = place_items(it, n);
	free(it);
	free(last);
	return 0;
}

/* ---- load ---- */

/* Is tensor t read by layer `reader` only, and not a graph output? */
static int only_reader(const struct qnn_model *m, int t, uint32_t reader)
{
	for (uint32_t i = 0; i < m->nout; i++)
		if (m->out[i] == t)
			return 0;
	for (uint32_t i = 0; i < m->nl; i++)
		for (uint32_t k = 0; k < m->l[i].n_in && k < 4; k++)
			if (m->l[i].in[k] == t && i != reader)
				return 0;
	return 1;
}

/* conv -> maxpool pairs become one pass (cpu_conv_fuse_pool) */
static void fuse(struct qnn_model *m, struct cpu_plan *p)
{
	for (uint32_t i = 0; i + 1 < m->nl; i++) {
		struct qnn_layer *l = &m->l[i];

		if (l->op == QNN_OP_CONV2D && m->l[i + 1].op == QNN_OP_MAXPOOL &&
		    m->l[i + 1].in[0] == l->out && only_reader(m, l->out, i + 1) &&
		    cpu_conv_fuse_pool(m, l, &m->l[i + 1])) {
			p->skip[i + 1] = 1;
			p->gone[l->out] = 1;
		}
	}
}

int qnn_cpu_prepare(struct qnn_model *m, char *err, size_t errlen)
{
	struct cpu_plan *p = calloc(1, sizeof(*p));
	const char *prof = getenv("QNN_PROFILE");

	if (!p)
		return qnn_fmt_err(err, errlen, -ENOMEM, "out of memory");
	pthread_mutex_init(&p->lock, NULL);
	m->cpu = p;
	p->threads = qnn_pool_threads(m->ctx->pool);
	p->profile = prof && *prof && strcmp(prof, "0");
	p->off = calloc(m->nt, sizeof(*p->off));
	p->aux_off = calloc(m->nl, sizeof(*p->aux_off));
	p->aux2_off = calloc(m->nl, sizeof(*p->aux2_off));
	p->prof = calloc(m->nl, sizeof(*p->prof));
	p->gone = calloc(m->nt, 1);
	p->skip = calloc(m->nl, 1);
	if (!p->off || !p->aux_off || !p->aux2_off || !p->prof || !p->gone || !p->skip)
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
		if (need > p->scratch_bytes)
			p->scratch_bytes = need;
	}
	p->scratch_bytes = align_up(p->scratch_bytes);
	fuse(m, p);
	if (plan_arena(m, p))
		return qnn_fmt_err(err, errlen, -ENOMEM, "out of memory");
	/*
	 * The memory limit (memlimit.c) counts the planned arena per image
	 * times the batch: an upper bound, as a run holds at most a few groups
	 * of images at a time.
	 */
	m->img_bytes = p->per_image;
	if (__builtin_mul_overflow(p->scratch_bytes, (size_t)p->threads, &m->fixed_bytes))
		m->fixed_bytes = SIZE_MAX;
	return qnn_mem_check(m, 1, err, errlen);
}

static void req_free(struct cpu_req *r)
{
	if (!r)
		return;
	free(r->arena);
	free(r->scratch);
	free(r->ptr);
	free(r->prof);
	free(r);
}

void qnn_cpu_unprepare(struct qnn_model *m)
{
	struct cpu_plan *p = plan_of(m);

	if (m->l)
		for (uint32_t i = 0; i < m->nl; i++) {
			cpu_conv_free(m->l[i].conv);
			m->l[i].conv = NULL;
		}
	if (!p)
		return;
	if (p->profile) {
		for (uint32_t i = 0; i < m->nl; i++)
			fprintf(stderr, "qnn profile: layer %2u %-8s %-40s %10.3f ms\n", i,
				qnn_op_name(m->l[i].op), m->l[i].name, p->prof[i] / 1e6);
	}
	while (p->free) {
		struct cpu_req *r = p->free;

		p->free = r->next;
		req_free(r);
	}
	pthread_mutex_destroy(&p->lock);
	free(p->off);
	free(p->aux_off);
	free(p->aux2_off);
	free(p->prof);
	free(p->gone);
	free(p->skip);
	free(p);
	m->cpu = NULL;
}

int qnn_cpu_plan_info(const struct qnn_model *m, struct qnn_plan_info *info)
{
	const struct cpu_plan *p = plan_of(m);

	info->act_peak_bytes = p->per_image;
	info->act_min_bytes = p->min_bytes;
	info->act_naive_bytes = p->naive_bytes;
	info->scratch_bytes = p->scratch_bytes;
	return 0;
}

/* ---- requests ---- */

/* A request with room for `slots` slots of `cap` images, from the free list or new. */
static struct cpu_req *req_get(struct qnn_model *m, unsigned int slots, unsigned int cap)
{
	struct cpu_plan *p = plan_of(m);
	struct cpu_req *r;
	size_t need;

	pthread_mutex_lock(&p->lock);
	r = p->free;
	if (r)
		p->free = r->next;
	pthread_mutex_unlock(&p->lock);
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return NULL;
		r->ptr = calloc((size_t)m->nt * p->threads, sizeof(*r->ptr));
		r->scratch = p->scratch_bytes ? aligned_alloc(QNN_ALIGN, p->scratch_bytes * p->threads) : NULL;
		r->prof = p->profile ? calloc((size_t)m->nl * p->threads, sizeof(*r->prof)) : NULL;
		if (!r->ptr || (p->scratch_bytes && !r->scratch) || (p->profile && !r->prof)) {
			req_free(r);
			return NULL;
		}
	}
	need = p->per_image * cap * slots;
	if (need > r->arena_bytes) {
		free(r->arena);
		r->arena = aligned_alloc(QNN_ALIGN, align_up(need));
		r->arena_bytes = r->arena ? need : 0;
		if (!r->arena) {
			req_free(r);
			return NULL;
		}
	}
	r->slots = slots;
	r->slot_cap = cap;
	return r;
}

static void req_put(struct qnn_model *m, struct cpu_req *r)
{
	struct cpu_plan *p = plan_of(m);

	pthread_mutex_lock(&p->lock);
	if (r->prof)
		for (uint32_t i = 0; i < m->nl; i++)
			for (unsigned int w = 0; w < p->threads; w++) {
				p->prof[i] += r->prof[(size_t)w * m->nl + i];
				r->prof[(size_t)w * m->nl + i] = 0;
			}
	r->next = p->free;
	p->free = r;
	pthread_mutex_unlock(&p->lock);
}

/* ---- running ---- */

struct run {
	struct qnn_model *m;
	struct cpu_req *r;
	const void *const *inputs;
	void *const *outputs;
	unsigned int batch, group, threads;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	/* on-CPU time of this thread: a shared machine's preemption is not charged */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int aligned_for(const struct qnn_tensor *t, const void *p)
{
	return (uintptr_t)p % (t->dtype == QNN_DT_BITS ? 8 : t->dtype == QNN_DT_U8 ||
			       t->dtype == QNN_DT_I8 ? 1 : 4) == 0;
}

/*
 * Images [img0, img0 + n) through every layer in slot `slot`; worker >= 0:
 * on that pool worker, layers not split (image-parallel), else each layer on
 * the pool.
 */
static void run_group(struct run *ru, unsigned int slot, int worker, size_t img0, unsigned int n)
{
	struct qnn_model *m = ru->m;
	const struct cpu_plan *p = plan_of(m);
	struct cpu_req *r = ru->r;
	uint8_t *base = r->arena + (size_t)slot * r->slot_cap * p->per_image;
	void **ptr = r->ptr + (size_t)slot * m->nt;
	struct cpu_exec e = {
		.m = m, .k = m->ctx->kern, .batch = n, .ptr = ptr,
		.scratch = r->scratch, .scratch_bytes = p->scratch_bytes,
		.threads = ru->threads, .inline_worker = worker,
	};

	for (uint32_t i = 0; i < m->nt; i++)
		ptr[i] = m->t[i].is_const ? (void *)m->t[i].data :
			 p->gone[i] ? NULL : base + p->off[i] * r->slot_cap;
	/* graph inputs are read in place unless misaligned for their type */
	for (uint32_t i = 0; i < m->nin; i++) {
		const struct qnn_tensor *t = &m->t[m->in[i]];
		const uint8_t *src = (const uint8_t *)ru->inputs[i] + img0 * t->bytes;

		if (aligned_for(t, ru->inputs[i]))
			ptr[m->in[i]] = (void *)src;
		else
			memcpy(ptr[m->in[i]], src, t->bytes * n);
	}
	/* outputs computed by a layer are written in place when aligned */
	for (uint32_t i = 0; i < m->nout; i++) {
		const struct qnn_tensor *t = &m->t[m->out[i]];

		if (t->producer >= 0 && aligned_for(t, ru->outputs[i]))
			ptr[m->out[i]] = (uint8_t *)ru->outputs[i] + img0 * t->bytes;
	}
	for (uint32_t i = 0; i < m->nl; i++) {
		uint64_t t0;

		if (p->skip[i])
			continue;
		t0 = r->prof ? now_ns() : 0;
		e.l = &m->l[i];
		e.aux = e.l->aux_bytes ? base + p->aux_off[i] * r->slot_cap : NULL;
		e.aux2 = e.l->aux2_bytes ? base + p->aux2_off[i] * r->slot_cap : NULL;
		switch (e.l->op) {
		case QNN_OP_CONV2D:
		case QNN_OP_DENSE:
			cpu_conv_run(&e);
			break;
		case QNN_OP_MAXPOOL:
		case QNN_OP_AVGPOOL:
		case QNN_OP_GLOBAL_AVGPOOL:
			cpu_pool_run(&e);
			break;
		default:
			cpu_misc_run(&e);
		}
		if (r->prof)
			r->prof[(size_t)(worker > 0 ? worker : 0) * m->nl + i] += now_ns() - t0;
	}
	for (uint32_t i = 0; i < m->nout; i++) {
		const struct qnn_tensor *t = &m->t[m->out[i]];
		uint8_t *dst = (uint8_t *)ru->outputs[i] + img0 * t->bytes;

		if (ptr[m->out[i]] != dst)
			memcpy(dst, ptr[m->out[i]], t->bytes * n);
	}
}

/* one task = one group, on worker's own slot */
static void group_task(void *arg, size_t task, unsigned int worker)
{
	struct run *ru = arg;
	size_t img0 = task * ru->group;
	unsigned int n = (unsigned int)(ru->batch - img0 < ru->group ? ru->batch - img0 : ru->group);

	run_group(ru, worker, (int)worker, img0, n);
}

int qnn_cpu_run(struct qnn_model *m, unsigned int batch,
		const void *const *inputs, void *const *outputs,
		unsigned int threads)
{
	struct cpu_plan *p = plan_of(m);
	unsigned int t = threads && threads < p->threads ? threads : p->threads;
	struct run ru = {
		.m = m, .inputs = inputs, .outputs = outputs, .batch = batch, .threads = threads,
	};
	int image_parallel = t > 1 && batch >= 2 * t;

	/* about 4 groups per thread for balance, at most GROUP_MAX images each */
	ru.group = image_parallel ? batch / (t * 4) : batch;
	ru.group = ru.group < 1 ? 1 : ru.group > GROUP_MAX ? GROUP_MAX : ru.group;
	ru.r = req_get(m, image_parallel ? p->threads : 1, ru.group);
	if (!ru.r)
		return qnn_ctx_err(m->ctx, -ENOMEM, "run: out of memory for %zu bytes of activations",
				   p->per_image * ru.group * (image_parallel ? p->threads : 1));
	if (image_parallel) {
		qnn_pool_run(m->ctx->pool, (batch + ru.group - 1) / ru.group, group_task, &ru, threads);
	} else {
		for (size_t img0 = 0; img0 < batch; img0 += ru.group)
			run_group(&ru, 0, -1, img0,
				  (unsigned int)(batch - img0 < ru.group ? batch - img0 : ru.group));
	}
	req_put(m, ru.r);
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
	.plan_info = qnn_cpu_plan_info,
};

const struct qnn_backend *qnn_backend_cpu(void)
{
	return &cpu_backend;
}
