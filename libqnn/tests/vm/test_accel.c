// SPDX-License-Identifier: MIT
/*
 * libqnn on a qnn device (run inside the test VM on qnn_sim, make
 * vm-libqnn): every model of $QNN_VM_MODELS (default /qnn-data/models)
 * gives bit-identical outputs on the device and on the CPU backend (the
 * oracle: the CPU engine, tested against PyTorch/numpy on the host); the
 * demo models run wholly on the device; a device advertising fewer ops and
 * bits gives mixed plans, a forced alternating placement too, both still
 * bit-identical; injected faults during a batch give correct results, one
 * fallback each, and the next request runs on the device again; a device
 * removed between batches falls back; forcing a missing device is -ENODEV.
 *
 * On qnn_sim the extra devices are made and removed through its
 * new_device/del_device, the faults armed through its debugfs knobs. On
 * the qnn-pci QEMU model (make vm-pci-libqnn) the lane boots with the
 * devices already there (accel1 with fewer ops and bits, accel2 alike
 * accel0), removing one is the PCI core's sysfs remove, and the faults go
 * through the model's test block (BAR4, docs/hw-interface.md).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vm_util.h"
#define MAXM 256

static char *models[MAXM];
static int nmodels;

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_models(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)) && nmodels < MAXM) {
		size_t n = strlen(de->d_name);

		if (n > 4 && !strcmp(de->d_name + n - 4, ".qnn")) {
			models[nmodels] = xcalloc(strlen(dir) + n + 2, 1);
			sprintf(models[nmodels++], "%s/%s", dir, de->d_name);
		}
	}
	closedir(d);
	qsort(models, nmodels, sizeof(models[0]), by_name);
}

/* The device is a qnn_sim one (else the qnn-pci model's PCI function). */
static int on_sim(void)
{
	return !access(SIM_CTL, F_OK);
}

/*
 * Device accel<id> with the given caps: qnn_sim makes it; on the PCI lane
 * it is there from boot (its caps set by the model's properties).
 */
static int dev_add(int id, const char *caps)
{
	char s[128];

	if (!on_sim()) {
		snprintf(s, sizeof(s), "/dev/accel/accel%d", id);
		return access(s, F_OK) ? -errno : 0;
	}
	snprintf(s, sizeof(s), "%d%s%s\n", id, *caps ? " " : "", caps);
	return write_file(SIM_CTL "/new_device", s);
}

/* Device accel<id> goes away: qnn_sim's del_device, or a PCI remove. */
static int dev_del(int id)
{
	char s[128];

	if (!on_sim()) {
		snprintf(s, sizeof(s), "/sys/class/accel/accel%d/device/remove", id);
		return write_file(s, "1\n");
	}
	snprintf(s, sizeof(s), "%d\n", id);
	return write_file(SIM_CTL "/del_device", s);
}

/* The qnn-pci model's test block (docs/hw-interface.md): knob offsets */
static int pci_knob(const char *knob, uint32_t val)
{
	static const char *const names[] = { "hang_next_job", "mmu_fault_next_job",
					     "corrupt_next_status", "drop_next_irq" };
	volatile uint32_t *r;
	int f, ret = -EOPNOTSUPP;
	void *p;

	f = open("/sys/class/accel/accel0/device/resource4", O_RDWR | O_SYNC);
	if (f < 0)
		return -errno;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	close(f);
	if (p == MAP_FAILED)
		return -errno;
	r = p;
	for (unsigned int i = 0; i < 4; i++)
		if (r[0] == 0x544e4e51u && !strcmp(knob, names[i])) {
			r[(0x10 + 4 * i) / 4] = val;
			ret = 0;
		}
	munmap(p, 4096);
	return ret;
}

struct io {
	unsigned int nin, nout;
	struct qnn_tensor_info in[16], out[16];
	uint8_t *ib[16], *ob[16], *cb[16];
};

