#!/bin/bash
# SPDX-License-Identifier: MIT
#
# vm-libqnn.sh [libqnn|demo|bench]: libqnn on a qnn device, inside the test VM
# on qnn_sim (scripts/vm-check.sh, lane "libqnn", "demo" or "bench"; or
# QNN_VM_LANE's, e.g. on the qnn-pci model: make vm-pci-libqnn), no
# driver selftests. Models, images and tools go into the initramfs.
#
#   libqnn  build/libqnn/vmtests/* (test_accel: every fixture model and both
#           demo models bit-identical CPU vs device, mixed plans, fallback)
#   demo    models/demo.sh's flow: qnn-run classifies the 10,000
#           Fashion-MNIST test images on the device; ends with the demo: line
#           (QNN_DEMO_LIMIT=N: the first N images only)
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
	[ "$what" = libqnn ] || break
	n=$(basename "$f" .onnx)
	[ -f "$top/models/fixtures/$n.ref" ] || continue
	"$build/tools/qnn-convert" "$f" "$data/models/$n.qnn" >/dev/null 2>&1 ||
		echo "# vm-libqnn: $n does not convert (skipped)"
done
cp "$top"/models/fmnist-w1a1.qnn "$top"/models/fmnist-w2a2.qnn "$data/models/"

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
	QNN_DEVICE=accel qnn-run --json $(cat /qnn-data/limit) --labels /qnn-data/t10k-labels-idx1-ubyte.gz \
		/qnn-data/models/$m.qnn /qnn-data/t10k-images-idx3-ubyte.gz || exit 1
	echo "=== ENDJSON"
done
SH
	chmod +x "$extra/qnn_demo"
	# qnn_sim computes under TCG at about 2 demo images/s: the 10,000 take
	# about 90 minutes; QNN_DEMO_LIMIT=N classifies the first N only (the
	# accuracy then is not comparable to the reference's, the top-1
	# agreement with PyTorch image by image still is)
	echo "${QNN_DEMO_LIMIT:+-n $QNN_DEMO_LIMIT}" >"$data/limit"
	bins=$build/tools/qnn-run
	;;
bench)
	extra=$build/libqnn/vmbench
	bins=""
	;;
esac
# qnn_sim computes every job for real, under TCG: jobs of a demo batch
# take tens of seconds, so the driver's job timeout is raised
timeout_ms=30000
[ "$what" = demo ] && timeout_ms=300000
# the lane's name (its build/vm-<lane>/ folder): the PCI lane's run
# (make vm-pci-libqnn, QNN_VM_QEMU/QNN_VM_PCI set) names its own
lane=${QNN_VM_LANE:-$what}
rc=0
QNN_VM_LANE=$lane QNN_VM_TESTS=- QNN_VM_EXTRA=$extra QNN_VM_DATA=$data \
	QNN_VM_BINS=$bins QNN_VM_TRINITY=0 \
	QNN_VM_QNN_PARAMS=${QNN_VM_QNN_PARAMS:-job_timeout_ms=$timeout_ms} \
	QNN_TEST_TIMEOUT=${QNN_TEST_TIMEOUT:-5400} QNN_VM_TIMEOUT=${QNN_VM_TIMEOUT:-7200} \
	"$top/scripts/vm-check.sh" || rc=$?
raw=$build/vm-$lane/raw.log
case $what in
demo)
	# models/demo.sh's check and demo: line, on the JSON the guest printed
	sed -n '/^=== JSON fmnist-w1a1$/,/^=== ENDJSON$/p' "$raw" | sed '1d;$d' >"$data/fmnist-w1a1.json"
	ref=$(sed -n 's/.*"pytorch_test_accuracy": *\([0-9.]*\).*/\1/p' "$top/models/fmnist-w1a1.json")
	python=python3
	command -v $python >/dev/null || python=/usr/bin/python3
	sed -n "/<<'PY'\$/,/^PY\$/p" "$top/models/demo.sh" | sed '1d;$d' >"$data/report.py"
	$python "$data/report.py" "$data/fmnist-w1a1.json" "$top/models/fmnist-w1a1.ref-top1" \
		fmnist-w1a1 "$ref" || { [ -n "${QNN_DEMO_LIMIT:-}" ] &&
		echo "vm-demo: $QNN_DEMO_LIMIT images only: the accuracy is not the whole test set's"; } || rc=1
	;;
bench)
	grep -v '^#' "$raw" | grep '^{"model"' | tail -1 || rc=1
	;;
esac
exit $rc
