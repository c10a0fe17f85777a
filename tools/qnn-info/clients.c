// SPDX-License-Identifier: MIT
/*
 * qnn-info --clients: every open file of a qnn device, from the DRM fdinfo
 * the driver writes (/proc/PID/fdinfo/FD: drm-driver qnn, drm-client-id,
 * drm-engine-qnn, drm-cycles-qnn, qnn-jobs-*, drm-total-memory, ...; see
 * docs/uapi.md, "fdinfo"). A file shared by several fds or processes is one
 * client (one drm-client-id), listed once, under the first fd found.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qnn_accel.h"
#include "qnn_info.h"

#define NSTATUS 7	/* DRM_QNN_JOB_* up to DEVICE_ERROR */

/* fdinfo key suffix and JSON key of each job status */
static const char *const status_fd[NSTATUS] = {
	[DRM_QNN_JOB_COMPLETED] = "completed",
	[DRM_QNN_JOB_TIMEOUT] = "timeout",
	[DRM_QNN_JOB_MMU_FAULT] = "mmu-fault",
	[DRM_QNN_JOB_INVALID_CMD] = "invalid-cmd",
	[DRM_QNN_JOB_CANCELED] = "canceled",
	[DRM_QNN_JOB_DEVICE_ERROR] = "device-error",
};

static const char *const status_json[NSTATUS] = {
	[DRM_QNN_JOB_COMPLETED] = "completed",
	[DRM_QNN_JOB_TIMEOUT] = "timeout",
	[DRM_QNN_JOB_MMU_FAULT] = "mmu_fault",
	[DRM_QNN_JOB_INVALID_CMD] = "invalid_cmd",
	[DRM_QNN_JOB_CANCELED] = "canceled",
	[DRM_QNN_JOB_DEVICE_ERROR] = "device_error",
};

#define NMEM 8

struct client {
	int pid, fd;
	char comm[32];
	char device[64];	/* /dev/accel/accelN */
	uint64_t client_id;
	uint64_t engine_ns, cycles, maxfreq_khz, submitted, mmu_faults;
	uint64_t jobs[NSTATUS];
	int nmem;
	struct {
		char region[32];	/* "total-memory", "shared-memory", ... */
		uint64_t bytes;
	} mem[NMEM];
};

/* Copy, cutting what does not fit. */
static void cpy(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = 0;
}

/* "123", "123 KiB", "4 MiB" -> bytes */
static uint64_t size_value(const char *v)
{
	char *end;
	uint64_t n = strtoull(v, &end, 10);

	while (*end == ' ')
		end++;
	if (!strncmp(end, "KiB", 3))
		n <<= 10;
	else if (!strncmp(end, "MiB", 3))
		n <<= 20;
	else if (!strncmp(end, "GiB", 3))
		n <<= 30;
	return n;
}

/* 1: @path is the fdinfo of a qnn file, parsed into @c */
static int parse_fdinfo(const char *path, struct client *c)
{
	char line[256];
	bool qnn = false;
	FILE *f = fopen(path, "re");
	int i;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		*v++ = 0;
		while (*v == '\t' || *v == ' ')
			v++;
		v[strcspn(v, "\n")] = 0;
		if (!strcmp(line, "drm-driver"))
			qnn = !strcmp(v, QNN_INFO_DRIVER);
		else if (!strcmp(line, "drm-client-id"))
			c->client_id = strtoull(v, NULL, 10);
		else if (!strcmp(line, "drm-engine-qnn"))
			c->engine_ns = strtoull(v, NULL, 10);
		else if (!strcmp(line, "drm-cycles-qnn"))
			c->cycles = strtoull(v, NULL, 10);
		else if (!strcmp(line, "drm-maxfreq-qnn"))
			c->maxfreq_khz = strtoull(v, NULL, 10);
		else if (!strcmp(line, "qnn-jobs-submitted"))
			c->submitted = strtoull(v, NULL, 10);
		else if (!strcmp(line, "qnn-mmu-faults"))
			c->mmu_faults = strtoull(v, NULL, 10);
		else if (!strncmp(line, "qnn-jobs-", 9))
			for (i = 1; i < NSTATUS; i++)
				if (!strcmp(line + 9, status_fd[i]))
					c->jobs[i] = strtoull(v, NULL, 10);
		if (!strncmp(line, "drm-", 4) && strstr(line, "-memory") &&
		    c->nmem < NMEM) {
			cpy(c->mem[c->nmem].region,
			    sizeof(c->mem[c->nmem].region), line + 4);
			c->mem[c->nmem++].bytes = size_value(v);
		}
	}
	fclose(f);
	return qnn;
}

static void read_comm(int pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	buf[0] = 0;
	f = fopen(path, "re");
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
}

struct scan {
	struct client *c;
	int n, cap;
	int unreadable;		/* processes whose fds we may not see */
};

static int add(struct scan *s, const struct client *c)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->c[i].client_id == c->client_id)
			return 0;	/* the same file through another fd */
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 16;
		struct client *p = realloc(s->c, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->c = p;
		s->cap = cap;
	}
	s->c[s->n++] = *c;
	return 0;
}

