// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI glue: BAR0 is the register window, one MSI-X or MSI vector the
 * interrupt. Everything else is the core's business.
 */
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/pci.h>

#include "qnn_drv.h"

/* FPGA PCIe endpoint of the reference design (Xilinx vendor id) */
#define QNN_PCI_VENDOR_ID	0x10ee
#define QNN_PCI_DEVICE_ID	0x5101

static int qnn_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct qnn_device *qdev;
	struct regmap *regs;
	void __iomem *base;
	int ret, irq;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	base = pcim_iomap_region(pdev, 0, "qnn");
	if (IS_ERR(base))
		return PTR_ERR(base);
	regs = devm_regmap_init_mmio(&pdev->dev, base, &qnn_regmap_config);
	if (IS_ERR(regs))
		return PTR_ERR(regs);

	/* managed by pcim_enable_device() */
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX | PCI_IRQ_MSI);
	if (ret < 0)
		return ret;
	irq = pci_irq_vector(pdev, 0);
	if (irq < 0)
		return irq;

	qdev = qnn_device_init(&pdev->dev, regs, irq);
	if (IS_ERR(qdev))
		return PTR_ERR(qdev);
	pci_set_drvdata(pdev, qdev);
	return 0;
}

static void qnn_pci_remove(struct pci_dev *pdev)
{
	qnn_device_fini(pci_get_drvdata(pdev));
}

static const struct pci_device_id qnn_pci_ids[] = {
	{ PCI_DEVICE(QNN_PCI_VENDOR_ID, QNN_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, qnn_pci_ids);

static struct pci_driver qnn_pci_driver = {
	.name = "qnn",
	.id_table = qnn_pci_ids,
	.probe = qnn_pci_probe,
	.remove = qnn_pci_remove,
};

int qnn_pci_register(void)
{
	return pci_register_driver(&qnn_pci_driver);
}

void qnn_pci_unregister(void)
{
	pci_unregister_driver(&qnn_pci_driver);
}
