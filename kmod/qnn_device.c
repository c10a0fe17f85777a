// SPDX-License-Identifier: GPL-2.0-only
/*
 * qnn device core: bring-up through the register interface, the interrupt
 * handler, and qnn_device_init()/qnn_device_fini(), which every bus glue
 * (PCI, AXI platform device, qnn_sim) calls with a regmap and an IRQ. The
 * core never knows which bus it sits on.
 */
#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pm_runtime.h>
#include <linux/property.h>
#include <linux/regmap.h>
#include <drm/drm_drv.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>

#include "qnn_drv.h"
#include "qnn_regs.h"

#define QNN_RESET_TIMEOUT_US	100000
#define QNN_POLL_TIMEOUT_US	10000
#define QNN_FLUSH_TIMEOUT_US	500000
#define QNN_IRQ_TEST_TIMEOUT	msecs_to_jiffies(1000)
#define QNN_SUSPEND_DRAIN	msecs_to_jiffies(2000)

static unsigned int autosuspend_ms = 1000;
module_param(autosuspend_ms, uint, 0444);
MODULE_PARM_DESC(autosuspend_ms,
		 "idle time before a device powers down, ms (default 1000; sysfs power/autosuspend_delay_ms per device)");

const struct regmap_config qnn_regmap_config = {
	.name = "qnn",
	.reg_bits = 32,
	.val_bits = 32,
	.reg_stride = 4,
	.max_register = QNN_REG_MAX,
};
EXPORT_SYMBOL_GPL(qnn_regmap_config);

static int qnn_hw_reset(struct qnn_device *qdev)
{
	u32 val;
	int ret;

	ret = regmap_write(qdev->regs, QNN_REG_CTRL, QNN_CTRL_RESET);
	if (ret)
		return ret;
	ret = regmap_read_poll_timeout(qdev->regs, QNN_REG_STATUS, val,
				       val & QNN_STATUS_READY, 10,
				       QNN_RESET_TIMEOUT_US);
	if (ret)
		drm_err(&qdev->drm, "device did not come out of reset\n");
	return ret;
}

/*
 * The DMA mask comes from the device's bus address width (DMA_CAPS), never
 * a blanket 64 bits: a page-table entry holds 52 address bits and a device
 * may drive fewer; the DMA API then bounces or places memory below it.
 * Coherence is the platform's word (dma-coherent in DT, PCIe snooping),
 * plus "dma-noncoherent" for a device that says so itself (qnn_sim can).
 */
static int qnn_hw_setup_dma(struct qnn_device *qdev)
{
	struct device *dev = qdev->drm.dev;
	struct qnn_caps *c = &qdev->caps;
	u32 val;
	int ret;

	ret = regmap_read(qdev->regs, QNN_REG_DMA_CAPS, &val);
	if (ret)
		return ret;
	c->dma_bits = FIELD_GET(QNN_DMA_CAPS_BITS, val);
	if (c->dma_bits < QNN_DMA_BITS_MIN || c->dma_bits > QNN_DMA_BITS_MAX) {
		drm_err(&qdev->drm, "unsupported DMA address width %u\n",
			c->dma_bits);
		return -ENODEV;
	}
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(c->dma_bits));
	if (ret) {
		drm_err(&qdev->drm, "no %u-bit DMA on this bus: %d\n",
			c->dma_bits, ret);
		return ret;
	}
	/*
	 * The device MMU maps BOs page by page, so a scatterlist segment may
	 * be any length; without this the DMA API assumes 64 KiB and
	 * DMA_API_DEBUG warns on every larger BO. Buses without dma_parms
	 * (none today) keep that default.
	 */
	if (dev->dma_parms)
		dma_set_max_seg_size(dev, UINT_MAX);
	c->dma_coherent = dev_is_dma_coherent(dev) &&
			  !device_property_read_bool(dev, "dma-noncoherent");
	return 0;
}