static int scan_pid(struct scan *s, int pid)
{
	char dir[64], path[384], target[128];
	struct dirent *e;
	DIR *d;
	int ret = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", pid);
	d = opendir(dir);
	if (!d) {
		if (errno == EACCES || errno == EPERM)
			s->unreadable++;
		return 0;
	}
	while (!ret && (e = readdir(d))) {
		struct client c;
		ssize_t n;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		memset(&c, 0, sizeof(c));
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!parse_fdinfo(path, &c))
			continue;
		c.pid = pid;
		c.fd = atoi(e->d_name);
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = 0;
		cpy(c.device, sizeof(c.device), target);
		read_comm(pid, c.comm, sizeof(c.comm));
		ret = add(s, &c);
	}
	closedir(d);
	return ret;
}

static void print_text(FILE *f, const struct scan *s)
{
	int i, j;

	if (!s->n)
		fprintf(f, "No qnn clients (no open qnn file in /proc/*/fdinfo).\n");
	else
		fprintf(f, "%7s %-15s %-18s %6s %6s %6s %6s %6s %6s %6s %6s %10s %12s %10s\n",
			"PID", "COMM", "DEVICE", "CLIENT", "SUBMIT", "OK",
			"TIMEOUT", "MMUFLT", "INVAL", "CANCEL", "DEVERR",
			"ENGINE_MS", "CYCLES", "MEM_KIB");
	for (i = 0; i < s->n; i++) {
		const struct client *c = &s->c[i];
		uint64_t mem = 0;

		for (j = 0; j < c->nmem; j++)
			if (!strcmp(c->mem[j].region, "total-memory"))
				mem = c->mem[j].bytes;
		fprintf(f, "%7d %-15s %-18s %6" PRIu64 " %6" PRIu64 " %6" PRIu64
			" %6" PRIu64 " %6" PRIu64 " %6" PRIu64 " %6" PRIu64
			" %6" PRIu64 " %10.3f %12" PRIu64 " %10" PRIu64 "\n",
			c->pid, c->comm, c->device, c->client_id, c->submitted,
			c->jobs[DRM_QNN_JOB_COMPLETED],
			c->jobs[DRM_QNN_JOB_TIMEOUT],
			c->jobs[DRM_QNN_JOB_MMU_FAULT],
			c->jobs[DRM_QNN_JOB_INVALID_CMD],
			c->jobs[DRM_QNN_JOB_CANCELED],
			c->jobs[DRM_QNN_JOB_DEVICE_ERROR],
			(double)c->engine_ns / 1e6, c->cycles, mem >> 10);
	}
	if (s->unreadable)
		fprintf(f, "(%d process%s not inspected: only root sees every client)\n",
			s->unreadable, s->unreadable == 1 ? "" : "es");
}

static void print_json(FILE *f, const struct scan *s)
{
	int i, j;

	fputs("{\"clients\":[", f);
	for (i = 0; i < s->n; i++) {
		const struct client *c = &s->c[i];

		fprintf(f, "%s{\"pid\":%d,\"comm\":", i ? "," : "", c->pid);
		qnn_info_json_str(f, c->comm);
		fprintf(f, ",\"fd\":%d,\"device\":", c->fd);
		qnn_info_json_str(f, c->device);
		fprintf(f, ",\"client_id\":%" PRIu64 ",\"engine_ns\":%" PRIu64
			",\"cycles\":%" PRIu64 ",\"maxfreq_khz\":%" PRIu64
			",\"jobs\":{\"submitted\":%" PRIu64, c->client_id,
			c->engine_ns, c->cycles, c->maxfreq_khz, c->submitted);
		for (j = 1; j < NSTATUS; j++)
			fprintf(f, ",\"%s\":%" PRIu64, status_json[j], c->jobs[j]);
		fprintf(f, "},\"mmu_faults\":%" PRIu64 ",\"memory\":{",
			c->mmu_faults);
		for (j = 0; j < c->nmem; j++) {
			fputs(j ? "," : "", f);
			qnn_info_json_str(f, c->mem[j].region);
			fprintf(f, ":%" PRIu64, c->mem[j].bytes);
		}
		fputs("}}", f);
	}
	fprintf(f, "],\"uninspected_processes\":%d}\n", s->unreadable);
}

int qnn_info_clients(FILE *f, bool json)
{
	struct scan s = { 0 };
	struct dirent *e;
	DIR *proc = opendir("/proc");
	int ret = 0;

	if (!proc) {
		fprintf(stderr, "qnn-info: cannot read /proc: %s\n",
			strerror(errno));
		return -errno;
	}
	while (!ret && (e = readdir(proc)))
		if (isdigit((unsigned char)e->d_name[0]))
			ret = scan_pid(&s, atoi(e->d_name));
	closedir(proc);
	if (!ret) {
		if (json)
			print_json(f, &s);
		else
			print_text(f, &s);
	}
	free(s.c);
	return ret;
}
