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
#include <linux/wait.h>
#include <linux/workqueue.h>

struct device;
struct qnn_device;
struct qnn_sim_exec_ctx;
struct qnn_sim_checker;

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
	unsigned int ops_per_cycle;	/* timing model: 1-bit MACs per cycle */
	unsigned int dma_bits;		/* bus address width */
	bool dma_coherent;		/* false: the device says dma-noncoherent */
	unsigned int tlb_entries;	/* cached translations, 0 = none */
};

/* Faults to inject, set through debugfs (docs/uapi.md). */
struct qnn_sim_faults {
	atomic_t hang;			/* the next job never ends */
	atomic_t mmu_fault;		/* its first data access faults */
	atomic_t corrupt_status;	/* its status is garbage */
	atomic_t drop_irq;		/* its completion raises no IRQ */
	u32 delay_us;			/* every job takes this much longer */
};

/*
 * The MMU's translation cache (qnn_sim_mmu.c), tlb_entries leaf entries
 * tagged by the root table they were walked from, as docs/hw-interface.md
 * requires; round-robin replacement. A flush may be stretched or hung
 * through debugfs to test the driver's side of the contract.
 */
struct qnn_sim_tlb_entry {
	u64 root;
	u64 vpn;
	u64 pte;
};

struct qnn_sim_tlb {
	/* protects everything below; nests inside qnn_sim.lock */
	spinlock_t lock;
	struct qnn_sim_tlb_entry *e;
	unsigned int size;
	unsigned int used;
	unsigned int next;
	bool flush_pending;
	unsigned long flush_done;	/* jiffies the pending flush ends */
	u32 flush_delay_ms;		/* debugfs: every flush takes this long */
	bool flush_hang;		/* debugfs: flushes never end */
	u64 hits;
	u64 misses;
	u64 flushes;
};

struct qnn_sim {
	struct device *dev;
	const struct qnn_sim_config *cfg;
	struct qnn_device *qdev;
	unsigned int irq;
	struct irq_work irq_work;
	struct work_struct work;	/* the command-queue engine */
	wait_queue_head_t wait;		/* hung/stretched jobs wait for a reset */
	struct qnn_sim_exec_ctx *exec;	/* the executor's scratch memory */
	struct qnn_sim_faults faults;
	struct qnn_sim_checker *checker; /* debugfs check_stream */
	struct qnn_sim_tlb tlb;
	struct dentry *debugfs;
	bool removing;			/* device removal: run nothing more */

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
	bool powered_down;	/* POWER.ON clear: registers dead */
	u64 power_downs;	/* debugfs: times powered down */
	bool busy;		/* the engine is running a job */
};

/* qnn_sim_regs.c */
int qnn_sim_reg_read(void *context, unsigned int reg, unsigned int *val);
int qnn_sim_reg_write(void *context, unsigned int reg, unsigned int val);
void qnn_sim_reset(struct qnn_sim *sim);
void qnn_sim_update_irq(struct qnn_sim *sim);
void qnn_sim_power_debugfs(struct qnn_sim *sim);

/* qnn_sim_engine.c */
int qnn_sim_engine_init(struct qnn_sim *sim, struct dentry *debugfs_root);
void qnn_sim_engine_stop(struct qnn_sim *sim);
void qnn_sim_kick(struct qnn_sim *sim);

/* qnn_sim_mmu.c */
int qnn_sim_tlb_init(struct qnn_sim *sim);
void qnn_sim_tlb_reset(struct qnn_sim *sim);
void qnn_sim_tlb_flush_start(struct qnn_sim *sim);
bool qnn_sim_tlb_flush_busy(struct qnn_sim *sim);
bool qnn_sim_dma_read(struct qnn_sim *sim, u64 addr, void *buf, size_t len);
bool qnn_sim_dma_write(struct qnn_sim *sim, u64 addr, const void *buf,
		       size_t len);
/* A job's last translation (qnn_sim_translate_job()); zero: none. */
struct qnn_sim_last_xlat {
	bool valid;
	u64 vpn;
	u64 pte;
	u64 gen;	/* tlb.flushes when it was made */
	u64 hits;	/* accesses it translated */
};

u32 qnn_sim_translate_job(struct qnn_sim *sim, struct qnn_sim_last_xlat *last,
			  u64 pt_base, u64 va, bool write, u64 *pa);
void qnn_sim_tlb_add_hits(struct qnn_sim *sim, u64 hits);
u32 qnn_sim_translate(struct qnn_sim *sim, u64 pt_base, u64 va, bool write,
		      u64 *pa);
int qnn_sim_vm_read(struct qnn_sim *sim, u64 pt_base, u64 va, void *dst,
		    size_t len, u64 *fault_va, u32 *reason);
int qnn_sim_vm_write(struct qnn_sim *sim, u64 pt_base, u64 va,
		     const void *src, size_t len, u64 *fault_va, u32 *reason);

#endif /* _QNN_SIM_H_ */