static int qnn_hw_read_caps(struct qnn_device *qdev)
{
	struct qnn_caps *c = &qdev->caps;
	u32 magic, caps;
	int ret;

	ret = regmap_read(qdev->regs, QNN_REG_MAGIC, &magic);
	if (ret)
		return ret;
	if (magic != QNN_MAGIC) {
		drm_err(&qdev->drm, "bad magic %#x, not a qnn device\n", magic);
		return -ENODEV;
	}
	ret = regmap_read(qdev->regs, QNN_REG_ID, &c->id) ?:
	      regmap_read(qdev->regs, QNN_REG_VERSION, &c->version) ?:
	      regmap_read(qdev->regs, QNN_REG_CAPS, &caps) ?:
	      regmap_read(qdev->regs, QNN_REG_OPS, &c->ops) ?:
	      regmap_read(qdev->regs, QNN_REG_SRAM_KIB, &c->sram_kib) ?:
	      regmap_read(qdev->regs, QNN_REG_CLOCK_KHZ, &c->clock_khz);
	if (ret)
		return ret;
	c->cores = FIELD_GET(QNN_CAPS_CORES, caps);
	c->weight_bits = FIELD_GET(QNN_CAPS_WBITS, caps);
	c->act_bits = FIELD_GET(QNN_CAPS_ABITS, caps);
	c->va_bits = FIELD_GET(QNN_CAPS_VA_BITS, caps);
	c->queue_depth = 1U << FIELD_GET(QNN_CAPS_QDEPTH_LOG2, caps);

	if (!c->cores || !c->weight_bits || c->weight_bits > 8 ||
	    !c->act_bits || c->act_bits > 8 || c->va_bits < 30 ||
	    c->va_bits > 48 || c->queue_depth < 2) {
		drm_err(&qdev->drm, "unsupported capabilities %#x\n", caps);
		return -ENODEV;
	}
	qdev->va_user_end = BIT_ULL(c->va_bits) - QNN_VA_KERNEL_SIZE;
	return qnn_hw_setup_dma(qdev);
}

/*
 * The reset sequence of docs/hw-interface.md: reset, wait for READY, clear
 * stale interrupts, program the ring, unmask, enable.
 */
int qnn_hw_start(struct qnn_device *qdev)
{
	return qnn_hw_reset(qdev) ?:
	       regmap_write(qdev->regs, QNN_REG_IRQ_STATUS, QNN_IRQ_ALL) ?:
	       qnn_ring_hw_start(qdev) ?:
	       regmap_write(qdev->regs, QNN_REG_IRQ_MASK, QNN_IRQ_ALL) ?:
	       regmap_write(qdev->regs, QNN_REG_CTRL, QNN_CTRL_ENABLE);
}

static irqreturn_t qnn_irq(int irq, void *arg)
{
	struct qnn_device *qdev = arg;
	u32 status;

	/* a shared INTx line may fire while we are powered down */
	if (READ_ONCE(qdev->powered_down) ||
	    regmap_read(qdev->regs, QNN_REG_IRQ_STATUS, &status) || !status)
		return IRQ_NONE;
	/* ack first: an event arriving after this raises the line again */
	regmap_write(qdev->regs, QNN_REG_IRQ_STATUS, status);
	spin_lock(&qdev->irq_lock);
	qdev->irq_pending |= status;
	spin_unlock(&qdev->irq_lock);
	return IRQ_WAKE_THREAD;
}

static irqreturn_t qnn_irq_thread(int irq, void *arg)
{
	struct qnn_device *qdev = arg;
	u32 pending;

	spin_lock_irq(&qdev->irq_lock);
	pending = qdev->irq_pending;
	qdev->irq_pending = 0;
	spin_unlock_irq(&qdev->irq_lock);

	if (pending & QNN_IRQ_SW)
		complete(&qdev->sw_irq);
	qnn_ring_irq(qdev, pending);
	qnn_jobs_irq(qdev, pending);
	return IRQ_HANDLED;
}

