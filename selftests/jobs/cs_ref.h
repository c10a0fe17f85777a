/* SPDX-License-Identifier: MIT */
/*
 * Independent plain-C reference for qnn command streams: decodes every
 * element to an integer and computes each op by its textbook definition
 * (docs/cmdstream.md), no popcounts, no bit tricks. Tests compare the
 * device's output against it.
 */
#ifndef QNN_CS_REF_H
#define QNN_CS_REF_H

#include <stdint.h>
#include "qnn_cmdstream.h"

/* Host pointer of device address va (inside some test buffer). */
typedef void *(*cs_ref_ptr_fn)(void *priv, uint64_t va);

int32_t cs_ref_get(const struct qnn_cs_tensor *t, const void *data,
		   uint32_t n, uint32_t y, uint32_t x, uint32_t c);
void cs_ref_put(const struct qnn_cs_tensor *t, void *data,
		uint32_t n, uint32_t y, uint32_t x, uint32_t c, int32_t v);
uint64_t cs_ref_bytes(const struct qnn_cs_tensor *t);

/*
 * Run one command on host memory. Returns 0, or -1 if the command is not
 * one the reference knows (the caller validated it).
 */
int cs_ref_run(const void *cmd, cs_ref_ptr_fn ptr, void *priv);

/*
 * Can a device advertising @ops (DRM_QNN_OP_*), @wbits and @abits run this
 * valid command (docs/cmdstream.md, "Device capabilities")? 1 or 0.
 */
int cs_ref_supported(const void *cmd, uint32_t ops, unsigned int wbits,
		     unsigned int abits);

#endif
