// SPDX-License-Identifier: GPL-2.0-only
/*
 * Seeing what the device does: a known mix of jobs from two processes (5
 * and 3 that complete, one hang, one MMU fault) and then every window on
 * it must report exactly that: qnn-top --once --json (BPF on the
 * tracepoints), the DRM fdinfo of the file (and qnn-info --clients), the
 * devcoredumps of the hang and of the fault (read raw here, and through
 * qnn-info --coredump), and qnn-info's device counters. The tools' bad
 * input (no permission, no BTF, no device, a truncated dump) must give a
 * clear message and an exit status, never a crash. Last, the cost of the
 * BPF programs per job is measured and printed, never asserted.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "job_util.h"
#include "obs_util.h"
#include "qnn_coredump.h"

#define TOP_OUT		"/tmp/obs-top.json"
#define TOP_ERR		"/tmp/obs-top.err"
#define OUT		"/tmp/obs.out"
#define ERR		"/tmp/obs.err"
#define HANG_DUMP	"/tmp/obs-hang.dump"
#define FAULT_DUMP	"/tmp/obs-fault.dump"
#define NOBODY		65534

static char *slurp(const char *path)
{
	static char buf[1 << 18];
	long n = read_text(path, buf, sizeof(buf));

	return n < 0 ? NULL : buf;
}

/* What one job ended with, from WAIT: the oracle of every report. */
struct ended {
	uint64_t id;
	struct drm_qnn_wait w;
	uint32_t cmds_size;
};

/* Section @type of a raw dump, its size in *size; NULL if absent. */
static const uint8_t *dump_section(const uint8_t *buf, size_t len,
				   uint32_t type, uint64_t *size)
{
	const struct qnn_coredump_header *h = (const void *)buf;
	size_t pos = sizeof(*h);
	uint32_t i;

	if (len < sizeof(*h) || memcmp(h->magic, QNN_COREDUMP_MAGIC, 8) ||
	    h->total_size != len)
		return NULL;
	for (i = 0; i < h->num_sections; i++) {
		const struct qnn_coredump_section *s = (const void *)(buf + pos);

		if (len - pos < sizeof(*s) || s->size > len - pos - sizeof(*s))
			return NULL;
		if (s->type == type) {
			*size = s->size;
			return (const uint8_t *)(s + 1);
		}
		pos += sizeof(*s) + s->size;
	}
	return NULL;
}

/* The sum over @n jobs of floor(cycles * 1e6 / clock_khz): device ns. */
static uint64_t dev_ns(const struct ended *e, int n, uint64_t khz)
{
	uint64_t ns = 0;

	for (int i = 0; i < n; i++)
		ns += (uint64_t)((unsigned __int128)e[i].w.cycles * 1000000 / khz);
	return ns;
}

/* One job of the small conv in @m/@b, waited for. */
static int conv(int fd, struct cs_mem *m, struct cs_builder *b,
		struct ended *e)
{
	struct drm_qnn_submit s;
	int ret;

	job_small_conv(m, b);
	if (m->err)
		return m->err;
	ret = job_submit(fd, b, m, 0, &s);
	if (ret)
		return ret;
	e->id = s.job_id;
	e->cmds_size = s.cmds_size;
	return job_wait(fd, s.job_id, 10 * job_timeout_ms() + 20000, &e->w);
}

static int empty(int fd, struct ended *e)
{
	int ret = job_submit_empty(fd, &e->id);

	e->cmds_size = sizeof(struct qnn_cs_header);
	return ret ?: job_wait(fd, e->id, 20000, &e->w);
}

/* qnn-info --json's counter @key of device @minor */
static int info_counter(int minor, const char *key, uint64_t *v)
{
	char *argv[] = { "qnn-info", "--json", NULL };
	char head[48];
	const char *t, *b, *e;

	if (obs_run(argv, OUT, ERR, -1) != 0 || !(t = slurp(OUT)))
		return -EIO;
	snprintf(head, sizeof(head), "\"minor\":%d,", minor);
	if (obs_json_obj(t, head, "\"minor\":", "],\"cpu\"", &b, &e))
		return -ENOENT;
	return obs_json_u64(b, e, key, v);
}

