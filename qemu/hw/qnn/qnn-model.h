/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qnn reference model: the accelerator of docs/hw-interface.md as QEMU
 * hardware. This header is the model's core (registers, ring, MMU, the
 * command-stream engine); it knows nothing of the bus. A front (qnn-pci.c;
 * later an AXI/sysbus front or an RTL co-simulation backend) gives it DMA
 * and an interrupt line through QnnBusOps and forwards register accesses.
 *
 * Every number here is written from docs/hw-interface.md and
 * docs/cmdstream.md; nothing is shared with the driver or with qnn_sim.
 */
#ifndef HW_QNN_MODEL_H
#define HW_QNN_MODEL_H

#include "exec/memattrs.h"
#include "qemu/timer.h"

/* Register offsets (hw-interface.md, "Register map"). */
enum {
    QR_MAGIC = 0x000, QR_ID = 0x004, QR_VERSION = 0x008, QR_CAPS = 0x00c,
    QR_OPS = 0x010, QR_SRAM_KIB = 0x014, QR_CLOCK_KHZ = 0x018,
    QR_SCRATCH = 0x01c, QR_CTRL = 0x020, QR_STATUS = 0x024, QR_POWER = 0x028,
    QR_IRQ_STATUS = 0x030, QR_IRQ_MASK = 0x034, QR_IRQ_RAISE = 0x038,
    QR_CQ_BASE_LO = 0x040, QR_CQ_BASE_HI = 0x044, QR_CQ_SIZE = 0x048,
    QR_CQ_HEAD = 0x04c, QR_CQ_TAIL = 0x050, QR_DONE_SEQNO = 0x054,
    QR_MMU_CTRL = 0x060, QR_MMU_PT_BASE_LO = 0x064, QR_MMU_PT_BASE_HI = 0x068,
    QR_MMU_FAULT_STATUS = 0x06c, QR_MMU_FAULT_ADDR_LO = 0x070,
    QR_MMU_FAULT_ADDR_HI = 0x074, QR_MMU_FAULT_SEQNO = 0x078,
    QR_ATS_PT_BASE_LO = 0x080, QR_ATS_PT_BASE_HI = 0x084, QR_ATS_VA_LO = 0x088,
    QR_ATS_VA_HI = 0x08c, QR_ATS_CTRL = 0x090, QR_ATS_STATUS = 0x094,
    QR_ATS_PA_LO = 0x098, QR_ATS_PA_HI = 0x09c,
    QR_ERR_STATUS = 0x0a0, QR_ERR_SEQNO = 0x0a4, QR_ERR_OFFSET = 0x0a8,
    QR_ERR_COUNT = 0x0ac,
    QR_PERF_CTRL = 0x0c0, QR_PERF_JOBS = 0x0c4, QR_PERF_CYCLES_LO = 0x0c8,
    QR_PERF_BYTES_WR_HI = 0x0e4, QR_DMA_CAPS = 0x0f0,
};

#define QNN_MODEL_MAGIC     0x514e4e41u
#define QNN_IRQ_JOB_DONE    (1u << 0)
#define QNN_IRQ_CMD_ERROR   (1u << 1)
#define QNN_IRQ_MMU_FAULT   (1u << 2)
#define QNN_IRQ_SW          (1u << 31)
#define QNN_IRQ_ALL (QNN_IRQ_JOB_DONE | QNN_IRQ_CMD_ERROR | QNN_IRQ_MMU_FAULT | \
                     QNN_IRQ_SW)

/* Job status codes (hw-interface.md, "Errors"). */
enum { QE_NONE, QE_BAD_DESC, QE_BAD_OPCODE, QE_TRUNCATED, QE_BAD_SHAPE,
       QE_MMU_FAULT, QE_ABORTED, QE_BAD_CMD };
