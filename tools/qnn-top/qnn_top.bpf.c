// SPDX-License-Identifier: MIT
/*
 * qnn-top's BPF side: raw tracepoint programs on the qnn driver's events
 * (docs/uapi.md, "Tracepoints"), counting into two maps the tool reads.
 * Raw tracepoints get the events' integer arguments as they are, so the
 * module's BTF is not needed; the kernel's is (CO-RE: the process name is
 * read from the submitting task's thread-group leader).
 *
 * Built with clang -target bpf against vmlinux.h generated from the VM
 * kernel's BTF (gen-vmlinux-h.sh); bpftool gen skeleton makes the loader.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "qnn_top.h"

/* bpf_get_current_task() is GPL-only; the source is MIT, so dual */
char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, QT_MAX_DEVS);
	__type(key, __u32);
	__type(value, struct qt_dev);
} devs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, QT_MAX_PROCS);
	__type(key, struct qt_proc_key);
	__type(value, struct qt_proc);
} procs SEC(".maps");

/*
 * Jobs submitted since attach and not ended: queue depth counts a job's end
 * only if its submit was seen here. Jobs already in flight at attach end
 * later without one; subtracting them from the submits seen would leave
 * every later depth that much too low.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, QT_MAX_INFLIGHT);
	__type(key, struct qt_job_key);
	__type(value, __u8);
} inflight SEC(".maps");

/* (device, process) pairs that did not fit in procs */
__u64 procs_dropped;
/* submits that did not fit in inflight (their queue depth stays counted) */
__u64 inflight_dropped;

static __always_inline struct qt_dev *dev_of(__u32 dev)
{
	return bpf_map_lookup_elem(&devs, &dev);
}

/*
 * The process's entry, created on first sight. At submit the current task
 * is the submitter: its leader's comm names the process. Events from the
 * scheduler or the interrupt thread leave the name for the tool to fill.
 */
static __always_inline struct qt_proc *proc_of(__u32 dev, __s32 pid,
					       bool submitter)
{
	struct qt_proc_key k = { .dev = dev, .pid = pid };
	struct qt_proc *p = bpf_map_lookup_elem(&procs, &k);
	struct qt_proc init = {};

	if (p)
		return p;
	if (submitter) {
		struct task_struct *t = (void *)bpf_get_current_task();

		BPF_CORE_READ_STR_INTO(&init.comm, t, group_leader, comm);
	}
	if (bpf_map_update_elem(&procs, &k, &init, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&procs, &k)) {
		__sync_fetch_and_add(&procs_dropped, 1);
		return NULL;
	}
	return bpf_map_lookup_elem(&procs, &k);
}

/* Bucket of a duration: floor(log2(us)), 0 below 2 us. */
static __always_inline __u32 bucket(__s64 ns)
{
	__u64 v = ns > 0 ? (__u64)ns / 1000 : 0;
	__u32 r = 0, s;

	s = (v > 0xffffffffULL) << 5; v >>= s; r |= s;
	s = (v > 0xffff) << 4; v >>= s; r |= s;
	s = (v > 0xff) << 3; v >>= s; r |= s;
	s = (v > 0xf) << 2; v >>= s; r |= s;
	s = (v > 0x3) << 1; v >>= s; r |= s;
	r |= (v >> 1);
	if (r >= QT_HIST)
		r = QT_HIST - 1;
	/* and a mask the verifier sees (clang drops a compare it can prove) */
	barrier_var(r);
	return r & (QT_HIST - 1);
}

SEC("raw_tp/qnn_job_submit")
int BPF_PROG(qt_submit, __u32 dev, __u64 client, __s32 pid, __u64 id)
{
	struct qt_job_key k = { .dev = dev, .pid = pid, .client = client, .id = id };
	struct qt_dev *d = dev_of(dev);
	struct qt_proc *p = proc_of(dev, pid, true);
	__u8 one = 1;

	if (bpf_map_update_elem(&inflight, &k, &one, BPF_ANY))
		__sync_fetch_and_add(&inflight_dropped, 1);

	if (d)
		__sync_fetch_and_add(&d->submitted, 1);
	if (p)
		__sync_fetch_and_add(&p->submitted, 1);
	return 0;
}

SEC("raw_tp/qnn_job_run")
int BPF_PROG(qt_run, __u32 dev, __u64 client, __s32 pid, __u64 id,
	     __u32 seqno, __u32 slot, __s64 wait_ns)
{
	struct qt_dev *d = dev_of(dev);
	struct qt_proc *p = proc_of(dev, pid, false);

	if (d) {
		__sync_fetch_and_add(&d->runs, 1);
		__sync_fetch_and_add(&d->wait_hist[bucket(wait_ns)], 1);
	}
	if (p) {
		__sync_fetch_and_add(&p->runs, 1);
		if (wait_ns > 0)
			__sync_fetch_and_add(&p->wait_ns, wait_ns);
	}
	return 0;
}

SEC("raw_tp/qnn_job_done")
int BPF_PROG(qt_done, __u32 dev, __u64 client, __s32 pid, __u64 id,
	     __u32 status, __u64 cycles, __u64 dev_ns, __s64 run_ns)
{
	struct qt_job_key k = { .dev = dev, .pid = pid, .client = client, .id = id };
	struct qt_dev *d = dev_of(dev);
	struct qt_proc *p = proc_of(dev, pid, false);
	__u32 st = status < QT_STATUSES ? status : 0;
	bool seen = !bpf_map_delete_elem(&inflight, &k);

	barrier_var(st);
	st &= QT_STATUSES - 1;

	if (d) {
		__sync_fetch_and_add(&d->ended, 1);
		__sync_fetch_and_add(&d->status[st], 1);
		__sync_fetch_and_add(&d->cycles, cycles);
		__sync_fetch_and_add(&d->dev_ns, dev_ns);
		if (run_ns > 0)
			__sync_fetch_and_add(&d->run_hist[bucket(run_ns)], 1);
		if (seen)
			__sync_fetch_and_add(&d->seen_ended, 1);
	}
	if (p) {
		__sync_fetch_and_add(&p->ended, 1);
		__sync_fetch_and_add(&p->status[st], 1);
		__sync_fetch_and_add(&p->dev_ns, dev_ns);
		if (run_ns > 0)
			__sync_fetch_and_add(&p->run_ns, run_ns);
		if (seen)
			__sync_fetch_and_add(&p->seen_ended, 1);
	}
	return 0;
}

SEC("raw_tp/qnn_reset")
int BPF_PROG(qt_reset, __u32 dev, __u64 client, __s32 pid)
{
	struct qt_dev *d = dev_of(dev);
	struct qt_proc *p = proc_of(dev, pid, false);

	if (d)
		__sync_fetch_and_add(&d->resets, 1);
	if (p)
		__sync_fetch_and_add(&p->resets, 1);
	return 0;
}

SEC("raw_tp/qnn_mmu_fault")
int BPF_PROG(qt_mmu_fault, __u32 dev, __u64 client, __s32 pid)
{
	struct qt_dev *d = dev_of(dev);
	struct qt_proc *p = proc_of(dev, pid, false);

	if (d)
		__sync_fetch_and_add(&d->mmu_faults, 1);
	if (p)
		__sync_fetch_and_add(&p->mmu_faults, 1);
	return 0;
}
