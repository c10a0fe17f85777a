/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * qnn tracepoints: /sys/kernel/tracing/events/qnn/ (docs/uapi.md,
 * "Tracepoints"). A job's life is qnn_job_submit -> qnn_job_run (again
 * after a reset that took it off the ring) -> qnn_job_done (exactly once,
 * whatever became of it); qnn_reset marks a device reset after a timeout,
 * qnn_mmu_fault a job's fault in the device MMU.
 *
 * Every event names the device (accel minor), the file (drm-client-id, as
 * in fdinfo), the process that opened it and the job (its id within the
 * file). The arguments are plain integers so that BPF programs attached as
 * raw tracepoints (qnn-top) read them without the module's BTF; they are
 * only ever added at the end.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM qnn

#if !defined(_QNN_TRACE_H_) || defined(TRACE_HEADER_MULTI_READ)
#define _QNN_TRACE_H_

#include <linux/tracepoint.h>

TRACE_EVENT(qnn_job_submit,
	    TP_PROTO(u32 dev, u64 client, s32 pid, u64 id, u32 cmds, u64 ops,
		     u32 size, u32 bos),
	    TP_ARGS(dev, client, pid, id, cmds, ops, size, bos),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(s32, pid)
			     __field(u64, client)
			     __field(u64, id)
			     __field(u64, ops)
			     __field(u32, cmds)
			     __field(u32, size)
			     __field(u32, bos)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->pid = pid;
			   __entry->client = client;
			   __entry->id = id;
			   __entry->ops = ops;
			   __entry->cmds = cmds;
			   __entry->size = size;
			   __entry->bos = bos;),
	    TP_printk("dev=%u client=%llu pid=%d job=%llu cmds=%u ops=%llu size=%u bos=%u",
		      __entry->dev, __entry->client, __entry->pid, __entry->id,
		      __entry->cmds, __entry->ops, __entry->size, __entry->bos)
);

TRACE_EVENT(qnn_job_run,
	    TP_PROTO(u32 dev, u64 client, s32 pid, u64 id, u32 seqno, u32 slot,
		     s64 wait_ns),
	    TP_ARGS(dev, client, pid, id, seqno, slot, wait_ns),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(s32, pid)
			     __field(u64, client)
			     __field(u64, id)
			     __field(u32, seqno)
			     __field(u32, slot)
			     __field(s64, wait_ns)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->pid = pid;
			   __entry->client = client;
			   __entry->id = id;
			   __entry->seqno = seqno;
			   __entry->slot = slot;
			   __entry->wait_ns = wait_ns;),
	    TP_printk("dev=%u client=%llu pid=%d job=%llu seqno=%u slot=%u wait_ns=%lld",
		      __entry->dev, __entry->client, __entry->pid, __entry->id,
		      __entry->seqno, __entry->slot, __entry->wait_ns)
);

TRACE_EVENT(qnn_job_done,
	    TP_PROTO(u32 dev, u64 client, s32 pid, u64 id, u32 status,
		     u64 cycles, u64 dev_ns, s64 run_ns, s64 latency_ns),
	    TP_ARGS(dev, client, pid, id, status, cycles, dev_ns, run_ns,
		    latency_ns),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(s32, pid)
			     __field(u64, client)
			     __field(u64, id)
			     __field(u32, status)
			     __field(u64, cycles)
			     __field(u64, dev_ns)
			     __field(s64, run_ns)
			     __field(s64, latency_ns)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->pid = pid;
			   __entry->client = client;
			   __entry->id = id;
			   __entry->status = status;
			   __entry->cycles = cycles;
			   __entry->dev_ns = dev_ns;
			   __entry->run_ns = run_ns;
			   __entry->latency_ns = latency_ns;),
	    TP_printk("dev=%u client=%llu pid=%d job=%llu status=%u cycles=%llu dev_ns=%llu run_ns=%lld latency_ns=%lld",
		      __entry->dev, __entry->client, __entry->pid, __entry->id,
		      __entry->status, __entry->cycles, __entry->dev_ns,
		      __entry->run_ns, __entry->latency_ns)
);

TRACE_EVENT(qnn_reset,
	    TP_PROTO(u32 dev, u64 client, s32 pid, u64 guilty_id),
	    TP_ARGS(dev, client, pid, guilty_id),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(s32, pid)
			     __field(u64, client)
			     __field(u64, guilty_id)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->pid = pid;
			   __entry->client = client;
			   __entry->guilty_id = guilty_id;),
	    TP_printk("dev=%u client=%llu pid=%d guilty_job=%llu",
		      __entry->dev, __entry->client, __entry->pid,
		      __entry->guilty_id)
);

TRACE_EVENT(qnn_mmu_fault,
	    TP_PROTO(u32 dev, u64 client, s32 pid, u64 id, u64 addr, u32 write,
		     u32 reason),
	    TP_ARGS(dev, client, pid, id, addr, write, reason),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(s32, pid)
			     __field(u64, client)
			     __field(u64, id)
			     __field(u64, addr)
			     __field(u32, write)
			     __field(u32, reason)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->pid = pid;
			   __entry->client = client;
			   __entry->id = id;
			   __entry->addr = addr;
			   __entry->write = write;
			   __entry->reason = reason;),
	    TP_printk("dev=%u client=%llu pid=%d job=%llu addr=0x%llx access=%s reason=%u",
		      __entry->dev, __entry->client, __entry->pid, __entry->id,
		      __entry->addr, __entry->write ? "write" : "read",
		      __entry->reason)
);

#endif /* _QNN_TRACE_H_ */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE qnn_trace
#include <trace/define_trace.h>