/* Prove the interrupt path end to end: raise the software IRQ, wait for it. */
static int qnn_hw_irq_selftest(struct qnn_device *qdev)
{
	int ret;

	reinit_completion(&qdev->sw_irq);
	ret = regmap_write(qdev->regs, QNN_REG_IRQ_RAISE, QNN_IRQ_SW);
	if (ret)
		return ret;
	if (!wait_for_completion_timeout(&qdev->sw_irq, QNN_IRQ_TEST_TIMEOUT)) {
		drm_err(&qdev->drm, "interrupt self-test: no IRQ %d\n",
			qdev->irq);
		return -EIO;
	}
	return 0;
}

/**
 * qnn_hw_mmu_flush() - drop every translation the device MMU caches
 * @qdev: device
 *
 * Return: 0 once the device reports the flush done (or the device is
 * gone: unplug reset it, which drops its cache too), -ETIMEDOUT or a
 * register access error otherwise. The caller must then not reuse what
 * it unmapped (qnn_mmu_unmap() quarantines it).
 */
int qnn_hw_mmu_flush(struct qnn_device *qdev)
{
	struct device *dev = qdev->drm.dev;
	u32 val;
	int idx, pm, ret;

	/* powered down, the device caches nothing (POWER drops it all) */
	pm = pm_runtime_get_if_active(dev);
	if (!pm)
		return 0;
	if (!drm_dev_enter(&qdev->drm, &idx)) {
		ret = 0;
		goto out_pm;
	}
	ret = regmap_write(qdev->regs, QNN_REG_MMU_CTRL, QNN_MMU_CTRL_FLUSH) ?:
	      regmap_read_poll_timeout(qdev->regs, QNN_REG_MMU_CTRL, val,
				       !(val & QNN_MMU_CTRL_FLUSH), 10,
				       QNN_FLUSH_TIMEOUT_US);
	drm_dev_exit(idx);
	if (ret)
		drm_err_ratelimited(&qdev->drm, "MMU flush did not complete: %d\n",
				    ret);
out_pm:
	if (pm > 0)
		pm_runtime_put_autosuspend(dev);
	return ret;
}

/**
 * qnn_hw_translate() - ask the device MMU to translate one address
 * @qdev: device
 * @pt_base: root page table
 * @va: device virtual address
 * @write: translate for a write access
 * @pa: out, the DMA address on success
 * @reason: out, QNN_MMU_* (QNN_MMU_OK on success)
 *
 * Return: 0 when the device answered (look at @reason), negative errno if
 * it did not.
 */
int qnn_hw_translate(struct qnn_device *qdev, u64 pt_base, u64 va,
		     bool write, u64 *pa, u32 *reason)
{
	struct regmap *r = qdev->regs;
	u32 status, lo, hi;
	int ret;

	ret = regmap_write(r, QNN_REG_ATS_PT_BASE_LO, lower_32_bits(pt_base)) ?:
	      regmap_write(r, QNN_REG_ATS_PT_BASE_HI, upper_32_bits(pt_base)) ?:
	      regmap_write(r, QNN_REG_ATS_VA_LO, lower_32_bits(va)) ?:
	      regmap_write(r, QNN_REG_ATS_VA_HI, upper_32_bits(va)) ?:
	      regmap_write(r, QNN_REG_ATS_CTRL,
			   write ? QNN_ATS_CTRL_WRITE : QNN_ATS_CTRL_READ) ?:
	      regmap_read_poll_timeout(r, QNN_REG_ATS_STATUS, status,
				       status & QNN_ATS_DONE, 1,
				       QNN_POLL_TIMEOUT_US) ?:
	      regmap_read(r, QNN_REG_ATS_PA_LO, &lo) ?:
	      regmap_read(r, QNN_REG_ATS_PA_HI, &hi);
	if (ret)
		return ret;
	*reason = status & QNN_ATS_FAULT ?
		  FIELD_GET(QNN_ATS_REASON, status) : QNN_MMU_OK;
	*pa = (u64)hi << 32 | lo;
	return 0;
}

