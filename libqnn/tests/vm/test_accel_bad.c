// SPDX-License-Identifier: MIT
/*
 * Bad conditions on the device side (make vm-libqnn, on qnn_sim): each ends
 * in a clear error or a CPU fallback with correct results, never a hang
 * (every wait here is bounded, and an alarm turns a hang into a failure).
 *  - a model whose one image does not fit the device's address space
 *    (a qnn_sim device with a 1 GiB VA): the plan stays on the CPU with the
 *    reason, or the load fails with -E2BIG under a smaller memory limit;
 *  - the device file closed under libqnn between batches: CPU fallback,
 *    no more ioctls on the number, and libqnn does not close it again;
 *  - the device unbound while a batch runs on it: the batch completes,
 *    correct, on the CPU; later batches too;
 *  - the driver bans the file after a hang (hang_limit=1): the banned SUBMIT
 *    falls back, and later requests go straight to the CPU.
 * The oracle is the CPU backend's output for the same inputs.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <time.h>

#include "vm_models.h"

#define DEMO "/qnn-data/models/fmnist-w1a1.qnn"

struct run {
	size_t inb, outb;
	uint8_t *in, *ref, *out;
};

static void run_make(struct qnn_model *cm, unsigned int batch, uint64_t seed, struct run *r)
{
	struct qnn_tensor_info ii = { .sz = sizeof(ii) }, oi = ii;

	qnn_model_input(cm, 0, &ii);
	qnn_model_output(cm, 0, &oi);
	r->inb = ii.bytes * batch;
	r->outb = oi.bytes * batch;
	r->in = xcalloc(r->inb, 1);
	r->ref = xcalloc(r->outb, 1);
	r->out = xcalloc(r->outb, 1);
	fill(&ii, r->in, batch, &seed);
	qnn_run_batch(cm, batch, (const void *const *)&r->in, (void *const *)&r->ref, NULL);
	memset(r->out, 0xa5, r->outb);
}

static void run_free(struct run *r)
{
	free(r->in);
	free(r->ref);
	free(r->out);
}

/* One batch on dm: 1 if it returned 0 with the CPU's outputs. */
static int run_ok(struct qnn_model *cm, struct qnn_model *dm, unsigned int batch, uint64_t seed)
{
	struct run r;
	int ret, eq;

	run_make(cm, batch, seed, &r);
	ret = qnn_run_batch(dm, batch, (const void *const *)&r.in, (void *const *)&r.out, NULL);
	eq = !ret && !memcmp(r.out, r.ref, r.outb);
	run_free(&r);
	return eq;
}

/* Open fds of the process that are /dev/accel/accel<idx>, as a bit set of numbers < 256. */
static void accel_fds(int idx, uint8_t set[256])
{
	char want[32], path[300], tgt[64];
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");

	memset(set, 0, 256);
	snprintf(want, sizeof(want), "/dev/accel/accel%d", idx);
	while (d && (de = readdir(d))) {
		int fd = atoi(de->d_name);
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		n = readlink(path, tgt, sizeof(tgt) - 1);
		if (n > 0 && fd < 256) {
			tgt[n] = 0;
			set[fd] = !strcmp(tgt, want);
		}
	}
	if (d)
		closedir(d);
}

