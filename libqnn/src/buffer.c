// SPDX-License-Identifier: MIT
/*
 * Application buffers for zero-copy I/O. On a context with a device a
 * buffer is a device BO (allocated, or a dma-buf imported through PRIME)
 * mapped into the process; elsewhere it is plain memory. Runs recognize
 * input and output pointers inside a buffer of their context (a lookup in
 * the context's list) and let the device read and write them in place
 * (seg_run.c); everything else about a run is unchanged, so a buffer works
 * wherever a pointer does (CPU backend, fallback, another device of
 * "accel:all").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "accel.h"

enum buf_kind {
	BUF_HEAP,	/* host memory (CPU context, or the device is gone) */
	BUF_HOST_MAP,	/* a dma-buf mapped through its own fd (CPU context) */
	BUF_DEVICE,	/* a BO of ctx->accel, mapped */
};

struct qnn_buffer {
	struct qnn_buffer *next;
	struct qnn_ctx *ctx;
	enum buf_kind kind;
	struct qnn_accel *acc;
	uint32_t handle;
	uint64_t va;
	void *data;
	size_t size, map_size;
};

static void link_buffer(struct qnn_ctx *ctx, struct qnn_buffer *b)
{
	qnn_ctx_get(ctx);
	b->ctx = ctx;
	pthread_mutex_lock(&ctx->buflock);
	b->next = ctx->bufs;
	ctx->bufs = b;
	pthread_mutex_unlock(&ctx->buflock);
}

int qnn_buffer_alloc(struct qnn_ctx *ctx, size_t size, struct qnn_buffer **out)
{
	struct qnn_buffer *b;
	int ret = -ENODEV;

	if (!ctx || !out)
		return -EINVAL;
	*out = NULL;
	if (!size)
		return qnn_ctx_err(ctx, -EINVAL, "qnn_buffer_alloc: size 0");
	b = calloc(1, sizeof(*b));
	if (!b)
		return qnn_ctx_err(ctx, -ENOMEM, "out of memory");
	b->size = size;
	if (ctx->accel && !atomic_load(&ctx->accel->dead)) {
		atomic_ullong calls = 0;
		size_t ps = ctx->accel->caps.page_size;

		b->map_size = (size + ps - 1) / ps * ps;
		ret = qnn_accel_bo_create(ctx->accel, b->map_size, 0, &b->handle, &b->va, &b->data,
					  &calls);
		if (!ret) {
			b->kind = BUF_DEVICE;
			b->acc = ctx->accel;
		} else if (ret != -ENODEV) {
			free(b);
			return qnn_ctx_err(ctx, ret, "qnn_buffer_alloc: %zu-byte BO on %s: %s", size,
					   ctx->accel->node, strerror(-ret));
		}
	}
	if (ret) {	/* no device (or it is gone): plain memory serves as well */
		if (posix_memalign(&b->data, 4096, size)) {
			free(b);
			return qnn_ctx_err(ctx, -ENOMEM, "qnn_buffer_alloc: %zu bytes: out of memory", size);
		}
		b->kind = BUF_HEAP;
	}
	link_buffer(ctx, b);
	*out = b;
	return 0;
}

int qnn_buffer_import_dmabuf(struct qnn_ctx *ctx, int fd, struct qnn_buffer **out)
{
	struct qnn_buffer *b;
	int ret;

	if (!ctx || !out)
		return -EINVAL;
	*out = NULL;
	if (fd < 0)
		return qnn_ctx_err(ctx, -EBADF, "qnn_buffer_import_dmabuf: fd %d is not a file descriptor", fd);
	b = calloc(1, sizeof(*b));
	if (!b)
		return qnn_ctx_err(ctx, -ENOMEM, "out of memory");
	if (ctx->accel) {
		ret = qnn_accel_bo_import(ctx->accel, fd, &b->handle, &b->va, &b->map_size, &b->data);
		if (ret) {
			free(b);
			return qnn_ctx_err(ctx, ret, "qnn_buffer_import_dmabuf: PRIME import of fd %d into %s: %s",
					   fd, ctx->accel->node, strerror(-ret));
		}
		b->kind = BUF_DEVICE;
		b->acc = ctx->accel;
		b->size = b->map_size;
	} else {
		/* no device: the dma-buf's own mmap; its size is where lseek ends */
		off_t end = lseek(fd, 0, SEEK_END);

		if (end <= 0) {
			ret = end < 0 ? -errno : -EINVAL;
			free(b);
			return qnn_ctx_err(ctx, ret, "qnn_buffer_import_dmabuf: fd %d: no size (%s): not a dma-buf?",
					   fd, strerror(-ret));
		}
		b->map_size = b->size = (size_t)end;
		b->data = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (b->data == MAP_FAILED) {
			ret = -errno;
			free(b);
			return qnn_ctx_err(ctx, ret, "qnn_buffer_import_dmabuf: mmap of fd %d: %s", fd,
					   strerror(-ret));
		}
		b->kind = BUF_HOST_MAP;
	}
	link_buffer(ctx, b);
	*out = b;
	return 0;
}

void *qnn_buffer_data(const struct qnn_buffer *b)
{
	return b ? b->data : NULL;
}

size_t qnn_buffer_size(const struct qnn_buffer *b)
{
	return b ? b->size : 0;
}

void qnn_buffer_free(struct qnn_buffer *b)
{
	struct qnn_ctx *ctx;
	int shared = 0;

	if (!b)
		return;
	ctx = b->ctx;
	pthread_mutex_lock(&ctx->buflock);
	for (struct qnn_buffer **pp = &ctx->bufs; *pp; pp = &(*pp)->next)
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	/* one dma-buf imported twice is one GEM handle: close it with the last */
	for (struct qnn_buffer *o = ctx->bufs; o; o = o->next)
		shared |= o->kind == BUF_DEVICE && o->acc == b->acc && o->handle == b->handle;
	pthread_mutex_unlock(&ctx->buflock);
	switch (b->kind) {
	case BUF_HEAP:
		free(b->data);
		break;
	case BUF_HOST_MAP:
		munmap(b->data, b->map_size);
		break;
	case BUF_DEVICE:
		qnn_accel_bo_free(b->acc, shared ? 0 : b->handle, b->data, b->map_size);
		break;
	}
	free(b);
	qnn_ctx_put(ctx);
}

int qnn_buffer_find(struct qnn_ctx *ctx, const struct qnn_accel *acc, const void *p, size_t len,
		    uint32_t *handle, uint64_t *va)
{
	uintptr_t q = (uintptr_t)p;
	int found = 0;

	pthread_mutex_lock(&ctx->buflock);
	for (struct qnn_buffer *b = ctx->bufs; b && !found; b = b->next) {
		uintptr_t d = (uintptr_t)b->data;

		if (b->kind != BUF_DEVICE || b->acc != acc || q < d || q - d > b->size ||
		    len > b->size - (q - d))
			continue;
		*handle = b->handle;
		*va = b->va + (uint64_t)(q - d);
		found = 1;
	}
	pthread_mutex_unlock(&ctx->buflock);
	return found;
}