static int qnn_hw_ring_job(struct qnn_device *qdev,
			   const struct qnn_ring_job *job,
			   struct qnn_hw_result *res)
{
	u32 seqno, slot;
	int ret;

	ret = qnn_ring_push(qdev, job, &seqno, &slot) ?:
	      qnn_ring_wait(qdev, seqno, QNN_IRQ_TEST_TIMEOUT);
	if (!ret)
		*res = qdev->ring.results[slot];
	return ret;
}

/*
 * Prove the command ring end to end: a NOP job must complete with an IRQ,
 * and a job whose command stream sits at the unmapped @fault_va of @ctx
 * must end with an MMU fault at exactly that address.
 */
static int qnn_hw_ring_selftest(struct qnn_device *qdev,
				struct qnn_mmu_ctx *ctx, u64 fault_va)
{
	struct qnn_ring_job nop = { .op = QNN_DESC_OP_NOP,
				    .flags = QNN_DESC_FLAG_IRQ };
	struct qnn_ring_job bad = { .op = QNN_DESC_OP_RUN,
				    .pt_base = qnn_mmu_root(ctx),
				    .cmd_va = fault_va, .cmd_size = 64 };
	struct qnn_hw_result r_nop, r_bad;
	int ret;

	ret = qnn_hw_ring_job(qdev, &nop, &r_nop) ?:
	      qnn_hw_ring_job(qdev, &bad, &r_bad);
	if (ret) {
		drm_err(&qdev->drm, "ring self-test: job did not end: %d\n",
			ret);
		return ret;
	}
	if (le32_to_cpu(r_nop.status) != QNN_ERR_NONE ||
	    le32_to_cpu(r_bad.status) != QNN_ERR_MMU_FAULT ||
	    le64_to_cpu(r_bad.fault_addr) != fault_va) {
		drm_err(&qdev->drm,
			"ring self-test: nop status %u, fault status %u at %#llx\n",
			le32_to_cpu(r_nop.status), le32_to_cpu(r_bad.status),
			le64_to_cpu(r_bad.fault_addr));
		return -EIO;
	}
	return 0;
}

/*
 * Prove that the page tables this driver writes are the ones the device
 * walks: map one scratch page read-only at the first user VA of a throw-away
 * address space and have the device MMU translate around it.
 */
static int qnn_hw_mmu_selftest(struct qnn_device *qdev)
{
	struct device *dev = qdev->drm.dev;
	struct drm_mm_node node = {};
	struct qnn_mmu_ctx ctx;
	struct sg_table sgt;
	struct page *page;
	dma_addr_t dma;
	u32 r_ok, r_ro, r_none;
	u64 pa = 0, unused;
	int ret;

	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	dma = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	ret = dma_mapping_error(dev, dma);
	if (ret)
		goto out_page;
	ret = sg_alloc_table(&sgt, 1, GFP_KERNEL);
	if (ret)
		goto out_unmap_page;
	sg_dma_address(sgt.sgl) = dma;
	sg_dma_len(sgt.sgl) = QNN_PAGE_SIZE;
	sgt.nents = 1;

	ret = qnn_mmu_ctx_init(&ctx, qdev, qdev->caps.va_bits, QNN_VA_START,
			       qdev->va_user_end);
	if (ret)
		goto out_sgt;
	ret = qnn_mmu_map_sgt(&ctx, &node, &sgt, QNN_PAGE_SIZE, false);
	if (ret)
		goto out_ctx;

	ret = qnn_hw_translate(qdev, qnn_mmu_root(&ctx), node.start + 0x123,
			       false, &pa, &r_ok) ?:
	      qnn_hw_translate(qdev, qnn_mmu_root(&ctx), node.start, true,
			       &unused, &r_ro) ?:
	      qnn_hw_translate(qdev, qnn_mmu_root(&ctx),
			       node.start + QNN_PAGE_SIZE, false, &unused,
			       &r_none);
	if (!ret && (r_ok != QNN_MMU_OK || pa != dma + 0x123 ||
		     r_ro != QNN_MMU_READ_ONLY || r_none != QNN_MMU_NOT_MAPPED)) {
		drm_err(&qdev->drm,
			"MMU self-test: read %u pa %#llx (want %#llx), write %u, unmapped %u\n",
			r_ok, pa, (u64)dma + 0x123, r_ro, r_none);
		ret = -EIO;
	}
	if (!ret)
		ret = qnn_hw_ring_selftest(qdev, &ctx, node.start + QNN_PAGE_SIZE);
	if (qnn_mmu_unmap(&ctx, &node, NULL) && !ret)
		ret = -EIO;
out_ctx:
	qnn_mmu_ctx_fini(&ctx);
out_sgt:
	sg_free_table(&sgt);
out_unmap_page:
	dma_unmap_page(dev, dma, PAGE_SIZE, DMA_BIDIRECTIONAL);
out_page:
	__free_page(page);
	return ret;
}

