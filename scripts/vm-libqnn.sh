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
#           Fashion-MNIST test images on two qnn_sim devices (accel:all);
#           ends with make demo's demo: line, backend=accel:all; fails
#           unless every top-1 equals the CPU's (PyTorch's) and nothing fell
#           back to the CPU (QNN_DEMO_LIMIT=N: the first N images only;
#           QNN_DEMO_DEVICES=N: N devices)
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
	# QNN_VM_LIBQNN_TESTS=dir: only that directory's programs (a developer's run)
	extra=${QNN_VM_LIBQNN_TESTS:-$build/libqnn/vmtests}
	bins=""
	;;
demo)
	cp "$fmnist"/t10k-images-idx3-ubyte.gz "$fmnist"/t10k-labels-idx1-ubyte.gz "$data/"
	extra=$data/bin
	cat >"$extra/qnn_demo" <<'SH'
#!/bin/sh
# the demo's classification on the simulated devices: qnn_sim.0 and as
# many more as /qnn-data/devices says, sharing each batch (accel:all)
ctl=/sys/bus/platform/drivers/qnn_sim
ndev=$(cat /qnn-data/devices)
i=1
while [ $i -lt "$ndev" ]; do
	echo $i >$ctl/new_device || exit 1
	i=$((i + 1))
done
dev=accel:all
[ "$ndev" -gt 1 ] || dev=accel
echo "# vm-demo: $ndev qnn_sim devices, QNN_DEVICE=$dev, cpu popcnt: $(grep -qw popcnt /proc/cpuinfo && echo yes || echo no)"
for m in fmnist-w1a1; do
	QNN_DEVICE=$dev qnn-run --plan /qnn-data/models/$m.qnn | sed 's/^/# vm-demo: plan: /'
	echo "=== JSON $m"
	QNN_DEVICE=$dev qnn-run --json $(cat /qnn-data/limit) --labels /qnn-data/t10k-labels-idx1-ubyte.gz \
		/qnn-data/models/$m.qnn /qnn-data/t10k-images-idx3-ubyte.gz 2>/tmp/qnn-run.err || rc=1
	echo "=== ENDJSON"
	# stderr apart: nothing of it may land inside the JSON lines
	sed 's/^/# qnn-run: /' /tmp/qnn-run.err
	[ -z "${rc:-}" ] || exit 1
done
i=1
while [ $i -lt "$ndev" ]; do
	echo $i >$ctl/del_device || exit 1
	i=$((i + 1))
done
SH
	chmod +x "$extra/qnn_demo"
	# qnn_sim computes under TCG at about 30 demo images/s on two devices
	# (accel:all; QNN_DEMO_DEVICES=1: one): the 10,000 take about 6
	# minutes; QNN_DEMO_LIMIT=N classifies the first N only (the accuracy
	# then is not comparable to the reference's, the top-1 agreement with
	# PyTorch image by image still is)
	echo "${QNN_DEMO_LIMIT:+-n $QNN_DEMO_LIMIT}" >"$data/limit"
	echo "${QNN_DEMO_DEVICES:-2}" >"$data/devices"
	bins=$build/tools/qnn-run
	;;
bench)
	extra=$build/libqnn/vmbench
	bins=""
	;;
esac
# qnn_sim computes every job for real, under TCG: a job of a demo batch
# takes seconds, more on a loaded machine, so the driver's job timeout is
# raised. The demo's guest CPU has POPCNT (qemu64 lacks it): qnn_sim's
# popcounts are then one instruction, not a call (about 1.3x the images/s).
timeout_ms=30000
if [ "$what" = demo ]; then
	timeout_ms=120000
	export QNN_VM_CPU=${QNN_VM_CPU:-qemu64,+popcnt}
	# bounded well above the ~6 minutes it takes (CI has 90 in all)
	export QNN_TEST_TIMEOUT=${QNN_TEST_TIMEOUT:-1800}
	export QNN_VM_TIMEOUT=${QNN_VM_TIMEOUT:-2100}
fi
# the lane's name (its build/vm-<lane>/ folder): the PCI lane's run
# (make vm-pci-libqnn, QNN_VM_QEMU/QNN_VM_PCI set) names its own
lane=${QNN_VM_LANE:-$what}
rc=0
t0=$SECONDS
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
	out=$($python "$data/report.py" "$data/fmnist-w1a1.json" "$top/models/fmnist-w1a1.ref-top1" \
		fmnist-w1a1 "$ref") || prc=$?
	# on the device as on the CPU: every image's top-1 equal to PyTorch's
	# (the CPU's are, make demo), so the accuracy is the CPU's to the last
	# image; and nothing redone on the CPU behind the device's back
	n=$(sed -n 's/^demo: \([0-9]*\) images, .*/\1/p' <<<"$out")
	differ=$(sed -n 's/^demo: .*(\([0-9]*\) differ).*/\1/p' <<<"$out")
	acc=$(sed -n 's/^demo: model=.* accuracy=\([0-9.]*\) .*/\1/p' <<<"$out")
	want=${QNN_DEMO_LIMIT:-10000}
	err=""
	[ "$n" = "$want" ] || err="$err; ${n:-no} images classified, $want expected"
	[ "$differ" = 0 ] || err="$err; top-1 differs from the CPU's on ${differ:-?} images"
	if [ -z "${QNN_DEMO_LIMIT:-}" ]; then
		[ "$acc" = "$(printf %.4f "$ref")" ] || err="$err; accuracy ${acc:-?}, the CPU's is $ref"
	elif [ "${prc:-0}" != 0 ]; then
		echo "vm-demo: $QNN_DEMO_LIMIT images only: the accuracy is not the whole test set's"
	fi
	fell=$(grep -c '^# qnn-run: .*redone on the CPU' "$raw" || true)
	[ "$fell" = 0 ] || err="$err; $fell requests fell back to the CPU"
	grep '^# vm-demo:' "$raw" | sed 's/^# //' || true
	echo "vm-demo: the VM ran $((SECONDS - t0)) s (boot, $want images, power-off)"
	echo "$out"
	[ -z "$err" ] || { echo "vm-demo: FAILED: ${err#; }"; rc=1; }
	;;
bench)
	grep -v '^#' "$raw" | grep '^{"model"' | tail -1 || rc=1
	;;
esac
exit $rc