TEST(job_mix_reported_exactly)
{
	static const char *const ckeys[] = {
		"jobs-completed", "jobs-timeout", "jobs-mmu-fault", "resets",
		"coredumps",
	};
	uint64_t before[5], after[5], v, khz, cycles = 0;
	const uint64_t delta[5] = { 8, 1, 1, 1, 2 };
	struct cs_builder *b = calloc(1, sizeof(*b));
	struct ended e[7];
	struct cs_mem m;
	char parent[64], head[64], path[64];
	const char *t, *ob, *oe;
	uint8_t *dump;
	size_t dlen;
	uint64_t ssz;
	const struct qnn_coredump_info *ci;
	const uint8_t *sec;
	pid_t top, child;
	int fd = qnn_open(), minor, st, i;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, b);
	minor = qnn_minor(fd);
	ASSERT_EQ(0, qnn_parent_name(fd, parent, sizeof(parent)));
	ASSERT_EQ(0, qnn_get_param(fd, DRM_QNN_PARAM_CLOCK_KHZ, &khz));
	ASSERT_EQ(0, obs_dumps_clear());
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, info_counter(minor, ckeys[i], &before[i]))
			TH_LOG("qnn-info --json: no counter %s", ckeys[i]);
	job_mem_init(&m, &fd, 7);

	top = obs_top_start(TOP_OUT, TOP_ERR, "--all");
	ASSERT_LT(0, top) TH_LOG("qnn-top did not attach: %s", slurp(TOP_ERR));

	/* 3 convs and 2 empty jobs that complete */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, conv(fd, &m, b, &e[i]));
	for (; i < 5; i++)
		ASSERT_EQ(0, empty(fd, &e[i]));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(DRM_QNN_JOB_COMPLETED, e[i].w.status);

	/* a hang: TIMEOUT, and a coredump of it */
	ASSERT_EQ(0, sim_knob(fd, "hang_next_job", 1));
	ASSERT_EQ(0, conv(fd, &m, b, &e[5]));
	ASSERT_EQ(DRM_QNN_JOB_TIMEOUT, e[5].w.status);
	ASSERT_EQ(0, obs_dump_take(parent, 20000, &dump, &dlen, HANG_DUMP))
		TH_LOG("no devcoredump of %s after the hang", parent);
	ci = (const void *)dump_section(dump, dlen, QNN_COREDUMP_SEC_INFO, &ssz);
	ASSERT_NE(NULL, ci);
	EXPECT_EQ(QNN_COREDUMP_HANG, ci->reason);
	EXPECT_EQ(DRM_QNN_JOB_TIMEOUT, ci->job_status);
	EXPECT_EQ(e[5].id, ci->job_id);
	EXPECT_EQ(getpid(), ci->pid);
	EXPECT_EQ(0xffffffffu, ci->hw_status);	/* no result record yet */
	EXPECT_EQ(e[5].cmds_size, ci->stream_size);
	EXPECT_EQ((uint32_t)minor, ci->accel_minor);
	EXPECT_STREQ(parent, ci->device);
	/* the stream in the dump is the one this test submitted */
	sec = dump_section(dump, dlen, QNN_COREDUMP_SEC_STREAM, &ssz);
	ASSERT_NE(NULL, sec);
	ASSERT_EQ(e[5].cmds_size, ssz);
	EXPECT_EQ(0, memcmp(sec, b->buf, ssz));
	EXPECT_NE(NULL, dump_section(dump, dlen, QNN_COREDUMP_SEC_REGS, &ssz));
	EXPECT_NE(NULL, dump_section(dump, dlen, QNN_COREDUMP_SEC_RING, &ssz));
	free(dump);

	/* an MMU fault: MMU_FAULT at the address WAIT reports, a coredump */
	ASSERT_EQ(0, sim_knob(fd, "mmu_fault_next_job", 1));
	ASSERT_EQ(0, conv(fd, &m, b, &e[6]));
	ASSERT_EQ(DRM_QNN_JOB_MMU_FAULT, e[6].w.status);
	ASSERT_EQ(0, obs_dump_take(parent, 20000, &dump, &dlen, FAULT_DUMP))
		TH_LOG("no devcoredump of %s after the fault", parent);
	ci = (const void *)dump_section(dump, dlen, QNN_COREDUMP_SEC_INFO, &ssz);
	ASSERT_NE(NULL, ci);
	EXPECT_EQ(QNN_COREDUMP_MMU_FAULT, ci->reason);
	EXPECT_EQ(DRM_QNN_JOB_MMU_FAULT, ci->job_status);
	EXPECT_EQ(e[6].id, ci->job_id);
	EXPECT_EQ(e[6].w.fault_addr, ci->fault_addr);
	EXPECT_EQ(e[6].w.fault_flags, ci->fault_flags);
	EXPECT_EQ(e[6].w.cs_offset, ci->cs_offset);
	EXPECT_EQ(5u, ci->hw_status);		/* QNN_ERR_MMU_FAULT */
	sec = dump_section(dump, dlen, QNN_COREDUMP_SEC_STREAM, &ssz);
	ASSERT_NE(NULL, sec);
	EXPECT_EQ(0, memcmp(sec, b->buf, ssz));
	free(dump);

	/* another process: 3 jobs that complete */
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		int cfd = qnn_open();
		struct ended ce;

		for (i = 0; i < 3; i++)
			if (cfd < 0 || empty(cfd, &ce) ||
			    ce.w.status != DRM_QNN_JOB_COMPLETED)
				_exit(1);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &st, 0));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* fdinfo of this file: exactly the 7 jobs, their cycles */
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	t = slurp(path);
	ASSERT_NE(NULL, t);
	TH_LOG("fdinfo:\n%s", t);
	EXPECT_NE(NULL, strstr(t, "drm-driver:\tqnn\n"));
	for (i = 0; i < 7; i++)
		cycles += e[i].w.cycles;
	ASSERT_EQ(0, obs_fdinfo_u64(t, "qnn-jobs-submitted", &v));
	EXPECT_EQ(7, v);
	ASSERT_EQ(0, obs_fdinfo_u64(t, "qnn-jobs-completed", &v));
	EXPECT_EQ(5, v);
	ASSERT_EQ(0, obs_fdinfo_u64(t, "qnn-jobs-timeout", &v));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, obs_fdinfo_u64(t, "qnn-jobs-mmu-fault", &v));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, obs_fdinfo_u64(t, "qnn-jobs-canceled", &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, obs_fdinfo_u64(t, "qnn-mmu-faults", &v));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, obs_fdinfo_u64(t, "drm-cycles-qnn", &v));
	EXPECT_EQ(cycles, v);
	EXPECT_LT(0, cycles);
	ASSERT_EQ(0, obs_fdinfo_u64(t, "drm-engine-qnn", &v));
	EXPECT_EQ(dev_ns(e, 7, khz), v);
	ASSERT_EQ(0, obs_fdinfo_u64(t, "drm-maxfreq-qnn", &v));
	EXPECT_EQ(khz, v);
	ASSERT_EQ(0, obs_fdinfo_u64(t, "drm-total-memory", &v));
	EXPECT_LT(0, v);

	/* qnn-info --clients reads the same */
	{
		char *argv[] = { "qnn-info", "--clients", "--json", NULL };

		ASSERT_EQ(0, obs_run(argv, OUT, ERR, -1));
		t = slurp(OUT);
		snprintf(head, sizeof(head), "{\"pid\":%d,", getpid());
		ASSERT_EQ(0, obs_json_obj(t, head, "{\"pid\":", "]", &ob, &oe))
			TH_LOG("qnn-info --clients: %s", t);
		ASSERT_EQ(0, obs_json_u64(ob, oe, "completed", &v));
		EXPECT_EQ(5, v);
		ASSERT_EQ(0, obs_json_u64(ob, oe, "timeout", &v));
		EXPECT_EQ(1, v);
		ASSERT_EQ(0, obs_json_u64(ob, oe, "mmu_fault", &v));
		EXPECT_EQ(1, v);
		ASSERT_EQ(0, obs_json_u64(ob, oe, "cycles", &v));
		EXPECT_EQ(cycles, v);
	}

	/* qnn-top: per process and per device, exactly the mix */
	ASSERT_EQ(0, obs_top_stop(top)) TH_LOG("%s", slurp(TOP_ERR));
	t = slurp(TOP_OUT);
	ASSERT_NE(NULL, t);
	TH_LOG("qnn-top --once --json: %s", t);
	snprintf(head, sizeof(head), "{\"pid\":%d,", getpid());
	ASSERT_EQ(0, obs_json_obj(t, head, "{\"pid\":", "],", &ob, &oe));
	{
		static const char *const k[] = {
			"submitted", "ended", "completed", "timeout",
			"mmu_fault", "canceled", "resets", "mmu_faults",
			"queue", "errors",
		};
		const uint64_t want[] = { 7, 7, 5, 1, 1, 0, 1, 1, 0, 2 };

		for (i = 0; i < 10; i++) {
			ASSERT_EQ(0, obs_json_u64(ob, oe, k[i], &v)) TH_LOG("%s", k[i]);
			EXPECT_EQ(want[i], v) TH_LOG("process %s", k[i]);
		}
		EXPECT_NE(NULL, strstr(ob, "\"comm\":\"qnn_observe_tes\""));
	}
	snprintf(head, sizeof(head), "{\"pid\":%d,", child);
	ASSERT_EQ(0, obs_json_obj(t, head, "{\"pid\":", "],", &ob, &oe));
	ASSERT_EQ(0, obs_json_u64(ob, oe, "submitted", &v));
	EXPECT_EQ(3, v);
	ASSERT_EQ(0, obs_json_u64(ob, oe, "completed", &v));
	EXPECT_EQ(3, v);
	snprintf(head, sizeof(head), "{\"minor\":%d,", minor);
	ASSERT_EQ(0, obs_json_obj(t, head, "{\"minor\":", "],\"processes\"",
				  &ob, &oe));
	{
		static const char *const k[] = {
			"submitted", "ended", "completed", "timeout",
			"mmu_fault", "resets", "mmu_faults", "errors", "queue",
		};
		const uint64_t want[] = { 10, 10, 8, 1, 1, 1, 1, 2, 0 };

		for (i = 0; i < 9; i++) {
			ASSERT_EQ(0, obs_json_u64(ob, oe, k[i], &v)) TH_LOG("%s", k[i]);
			EXPECT_EQ(want[i], v) TH_LOG("device %s", k[i]);
		}
		ASSERT_EQ(0, obs_json_u64(ob, oe, "cycles", &v));
		EXPECT_LE(cycles, v);	/* and the child's */
	}

	/* qnn-info's device counters moved by exactly the mix */
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, info_counter(minor, ckeys[i], &after[i]));
		EXPECT_EQ(delta[i], after[i] - before[i]) TH_LOG("%s", ckeys[i]);
	}

	/* qnn-info --coredump decodes both dumps */
	{
		char *hang[] = { "qnn-info", "--coredump", HANG_DUMP, "--json", NULL };
		char *fault[] = { "qnn-info", "--coredump", FAULT_DUMP, NULL };
		char want[64];

		ASSERT_EQ(0, obs_run(hang, OUT, ERR, -1)) TH_LOG("%s", slurp(ERR));
		t = slurp(OUT);
		EXPECT_NE(NULL, strstr(t, "\"reason\":\"hang\",\"job_status\":\"TIMEOUT\""));
		snprintf(want, sizeof(want), "\"job_id\":%" PRIu64 ",", e[5].id);
		EXPECT_NE(NULL, strstr(t, want)) TH_LOG("%s", t);
		EXPECT_NE(NULL, strstr(t, "{\"name\":\"DMA_CAPS\""));
		ASSERT_EQ(0, obs_run(fault, OUT, ERR, -1)) TH_LOG("%s", slurp(ERR));
		t = slurp(OUT);
		TH_LOG("qnn-info --coredump:\n%s", t);
		EXPECT_NE(NULL, strstr(t, "  reason           mmu_fault\n"));
		EXPECT_NE(NULL, strstr(t, "  job status       MMU_FAULT (3)\n"));
		snprintf(want, sizeof(want), "fault address    0x%" PRIx64 " (",
			 (uint64_t)e[6].w.fault_addr);
		EXPECT_NE(NULL, strstr(t, want));
		EXPECT_NE(NULL, strstr(t, "<- cs_offset"));
	}
	cs_mem_reset(&m);
	free(b);
	close(fd);
}