static void io_free(struct io *io)
{
	for (unsigned int i = 0; i < io->nin; i++)
		free(io->ib[i]);
	for (unsigned int i = 0; i < io->nout; i++) {
		free(io->ob[i]);
		free(io->cb[i]);
	}
}

/* Runs `path` on `cm` (CPU) and `dm` (device): 1 if every output is identical. */
static int same(struct qnn_model *cm, struct qnn_model *dm, unsigned int batch, uint64_t seed,
		char *diag, size_t len)
{
	struct io io = { 0 };
	int ret, eq = 1;

	io.nin = (unsigned int)qnn_model_num_inputs(cm);
	io.nout = (unsigned int)qnn_model_num_outputs(cm);
	for (unsigned int i = 0; i < io.nin; i++) {
		io.in[i].sz = sizeof(io.in[i]);
		qnn_model_input(cm, i, &io.in[i]);
		io.ib[i] = xcalloc(io.in[i].bytes, batch);
		fill(&io.in[i], io.ib[i], batch, &seed);
	}
	for (unsigned int i = 0; i < io.nout; i++) {
		io.out[i].sz = sizeof(io.out[i]);
		qnn_model_output(cm, i, &io.out[i]);
		io.ob[i] = xcalloc(io.out[i].bytes, batch);
		io.cb[i] = xcalloc(io.out[i].bytes, batch);
		memset(io.ob[i], 0xa5, io.out[i].bytes * batch);
	}
	ret = qnn_run_batch(cm, batch, (const void *const *)io.ib, (void *const *)io.cb, NULL);
	if (ret) {
		snprintf(diag, len, "cpu run: %d", ret);
		eq = 0;
	}
	ret = qnn_run_batch(dm, batch, (const void *const *)io.ib, (void *const *)io.ob, NULL);
	if (ret) {
		snprintf(diag, len, "device run: %d", ret);
		eq = 0;
	}
	for (unsigned int i = 0; eq && i < io.nout; i++)
		for (size_t b = 0; b < io.out[i].bytes * batch; b++)
			if (io.ob[i][b] != io.cb[i][b]) {
				snprintf(diag, len, "output %u differs at byte %zu (image %zu): 0x%02x vs CPU 0x%02x",
					 i, b, b / io.out[i].bytes, io.ob[i][b], io.cb[i][b]);
				eq = 0;
				break;
			}
	io_free(&io);
	return eq;
}

struct plan {
	int nl, ndev, segs, dsegs;
};

static void plan_of(struct qnn_model *m, struct plan *p)
{
	struct qnn_model_stats st = { .sz = sizeof(st) };

	memset(p, 0, sizeof(*p));
	p->nl = qnn_model_num_layers(m);
	for (int i = 0; i < p->nl; i++) {
		struct qnn_layer_info li = { .sz = sizeof(li) };

		qnn_model_layer(m, (unsigned int)i, &li);
		p->ndev += !strncmp(li.backend, "accel", 5);
	}
	qnn_model_stats(m, &st);
	p->segs = (int)st.segments;
	p->dsegs = (int)st.device_segments;
}

/*
 * Every model on `dev` against the CPU; returns how many had a mixed plan
 * (device and CPU segments) and how many ran wholly on the device.
 */
