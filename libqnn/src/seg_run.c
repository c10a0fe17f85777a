// SPDX-License-Identifier: MIT
/*
 * Running the segmented plan. A request (one qnn_run_batch or job) goes in
 * chunks of up to max_chunk images; each chunk: user inputs into the device
 * arena (the only copies in), then the segments in order -- a device
 * segment is one SUBMIT of one stream and one WAIT, a CPU segment the CPU
 * engine on its sub-model, reading and writing the arena in place -- then
 * device-domain outputs to the user's buffers (the only copies out).
 *
 * Streams depend on the arena's VA and the chunk size only, so a request
 * state keeps them built: the steady state is two ioctls per device
 * segment. A device job that fails (timeout, MMU fault, invalid command,
 * device error, device gone) makes the whole request run again on the
 * whole-model CPU plan: the caller gets correct results, the event is
 * counted once per request and its reason kept (qnn_model_stats).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu.h"
#include "seg.h"
#include "qnn_accel.h"

/* Pipelining needs chunks worth overlapping: at least this many images each. */
#define PIPE_MIN_IMAGES 2

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * A request's view of the user's buffers: the pointers, and for graph
 * inputs/outputs that lie in a zero-copy buffer on the request's device
 * their device address (image 0) and the BOs a job must list for them.
 */
struct seg_io {
	const void *const *inputs;
	void *const *outputs;
	uint64_t inva[16], outva[16];	/* 0: through the arena */
	uint32_t bos[QNN_ACCEL_MAX_BOS], fl[QNN_ACCEL_MAX_BOS];
	unsigned int nbo;		/* user BOs from bos[2] on */
};

/* Kept streams address the arena: they go with it. */
static void drop_kept(struct seg_plan *p, struct seg_req *r)
{
	for (unsigned int k = 0; k < SEG_SLOTS; k++) {
		for (unsigned int s = 0; r->slot[k].kept && s < p->nseg; s++) {
			qnn_accel_cmds_destroy(r->acc, r->slot[k].kept[s]);
			r->slot[k].kept[s] = 0;
		}
		r->slot[k].valid = 0;
	}
	r->cs_slot = -1;
}

static struct seg_req *req_get(struct seg_plan *p, unsigned int dev, unsigned int n, int *err)
{
	struct qnn_accel *acc = p->accs[dev];
	struct seg_req *r;
	size_t need;

	pthread_mutex_lock(&p->lock);
	r = p->free[dev];
	if (r)
		p->free[dev] = r->next;
	pthread_mutex_unlock(&p->lock);
	if (!r) {
		int bad;

		r = calloc(1, sizeof(*r));
		if (!r) {
			*err = -ENOMEM;
			return NULL;
		}
		r->acc = acc;
		r->dev = dev;
		r->cs_slot = -1;
		r->cs = calloc(p->nseg, sizeof(*r->cs));
		bad = !r->cs;
		for (unsigned int k = 0; k < SEG_SLOTS && !bad; k++)
			bad = !(r->slot[k].kept = calloc(p->nseg, sizeof(uint32_t)));
		for (unsigned int s = 0; s < p->nseg && !bad; s++)
			bad = p->segs[s].dev && !(r->cs[s] = malloc(p->segs[s].cs_bytes));
		if (bad) {
			qnn_seg_req_free(p, r);
			*err = -ENOMEM;
			return NULL;
		}
	}
	if (r->cap < n) {
		drop_kept(p, r);
		if (r->bo)
			qnn_accel_bo_free(acc, r->bo, r->map, r->bytes);
		r->bo = 0;
		r->map = NULL;
		r->cap = 0;
		need = p->dev_per_image * n;
		need = (need + acc->caps.page_size - 1) / acc->caps.page_size * acc->caps.page_size;
		*err = qnn_accel_bo_create(acc, need ? need : acc->caps.page_size, 0, &r->bo,
					   &r->va, (void **)&r->map, &p->calls);
		if (*err) {
			r->bo = 0;
			qnn_seg_req_free(p, r);
			return NULL;
		}
		r->bytes = need ? need : acc->caps.page_size;
		r->cap = n;
	}
	return r;
}

