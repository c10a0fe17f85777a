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

/* Kept streams address the arena: they go with it (or with a new chunk size). */
static void drop_kept(struct seg_plan *p, struct seg_req *r)
{
	for (unsigned int s = 0; s < p->nseg; s++) {
		qnn_accel_cmds_destroy(r->acc, r->kept[s]);
		r->kept[s] = 0;
	}
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
		r = calloc(1, sizeof(*r));
		if (r) {
			r->cs = calloc(p->nseg, sizeof(*r->cs));
			r->kept = calloc(p->nseg, sizeof(*r->kept));
		}
		if (!r || !r->cs || !r->kept) {
			if (r) {
				free(r->cs);
				free(r->kept);
			}
			free(r);
			*err = -ENOMEM;
			return NULL;
		}
		r->acc = acc;
		r->dev = dev;
		for (unsigned int s = 0; s < p->nseg; s++)
			if (p->segs[s].dev && !(r->cs[s] = malloc(p->segs[s].cs_bytes))) {
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
		r->cs_n = 0;
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

/*
 * The streams of every device segment for chunks of n images at r's arena,
 * kept by the kernel where it can (validated once, submitted by handle);
 * else they are passed to each SUBMIT, which copies and validates them.
 */
static void build_streams(const struct qnn_model *m, struct seg_plan *p, struct seg_req *r,
			  unsigned int n)
{
	uint32_t bos[2] = { r->bo, p->cbo[r->dev] }, fl[2] = {
		DRM_QNN_BO_REF_READ | DRM_QNN_BO_REF_WRITE, DRM_QNN_BO_REF_READ };

	drop_kept(p, r);
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
				a.in[k] = r->va + (a.in_shadow[k] ? p->soff[t] : p->doff[t]) * n;
			}
			a.out = r->va + p->doff[l->out] * n;
			at += (size_t)qnn_accel_encode(m, l, n, &a, r->cs[s] + at, sg->cs_bytes - at);
		}
		qnn_accel_cs_header(r->cs[s], (uint32_t)sg->cs_bytes, sg->ncmds);
		if (!atomic_load(&p->no_kept)) {
			uint32_t err, off;
			int ret = qnn_accel_cmds_create(r->acc, r->cs[s], (uint32_t)sg->cs_bytes, bos, fl,
							bos[1] ? 2 : 1, &r->kept[s], &err, &off,
							&p->calls);

			/* an older driver: copy per SUBMIT from now on */
			if (ret == -EOPNOTSUPP || ret == -ENOTTY)
				atomic_store(&p->no_kept, 1);
			if (ret)
				r->kept[s] = 0;
			else
				atomic_fetch_add(&p->kept, 1);
		}
	}
	r->cs_n = n;
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

static int graph_index(const int *arr, uint32_t n, int t)
{
	for (uint32_t i = 0; i < n; i++)
		if (arr[i] == t)
			return (int)i;
	return -1;
}

/* Where tensor t of a chunk lives: the arena, or the user's buffer. */
static void *where(const struct qnn_model *m, const struct seg_plan *p, const struct seg_req *r,
		   int t, unsigned int n, size_t img0, const void *const *inputs, void *const *outputs)
{
	int k;

	if (p->indev[t])
		return r->map + p->doff[t] * n;
	k = graph_index(m->in, m->nin, t);
	if (k >= 0)
		return (uint8_t *)inputs[k] + img0 * m->t[t].bytes;
	k = graph_index(m->out, m->nout, t);
	if (k >= 0)
		return (uint8_t *)outputs[k] + img0 * m->t[t].bytes;
	return NULL;
}

/*
 * A device segment of a chunk, in two halves so that pipelining can run CPU
 * work between them: dev_submit packs the segment's U8/I8 conv inputs and
 * submits its stream (kept, or copied); dev_complete waits for the job,
 * checks its status and applies float output transforms. On failure both
 * put the reason in msg and return -errno.
 */