static void all_models(struct qnn_ctx *cpu, struct qnn_ctx *dc, const char *label, int *mixed,
		       int *whole)
{
	*mixed = *whole = 0;
	for (int k = 0; k < nmodels; k++) {
		struct qnn_model *cm = NULL, *dm = NULL;
		struct qnn_model_stats st = { .sz = sizeof(st) };
		char diag[256] = "";
		struct plan p;
		int eq1, eq3;

		if (qnn_model_load_file(cpu, models[k], NULL, &cm) ||
		    qnn_model_load_file(dc, models[k], NULL, &dm)) {
			ok(0, "%s: %s: load: %s", label, base(models[k]),
			   cm ? qnn_ctx_errmsg(dc) : qnn_ctx_errmsg(cpu));
			qnn_model_free(cm);
			continue;
		}
		plan_of(dm, &p);
		eq1 = same(cm, dm, 1, 7 + k, diag, sizeof(diag));
		eq3 = eq1 && same(cm, dm, 3, 1000 + k, diag, sizeof(diag));
		qnn_model_stats(dm, &st);
		ok(eq1 && eq3 && !st.fallbacks,
		   "%s: %s: %d of %d layers on the device, %d segments (%d device): outputs bit-identical to the CPU (batch 1 and 3), %llu device jobs, %llu fallbacks%s%s",
		   label, base(models[k]), p.ndev, p.nl, p.segs, p.dsegs,
		   (unsigned long long)st.device_jobs, (unsigned long long)st.fallbacks,
		   *diag || *st.last_fallback ? ": " : "", *diag ? diag : st.last_fallback);
		*mixed += p.dsegs && p.segs > p.dsegs;
		/* the placements and reasons of a mixed demo plan, for the record */
		if (!strncmp(base(models[k]), "fmnist", 6) && p.dsegs && p.segs > p.dsegs)
			for (int i = 0; i < p.nl; i++) {
				struct qnn_layer_info li = { .sz = sizeof(li) };

				qnn_model_layer(dm, (unsigned int)i, &li);
				printf("# %s %s: layer %d %-8s %-10s seg %d  %s\n", label, base(models[k]), i,
				       li.op, li.backend, li.segment, li.reason);
			}
		*whole += p.ndev == p.nl;
		if (!strncmp(base(models[k]), "fmnist", 6) && !strcmp(label, "accel:0"))
			ok(p.ndev == p.nl && p.segs == 1 && p.dsegs == 1,
			   "%s: the demo model %s runs wholly on the device (%d/%d layers, %d segments)",
			   label, base(models[k]), p.ndev, p.nl, p.segs);
		qnn_model_free(cm);
		qnn_model_free(dm);
	}
}

static const char *demo_model(void)
{
	for (int k = 0; k < nmodels; k++)
		if (!strcmp(base(models[k]), "fmnist-w1a1.qnn"))
			return models[k];
	return nmodels ? models[0] : NULL;
}

/* One injected fault during a batch: correct results, one fallback, then the device again. */
static void fault(struct qnn_ctx *cpu, struct qnn_ctx *dc, const char *knob, int expect_fallback)
{
	const char *path = demo_model();
	struct qnn_model *cm = NULL, *dm = NULL;
	struct qnn_model_stats s0 = { .sz = sizeof(s0) }, s1 = s0, s2 = s0;
	char file[160], diag[256] = "";
	int eq, eq2;

	if (!path || qnn_model_load_file(cpu, path, NULL, &cm) ||
	    qnn_model_load_file(dc, path, NULL, &dm)) {
		ok(0, "fault %s: load", knob);
		qnn_model_free(cm);
		return;
	}
	same(cm, dm, 4, 99, diag, sizeof(diag));	/* warm: streams built */
	qnn_model_stats(dm, &s0);
	snprintf(file, sizeof(file), "/sys/kernel/debug/qnn_sim/qnn_sim.0/%s", knob);
	if (on_sim() ? write_file(file, "1\n") : pci_knob(knob, 1)) {
		ok(0, "fault %s: cannot write %s", knob, file);
		goto out;
	}
	eq = same(cm, dm, 8, 5, diag, sizeof(diag));
	qnn_model_stats(dm, &s1);
	eq2 = same(cm, dm, 8, 6, diag, sizeof(diag));
	qnn_model_stats(dm, &s2);
	ok(eq && s1.fallbacks - s0.fallbacks == (uint64_t)expect_fallback,
	   "fault %s during a batch of 8: results bit-identical, %llu fallback(s) counted (expected %d)%s%s%s",
	   knob, (unsigned long long)(s1.fallbacks - s0.fallbacks), expect_fallback,
	   *s1.last_fallback ? "; reason: " : "", s1.last_fallback, *diag ? diag : "");
	ok(eq2 && s2.fallbacks == s1.fallbacks && s2.device_jobs > s1.device_jobs,
	   "fault %s: the next batch runs on the device again (%llu jobs after, %llu before)", knob,
	   (unsigned long long)s2.device_jobs, (unsigned long long)s1.device_jobs);
out:
	qnn_model_free(cm);
	qnn_model_free(dm);
}

