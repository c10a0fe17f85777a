/* SPDX-License-Identifier: MIT */
/*
 * libqnn — run binary and multi-bit quantized networks on the CPU or on a
 * qnn accelerator.
 *
 * Conventions (libbpf style):
 *  - handles are opaque;
 *  - option structs start with `size_t sz`, set to sizeof(struct) by the
 *    caller; a NULL options pointer means "all defaults". A struct larger than
 *    the library knows is accepted only if the unknown tail is all zero;
 *  - every call that can fail returns 0 (or a count / id >= 0) on success and
 *    a negative errno on failure; qnn_ctx_errmsg() then holds a readable
 *    message naming what was wrong (per context and thread, no global
 *    state);
 *  - all symbols are versioned (libqnn.map, LIBQNN_1.0 .. LIBQNN_1.4).
 *
 * Tensor data passed to and from libqnn follows docs/layout.md (NHWC; bit
 * packed tensors as 64-bit little-endian words, planes adjacent per pixel).
 * The model file format is docs/model-format.md; the reference for every call
 * is docs/libqnn.md.
 */
#ifndef QNN_H
#define QNN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QNN_VERSION_MAJOR 1
#define QNN_VERSION_MINOR 0

struct qnn_ctx;
struct qnn_model;
struct qnn_job;

/* Element types (also the values stored in .qnn files). */
enum qnn_dtype {
	QNN_DT_F32 = 1,
	QNN_DT_I8 = 2,
	QNN_DT_U8 = 3,
	QNN_DT_I32 = 4,
	QNN_DT_BITS = 5,	/* bit-packed planes, see enum qnn_encoding */
};

/* Meaning of the bits of a QNN_DT_BITS tensor (docs/layout.md). */
enum qnn_encoding {
	QNN_ENC_NONE = 0,		/* non-bit tensors */
	QNN_ENC_BIPOLAR = 1,		/* 1 plane: bit 0 = +1, bit 1 = -1 */
	QNN_ENC_UNSIGNED = 2,		/* {0,1} planes, 0 .. 2^B-1 */
	QNN_ENC_SIGNED = 3,		/* two's complement planes */
	QNN_ENC_BIPOLAR_BRANCHES = 4,	/* sum_b 2^b * (+-1) */
};

/* ------------------------------------------------------------------ */
/* Errors                                                             */

/* A static text for a (negative or positive) errno value; never NULL. */
const char *qnn_strerror(int err);

/*
 * The message of the calling thread's last failed call on ctx (or on a
 * model or job of ctx; a failed job's message goes to the thread whose
 * qnn_wait() returned its error), "" if none. Valid until this thread's
 * next failed call on ctx; other threads' failures never change it.
 */
const char *qnn_ctx_errmsg(const struct qnn_ctx *ctx);

/* ------------------------------------------------------------------ */
/* Context                                                            */

struct qnn_ctx_opts {
	size_t sz;		/* sizeof(struct qnn_ctx_opts) */
	/*
	 * "auto", "cpu", "accel" or "accel:N". NULL: the environment variable
	 * QNN_DEVICE, else "auto". "auto" takes an accelerator when one is
	 * present and usable and falls back to the CPU; "accel" fails with
	 * -ENODEV when there is none.
	 */
	const char *device;
	/* CPU worker threads including the caller; 0: all online CPUs. */
	unsigned int threads;
	/*
	 * CPU kernel set: "auto" (best this CPU supports), "scalar", "avx2",
	 * "avx512", "neon". NULL: environment QNN_KERNELS, else "auto".
	 */
	const char *cpu_isa;
	/*
	 * Memory a model's run may allocate (activations of the whole batch,
	 * per-layer and per-thread scratch), in bytes. Loads and runs needing
	 * more fail with -E2BIG before allocating. 0: the default, the smaller
	 * of 1 GiB and half the physical memory; SIZE_MAX: no limit.
	 */
	size_t mem_limit;
};

