/* SPDX-License-Identifier: MIT */
/* libqnn internals: the one graph/plan representation shared by backends. */
#ifndef QNN_INTERNAL_H
#define QNN_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "qnn.h"
#include "qnn_model_writer.h"
#include "kern/kern.h"

#define QNN_ERRLEN 512
#define QNN_ALIGN 64

#define QNN_UNUSED __attribute__((unused))

/* Formats a message into buf[len]; returns err (a negative errno). */
int qnn_fmt_err(char *buf, size_t len, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- tensors and layers, as validated from a .qnn file ---- */

struct qnn_tensor {
	const char *name;
	uint8_t dtype, enc, bits, is_const;
	uint32_t n, h, w, c;
	uint32_t cw;		/* BITS: words per plane per pixel */
	size_t pix_bytes;	/* bytes of one pixel (all planes) */
	size_t bytes;		/* whole tensor (constants) or one image */
	const void *data;	/* constants: in the model's file image */
	size_t arena_off;	/* activations: naive layout offset (backends plan their own) */
	int producer;		/* layer index, -1 graph input / constant */
};

struct conv_plan;

struct qnn_layer {
	const char *name;
	uint32_t op, flags, n_in;
	int in[4];		/* tensor indices (0-based), -1 unused */
	int out, weights, thresholds, negate, scale, bias, levels;
	uint32_t kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, groups, k;
	uint64_t macs;
	struct conv_plan *conv;	/* CONV2D / DENSE, made by the CPU backend */
	const struct qnn_backend *placed;	/* where the layer runs */
	size_t aux_bytes;	/* per-image scratch the layer needs (0: none), */
	size_t aux2_bytes;	/* placed in the arena by the backend's plan */
};

struct qnn_model {
	struct qnn_ctx *ctx;
	const uint8_t *file;
	size_t file_size;
	void *map;		/* munmap on free */
	void *copy;		/* free on free */
	uint32_t nt, nl, nin, nout;
	struct qnn_tensor *t;
	struct qnn_layer *l;
	int in[16], out[16];
	size_t act_bytes;	/* naive arena bytes per image (every tensor its own) */
	char backend[32];
	/*
	 * The CPU backend's private plan (cpu_exec.c): kernel plans, arena
	 * layout, free per-request states. Runs need no model-wide lock.
	 */
	void *cpu;
};

const char *qnn_op_name(uint32_t op);

/*
 * Parses and validates a file image into m (t, l, in/out, act layout).
 * Needs no context: the writer uses it to check what it wrote.
 */
int qnn_parse_model(const uint8_t *file, size_t size, struct qnn_model *m,
		    char *err, size_t errlen);
void qnn_model_release_parse(struct qnn_model *m);

/* ---- thread pool ---- */

struct qnn_pool;
typedef void (*qnn_task_fn)(void *arg, size_t task, unsigned int worker);
int qnn_pool_create(unsigned int threads, struct qnn_pool **out);
void qnn_pool_destroy(struct qnn_pool *p);
unsigned int qnn_pool_threads(const struct qnn_pool *p);
/* Runs fn(arg, i, worker) for i < ntasks on up to max_threads threads. */
void qnn_pool_run(struct qnn_pool *p, size_t ntasks, qnn_task_fn fn, void *arg,
		  unsigned int max_threads);

/* ---- context ---- */

struct qnn_ctx {
	char err[QNN_ERRLEN];
	const struct qnn_kern *kern;
	char backend[32];
	char isa[16];
	unsigned int threads;
	int accel_index;
	struct qnn_pool *pool;
	/* async submission: one runner thread, FIFO */
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	struct qnn_job *qhead, *qtail;
	pthread_t runner;
	int runner_started, stopping;
	const struct qnn_backend *backends[2];	/* preference order */
	unsigned int nbackends;
};

int qnn_ctx_err(struct qnn_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- device selection (ctx.c), exposed for tests through the API ---- */
int qnn_parse_device(const char *s, int *accel_index);

/*
 * ---- backends ----
 * Each backend runs (a segment of) the one graph representation above. At
 * load, every layer is placed on the first backend of the context's list
 * (accelerators before the CPU) whose supports() accepts it -- a decision
 * from what the device can do, never from its name. This version has only
 * the CPU backend, which supports every op.
 *
 * What a backend derives from the graph (kernel plans, arena layout, device
 * buffers) is private to it, made by prepare() and dropped by unprepare().
 * run() may be called from several threads at once for one model: state of
 * one run (activations, scratch) lives in a per-request object the backend
 * owns, never in the model.
 */
struct qnn_backend {
	const char *name;
	int (*supports)(const struct qnn_ctx *ctx, const struct qnn_model *m,
			const struct qnn_layer *l);
	int (*prepare)(struct qnn_model *m, char *err, size_t errlen);
	void (*unprepare)(struct qnn_model *m);
	int (*run)(struct qnn_model *m, unsigned int batch, const void *const *inputs,
		   void *const *outputs, unsigned int threads);
	/* activation memory of the plan (the fields after sz) */
	int (*plan_info)(const struct qnn_model *m, struct qnn_plan_info *info);
};
const struct qnn_backend *qnn_backend_cpu(void);

/* ---- CPU backend ---- */
int qnn_cpu_prepare(struct qnn_model *m, char *err, size_t errlen);
void qnn_cpu_unprepare(struct qnn_model *m);
int qnn_cpu_run(struct qnn_model *m, unsigned int batch,
		const void *const *inputs, void *const *outputs,
		unsigned int threads);
int qnn_cpu_plan_info(const struct qnn_model *m, struct qnn_plan_info *info);

/* Value of element c of pixel pix (BITS: decoded per encoding). */
int32_t qnn_bits_get(const uint64_t *pix, uint32_t cw, unsigned int bits,
		     unsigned int enc, uint32_t c);
void qnn_bits_set(uint64_t *pix, uint32_t cw, unsigned int bits,
		  unsigned int enc, uint32_t c, int32_t v);
int qnn_enc_range(unsigned int enc, unsigned int bits, int32_t *lo, int32_t *hi);
/* Refuses (-EINVAL, message in ctx) packed inputs with tail bits set. */
int qnn_check_input_tails(struct qnn_model *m, unsigned int batch, const void *const *inputs);
/* Reads size bytes of fd into a 64-byte aligned buffer (free()). */
int qnn_read_model_file(int fd, size_t size, void **buf);

/* CPU feature probe (cpuinfo.c) */
unsigned long long qnn_cpu_features(void);

#endif /* QNN_INTERNAL_H */