static void req_put(struct seg_plan *p, struct seg_req *r)
{
	pthread_mutex_lock(&p->lock);
	r->next = p->free[r->dev];
	p->free[r->dev] = r;
	pthread_mutex_unlock(&p->lock);
}

static int graph_index(const int *arr, uint32_t n, int t)
{
	for (uint32_t i = 0; i < n; i++)
		if (arr[i] == t)
			return (int)i;
	return -1;
}

/* The BOs of a job of r: arena, constants, the request's zero-copy buffers. */
static unsigned int job_bos(const struct seg_plan *p, const struct seg_req *r,
			    const struct seg_io *io, uint32_t *bos, uint32_t *fl)
{
	unsigned int n = 0;

	bos[n] = r->bo;
	fl[n++] = DRM_QNN_BO_REF_READ | DRM_QNN_BO_REF_WRITE;
	if (p->cbo[r->dev]) {
		bos[n] = p->cbo[r->dev];
		fl[n++] = DRM_QNN_BO_REF_READ;
	}
	for (unsigned int k = 0; k < io->nbo; k++, n++) {
		bos[n] = io->bos[k];
		fl[n] = io->fl[k];
	}
	return n;
}

/* Device addresses of a chunk's graph inputs and outputs (0: the arena). */
static void chunk_key(const struct qnn_model *m, const struct seg_io *io, size_t img0,
		      uint64_t key[32])
{
	memset(key, 0, 32 * sizeof(key[0]));
	for (uint32_t k = 0; k < m->nin; k++)
		if (io->inva[k])
			key[k] = io->inva[k] + img0 * m->t[m->in[k]].bytes;
	for (uint32_t k = 0; k < m->nout; k++)
		if (io->outva[k])
			key[16 + k] = io->outva[k] + img0 * m->t[m->out[k]].bytes;
}

/* Device address of tensor t in a chunk of n images with the addresses of key. */
static uint64_t dev_addr(const struct qnn_model *m, const struct seg_plan *p,
			 const struct seg_req *r, const uint64_t *key, int t, unsigned int n)
{
	int k = graph_index(m->in, m->nin, t);

	if (k >= 0 && key[k])
		return key[k];
	k = graph_index(m->out, m->nout, t);
	if (k >= 0 && key[16 + k])
		return key[16 + k];
	return r->va + p->doff[t] * n;
}

/* r->cs: the streams of every device segment for slot `sl`'s chunk shape. */
static void encode_streams(const struct qnn_model *m, struct seg_plan *p, struct seg_req *r, int sl)
{
	const struct seg_slot *st = &r->slot[sl];

	for (unsigned int s = 0; s < p->nseg; s++) {
		const struct seg *sg = &p->segs[s];
		size_t at = 32;

		if (!sg->dev)
			continue;
		for (uint32_t i = sg->first; i <= sg->last; i++) {
			const struct qnn_layer *l = &m->l[i];
			struct qnn_cs_addrs a = p->ca[r->dev][i];

			for (int k = 0; k < 2; k++) {
				int t = k < (int)l->n_in ? l->in[k] : -1;

				if (t < 0)
					continue;
				a.in_shadow[k] = p->soff[t] != (size_t)-1;
				a.in[k] = a.in_shadow[k] ? r->va + p->soff[t] * st->n :
					  dev_addr(m, p, r, st->key, t, st->n);
			}
			a.out = dev_addr(m, p, r, st->key, l->out, st->n);
			at += (size_t)qnn_accel_encode(m, l, st->n, &a, r->cs[s] + at, sg->cs_bytes - at);
		}
		qnn_accel_cs_header(r->cs[s], (uint32_t)sg->cs_bytes, sg->ncmds);
	}
	r->cs_slot = sl;
}

