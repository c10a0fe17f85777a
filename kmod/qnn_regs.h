/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * qnn accelerator register map, page-table and command-ring formats.
 *
 * This header is the C form of docs/hw-interface.md; the driver core and
 * qnn_sim both use it, so the simulator implements exactly what the driver
 * programs. All registers are 32 bit, little-endian, at 4-byte aligned
 * offsets of one register window (PCI BAR0, the AXI-Lite slave, or the
 * simulator's register file).
 */
#ifndef _QNN_REGS_H_
#define _QNN_REGS_H_

#include <linux/bits.h>
#include <linux/types.h>

/* Identification and capabilities (read-only) */
#define QNN_REG_MAGIC			0x000
#define   QNN_MAGIC			0x514e4e41	/* "QNNA" */
#define QNN_REG_ID			0x004
#define   QNN_ID_VENDOR			GENMASK(31, 16)
#define   QNN_ID_DEVICE			GENMASK(15, 0)
#define QNN_REG_VERSION			0x008
#define   QNN_VERSION_MAJOR		GENMASK(23, 16)
#define   QNN_VERSION_MINOR		GENMASK(15, 8)
#define   QNN_VERSION_PATCH		GENMASK(7, 0)
#define QNN_REG_CAPS			0x00c
#define   QNN_CAPS_CORES		GENMASK(7, 0)
#define   QNN_CAPS_WBITS		GENMASK(11, 8)
#define   QNN_CAPS_ABITS		GENMASK(15, 12)
#define   QNN_CAPS_VA_BITS		GENMASK(21, 16)
#define   QNN_CAPS_QDEPTH_LOG2		GENMASK(27, 24)
#define QNN_REG_OPS			0x010
#define QNN_REG_SRAM_KIB		0x014
#define QNN_REG_CLOCK_KHZ		0x018
#define QNN_REG_SCRATCH			0x01c	/* RW, bring-up */

/* Control and status */
#define QNN_REG_CTRL			0x020
#define   QNN_CTRL_ENABLE		BIT(0)	/* fetch from the ring */
#define   QNN_CTRL_RESET		BIT(1)	/* write 1; self-clearing */
#define QNN_REG_STATUS			0x024
#define   QNN_STATUS_READY		BIT(0)	/* out of reset */
#define   QNN_STATUS_BUSY		BIT(1)	/* executing a job */
#define   QNN_STATUS_HALTED		BIT(2)	/* ENABLE clear, ring idle */
#define QNN_REG_POWER			0x028
#define   QNN_POWER_ON			BIT(0)	/* 0: powered down */

/* Interrupts: STATUS is write-1-to-clear, the line is STATUS & MASK */
#define QNN_REG_IRQ_STATUS		0x030
#define QNN_REG_IRQ_MASK		0x034
#define QNN_REG_IRQ_RAISE		0x038	/* WO: sets STATUS bits */
#define   QNN_IRQ_JOB_DONE		BIT(0)
#define   QNN_IRQ_CMD_ERROR		BIT(1)
#define   QNN_IRQ_MMU_FAULT		BIT(2)
#define   QNN_IRQ_SW			BIT(31)
#define   QNN_IRQ_ALL			(QNN_IRQ_JOB_DONE | QNN_IRQ_CMD_ERROR | \
					 QNN_IRQ_MMU_FAULT | QNN_IRQ_SW)

/* Command queue (ring of struct qnn_hw_desc in host memory) */
#define QNN_REG_CQ_BASE_LO		0x040
#define QNN_REG_CQ_BASE_HI		0x044
#define QNN_REG_CQ_SIZE			0x048	/* entries, power of two */
#define QNN_REG_CQ_HEAD			0x04c	/* RO, next entry to fetch */
#define QNN_REG_CQ_TAIL			0x050	/* doorbell */
#define QNN_REG_DONE_SEQNO		0x054	/* RO, last finished job */

/* Device MMU */
#define QNN_REG_MMU_CTRL		0x060
#define   QNN_MMU_CTRL_FLUSH		BIT(0)	/* write 1; self-clearing */
#define QNN_REG_MMU_PT_BASE_LO		0x064	/* RO, root of current job */
#define QNN_REG_MMU_PT_BASE_HI		0x068
#define QNN_REG_MMU_FAULT_STATUS	0x06c
#define   QNN_FAULT_VALID		BIT(0)
#define   QNN_FAULT_WRITE		BIT(1)
#define   QNN_FAULT_REASON		GENMASK(7, 4)
#define   QNN_FAULT_LEVEL		GENMASK(11, 8)
#define QNN_REG_MMU_FAULT_ADDR_LO	0x070
#define QNN_REG_MMU_FAULT_ADDR_HI	0x074
#define QNN_REG_MMU_FAULT_SEQNO		0x078

/* MMU fault and ATS reasons */
#define QNN_MMU_OK			0
#define QNN_MMU_NOT_MAPPED		1
#define QNN_MMU_READ_ONLY		2
#define QNN_MMU_OUT_OF_RANGE		3
#define QNN_MMU_BAD_TABLE		4

