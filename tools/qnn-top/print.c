// SPDX-License-Identifier: MIT
/* qnn-top's output: a table (live or one-shot) or one JSON object. */
#include <inttypes.h>
#include <string.h>

#include "qnn_accel.h"
#include "top.h"

/* JSON keys of the job states, by DRM_QNN_JOB_* */
static const char *const status_key[QT_STATUSES] = {
	[DRM_QNN_JOB_COMPLETED] = "completed",
	[DRM_QNN_JOB_TIMEOUT] = "timeout",
	[DRM_QNN_JOB_MMU_FAULT] = "mmu_fault",
	[DRM_QNN_JOB_INVALID_CMD] = "invalid_cmd",
	[DRM_QNN_JOB_CANCELED] = "canceled",
	[DRM_QNN_JOB_DEVICE_ERROR] = "device_error",
};

static double secs(const struct qt_view *v)
{
	double s = (double)(v->cur->t_ns - v->prev->t_ns) / 1e9;

	return s > 0 ? s : 1e-9;
}

/*
 * Jobs submitted since attach and not yet ended: @ended counts only the
 * ends of jobs whose submit qnn-top saw (never below 0).
 */
static __u64 queue(__u64 submitted, __u64 ended)
{
	return submitted > ended ? submitted - ended : 0;
}

static const struct qt_proc *prev_proc(const struct qt_view *v,
				       const struct qt_proc_key *k)
{
	static const struct qt_proc zero;
	int i;

	for (i = 0; i < v->prev->nprocs; i++)
		if (v->prev->procs[i].key.dev == k->dev &&
		    v->prev->procs[i].key.pid == k->pid)
			return &v->prev->procs[i].v;
	return &zero;
}

static bool dev_shown(const struct qt_view *v, unsigned int d)
{
	return v->devinfo[d].present || v->cur->dev[d].submitted ||
	       v->cur->dev[d].ended;
}

static bool proc_shown(const struct qt_view *v, const struct qt_snap_proc *p)
{
	const struct qt_proc *o = prev_proc(v, &p->key);

	return v->once || v->all_procs || p->v.submitted != o->submitted ||
	       p->v.ended != o->ended ||
	       queue(p->v.submitted, p->v.seen_ended) > 0;
}

static __u64 failed(const __u64 *st, const __u64 *o)
{
	__u64 n = 0;
	int i;

	for (i = 0; i < QT_STATUSES; i++)
		if (i != DRM_QNN_JOB_COMPLETED)
			n += st[i] - o[i];
	return n;
}

static void hist_text(FILE *f, const char *what, const __u64 *h,
		      const __u64 *o)
{
	__u64 max = 0, c;
	int i, lo = -1, hi = -1;

	for (i = 0; i < QT_HIST; i++) {
		c = h[i] - o[i];
		if (c) {
			if (lo < 0)
				lo = i;
			hi = i;
		}
		if (c > max)
			max = c;
	}
	if (lo < 0)
		return;
	fprintf(f, "  %s (us)\n", what);
	for (i = lo; i <= hi; i++) {
		int bar;

		c = h[i] - o[i];
		bar = (int)(c * 40 / max);
		fprintf(f, "  %10llu .. %-10llu %8llu |%.*s\n",
			i ? (__u64)1 << i : 0, ((__u64)1 << (i + 1)) - 1,
			c, bar, "****************************************");
	}
}