static void qnn_hw_stop(struct qnn_device *qdev)
{
	regmap_write(qdev->regs, QNN_REG_IRQ_MASK, 0);
	regmap_write(qdev->regs, QNN_REG_CTRL, QNN_CTRL_RESET);
}

/**
 * qnn_hw_quiesce() - stop a device before the bus lets it master again
 * @dev: the bus device (for messages)
 * @regs: its register window
 *
 * For the bus glue, before bus mastering is enabled: refuses anything that
 * is not a qnn device, masks its interrupts and resets it, so nothing a
 * previous owner (firmware, the kernel before a kexec) started runs on.
 *
 * Return: 0, -ENODEV without the MAGIC, -ETIMEDOUT if it stays in reset.
 */
int qnn_hw_quiesce(struct device *dev, struct regmap *regs)
{
	u32 val;
	int ret;

	ret = regmap_read(regs, QNN_REG_MAGIC, &val);
	if (ret)
		return ret;
	if (val != QNN_MAGIC) {
		dev_err(dev, "bad magic %#x, not a qnn device\n", val);
		return -ENODEV;
	}
	ret = regmap_write(regs, QNN_REG_IRQ_MASK, 0) ?:
	      regmap_write(regs, QNN_REG_CTRL, QNN_CTRL_RESET) ?:
	      regmap_read_poll_timeout(regs, QNN_REG_STATUS, val,
				       val & QNN_STATUS_READY, 10,
				       QNN_RESET_TIMEOUT_US);
	if (ret)
		dev_err(dev, "device did not come out of reset: %d\n", ret);
	return ret;
}
EXPORT_SYMBOL_GPL(qnn_hw_quiesce);

/**
 * qnn_device_shutdown() - stop all DMA for reboot or kexec
 * @qdev: device from qnn_device_init()
 *
 * The bus glue's shutdown callback. Resets the device (which aborts the
 * running job and stops fetching) and masks its interrupt; the DRM device
 * stays registered, jobs on the ring simply never end.
 */
void qnn_device_shutdown(struct qnn_device *qdev)
{
	int idx;

	if (!drm_dev_enter(&qdev->drm, &idx))
		return;
	qnn_hw_stop(qdev);
	drm_dev_exit(idx);
	synchronize_irq(qdev->irq);
}
EXPORT_SYMBOL_GPL(qnn_device_shutdown);

/**
 * qnn_device_reset_prepare() - the bus is about to reset the device
 * @qdev: device
 * @mmio_ok: the registers can still be reached (FLR; not a frozen link)
 *
 * Stops the device where possible and keeps its interrupt off until
 * qnn_device_reset_done(). Jobs on the ring are lost with the reset; the
 * job timeout ends the guilty one and resubmits the others.
 */
