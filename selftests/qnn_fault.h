/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The selftests' fault-injection helper: one call, whichever model is
 * under the test. qnn_sim has debugfs knobs (/sys/kernel/debug/qnn_sim/
 * <dev>/<name>, docs/uapi.md); the qnn-pci QEMU model has the same
 * one-shot knobs in its model-only test block, BAR4 of its PCI function
 * (docs/hw-interface.md, "Test block of the reference model"), reached
 * through sysfs resource4. Neither goes through the driver.
 */
#ifndef QNN_FAULT_H
#define QNN_FAULT_H

#include <stdint.h>

/*
 * Write @val to knob @name (hang_next_job, mmu_fault_next_job,
 * corrupt_next_status, drop_next_irq, delay_us, ...) of fd's device:
 * 0 or -errno; -EOPNOTSUPP when the device's model has no such knob,
 * -ENODEV when it has no fault injection at all.
 */
int qnn_fault_set(int fd, const char *name, unsigned int val);

/* Read knob or counter @name (e.g. tlb_hits) of fd's device: 0 or -errno. */
int qnn_fault_get(int fd, const char *name, uint64_t *val);

#endif
