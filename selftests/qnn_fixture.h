/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fixture every qnn selftest uses: one open file on the qnn device.
 * Include after kselftest_harness.h. A missing device fails the test: the
 * tests only run in the VM, where qnn_sim provides the device.
 */
#ifndef QNN_FIXTURE_H
#define QNN_FIXTURE_H

#include <unistd.h>
#include "qnn_dev.h"

/*
 * Note: the harness's EXPECT/ASSERT macros end in a for-statement that
 * takes the optional TH_LOG, so a loop or if body using them needs braces.
 */

FIXTURE(qnn) {
	int fd;
	uint64_t page_size;
	uint64_t va_start;
	uint64_t va_size;
};

FIXTURE_SETUP(qnn)
{
	self->fd = qnn_open();
	ASSERT_LE(0, self->fd)
		TH_LOG("no /dev/accel/accel* driven by \"%s\" (%d)",
		       QNN_DRIVER_NAME, self->fd);
	ASSERT_EQ(0, qnn_get_param(self->fd, DRM_QNN_PARAM_PAGE_SIZE,
				   &self->page_size));
	ASSERT_EQ(0, qnn_get_param(self->fd, DRM_QNN_PARAM_VA_START,
				   &self->va_start));
	ASSERT_EQ(0, qnn_get_param(self->fd, DRM_QNN_PARAM_VA_SIZE,
				   &self->va_size));
}

FIXTURE_TEARDOWN(qnn)
{
	if (self->fd >= 0)
		close(self->fd);
}

#endif /* QNN_FIXTURE_H */
