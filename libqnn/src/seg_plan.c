// SPDX-License-Identifier: MIT
/*
 * The segmented plan: a model cut into device and CPU segments (runs of
 * consecutive layers), made at load when the context has a device.
 *
 * Placement: each layer the device can run (accel_place.c) may go there;
 * a small dynamic program over the layer order then picks, for each layer,
 * the side that minimizes CPU time plus a transfer cost at every switch
 * (a job's round trip and the bytes crossing), so a cheap device-capable
 * layer between CPU layers stays on the CPU instead of ping-ponging.
 * QNN_PLACE forces placements (tests, debugging).
 *
 * Memory domains: every activation a device layer touches, and every tensor
 * crossing from one segment to another, lives in the device domain: a
 * per-request arena BO, planned by liveness like the CPU arena (tensor t of
 * a chunk of n images at off[t] * n). Everything else stays in the host
 * domain (the CPU segments' own arenas). CPU segments read and write their
 * device-domain tensors in place through the BO's mapping, so bytes are
 * copied only where the user's buffers meet the device domain. U8/I8
 * tensors a device conv reads get an 8-plane copy packed at that boundary.
 * Constants are uploaded once, at load, into one read-only BO.
 *
 * The whole-model CPU plan is kept too: requests whose device job fails are
 * redone with it (seg_run.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "seg.h"
#include "qnn_cmdstream.h"

#define NO_OFF ((size_t)-1)
#define ARENA_MAX ((size_t)256 << 20)	/* one request's device arena */
#define CHUNK_MAX 4096u
#define QNNF_MAX_IO_SUB 16	/* struct qnn_model's in[] and out[] */

static size_t align64(size_t v)
{
	return (v + 63) / 64 * 64;
}

static struct seg_plan *plan_of(const struct qnn_model *m)
{
	return m->seg;
}

/* ---- placement ---- */

/* Bytes of activations layer i reads that an earlier layer (or the user) made. */
static size_t in_bytes(const struct qnn_model *m, uint32_t i)
{
	size_t b = 0;

	for (uint32_t k = 0; k < m->l[i].n_in && k < 4; k++)
		if (m->l[i].in[k] >= 0 && !m->t[m->l[i].in[k]].is_const)
			b += m->t[m->l[i].in[k]].bytes;
	return b;
}

/*
 * Costs in ns per image. The device's time is not the CPU's, so a device
 * layer costs its modelled time only; a switch costs a job round trip and
 * the bytes moved. Graph inputs and outputs cross to the user's buffers on
 * either side, so they cost nothing here.
 */
#define SWITCH_NS 30000.0
#define CPU_OPS_PER_NS 20.0
#define BYTES_PER_NS 2.0

static void partition(struct qnn_model *m, struct seg_plan *p, const uint8_t *ok, const char *force)
{
	const struct qnn_accel_caps *c = &p->acc->caps;
	double dev_rate = (double)(c->cores ? c->cores : 1) * 4096.0 * (c->clock_khz ? c->clock_khz : 250000) / 1e6;
	double (*best)[2] = calloc(m->nl, sizeof(*best));
	uint8_t (*from)[2] = calloc(m->nl, sizeof(*from));
	const double inf = 1e300;

	if (!best || !from) {		/* no memory for the plan: all on the CPU */
		free(best);
		free(from);
		memset(p->dev, 0, m->nl);
		return;
	}
	for (uint32_t i = 0; i < m->nl; i++) {
		double ops = (double)qnn_accel_layer_ops(m, &m->l[i]);
		double exec[2] = { ops / CPU_OPS_PER_NS, ok[i] ? ops / dev_rate : inf };
		double sw = SWITCH_NS + in_bytes(m, i) / BYTES_PER_NS;

		if (force && force[i] == 'c')
			exec[1] = inf;
		if (force && force[i] == 'a' && ok[i])
			exec[0] = inf;
		for (int s = 0; s < 2; s++) {
			double stay = i ? best[i - 1][s] : 0, move = i ? best[i - 1][!s] + sw : 0;

			best[i][s] = exec[s] + (stay <= move ? stay : move);
			from[i][s] = (uint8_t)(stay <= move ? s : !s);
		}
	}
	for (int i = (int)m->nl - 1, s = best[m->nl - 1][1] < best[m->nl - 1][0]; i >= 0; i--) {
		p->dev[i] = (uint8_t)s;
		s = from[i][s];
	}
	free(best);
	free(from);
}

