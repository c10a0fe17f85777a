// SPDX-License-Identifier: MIT
/*
 * qnn-info --coredump FILE: decode a qnn devcoredump
 * (uapi/drm/qnn_coredump.h): why it was taken, the job and its status, the
 * registers by name, the ring, and the job's command stream with the
 * failing command marked. Every length in the file is checked against the
 * file before it is used: a truncated or foreign file is reported, never
 * read past.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qnn_accel.h"
#include "qnn_cmdstream.h"
#include "qnn_coredump.h"
#include "qnn_info.h"

/* Exit statuses of --coredump (docs/tools.md) */
#define CD_OK		0
#define CD_IO		3	/* cannot read the file */
#define CD_BAD		4	/* not a (complete) qnn coredump */
#define CD_MAX_FILE	(256u << 20)

/* Ring descriptor and result record offsets (docs/hw-interface.md) */
#define DESC_SIZE	64
#define RESULT_SIZE	64

struct dump {
	const char *path;
	const uint8_t *buf;
	size_t len;
	const struct qnn_coredump_info *info;	/* NULL if absent */
	struct qnn_coredump_info info_copy;
	const struct qnn_coredump_reg *regs;
	size_t nregs;
	const uint8_t *ring;	/* struct qnn_coredump_ring + entries */
	size_t ring_len;
	const uint8_t *stream;
	size_t stream_len;
};

static uint32_t rd32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint64_t rd64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static const char *reason_name(uint32_t r)
{
	switch (r) {
	case QNN_COREDUMP_HANG: return "hang";
	case QNN_COREDUMP_MMU_FAULT: return "mmu_fault";
	case QNN_COREDUMP_DEVICE_ERROR: return "device_error";
	default: return "unknown";
	}
}

static const char *job_status_name(uint32_t s)
{
	static const char *const n[] = {
		[DRM_QNN_JOB_COMPLETED] = "COMPLETED",
		[DRM_QNN_JOB_TIMEOUT] = "TIMEOUT",
		[DRM_QNN_JOB_MMU_FAULT] = "MMU_FAULT",
		[DRM_QNN_JOB_INVALID_CMD] = "INVALID_CMD",
		[DRM_QNN_JOB_CANCELED] = "CANCELED",
		[DRM_QNN_JOB_DEVICE_ERROR] = "DEVICE_ERROR",
	};

	return s < sizeof(n) / sizeof(n[0]) && n[s] ? n[s] : "unknown";
}

/* QNN_ERR_* of a result record (docs/hw-interface.md, "Errors") */
static const char *hw_status_name(uint32_t s)
{
	static const char *const n[] = {
		"NONE", "BAD_DESC", "BAD_OPCODE", "TRUNCATED", "BAD_SHAPE",
		"MMU_FAULT", "ABORTED", "BAD_CMD",
	};

	if (s == 0xffffffffu)
		return "PENDING";
	return s < sizeof(n) / sizeof(n[0]) ? n[s] : "unknown";
}

static const char *op_name(uint16_t op)
{
	switch (op) {
	case QNN_CS_OP_NOP: return "NOP";
	case QNN_CS_OP_CONV2D: return "CONV2D";
	case QNN_CS_OP_DENSE: return "DENSE";
	case QNN_CS_OP_MAXPOOL: return "MAXPOOL";
	case QNN_CS_OP_ADD: return "ADD";
	case QNN_CS_OP_GLOBAL_AVGPOOL: return "GLOBAL_AVGPOOL";
	case QNN_CS_OP_TRANSFORM: return "TRANSFORM";
	default: return "unknown";
	}
}

__attribute__((format(printf, 2, 3)))
static int bad(const struct dump *d, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "qnn-info: %s: ", d->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CD_BAD;
}

