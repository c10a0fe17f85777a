// SPDX-License-Identifier: MIT
/*
 * qnn-bench --peer: a model through libqnn against the same network in
 * onnxruntime, side by side in one run. The peer is a child process (by
 * default scripts/peer/ort_bench.js under node, onnxruntime-node from npm in
 * build/peer) driven over a pipe, so both are timed on the same machine, the
 * same inputs, at the same moment: rounds alternate qnn and the peer for each
 * configuration, and each side's figure is the median of its rounds.
 * Configurations: batch 256 on 2 threads (throughput) and batch 1 on one
 * thread (latency-bound), both wall clock. When the peer is absent it says
 * so and prints qnn's figures alone.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "qnn.h"

#define PEER_IMAGES 2560
#define PEER_CHECK 256
#define PEER_READY_MS 120000

struct peer {
	pid_t pid;
	FILE *to;
	int from;		/* the peer's stdout, -1 none */
	char buf[8192];		/* what was read from it, not yet returned */
	size_t have;
	char version[32];
};

struct cfg {
	unsigned int batch, threads;
	const char *what;
};

static const struct cfg cfgs[] = {
	{ 256, 2, "batch 256, 2 threads" },
	{ 1, 1, "batch 1, 1 thread" },
};
#define NCFG (sizeof(cfgs) / sizeof(cfgs[0]))

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One line from the peer (newline stripped) within ms, else NULL. */
static char *peer_line(struct peer *p, char *buf, size_t len, int ms)
{
	for (;;) {
		char *nl = memchr(p->buf, '\n', p->have);
		struct pollfd pf = { .fd = p->from, .events = POLLIN };
		ssize_t n;

		if (nl) {
			size_t l = (size_t)(nl - p->buf);

			if (l >= len)
				l = len - 1;
			memcpy(buf, p->buf, l);
			buf[l] = 0;
			p->have -= (size_t)(nl + 1 - p->buf);
			memmove(p->buf, nl + 1, p->have);
			return buf;
		}
		if (p->from < 0 || p->have == sizeof(p->buf) || poll(&pf, 1, ms) <= 0)
			return NULL;
		n = read(p->from, p->buf + p->have, sizeof(p->buf) - p->have);
		if (n <= 0)
			return NULL;
		p->have += (size_t)n;
	}
}

static double json_field(const char *line, const char *key)
{
	const char *s = strstr(line, key);

	if (!s)
		return -1;
	s = strchr(s + strlen(key), ':');
	return s ? strtod(s + 1, NULL) : -1;
}

static void peer_stop(struct peer *p)
{
	if (p->to) {
		fputs("quit\n", p->to);
		fclose(p->to);
	}
	if (p->from >= 0)
		close(p->from);
	if (p->pid > 0)
		waitpid(p->pid, NULL, 0);
	memset(p, 0, sizeof(*p));
	p->from = -1;
}

