// SPDX-License-Identifier: MIT
/*
 * A device's debugfs files: "counters" ("key value" lines: jobs by status,
 * MMU faults, resets, ...) and "regs" ("NAME 0xOFF 0xVALUE" lines, names
 * from the driver's register header). debugfs is root's: without it the
 * fields say why (docs/uapi.md, "debugfs").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "qnn_info.h"

static FILE *open_dbg(int minor, const char *name, int *err)
{
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%d/%s", minor,
		 name);
	f = fopen(path, "re");
	*err = f ? 0 : -errno;
	return f;
}

void qnn_info_debugfs(struct qnn_info_dev *d, bool regs)
{
	char line[160];
	FILE *f;
	int err;

	d->ncounters = 0;
	f = open_dbg(d->minor, "counters", &err);
	if (!f) {
		d->ncounters = err;
	} else {
		while (fgets(line, sizeof(line), f) &&
		       d->ncounters < QNN_INFO_MAX_COUNTERS) {
			struct qnn_info_counter *c = &d->counters[d->ncounters];

			if (sscanf(line, "%31s %" SCNu64, c->key, &c->value) == 2)
				d->ncounters++;
		}
		fclose(f);
	}
	d->nregs = 0;
	if (!regs)
		return;
	f = open_dbg(d->minor, "regs", &err);
	if (!f) {
		d->nregs = err;
		return;
	}
	while (fgets(line, sizeof(line), f) && d->nregs < QNN_INFO_MAX_REGS) {
		struct qnn_info_reg *r = &d->regs[d->nregs];

		if (sscanf(line, "%23s %x %" SCNx32, r->name, &r->offset,
			   &r->value) == 3)
			d->nregs++;
	}
	fclose(f);
}
