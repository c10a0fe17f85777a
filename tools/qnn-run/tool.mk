# SPDX-License-Identifier: MIT
#
# qnn-run: runs a .qnn model on images (raw, IDX (gzip'd or not), PGM, PNG),
# prints top-k, timing, accuracy against labels; --json for scripts.

ifneq ($(wildcard $(TOP)/libqnn/src/writer.c),)
RUN_SRCS	:= $(wildcard qnn-run/*.c)
RUN_OBJS	:= $(patsubst qnn-run/%.c,$(O)/qnn-run-obj/%.o,$(RUN_SRCS))

$(O)/qnn-run-obj/%.o: qnn-run/%.c $(wildcard qnn-run/*.h) $(TOP)/libqnn/include/qnn.h
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) $(shell pkg-config --cflags libpng zlib) -Iqnn-run -c $< -o $@

$(O)/qnn-run: $(RUN_OBJS) $(LIBO)/libqnn.a
	$(CC) $(CFLAGS) -o $@ $(RUN_OBJS) $(LIBO)/libqnn.a \
		$(shell pkg-config --libs libpng zlib) $(TOOL_LDLIBS)

TOOLS += $(O)/qnn-run

# --plan without a device; on a device: make vm-libqnn
.PHONY: qnn-run-check
qnn-run-check: $(O)/qnn-run
	@qnn-run/check.sh $(O)/qnn-run $(TOP)/models/fmnist-w1a1.qnn

TOOL_CHECKS += qnn-run-check
endif
