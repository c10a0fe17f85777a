/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qnn reference model: registers, reset, power, interrupts, the command
 * ring, ATS, perf counters, the timing model and fault injection
 * (docs/hw-interface.md). Bus-independent: DMA and the interrupt line go
 * through the front's QnnBusOps.
 *
 * A job runs in two steps on QEMU_CLOCK_VIRTUAL: at its start the model
 * fetches the descriptor and runs the stream at once (under the BQL), then
 * holds the job until the timing model's duration has passed and only then
 * ends it (record, DONE_SEQNO, CQ_HEAD, interrupt), as hardware would.
 */
#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "qnn-model.h"

#define DESC_SIZE 64
#define REC_PENDING 0xffffffffu

static bool every(uint32_t n, uint32_t count)
{
    return n && count % n == 0;
}

static void irq_update(QnnCore *c, bool resend)
{
    bool level = c->powered && (c->irq_status & c->irq_mask);

    c->bus->irq(c->opaque, level, resend && level);
}

static void raise_event(QnnCore *c, uint32_t bit)
{
    c->irq_status |= bit;
    /* fault-lost-irq: the event is pending, but no message/level change */
    if ((c->irq_mask & bit) && every(c->cfg.fault_lost_irq, ++c->irqs)) {
        return;
    }
    irq_update(c, false);
}

/* Every register to its reset value; the running job is dropped. */
static void core_reset(QnnCore *c)
{
    timer_del(c->start_timer);
    timer_del(c->done_timer);
    c->busy = c->hung = false;
    c->scratch = c->ctrl = c->irq_status = c->irq_mask = 0;
    c->cq_base = 0;
    c->cq_size = c->cq_head = c->cq_tail = c->done_seqno = 0;
    c->pt_base = 0;
    c->fault_status = c->fault_seqno = 0;
    c->fault_addr = 0;
    c->ats_pt_base = c->ats_va = c->ats_pa = 0;
    c->ats_status = 0;
    c->err_status = c->err_seqno = c->err_offset = c->err_count = 0;
    c->perf_jobs = 0;
    memset(c->perf, 0, sizeof(c->perf));
    c->perf_hi_latch = 0;
    qnn_mmu_flush(c);
    irq_update(c, false);
    c->ready_at = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                  (int64_t)c->cfg.reset_ready_us * 1000;
}

void qnn_core_power_on_reset(QnnCore *c)
{
    c->powered = true;
    core_reset(c);
}

