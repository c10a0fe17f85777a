/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-file device address spaces: VA allocation and the page tables the
 * device MMU walks (format in qnn_regs.h and docs/hw-interface.md).
 */
#ifndef _QNN_MMU_H_
#define _QNN_MMU_H_

#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/types.h>
#include <drm/drm_mm.h>

struct device;
struct drm_gem_object;
struct qnn_device;
struct qnn_pt;

struct qnn_mmu_ctx {
	struct device *dev;	/* allocates the DMA-coherent tables */
	struct qnn_device *qdev;	/* whose TLB caches our entries */
	/* protects everything below */
	struct mutex lock;
	struct drm_mm mm;		/* user BOs: [start, end) */
	struct drm_mm kmm;		/* the driver's: [end, 2^va_bits) */
	struct qnn_pt *root;
	unsigned int levels;
	unsigned int va_bits;
	unsigned int pt_pages;
	unsigned int num_maps;
	u64 mapped_bytes;
	/* VA ranges whose flush failed: never reused, pages held (qnn_mmu.c) */
	struct list_head quarantine;
};

int qnn_mmu_ctx_init(struct qnn_mmu_ctx *ctx, struct qnn_device *qdev,
		     unsigned int va_bits, u64 start, u64 end);
void qnn_mmu_ctx_fini(struct qnn_mmu_ctx *ctx);
dma_addr_t qnn_mmu_root(struct qnn_mmu_ctx *ctx);
int qnn_mmu_map_sgt(struct qnn_mmu_ctx *ctx, struct drm_mm_node *node,
		    struct sg_table *sgt, u64 size, bool writable);
int qnn_mmu_map_sgt_kernel(struct qnn_mmu_ctx *ctx, struct drm_mm_node *node,
			   struct sg_table *sgt, u64 size);
int qnn_mmu_unmap(struct qnn_mmu_ctx *ctx, struct drm_mm_node *node,
		  struct drm_gem_object *obj);

#endif /* _QNN_MMU_H_ */
