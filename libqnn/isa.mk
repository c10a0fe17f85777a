# SPDX-License-Identifier: MIT
#
# Per-file instruction-set flags, by file-name suffix: the one table of what
# each kernel set is compiled for. Each kernel table records what these
# flags enable (src/kern/isa_features.h) and runs only on a CPU that has all
# of it, so changing a line here changes what selection checks.
# Included by libqnn/Makefile and tools/qnn-bench/tool.mk.
#
#   *_avx2.c      AVX2 + POPCNT + BMI2 + FMA                  (x86-64)
#   *_avx512.c    AVX-512 F/BW/VL/VPOPCNTDQ + AVX2/POPCNT/BMI2 (x86-64)
#   *_avx512bw.c  the same without VPOPCNTDQ                   (x86-64)
#   *_avx512vnni.c  the *_avx512.c set plus AVX512-VNNI          (x86-64)
#   *_neon.c      no flags (ASIMD is aarch64's baseline)       (aarch64)

QNN_ISA_X86	:= %_avx2.c %_avx512.c %_avx512bw.c %_avx512vnni.c
QNN_ISA_ARM	:= %_neon.c

qnn_isa_flags = $(if $(filter %_avx2.c,$1),-mavx2 -mpopcnt -mbmi2 -mfma) \
	$(if $(filter %_avx512.c,$1),-mavx512f -mavx512bw -mavx512vl -mavx512vpopcntdq -mavx2 -mpopcnt -mbmi2) \
	$(if $(filter %_avx512bw.c,$1),-mavx512f -mavx512bw -mavx512vl -mavx2 -mpopcnt -mbmi2) \
	$(if $(filter %_avx512vnni.c,$1),-mavx512f -mavx512bw -mavx512vl -mavx512vpopcntdq -mavx512vnni -mavx2 -mpopcnt -mbmi2)

# sources (file names) of other architectures, to filter out for $(1)
qnn_isa_drop = $(if $(filter x86_64,$1),$(QNN_ISA_ARM),$(if $(filter aarch64,$1),$(QNN_ISA_X86),$(QNN_ISA_X86) $(QNN_ISA_ARM)))