/*
 * Creates a context: picks the device, starts the CPU thread pool (created
 * once, reused by every run). On failure *out is NULL and, when errmsg is not
 * NULL, a readable reason is written to errmsg[0..errlen).
 */
int qnn_ctx_create(const struct qnn_ctx_opts *opts, struct qnn_ctx **out,
		   char *errmsg, size_t errlen);
/*
 * Releases the caller's handle. Models of the context still loaded (and
 * jobs not yet waited for) keep it alive and usable; it is freed with the
 * last of them. The handle itself must not be used afterwards.
 */
void qnn_ctx_destroy(struct qnn_ctx *ctx);

struct qnn_ctx_info {
	size_t sz;		/* sizeof(struct qnn_ctx_info) */
	char backend[32];	/* "cpu-avx512", "cpu-scalar", "accel:0", ... */
	char cpu_isa[16];	/* kernel set of the CPU backend */
	unsigned int threads;	/* CPU threads used by a run */
	int accel_index;	/* -1 when running on the CPU only */
	size_t mem_limit;	/* the memory limit in effect (bytes) */
};
int qnn_ctx_info(const struct qnn_ctx *ctx, struct qnn_ctx_info *info);

/* ------------------------------------------------------------------ */
/* CPU description (for tools such as qnn-info)                       */

/* Feature bits of struct qnn_cpu_info.feature_bits. */
enum qnn_cpu_feature {
	QNN_CPU_POPCNT = 1ull << 0,
	QNN_CPU_AVX2 = 1ull << 1,
	QNN_CPU_BMI2 = 1ull << 2,
	QNN_CPU_FMA = 1ull << 3,
	QNN_CPU_AVX512F = 1ull << 4,
	QNN_CPU_AVX512BW = 1ull << 5,
	QNN_CPU_AVX512VL = 1ull << 6,
	QNN_CPU_AVX512VPOPCNTDQ = 1ull << 7,
	QNN_CPU_AVX512BITALG = 1ull << 8,
	QNN_CPU_AVX512VNNI = 1ull << 9,
	QNN_CPU_NEON = 1ull << 10,	/* aarch64 ASIMD */
	QNN_CPU_DOTPROD = 1ull << 11,	/* aarch64 */
	/* x86-64 features the compiler's -mavx2 etc. imply (libqnn 1.1) */
	QNN_CPU_SSE3 = 1ull << 12,
	QNN_CPU_SSSE3 = 1ull << 13,
	QNN_CPU_SSE41 = 1ull << 14,
	QNN_CPU_SSE42 = 1ull << 15,
	QNN_CPU_AVX = 1ull << 16,	/* with the OS saving YMM state */
	QNN_CPU_XSAVE = 1ull << 17,
	QNN_CPU_F16C = 1ull << 18,
};
#define QNN_CPU_FEATURE_COUNT 19

struct qnn_cpu_info {
	size_t sz;			/* sizeof(struct qnn_cpu_info) */
	char isa[16];			/* kernel set "auto" selects here */
	char features[256];		/* e.g. "popcnt avx2 avx512f ..." */
	unsigned long long feature_bits;	/* QNN_CPU_* */
	unsigned int logical_cpus;	/* online CPUs */
};

/* Fills *info about the CPU this process runs on. 0 or -EINVAL. */
int qnn_cpu_info(struct qnn_cpu_info *info);

/* Name of one QNN_CPU_* bit ("avx512vpopcntdq"), NULL if unknown. */
const char *qnn_cpu_feature_name(unsigned long long bit);

/* ------------------------------------------------------------------ */
/* Models                                                             */

enum qnn_load_flags {
	/*
	 * qnn_model_load_mem(): copy the buffer instead of using it in place.
	 * Without it the buffer must stay valid and unchanged until
	 * qnn_model_free().
	 */
	QNN_LOAD_COPY = 1u << 0,
};