/* QNN_PLACE: one letter per layer, 'a' device, 'c' CPU, other auto; or "alternate". */
static char *forced(const struct qnn_model *m)
{
	const char *e = getenv("QNN_PLACE");
	char *f;

	if (!e || !*e)
		return NULL;
	f = calloc(m->nl + 1, 1);
	if (!f)
		return NULL;
	for (uint32_t i = 0; i < m->nl; i++)
		f[i] = !strcmp(e, "alternate") ? (i % 2 ? 'c' : 'a') : i < strlen(e) ? e[i] : '-';
	return f;
}

/* ---- segments and domains ---- */

static int tensor_seg_reader(const struct qnn_model *m, const struct seg_plan *p, int t, int *other)
{
	int prod = m->t[t].producer, ps = prod >= 0 ? p->segof[prod] : -1, dev_direct = 0;

	*other = 0;
	for (uint32_t i = 0; i < m->nl; i++)
		for (uint32_t k = 0; k < m->l[i].n_in && k < 4; k++) {
			if (m->l[i].in[k] != t)
				continue;
			if (p->segof[i] != ps)
				*other = 1;
			/* a U8/I8 conv input is read through its packed shadow */
			if (p->dev[i] && m->t[t].dtype != QNN_DT_U8 && m->t[t].dtype != QNN_DT_I8)
				dev_direct = 1;
		}
	return dev_direct;
}

static int is_graph_out(const struct qnn_model *m, int t)
{
	for (uint32_t i = 0; i < m->nout; i++)
		if (m->out[i] == t)
			return 1;
	return 0;
}

struct item {
	size_t bytes, *off;
	uint32_t first, last;
};

static int by_size(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : 0;
}

/* Largest first, each at the lowest offset free of every item live with it. */
static size_t place_items(struct item *it, size_t n)
{
	size_t top = 0;

	qsort(it, n, sizeof(*it), by_size);
	for (size_t i = 0; i < n; i++) {
		size_t at = 0;

		for (int moved = 1; moved;) {
			moved = 0;
			for (size_t j = 0; j < i; j++)
				if (!(it[j].last < it[i].first || it[i].last < it[j].first) &&
				    at < *it[j].off + it[j].bytes && *it[j].off < at + it[i].bytes) {
					at = *it[j].off + it[j].bytes;
					moved = 1;
				}
		}
		*it[i].off = at;
		if (at + it[i].bytes > top)
			top = at + it[i].bytes;
	}
	return top;
}

