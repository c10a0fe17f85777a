// SPDX-License-Identifier: MIT
/*
 * Contexts: device choice (QNN_DEVICE), CPU kernel set, the thread pool,
 * the async job runners (jobs.c). A context is reference counted: the
 * user's handle, each live model and each job not yet waited for hold one,
 * so qnn_ctx_destroy() with models still alive leaves them usable and the
 * context is freed with the last of them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accel.h"

/* A larger struct from a newer caller is fine if the part we don't know is zero. */
int qnn_opts_ok(const void *opts, size_t known)
{
	size_t sz;

	if (!opts)
		return 1;
	sz = *(const size_t *)opts;
	if (sz < sizeof(size_t))
		return 0;
	for (size_t i = known; i < sz; i++)
		if (((const uint8_t *)opts)[i])
			return 0;
	return 1;
}

/* "auto" -> -1, "cpu" -> -2, "accel" -> 0, "accel:N" -> N, "accel:all" -> -3; -EINVAL otherwise */
int qnn_parse_device(const char *s, int *accel_index)
{
	char *end;
	long n;

	if (!s || !strcmp(s, "auto")) {
		*accel_index = -1;
		return 0;
	}
	if (!strcmp(s, "cpu")) {
		*accel_index = -2;
		return 0;
	}
	if (!strcmp(s, "accel")) {
		*accel_index = 0;
		return 0;
	}
	if (!strcmp(s, "accel:all")) {	/* every qnn device alike: a batch is shared */
		*accel_index = -3;
		return 0;
	}
	if (strncmp(s, "accel:", 6) || s[6] < '0' || s[6] > '9')
		return -EINVAL;
	errno = 0;
	n = strtol(s + 6, &end, 10);
	if (*end || errno || n < 0 || n > 255)
		return -EINVAL;
	*accel_index = (int)n;
	return 0;
}

/*
 * "accel:all": the other qnn devices advertising exactly what the first does
 * (a plan made for one runs on each); others are closed again.
 */
static void open_alike(struct qnn_ctx *ctx, int all)
{
	const struct qnn_accel_caps *c0 = &ctx->accel->caps;
	char aerr[QNN_ERRLEN];

	for (int i = 1; all && i < 256 && ctx->naccel < QNN_MAX_ACCEL; i++) {
		struct qnn_accel *a;

		if (qnn_accel_open(i, &a, aerr, sizeof(aerr)))
			break;
		if (a->caps.ops != c0->ops || a->caps.max_wbits != c0->max_wbits ||
		    a->caps.max_abits != c0->max_abits || a->caps.va_size < c0->va_size ||
		    a->caps.sram != c0->sram) {
			qnn_accel_close(a);
			continue;
		}
		ctx->accels[ctx->naccel++] = a;
	}
}

static void close_accels(struct qnn_ctx *ctx)
{
	for (unsigned int i = 0; i < ctx->naccel; i++)
		qnn_accel_close(ctx->accels[i]);
	if (!ctx->naccel)
		qnn_accel_close(ctx->accel);
	ctx->naccel = 0;
	ctx->accel = NULL;
}

