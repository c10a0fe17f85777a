// SPDX-License-Identifier: MIT
/*
 * Asynchronous jobs: qnn_submit() queues, runner threads run, qnn_wait()
 * collects. Jobs of different models run in parallel, each on its own
 * runner (started on demand, at most the context's thread count; they share
 * the context's pool, and a run that finds the pool busy runs on its
 * runner alone). Jobs of one model start in submission order: a runner
 * takes the oldest queued job whose model has none running, so a later job
 * of a model can never overtake an earlier one. One exception pipelines
 * requests: a model whose device plan has CPU segments may have two jobs
 * running, so that the device runs job i while the CPU runs job i-1's CPU
 * segments -- only when job i's buffers do not overlap job i-1's (job i
 * reads nothing job i-1 writes, and writes nothing it reads or writes).
 *
 * Lifetimes: a job holds a reference on the context until qnn_wait()
 * returns its result, so neither qnn_ctx_destroy() nor qnn_model_free()
 * leaves a job pointing at freed memory. Freeing a model ends its queued
 * jobs with -ECANCELED and waits for its running one.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

struct qnn_job {
	struct qnn_job *next;
	struct qnn_ctx *ctx;	/* stays valid until qnn_wait() frees the job */
	struct qnn_model *m;	/* only while queued or running */
	unsigned int batch;
	const void *const *inputs;
	void *const *outputs;
	struct qnn_run_opts opts;
	int done, result;
	char msg[QNN_ERRLEN];	/* the failed run's message, for the waiter */
};

int qnn_jobs_init(struct qnn_ctx *ctx)
{
	ctx->max_runners = ctx->threads ? ctx->threads : 1;
	/* two jobs of a model on device and CPU at once need two runners */
	if (ctx->accel && ctx->max_runners < 2)
		ctx->max_runners = 2;
	ctx->runners = calloc(ctx->max_runners, sizeof(*ctx->runners));
	if (!ctx->runners)
		return -ENOMEM;
	pthread_mutex_init(&ctx->qlock, NULL);
	pthread_cond_init(&ctx->qcond, NULL);
	pthread_cond_init(&ctx->qdone, NULL);
	return 0;
}

static int ranges_meet(const void *a, size_t alen, const void *b, size_t blen)
{
	uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;

	return x < y + blen && y < x + alen;
}

/* 1 if job b may run while job a (of the same model) runs. */
static int independent(const struct qnn_job *a, const struct qnn_job *b)
{
	const struct qnn_model *m = b->m;

	for (uint32_t i = 0; i < m->nout; i++) {
		size_t ob = (size_t)m->t[m->out[i]].bytes, alen = ob * a->batch, blen = ob * b->batch;

		for (uint32_t k = 0; k < m->nin; k++) {
			size_t ib = (size_t)m->t[m->in[k]].bytes;

			if (ranges_meet(a->outputs[i], alen, b->inputs[k], ib * b->batch) ||
			    ranges_meet(b->outputs[i], blen, a->inputs[k], ib * a->batch))
				return 0;
		}
		for (uint32_t k = 0; k < m->nout; k++)
			if (ranges_meet(b->outputs[i], blen, a->outputs[k],
					(size_t)m->t[m->out[k]].bytes * a->batch))
				return 0;
	}
	return 1;
}

static int may_start(const struct qnn_job *j)
{
	const struct qnn_model *m = j->m;

	if (!m->job_running)
		return 1;
	return m->job_running == 1 && qnn_seg_overlaps(m) &&
	       independent(m->running[0] ? m->running[0] : m->running[1], j);
}

/* an earlier queued job of j's model (which could not start: j waits) */
static int behind_own_model(const struct qnn_ctx *ctx, const struct qnn_job *j)
{
	for (const struct qnn_job *e = ctx->qhead; e != j; e = e->next)
		if (e->m == j->m)
			return 1;
	return 0;
}

/* the oldest queued job that may start (see the top); unlinked */
static struct qnn_job *take_runnable(struct qnn_ctx *ctx)
{
	struct qnn_job *prev = NULL;

	for (struct qnn_job *j = ctx->qhead; j; prev = j, j = j->next) {
		if (!may_start(j) || behind_own_model(ctx, j))
			continue;
		if (prev)
			prev->next = j->next;
		else
			ctx->qhead = j->next;
		if (ctx->qtail == j)
			ctx->qtail = prev;
		j->next = NULL;
		return j;
	}
	return NULL;
}

static void *runner(void *arg)
{
	struct qnn_ctx *ctx = arg;

	pthread_mutex_lock(&ctx->qlock);
	for (;;) {
		struct qnn_job *j = take_runnable(ctx);
		struct qnn_model *m;

		if (!j) {
			if (ctx->stopping)
				break;
			ctx->idle_runners++;
			pthread_cond_wait(&ctx->qcond, &ctx->qlock);
			ctx->idle_runners--;
			continue;
		}
		m = j->m;
		m->job_running++;
		m->running[m->running[0] ? 1 : 0] = j;
		pthread_mutex_unlock(&ctx->qlock);
		j->result = qnn_run_checked(m, j->batch, j->inputs, j->outputs, &j->opts);
		if (j->result < 0)
			qnn_ctx_errmsg_copy(ctx, j->msg, sizeof(j->msg));
		pthread_mutex_lock(&ctx->qlock);
		m->job_running--;
		m->running[m->running[0] == j ? 0 : 1] = NULL;
		m->jobs--;
		j->m = NULL;
		j->done = 1;
		pthread_cond_broadcast(&ctx->qdone);
		/* the model's next job, if queued, is runnable now */
		if (ctx->qhead && ctx->idle_runners)
			pthread_cond_signal(&ctx->qcond);
	}
	pthread_mutex_unlock(&ctx->qlock);
	return NULL;
}