/*
 * fdinfo's memory keys over a file's BOs, against the sizes created here:
 * total, resident (every qnn BO's pages are pinned while a file maps it),
 * shared once exported, and nothing purgeable (qnn has no madvise).
 */
TEST(fdinfo_memory)
{
	const uint64_t a_size = 64 << 10, b_size = 12 << 10;
	struct drm_qnn_bo_create a, b;
	char path[64];
	const char *t;
	uint64_t v;
	int fd = qnn_open(), dmabuf;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, qnn_bo_create(fd, a_size, 0, &a));
	ASSERT_EQ(0, qnn_bo_create(fd, b_size, 0, &b));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	t = slurp(path);
	ASSERT_NE(NULL, t);
	TH_LOG("fdinfo:\n%s", t);
	ASSERT_EQ(0, obs_fdinfo_bytes(t, "drm-total-memory", &v));
	EXPECT_EQ(a_size + b_size, v);
	ASSERT_EQ(0, obs_fdinfo_bytes(t, "drm-shared-memory", &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, obs_fdinfo_bytes(t, "drm-resident-memory", &v))
		TH_LOG("no drm-resident-memory in fdinfo");
	EXPECT_EQ(a_size + b_size, v);
	ASSERT_EQ(0, obs_fdinfo_bytes(t, "drm-purgeable-memory", &v));
	EXPECT_EQ(0, v);

	/* exported: b counts as shared, still resident */
	ASSERT_EQ(0, qnn_prime_export(fd, b.handle, &dmabuf));
	t = slurp(path);
	ASSERT_EQ(0, obs_fdinfo_bytes(t, "drm-shared-memory", &v));
	EXPECT_EQ(b_size, v);
	ASSERT_EQ(0, obs_fdinfo_bytes(t, "drm-total-memory", &v));
	EXPECT_EQ(a_size + b_size, v);
	ASSERT_EQ(0, obs_fdinfo_bytes(t, "drm-resident-memory", &v));
	EXPECT_EQ(a_size + b_size, v);

	/* a closed handle leaves the counts */
	ASSERT_EQ(0, qnn_bo_close(fd, a.handle));
	t = slurp(path);
	ASSERT_EQ(0, obs_fdinfo_bytes(t, "drm-total-memory", &v));
	EXPECT_EQ(b_size, v);
	ASSERT_EQ(0, obs_fdinfo_bytes(t, "drm-resident-memory", &v));
	EXPECT_EQ(b_size, v);
	close(dmabuf);
	close(fd);
}

