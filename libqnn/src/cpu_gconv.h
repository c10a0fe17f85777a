/* SPDX-License-Identifier: MIT */
/* Grouped/depthwise conv2d with few channels per group (cpu_gconv.c). */
#ifndef QNN_CPU_GCONV_H
#define QNN_CPU_GCONV_H

#include "cpu.h"

struct gconv_plan;

/* Does this CONV2D go through cpu_gconv.c (groups > 1, C/groups < 64)? */
int cpu_gconv_wanted(const struct qnn_model *m, const struct qnn_layer *l);
int cpu_gconv_prepare(struct qnn_model *m, struct qnn_layer *l, struct gconv_plan **out);
size_t cpu_gconv_scratch(const struct gconv_plan *p);
void cpu_gconv_free(struct gconv_plan *p);
void cpu_gconv_run(struct cpu_exec *e);

#endif /* QNN_CPU_GCONV_H */
