/* SPDX-License-Identifier: MIT */
/* Tiny command-stream builder for the job selftests (docs/cmdstream.md). */
#ifndef QNN_CS_BUILD_H
#define QNN_CS_BUILD_H

#include <stdint.h>
#include <string.h>
#include "qnn_cmdstream.h"

#define CSB_MAX 65536

struct cs_builder {
	uint64_t buf[CSB_MAX / 8];	/* 8-byte aligned */
	uint32_t len;
	uint32_t ncmds;
};

static inline void csb_init(struct cs_builder *b)
{
	memset(b, 0, sizeof(*b));
	b->len = sizeof(struct qnn_cs_header);
}

/* Append a zeroed command of @size bytes; NULL when full. */
static inline void *csb_add(struct cs_builder *b, uint16_t op, uint16_t size)
{
	struct qnn_cs_cmd *c;

	if (b->len + size > CSB_MAX)
		return NULL;
	c = (struct qnn_cs_cmd *)((uint8_t *)b->buf + b->len);
	memset(c, 0, size);
	c->op = op;
	c->size = size;
	b->len += size;
	b->ncmds++;
	return c;
}

/* Fill in the header; returns the stream size. */
static inline uint32_t csb_finish(struct cs_builder *b)
{
	struct qnn_cs_header *h = (struct qnn_cs_header *)b->buf;

	memset(h, 0, sizeof(*h));
	h->magic = QNN_CS_MAGIC;
	h->version = QNN_CS_VERSION;
	h->hdr_size = sizeof(*h);
	h->size = b->len;
	h->num_cmds = b->ncmds;
	return b->len;
}

static inline struct qnn_cs_tensor cs_bits(uint64_t va, uint32_t n,
					   uint32_t h, uint32_t w, uint32_t c,
					   uint8_t enc, uint8_t bits)
{
	struct qnn_cs_tensor t = {
		.va = va, .n = n, .h = h, .w = w, .c = c,
		.type = QNN_CS_TYPE_BITS, .encoding = enc, .bits = bits,
	};
	return t;
}

static inline struct qnn_cs_tensor cs_int32(uint64_t va, uint32_t n,
					    uint32_t h, uint32_t w, uint32_t c)
{
	struct qnn_cs_tensor t = {
		.va = va, .n = n, .h = h, .w = w, .c = c,
		.type = QNN_CS_TYPE_INT32,
	};
	return t;
}

#endif