/* Steady-state figures of the demo model: syscalls per request, copies between device layers. */
static void steady(struct qnn_ctx *cpu, struct qnn_ctx *dc)
{
	const char *path = demo_model();
	struct qnn_model *cm = NULL, *dm = NULL;
	struct qnn_model_stats a = { .sz = sizeof(a) }, b = a;
	struct qnn_plan_info pi = { .sz = sizeof(pi) };
	char diag[256] = "";

	if (!path || qnn_model_load_file(cpu, path, NULL, &cm) ||
	    qnn_model_load_file(dc, path, NULL, &dm)) {
		ok(0, "steady state: load");
		qnn_model_free(cm);
		return;
	}
	same(cm, dm, 8, 1, diag, sizeof(diag));
	qnn_model_stats(dm, &a);
	for (int i = 0; i < 5; i++)
		same(cm, dm, 8, 2 + i, diag, sizeof(diag));
	qnn_model_stats(dm, &b);
	ok((b.device_syscalls - a.device_syscalls) / 5 <= 3 && b.device_copy_bytes == 0,
	   "steady state: %.1f ioctls per request (<= 3), %llu bytes copied between device layers",
	   (double)(b.device_syscalls - a.device_syscalls) / 5, (unsigned long long)b.device_copy_bytes);
	/* the stream of the one device segment: validated once, then submitted by handle */
	ok(b.kept_streams == a.kept_streams && b.kept_streams >= 1,
	   "steady state: SUBMIT by kept stream handle (%llu streams kept, none made during the 5 requests)",
	   (unsigned long long)b.kept_streams);
	qnn_model_plan_info(dm, &pi);
	ok(pi.act_min_bytes && pi.act_peak_bytes * 10 <= pi.act_min_bytes * 11,
	   "device arena planned by liveness: %zu bytes per image, minimum %zu (ratio %.3f <= 1.1)",
	   pi.act_peak_bytes, pi.act_min_bytes,
	   pi.act_min_bytes ? (double)pi.act_peak_bytes / (double)pi.act_min_bytes : 0.0);
	qnn_model_free(cm);
	qnn_model_free(dm);
}

/* One process's share of the two-process test: 0 when every batch matched the CPU. */
static int proc_runs(const char *path, uint64_t seed)
{
	char err[512], diag[256] = "";
	struct qnn_model_stats st = { .sz = sizeof(st) };
	struct qnn_model *cm = NULL, *dm = NULL;
	int ret, bad = 0;
	struct qnn_ctx *c = ctx_for("cpu", err, sizeof(err), &ret);
	struct qnn_ctx *d = ctx_for("accel", err, sizeof(err), &ret);

	if (!c || !d || qnn_model_load_file(c, path, NULL, &cm) ||
	    qnn_model_load_file(d, path, NULL, &dm))
		bad = 1;
	for (int i = 0; !bad && i < 4; i++)
		bad = !same(cm, dm, 4, seed + (uint64_t)i, diag, sizeof(diag));
	if (dm) {
		qnn_model_stats(dm, &st);
		bad |= st.fallbacks != 0 || st.device_jobs < 4;
	}
	qnn_model_free(cm);
	qnn_model_free(dm);
	qnn_ctx_destroy(c);
	qnn_ctx_destroy(d);
	return bad;
}

