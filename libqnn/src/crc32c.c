// SPDX-License-Identifier: MIT
/*
 * CRC32C of .qnn files (docs/model-format.md "Checksum"). Slicing-by-8 over a
 * table built at compile time would need a generator; a table computed on the
 * stack per call costs 1 KiB and ~2 us, negligible next to loading a model, and
 * keeps the library free of global mutable state.
 */
#include "format.h"

#if defined(__x86_64__)
#include <string.h>

/* SSE4.2 has CRC32C in hardware: 8 bytes per instruction */
__attribute__((target("sse4.2")))
static uint32_t crc_hw(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc;

	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
		p += 8;
		len -= 8;
	}
	while (len--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
	return (uint32_t)c;
}

/* libgcc/compiler-rt read CPUID once at start-up; CPUID itself traps in VMs */
static int have_sse42(void)
{
	return __builtin_cpu_supports("sse4.2");
}
#endif

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
#if defined(__x86_64__)
	if (have_sse42())
		return crc_hw(crc, p, len);
#endif
	while (len--)
		crc = t[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

uint32_t qnn_crc32c(uint32_t crc, const void *buf, size_t len)
{
	uint32_t t[256];

#if defined(__x86_64__)
	if (have_sse42())
		return ~crc_hw(~crc, buf, len);
#endif
	crc32c_table(t);
	return ~crc_update(t, ~crc, buf, len);
}

uint32_t qnnf_file_crc(const uint8_t *file, size_t size)
{
	static const uint8_t zero[4];
	uint32_t t[256], crc = ~0u;

#if defined(__x86_64__)
	if (!have_sse42())
#endif
		crc32c_table(t);
	if (size < QNNF_CHECKSUM_OFF + 4)
		return ~crc_update(t, crc, file, size);
	crc = crc_update(t, crc, file, QNNF_CHECKSUM_OFF);
	crc = crc_update(t, crc, zero, 4);
	crc = crc_update(t, crc, file + QNNF_CHECKSUM_OFF + 4,
			 size - QNNF_CHECKSUM_OFF - 4);
	return ~crc;
}