/*
 * The slot of r for a chunk of n images at img0: found, or made in the
 * least recently used one. Its streams are kept by the kernel where it
 * can (validated once, submitted by handle); else they are passed to each
 * SUBMIT, which copies and validates them.
 */
static int streams_for(const struct qnn_model *m, struct seg_plan *p, struct seg_req *r,
		       unsigned int n, size_t img0, const struct seg_io *io)
{
	uint32_t bos[QNN_ACCEL_MAX_BOS], fl[QNN_ACCEL_MAX_BOS];
	uint64_t key[32];
	struct seg_slot *st;
	unsigned int nbo;
	int sl = 0;

	chunk_key(m, io, img0, key);
	for (int k = 0; k < SEG_SLOTS; k++) {
		if (r->slot[k].valid && r->slot[k].n == n && !memcmp(r->slot[k].key, key, sizeof(key))) {
			r->slot[k].stamp = ++r->tick;
			return k;
		}
		if (!r->slot[k].valid || (r->slot[sl].valid && r->slot[k].stamp < r->slot[sl].stamp))
			sl = k;
	}
	st = &r->slot[sl];
	for (unsigned int s = 0; s < p->nseg; s++) {
		qnn_accel_cmds_destroy(r->acc, st->kept[s]);
		st->kept[s] = 0;
	}
	st->n = n;
	memcpy(st->key, key, sizeof(key));
	st->valid = 1;
	st->stamp = ++r->tick;
	encode_streams(m, p, r, sl);
	nbo = job_bos(p, r, io, bos, fl);
	for (unsigned int s = 0; s < p->nseg && !atomic_load(&p->no_kept); s++) {
		const struct seg *sg = &p->segs[s];
		uint32_t err, off;
		int ret;

		if (!sg->dev)
			continue;
		ret = qnn_accel_cmds_create(r->acc, r->cs[s], (uint32_t)sg->cs_bytes, bos, fl, nbo,
					    &st->kept[s], &err, &off, &p->calls);
		/* an older driver: copy per SUBMIT from now on */
		if (ret == -EOPNOTSUPP || ret == -ENOTTY)
			atomic_store(&p->no_kept, 1);
		if (ret)
			st->kept[s] = 0;
		else
			atomic_fetch_add(&p->kept, 1);
	}
	return sl;
}

/* U8/I8 values into 8 UNSIGNED/SIGNED planes (layout.md): the device's form. */
static void pack8(const struct qnn_tensor *t, const uint8_t *src, uint64_t *dst, size_t pixels)
{
	uint32_t cw = (t->c + 63) / 64;

	memset(dst, 0, pixels * 8 * cw * 8);
	for (size_t px = 0; px < pixels; px++)
		for (uint32_t c = 0; c < t->c; c++) {
			unsigned int v = src[px * t->c + c];

			for (unsigned int b = 0; b < 8; b++)
				dst[(px * 8 + b) * cw + c / 64] |= (uint64_t)(v >> b & 1) << (c % 64);
		}
}

/* Where tensor t of a chunk lives for the host: the arena, or the user's buffer. */
static void *where(const struct qnn_model *m, const struct seg_plan *p, const struct seg_req *r,
		   int t, unsigned int n, size_t img0, const struct seg_io *io)
{
	int k = graph_index(m->in, m->nin, t);

	if (k >= 0 && (!p->indev[t] || io->inva[k]))
		return (uint8_t *)io->inputs[k] + img0 * m->t[t].bytes;
	k = graph_index(m->out, m->nout, t);
	if (k >= 0 && (!p->indev[t] || io->outva[k]))
		return (uint8_t *)io->outputs[k] + img0 * m->t[t].bytes;
	if (p->indev[t])
		return r->map + p->doff[t] * n;
	return NULL;
}

/* A device file that can no longer be used: later requests go to the CPU. */
static void note_dead(struct qnn_accel *acc, int ret)
{
	/* gone, closed or replaced under us, or banned by the driver */
	if (ret == -ENODEV || ret == -EBADF || ret == -ENOTTY || ret == -ECANCELED)
		atomic_store(&acc->dead, -ret);
}

