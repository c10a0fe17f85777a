// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared plumbing for the qnn uAPI selftests; see qnn_dev.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "qnn_dev.h"

int qnn_is_qnn_fd(int fd)
{
	drmVersionPtr v = drmGetVersion(fd);
	int is_qnn;

	if (!v)
		return 0;
	is_qnn = v->name && strcmp(v->name, QNN_DRIVER_NAME) == 0;
	drmFreeVersion(v);
	return is_qnn;
}

int qnn_open(void)
{
	glob_t g;
	size_t i;
	int fd = -ENODEV;

	/* glob sorts, so accel0 is tried before accel1. */
	if (glob("/dev/accel/accel*", 0, NULL, &g) != 0)
		return -ENODEV;
	for (i = 0; i < g.gl_pathc; i++) {
		int cand = open(g.gl_pathv[i], O_RDWR | O_CLOEXEC);

		if (cand < 0)
			continue;
		if (qnn_is_qnn_fd(cand)) {
			fd = cand;
			break;
		}
		close(cand);
	}
	globfree(&g);
	return fd;
}

int qnn_write_file(const char *path, const char *text)
{
	int f = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC), ret = 0;

	if (f < 0)
		return -errno;
	if (write(f, text, strlen(text)) < 0)
		ret = -errno;
	close(f);
	return ret;
}

int qnn_ioctl(int fd, unsigned long request, void *arg)
{
	return drmIoctl(fd, request, arg) ? -errno : 0;
}

int qnn_get_param(int fd, uint32_t param, uint64_t *value)
{
	struct drm_qnn_get_param p = { .param = param };
	int ret = qnn_ioctl(fd, DRM_IOCTL_QNN_GET_PARAM, &p);

	if (!ret)
		*value = p.value;
	return ret;
}

int qnn_bo_create(int fd, uint64_t size, uint32_t flags,
		  struct drm_qnn_bo_create *out)
{
	struct drm_qnn_bo_create c = { .size = size, .flags = flags };
	int ret = qnn_ioctl(fd, DRM_IOCTL_QNN_BO_CREATE, &c);

	if (!ret)
		*out = c;
	return ret;
}

int qnn_bo_info(int fd, uint32_t handle, struct drm_qnn_bo_info *out)
{
	struct drm_qnn_bo_info i = { .handle = handle };
	int ret = qnn_ioctl(fd, DRM_IOCTL_QNN_BO_INFO, &i);

	if (!ret)
		*out = i;
	return ret;
}

int qnn_bo_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return qnn_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

void *qnn_bo_mmap(int fd, uint64_t offset, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)offset);

	return p == MAP_FAILED ? NULL : p;
}

int qnn_prime_export(int fd, uint32_t handle, int *dmabuf_fd)
{
	return drmPrimeHandleToFD(fd, handle, DRM_CLOEXEC | DRM_RDWR,
				  dmabuf_fd) ? -errno : 0;
}

int qnn_prime_import(int fd, int dmabuf_fd, uint32_t *handle)
{
	return drmPrimeFDToHandle(fd, dmabuf_fd, handle) ? -errno : 0;
}

int qnn_minor(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISCHR(st.st_mode))
		return -ENOTTY;
	return (int)minor(st.st_rdev);
}

int qnn_read_u64_file(const char *path, uint64_t *value)
{
	char buf[64], *end;
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f)) {
		ret = -EPROTO;
	} else {
		errno = 0;
		*value = strtoull(buf, &end, 0);
		if (errno || end == buf || (*end && *end != '\n'))
			ret = -EPROTO;
	}
	fclose(f);
	return ret;
}

int qnn_debugfs_u64(int fd, const char *name, uint64_t *value)
{
	char path[128];
	int minor_nr = qnn_minor(fd);

	if (minor_nr < 0)
		return minor_nr;
	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%d/%s",
		 minor_nr, name);
	return qnn_read_u64_file(path, value);
}

int qnn_parent_name(int fd, char *buf, size_t len)
{
	char link[128], target[256];
	int minor_nr = qnn_minor(fd);
	const char *base;
	ssize_t n;

	if (minor_nr < 0)
		return minor_nr;
	snprintf(link, sizeof(link), "/sys/class/accel/accel%d/device", minor_nr);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = 0;
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

int qnn_open_by_parent(const char *parent)
{
	char name[64], path[32];

	for (int minor = 0; minor < 64; minor++) {
		int fd;

		snprintf(path, sizeof(path), "/dev/accel/accel%d", minor);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (qnn_is_qnn_fd(fd) &&
		    !qnn_parent_name(fd, name, sizeof(name)) &&
		    !strcmp(name, parent))
			return fd;
		close(fd);
	}
	return -ENODEV;
}

/* xorshift32: cheap, and any two seeds give different bytes at once. */
static uint32_t next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

void qnn_fill(void *buf, size_t size, uint32_t seed)
{
	uint8_t *b = buf;
	uint32_t s = seed | 1;
	size_t i;

	for (i = 0; i < size; i++)
		b[i] = (uint8_t)next(&s);
}

long qnn_check(const void *buf, size_t size, uint32_t seed)
{
	const uint8_t *b = buf;
	uint32_t s = seed | 1;
	size_t i;

	for (i = 0; i < size; i++)
		if (b[i] != (uint8_t)next(&s))
			return (long)i;
	return -1;
}