static int dev_submit(struct qnn_model *m, struct seg_plan *p, struct seg_req *r, unsigned int s,
		      unsigned int n, size_t img0, const void *const *inputs, void *const *outputs,
		      uint64_t *job, char *msg, size_t len)
{
	const struct seg *sg = &p->segs[s];
	struct qnn_accel *acc = r->acc;
	uint32_t bos[2] = { r->bo, p->cbo[r->dev] }, fl[2] = {
		DRM_QNN_BO_REF_READ | DRM_QNN_BO_REF_WRITE, DRM_QNN_BO_REF_READ };
	uint32_t cs_error = 0, cs_offset = 0;
	uint64_t t0;
	int ret;

	/* U8/I8 inputs of this segment's convs: packed at the boundary */
	for (uint32_t i = sg->first; i <= sg->last; i++) {
		int t = m->l[i].in[0];

		if (t >= 0 && p->soff[t] != (size_t)-1 && (i == sg->first || m->l[i - 1].in[0] != t)) {
			const uint8_t *src = where(m, p, r, t, n, img0, inputs, outputs);

			pack8(&m->t[t], src, (uint64_t *)(r->map + p->soff[t] * n),
			      (size_t)n * m->t[t].h * m->t[t].w);
			atomic_fetch_add(&p->cin, (size_t)n * m->t[t].bytes);
		}
	}
	t0 = cpu_ns();
	if (r->kept[s])
		ret = qnn_accel_submit_kept(acc, r->kept[s], job, &p->calls);
	else
		ret = qnn_accel_submit(acc, r->cs[s], (uint32_t)sg->cs_bytes, bos, fl,
				       bos[1] ? 2 : 1, job, &cs_error, &cs_offset, &p->calls);
	atomic_fetch_add(&p->host_ns, cpu_ns() - t0);
	if (ret) {
		if (ret == -ENODEV)
			atomic_store(&acc->dead, 1);
		snprintf(msg, len, "%s: SUBMIT of segment %u (layers %u..%u) failed: %s (cs_error %u at %u)",
			 acc->node, s, sg->first, sg->last, strerror(-ret), cs_error, cs_offset);
	}
	return ret;
}

static int dev_complete(struct qnn_model *m, struct seg_plan *p, struct seg_req *r, unsigned int s,
			unsigned int n, uint64_t job, char *msg, size_t len)
{
	const struct seg *sg = &p->segs[s];
	struct qnn_accel *acc = r->acc;
	struct drm_qnn_wait w;
	uint64_t t0 = cpu_ns();
	int ret;

	ret = qnn_accel_wait(acc, job, p->timeout_ms, &w, &p->calls);
	atomic_fetch_add(&p->host_ns, cpu_ns() - t0);
	if (ret) {
		if (ret == -ENODEV)
			atomic_store(&acc->dead, 1);
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
		int32_t *sum = (int32_t *)(r->map + p->doff[m->l[i].out] * n);

		if (o->dtype != QNN_DT_F32)
			continue;
		for (size_t px = 0; px < (size_t)n * o->h * o->w; px++)
			cpu_transform_row(m, &m->l[i], sum + px * o->c, sum + px * o->c);
	}
	return 0;
}

static int dev_segment(struct qnn_model *m, struct seg_plan *p, struct seg_req *r, unsigned int s,
		       unsigned int n, size_t img0, const void *const *inputs, void *const *outputs,
		       char *msg, size_t len)
{
	uint64_t job;
	int ret = dev_submit(m, p, r, s, n, img0, inputs, outputs, &job, msg, len);

	return ret ? ret : dev_complete(m, p, r, s, n, job, msg, len);
}

static int cpu_segment(struct qnn_model *m, struct seg_plan *p, struct seg_req *r, unsigned int s,
		       unsigned int n, size_t img0, const void *const *inputs, void *const *outputs,
		       unsigned int threads)
{
	struct qnn_model *sub = p->segs[s].sub;
	const void *in[16];
	void *out[16];

	for (uint32_t k = 0; k < sub->nin; k++)
		in[k] = where(m, p, r, sub->in[k], n, img0, inputs, outputs);
	for (uint32_t k = 0; k < sub->nout; k++)
		out[k] = where(m, p, r, sub->out[k], n, img0, inputs, outputs);
	return qnn_cpu_run(sub, n, in, out, threads);
}

/* Graph inputs into the arena, at the start of a chunk. */
static void copy_in(struct qnn_model *m, struct seg_plan *p, struct seg_req *r, unsigned int n,
		    size_t img0, const void *const *inputs)
{
	if (r->cs_n != n)
		build_streams(m, p, r, n);
	for (uint32_t i = 0; i < m->nin; i++) {
		const struct qnn_tensor *t = &m->t[m->in[i]];

		if (!p->indev[m->in[i]])
			continue;
		memcpy(r->map + p->doff[m->in[i]] * n, (const uint8_t *)inputs[i] + img0 * t->bytes,
		       n * t->bytes);
		atomic_fetch_add(&p->cin, n * t->bytes);
	}
}

/* Device-domain graph outputs to the user's buffers, at the end of a chunk. */
static void copy_out(struct qnn_model *m, struct seg_plan *p, struct seg_req *r, unsigned int n,
		     size_t img0, void *const *outputs)
{
	for (uint32_t i = 0; i < m->nout; i++) {
		const struct qnn_tensor *t = &m->t[m->out[i]];

		if (!p->indev[m->out[i]])
			continue;
		memcpy((uint8_t *)outputs[i] + img0 * t->bytes, r->map + p->doff[m->out[i]] * n,
		       n * t->bytes);
		atomic_fetch_add(&p->cout, n * t->bytes);
	}
}

