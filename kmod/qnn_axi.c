// SPDX-License-Identifier: GPL-2.0-only
/*
 * AXI glue: the accelerator as a platform device described by the device
 * tree (dts/qnn,npu.yaml): one AXI-Lite register window, one interrupt, an
 * optional clock and reset, an AXI master for DMA, maybe behind an SMMU (the
 * DMA API then hands out IOVAs); the platform bus attaches a power domain.
 * The DMA mask comes from the device (the core reads DMA_CAPS); what the
 * interconnect reaches from the parent bus's dma-ranges; coherence from
 * dma-coherent (Zynq HP ports do not snoop: no dma-coherent, so
 * write-combined maps and syncs).
 */
#include <linux/clk.h>
#include <linux/dma-mapping.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/reset.h>

#include "qnn_drv.h"

static int qnn_axi_probe(struct platform_device *pdev)
{
	struct reset_control *rst;
	struct qnn_device *qdev;
	struct regmap *regs;
	void __iomem *base;
	struct clk *clk;
	int ret, irq;

	/* the fabric clock; on until the device is unbound */
	clk = devm_clk_get_optional_enabled(&pdev->dev, NULL);
	if (IS_ERR(clk))
		return dev_err_probe(&pdev->dev, PTR_ERR(clk), "clock\n");
	/* the block's reset line, released (clock running) until unbound */
	rst = devm_reset_control_get_optional_exclusive_deasserted(&pdev->dev,
								   NULL);
	if (IS_ERR(rst))
		return dev_err_probe(&pdev->dev, PTR_ERR(rst), "reset\n");
	base = devm_platform_ioremap_resource(pdev, 0);
	if (IS_ERR(base))
		return PTR_ERR(base);
	irq = platform_get_irq(pdev, 0);
	if (irq < 0)
		return irq;
	regs = devm_regmap_init_mmio(&pdev->dev, base, &qnn_regmap_config);
	if (IS_ERR(regs))
		return PTR_ERR(regs);
	/* a bootloader or a kexec'd-from kernel may have left it running */
	ret = qnn_hw_quiesce(&pdev->dev, regs);
	if (ret)
		return ret;

	qdev = qnn_device_init(&pdev->dev, regs, irq);
	if (IS_ERR(qdev))
		return PTR_ERR(qdev);
	platform_set_drvdata(pdev, qdev);
	return qnn_device_pm_enable(qdev);
}

static void qnn_axi_remove(struct platform_device *pdev)
{
	qnn_device_fini(platform_get_drvdata(pdev));
}

/* Reboot, kexec: no DMA may outlive this kernel. */
static void qnn_axi_shutdown(struct platform_device *pdev)
{
	struct qnn_device *qdev = platform_get_drvdata(pdev);

	if (qdev)
		qnn_device_shutdown(qdev);
}

static int qnn_axi_runtime_suspend(struct device *dev)
{
	struct qnn_device *qdev = dev_get_drvdata(dev);

	return qdev ? qnn_device_runtime_suspend(qdev) : 0;
}

static int qnn_axi_runtime_resume(struct device *dev)
{
	struct qnn_device *qdev = dev_get_drvdata(dev);

	return qdev ? qnn_device_runtime_resume(qdev) : 0;
}

static int qnn_axi_suspend(struct device *dev)
{
	struct qnn_device *qdev = dev_get_drvdata(dev);

	return qdev ? qnn_device_suspend(qdev) : 0;
}

static int qnn_axi_resume(struct device *dev)
{
	struct qnn_device *qdev = dev_get_drvdata(dev);

	return qdev ? qnn_device_resume(qdev) : 0;
}

static const struct dev_pm_ops qnn_axi_pm_ops = {
	SYSTEM_SLEEP_PM_OPS(qnn_axi_suspend, qnn_axi_resume)
	RUNTIME_PM_OPS(qnn_axi_runtime_suspend, qnn_axi_runtime_resume, NULL)
};

static const struct of_device_id qnn_axi_of_match[] = {
	{ .compatible = "qnn,npu-1.0" },
	{ }
};
MODULE_DEVICE_TABLE(of, qnn_axi_of_match);

static struct platform_driver qnn_axi_driver = {
	.driver = {
		.name = "qnn-axi",
		.of_match_table = qnn_axi_of_match,
		.pm = pm_ptr(&qnn_axi_pm_ops),
	},
	.probe = qnn_axi_probe,
	.remove = qnn_axi_remove,
	.shutdown = qnn_axi_shutdown,
};

int qnn_axi_register(void)
{
	return platform_driver_register(&qnn_axi_driver);
}

void qnn_axi_unregister(void)
{
	platform_driver_unregister(&qnn_axi_driver);
}
