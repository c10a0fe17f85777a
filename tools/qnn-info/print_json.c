// SPDX-License-Identifier: MIT
/* qnn-info --json: one JSON object {"devices": [...], "cpu": {...}}. */
#include <inttypes.h>
#include <string.h>

#include "qnn_accel.h"
#include "qnn_info.h"

static void str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void version(FILE *f, uint64_t v)
{
	fprintf(f, "\"%u.%u.%u\"", (unsigned int)(v >> 16) & 0xff,
		(unsigned int)(v >> 8) & 0xff, (unsigned int)v & 0xff);
}

/* ,"key":value or ,"key":null when the driver refused the param */
static void num(FILE *f, const struct qnn_info_dev *d, int p, const char *key)
{
	fprintf(f, ",\"%s\":", key);
	if (d->have[p])
		fprintf(f, "%" PRIu64, d->param[p]);
	else
		fputs("null", f);
}

static void ops(FILE *f, const struct qnn_info_dev *d)
{
	uint64_t mask = d->param[DRM_QNN_PARAM_OPS];
	const char *sep = "";
	int bit;

	fputs(",\"ops\":", f);
	if (!d->have[DRM_QNN_PARAM_OPS]) {
		fputs("null", f);
		return;
	}
	fputc('[', f);
	for (bit = 0; bit < 64; bit++) {
		const char *name = qnn_info_op_name(1ULL << bit);

		if (!(mask & (1ULL << bit)))
			continue;
		fputs(sep, f);
		if (name)
			str(f, name);
		else
			fprintf(f, "\"bit%d\"", bit);
		sep = ",";
	}
	fputc(']', f);
}

/* ,"counters":{"key":n,...} or null and the reason */
static void counters(FILE *f, const struct qnn_info_dev *d)
{
	int i;

	if (d->ncounters < 0) {
		fputs(",\"counters\":null,\"counters_error\":", f);
		str(f, strerror(-d->ncounters));
		return;
	}
	fputs(",\"counters\":{", f);
	for (i = 0; i < d->ncounters; i++) {
		fputs(i ? "," : "", f);
		str(f, d->counters[i].key);
		fprintf(f, ":%" PRIu64, d->counters[i].value);
	}
	fputc('}', f);
}

/* ,"registers":[...] with --regs */
static void regs(FILE *f, const struct qnn_info_dev *d)
{
	int i;

	if (d->nregs < 0) {
		fputs(",\"registers\":null,\"registers_error\":", f);
		str(f, strerror(-d->nregs));
		return;
	}
	if (!d->nregs)
		return;
	fputs(",\"registers\":[", f);
	for (i = 0; i < d->nregs; i++) {
		fputs(i ? ",{\"name\":" : "{\"name\":", f);
		str(f, d->regs[i].name);
		fprintf(f, ",\"offset\":%u,\"value\":%" PRIu32 "}",
			d->regs[i].offset, d->regs[i].value);
	}
	fputc(']', f);
}

static void device(FILE *f, const struct qnn_info_dev *d)
{
	fputs("{\"path\":", f);
	str(f, d->path);
	fprintf(f, ",\"minor\":%d,\"parent\":", d->minor);
	str(f, d->parent);
	fputs(",\"bus\":", f);
	str(f, d->bus);
	fputs(",\"driver\":{\"name\":", f);
	str(f, d->drv_name);
	fputs(",\"desc\":", f);
	str(f, d->drv_desc);
	fputs(",\"date\":", f);
	str(f, d->drv_date);
	fprintf(f, ",\"version\":\"%d.%d.%d\"}", d->drv_major, d->drv_minor,
		d->drv_patch);
	num(f, d, DRM_QNN_PARAM_DEVICE_ID, "device_id");
	fputs(",\"hw_version\":", f);
	if (d->have[DRM_QNN_PARAM_HW_VERSION])
		version(f, d->param[DRM_QNN_PARAM_HW_VERSION]);
	else
		fputs("null", f);
	fputs(",\"driver_version\":", f);
	if (d->have[DRM_QNN_PARAM_DRIVER_VERSION])
		version(f, d->param[DRM_QNN_PARAM_DRIVER_VERSION]);
	else
		fputs("null", f);
	ops(f, d);
	num(f, d, DRM_QNN_PARAM_OPS, "ops_mask");
	num(f, d, DRM_QNN_PARAM_MAX_WEIGHT_BITS, "max_weight_bits");
	num(f, d, DRM_QNN_PARAM_MAX_ACT_BITS, "max_act_bits");
	num(f, d, DRM_QNN_PARAM_SRAM_SIZE, "sram_bytes");
	num(f, d, DRM_QNN_PARAM_NUM_CORES, "cores");
	num(f, d, DRM_QNN_PARAM_VA_START, "va_start");
	num(f, d, DRM_QNN_PARAM_VA_SIZE, "va_size");
	num(f, d, DRM_QNN_PARAM_PAGE_SIZE, "page_size");
	num(f, d, DRM_QNN_PARAM_QUEUE_DEPTH, "queue_depth");
	num(f, d, DRM_QNN_PARAM_CLOCK_KHZ, "clock_khz");
	counters(f, d);
	regs(f, d);
	fputc('}', f);
}

static void cpu_obj(FILE *f, const struct qnn_cpu_info *cpu, int cpu_err)
{
	const char *p, *sep = "";

	if (cpu_err) {
		fputs("{\"error\":", f);
		str(f, strerror(-cpu_err));
		fputc('}', f);
		return;
	}
	fputs("{\"isa\":", f);
	str(f, cpu->isa);
	fputs(",\"features\":[", f);
	/* features is a space-separated list of names */
	for (p = cpu->features; *p;) {
		size_t n = strcspn(p, " ");

		if (n) {
			char name[64];

			snprintf(name, sizeof(name), "%.*s", (int)n, p);
			fputs(sep, f);
			str(f, name);
			sep = ",";
		}
		p += n;
		p += strspn(p, " ");
	}
	fprintf(f, "],\"logical_cpus\":%u}", cpu->logical_cpus);
}

void qnn_info_print_json(FILE *f, const struct qnn_info_scan *scan,
			 const struct qnn_cpu_info *cpu, int cpu_err)
{
	int i;

	fputs("{\"devices\":[", f);
	for (i = 0; i < scan->ndevs; i++) {
		if (i)
			fputc(',', f);
		device(f, &scan->devs[i]);
	}
	fputs("],\"cpu\":", f);
	cpu_obj(f, cpu, cpu_err);
	fputs("}\n", f);
}

void qnn_info_json_str(FILE *f, const char *s)
{
	str(f, s);
}