/* A chunk in flight in the pipeline. */
struct flight {
	struct seg_req *r;
	size_t img0;
	unsigned int n, s;	/* images, next segment */
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
			 unsigned int batch, unsigned int chunk, const void *const *inputs,
			 void *const *outputs, unsigned int threads, char *msg, size_t len)
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
			copy_in(m, p, c->r, c->n, c->img0, inputs);
			next += c->n;
			active++;
		}
		/* every chunk at a device segment gets it going, oldest first */
		for (unsigned int k = 0; !ret && k < active; k++) {
			struct flight *c = &f[(head + k) % 2];

			if (c->s < p->nseg && p->segs[c->s].dev && !c->job)
				ret = dev_submit(m, p, c->r, c->s, c->n, c->img0, inputs, outputs,
						 &c->job, msg, len);
		}
		if (ret)
			break;
		/* the oldest chunk moves one segment on */
		{
			struct flight *c = &f[head];

			if (p->segs[c->s].dev) {
				ret = dev_complete(m, p, c->r, c->s, c->n, c->job, msg, len);
				c->job = 0;
			} else {
				ret = cpu_segment(m, p, c->r, c->s, c->n, c->img0, inputs, outputs, threads);
			}
			if (!ret && ++c->s == p->nseg) {
				copy_out(m, p, c->r, c->n, c->img0, outputs);
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
		     size_t img0, const void *const *inputs, void *const *outputs, unsigned int threads,
		     char *msg, size_t len)
{
	int ret;

	copy_in(m, p, r, n, img0, inputs);
	for (unsigned int s = 0; s < p->nseg; s++) {
		if (p->segs[s].dev)
			ret = dev_segment(m, p, r, s, n, img0, inputs, outputs, msg, len);
		else
			ret = cpu_segment(m, p, r, s, n, img0, inputs, outputs, threads);
		if (ret)
			return ret;
	}
	copy_out(m, p, r, n, img0, outputs);
	return 0;
}

/* Images [.., + batch) of a request on device `dev`, redone on the CPU if it fails. */
static int run_part(struct qnn_model *m, struct seg_plan *p, unsigned int dev, unsigned int batch,
		    const void *const *inputs, void *const *outputs, unsigned int threads)
{
	struct qnn_accel *acc = p->accs[dev];
	unsigned int chunk;
	struct seg_req *r;
	char msg[256] = "";
	int ret = 0;

	if (atomic_load(&acc->dead)) {
		snprintf(msg, sizeof(msg), "%s: the device is gone (removed or unbound)", acc->node);
		ret = -ENODEV;
	}
	chunk = batch < p->max_chunk ? batch : p->max_chunk;
	if (!ret && p->pipeline && batch >= 2 * PIPE_MIN_IMAGES) {
		/* a mixed plan: four chunks, two in flight (CPU and device overlap) */
		struct seg_req *r2[2] = { NULL, NULL };

		chunk = (batch + 3) / 4 < chunk ? (batch + 3) / 4 : chunk;
		r2[0] = req_get(p, dev, chunk, &ret);
		r2[1] = r2[0] ? req_get(p, dev, chunk, &ret) : NULL;
		if (r2[1])
			ret = run_pipelined(m, p, r2, batch, chunk, inputs, outputs, threads, msg,
					    sizeof(msg));
		else if (!*msg)
			snprintf(msg, sizeof(msg), "%s: device memory for %u images: %s", acc->node,
				 chunk, strerror(-ret));
		for (int k = 0; k < 2; k++)
			if (r2[k] && ret == -ETIME)
				qnn_seg_req_free(p, r2[k]);
			else if (r2[k])
				req_put(p, r2[k]);
		r = NULL;
		goto done;
	}
	r = ret ? NULL : req_get(p, dev, chunk, &ret);
	if (!r && !*msg)
		snprintf(msg, sizeof(msg), "%s: device memory for %u images: %s", acc->node, chunk,
			 strerror(-ret));
	for (size_t img0 = 0; r && !ret && img0 < batch; img0 += chunk) {
		unsigned int n = batch - img0 < chunk ? (unsigned int)(batch - img0) : chunk;

		ret = run_chunk(m, p, r, n, img0, inputs, outputs, threads, msg, sizeof(msg));
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

int qnn_seg_run(struct qnn_model *m, unsigned int batch, const void *const *inputs,
		void *const *outputs, unsigned int threads);

int qnn_seg_run(struct qnn_model *m, unsigned int batch, const void *const *inputs,
		void *const *outputs, unsigned int threads)
{
	struct seg_plan *p = m->seg;
	struct part parts[QNN_MAX_ACCEL];
	pthread_t tid[QNN_MAX_ACCEL];
	unsigned int np, img0 = 0;
	int ret = 0;

	if (!p || !p->ndev)
		return qnn_cpu_run(m, batch, inputs, outputs, threads);
	atomic_fetch_add(&p->requests, 1);
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