static int plan_domains(struct qnn_model *m, struct seg_plan *p)
{
	struct item *it = calloc(2 * (size_t)m->nt, sizeof(*it));
	size_t n = 0;

	if (!it)
		return -ENOMEM;
	for (uint32_t t = 0; t < m->nt; t++) {
		const struct qnn_tensor *x = &m->t[t];
		int other, prod = x->producer;
		uint32_t first = prod >= 0 ? (uint32_t)prod : 0, last = first, sfirst = m->nl, slast = 0;
		int touched_by_cpu = prod >= 0 && !p->dev[prod];

		p->soff[t] = NO_OFF;
		if (x->is_const)
			continue;
		p->indev[t] = (uint8_t)(tensor_seg_reader(m, p, (int)t, &other) || other ||
					(prod >= 0 && p->dev[prod]));
		for (uint32_t i = 0; i < m->nl; i++)
			for (uint32_t k = 0; k < m->l[i].n_in && k < 4; k++) {
				if (m->l[i].in[k] != (int)t)
					continue;
				if (i > last)
					last = i;
				touched_by_cpu |= !p->dev[i];
				if (p->dev[i] && (x->dtype == QNN_DT_U8 || x->dtype == QNN_DT_I8)) {
					uint32_t sf = p->segs[p->segof[i]].first;

					sfirst = sf < sfirst ? sf : sfirst;
					slast = i > slast ? i : slast;
				}
			}
		if (is_graph_out(m, (int)t))
			last = m->nl;
		if (p->indev[t]) {
			/*
			 * A CPU segment runs its images in groups through all its
			 * layers: a tensor it touches is live for the whole segment.
			 */
			if (touched_by_cpu) {
				for (uint32_t i = 0; i < m->nl; i++) {
					const struct seg *s = &p->segs[p->segof[i]];
					int uses = (int)i == prod;

					for (uint32_t k = 0; k < m->l[i].n_in && k < 4; k++)
						uses |= m->l[i].in[k] == (int)t;
					if (!uses || s->dev)
						continue;
					first = s->first < first ? s->first : first;
					last = s->last > last ? s->last : last;
				}
			}
			it[n++] = (struct item){ align64(x->bytes), &p->doff[t], first, last };
		}
		if (sfirst < m->nl) {
			size_t sb = align64((size_t)x->h * x->w * 8 * ((x->c + 63) / 64) * 8);

			it[n++] = (struct item){ sb, &p->soff[t], sfirst, slast };
		}
	}
	for (size_t i = 0; i < n; i++)
		p->dev_naive += it[i].bytes;
	for (uint32_t i = 0; i <= m->nl; i++) {
		size_t live = 0;

		for (size_t j = 0; j < n; j++)
			if (it[j].first <= i && i <= it[j].last)
				live += it[j].bytes;
		if (live > p->dev_min)
			p->dev_min = live;
	}
	p->dev_per_image = place_items(it, n);
	free(it);
	return 0;
}

/* ---- constants ---- */

static size_t layer_const_bytes(const struct qnn_model *m, const struct qnn_layer *l)
{
	size_t o = m->t[l->out].c, b = 0;

	if (l->weights >= 0)
		b += align64(m->t[l->weights].bytes);
	if (l->thresholds >= 0)
		b += align64(m->t[l->thresholds].bytes);
	if (l->negate >= 0)
		b += align64(o);
	if (m->t[l->out].dtype == QNN_DT_F32)
		return b;	/* its float scale and bias are applied on the host */
	if (l->bias >= 0)
		b += align64(o * 4);
	if (l->scale >= 0)
		b += align64(o * sizeof(struct qnn_cs_scale));
	return b;
}

/* Lays layer l's constants out at *off in map (the device's form), VAs into a. */
static void put_consts(const struct qnn_model *m, const struct qnn_layer *l, uint8_t *map,
		       uint64_t va, size_t *off, struct qnn_cs_addrs *a)
{
	uint32_t o = m->t[l->out].c;

	if (l->weights >= 0) {
		memcpy(map + *off, m->t[l->weights].data, m->t[l->weights].bytes);
		a->weights = va + *off;
		*off += align64(m->t[l->weights].bytes);
	}
	if (l->thresholds >= 0) {
		memcpy(map + *off, m->t[l->thresholds].data, m->t[l->thresholds].bytes);
		a->thresh = va + *off;
		*off += align64(m->t[l->thresholds].bytes);
	}
	if (l->negate >= 0) {	/* a shared 1x1x1x1 value is expanded per channel */
		const struct qnn_tensor *t = &m->t[l->negate];

		for (uint32_t c = 0; c < o; c++)
			map[*off + c] = ((const uint8_t *)t->data)[t->c == 1 ? 0 : c];
		a->negate = va + *off;
		*off += align64(o);
	}
	if (m->t[l->out].dtype == QNN_DT_F32)
		return;
	if (l->bias >= 0) {
		const struct qnn_tensor *t = &m->t[l->bias];

		for (uint32_t c = 0; c < o; c++)
			memcpy(map + *off + 4 * c, (const int32_t *)t->data + (t->c == 1 ? 0 : c), 4);
		a->bias = va + *off;
		*off += align64((size_t)o * 4);
	}
	if (l->scale >= 0) {	/* a shift s: 2^s, or floor(x / 2^-s) */
		const struct qnn_tensor *t = &m->t[l->scale];

		for (uint32_t c = 0; c < o; c++) {
			int s = ((const int8_t *)t->data)[t->c == 1 ? 0 : c];
			struct qnn_cs_scale sc = { s >= 0 ? (int32_t)1 << s : 1, s >= 0 ? 0u : (uint32_t)-s };

			memcpy(map + *off + c * sizeof(sc), &sc, sizeof(sc));
		}
		a->scale = va + *off;
		*off += align64((size_t)o * sizeof(struct qnn_cs_scale));
	}
}

