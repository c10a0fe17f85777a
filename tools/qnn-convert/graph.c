// SPDX-License-Identifier: MIT
/* Value table, attribute access and error reporting for qnn-convert. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"

int cv_fail(struct cv *cv, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cv->err, sizeof(cv->err), fmt, ap);
	va_end(ap);
	return err;
}

const char *cv_node_name(const Onnx__NodeProto *n)
{
	if (n->name && n->name[0])
		return n->name;
	return n->n_output && n->output[0] ? n->output[0] : "(unnamed)";
}

/* Every lowering error names the node and its op type, then the reason. */
int cv_node_fail(struct cv *cv, const Onnx__NodeProto *n, const char *fmt, ...)
{
	char why[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(cv->err, sizeof(cv->err), "node \"%s\" (%s%s%s): %s", cv_node_name(n),
		 n->domain && n->domain[0] ? n->domain : "", n->domain && n->domain[0] ? "::" : "",
		 n->op_type ? n->op_type : "?", why);
	return -ENOTSUP;
}

struct cv_value *cv_find(struct cv *cv, const char *name)
{
	if (!name || !name[0])
		return NULL;
	for (size_t i = cv->nvals; i-- > 0;)
		if (!strcmp(cv->vals[i].name, name))
			return &cv->vals[i];
	return NULL;
}

/* New (or reset) value; pointers into vals stay valid until the next cv_add. */
struct cv_value *cv_add(struct cv *cv, const char *name)
{
	struct cv_value *v;

	if (cv->nvals == cv->capvals) {
		size_t cap = cv->capvals ? cv->capvals * 2 : 64;
		struct cv_value *nv = realloc(cv->vals, cap * sizeof(*nv));

		if (!nv)
			return NULL;
		cv->vals = nv;
		cv->capvals = cap;
	}
	v = &cv->vals[cv->nvals];
	memset(v, 0, sizeof(*v));
	v->name = strdup(name);
	if (!v->name)
		return NULL;
	cv->nvals++;
	return v;
}

void cv_const_free(struct cv_const *k)
{
	free(k->v);
	free(k->bdep);
	k->bdep = NULL;
	k->v = NULL;
	k->n = 0;
}

int cv_const_alloc(struct cv_const *k, int ndim, const int64_t *dims)
{
	size_t n = 1;

	memset(k, 0, sizeof(*k));
	if (ndim > CV_MAXDIM)
		return -E2BIG;
	k->ndim = ndim;
	for (int i = 0; i < ndim; i++) {
		k->dims[i] = dims[i];
		if (dims[i] < 0 || (dims[i] && n > (1ull << 31) / (size_t)dims[i]))
			return -E2BIG;
		n *= (size_t)dims[i];
	}
	k->n = n;
	k->v = calloc(n ? n : 1, sizeof(double));
	k->onnx_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
	return k->v ? 0 : -ENOMEM;
}

static void pending_free(struct cv_pending *p)
{
	if (p) {
		free(p->node);
		free(p);
	}
}

void cv_free_values(struct cv *cv)
{
	for (size_t i = 0; i < cv->nvals; i++) {
		struct cv_value *v = &cv->vals[i];

		free(v->name);
		cv_const_free(&v->k);
		free(v->a.a);
		free(v->a.b);
		free(v->a.nl);
		pending_free(v->a.pend);
	}
	free(cv->vals);
	cv->vals = NULL;
	cv->nvals = cv->capvals = 0;
}

const Onnx__AttributeProto *cv_attr(const Onnx__NodeProto *n, const char *name)
{
	for (size_t i = 0; i < n->n_attribute; i++)
		if (n->attribute[i]->name && !strcmp(n->attribute[i]->name, name))
			return n->attribute[i];
	return NULL;
}

int64_t cv_attr_i(const Onnx__NodeProto *n, const char *name, int64_t def)
{
	const Onnx__AttributeProto *a = cv_attr(n, name);

	return a && a->has_i ? a->i : def;
}

double cv_attr_f(const Onnx__NodeProto *n, const char *name, double def)
{
	const Onnx__AttributeProto *a = cv_attr(n, name);

	if (!a)
		return def;
	if (a->has_f)
		return a->f;
	if (a->has_i)
		return (double)a->i;
	return def;
}

const char *cv_attr_s(const Onnx__NodeProto *n, const char *name, const char *def,
		      char *buf, size_t len)
{
	const Onnx__AttributeProto *a = cv_attr(n, name);
	size_t l;

	if (!a || !a->has_s)
		return def;
	l = a->s.len < len - 1 ? a->s.len : len - 1;
	memcpy(buf, a->s.data, l);
	buf[l] = 0;
	return buf;
}

int cv_attr_ints(const Onnx__NodeProto *n, const char *name, int64_t *out, int max)
{
	const Onnx__AttributeProto *a = cv_attr(n, name);

	if (!a)
		return -1;
	if ((int)a->n_ints > max)
		return -2;
	for (size_t i = 0; i < a->n_ints; i++)
		out[i] = a->ints[i];
	return (int)a->n_ints;
}

/*
 * QONNX custom ops as Brevitas and FINN export them, under every domain name
 * QONNX itself reads as its own: qonnx.custom_op.general (and its
 * submodules), FINN's finn.custom_op.*, the bare names, and Brevitas'
 * legacy onnx.brevitas.
 */
int cv_is_qonnx(const Onnx__NodeProto *n)
{
	const char *d = n->domain;

	return d && (!strncmp(d, "qonnx.custom_op", 15) || !strncmp(d, "finn.custom_op", 14) ||
		     !strcmp(d, "finn") || !strcmp(d, "qonnx") || !strcmp(d, "onnx.brevitas"));
}

const struct cv_const *cv_in_const_any(struct cv *cv, const Onnx__NodeProto *n, size_t i)
{
	struct cv_value *v;

	if (i >= n->n_input)
		return NULL;
	v = cv_find(cv, n->input[i]);
	return v && v->kind == CV_CONST ? &v->k : NULL;
}

const struct cv_const *cv_in_const(struct cv *cv, const Onnx__NodeProto *n, size_t i)
{
	const struct cv_const *k = cv_in_const_any(cv, n, i);

	if (k && k->bdep) {
		for (size_t j = 0; j < k->n; j++)
			if (k->bdep[j])
				return NULL;
	}
	return k;
}

int cv_const_bdep_from(struct cv_const *k, const struct cv_const *const *in, int nin)
{
	int any = 0;

	for (int i = 0; i < nin; i++)
		for (size_t j = 0; in[i] && in[i]->bdep && j < in[i]->n; j++)
			any |= in[i]->bdep[j];
	if (!any)
		return 0;
	k->bdep = malloc(k->n + 1);
	if (!k->bdep)
		return -ENOMEM;
	memset(k->bdep, 1, k->n + 1);
	return 0;
}

int cv_is_default_domain(const Onnx__NodeProto *n)
{
	return !n->domain || !n->domain[0] || !strcmp(n->domain, "ai.onnx");
}
