// SPDX-License-Identifier: GPL-2.0-only
/*
 * qnn_sim: simulated qnn accelerators, in the netdevsim pattern. The module
 * creates num_devices platform devices "qnn_sim.N" and drives them with its
 * own platform driver, which gives each one a register file behind a regmap
 * and a real Linux IRQ, then hands both to qnn.ko's qnn_device_init() - the
 * same entry point the PCI and AXI glue use.
 */
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/regmap.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "qnn_drv.h"
#include "qnn_regs.h"
#include "qnn_sim.h"

#define QNN_SIM_MAX_DEVICES	8

static unsigned int num_devices = 1;
module_param(num_devices, uint, 0444);
MODULE_PARM_DESC(num_devices, "simulated devices, 1..8 (default 1)");

static struct qnn_sim_config qnn_sim_cfg = {
	.cores = 4,
	.sram_kib = 1024,
	.max_weight_bits = 8,
	.max_act_bits = 8,
	.ops = 0xff,
	.clock_khz = 250000,
	.va_bits = 32,
	.queue_depth = 64,
	.ops_per_cycle = 16384,
	.dma_bits = 48,
	.dma_coherent = true,
	.tlb_entries = 64,
};

module_param_named(cores, qnn_sim_cfg.cores, uint, 0444);
MODULE_PARM_DESC(cores, "compute cores, 1..255 (default 4)");
module_param_named(sram_kib, qnn_sim_cfg.sram_kib, uint, 0444);
MODULE_PARM_DESC(sram_kib, "on-chip memory in KiB, 0..4194303 (default 1024)");
module_param_named(max_weight_bits, qnn_sim_cfg.max_weight_bits, uint, 0444);
MODULE_PARM_DESC(max_weight_bits, "widest weights, 1..8 (default 8)");
module_param_named(max_act_bits, qnn_sim_cfg.max_act_bits, uint, 0444);
MODULE_PARM_DESC(max_act_bits, "widest activations, 1..8 (default 8)");
module_param_named(ops, qnn_sim_cfg.ops, uint, 0444);
MODULE_PARM_DESC(ops, "DRM_QNN_OP_* mask, 0..0xff (default 0xff)");
module_param_named(clock_khz, qnn_sim_cfg.clock_khz, uint, 0444);
MODULE_PARM_DESC(clock_khz, "clock in kHz, 1..4000000 (default 250000)");
module_param_named(va_bits, qnn_sim_cfg.va_bits, uint, 0444);
MODULE_PARM_DESC(va_bits, "device VA width, 30..48 (default 32)");
module_param_named(queue_depth, qnn_sim_cfg.queue_depth, uint, 0444);
MODULE_PARM_DESC(queue_depth, "ring entries, power of two 2..4096 (default 64)");
module_param_named(ops_per_cycle, qnn_sim_cfg.ops_per_cycle, uint, 0444);
MODULE_PARM_DESC(ops_per_cycle,
		 "timing model: 1-bit MACs per cycle, 1..1073741824 (default 16384)");

module_param_named(dma_bits, qnn_sim_cfg.dma_bits, uint, 0444);
MODULE_PARM_DESC(dma_bits,
		 "bus address width; DMA beyond it is a bus error, 32..52 (default 48)");
module_param_named(dma_coherent, qnn_sim_cfg.dma_coherent, bool, 0444);
MODULE_PARM_DESC(dma_coherent,
		 "0: the device is described as dma-noncoherent (write-combined CPU maps) (default 1)");
module_param_named(tlb_entries, qnn_sim_cfg.tlb_entries, uint, 0444);
MODULE_PARM_DESC(tlb_entries,
		 "translations the MMU caches, tagged by root table, 0..4096 (default 64)");

/* /sys/kernel/debug/qnn_sim/: one directory of fault knobs per device */
static struct dentry *qnn_sim_debugfs;

/* qnn_regmap_config, with the register file in software */
static const struct regmap_config qnn_sim_regmap_config = {
	.name = "qnn_sim",
	.reg_bits = 32,
	.val_bits = 32,
	.reg_stride = 4,
	.max_register = QNN_REG_MAX,
	.reg_read = qnn_sim_reg_read,
	.reg_write = qnn_sim_reg_write,
	.fast_io = true,	/* the driver reads registers in hard IRQ context */
};

/* protects qnn_sim_pdevs */
static DEFINE_MUTEX(qnn_sim_devs_lock);
static struct platform_device *qnn_sim_pdevs[QNN_SIM_MAX_DEVICES];

