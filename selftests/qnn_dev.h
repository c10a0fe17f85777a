/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared plumbing for the qnn uAPI selftests: finding the qnn accel device
 * and thin ioctl wrappers that answer 0 or a negative errno, so a test can
 * assert the exact error the uAPI documents (ASSERT_EQ(-EINVAL, ...)).
 */
#ifndef QNN_DEV_H
#define QNN_DEV_H

#include <stddef.h>
#include <stdint.h>
#include <xf86drm.h>
#include "qnn_accel.h"

/* drmGetVersion()->name of the qnn driver. */
#define QNN_DRIVER_NAME "qnn"

/*
 * Open the first /dev/accel/accel* node whose driver is qnn. Returns the fd,
 * or -ENODEV when there is none (the tests run in the VM where the device
 * must exist, so callers treat that as a failure, not a skip).
 */
int qnn_open(void);

/* Is fd driven by qnn? */
int qnn_is_qnn_fd(int fd);

/*
 * Write text to a sysfs/debugfs/tracefs file (opened with O_TRUNC, which
 * clears a trace buffer): 0, or -errno of the open or of the write, which
 * is where a sysfs store's error shows.
 */
int qnn_write_file(const char *path, const char *text);

/* Any DRM ioctl through drmIoctl (restarts on EINTR): 0 or -errno. */
int qnn_ioctl(int fd, unsigned long request, void *arg);

int qnn_get_param(int fd, uint32_t param, uint64_t *value);
int qnn_bo_create(int fd, uint64_t size, uint32_t flags,
		  struct drm_qnn_bo_create *out);
int qnn_bo_info(int fd, uint32_t handle, struct drm_qnn_bo_info *out);
int qnn_bo_close(int fd, uint32_t handle);

/* mmap a BO through the device fd; NULL with errno set on failure. */
void *qnn_bo_mmap(int fd, uint64_t offset, size_t size);

/* PRIME: 0 or -errno. */
int qnn_prime_export(int fd, uint32_t handle, int *dmabuf_fd);
int qnn_prime_import(int fd, int dmabuf_fd, uint32_t *handle);

/*
 * Read a decimal counter from the device's debugfs directory
 * (/sys/kernel/debug/accel/<minor>/<name>, docs/uapi.md): 0 or -errno.
 */
int qnn_debugfs_u64(int fd, const char *name, uint64_t *value);

/* Read one number (decimal or 0x-hex) from a text file: 0 or -errno. */
int qnn_read_u64_file(const char *path, uint64_t *value);

/*
 * Name of the device the accel node hangs off ("qnn_sim.0",
 * "0000:00:04.0"): basename of /sys/class/accel/accelN/device. 0 or -errno.
 */
int qnn_parent_name(int fd, char *buf, size_t len);

/*
 * Open the accel node of the qnn device whose parent is @parent (as
 * qnn_parent_name() names it): the fd, or -ENODEV when there is none.
 */
int qnn_open_by_parent(const char *parent);

/* The accel minor of fd (N of /dev/accel/accelN), or -errno. */
int qnn_minor(int fd);

/* Fill / check a buffer with a pattern derived from seed. */
void qnn_fill(void *buf, size_t size, uint32_t seed);
/* Index of the first byte that differs from the pattern, or -1. */
long qnn_check(const void *buf, size_t size, uint32_t seed);

#endif /* QNN_DEV_H */
