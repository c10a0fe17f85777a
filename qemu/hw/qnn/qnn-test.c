/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qnn reference model: the test block (docs/hw-interface.md, "Test block
 * of the reference model"). A window the model has and a card does not:
 * the guest's selftests arm one-shot faults here, as they do through
 * qnn_sim's debugfs knobs, without going through the driver or the
 * register interface the driver uses. The driver never maps it.
 */
#include "qemu/osdep.h"
#include "qnn-model.h"

enum {
    QT_MAGIC = 0x00, QT_VERSION = 0x04,
    QT_HANG_NEXT_JOB = 0x10, QT_MMU_FAULT_NEXT_JOB = 0x14,
    QT_CORRUPT_NEXT_STATUS = 0x18, QT_DROP_NEXT_IRQ = 0x1c,
    QT_DELAY_US = 0x20, QT_RESET_READY_US = 0x24,
    QT_POWER_DOWNS = 0x28, QT_POWERED_DOWN = 0x2c,
    QT_TLB_HITS = 0x30, QT_TLB_MISSES = 0x34, QT_TLB_FLUSHES = 0x38,
};

#define QNN_TEST_MAGIC 0x544e4e51u      /* "QNNT" */

uint64_t qnn_test_read(QnnCore *c, uint32_t off)
{
    switch (off) {
    case QT_MAGIC:
        return QNN_TEST_MAGIC;
    case QT_VERSION:
        return 1;
    case QT_HANG_NEXT_JOB:
        return c->test.hang_next;
    case QT_MMU_FAULT_NEXT_JOB:
        return c->test.mmu_fault_next;
    case QT_CORRUPT_NEXT_STATUS:
        return c->test.corrupt_next;
    case QT_DROP_NEXT_IRQ:
        return c->test.drop_next_irq;
    case QT_DELAY_US:
        return c->cfg.delay_us;
    case QT_RESET_READY_US:
        return c->cfg.reset_ready_us;
    case QT_POWER_DOWNS:
        return c->power_downs;
    case QT_POWERED_DOWN:
        return !c->powered;
    case QT_TLB_HITS:
        return (uint32_t)c->tlb_hits;
    case QT_TLB_MISSES:
        return (uint32_t)c->tlb_misses;
    case QT_TLB_FLUSHES:
        return (uint32_t)c->tlb_flushes;
    }
    return 0;
}

void qnn_test_write(QnnCore *c, uint32_t off, uint32_t val)
{
    switch (off) {
    case QT_HANG_NEXT_JOB:
        c->test.hang_next = !!val;
        break;
    case QT_MMU_FAULT_NEXT_JOB:
        c->test.mmu_fault_next = val;       /* the Nth data access */
        break;
    case QT_CORRUPT_NEXT_STATUS:
        c->test.corrupt_next = !!val;
        break;
    case QT_DROP_NEXT_IRQ:
        c->test.drop_next_irq = !!val;
        break;
    case QT_DELAY_US:
        c->cfg.delay_us = val;              /* the delay-us property */
        break;
    case QT_RESET_READY_US:
        c->cfg.reset_ready_us = val;        /* the reset-ready-us property */
        break;
    }
}
