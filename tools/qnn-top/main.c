// SPDX-License-Identifier: MIT
/*
 * qnn-top: live per-process use of qnn accelerators from the driver's
 * tracepoints, through a BPF CO-RE program (qnn_top.bpf.c). See
 * docs/tools.md.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "qnn_top.skel.h"
#include "top.h"

/* Exit codes, docs/tools.md. */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,		/* anything else: out of memory, map reads */
	EXIT_USAGE = 2,
	EXIT_NO_BTF = 3,	/* no usable kernel BTF */
	EXIT_NO_PERM = 4,	/* not allowed to load BPF programs */
	EXIT_NO_DEVICE = 5,	/* qnn not loaded, or no qnn device */
};

#define KERNEL_BTF "/sys/kernel/btf/vmlinux"

/* set by SIGINT/SIGTERM: print what there is and stop */
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct opts {
	bool json, once, all, verbose, bpf_stats;
	double delay;		/* s between reads; once: how long to collect */
	long iterations;	/* live: reads before exiting, 0 = until ^C */
	const char *btf;	/* kernel BTF to use instead of KERNEL_BTF */
};

static bool verbose_libbpf;

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	/* by default only our own messages, which say what to do */
	return verbose_libbpf ? vfprintf(stderr, fmt, ap) : 0;
}

