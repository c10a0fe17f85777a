/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * qnn tracepoints: /sys/kernel/tracing/events/qnn/. A job's life is
 * qnn_job_submit -> qnn_job_run -> qnn_job_done (status, duration);
 * qnn_reset marks a device reset after a timeout.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM qnn

#if !defined(_QNN_TRACE_H_) || defined(TRACE_HEADER_MULTI_READ)
#define _QNN_TRACE_H_

#include <linux/tracepoint.h>

TRACE_EVENT(qnn_job_submit,
	    TP_PROTO(u64 id, u32 size, u32 bos),
	    TP_ARGS(id, size, bos),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u32, size)
			     __field(u32, bos)),
	    TP_fast_assign(__entry->id = id;
			   __entry->size = size;
			   __entry->bos = bos;),
	    TP_printk("job=%llu size=%u bos=%u", __entry->id, __entry->size,
		      __entry->bos)
);

TRACE_EVENT(qnn_job_run,
	    TP_PROTO(u64 id, u32 seqno, u32 slot),
	    TP_ARGS(id, seqno, slot),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u32, seqno)
			     __field(u32, slot)),
	    TP_fast_assign(__entry->id = id;
			   __entry->seqno = seqno;
			   __entry->slot = slot;),
	    TP_printk("job=%llu seqno=%u slot=%u", __entry->id, __entry->seqno,
		      __entry->slot)
);

TRACE_EVENT(qnn_job_done,
	    TP_PROTO(u64 id, u32 seqno, u32 status, s64 duration_ns),
	    TP_ARGS(id, seqno, status, duration_ns),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u32, seqno)
			     __field(u32, status)
			     __field(s64, duration_ns)),
	    TP_fast_assign(__entry->id = id;
			   __entry->seqno = seqno;
			   __entry->status = status;
			   __entry->duration_ns = duration_ns;),
	    TP_printk("job=%llu seqno=%u status=%u duration_ns=%lld",
		      __entry->id, __entry->seqno, __entry->status,
		      __entry->duration_ns)
);

TRACE_EVENT(qnn_reset,
	    TP_PROTO(u64 guilty_id),
	    TP_ARGS(guilty_id),
	    TP_STRUCT__entry(__field(u64, guilty_id)),
	    TP_fast_assign(__entry->guilty_id = guilty_id;),
	    TP_printk("guilty_job=%llu", __entry->guilty_id)
);

#endif /* _QNN_TRACE_H_ */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE qnn_trace
#include <trace/define_trace.h>
