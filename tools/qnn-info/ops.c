// SPDX-License-Identifier: MIT
/* Names of the DRM_QNN_OP_* capability bits, as docs/uapi.md lists them. */
#include <stddef.h>

#include "qnn_accel.h"
#include "qnn_info.h"

static const struct {
	uint64_t bit;
	const char *name;
} ops[] = {
	{ DRM_QNN_OP_BCONV2D, "bconv2d" },
	{ DRM_QNN_OP_BDENSE, "bdense" },
	{ DRM_QNN_OP_MULTIBIT, "multibit" },
	{ DRM_QNN_OP_THRESHOLD, "threshold" },
	{ DRM_QNN_OP_SCALE_SHIFT, "scale_shift" },
	{ DRM_QNN_OP_MAXPOOL, "maxpool" },
	{ DRM_QNN_OP_RESIDUAL_ADD, "residual_add" },
	{ DRM_QNN_OP_GLOBAL_AVGPOOL, "global_avgpool" },
};

const char *qnn_info_op_name(uint64_t bit)
{
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].bit == bit)
			return ops[i].name;
	return NULL;
}
