// SPDX-License-Identifier: MIT
/*
 * qnn-bench: performance figures of libqnn's CPU engine, measured in one
 * run on whichever kernel table this machine selects. --json prints one
 * JSON object; otherwise one human-readable line per figure. What each
 * figure means and what bounds it: docs/kernels.md.
 *
 * OpenBLAS reads OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE in its load-time
 * constructor, before main(). So that the float baseline is OpenBLAS at its
 * best on this CPU, the tool re-executes itself once with both removed and
 * says so in its output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define REEXEC_VAR	"QNN_BENCH_REEXEC"
#define WAS_VAR		"QNN_BENCH_OPENBLAS_WAS"

#if defined(__x86_64__)
#define TICK_SOURCE "rdtsc"
#elif defined(__aarch64__)
#define TICK_SOURCE "cntvct_el0"
#else
#define TICK_SOURCE "clock_gettime"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: qnn-bench [--json] [--kernels NAME] [--reps N] [--no-cnv | --cnv-only]\n"
		"       qnn-bench --peer MODEL.qnn [--peer-onnx F] [--peer-cmd CMD] [--peer-input F]\n"
		"                 [--rounds N] [--seconds S] [--json]\n"
		"  --json          one JSON object on stdout\n"
		"  --kernels NAME  kernel table: auto (default), avx512, avx512bw, avx2, neon, scalar\n"
		"  --reps N        best of N runs per figure (default 3)\n"
		"  --no-cnv        skip the CNV network benchmark\n"
		"  --cnv-only      only the CNV network benchmark (no kernel figures)\n"
		"  --peer MODEL    MODEL through libqnn against the same network in onnxruntime\n"
		"                  (F: ONNX file; CMD: the peer runner, scripts/peer/ort_bench.js\n"
		"                  under node; input: raw images, default random), side by side:\n"
		"                  N rounds (default 5) of S seconds (default 0.5), medians\n");
}

/* Returns only if no re-exec was needed or it failed; *note says which. */
static void openblas_clean_env(char **argv, char *note, size_t len)
{
	const char *ct = getenv("OPENBLAS_CORETYPE");
	const char *l2 = getenv("OPENBLAS_L2_SIZE");
	const char *was = getenv(WAS_VAR);
	char buf[256];

	if (getenv(REEXEC_VAR)) {
		snprintf(note, len, "unset in this process by re-exec (were: %s)",
			 was ? was : "?");
		return;
	}
	if (!ct && !l2) {
		snprintf(note, len, "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE were not set");
		return;
	}
	snprintf(buf, sizeof(buf), "OPENBLAS_CORETYPE=%s OPENBLAS_L2_SIZE=%s",
		 ct ? ct : "(unset)", l2 ? l2 : "(unset)");
	setenv(WAS_VAR, buf, 1);
	setenv(REEXEC_VAR, "1", 1);
	unsetenv("OPENBLAS_CORETYPE");
	unsetenv("OPENBLAS_L2_SIZE");
	execv("/proc/self/exe", argv);
	snprintf(note, len, "still set (%s): re-exec failed: %s; float baseline may be slow",
		 buf, strerror(errno));
}

static void json_num(const char *key, double v, int last)
{
	printf("  \"%s\": %.4g%s\n", key, v, last ? "" : ",");
}

static void json_str(const char *key, const char *v, int last)
{
	printf("  \"%s\": \"", key);
	for (const char *p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			putchar('\\');
		if ((unsigned char)*p >= 0x20)
			putchar(*p);
	}
	printf("\"%s\n", last ? "" : ",");
}