void qt_print_text(FILE *f, const struct qt_view *v)
{
	double dt = secs(v);
	unsigned int d;
	int i;

	fprintf(f, "qnn-top: %s %.2f s\n",
		v->once ? "totals over" : "last", dt);
	fprintf(f, "%-4s %-14s %6s %8s %6s %8s %8s %7s %7s %7s %6s\n", "DEV",
		"NAME", "BUSY%", "JOBS/S", "QUEUE", "SUBMIT", "DONE", "FAILED",
		"TIMEOUT", "MMUFLT", "RESETS");
	for (d = 0; d < QT_MAX_DEVS; d++) {
		const struct qt_dev *c = &v->cur->dev[d], *o = &v->prev->dev[d];

		if (!dev_shown(v, d))
			continue;
		fprintf(f, "%-4u %-14s %6.1f %8.1f %6llu %8llu"
			" %8llu %7llu %7llu %7llu"
			" %6llu\n", d,
			v->devinfo[d].name[0] ? v->devinfo[d].name : "-",
			(double)(c->dev_ns - o->dev_ns) / (dt * 1e7),
			(double)(c->ended - o->ended) / dt,
			queue(c->submitted, c->seen_ended), c->submitted - o->submitted,
			c->ended - o->ended, failed(c->status, o->status),
			c->status[DRM_QNN_JOB_TIMEOUT] - o->status[DRM_QNN_JOB_TIMEOUT],
			c->mmu_faults - o->mmu_faults, c->resets - o->resets);
		hist_text(f, "queue wait", c->wait_hist, o->wait_hist);
		hist_text(f, "run time", c->run_hist, o->run_hist);
	}
	fprintf(f, "\n%7s %-16s %-4s %8s %6s %7s %7s %7s %7s %10s %10s\n", "PID",
		"COMM", "DEV", "JOBS/S", "QUEUE", "DONE", "FAILED", "MMUFLT",
		"RESETS", "WAIT_US", "RUN_US");
	for (i = 0; i < v->cur->nprocs; i++) {
		const struct qt_snap_proc *p = &v->cur->procs[i];
		const struct qt_proc *o = prev_proc(v, &p->key);
		__u64 runs = p->v.runs - o->runs, ended = p->v.ended - o->ended;

		if (!proc_shown(v, p))
			continue;
		fprintf(f, "%7d %-16s %-4u %8.1f %6llu %7llu %7"
			"llu %7llu %7llu %10.1f %10.1f\n",
			p->key.pid, p->v.comm, p->key.dev, (double)ended / dt,
			queue(p->v.submitted, p->v.seen_ended), ended,
			failed(p->v.status, o->status),
			p->v.mmu_faults - o->mmu_faults, p->v.resets - o->resets,
			runs ? (double)(p->v.wait_ns - o->wait_ns) / runs / 1e3 : 0,
			ended ? (double)(p->v.run_ns - o->run_ns) / ended / 1e3 : 0);
	}
	if (v->cur->have_bpf_stats && v->cur->bpf_runs)
		fprintf(f, "\nbpf: %llu program runs, %.0f ns per run\n",
			v->cur->bpf_runs - v->prev->bpf_runs,
			v->cur->bpf_runs - v->prev->bpf_runs ?
			(double)(v->cur->bpf_run_ns - v->prev->bpf_run_ns) /
			(double)(v->cur->bpf_runs - v->prev->bpf_runs) : 0.0);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_status(FILE *f, const __u64 *st, const __u64 *o)
{
	const char *sep = "";
	int i;

	fputs("\"status\":{", f);
	for (i = 1; i < QT_STATUSES; i++) {
		if (!status_key[i])
			continue;
		fprintf(f, "%s\"%s\":%llu", sep, status_key[i], st[i] - o[i]);
		sep = ",";
	}
	fputc('}', f);
}

static void json_hist(FILE *f, const char *key, const __u64 *h,
		      const __u64 *o)
{
	int i;

	fprintf(f, ",\"%s\":[", key);
	for (i = 0; i < QT_HIST; i++)
		fprintf(f, "%s%llu", i ? "," : "", h[i] - o[i]);
	fputc(']', f);
}

void qt_print_json(FILE *f, const struct qt_view *v)
{
	double dt = secs(v);
	const char *sep = "";
	unsigned int d;
	int i;

	fprintf(f, "{\"mode\":\"%s\",\"seconds\":%.3f,\"devices\":[",
		v->once ? "once" : "live", dt);
	for (d = 0; d < QT_MAX_DEVS; d++) {
		const struct qt_dev *c = &v->cur->dev[d], *o = &v->prev->dev[d];

		if (!dev_shown(v, d))
			continue;
		fprintf(f, "%s{\"minor\":%u,\"name\":", sep, d);
		json_str(f, v->devinfo[d].name);
		fprintf(f, ",\"clock_khz\":%u,\"busy_pct\":%.2f,\"jobs_per_s\":%.2f"
			",\"queue\":%llu,\"submitted\":%llu"
			",\"ended\":%llu,\"runs\":%llu"
			",\"errors\":%llu,\"resets\":%llu"
			",\"mmu_faults\":%llu,\"cycles\":%llu"
			",\"device_ns\":%llu,",
			v->devinfo[d].clock_khz,
			(double)(c->dev_ns - o->dev_ns) / (dt * 1e7),
			(double)(c->ended - o->ended) / dt,
			queue(c->submitted, c->seen_ended), c->submitted - o->submitted,
			c->ended - o->ended, c->runs - o->runs,
			failed(c->status, o->status), c->resets - o->resets,
			c->mmu_faults - o->mmu_faults, c->cycles - o->cycles,
			c->dev_ns - o->dev_ns);
		json_status(f, c->status, o->status);
		json_hist(f, "wait_hist_log2_us", c->wait_hist, o->wait_hist);
		json_hist(f, "run_hist_log2_us", c->run_hist, o->run_hist);
		fputc('}', f);
		sep = ",";
	}
	fputs("],\"processes\":[", f);
	sep = "";
	for (i = 0; i < v->cur->nprocs; i++) {
		const struct qt_snap_proc *p = &v->cur->procs[i];
		const struct qt_proc *o = prev_proc(v, &p->key);
		__u64 runs = p->v.runs - o->runs, ended = p->v.ended - o->ended;

		if (!proc_shown(v, p))
			continue;
		fprintf(f, "%s{\"pid\":%d,\"comm\":", sep, p->key.pid);
		json_str(f, p->v.comm);
		fprintf(f, ",\"minor\":%u,\"jobs_per_s\":%.2f,\"queue\":%llu"
			",\"submitted\":%llu,\"ended\":%llu"
			",\"errors\":%llu,\"resets\":%llu"
			",\"mmu_faults\":%llu,\"device_ns\":%llu"
			",\"mean_wait_us\":%.1f,\"mean_run_us\":%.1f,",
			p->key.dev, (double)ended / dt,
			queue(p->v.submitted, p->v.seen_ended),
			p->v.submitted - o->submitted, ended,
			failed(p->v.status, o->status), p->v.resets - o->resets,
			p->v.mmu_faults - o->mmu_faults, p->v.dev_ns - o->dev_ns,
			runs ? (double)(p->v.wait_ns - o->wait_ns) / runs / 1e3 : 0,
			ended ? (double)(p->v.run_ns - o->run_ns) / ended / 1e3 : 0);
		json_status(f, p->v.status, o->status);
		fputc('}', f);
		sep = ",";
	}
	fprintf(f, "],\"procs_dropped\":%llu", v->cur->procs_dropped);
	if (v->cur->have_bpf_stats)
		fprintf(f, ",\"bpf\":{\"runs\":%llu,\"run_ns\":%llu}",
			v->cur->bpf_runs - v->prev->bpf_runs,
			v->cur->bpf_run_ns - v->prev->bpf_run_ns);
	fputs("}\n", f);
}
