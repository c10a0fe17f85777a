# SPDX-License-Identifier: MIT
#
# One build for all of qnn. See README.md.
#
#   make            kernel modules, libqnn, tools, selftests
#   make check      build, then every test (host, sanitizers, aarch64, fuzz,
#                   the VM lanes with the driver); ends with
#                   "N passed, N failed, N skipped" (known bugs: a "# N todo" line above it)
#   make vm-check   the stock-kernel VM lane (every selftest, the fuzzer)
#   make vm-debug   the debug-kernel lane (KASAN, kmemleak, lockdep, ...)
#   make vm-swiotlb the job selftests with swiotlb=force (bounce buffers)
#   make vm-libqnn  libqnn on qnn_sim in the VM: every model bit-identical
#                   CPU vs device, mixed plans, fallback (scripts/vm-libqnn.sh)
#   make vm-demo    the demo inside the VM on two simulated devices: the
#                   10,000 test images (~8 min), make demo's demo: line;
#                   fails unless every top-1 equals the CPU's
#   make vm-bench   device vs CPU figures in the VM, ends with one JSON line
#   make vm-pci     the selftests on the qnn-pci QEMU model instead of
#                   qnn_sim (builds that QEMU once, scripts/build-qemu.sh)
#   make vm-pci-libqnn  vm-libqnn's device tests on the qnn-pci model
#   make fuzz-long  the uAPI fuzzer on the debug kernel, FUZZ_SECONDS long
#   make demo       the main job: a real model classified through libqnn
#   make bench      qnn-bench's figures, and the demo model against
#                   onnxruntime side by side (optional peer from npm)
#   make install    DESTDIR/PREFIX honoured
#
# KDIR overrides the kernel headers (default: the Debian 6.12 headers that
# scripts/install-deps.sh unpacks under build/deps/kernel).

TOP	:= $(CURDIR)
BUILD	?= $(TOP)/build
DEPS	:= $(BUILD)/deps
TAP	:= $(BUILD)/tap
PREFIX	?= /usr/local
DESTDIR	?=
export TOP BUILD DEPS TAP PREFIX DESTDIR

# Resolved when a recipe runs, after install-deps.sh may have unpacked it.
KREL	= $(shell cat $(DEPS)/kernel/release 2>/dev/null)
KDIR	?= $(DEPS)/kernel/root/usr/src/linux-headers-$(KREL)
export KDIR

SUITE	= $(TOP)/scripts/tap-suite.sh

.PHONY: all deps deps-check modules lib tools selftests check unit-check \
	vm-check vm-debug vm-swiotlb vm-libqnn vm-demo vm-bench vm-pci vm-pci-iommu vm-pci-libqnn \
	qemu fuzz-long debug-kernel checkpatch demo \
	bench install clean distclean

all: modules lib tools selftests

deps:
	@$(TOP)/scripts/install-deps.sh build vm

deps-check:
	@$(TOP)/scripts/install-deps.sh build vm cross fuzz debug qemu

modules: deps
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 modules

lib: deps
	$(MAKE) -C libqnn

tools: lib
	$(MAKE) -C tools

selftests: deps
	$(MAKE) -C selftests

# Every suite writes TAP under $(TAP); a failing suite does not stop the
# others, the summary counts them all and sets the exit status.
check: deps-check
	@rm -rf $(TAP) && mkdir -p $(TAP)
	@$(SUITE) build $(MAKE) all
	@$(SUITE) libqnn $(MAKE) -C libqnn check
	@$(SUITE) tools $(MAKE) -C tools check
	@$(SUITE) vm $(MAKE) vm-check
	@$(SUITE) vm-swiotlb $(MAKE) vm-swiotlb
	@$(SUITE) vm-debug $(MAKE) vm-debug
	@$(SUITE) vm-libqnn $(MAKE) vm-libqnn
	@$(SUITE) vm-pci $(MAKE) vm-pci
	@$(SUITE) vm-pci-iommu $(MAKE) vm-pci-iommu
	@$(SUITE) vm-pci-libqnn $(MAKE) vm-pci-libqnn
	@$(SUITE) checkpatch $(MAKE) checkpatch
	@$(SUITE) dt $(TOP)/scripts/dt-check.sh
	@$(TOP)/scripts/tap-summary.sh $(TAP)

