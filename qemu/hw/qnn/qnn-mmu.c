/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qnn reference model: the device MMU (hw-interface.md, "Page tables",
 * "Translation caching"). Table reads are bus-master DMA through the front,
 * so with an IOMMU in the machine they are translated by it too.
 */
#include "qemu/osdep.h"
#include "qnn-model.h"

#define PTE_VALID   (1ull << 0)
#define PTE_READ    (1ull << 1)
#define PTE_WRITE   (1ull << 2)
#define PTE_ADDR    0x000ffffffffff000ull
#define PTE_RSVD    (~(PTE_ADDR | PTE_VALID | PTE_READ | PTE_WRITE))

void qnn_mmu_flush(QnnCore *c)
{
    uint32_t i;

    for (i = 0; i < c->cfg.tlb_entries; i++) {
        c->tlb[i].valid = false;
    }
    c->tlb_flushes++;
}

static bool bus_ok(QnnCore *c, uint64_t addr, uint64_t len)
{
    return c->cfg.dma_bits >= 64 || (addr + len - 1) >> c->cfg.dma_bits == 0;
}

/* Returns a QF_* reason; *pa and *level on the way. */
unsigned int qnn_mmu_translate(QnnCore *c, uint64_t root, uint64_t va,
                               bool write, uint64_t *pa, unsigned int *level)
{
    unsigned int vab = c->cfg.va_bits;
    unsigned int levels = (vab - 12 + 8) / 9;
    uint64_t vpage = va >> 12, table = root;
    unsigned int l;
    uint32_t i;

    *level = 0;
    if (va >> vab) {
        return QF_OUT_OF_RANGE;
    }
    for (i = 0; i < c->cfg.tlb_entries; i++) {
        QnnTlbEntry *e = &c->tlb[i];

        if (e->valid && e->root == root && e->vpage == vpage &&
            (!write || e->write)) {
            c->tlb_hits++;
            *pa = e->ppage << 12 | (va & 0xfff);
            return QF_OK;
        }
    }
    c->tlb_misses++;
    for (l = 0; l < levels; l++) {
        unsigned int shift = 12 + 9 * (levels - 1 - l);
        uint64_t idx = (va >> shift) & 0x1ff, pte;
        uint8_t b[8];

        *level = l;
        if (!bus_ok(c, table + idx * 8, 8) ||
            c->bus->dma_read(c->opaque, table + idx * 8, b, 8) != MEMTX_OK) {
            return QF_BAD_TABLE;
        }
        pte = ldq_le_p(b);
        if (!(pte & PTE_VALID)) {
            return QF_NOT_MAPPED;
        }
        if (pte & PTE_RSVD) {
            return QF_BAD_TABLE;
        }
        table = pte & PTE_ADDR;
        if (l + 1 < levels) {
            continue;
        }
        if (!(pte & PTE_READ)) {
            return QF_NOT_MAPPED;
        }
        if (c->cfg.tlb_entries) {
            /* only what translated is cached (rule 2), tagged by root */
            QnnTlbEntry *e = &c->tlb[c->tlb_next++ % c->cfg.tlb_entries];

            *e = (QnnTlbEntry){ .root = root, .vpage = vpage,
                                .ppage = table >> 12, .valid = true,
                                .write = !!(pte & PTE_WRITE) };
        }
        if (write && !(pte & PTE_WRITE)) {
            return QF_READ_ONLY;
        }
        *pa = table | (va & 0xfff);
        return QF_OK;
    }
    return QF_NOT_MAPPED;
}

/* Page by page: the first page that does not translate is the fault. */
static int vm_access(QnnJob *j, uint64_t va, void *buf, uint64_t len,
                     bool write)
{
    QnnCore *c = j->core;
    /* fault injection counts the job's data accesses, not its stream's */
    bool inject = j->mmu_fault_at && (va < j->cmd_lo || va >= j->cmd_hi) &&
                  ++j->data_accesses == j->mmu_fault_at;

    while (len) {
        uint64_t chunk = MIN(len, 4096 - (va & 0xfff)), pa = 0;
        unsigned int level = 0, why;
        MemTxResult r;

        why = inject ? QF_NOT_MAPPED :
              qnn_mmu_translate(c, j->root, va, write, &pa, &level);
        if (why == QF_OK && !bus_ok(c, pa, chunk)) {
            why = QF_BAD_TABLE;
        }
        if (why == QF_OK) {
            r = write ? c->bus->dma_write(c->opaque, pa, buf, chunk) :
                        c->bus->dma_read(c->opaque, pa, buf, chunk);
            if (r != MEMTX_OK) {
                why = QF_BAD_TABLE;
            }
        }
        if (why != QF_OK) {
            j->status = QE_MMU_FAULT;
            j->fault_addr = va;
            j->fault_write = write;
            j->fault_reason = why;
            j->fault_level = level;
            return -1;
        }
        va += chunk;
        buf = (uint8_t *)buf + chunk;
        len -= chunk;
    }
    return 0;
}

int qnn_vm_read(QnnJob *j, uint64_t va, void *buf, uint64_t len)
{
    return vm_access(j, va, buf, len, false);
}

int qnn_vm_write(QnnJob *j, uint64_t va, const void *buf, uint64_t len)
{
    return vm_access(j, va, (void *)buf, len, true);
}
