#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""std_onnx.py IN.onnx OUT.onnx: the same network as a standard ONNX graph.

The demo models quantize their 4-bit classifier weights with a QONNX
`Quant` node (a custom domain onnxruntime does not know). Its inputs are all
constants, so it is folded here into a float initializer holding exactly the
values it would compute (round half to even, clamp, rescale); every other
node is left as it is. The peer benchmark (scripts/bench.sh) runs the result
in onnxruntime.
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def quant_range(bits, signed, narrow):
    if signed:
        return -(1 << (bits - 1)) + (1 if narrow else 0), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1 - (1 if narrow else 0)


def main(src, dst):
    m = onnx.load(src)
    g = m.graph
    const = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    for n in g.node:
        if n.op_type == "Constant":
            const[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    keep = []
    for n in g.node:
        if n.op_type != "Quant" or not all(i in const for i in n.input):
            keep.append(n)
            continue
        a = {x.name: onnx.helper.get_attribute_value(x) for x in n.attribute}
        if a.get("rounding_mode", b"ROUND") not in (b"ROUND", "ROUND"):
            sys.exit(f"std_onnx: {n.name}: rounding mode {a['rounding_mode']} not handled")
        x, s, z, bits = (const[i].astype(np.float64) for i in n.input)
        lo, hi = quant_range(int(bits), bool(a.get("signed", 1)), bool(a.get("narrow", 0)))
        q = np.clip(np.round(x / s + z), lo, hi)
        y = ((q - z) * s).astype(np.float32)
        g.initializer.append(numpy_helper.from_array(y, n.output[0]))
    del g.node[:]
    g.node.extend(keep)
    used = {i for n in keep for i in n.input}
    dead = [i for i in g.initializer if i.name not in used]
    for i in dead:
        g.initializer.remove(i)
    keep = [n for n in keep if n.op_type != "Constant" or n.output[0] in used]
    del g.node[:]
    g.node.extend(keep)
    std = [o for o in m.opset_import if o.domain in ("", "ai.onnx")]
    del m.opset_import[:]
    m.opset_import.extend(std)
    onnx.checker.check_model(m)
    onnx.save(m, dst)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: std_onnx.py IN.onnx OUT.onnx")
    main(sys.argv[1], sys.argv[2])
