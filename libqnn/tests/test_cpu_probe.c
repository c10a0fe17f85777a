// SPDX-License-Identifier: MIT
/*
 * The one CPU probe and table selection, fed synthetic CPUs: CPUID/XCR0
 * register values written here from the Intel SDM's bit positions (leaf 1
 * ECX, leaf 7 EBX/ECX, XCR0 state bits), and the AT_HWCAP bits of aarch64.
 * Checks the decoded features, then which table each CPU gets: AVX2 without
 * BMI2 or FMA, AVX without the OS saving YMM state, AVX-512 without the OS
 * saving ZMM state or without VPOPCNTDQ. Also that every built-in table's
 * `needs` covers its compile flags (libqnn/isa.mk, restated here) and
 * nothing the probe cannot see.
 */
#include <string.h>

#include "qnn.h"
#include "kern/kern.h"
#include "kern/kern_isa.h"
#include "kern/isa_features.h"
#include "kern_tap.h"

/* leaf 1 ECX */
#define SSE3 (1u << 0)
#define SSSE3 (1u << 9)
#define FMA (1u << 12)
#define SSE41 (1u << 19)
#define SSE42 (1u << 20)
#define POPCNT (1u << 23)
#define XSAVE (1u << 26)
#define OSXSAVE (1u << 27)
#define AVX (1u << 28)
#define F16C (1u << 29)
/* leaf 7 EBX / ECX */
#define AVX2 (1u << 5)
#define BMI1 (1u << 3)
#define BMI2 (1u << 8)
#define A512F (1u << 16)
#define A512BW (1u << 30)
#define A512VL (1u << 31)
#define VPOPCNTDQ (1u << 14)
#define BITALG (1u << 12)
#define VNNI (1u << 11)

#define HASWELL_ECX (SSE3 | SSSE3 | FMA | SSE41 | SSE42 | POPCNT | XSAVE | OSXSAVE | AVX | F16C)
#define HASWELL_F (QNN_CPU_SSE3 | QNN_CPU_SSSE3 | QNN_CPU_FMA | QNN_CPU_SSE41 | QNN_CPU_SSE42 | \
		   QNN_CPU_POPCNT | QNN_CPU_XSAVE | QNN_CPU_AVX | QNN_CPU_F16C | QNN_CPU_AVX2 | \
		   QNN_CPU_BMI2)
#define A512_F (QNN_CPU_AVX512F | QNN_CPU_AVX512BW | QNN_CPU_AVX512VL)
#define QNN_UNUSED_FN __attribute__((unused))	/* x86-only helpers */

static struct qnn_cpuid cpu(unsigned int ecx1, unsigned int ebx7, unsigned int ecx7,
			    unsigned long long xcr0)
{
	struct qnn_cpuid r = { .max_leaf = 0xd, .l1_ecx = ecx1, .l7_ebx = ebx7, .l7_ecx = ecx7,
			       .xcr0 = (ecx1 & OSXSAVE) ? xcr0 : 0 };
	return r;
}

static QNN_UNUSED_FN const char *pick(const char *name, const struct qnn_cpuid *r)
{
	const struct qnn_kern *k = qnn_kern_select_features(name, qnn_cpu_features_x86(r));

	return k ? k->name : "(none)";
}