static int upload_consts(struct qnn_model *m, struct seg_plan *p, char *err, size_t errlen)
{
	atomic_ullong calls = 0;
	size_t off = 0;
	void *map;
	int ret;

	for (uint32_t i = 0; i < m->nl; i++)
		if (p->dev[i])
			p->csize += layer_const_bytes(m, &m->l[i]);
	for (unsigned int k = 0; k < p->nacc; k++) {
		p->ca[k] = calloc(m->nl, sizeof(*p->ca[k]));
		if (!p->ca[k])
			return qnn_fmt_err(err, errlen, -ENOMEM, "out of memory");
	}
	for (unsigned int k = 0; p->csize && k < p->nacc; k++) {
		ret = qnn_accel_bo_create(p->accs[k], p->csize, 1, &p->cbo[k], &p->cva[k], &map, &calls);
		if (ret)
			return qnn_fmt_err(err, errlen, ret, "%s: %zu-byte constant buffer: %s",
					   p->accs[k]->node, p->csize, strerror(-ret));
		off = 0;
		for (uint32_t i = 0; i < m->nl; i++)
			if (p->dev[i])
				put_consts(m, &m->l[i], map, p->cva[k], &off, &p->ca[k][i]);
		munmap(map, p->csize);	/* the device reads it; the host never again */
	}
	return 0;
}

/* ---- CPU segments as models of their own ---- */

static int add_io(int *arr, uint32_t *n, int t)
{
	for (uint32_t i = 0; i < *n; i++)
		if (arr[i] == t)
			return 0;
	if (*n >= QNNF_MAX_IO_SUB)
		return -E2BIG;
	arr[(*n)++] = t;
	return 0;
}

static int make_sub(struct qnn_model *m, struct seg *s, char *err, size_t errlen)
{
	struct qnn_model *sub = calloc(1, sizeof(*sub));
	int ret = 0;

	if (!sub)
		return -ENOMEM;
	s->sub = sub;
	sub->ctx = m->ctx;
	sub->file = m->file;
	sub->file_size = m->file_size;
	sub->nt = m->nt;
	sub->nl = s->last - s->first + 1;
	sub->t = malloc(m->nt * sizeof(*sub->t));
	sub->l = malloc(sub->nl * sizeof(*sub->l));
	if (!sub->t || !sub->l)
		return -ENOMEM;
	memcpy(sub->t, m->t, m->nt * sizeof(*sub->t));
	memcpy(sub->l, m->l + s->first, sub->nl * sizeof(*sub->l));
	for (uint32_t t = 0; t < m->nt; t++) {
		int pr = m->t[t].producer;

		sub->t[t].producer = pr >= (int)s->first && pr <= (int)s->last ? pr - (int)s->first : -1;
	}
	for (uint32_t i = 0; i < sub->nl; i++) {
		sub->l[i].conv = NULL;
		sub->l[i].placed = qnn_backend_cpu();
		for (uint32_t k = 0; k < sub->l[i].n_in && k < 4 && !ret; k++) {
			int t = sub->l[i].in[k];

			if (t >= 0 && !m->t[t].is_const && sub->t[t].producer < 0)
				ret = add_io(sub->in, &sub->nin, t);
		}
	}
	for (uint32_t t = 0; t < m->nt && !ret; t++) {
		int pr = sub->t[t].producer, outside = is_graph_out(m, (int)t);

		if (pr < 0)
			continue;
		for (uint32_t i = 0; i < m->nl && !outside; i++)
			for (uint32_t k = 0; k < m->l[i].n_in && k < 4; k++)
				if (m->l[i].in[k] == (int)t && (i < s->first || i > s->last))
					outside = 1;
		if (outside)
			ret = add_io(sub->out, &sub->nout, (int)t);
	}
	if (ret)
		return qnn_fmt_err(err, errlen, ret,
				   "CPU segment of layers %u..%u has more than %d inputs or outputs",
				   s->first, s->last, QNNF_MAX_IO_SUB);
	return qnn_cpu_prepare(sub, err, errlen);
}