/*
 * A device segment of a chunk, in two halves so that pipelining can run CPU
 * work between them: dev_submit packs the segment's U8/I8 conv inputs and
 * submits its stream (kept, or copied); dev_complete waits for the job,
 * checks its status and applies float output transforms. On failure both
 * put the reason in msg and return -errno.
 */
static int dev_submit(struct qnn_model *m, struct seg_plan *p, struct seg_req *r, unsigned int s,
		      int sl, unsigned int n, size_t img0, const struct seg_io *io, uint64_t *job,
		      char *msg, size_t len)
{
	const struct seg *sg = &p->segs[s];
	struct qnn_accel *acc = r->acc;
	uint32_t bos[QNN_ACCEL_MAX_BOS], fl[QNN_ACCEL_MAX_BOS];
	uint32_t cs_error = 0, cs_offset = 0;
	uint64_t t0;
	int ret;

	/* U8/I8 inputs of this segment's convs: packed at the boundary */
	for (uint32_t i = sg->first; i <= sg->last; i++) {
		int t = m->l[i].in[0];

		if (t >= 0 && p->soff[t] != (size_t)-1 && (i == sg->first || m->l[i - 1].in[0] != t)) {
			const uint8_t *src = where(m, p, r, t, n, img0, io);

			pack8(&m->t[t], src, (uint64_t *)(r->map + p->soff[t] * n),
			      (size_t)n * m->t[t].h * m->t[t].w);
			atomic_fetch_add(&p->pack, (size_t)n * m->t[t].bytes);
		}
	}
	t0 = cpu_ns();
	if (r->slot[sl].kept[s]) {
		ret = qnn_accel_submit_kept(acc, r->slot[sl].kept[s], job, &p->calls);
	} else {
		if (r->cs_slot != sl)
			encode_streams(m, p, r, sl);
		ret = qnn_accel_submit(acc, r->cs[s], (uint32_t)sg->cs_bytes, bos, fl,
				       job_bos(p, r, io, bos, fl), job, &cs_error, &cs_offset, &p->calls);
	}
	atomic_fetch_add(&p->host_ns, cpu_ns() - t0);
	if (ret) {
		note_dead(acc, ret);
		snprintf(msg, len, "%s: SUBMIT of segment %u (layers %u..%u) failed: %s (cs_error %u at %u)",
			 acc->node, s, sg->first, sg->last, strerror(-ret), cs_error, cs_offset);
	}
	return ret;
}

static int dev_complete(struct qnn_model *m, struct seg_plan *p, struct seg_req *r, unsigned int s,
			unsigned int n, size_t img0, const struct seg_io *io, uint64_t job, char *msg,
			size_t len)
{
	const struct seg *sg = &p->segs[s];
	struct qnn_accel *acc = r->acc;
	struct drm_qnn_wait w;
	uint64_t t0 = cpu_ns();
	int ret;

	ret = qnn_accel_wait(acc, job, p->timeout_ms, &w, &p->calls);
	atomic_fetch_add(&p->host_ns, cpu_ns() - t0);
	if (ret) {
		note_dead(acc, ret == -ECANCELED ? 0 : ret);
		snprintf(msg, len, "%s: WAIT for job %llu (segment %u) failed: %s", acc->node,
			 (unsigned long long)job, s, strerror(-ret));
		return ret;
	}
	if (w.status != DRM_QNN_JOB_COMPLETED) {
		snprintf(msg, len, "%s: job %llu (segment %u, layers %u..%u) ended: %s (cs_error %u, offset %u, fault VA 0x%llx)",
			 acc->node, (unsigned long long)job, s, sg->first, sg->last,
			 qnn_accel_status_name(w.status), w.cs_error, w.cs_offset,
			 (unsigned long long)w.fault_addr);
		return -EIO;
	}
	atomic_fetch_add(&p->jobs, 1);
	atomic_fetch_add(&p->dev_ns, w.duration_ns);
	/* float outputs: the device wrote accumulators; the CPU's own transform, in place */
	for (uint32_t i = sg->first; i <= sg->last; i++) {
		const struct qnn_tensor *o = &m->t[m->l[i].out];
		int32_t *sum;

		if (o->dtype != QNN_DT_F32)
			continue;
		sum = where(m, p, r, m->l[i].out, n, img0, io);
		for (size_t px = 0; px < (size_t)n * o->h * o->w; px++)
			cpu_transform_row(m, &m->l[i], sum + px * o->c, sum + px * o->c);
	}
	return 0;
}

