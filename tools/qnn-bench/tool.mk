# SPDX-License-Identifier: MIT
#
# qnn-bench: figures for libqnn's CPU engine (docs/kernels.md).
#
# Unlike the other tools it measures libqnn's *internal* kernel tables
# (libqnn/src/kern/kern.h), so it compiles those sources itself with the
# same per-file ISA flags as libqnn (libqnn/isa.mk: *_avx2.c, *_avx512.c,
# *_avx512bw.c, *_neon.c); its own ceiling_<isa>.c loops follow the same
# convention.
# The CNV figures come from cnv.c (libqnn's public API, engine owner); until
# that file exists the tool builds without it and reports them as null.
# Links OpenBLAS (cblas_sgemm) for the float baseline.

BENCH_ARCH	:= $(shell $(CC) -dumpmachine | cut -d- -f1)
BENCH_OBJDIR	:= $(O)/qnn-bench-obj
BENCH_KDIR	:= $(TOP)/libqnn/src/kern
BENCH_KSRCS	:= $(wildcard $(BENCH_KDIR)/*.c)
BENCH_SRCS	:= qnn-bench/main.c qnn-bench/timer.c qnn-bench/ceiling.c \
		   qnn-bench/kernels.c $(wildcard qnn-bench/ceiling_*.c)
BENCH_CNV	:= $(wildcard qnn-bench/cnv.c)

include $(TOP)/libqnn/isa.mk
BENCH_DROP	:= $(call qnn_isa_drop,$(BENCH_ARCH))
BENCH_KSRCS	:= $(filter-out $(BENCH_DROP),$(BENCH_KSRCS))
BENCH_SRCS	:= $(filter-out $(BENCH_DROP),$(BENCH_SRCS))

bench_isa = $(call qnn_isa_flags,$1)

ifeq ($(BENCH_CNV),)
BENCH_DEFS	:= -DQNN_BENCH_NO_CNV
BENCH_LIBQNN	:=
else
BENCH_SRCS	+= $(BENCH_CNV) qnn-bench/peer.c
BENCH_DEFS	:=
BENCH_LIBQNN	:= $(LIBO)/libqnn.a
endif

BENCH_OBJS	:= $(patsubst qnn-bench/%.c,$(BENCH_OBJDIR)/%.o,$(BENCH_SRCS)) \
		   $(patsubst $(BENCH_KDIR)/%.c,$(BENCH_OBJDIR)/kern/%.o,$(BENCH_KSRCS))

$(BENCH_OBJDIR)/kern/%.o: $(BENCH_KDIR)/%.c $(wildcard $(BENCH_KDIR)/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
		-I$(TOP)/libqnn/include -I$(TOP)/libqnn/src $(call bench_isa,$<) -c $< -o $@

# main.o is built with or without -DQNN_BENCH_NO_CNV: rebuild it when cnv.c appears
$(BENCH_OBJDIR)/main.o: $(BENCH_CNV)

$(BENCH_OBJDIR)/%.o: qnn-bench/%.c $(wildcard qnn-bench/*.h) $(BENCH_KDIR)/kern.h
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) $(BENCH_DEFS) -I$(TOP)/libqnn/src -Iqnn-bench \
		$(call bench_isa,$<) -c $< -o $@

$(O)/qnn-bench: $(BENCH_OBJS) $(BENCH_LIBQNN)
	$(CC) $(CFLAGS) -pthread -o $@ $(BENCH_OBJS) $(BENCH_LIBQNN) -lopenblas $(TOOL_LDLIBS)


.PHONY: qnn-bench-check
qnn-bench-check: $(O)/qnn-bench
	@out=$$($(O)/qnn-bench --reps 1 --no-cnv --json) && \
	 echo "$$out" | grep -q '"bconv_vs_sgemm"' && \
	 echo "ok - qnn-bench --json prints its figures" || \
	 { echo "not ok - qnn-bench --json prints its figures"; exit 1; }
	@out=$$($(O)/qnn-bench --peer $(TOP)/models/fmnist-w1a1.qnn --rounds 1 --seconds 0.05 \
		--peer-onnx /nonexistent.onnx --peer-cmd false) && \
	 echo "$$out" | grep -q 'peer .*ABSENT: /nonexistent.onnx' && \
	 echo "$$out" | grep -q 'batch 256, 2 threads *qnn [0-9]* images/s' && \
	 echo "ok - qnn-bench --peer without a peer says so and prints libqnn's figures" || \
	 { echo "$$out" | sed 's/^/# /'; \
	   echo "not ok - qnn-bench --peer without a peer says so and prints libqnn's figures"; exit 1; }

TOOLS += $(O)/qnn-bench
TOOL_CHECKS += qnn-bench-check