static void free_sub(struct qnn_model *sub)
{
	if (!sub)
		return;
	if (sub->l)
		qnn_cpu_unprepare(sub);
	free(sub->t);
	free(sub->l);
	free(sub);
}

/* ---- prepare ---- */

static int make_segments(struct qnn_model *m, struct seg_plan *p)
{
	p->segs = calloc(m->nl, sizeof(*p->segs));
	if (!p->segs)
		return -ENOMEM;
	for (uint32_t i = 0; i < m->nl; i++) {
		if (!i || p->dev[i] != p->dev[i - 1]) {
			p->segs[p->nseg].dev = p->dev[i];
			p->segs[p->nseg].first = i;
			p->ndev += p->dev[i];
			p->nseg++;
		}
		p->segof[i] = (int)p->nseg - 1;
		p->segs[p->nseg - 1].last = i;
		if (p->dev[i]) {
			p->segs[p->nseg - 1].ncmds++;
			p->segs[p->nseg - 1].cs_bytes += qnn_accel_cmd_bytes(m->l[i].op);
		}
	}
	for (unsigned int s = 0; s < p->nseg; s++)
		if (p->segs[s].dev)
			p->segs[s].cs_bytes += sizeof(struct qnn_cs_header);
	return 0;
}

/* Images per device job: device limits, VA space and a bound on the arena. */
static unsigned int chunk_limit(const struct qnn_model *m, const struct seg_plan *p)
{
	uint64_t lim = CHUNK_MAX, va = p->acc->caps.va_size;

	for (uint32_t i = 0; i < m->nl; i++) {
		uint64_t ops = qnn_accel_layer_ops(m, &m->l[i]);

		if (p->dev[i] && ops && (1ull << 40) / ops < lim)
			lim = (1ull << 40) / ops;
	}
	if (p->dev_per_image) {
		uint64_t room = va > p->csize ? (va - p->csize) / 2 : 0;

		if (room / p->dev_per_image < lim)
			lim = room / p->dev_per_image;
		if (ARENA_MAX / p->dev_per_image < lim)
			lim = ARENA_MAX / p->dev_per_image;
	}
	return (unsigned int)lim;
}

static void all_cpu(struct qnn_model *m, struct seg_plan *p, const char *fmt, const char *what)
{
	for (uint32_t i = 0; i < m->nl; i++) {
		if (p->dev[i])
			snprintf(p->why[i], sizeof(p->why[i]), fmt, what);
		p->dev[i] = 0;
	}
}

