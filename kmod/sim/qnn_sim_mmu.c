// SPDX-License-Identifier: GPL-2.0-only
/*
 * qnn_sim: device-side memory access and the MMU page-table walk.
 *
 * Assumption, checked at probe: the simulated device sits behind no IOMMU
 * and no DMA offset (a platform device on x86 in a VM), so a DMA address the
 * driver hands the device is a CPU physical address. The model reaches that
 * memory through the kernel's mapping of the page, one page at a time, and
 * refuses addresses that are not RAM, as a bus would answer with an error.
 */
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "qnn_regs.h"
#include "qnn_sim.h"

static bool qnn_sim_dma_rw(struct qnn_sim *sim, u64 addr, void *buf,
			   size_t len, bool write)
{
	/* the bus has dma_bits address lines: beyond them is a bus error */
	if (len && (addr + len - 1) >> sim->cfg->dma_bits)
		return false;
	while (len) {
		unsigned long pfn = PHYS_PFN(addr);
		size_t off = offset_in_page(addr);
		size_t n = min_t(size_t, len, PAGE_SIZE - off);
		void *va;

		if (!pfn_valid(pfn))
			return false;
		va = kmap_local_page(pfn_to_page(pfn));
		if (write)
			memcpy(va + off, buf, n);
		else
			memcpy(buf, va + off, n);
		kunmap_local(va);
		addr += n;
		buf += n;
		len -= n;
	}
	return true;
}

bool qnn_sim_dma_read(struct qnn_sim *sim, u64 addr, void *buf, size_t len)
{
	return qnn_sim_dma_rw(sim, addr, buf, len, false);
}

bool qnn_sim_dma_write(struct qnn_sim *sim, u64 addr, const void *buf,
		       size_t len)
{
	return qnn_sim_dma_rw(sim, addr, (void *)buf, len, true);
}

/*
 * The translation cache. docs/hw-interface.md, "Translation caching": an
 * entry is tagged with the root table it was walked from and only a walk
 * with the same root may hit it; invalid entries are never cached; FLUSH
 * drops everything once it reads back 0, and so does a reset.
 */
static void qnn_sim_tlb_debugfs(struct qnn_sim *sim);

int qnn_sim_tlb_init(struct qnn_sim *sim)
{
	struct qnn_sim_tlb *tlb = &sim->tlb;

	spin_lock_init(&tlb->lock);
	tlb->size = sim->cfg->tlb_entries;
	if (tlb->size) {
		tlb->e = devm_kcalloc(sim->dev, tlb->size, sizeof(*tlb->e),
				      GFP_KERNEL);
		if (!tlb->e)
			return -ENOMEM;
	}
	if (sim->debugfs)
		qnn_sim_tlb_debugfs(sim);
	return 0;
}

/* In the engine's debugfs directory of the device. */
static void qnn_sim_tlb_debugfs(struct qnn_sim *sim)
{
	struct qnn_sim_tlb *tlb = &sim->tlb;

	debugfs_create_u32("flush_delay_ms", 0600, sim->debugfs,
			   &tlb->flush_delay_ms);
	debugfs_create_bool("flush_hang", 0600, sim->debugfs,
			    &tlb->flush_hang);
	debugfs_create_u64("tlb_hits", 0400, sim->debugfs, &tlb->hits);
	debugfs_create_u64("tlb_misses", 0400, sim->debugfs, &tlb->misses);
	debugfs_create_u64("tlb_flushes", 0400, sim->debugfs, &tlb->flushes);
}

static void qnn_sim_tlb_drop_locked(struct qnn_sim_tlb *tlb)
{
	tlb->used = 0;
	tlb->next = 0;
	tlb->flush_pending = false;
	tlb->flushes++;
}

void qnn_sim_tlb_reset(struct qnn_sim *sim)
{
	unsigned long flags;

	spin_lock_irqsave(&sim->tlb.lock, flags);
	qnn_sim_tlb_drop_locked(&sim->tlb);
	spin_unlock_irqrestore(&sim->tlb.lock, flags);
}

/* A stretched flush ends when it is due; until then entries stay usable. */
static void qnn_sim_tlb_flush_poll_locked(struct qnn_sim_tlb *tlb)
{
	if (tlb->flush_pending && !tlb->flush_hang &&
	    time_after_eq(jiffies, tlb->flush_done))
		qnn_sim_tlb_drop_locked(tlb);
}

