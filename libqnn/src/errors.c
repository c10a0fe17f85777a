// SPDX-License-Identifier: MIT
/* Error texts: negative errno values plus per-thread message buffers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int qnn_fmt_err(char *buf, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	if (buf && len) {
		va_start(ap, fmt);
		vsnprintf(buf, len, fmt, ap);
		va_end(ap);
	}
	return err;
}

/*
 * Per-thread messages: one slot per (context, thread) that ever failed a
 * call on it, found by pthread_self() under errlock. A slot is written only
 * by its thread (a later thread reusing a dead thread's id takes its slot
 * over), so the pointer qnn_ctx_errmsg() returns is never rewritten by
 * another thread. Slots live until the context is freed; their number is
 * bounded by the threads alive at once, as the C library reuses ids.
 */
struct qnn_errslot {
	struct qnn_errslot *next;
	pthread_t tid;
	char msg[QNN_ERRLEN];
};

int qnn_err_init(struct qnn_ctx *ctx)
{
	ctx->errs = NULL;
	return pthread_mutex_init(&ctx->errlock, NULL) ? -ENOMEM : 0;
}

void qnn_err_fini(struct qnn_ctx *ctx)
{
	while (ctx->errs) {
		struct qnn_errslot *e = ctx->errs;

		ctx->errs = e->next;
		free(e);
	}
	pthread_mutex_destroy(&ctx->errlock);
}

/* the calling thread's slot (errlock held), created if `make` */
static struct qnn_errslot *slot(struct qnn_ctx *ctx, int make)
{
	pthread_t self = pthread_self();
	struct qnn_errslot *e;

	for (e = ctx->errs; e; e = e->next)
		if (pthread_equal(e->tid, self))
			return e;
	if (!make)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (e) {
		e->tid = self;
		e->next = ctx->errs;
		ctx->errs = e;
	}
	return e;
}

int qnn_ctx_err(struct qnn_ctx *ctx, int err, const char *fmt, ...)
{
	struct qnn_errslot *e;
	va_list ap;

	if (!ctx)
		return err;
	pthread_mutex_lock(&ctx->errlock);
	e = slot(ctx, 1);
	if (e) {	/* out of memory for a slot: the errno still says it */
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&ctx->errlock);
	return err;
}

void qnn_ctx_errmsg_copy(struct qnn_ctx *ctx, char *buf, size_t len)
{
	struct qnn_errslot *e;

	pthread_mutex_lock(&ctx->errlock);
	e = slot(ctx, 0);
	snprintf(buf, len, "%s", e ? e->msg : "");
	pthread_mutex_unlock(&ctx->errlock);
}

const char *qnn_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0: return "success";
	case EBADMSG: return "malformed model file";
	case EPROTO: return "model file checksum mismatch";
	case ENOTSUP: return "not supported (newer format version or unknown op)";
	case EINVAL: return "invalid argument or inconsistent model";
	case E2BIG: return "size over a documented limit";
	case ENOMEM: return "out of memory";
	case ENODEV: return "no such device";
	case ETIMEDOUT: return "timed out";
	case ERANGE: return "value out of range for the encoding";
	case ENOENT: return "no such file";
	case EACCES: return "permission denied";
	case EBUSY: return "busy";
	case ECANCELED: return "cancelled";
	}
	return "unknown error";
}

const char *qnn_ctx_errmsg(const struct qnn_ctx *ctx)
{
	/* the lock and the slot list are not part of the context's value */
	struct qnn_ctx *c = (struct qnn_ctx *)ctx;
	struct qnn_errslot *e;

	if (!c)
		return "";
	pthread_mutex_lock(&c->errlock);
	e = slot(c, 0);
	pthread_mutex_unlock(&c->errlock);
	return e ? e->msg : "";
}