static void va_too_big(void)
{
	struct qnn_ctx_opts o = { .sz = sizeof(o), .device = "accel:1", .threads = 2, .mem_limit = SIZE_MAX };
	struct qnn_model *m = NULL;
	struct qnn_ctx *c = NULL;
	char err[512];
	int ret;

	ret = write_file(SIM_CTL "/new_device", "3 va_bits=30\n");
	if (!ok(!ret, "qnn_sim.3 created with a 1 GiB device address space (%d)", ret))
		return;
	ret = qnn_ctx_create(&o, &c, err, sizeof(err));
	if (ok(!ret, "accel:1 (qnn_sim.3) opens: %s", ret ? err : "ok")) {
		/* a 7400x7400x64 bit map and its 2x2 max-pool: 548 MB per image */
		ret = many_io_model(c, 1, 7400, &m);
		if (ok(!ret, "a model of 548 MB activations per image loads with no memory limit (%d: %s)",
		       ret, ret ? qnn_ctx_errmsg(c) : "")) {
			struct qnn_model_stats st = { .sz = sizeof(st) };
			struct qnn_layer_info li = { .sz = sizeof(li) };

			qnn_model_stats(m, &st);
			qnn_model_layer(m, 0, &li);
			ok(st.device_segments == 0 && strncmp(li.backend, "accel", 5) &&
			   strstr(li.reason, "address space"),
			   "it does not fit the device's address space: planned on the CPU (%s: %s)",
			   li.backend, li.reason);
		}
		qnn_model_free(m);
		qnn_ctx_destroy(c);
	}
	o.mem_limit = 256 << 20;
	c = NULL;
	m = NULL;
	if (!qnn_ctx_create(&o, &c, err, sizeof(err))) {
		ret = many_io_model(c, 1, 7400, &m);
		ok(ret == -E2BIG && !m && *qnn_ctx_errmsg(c),
		   "under a 256 MiB memory limit its load fails clearly: %d: %s", ret, qnn_ctx_errmsg(c));
		qnn_model_free(m);
		qnn_ctx_destroy(c);
	}
	ret = write_file(SIM_CTL "/del_device", "3\n");
	ok(!ret, "qnn_sim.3 removed (%d)", ret);
}

static void closed_fd(struct qnn_model *cm)
{
	struct qnn_model_stats a = { .sz = sizeof(a) }, b = a, c = a;
	struct qnn_model *dm = NULL;
	struct qnn_ctx *dc;
	uint8_t before[256], after[256];
	char err[512];
	int ret, fd = -1, nul = -1;

	accel_fds(0, before);
	dc = ctx_for("accel", err, sizeof(err), &ret);
	accel_fds(0, after);
	for (int i = 0; i < 256; i++)
		if (after[i] && !before[i])
			fd = i;
	if (!ok(dc && fd >= 0 && !qnn_model_load_file(dc, DEMO, NULL, &dm),
		"a device context and its fd (%d), the demo model loaded", fd))
		goto out;
	ok(run_ok(cm, dm, 2, 1), "batch of 2 on the device before");
	close(fd);
	qnn_model_stats(dm, &a);
	ok(run_ok(cm, dm, 4, 2), "the device fd closed under libqnn: batch of 4 still bit-identical");
	qnn_model_stats(dm, &b);
	ok(b.fallbacks == a.fallbacks + 1 && strstr(b.last_fallback, "Bad file descriptor"),
	   "one fallback: %s", b.last_fallback);
	/* the number is someone else's now: libqnn must leave it alone */
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	ok(run_ok(cm, dm, 4, 3), "next batch bit-identical too");
	qnn_model_stats(dm, &c);
	ok(c.device_syscalls == b.device_syscalls && strstr(c.last_fallback, "closed or replaced"),
	   "no more ioctls on the old fd number (%llu before, %llu after): %s",
	   (unsigned long long)b.device_syscalls, (unsigned long long)c.device_syscalls, c.last_fallback);
out:
	qnn_model_free(dm);
	qnn_ctx_destroy(dc);
	ok(nul < 0 || (nul == fd && fcntl(nul, F_GETFD) >= 0),
	   "after the context is destroyed, fd %d (reused by the test) is still open", nul);
	if (nul >= 0)
		close(nul);
}

