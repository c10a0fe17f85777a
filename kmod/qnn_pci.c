// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI glue: BAR0 is the register window, one MSI-X, MSI or (shared) INTx
 * interrupt. Everything else is the core's business.
 *
 * The ID table holds only the reference model's ID. qnn is a design that
 * FPGA boards and ASICs implement, and each card carries the vendor and
 * device ID of whoever builds it; a made-up ID under someone else's vendor
 * ID would bind unrelated hardware. Bind a card at run time with
 *	echo "VVVV DDDD" > /sys/bus/pci/drivers/qnn/new_id
 * (or driver_override); a card with an assigned ID gets a table entry here
 * in the patch that adds it (docs/hw-interface.md, "PCI IDs"). The probe
 * refuses anything whose MAGIC register is not "QNNA".
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/pm_runtime.h>
#include <drm/drm_print.h>

#include "qnn_drv.h"

static int qnn_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct qnn_device *qdev;
	struct regmap *regs;
	void __iomem *base;
	int ret, irq;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	base = pcim_iomap_region(pdev, 0, "qnn");
	if (IS_ERR(base))
		return PTR_ERR(base);
	regs = devm_regmap_init_mmio(&pdev->dev, base, &qnn_regmap_config);
	if (IS_ERR(regs))
		return PTR_ERR(regs);

	/*
	 * Stop whatever the device was doing (firmware, a previous kernel
	 * before kexec) before it may master the bus again.
	 */
	ret = qnn_hw_quiesce(&pdev->dev, regs);
	if (ret)
		return ret;
	pci_set_master(pdev);

	/* managed by pcim_enable_device(); INTx is shared, the handler copes */
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_ALL_TYPES);
	if (ret < 0)
		return ret;
	irq = pci_irq_vector(pdev, 0);
	if (irq < 0)
		return irq;

	qdev = qnn_device_init(&pdev->dev, regs, irq);
	if (IS_ERR(qdev))
		return PTR_ERR(qdev);
	pci_set_drvdata(pdev, qdev);
	/* what AER slot reset restores */
	pci_save_state(pdev);
	/*
	 * Runtime PM: the PCI core enabled it and holds a reference over
	 * probe. Dropping it lets the function suspend (autosuspend, as on
	 * the other buses) once user space writes "auto" to power/control.
	 */
	qnn_device_pm_autosuspend(qdev);
	pm_runtime_put_noidle(&pdev->dev);
	return 0;
}

static void qnn_pci_remove(struct pci_dev *pdev)
{
	/* the reference probe dropped (the PCI core resumed the function) */
	pm_runtime_get_noresume(&pdev->dev);
	pm_runtime_dont_use_autosuspend(&pdev->dev);
	qnn_device_fini(pci_get_drvdata(pdev));
}

/* Reboot, kexec: no DMA may outlive this kernel. */
static void qnn_pci_shutdown(struct pci_dev *pdev)
{
	struct qnn_device *qdev = pci_get_drvdata(pdev);

	if (qdev)
		qnn_device_shutdown(qdev);
	pci_clear_master(pdev);
}

/*
 * AER: a frozen link cannot be touched; the core resets the slot, and
 * the device then starts again from the reset sequence. Jobs that were on
 * the ring are lost with the link and end through the job timeout (the
 * scheduler resubmits the innocent ones).
 */
static pci_ers_result_t qnn_pci_error_detected(struct pci_dev *pdev,
					       pci_channel_state_t state)
{
	struct qnn_device *qdev = pci_get_drvdata(pdev);

	if (state == pci_channel_io_perm_failure)
		return PCI_ERS_RESULT_DISCONNECT;
	qnn_device_reset_prepare(qdev, state == pci_channel_io_normal);
	return PCI_ERS_RESULT_NEED_RESET;
}

static pci_ers_result_t qnn_pci_slot_reset(struct pci_dev *pdev)
{
	struct qnn_device *qdev = pci_get_drvdata(pdev);

	pci_restore_state(pdev);
	pci_save_state(pdev);
	pci_set_master(pdev);
	return qnn_device_reset_done(qdev) ? PCI_ERS_RESULT_DISCONNECT :
					     PCI_ERS_RESULT_RECOVERED;
}

/* FLR (sysfs reset, VFIO, the PCI core): the same, around the core's reset. */
static void qnn_pci_reset_prepare(struct pci_dev *pdev)
{
	qnn_device_reset_prepare(pci_get_drvdata(pdev), true);
}

static void qnn_pci_reset_done(struct pci_dev *pdev)
{
	struct qnn_device *qdev = pci_get_drvdata(pdev);

	if (qnn_device_reset_done(qdev))
		drm_err(&qdev->drm, "device did not restart after reset\n");
}

/*
 * System sleep; the PCI core saves config space and picks the D-state.
 *
 * Runtime PM: off by default, as the PCI core leaves every function
 * (power/control "on") until the administrator writes "auto". Then the
 * driver powers the block down (POWER = 0) after its autosuspend delay and
 * the PCI core puts the function in D3hot; on resume the core restores
 * config space and the driver runs the reset sequence (docs/design.md,
 * "PCI runtime PM").
 */
static int qnn_pci_runtime_suspend(struct device *dev)
{
	struct qnn_device *qdev = dev_get_drvdata(dev);

	return qdev ? qnn_device_runtime_suspend(qdev) : 0;
}

static int qnn_pci_runtime_resume(struct device *dev)
{
	struct qnn_device *qdev = dev_get_drvdata(dev);

	return qdev ? qnn_device_runtime_resume(qdev) : 0;
}

static int qnn_pci_suspend(struct device *dev)
{
	return qnn_device_suspend(dev_get_drvdata(dev));
}

static int qnn_pci_resume(struct device *dev)
{
	return qnn_device_resume(dev_get_drvdata(dev));
}

static const struct dev_pm_ops qnn_pci_pm_ops = {
	SYSTEM_SLEEP_PM_OPS(qnn_pci_suspend, qnn_pci_resume)
	RUNTIME_PM_OPS(qnn_pci_runtime_suspend, qnn_pci_runtime_resume, NULL)
};

static const struct pci_error_handlers qnn_pci_err_handlers = {
	.error_detected = qnn_pci_error_detected,
	.slot_reset = qnn_pci_slot_reset,
	.reset_prepare = qnn_pci_reset_prepare,
	.reset_done = qnn_pci_reset_done,
};

/*
 * The qnn-pci reference model (qemu/hw/qnn/, docs/hw-interface.md): an ID
 * from the range QEMU leaves for experimental devices. Cards: see the top
 * of this file.
 */
#define QNN_PCI_VENDOR_MODEL	0x1af4
#define QNN_PCI_DEVICE_MODEL	0x10f0

static const struct pci_device_id qnn_pci_ids[] = {
	{ PCI_DEVICE(QNN_PCI_VENDOR_MODEL, QNN_PCI_DEVICE_MODEL) },
	{ }
};
MODULE_DEVICE_TABLE(pci, qnn_pci_ids);

static struct pci_driver qnn_pci_driver = {
	.name = "qnn",
	.id_table = qnn_pci_ids,
	.probe = qnn_pci_probe,
	.remove = qnn_pci_remove,
	.shutdown = qnn_pci_shutdown,
	.err_handler = &qnn_pci_err_handlers,
	.driver.pm = pm_ptr(&qnn_pci_pm_ops),
};

int qnn_pci_register(void)
{
	return pci_register_driver(&qnn_pci_driver);
}

void qnn_pci_unregister(void)
{
	pci_unregister_driver(&qnn_pci_driver);
}