static void qnn_sim_irq_work(struct irq_work *work)
{
	struct qnn_sim *sim = container_of(work, struct qnn_sim, irq_work);

	generic_handle_irq_safe(sim->irq);
}

static void qnn_sim_free_irq(void *data)
{
	struct qnn_sim *sim = data;

	irq_work_sync(&sim->irq_work);
	irq_free_desc(sim->irq);
}

/*
 * A Linux IRQ of our own: the core requests it like any device's line. The
 * descriptor has no owner module: request_irq() would otherwise pin qnn_sim
 * until the device is unbound, which only module unload does.
 */
static int qnn_sim_alloc_irq(struct qnn_sim *sim)
{
	int irq;

	irq = __irq_alloc_descs(-1, 0, 1, dev_to_node(sim->dev), NULL, NULL);
	if (irq < 0)
		return irq;
	sim->irq = irq;
	irq_set_chip_and_handler(irq, &dummy_irq_chip, handle_simple_irq);
	irq_clear_status_flags(irq, IRQ_NOREQUEST | IRQ_NOPROBE);
	init_irq_work(&sim->irq_work, qnn_sim_irq_work);
	return devm_add_action_or_reset(sim->dev, qnn_sim_free_irq, sim);
}

static int qnn_sim_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct qnn_device *qdev;
	struct regmap *regs;
	struct qnn_sim *sim;
	int ret;

	/* see qnn_sim_mmu.c: DMA addresses must be physical addresses */
	if (dev->dma_range_map) {
		dev_err(dev, "DMA offsets are not modelled\n");
		return -ENODEV;
	}
	/* the DMA mask is the core's, from DMA_CAPS */

	sim = devm_kzalloc(dev, sizeof(*sim), GFP_KERNEL);
	if (!sim)
		return -ENOMEM;
	sim->dev = dev;
	/* the capabilities this device was created with */
	sim->cfg = dev_get_platdata(dev);
	if (!sim->cfg)
		return -EINVAL;
	spin_lock_init(&sim->lock);
	init_waitqueue_head(&sim->wait);
	spin_lock_init(&sim->tlb.lock);
	qnn_sim_reset(sim);
	ret = qnn_sim_engine_init(sim, qnn_sim_debugfs) ?:
	      qnn_sim_tlb_init(sim);
	if (ret)
		return ret;
	qnn_sim_power_debugfs(sim);
	ret = qnn_sim_alloc_irq(sim);
	if (ret)
		return ret;

	regs = devm_regmap_init(dev, NULL, sim, &qnn_sim_regmap_config);
	if (IS_ERR(regs))
		return PTR_ERR(regs);

	qdev = qnn_device_init(dev, regs, sim->irq);
	if (IS_ERR(qdev)) {
		/* before devres frees the ring the engine may be reading */
		qnn_sim_engine_stop(sim);
		return dev_err_probe(dev, PTR_ERR(qdev), "qnn_device_init\n");
	}
	sim->qdev = qdev;
	platform_set_drvdata(pdev, sim);
	return qnn_device_pm_enable(qdev);
}

static void qnn_sim_remove(struct platform_device *pdev)
{
	struct qnn_sim *sim = platform_get_drvdata(pdev);

	/* resets the device: the engine stops after the job it is on */
	qnn_device_fini(sim->qdev);
	qnn_sim_engine_stop(sim);
	irq_work_sync(&sim->irq_work);
}

/* Power management is the core's; the sim only finds its qnn device. */
static int qnn_sim_runtime_suspend(struct device *dev)
{
	struct qnn_sim *sim = dev_get_drvdata(dev);

	return sim ? qnn_device_runtime_suspend(sim->qdev) : 0;
}

static int qnn_sim_runtime_resume(struct device *dev)
{
	struct qnn_sim *sim = dev_get_drvdata(dev);

	return sim ? qnn_device_runtime_resume(sim->qdev) : 0;
}

static int qnn_sim_suspend(struct device *dev)
{
	struct qnn_sim *sim = dev_get_drvdata(dev);

	return sim ? qnn_device_suspend(sim->qdev) : 0;
}

static int qnn_sim_resume(struct device *dev)
{
	struct qnn_sim *sim = dev_get_drvdata(dev);

	return sim ? qnn_device_resume(sim->qdev) : 0;
}

