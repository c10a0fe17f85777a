// SPDX-License-Identifier: MIT
/* qnn-top: reading the BPF maps and finding the qnn devices. */
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "qnn_accel.h"
#include "top.h"

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* A process's name when the BPF side could not see it (not a submitter). */
static void fill_comm(struct qt_proc *p, int pid)
{
	char path[64];
	ssize_t n;
	int fd;

	if (p->comm[0])
		return;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(p->comm, sizeof(p->comm), "?");
		return;
	}
	n = read(fd, p->comm, sizeof(p->comm) - 1);
	close(fd);
	if (n <= 0)
		n = 0;
	p->comm[n] = 0;
	p->comm[strcspn(p->comm, "\n")] = 0;
}

/* By device, then pid: a stable order between reports. */
static int proc_cmp(const void *a, const void *b)
{
	const struct qt_proc_key *x = &((const struct qt_snap_proc *)a)->key;
	const struct qt_proc_key *y = &((const struct qt_snap_proc *)b)->key;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

int qt_snap_read(struct qt_snap *s, int devs_fd, int procs_fd,
		 const int *prog_fds, int nprogs, __u64 procs_dropped)
{
	struct qt_proc_key key, next, *prev = NULL;
	uint32_t i;
	int n = 0, cap = 64;

	memset(s, 0, sizeof(*s));
	s->t_ns = now_ns();
	s->procs_dropped = procs_dropped;
	for (i = 0; i < QT_MAX_DEVS; i++)
		if (bpf_map_lookup_elem(devs_fd, &i, &s->dev[i]))
			return -errno;
	s->procs = calloc(cap, sizeof(*s->procs));
	if (!s->procs)
		return -ENOMEM;
	while (bpf_map_get_next_key(procs_fd, prev, &next) == 0) {
		if (n == cap) {
			struct qt_snap_proc *p = realloc(s->procs,
							 2 * cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			s->procs = p;
			cap *= 2;
		}
		key = next;
		prev = &key;
		/* gone between next_key and lookup: skip it */
		if (bpf_map_lookup_elem(procs_fd, &key, &s->procs[n].v))
			continue;
		s->procs[n].key = key;
		fill_comm(&s->procs[n].v, key.pid);
		n++;
	}
	s->nprocs = n;
	qsort(s->procs, n, sizeof(*s->procs), proc_cmp);
	for (i = 0; i < (uint32_t)nprogs; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(prog_fds[i], &info, &len))
			continue;
		s->have_bpf_stats = true;
		s->bpf_runs += info.run_cnt;
		s->bpf_run_ns += info.run_time_ns;
	}
	return 0;
}

void qt_snap_free(struct qt_snap *s)
{
	free(s->procs);
	s->procs = NULL;
	s->nprocs = 0;
}

/* basename of a sysfs link's target into @out, "" when absent */
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
	base = base ? base + 1 : target;
	n = (ssize_t)strnlen(base, len - 1);
	memcpy(out, base, (size_t)n);
	out[n] = 0;
}

int qt_scan_devices(struct qt_devinfo devs[QT_MAX_DEVS])
{
	glob_t g;
	size_t i;
	int found = 0;

	memset(devs, 0, QT_MAX_DEVS * sizeof(*devs));
	if (glob("/dev/accel/accel*", 0, NULL, &g) != 0)
		return 0;
	for (i = 0; i < g.gl_pathc; i++) {
		struct drm_qnn_get_param gp = { .param = DRM_QNN_PARAM_CLOCK_KHZ };
		int fd = open(g.gl_pathv[i], O_RDWR | O_CLOEXEC);
		drmVersionPtr v;
		struct stat st;
		char link[96];
		unsigned int minor;

		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		if (!v || !v->name || strcmp(v->name, "qnn") ||
		    fstat(fd, &st) || minor(st.st_rdev) >= QT_MAX_DEVS) {
			if (v)
				drmFreeVersion(v);
			close(fd);
			continue;
		}
		drmFreeVersion(v);
		minor = minor(st.st_rdev);
		devs[minor].present = true;
		if (drmIoctl(fd, DRM_IOCTL_QNN_GET_PARAM, &gp) == 0)
			devs[minor].clock_khz = (uint32_t)gp.value;
		close(fd);
		snprintf(link, sizeof(link), "/sys/class/accel/accel%u/device",
			 minor);
		link_base(link, devs[minor].name, sizeof(devs[minor].name));
		found++;
	}
	globfree(&g);
	return found;
}