void qnn_device_reset_prepare(struct qnn_device *qdev, bool mmio_ok)
{
	qnn_jobs_reset_prepare(qdev);
	disable_irq(qdev->irq);
	if (mmio_ok)
		qnn_hw_stop(qdev);
}
EXPORT_SYMBOL_GPL(qnn_device_reset_prepare);

/**
 * qnn_device_reset_done() - the bus reset is over: run the reset sequence
 * @qdev: device
 *
 * Return: 0, or the error of the reset sequence (the device is dead).
 */
int qnn_device_reset_done(struct qnn_device *qdev)
{
	int ret;

	enable_irq(qdev->irq);
	/* the reset sequence, then the jobs that were on the ring again */
	ret = qnn_jobs_reset_done(qdev);
	return ret;
}
EXPORT_SYMBOL_GPL(qnn_device_reset_done);

/**
 * qnn_device_init() - create and register the DRM device of one accelerator
 * @dev: the bus device (PCI function, platform device, simulated device);
 *	 it is the DMA device and the parent of the accel node
 * @regs: the device's register window
 * @irq: Linux IRQ number of the device's interrupt line
 *
 * Resources are device-managed on @dev; call qnn_device_fini() from the bus
 * driver's remove callback.
 *
 * Return: the new device or an ERR_PTR().
 */