int main(int argc, char **argv)
{
	const char *isa = "auto";
	int json = 0, reps = 3, cnv = 1, cnv_only = 0, rc;
	char note[384], err[256] = "", cnv_err[256] = "";
	struct bench_kern_result R;
	double hz, ceiling, ips = 0, lat = 0, maxcost;
	int have_cnv = 0;
	struct bench_peer_opts peer = { .rounds = 5, .seconds = 0.5 };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--kernels") && i + 1 < argc) {
			isa = argv[++i];
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			reps = atoi(argv[++i]);
			if (reps < 1 || reps > 1000) {
				fprintf(stderr, "qnn-bench: --reps must be 1..1000\n");
				return 2;
			}
		} else if (!strcmp(argv[i], "--no-cnv")) {
			cnv = 0;
		} else if (!strcmp(argv[i], "--cnv-only")) {
			cnv_only = 1;
		} else if (!strcmp(argv[i], "--peer") && i + 1 < argc) {
			peer.model = argv[++i];
		} else if (!strcmp(argv[i], "--peer-onnx") && i + 1 < argc) {
			peer.onnx = argv[++i];
		} else if (!strcmp(argv[i], "--peer-cmd") && i + 1 < argc) {
			peer.cmd = argv[++i];
		} else if (!strcmp(argv[i], "--peer-input") && i + 1 < argc) {
			peer.input = argv[++i];
		} else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			peer.rounds = atoi(argv[++i]);
			if (peer.rounds < 1 || peer.rounds > 64) {
				fprintf(stderr, "qnn-bench: --rounds must be 1..64\n");
				return 2;
			}
		} else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			peer.seconds = atof(argv[++i]);
			if (!(peer.seconds > 0 && peer.seconds <= 60)) {
				fprintf(stderr, "qnn-bench: --seconds must be in (0, 60]\n");
				return 2;
			}
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "qnn-bench: unknown argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (peer.model) {
#ifdef QNN_BENCH_NO_CNV
		fprintf(stderr, "qnn-bench: --peer needs libqnn (not linked into this build)\n");
		return 1;
#else
		return bench_peer(&peer, json);