static void usage(FILE *f)
{
	fputs("Usage: qnn-top [--once] [--json] [-d SECONDS] [-n COUNT] [--all]\n"
	      "               [--btf FILE] [--bpf-stats] [--verbose]\n"
	      "\n"
	      "Shows what the qnn accelerators do, per device and per process:\n"
	      "jobs/s, queue depth, busy %, queue-wait and run-time histograms\n"
	      "(log2 us), failed jobs by status, resets and MMU faults. Reads\n"
	      "the qnn driver's tracepoints through BPF: needs root (CAP_BPF and\n"
	      "CAP_PERFMON) and a kernel with BTF.\n"
	      "\n"
	      "  -1, --once        collect for -d seconds (default: until SIGINT\n"
	      "                    or SIGTERM), print the totals once, exit\n"
	      "  -j, --json        JSON: one object per report (one line)\n"
	      "  -d, --delay S     seconds between reports (default 1)\n"
	      "  -n, --iterations N  reports before exiting (default: until ^C)\n"
	      "  -a, --all         also processes with nothing to show\n"
	      "      --btf FILE    kernel BTF to use instead of " KERNEL_BTF "\n"
	      "      --bpf-stats   also report the BPF programs' own run time\n"
	      "  -v, --verbose     libbpf's messages\n"
	      "  -h, --help        this text\n"
	      "\n"
	      "Prints 'qnn-top: attached' on stderr once it counts.\n"
	      "Exit status: 0 ok, 1 error, 2 usage, 3 no kernel BTF, 4 no\n"
	      "permission, 5 no qnn driver or device.\n", f);
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "once", no_argument, NULL, '1' },
		{ "json", no_argument, NULL, 'j' },
		{ "delay", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "all", no_argument, NULL, 'a' },
		{ "btf", required_argument, NULL, 'B' },
		{ "bpf-stats", no_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool delay_set = false;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->delay = 1;
	while ((c = getopt_long(argc, argv, "1jd:n:avh", lopts, NULL)) != -1) {
		switch (c) {
		case '1':
			o->once = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'd':
			errno = 0;
			o->delay = strtod(optarg, &end);
			if (errno || *end || !(o->delay > 0) || o->delay > 1e6) {
				fprintf(stderr, "qnn-top: bad delay '%s'\n", optarg);
				return -1;
			}
			delay_set = true;
			break;
		case 'n':
			errno = 0;
			o->iterations = strtol(optarg, &end, 10);
			if (errno || *end || o->iterations < 1) {
				fprintf(stderr, "qnn-top: bad count '%s'\n", optarg);
				return -1;
			}
			break;
		case 'a':
			o->all = true;
			break;
		case 'B':
			o->btf = optarg;
			break;
		case 'S':
			o->bpf_stats = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "qnn-top: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	if (o->once && !delay_set)
		o->delay = 0;	/* until a signal */
	return 0;
}

/* The kernel's BTF must be there and parse: CO-RE needs it. */
static int check_btf(const char *path)
{
	struct btf *btf;
	long err;

	if (access(path, R_OK)) {
		int e = errno;

		fprintf(stderr, "qnn-top: no kernel BTF at %s: %s\n", path,
			strerror(e));
		if (e == ENOENT && !strcmp(path, KERNEL_BTF))
			fputs("qnn-top: the kernel needs CONFIG_DEBUG_INFO_BTF=y\n",
			      stderr);
		return -1;
	}
	btf = btf__parse(path, NULL);
	err = libbpf_get_error(btf);
	if (err) {
		char msg[128];

		libbpf_strerror((int)err, msg, sizeof(msg));
		fprintf(stderr, "qnn-top: %s is not usable BTF: %s\n", path, msg);
		return -1;
	}
	btf__free(btf);
	return 0;
}

static int load_error(int err)
{
	err = err < 0 ? -err : err;
	/* as root, EACCES is the verifier's refusal, not a permission */
	if (err == EPERM || (err == EACCES && geteuid())) {
		fprintf(stderr, "qnn-top: not allowed to load BPF programs (%s): "
			"run as root (CAP_BPF and CAP_PERFMON)\n", strerror(err));
		return EXIT_NO_PERM;
	}
	fprintf(stderr, "qnn-top: loading the BPF program failed: %s "
		"(--verbose shows libbpf's and the verifier's log)\n",
		strerror(err));
	return EXIT_ERROR;
}

static int attach_error(int err)
{
	err = err < 0 ? -err : err;
	if (err == ENOENT) {
		fputs("qnn-top: no qnn tracepoints in this kernel: is qnn.ko loaded?\n",
		      stderr);
		return EXIT_NO_DEVICE;
	}
	if (err == EPERM || err == EACCES)
		return load_error(err);
	fprintf(stderr, "qnn-top: attaching to the qnn tracepoints failed: %s\n",
		strerror(err));
	return EXIT_ERROR;
}

/* Sleep @s seconds (0: until a signal); false when a signal came. */
static bool nap(double s)
{
	struct timespec ts = {
		.tv_sec = (time_t)s,
		.tv_nsec = (long)((s - (double)(time_t)s) * 1e9),
	};

	if (s <= 0) {
		while (!stop)
			pause();
		return false;
	}
	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
	return !stop;
}

struct run {
	struct qnn_top *skel;
	int prog_fds[5];
	int nprogs;
};

static int snap(const struct run *r, struct qt_snap *s)
{
	int err = qt_snap_read(s, bpf_map__fd(r->skel->maps.devs),
			       bpf_map__fd(r->skel->maps.procs), r->prog_fds,
			       r->nprogs, r->skel->bss->procs_dropped);

	if (err)
		fprintf(stderr, "qnn-top: reading the BPF maps: %s\n",
			strerror(-err));
	return err;
}

static int report(const struct opts *o, const struct qt_view *v)
{
	if (o->json) {
		qt_print_json(stdout, v);
	} else {
		if (!o->once && isatty(STDOUT_FILENO))
			fputs("\033[H\033[2J", stdout);
		qt_print_text(stdout, v);
		if (!o->once)
			fputc('\n', stdout);
	}
	if (fflush(stdout) == EOF) {
		perror("qnn-top: stdout");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts);
	struct qt_devinfo devinfo[QT_MAX_DEVS];
	struct qt_snap base = { 0 }, prev = { 0 }, cur = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct run r = { 0 };
	struct opts o;
	struct bpf_program *prog;
	int ret = EXIT_ERROR, err, stats_fd = -1, ndev;
	long n = 0;

	if (parse(argc, argv, &o)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	verbose_libbpf = o.verbose;
	libbpf_set_print(libbpf_print);
	if (check_btf(o.btf ? o.btf : KERNEL_BTF))
		return EXIT_NO_BTF;
	open_opts.btf_custom_path = o.btf;

	r.skel = qnn_top__open_opts(&open_opts);
	if (!r.skel)
		return load_error(errno);
	err = qnn_top__load(r.skel);
	if (err) {
		ret = load_error(err);
		goto out;
	}
	err = qnn_top__attach(r.skel);
	if (err) {
		ret = attach_error(err);
		goto out;
	}
	ndev = qt_scan_devices(devinfo);
	if (ndev <= 0) {
		fputs("qnn-top: no qnn device (no /dev/accel/accel* driven by qnn)\n",
		      stderr);
		ret = EXIT_NO_DEVICE;
		goto out;
	}
	if (o.bpf_stats) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0)
			fprintf(stderr, "qnn-top: BPF run-time statistics unavailable: %s\n",
				strerror(errno));
		else
			bpf_object__for_each_program(prog, r.skel->obj)
				r.prog_fds[r.nprogs++] = bpf_program__fd(prog);
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (snap(&r, &base))
		goto out;
	fputs("qnn-top: attached\n", stderr);

	if (o.once) {
		struct qt_view v = { &base, &cur, devinfo, true, true };

		nap(o.delay);
		if (snap(&r, &cur) || report(&o, &v))
			goto out;
		ret = EXIT_OK;
		goto out;
	}
	if (snap(&r, &prev))
		goto out;
	while (nap(o.delay)) {
		struct qt_view v = { &prev, &cur, devinfo, false, o.all };

		if (snap(&r, &cur) || report(&o, &v))
			goto out;
		qt_snap_free(&prev);
		prev = cur;
		memset(&cur, 0, sizeof(cur));
		if (o.iterations && ++n >= o.iterations)
			break;
	}
	ret = EXIT_OK;
out:
	qt_snap_free(&base);
	qt_snap_free(&prev);
	qt_snap_free(&cur);
	if (stats_fd >= 0)
		close(stats_fd);
	qnn_top__destroy(r.skel);
	return ret;
}
