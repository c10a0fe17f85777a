// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-file device address spaces.
 *
 * Each open file owns one VA range allocator (drm_mm) and one tree of page
 * tables in DMA-coherent memory, which the device walks for every access
 * of a job of that file. Tables are 4 KiB, 512 little-endian 64-bit entries;
 * the format is in qnn_regs.h and docs/hw-interface.md. Intermediate tables
 * are kept until the file is closed: they are small, and freeing them would
 * need a TLB flush per table for no real gain.
 *
 * The device may cache translations, tagged by root table
 * (docs/hw-interface.md, "Translation caching"). So a VA range goes back to
 * the allocator, and the pages behind it may go, only after its entries are
 * cleared AND a flush has completed; the tables themselves (root included:
 * a root's address is the tag, and a freed root page can become another
 * file's root) are freed only after a flush. A flush that does not complete
 * leaves the range in quarantine: never reused, its BO held, until a later
 * flush (at close) succeeds.
 */
#include <linux/dma-mapping.h>
#include <linux/slab.h>
#include <drm/drm_gem.h>
#include <drm/drm_print.h>

#include "qnn_drv.h"
#include "qnn_mmu.h"
#include "qnn_regs.h"

/* A VA range whose flush failed, and the BO that was mapped there. */
struct qnn_mmu_quarantine {
	struct list_head link;
	struct drm_mm_node node;
	struct drm_gem_object *obj;
};

struct qnn_pt {
	__le64 *cpu;
	dma_addr_t dma;
	struct qnn_pt **children;	/* NULL for last-level tables */
};

static struct qnn_pt *qnn_pt_alloc(struct qnn_mmu_ctx *ctx, bool leaf)
{
	struct qnn_pt *pt;

	pt = kzalloc(sizeof(*pt), GFP_KERNEL);
	if (!pt)
		return NULL;
	/* dma_alloc_coherent() memory is zeroed: every entry starts invalid */
	pt->cpu = dma_alloc_coherent(ctx->dev, QNN_PAGE_SIZE, &pt->dma,
				     GFP_KERNEL);
	if (!pt->cpu)
		goto err_free;
	if (pt->dma & ~QNN_PTE_ADDR)
		goto err_dma;
	if (!leaf) {
		pt->children = kcalloc(QNN_PT_ENTRIES, sizeof(*pt->children),
				       GFP_KERNEL);
		if (!pt->children)
			goto err_dma;
	}
	ctx->pt_pages++;
	return pt;

err_dma:
	dma_free_coherent(ctx->dev, QNN_PAGE_SIZE, pt->cpu, pt->dma);
err_free:
	kfree(pt);
	return NULL;
}

static void qnn_pt_free(struct qnn_mmu_ctx *ctx, struct qnn_pt *pt)
{
	unsigned int i;

	if (!pt)
		return;
	if (pt->children) {
		for (i = 0; i < QNN_PT_ENTRIES; i++)
			qnn_pt_free(ctx, pt->children[i]);
		kfree(pt->children);
	}
	dma_free_coherent(ctx->dev, QNN_PAGE_SIZE, pt->cpu, pt->dma);
	kfree(pt);
	ctx->pt_pages--;
}

static unsigned int qnn_pt_index(struct qnn_mmu_ctx *ctx, unsigned int level,
				 u64 va)
{
	unsigned int shift = QNN_PAGE_SHIFT +
			     QNN_PT_BITS * (ctx->levels - 1 - level);

	return (va >> shift) & (QNN_PT_ENTRIES - 1);
}

/* The last-level table covering @va, allocating tables on the way if asked. */
static struct qnn_pt *qnn_pt_walk(struct qnn_mmu_ctx *ctx, u64 va, bool alloc)
{
	struct qnn_pt *pt = ctx->root;
	unsigned int level, idx;

	for (level = 0; level + 1 < ctx->levels; level++) {
		idx = qnn_pt_index(ctx, level, va);
		if (!pt->children[idx]) {
			struct qnn_pt *child;

			if (!alloc)
				return NULL;
			child = qnn_pt_alloc(ctx, level + 2 == ctx->levels);
			if (!child)
				return NULL;
			pt->children[idx] = child;
			WRITE_ONCE(pt->cpu[idx],
				   cpu_to_le64((child->dma & QNN_PTE_ADDR) |
					       QNN_PTE_VALID));
		}
		pt = pt->children[idx];
	}
	return pt;
}

int qnn_mmu_ctx_init(struct qnn_mmu_ctx *ctx, struct qnn_device *qdev,
		     unsigned int va_bits, u64 start, u64 end)
{
	ctx->dev = qdev->drm.dev;
	ctx->qdev = qdev;
	INIT_LIST_HEAD(&ctx->quarantine);
	ctx->va_bits = va_bits;
	ctx->levels = DIV_ROUND_UP(va_bits - QNN_PAGE_SHIFT, QNN_PT_BITS);
	ctx->pt_pages = 0;
	ctx->num_maps = 0;
	ctx->mapped_bytes = 0;
	ctx->root = qnn_pt_alloc(ctx, ctx->levels == 1);
	if (!ctx->root)
		return -ENOMEM;
	mutex_init(&ctx->lock);
	drm_mm_init(&ctx->mm, start, end - start);
	drm_mm_init(&ctx->kmm, end, BIT_ULL(va_bits) - end);
	return 0;
}

/*
 * Every mapping is gone. Nothing of this address space may stay cached
 * once its tables are freed: flush first. If even that fails the device
 * is broken; keep the tables and the quarantined BOs rather than let it
 * walk or write freed memory.
 */
void qnn_mmu_ctx_fini(struct qnn_mmu_ctx *ctx)
{
	struct qnn_mmu_quarantine *q, *tmp;

	if (qnn_hw_mmu_flush(ctx->qdev)) {
		drm_err(&ctx->qdev->drm,
			"MMU flush failed: leaking %u page tables\n",
			ctx->pt_pages);
		return;
	}
	list_for_each_entry_safe(q, tmp, &ctx->quarantine, link) {
		drm_mm_remove_node(&q->node);
		if (q->obj)
			drm_gem_object_put(q->obj);
		kfree(q);
	}
	drm_mm_takedown(&ctx->mm);
	drm_mm_takedown(&ctx->kmm);
	qnn_pt_free(ctx, ctx->root);
	ctx->root = NULL;
	mutex_destroy(&ctx->lock);
}

dma_addr_t qnn_mmu_root(struct qnn_mmu_ctx *ctx)
{
	return ctx->root->dma;
}

static void qnn_mmu_clear(struct qnn_mmu_ctx *ctx, u64 va, u64 size)
{
	u64 end = va + size;
	struct qnn_pt *pt;

	for (; va < end; va += QNN_PAGE_SIZE) {
		pt = qnn_pt_walk(ctx, va, false);
		if (pt)
			WRITE_ONCE(pt->cpu[qnn_pt_index(ctx, ctx->levels - 1, va)],
				   0);
	}
}

/**
 * qnn_mmu_map_in() - give a BO a VA from @mm and map its pages there
 * @ctx: the file's address space
 * @mm: the VA allocator to take the range from (ctx->mm or ctx->kmm)
 * @node: receives the VA range (must be zeroed)
 * @sgt: the BO's pages, DMA-mapped for the device
 * @size: bytes to map, a page multiple
 * @writable: whether the device may write
 *
 * Return: 0, -ENOSPC when no VA range is free, -ENOMEM, or -EINVAL for an
 * sg table the MMU cannot map (unaligned or too short).
 */
static int qnn_mmu_map_in(struct qnn_mmu_ctx *ctx, struct drm_mm *mm,
			  struct drm_mm_node *node, struct sg_table *sgt,
			  u64 size, bool writable)
{
	u64 prot = QNN_PTE_VALID | QNN_PTE_READ |
		   (writable ? QNN_PTE_WRITE : 0);
	struct scatterlist *sg;
	struct qnn_pt *pt;
	unsigned int i;
	u64 va, off;
	int ret;

	mutex_lock(&ctx->lock);
	ret = drm_mm_insert_node_generic(mm, node, size, QNN_PAGE_SIZE,
					 0, DRM_MM_INSERT_BEST);
	if (ret)
		goto out_unlock;

	va = node->start;
	for_each_sgtable_dma_sg(sgt, sg, i) {
		dma_addr_t addr = sg_dma_address(sg);
		unsigned int len = sg_dma_len(sg);

		if (!IS_ALIGNED(addr | len, QNN_PAGE_SIZE) ||
		    (addr + len - 1) & ~(QNN_PTE_ADDR | (QNN_PAGE_SIZE - 1))) {
			ret = -EINVAL;
			goto err_unmap;
		}
		for (off = 0; off < len && va < node->start + size;
		     off += QNN_PAGE_SIZE, va += QNN_PAGE_SIZE) {
			pt = qnn_pt_walk(ctx, va, true);
			if (!pt) {
				ret = -ENOMEM;
				goto err_unmap;
			}
			WRITE_ONCE(pt->cpu[qnn_pt_index(ctx, ctx->levels - 1, va)],
				   cpu_to_le64(((addr + off) & QNN_PTE_ADDR) | prot));
		}
	}
	if (va != node->start + size) {
		ret = -EINVAL;
		goto err_unmap;
	}
	/* entries must be visible before a doorbell makes the device walk */
	dma_wmb();
	ctx->num_maps++;
	ctx->mapped_bytes += size;
	mutex_unlock(&ctx->lock);
	return 0;

err_unmap:
	qnn_mmu_clear(ctx, node->start, va - node->start);
	drm_mm_remove_node(node);
out_unlock:
	mutex_unlock(&ctx->lock);
	return ret;
}

int qnn_mmu_map_sgt(struct qnn_mmu_ctx *ctx, struct drm_mm_node *node,
		    struct sg_table *sgt, u64 size, bool writable)
{
	return qnn_mmu_map_in(ctx, &ctx->mm, node, sgt, size, writable);
}

/*
 * Like qnn_mmu_map_sgt(), read-only, in the kernel-reserved top of the
 * address space that user BOs never get (docs/uapi.md): for the driver's
 * own copies of command streams.
 */
int qnn_mmu_map_sgt_kernel(struct qnn_mmu_ctx *ctx, struct drm_mm_node *node,
			   struct sg_table *sgt, u64 size)
{
	return qnn_mmu_map_in(ctx, &ctx->kmm, node, sgt, size, false);
}

/**
 * qnn_mmu_unmap() - unmap a range and give it back once the device forgot it
 * @ctx: the address space
 * @node: the range (from qnn_mmu_map_sgt*()); unallocated on return
 * @obj: the BO mapped there, or NULL; held if the range is quarantined
 *
 * Clears the entries, flushes the device's translation cache and only then
 * frees the range, so no new mapping can appear at a VA the device may
 * still translate the old way. When the flush fails the range stays
 * allocated in quarantine with a reference on @obj (its pages must not be
 * reused either) until the address space is torn down.
 *
 * Return: 0, or the flush's error (the range is then quarantined).
 */
int qnn_mmu_unmap(struct qnn_mmu_ctx *ctx, struct drm_mm_node *node,
		  struct drm_gem_object *obj)
{
	struct qnn_mmu_quarantine *q;
	int ret;

	mutex_lock(&ctx->lock);
	qnn_mmu_clear(ctx, node->start, node->size);
	ctx->num_maps--;
	ctx->mapped_bytes -= node->size;
	mutex_unlock(&ctx->lock);

	ret = qnn_hw_mmu_flush(ctx->qdev);

	mutex_lock(&ctx->lock);
	if (ret) {
		q = kzalloc(sizeof(*q), GFP_KERNEL);
		if (q) {
			struct drm_mm *mm = node->mm;

			/* same range, other node: under the lock, nobody sees a gap */
			q->node.start = node->start;
			q->node.size = node->size;
			drm_mm_remove_node(node);
			WARN_ON(drm_mm_reserve_node(mm, &q->node));
			q->obj = obj;
			if (obj)
				drm_gem_object_get(obj);
			list_add_tail(&q->link, &ctx->quarantine);
		} else {
			drm_mm_remove_node(node);
		}
		drm_err_ratelimited(&ctx->qdev->drm,
				    "MMU flush failed (%d): a VA range quarantined\n",
				    ret);
	} else {
		drm_mm_remove_node(node);
	}
	mutex_unlock(&ctx->lock);
	return ret;
}
