// SPDX-License-Identifier: GPL-2.0-only
/*
 * AXI glue: the accelerator as a platform device described by the device
 * tree (dts/qnn,npu.yaml): one AXI-Lite register window, one interrupt, an
 * optional clock, an AXI master for DMA.
 */
#include <linux/clk.h>
#include <linux/dma-mapping.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/platform_device.h>

#include "qnn_drv.h"

static int qnn_axi_probe(struct platform_device *pdev)
{
	struct qnn_device *qdev;
	struct regmap *regs;
	void __iomem *base;
	struct clk *clk;
	int irq;

	/* the fabric clock; on until the device is unbound */
	clk = devm_clk_get_optional_enabled(&pdev->dev, NULL);
	if (IS_ERR(clk))
		return dev_err_probe(&pdev->dev, PTR_ERR(clk), "clock\n");
	base = devm_platform_ioremap_resource(pdev, 0);
	if (IS_ERR(base))
		return PTR_ERR(base);
	irq = platform_get_irq(pdev, 0);
	if (irq < 0)
		return irq;
	regs = devm_regmap_init_mmio(&pdev->dev, base, &qnn_regmap_config);
	if (IS_ERR(regs))
		return PTR_ERR(regs);

	qdev = qnn_device_init(&pdev->dev, regs, irq);
	if (IS_ERR(qdev))
		return PTR_ERR(qdev);
	platform_set_drvdata(pdev, qdev);
	return 0;
}

static void qnn_axi_remove(struct platform_device *pdev)
{
	qnn_device_fini(platform_get_drvdata(pdev));
}

static const struct of_device_id qnn_axi_of_match[] = {
	{ .compatible = "qnn,npu-1.0" },
	{ }
};
MODULE_DEVICE_TABLE(of, qnn_axi_of_match);

static struct platform_driver qnn_axi_driver = {
	.driver = {
		.name = "qnn-axi",
		.of_match_table = qnn_axi_of_match,
	},
	.probe = qnn_axi_probe,
	.remove = qnn_axi_remove,
};

int qnn_axi_register(void)
{
	return platform_driver_register(&qnn_axi_driver);
}

void qnn_axi_unregister(void)
{
	platform_driver_unregister(&qnn_axi_driver);
}
