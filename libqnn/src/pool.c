// SPDX-License-Identifier: MIT
/*
 * The CPU thread pool: created once per context, reused by every layer of
 * every run. Work is a set of independent tasks (rows or images of a layer);
 * the caller takes part, workers claim tasks from an atomic counter. Workers
 * spin briefly before sleeping because layers are dispatched back to back
 * and a condition-variable wake-up costs more than a small layer.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"

/* ~30 us of spinning (checked on the clock every 256 pauses) before sleeping */
#define SPIN_NS 30000

struct qnn_pool {
	unsigned int n;		/* threads including the caller */
	pthread_t *th;
	pthread_mutex_t lock;	/* protects sleeping and waking */
	pthread_cond_t wake, done;
	pthread_mutex_t run_lock;	/* one qnn_pool_run at a time */
	atomic_ulong gen;
	atomic_int stop;
	qnn_task_fn fn;
	void *arg;
	size_t ntasks;
	unsigned int active;
	atomic_size_t next;
	atomic_uint pending;
	unsigned int sleepers_done;	/* caller sleeping on done */
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

/* spins until *flag != seen (or stop); returns 1 if it changed */
static int spin_until(atomic_ulong *v, unsigned long seen, atomic_int *stop)
{
	uint64_t t0 = now_ns();

	for (unsigned int i = 1;; i++) {
		if (atomic_load(v) != seen || (stop && atomic_load(stop)))
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
	unsigned long seen = 0;

	free(a);
	for (;;) {
		unsigned long g;

		spin_until(&p->gen, seen, &p->stop);
		g = atomic_load(&p->gen);
		if (g == seen && !atomic_load(&p->stop)) {
			pthread_mutex_lock(&p->lock);
			while ((g = atomic_load(&p->gen)) == seen && !atomic_load(&p->stop))
				pthread_cond_wait(&p->wake, &p->lock);
			pthread_mutex_unlock(&p->lock);
		}
		if (atomic_load(&p->stop))
			return NULL;
		seen = g;
		if (id < p->active) {
			do_tasks(p, id);
			if (atomic_fetch_sub(&p->pending, 1) == 1) {
				pthread_mutex_lock(&p->lock);
				pthread_cond_signal(&p->done);
				pthread_mutex_unlock(&p->lock);
			}
		}
	}
}

int qnn_pool_create(unsigned int threads, struct qnn_pool **out)
{
	struct qnn_pool *p;

	if (!threads)
		threads = 1;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->n = threads;
	p->th = calloc(threads, sizeof(*p->th));
	if (!p->th) {
		free(p);
		return -ENOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->run_lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->done, NULL);
	for (unsigned int i = 1; i < threads; i++) {
		struct worker_arg *a = malloc(sizeof(*a));
		int ret;

		if (!a) {
			p->n = i;
			qnn_pool_destroy(p);
			return -ENOMEM;
		}
		a->p = p;
		a->id = i;
		ret = pthread_create(&p->th[i], NULL, worker, a);
		if (ret) {
			free(a);
			p->n = i;
			qnn_pool_destroy(p);
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
	pthread_mutex_lock(&p->lock);
	atomic_store(&p->stop, 1);
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (unsigned int i = 1; i < p->n; i++)
		pthread_join(p->th[i], NULL);
	pthread_cond_destroy(&p->wake);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->run_lock);
	free(p->th);
	free(p);
}

unsigned int qnn_pool_threads(const struct qnn_pool *p)
{
	return p->n;
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
		for (size_t i = 0; i < ntasks; i++)
			fn(arg, i, 0);
		return;
	}
	pthread_mutex_lock(&p->run_lock);
	p->fn = fn;
	p->arg = arg;
	p->ntasks = ntasks;
	p->active = active;
	atomic_store(&p->next, 0);
	/* every worker wakes on a new generation; those >= active just go back */
	atomic_store(&p->pending, active - 1);
	pthread_mutex_lock(&p->lock);
	atomic_fetch_add(&p->gen, 1);
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	do_tasks(p, 0);
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
