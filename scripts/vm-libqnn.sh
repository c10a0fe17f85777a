#!/bin/bash
# SPDX-License-Identifier: MIT
#
# vm-libqnn.sh [libqnn|demo|bench]: libqnn on a qnn device, inside the test VM
# on qnn_sim (scripts/vm-check.sh, lane "libqnn", "demo" or "bench"), no
# driver selftests. Models, images and tools go into the initramfs.
#
#   libqnn  build/libqnn/vmtests/* (test_accel: every fixture model and both
#           demo models bit-identical CPU vs device, mixed plans, fallback)
#   demo    models/demo.sh's flow: qnn-run classifies the 10,000
#           Fashion-MNIST test images on the device; ends with the demo: line
#   bench   qnn-bench-accel: ends with one JSON line (docs/libqnn.md)
set -eu -o pipefail
what=${1:-libqnn}
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
data=$build/vm-$what-data
fmnist=${FMNIST:-/usr/share/datasets/fashion-mnist}
rm -rf "$data"
mkdir -p "$data/models" "$data/bin"

# the fixtures converted on the host (the converter's own tests check them
# against PyTorch/numpy); the demo models as committed
for f in "$top"/models/fixtures/*.onnx; do
	n=$(basename "$f" .onnx)
	[ -f "$top/models/fixtures/$n.ref" ] || continue
	"$build/tools/qnn-convert" "$f" "$data/models/$n.qnn" >/dev/null 2>&1 ||
		echo "# vm-libqnn: $n does not convert (skipped)"
done
cp "$top"/models/fmnist-w1a1.qnn "$top"/models/fmnist-w2a2.qnn "$data/models/"
[ "$what" = libqnn ] || rm -f "$data"/models/[!f]*.qnn

case $what in
libqnn)
	extra=$build/libqnn/vmtests
	bins=""
	;;
demo)
	cp "$fmnist"/t10k-images-idx3-ubyte.gz "$fmnist"/t10k-labels-idx1-ubyte.gz "$data/"
	extra=$data/bin
	cat >"$extra/qnn_demo" <<'SH'
#!/bin/sh
# the demo's classification, on the device (QNN_DEVICE=accel)
for m in fmnist-w1a1; do
	echo "=== JSON $m"
	QNN_DEVICE=accel qnn-run --json --labels /qnn-data/t10k-labels-idx1-ubyte.gz \
		/qnn-data/models/$m.qnn /qnn-data/t10k-images-idx3-ubyte.gz || exit 1
	echo "=== ENDJSON"
done
SH
	chmod +x "$extra/qnn_demo"
	bins=$build/tools/qnn-run
	;;
bench)
	extra=$build/libqnn/vmbench
	bins=""
	;;
esac
QNN_VM_LANE=$what QNN_VM_TESTS=- QNN_VM_EXTRA=$extra QNN_VM_DATA=$data \
	QNN_VM_BINS=$bins QNN_VM_TRINITY=0 \
	QNN_VM_QNN_PARAMS=${QNN_VM_QNN_PARAMS:-job_timeout_ms=10000} QNN_TEST_TIMEOUT=${QNN_TEST_TIMEOUT:-1200} \
	"$top/scripts/vm-check.sh"