static int parse(struct dump *d)
{
	const struct qnn_coredump_header *h = (const void *)d->buf;
	size_t pos, hsize, total;
	uint32_t i, nsec;

	/* the magic over what there is of it first: a short foreign file is foreign */
	if (d->len && memcmp(h->magic, QNN_COREDUMP_MAGIC,
			     d->len < sizeof(h->magic) ? d->len : sizeof(h->magic)))
		return bad(d, "not a qnn coredump (no \"QNNCORE\" magic at 0; %zu bytes)",
			   d->len);
	if (d->len < sizeof(*h))
		return bad(d, "truncated: %zu bytes, the header alone is %zu",
			   d->len, sizeof(*h));
	if (memcmp(h->magic, QNN_COREDUMP_MAGIC, sizeof(h->magic)))
		return bad(d, "not a qnn coredump (no \"QNNCORE\" magic at 0; %zu bytes)",
			   d->len);
	if (rd32(&h->version) != QNN_COREDUMP_VERSION)
		return bad(d, "coredump version %u, this qnn-info reads %d",
			   rd32(&h->version), QNN_COREDUMP_VERSION);
	hsize = rd32(&h->header_size);
	total = rd64(&h->total_size);
	if (hsize < sizeof(*h) || hsize > total)
		return bad(d, "corrupt: header size %zu, total size %zu", hsize,
			   total);
	if (total > d->len)
		return bad(d, "truncated: the dump is %zu bytes, the file has %zu",
			   total, d->len);
	nsec = rd32(&h->num_sections);
	pos = hsize;
	for (i = 0; i < nsec; i++) {
		const struct qnn_coredump_section *s;
		uint64_t size;
		const uint8_t *p;

		if (total - pos < sizeof(*s))
			return bad(d, "truncated: section %u of %u has no header",
				   i, nsec);
		s = (const void *)(d->buf + pos);
		size = rd64(&s->size);
		pos += sizeof(*s);
		if (size > total - pos)
			return bad(d, "truncated: section %u needs %zu bytes more than the dump has",
				   i, (size_t)(size - (total - pos)));
		p = d->buf + pos;
		switch (rd32(&s->type)) {
		case QNN_COREDUMP_SEC_INFO:
			/* an older, shorter info reads as zeros at the end */
			memcpy(&d->info_copy, p, size < sizeof(d->info_copy) ?
			       size : sizeof(d->info_copy));
			d->info = &d->info_copy;
			break;
		case QNN_COREDUMP_SEC_REGS:
			d->regs = (const void *)p;
			d->nregs = size / sizeof(*d->regs);
			break;
		case QNN_COREDUMP_SEC_RING:
			d->ring = p;
			d->ring_len = size;
			break;
		case QNN_COREDUMP_SEC_STREAM:
			d->stream = p;
			d->stream_len = size;
			break;
		default:	/* newer section: skip */
			break;
		}
		pos += size;
	}
	if (!d->info)
		return bad(d, "corrupt: no job information section (%u sections, %zu bytes)",
			   nsec, total);
	return CD_OK;
}

static void print_time(FILE *f, uint64_t ns, bool json)
{
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm;
	char buf[40];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (json)
		qnn_info_json_str(f, buf);
	else
		fputs(buf, f);
}

/* Walk the stream's commands; @fn gets each (index, offset, op, size). */
typedef void (*cmd_fn)(FILE *f, int i, uint32_t off, uint16_t op, uint16_t size,
		       uint32_t flags, bool failing);

static int walk_stream(FILE *f, const struct dump *d, uint32_t fail_off,
		       cmd_fn fn)
{
	const struct qnn_cs_header *h = (const void *)d->stream;
	uint32_t off, n, i;

	if (d->stream_len < sizeof(*h) || rd32(&h->magic) != QNN_CS_MAGIC)
		return -1;
	n = rd32(&h->num_cmds);
	off = (uint16_t)le16toh(h->hdr_size);
	for (i = 0; i < n; i++) {
		const struct qnn_cs_cmd *c;
		uint16_t size;

		if (off > d->stream_len || d->stream_len - off < sizeof(*c))
			break;	/* the rest was not captured */
		c = (const void *)(d->stream + off);
		size = le16toh(c->size);
		fn(f, (int)i, off, le16toh(c->op), size, rd32(&c->flags),
		   fail_off >= off && fail_off < off + (size ? size : 8));
		if (!size)
			break;
		off += size;
	}
	return (int)i;
}

static void cmd_text(FILE *f, int i, uint32_t off, uint16_t op, uint16_t size,
		     uint32_t flags, bool failing)
{
	fprintf(f, "    #%-3d @%-6u %-15s size %-5u flags 0x%x%s\n", i, off,
		op_name(op), size, flags, failing ? "   <- cs_offset" : "");
}

static void cmd_json(FILE *f, int i, uint32_t off, uint16_t op, uint16_t size,
		     uint32_t flags, bool failing)
{
	fprintf(f, "%s{\"index\":%d,\"offset\":%u,\"op\":\"%s\",\"size\":%u,"
		"\"flags\":%u,\"failing\":%s}", i ? "," : "", i, off,
		op_name(op), size, flags, failing ? "true" : "false");
}