# 1 GiB below 4 GiB and 1 GiB above it, where a 32-bit device's BOs must
# be bounced (qnn_dma_sync_test dma_mask_from_device_bus_width). Not more:
# the fuzzer's 2 GiB BOs would then be created, pin their pages, and leave
# the guest to the OOM killer (a 4.5 GiB guest did).
vm-check: all
	QNN_VM_MEM=$${QNN_VM_MEM:-2048} \
	QNN_VM_MACHINE=$${QNN_VM_MACHINE:-pc,max-ram-below-4g=1G} \
	QNN_VM_TRINITY=$${QNN_VM_TRINITY:-$$(command -v trinity >/dev/null && \
		echo $(TRINITY_CALLS) || echo 0)} $(TOP)/scripts/vm-check.sh

# The VM lanes beyond the stock kernel (docs/design.md, "Test lanes").
# The debug kernel runs the selftests that exercise lifetimes and
# concurrency (the whole suite is too slow under KASAN + lockdep + TCG) and
# the fuzzer with fail-nth fault injection; trinity runs in the stock lane
# (on the debug kernel it stalled after 1 call in 120 s; 3 in 240 s in
# session 6).
DEBUG_TESTS	?= qnn_open_test qnn_bo_mmap_test qnn_prime_test \
		   qnn_isolation_test qnn_multiproc_test qnn_reload_test \
		   qnn_jobs_ops_test qnn_jobs_errors_test qnn_jobs_teardown_test \
		   qnn_dma_sync_test qnn_mmu_tlb_test qnn_fuzz_test \
		   qnn_jobs_kept_test qnn_jobs_unplug_test qnn_jobs_storm_test \
		   qnn_pin_limit_test
SWIOTLB_TESTS	?= qnn_jobs_ops_test qnn_jobs_errors_test \
		   qnn_jobs_teardown_test qnn_prime_test qnn_dma_sync_test \
		   qnn_fuzz_test qnn_jobs_kept_test
TRINITY_CALLS	?= 2000
FUZZ_SECONDS	?= 1800
# builds (or finds in its cache) the debug kernel and qnn against it
DEBUG_KDIR	= kdir=$$($(TOP)/scripts/build-debug-kernel.sh all) &&

debug-kernel: deps
	$(TOP)/scripts/build-debug-kernel.sh all

vm-debug: all
	$(DEBUG_KDIR) QNN_VM_LANE=debug QNN_VM_KERNEL_DIR="$$kdir" \
	QNN_VM_TESTS="$(DEBUG_TESTS)" \
	QNN_FUZZ_FAILNTH=$${QNN_FUZZ_FAILNTH:-5} \
	QNN_TEST_TIMEOUT=$${QNN_TEST_TIMEOUT:-600} \
	QNN_VM_TIMEOUT=$${QNN_VM_TIMEOUT:-1200} \
	$(TOP)/scripts/vm-check.sh

vm-swiotlb: all
	QNN_VM_LANE=swiotlb QNN_VM_APPEND="swiotlb=force" \
	QNN_VM_TESTS="$(SWIOTLB_TESTS)" QNN_FUZZ_SECONDS=$${QNN_FUZZ_SECONDS:-30} \
	$(TOP)/scripts/vm-check.sh