/* Two processes run models on one device at once: both correct, no fallback. */
static void two_processes(void)
{
	const char *path = demo_model();
	int st = 0, mine;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(proc_runs(path, 500));
	mine = proc_runs(path, 600);
	if (pid > 0)
		waitpid(pid, &st, 0);
	ok(pid > 0 && !mine && WIFEXITED(st) && !WEXITSTATUS(st),
	   "two processes on one device at once, 4 batches each: every output bit-identical to the CPU, no fallback (parent %d, child status %d)",
	   mine, st);
}

/*
 * A mixed plan pipelines a batch: four chunks, two in flight, the CPU
 * segments of one overlapping the device segment of the next; outputs still
 * bit-identical, one job per device segment and chunk.
 */
static void pipelined(struct qnn_ctx *cpu, struct qnn_ctx *dc, const char *label)
{
	struct qnn_model_stats a = { .sz = sizeof(a) }, b = a;
	struct qnn_model *cm = NULL, *dm = NULL;
	char diag[256] = "";
	int eq = 0;

	if (!qnn_model_load_file(cpu, demo_model(), NULL, &cm) &&
	    !qnn_model_load_file(dc, demo_model(), NULL, &dm)) {
		qnn_model_stats(dm, &a);
		eq = same(cm, dm, 16, 77, diag, sizeof(diag));
		qnn_model_stats(dm, &b);
	}
	ok(eq && a.device_segments && a.segments > a.device_segments &&
	   b.device_jobs - a.device_jobs == 4ull * a.device_segments && !b.fallbacks,
	   "%s: mixed plan (%u segments, %u on the device) pipelined over a batch of 16: bit-identical, %llu jobs (4 chunks x %u), %llu fallbacks %s",
	   label, a.segments, a.device_segments, (unsigned long long)(b.device_jobs - a.device_jobs),
	   a.device_segments, (unsigned long long)b.fallbacks, diag);
	qnn_model_free(cm);
	qnn_model_free(dm);
}

/*
 * Two devices alike share a batch ("accel:all"): qnn_sim.2 with the default
 * caps joins accel:0 (qnn_sim.1, advertising less, is left out).
 */
static void two_devices(struct qnn_ctx *cpu)
{
	struct qnn_model_stats a = { .sz = sizeof(a) }, b = a;
	struct qnn_model *cm = NULL, *dm = NULL;
	char err[512], diag[256] = "";
	struct qnn_ctx *all;
	int ret, eq = 0;

	ret = dev_add(2, "");
	ok(!ret, "qnn_sim.2 created with the default caps (%d)", ret);
	all = ctx_for("accel:all", err, sizeof(err), &ret);
	if (!ok(all != NULL, "QNN_DEVICE=accel:all opens: %s", all ? "ok" : err))
		goto out;
	if (!qnn_model_load_file(cpu, demo_model(), NULL, &cm) &&
	    !qnn_model_load_file(all, demo_model(), NULL, &dm)) {
		same(cm, dm, 2, 1, diag, sizeof(diag));
		qnn_model_stats(dm, &a);
		eq = same(cm, dm, 16, 2, diag, sizeof(diag));
		qnn_model_stats(dm, &b);
	}
	ok(eq && b.device_jobs - a.device_jobs == 2 && !b.fallbacks,
	   "two devices share a batch of 16: bit-identical, %llu jobs (one per device), %llu fallbacks %s",
	   (unsigned long long)(b.device_jobs - a.device_jobs), (unsigned long long)b.fallbacks, diag);
	qnn_model_free(cm);
	qnn_model_free(dm);
	qnn_ctx_destroy(all);
out:
	ret = dev_del(2);
	ok(!ret, "qnn_sim.2 removed (%d)", ret);
}

