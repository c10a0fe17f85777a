// SPDX-License-Identifier: MIT
/*
 * The context's memory limit. What a model allocates beyond its file is set
 * by its shapes, not by the file's size: a 512-byte file may declare a
 * gigabyte of activations per image, and a batch multiplies that. So the
 * activations and scratch a run needs are checked against the limit at load
 * (batch 1) and before every run, before anything is allocated.
 */
#include <errno.h>
#include <unistd.h>

#include "internal.h"

size_t qnn_mem_limit_default(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	size_t lim = QNN_MEM_LIMIT_DEFAULT;

	if (pages > 0 && psz > 0 && (size_t)pages / 2 < lim / (size_t)psz)
		lim = (size_t)pages / 2 * (size_t)psz;
	return lim;
}

int qnn_mem_check(const struct qnn_model *m, unsigned int batch, char *err, size_t errlen)
{
	size_t lim = m->ctx->mem_limit, act, need;

	if (__builtin_mul_overflow(m->img_bytes, (size_t)batch, &act) ||
	    __builtin_add_overflow(act, m->fixed_bytes, &need) || need > lim)
		return qnn_fmt_err(err, errlen, -E2BIG,
				   "batch %u needs %zu bytes per image (activations and layer scratch) "
				   "+ %zu bytes of per-thread scratch, over the context's memory limit "
				   "of %zu bytes (qnn_ctx_opts.mem_limit)",
				   batch, m->img_bytes, m->fixed_bytes, lim);
	return 0;
}