struct qnn_load_opts {
	size_t sz;		/* sizeof(struct qnn_load_opts) */
	unsigned int flags;	/* enum qnn_load_flags */
};

/*
 * Loads and fully validates a .qnn file. The file is read into a private
 * copy (rewriting or truncating it afterwards changes nothing) whose constant
 * data (weights, thresholds) is used in place. A corrupt,
 * truncated or hostile file fails with -EBADMSG (format), -EPROTO (checksum),
 * -ENOTSUP (newer version / unknown op), -EINVAL (inconsistent shapes) or
 * -E2BIG (sizes over the limits of docs/model-format.md, or one image's
 * activations and scratch over the context's mem_limit); the context's
 * message names the section, tensor or layer and the field.
 */
int qnn_model_load_file(struct qnn_ctx *ctx, const char *path,
			const struct qnn_load_opts *opts,
			struct qnn_model **out);
int qnn_model_load_mem(struct qnn_ctx *ctx, const void *data, size_t size,
		       const struct qnn_load_opts *opts,
		       struct qnn_model **out);
/*
 * Frees a model. Its jobs still queued end with -ECANCELED (qnn_wait()
 * returns that and frees them); a job of it already running is waited for.
 * Must not race with a qnn_run()/qnn_run_batch() of the same model.
 */
void qnn_model_free(struct qnn_model *model);

/*
 * The quantization a graph input or output has in the source graph
 * (docs/model-format.md "IOQUANT"), per channel c:
 *   UNIFORM     q = clamp(round(x / scale[c] + zero_point[c]), min, max),
 *               real value (q - zero_point[c]) * scale[c];
 *   BIPOLAR     q = x / scale[c] + zero_point[c] >= 0 ? +1 : -1, same real value;
 *   THRESHOLDS  a non-uniform quantizer (QONNX MultiThreshold, Trunc): codes
 *               min..max, no scale.
 * For an input, x is the value the model takes (preprocessing folded in);
 * for an output, x is the F32 value the model gives.
 */
enum qnn_quant_kind {
	QNN_QUANT_NONE = 0,
	QNN_QUANT_UNIFORM = 1,
	QNN_QUANT_BIPOLAR = 2,
	QNN_QUANT_THRESHOLDS = 3,
};

/* Rounding of x / scale + zero_point (QONNX rounding_mode names). */
enum qnn_rounding {
	QNN_ROUND_HALF_EVEN = 0,	/* QONNX ROUND, ONNX QuantizeLinear */
	QNN_ROUND_CEIL = 1,
	QNN_ROUND_FLOOR = 2,
	QNN_ROUND_UP = 3,		/* away from zero */
	QNN_ROUND_DOWN = 4,		/* toward zero */
	QNN_ROUND_HALF_UP = 5,		/* halves away from zero */
	QNN_ROUND_HALF_DOWN = 6,	/* halves toward zero */
};

struct qnn_tensor_info {
	size_t sz;		/* sizeof(struct qnn_tensor_info) */
	const char *name;	/* valid while the model lives */
	enum qnn_dtype dtype;
	enum qnn_encoding encoding;
	unsigned int bits;	/* planes of a QNN_DT_BITS tensor, else 0 */
	uint32_t dims[4];	/* N H W C; N is 1 (one image) */
	size_t bytes;		/* bytes of one image (N = 1) */
	/*
	 * Since LIBQNN_1.4 (files of format 1.1 with an IOQUANT section): the
	 * uniform quantization the source graph defines for this graph input
	 * or output, docs/model-format.md "IOQUANT". Zero (QNN_QUANT_NONE)
	 * when the graph defines none or the file has none. Callers whose sz
	 * ends before these fields do not get them.
	 */
	enum qnn_quant_kind quant;
	unsigned int quant_bits;	/* the quantizer's bit width */
	int quant_signed, quant_narrow;	/* its signed / narrow attributes */
	enum qnn_rounding quant_rounding;	/* how x/scale + zp is rounded */
	int32_t quant_min, quant_max;	/* integer range of q */
	unsigned int quant_channels;	/* 1 (per tensor) or C; 0 for THRESHOLDS */
	const double *quant_scale;	/* quant_channels values, live with the model */
	const double *quant_zero_point;	/* quant_channels values (may be fractional) */
};