static int seg_prepare(struct qnn_model *m, char *err, size_t errlen)
{
	struct seg_plan *p;
	uint8_t *ok;
	char *force;
	const char *to;
	int ret;

	ret = qnn_cpu_prepare(m, err, errlen);
	if (ret)
		return ret;
	p = calloc(1, sizeof(*p));
	if (!p)
		return qnn_fmt_err(err, errlen, -ENOMEM, "out of memory");
	m->seg = p;
	pthread_mutex_init(&p->lock, NULL);
	p->acc = m->ctx->accel;
	for (unsigned int k = 0; k < m->ctx->naccel; k++)
		p->accs[p->nacc++] = m->ctx->accels[k];
	to = getenv("QNN_ACCEL_TIMEOUT_MS");
	p->timeout_ms = to && atoll(to) > 0 ? atoll(to) : 120000;
	p->dev = calloc(m->nl, 1);
	p->why = calloc(m->nl, sizeof(*p->why));
	p->segof = calloc(m->nl, sizeof(*p->segof));
	p->indev = calloc(m->nt, 1);
	p->doff = calloc(m->nt, sizeof(*p->doff));
	p->soff = calloc(m->nt, sizeof(*p->soff));
	ok = calloc(m->nl, 1);
	if (!p->dev || !p->why || !p->segof || !p->indev || !p->doff || !p->soff || !ok) {
		free(ok);
		return qnn_fmt_err(err, errlen, -ENOMEM, "out of memory");
	}
	for (uint32_t i = 0; i < m->nl; i++) {
		char why[100];

		ok[i] = (uint8_t)qnn_accel_layer_ok(&p->acc->caps, m, &m->l[i], why, sizeof(why));
		if (!ok[i])
			snprintf(p->why[i], sizeof(p->why[i]), "cpu: %s", why);
	}
	force = forced(m);
	partition(m, p, ok, force);
	for (uint32_t i = 0; i < m->nl; i++) {
		if (!ok[i])
			continue;
		if (force && (force[i] == 'a' || force[i] == 'c'))
			snprintf(p->why[i], sizeof(p->why[i]), "%s: forced by QNN_PLACE",
				 p->dev[i] ? "accel" : "cpu");
		else if (p->dev[i])
			snprintf(p->why[i], sizeof(p->why[i]),
				 "accel: op and bit widths advertised by %s", p->acc->node);
		else
			snprintf(p->why[i], sizeof(p->why[i]),
				 "cpu: device-capable, but moving its data costs more than it saves");
	}
	free(force);
	free(ok);
	if (make_segments(m, p) || plan_domains(m, p))
		return qnn_fmt_err(err, errlen, -ENOMEM, "out of memory");
	for (unsigned int s = 0; s < p->nseg; s++)
		if (p->segs[s].dev && (p->segs[s].ncmds > QNN_CS_MAX_CMDS ||
				       p->segs[s].cs_bytes > QNN_CS_MAX_STREAM_SIZE)) {
			all_cpu(m, p, "cpu: %s", "device segment over the stream limits (4096 commands, 1 MiB)");
			break;
		}
	if (p->ndev && (p->dev_per_image + p->csize > p->acc->caps.va_size || !chunk_limit(m, p)))
		all_cpu(m, p, "cpu: %s", "the model's constants and one image's activations do not fit the device's address space");
	/* placement changed: cut again */
	for (uint32_t i = 0; p->ndev && i < m->nl; i++)
		if (!p->dev[i] && p->segs[p->segof[i]].dev) {
			free(p->segs);
			p->segs = NULL;
			p->nseg = p->ndev = 0;
			p->dev_per_image = p->dev_min = p->dev_naive = 0;
			if (make_segments(m, p) || plan_domains(m, p))
				return qnn_fmt_err(err, errlen, -ENOMEM, "out of memory");
			break;
		}
	if (!p->ndev)
		return 0;	/* all on the CPU: runs take the CPU plan as they are */
	p->max_chunk = chunk_limit(m, p);
	/* with CPU segments, a batch's chunks overlap (seg_run.c); QNN_PIPELINE=0: not */
	p->pipeline = p->nseg > p->ndev && !(getenv("QNN_PIPELINE") && !strcmp(getenv("QNN_PIPELINE"), "0"));
	ret = upload_consts(m, p, err, errlen);
	for (unsigned int s = 0; !ret && s < p->nseg; s++)
		if (!p->segs[s].dev)
			ret = make_sub(m, &p->segs[s], err, errlen);
	return ret;
}

void qnn_seg_req_free(struct seg_plan *p, struct seg_req *r)
{
	if (!r)
		return;
	for (unsigned int k = 0; k < SEG_SLOTS; k++) {
		for (unsigned int s = 0; r->slot[k].kept && s < p->nseg; s++)
			qnn_accel_cmds_destroy(r->acc, r->slot[k].kept[s]);
		free(r->slot[k].kept);
	}
	if (r->bo)
		qnn_accel_bo_free(r->acc, r->bo, r->map, r->bytes);
	if (r->cs)
		for (unsigned int s = 0; s < p->nseg; s++)
			free(r->cs[s]);
	free(r->cs);
	free(r);
}