/* Starts `cmd onnx input h w c`; 0, or -1 with the reason in why. */
static int peer_start(struct peer *p, const char *cmd, const char *onnx, const char *input,
		      const struct qnn_tensor_info *ti, char *why, size_t len)
{
	int in[2], out[2];
	char line[512], *s;

	memset(p, 0, sizeof(*p));
	p->from = -1;
	if (access(onnx, R_OK)) {
		snprintf(why, len, "%s: %s", onnx, strerror(errno));
		return -1;
	}
	if (pipe(in) || pipe(out)) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		return -1;
	}
	p->pid = fork();
	if (p->pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		return -1;
	}
	if (!p->pid) {
		char full[4096];

		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		snprintf(full, sizeof(full), "exec %s '%s' '%s' %u %u %u", cmd, onnx, input,
			 ti->dims[1], ti->dims[2], ti->dims[3]);
		execl("/bin/sh", "sh", "-c", full, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	p->to = fdopen(in[1], "w");
	p->from = out[0];
	if (!p->to) {
		snprintf(why, len, "fdopen: %s", strerror(errno));
		peer_stop(p);
		return -1;
	}
	setvbuf(p->to, NULL, _IOLBF, 0);
	if (!peer_line(p, line, sizeof(line), PEER_READY_MS) || !strstr(line, "\"ready\"")) {
		snprintf(why, len, "'%s' did not start (is onnxruntime-node installed? "
			 "scripts/install-deps.sh bench)", cmd);
		peer_stop(p);
		return -1;
	}
	s = strstr(line, "\"version\":\"");
	if (s)
		sscanf(s + 11, "%31[^\"]", p->version);
	return 0;
}

/* CPU seconds used by this process (all its threads) so far */
static double proc_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

/* Images/s of the peer for seconds, or -1; *per_cpu: images per CPU-second. */
static double peer_run(struct peer *p, const struct cfg *c, double seconds, double *per_cpu)
{
	char line[512];
	double ips, cpu;

	fprintf(p->to, "run %u %u %g\n", c->batch, c->threads, seconds);
	if (!peer_line(p, line, sizeof(line), (int)(seconds * 1000) + 60000))
		return -1;
	if (getenv("QNN_BENCH_DEBUG"))
		fprintf(stderr, "# peer: %s\n", line);
	ips = json_field(line, "\"images_per_s\"");
	cpu = json_field(line, "\"cpu_s\"");
	*per_cpu = cpu > 0 ? ips * json_field(line, "\"wall_s\"") / cpu : 0;
	return ips;
}

/* The peer's top-1 of the first n images into cls; number read, or -1. */
static int peer_top1(struct peer *p, int n, int *cls)
{
	char line[PEER_CHECK * 4 + 64];
	const char *s;
	int k = 0;

	fprintf(p->to, "top1 %d\n", n);
	if (!peer_line(p, line, sizeof(line), 60000) || !(s = strchr(line, '[')))
		return -1;
	for (s++; k < n && *s && *s != ']'; k++) {
		char *e;

		cls[k] = (int)strtol(s, &e, 10);
		if (e == s)
			break;
		s = *e == ',' ? e + 1 : e;
	}
	return k;
}

struct side {
	struct qnn_ctx *ctx;
	struct qnn_model *m;
};

static double qnn_round(struct side *q, const struct cfg *c, const uint8_t *img, size_t ibytes,
			float *out, size_t obytes, double seconds, double *per_cpu)
{
	unsigned int groups = PEER_IMAGES / c->batch;
	double c0 = proc_cpu_s(), t0 = bench_now_s(), t;
	size_t calls = 0;

	do {
		size_t g = calls % groups;
		const void *in[1] = { img + g * c->batch * ibytes };
		void *o[1] = { (uint8_t *)out + g * c->batch * obytes };

		if (qnn_run_batch(q->m, c->batch, in, o, NULL))
			return -1;
		calls++;
		t = bench_now_s() - t0;
	} while (t < seconds);
	*per_cpu = calls * c->batch / (proc_cpu_s() - c0 + 1e-9);
	return calls * c->batch / t;
}

static int argmax(const float *v, size_t n)
{
	size_t b = 0;

	for (size_t j = 1; j < n; j++)
		if (v[j] > v[b])
			b = j;
	return (int)b;
}

int bench_peer(const struct bench_peer_opts *o, int json)
{
	struct qnn_tensor_info ti = { .sz = sizeof(ti) }, to = { .sz = sizeof(to) };
	struct qnn_plan_info pi = { .sz = sizeof(pi) };
	struct side q[NCFG] = { 0 };
	char why[512] = "", tmp[] = "/tmp/qnn-bench-peer-XXXXXX";
	const char *input = o->input;
	struct peer p = { .from = -1 };
	double qv[NCFG][64], pv[NCFG][64], qm[NCFG], pm[NCFG];
	double qc[NCFG][64], pc[NCFG][64], qcm[NCFG], pcm[NCFG];
	uint8_t *img = NULL;
	float *out = NULL;
	int have_peer = 0, agree = -1, nchk = 0, ret = 1, cls[PEER_CHECK];
	char backend[32] = "?";

	signal(SIGPIPE, SIG_IGN);	/* a peer that dies is reported, not fatal */
	for (size_t c = 0; c < NCFG; c++) {
		struct qnn_ctx_opts co = { .sz = sizeof(co), .threads = cfgs[c].threads };
		struct qnn_ctx_info ci = { .sz = sizeof(ci) };
		char err[256];

		if (qnn_ctx_create(&co, &q[c].ctx, err, sizeof(err))) {
			fprintf(stderr, "qnn-bench: context: %s\n", err);
			goto out;
		}
		if (qnn_model_load_file(q[c].ctx, o->model, NULL, &q[c].m)) {
			fprintf(stderr, "qnn-bench: %s\n", qnn_ctx_errmsg(q[c].ctx));
			goto out;
		}
		qnn_ctx_info(q[c].ctx, &ci);
		snprintf(backend, sizeof(backend), "%s", ci.backend);
	}
	qnn_model_input(q[0].m, 0, &ti);
	qnn_model_output(q[0].m, 0, &to);
	qnn_model_plan_info(q[0].m, &pi);
	if (ti.dtype != QNN_DT_U8 || to.dtype != QNN_DT_F32 || to.bytes % sizeof(float)) {
		fprintf(stderr, "qnn-bench: --peer needs a model with a U8 input and F32 output\n");
		goto out;
	}
	img = malloc(PEER_IMAGES * ti.bytes);
	out = malloc(PEER_IMAGES * to.bytes);
	if (!img || !out)
		goto out;
	if (input) {
		FILE *f = fopen(input, "rb");
		size_t n = f ? fread(img, ti.bytes, PEER_IMAGES, f) : 0;

		if (f)
			fclose(f);
		if (n < PEER_IMAGES) {
			fprintf(stderr, "qnn-bench: %s: fewer than %d images of %zu bytes\n",
				input, PEER_IMAGES, ti.bytes);
			goto out;
		}
	} else {
		uint64_t s = 0x5eed;
		int fd = mkstemp(tmp);

		for (size_t i = 0; i < PEER_IMAGES * ti.bytes; i++) {
			s ^= s << 13, s ^= s >> 7, s ^= s << 17;
			img[i] = (uint8_t)s;
		}
		if (fd < 0 || write(fd, img, PEER_IMAGES * ti.bytes) != (ssize_t)(PEER_IMAGES * ti.bytes)) {
			fprintf(stderr, "qnn-bench: %s: %s\n", tmp, strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
		close(fd);
		input = tmp;
	}
	if (!o->onnx || !o->cmd)
		snprintf(why, sizeof(why), "no --peer-onnx/--peer-cmd given");
	else
		have_peer = !peer_start(&p, o->cmd, o->onnx, input, &ti, why, sizeof(why));
	if (have_peer) {
		const void *in[1] = { img };
		void *ov[1] = { out };

		nchk = peer_top1(&p, PEER_CHECK, cls);
		if (nchk > 0 && !qnn_run_batch(q[0].m, (unsigned int)nchk, in, ov, NULL)) {
			agree = 0;
			for (int i = 0; i < nchk; i++)
				agree += argmax(out + i * (to.bytes / 4), to.bytes / 4) == cls[i];
		}
	}
	for (int r = 0; r < o->rounds; r++)
		for (size_t c = 0; c < NCFG; c++) {
			qv[c][r] = qnn_round(&q[c], &cfgs[c], img, ti.bytes, out, to.bytes, o->seconds,
					     &qc[c][r]);
			if (qv[c][r] < 0) {
				fprintf(stderr, "qnn-bench: run: %s\n", qnn_ctx_errmsg(q[c].ctx));
				goto out;
			}
			if (have_peer) {
				pv[c][r] = peer_run(&p, &cfgs[c], o->seconds, &pc[c][r]);
				if (pv[c][r] < 0) {
					snprintf(why, sizeof(why), "the peer stopped answering");
					have_peer = 0;
				}
			}
		}
	for (size_t c = 0; c < NCFG; c++) {
		qm[c] = median(qv[c], o->rounds);
		pm[c] = have_peer ? median(pv[c], o->rounds) : 0;
		qcm[c] = median(qc[c], o->rounds);
		pcm[c] = have_peer ? median(pc[c], o->rounds) : 0;
	}
	if (json) {
		printf("{\"model\": \"%s\", \"backend\": \"%s\", \"rounds\": %d, \"seconds_per_round\": %g, "
		       "\"peak_activation_bytes_per_image\": %zu, \"peer\": ",
		       o->model, backend, o->rounds, o->seconds, pi.act_peak_bytes);
		if (have_peer)
			printf("\"onnxruntime %s\", \"top1_agree\": %d, \"top1_checked\": %d", p.version,
			       agree, nchk);
		else
			printf("null, \"peer_absent\": \"%s\"", why);
		for (size_t c = 0; c < NCFG; c++) {
			printf(", \"qnn_b%u_t%u_images_per_s\": %.0f", cfgs[c].batch, cfgs[c].threads, qm[c]);
			printf(", \"qnn_b%u_t%u_images_per_cpu_s\": %.0f", cfgs[c].batch, cfgs[c].threads,
			       qcm[c]);
			if (have_peer)
				printf(", \"peer_b%u_t%u_images_per_s\": %.0f, \"ratio_b%u_t%u\": %.2f, "
				       "\"peer_b%u_t%u_images_per_cpu_s\": %.0f",
				       cfgs[c].batch, cfgs[c].threads, pm[c], cfgs[c].batch,
				       cfgs[c].threads, qm[c] / pm[c], cfgs[c].batch, cfgs[c].threads, pcm[c]);
		}
		printf("}\n");
	} else {
		printf("model                     %s (%s; activations %zu bytes/image planned, %zu naive)\n",
		       o->model, backend, pi.act_peak_bytes, pi.act_naive_bytes);
		if (have_peer)
			printf("peer                      onnxruntime %s (float32) on %s; top-1 agrees on %d of %d images\n",
			       p.version, o->onnx, agree, nchk);
		else
			printf("peer                      ABSENT: %s\n", why);
		for (size_t c = 0; c < NCFG; c++) {
			printf("%-25s qnn %.0f images/s", cfgs[c].what, qm[c]);
			if (have_peer)
				printf(", onnxruntime %.0f images/s, ratio %.2fx", pm[c], qm[c] / pm[c]);
			printf("  (median of %d interleaved %gs rounds)\n", o->rounds, o->seconds);
			printf("%-25s qnn %.0f images per CPU-second", "", qcm[c]);
			if (have_peer)
				printf(", onnxruntime %.0f, ratio %.2fx", pcm[c], qcm[c] / pcm[c]);
			printf("  (all threads' CPU time: less load-sensitive)\n");
		}
	}
	ret = 0;
out:
	peer_stop(&p);
	if (input == tmp)
		unlink(tmp);
	for (size_t c = 0; c < NCFG; c++) {
		qnn_model_free(q[c].m);
		qnn_ctx_destroy(q[c].ctx);
	}
	free(img);
	free(out);
	return ret;
}