static int dev_segment(struct qnn_model *m, struct seg_plan *p, struct seg_req *r, unsigned int s,
		       int sl, unsigned int n, size_t img0, const struct seg_io *io, char *msg,
		       size_t len)
{
	uint64_t job;
	int ret = dev_submit(m, p, r, s, sl, n, img0, io, &job, msg, len);

	return ret ? ret : dev_complete(m, p, r, s, n, img0, io, job, msg, len);
}

static int cpu_segment(struct qnn_model *m, struct seg_plan *p, struct seg_req *r, unsigned int s,
		       unsigned int n, size_t img0, const struct seg_io *io, unsigned int threads)
{
	struct qnn_model *sub = p->segs[s].sub;
	const void *in[16];
	void *out[16];

	for (uint32_t k = 0; k < sub->nin; k++)
		in[k] = where(m, p, r, sub->in[k], n, img0, io);
	for (uint32_t k = 0; k < sub->nout; k++)
		out[k] = where(m, p, r, sub->out[k], n, img0, io);
	return qnn_cpu_run(sub, n, in, out, threads);
}

/* Graph inputs into the arena, at the start of a chunk (not zero-copy ones). */
static void copy_in(struct qnn_model *m, struct seg_plan *p, struct seg_req *r, unsigned int n,
		    size_t img0, const struct seg_io *io)
{
	for (uint32_t i = 0; i < m->nin; i++) {
		const struct qnn_tensor *t = &m->t[m->in[i]];

		if (!p->indev[m->in[i]])
			continue;
		if (io->inva[i]) {
			atomic_fetch_add(&p->zc, n * t->bytes);
			continue;
		}
		memcpy(r->map + p->doff[m->in[i]] * n, (const uint8_t *)io->inputs[i] + img0 * t->bytes,
		       n * t->bytes);
		atomic_fetch_add(&p->cin, n * t->bytes);
	}
}

/* Device-domain graph outputs to the user's buffers, at the end of a chunk. */
static void copy_out(struct qnn_model *m, struct seg_plan *p, struct seg_req *r, unsigned int n,
		     size_t img0, const struct seg_io *io)
{
	for (uint32_t i = 0; i < m->nout; i++) {
		const struct qnn_tensor *t = &m->t[m->out[i]];

		if (!p->indev[m->out[i]])
			continue;
		if (io->outva[i]) {
			atomic_fetch_add(&p->zc, n * t->bytes);
			continue;
		}
		memcpy((uint8_t *)io->outputs[i] + img0 * t->bytes, r->map + p->doff[m->out[i]] * n,
		       n * t->bytes);
		atomic_fetch_add(&p->cout, n * t->bytes);
	}
}

/* A chunk in flight in the pipeline. */
struct flight {
	struct seg_req *r;
	size_t img0;
	unsigned int n, s;	/* images, next segment */
	int sl;			/* its streams' slot in r */
	uint64_t job;		/* submitted job of segment s, 0 none */
};

/*
 * Two chunks in flight, each in its own request state: while the device
 * runs one chunk's device segment, this thread runs the other's CPU
 * segment (the CPU work of chunk k overlaps the device work of chunk k+1).
 * The device runs one file's jobs in submission order, so waiting for the
 * oldest chunk's job never waits behind a job not yet submitted.
 */
