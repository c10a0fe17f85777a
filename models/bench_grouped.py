#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Prints the time of a 3x3 binary conv over 32x32x256 (padding 1) through
libqnn for channels per group 1 (depthwise) .. 256 (full conv), per image:

  /usr/bin/python3 models/bench_grouped.py BUILD_TOOLS_DIR [WORKDIR]

(`make -C models bench-grouped`). The figure is the conv layer's own time
from QNN_PROFILE (wall clock, one thread, batch 16, best of 3 runs); the
layer before it (THRESHOLD of the float input) and after (DEQUANT) are not
counted. A benchmark, not a test: nothing is asserted.
"""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

C, HW, IMAGES = 256, 32, 64


def model(cg, path):
    rng = np.random.default_rng(cg)
    w = rng.choice([-1.0, 1.0], (C, cg, 3, 3)).astype(np.float32)
    nodes = [helper.make_node("Sign", ["x"], ["s"]),
             helper.make_node("Conv", ["s", "w"], ["c"], pads=[1, 1, 1, 1], group=C // cg),
             helper.make_node("Sign", ["c"], ["y"])]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, C, HW, HW])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, C, HW, HW])],
                          [numpy_helper.from_array(w, "w")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.save(m, path)


def main():
    tools = sys.argv[1]
    work = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp()
    os.makedirs(work, exist_ok=True)
    x = os.path.join(work, "x.in")
    np.random.default_rng(1).normal(size=(IMAGES, HW, HW, C)).astype(np.float32).tofile(x)
    env = dict(os.environ, QNN_PROFILE="1")
    for cg in (1, 2, 4, 8, 16, 32, 64, 256):
        on, qn = os.path.join(work, f"cg{cg}.onnx"), os.path.join(work, f"cg{cg}.qnn")
        model(cg, on)
        subprocess.run([f"{tools}/qnn-convert", on, qn], check=True, capture_output=True)
        best = None
        for _ in range(3):
            r = subprocess.run([f"{tools}/qnn-run", "-q", "-b", "16", "-t", "1", qn, x],
                               check=True, capture_output=True, text=True, env=env)
            ms = float(re.search(r"conv2d\s+c\s+([0-9.]+) ms", r.stderr).group(1))
            best = ms if best is None else min(best, ms)
        macs = HW * HW * C * cg * 9
        print(f"3x3 conv 32x32x256, {cg:3d} channels/group ({C // cg:3d} groups): "
              f"{best / IMAGES:7.3f} ms/image  ({macs / 1e6:6.1f} M MACs)")


if __name__ == "__main__":
    main()