/* Every prefix of a real dump is refused as truncated, never read past. */
TEST(coredump_truncated)
{
	char *argv[] = { "qnn-info", "--coredump", "/tmp/obs-cut.dump", NULL };
	uint8_t *buf = NULL;
	size_t len, cut;
	FILE *f;
	int bad = 0, runs = 0;

	f = fopen(HANG_DUMP, "r");
	if (!f)
		SKIP(return, "no dump from job_mix_reported_exactly");
	buf = malloc(1 << 20);
	ASSERT_NE(NULL, buf);
	len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	ASSERT_LT(64, len);
	/* every size up to past the first sections, then coarser */
	for (cut = 0; cut < len; cut += cut < 512 ? 7 : len / 16 + 1) {
		char *t;

		f = fopen("/tmp/obs-cut.dump", "w");
		ASSERT_NE(NULL, f);
		fwrite(buf, 1, cut, f);
		fclose(f);
		runs++;
		if (obs_run(argv, OUT, ERR, -1) != 4) {
			bad++;
			TH_LOG("cut at %zu: not exit 4", cut);
			continue;
		}
		t = slurp(ERR);
		if (!t || (!strstr(t, "truncated") && !strstr(t, "not a qnn coredump")))
			bad++;
	}
	EXPECT_EQ(0, bad);
	TH_LOG("%d truncated copies refused", runs);
	free(buf);
}

