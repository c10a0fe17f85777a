#!/bin/bash
# SPDX-License-Identifier: MIT
#
# demo.sh TOOLDIR OUTDIR MODEL DATADIR: converts models/MODEL.onnx with
# qnn-convert, classifies the 10,000 Fashion-MNIST test images through
# libqnn with qnn-run, checks libqnn's top-1 against PyTorch's image by image
# (MODEL.ref-top1) and ends with one line:
#   demo: model=... backend=... accuracy=... reference_accuracy=... images_per_s=...
set -eu
tools=$1
out=$2
model=$3
data=$4
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"

ref=$(sed -n 's/.*"pytorch_test_accuracy": *\([0-9.]*\).*/\1/p' "$here/$model.json")
"$tools/qnn-convert" --verbose "$here/$model.onnx" "$out/$model.qnn"
if cmp -s "$out/$model.qnn" "$here/$model.qnn"; then
	echo "demo: the conversion is byte-identical to the committed $model.qnn"
else
	echo "demo: note: the conversion differs from the committed $model.qnn"
fi
"$tools/qnn-run" --json --labels "$data/t10k-labels-idx1-ubyte.gz" \
	"$out/$model.qnn" "$data/t10k-images-idx3-ubyte.gz" >"$out/$model.json"

python=python3
command -v $python >/dev/null || python=/usr/bin/python3
$python - "$out/$model.json" "$here/$model.ref-top1" "$model" "$ref" <<'PY'
import json, sys
path, ref_path, model, ref_acc = sys.argv[1:5]
ref = open(ref_path, "rb").read()
agree = n = 0
summary = None
for line in open(path):
    o = json.loads(line)
    if o.get("summary"):
        summary = o
        continue
    n += 1
    agree += o["top1"] == ref[o["index"]]
s = summary
print(f"demo: {n} images, libqnn top-1 equals PyTorch's on {agree} "
      f"({n - agree} differ); {s['threads']} threads, batch {s['batch']}, "
      f"{s['seconds']:.3f} s")
diff = abs(s["accuracy"] - float(ref_acc))
if diff > 0.001:
    print(f"demo: ERROR: libqnn accuracy {s['accuracy']:.4f} differs from PyTorch's "
          f"{float(ref_acc):.4f} by {diff:.4f} (> 0.001)")
print(f"demo: model={model} backend={s['backend']} accuracy={s['accuracy']:.4f} "
      f"reference_accuracy={float(ref_acc):.4f} images_per_s={s['images_per_s']:.0f}")
sys.exit(1 if diff > 0.001 else 0)
PY
