/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A copy job for the memory-path selftests: one TRANSFORM command, INT32 in
 * and out, output stage INT32 without bias or scale, so out[i] = in[i]
 * exactly (docs/cmdstream.md). The oracle is the CPU's own copy of the
 * words; nothing of the device's arithmetic is involved.
 */
#ifndef QNN_COPY_JOB_H
#define QNN_COPY_JOB_H

#include <string.h>
#include <time.h>
#include "qnn_cmdstream.h"
#include "qnn_dev.h"

struct qnn_copy_stream {
	struct qnn_cs_header hdr;
	struct qnn_cs_unary cmd;
};

/* SUBMIT a copy of @words int32 from @src_va to @dst_va: 0 or -errno. */
static inline int qnn_copy_submit(int fd, uint32_t src, uint64_t src_va,
				  uint32_t dst, uint64_t dst_va,
				  uint32_t words, uint64_t *job_id)
{
	struct qnn_copy_stream s;
	struct drm_qnn_bo_ref refs[2] = {
		{ .handle = src, .flags = DRM_QNN_BO_REF_READ },
		{ .handle = dst, .flags = DRM_QNN_BO_REF_WRITE },
	};
	struct drm_qnn_submit args;
	int ret;

	memset(&s, 0, sizeof(s));
	s.hdr.magic = QNN_CS_MAGIC;
	s.hdr.version = QNN_CS_VERSION;
	s.hdr.hdr_size = sizeof(s.hdr);
	s.hdr.size = sizeof(s);
	s.hdr.num_cmds = 1;
	s.cmd.hdr.op = QNN_CS_OP_TRANSFORM;
	s.cmd.hdr.size = sizeof(s.cmd);
	s.cmd.in.va = src_va;
	s.cmd.in.n = 1;
	s.cmd.in.h = 1;
	s.cmd.in.w = 1;
	s.cmd.in.c = words;
	s.cmd.in.type = QNN_CS_TYPE_INT32;
	s.cmd.out = s.cmd.in;
	s.cmd.out.va = dst_va;
	s.cmd.epi.mode = QNN_CS_OUT_INT32;

	memset(&args, 0, sizeof(args));
	args.cmds = (uintptr_t)&s;
	args.cmds_size = sizeof(s);
	args.bos = (uintptr_t)refs;
	args.bo_count = src == dst ? 1 : 2;
	if (src == dst)
		refs[0].flags |= DRM_QNN_BO_REF_WRITE;
	ret = qnn_ioctl(fd, DRM_IOCTL_QNN_SUBMIT, &args);
	*job_id = args.job_id;
	return ret;
}

/* WAIT up to 10 s for @job_id: its drm_qnn_job_status, or -errno. */
static inline int qnn_copy_wait(int fd, uint64_t job_id)
{
	struct drm_qnn_wait w;
	struct timespec ts;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	memset(&w, 0, sizeof(w));
	w.job_id = job_id;
	w.timeout_ns = (ts.tv_sec + 10) * 1000000000LL + ts.tv_nsec;
	ret = qnn_ioctl(fd, DRM_IOCTL_QNN_WAIT, &w);
	return ret ? ret : (int)w.status;
}

/* Copy and wait: the job's status or -errno. */
static inline int qnn_copy(int fd, uint32_t src, uint64_t src_va,
			   uint32_t dst, uint64_t dst_va, uint32_t words)
{
	uint64_t id;
	int ret;

	ret = qnn_copy_submit(fd, src, src_va, dst, dst_va, words, &id);
	return ret ? ret : qnn_copy_wait(fd, id);
}

#endif /* QNN_COPY_JOB_H */