static void kick(QnnCore *c)
{
    if (c->powered && (c->ctrl & 1) && !c->busy && c->cq_size &&
        c->cq_head != c->cq_tail && !timer_pending(c->start_timer)) {
        timer_mod(c->start_timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
    }
}

static void job_start(void *opaque)
{
    QnnCore *c = opaque;
    uint8_t d[DESC_SIZE];
    uint64_t addr = c->cq_base + (uint64_t)c->cq_head * DESC_SIZE, ns;
    uint32_t op, size, i;
    bool bad = false;

    if (!c->powered || !(c->ctrl & 1) || c->busy || !c->cq_size ||
        c->cq_head == c->cq_tail) {
        return;
    }
    c->busy = true;
    memset(&c->job, 0, sizeof(c->job));
    c->job.core = c;
    if (c->bus->dma_read(c->opaque, addr, d, DESC_SIZE) != MEMTX_OK) {
        memset(d, 0, sizeof(d));
        bad = true;
    }
    op = ldl_le_p(d);
    c->job_flags = ldl_le_p(d + 4);
    c->job_seqno = ldl_le_p(d + 8);
    size = ldl_le_p(d + 12);
    c->job.root = ldq_le_p(d + 16);
    c->job_result = ldq_le_p(d + 32);
    for (i = 40; i < DESC_SIZE; i++) {
        bad |= d[i] != 0;
    }
    if (bad || op > 1 || (c->job_flags & ~1u)) {
        c->job.status = QE_BAD_DESC;
    } else if (op == 1 && size) {
        uint64_t cmd_va = ldq_le_p(d + 24);

        c->pt_base = c->job.root;
        c->run_jobs++;
        if (c->test.hang_next) {
            c->test.hang_next = 0;
            c->hung = true;                  /* test block: before it runs */
            return;
        }
        if (c->test.mmu_fault_next) {
            c->job.mmu_fault_at = c->test.mmu_fault_next;
            c->test.mmu_fault_next = 0;
        } else if (every(c->cfg.fault_mmu, c->run_jobs)) {
            c->job.mmu_fault_at = MAX(c->cfg.fault_mmu_access, 1);
        }
        c->job.cmd_lo = cmd_va;
        c->job.cmd_hi = cmd_va + size;
        qnn_cs_run(&c->job, cmd_va, size);
        if (c->job.status == QE_NONE &&
            every(c->cfg.fault_error, c->run_jobs)) {
            c->job.status = QE_BAD_CMD;      /* fault-error */
            c->job.detail = CS_PARAM;
        }
        if (every(c->cfg.fault_hang, c->run_jobs)) {
            c->hung = true;                  /* fault-hang: until a reset */
            return;
        }
        if (c->test.corrupt_next) {
            c->test.corrupt_next = 0;
            c->job.status = 0xbad0bad0;      /* a status no driver knows */
        }
    }
    /*
     * timing model: hw-interface.md, "Timing model", for a RUN job; a NOP
     * (the driver's cancelled jobs) and a bad descriptor end at once
     */
    c->job_cycles = 0;
    ns = 0;
    if (op == 1 && c->job.status != QE_BAD_DESC) {
        c->job_cycles = 256 +
                        DIV_ROUND_UP(c->job.binops, c->cfg.ops_per_cycle) +
                        DIV_ROUND_UP(c->job.bytes_rd + c->job.bytes_wr, 32);
        ns = c->job_cycles * 1000000ull / c->cfg.clock_khz +
             c->cfg.delay_us * 1000ull;
    }
    timer_mod(c->done_timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + ns);
}

static void job_end(void *opaque)
{
    QnnCore *c = opaque;
    QnnJob *j = &c->job;
    uint8_t r[64] = { 0 };
    uint32_t bit;

    if (c->job_result) {
        stl_le_p(r, REC_PENDING);
        stl_le_p(r + 4, j->err_offset);
        stq_le_p(r + 8, j->fault_addr);
        stq_le_p(r + 16, c->job_cycles);
        stq_le_p(r + 24, j->binops);
        stq_le_p(r + 32, j->bytes_rd);
        stq_le_p(r + 40, j->bytes_wr);
        stl_le_p(r + 48, j->status == QE_MMU_FAULT ?
                 (j->fault_reason | (j->fault_write ? 0x100 : 0)) : j->detail);
        /* the whole record with status PENDING, then the status word */
        c->bus->dma_write(c->opaque, c->job_result, r, sizeof(r));
        smp_wmb();
        stl_le_p(r, j->status);
        c->bus->dma_write(c->opaque, c->job_result, r, 4);
    }
    c->done_seqno = c->job_seqno;
    c->cq_head = (c->cq_head + 1) % c->cq_size;
    c->perf_jobs++;
    c->perf[0] += c->job_cycles;
    c->perf[1] += j->binops;
    c->perf[2] += j->bytes_rd;
    c->perf[3] += j->bytes_wr;
    c->busy = false;
    bit = 0;
    if (j->status == QE_MMU_FAULT) {
        c->fault_status = 1 | (j->fault_write ? 2 : 0) |
                          (j->fault_reason & 0xf) << 4 |
                          (j->fault_level & 0xf) << 8;
        c->fault_addr = j->fault_addr;
        c->fault_seqno = c->job_seqno;
        bit = QNN_IRQ_MMU_FAULT;
    } else if (j->status != QE_NONE) {
        bit = QNN_IRQ_CMD_ERROR;
    } else if (c->job_flags & 1) {
        bit = QNN_IRQ_JOB_DONE;
    }
    if (j->status != QE_NONE) {
        c->err_status = j->status;
        c->err_seqno = c->job_seqno;
        c->err_offset = j->err_offset;
        c->err_count++;
    }
    if (c->test.drop_next_irq) {
        /* test block: this job's event is pending but never signalled */
        c->test.drop_next_irq = 0;
        c->irq_status |= bit;
    } else if (bit) {
        raise_event(c, bit);
    }
    kick(c);
}

static void ats_translate(QnnCore *c, bool write)
{
    unsigned int level, why;
    uint64_t pa = 0;

    why = qnn_mmu_translate(c, c->ats_pt_base, c->ats_va, write, &pa, &level);
    c->ats_status = 1 | (why ? 2 | why << 4 : 0);
    c->ats_pa = why ? 0 : pa;
}

static uint32_t caps(const QnnConfig *f)
{
    return f->cores | f->wbits << 8 | f->abits << 12 | f->va_bits << 16 |
           f->qdepth_log2 << 24;
}

uint32_t qnn_core_read(QnnCore *c, uint32_t off)
{
    const QnnConfig *f = &c->cfg;

    switch (off) {
    case QR_MAGIC:
        return QNN_MODEL_MAGIC;
    case QR_ID:
        return f->id;
    case QR_VERSION:
        return f->version;
    case QR_CAPS:
        return caps(f);
    case QR_OPS:
        return f->ops;
    case QR_SRAM_KIB:
        return f->sram_kib;
    case QR_CLOCK_KHZ:
        return f->clock_khz;
    case QR_DMA_CAPS:
        return f->dma_bits;
    case QR_POWER:
        return c->powered;
    }
    if (!c->powered) {
        return 0;
    }
    switch (off) {
    case QR_SCRATCH:
        return c->scratch;
    case QR_CTRL:
        return c->ctrl;
    case QR_STATUS:
        /* READY only once the reset has had its time (reset-ready-us) */
        return (qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) >= c->ready_at) |
               (c->busy ? 2 : 0) | (!(c->ctrl & 1) && !c->busy ? 4 : 0);
    case QR_IRQ_STATUS:
        return c->irq_status;
    case QR_IRQ_MASK:
        return c->irq_mask;
    case QR_CQ_BASE_LO:
        return (uint32_t)c->cq_base;
    case QR_CQ_BASE_HI:
        return c->cq_base >> 32;
    case QR_CQ_SIZE:
        return c->cq_size;
    case QR_CQ_HEAD:
        return c->cq_head;
    case QR_CQ_TAIL:
        return c->cq_tail;
    case QR_DONE_SEQNO:
        return c->done_seqno;
    case QR_MMU_CTRL:
        return 0;               /* a flush completes at once */
    case QR_MMU_PT_BASE_LO:
        return (uint32_t)c->pt_base;
    case QR_MMU_PT_BASE_HI:
        return c->pt_base >> 32;
    case QR_MMU_FAULT_STATUS:
        return c->fault_status;
    case QR_MMU_FAULT_ADDR_LO:
        return (uint32_t)c->fault_addr;
    case QR_MMU_FAULT_ADDR_HI:
        return c->fault_addr >> 32;
    case QR_MMU_FAULT_SEQNO:
        return c->fault_seqno;
    case QR_ATS_PT_BASE_LO:
        return (uint32_t)c->ats_pt_base;
    case QR_ATS_PT_BASE_HI:
        return c->ats_pt_base >> 32;
    case QR_ATS_VA_LO:
        return (uint32_t)c->ats_va;
    case QR_ATS_VA_HI:
        return c->ats_va >> 32;
    case QR_ATS_STATUS:
        return c->ats_status;
    case QR_ATS_PA_LO:
        return (uint32_t)c->ats_pa;
    case QR_ATS_PA_HI:
        return c->ats_pa >> 32;
    case QR_ERR_STATUS:
        return c->err_status;
    case QR_ERR_SEQNO:
        return c->err_seqno;
    case QR_ERR_OFFSET:
        return c->err_offset;
    case QR_ERR_COUNT:
        return c->err_count;
    case QR_PERF_JOBS:
        return c->perf_jobs;
    }
    if (off >= QR_PERF_CYCLES_LO && off <= QR_PERF_BYTES_WR_HI) {
        uint64_t v = c->perf[(off - QR_PERF_CYCLES_LO) / 8];

        /* a _LO read latches the matching _HI half */
        if (!(off & 4)) {
            c->perf_hi_latch = v >> 32;
            return (uint32_t)v;
        }
        return c->perf_hi_latch;
    }
    return 0;
}