static const struct dev_pm_ops qnn_sim_pm_ops = {
	SYSTEM_SLEEP_PM_OPS(qnn_sim_suspend, qnn_sim_resume)
	RUNTIME_PM_OPS(qnn_sim_runtime_suspend, qnn_sim_runtime_resume, NULL)
};

static void qnn_sim_shutdown(struct platform_device *pdev)
{
	struct qnn_sim *sim = platform_get_drvdata(pdev);

	if (sim)
		qnn_device_shutdown(sim->qdev);
}

static int qnn_sim_check(const char *name, unsigned int val, unsigned int min,
			 unsigned int max)
{
	if (val >= min && val <= max)
		return 0;
	pr_err("qnn_sim: %s=%u out of range %u..%u\n", name, val, min, max);
	return -EINVAL;
}

/* The capabilities a device can be given, their ranges (docs/uapi.md). */
static const struct qnn_sim_cfg_field {
	const char *name;
	size_t offset;
	unsigned int min, max;
} qnn_sim_cfg_fields[] = {
#define F(f, lo, hi) { #f, offsetof(struct qnn_sim_config, f), lo, hi }
	F(cores, 1, 255),
	F(sram_kib, 0, 4194303),
	F(max_weight_bits, 1, 8),
	F(max_act_bits, 1, 8),
	F(ops, 0, 0xff),
	F(clock_khz, 1, 4000000),
	F(va_bits, 30, 48),
	F(queue_depth, 2, 4096),
	F(ops_per_cycle, 1, 1U << 30),
	F(dma_bits, 32, 52),
	F(tlb_entries, 0, 4096),
#undef F
};

static unsigned int *qnn_sim_cfg_val(struct qnn_sim_config *c,
				     const struct qnn_sim_cfg_field *f)
{
	return (unsigned int *)((char *)c + f->offset);
}

static int qnn_sim_check_config(struct qnn_sim_config *c)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(qnn_sim_cfg_fields); i++) {
		const struct qnn_sim_cfg_field *f = &qnn_sim_cfg_fields[i];

		ret = qnn_sim_check(f->name, *qnn_sim_cfg_val(c, f), f->min,
				    f->max);
		if (ret)
			return ret;
	}
	if (!is_power_of_2(c->queue_depth)) {
		pr_err("qnn_sim: queue_depth=%u is not a power of two\n",
		       c->queue_depth);
		return -EINVAL;
	}
	return 0;
}

static int qnn_sim_check_params(void)
{
	return qnn_sim_check("num_devices", num_devices, 1,
			     QNN_SIM_MAX_DEVICES) ?:
	       qnn_sim_check_config(&qnn_sim_cfg);
}

/*
 * Create and bind simulated device @id with capabilities @cfg (copied
 * into its platform data); under qnn_sim_devs_lock.
 */
static int qnn_sim_add_device(unsigned int id,
			      const struct qnn_sim_config *cfg)
{
	static const struct property_entry noncoherent[] = {
		PROPERTY_ENTRY_BOOL("dma-noncoherent"),
		{ }
	};
	struct platform_device_info info = {
		.name = "qnn_sim",
		.id = id,
		.dma_mask = DMA_BIT_MASK(64),
		.data = cfg,
		.size_data = sizeof(*cfg),
		.properties = cfg->dma_coherent ? NULL : noncoherent,
	};
	struct platform_device *pdev;

	if (id >= QNN_SIM_MAX_DEVICES)
		return -EINVAL;
	if (qnn_sim_pdevs[id])
		return -EEXIST;
	pdev = platform_device_register_full(&info);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	/* probing is synchronous: no driver data means the probe failed */
	if (!platform_get_drvdata(pdev)) {
		platform_device_unregister(pdev);
		return -ENODEV;
	}
	qnn_sim_pdevs[id] = pdev;
	return 0;
}

/* Under qnn_sim_devs_lock. */
static int qnn_sim_del_device(unsigned int id)
{
	if (id >= QNN_SIM_MAX_DEVICES || !qnn_sim_pdevs[id])
		return -ENOENT;
	platform_device_unregister(qnn_sim_pdevs[id]);
	qnn_sim_pdevs[id] = NULL;
	return 0;
}

static void qnn_sim_del_all(void)
{
	unsigned int id;

	mutex_lock(&qnn_sim_devs_lock);
	for (id = 0; id < QNN_SIM_MAX_DEVICES; id++)
		qnn_sim_del_device(id);
	mutex_unlock(&qnn_sim_devs_lock);
}

