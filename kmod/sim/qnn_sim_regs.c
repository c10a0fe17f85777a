// SPDX-License-Identifier: GPL-2.0-only
/*
 * qnn_sim: the register file of docs/hw-interface.md, as regmap callbacks.
 * Runs under the regmap's spinlock (fast_io), possibly from the driver's
 * hard IRQ handler, so nothing here sleeps.
 */
#include <linux/bitfield.h>
#include <linux/debugfs.h>
#include <linux/log2.h>

#include "qnn_regs.h"
#include "qnn_sim.h"

#define QNN_SIM_ID		0x514e0001	/* vendor "QN", device 1: sim */
#define QNN_SIM_VERSION		0x010000	/* 1.0.0 */

/* The interrupt line is level: asserted while STATUS & MASK is non-zero. */
void qnn_sim_update_irq(struct qnn_sim *sim)
{
	if (sim->irq_status & sim->irq_mask)
		irq_work_queue(&sim->irq_work);
}

/* Everything the reset sequence of the hardware-interface doc clears. */
static void qnn_sim_reset_locked(struct qnn_sim *sim)
{
	sim->scratch = 0;
	sim->ctrl = 0;
	sim->irq_status = 0;
	sim->irq_mask = 0;
	sim->cq_base = 0;
	sim->cq_size = 0;
	sim->cq_head = 0;
	sim->cq_tail = 0;
	sim->done_seqno = 0;
	sim->mmu_pt_base = 0;
	sim->fault_status = 0;
	sim->fault_addr = 0;
	sim->fault_seqno = 0;
	sim->ats_pt_base = 0;
	sim->ats_va = 0;
	sim->ats_status = 0;
	sim->ats_pa = 0;
	sim->err_status = 0;
	sim->err_seqno = 0;
	sim->err_offset = 0;
	sim->err_count = 0;
	sim->perf_jobs = 0;
	sim->perf_cycles = 0;
	sim->perf_binops = 0;
	sim->perf_bytes_rd = 0;
	sim->perf_bytes_wr = 0;
	sim->perf_latch = 0;
	qnn_sim_tlb_reset(sim);
	/* the engine drops the job it may be running, even a hung one */
	sim->epoch++;
	wake_up_all(&sim->wait);
}

void qnn_sim_reset(struct qnn_sim *sim)
{
	unsigned long flags;

	spin_lock_irqsave(&sim->lock, flags);
	qnn_sim_reset_locked(sim);
	spin_unlock_irqrestore(&sim->lock, flags);
}

static u32 qnn_sim_caps(struct qnn_sim *sim)
{
	const struct qnn_sim_config *cfg = sim->cfg;

	return FIELD_PREP(QNN_CAPS_CORES, cfg->cores) |
	       FIELD_PREP(QNN_CAPS_WBITS, cfg->max_weight_bits) |
	       FIELD_PREP(QNN_CAPS_ABITS, cfg->max_act_bits) |
	       FIELD_PREP(QNN_CAPS_VA_BITS, cfg->va_bits) |
	       FIELD_PREP(QNN_CAPS_QDEPTH_LOG2, ilog2(cfg->queue_depth));
}

/* Reading the low half of a 64-bit counter latches the high half. */
static u32 qnn_sim_read_counter(struct qnn_sim *sim, u64 value, bool hi)
{
	if (hi)
		return sim->perf_latch;
	sim->perf_latch = upper_32_bits(value);
	return lower_32_bits(value);
}

static u32 qnn_sim_status(struct qnn_sim *sim)
{
	u32 status = QNN_STATUS_READY;

	if (sim->busy)
		status |= QNN_STATUS_BUSY;
	else if (!(sim->ctrl & QNN_CTRL_ENABLE))
		status |= QNN_STATUS_HALTED;
	return status;
}

/*
 * Powered down, only identification and POWER answer; everything else
 * reads 0 (STATUS.READY too) and ignores writes.
 */
static bool qnn_sim_reg_alive(struct qnn_sim *sim, unsigned int reg)
{
	return !sim->powered_down || reg <= QNN_REG_CLOCK_KHZ ||
	       reg == QNN_REG_POWER || reg == QNN_REG_DMA_CAPS;
}

static void qnn_sim_power_locked(struct qnn_sim *sim, bool on)
{
	if (!on && !sim->powered_down) {
		/* state is lost as in a reset: the running job, the TLB */
		qnn_sim_reset_locked(sim);
		sim->powered_down = true;
		sim->power_downs++;
	} else if (on && sim->powered_down) {
		/* comes up in the reset state */
		sim->powered_down = false;
	}
}

void qnn_sim_power_debugfs(struct qnn_sim *sim)
{
	debugfs_create_bool("powered_down", 0400, sim->debugfs,
			    &sim->powered_down);
	debugfs_create_u64("power_downs", 0400, sim->debugfs,
			   &sim->power_downs);
}

