/* SPDX-License-Identifier: MIT */
/*
 * qnn-convert internals: the ONNX graph as the converter sees it.
 *
 * Files, one job each:
 *   onnx_load.c    protobuf-c: file -> ModelProto, opset checks, TensorProto -> doubles
 *   graph.c        value table, attribute access, error reporting
 *   constfold.c    evaluates nodes whose inputs are all constant (weight quantizers,
 *                  Transpose/Reshape of weights, ...)
 *   quantfn.c      activation functions (Sign, Quant, MultiThreshold, ...) as real
 *                  thresholds, and their folding into integer thresholds
 *   weights.c      constant weights -> integer values, scale, precision, bit planes
 *   lower.c        walks the nodes and folds them into qnn layers
 *   emit.c         qnn_writer calls (tensors, constants, layers)
 *   main.c         command line, temp file + rename
 */
#ifndef QNN_CONVERT_H
#define QNN_CONVERT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "onnx.pb-c.h"
#include "qnn.h"
#include "qnn_model_writer.h"

#define CV_MAXDIM 8

/* A constant tensor, values widened to double (exact for <= 53-bit ints). */
struct cv_const {
	int ndim;
	int64_t dims[CV_MAXDIM];
	size_t n;
	double *v;
	int onnx_type;		/* ONNX__TENSOR_PROTO__DATA_TYPE__* */
	/*
	 * Elements that depend on the batch size (from Shape of an activation,
	 * where qnn takes one image: N = 1), or NULL. Only a Reshape may use
	 * them, as its batch dimension; anywhere else they are refused.
	 */
	unsigned char *bdep;
};

/*
 * An activation as a qnn tensor plus the map back to the ONNX real value:
 *     real[c] = a[c] * q + b[c]
 * where q is the element value libqnn computes (BITS decoded per layout.md,
 * an integer, or a float). A "pending" activation is the accumulator of a
 * conv/dense layer not yet emitted: its output transform is chosen by the
 * consumer (thresholds for an activation function, I32 for pools and adds,
 * F32 for a graph output).
 */
struct cv_pending {
	struct qnn_layer_desc l;	/* op, geometry, input, weights */
	char *node;			/* ONNX node name for messages */
	unsigned int wbits;
	enum qnn_encoding wenc;
	uint32_t in_h, in_w, in_c;	/* input shape and type, for --verbose */
	enum qnn_dtype in_dtype;
	enum qnn_encoding in_enc;
	unsigned int in_bits;
	double acc_bound;		/* |acc| <= acc_bound */
	int raw;			/* F32 output without scale/bias (float-input conv) */
};

struct cv_act {
	int tensor;		/* writer id, 0 while pending */
	struct cv_pending *pend;
	enum qnn_dtype dtype;
	enum qnn_encoding enc;
	unsigned int bits;
	uint32_t h, w, c;	/* NHWC of one image */
	int rank;		/* the ONNX value's rank: 4 (NCHW) or 2 (NC) */
	int nhwc;		/* rank 4: the ONNX value is N x H x W x C (a Transpose
				 * that qnn's NHWC storage makes a no-op); else NCHW */
	int flat;		/* ONNX Flatten'ed: logically C*H*W in NCHW order (1)
				 * or H*W*C in NHWC order (2, qnn's own) */
	uint32_t xpad[4];	/* a Pad for the next Conv/AveragePool: t l b r */
	double xpadv;		/* its value: 0, or the +1 level of a bipolar input */
	double *a, *b;		/* per channel (c entries) */
	double acc_bound;	/* I32 values: |q| <= acc_bound (0: unknown) */
	/* A Relu/Clip seen but not yet applied: applied by the next quantizer. */
	int clamped;
	double clamp_lo, clamp_hi;
	/*
	 * A PRelu/LeakyRelu seen but not yet applied, then an affine map:
	 * y = k2[c] * leaky(x, alpha[c]) + m2[c], folded into the next
	 * quantizer (leaky is increasing for alpha > 0). nl holds alpha, k2, m2
	 * (c entries each).
	 */
	int leaky;
	double *nl;
	int batch_last;		/* rank 2 transposed ([K, N]): only Gemm transA=1 reads it */
};

enum cv_kind { CV_NONE, CV_CONST, CV_ACT };

struct cv_value {
	char *name;
	enum cv_kind kind;
	struct cv_const k;
	struct cv_act a;
	int uses;		/* consumers (nodes + graph outputs) */
};

struct cv_opts {
	int verbose;
};

/* The source quantization of a graph input or output (IOQUANT). */
struct cv_ioq {
	int tensor;			/* writer id */
	int dropped;			/* two different quantizers on one input */
	const char *why;		/* not recorded, and why (for -v) */
	struct qnn_quant_desc d;	/* d.scale, d.zero_point owned */
};