int main(void)
{
	struct tap tp = { 0 };
	struct qnn_cpuid r;
	unsigned long long base = qnn_cpu_baseline();

	/* ---- decoding ---- */
	r = cpu(HASWELL_ECX, AVX2 | BMI1 | BMI2, 0, 0x7);
	tap_ok(&tp, qnn_cpu_features_x86(&r) == HASWELL_F, "Haswell decodes to its features (0x%llx)",
	       qnn_cpu_features_x86(&r));
	r = cpu(HASWELL_ECX, AVX2 | BMI2, 0, 0x3);
	tap_ok(&tp, !(qnn_cpu_features_x86(&r) & (QNN_CPU_AVX | QNN_CPU_AVX2 | QNN_CPU_FMA | QNN_CPU_F16C)) &&
	       (qnn_cpu_features_x86(&r) & QNN_CPU_BMI2),
	       "OS not saving YMM state: no AVX, AVX2, FMA, F16C (BMI2 stays)");
	r = cpu(HASWELL_ECX & ~OSXSAVE, AVX2 | BMI2, 0, 0x7);
	tap_ok(&tp, !(qnn_cpu_features_x86(&r) & (QNN_CPU_AVX | QNN_CPU_AVX2)),
	       "no OSXSAVE: no AVX/AVX2 whatever XCR0 would say");
	r = cpu(HASWELL_ECX, AVX2 | BMI2 | A512F | A512BW | A512VL, VPOPCNTDQ | BITALG | VNNI, 0xe7);
	tap_ok(&tp, qnn_cpu_features_x86(&r) == (HASWELL_F | A512_F | QNN_CPU_AVX512VPOPCNTDQ |
						QNN_CPU_AVX512BITALG | QNN_CPU_AVX512VNNI),
	       "Ice Lake decodes to its features");
	r = cpu(HASWELL_ECX, AVX2 | BMI2 | A512F | A512BW | A512VL, VPOPCNTDQ, 0x7);
	tap_ok(&tp, qnn_cpu_features_x86(&r) == HASWELL_F,
	       "OS not saving opmask/ZMM state: no AVX-512 features");
	r = cpu(HASWELL_ECX, AVX2 | BMI2, 0, 0x7);
	r.max_leaf = 6;
	tap_ok(&tp, !(qnn_cpu_features_x86(&r) & (QNN_CPU_AVX2 | QNN_CPU_BMI2)),
	       "max leaf < 7: leaf 7 not trusted");
	tap_ok(&tp, qnn_cpu_features_arm64(1ul << 1) == QNN_CPU_NEON &&
	       qnn_cpu_features_arm64((1ul << 1) | (1ul << 20)) == (QNN_CPU_NEON | QNN_CPU_DOTPROD) &&
	       qnn_cpu_features_arm64(0) == 0, "aarch64 HWCAP: ASIMD, ASIMDDP");

	/* ---- selection ---- */
#if defined(__x86_64__)
	r = cpu(HASWELL_ECX, AVX2 | BMI2, 0, 0x7);
	tap_ok(&tp, !strcmp(pick("auto", &r), "avx2") && !strcmp(pick("avx2", &r), "avx2"),
	       "Haswell: auto -> %s", pick("auto", &r));
	r = cpu(HASWELL_ECX, AVX2 | BMI1, 0, 0x7);
	tap_ok(&tp, !strcmp(pick("auto", &r), "scalar") && !strcmp(pick("avx2", &r), "(none)"),
	       "AVX2 without BMI2 (a VM): auto -> %s, avx2 -> %s", pick("auto", &r), pick("avx2", &r));
	r = cpu(HASWELL_ECX & ~FMA, AVX2 | BMI2, 0, 0x7);
	tap_ok(&tp, !strcmp(pick("auto", &r), "scalar") && !strcmp(pick("avx2", &r), "(none)"),
	       "AVX2 without FMA: auto -> %s, avx2 -> %s", pick("auto", &r), pick("avx2", &r));
	r = cpu(HASWELL_ECX & ~POPCNT, AVX2 | BMI2, 0, 0x7);
	tap_ok(&tp, !strcmp(pick("avx2", &r), "(none)"), "AVX2 without POPCNT: avx2 refused");
	r = cpu(HASWELL_ECX, AVX2 | BMI2, 0, 0x3);
	tap_ok(&tp, !strcmp(pick("auto", &r), "scalar"), "AVX2 without OS YMM state: auto -> %s",
	       pick("auto", &r));
	r = cpu(HASWELL_ECX, AVX2 | BMI2 | A512F | A512BW | A512VL, VPOPCNTDQ | BITALG, 0xe7);
	tap_ok(&tp, !strcmp(pick("auto", &r), "avx512") && !strcmp(pick("avx512bw", &r), "avx512bw") &&
	       !strcmp(pick("avx512vnni", &r), "(none)"),
	       "AVX-512 VPOPCNTDQ without VNNI: auto -> %s, avx512vnni refused", pick("auto", &r));
	r = cpu(HASWELL_ECX, AVX2 | BMI2 | A512F | A512BW | A512VL, VPOPCNTDQ | BITALG | VNNI, 0xe7);
	tap_ok(&tp, !strcmp(pick("auto", &r), "avx512vnni") && !strcmp(pick("avx512", &r), "avx512"),
	       "Ice Lake (VNNI): auto -> %s", pick("auto", &r));
	r = cpu(HASWELL_ECX, AVX2 | BMI2 | A512F | A512BW | A512VL, VNNI, 0xe7);
	tap_ok(&tp, !strcmp(pick("auto", &r), "avx512bw") && !strcmp(pick("avx512vnni", &r), "(none)"),
	       "Cascade Lake (VNNI, no VPOPCNTDQ): auto -> %s", pick("auto", &r));
	r = cpu(HASWELL_ECX, AVX2 | A512F | A512BW | A512VL, VPOPCNTDQ | VNNI, 0xe7);
	tap_ok(&tp, !strcmp(pick("avx512vnni", &r), "(none)"),
	       "VNNI and VPOPCNTDQ without BMI2: avx512vnni refused");
	r = cpu(HASWELL_ECX, AVX2 | BMI2 | A512F | A512BW | A512VL, VPOPCNTDQ, 0xe7);
	tap_ok(&tp, !strcmp(pick("auto", &r), "avx512"),
	       "VPOPCNTDQ without BITALG (not used): auto -> %s", pick("auto", &r));
	r = cpu(HASWELL_ECX, AVX2 | BMI2 | A512F | A512BW | A512VL, 0, 0xe7);
	tap_ok(&tp, !strcmp(pick("auto", &r), "avx512bw") && !strcmp(pick("avx512", &r), "(none)"),
	       "Skylake-SP (no VPOPCNTDQ): auto -> %s", pick("auto", &r));
	r = cpu(HASWELL_ECX, AVX2 | BMI2 | A512F | A512BW | A512VL, VPOPCNTDQ, 0x7);
	tap_ok(&tp, !strcmp(pick("auto", &r), "avx2"), "AVX-512 without OS ZMM state: auto -> %s",
	       pick("auto", &r));
	r = cpu(HASWELL_ECX, AVX2 | A512F | A512BW | A512VL, VPOPCNTDQ, 0xe7);
	tap_ok(&tp, !strcmp(pick("auto", &r), "scalar"), "AVX-512 without BMI2: auto -> %s",
	       pick("auto", &r));
	r = cpu(0, 0, 0, 0);
	tap_ok(&tp, !strcmp(pick("auto", &r), "scalar") && !strcmp(pick("scalar", &r), "scalar"),
	       "a bare x86-64: scalar");

	/* ---- each table's needs: its compile flags (isa.mk), nothing unprobed ---- */
	{
		static const struct {
			const char *name;
			unsigned long long flags, never;
		} t[] = {
			{ "avx2", QNN_CPU_AVX2 | QNN_CPU_POPCNT | QNN_CPU_BMI2 | QNN_CPU_FMA | QNN_CPU_AVX, A512_F },
			{ "avx512", A512_F | QNN_CPU_AVX512VPOPCNTDQ | QNN_CPU_AVX2 | QNN_CPU_POPCNT |
				    QNN_CPU_BMI2, QNN_CPU_AVX512BITALG | QNN_CPU_AVX512VNNI },
			{ "avx512bw", A512_F | QNN_CPU_AVX2 | QNN_CPU_POPCNT | QNN_CPU_BMI2,
				      QNN_CPU_AVX512VPOPCNTDQ | QNN_CPU_AVX512BITALG | QNN_CPU_AVX512VNNI },
			{ "avx512vnni", A512_F | QNN_CPU_AVX512VPOPCNTDQ | QNN_CPU_AVX512VNNI |
					QNN_CPU_AVX2 | QNN_CPU_POPCNT | QNN_CPU_BMI2, QNN_CPU_AVX512BITALG },
		};
		struct qnn_cpuid all = cpu(~0u, ~0u, ~0u, ~0ull);

		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			const struct qnn_kern *k = qnn_kern_select_features(t[i].name,
							qnn_cpu_features_x86(&all));

			tap_ok(&tp, k && (k->needs & t[i].flags) == t[i].flags &&
			       !(k->needs & t[i].never & ~base),
			       "%s needs 0x%llx: covers its flags 0x%llx", t[i].name,
			       k ? k->needs : 0, t[i].flags);
		}
		/* files shared by several tables: within every user's needs */
		{
			const struct qnn_kern *users[] = {
				qnn_kern_avx512bw(), qnn_kern_avx512(), qnn_kern_avx512vnni(),
			};
			int thr = 1, int8 = 1;

			for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
				thr &= !(qnn_kern_threshold_avx512f_needs & ~users[i]->needs);
				thr &= !(qnn_kern_fconv_avx512_needs & ~users[i]->needs);
				int8 &= !(qnn_kern_int8_avx512bw_needs & ~users[i]->needs);
			}
			tap_ok(&tp, thr, "shared AVX-512F threshold and fconv needs (0x%llx, 0x%llx) within every AVX-512 table's",
			       qnn_kern_threshold_avx512f_needs, qnn_kern_fconv_avx512_needs);
			/* i16gemm, u8gemm, rowmax of kern_int8_avx512bw.c: AVX-512BW without VNNI */
			tap_ok(&tp, int8 && (qnn_kern_int8_avx512bw_needs & A512_F) == A512_F &&
			       !(qnn_kern_int8_avx512bw_needs &
				 (QNN_CPU_AVX512VNNI | QNN_CPU_AVX512VPOPCNTDQ)),
			       "shared 8-bit kernels' needs (0x%llx): AVX-512 F/BW/VL, no VNNI or "
			       "VPOPCNTDQ, within every AVX-512 table's", qnn_kern_int8_avx512bw_needs);
			/* the avx512vnni table runs the avx512 table's code as well */
			tap_ok(&tp, !(qnn_kern_avx512()->needs & ~qnn_kern_avx512vnni()->needs) &&
			       (qnn_kern_avx512vnni()->needs & QNN_CPU_AVX512VNNI),
			       "avx512vnni needs (0x%llx) cover avx512's (0x%llx) and VNNI",
			       qnn_kern_avx512vnni()->needs, qnn_kern_avx512()->needs);
		}
	}
#endif
	{
		const char *const *names = qnn_kern_names();
		int clean = 1;

		for (size_t i = 0; names[i]; i++) {
			const struct qnn_kern *k = qnn_kern_select_features(names[i], ~0ull >> 1);

			clean &= k && !(k->needs & ~base & QNN_CPU_UNPROBED);
		}
		tap_ok(&tp, clean, "no table is compiled for an instruction set the probe cannot see");
	}
	tap_ok(&tp, qnn_kern_select_features("auto", qnn_cpu_features()) == qnn_kern_select("auto") &&
	       qnn_kern_select_features("bogus", ~0ull) == NULL,
	       "qnn_kern_select = selection on the probed features; unknown names NULL");
	printf("1..%d\n", tp.n);
	return tp.failed ? 1 : 0;
}
