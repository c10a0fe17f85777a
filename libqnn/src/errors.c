// SPDX-License-Identifier: MIT
/* Error texts: negative errno values plus per-object message buffers. */
#include <errno.h>
#include <stdio.h>
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

int qnn_ctx_err(struct qnn_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;

	if (ctx) {
		va_start(ap, fmt);
		vsnprintf(ctx->err, sizeof(ctx->err), fmt, ap);
		va_end(ap);
	}
	return err;
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
	return ctx ? ctx->err : "";
}