static void unbind_mid_batch(struct qnn_model *cm)
{
	struct qnn_model_stats st = { .sz = sizeof(st) };
	struct qnn_model *dm = NULL;
	struct qnn_job *job = NULL;
	struct qnn_ctx *dc = NULL;
	unsigned int batch = 32;
	int ret, mid = 0, eq = 0;
	char err[512];
	struct run r;

	ret = write_file(SIM_CTL "/new_device", "3\n");
	if (!ok(!ret, "qnn_sim.3 created (%d)", ret))
		return;
	dc = ctx_for("accel:1", err, sizeof(err), &ret);
	if (!ok(dc && !qnn_model_load_file(dc, DEMO, NULL, &dm), "accel:1 and the demo model: %s",
		dc ? "ok" : err))
		goto out;
	ok(run_ok(cm, dm, 2, 5), "batch of 2 on qnn_sim.3 before");
	/* a batch long enough to be running when the device goes */
	for (; !mid && batch <= 1024; batch *= 2) {
		run_make(cm, batch, 6, &r);
		ret = qnn_submit(dm, batch, (const void *const *)&r.in, (void *const *)&r.out, NULL, &job);
		if (ret) {
			run_free(&r);
			break;
		}
		nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
		mid = qnn_wait(job, 0) == -ETIMEDOUT;
		if (mid)
			ret = write_file(SIM_CTL "/unbind", "qnn_sim.3\n");
		ret = qnn_wait(job, 300000) ?: ret;
		eq = !ret && !memcmp(r.out, r.ref, r.outb);
		run_free(&r);
	}
	qnn_model_stats(dm, &st);
	ok(mid && eq && st.fallbacks >= 1,
	   "qnn_sim.3 unbound while a batch of %u ran on it: the batch completes, bit-identical (%d), %llu fallback(s): %s",
	   batch / 2, ret, (unsigned long long)st.fallbacks, st.last_fallback);
	ok(run_ok(cm, dm, 4, 7), "after the unbind: a batch of 4 bit-identical (on the CPU)");
out:
	qnn_model_free(dm);
	qnn_ctx_destroy(dc);
	ret = write_file(SIM_CTL "/del_device", "3\n");
	ok(!ret, "qnn_sim.3 removed (%d)", ret);
}

static void banned(struct qnn_model *cm)
{
	struct qnn_model_stats a = { .sz = sizeof(a) }, b = a, c = a;
	const char *lim = "/sys/module/qnn/parameters/hang_limit";
	struct qnn_model *dm = NULL;
	struct qnn_ctx *dc;
	char err[512], old[16] = "3\n";
	FILE *f = fopen(lim, "r");
	int ret;

	if (f) {
		if (!fgets(old, sizeof(old), f))
			snprintf(old, sizeof(old), "3\n");
		fclose(f);
	}
	dc = ctx_for("accel", err, sizeof(err), &ret);
	if (!ok(dc && !qnn_model_load_file(dc, DEMO, NULL, &dm), "fresh device context, demo model"))
		goto out;
	ok(run_ok(cm, dm, 2, 8), "batch of 2 on the device");
	ret = write_file(lim, "1\n");
	ret = ret ? ret : write_file(SIM_DEBUGFS "/qnn_sim.0/hang_next_job", "1\n");
	if (!ok(!ret, "hang_limit=1 and a hang injected (%d)", ret))
		goto out;
	qnn_model_stats(dm, &a);
	ok(run_ok(cm, dm, 2, 9), "the hung batch is redone on the CPU, bit-identical");
	ok(run_ok(cm, dm, 2, 10), "the next batch (the file is banned now) bit-identical");
	qnn_model_stats(dm, &b);
	ok(b.fallbacks == a.fallbacks + 2 && strstr(b.last_fallback, "Operation canceled"),
	   "two fallbacks, the second the banned SUBMIT: %s", b.last_fallback);
	ok(run_ok(cm, dm, 2, 11), "later batches bit-identical");
	qnn_model_stats(dm, &c);
	ok(c.device_syscalls == b.device_syscalls && strstr(c.last_fallback, "banned"),
	   "a banned file gets no more jobs (%llu ioctls after): %s",
	   (unsigned long long)(c.device_syscalls - b.device_syscalls), c.last_fallback);
out:
	write_file(lim, old);
	qnn_model_free(dm);
	qnn_ctx_destroy(dc);
}

int main(void)
{
	struct qnn_model *cm = NULL;
	struct qnn_ctx *cpu;
	char err[512];
	int ret;

	vm_time_limit(900);
	/* leftovers of an earlier test that failed half-way */
	write_file(SIM_CTL "/del_device", "1\n");
	write_file(SIM_CTL "/del_device", "2\n");
	write_file(SIM_CTL "/del_device", "3\n");
	cpu = ctx_for("cpu", err, sizeof(err), &ret);
	if (!ok(cpu && !qnn_model_load_file(cpu, DEMO, NULL, &cm), "CPU context and the demo model"))
		return done_testing();
	va_too_big();
	closed_fd(cm);
	unbind_mid_batch(cm);
	banned(cm);
	qnn_model_free(cm);
	qnn_ctx_destroy(cpu);
	return done_testing();
}