/* MMU_CTRL.FLUSH written. */
void qnn_sim_tlb_flush_start(struct qnn_sim *sim)
{
	struct qnn_sim_tlb *tlb = &sim->tlb;
	unsigned long flags;

	spin_lock_irqsave(&tlb->lock, flags);
	/* joins a flush in progress: that one drops everything when it ends */
	if (!tlb->flush_pending) {
		tlb->flush_pending = true;
		tlb->flush_done = jiffies +
				  msecs_to_jiffies(tlb->flush_delay_ms);
	}
	qnn_sim_tlb_flush_poll_locked(tlb);
	spin_unlock_irqrestore(&tlb->lock, flags);
}

/* MMU_CTRL.FLUSH as read back: still running? */
bool qnn_sim_tlb_flush_busy(struct qnn_sim *sim)
{
	struct qnn_sim_tlb *tlb = &sim->tlb;
	unsigned long flags;
	bool busy;

	spin_lock_irqsave(&tlb->lock, flags);
	qnn_sim_tlb_flush_poll_locked(tlb);
	busy = tlb->flush_pending;
	spin_unlock_irqrestore(&tlb->lock, flags);
	return busy;
}

static bool qnn_sim_tlb_lookup(struct qnn_sim *sim, u64 root, u64 vpn,
			       u64 *pte)
{
	struct qnn_sim_tlb *tlb = &sim->tlb;
	unsigned long flags;
	unsigned int i;
	bool hit = false;

	if (!tlb->size)
		return false;
	spin_lock_irqsave(&tlb->lock, flags);
	qnn_sim_tlb_flush_poll_locked(tlb);
	for (i = 0; i < tlb->used; i++) {
		if (tlb->e[i].vpn == vpn && tlb->e[i].root == root) {
			*pte = tlb->e[i].pte;
			hit = true;
			break;
		}
	}
	if (hit)
		tlb->hits++;
	else
		tlb->misses++;
	spin_unlock_irqrestore(&tlb->lock, flags);
	return hit;
}

static void qnn_sim_tlb_insert(struct qnn_sim *sim, u64 root, u64 vpn,
			       u64 pte)
{
	struct qnn_sim_tlb *tlb = &sim->tlb;
	unsigned long flags;

	if (!tlb->size)
		return;
	spin_lock_irqsave(&tlb->lock, flags);
	tlb->e[tlb->next] = (struct qnn_sim_tlb_entry){
		.root = root, .vpn = vpn, .pte = pte,
	};
	tlb->next = (tlb->next + 1) % tlb->size;
	if (tlb->used < tlb->size)
		tlb->used++;
	spin_unlock_irqrestore(&tlb->lock, flags);
}

/* The leaf entry for @va, walked (or found in the TLB): a QNN_MMU_* code. */
static u32 qnn_sim_walk(struct qnn_sim *sim, u64 pt_base, u64 va, u64 *leaf)
{
	unsigned int va_bits = sim->cfg->va_bits;
	unsigned int levels = DIV_ROUND_UP(va_bits - QNN_PAGE_SHIFT,
					   QNN_PT_BITS);
	u64 table = pt_base, pte = 0;
	unsigned int level, shift, idx;
	__le64 raw;

	if (va >> va_bits)
		return QNN_MMU_OUT_OF_RANGE;
	if (table & ~QNN_PTE_ADDR)
		return QNN_MMU_BAD_TABLE;
	if (qnn_sim_tlb_lookup(sim, pt_base, va >> QNN_PAGE_SHIFT, leaf))
		return QNN_MMU_OK;

	for (level = 0; level < levels; level++) {
		shift = QNN_PAGE_SHIFT + QNN_PT_BITS * (levels - 1 - level);
		idx = (va >> shift) & (QNN_PT_ENTRIES - 1);
		if (!qnn_sim_dma_read(sim, table + idx * sizeof(raw), &raw,
				      sizeof(raw)))
			return QNN_MMU_BAD_TABLE;
		pte = le64_to_cpu(raw);
		if (!(pte & QNN_PTE_VALID))
			return QNN_MMU_NOT_MAPPED;
		if (pte & QNN_PTE_RSVD)
			return QNN_MMU_BAD_TABLE;
		table = pte & QNN_PTE_ADDR;
	}
	/* only what translates is cached: never an invalid entry */
	if (pte & QNN_PTE_READ)
		qnn_sim_tlb_insert(sim, pt_base, va >> QNN_PAGE_SHIFT, pte);
	*leaf = pte;
	return QNN_MMU_OK;
}

/* What a leaf entry allows: the access, or the fault reason. */
static u32 qnn_sim_leaf_check(u64 pte, u64 va, bool write, u64 *pa)
{
	if (!(pte & QNN_PTE_READ))
		return QNN_MMU_NOT_MAPPED;
	if (write && !(pte & QNN_PTE_WRITE))
		return QNN_MMU_READ_ONLY;
	*pa = (pte & QNN_PTE_ADDR) | (va & (QNN_PAGE_SIZE - 1));
	return QNN_MMU_OK;
}