int qnn_model_num_inputs(const struct qnn_model *model);
int qnn_model_num_outputs(const struct qnn_model *model);
int qnn_model_num_layers(const struct qnn_model *model);
int qnn_model_input(const struct qnn_model *model, unsigned int index,
		    struct qnn_tensor_info *info);
int qnn_model_output(const struct qnn_model *model, unsigned int index,
		     struct qnn_tensor_info *info);

struct qnn_layer_info {
	size_t sz;		/* sizeof(struct qnn_layer_info) */
	const char *name;
	const char *op;		/* "conv2d", "dense", "maxpool", ... */
	const char *backend;	/* where it runs: "cpu-avx512", "accel:0" */
	const char *input;	/* first input tensor's name */
	const char *output;	/* output tensor's name */
	unsigned int weight_bits;	/* 0 when the op has no weights */
	unsigned int input_bits;	/* 8 / 32 for integer, float inputs */
	unsigned int output_bits;
	uint64_t macs;		/* multiply-accumulates per image */
	/* since LIBQNN_1.2 */
	int segment;		/* index of the plan segment running it */
	const char *reason;	/* why it runs where it runs (docs/libqnn.md) */
};
int qnn_model_layer(const struct qnn_model *model, unsigned int index,
		    struct qnn_layer_info *info);

/*
 * Memory of the model's execution plan, per image of a batch. Activations
 * (and per-layer scratch) are placed in one arena by liveness: buffers never
 * live at the same time share bytes.
 */
struct qnn_plan_info {
	size_t sz;			/* sizeof(struct qnn_plan_info) */
	size_t act_peak_bytes;		/* the arena, as planned */
	size_t act_min_bytes;		/* most bytes live at once: no plan needs less */
	size_t act_naive_bytes;		/* every buffer its own bytes */
	size_t scratch_bytes;		/* per worker thread, independent of batch */
};
int qnn_model_plan_info(const struct qnn_model *model, struct qnn_plan_info *info);

/*
 * What runs of the model did on the accelerator (since LIBQNN_1.2). All
 * zero when the model runs on the CPU only. A fallback is one request
 * (qnn_run_batch call or job) whose device job failed (timeout, MMU fault,
 * invalid command, device error, device gone) and that was redone on the
 * CPU with correct results; last_fallback says why.
 */
struct qnn_model_stats {
	size_t sz;			/* sizeof(struct qnn_model_stats) */
	unsigned int segments;		/* plan segments (device and CPU) */
	unsigned int device_segments;
	uint64_t requests;		/* runs through the segmented plan */
	uint64_t device_jobs;		/* jobs submitted and completed */
	uint64_t device_syscalls;	/* ioctls made by runs (not by the load) */
	uint64_t fallbacks;		/* requests redone on the CPU */
	uint64_t copy_in_bytes;		/* host -> device memory (inputs, CPU results) */
	uint64_t copy_out_bytes;	/* device memory -> host (outputs) */
	uint64_t device_copy_bytes;	/* copied between two device layers (0 by design) */
	uint64_t device_ns;		/* the jobs' device time (WAIT duration_ns) */
	uint64_t host_device_ns;	/* host CPU time spent running device segments */
	char last_fallback[160];	/* the last fallback's reason, "" if none */
	uint64_t kept_streams;		/* streams the kernel validated once and keeps (driver 1.2) */
	/* since LIBQNN_1.3 */
	uint64_t zero_copy_bytes;	/* I/O the device read or wrote in place in qnn_buffers */
	uint64_t pack_bytes;		/* U8/I8 inputs packed into 8 bit planes for the device */
	uint64_t overlapped_requests;	/* requests started while another of the model ran */
};
int qnn_model_stats(const struct qnn_model *model, struct qnn_model_stats *stats);

