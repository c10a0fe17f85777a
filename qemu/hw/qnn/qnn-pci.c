/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qnn-pci: the PCI(e) front of the qnn reference model. BAR0 is the
 * register window of docs/hw-interface.md, BAR2 the MSI-X table (one
 * vector); with msix=off the device interrupts through INTx A. DMA is
 * bus-master DMA (pci_dma_read/write), so it goes through the machine's
 * IOMMU when there is one and stops when the OS clears bus mastering.
 * On a PCIe bus it is an endpoint with FLR and AER.
 *
 *   -device qnn-pci[,msix=off][,vendor-id=..,device-id=..][,<config>]
 *
 * Fault injection, at start-up or at run time with QMP's qom-set on the
 * device's path: fault-hang, fault-mmu, fault-error (every Nth RUN job
 * hangs until a reset / faults NOT_MAPPED at its fault-mmu-access'th data
 * access, default the first / ends with BAD_CMD), fault-lost-irq (every Nth
 * unmasked event raises no interrupt), delay-us (added to every job),
 * reset-ready-us (STATUS.READY stays 0 this long after every reset).
 * 0 = off. From inside the guest: BAR4, the model-only test block
 * (qnn-test.c; test-bar=off leaves it out, as a card would).
 */
#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "hw/qdev-properties.h"
#include "qom/object.h"
#include "system/system.h"
#include "qnn-model.h"

#define TYPE_QNN_PCI "qnn-pci"
OBJECT_DECLARE_SIMPLE_TYPE(QnnPciState, QNN_PCI)

/*
 * The reference model's PCI ID: 1af4:10f0, from the range QEMU's PCI ID
 * list (docs/specs/pci-ids.rst) leaves for experimental devices. A card
 * has its builder's IDs (docs/hw-interface.md, "PCI IDs").
 */
#define QNN_PCI_VENDOR 0x1af4
#define QNN_PCI_DEVICE 0x10f0

struct QnnPciState {
    PCIDevice pdev;
    MemoryRegion mmio;
    MemoryRegion test;
    QnnCore core;
    bool msix;
    bool test_bar;
    bool exit_report;
    Notifier exit_notifier;
    bool level;
    bool aer;
    uint16_t vendor_id, device_id;
};

static MemTxResult qnn_pci_dma_read(void *opaque, uint64_t addr, void *buf,
                                    uint64_t len)
{
    return pci_dma_read(PCI_DEVICE(opaque), addr, buf, len);
}

static MemTxResult qnn_pci_dma_write(void *opaque, uint64_t addr,
                                     const void *buf, uint64_t len)
{
    return pci_dma_write(PCI_DEVICE(opaque), addr, buf, len);
}

/* The core's level line: INTx follows it, MSI-X sends on each rise. */
static void qnn_pci_irq(void *opaque, bool level, bool resend)
{
    QnnPciState *s = opaque;
    PCIDevice *pdev = &s->pdev;
    bool rise = level && (!s->level || resend);

    s->level = level;
    if (msix_enabled(pdev)) {
        if (rise) {
            msix_notify(pdev, 0);
        }
        return;
    }
    pci_set_irq(pdev, level);
}

static const QnnBusOps qnn_pci_bus_ops = {
    .dma_read = qnn_pci_dma_read,
    .dma_write = qnn_pci_dma_write,
    .irq = qnn_pci_irq,
};

static uint64_t qnn_pci_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    QnnPciState *s = opaque;

    return qnn_core_read(&s->core, addr);
}

static void qnn_pci_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                               unsigned size)
{
    QnnPciState *s = opaque;

    qnn_core_write(&s->core, addr, val);
}

static uint64_t qnn_pci_test_read(void *opaque, hwaddr addr, unsigned size)
{
    QnnPciState *s = opaque;

    return qnn_test_read(&s->core, addr);
}

static void qnn_pci_test_write(void *opaque, hwaddr addr, uint64_t val,
                               unsigned size)
{
    QnnPciState *s = opaque;

    qnn_test_write(&s->core, addr, val);
}