TEST(tools_bad_input)
{
	char *top_nobody[] = { "qnn-top", "--once", "-d", "1", NULL };
	char *top_nobtf[] = { "qnn-top", "--once", "-d", "1", "--btf",
			      "/nonexistent", NULL };
	char *info_missing[] = { "qnn-info", "--coredump", "/nonexistent", NULL };
	char *info_clients[] = { "qnn-info", "--clients", "--json", NULL };
	const char *t;

	/* no permission: BPF needs root */
	EXPECT_EQ(4, obs_run(top_nobody, OUT, ERR, NOBODY));
	t = slurp(ERR);
	EXPECT_NE(NULL, strstr(t, "not allowed to load BPF programs")) TH_LOG("%s", t);
	/* no BTF */
	EXPECT_EQ(3, obs_run(top_nobtf, OUT, ERR, -1));
	t = slurp(ERR);
	EXPECT_NE(NULL, strstr(t, "no kernel BTF at /nonexistent")) TH_LOG("%s", t);
	/* a dump that is not there */
	EXPECT_EQ(3, obs_run(info_missing, OUT, ERR, -1));
	t = slurp(ERR);
	EXPECT_NE(NULL, strstr(t, "cannot open /nonexistent")) TH_LOG("%s", t);
	/* not root: other processes' files are not visible, and it says so */
	{
		int fd = qnn_open();

		ASSERT_LE(0, fd);
		EXPECT_EQ(0, obs_run(info_clients, OUT, ERR, NOBODY));
		t = slurp(OUT);
		EXPECT_NE(NULL, strstr(t, "{\"clients\":[],\"uninspected_processes\":"))
			TH_LOG("%s", t);
		close(fd);
	}
}

