// SPDX-License-Identifier: GPL-2.0-only
/*
 * qnn_fuzz_test: a stateful, seeded uAPI fuzzer of the qnn accel device.
 *
 * QNN_FUZZ_PROCS worker processes (default 3), linked in a ring by unix
 * sockets that carry dma-buf and syncobj fds, each make random calls on their
 * own files, BOs, mappings, syncobjs and jobs (fuzz_ops.c) for
 * QNN_FUZZ_SECONDS (default 60), from QNN_FUZZ_SEED (default: the clock;
 * always printed, with the line that replays the run). QNN_FUZZ_FAILNTH=P
 * arms /proc/thread-self/fail-nth for P% of the calls (debug kernels with
 * fault injection). The same seed replays the same calls per worker; the
 * interleaving of workers and the device is the machine's.
 *
 * Asserts (TAP): no worker crashed or hung; valid requests were accepted;
 * valid jobs computed what the independent reference computes; no BO left
 * after every file closed. The VM lane adds: no oops/WARN/lockdep/KASAN
 * report, slab counts back where they were.
 */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "job_util.h"

#define MAX_PROCS 16

static long env_long(const char *name, long def)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 0) : def;
}

static int tap_n;

static void tap(int ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void worker(const char *node, uint64_t seed, int sock, int sock_in,
		   int failnth, int64_t deadline, struct fz_stats *st)
{
	struct fz z;

	fz_init(&z, node, seed, sock, sock_in, failnth, st);
	while (job_now_ns() < deadline) {
		/* one call blocking this long is a hang: SIGALRM kills us */
		alarm(120);
		fz_step(&z);
	}
	alarm(120);
	fz_fini(&z);
	_exit(0);
}

int main(void)
{
	long secs = env_long("QNN_FUZZ_SECONDS", 60);
	long procs = env_long("QNN_FUZZ_PROCS", 3);
	long failnth = env_long("QNN_FUZZ_FAILNTH", 0);
	uint64_t seed = (uint64_t)env_long("QNN_FUZZ_SEED", 0);
	int socks[MAX_PROCS][2], dead = 0, fd, minor, ret;
	uint64_t calls = 0, jobs = 0, checked = 0, mism = 0, badf = 0;
	uint64_t inj = 0, forks = 0, left = ~0ULL;
	pid_t pids[MAX_PROCS];
	struct fz_stats *st;
	char node[64], first[256] = "";
	int64_t t0 = job_now_ns(), deadline;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)ts.tv_nsec ^
		       ((uint64_t)getpid() << 40);
	}
	if (procs < 1 || procs > MAX_PROCS)
		procs = 3;
	printf("TAP version 13\n");
	printf("# qnn_fuzz: seed 0x%" PRIx64 ", %ld s, %ld processes, fail-nth %ld%%\n",
	       seed, secs, procs, failnth);
	printf("# replay: QNN_FUZZ_SEED=0x%" PRIx64 " QNN_FUZZ_SECONDS=%ld QNN_FUZZ_PROCS=%ld QNN_FUZZ_FAILNTH=%ld\n",
	       seed, secs, procs, failnth);

	fd = qnn_open();
	minor = fd >= 0 ? qnn_minor(fd) : fd;
	if (minor < 0) {
		tap(0, "find the qnn device: %d", minor);
		printf("1..%d\n", tap_n);
		return 1;
	}
	close(fd);
	snprintf(node, sizeof(node), "/dev/accel/accel%d", minor);

	st = mmap(NULL, sizeof(*st) * procs, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED)
		return 1;
	for (long i = 0; i < procs; i++)
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, socks[i]))
			socks[i][0] = socks[i][1] = -1;

	deadline = t0 + (int64_t)secs * 1000000000;
	for (long i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			/*
			 * die with the main process: workers orphaned by an OOM
			 * kill fuzzed on into the next program (session 6)
			 */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(1);
			/* send to the next worker, hear from the previous */
			worker(node, seed + (uint64_t)i * 0x9e3779b97f4a7c15ULL,
			       socks[i][0], socks[(i + procs - 1) % procs][1],
			       (int)failnth, deadline, &st[i]);
		}
	}
	for (long i = 0; i < procs; i++) {
		close(socks[i][0]);
		close(socks[i][1]);
	}
	for (long i = 0; i < procs; i++) {
		int status = 0;

		if (pids[i] < 0 || waitpid(pids[i], &status, 0) < 0) {
			dead++;
			continue;
		}
		if (WIFSIGNALED(status) || WEXITSTATUS(status)) {
			dead++;
			printf("# worker %ld (seed 0x%" PRIx64 ") %s %d after %" PRIu64 " calls\n",
			       i, (uint64_t)(seed + (uint64_t)i * 0x9e3779b97f4a7c15ULL),
			       WIFSIGNALED(status) ? "killed by signal" :
						     "exited with",
			       WIFSIGNALED(status) ? WTERMSIG(status) :
						     WEXITSTATUS(status),
			       st[i].calls);
		}
	}
	for (long i = 0; i < procs; i++) {
		calls += st[i].calls;
		jobs += st[i].jobs;
		checked += st[i].checked;
		mism += st[i].mismatches;
		badf += st[i].bad_fail;
		inj += st[i].injected;
		forks += st[i].forks;
		if (!first[0] && st[i].first_bad[0])
			snprintf(first, sizeof(first), "worker %ld: %s", i,
				 st[i].first_bad);
	}
	printf("# %" PRIu64 " calls (%" PRIu64 " jobs accepted, %" PRIu64 " checked against the reference, %" PRIu64 " with fail-nth, %" PRIu64 " forks) in %.1f s\n",
	       calls, jobs, checked, inj, forks, (job_now_ns() - t0) / 1e9);
	printf("# errnos:");
	for (int e = 1; e < (int)(sizeof(st->errnos) / 8); e++) {
		uint64_t n = 0;

		for (long i = 0; i < procs; i++)
			n += st[i].errnos[e];
		if (n)
			printf(" %s=%" PRIu64, strerrorname_np(e) ?: "?", n);
	}
	printf("\n");
	if (first[0])
		printf("# first problem: %s\n", first);

	tap(!dead, "%ld workers made %" PRIu64 " calls for %ld s, none crashed or hung (seed 0x%" PRIx64 ")",
	    procs, calls, secs, seed);
	tap(!badf, "valid requests accepted (%" PRIu64 " refused)", badf);
	tap(!mism && checked, "valid jobs computed the reference result (%" PRIu64 " of %" PRIu64 " differ)",
	    mism, checked);

	/* every file is closed: pending jobs end, then every BO must go */
	fd = qnn_open();
	for (int i = 0; fd >= 0 && i < 300; i++) {
		ret = qnn_debugfs_u64(fd, "bo_count", &left);
		if (ret || !left)
			break;
		usleep(100000);
	}
	tap(left == 0, "no BO left once every file closed (bo_count %" PRIu64 ")", left);
	if (fd >= 0)
		close(fd);
	printf("1..%d\n", tap_n);
	return dead || badf || mism || !checked || left ? 1 : 0;
}