static const MemoryRegionOps qnn_pci_test_ops = {
    .read = qnn_pci_test_read,
    .write = qnn_pci_test_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* 32-bit registers only (hw-interface.md) */
static const MemoryRegionOps qnn_pci_mmio_ops = {
    .read = qnn_pci_mmio_read,
    .write = qnn_pci_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/*
 * exit-report=on: the device's state when QEMU exits (after the guest
 * powered off), on stderr, so that a test outside the guest can check what
 * the driver's .shutdown left: no ring fetching, no interrupt, no DMA.
 */
static void qnn_pci_exit_report(Notifier *n, void *data)
{
    QnnPciState *s = container_of(n, QnnPciState, exit_notifier);
    QnnCore *c = &s->core;
    uint16_t cmd = pci_get_word(s->pdev.config + PCI_COMMAND);

    fprintf(stderr, "qnn-pci %s: at exit: enable=%u busy=%u irq_mask=%#x "
            "bus_master=%u jobs=%u\n", DEVICE(s)->id ?: "?",
            c->powered && (c->ctrl & 1), c->busy, c->irq_mask,
            !!(cmd & PCI_COMMAND_MASTER), c->perf_jobs);
}

static void qnn_pci_realize(PCIDevice *pdev, Error **errp)
{
    QnnPciState *s = QNN_PCI(pdev);
    QnnConfig *f = &s->core.cfg;

    if (!f->cores || f->cores > 255 || !f->wbits || f->wbits > 8 ||
        !f->abits || f->abits > 8 || f->va_bits < 30 || f->va_bits > 48 ||
        !f->qdepth_log2 || f->qdepth_log2 > 15 || f->ops > 0xff ||
        f->dma_bits < 32 || f->dma_bits > 52 || !f->clock_khz ||
        !f->ops_per_cycle || f->tlb_entries > 4096) {
        error_setg(errp, "qnn-pci: a configuration value is out of range");
        return;
    }
    pci_set_word(pdev->config + PCI_VENDOR_ID, s->vendor_id);
    pci_set_word(pdev->config + PCI_DEVICE_ID, s->device_id);
    pci_set_word(pdev->config + PCI_SUBSYSTEM_VENDOR_ID, s->vendor_id);
    pci_set_word(pdev->config + PCI_SUBSYSTEM_ID, s->device_id);
    pci_config_set_interrupt_pin(pdev->config, 1);

    memory_region_init_io(&s->mmio, OBJECT(s), &qnn_pci_mmio_ops, s,
                          "qnn-regs", 4 * KiB);
    pci_register_bar(pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->mmio);
    if (s->test_bar) {
        memory_region_init_io(&s->test, OBJECT(s), &qnn_pci_test_ops, s,
                              "qnn-test", QNN_TEST_SIZE);
        pci_register_bar(pdev, 4, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->test);
    }
    if (s->msix) {
        if (msix_init_exclusive_bar(pdev, 1, 2, errp)) {
            return;
        }
        msix_vector_use(pdev, 0);
    }
    if (pci_bus_is_express(pci_get_bus(pdev))) {
        if (pcie_endpoint_cap_init(pdev, 0x80) < 0) {
            error_setg(errp, "qnn-pci: no room for the PCIe capability");
            return;
        }
        pcie_cap_flr_init(pdev);
        pcie_cap_deverr_init(pdev);
        if (pcie_aer_init(pdev, PCI_ERR_VER, 0x100, PCI_ERR_SIZEOF, errp) < 0) {
            return;
        }
        s->aer = true;
    }
    qnn_core_init(&s->core, &qnn_pci_bus_ops, s);
    qnn_core_power_on_reset(&s->core);
    if (s->exit_report) {
        s->exit_notifier.notify = qnn_pci_exit_report;
        qemu_add_exit_notifier(&s->exit_notifier);
    }
}

static void qnn_pci_exit(PCIDevice *pdev)
{
    QnnPciState *s = QNN_PCI(pdev);

    if (s->exit_report) {
        qemu_remove_exit_notifier(&s->exit_notifier);
    }
    qnn_core_fini(&s->core);
    if (s->aer) {
        pcie_aer_exit(pdev);
    }
    if (s->msix) {
        msix_uninit_exclusive_bar(pdev);
    }
}

/* Power-on, system reset and FLR: the device comes up in the reset state. */
static void qnn_pci_reset(DeviceState *dev)
{
    QnnPciState *s = QNN_PCI(dev);

    s->level = false;
    qnn_core_power_on_reset(&s->core);
    pci_set_irq(&s->pdev, 0);
}

static void qnn_pci_instance_init(Object *obj)
{
    QnnPciState *s = QNN_PCI(obj);
    QnnConfig *f = &s->core.cfg;

    /* a hybrid device: PCIe config space, the capabilities on PCIe only */
    PCI_DEVICE(obj)->cap_present |= QEMU_PCI_CAP_EXPRESS;
    object_property_add_uint32_ptr(obj, "fault-hang", &f->fault_hang,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_add_uint32_ptr(obj, "fault-mmu", &f->fault_mmu,
                                   OBJ_PROP_FLAG_READWRITE);
    f->fault_mmu_access = 1;
    object_property_add_uint32_ptr(obj, "fault-mmu-access",
                                   &f->fault_mmu_access,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_add_uint32_ptr(obj, "fault-error", &f->fault_error,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_add_uint32_ptr(obj, "fault-lost-irq", &f->fault_lost_irq,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_add_uint32_ptr(obj, "delay-us", &f->delay_us,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_add_uint32_ptr(obj, "reset-ready-us", &f->reset_ready_us,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_add_uint64_ptr(obj, "tlb-hits", &s->core.tlb_hits,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint64_ptr(obj, "tlb-misses", &s->core.tlb_misses,
                                   OBJ_PROP_FLAG_READ);
}

static const Property qnn_pci_props[] = {
    DEFINE_PROP_BOOL("msix", QnnPciState, msix, true),
    /* the model-only test block (qnn-test.c) in BAR4 */
    DEFINE_PROP_BOOL("test-bar", QnnPciState, test_bar, true),
    /* the device's state on stderr when QEMU exits (qnn_pci_exit_report) */
    DEFINE_PROP_BOOL("exit-report", QnnPciState, exit_report, false),
    DEFINE_PROP_UINT16("vendor-id", QnnPciState, vendor_id, QNN_PCI_VENDOR),
    DEFINE_PROP_UINT16("device-id", QnnPciState, device_id, QNN_PCI_DEVICE),
    /* ID register: "QN" and device 2 (qnn_sim is 0x514e0001) */
    DEFINE_PROP_UINT32("hw-id", QnnPciState, core.cfg.id, 0x514e0002),
    DEFINE_PROP_UINT32("hw-version", QnnPciState, core.cfg.version, 0x000100),
    DEFINE_PROP_UINT32("cores", QnnPciState, core.cfg.cores, 4),
    DEFINE_PROP_UINT32("max-weight-bits", QnnPciState, core.cfg.wbits, 8),
    DEFINE_PROP_UINT32("max-act-bits", QnnPciState, core.cfg.abits, 8),
    DEFINE_PROP_UINT32("va-bits", QnnPciState, core.cfg.va_bits, 32),
    DEFINE_PROP_UINT32("qdepth-log2", QnnPciState, core.cfg.qdepth_log2, 6),
    DEFINE_PROP_UINT32("ops", QnnPciState, core.cfg.ops, 0xff),
    DEFINE_PROP_UINT32("sram-kib", QnnPciState, core.cfg.sram_kib, 1024),
    DEFINE_PROP_UINT32("clock-khz", QnnPciState, core.cfg.clock_khz, 250000),
    DEFINE_PROP_UINT32("dma-bits", QnnPciState, core.cfg.dma_bits, 48),
    DEFINE_PROP_UINT32("ops-per-cycle", QnnPciState, core.cfg.ops_per_cycle,
                       16384),
    DEFINE_PROP_UINT32("tlb-entries", QnnPciState, core.cfg.tlb_entries, 64),
};

static void qnn_pci_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = qnn_pci_realize;
    k->exit = qnn_pci_exit;
    k->vendor_id = QNN_PCI_VENDOR;
    k->device_id = QNN_PCI_DEVICE;
    k->revision = 1;
    k->class_id = 0x1200;       /* processing accelerator */
    device_class_set_legacy_reset(dc, qnn_pci_reset);
    device_class_set_props(dc, qnn_pci_props);
    dc->desc = "qnn accelerator reference model (docs/hw-interface.md)";
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo qnn_pci_info = {
    .name = TYPE_QNN_PCI,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(QnnPciState),
    .instance_init = qnn_pci_instance_init,
    .class_init = qnn_pci_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { },
    },
};

static void qnn_pci_register_types(void)
{
    type_register_static(&qnn_pci_info);
}

type_init(qnn_pci_register_types)
