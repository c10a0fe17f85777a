// SPDX-License-Identifier: MIT
/*
 * CRC32C of .qnn files (docs/model-format.md "Checksum"). Slicing-by-8 over a
 * table built at compile time would need a generator; a table computed on the
 * stack per call costs 1 KiB and ~2 us, negligible next to loading a model, and
 * keeps the library free of global mutable state.
 */
#include "format.h"

static void crc32c_table(uint32_t t[256])
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
		t[i] = c;
	}
}

static uint32_t crc_update(const uint32_t t[256], uint32_t crc,
			   const uint8_t *p, size_t len)
{
	while (len--)
		crc = t[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

uint32_t qnn_crc32c(uint32_t crc, const void *buf, size_t len)
{
	uint32_t t[256];

	crc32c_table(t);
	return ~crc_update(t, ~crc, buf, len);
}

uint32_t qnnf_file_crc(const uint8_t *file, size_t size)
{
	static const uint8_t zero[4];
	uint32_t t[256], crc = ~0u;

	crc32c_table(t);
	if (size < QNNF_CHECKSUM_OFF + 4)
		return ~crc_update(t, crc, file, size);
	crc = crc_update(t, crc, file, QNNF_CHECKSUM_OFF);
	crc = crc_update(t, crc, zero, 4);
	crc = crc_update(t, crc, file + QNNF_CHECKSUM_OFF + 4,
			 size - QNNF_CHECKSUM_OFF - 4);
	return ~crc;
}