/*
 * The register dump (qnn-info --regs, debugfs "regs") shows a powered
 * device, even when runtime PM had powered it down: DMA_CAPS agrees with
 * GET_PARAM, POWER.ON is set, the ring is programmed.
 */
TEST(regs_dump_powered)
{
	char *argv[] = { "qnn-info", "--regs", "--json", NULL };
	int fd = qnn_open();
	uint64_t bits, ms, v;
	const char *t, *b, *e;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, qnn_get_param(fd, DRM_QNN_PARAM_DMA_BITS, &bits));
	ms = qnn_module_param("autosuspend_ms", 1000);
	close(fd);
	/* no job: the device powers down after autosuspend_ms */
	usleep((ms + 500) * 1000);
	ASSERT_EQ(0, obs_run(argv, OUT, ERR, -1));
	t = slurp(OUT);
	ASSERT_EQ(0, obs_json_obj(t, "{\"name\":\"DMA_CAPS\"", "{\"name\":", "]", &b, &e));
	ASSERT_EQ(0, obs_json_u64(b, e, "value", &v));
	EXPECT_EQ(bits, v & 0x7f);
	ASSERT_EQ(0, obs_json_obj(t, "{\"name\":\"POWER\"", "{\"name\":", "]", &b, &e));
	ASSERT_EQ(0, obs_json_u64(b, e, "value", &v));
	EXPECT_EQ(1, v & 1) TH_LOG("POWER.ON clear: the dump read a powered-down device");
	ASSERT_EQ(0, obs_json_obj(t, "{\"name\":\"CQ_SIZE\"", "{\"name\":", "]", &b, &e));
	ASSERT_EQ(0, obs_json_u64(b, e, "value", &v));
	EXPECT_NE(0, v);
}

/* No qnn device bound: qnn-top says so (and the device comes back). */
TEST(top_no_device)
{
	char *top[] = { "qnn-top", "--once", "-d", "1", NULL };
	const char *drv = "/sys/bus/platform/drivers/qnn_sim";
	char parent[64], cmd[256];
	int fd = qnn_open();
	const char *t;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, qnn_parent_name(fd, parent, sizeof(parent)));
	close(fd);
	if (strncmp(parent, "qnn_sim.", 8))
		SKIP(return, "device %s is not a qnn_sim device", parent);
	snprintf(cmd, sizeof(cmd), "for d in %s/qnn_sim.*; do echo ${d##*/} >%s/unbind; done",
		 drv, drv);
	ASSERT_EQ(0, sh(cmd));
	EXPECT_EQ(5, obs_run(top, OUT, ERR, -1));
	t = slurp(ERR);
	EXPECT_NE(NULL, strstr(t, "no qnn device")) TH_LOG("%s", t);
	snprintf(cmd, sizeof(cmd), "echo %s >%s/bind", parent, drv);
	ASSERT_EQ(0, sh(cmd));
	fd = qnn_open();
	ASSERT_LE(0, fd);
	close(fd);
}

/*
 * qnn-top's queue depth when it attaches to a busy device: the jobs already
 * in flight then end after it attached. They must not be subtracted from
 * the jobs it saw submitted, or every later queue depth reads that many
 * too low (clamped at 0).
 */