int qnn_ctx_create(const struct qnn_ctx_opts *opts, struct qnn_ctx **out,
		   char *errmsg, size_t errlen)
{
	const char *dev = NULL, *isa = NULL;
	unsigned int threads = 0;
	size_t mem_limit = 0;
	struct qnn_ctx *ctx;
	int accel, ret;
	long ncpu;

	if (!out)
		return qnn_fmt_err(errmsg, errlen, -EINVAL, "qnn_ctx_create: out is NULL");
	*out = NULL;
	if (opts && !qnn_opts_ok(opts, sizeof(*opts)))
		return qnn_fmt_err(errmsg, errlen, -EINVAL,
				   "qnn_ctx_opts: sz %zu invalid or unknown fields set", opts->sz);
	if (opts) {
#define HAS(f) (opts->sz >= offsetof(struct qnn_ctx_opts, f) + sizeof(opts->f))
		if (HAS(device))
			dev = opts->device;
		if (HAS(threads))
			threads = opts->threads;
		if (HAS(cpu_isa))
			isa = opts->cpu_isa;
		if (HAS(mem_limit))
			mem_limit = opts->mem_limit;
#undef HAS
	}
	if (!dev)
		dev = getenv("QNN_DEVICE");
	if (dev && !*dev)
		dev = NULL;
	if (qnn_parse_device(dev, &accel))
		return qnn_fmt_err(errmsg, errlen, -EINVAL,
				   "device \"%s\" invalid: expected auto, cpu, accel or accel:N", dev);
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return qnn_fmt_err(errmsg, errlen, -ENOMEM, "out of memory");
	/* "auto" takes the first qnn device if there is one; "cpu" never looks */
	if (accel != -2) {
		char aerr[QNN_ERRLEN];

		ret = qnn_accel_open(accel >= 0 ? accel : 0, &ctx->accel, aerr, sizeof(aerr));
		if (ret && accel != -1) {
			free(ctx);
			return qnn_fmt_err(errmsg, errlen, ret, "device \"%s\": %s", dev, aerr);
		}
		if (!ret) {
			ctx->accels[ctx->naccel++] = ctx->accel;
			open_alike(ctx, accel == -3);
		}
	}
	ctx->kern = qnn_kern_select(isa);
	if (!ctx->kern) {
		const char *name = isa ? isa : getenv("QNN_KERNELS");

		close_accels(ctx);
		free(ctx);
		return qnn_fmt_err(errmsg, errlen, -ENODEV,
				   "CPU kernel set \"%s\" unknown or not supported by this CPU",
				   name ? name : "auto");
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (!threads)
		threads = ncpu > 0 ? (unsigned int)ncpu : 1;
	if (threads > 1024)
		threads = 1024;
	ctx->threads = threads;
	atomic_init(&ctx->refs, 1);
	ret = qnn_err_init(ctx);
	if (ret) {
		close_accels(ctx);
		free(ctx);
		return qnn_fmt_err(errmsg, errlen, ret, "out of memory");
	}
	ret = qnn_jobs_init(ctx);
	if (ret) {
		qnn_err_fini(ctx);
		close_accels(ctx);
		free(ctx);
		return qnn_fmt_err(errmsg, errlen, ret, "out of memory");
	}
	ret = qnn_pool_create(threads, &ctx->pool);
	if (ret) {
		qnn_jobs_fini(ctx);
		qnn_err_fini(ctx);
		close_accels(ctx);
		free(ctx);
		return qnn_fmt_err(errmsg, errlen, ret, "starting %u threads failed", threads);
	}
	pthread_mutex_init(&ctx->buflock, NULL);
	ctx->mem_limit = mem_limit ? mem_limit : qnn_mem_limit_default();
	ctx->accel_index = -1;
	snprintf(ctx->isa, sizeof(ctx->isa), "%s", ctx->kern->name);
	snprintf(ctx->backend, sizeof(ctx->backend), "cpu-%s", ctx->kern->name);
	/* with a device, models run through the segmented plan (seg_plan.c) */
	if (ctx->accel) {
		ctx->accel_index = ctx->accel->index;
		snprintf(ctx->accel_name, sizeof(ctx->accel_name), "accel:%d", ctx->accel->index);
		if (accel == -3)
			snprintf(ctx->accel_name, sizeof(ctx->accel_name), "accel:all");
		snprintf(ctx->backend, sizeof(ctx->backend), "%s", ctx->accel_name);
		ctx->backends[ctx->nbackends++] = qnn_backend_seg();
	}
	ctx->backends[ctx->nbackends++] = qnn_backend_cpu();
	*out = ctx;
	return 0;
}

void qnn_ctx_get(struct qnn_ctx *ctx)
{
	atomic_fetch_add(&ctx->refs, 1);
}

/* The last reference: no model and no job is left, so runners are idle. */
void qnn_ctx_put(struct qnn_ctx *ctx)
{
	if (atomic_fetch_sub(&ctx->refs, 1) != 1)
		return;
	qnn_jobs_fini(ctx);
	qnn_pool_destroy(ctx->pool);
	pthread_mutex_destroy(&ctx->buflock);
	qnn_err_fini(ctx);
	close_accels(ctx);
	free(ctx);
}

void qnn_ctx_destroy(struct qnn_ctx *ctx)
{
	if (ctx)
		qnn_ctx_put(ctx);
}

int qnn_ctx_info(const struct qnn_ctx *ctx, struct qnn_ctx_info *info)
{
	struct qnn_ctx_info ci;

	if (!ctx || !info || info->sz < offsetof(struct qnn_ctx_info, cpu_isa))
		return -EINVAL;
	memset(&ci, 0, sizeof(ci));
	ci.sz = info->sz;
	memcpy(ci.backend, ctx->backend, sizeof(ci.backend));
	memcpy(ci.cpu_isa, ctx->isa, sizeof(ci.cpu_isa));
	ci.threads = ctx->threads;
	ci.accel_index = ctx->accel_index;
	ci.mem_limit = ctx->mem_limit;
	memcpy(info, &ci, info->sz < sizeof(ci) ? info->sz : sizeof(ci));
	return 0;
}