struct qnn_device *qnn_device_init(struct device *dev, struct regmap *regs,
				   int irq)
{
	struct qnn_device *qdev;
	int ret;

	qdev = devm_drm_dev_alloc(dev, &qnn_drm_driver, struct qnn_device,
				  drm);
	if (IS_ERR(qdev))
		return qdev;
	qdev->regs = regs;
	qdev->irq = irq;
	atomic_set(&qdev->bo_count, 0);
	INIT_LIST_HEAD(&qdev->files);
	spin_lock_init(&qdev->irq_lock);
	init_completion(&qdev->sw_irq);
	qnn_jobs_preinit(qdev);
	ret = drmm_mutex_init(&qdev->drm, &qdev->files_lock);
	if (ret)
		return ERR_PTR(ret);

	ret = qnn_hw_read_caps(qdev) ?: qnn_ring_init(qdev) ?:
	      qnn_coredump_init(qdev) ?: qnn_hw_reset(qdev);
	if (ret)
		return ERR_PTR(ret);

	ret = devm_request_threaded_irq(dev, irq, qnn_irq, qnn_irq_thread,
					IRQF_SHARED, dev_name(dev), qdev);
	if (ret) {
		drm_err(&qdev->drm, "cannot get IRQ %d: %d\n", irq, ret);
		return ERR_PTR(ret);
	}
	ret = qnn_hw_start(qdev) ?: qnn_hw_irq_selftest(qdev) ?:
	      qnn_hw_mmu_selftest(qdev) ?: qnn_jobs_init(qdev);
	if (ret)
		goto err_stop;

	ret = drm_dev_register(&qdev->drm, 0);
	if (ret)
		goto err_stop;
	qnn_debugfs_init(qdev);

	drm_info(&qdev->drm,
		 "qnn %#x v%u.%u.%u: %u cores, W%u/A%u, %u KiB SRAM, %u-bit VA, %u-bit %scoherent DMA, IRQ %d\n",
		 qdev->caps.id, (u32)FIELD_GET(QNN_VERSION_MAJOR, qdev->caps.version),
		 (u32)FIELD_GET(QNN_VERSION_MINOR, qdev->caps.version),
		 (u32)FIELD_GET(QNN_VERSION_PATCH, qdev->caps.version),
		 qdev->caps.cores, qdev->caps.weight_bits, qdev->caps.act_bits,
		 qdev->caps.sram_kib, qdev->caps.va_bits, qdev->caps.dma_bits,
		 qdev->caps.dma_coherent ? "" : "non-", irq);
	return qdev;

err_stop:
	qnn_hw_stop(qdev);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(qnn_device_init);

/**
 * qnn_device_fini() - unplug the DRM device and stop the hardware
 * @qdev: device from qnn_device_init()
 *
 * Open files stay valid objects; their ioctls return -ENODEV from now on.
 * Must run while the register window and IRQ are still there (from the bus
 * driver's remove callback, before devres tears them down).
 */
void qnn_device_fini(struct qnn_device *qdev)
{
	/* powered, so that the stop below reaches it; devres disables PM */
	pm_runtime_get_sync(qdev->drm.dev);
	qnn_debugfs_fini(qdev);
	drm_dev_unplug(&qdev->drm);
	qnn_hw_stop(qdev);
	synchronize_irq(qdev->irq);
	/* jobs on the ring will never end now: fail them */
	qnn_jobs_unplug(qdev);
	qnn_coredump_fini(qdev);
	pm_runtime_put_noidle(qdev->drm.dev);
}
EXPORT_SYMBOL_GPL(qnn_device_fini);

/*
 * Power management. A job holds a runtime-PM reference from SUBMIT until
 * the scheduler frees it (qnn_device_pm_get()/put(), called by the job
 * code), so the device powers down (POWER.ON = 0) only after
 * autosuspend_ms without jobs, and powers up through the reset sequence.
 * System sleep stops the scheduler, lets the jobs on the ring end, powers
 * down; resume powers up and restarts the scheduler, and the jobs still
 * queued run then.
 */

/**
 * qnn_device_pm_autosuspend() - the autosuspend delay (autosuspend_ms)
 * @qdev: device
 *
 * For every bus: a PCI function's runtime PM is enabled by the PCI core,
 * a platform device's by qnn_device_pm_enable().
 */
void qnn_device_pm_autosuspend(struct qnn_device *qdev)
{
	struct device *dev = qdev->drm.dev;

	pm_runtime_set_autosuspend_delay(dev, autosuspend_ms);
	pm_runtime_use_autosuspend(dev);
	pm_runtime_mark_last_busy(dev);
}
EXPORT_SYMBOL_GPL(qnn_device_pm_autosuspend);

/**
 * qnn_device_pm_enable() - enable runtime PM with autosuspend
 * @qdev: device, fully initialised, its bus driver data set
 *
 * For bus glues whose bus leaves runtime PM to the driver (platform
 * devices); the PM ops then call qnn_device_runtime_suspend()/resume().
 *
 * Return: 0 or a negative errno.
 */
int qnn_device_pm_enable(struct qnn_device *qdev)
{
	struct device *dev = qdev->drm.dev;

	qnn_device_pm_autosuspend(qdev);
	pm_runtime_set_active(dev);
	return devm_pm_runtime_enable(dev);
}
EXPORT_SYMBOL_GPL(qnn_device_pm_enable);

/**
 * qnn_device_pm_get() - keep the device powered for a job (may sleep)
 * @qdev: device
 *
 * Return: 0, or the error of powering it up.
 */
int qnn_device_pm_get(struct qnn_device *qdev)
{
	return pm_runtime_resume_and_get(qdev->drm.dev);
}

/**
 * qnn_device_pm_put() - a job no longer needs the device (any context)
 * @qdev: device
 */
void qnn_device_pm_put(struct qnn_device *qdev)
{
	pm_runtime_mark_last_busy(qdev->drm.dev);
	pm_runtime_put_autosuspend(qdev->drm.dev);
}

static void qnn_hw_power_down(struct qnn_device *qdev)
{
	regmap_write(qdev->regs, QNN_REG_IRQ_MASK, 0);
	synchronize_irq(qdev->irq);
	WRITE_ONCE(qdev->powered_down, true);
	regmap_write(qdev->regs, QNN_REG_CTRL, 0);
	regmap_write(qdev->regs, QNN_REG_POWER, 0);
}

static int qnn_hw_power_up(struct qnn_device *qdev)
{
	int ret;

	ret = regmap_write(qdev->regs, QNN_REG_POWER, QNN_POWER_ON);
	if (ret)
		return ret;
	WRITE_ONCE(qdev->powered_down, false);
	/* everything was lost: the full reset sequence */
	ret = qnn_hw_start(qdev);
	if (ret)
		drm_err(&qdev->drm, "device did not power up: %d\n", ret);
	return ret;
}

/**
 * qnn_device_runtime_suspend() - runtime PM: power down an idle device
 * @qdev: device; no job holds a reference, so the ring is empty
 *
 * Return: 0.
 */
int qnn_device_runtime_suspend(struct qnn_device *qdev)
{
	qnn_hw_power_down(qdev);
	return 0;
}
EXPORT_SYMBOL_GPL(qnn_device_runtime_suspend);

/**
 * qnn_device_runtime_resume() - runtime PM: power up
 * @qdev: device
 *
 * Return: 0, or the reset sequence's error.
 */
int qnn_device_runtime_resume(struct qnn_device *qdev)
{
	return qnn_hw_power_up(qdev);
}
EXPORT_SYMBOL_GPL(qnn_device_runtime_resume);

/* Nothing on the ring: the device fetched everything and runs nothing. */
static bool qnn_ring_idle(struct qnn_device *qdev)
{
	u32 head, status;

	if (regmap_read(qdev->regs, QNN_REG_CQ_HEAD, &head) ||
	    regmap_read(qdev->regs, QNN_REG_STATUS, &status))
		return true;
	return head == READ_ONCE(qdev->ring.tail) && !(status & QNN_STATUS_BUSY);
}

/**
 * qnn_device_suspend() - system sleep: stop taking jobs, drain, power down
 * @qdev: device
 *
 * Jobs still queued in the scheduler stay queued; the ones on the ring
 * end first (or, hung, are lost and time out after resume).
 *
 * Return: 0.
 */
int qnn_device_suspend(struct qnn_device *qdev)
{
	struct drm_gpu_scheduler *sched = &qdev->jobs.sched;

	if (!qdev->jobs.sched_ready)
		return 0;
	drm_sched_wqueue_stop(sched);
	/*
	 * No job timeout from here to resume: jobs that end now cannot be
	 * freed (the work items are stopped), and a timeout handler would
	 * take them for lost interrupts and restart the work items.
	 */
	qdev->suspend_timeout = drm_sched_suspend_timeout(sched);
	qdev->sys_stopped = true;
	if (pm_runtime_status_suspended(qdev->drm.dev))
		return 0;
	if (!wait_event_timeout(qdev->ring.done_wq, qnn_ring_idle(qdev),
				QNN_SUSPEND_DRAIN))
		drm_warn(&qdev->drm, "suspend: a job is still running\n");
	qnn_hw_power_down(qdev);
	qdev->sys_powered_down = true;
	return 0;
}
EXPORT_SYMBOL_GPL(qnn_device_suspend);

/**
 * qnn_device_resume() - system sleep is over: power up, run what is queued
 * @qdev: device
 *
 * Return: 0, or the reset sequence's error.
 */
int qnn_device_resume(struct qnn_device *qdev)
{
	struct drm_gpu_scheduler *sched = &qdev->jobs.sched;
	int ret = 0;

	if (!qdev->sys_stopped)
		return 0;
	if (qdev->sys_powered_down) {
		qdev->sys_powered_down = false;
		ret = qnn_hw_power_up(qdev);
	}
	qdev->sys_stopped = false;
	drm_sched_resume_timeout(sched, qdev->suspend_timeout);
	drm_sched_wqueue_start(sched);
	return ret;
}
EXPORT_SYMBOL_GPL(qnn_device_resume);