fuzz-long: all
	$(DEBUG_KDIR) QNN_VM_LANE=fuzz-long QNN_VM_KERNEL_DIR="$$kdir" \
	QNN_VM_TESTS=qnn_fuzz_test QNN_FUZZ_SECONDS=$(FUZZ_SECONDS) \
	QNN_FUZZ_FAILNTH=$${QNN_FUZZ_FAILNTH:-5} \
	QNN_TEST_TIMEOUT=$$(($(FUZZ_SECONDS) + 600)) \
	QNN_VM_TIMEOUT=$$(($(FUZZ_SECONDS) + 1800)) \
	$(TOP)/scripts/vm-check.sh

# libqnn on the simulated device (scripts/vm-libqnn.sh)
vm-libqnn: all
	$(MAKE) -C libqnn vmtests
	QNN_TEST_TIMEOUT=$${QNN_TEST_TIMEOUT:-600} \
	QNN_VM_TIMEOUT=$${QNN_VM_TIMEOUT:-900} \
	$(TOP)/scripts/vm-libqnn.sh libqnn

vm-demo: all
	$(TOP)/scripts/vm-libqnn.sh demo

vm-bench: all
	$(MAKE) -C libqnn vmtests
	$(TOP)/scripts/vm-libqnn.sh bench
# The PCI lane (docs/design.md, "Test lanes"): qnn.ko probes the qnn-pci
# model (qemu/hw/qnn/) on a q35 machine; the PCI smoke tests
# (selftests/pci/pci-smoke.sh) run first, then the selftests (fault
# injection through the model's test block, selftests/qnn_fault.c) and the
# FLR and AER tests, runtime PM and system sleep (qnn_pm_test, the
# model's power-down counter in its test block), the job figures of the
# PCI path (qnn_jobs_bench_test); at the end the model reports what
# .shutdown left. Not here: qnn_reload_test (qnn_sim's module lifecycle
# and parameters), qnn_jobs_devcheck_test (qnn_sim's check_stream). A
# second run puts the model behind intel-iommu with INTx instead of MSI-X.
PCI_TESTS	?= qnn_abi_test qnn_bo_info_test qnn_bo_mmap_test \
		   qnn_invalid_args_test qnn_isolation_test qnn_multiproc_test \
		   qnn_open_test qnn_prime_test qnn_dma_sync_test \
		   qnn_get_param_test qnn_debugfs_test qnn_mmu_tlb_test \
		   qnn_info_tool_test.sh \
		   qnn_jobs_ops_test qnn_jobs_errors_test qnn_jobs_sched_test \
		   qnn_jobs_cancel_test qnn_jobs_stress_test \
		   qnn_jobs_submit_abi_test qnn_jobs_hang_test \
		   qnn_jobs_lifetime_test qnn_jobs_teardown_test \
		   qnn_jobs_flr_test qnn_jobs_aer_test qnn_fuzz_test \
		   qnn_pm_test qnn_jobs_bench_test qnn_jobs_storm_test
# qnn0 behind a root port as a card sits, qnn1 (other IDs) on the root bus
PCI_DEVICES	= -device pcie-root-port,id=rp0,chassis=1 -device qnn-pci,id=qnn0,bus=rp0,exit-report=on \
		  -device qnn-pci,id=qnn1,device-id=0x10f1
QEMU_BIN	= qemu=$$($(TOP)/scripts/build-qemu.sh) &&

qemu:
	$(TOP)/scripts/build-qemu.sh

vm-pci: all
	$(QEMU_BIN) QNN_VM_LANE=pci QNN_VM_QEMU="$$qemu" \
	QNN_VM_PCI="-machine q35 $(PCI_DEVICES)" QNN_VM_TESTS="$(PCI_TESTS)" \
	QNN_VM_AER_DEV=qnn0 QNN_VM_TIMEOUT=$${QNN_VM_TIMEOUT:-1200} \
	QNN_FUZZ_SECONDS=$${QNN_FUZZ_SECONDS:-30} $(TOP)/scripts/vm-check.sh