/*
 * A quantizer's output tensor: what its stored value 0 is in the graph's
 * integers (code0), its range and attributes. Graph outputs that are such a
 * tensor record their quantization from it and the tensor's current a, b.
 */
struct cv_qout {
	int tensor;
	int kind, round, bits, is_signed, narrow;
	double code0, qlo, qhi;
};

struct cv {
	Onnx__ModelProto *model;
	Onnx__GraphProto *g;
	int64_t opset;		/* default domain */
	struct cv_value *vals;
	size_t nvals, capvals;
	struct qnn_writer *w;
	struct cv_opts opts;
	int nlayers;
	char **names;		/* tensor names given to the writer */
	size_t nnames;
	char err[1024];
	const Onnx__NodeProto *cur;	/* node being lowered, for messages */
	int in_tensor[16];		/* graph inputs' writer ids */
	int nin_tensor;
	struct cv_ioq ioq[32];		/* recorded input/output quantization */
	int nioq;
	struct cv_qout *qout;		/* quantizer output tensors */
	size_t nqout;
};

/* onnx_load.c */
int cv_load_onnx(struct cv *cv, const char *path);
void cv_unload_onnx(struct cv *cv);
int cv_tensor_to_const(struct cv *cv, const Onnx__TensorProto *t, struct cv_const *k);