#endif
	}
	if (cnv_only) {
#ifdef QNN_BENCH_NO_CNV
		fprintf(stderr, "qnn-bench: --cnv-only needs libqnn (not linked into this build)\n");
		return 1;
#else
		rc = bench_cnv(&ips, &lat, cnv_err, sizeof(cnv_err));
		if (rc) {
			fprintf(stderr, "qnn-bench: %s\n", cnv_err[0] ? cnv_err : strerror(-rc));
			return 1;
		}
		if (json)
			printf("{\n  \"cnv_images_per_s\": %.4g,\n  \"cnv_latency_us\": %.4g\n}\n", ips, lat);
		else
			printf("CNV                       %.0f images/s, %.1f us latency\n", ips, lat);
		return 0;
#endif
	}
	openblas_clean_env(argv, note, sizeof(note));

	hz = bench_tick_hz();
	rc = bench_kernels(isa, reps, hz, &R, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "qnn-bench: %s\n", err);
		return 1;
	}
	ceiling = bench_popcount_ceiling(R.isa, hz);
	maxcost = R.cost_w1a2;
	if (R.cost_w2a2 > maxcost)
		maxcost = R.cost_w2a2;
	if (R.cost_w4a4 > maxcost)
		maxcost = R.cost_w4a4;

	if (!cnv) {
		snprintf(cnv_err, sizeof(cnv_err), "skipped (--no-cnv)");
	} else {
#ifdef QNN_BENCH_NO_CNV
		snprintf(cnv_err, sizeof(cnv_err),
			 "not built: tools/qnn-bench/cnv.c (CNV through libqnn's engine) does not exist yet");
#else
		rc = bench_cnv(&ips, &lat, cnv_err, sizeof(cnv_err));
		have_cnv = rc == 0;
		if (rc && !cnv_err[0])
			snprintf(cnv_err, sizeof(cnv_err), "bench_cnv failed: %s",
				 strerror(-rc));
#endif
	}

	if (!json) {
		printf("kernel table              %s\n", R.isa);
		printf("tick counter              %.4g GHz (%s)\n", hz / 1e9,
		       TICK_SOURCE);
		printf("popcount ceiling          %.0f bit-ops/cycle\n", ceiling);
		printf("bgemm %zux%zux%zu    %.0f bit-MACs/cycle (%.0f%% of ceiling)\n",
		       R.bgemm_m, R.bgemm_n, R.bgemm_k, R.bgemm_bitmacs_per_tick,
		       100 * R.bgemm_bitmacs_per_tick / ceiling);
		printf("bconv 3x3 56x56x256->256  %.3f ms (%.0f bit-MACs/cycle incl. im2col)\n",
		       R.bconv_s * 1e3, R.bconv_bitmacs_per_tick);
		printf("sgemm conv (OpenBLAS %s, 1 thread) %.3f ms (sgemm %.1f MACs/cycle)\n",
		       R.sgemm_core, R.sconv_s * 1e3, R.sgemm_macs_per_tick);
		printf("bconv vs sgemm            %.1fx\n", R.bconv_vs_sgemm);
		printf("multibit cost             W1A2 %.3f  W2A2 %.3f  W4A4 %.3f\n",
		       R.cost_w1a2, R.cost_w2a2, R.cost_w4a4);
		if (have_cnv)
			printf("CNV                       %.0f images/s, %.1f us latency\n",
			       ips, lat);
		else
			printf("CNV                       n/a: %s\n", cnv_err);
		printf("OpenBLAS env              %s\n", note);
		return 0;
	}
	printf("{\n");
	json_str("isa", R.isa, 0);
	json_str("tick_source", TICK_SOURCE, 0);
	json_num("tick_hz", hz, 0);
	json_num("reps", reps, 0);
	json_str("timing", "best of reps; a span counts min(tick delta, thread on-CPU time x tick_hz), "
		 "so time preempted on a shared machine is not charged", 0);
	json_num("popcount_ceiling_bitops_per_cycle", ceiling, 0);
	json_num("bgemm_bitmacs_per_cycle", R.bgemm_bitmacs_per_tick, 0);
	json_num("bgemm_fraction_of_ceiling", R.bgemm_bitmacs_per_tick / ceiling, 0);
	printf("  \"bgemm_shape\": \"%zux%zu outputs, K=%zu bits, 1 thread\",\n",
	       R.bgemm_m, R.bgemm_n, R.bgemm_k);
	json_num("bconv_vs_sgemm", R.bconv_vs_sgemm, 0);
	json_str("bconv_shape", "3x3 conv 56x56x256->256, stride 1, pad 1, batch 1, 1 thread", 0);
	json_num("bconv_ms", R.bconv_s * 1e3, 0);
	json_num("bconv_bitmacs_per_cycle", R.bconv_bitmacs_per_tick, 0);
	json_num("sgemm_conv_ms", R.sconv_s * 1e3, 0);
	json_num("sgemm_macs_per_cycle", R.sgemm_macs_per_tick, 0);
	json_str("sgemm_core", R.sgemm_core, 0);
	json_str("openblas_env", note, 0);
	printf("  \"multibit_cost\": {\"W1A2\": %.4g, \"W2A2\": %.4g, \"W4A4\": %.4g, \"max\": %.4g},\n",
	       R.cost_w1a2, R.cost_w2a2, R.cost_w4a4, maxcost);
	printf("  \"multibit_ms\": {\"W1A1\": %.4g, \"W1A2\": %.4g, \"W2A2\": %.4g, \"W4A4\": %.4g},\n",
	       R.w1a1_s * 1e3, R.w1a2_s * 1e3, R.w2a2_s * 1e3, R.w4a4_s * 1e3);
	if (have_cnv) {
		json_num("cnv_images_per_s", ips, 0);
		json_num("cnv_latency_us", lat, 1);
	} else {
		printf("  \"cnv_images_per_s\": null,\n  \"cnv_latency_us\": null,\n");
		json_str("cnv_error", cnv_err, 1);
	}
	printf("}\n");
	return 0;
}
