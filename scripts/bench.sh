#!/bin/bash
# SPDX-License-Identifier: MIT
#
# bench.sh: the `make bench` target. qnn-bench's kernel and CNV figures, then
# the demo model through libqnn against the same network in onnxruntime
# (float32), measured side by side in one run (qnn-bench --peer). The peer is
# onnxruntime-node from npm under build/peer (scripts/install-deps.sh bench);
# when it is absent the comparison says so and prints libqnn's figures alone.
# Benchmarks print; nothing here asserts a speed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
bench=$build/tools/qnn-bench
peer=${QNN_PEER_DIR:-$build/peer}
model=${BENCH_MODEL:-fmnist-w1a1}
data=${FMNIST:-/usr/share/datasets/fashion-mnist}
py=/usr/bin/python3
export QNN_PEER_DIR=$peer

echo "== qnn-bench (kernels, CNV)"
"$bench" || exit 1

echo "== $model: libqnn vs onnxruntime"
args=(--peer "$top/models/$model.qnn")
if [ ! -f "$peer/node_modules/onnxruntime-node/package.json" ]; then
	echo "bench: onnxruntime is absent ($peer/node_modules/onnxruntime-node):" \
	     "scripts/install-deps.sh bench installs it"
elif ! command -v node >/dev/null; then
	echo "bench: onnxruntime is absent: no node to run it"
elif ! "$py" "$top/scripts/peer/std_onnx.py" "$top/models/$model.onnx" "$peer/$model.std.onnx"; then
	echo "bench: onnxruntime is absent: could not make a standard ONNX graph of $model"
else
	args+=(--peer-onnx "$peer/$model.std.onnx" --peer-cmd "node $top/scripts/peer/ort_bench.js")
fi
# the test images when the dataset is installed (top-1 of both sides compared)
if [ -f "$data/t10k-images-idx3-ubyte.gz" ] && [ "$model" != "${model#fmnist}" ]; then
	mkdir -p "$peer"
	gzip -dc "$data/t10k-images-idx3-ubyte.gz" | tail -c +17 | head -c $((784 * 2560)) \
		>"$peer/fmnist-images.raw" && args+=(--peer-input "$peer/fmnist-images.raw")
fi
"$bench" "${args[@]}" ${BENCH_ARGS:-}
