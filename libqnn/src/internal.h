/* SPDX-License-Identifier: MIT */
/* libqnn internals: the one graph/plan representation shared by backends. */
#ifndef QNN_INTERNAL_H
#define QNN_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "qnn.h"
#include "qnn_model_writer.h"
#include "kern/kern.h"

#define QNN_ERRLEN 512
#define QNN_ALIGN 64

#define QNN_UNUSED __attribute__((unused))

/* A NULL or sz-valid option struct whose unknown tail is zero (ctx.c). */
int qnn_opts_ok(const void *opts, size_t known);

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

/* A graph input's or output's source quantization (IOQUANT section). */
struct qnn_ioquant {
	int tensor;		/* tensor index (0-based) */
	uint8_t kind, rounding, bits, flags;	/* enum qnn_quant_kind, qnn_rounding, QQ_F_* */
	int32_t qmin, qmax;
	uint32_t channels;
	double *scale, *zero_point;	/* into qnn_model.ioq_vals */
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
	struct qnn_ioquant *ioq;	/* nioq entries, or NULL */
	uint32_t nioq;
	double *ioq_vals;		/* their scales and zero points */
	size_t act_bytes;	/* naive arena bytes per image (every tensor its own) */
	size_t img_bytes;	/* run memory per image (activations + aux), for mem_limit */
	size_t fixed_bytes;	/* run memory independent of the batch (scratch) */
	/*
	 * Runs hold it shared, so runs of one model proceed together; held
	 * exclusively it stalls them (test_concurrency does, to keep a model
	 * busy). Initialized once the model is loaded (ctx_ref set).
	 */
	pthread_rwlock_t run_gate;
	int ctx_ref;		/* holds a reference on ctx (a loaded model) */
	unsigned int jobs;	/* queued + running async jobs (ctx->qlock) */
	int job_running;	/* how many of them are running (ctx->qlock) */
	struct qnn_job *running[2];	/* those (jobs.c) */
	char backend[32];
	/*
	 * The CPU backend's private plan (cpu_exec.c): kernel plans, arena
	 * layout, free per-request states. Runs need no model-wide lock.
	 */
	void *cpu;
	/* the segmented plan (seg_plan.c) when the context has a device */
	void *seg;
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

/* ---- memory limit (memlimit.c) ---- */

#define QNN_MEM_LIMIT_DEFAULT ((size_t)1 << 30)
/* min(1 GiB, half the physical memory) */
size_t qnn_mem_limit_default(void);
/* -E2BIG (message in err) if a run of `batch` images would pass the limit */
int qnn_mem_check(const struct qnn_model *m, unsigned int batch, char *err, size_t errlen);

/* ---- context ---- */

struct qnn_errslot;

struct qnn_ctx {
	/* the user's handle + live models + jobs not yet waited for */
	atomic_uint refs;
	/* error messages, one per thread (errors.c) */
	pthread_mutex_t errlock;
	struct qnn_errslot *errs;
	const struct qnn_kern *kern;
	char backend[32];
	char isa[16];
	unsigned int threads;
	size_t mem_limit;	/* bytes a model's run may allocate */
	int accel_index;
	struct qnn_pool *pool;
	/* async jobs (jobs.c): FIFO, runner threads started on demand */
	pthread_mutex_t qlock;
	pthread_cond_t qcond;	/* runners: work to do, or stop */
	pthread_cond_t qdone;	/* waiters: a job finished */
	struct qnn_job *qhead, *qtail;	/* queued, not started */
	pthread_t *runners;
	unsigned int nrunners, idle_runners, max_runners;
	int stopping;
	const struct qnn_backend *backends[2];	/* preference order */
	unsigned int nbackends;
	struct qnn_accel *accel;	/* the device, NULL: CPU only (accel_dev.c) */
	char accel_name[16];		/* "accel:0", "accel:all" */
	/* "accel:all": every qnn device with the first one's caps; accels[0] == accel */
	struct qnn_accel *accels[8];
	unsigned int naccel;
	/* zero-copy I/O buffers of the context (buffer.c) */
	pthread_mutex_t buflock;
	struct qnn_buffer *bufs;
};

/*
 * Sets the calling thread's message on ctx; returns err. Messages are per
 * (context, thread), so threads sharing a context do not see, or tear,
 * each other's (errors.c).
 */
int qnn_ctx_err(struct qnn_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Copies the calling thread's message on ctx into buf[len]. */
void qnn_ctx_errmsg_copy(struct qnn_ctx *ctx, char *buf, size_t len);
int qnn_err_init(struct qnn_ctx *ctx);
void qnn_err_fini(struct qnn_ctx *ctx);

/* Context references (ctx.c): freed when the last one goes. */
void qnn_ctx_get(struct qnn_ctx *ctx);
void qnn_ctx_put(struct qnn_ctx *ctx);

/* ---- async jobs (jobs.c) ---- */
int qnn_run_checked(struct qnn_model *m, unsigned int batch,
		    const void *const *inputs, void *const *outputs,
		    const struct qnn_run_opts *opts);
int qnn_jobs_init(struct qnn_ctx *ctx);
/* Ends m's queued jobs with -ECANCELED, waits for its running one. */
void qnn_jobs_cancel_model(struct qnn_model *m);
/* Stops and joins the runners (no jobs may remain). */
void qnn_jobs_fini(struct qnn_ctx *ctx);

/*
 * ---- zero-copy buffers (buffer.c) ----
 * 1 if [p, p + len) lies in a device buffer of ctx on device acc: its GEM
 * handle and the device address of p.
 */
struct qnn_accel;
int qnn_buffer_find(struct qnn_ctx *ctx, const struct qnn_accel *acc, const void *p, size_t len,
		    uint32_t *handle, uint64_t *va);

/* 1 if two requests of m may run at once (a device plan with CPU segments) */
int qnn_seg_overlaps(const struct qnn_model *m);

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

#endif /* QNN_INTERNAL_H */