static u32 qnn_sim_read_locked(struct qnn_sim *sim, unsigned int reg)
{
	const struct qnn_sim_config *cfg = sim->cfg;

	if (!qnn_sim_reg_alive(sim, reg))
		return 0;
	switch (reg) {
	case QNN_REG_MAGIC:		return QNN_MAGIC;
	case QNN_REG_ID:		return QNN_SIM_ID;
	case QNN_REG_VERSION:		return QNN_SIM_VERSION;
	case QNN_REG_CAPS:		return qnn_sim_caps(sim);
	case QNN_REG_OPS:		return cfg->ops;
	case QNN_REG_SRAM_KIB:		return cfg->sram_kib;
	case QNN_REG_CLOCK_KHZ:		return cfg->clock_khz;
	case QNN_REG_DMA_CAPS:
		return FIELD_PREP(QNN_DMA_CAPS_BITS, cfg->dma_bits);
	case QNN_REG_SCRATCH:		return sim->scratch;
	case QNN_REG_CTRL:		return sim->ctrl;
	case QNN_REG_STATUS:		return qnn_sim_status(sim);
	case QNN_REG_POWER:
		return sim->powered_down ? 0 : QNN_POWER_ON;
	case QNN_REG_IRQ_STATUS:	return sim->irq_status;
	case QNN_REG_IRQ_MASK:		return sim->irq_mask;
	case QNN_REG_CQ_BASE_LO:	return lower_32_bits(sim->cq_base);
	case QNN_REG_CQ_BASE_HI:	return upper_32_bits(sim->cq_base);
	case QNN_REG_CQ_SIZE:		return sim->cq_size;
	case QNN_REG_CQ_HEAD:		return sim->cq_head;
	case QNN_REG_CQ_TAIL:		return sim->cq_tail;
	case QNN_REG_DONE_SEQNO:	return sim->done_seqno;
	case QNN_REG_MMU_CTRL:
		return qnn_sim_tlb_flush_busy(sim) ? QNN_MMU_CTRL_FLUSH : 0;
	case QNN_REG_MMU_PT_BASE_LO:	return lower_32_bits(sim->mmu_pt_base);
	case QNN_REG_MMU_PT_BASE_HI:	return upper_32_bits(sim->mmu_pt_base);
	case QNN_REG_MMU_FAULT_STATUS:	return sim->fault_status;
	case QNN_REG_MMU_FAULT_ADDR_LO:	return lower_32_bits(sim->fault_addr);
	case QNN_REG_MMU_FAULT_ADDR_HI:	return upper_32_bits(sim->fault_addr);
	case QNN_REG_MMU_FAULT_SEQNO:	return sim->fault_seqno;
	case QNN_REG_ATS_PT_BASE_LO:	return lower_32_bits(sim->ats_pt_base);
	case QNN_REG_ATS_PT_BASE_HI:	return upper_32_bits(sim->ats_pt_base);
	case QNN_REG_ATS_VA_LO:		return lower_32_bits(sim->ats_va);
	case QNN_REG_ATS_VA_HI:		return upper_32_bits(sim->ats_va);
	case QNN_REG_ATS_STATUS:	return sim->ats_status;
	case QNN_REG_ATS_PA_LO:		return lower_32_bits(sim->ats_pa);
	case QNN_REG_ATS_PA_HI:		return upper_32_bits(sim->ats_pa);
	case QNN_REG_ERR_STATUS:	return sim->err_status;
	case QNN_REG_ERR_SEQNO:		return sim->err_seqno;
	case QNN_REG_ERR_OFFSET:	return sim->err_offset;
	case QNN_REG_ERR_COUNT:		return sim->err_count;
	case QNN_REG_PERF_JOBS:		return sim->perf_jobs;
	case QNN_REG_PERF_CYCLES_LO:
	case QNN_REG_PERF_CYCLES_HI:
		return qnn_sim_read_counter(sim, sim->perf_cycles,
					    reg == QNN_REG_PERF_CYCLES_HI);
	case QNN_REG_PERF_BINOPS_LO:
	case QNN_REG_PERF_BINOPS_HI:
		return qnn_sim_read_counter(sim, sim->perf_binops,
					    reg == QNN_REG_PERF_BINOPS_HI);
	case QNN_REG_PERF_BYTES_RD_LO:
	case QNN_REG_PERF_BYTES_RD_HI:
		return qnn_sim_read_counter(sim, sim->perf_bytes_rd,
					    reg == QNN_REG_PERF_BYTES_RD_HI);
	case QNN_REG_PERF_BYTES_WR_LO:
	case QNN_REG_PERF_BYTES_WR_HI:
		return qnn_sim_read_counter(sim, sim->perf_bytes_wr,
					    reg == QNN_REG_PERF_BYTES_WR_HI);
	default:			return 0;	/* reserved: reads 0 */
	}
}