/* MMU fault reasons. */
enum { QF_OK, QF_NOT_MAPPED, QF_READ_ONLY, QF_OUT_OF_RANGE, QF_BAD_TABLE };
/* Command-stream error codes (cmdstream.md, "Validation"). */
enum { CS_OK, CS_MAGIC, CS_VERSION, CS_HEADER, CS_TRUNCATED, CS_OPCODE,
       CS_CMD_SIZE, CS_FLAGS, CS_PAD, CS_TENSOR, CS_SHAPE, CS_LIMIT,
       CS_ADDRESS, CS_PARAM, CS_UNSUPPORTED };

/* What the bus front gives the core. */
typedef struct QnnBusOps {
    MemTxResult (*dma_read)(void *opaque, uint64_t addr, void *buf,
                            uint64_t len);
    MemTxResult (*dma_write)(void *opaque, uint64_t addr, const void *buf,
                             uint64_t len);
    /*
     * The line's level (IRQ_STATUS & IRQ_MASK != 0). @resend: the driver
     * just acknowledged and the condition still holds, so a message-
     * signalled front sends again.
     */
    void (*irq)(void *opaque, bool level, bool resend);
} QnnBusOps;

/* What the device advertises and how it behaves (QOM properties). */
typedef struct QnnConfig {
    uint32_t id, version, cores, wbits, abits, va_bits, qdepth_log2, ops;
    uint32_t sram_kib, clock_khz, dma_bits, ops_per_cycle, tlb_entries;
    /* fault injection: every Nth RUN job / interrupt, 0 = off */
    uint32_t fault_hang, fault_mmu, fault_lost_irq, fault_error;
    uint32_t delay_us;
    /* fault-mmu: which data access of the job faults (1 = its first) */
    uint32_t fault_mmu_access;
    /*
     * reset-ready-us: STATUS.READY reads 0 this long after every reset
     * (as a card's reset takes time), 0 = ready at once
     */
    uint32_t reset_ready_us;
} QnnConfig;

/*
 * The model-only test block (qnn-test.c, hw-interface.md "Test block"):
 * one-shot faults armed by the guest's tests; not device state, so a
 * reset leaves them armed.
 */
typedef struct QnnTestKnobs {
    uint32_t hang_next, mmu_fault_next, corrupt_next, drop_next_irq;
} QnnTestKnobs;

typedef struct QnnTlbEntry {
    uint64_t root, vpage, ppage;
    bool valid, write;
} QnnTlbEntry;

/* One job's view of memory and its outcome (qnn-mmu.c, qnn-cs-*.c). */
typedef struct QnnJob {
    struct QnnCore *core;
    uint64_t root;
    /* fault injection: the Nth access outside the stream faults, 0 = off */
    uint32_t mmu_fault_at, data_accesses;
    uint64_t cmd_lo, cmd_hi;    /* the command stream's VA range */
    /* outcome */
    uint32_t status, detail, err_offset;
    uint64_t fault_addr;
    bool fault_write;
    unsigned int fault_reason, fault_level;
    uint64_t binops, bytes_rd, bytes_wr;
} QnnJob;

typedef struct QnnCore {
    QnnConfig cfg;
    const QnnBusOps *bus;
    void *opaque;
    QEMUTimer *start_timer, *done_timer;

    bool powered, busy, hung;
    uint32_t scratch, ctrl, irq_status, irq_mask;
    uint64_t cq_base;
    uint32_t cq_size, cq_head, cq_tail, done_seqno;
    uint64_t pt_base;
    uint32_t fault_status, fault_seqno;
    uint64_t fault_addr;
    uint64_t ats_pt_base, ats_va, ats_pa;
    uint32_t ats_status;
    uint32_t err_status, err_seqno, err_offset, err_count;
    uint32_t perf_jobs;
    uint64_t perf[4];           /* cycles, binops, bytes read, bytes written */
    uint32_t perf_hi_latch;

    /* the job between its start and its end */
    uint32_t job_flags, job_seqno;
    uint64_t job_result;
    QnnJob job;
    uint64_t job_cycles;

    /* fault injection counters */
    uint32_t run_jobs, irqs;
    QnnTestKnobs test;

    QnnTlbEntry *tlb;
    uint32_t tlb_next;
    uint64_t tlb_hits, tlb_misses, tlb_flushes;

    /* QEMU_CLOCK_VIRTUAL ns from which STATUS.READY reads 1 */
    int64_t ready_at;
    /* POWER.ON 1 -> 0 writes, for the test block (not device state) */
    uint32_t power_downs;
} QnnCore;