static int run_pipelined(struct qnn_model *m, struct seg_plan *p, struct seg_req **r,
			 unsigned int batch, unsigned int chunk, const struct seg_io *io,
			 unsigned int threads, char *msg, size_t len)
{
	struct flight f[2] = { { 0 } };
	unsigned int head = 0, active = 0;
	size_t next = 0;
	int ret = 0;

	while (!ret && (active || next < batch)) {
		while (active < 2 && next < batch) {	/* start a chunk in the free slot */
			struct flight *c = &f[(head + active) % 2];

			c->r = r[(head + active) % 2];
			c->img0 = next;
			c->n = batch - next < chunk ? (unsigned int)(batch - next) : chunk;
			c->s = 0;
			c->job = 0;
			c->sl = streams_for(m, p, c->r, c->n, c->img0, io);
			copy_in(m, p, c->r, c->n, c->img0, io);
			next += c->n;
			active++;
		}
		/* every chunk at a device segment gets it going, oldest first */
		for (unsigned int k = 0; !ret && k < active; k++) {
			struct flight *c = &f[(head + k) % 2];

			if (c->s < p->nseg && p->segs[c->s].dev && !c->job)
				ret = dev_submit(m, p, c->r, c->s, c->sl, c->n, c->img0, io, &c->job, msg,
						 len);
		}
		if (ret)
			break;
		/* the oldest chunk moves one segment on */
		{
			struct flight *c = &f[head];

			if (p->segs[c->s].dev) {
				ret = dev_complete(m, p, c->r, c->s, c->n, c->img0, io, c->job, msg, len);
				c->job = 0;
			} else {
				ret = cpu_segment(m, p, c->r, c->s, c->n, c->img0, io, threads);
			}
			if (!ret && ++c->s == p->nseg) {
				copy_out(m, p, c->r, c->n, c->img0, io);
				head = (head + 1) % 2;
				active--;
			}
		}
	}
	/* a failure: let jobs still submitted end before their arenas are reused */
	for (unsigned int k = 0; ret && k < 2; k++)
		if (f[k].job) {
			struct drm_qnn_wait w;

			qnn_accel_wait(f[k].r->acc, f[k].job, p->timeout_ms, &w, &p->calls);
		}
	return ret;
}

static int run_chunk(struct qnn_model *m, struct seg_plan *p, struct seg_req *r, unsigned int n,
		     size_t img0, const struct seg_io *io, unsigned int threads, char *msg, size_t len)
{
	int sl = streams_for(m, p, r, n, img0, io), ret;

	copy_in(m, p, r, n, img0, io);
	for (unsigned int s = 0; s < p->nseg; s++) {
		if (p->segs[s].dev)
			ret = dev_segment(m, p, r, s, sl, n, img0, io, msg, len);
		else
			ret = cpu_segment(m, p, r, s, n, img0, io, threads);
		if (ret)
			return ret;
	}
	copy_out(m, p, r, n, img0, io);
	return 0;
}

/* Adds BO `h` with flags `f` to the request's list (once). */
static int io_add_bo(struct seg_io *io, uint32_t h, uint32_t f)
{
	for (unsigned int k = 0; k < io->nbo; k++)
		if (io->bos[k] == h) {
			io->fl[k] |= f;
			return 0;
		}
	if (io->nbo + 2 >= QNN_ACCEL_MAX_BOS)
		return -E2BIG;
	io->bos[io->nbo] = h;
	io->fl[io->nbo++] = f;
	return 0;
}

/*
 * Graph inputs/outputs of the device domain whose `batch` images lie in a
 * zero-copy buffer on this device, aligned as the device needs every
 * chunk's address: the device reads and writes them in place.
 */