TEST(top_queue_attached_midway)
{
	uint64_t backlog[40], late[5], q = 0;
	struct drm_qnn_wait w;
	int fd = qnn_open(), pending = 0, i;
	const char *t, *b, *e;
	char head[48];
	pid_t top;

	ASSERT_LE(0, fd);
	/* 40 jobs of 50 ms device time each: in flight while qnn-top attaches */
	ASSERT_EQ(0, sim_knob(fd, "delay_us", 50000));
	for (i = 0; i < 40; i++)
		ASSERT_EQ(0, job_submit_empty(fd, &backlog[i]));
	top = obs_top_start(TOP_OUT, TOP_ERR, "--all");
	ASSERT_LT(0, top) TH_LOG("qnn-top did not attach: %s", slurp(TOP_ERR));
	EXPECT_EQ(0, job_wait(fd, backlog[39], 60000, &w));
	/* 5 jobs of 200 ms: still queued when qnn-top reports */
	ASSERT_EQ(0, sim_knob(fd, "delay_us", 200000));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, job_submit_empty(fd, &late[i]));
	EXPECT_EQ(0, obs_top_stop(top));
	/* a job not ended now was not ended at the report either */
	for (i = 0; i < 5; i++)
		pending += job_wait(fd, late[i], 0, &w) == -ETIME;
	sim_knob(fd, "delay_us", 0);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(0, job_wait(fd, late[i], 20000, &w));
	t = slurp(TOP_OUT);
	ASSERT_NE(NULL, t);
	snprintf(head, sizeof(head), "{\"pid\":%d,", getpid());
	ASSERT_EQ(0, obs_json_obj(t, head, "{\"pid\":", "],", &b, &e)) TH_LOG("%s", t);
	ASSERT_EQ(0, obs_json_u64(b, e, "queue", &q));
	TH_LOG("%d of 5 late jobs pending after qnn-top exited; it reported queue %" PRIu64,
	       pending, q);
	EXPECT_LE(pending, q);
	EXPECT_GE(5, q);
	close(fd);
}

/* @n empty jobs one after the other: wall ns */
static int64_t serial_jobs(int fd, int n)
{
	int64_t t0 = job_now_ns();
	struct ended x;

	for (int i = 0; i < n; i++)
		if (empty(fd, &x) || x.w.status != DRM_QNN_JOB_COMPLETED)
			return -1;
	return job_now_ns() - t0;
}

/*
 * What the BPF side costs per job: printed, not asserted. The kernel's
 * own accounting (bpf_stats, enabled by qnn-top --bpf-stats) gives the
 * programs' run time; the wall time of serial jobs without, with, and
 * again without qnn-top attached shows the noise around it.
 */
TEST(bpf_cost_per_job)
{
	const int n = 300;
	int fd = qnn_open();
	int64_t plain1, traced, plain2;
	uint64_t runs = 0, run_ns = 0;
	const char *t, *b, *e;
	pid_t top;

	ASSERT_LE(0, fd);
	ASSERT_LT(0, serial_jobs(fd, 20));	/* warm up, power up */
	plain1 = serial_jobs(fd, n);
	ASSERT_LT(0, plain1);
	top = obs_top_start(TOP_OUT, TOP_ERR, "--bpf-stats");
	ASSERT_LT(0, top) TH_LOG("qnn-top did not attach: %s", slurp(TOP_ERR));
	traced = serial_jobs(fd, n);
	ASSERT_EQ(0, obs_top_stop(top));
	ASSERT_LT(0, traced);
	plain2 = serial_jobs(fd, n);
	ASSERT_LT(0, plain2);
	t = slurp(TOP_OUT);
	ASSERT_NE(NULL, t);
	if (!obs_json_obj(t, "\"bpf\":{", "\"bpf\":{", "}", &b, &e)) {
		obs_json_u64(b, e, "runs", &runs);
		obs_json_u64(b, e, "run_ns", &run_ns);
	}
	TH_LOG("BPF cost: %d empty jobs each, wall time per job: %.1f us without qnn-top, %.1f us with it attached, %.1f us without again (TCG, shared host)",
	       n, plain1 / 1e3 / n, traced / 1e3 / n, plain2 / 1e3 / n);
	TH_LOG("BPF cost: %" PRIu64 " program runs (%.1f per job), %" PRIu64 " ns in them: %.0f ns per run, %.0f ns per job (kernel bpf_stats, TCG)",
	       runs, (double)runs / n, run_ns, runs ? (double)run_ns / runs : 0,
	       (double)run_ns / n);
	EXPECT_EQ((uint64_t)(3 * n), runs);	/* submit, run, done */
	close(fd);
}

TEST_HARNESS_MAIN