static void print_text(FILE *f, const struct dump *d)
{
	const struct qnn_coredump_info *ci = d->info;
	uint32_t hv = rd32(&ci->hw_version), dv = rd32(&ci->driver_version);
	uint32_t st = rd32(&ci->job_status), hs = rd32(&ci->hw_status);
	size_t i;

	fprintf(f, "qnn coredump v%d: %s (%zu bytes)\n", QNN_COREDUMP_VERSION,
		d->path, d->len);
	fprintf(f, "  %-16s %s\n", "reason", reason_name(rd32(&ci->reason)));
	fprintf(f, "  %-16s %s (%u)\n", "job status", job_status_name(st), st);
	fprintf(f, "  %-16s %" PRIu64 " (client %" PRIu64 ", pid %d, %.16s)\n",
		"job", rd64(&ci->job_id), rd64(&ci->client_id),
		(int)rd32(&ci->pid), ci->comm);
	fprintf(f, "  %-16s slot %u, seqno %u\n", "ring", rd32(&ci->slot),
		rd32(&ci->seqno));
	fprintf(f, "  %-16s %s (0x%x), detail 0x%x\n", "device status",
		hw_status_name(hs), hs, rd32(&ci->hw_detail));
	fprintf(f, "  %-16s %u\n", "cs offset", rd32(&ci->cs_offset));
	if (rd32(&ci->reason) == QNN_COREDUMP_MMU_FAULT)
		fprintf(f, "  %-16s 0x%" PRIx64 " (%s)\n", "fault address",
			rd64(&ci->fault_addr),
			rd32(&ci->fault_flags) & DRM_QNN_FAULT_WRITE ?
			"write" : "read");
	fprintf(f, "  %-16s %.32s (accel%u), id 0x%08x, hw %u.%u.%u, driver %u.%u.%u\n",
		"device", ci->device, rd32(&ci->accel_minor),
		rd32(&ci->device_id), hv >> 16 & 0xff, hv >> 8 & 0xff, hv & 0xff,
		dv >> 16 & 0xff, dv >> 8 & 0xff, dv & 0xff);
	fprintf(f, "  %-16s ", "captured");
	print_time(f, rd64(&ci->time_ns), false);
	fprintf(f, ", %.3f ms after the job went on the ring\n",
		(double)rd64(&ci->run_ns) / 1e6);

	fprintf(f, "registers (%zu)\n", d->nregs);
	for (i = 0; i < d->nregs; i++)
		fprintf(f, "  %-18.24s 0x%03x 0x%08x\n", d->regs[i].name,
			rd32(&d->regs[i].offset), rd32(&d->regs[i].value));

	if (d->ring && d->ring_len >= sizeof(struct qnn_coredump_ring)) {
		const struct qnn_coredump_ring *r = (const void *)d->ring;
		size_t n = rd32(&r->captured), max;
		const uint8_t *desc = d->ring + sizeof(*r);

		max = (d->ring_len - sizeof(*r)) / (DESC_SIZE + RESULT_SIZE);
		if (n > max)
			n = max;
		fprintf(f, "ring: %u entries (%zu captured), head %u, tail %u, seqno %u, done seqno %u, %u unfetched\n",
			rd32(&r->size), n, rd32(&r->head), rd32(&r->tail),
			rd32(&r->seqno), rd32(&r->done_seqno),
			rd32(&r->unfetched));
		fprintf(f, "  %4s %3s %8s %8s %12s %12s  %-10s %6s %10s\n", "SLOT",
			"OP", "SEQNO", "CMDSIZE", "CMD_VA", "PT_BASE", "RESULT",
			"ERROFF", "CYCLES");
		for (i = 0; i < n; i++) {
			const uint8_t *e = desc + i * DESC_SIZE;
			const uint8_t *res = desc + n * DESC_SIZE + i * RESULT_SIZE;

			if (!rd32(e) && !rd32(e + 8))
				continue;	/* never used */
			fprintf(f, "  %4zu %3u %8u %8u %12" PRIx64 " %12" PRIx64
				"  %-10s %6u %10" PRIu64 "\n", i, rd32(e),
				rd32(e + 8), rd32(e + 12), rd64(e + 24),
				rd64(e + 16), hw_status_name(rd32(res)),
				rd32(res + 4), rd64(res + 16));
		}
	}
	if (d->stream) {
		fprintf(f, "stream: %u bytes (%zu captured)\n",
			rd32(&ci->stream_size), d->stream_len);
		if (walk_stream(f, d, rd32(&ci->cs_offset), cmd_text) < 0)
			fprintf(f, "    (no command-stream header)\n");
	}
}