/**
 * qnn_sim_translate() - walk the page tables like the device MMU does
 * @sim: device
 * @pt_base: DMA address of the root table
 * @va: device virtual address
 * @write: the access is a write
 * @pa: out, DMA address for @va
 *
 * Return: QNN_MMU_OK or the fault reason (QNN_MMU_*).
 */
u32 qnn_sim_translate(struct qnn_sim *sim, u64 pt_base, u64 va, bool write,
		      u64 *pa)
{
	u64 pte = 0;
	u32 reason = qnn_sim_walk(sim, pt_base, va, &pte);

	return reason ?: qnn_sim_leaf_check(pte, va, write, pa);
}

/**
 * qnn_sim_translate_job() - qnn_sim_translate() through a job's last
 * translation
 * @sim: device
 * @last: the job's load/store unit's one-entry cache (zeroed at job start)
 * @pt_base: the job's root table
 * @va: device virtual address
 * @write: the access is a write
 * @pa: out, DMA address for @va
 *
 * The load/store unit keeps the leaf entry of the page it last reached, so
 * a run of accesses within one page costs one TLB lookup, not one each. It
 * is a translation cache like the TLB (docs/hw-interface.md, "Translation
 * caching"): one root (the job's), valid leaves only, and a FLUSH or reset
 * that completes (tlb.flushes moves) drops it. Without a TLB
 * (tlb_entries=0) nothing is kept: every access walks. Its hits count as
 * TLB hits once the job ends (qnn_sim_tlb_add_hits()).
 *
 * Return: QNN_MMU_OK or the fault reason (QNN_MMU_*).
 */
u32 qnn_sim_translate_job(struct qnn_sim *sim, struct qnn_sim_last_xlat *last,
			  u64 pt_base, u64 va, bool write, u64 *pa)
{
	u64 vpn = va >> QNN_PAGE_SHIFT, pte = 0;
	u64 gen = READ_ONCE(sim->tlb.flushes);
	u32 reason;

	if (last->valid && last->vpn == vpn && last->gen == gen) {
		last->hits++;
		return qnn_sim_leaf_check(last->pte, va, write, pa);
	}
	reason = qnn_sim_walk(sim, pt_base, va, &pte);
	if (reason)
		return reason;
	last->valid = sim->tlb.size && (pte & QNN_PTE_READ);
	last->vpn = vpn;
	last->pte = pte;
	last->gen = gen;
	return qnn_sim_leaf_check(pte, va, write, pa);
}

/* A job's hits on its last translation, into the TLB's statistics. */
void qnn_sim_tlb_add_hits(struct qnn_sim *sim, u64 hits)
{
	unsigned long flags;

	spin_lock_irqsave(&sim->tlb.lock, flags);
	sim->tlb.hits += hits;
	spin_unlock_irqrestore(&sim->tlb.lock, flags);
}

/*
 * Copy between @buf and device virtual memory of the address space rooted
 * at @pt_base, translating page by page as the device's load/store unit
 * does. Return: 0, or -EFAULT with *@fault_va and *@reason describing the
 * first address the MMU (or the bus) refused; nothing past it is touched.
 */
static int qnn_sim_vm_rw(struct qnn_sim *sim, u64 pt_base, u64 va, void *buf,
			 size_t len, bool write, u64 *fault_va, u32 *reason)
{
	while (len) {
		size_t n = min_t(size_t, len,
				 QNN_PAGE_SIZE - (va & (QNN_PAGE_SIZE - 1)));
		u64 pa;

		*reason = qnn_sim_translate(sim, pt_base, va, write, &pa);
		if (*reason == QNN_MMU_OK &&
		    !qnn_sim_dma_rw(sim, pa, buf, n, write))
			*reason = QNN_MMU_BAD_TABLE;
		if (*reason != QNN_MMU_OK) {
			*fault_va = va;
			return -EFAULT;
		}
		va += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int qnn_sim_vm_read(struct qnn_sim *sim, u64 pt_base, u64 va, void *dst,
		    size_t len, u64 *fault_va, u32 *reason)
{
	return qnn_sim_vm_rw(sim, pt_base, va, dst, len, false, fault_va,
			     reason);
}

int qnn_sim_vm_write(struct qnn_sim *sim, u64 pt_base, u64 va,
		     const void *src, size_t len, u64 *fault_va, u32 *reason)
{
	return qnn_sim_vm_rw(sim, pt_base, va, (void *)src, len, true,
			     fault_va, reason);
}