static void io_bind(struct qnn_model *m, const struct seg_plan *p, struct qnn_accel *acc,
		    unsigned int batch, const void *const *inputs, void *const *outputs,
		    struct seg_io *io)
{
	memset(io, 0, sizeof(*io));
	io->inputs = inputs;
	io->outputs = outputs;
	for (uint32_t k = 0; k < m->nin + m->nout; k++) {
		int in = k < m->nin, t = in ? m->in[k] : m->out[k - m->nin];
		const void *ptr = in ? inputs[k] : outputs[k - m->nin];
		const struct qnn_tensor *x = &m->t[t];
		uint64_t va;
		uint32_t h;

		/* a tensor both graph input and output, or one the device never touches */
		if (!p->indev[t] || (graph_index(m->in, m->nin, t) >= 0 &&
				     graph_index(m->out, m->nout, t) >= 0))
			continue;
		if (!qnn_buffer_find(m->ctx, acc, ptr, (size_t)batch * x->bytes, &h, &va) ||
		    va % 8 || x->bytes % (x->dtype == QNN_DT_BITS ? 8 : 4))
			continue;
		if (io_add_bo(io, h, in ? DRM_QNN_BO_REF_READ :
			      DRM_QNN_BO_REF_READ | DRM_QNN_BO_REF_WRITE))
			continue;
		if (in)
			io->inva[k] = va;
		else
			io->outva[k - m->nin] = va;
	}
}

/* Why a device no longer takes requests. */
static const char *dead_reason(int why)
{
	switch (why) {
	case EBADF:
	case ENOTTY:
		return "the device file was closed or replaced under libqnn";
	case ECANCELED:
		return "the driver banned this file after repeated job timeouts";
	default:
		return "the device is gone (removed or unbound)";
	}
}

/* Images [.., + batch) of a request on device `dev`, redone on the CPU if it fails. */
static int run_part(struct qnn_model *m, struct seg_plan *p, unsigned int dev, unsigned int batch,
		    const void *const *inputs, void *const *outputs, unsigned int threads)
{
	struct qnn_accel *acc = p->accs[dev];
	struct seg_io io;
	unsigned int chunk;
	struct seg_req *r;
	char msg[256] = "";
	int ret = 0, dead = atomic_load(&acc->dead);

	if (dead) {
		snprintf(msg, sizeof(msg), "%s: %s", acc->node, dead_reason(dead));
		ret = -dead;
	}
	io_bind(m, p, acc, batch, inputs, outputs, &io);
	chunk = batch < p->max_chunk ? batch : p->max_chunk;
	if (!ret && p->pipeline && batch >= 2 * PIPE_MIN_IMAGES) {
		/* a mixed plan: four chunks, two in flight (CPU and device overlap) */
		struct seg_req *r2[2] = { NULL, NULL };

		chunk = (batch + 3) / 4 < chunk ? (batch + 3) / 4 : chunk;
		r2[0] = req_get(p, dev, chunk, &ret);
		r2[1] = r2[0] ? req_get(p, dev, chunk, &ret) : NULL;
		if (r2[1]) {
			ret = run_pipelined(m, p, r2, batch, chunk, &io, threads, msg, sizeof(msg));
		} else if (!*msg) {
			note_dead(acc, ret);
			snprintf(msg, sizeof(msg), "%s: device memory for %u images: %s", acc->node,
				 chunk, strerror(-ret));
		}
		/* back in reverse: the next request gets them in this order, so the
		 * chunks of a batch find the streams they made last time */
		for (int k = 1; k >= 0; k--)
			if (r2[k] && ret == -ETIME)
				qnn_seg_req_free(p, r2[k]);
			else if (r2[k])
				req_put(p, r2[k]);
		r = NULL;
		goto done;
	}
	r = ret ? NULL : req_get(p, dev, chunk, &ret);
	if (!r && !*msg) {
		note_dead(acc, ret);
		snprintf(msg, sizeof(msg), "%s: device memory for %u images: %s", acc->node, chunk,
			 strerror(-ret));
	}
	for (size_t img0 = 0; r && !ret && img0 < batch; img0 += chunk) {
		unsigned int n = batch - img0 < chunk ? (unsigned int)(batch - img0) : chunk;

		ret = run_chunk(m, p, r, n, img0, &io, threads, msg, sizeof(msg));
	}
	if (r && ret == -ETIME)
		qnn_seg_req_free(p, r);	/* the device may still write its arena */
	else if (r)
		req_put(p, r);
done:
	if (!ret || !*msg)
		return ret;	/* a CPU segment's own error (its message is set) */
	/* the device failed this request: redo it on the CPU, count it once */
	atomic_fetch_add(&p->fallbacks, 1);
	pthread_mutex_lock(&p->lock);
	snprintf(p->last, sizeof(p->last), "%s", msg);
	if (p->reported++ < 8 || getenv("QNN_VERBOSE"))
		fprintf(stderr, "libqnn: %s; request of %u images redone on the CPU\n", msg, batch);
	pthread_mutex_unlock(&p->lock);
	return qnn_cpu_run(m, batch, inputs, outputs, threads);
}

