/* SPDX-License-Identifier: MIT */
/* Shared between act.c and lower.c. */
#ifndef QNN_CONVERT_LOWER_H
#define QNN_CONVERT_LOWER_H

#include "convert.h"

int act_init(struct cv *cv, struct cv_act *x, uint32_t c, double a, double b);
int act_forward(struct cv *cv, struct cv_value *src, const char *dst_name);
void act_affine(struct cv_act *x, const double *k, size_t nk, const double *m, size_t nm);
int act_materialize(struct cv *cv, struct cv_value *v, enum qnn_dtype dt);
/* A pending float-input conv emitted with its raw F32 sums; a, b stay. */
int act_materialize_raw_f32(struct cv *cv, struct cv_value *v);
int act_to_f32(struct cv *cv, struct cv_value *v);
int act_real_f32(struct cv *cv, struct cv_value *v);
/* Float thresholds (THRESHOLD on an F32 input) for f on x. */
int act_thresholds_f32(struct cv *cv, const struct cv_qfn *f, const struct cv_act *x,
		       unsigned int bits, int *th_id, int *neg_id);
int act_thresholds(struct cv *cv, const struct cv_qfn *f, const struct cv_act *x,
		   unsigned int bits, int *th_id, int *neg_id);
void verbose_layer(struct cv *cv, const struct qnn_layer_desc *l, const struct cv_act *in,
		   const struct cv_act *out, const struct cv_pending *p);

#endif