/* Address translation service: translate one VA on request (bring-up) */
#define QNN_REG_ATS_PT_BASE_LO		0x080
#define QNN_REG_ATS_PT_BASE_HI		0x084
#define QNN_REG_ATS_VA_LO		0x088
#define QNN_REG_ATS_VA_HI		0x08c
#define QNN_REG_ATS_CTRL		0x090
#define   QNN_ATS_CTRL_READ		BIT(0)	/* translate for a read */
#define   QNN_ATS_CTRL_WRITE		BIT(1)	/* translate for a write */
#define QNN_REG_ATS_STATUS		0x094
#define   QNN_ATS_DONE			BIT(0)
#define   QNN_ATS_FAULT			BIT(1)
#define   QNN_ATS_REASON		GENMASK(7, 4)
#define QNN_REG_ATS_PA_LO		0x098
#define QNN_REG_ATS_PA_HI		0x09c

/* Errors */
#define QNN_REG_ERR_STATUS		0x0a0
#define   QNN_ERR_CODE			GENMASK(7, 0)
#define QNN_REG_ERR_SEQNO		0x0a4
#define QNN_REG_ERR_OFFSET		0x0a8
#define QNN_REG_ERR_COUNT		0x0ac

/* Error codes (ERR_STATUS.CODE, result record status) */
#define QNN_ERR_NONE			0
#define QNN_ERR_BAD_DESC		1
#define QNN_ERR_BAD_OPCODE		2
#define QNN_ERR_TRUNCATED		3
#define QNN_ERR_BAD_SHAPE		4
#define QNN_ERR_MMU_FAULT		5
#define QNN_ERR_ABORTED			6
#define QNN_ERR_BAD_CMD			7	/* other stream error: detail */

/* Performance counters (reading _LO latches _HI) */
#define QNN_REG_PERF_CTRL		0x0c0
#define   QNN_PERF_CTRL_CLEAR		BIT(0)
#define QNN_REG_PERF_JOBS		0x0c4
#define QNN_REG_PERF_CYCLES_LO		0x0c8
#define QNN_REG_PERF_CYCLES_HI		0x0cc
#define QNN_REG_PERF_BINOPS_LO		0x0d0
#define QNN_REG_PERF_BINOPS_HI		0x0d4
#define QNN_REG_PERF_BYTES_RD_LO	0x0d8
#define QNN_REG_PERF_BYTES_RD_HI	0x0dc
#define QNN_REG_PERF_BYTES_WR_LO	0x0e0
#define QNN_REG_PERF_BYTES_WR_HI	0x0e4

/* DMA master capabilities (read-only) */
#define QNN_REG_DMA_CAPS		0x0f0
#define   QNN_DMA_CAPS_BITS		GENMASK(6, 0)	/* bus address bits */
#define   QNN_DMA_BITS_MIN		32
#define   QNN_DMA_BITS_MAX		52	/* what a PTE can hold */

#define QNN_REG_MAX			QNN_REG_DMA_CAPS

/*
 * Page tables: 4 KiB tables of 512 little-endian 64-bit entries. The number
 * of levels is DIV_ROUND_UP(va_bits - 12, 9); the last level maps 4 KiB
 * pages, the others point to the next table.
 */
#define QNN_PAGE_SHIFT			12
#define QNN_PAGE_SIZE			BIT(QNN_PAGE_SHIFT)
#define QNN_PT_BITS			9
#define QNN_PT_ENTRIES			BIT(QNN_PT_BITS)
#define QNN_PTE_VALID			BIT_ULL(0)
#define QNN_PTE_READ			BIT_ULL(1)	/* leaf only */
#define QNN_PTE_WRITE			BIT_ULL(2)	/* leaf only */
#define QNN_PTE_ADDR			GENMASK_ULL(51, 12)
#define QNN_PTE_RSVD			(GENMASK_ULL(63, 52) | GENMASK_ULL(11, 3))

/* Command ring descriptor, 64 bytes, little-endian */
#define QNN_DESC_OP_NOP			0
#define QNN_DESC_OP_RUN			1
#define QNN_DESC_FLAG_IRQ		BIT(0)

struct qnn_hw_desc {
	__le32 op;
	__le32 flags;
	__le32 seqno;
	__le32 cmd_size;
	__le64 pt_base;
	__le64 cmd_va;
	__le64 result;
	__le64 rsvd[3];
};

/* Written by the device to desc.result when a job ends, 64 bytes */
struct qnn_hw_result {
	__le32 status;		/* QNN_ERR_* */
	__le32 err_offset;	/* byte offset in the command stream */
	__le64 fault_addr;	/* VA, for QNN_ERR_MMU_FAULT */
	__le64 cycles;
	__le64 binops;
	__le64 bytes_rd;
	__le64 bytes_wr;
	__le32 detail;		/* see QNN_RESULT_* */
	__le32 rsvd0;
	__le64 rsvd1;
};

/*
 * A result record's status until the device writes it: the driver stores
 * it when queueing, the device writes the status word last.
 */
#define QNN_RESULT_PENDING		0xffffffffU
/*
 * result.detail: for QNN_ERR_MMU_FAULT the fault reason (QNN_MMU_*) in
 * bits [3:0] and QNN_RESULT_FAULT_WRITE; for the command errors the
 * command-stream error code (enum qnn_cs_error, docs/cmdstream.md).
 */
#define QNN_RESULT_FAULT_REASON		GENMASK(3, 0)
#define QNN_RESULT_FAULT_WRITE		BIT(8)

#endif /* _QNN_REGS_H_ */