/*
 * "name=value": set that capability of @c; -EINVAL for an unknown name, a
 * value that is not a number or out of range (checked by the caller).
 */
static int qnn_sim_cfg_set(struct qnn_sim_config *c, char *tok)
{
	char *name = strsep(&tok, "=");
	unsigned int i;

	if (!tok)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(qnn_sim_cfg_fields); i++)
		if (!strcmp(name, qnn_sim_cfg_fields[i].name))
			return kstrtouint(tok, 0,
					  qnn_sim_cfg_val(c,
							  &qnn_sim_cfg_fields[i]));
	return -EINVAL;
}

/*
 * netdevsim-style runtime control:
 *   echo "N [name=value ...]" > /sys/bus/platform/drivers/qnn_sim/new_device
 *   echo N > /sys/bus/platform/drivers/qnn_sim/del_device
 * A new device gets the module's parameters, overridden by its own
 * name=value pairs (e.g. "1 ops=0x23 max_act_bits=1": fewer ops, fewer bits).
 */
static ssize_t new_device_store(struct device_driver *drv, const char *buf,
				size_t count)
{
	struct qnn_sim_config cfg = qnn_sim_cfg;
	char *args, *cur, *tok;
	unsigned int id;
	int ret;

	args = kstrndup(buf, count, GFP_KERNEL);
	if (!args)
		return -ENOMEM;
	cur = strim(args);
	tok = strsep(&cur, " \t");
	ret = kstrtouint(tok, 0, &id);
	while (!ret && cur && (tok = strsep(&cur, " \t")))
		if (*tok)
			ret = qnn_sim_cfg_set(&cfg, tok);
	kfree(args);
	if (!ret)
		ret = qnn_sim_check_config(&cfg);
	if (ret)
		return ret;
	mutex_lock(&qnn_sim_devs_lock);
	ret = qnn_sim_add_device(id, &cfg);
	mutex_unlock(&qnn_sim_devs_lock);
	return ret ?: count;
}
static DRIVER_ATTR_WO(new_device);

static ssize_t del_device_store(struct device_driver *drv, const char *buf,
				size_t count)
{
	unsigned int id;
	int ret;

	ret = kstrtouint(buf, 0, &id);
	if (ret)
		return ret;
	mutex_lock(&qnn_sim_devs_lock);
	ret = qnn_sim_del_device(id);
	mutex_unlock(&qnn_sim_devs_lock);
	return ret ?: count;
}
static DRIVER_ATTR_WO(del_device);

static struct attribute *qnn_sim_drv_attrs[] = {
	&driver_attr_new_device.attr,
	&driver_attr_del_device.attr,
	NULL
};
ATTRIBUTE_GROUPS(qnn_sim_drv);

static struct platform_driver qnn_sim_driver = {
	.driver = {
		.name = "qnn_sim",
		.groups = qnn_sim_drv_groups,
		.pm = pm_ptr(&qnn_sim_pm_ops),
	},
	.probe = qnn_sim_probe,
	.remove = qnn_sim_remove,
	.shutdown = qnn_sim_shutdown,
};

static int __init qnn_sim_init(void)
{
	unsigned int i;
	int ret;

	ret = qnn_sim_check_params();
	if (ret)
		return ret;
	qnn_sim_debugfs = debugfs_create_dir("qnn_sim", NULL);
	ret = platform_driver_register(&qnn_sim_driver);
	if (ret) {
		debugfs_remove_recursive(qnn_sim_debugfs);
		return ret;
	}

	mutex_lock(&qnn_sim_devs_lock);
	for (i = 0; i < num_devices && !ret; i++)
		ret = qnn_sim_add_device(i, &qnn_sim_cfg);
	mutex_unlock(&qnn_sim_devs_lock);
	if (ret) {
		platform_driver_unregister(&qnn_sim_driver);
		qnn_sim_del_all();
		debugfs_remove_recursive(qnn_sim_debugfs);
	}
	return ret;
}

/*
 * The driver goes first: that removes new_device/del_device (waiting for
 * writers) and unbinds every device; then the devices themselves.
 */
static void __exit qnn_sim_exit(void)
{
	platform_driver_unregister(&qnn_sim_driver);
	qnn_sim_del_all();
	debugfs_remove_recursive(qnn_sim_debugfs);
}

module_init(qnn_sim_init);
module_exit(qnn_sim_exit);

MODULE_DESCRIPTION("Simulated qnn binary/low-bit neural-network accelerator");
MODULE_LICENSE("GPL");