/* qnn-core.c */
void qnn_core_init(QnnCore *c, const QnnBusOps *bus, void *opaque);
void qnn_core_fini(QnnCore *c);
void qnn_core_power_on_reset(QnnCore *c);
uint32_t qnn_core_read(QnnCore *c, uint32_t off);
void qnn_core_write(QnnCore *c, uint32_t off, uint32_t val);

/* qnn-test.c: the test block's registers (offsets within its window) */
#define QNN_TEST_SIZE 0x1000
uint64_t qnn_test_read(QnnCore *c, uint32_t off);
void qnn_test_write(QnnCore *c, uint32_t off, uint32_t val);

/* qnn-mmu.c */
unsigned int qnn_mmu_translate(QnnCore *c, uint64_t root, uint64_t va,
                               bool write, uint64_t *pa, unsigned int *level);
void qnn_mmu_flush(QnnCore *c);
/* A job's access of [va, va + len): 0, or -1 with the fault in @j. */
int qnn_vm_read(QnnJob *j, uint64_t va, void *buf, uint64_t len);
int qnn_vm_write(QnnJob *j, uint64_t va, const void *buf, uint64_t len);

/* qnn-cs-decode.c: one decoded command */
typedef struct QnnTensor {
    uint64_t va;
    uint32_t n, h, w, c;
    uint8_t type, enc, bits;
} QnnTensor;

typedef struct QnnEpi {
    uint64_t bias, scale, thresh, negate;
    uint32_t mode, flags;
} QnnEpi;

typedef struct QnnCmd {
    uint16_t op, size;
    uint32_t flags;
    QnnTensor t[3];             /* in/a, weights/b/out, out */
    unsigned int nt;            /* tensors used */
    uint16_t p[8];              /* the op's u16 parameters */
    QnnEpi epi;
    bool has_epi;
    uint32_t oh, ow;            /* output extent (conv, pool) */
    uint64_t ops;
} QnnCmd;

enum { CS_OP_NOP = 1, CS_OP_CONV2D, CS_OP_DENSE, CS_OP_MAXPOOL, CS_OP_ADD,
       CS_OP_GAP, CS_OP_TRANSFORM };
enum { T_BITS = 1, T_INT32 = 2 };
enum { E_BIPOLAR = 1, E_UNSIGNED, E_SIGNED, E_BRANCHES };
enum { M_INT32 = 1, M_REQUANT, M_THRESHOLD };
#define EPI_BIAS 0x1u
#define EPI_SCALE 0x2u
#define EPI_NEGATE 0x4u
#define EPI_ROUND_FLOOR 0x8u

/* Checks one command (@raw, @len bytes) and decodes it: a CS_* code. */
int qnn_cs_decode(const QnnConfig *cfg, const uint8_t *raw, uint32_t len,
                  QnnCmd *cmd);
uint64_t qnn_tensor_bytes(const QnnTensor *t);
/* Runs the whole stream of a RUN job; the outcome is in @j. */
void qnn_cs_run(QnnJob *j, uint64_t cmd_va, uint32_t cmd_size);
/*
 * qnn-cs-exec.c: runs one decoded command: 0; -1 on an MMU fault (in @j);
 * or a CS_* code of a check made at run time (PARAM).
 */
int qnn_cs_exec(QnnJob *j, const QnnCmd *cmd);

#endif