int main(void)
{
	const char *dir = getenv("QNN_VM_MODELS");
	struct qnn_ctx *cpu, *dc, *d1 = NULL;
	struct qnn_ctx_info ci = { .sz = sizeof(ci) };
	char err[512];
	int ret, mixed, whole;

	list_models(dir ? dir : "/qnn-data/models");
	ok(nmodels > 0, "%d models to run", nmodels);
	cpu = ctx_for("cpu", err, sizeof(err), &ret);
	dc = ctx_for("accel", err, sizeof(err), &ret);
	if (!ok(dc != NULL, "QNN_DEVICE=accel opens the qnn device: %s", dc ? "ok" : err) || !cpu)
		return done_testing();
	qnn_ctx_info(dc, &ci);
	ok(!strcmp(ci.backend, "accel:0") && ci.accel_index == 0, "context backend %s, accel_index %d",
	   ci.backend, ci.accel_index);

	all_models(cpu, dc, "accel:0", &mixed, &whole);
	ok(whole > 0, "accel:0: %d models ran wholly on the device, %d mixed", whole, mixed);
	steady(cpu, dc);
	two_processes();

	/* a device with fewer ops and bits: binary conv/dense, threshold, maxpool only */
	ret = dev_add(1, "ops=0x2b max_weight_bits=1 max_act_bits=1");
	ok(!ret, "qnn_sim.1 created with ops=0x2b max_weight_bits=1 max_act_bits=1 (%d)", ret);
	d1 = ret ? NULL : ctx_for("accel:1", err, sizeof(err), &ret);
	if (ok(d1 != NULL, "accel:1 opens: %s", d1 ? "ok" : err)) {
		all_models(cpu, d1, "accel:1 (fewer ops/bits)", &mixed, &whole);
		ok(mixed > 0, "accel:1: %d models got a mixed device/CPU plan", mixed);
		pipelined(cpu, d1, "accel:1");
	}

	two_devices(cpu);

	setenv("QNN_PLACE", "alternate", 1);
	all_models(cpu, dc, "accel:0 forced alternating", &mixed, &whole);
	ok(mixed > 0, "forced alternating placement: %d models mixed", mixed);
	pipelined(cpu, dc, "accel:0 forced alternating");
	unsetenv("QNN_PLACE");

	fault(cpu, dc, "mmu_fault_next_job", 1);
	fault(cpu, dc, "corrupt_next_status", 1);
	fault(cpu, dc, "hang_next_job", 1);
	fault(cpu, dc, "drop_next_irq", 0);

	/* the device goes away between batches: CPU fallback, correct results */
	if (d1) {
		struct qnn_model *cm = NULL, *dm = NULL;
		struct qnn_model_stats st = { .sz = sizeof(st) };
		char diag[256] = "";
		const char *path = demo_model();

		if (!qnn_model_load_file(cpu, path, NULL, &cm) && !qnn_model_load_file(d1, path, NULL, &dm)) {
			same(cm, dm, 2, 3, diag, sizeof(diag));
			ret = dev_del(1);
			ok(!ret, "qnn_sim.1 removed with a model loaded on it (%d)", ret);
			ok(same(cm, dm, 16, 4, diag, sizeof(diag)), "removed device: batch of 16 still bit-identical %s", diag);
			qnn_model_stats(dm, &st);
			ok(st.fallbacks >= 1, "removed device: %llu fallback(s): %s",
			   (unsigned long long)st.fallbacks, st.last_fallback);
		}
		qnn_model_free(cm);
		qnn_model_free(dm);
		qnn_ctx_destroy(d1);
	}
	ret = 0;
	{
		struct qnn_ctx *c7 = ctx_for("accel:7", err, sizeof(err), &ret);

		ok(!c7 && ret == -ENODEV && strstr(err, "/dev/accel") && strstr(err, "qnn"),
		   "QNN_DEVICE=accel:7: -ENODEV naming what was looked for: %s", err);
		qnn_ctx_destroy(c7);
	}
	qnn_ctx_destroy(dc);
	qnn_ctx_destroy(cpu);
	return done_testing();
}
