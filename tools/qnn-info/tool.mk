# SPDX-License-Identifier: MIT
#
# qnn-info: lists qnn accelerators and the CPU fallback (docs/tools.md);
# the CPU part is libqnn's qnn_cpu_info(), so it links libqnn.a.
# Linked statically so the test VM's initramfs can run it as is; the check
# also builds an ASan+UBSan variant and runs both on this host, where there
# is no qnn device.

INFO_SRCS	:= $(wildcard qnn-info/*.c)
INFO_HDRS	:= $(wildcard qnn-info/*.h) $(TOP)/uapi/drm/qnn_accel.h \
		   $(TOP)/libqnn/include/qnn.h
INFO_OBJS	:= $(patsubst qnn-info/%.c,$(O)/qnn-info-obj/%.o,$(INFO_SRCS))
INFO_SAN	:= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=all

$(O)/qnn-info-obj/%.o: qnn-info/%.c $(INFO_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -c $< -o $@

$(O)/qnn-info: $(INFO_OBJS) $(LIBO)/libqnn.a
	$(CC) $(CFLAGS) -static -o $@ $(INFO_OBJS) $(LIBO)/libqnn.a \
		$(shell pkg-config --libs --static libdrm) -lpthread -lm

$(O)/qnn-info-asan: $(INFO_SRCS) $(INFO_HDRS) $(LIBO)/libqnn.a
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) $(INFO_SAN) -o $@ $(INFO_SRCS) $(LIBO)/libqnn.a \
		$(TOOL_LDLIBS)

.PHONY: qnn-info-check
qnn-info-check: $(O)/qnn-info $(O)/qnn-info-asan
	@qnn-info/check.sh $(O)/qnn-info $(O)/qnn-info-asan

TOOLS += $(O)/qnn-info
TOOL_CHECKS += qnn-info-check