/* graph.c */
int cv_fail(struct cv *cv, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cv_node_fail(struct cv *cv, const Onnx__NodeProto *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *cv_node_name(const Onnx__NodeProto *n);
struct cv_value *cv_find(struct cv *cv, const char *name);
struct cv_value *cv_add(struct cv *cv, const char *name);
const Onnx__AttributeProto *cv_attr(const Onnx__NodeProto *n, const char *name);
int64_t cv_attr_i(const Onnx__NodeProto *n, const char *name, int64_t def);
double cv_attr_f(const Onnx__NodeProto *n, const char *name, double def);
const char *cv_attr_s(const Onnx__NodeProto *n, const char *name, const char *def,
		      char *buf, size_t len);
int cv_attr_ints(const Onnx__NodeProto *n, const char *name, int64_t *out, int max);
int cv_is_qonnx(const Onnx__NodeProto *n);
int cv_is_default_domain(const Onnx__NodeProto *n);
void cv_free_values(struct cv *cv);
void cv_const_free(struct cv_const *k);
int cv_const_alloc(struct cv_const *k, int ndim, const int64_t *dims);
/* The node's input i as a constant, NULL if absent, not constant or batch-dependent. */
const struct cv_const *cv_in_const(struct cv *cv, const Onnx__NodeProto *n, size_t i);
/* ... batch-dependent ones included (constant folding, Reshape targets). */
const struct cv_const *cv_in_const_any(struct cv *cv, const Onnx__NodeProto *n, size_t i);
/* Marks every element of k batch-dependent when any of the inputs' are. */
int cv_const_bdep_from(struct cv_const *k, const struct cv_const *const *in, int nin);

/* constfold.c: Reshape's target shape resolved against dims in[]; rank or -1 */
int cv_reshape_dims(const struct cv_const *shape, const int64_t *in, int in_nd, size_t total,
		    int allowzero, int64_t *d);
/* constfold.c: 1 folded, 0 not all inputs constant / op not foldable, <0 error */
int cv_constfold(struct cv *cv, const Onnx__NodeProto *n);

/* quantfn.c */
#define CV_MAXT 255
/*
 * QONNX rounding modes (IntQuant/Quant spec): ROUND (half to even), CEIL,
 * FLOOR, UP (away from zero), DOWN (toward zero), HALF_UP (half away from
 * zero), HALF_DOWN (half toward zero). Names in either case.
 */
enum cv_rmode { CV_RM_ROUND, CV_RM_CEIL, CV_RM_FLOOR, CV_RM_UP, CV_RM_DOWN, CV_RM_HALF_UP,
		CV_RM_HALF_DOWN };
/* The mode named s, or -1 when unknown. */
int cv_rounding_mode(const char *s);
double cv_round(int mode, double x);
/* rnd(v) >= k (k an integer)  <=>  v >= *t (*incl) or v > *t (!*incl) */
void cv_round_ge(int mode, double k, double *t, unsigned char *incl);
/*
 * A per-channel constant operand of the activation x (numpy broadcasting
 * against x's ONNX shape): *cnt = 1 (one value) or x->c (one per channel).
 * Anything else (per-pixel values, a shape that would change x's shape) is
 * refused naming the node and what.
 */
int cv_chan_operand(struct cv *cv, const Onnx__NodeProto *n, const struct cv_const *k,
		    const struct cv_act *x, const char *what, size_t *cnt);
struct cv_qfn {			/* count = #{k : x >= T_k (incl) or x > T_k} */
	size_t nt;		/* thresholds per channel */
	size_t nch;		/* 1 or C */
	double *t;		/* nch x nt */
	unsigned char *incl;	/* nch x nt: 1 for >=, 0 for > */
	/* output real = oa[ch] * count + ob[ch]; bipolar: 1 threshold, values -1/+1 */
	double *oa, *ob;
	size_t noab;		/* 1 or C */
	int bipolar;
	int onnx_sign;		/* ONNX Sign: 0 -> 0, which a bit cannot say */
	/*
	 * A uniform quantizer round_half_even(x / us[ch]) clamped to [ulo, uhi]
	 * with zero point 0 (Quant ROUND, QuantizeLinear): on a float input of
	 * the full 8-bit range it is libqnn's QUANTIZE op, bit for bit.
	 */
	int uniform;
	double ulo, uhi;
	double *us;		/* noab entries */
	/*
	 * The quantizer as the graph states it (for the IOQUANT record,
	 * docs/model-format.md): kind (enum qnn_quant_kind; 0 if not
	 * described), integer range qlo..qhi, bit width, signed/narrow,
	 * rounding (enum qnn_rounding) and, for UNIFORM/BIPOLAR, scale and
	 * zero point (noab entries each).
	 */
	int qkind, qround, qbits, qsigned, qnarrow;
	double qlo, qhi;
	double *qs, *qz;
};
/* Describes the activation node n (Sign, Quant, ...) as thresholds; 0 if not one. */
int cv_qfn_from_node(struct cv *cv, const Onnx__NodeProto *n, const struct cv_act *x,
		     struct cv_qfn *f);
void cv_qfn_free(struct cv_qfn *f);
/*
 * Integer thresholds on q (real = a*q + b per channel, clamped to the act's
 * pending Relu/Clip): th is C x (2^B - 1), neg is C. Returns the number of
 * channels where an integer q lands exactly on a threshold (a tie).
 */
int cv_qfn_fold(struct cv *cv, const struct cv_qfn *f, const struct cv_act *x,
		unsigned int bits, int32_t *th, uint8_t *neg);

/* The threshold on x (before a pending PRelu) for threshold T on y. */
double cv_act_unleak(const struct cv_act *x, uint32_t c, double T);

/* weights.c */
struct cv_qweights {
	uint32_t o, kh, kw, c;	/* O x KH x KW x C (qnn order) */
	int32_t *q;		/* integer values, qnn order */
	double *scale;		/* per output channel */
	unsigned int bits;
	enum qnn_encoding enc;
	double maxabs;
};
/* w: ONNX weights O x C x KH x KW (conv) already reordered by the caller. */
int cv_quantize_weights(struct cv *cv, const Onnx__NodeProto *n, const double *w,
			uint32_t o, uint32_t kh, uint32_t kw, uint32_t c,
			struct cv_qweights *qw);
void cv_qweights_free(struct cv_qweights *qw);

/* emit.c */
int cv_emit_act_tensor(struct cv *cv, const char *name, enum qnn_dtype dt,
		       enum qnn_encoding enc, unsigned int bits,
		       uint32_t h, uint32_t w, uint32_t c);
int cv_emit_const(struct cv *cv, enum qnn_dtype dt, enum qnn_encoding enc,
		  unsigned int bits, const uint32_t dims[4], const void *data);
int cv_emit_weights(struct cv *cv, const struct cv_qweights *qw);
int cv_emit_layer(struct cv *cv, struct qnn_layer_desc *l);
const char *cv_dtype_name(enum qnn_dtype dt, enum qnn_encoding enc, unsigned int bits,
			  char *buf, size_t len);

/* ioquant.c: graph inputs' and outputs' source quantization (IOQUANT) */
int cv_ioq_is_input(const struct cv *cv, int tensor);
int cv_ioq_input(struct cv *cv, const struct cv_qfn *f, const struct cv_act *x);
int cv_qout_add(struct cv *cv, int tensor, const struct cv_qfn *f, double code0);
int cv_ioq_output(struct cv *cv, const struct cv_act *x, int out_tensor);
void cv_ioq_describe(const struct qnn_quant_desc *d, char *buf, size_t len);
int cv_ioq_emit(struct cv *cv, const int *ids, const char *const *names, const int *is_out,
		int n);
void cv_ioq_free(struct cv *cv);

/* lower.c */
int cv_lower(struct cv *cv);

#endif
