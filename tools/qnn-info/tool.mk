# SPDX-License-Identifier: MIT
#
# qnn-info: lists qnn accelerators and the CPU fallback (docs/tools.md).
# Linked statically so the test VM's initramfs can run it as is; the check
# also builds an ASan+UBSan variant and runs both on this host, where there
# is no qnn device.

# tools/Makefile includes the tool.mk fragments before its "all:" rule, so
# without this the first rule of the first fragment would be the default
# goal and a bare "make -C tools" would build only that one file.
# (Requested in coord/requests.md to move into tools/Makefile.)
.DEFAULT_GOAL := all

INFO_SRCS	:= $(wildcard qnn-info/*.c)
INFO_HDRS	:= $(wildcard qnn-info/*.h) $(TOP)/uapi/drm/qnn_accel.h \
		   $(TOP)/libqnn/include/qnn.h
INFO_OBJS	:= $(patsubst qnn-info/%.c,$(O)/qnn-info-obj/%.o,$(INFO_SRCS))
INFO_SAN	:= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=all

$(O)/qnn-info-obj/%.o: qnn-info/%.c $(INFO_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -c $< -o $@

$(O)/qnn-info: $(INFO_OBJS)
	$(CC) $(CFLAGS) -static -o $@ $(INFO_OBJS) \
		$(shell pkg-config --libs --static libdrm)

$(O)/qnn-info-asan: $(INFO_SRCS) $(INFO_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) $(INFO_SAN) -o $@ $(INFO_SRCS) \
		$(shell pkg-config --libs libdrm)

.PHONY: qnn-info-check
qnn-info-check: $(O)/qnn-info $(O)/qnn-info-asan
	@qnn-info/check.sh $(O)/qnn-info $(O)/qnn-info-asan

TOOLS += $(O)/qnn-info
TOOL_CHECKS += qnn-info-check