void qnn_jobs_fini(struct qnn_ctx *ctx)
{
	pthread_mutex_lock(&ctx->qlock);
	ctx->stopping = 1;
	pthread_cond_broadcast(&ctx->qcond);
	pthread_mutex_unlock(&ctx->qlock);
	for (unsigned int i = 0; i < ctx->nrunners; i++)
		pthread_join(ctx->runners[i], NULL);
	free(ctx->runners);
	pthread_mutex_destroy(&ctx->qlock);
	pthread_cond_destroy(&ctx->qcond);
	pthread_cond_destroy(&ctx->qdone);
}

void qnn_jobs_cancel_model(struct qnn_model *m)
{
	struct qnn_ctx *ctx = m->ctx;
	struct qnn_job *prev = NULL, *j, *next;

	pthread_mutex_lock(&ctx->qlock);
	for (j = ctx->qhead; j; j = next) {
		next = j->next;
		if (j->m != m) {
			prev = j;
			continue;
		}
		if (prev)
			prev->next = next;
		else
			ctx->qhead = next;
		if (ctx->qtail == j)
			ctx->qtail = prev;
		j->next = NULL;
		j->m = NULL;
		j->result = -ECANCELED;
		snprintf(j->msg, sizeof(j->msg), "job cancelled: its model was freed before it ran");
		j->done = 1;
		m->jobs--;
	}
	pthread_cond_broadcast(&ctx->qdone);
	while (m->jobs)
		pthread_cond_wait(&ctx->qdone, &ctx->qlock);
	pthread_mutex_unlock(&ctx->qlock);
}

int qnn_submit(struct qnn_model *m, unsigned int batch,
	       const void *const *inputs, void *const *outputs,
	       const struct qnn_run_opts *opts, struct qnn_job **jobp)
{
	struct qnn_ctx *ctx;
	struct qnn_job *j;
	int ret = 0;

	if (!m || !jobp)
		return -EINVAL;
	ctx = m->ctx;
	*jobp = NULL;
	if (!inputs || !outputs || !batch)
		return qnn_ctx_err(ctx, -EINVAL, "submit: inputs/outputs NULL or batch 0");
	if (!qnn_opts_ok(opts, sizeof(*opts)))
		return qnn_ctx_err(ctx, -EINVAL, "qnn_run_opts: sz invalid or unknown fields set");
	j = calloc(1, sizeof(*j));
	if (!j)
		return qnn_ctx_err(ctx, -ENOMEM, "out of memory");
	j->ctx = ctx;
	j->m = m;
	j->batch = batch;
	j->inputs = inputs;
	j->outputs = outputs;
	j->opts.sz = sizeof(j->opts);
	if (opts && opts->sz >= offsetof(struct qnn_run_opts, threads) + sizeof(opts->threads))
		j->opts.threads = opts->threads;
	pthread_mutex_lock(&ctx->qlock);
	/* every runner busy: start another, up to the context's thread count */
	if (!ctx->idle_runners && ctx->nrunners < ctx->max_runners) {
		ret = pthread_create(&ctx->runners[ctx->nrunners], NULL, runner, ctx);
		if (!ret)
			ctx->nrunners++;
		else if (ctx->nrunners)
			ret = 0;	/* the running ones will get to it */
	}
	if (ret) {
		pthread_mutex_unlock(&ctx->qlock);
		free(j);
		return qnn_ctx_err(ctx, -ret, "submit: cannot start a runner thread");
	}
	if (ctx->qtail)
		ctx->qtail->next = j;
	else
		ctx->qhead = j;
	ctx->qtail = j;
	m->jobs++;
	qnn_ctx_get(ctx);
	pthread_cond_signal(&ctx->qcond);
	pthread_mutex_unlock(&ctx->qlock);
	*jobp = j;
	return 0;
}

int qnn_wait(struct qnn_job *j, int timeout_ms)
{
	struct qnn_ctx *ctx;
	struct timespec dl;
	int ret = 0;

	if (!j)
		return -EINVAL;
	ctx = j->ctx;
	if (timeout_ms > 0) {
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_sec += timeout_ms / 1000;
		dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
		if (dl.tv_nsec >= 1000000000) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&ctx->qlock);
	while (!j->done && ret != ETIMEDOUT) {
		if (timeout_ms < 0)
			pthread_cond_wait(&ctx->qdone, &ctx->qlock);
		else if (timeout_ms == 0)
			ret = ETIMEDOUT;
		else
			ret = pthread_cond_timedwait(&ctx->qdone, &ctx->qlock, &dl);
	}
	if (!j->done) {
		pthread_mutex_unlock(&ctx->qlock);
		return -ETIMEDOUT;
	}
	pthread_mutex_unlock(&ctx->qlock);
	ret = j->result;
	if (ret < 0)
		qnn_ctx_err(ctx, ret, "%s", j->msg);
	free(j);
	qnn_ctx_put(ctx);
	return ret;
}
