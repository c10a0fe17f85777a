// SPDX-License-Identifier: GPL-2.0-only
/*
 * debugfs: /sys/kernel/debug/accel/<dev>/ (created by the DRM core) gets
 * bo_count (the selftests' leak check), files, va, jobs, regs (every
 * register by name) and counters (qnn_stats.c); and
 * /sys/kernel/debug/accel/<minor> links to it, so tests can go from
 * /dev/accel/accelN to its directory.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>

#include "qnn_drv.h"
#include "qnn_regs.h"

static int bo_count_show(struct seq_file *m, void *unused)
{
	struct qnn_device *qdev = m->private;

	seq_printf(m, "%d\n", atomic_read(&qdev->bo_count));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bo_count);

static int files_show(struct seq_file *m, void *unused)
{
	struct qnn_device *qdev = m->private;

	mutex_lock(&qdev->files_lock);
	seq_printf(m, "%u\n", qdev->num_files);
	mutex_unlock(&qdev->files_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(files);

static int va_show(struct seq_file *m, void *unused)
{
	struct qnn_device *qdev = m->private;
	struct qnn_file *qf;

	mutex_lock(&qdev->files_lock);
	list_for_each_entry(qf, &qdev->files, link) {
		mutex_lock(&qf->mmu.lock);
		seq_printf(m, "pid=%d comm=%s bos=%u mapped=%llu pt_pages=%u\n",
			   qf->pid, qf->comm, qf->mmu.num_maps,
			   qf->mmu.mapped_bytes, qf->mmu.pt_pages);
		mutex_unlock(&qf->mmu.lock);
	}
	mutex_unlock(&qdev->files_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(va);

static int jobs_show(struct seq_file *m, void *unused)
{
	qnn_jobs_debugfs_show(m->private, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(jobs);

static int counters_show(struct seq_file *m, void *unused)
{
	qnn_stats_debugfs_show(m->private, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(counters);

/* Every readable register, in address order: debugfs "regs", coredumps */
const struct qnn_reg_name qnn_reg_names[] = {
#define QNN_REG_NAME(r) { #r, QNN_REG_##r }
	QNN_REG_NAME(MAGIC), QNN_REG_NAME(ID), QNN_REG_NAME(VERSION),
	QNN_REG_NAME(CAPS), QNN_REG_NAME(OPS), QNN_REG_NAME(SRAM_KIB),
	QNN_REG_NAME(CLOCK_KHZ), QNN_REG_NAME(SCRATCH), QNN_REG_NAME(CTRL),
	QNN_REG_NAME(STATUS), QNN_REG_NAME(POWER), QNN_REG_NAME(IRQ_STATUS),
	QNN_REG_NAME(IRQ_MASK),
	QNN_REG_NAME(CQ_BASE_LO), QNN_REG_NAME(CQ_BASE_HI),
	QNN_REG_NAME(CQ_SIZE), QNN_REG_NAME(CQ_HEAD), QNN_REG_NAME(CQ_TAIL),
	QNN_REG_NAME(DONE_SEQNO), QNN_REG_NAME(MMU_CTRL),
	QNN_REG_NAME(MMU_PT_BASE_LO), QNN_REG_NAME(MMU_PT_BASE_HI),
	QNN_REG_NAME(MMU_FAULT_STATUS), QNN_REG_NAME(MMU_FAULT_ADDR_LO),
	QNN_REG_NAME(MMU_FAULT_ADDR_HI), QNN_REG_NAME(MMU_FAULT_SEQNO),
	QNN_REG_NAME(ATS_PT_BASE_LO), QNN_REG_NAME(ATS_PT_BASE_HI),
	QNN_REG_NAME(ATS_VA_LO), QNN_REG_NAME(ATS_VA_HI),
	QNN_REG_NAME(ATS_STATUS), QNN_REG_NAME(ATS_PA_LO),
	QNN_REG_NAME(ATS_PA_HI),
	QNN_REG_NAME(ERR_STATUS), QNN_REG_NAME(ERR_SEQNO),
	QNN_REG_NAME(ERR_OFFSET), QNN_REG_NAME(ERR_COUNT),
	QNN_REG_NAME(PERF_JOBS), QNN_REG_NAME(PERF_CYCLES_LO),
	QNN_REG_NAME(PERF_CYCLES_HI), QNN_REG_NAME(PERF_BINOPS_LO),
	QNN_REG_NAME(PERF_BINOPS_HI), QNN_REG_NAME(PERF_BYTES_RD_LO),
	QNN_REG_NAME(PERF_BYTES_RD_HI), QNN_REG_NAME(PERF_BYTES_WR_LO),
	QNN_REG_NAME(PERF_BYTES_WR_HI), QNN_REG_NAME(DMA_CAPS),
#undef QNN_REG_NAME
};

const unsigned int qnn_num_reg_names = ARRAY_SIZE(qnn_reg_names);

static int regs_show(struct seq_file *m, void *unused)
{
	struct qnn_device *qdev = m->private;
	unsigned int i, val;
	int idx, ret;

	if (!drm_dev_enter(&qdev->drm, &idx))
		return -ENODEV;
	/* a powered-down device reads as zeros, or not at all on real hw */
	ret = qnn_device_pm_get(qdev);
	if (ret) {
		drm_dev_exit(idx);
		return ret;
	}
	for (i = 0; i < qnn_num_reg_names; i++) {
		if (regmap_read(qdev->regs, qnn_reg_names[i].reg, &val))
			continue;
		seq_printf(m, "%-18s 0x%03x 0x%08x\n", qnn_reg_names[i].name,
			   qnn_reg_names[i].reg, val);
	}
	qnn_device_pm_put(qdev);
	drm_dev_exit(idx);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(regs);

void qnn_debugfs_init(struct qnn_device *qdev)
{
	struct dentry *root = qdev->drm.debugfs_root;
	char name[16];

	if (IS_ERR_OR_NULL(root))
		return;
	debugfs_create_file("bo_count", 0444, root, qdev, &bo_count_fops);
	debugfs_create_file("files", 0444, root, qdev, &files_fops);
	debugfs_create_file("va", 0444, root, qdev, &va_fops);
	debugfs_create_file("jobs", 0444, root, qdev, &jobs_fops);
	debugfs_create_file("regs", 0444, root, qdev, &regs_fops);
	debugfs_create_file("counters", 0444, root, qdev, &counters_fops);

	snprintf(name, sizeof(name), "%d", qdev->drm.accel->index);
	qdev->debugfs_link = debugfs_create_symlink(name, root->d_parent,
						    qdev->drm.unique);
}

void qnn_debugfs_fini(struct qnn_device *qdev)
{
	debugfs_remove(qdev->debugfs_link);
	qdev->debugfs_link = NULL;
}