static void seg_unprepare(struct qnn_model *m)
{
	struct seg_plan *p = plan_of(m);

	qnn_cpu_unprepare(m);
	if (!p)
		return;
	for (unsigned int k = 0; k < QNN_MAX_ACCEL; k++)
		while (p->free[k]) {
			struct seg_req *r = p->free[k];

			p->free[k] = r->next;
			qnn_seg_req_free(p, r);
		}
	for (unsigned int s = 0; p->segs && s < p->nseg; s++)
		free_sub(p->segs[s].sub);
	for (unsigned int k = 0; k < p->nacc; k++) {
		if (p->cbo[k])
			qnn_accel_bo_free(p->accs[k], p->cbo[k], NULL, 0);
		free(p->ca[k]);
	}
	pthread_mutex_destroy(&p->lock);
	free(p->dev);
	free(p->why);
	free(p->segof);
	free(p->segs);
	free(p->indev);
	free(p->doff);
	free(p->soff);
	free(p);
	m->seg = NULL;
}

static int seg_plan_info(const struct qnn_model *m, struct qnn_plan_info *info)
{
	const struct seg_plan *p = plan_of(m);
	size_t host = 0;

	qnn_cpu_plan_info(m, info);
	if (!p || !p->ndev)
		return 0;
	/* the device arena, plus the largest CPU segment's own arena */
	for (unsigned int s = 0; s < p->nseg; s++)
		if (p->segs[s].sub) {
			struct qnn_plan_info si = { .sz = sizeof(si) };

			qnn_cpu_plan_info(p->segs[s].sub, &si);
			host = si.act_peak_bytes > host ? si.act_peak_bytes : host;
		}
	info->act_peak_bytes = p->dev_per_image + host;
	info->act_min_bytes = p->dev_min + host;
	info->act_naive_bytes = p->dev_naive + host;
	return 0;
}

int qnn_seg_overlaps(const struct qnn_model *m)
{
	const struct seg_plan *p = plan_of(m);

	return p && p->ndev && p->pipeline;
}

void qnn_seg_layer(const struct qnn_model *m, unsigned int i, const char **backend,
		   int *segment, const char **reason)
{
	const struct seg_plan *p = plan_of(m);

	*segment = 0;
	*reason = "cpu: no accelerator in this context";
	if (!p)
		return;
	*reason = p->why[i];
	if (!p->ndev)
		return;
	*segment = p->segof[i];
	if (p->dev[i])
		*backend = m->ctx->accel_name;
}

int qnn_seg_stats(const struct qnn_model *m, struct qnn_model_stats *st)
{
	struct seg_plan *p = plan_of(m);

	if (!p)
		return 0;
	st->segments = p->ndev ? p->nseg : 1;
	st->device_segments = p->ndev;
	st->requests = p->requests;
	st->device_jobs = p->jobs;
	st->device_syscalls = p->calls;
	st->fallbacks = p->fallbacks;
	st->copy_in_bytes = p->cin;
	st->copy_out_bytes = p->cout;
	st->device_copy_bytes = p->devcopy;
	st->device_ns = p->dev_ns;
	st->host_device_ns = p->host_ns;
	st->kept_streams = p->kept;
	st->zero_copy_bytes = p->zc;
	st->pack_bytes = p->pack;
	st->overlapped_requests = p->overlapped;
	pthread_mutex_lock(&p->lock);
	memcpy(st->last_fallback, p->last, sizeof(st->last_fallback));
	pthread_mutex_unlock(&p->lock);
	return 0;
}

int qnn_seg_run(struct qnn_model *m, unsigned int batch, const void *const *inputs,
		void *const *outputs, unsigned int threads);

static const struct qnn_backend seg_backend = {
	.name = "seg",
	.supports = NULL,
	.prepare = seg_prepare,
	.unprepare = seg_unprepare,
	.run = qnn_seg_run,
	.plan_info = seg_plan_info,
};

const struct qnn_backend *qnn_backend_seg(void)
{
	return &seg_backend;
}
