// SPDX-License-Identifier: MIT
/*
 * The CPU thread pool: created once per context, reused by every layer of
 * every run. Work is a set of independent tasks (rows or images of a layer);
 * the caller takes part as worker 0, workers claim tasks from an atomic
 * counter. Workers spin briefly before sleeping because layers are
 * dispatched back to back and a condition-variable wake-up costs more than
 * a small layer.
 *
 * Generation protocol. A run hands work only to the workers it uses
 * (1 .. active-1), each through its own slot: the caller writes the job
 * (fn, arg, ntasks), then bumps each used worker's slot sequence (release).
 * A worker that sees its sequence move reads the job (acquire), runs tasks
 * and decrements `pending`; the caller returns, and may write the next
 * job, only when `pending` is 0, i.e. after every worker it handed this job
 * to has stopped reading it. A worker the run does not use is never told
 * about it and never reads the job, so it cannot mistake a later job for
 * this one (the bug of a shared generation counter plus a shared `active`
 * count, read in two steps).
 *
 * Offers. Handing a job to a worker also sets its slot's `offer`; the
 * worker claims the job by taking the offer (atomic exchange) before it
 * reads the job. When the caller has run out of tasks it takes back the
 * offers nobody claimed and counts those workers as done: a worker that
 * is descheduled (a loaded machine) no longer holds up every layer until
 * it wakes only to find no task left. Exactly one side takes each offer,
 * so `pending` is decremented once per handed-out job either way.
 */
#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* ~30 us of spinning (checked on the clock every 256 pauses) before sleeping */
#define SPIN_NS 30000

struct slot {
	alignas(64) atomic_ulong seq;	/* jobs handed to this worker so far */
	atomic_int offer;		/* 1: a job handed out, not claimed yet */
	pthread_cond_t wake;
	int sleeping;			/* under pool->lock */
};

struct qnn_pool {
	unsigned int n;		/* threads including the caller */
	pthread_t *th;
	struct slot *slots;	/* n entries; slot 0 (the caller) unused */
	pthread_mutex_t lock;	/* protects sleeping and waking */
	pthread_cond_t done;
	pthread_mutex_t run_lock;	/* one qnn_pool_run at a time */
	atomic_int stop;
	/* the job: written only while no worker is reading it (see above) */
	qnn_task_fn fn;
	void *arg;
	size_t ntasks;
	atomic_size_t next;
	atomic_uint pending;	/* offers neither finished nor taken back */
};

struct worker_arg {
	struct qnn_pool *p;
	unsigned int id;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* spins until *v != seen or stop; 1 if that happened, 0 after SPIN_NS */
static int spin_until(atomic_ulong *v, unsigned long seen, atomic_int *stop)
{
	uint64_t t0 = now_ns();

	for (unsigned int i = 1;; i++) {
		if (atomic_load(v) != seen || atomic_load(stop))
			return 1;
		cpu_relax();
		if (!(i % 256) && now_ns() - t0 > SPIN_NS)
			return 0;
	}
}

static void do_tasks(struct qnn_pool *p, unsigned int id)
{
	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);

		if (i >= p->ntasks)
			break;
		p->fn(p->arg, i, id);
	}
}

static void *worker(void *a)
{
	struct qnn_pool *p = ((struct worker_arg *)a)->p;
	unsigned int id = ((struct worker_arg *)a)->id;
	struct slot *s = &p->slots[id];
	unsigned long seen = 0;

	free(a);
	for (;;) {
		if (!spin_until(&s->seq, seen, &p->stop)) {
			pthread_mutex_lock(&p->lock);
			while (atomic_load(&s->seq) == seen && !atomic_load(&p->stop)) {
				s->sleeping = 1;
				pthread_cond_wait(&s->wake, &p->lock);
			}
			s->sleeping = 0;
			pthread_mutex_unlock(&p->lock);
		}
		if (atomic_load(&p->stop))
			return NULL;
		seen = atomic_load(&s->seq);
		/* the caller may have done every task and taken the offer back */
		if (!atomic_exchange(&s->offer, 0))
			continue;
		do_tasks(p, id);
		if (atomic_fetch_sub(&p->pending, 1) == 1) {
			pthread_mutex_lock(&p->lock);
			pthread_cond_signal(&p->done);
			pthread_mutex_unlock(&p->lock);
		}
	}
}

