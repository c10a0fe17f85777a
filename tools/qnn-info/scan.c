// SPDX-License-Identifier: MIT
/*
 * Finding qnn devices: every /dev/accel/accel* whose DRM driver name is
 * qnn, with its identity (sysfs parent, bus) and every GET_PARAM value.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <xf86drm.h>

#include "qnn_accel.h"
#include "qnn_info.h"

/* Copy, truncating to fit: names longer than the fields are cut short. */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = src ? strnlen(src, len - 1) : 0;

	memcpy(dst, src ? src : "", n);
	dst[n] = 0;
}

/* basename of the target of a sysfs symlink, "" when absent. */
static void link_base(const char *link, char *out, size_t len)
{
	char target[512];
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	const char *base;

	out[0] = 0;
	if (n <= 0)
		return;
	target[n] = 0;
	base = strrchr(target, '/');
	copy_str(out, len, base ? base + 1 : target);
}

static void query(int fd, struct qnn_info_dev *d)
{
	uint32_t p;

	for (p = 0; p < QNN_INFO_NPARAMS; p++) {
		struct drm_qnn_get_param gp = { .param = p };

		d->have[p] = drmIoctl(fd, DRM_IOCTL_QNN_GET_PARAM, &gp) == 0;
		d->param[p] = d->have[p] ? gp.value : 0;
	}
}

/* 1: a qnn device, filled into *d; 0: some other driver. */
static int probe(int fd, const char *path, struct qnn_info_dev *d)
{
	drmVersionPtr v = drmGetVersion(fd);
	struct stat st;
	char link[96];

	if (!v)
		return 0;
	if (!v->name || strcmp(v->name, QNN_INFO_DRIVER) != 0) {
		drmFreeVersion(v);
		return 0;
	}
	memset(d, 0, sizeof(*d));
	copy_str(d->path, sizeof(d->path), path);
	copy_str(d->drv_name, sizeof(d->drv_name), v->name);
	copy_str(d->drv_desc, sizeof(d->drv_desc), v->desc);
	copy_str(d->drv_date, sizeof(d->drv_date), v->date);
	d->drv_major = v->version_major;
	d->drv_minor = v->version_minor;
	d->drv_patch = v->version_patchlevel;
	drmFreeVersion(v);

	d->minor = fstat(fd, &st) == 0 ? (int)minor(st.st_rdev) : -1;
	if (d->minor >= 0) {
		snprintf(link, sizeof(link), "/sys/class/accel/accel%d/device",
			 d->minor);
		link_base(link, d->parent, sizeof(d->parent));
		snprintf(link, sizeof(link),
			 "/sys/class/accel/accel%d/device/subsystem", d->minor);
		link_base(link, d->bus, sizeof(d->bus));
	}
	query(fd, d);
	return 1;
}

int qnn_info_scan(struct qnn_info_scan *scan)
{
	glob_t g;
	size_t i;
	int ret = 0;

	memset(scan, 0, sizeof(*scan));
	if (glob("/dev/accel/accel*", 0, NULL, &g) != 0)
		return 0;	/* no accel nodes at all */
	scan->devs = calloc(g.gl_pathc, sizeof(*scan->devs));
	if (!scan->devs) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < g.gl_pathc; i++) {
		int fd = open(g.gl_pathv[i], O_RDWR | O_CLOEXEC);

		scan->nodes++;
		if (fd < 0) {
			scan->unopenable++;
			fprintf(stderr, "qnn-info: cannot open %s: %s\n",
				g.gl_pathv[i], strerror(errno));
			continue;
		}
		if (probe(fd, g.gl_pathv[i], &scan->devs[scan->ndevs]))
			scan->ndevs++;
		close(fd);
	}
out:
	globfree(&g);
	return ret;
}

void qnn_info_scan_free(struct qnn_info_scan *scan)
{
	free(scan->devs);
	scan->devs = NULL;
	scan->ndevs = 0;
}
