// SPDX-License-Identifier: MIT
/* qnn-info's human-readable output. */
#include <inttypes.h>
#include <string.h>

#include "qnn_accel.h"
#include "qnn_info.h"

#define LABEL "  %-15s "

static void version(FILE *f, uint64_t v)
{
	fprintf(f, "%u.%u.%u", (unsigned int)(v >> 16) & 0xff,
		(unsigned int)(v >> 8) & 0xff, (unsigned int)v & 0xff);
}

/* "label value\n", or "label unknown\n" when the driver refused the param. */
static int known(FILE *f, const struct qnn_info_dev *d, int p, const char *label)
{
	fprintf(f, LABEL, label);
	if (!d->have[p])
		fputs("unknown\n", f);
	return d->have[p];
}

static void ops(FILE *f, uint64_t mask)
{
	const char *sep = "";
	int bit;

	if (!mask)
		fputs("none", f);
	for (bit = 0; bit < 64; bit++) {
		const char *name;

		if (!(mask & (1ULL << bit)))
			continue;
		name = qnn_info_op_name(1ULL << bit);
		if (name)
			fprintf(f, "%s%s", sep, name);
		else
			fprintf(f, "%sbit%d", sep, bit);
		sep = " ";
	}
	fprintf(f, " (0x%" PRIx64 ")\n", mask);
}

static void bytes(FILE *f, uint64_t b)
{
	if (b >= (1ULL << 20) && b % (1ULL << 20) == 0)
		fprintf(f, "%" PRIu64 " MiB", b >> 20);
	else if (b >= 1024 && b % 1024 == 0)
		fprintf(f, "%" PRIu64 " KiB", b >> 10);
	else
		fprintf(f, "%" PRIu64 " bytes", b);
}

/* debugfs counters, "key value" as the driver names them */
static void counters(FILE *f, const struct qnn_info_dev *d)
{
	int i;

	if (d->ncounters < 0) {
		fprintf(f, LABEL "unavailable (debugfs: %s)\n", "counters",
			strerror(-d->ncounters));
		return;
	}
	fprintf(f, "  counters\n");
	for (i = 0; i < d->ncounters; i++)
		fprintf(f, "    %-18s %" PRIu64 "\n", d->counters[i].key,
			d->counters[i].value);
}

static void regs(FILE *f, const struct qnn_info_dev *d)
{
	int i;

	if (d->nregs < 0) {
		fprintf(f, LABEL "unavailable (debugfs: %s)\n", "registers",
			strerror(-d->nregs));
		return;
	}
	if (d->nregs)
		fprintf(f, "  registers\n");
	for (i = 0; i < d->nregs; i++)
		fprintf(f, "    %-18s 0x%03x 0x%08" PRIx32 "\n", d->regs[i].name,
			d->regs[i].offset, d->regs[i].value);
}