static void stop_workers(struct qnn_pool *p, unsigned int started)
{
	pthread_mutex_lock(&p->lock);
	atomic_store(&p->stop, 1);
	for (unsigned int i = 1; i < started; i++)
		pthread_cond_signal(&p->slots[i].wake);
	pthread_mutex_unlock(&p->lock);
	for (unsigned int i = 1; i < started; i++)
		pthread_join(p->th[i], NULL);
}

static void free_pool(struct qnn_pool *p)
{
	for (unsigned int i = 0; i < p->n; i++)
		pthread_cond_destroy(&p->slots[i].wake);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->run_lock);
	free(p->slots);
	free(p->th);
	free(p);
}

int qnn_pool_create(unsigned int threads, struct qnn_pool **out)
{
	struct qnn_pool *p;
	size_t sb;

	if (!threads)
		threads = 1;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->n = threads;
	sb = (sizeof(struct slot) * threads + 63) / 64 * 64;
	p->th = calloc(threads, sizeof(*p->th));
	p->slots = aligned_alloc(64, sb);
	if (!p->th || !p->slots) {
		free(p->th);
		free(p->slots);
		free(p);
		return -ENOMEM;
	}
	memset(p->slots, 0, sb);
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->run_lock, NULL);
	pthread_cond_init(&p->done, NULL);
	for (unsigned int i = 0; i < threads; i++)
		pthread_cond_init(&p->slots[i].wake, NULL);
	for (unsigned int i = 1; i < threads; i++) {
		struct worker_arg *a = malloc(sizeof(*a));
		int ret = a ? 0 : ENOMEM;

		if (a) {
			a->p = p;
			a->id = i;
			ret = pthread_create(&p->th[i], NULL, worker, a);
		}
		if (ret) {
			free(a);
			stop_workers(p, i);
			free_pool(p);
			return -ret;
		}
	}
	*out = p;
	return 0;
}

void qnn_pool_destroy(struct qnn_pool *p)
{
	if (!p)
		return;
	stop_workers(p, p->n);
	free_pool(p);
}

unsigned int qnn_pool_threads(const struct qnn_pool *p)
{
	return p->n;
}

static void run_inline(size_t ntasks, qnn_task_fn fn, void *arg)
{
	for (size_t i = 0; i < ntasks; i++)
		fn(arg, i, 0);
}

void qnn_pool_run(struct qnn_pool *p, size_t ntasks, qnn_task_fn fn, void *arg,
		  unsigned int max_threads)
{
	unsigned int active = p->n;
	uint64_t t0;

	if (max_threads && max_threads < active)
		active = max_threads;
	if (ntasks < active)
		active = (unsigned int)ntasks;
	if (active <= 1) {
		run_inline(ntasks, fn, arg);
		return;
	}
	/*
	 * The pool busy with another model's run (another thread, another
	 * async job): do this run here rather than queue behind it. Worker
	 * ids index per-model scratch, so worker 0 here does not collide with
	 * the other model's worker 0.
	 */
	if (pthread_mutex_trylock(&p->run_lock)) {
		run_inline(ntasks, fn, arg);
		return;
	}
	p->fn = fn;
	p->arg = arg;
	p->ntasks = ntasks;
	atomic_store(&p->next, 0);
	atomic_store(&p->pending, active - 1);
	for (unsigned int i = 1; i < active; i++) {
		atomic_store(&p->slots[i].offer, 1);
		atomic_fetch_add(&p->slots[i].seq, 1);
	}
	pthread_mutex_lock(&p->lock);
	for (unsigned int i = 1; i < active; i++)
		if (p->slots[i].sleeping)
			pthread_cond_signal(&p->slots[i].wake);
	pthread_mutex_unlock(&p->lock);
	do_tasks(p, 0);
	for (unsigned int i = 1; i < active; i++)
		if (atomic_exchange(&p->slots[i].offer, 0))
			atomic_fetch_sub(&p->pending, 1);
	t0 = now_ns();
	for (unsigned int i = 1; atomic_load(&p->pending); i++) {
		cpu_relax();
		if (!(i % 256) && now_ns() - t0 > SPIN_NS)
			break;
	}
	if (atomic_load(&p->pending)) {
		pthread_mutex_lock(&p->lock);
		while (atomic_load(&p->pending))
			pthread_cond_wait(&p->done, &p->lock);
		pthread_mutex_unlock(&p->lock);
	}
	pthread_mutex_unlock(&p->run_lock);
}
