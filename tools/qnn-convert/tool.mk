# SPDX-License-Identifier: MIT
#
# qnn-convert: ONNX -> .qnn. The ONNX protobuf reader is C code generated at
# build time by protoc-c from the onnx.proto Debian's python3-onnx ships; it is
# never committed.

# Built once libqnn provides the writer (libqnn/src/writer.c, libqnn.a).
ifneq ($(wildcard $(TOP)/libqnn/src/writer.c),)

ONNX_PROTO	?= $(firstword $(wildcard /usr/lib/python3/dist-packages/onnx/onnx.proto \
			/usr/include/onnx/onnx.proto))
CONV_GEN	:= $(O)/qnn-convert-gen
CONV_SRCS	:= $(wildcard qnn-convert/*.c)
CONV_OBJS	:= $(patsubst qnn-convert/%.c,$(O)/qnn-convert-obj/%.o,$(CONV_SRCS)) \
		   $(CONV_GEN)/onnx.pb-c.o

$(CONV_GEN)/onnx.pb-c.c $(CONV_GEN)/onnx.pb-c.h: $(ONNX_PROTO)
	@test -n "$(ONNX_PROTO)" || { echo "qnn-convert: onnx.proto not found (install python3-onnx)"; exit 1; }
	@mkdir -p $(CONV_GEN)
	cp $(ONNX_PROTO) $(CONV_GEN)/onnx.proto
	cd $(CONV_GEN) && protoc-c --c_out=. onnx.proto

# Generated code: compiled without -Werror's extra warnings it was not written for.
$(CONV_GEN)/onnx.pb-c.o: $(CONV_GEN)/onnx.pb-c.c
	$(CC) -std=c11 -O2 -g -w $(shell pkg-config --cflags libprotobuf-c) -c $< -o $@

$(O)/qnn-convert-obj/%.o: qnn-convert/%.c $(wildcard qnn-convert/*.h) $(CONV_GEN)/onnx.pb-c.h
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -I$(CONV_GEN) -Iqnn-convert $(shell pkg-config --cflags libprotobuf-c) -c $< -o $@

$(O)/qnn-convert: $(CONV_OBJS) $(LIBO)/libqnn.a
	$(CC) $(CFLAGS) -o $@ $(CONV_OBJS) $(LIBO)/libqnn.a \
		$(shell pkg-config --libs libprotobuf-c) $(TOOL_LDLIBS)

TOOLS += $(O)/qnn-convert

# ASan+UBSan builds of both tools (libqnn itself is linked as built).
CONV_SAN	:= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

$(O)/qnn-convert-asan: $(CONV_SRCS) $(wildcard qnn-convert/*.h) $(CONV_GEN)/onnx.pb-c.c $(LIBO)/libqnn.a
	$(CC) $(TOOL_CFLAGS) $(CONV_SAN) -I$(CONV_GEN) -Iqnn-convert -o $@ $(CONV_SRCS) \
		$(CONV_GEN)/onnx.pb-c.c $(LIBO)/libqnn.a \
		$(shell pkg-config --libs libprotobuf-c) $(TOOL_LDLIBS)

$(O)/qnn-run-asan: $(wildcard qnn-run/*.c qnn-run/*.h) $(LIBO)/libqnn.a
	$(CC) $(TOOL_CFLAGS) $(CONV_SAN) -Iqnn-run -o $@ $(wildcard qnn-run/*.c) \
		$(LIBO)/libqnn.a $(shell pkg-config --libs libpng zlib) $(TOOL_LDLIBS)

# The fixtures: every models/fixtures/*.onnx converted and run through libqnn,
# compared with its PyTorch/numpy reference (models/check_fixtures.sh); again
# with the sanitizer builds, plus byte-mutated ONNX files.
.PHONY: qnn-convert-check
qnn-convert-check: $(O)/qnn-convert $(O)/qnn-run $(O)/qnn-convert-asan $(O)/qnn-run-asan
	@$(TOP)/models/check_fixtures.sh $(O)/qnn-convert $(O)/qnn-run $(BUILD)/models/check
	@LABEL="asan: " MUTATIONS=140 $(TOP)/models/check_fixtures.sh $(O)/qnn-convert-asan \
		$(O)/qnn-run-asan $(BUILD)/models/check-asan

TOOL_CHECKS += qnn-convert-check
endif