void qnn_core_write(QnnCore *c, uint32_t off, uint32_t val)
{
    if (off == QR_POWER) {
        if (!(val & 1)) {
            c->power_downs += c->powered;
            core_reset(c);
            c->powered = false;
            irq_update(c, false);
        } else if (!c->powered) {
            c->powered = true;
            core_reset(c);
        }
        return;
    }
    if (!c->powered) {
        return;
    }
    switch (off) {
    case QR_SCRATCH:
        c->scratch = val;
        break;
    case QR_CTRL:
        if (val & 2) {
            core_reset(c);
            break;
        }
        c->ctrl = val & 1;
        kick(c);
        break;
    case QR_IRQ_STATUS:
        c->irq_status &= ~val;
        if (val & QNN_IRQ_MMU_FAULT) {
            c->fault_status = 0;
        }
        irq_update(c, true);
        break;
    case QR_IRQ_MASK:
        c->irq_mask = val & QNN_IRQ_ALL;
        irq_update(c, false);
        break;
    case QR_IRQ_RAISE:
        if (val & QNN_IRQ_ALL) {
            raise_event(c, val & QNN_IRQ_ALL);
        }
        break;
    case QR_CQ_BASE_LO:
        c->cq_base = (c->cq_base & ~0xffffffffull) | (val & ~0xfffu);
        break;
    case QR_CQ_BASE_HI:
        c->cq_base = (c->cq_base & 0xffffffffull) | (uint64_t)val << 32;
        break;
    case QR_CQ_SIZE:
        if (!val || (is_power_of_2(val) && val <= 1u << c->cfg.qdepth_log2)) {
            c->cq_size = val;
        }
        break;
    case QR_CQ_TAIL:
        c->cq_tail = c->cq_size ? val % c->cq_size : 0;
        kick(c);
        break;
    case QR_MMU_CTRL:
        if (val & 1) {
            qnn_mmu_flush(c);
        }
        break;
    case QR_ATS_PT_BASE_LO:
        c->ats_pt_base = (c->ats_pt_base & ~0xffffffffull) | val;
        break;
    case QR_ATS_PT_BASE_HI:
        c->ats_pt_base = (c->ats_pt_base & 0xffffffffull) | (uint64_t)val << 32;
        break;
    case QR_ATS_VA_LO:
        c->ats_va = (c->ats_va & ~0xffffffffull) | val;
        break;
    case QR_ATS_VA_HI:
        c->ats_va = (c->ats_va & 0xffffffffull) | (uint64_t)val << 32;
        break;
    case QR_ATS_CTRL:
        if (val & 3) {
            ats_translate(c, val & 2);
        }
        break;
    case QR_PERF_CTRL:
        if (val & 1) {
            c->perf_jobs = 0;
            memset(c->perf, 0, sizeof(c->perf));
        }
        break;
    }
}

void qnn_core_init(QnnCore *c, const QnnBusOps *bus, void *opaque)
{
    c->bus = bus;
    c->opaque = opaque;
    c->tlb = g_new0(QnnTlbEntry, MAX(c->cfg.tlb_entries, 1));
    c->start_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, job_start, c);
    c->done_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, job_end, c);
}

void qnn_core_fini(QnnCore *c)
{
    timer_free(c->start_timer);
    timer_free(c->done_timer);
    g_free(c->tlb);
}