static void device(FILE *f, const struct qnn_info_dev *d)
{
	const uint64_t *p = d->param;

	fprintf(f, "%s", d->path);
	if (d->parent[0])
		fprintf(f, " (%s%s%s)", d->parent, d->bus[0] ? ", " : "", d->bus);
	fputc('\n', f);
	fprintf(f, LABEL "%s %d.%d.%d", "driver", d->drv_name, d->drv_major,
		d->drv_minor, d->drv_patch);
	/* The DRM core reports "0" when the driver sets no date. */
	if (d->drv_date[0] && strcmp(d->drv_date, "0"))
		fprintf(f, " (%s)", d->drv_date);
	if (d->drv_desc[0])
		fprintf(f, " - %s", d->drv_desc);
	fputc('\n', f);
	if (known(f, d, DRM_QNN_PARAM_DEVICE_ID, "device id"))
		fprintf(f, "0x%08" PRIx64 " (vendor 0x%04x, device 0x%04x)\n",
			p[DRM_QNN_PARAM_DEVICE_ID],
			(unsigned int)(p[DRM_QNN_PARAM_DEVICE_ID] >> 16) & 0xffff,
			(unsigned int)p[DRM_QNN_PARAM_DEVICE_ID] & 0xffff);
	if (known(f, d, DRM_QNN_PARAM_HW_VERSION, "hw version")) {
		version(f, p[DRM_QNN_PARAM_HW_VERSION]);
		fputc('\n', f);
	}
	if (known(f, d, DRM_QNN_PARAM_DRIVER_VERSION, "driver version")) {
		version(f, p[DRM_QNN_PARAM_DRIVER_VERSION]);
		fputc('\n', f);
	}
	if (known(f, d, DRM_QNN_PARAM_OPS, "ops"))
		ops(f, p[DRM_QNN_PARAM_OPS]);
	if (known(f, d, DRM_QNN_PARAM_MAX_WEIGHT_BITS, "weight bits"))
		fprintf(f, "1..%" PRIu64 "\n", p[DRM_QNN_PARAM_MAX_WEIGHT_BITS]);
	if (known(f, d, DRM_QNN_PARAM_MAX_ACT_BITS, "activation bits"))
		fprintf(f, "1..%" PRIu64 "\n", p[DRM_QNN_PARAM_MAX_ACT_BITS]);
	if (known(f, d, DRM_QNN_PARAM_SRAM_SIZE, "on-chip sram")) {
		bytes(f, p[DRM_QNN_PARAM_SRAM_SIZE]);
		fputc('\n', f);
	}
	if (known(f, d, DRM_QNN_PARAM_NUM_CORES, "cores"))
		fprintf(f, "%" PRIu64 "\n", p[DRM_QNN_PARAM_NUM_CORES]);
	if (d->have[DRM_QNN_PARAM_VA_START] && d->have[DRM_QNN_PARAM_VA_SIZE]) {
		uint64_t start = p[DRM_QNN_PARAM_VA_START];
		uint64_t size = p[DRM_QNN_PARAM_VA_SIZE];

		fprintf(f, LABEL "0x%" PRIx64 "..0x%" PRIx64 " (", "device va",
			start, start + size - (size ? 1 : 0));
		bytes(f, size);
		fputs(")\n", f);
	} else {
		fprintf(f, LABEL "unknown\n", "device va");
	}
	if (known(f, d, DRM_QNN_PARAM_PAGE_SIZE, "page size"))
		fprintf(f, "%" PRIu64 "\n", p[DRM_QNN_PARAM_PAGE_SIZE]);
	if (known(f, d, DRM_QNN_PARAM_QUEUE_DEPTH, "queue depth"))
		fprintf(f, "%" PRIu64 " jobs\n", p[DRM_QNN_PARAM_QUEUE_DEPTH]);
	if (known(f, d, DRM_QNN_PARAM_CLOCK_KHZ, "clock"))
		fprintf(f, "%" PRIu64 ".%03" PRIu64 " MHz\n",
			p[DRM_QNN_PARAM_CLOCK_KHZ] / 1000,
			p[DRM_QNN_PARAM_CLOCK_KHZ] % 1000);
	counters(f, d);
	regs(f, d);
}

void qnn_info_print_text(FILE *f, const struct qnn_info_scan *scan,
			 const struct qnn_cpu_info *cpu, int cpu_err)
{
	int i;

	if (!scan->ndevs) {
		fprintf(f, "No qnn device found (/dev/accel/accel*: ");
		if (!scan->nodes)
			fprintf(f, "no accel nodes");
		else
			fprintf(f, "%d node%s, none driven by qnn%s", scan->nodes,
				scan->nodes == 1 ? "" : "s",
				scan->unopenable ? "; some could not be opened" : "");
		fprintf(f, "). libqnn runs models on the CPU.\n");
	} else {
		fprintf(f, "%d qnn device%s\n", scan->ndevs,
			scan->ndevs == 1 ? "" : "s");
	}
	for (i = 0; i < scan->ndevs; i++) {
		fputc('\n', f);
		device(f, &scan->devs[i]);
	}
	fprintf(f, "\nCPU fallback\n");
	if (cpu_err) {
		fprintf(f, LABEL "unavailable (%s)\n", "kernels",
			strerror(-cpu_err));
		return;
	}
	fprintf(f, LABEL "%s\n", "kernels", cpu->isa);
	fprintf(f, LABEL "%s\n", "cpu features",
		cpu->features[0] ? cpu->features : "none");
	fprintf(f, LABEL "%u\n", "logical cpus", cpu->logical_cpus);
}
