/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * qnn_sim: a software model of the qnn accelerator. It implements the
 * register interface of docs/hw-interface.md (kmod/qnn_regs.h) behind a
 * regmap and a real Linux IRQ, so qnn.ko drives it exactly like hardware.
 */
#ifndef _QNN_SIM_H_
#define _QNN_SIM_H_

#include <linux/irq_work.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct device;
struct qnn_device;

/* Capabilities of every device of one module load (module parameters). */
struct qnn_sim_config {
	unsigned int cores;
	unsigned int sram_kib;
	unsigned int max_weight_bits;
	unsigned int max_act_bits;
	unsigned int ops;
	unsigned int clock_khz;
	unsigned int va_bits;
	unsigned int queue_depth;
};

struct qnn_sim {
	struct device *dev;
	const struct qnn_sim_config *cfg;
	struct qnn_device *qdev;
	unsigned int irq;
	struct irq_work irq_work;
	struct work_struct work;	/* the command-queue engine */

	/* protects the register file below */
	spinlock_t lock;
	u32 scratch;
	u32 ctrl;
	u32 irq_status;
	u32 irq_mask;
	u64 cq_base;
	u32 cq_size;
	u32 cq_head;
	u32 cq_tail;
	u32 done_seqno;
	u64 mmu_pt_base;
	u32 fault_status;
	u64 fault_addr;
	u32 fault_seqno;
	u64 ats_pt_base;
	u64 ats_va;
	u32 ats_status;
	u64 ats_pa;
	u32 err_status;
	u32 err_seqno;
	u32 err_offset;
	u32 err_count;
	u32 perf_jobs;
	u64 perf_cycles;
	u64 perf_binops;
	u64 perf_bytes_rd;
	u64 perf_bytes_wr;
	u32 perf_latch;		/* _HI half latched by the last _LO read */
	u32 epoch;		/* bumped by every reset */
	bool busy;		/* the engine is running a job */
};

/* qnn_sim_regs.c */
int qnn_sim_reg_read(void *context, unsigned int reg, unsigned int *val);
int qnn_sim_reg_write(void *context, unsigned int reg, unsigned int val);
void qnn_sim_reset(struct qnn_sim *sim);
void qnn_sim_update_irq(struct qnn_sim *sim);

/* qnn_sim_engine.c */
void qnn_sim_engine_init(struct qnn_sim *sim);
void qnn_sim_engine_stop(struct qnn_sim *sim);
void qnn_sim_kick(struct qnn_sim *sim);

/* qnn_sim_mmu.c */
bool qnn_sim_dma_read(struct qnn_sim *sim, u64 addr, void *buf, size_t len);
bool qnn_sim_dma_write(struct qnn_sim *sim, u64 addr, const void *buf,
		       size_t len);
u32 qnn_sim_translate(struct qnn_sim *sim, u64 pt_base, u64 va, bool write,
		      u64 *pa);
int qnn_sim_vm_read(struct qnn_sim *sim, u64 pt_base, u64 va, void *dst,
		    size_t len, u64 *fault_va, u32 *reason);
int qnn_sim_vm_write(struct qnn_sim *sim, u64 pt_base, u64 va,
		     const void *src, size_t len, u64 *fault_va, u32 *reason);

#endif /* _QNN_SIM_H_ */
