/* SPDX-License-Identifier: MIT */
/*
 * On-disk constants of the .qnn format (docs/model-format.md), shared by the
 * writer and the loader. Fields are read and written byte by byte in little
 * endian, never through casts of the mapped file, so alignment and host byte
 * order never matter.
 */
#ifndef QNN_FORMAT_H
#define QNN_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define QNNF_MAGIC		"\x89QNN\r\n\x1a\n"
#define QNNF_VERSION_MAJOR	1
#define QNNF_VERSION_MINOR	0
#define QNNF_HEADER_SIZE	64
#define QNNF_SECTION_SIZE	32
#define QNNF_TENSOR_SIZE	64
#define QNNF_LAYER_SIZE		128
#define QNNF_CHECKSUM_OFF	28
#define QNNF_DATA_ALIGN		64
#define QNNF_MAX_SECTIONS	64

enum qnnf_section {
	QNNF_SEC_STRINGS = 1,
	QNNF_SEC_TENSORS = 2,
	QNNF_SEC_LAYERS = 3,
	QNNF_SEC_GRAPH = 4,
	QNNF_SEC_DATA = 5,
	QNNF_SEC_KNOWN = 5,	/* 1..5: required, each once */
	QNNF_SEC_IOQUANT = 6,	/* optional (format 1.1): graph I/O quantization */
	QNNF_SEC_LAST = 6,
};
#define QNNF_SEC_OPTIONAL	1u

/* Limits (docs/model-format.md "Limits"). */
#define QNNF_MAX_TENSORS	65536u
#define QNNF_MAX_LAYERS		65536u
#define QNNF_MAX_HW		65535u
#define QNNF_MAX_C		(1u << 20)
#define QNNF_MAX_TENSOR_BYTES	(1ull << 31)
#define QNNF_MAX_ACT_BYTES	(1ull << 30)
#define QNNF_MAX_IO		16u
#define QNNF_MAX_NAME		255u

/* Tensor entry field offsets. */
#define QT_NAME		0
#define QT_DTYPE	4
#define QT_ENC		5
#define QT_BITS		6
#define QT_KIND		7
#define QT_DIMS		8
#define QT_OFFSET	24
#define QT_SIZE		32
#define QT_RESERVED	40

/* Layer entry field offsets. */
#define QL_OP		0
#define QL_NAME		4
#define QL_FLAGS	8
#define QL_NIN		12
#define QL_IN		16
#define QL_OUT		32
#define QL_WEIGHTS	36
#define QL_THRESH	40
#define QL_NEGATE	44
#define QL_SCALE	48
#define QL_BIAS		52
#define QL_LEVELS	56
#define QL_KERNEL	60
#define QL_STRIDE	68
#define QL_PAD		76
#define QL_DIL		92
#define QL_GROUPS	100
#define QL_K		104
#define QL_RESERVED	108

/* IOQUANT section entry (docs/model-format.md "IOQUANT"). */
#define QNNF_IOQ_SIZE	32
#define QQ_TENSOR	0
#define QQ_KIND		4
#define QQ_ROUND	5
#define QQ_BITS		6
#define QQ_FLAGS	7
#define QQ_QMIN		8
#define QQ_QMAX		12
#define QQ_CHANNELS	16
#define QQ_VALUES	20
#define QQ_RESERVED	24
#define QQ_F_SIGNED	1u
#define QQ_F_NARROW	2u

static inline uint16_t qnnf_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t qnnf_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t qnnf_rd64(const uint8_t *p)
{
	return (uint64_t)qnnf_rd32(p) | (uint64_t)qnnf_rd32(p + 4) << 32;
}

static inline void qnnf_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void qnnf_wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void qnnf_wr64(uint8_t *p, uint64_t v)
{
	qnnf_wr32(p, (uint32_t)v);
	qnnf_wr32(p + 4, (uint32_t)(v >> 32));
}

/* CRC32C (Castagnoli), reflected, init/final ~0: crc = qnn_crc32c(0, p, n). */
uint32_t qnn_crc32c(uint32_t crc, const void *buf, size_t len);

/* CRC of a whole file image with the checksum field read as zero. */
uint32_t qnnf_file_crc(const uint8_t *file, size_t size);

#endif /* QNN_FORMAT_H */
