// SPDX-License-Identifier: MIT
/*
 * Zero-copy I/O buffers on the CPU backend (plain memory there): allocated
 * and imported (a memfd stands in for a dma-buf: the CPU path maps the fd)
 * buffers hold inputs and outputs of runs, sync and async, with results
 * identical to ordinary heap buffers; bad sizes and fds are refused with
 * -errno and a message. The device side runs in the VM (tests/vm).
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "models.h"

struct io {
	unsigned int nin, nout;
	size_t inb[16], outb[16];
};

static void io_of(struct qnn_model *m, struct io *io)
{
	io->nin = (unsigned int)qnn_model_num_inputs(m);
	io->nout = (unsigned int)qnn_model_num_outputs(m);
	for (unsigned int i = 0; i < io->nin; i++) {
		struct qnn_tensor_info ti = { .sz = sizeof(ti) };

		qnn_model_input(m, i, &ti);
		io->inb[i] = ti.bytes;
	}
	for (unsigned int i = 0; i < io->nout; i++) {
		struct qnn_tensor_info ti = { .sz = sizeof(ti) };

		qnn_model_output(m, i, &ti);
		io->outb[i] = ti.bytes;
	}
}

int main(void)
{
	struct qnn_ctx_opts o = { .sz = sizeof(o), .device = "cpu", .threads = 2 };
	struct qnn_ctx *ctx = NULL;
	char err[256];

	if (!ok(!qnn_ctx_create(&o, &ctx, err, sizeof(err)), "cpu context: %s", err))
		return done_testing();
	for (int which = 0; which < NUM_MODELS; which++) {
		const unsigned int batch = 3;
		struct qnn_buffer *bin[16] = { 0 }, *bout[16] = { 0 };
		void *hin[16], *hout[16], *zin[16], *zout[16];
		struct qnn_model *m = NULL;
		uint64_t seed = 40 + (uint64_t)which;
		struct qnn_job *job = NULL;
		int eq = 1, ret, aret;
		struct io io;
		void *file;
		size_t size;

		if (build_model(which, &file, &size, 3 + (uint64_t)which) ||
		    qnn_model_load_mem(ctx, file, size, &(struct qnn_load_opts){ .sz = sizeof(struct qnn_load_opts), .flags = QNN_LOAD_COPY }, &m)) {
			ok(0, "model %d: build/load: %s", which, qnn_ctx_errmsg(ctx));
			continue;
		}
		free(file);
		io_of(m, &io);
		for (unsigned int i = 0; i < io.nin; i++) {
			ret = qnn_buffer_alloc(ctx, io.inb[i] * batch, &bin[i]);
			hin[i] = xcalloc(io.inb[i], batch);
			zin[i] = qnn_buffer_data(bin[i]);
			/* model inputs with valid tails: take the CPU run's own check as the filter */
			for (size_t b = 0; b < io.inb[i] * batch; b++)
				((uint8_t *)hin[i])[b] = (uint8_t)rnd(&seed);
		}
		for (unsigned int i = 0; i < io.nout; i++) {
			qnn_buffer_alloc(ctx, io.outb[i] * batch, &bout[i]);
			hout[i] = xcalloc(io.outb[i], batch);
			zout[i] = qnn_buffer_data(bout[i]);
		}
		ret = qnn_run_batch(m, batch, (const void *const *)hin, hout, NULL);
		if (ret == -EINVAL) {	/* random packed tails: clear them the easy way, zero inputs */
			for (unsigned int i = 0; i < io.nin; i++)
				memset(hin[i], 0, io.inb[i] * batch);
			ret = qnn_run_batch(m, batch, (const void *const *)hin, hout, NULL);
		}
		for (unsigned int i = 0; i < io.nin; i++)
			memcpy(zin[i], hin[i], io.inb[i] * batch);
		aret = qnn_run_batch(m, batch, (const void *const *)zin, zout, NULL);
		for (unsigned int i = 0; i < io.nout; i++)
			eq &= !memcmp(hout[i], zout[i], io.outb[i] * batch);
		ok(!ret && !aret && eq, "model %d: run on qnn_buffer inputs/outputs: %d/%d, outputs identical to heap buffers",
		   which, ret, aret);
		for (unsigned int i = 0; i < io.nout; i++)
			memset(zout[i], 0x5a, io.outb[i] * batch);
		ret = qnn_submit(m, batch, (const void *const *)zin, zout, NULL, &job);
		ret = ret ? ret : qnn_wait(job, 60000);
		for (unsigned int i = 0; eq && i < io.nout; i++)
			eq &= !memcmp(hout[i], zout[i], io.outb[i] * batch);
		ok(!ret && eq, "model %d: qnn_submit on qnn_buffers: %d, identical", which, ret);
		for (unsigned int i = 0; i < io.nin; i++) {
			ok(qnn_buffer_size(bin[i]) == io.inb[i] * batch && ((uintptr_t)zin[i] & 4095) == 0,
			   "model %d input %u: buffer size %zu, page aligned", which, i, qnn_buffer_size(bin[i]));
			qnn_buffer_free(bin[i]);
			free(hin[i]);
		}
		for (unsigned int i = 0; i < io.nout; i++) {
			qnn_buffer_free(bout[i]);
			free(hout[i]);
		}
		qnn_model_free(m);
	}
	{
		struct qnn_buffer *b = NULL;
		int fd = memfd_create("qnn-test", 0), ret;

		ok(qnn_buffer_alloc(ctx, 0, &b) == -EINVAL && !b && strstr(qnn_ctx_errmsg(ctx), "size 0"),
		   "qnn_buffer_alloc of 0 bytes: -EINVAL: %s", qnn_ctx_errmsg(ctx));
		ok(qnn_buffer_import_dmabuf(ctx, -1, &b) == -EBADF && !b,
		   "import of fd -1: -EBADF: %s", qnn_ctx_errmsg(ctx));
		ok(qnn_buffer_import_dmabuf(ctx, fd, &b) < 0 && !b,
		   "import of an empty file: refused: %s", qnn_ctx_errmsg(ctx));
		ok(!ftruncate(fd, 8192), "memfd of 8192 bytes");
		ret = qnn_buffer_import_dmabuf(ctx, fd, &b);
		close(fd);	/* the mapping keeps what it needs */
		ok(!ret && qnn_buffer_size(b) == 8192 && qnn_buffer_data(b),
		   "CPU context: an fd imported by mapping it: %d, %zu bytes", ret, qnn_buffer_size(b));
		if (b) {
			memset(qnn_buffer_data(b), 7, 8192);
			ok(((uint8_t *)qnn_buffer_data(b))[8191] == 7, "imported buffer writable");
		}
		qnn_buffer_free(b);
		qnn_buffer_free(NULL);
		ok(qnn_buffer_data(NULL) == NULL && qnn_buffer_size(NULL) == 0, "NULL buffer: no data, size 0");
	}
	/* a buffer keeps its context: destroy first, free after */
	{
		struct qnn_buffer *b = NULL;

		ok(!qnn_buffer_alloc(ctx, 100, &b), "a buffer outliving qnn_ctx_destroy");
		qnn_ctx_destroy(ctx);
		memset(qnn_buffer_data(b), 1, 100);
		qnn_buffer_free(b);
	}
	return done_testing();
}
