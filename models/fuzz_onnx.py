#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Structure-aware mutants of ONNX models for qnn-convert (issue 10).

  /usr/bin/python3 models/fuzz_onnx.py [--count N] [--seed S] [OUTDIR]

Byte flips mostly break the protobuf, so the converter's graph code is
rarely reached; these mutants stay valid protobufs and change the graph:
attribute values (pads, strides, axis, group, perm, ceil_mode,
count_include_pad, transA, kernel_shape: boundary values, wrong lengths),
attributes dropped or added, op types swapped among the ops qnn-convert
knows (Concat, Conv, Gemm, pools, Softmax, Split, Resize, Transpose,
Reshape, Pad, quantizers, ...), inputs rewired to other values, to "" or to
unknown names, inputs added (Concat) or dropped, nodes deleted, duplicated or
reordered, initializers with wrong dims, types or values (NaN, inf, huge),
graph input shapes and element types, opset versions and domains.

Seeds are the fixtures on the new paths (Concat, 1-D conv, depthwise,
AveragePool AVG_VALID, Softmax, Gemm transA, normalised float inputs, shape
chains, QONNX 1-bit, FINN, QKeras). The corpus in models/fuzz/ is this
script's output with the default arguments; check_fixtures.sh runs every
file through qnn-convert (and, when it converts, qnn-run) under ASan+UBSan:
each must convert or be refused with a message, never crash.
"""
import argparse
import os
import random

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "fixtures")
SEEDS = ["qonnx_concat_mixed", "torch_cat_dense", "onnx_conv1d", "torch_conv1d",
         "torch_depthwise", "onnx_gemm_transA", "torch_avgpool_ceil", "torch_avgpool_ceil_excl",
         "torch_avgpool_excl", "torch_softmax", "torch_logsoftmax", "torch_normalize_pad",
         "torch_view_dynamic", "torch_div255", "qkeras_cnn", "finn_tfc", "qonnx_1bit",
         "torch_argmax", "larq_onepad", "brevitas_residual_scales"]
OPS = ["Concat", "Conv", "Gemm", "MatMul", "AveragePool", "MaxPool", "GlobalAveragePool",
       "Softmax", "LogSoftmax", "Split", "Resize", "Transpose", "Reshape", "Flatten", "Pad",
       "Sign", "Relu", "Clip", "Add", "Mul", "Sub", "Div", "BatchNormalization", "Identity",
       "Squeeze", "Unsqueeze", "Shape", "Gather", "ArgMax", "TopK", "PRelu", "ReduceMean",
       "Cast", "Dropout", "QuantizeLinear", "DequantizeLinear"]
QONNX = ["Quant", "BipolarQuant", "MultiThreshold", "Trunc"]
INTS = [-(1 << 31), -2, -1, 0, 1, 2, 3, 4, 7, 64, 65, 255, 65535, 65536, (1 << 31) - 1]
ATTRS = {"axis": "i", "group": "i", "ceil_mode": "i", "count_include_pad": "i", "transA": "i",
         "transB": "i", "keepdims": "i", "pads": "ints", "strides": "ints", "dilations": "ints",
         "kernel_shape": "ints", "perm": "ints", "axes": "ints", "signed": "i", "narrow": "i",
         "to": "i", "allowzero": "i", "k": "i"}


def names(g):
    s = {i.name for i in g.input} | {t.name for t in g.initializer}
    for n in g.node:
        s |= set(n.output)
    return sorted(x for x in s if x)


def mut_attr(rng, g):
    cands = [(n, a) for n in g.node for a in n.attribute
             if a.type in (onnx.AttributeProto.INT, onnx.AttributeProto.INTS)]
    if not cands:
        return False
    n, a = rng.choice(cands)
    if a.type == onnx.AttributeProto.INT:
        a.i = rng.choice(INTS + [a.i + 1, a.i - 1])
    else:
        v = list(a.ints)
        how = rng.randrange(4)
        if how == 0 and v:
            v[rng.randrange(len(v))] = rng.choice(INTS)
        elif how == 1:
            v.append(rng.choice(INTS[2:8]))
        elif how == 2 and v:
            v.pop(rng.randrange(len(v)))
        else:
            v = v[::-1]
        del a.ints[:]
        a.ints.extend(v)
    return True


def mut_attr_set(rng, g):
    if not g.node:
        return False
    n = rng.choice(g.node)
    if n.attribute and rng.random() < 0.4:
        n.attribute.remove(rng.choice(n.attribute))
        return True
    name = rng.choice(sorted(ATTRS))
    for a in list(n.attribute):
        if a.name == name:
            n.attribute.remove(a)
    if ATTRS[name] == "i":
        n.attribute.append(helper.make_attribute(name, rng.choice(INTS[1:9])))
    else:
        n.attribute.append(helper.make_attribute(name, [rng.choice(INTS[2:8])
                                                        for _ in range(rng.randrange(0, 5))]))
    return True


def mut_op(rng, g):
    if not g.node:
        return False
    n = rng.choice(g.node)
    if n.domain not in ("", "ai.onnx") and rng.random() < 0.7:
        n.op_type = rng.choice(QONNX)
    else:
        n.op_type = rng.choice(OPS)
    return True


def mut_input(rng, g):
    cands = [n for n in g.node if n.input]
    if not cands:
        return False
    n = rng.choice(cands)
    how = rng.randrange(5)
    if how == 0:
        n.input[rng.randrange(len(n.input))] = rng.choice(names(g))
    elif how == 1:
        n.input[rng.randrange(len(n.input))] = ""
    elif how == 2:
        n.input[rng.randrange(len(n.input))] = "no_such_value"
    elif how == 3:
        n.input.append(rng.choice(names(g)))
    else:
        del n.input[-1]
    return True


def mut_nodes(rng, g):
    if len(g.node) < 2:
        return False
    how = rng.randrange(3)
    i = rng.randrange(len(g.node))
    if how == 0:
        del g.node[i]
    elif how == 1:
        d = onnx.NodeProto()
        d.CopyFrom(g.node[i])
        del d.output[:]
        d.output.extend([o + "_dup" for o in g.node[i].output])
        d.name = d.name + "_dup"
        g.node.insert(i + 1, d)
    else:
        j = rng.randrange(len(g.node))
        a, b = onnx.NodeProto(), onnx.NodeProto()
        a.CopyFrom(g.node[i])
        b.CopyFrom(g.node[j])
        g.node[i].CopyFrom(b)
        g.node[j].CopyFrom(a)
    return True


def mut_init(rng, g):
    if not g.initializer:
        return False
    t = rng.choice(g.initializer)
    how = rng.randrange(5)
    arr = numpy_helper.to_array(t)
    if how == 0 and arr.size:      # special values
        a = arr.astype(np.float32).copy().reshape(-1)
        a[rng.randrange(a.size)] = rng.choice([np.nan, np.inf, -np.inf, 1e30, -1e-30, 0.0])
        t.CopyFrom(numpy_helper.from_array(a.reshape(arr.shape), t.name))
    elif how == 1:                 # dims that do not match the data
        if t.dims:
            t.dims[rng.randrange(len(t.dims))] = rng.choice([0, 1, 2, 3, 1 << 20])
        else:
            t.dims.append(2)
    elif how == 2:                 # another element type, same bytes
        t.data_type = rng.choice([TensorProto.INT8, TensorProto.UINT8, TensorProto.INT64,
                                  TensorProto.DOUBLE, TensorProto.FLOAT16, TensorProto.BOOL,
                                  TensorProto.STRING, 99])
    elif how == 3:                 # another shape, same count
        if arr.size > 1:
            t.CopyFrom(numpy_helper.from_array(arr.reshape(-1), t.name))
    else:                          # scaled values
        if arr.dtype.kind == "f":
            t.CopyFrom(numpy_helper.from_array((arr * rng.choice([-1, 0.5, 3, 1e6])).astype(arr.dtype),
                                               t.name))
        else:
            return False
    return True


def mut_graph_io(rng, g):
    vis = [v for v in list(g.input) + list(g.output) if v.type.HasField("tensor_type")]
    if not vis:
        return False
    v = rng.choice(vis)
    tt = v.type.tensor_type
    how = rng.randrange(4)
    if how == 0 and tt.shape.dim:
        d = tt.shape.dim[rng.randrange(len(tt.shape.dim))]
        if rng.random() < 0.3:
            d.dim_param = "n"
        else:
            d.dim_value = rng.choice([0, 1, 2, 3, 5, 65535, 65536, 1 << 30])
    elif how == 1:
        tt.elem_type = rng.choice([TensorProto.UINT8, TensorProto.INT8, TensorProto.FLOAT,
                                   TensorProto.DOUBLE, TensorProto.INT32, TensorProto.FLOAT16])
    elif how == 2 and tt.shape.dim:
        del tt.shape.dim[-1]
    else:
        tt.shape.dim.add().dim_value = rng.choice([1, 2, 7])
    return True


def mut_opset(rng, m):
    o = rng.choice(m.opset_import)
    if rng.random() < 0.7:
        o.version = rng.choice([1, 6, 7, 9, 10, 11, 12, 13, 17, 18, 21, 22, 99])
    else:
        o.domain = rng.choice(["", "ai.onnx", "onnx.brevitas", "finn", "bogus"])
    return True


MUTATORS = [mut_attr, mut_attr, mut_attr_set, mut_op, mut_input, mut_input, mut_nodes,
            mut_init, mut_graph_io, mut_opset]


def mutant(rng, base):
    m = onnx.ModelProto()
    m.CopyFrom(base)
    done = 0
    for _ in range(rng.randint(1, 3)):
        f = rng.choice(MUTATORS)
        try:
            done += bool(f(rng, m) if f is mut_opset else f(rng, m.graph))
        except (ValueError, TypeError, IndexError, KeyError, onnx.onnx_cpp2py_export.checker.ValidationError):
            pass  # a mutation the onnx helpers cannot express: try another
    return m if done else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=240)
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("out", nargs="?", default=os.path.join(HERE, "fuzz"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    seeds = [(s, onnx.load(os.path.join(FIX, s + ".onnx"))) for s in SEEDS
             if os.path.exists(os.path.join(FIX, s + ".onnx"))]
    i = 0
    while i < args.count:
        name, base = seeds[i % len(seeds)]
        m = mutant(rng, base)
        if m is None:
            continue
        with open(os.path.join(args.out, f"{i:04d}_{name}.onnx"), "wb") as f:
            f.write(m.SerializeToString())
        i += 1
    print(f"{i} mutants of {len(seeds)} seeds in {args.out}")


if __name__ == "__main__":
    main()
