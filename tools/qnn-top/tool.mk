# SPDX-License-Identifier: MIT
#
# qnn-top: a BPF CO-RE tool (docs/tools.md). The BPF program is built with
# clang -target bpf against a vmlinux.h that gen-vmlinux-h.sh generates from
# the BTF of the kernel the VM boots (QNN_TOP_KERNEL, default the Debian
# 6.12 image scripts/install-deps.sh unpacks), bpftool gen skeleton embeds
# it in the loader, and Debian's libbpf loads it. Nothing generated is
# committed. Linked statically (libbpf.a, libelf.a, libz.a, libdrm.a) so
# the VM's initramfs runs it as it is; the check runs it on this host
# (no qnn device) and an ASan+UBSan build of it.

TOP_O		:= $(O)/qnn-top-obj
QNN_TOP_KERNEL	?= $(BUILD)/deps/kernel/root/boot/vmlinuz-$(shell cat $(BUILD)/deps/kernel/release 2>/dev/null)
TOP_SRCS	:= qnn-top/main.c qnn-top/collect.c qnn-top/print.c
TOP_HDRS	:= qnn-top/top.h qnn-top/qnn_top.h $(TOP_O)/qnn_top.skel.h \
		   $(TOP)/uapi/drm/qnn_accel.h
TOP_CFLAGS	= $(TOOL_CFLAGS) -I$(TOP_O) -Iqnn-top \
		  $(shell pkg-config --cflags libbpf)
TOP_LIBS_STATIC	= $(shell pkg-config --libs --static libbpf libdrm)
TOP_SAN		:= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=all

$(TOP_O)/vmlinux.h: qnn-top/gen-vmlinux-h.sh $(QNN_TOP_KERNEL)
	@mkdir -p $(dir $@)
	qnn-top/gen-vmlinux-h.sh $(QNN_TOP_KERNEL) $@

# -g keeps the BTF that CO-RE and the skeleton need; DWARF is stripped
$(TOP_O)/qnn_top.bpf.o: qnn-top/qnn_top.bpf.c qnn-top/qnn_top.h $(TOP_O)/vmlinux.h
	clang -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_x86 \
		-I$(TOP_O) -Iqnn-top -c $< -o $@
	llvm-strip -g $@

$(TOP_O)/qnn_top.skel.h: $(TOP_O)/qnn_top.bpf.o
	bpftool gen skeleton $< name qnn_top >$@.tmp && mv $@.tmp $@

$(O)/qnn-top: $(TOP_SRCS) $(TOP_HDRS)
	$(CC) $(TOP_CFLAGS) -static -o $@ $(TOP_SRCS) $(TOP_LIBS_STATIC)

$(O)/qnn-top-asan: $(TOP_SRCS) $(TOP_HDRS)
	$(CC) $(TOP_CFLAGS) $(TOP_SAN) -o $@ $(TOP_SRCS) \
		$(shell pkg-config --libs libbpf libdrm)

.PHONY: qnn-top-check
qnn-top-check: $(O)/qnn-top $(O)/qnn-top-asan
	@qnn-top/check.sh $(O)/qnn-top $(O)/qnn-top-asan

TOOLS += $(O)/qnn-top
TOOL_CHECKS += qnn-top-check