int qnn_sim_reg_read(void *context, unsigned int reg, unsigned int *val)
{
	struct qnn_sim *sim = context;
	unsigned long flags;

	spin_lock_irqsave(&sim->lock, flags);
	*val = qnn_sim_read_locked(sim, reg);
	spin_unlock_irqrestore(&sim->lock, flags);
	return 0;
}

static void qnn_sim_ats(struct qnn_sim *sim, u32 ctrl)
{
	u32 reason;

	sim->ats_pa = 0;
	reason = qnn_sim_translate(sim, sim->ats_pt_base, sim->ats_va,
				   ctrl & QNN_ATS_CTRL_WRITE, &sim->ats_pa);
	sim->ats_status = QNN_ATS_DONE;
	if (reason != QNN_MMU_OK)
		sim->ats_status |= QNN_ATS_FAULT |
				   FIELD_PREP(QNN_ATS_REASON, reason);
}

static void qnn_sim_set_lo(u64 *r, u32 val)
{
	*r = (*r & GENMASK_ULL(63, 32)) | val;
}

static void qnn_sim_set_hi(u64 *r, u32 val)
{
	*r = (*r & GENMASK_ULL(31, 0)) | (u64)val << 32;
}

static void qnn_sim_write_locked(struct qnn_sim *sim, unsigned int reg,
				 u32 val)
{
	if (!qnn_sim_reg_alive(sim, reg))
		return;
	switch (reg) {
	case QNN_REG_POWER:
		qnn_sim_power_locked(sim, val & QNN_POWER_ON);
		break;
	case QNN_REG_SCRATCH:
		sim->scratch = val;
		break;
	case QNN_REG_CTRL:
		/* reset completes at once: STATUS.READY reads 1 right after */
		if (val & QNN_CTRL_RESET)
			qnn_sim_reset_locked(sim);
		else
			sim->ctrl = val & QNN_CTRL_ENABLE;
		qnn_sim_kick(sim);
		break;
	case QNN_REG_IRQ_STATUS:
		sim->irq_status &= ~val;
		/* acknowledging the fault releases the fault registers */
		if (val & QNN_IRQ_MMU_FAULT)
			sim->fault_status = 0;
		break;
	case QNN_REG_IRQ_MASK:
		sim->irq_mask = val & QNN_IRQ_ALL;
		qnn_sim_update_irq(sim);
		break;
	case QNN_REG_IRQ_RAISE:
		sim->irq_status |= val & QNN_IRQ_ALL;
		qnn_sim_update_irq(sim);
		break;
	case QNN_REG_CQ_BASE_LO:
		/* the ring is 4 KiB aligned: low bits are read-only zero */
		qnn_sim_set_lo(&sim->cq_base, val & ~(u32)(QNN_PAGE_SIZE - 1));
		break;
	case QNN_REG_CQ_BASE_HI:
		qnn_sim_set_hi(&sim->cq_base, val);
		break;
	case QNN_REG_CQ_SIZE:
		/* a size the device cannot hold is ignored */
		if (!val || (is_power_of_2(val) && val <= sim->cfg->queue_depth))
			sim->cq_size = val;
		break;
	case QNN_REG_CQ_TAIL:
		if (sim->cq_size) {
			sim->cq_tail = val & (sim->cq_size - 1);
			qnn_sim_kick(sim);
		}
		break;
	case QNN_REG_MMU_CTRL:
		if (val & QNN_MMU_CTRL_FLUSH)
			qnn_sim_tlb_flush_start(sim);
		break;
	case QNN_REG_ATS_PT_BASE_LO:
		qnn_sim_set_lo(&sim->ats_pt_base, val);
		break;
	case QNN_REG_ATS_PT_BASE_HI:
		qnn_sim_set_hi(&sim->ats_pt_base, val);
		break;
	case QNN_REG_ATS_VA_LO:
		qnn_sim_set_lo(&sim->ats_va, val);
		break;
	case QNN_REG_ATS_VA_HI:
		qnn_sim_set_hi(&sim->ats_va, val);
		break;
	case QNN_REG_ATS_CTRL:
		if (val & (QNN_ATS_CTRL_READ | QNN_ATS_CTRL_WRITE))
			qnn_sim_ats(sim, val);
		break;
	case QNN_REG_PERF_CTRL:
		if (val & QNN_PERF_CTRL_CLEAR) {
			sim->perf_jobs = 0;
			sim->perf_cycles = 0;
			sim->perf_binops = 0;
			sim->perf_bytes_rd = 0;
			sim->perf_bytes_wr = 0;
		}
		break;
	default:
		break;	/* read-only and reserved registers ignore writes */
	}
}

int qnn_sim_reg_write(void *context, unsigned int reg, unsigned int val)
{
	struct qnn_sim *sim = context;
	unsigned long flags;

	spin_lock_irqsave(&sim->lock, flags);
	qnn_sim_write_locked(sim, reg, val);
	spin_unlock_irqrestore(&sim->lock, flags);
	return 0;
}
