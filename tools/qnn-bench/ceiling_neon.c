// SPDX-License-Identifier: MIT
/* EOR + CNT + UADALP, 4 rows x 1 column (the kernels' scheme). */
#include <arm_neon.h>

#include "ceiling_isa.h"

uint64_t ceil_neon(const uint64_t *a, const uint64_t *b, size_t kw, size_t reps)
{
	uint32x4_t wide = vdupq_n_u32(0);

	for (size_t r = 0; r < reps; r++) {
		uint16x8_t s[4];

		for (int i = 0; i < 4; i++)
			s[i] = vdupq_n_u16(0);
		for (size_t k = 0; k + 2 <= kw; k += 2) {
			uint8x16_t vb = vreinterpretq_u8_u64(vld1q_u64(b + k));

#pragma GCC unroll 4
			for (int i = 0; i < 4; i++)
				s[i] = vpadalq_u8(s[i], vcntq_u8(veorq_u8(vb,
					vreinterpretq_u8_u64(vld1q_u64(a + i * kw + k)))));
		}
		for (int i = 0; i < 4; i++)
			wide = vpadalq_u16(wide, s[i]);
	}
	return vaddvq_u32(wide);
}