/* One device's share of a batch spread over several ("accel:all"). */
struct part {
	struct qnn_model *m;
	unsigned int dev, batch, threads;
	const void *in[16];
	void *out[16];
	int ret;
};

static void *part_thread(void *arg)
{
	struct part *pt = arg;

	pt->ret = run_part(pt->m, pt->m->seg, pt->dev, pt->batch, pt->in, pt->out, pt->threads);
	return NULL;
}

static int seg_run_parts(struct qnn_model *m, struct seg_plan *p, unsigned int batch,
			 const void *const *inputs, void *const *outputs, unsigned int threads)
{
	struct part parts[QNN_MAX_ACCEL];
	pthread_t tid[QNN_MAX_ACCEL];
	unsigned int np, img0 = 0;
	int ret = 0;

	np = p->nacc < batch ? p->nacc : batch;
	if (np <= 1)
		return run_part(m, p, 0, batch, inputs, outputs, threads);
	/* the batch in np slices, one per device, each slice's jobs in its own thread */
	for (unsigned int k = 0; k < np; k++) {
		struct part *pt = &parts[k];

		pt->m = m;
		pt->dev = k;
		pt->threads = threads;
		pt->batch = batch / np + (k < batch % np);
		for (uint32_t i = 0; i < m->nin; i++)
			pt->in[i] = (const uint8_t *)inputs[i] + (size_t)img0 * m->t[m->in[i]].bytes;
		for (uint32_t i = 0; i < m->nout; i++)
			pt->out[i] = (uint8_t *)outputs[i] + (size_t)img0 * m->t[m->out[i]].bytes;
		img0 += pt->batch;
		pt->ret = -1;
		if (k && pthread_create(&tid[k], NULL, part_thread, pt))
			tid[k] = 0, part_thread(pt);
		else if (!k)
			tid[k] = 0;
	}
	part_thread(&parts[0]);
	for (unsigned int k = 1; k < np; k++)
		if (tid[k])
			pthread_join(tid[k], NULL);
	for (unsigned int k = 0; k < np; k++)
		if (parts[k].ret && !ret)
			ret = parts[k].ret;
	return ret;
}

int qnn_seg_run(struct qnn_model *m, unsigned int batch, const void *const *inputs,
		void *const *outputs, unsigned int threads);

int qnn_seg_run(struct qnn_model *m, unsigned int batch, const void *const *inputs,
		void *const *outputs, unsigned int threads)
{
	struct seg_plan *p = m->seg;
	int ret;

	if (!p || !p->ndev)
		return qnn_cpu_run(m, batch, inputs, outputs, threads);
	atomic_fetch_add(&p->requests, 1);
	/* another request of the model is running: theirs and ours overlap */
	if (atomic_fetch_add(&p->inflight, 1))
		atomic_fetch_add(&p->overlapped, 1);
	ret = seg_run_parts(m, p, batch, inputs, outputs, threads);
	atomic_fetch_sub(&p->inflight, 1);
	return ret;
}
