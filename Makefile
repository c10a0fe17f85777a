# SPDX-License-Identifier: MIT
#
# One build for all of qnn. See README.md.
#
#   make            kernel modules, libqnn, tools, selftests
#   make check      build, then every test (host, sanitizers, aarch64, fuzz,
#                   the VM with the driver); ends with "N passed, N failed"
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
	vm-check checkpatch demo bench install clean distclean

all: modules lib tools selftests

deps:
	@$(TOP)/scripts/install-deps.sh build vm

deps-check:
	@$(TOP)/scripts/install-deps.sh build vm cross fuzz

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
	@$(SUITE) checkpatch $(MAKE) checkpatch
	@$(SUITE) dt $(TOP)/scripts/dt-check.sh
	@$(TOP)/scripts/tap-summary.sh $(TAP)

vm-check: all
	$(TOP)/scripts/vm-check.sh

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
	find $(BUILD) -mindepth 1 -maxdepth 1 ! -name deps -exec rm -rf {} +

distclean: clean
	rm -rf $(BUILD)