vm-pci-iommu: all
	$(QEMU_BIN) QNN_VM_LANE=pci-iommu QNN_VM_QEMU="$$qemu" \
	QNN_VM_PCI="-machine q35,kernel-irqchip=split -device intel-iommu,intremap=on \
		-device qnn-pci,id=qnn0,msix=off,exit-report=on" \
	QNN_VM_APPEND="intel_iommu=on iommu.strict=1" \
	QNN_VM_TESTS="qnn_jobs_ops_test qnn_jobs_errors_test qnn_dma_sync_test qnn_prime_test \
		qnn_jobs_flr_test" \
	$(TOP)/scripts/vm-check.sh

# libqnn on the qnn-pci model (scripts/vm-libqnn.sh): every model
# bit-identical CPU vs device, as vm-libqnn checks on qnn_sim. The devices
# test_accel makes on qnn_sim are there from boot, in probe order: accel0,
# accel1 with fewer ops and bits, accel2 alike accel0 (the model's
# properties); the model computes in QEMU's own code, not under TCG, so
# jobs end in well under the 10 s job timeout
PCI_LIBQNN_DEVICES = -device qnn-pci,id=qnn0,addr=4,exit-report=on \
		  -device qnn-pci,id=qnn1,addr=5,ops=0x2b,max-weight-bits=1,max-act-bits=1 \
		  -device qnn-pci,id=qnn2,addr=6
# test_accel_bad needs qnn_sim (devices made with a small VA, unbound and
# banned on demand): the PCI lane runs the other device tests
PCI_LIBQNN_TESTS = test_accel test_accel_io
vm-pci-libqnn: all
	$(MAKE) -C libqnn vmtests
	rm -rf $(BUILD)/libqnn/vmtests-pci && mkdir -p $(BUILD)/libqnn/vmtests-pci
	cp $(addprefix $(BUILD)/libqnn/vmtests/,$(PCI_LIBQNN_TESTS)) $(BUILD)/libqnn/vmtests-pci/
	$(QEMU_BIN) QNN_VM_LANE=pci-libqnn QNN_VM_QEMU="$$qemu" \
	QNN_VM_LIBQNN_TESTS=$(BUILD)/libqnn/vmtests-pci \
	QNN_VM_PCI="-machine q35 $(PCI_LIBQNN_DEVICES)" \
	QNN_VM_QNN_PARAMS=$${QNN_VM_QNN_PARAMS:-job_timeout_ms=10000} \
	QNN_TEST_TIMEOUT=$${QNN_TEST_TIMEOUT:-600} QNN_VM_TIMEOUT=$${QNN_VM_TIMEOUT:-900} \
	$(TOP)/scripts/vm-libqnn.sh libqnn

checkpatch: deps
	$(TOP)/scripts/checkpatch.sh

demo:
	@$(TOP)/scripts/install-deps.sh build train
	$(MAKE) lib tools
	@$(MAKE) --no-print-directory -C models demo

# The peer is optional: without it the benchmark says so and goes on.
bench:
	@$(TOP)/scripts/install-deps.sh build
	@$(TOP)/scripts/install-deps.sh bench || echo "bench: could not install onnxruntime-node (see above)"
	$(MAKE) lib tools
	@BUILD=$(BUILD) $(TOP)/scripts/bench.sh

install: all
	$(MAKE) -C $(KDIR) M=$(TOP) INSTALL_MOD_PATH=$(DESTDIR) modules_install
	$(MAKE) -C libqnn install
	$(MAKE) -C tools install
	install -D -m 0644 uapi/drm/qnn_accel.h $(DESTDIR)$(PREFIX)/include/drm/qnn_accel.h

clean:
	-[ -d "$(KDIR)" ] && $(MAKE) -C $(KDIR) M=$(TOP) clean
	find $(BUILD) -mindepth 1 -maxdepth 1 ! -name deps ! -name debug-kernel \
		-exec rm -rf {} +

distclean: clean
	rm -rf $(BUILD)
