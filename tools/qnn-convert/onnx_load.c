// SPDX-License-Identifier: MIT
/*
 * ONNX loading through protobuf-c (code generated at build time from
 * Debian's onnx.proto), opset checks, and TensorProto -> double arrays.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"

#define MAX_ONNX_BYTES (1ull << 31)

static int read_file(struct cv *cv, const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long sz;

	if (!f)
		return cv_fail(cv, -errno, "%s", strerror(errno));
	if (fseek(f, 0, SEEK_END) || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return cv_fail(cv, -EIO, "cannot determine size");
	}
	if ((unsigned long long)sz > MAX_ONNX_BYTES) {
		fclose(f);
		return cv_fail(cv, -E2BIG, "%ld bytes is over the 2 GiB protobuf limit", sz);
	}
	*buf = malloc(sz ? sz : 1);
	if (!*buf) {
		fclose(f);
		return cv_fail(cv, -ENOMEM, "out of memory");
	}
	if (fread(*buf, 1, sz, f) != (size_t)sz) {
		fclose(f);
		free(*buf);
		return cv_fail(cv, -EIO, "read error");
	}
	fclose(f);
	*len = sz;
	return 0;
}

int cv_load_onnx(struct cv *cv, const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int err = read_file(cv, path, &buf, &len);

	if (err)
		return err;
	cv->model = onnx__model_proto__unpack(NULL, len, buf);
	free(buf);
	if (!cv->model)
		return cv_fail(cv, -EBADMSG, "not an ONNX model (protobuf parse failed)");
	cv->g = cv->model->graph;
	if (!cv->g)
		return cv_fail(cv, -EBADMSG, "model has no graph");
	cv->opset = -1;
	for (size_t i = 0; i < cv->model->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = cv->model->opset_import[i];

		if (!o->domain || !o->domain[0] || !strcmp(o->domain, "ai.onnx"))
			cv->opset = o->version;
	}
	if (cv->opset < 0)
		return cv_fail(cv, -EBADMSG, "no opset import for the default ONNX domain");
	/* fields the lowering relies on; protobuf leaves unset strings NULL */
	for (size_t i = 0; i < cv->g->n_node; i++)
		if (!cv->g->node[i]->op_type || !cv->g->node[i]->op_type[0])
			return cv_fail(cv, -EBADMSG, "node %zu has no op_type", i);
	for (size_t i = 0; i < cv->g->n_initializer; i++)
		if (!cv->g->initializer[i]->name || !cv->g->initializer[i]->name[0])
			return cv_fail(cv, -EBADMSG, "initializer %zu has no name", i);
	for (size_t i = 0; i < cv->g->n_input; i++)
		if (!cv->g->input[i]->name)
			return cv_fail(cv, -EBADMSG, "graph input %zu has no name", i);
	for (size_t i = 0; i < cv->g->n_output; i++)
		if (!cv->g->output[i]->name)
			return cv_fail(cv, -EBADMSG, "graph output %zu has no name", i);
	if (cv->opset < 7 || cv->opset > 21)
		return cv_fail(cv, -ENOTSUP, "opset %lld of the default domain is not supported "
			       "(7 to 21 are); convert it with onnx.version_converter",
			       (long long)cv->opset);
	return 0;
}

void cv_unload_onnx(struct cv *cv)
{
	if (cv->model)
		onnx__model_proto__free_unpacked(cv->model, NULL);
	cv->model = NULL;
	cv->g = NULL;
}

static size_t elem_size(int type)
{
	switch (type) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT32:
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
		return 4;
	case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE:
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64:
		return 8;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8:
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT8:
	case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL:
		return 1;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT16:
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16:
		return 2;
	default:
		return 0;
	}
}

/* One little-endian element of raw_data. */
static double raw_elem(const uint8_t *p, int type)
{
	union { float f; double d; int32_t i32; uint32_t u32; int64_t i64; uint64_t u64;
		int16_t i16; uint16_t u16; } u;

	memcpy(&u, p, elem_size(type));
	switch (type) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: return u.f;
	case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: return u.d;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: return u.i32;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32: return u.u32;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: return (double)u.i64;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64: return (double)u.u64;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT16: return u.i16;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16: return u.u16;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: return (int8_t)p[0];
	default: return p[0];
	}
}

int cv_tensor_to_const(struct cv *cv, const Onnx__TensorProto *t, struct cv_const *k)
{
	const char *name = t->name ? t->name : "(unnamed)";
	int type = t->has_data_type ? t->data_type : 0;
	size_t es = elem_size(type), n, i;
	int err;

	if (!es)
		return cv_fail(cv, -ENOTSUP, "tensor \"%s\": data type %d is not supported", name, type);
	if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
		return cv_fail(cv, -ENOTSUP, "tensor \"%s\": external data is not supported", name);
	if (t->n_dims > CV_MAXDIM)
		return cv_fail(cv, -ENOTSUP, "tensor \"%s\": %zu dimensions", name, t->n_dims);
	for (i = 0; i < t->n_dims; i++)
		if (t->dims[i] < 0 || t->dims[i] > (1 << 28))
			return cv_fail(cv, -EBADMSG, "tensor \"%s\": bad dimension %lld", name,
				       (long long)t->dims[i]);
	err = cv_const_alloc(k, (int)t->n_dims, t->dims);
	if (err)
		return cv_fail(cv, err, "tensor \"%s\": too large", name);
	k->onnx_type = type;
	n = k->n;
	if (t->has_raw_data) {
		if (t->raw_data.len != n * es) {
			cv_const_free(k);
			return cv_fail(cv, -EBADMSG, "tensor \"%s\": raw_data holds %zu bytes, %zu expected",
				       name, t->raw_data.len, n * es);
		}
		for (i = 0; i < n; i++)
			k->v[i] = raw_elem(t->raw_data.data + i * es, type);
		return 0;
	}
#define TAKE(field, count)                                                          \
	do {                                                                        \
		if ((count) != n) {                                                 \
			cv_const_free(k);                                           \
			return cv_fail(cv, -EBADMSG, "tensor \"%s\": %zu values, %zu expected", \
				       name, (size_t)(count), n);                     \
		}                                                                   \
		for (i = 0; i < n; i++)                                             \
			k->v[i] = (double)t->field[i];                              \
	} while (0)
	switch (type) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
		TAKE(float_data, t->n_float_data);
		break;
	case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE:
		TAKE(double_data, t->n_double_data);
		break;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
		TAKE(int64_data, t->n_int64_data);
		break;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64:
		TAKE(uint64_data, t->n_uint64_data);
		break;
	default:	/* int32, int16, int8, uint8, bool, ... live in int32_data */
		if (type == ONNX__TENSOR_PROTO__DATA_TYPE__INT8 && t->n_int32_data == n) {
			for (i = 0; i < n; i++)
				k->v[i] = (int8_t)t->int32_data[i];
			break;
		}
		TAKE(int32_data, t->n_int32_data);
		break;
	}
#undef TAKE
	return 0;
}
