/* SPDX-License-Identifier: MIT */
/*
 * The accelerator side of libqnn: a qnn device opened through libdrm
 * (accel_dev.c), what each layer needs of it (accel_place.c), the commands
 * a layer becomes (accel_cs.c), and the segmented plan that runs a model
 * across the device and the CPU (seg_plan.c, seg_run.c).
 */
#ifndef QNN_ACCEL_H
#define QNN_ACCEL_H

#include <stdatomic.h>
#include <stdint.h>

#include "internal.h"

struct drm_qnn_wait;

/*
 * BOs one job may list: the request's arena, the constants, and one
 * application buffer per graph input and output (zero-copy I/O).
 */
#define QNN_ACCEL_MAX_BOS (2 + 2 * 16)

/* Devices one context may spread a batch over ("accel:all"). */
#define QNN_MAX_ACCEL 8

/* What the device advertises (DRM_QNN_PARAM_*). */
struct qnn_accel_caps {
	uint64_t ops;			/* DRM_QNN_OP_* */
	unsigned int max_wbits, max_abits;
	uint64_t sram, va_start, va_size, page_size;
	unsigned int cores, clock_khz, queue_depth, coherent;
	uint32_t driver_version;
};

/* An open qnn device; shared by a context's models, freed with the context. */
struct qnn_accel {
	int fd;
	int index;			/* N of "accel:N": order among qnn devices */
	char node[32];			/* "/dev/accel/accel0" */
	struct qnn_accel_caps caps;
	/*
	 * 0, or why later runs go to the CPU: ENODEV removed, EBADF/ENOTTY the
	 * fd closed or replaced under libqnn, ECANCELED banned by the driver
	 */
	atomic_int dead;
};

/*
 * Opens qnn device number `index` (0-based, in minor order among the accel
 * nodes whose DRM driver is "qnn"). -ENODEV with a message naming what was
 * looked for and found when there is none.
 */
int qnn_accel_open(int index, struct qnn_accel **out, char *err, size_t errlen);
void qnn_accel_close(struct qnn_accel *a);

/* ioctls; each adds one to *calls (the syscall count of the caller) */
int qnn_accel_bo_create(struct qnn_accel *a, size_t size, int readonly, uint32_t *handle,
			uint64_t *va, void **map, atomic_ullong *calls);
void qnn_accel_bo_free(struct qnn_accel *a, uint32_t handle, void *map, size_t size);
/* PRIME FD_TO_HANDLE of a dma-buf, its VA and size (BO_INFO), mapped for the host */
int qnn_accel_bo_import(struct qnn_accel *a, int dmabuf_fd, uint32_t *handle, uint64_t *va,
			size_t *size, void **map);
/* SUBMIT: 0 or -errno; *cs_error, *cs_offset when the stream was refused */
int qnn_accel_submit(struct qnn_accel *a, const void *cs, uint32_t size,
		     const uint32_t *bos, const uint32_t *bo_flags, unsigned int nbo,
		     uint64_t *job, uint32_t *cs_error, uint32_t *cs_offset, atomic_ullong *calls);
/*
 * A stream validated once and kept by the kernel (driver 1.2,
 * DRM_IOCTL_QNN_CMDS_CREATE): -EOPNOTSUPP on an older driver.
 */
int qnn_accel_cmds_create(struct qnn_accel *a, const void *cs, uint32_t size,
			  const uint32_t *bos, const uint32_t *bo_flags, unsigned int nbo,
			  uint32_t *handle, uint32_t *cs_error, uint32_t *cs_offset, atomic_ullong *calls);
void qnn_accel_cmds_destroy(struct qnn_accel *a, uint32_t handle);
/* SUBMIT of a kept stream: neither copied nor validated again */
int qnn_accel_submit_kept(struct qnn_accel *a, uint32_t handle, uint64_t *job, atomic_ullong *calls);
int qnn_accel_wait(struct qnn_accel *a, uint64_t job, int64_t timeout_ms,
		   struct drm_qnn_wait *w, atomic_ullong *calls);
const char *qnn_accel_status_name(uint32_t status);

/* ---- placement (accel_place.c) ---- */

/*
 * 1 if the device can run layer l bit-identically to the CPU engine; else 0
 * with the reason in why[len]. `batch` bounds the ops of one command.
 */
int qnn_accel_layer_ok(const struct qnn_accel_caps *c, const struct qnn_model *m,
		       const struct qnn_layer *l, char *why, size_t len);
/* Device work of a layer per image (cmdstream.md, "Cost"). */
uint64_t qnn_accel_layer_ops(const struct qnn_model *m, const struct qnn_layer *l);

/* ---- command encoding (accel_cs.c) ---- */

/* Device addresses of a layer's tensors and constant arrays for one stream. */
struct qnn_cs_addrs {
	uint64_t in[2], out;		/* activations (batch n) */
	uint8_t in_shadow[2];		/* input is a U8/I8 tensor packed to 8 planes */
	uint64_t weights, thresh, negate, bias, scale;
};

/* Appends layer l's command for n images to buf (cap bytes): bytes or -E2BIG. */
int qnn_accel_encode(const struct qnn_model *m, const struct qnn_layer *l, unsigned int n,
		     const struct qnn_cs_addrs *a, uint8_t *buf, size_t cap);
/* Header of a stream of `cmds` commands, `size` bytes in all. */
void qnn_accel_cs_header(uint8_t *buf, uint32_t size, uint32_t cmds);
size_t qnn_accel_cmd_bytes(uint32_t op);

/* ---- the segmented plan (seg_plan.c, seg_run.c) ---- */
const struct qnn_backend *qnn_backend_seg(void);
/* Placement of layer i for qnn_model_layer: backend name, segment, reason. */
void qnn_seg_layer(const struct qnn_model *m, unsigned int i, const char **backend,
		   int *segment, const char **reason);
int qnn_seg_stats(const struct qnn_model *m, struct qnn_model_stats *st);

#endif /* QNN_ACCEL_H */