static void print_json(FILE *f, const struct dump *d)
{
	const struct qnn_coredump_info *ci = d->info;
	char comm[17], dev[33];
	size_t i;

	snprintf(comm, sizeof(comm), "%.16s", ci->comm);
	snprintf(dev, sizeof(dev), "%.32s", ci->device);
	fputs("{\"file\":", f);
	qnn_info_json_str(f, d->path);
	fprintf(f, ",\"bytes\":%zu,\"version\":%d,\"reason\":\"%s\","
		"\"job_status\":\"%s\",\"job_status_value\":%u,\"job_id\":%" PRIu64
		",\"client_id\":%" PRIu64 ",\"pid\":%d,\"comm\":", d->len,
		QNN_COREDUMP_VERSION, reason_name(rd32(&ci->reason)),
		job_status_name(rd32(&ci->job_status)), rd32(&ci->job_status),
		rd64(&ci->job_id), rd64(&ci->client_id), (int)rd32(&ci->pid));
	qnn_info_json_str(f, comm);
	fprintf(f, ",\"seqno\":%u,\"slot\":%u,\"hw_status\":\"%s\","
		"\"hw_status_value\":%u,\"hw_detail\":%u,\"cs_offset\":%u,"
		"\"fault_addr\":%" PRIu64 ",\"fault_flags\":%u,"
		"\"stream_size\":%u,\"run_ns\":%" PRIu64 ",\"time\":",
		rd32(&ci->seqno), rd32(&ci->slot),
		hw_status_name(rd32(&ci->hw_status)), rd32(&ci->hw_status),
		rd32(&ci->hw_detail), rd32(&ci->cs_offset),
		rd64(&ci->fault_addr), rd32(&ci->fault_flags),
		rd32(&ci->stream_size), rd64(&ci->run_ns));
	print_time(f, rd64(&ci->time_ns), true);
	fprintf(f, ",\"device\":");
	qnn_info_json_str(f, dev);
	fprintf(f, ",\"accel_minor\":%u,\"device_id\":%u,\"hw_version\":%u,"
		"\"driver_version\":%u,\"registers\":[", rd32(&ci->accel_minor),
		rd32(&ci->device_id), rd32(&ci->hw_version),
		rd32(&ci->driver_version));
	for (i = 0; i < d->nregs; i++) {
		char name[25];

		snprintf(name, sizeof(name), "%.24s", d->regs[i].name);
		fputs(i ? ",{\"name\":" : "{\"name\":", f);
		qnn_info_json_str(f, name);
		fprintf(f, ",\"offset\":%u,\"value\":%u}",
			rd32(&d->regs[i].offset), rd32(&d->regs[i].value));
	}
	fputc(']', f);
	if (d->ring && d->ring_len >= sizeof(struct qnn_coredump_ring)) {
		const struct qnn_coredump_ring *r = (const void *)d->ring;

		fprintf(f, ",\"ring\":{\"size\":%u,\"captured\":%u,\"head\":%u,"
			"\"tail\":%u,\"seqno\":%u,\"done_seqno\":%u,"
			"\"unfetched\":%u}", rd32(&r->size), rd32(&r->captured),
			rd32(&r->head), rd32(&r->tail), rd32(&r->seqno),
			rd32(&r->done_seqno), rd32(&r->unfetched));
	}
	if (d->stream) {
		fprintf(f, ",\"stream\":{\"captured\":%zu,\"commands\":[",
			d->stream_len);
		walk_stream(f, d, rd32(&ci->cs_offset), cmd_json);
		fputs("]}", f);
	}
	fputs("}\n", f);
}

int qnn_info_coredump(FILE *f, const char *path, bool json)
{
	struct dump d = { .path = path };
	FILE *in = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n;
	int ret;

	if (!in) {
		fprintf(stderr, "qnn-info: cannot open %s: %s\n", path,
			strerror(errno));
		return CD_IO;
	}
	/* devcoredump's data file has no size: read to EOF */
	for (;;) {
		if (d.len == cap) {
			uint8_t *p;

			cap = cap ? 2 * cap : 1u << 16;
			if (cap > CD_MAX_FILE || !(p = realloc(buf, cap))) {
				fprintf(stderr, "qnn-info: %s: too large or out of memory\n",
					path);
				ret = CD_IO;
				goto out;
			}
			buf = p;
		}
		n = fread(buf + d.len, 1, cap - d.len, in);
		d.len += n;
		if (!n)
			break;
	}
	if (ferror(in)) {
		fprintf(stderr, "qnn-info: reading %s: %s\n", path,
			strerror(errno));
		ret = CD_IO;
		goto out;
	}
	d.buf = buf;
	ret = parse(&d);
	if (ret == CD_OK) {
		if (json)
			print_json(f, &d);
		else
			print_text(f, &d);
	}
out:
	fclose(in);
	free(buf);
	return ret;
}