/* ------------------------------------------------------------------ */
/* Running                                                            */

/*
 * inputs[i] points to `batch` images of model input i, back to back
 * (qnn_tensor_info.bytes each); outputs[i] receives `batch` images of output
 * i. Runs of one model from several threads proceed concurrently (each has
 * its own activation memory); they share the context's thread pool.
 * A run needing more memory than the context's mem_limit fails with -E2BIG
 * before allocating.
 * Packed inputs keep their tail bits zero (docs/layout.md); one that does not
 * fails the run with -EINVAL.
 */
struct qnn_run_opts {
	size_t sz;		/* sizeof(struct qnn_run_opts) */
	unsigned int threads;	/* 0: all of the context's threads */
};

/* One image, synchronously. */
int qnn_run(struct qnn_model *model, const void *const *inputs,
	    void *const *outputs);

/* `batch` images, synchronously. */
int qnn_run_batch(struct qnn_model *model, unsigned int batch,
		  const void *const *inputs, void *const *outputs,
		  const struct qnn_run_opts *opts);

/*
 * Asynchronous run: queues the work and returns at once with a job handle.
 * The input and output buffers (and the pointer arrays) must stay valid until
 * qnn_wait() has returned something other than -ETIMEDOUT. Jobs of one
 * model run one at a time in submission order (except that a model whose
 * device plan has CPU segments may run two at once when their buffers do
 * not overlap: docs/libqnn.md, "Pipelining"); jobs of different models
 * run in parallel, on runner threads started as needed (at most the
 * context's thread count, at least two with a device).
 */
int qnn_submit(struct qnn_model *model, unsigned int batch,
	       const void *const *inputs, void *const *outputs,
	       const struct qnn_run_opts *opts, struct qnn_job **job);

/*
 * Waits up to timeout_ms (< 0: forever, 0: poll) for the job. Returns the
 * run's result (0 or -errno; -ECANCELED if its model was freed before it
 * ran) and frees the job, or -ETIMEDOUT and keeps it.
 */
int qnn_wait(struct qnn_job *job, int timeout_ms);

/* ------------------------------------------------------------------ */
/* Zero-copy I/O buffers (since LIBQNN_1.3)                           */

/*
 * A buffer an application fills with inputs or receives outputs in. On a
 * context with a device it is device memory mapped into the process: a run
 * whose input or output pointer (with all its `batch` images) lies inside
 * such a buffer lets the device read or write it there, and copies nothing
 * on the host for it. On the CPU it is plain memory. Pointers into a buffer
 * are passed to qnn_run/qnn_run_batch/qnn_submit as any other pointer.
 * A buffer holds a reference on its context and must not be freed while a
 * run uses it.
 */
struct qnn_buffer;

/* `size` bytes (> 0), page aligned. */
int qnn_buffer_alloc(struct qnn_ctx *ctx, size_t size, struct qnn_buffer **out);
/*
 * A dma-buf (an fd from another device or process) as a buffer: imported
 * into the device (PRIME) and mapped, or, on the CPU, mapped. The fd stays
 * the caller's (close it whenever). -EBADF for a bad fd, -EINVAL or
 * -ENOTTY for a file that is not a dma-buf.
 */
int qnn_buffer_import_dmabuf(struct qnn_ctx *ctx, int fd, struct qnn_buffer **out);
void *qnn_buffer_data(const struct qnn_buffer *buf);
size_t qnn_buffer_size(const struct qnn_buffer *buf);
void qnn_buffer_free(struct qnn_buffer *buf);

#ifdef __cplusplus
}
#endif
#endif /* QNN_H */
