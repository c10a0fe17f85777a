/* SPDX-License-Identifier: MIT */
/* Helpers of the tests that run inside the VM on qnn_sim (make vm-libqnn). */
#ifndef QNN_VM_UTIL_H
#define QNN_VM_UTIL_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../qnn_test.h"

#define SIM_CTL "/sys/bus/platform/drivers/qnn_sim"
#define SIM_DEBUGFS "/sys/kernel/debug/qnn_sim"

static inline int write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -errno;
	ret = fputs(s, f) < 0 ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

static inline struct qnn_ctx *ctx_for(const char *dev, char *err, size_t len, int *ret)
{
	struct qnn_ctx_opts o = { .sz = sizeof(o), .device = dev, .threads = 2 };
	struct qnn_ctx *c = NULL;

	*ret = qnn_ctx_create(&o, &c, err, len);
	return c;
}

/* Random inputs of the model's types, packed tails zero. */
static inline void fill(const struct qnn_tensor_info *ti, uint8_t *buf, unsigned int batch,
			uint64_t *seed)
{
	size_t n = ti->bytes * batch;

	switch (ti->dtype) {
	case QNN_DT_F32:
		for (size_t i = 0; i < n / 4; i++)
			((float *)buf)[i] = (float)rndi(seed, -3072, 3072) / 1024.0f;
		break;
	case QNN_DT_I32:
		for (size_t i = 0; i < n / 4; i++)
			((int32_t *)buf)[i] = rndi(seed, -1000, 1000);
		break;
	case QNN_DT_BITS: {
		uint32_t cw = (ti->dims[3] + 63) / 64, tail = ti->dims[3] % 64;

		for (size_t i = 0; i < n / 8; i++) {
			uint64_t w = rnd(seed);

			if (tail && i % cw == cw - 1)
				w &= (1ull << tail) - 1;
			((uint64_t *)buf)[i] = w;
		}
		break;
	}
	default:
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)rnd(seed);
	}
}

static inline const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static void vm_timeout(int sig)
{
	static const char msg[] = "not ok 999 - the test took longer than its time limit (a hang?)\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

/* A hang becomes a reported failure after `seconds`. */
static inline void vm_time_limit(unsigned int seconds)
{
	signal(SIGALRM, vm_timeout);
	alarm(seconds);
}

#endif /* QNN_VM_UTIL_H */
