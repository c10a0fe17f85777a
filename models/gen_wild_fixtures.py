#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Fixtures shaped the way other exporters write models (issue 10).

  /usr/bin/python3 models/gen_wild_fixtures.py

Each fixture is a graph as its exporter writes it -- QONNX graphs in the
styles of QKeras (qonnx's Keras converter over tf2onnx: NHWC inputs behind
Transposes, MatMul + Add for Dense, Quant with narrow/1-bit variants),
Brevitas (Quant on weights and activations, scales that are not 1, per
channel scales and zero points, rounding modes), FINN (MultiThreshold on the
raw image, bipolar MatMuls), tf2onnx, and plain PyTorch exports -- with its
reference from outside qnn: PyTorch's forward pass, or the numpy QONNX/ONNX
semantics of qonnx_ref.py (itself checked against the spec and PyTorch).

Writes models/fixtures/NAME.{onnx,in,ref} and models/fixtures/wild.json:
per fixture its exporter style, image count, whether the output must match
bit for bit, and optionally "verbose" (a regular expression that
`qnn-convert -v` must print, e.g. a weight precision) or "refused" (a
message the conversion must fail with: constructs qnn does not support,
refused by name).
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import qonnx_ref as Q  # noqa: E402

OUT = os.path.join(HERE, "fixtures")
QD = "qonnx.custom_op.general"
N = 8
manifest = []


def c(name, arr, dtype=np.float32):
    return numpy_helper.from_array(np.asarray(arr, dtype=dtype), name)


def node(op, ins, outs, name=None, domain=None, **attrs):
    return helper.make_node(op, ins, outs, name=name or outs[0], domain=domain, **attrs)


def qnode(ins, out, name=None, signed=1, narrow=0, mode="ROUND", domain=QD, op="Quant"):
    return node(op, ins, [out], name=name, domain=domain, signed=signed, narrow=narrow,
                rounding_mode=mode)


def model(nodes, inits, inp, out, opset=13, domains=(QD,), ir=8):
    g = helper.make_graph(nodes, "g", inp if isinstance(inp, list) else [inp],
                          out if isinstance(out, list) else [out], initializer=inits)
    ops = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in domains]
    m = helper.make_model(g, opset_imports=ops, producer_name="qnn gen_wild_fixtures")
    m.ir_version = ir
    return m


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def nhwc(a):
    return a.transpose(0, 2, 3, 1) if a.ndim == 4 else a


def save(name, style, m, qnn_in, ref, exact, note, verbose=None, refused=None):
    path = os.path.join(OUT, name + ".onnx")
    if isinstance(m, onnx.ModelProto):
        onnx.save(m, path)
    qnn_in = np.ascontiguousarray(qnn_in)
    qnn_in.tofile(os.path.join(OUT, name + ".in"))
    e = {"name": name, "style": style, "images": int(qnn_in.shape[0]), "exact": bool(exact),
         "covers": note}
    if ref is not None:
        ref = np.ascontiguousarray(ref, dtype=np.float32)
        ref.tofile(os.path.join(OUT, name + ".ref"))
        e["outputs_per_image"] = int(ref.size // ref.shape[0])
    if verbose:
        e["verbose"] = verbose
    if refused:
        e["refused"] = refused
    manifest.append(e)


# ------------------------------------------------------------ QONNX semantics

MODES = ("ROUND", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN")


def qonnx_rounding(rng, mode):
    """Brevitas-style Quant: per-channel 4-bit weights, then an activation
    Quant with per-channel scales and (non-integer) zero points in the given
    rounding mode, read out exactly. Small inputs so that exact ties (x/s + z
    on a half) happen often and decide the rounding."""
    x = rng.integers(0, 4, (N, 2, 6, 6)).astype(np.uint8)
    wf1 = rng.normal(size=(4, 2, 3, 3)) * 3
    sw1 = np.array([0.5, 0.25, 1.0, 2.0]).reshape(4, 1, 1, 1)
    b1 = rng.integers(-8, 9, 4) / 8.0
    sa = np.array([2.0, 1.0, 4.0, 0.5]).reshape(1, 4, 1, 1)
    za = np.array([0.0, 0.5, -1.0, 1.5]).reshape(1, 4, 1, 1)
    w1 = Q.quant(wf1, sw1, 0.0, 4, 1, 1)
    a = Q.conv(x.astype(np.float64), w1, pad=1) + b1.reshape(1, 4, 1, 1)
    ref = Q.quant(a, sa, za, 3, 1, 0, mode)
    nodes = [
        node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
        qnode(["wf1", "sw1", "z0", "b4"], "w1", narrow=1),
        node("Conv", ["xf", "w1"], ["c1"], pads=[1, 1, 1, 1]),
        node("Add", ["c1", "b1"], ["c1b"]),
        qnode(["c1b", "sa", "za", "b3"], "y", mode=mode.lower() if mode == "FLOOR" else mode),
    ]
    inits = [c("wf1", wf1), c("sw1", sw1), c("z0", 0.0), c("b4", 4.0), c("b1", b1.reshape(1, 4, 1, 1)),
             c("sa", sa), c("za", za), c("b3", 3.0)]
    m = model(nodes, inits, vi("x", TensorProto.UINT8, [None, 2, 6, 6]),
              vi("y", TensorProto.FLOAT, [None, 4, 6, 6]))
    save(f"qonnx_round_{mode.lower()}", "qonnx", m, nhwc(x), nhwc(ref), True,
         f"Quant rounding_mode {mode} with per-channel scales and zero points on an "
         "activation (exact ties), per-channel 4-bit weights")


def qonnx_binary_weights(rng):
    """QKeras' binary weights (Quant, 1 bit, signed, narrow=1) with Sign
    activations: a model the converter once took silently as all-zero
    weights (narrow=1) and {-1, 0} weights (narrow=0)."""
    x = rng.integers(0, 256, (N, 1, 6, 6)).astype(np.uint8)
    wf1 = rng.normal(size=(8, 1, 3, 3))
    wf2 = rng.normal(size=(8 * 4 * 4, 5))
    t1 = rng.uniform(-200, 200, (1, 8, 1, 1)) + 0.5
    w1 = Q.quant(wf1, 1.0, 0.0, 1, 1, 1)
    w2 = Q.quant(wf2, 1.0, 0.0, 1, 1, 0)
    a = Q.conv(x.astype(np.float64), w1) - t1
    a = np.where(a >= 0, 1.0, -1.0)
    ref = a.reshape(N, -1) @ w2
    nodes = [
        node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
        qnode(["wf1", "one", "z0", "b1"], "w1", narrow=1),
        node("Conv", ["xf", "w1"], ["c1"]),
        node("Sub", ["c1", "t1"], ["d1"]),
        node("Sign", ["d1"], ["a1"]),
        node("Flatten", ["a1"], ["f"]),
        qnode(["wf2", "one", "z0", "b1"], "w2", narrow=0),
        node("MatMul", ["f", "w2"], ["y"]),
    ]
    inits = [c("wf1", wf1), c("one", 1.0), c("z0", 0.0), c("b1", 1.0), c("t1", t1), c("wf2", wf2)]
    m = model(nodes, inits, vi("x", TensorProto.UINT8, [None, 1, 6, 6]),
              vi("y", TensorProto.FLOAT, [None, 5]))
    save("qonnx_binary_weights", "qonnx", m, nhwc(x), ref, True,
         "1-bit signed Quant on weights (narrow 1 and 0) is +-1, with Sign activations",
         verbose=r"weights bipolar1")


def brevitas_act_perchannel(rng):
    """Per-channel activation scales (Brevitas scaling_per_output_channel on
    an activation) into the next conv: folded into its weights, exactly."""
    x = rng.integers(0, 256, (N, 1, 8, 8)).astype(np.uint8)
    wf1 = rng.normal(size=(6, 1, 3, 3))
    sa = (2.0 ** rng.integers(4, 8, 6)).reshape(1, 6, 1, 1)
    wf2 = rng.normal(size=(4, 6, 3, 3))
    t2 = rng.uniform(-200, 200, (1, 4, 1, 1))
    w1 = Q.quant(wf1, 1.0, 0.0, 1, 1, 1)
    w2 = Q.quant(wf2, 0.5, 0.0, 2, 1, 1)
    a = Q.quant(Q.conv(x.astype(np.float64), w1), sa, 0.0, 3, 0, 0)
    a = Q.conv(a, w2) - t2
    ref = Q.quant(a, 16.0, 0.0, 4, 1, 0)
    nodes = [
        node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
        qnode(["wf1", "one", "z0", "b1"], "w1", narrow=1),
        node("Conv", ["xf", "w1"], ["c1"]),
        qnode(["c1", "sa", "z0", "b3"], "a1", signed=0),
        qnode(["wf2", "half", "z0", "b2"], "w2", narrow=1),
        node("Conv", ["a1", "w2"], ["c2"]),
        node("Sub", ["c2", "t2"], ["d2"]),
        qnode(["d2", "s16", "z0", "b4"], "y"),
    ]
    inits = [c("wf1", wf1), c("one", 1.0), c("z0", 0.0), c("b1", 1.0), c("sa", sa), c("b3", 3.0),
             c("wf2", wf2), c("half", 0.5), c("b2", 2.0), c("t2", t2), c("s16", 16.0),
             c("b4", 4.0)]
    m = model(nodes, inits, vi("x", TensorProto.UINT8, [None, 1, 8, 8]),
              vi("y", TensorProto.FLOAT, [None, 4, 4, 4]))
    save("brevitas_act_perchannel", "brevitas", m, nhwc(x), nhwc(ref), True,
         "per-channel activation scales (2^4..2^7) folded into the next conv's ternary "
         "weights; 4-bit signed output")


def brevitas_wscale(rng):
    """Weights whose Quant scale is not 1 keep their bit width: 8-bit codes
    times 2 are 8 planes at scale 2 (not 9-bit integers), 4-bit codes times
    2 are 4 planes (not 5); per-tensor and per-channel (scale 4 on some
    output channels) scales."""
    x = rng.integers(0, 256, (N, 3, 6, 6)).astype(np.uint8)
    wf1 = rng.normal(size=(8, 3, 3, 3)) * 300
    wf2 = rng.normal(size=(5, 8, 3, 3)) * 10
    sw2 = np.array([2.0, 4.0, 2.0, 2.0, 4.0]).reshape(5, 1, 1, 1)
    w1 = Q.quant(wf1, 2.0, 0.0, 8, 1, 1)
    w2 = Q.quant(wf2, sw2, 0.0, 4, 1, 0)
    a = Q.conv(x.astype(np.float64), w1, pad=1)
    a = Q.quant(a, 4096.0, 0.0, 4, 0, 0)
    ref = Q.conv(a, w2)
    nodes = [
        node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
        qnode(["wf1", "two", "z0", "b8"], "w1", narrow=1),
        node("Conv", ["xf", "w1"], ["c1"], pads=[1, 1, 1, 1]),
        qnode(["c1", "s4096", "z0", "b4"], "a1", signed=0),
        qnode(["wf2", "sw2", "z0", "b4"], "w2"),
        node("Conv", ["a1", "w2"], ["y"]),
    ]
    inits = [c("wf1", wf1), c("two", 2.0), c("z0", 0.0), c("b8", 8.0), c("s4096", 4096.0),
             c("b4", 4.0), c("wf2", wf2), c("sw2", sw2)]
    m = model(nodes, inits, vi("x", TensorProto.UINT8, [None, 3, 6, 6]),
              vi("y", TensorProto.FLOAT, [None, 5, 4, 4]))
    save("brevitas_wscale", "brevitas", m, nhwc(x), nhwc(ref), True,
         "8-bit weights of scale 2 stay 8 planes, 4-bit weights of scale 2/4 stay 4",
         verbose=r"weights signed8 && weights signed4")


def qonnx_1bit(rng):
    """The 1-bit Quant variants of the QONNX reference: signed 1-bit is
    bipolar (x/s + z >= 0) whatever narrow says, on weights (QKeras' binary:
    narrow=1; narrow=0; a per-channel scale) and on activations (with and
    without narrow, with a per-channel zero point); unsigned 1-bit is {0, 1}."""
    x = rng.integers(0, 256, (N, 1, 7, 7)).astype(np.uint8)
    wf1 = rng.normal(size=(6, 1, 3, 3))
    wf2 = rng.normal(size=(8, 6, 3, 3))
    sw2 = np.array([0.5, 1, 2, 0.25, 1, 1, 4, 0.5]).reshape(8, 1, 1, 1)
    wf3 = rng.normal(size=(5, 8, 1, 1))
    wf4 = rng.normal(size=(4, 5, 3, 3))
    t1 = rng.uniform(-300, 300, (1, 6, 1, 1))
    t2 = rng.uniform(-3, 3, (1, 8, 1, 1))
    z3 = np.array([0.0, 0.5, -0.5, 1.0, 0.25]).reshape(1, 5, 1, 1)
    w1 = Q.quant(wf1, 1.0, 0.0, 1, 1, 1)                  # QKeras binary: narrow=1
    w2 = Q.quant(wf2, sw2, 0.0, 1, 1, 0)                  # narrow=0, per-channel scale
    w3 = Q.quant(wf3, 1.0, 0.0, 1, 1, 1)
    w4 = Q.quant(wf4, 0.5, 0.0, 1, 1, 0)
    a = Q.conv(x.astype(np.float64), w1) - t1
    a = Q.quant(a, 1.0, 0.0, 1, 1, 1)                     # bipolar activation, narrow=1
    a = Q.conv(a, w2) * 0.125 - t2
    a = Q.quant(a, 1.0, 0.0, 1, 1, 0)                     # narrow=0: still bipolar
    a = Q.conv(a, w3)
    a = Q.quant(a, 2.0, z3, 1, 1, 0)                      # zero point: (+-1 - z) * 2
    a = Q.conv(a, w4)
    a = Q.quant(a, 1.0, 0.0, 1, 0, 0)                     # unsigned 1-bit: {0, 1}
    ref = a.reshape(N, -1)
    nodes = [
        node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
        qnode(["wf1", "one", "z0", "b1"], "w1", narrow=1),
        node("Conv", ["xf", "w1"], ["c1"]),
        node("Sub", ["c1", "t1"], ["d1"]),
        qnode(["d1", "one", "z0", "b1"], "a1", narrow=1),
        qnode(["wf2", "sw2", "z0", "b1"], "w2", narrow=0),
        node("Conv", ["a1", "w2"], ["c2"]),
        node("Mul", ["c2", "eighth"], ["m2"]),
        node("Sub", ["m2", "t2"], ["d2"]),
        qnode(["d2", "one", "z0", "b1"], "a2", narrow=0),
        qnode(["wf3", "one", "z0", "b1"], "w3", narrow=1),
        node("Conv", ["a2", "w3"], ["c3"]),
        qnode(["c3", "two", "z3", "b1"], "a3"),
        qnode(["wf4", "half", "z0", "b1"], "w4"),
        node("Conv", ["a3", "w4"], ["c4"]),
        qnode(["c4", "one", "z0", "b1"], "a4", signed=0),
        node("Flatten", ["a4"], ["y"]),
    ]
    inits = [c("wf1", wf1), c("one", 1.0), c("z0", 0.0), c("b1", 1.0), c("t1", t1),
             c("wf2", wf2), c("sw2", sw2), c("eighth", 0.125), c("t2", t2), c("wf3", wf3),
             c("two", 2.0), c("z3", z3), c("wf4", wf4), c("half", 0.5)]
    m = model(nodes, inits, vi("x", TensorProto.UINT8, [None, 1, 7, 7]),
              vi("y", TensorProto.FLOAT, [None, 4]))
    save("qonnx_1bit", "qonnx", m, nhwc(x), ref, True,
         "1-bit Quant as QONNX runs it: signed = bipolar on weights (narrow 1 and 0, "
         "per-channel scale) and activations (narrow 1 and 0, per-channel zero point), "
         "unsigned = {0, 1}", verbose=r"weights bipolar1")


# ------------------------------------------------------------------ PyTorch

def torch_export(name, style, net, x, opset, exact, note, in_names=("x",), verbose=None,
                 refused=None, dynamic=True, qnn_in=None, **kw):
    """Exports net (eval mode) as torch.onnx.export writes it; the reference
    is PyTorch's own forward pass in float64 (so the oracle's rounding never
    decides a threshold)."""
    import torch
    import qlayers
    net.eval()
    for m in net.modules():
        if hasattr(m, "freeze"):
            m.freeze()
    path = os.path.join(OUT, name + ".onnx")
    dyn = {"x": {0: "n"}, "y": {0: "n"}} if dynamic else None
    torch.onnx.export(net, x[:1], path, opset_version=opset, input_names=list(in_names),
                      output_names=["y"], dynamic_axes=dyn,
                      custom_opsets={qlayers.QONNX_DOMAIN: 1}, **kw)
    with torch.no_grad():
        ref = net.double()(x.double() if x.is_floating_point() else x).numpy()
    xin = qnn_in if qnn_in is not None else nhwc(x.numpy())
    save(name, style, None, xin, nhwc(ref) if ref.ndim == 4 else ref, exact, note,
         verbose=verbose, refused=refused)


def seeded(net, seed):
    import torch
    import torch.nn as nn
    from qlayers import QConv2d, QLinear
    gen = torch.Generator().manual_seed(seed)
    for m in net.modules():
        if isinstance(m, (QConv2d, QLinear)):
            with torch.no_grad():
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 2 - 1)
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            c = m.num_features
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(c, generator=gen) * 3 + 0.37)
                m.running_var.copy_(torch.rand(c, generator=gen) * 20 + 0.5)
                m.weight.copy_(torch.rand(c, generator=gen) + 0.3)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.7 + 0.11)
    return gen


def torch_pools():
    """Pooling corner cases as PyTorch exports them."""
    import torch
    import torch.nn as nn
    from qlayers import BinAct, QConv2d, QLinear

    class Net(nn.Module):
        def __init__(self, *layers):
            super().__init__()
            self.body = nn.Sequential(*layers)

        def forward(self, x):
            return self.body(x.to(torch.float64 if self.body[0].weight.dtype == torch.float64
                                  else torch.float32))

    net = Net(QConv2d(1, 8, 3), nn.BatchNorm2d(8), BinAct(),
              nn.MaxPool2d(2, 2, padding=1, ceil_mode=True),
              nn.Flatten(), QLinear(8 * 3 * 3, 6))
    gen = seeded(net, 21)
    x = torch.randint(0, 256, (N, 1, 7, 7), generator=gen, dtype=torch.uint8)
    torch_export("torch_maxpool_ceil_pad", "pytorch", net, x, 13, False,
                 "MaxPool ceil_mode with padding: the last window would start in the "
                 "padding, so ONNX/PyTorch drop it (5 -> 3 windows, not 4)")
    net = Net(QConv2d(1, 8, 3), nn.BatchNorm2d(8), BinAct(),
              nn.AvgPool2d(3, 2, ceil_mode=True), nn.Flatten(), QLinear(8 * 3 * 3, 6))
    gen = seeded(net, 22)
    x = torch.randint(0, 256, (N, 1, 8, 8), generator=gen, dtype=torch.uint8)
    torch_export("torch_avgpool_ceil", "pytorch", net, x, 13, False,
                 "AveragePool ceil_mode whose last window hangs over the edge, divided by "
                 "its taps inside (AVGPOOL AVG_VALID)", verbose="divided by the taps inside")
    for name, pool, hw, flat, ref, note in (
            ("torch_avgpool_excl", nn.AvgPool2d(3, 2, padding=1, count_include_pad=False), 9, 4,
             None, "AveragePool padding 1 with count_include_pad=False: borders divided by "
             "their taps inside"),
            ("torch_avgpool_ceil_excl", nn.AvgPool2d(3, 2, padding=1, ceil_mode=True,
                                                     count_include_pad=False), 10, 5, None,
             "AveragePool ceil_mode + padding + count_include_pad=False: the overhang and "
             "the borders divided by their taps inside"),
            ("torch_avgpool_ceil_incl", nn.AvgPool2d(3, 2, padding=1, ceil_mode=True), 10, 5,
             "ceil_mode with padding and count_include_pad=1",
             "AveragePool ceil_mode + padding, count_include_pad=True (PyTorch's default): the "
             "last window counts the padding but not the overhang; refused")):
        net = Net(QConv2d(1, 8, 3), nn.BatchNorm2d(8), BinAct(), pool, nn.Flatten(),
                  QLinear(8 * flat * flat, 6))
        gen = seeded(net, 23)
        x = torch.randint(0, 256, (N, 1, hw, hw), generator=gen, dtype=torch.uint8)
        torch_export(name, "pytorch", net, x, 13, False, note, refused=ref,
                     verbose=None if ref else "divided by the taps inside")


def audit_refusals(rng):
    """Constructs that once converted silently wrong; now refused by name."""
    x = rng.integers(0, 256, (N, 1, 6, 6)).astype(np.uint8)
    w = rng.choice([-1.0, 1.0], (4, 1, 3, 3))
    # a [4] vector on a [N,4,4,4] tensor broadcasts over W, not over channels
    nodes = [node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT), node("Conv", ["xf", "w"], ["c1"]),
             node("Mul", ["c1", "k"], ["m"]), node("Sign", ["m"], ["y"])]
    m = model(nodes, [c("w", w), c("k", [1.0, -1.0, 2.0, 0.5])],
              vi("x", TensorProto.UINT8, [None, 1, 6, 6]), vi("y", TensorProto.FLOAT, [None, 4, 4, 4]),
              domains=())
    save("onnx_mul_over_w", "onnx", m, nhwc(x), None, False,
         "Mul by a [C] vector on NCHW broadcasts over W: refused, not taken per channel",
         refused="neither one value nor one per channel")
    nodes = [node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
             node("Conv", ["xf", "w"], ["c1"], pads=[1, 1, 1, 1]),
             node("Sign", ["c1"], ["s1"]),
             node("Transpose", ["s1"], ["t"], perm=[0, 1, 3, 2]),
             node("Flatten", ["t"], ["y"])]
    m = model(nodes, [c("w", w)], vi("x", TensorProto.UINT8, [None, 1, 6, 6]),
              vi("y", TensorProto.FLOAT, [None, 144]), domains=())
    save("onnx_transpose_hw", "onnx", m, nhwc(x), None, False,
         "a Transpose swapping H and W moves data: refused", refused="Transpose that moves data")


# ------------------------------------------------- float inputs, as exported

def torch_float_inputs():
    """Plain PyTorch exports whose input is float, preprocessed in the graph."""
    import torch
    import torch.nn as nn
    from qlayers import BinAct, QConv2d, QLinear, QuantAct
    PreU8, ViewNet = _torch_helpers()

    class Pre(nn.Module):
        def __init__(self, pre, *layers):
            super().__init__()
            self.pre = pre
            self.body = nn.Sequential(*layers)

        def forward(self, x):
            return self.body(self.pre(x))

    class Div255(nn.Module):
        def forward(self, x):
            return x / 255.0

    class Normalize(nn.Module):
        def __init__(self, mean, std):
            super().__init__()
            self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1))
            self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1))

        def forward(self, x):
            return (x - self.mean) / self.std

    # x / 255 before a binary conv (no input quantizer): the conv runs on the
    # float input, batch-norm + Sign become float thresholds on its sums
    net = Pre(Div255(), QConv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), BinAct(),
              QConv2d(16, 16, 3, padding=1), nn.BatchNorm2d(16), BinAct(), nn.MaxPool2d(2),
              nn.Flatten(), QLinear(16 * 4 * 4, 10), nn.BatchNorm1d(10))
    gen = seeded(net, 31)
    x = torch.randint(0, 256, (N, 1, 8, 8), generator=gen).float()
    torch_export("torch_div255", "pytorch", net, x, 13, False,
                 "float input / 255 in the graph, then a binary conv + batch-norm + Sign "
                 "(float conv, float thresholds), max-pool, dense, batch-norm logits",
                 verbose=r"f32 .*->.*bipolar1")
    # per-channel normalisation, a ReLU, then an 8-bit input quantizer
    net = Pre(nn.Sequential(Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]), nn.ReLU(),
                            QuantAct(8, scale=1 / 32.0)),
              QConv2d(3, 12, 3, wbits=2), nn.BatchNorm2d(12), QuantAct(2),
              nn.Flatten(), QLinear(12 * 4 * 4, 10))
    gen = seeded(net, 32)
    x = torch.rand((N, 3, 6, 6), generator=gen) * 1.2 - 0.1
    torch_export("torch_normalize_quant", "pytorch", net, x, 13, False,
                 "(x - mean) / std per channel, ReLU, then an 8-bit Quant on the float input "
                 "(folded into float thresholds)")
    # torchvision-style Normalize straight into a zero-padded binary conv (the
    # way most users export): the normalisation runs as a 1x1 F32 layer so
    # the conv pads the normalised value with 0, as ONNX does
    net = Pre(Normalize([0.2860, 0.31, 0.5], [0.3530, 0.25, 0.2]), QConv2d(3, 16, 3, padding=1),
              nn.BatchNorm2d(16), BinAct(), nn.MaxPool2d(2), QConv2d(16, 16, 3, padding=1),
              nn.BatchNorm2d(16), BinAct(), nn.Flatten(), QLinear(16 * 4 * 4, 10),
              nn.BatchNorm1d(10))
    gen = seeded(net, 34)
    x = torch.rand((N, 3, 8, 8), generator=gen)
    torch_export("torch_normalize_pad", "pytorch", net, x, 13, False,
                 "(x - mean) / std per channel into a zero-padded binary conv: the "
                 "normalisation runs (1x1 F32 conv), the conv pads real zeros",
                 verbose="normalised")
    # two linear layers with no quantizer between them
    net = Pre(nn.Identity(), QConv2d(1, 8, 3), nn.BatchNorm2d(8), BinAct(), nn.Flatten(),
              QLinear(8 * 6 * 6, 32), QLinear(32, 10))
    gen = seeded(net, 33)
    x = torch.randint(0, 256, (N, 1, 8, 8), generator=gen, dtype=torch.uint8)
    torch_export("torch_two_linear", "pytorch", PreU8(net), x, 13, False,
                 "two dense layers in a row without a quantizer: the second runs on the "
                 "first's sums as floats (exact integers)")
    # x.view(x.size(0), -1): Shape/Gather/Unsqueeze/Concat -> Reshape
    net = ViewNet(QConv2d(1, 8, 3), nn.BatchNorm2d(8), BinAct(), QLinear(8 * 6 * 6, 10))
    gen = seeded(net, 34)
    x = torch.randint(0, 256, (N, 1, 8, 8), generator=gen, dtype=torch.uint8)
    torch_export("torch_view_dynamic", "pytorch", net, x, 13, False,
                 "x.view(x.size(0), -1) exported with a dynamic batch: Shape, Gather, "
                 "Unsqueeze, Concat feeding Reshape")


def _torch_helpers():
    import torch
    import torch.nn as nn

    class PreU8(nn.Module):
        """uint8 image -> float, then the net."""

        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x):
            dt = next(self.net.parameters()).dtype
            return self.net(x.to(dt))

    class ViewNet(nn.Module):
        def __init__(self, conv, bn, act, fc):
            super().__init__()
            self.conv, self.bn, self.act, self.fc = conv, bn, act, fc

        def forward(self, x):
            x = self.act(self.bn(self.conv(x.to(self.conv.weight.dtype))))
            return self.fc(x.view(x.size(0), -1))
    return PreU8, ViewNet


def qonnx_float_inputs(rng):
    """QONNX graphs with float inputs as Brevitas, QKeras and FINN write them."""
    # Brevitas: an 8-bit Quant on the float input behind a Flatten
    x = (rng.uniform(-2.2, 2.2, (N, 1, 6, 6))).astype(np.float32)
    wf1 = rng.normal(size=(36, 16)) * 4
    sw1 = np.array(2.0 ** rng.integers(-3, 0, 16)).reshape(1, 16)
    b1 = rng.normal(size=16)
    wf2 = rng.normal(size=(16, 5))
    a = Q.quant(x.reshape(N, -1).astype(np.float64), 2.0 ** -6, 0.0, 8, 1, 0)
    w1 = Q.quant(wf1, sw1, 0.0, 4, 1, 1)
    a = a @ w1 + b1
    a = Q.quant(a, 0.5, 0.0, 4, 0, 0)
    w2 = Q.quant(wf2, 1.0, 0.0, 2, 1, 1)
    ref = a @ w2
    nodes = [
        node("Flatten", ["x"], ["f"]),
        qnode(["f", "sx", "z0", "b8"], "xq"),
        qnode(["wf1", "sw1", "z0", "b4"], "w1", narrow=1),
        node("MatMul", ["xq", "w1"], ["m1"]),
        node("Add", ["m1", "b1"], ["a1"]),
        qnode(["a1", "half", "z0", "b4"], "q1", signed=0),
        qnode(["wf2", "one", "z0", "b2"], "w2", narrow=1),
        node("MatMul", ["q1", "w2"], ["y"]),
    ]
    inits = [c("sx", 2.0 ** -6), c("z0", 0.0), c("b8", 8.0), c("wf1", wf1), c("sw1", sw1),
             c("b4", 4.0), c("b1", b1), c("half", 0.5), c("wf2", wf2), c("one", 1.0),
             c("b2", 2.0)]
    m = model(nodes, inits, vi("x", TensorProto.FLOAT, [None, 1, 6, 6]),
              vi("y", TensorProto.FLOAT, [None, 5]))
    save("brevitas_flatten_input", "brevitas", m, nhwc(x), ref, False,
         "an 8-bit Quant on the float input behind a Flatten (values past the range "
         "clamp), per-channel 4-bit weights, 4-bit activations")

    # Brevitas: re-quantizing after a max-pool (QuantMaxPool then QuantIdentity)
    x = rng.integers(0, 256, (N, 1, 8, 8)).astype(np.uint8)
    wf1 = rng.normal(size=(6, 1, 3, 3))
    wf2 = rng.normal(size=(4, 6, 3, 3))
    w1 = Q.quant(wf1, 0.5, 0.0, 3, 1, 1)
    w2 = Q.quant(wf2, 1.0, 0.0, 1, 1, 1)
    a = Q.quant(Q.conv(x.astype(np.float64), w1, pad=1), 16.0, 0.0, 4, 0, 0)
    a = a.reshape(N, 6, 4, 2, 4, 2).max(axis=(3, 5))
    a = Q.quant(a, 48.0, 0.0, 2, 0, 0, "HALF_UP")
    ref = Q.conv(a, w2)
    nodes = [
        node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
        qnode(["wf1", "half", "z0", "b3"], "w1", narrow=1),
        node("Conv", ["xf", "w1"], ["c1"], pads=[1, 1, 1, 1]),
        qnode(["c1", "s16", "z0", "b4"], "q1", signed=0),
        node("MaxPool", ["q1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        qnode(["p1", "s48", "z0", "b2"], "q2", signed=0, mode="HALF_UP"),
        qnode(["wf2", "one", "z0", "b1"], "w2", narrow=1),
        node("Conv", ["q2", "w2"], ["y"]),
    ]
    inits = [c("wf1", wf1), c("half", 0.5), c("z0", 0.0), c("b3", 3.0), c("s16", 16.0),
             c("b4", 4.0), c("s48", 48.0), c("b2", 2.0), c("wf2", wf2), c("one", 1.0),
             c("b1", 1.0)]
    m = model(nodes, inits, vi("x", TensorProto.UINT8, [None, 1, 8, 8]),
              vi("y", TensorProto.FLOAT, [None, 4, 2, 2]))
    save("brevitas_requant_maxpool", "brevitas", m, nhwc(x), nhwc(ref), True,
         "a Quant after a MaxPool of a quantized tensor (re-quantizing 4 bits to 2, HALF_UP)")

    # QKeras via qonnx/tf2onnx: NHWC input, Transposes, Identity, MatMul + Add
    h = 8
    x = rng.uniform(-1, 1, (N, h, h, 1)).astype(np.float32)
    wf1 = rng.normal(size=(8, 1, 3, 3))
    bb1 = rng.normal(size=8) * 0.3
    wf2 = rng.normal(size=(8, 8, 3, 3))
    al2 = (2.0 ** rng.integers(-2, 1, 8)).reshape(8, 1, 1, 1)
    wf3 = rng.normal(size=(4 * 4 * 8, 6))
    b3 = rng.normal(size=6)
    xn = x.transpose(0, 3, 1, 2).astype(np.float64)
    a = Q.quant(xn, 2.0 ** -7, 0.0, 8, 1, 0)                # quantized_bits(8, 0)
    w1 = Q.quant(wf1, 1.0, 0.0, 1, 1, 1)                   # binary
    a = Q.conv(a, w1, pad=1) + bb1.reshape(1, 8, 1, 1)
    a = Q.quant(a, 1.0, 0.0, 1, 1, 1)                      # binary activation
    w2 = Q.quant(wf2, al2, 0.0, 1, 1, 1)                   # binary, alpha per channel
    a = Q.conv(a, w2, stride=2, pad=1)
    a = Q.quant(a, 1.0, 0.0, 1, 1, 1)
    a = a.transpose(0, 2, 3, 1).reshape(N, -1)              # Keras flattens NHWC
    w3 = Q.quant(wf3, 1.0, 0.0, 1, 1, 1)
    ref = a @ w3 + b3
    nodes = [
        node("Transpose", ["x"], ["xt"], perm=[0, 3, 1, 2]),
        node("Identity", ["xt"], ["xi"]),
        qnode(["xi", "s7", "z0", "b8"], "xq"),
        qnode(["wf1", "one", "z0", "b1"], "w1", narrow=1),
        node("Conv", ["xq", "w1"], ["c1"], pads=[1, 1, 1, 1]),
        node("Add", ["c1", "bb1"], ["c1b"]),
        qnode(["c1b", "one", "z0", "b1"], "a1", narrow=1),
        qnode(["wf2", "al2", "z0", "b1"], "w2", narrow=1),
        node("Conv", ["a1", "w2"], ["c2"], pads=[1, 1, 1, 1], strides=[2, 2]),
        qnode(["c2", "one", "z0", "b1"], "a2", narrow=1),
        node("Transpose", ["a2"], ["t2"], perm=[0, 2, 3, 1]),
        node("Reshape", ["t2", "shape"], ["r"]),
        qnode(["wf3", "one", "z0", "b1"], "w3", narrow=1),
        node("MatMul", ["r", "w3"], ["m3"]),
        node("Add", ["m3", "b3"], ["y"]),
    ]
    inits = [c("s7", 2.0 ** -7), c("z0", 0.0), c("b8", 8.0), c("wf1", wf1), c("one", 1.0),
             c("b1", 1.0), c("bb1", bb1.reshape(1, 8, 1, 1)), c("wf2", wf2), c("al2", al2),
             c("shape", [-1, 128], np.int64), c("wf3", wf3), c("b3", b3)]
    m = model(nodes, inits, vi("x", TensorProto.FLOAT, [None, h, h, 1]),
              vi("y", TensorProto.FLOAT, [None, 6]))
    save("qkeras_cnn", "qkeras", m, x, ref, False,
         "QKeras through tf2onnx: NHWC float input behind Transpose + Identity, "
         "quantized_bits(8) input, binary weights/activations (1-bit narrow Quant), alpha per "
         "channel, NHWC flatten before a MatMul + Add")

    # QKeras MLP: Dense = MatMul + Add, binary everything, 8-bit input
    x = rng.uniform(-1.5, 1.5, (N, 20)).astype(np.float32)
    wf1 = rng.normal(size=(20, 24))
    b1 = rng.normal(size=24)
    wf2 = rng.normal(size=(24, 4))
    b2 = rng.normal(size=4)
    a = Q.quant(x.astype(np.float64), 2.0 ** -6, 0.0, 8, 1, 1)
    a = a @ Q.quant(wf1, 1.0, 0.0, 1, 1, 1) + b1
    a = Q.quant(a, 1.0, 0.0, 1, 1, 0)
    ref = a @ Q.quant(wf2, 1.0, 0.0, 1, 1, 1) + b2
    nodes = [
        qnode(["x", "s6", "z0", "b8"], "xq", narrow=1),
        qnode(["wf1", "one", "z0", "b1"], "w1", narrow=1),
        node("MatMul", ["xq", "w1"], ["m1"]),
        node("Add", ["m1", "bias1"], ["a1"]),
        qnode(["a1", "one", "z0", "b1"], "q1"),
        qnode(["wf2", "one", "z0", "b1"], "w2", narrow=1),
        node("MatMul", ["q1", "w2"], ["m2"]),
        node("Add", ["m2", "bias2"], ["y"]),
    ]
    inits = [c("s6", 2.0 ** -6), c("z0", 0.0), c("b8", 8.0), c("wf1", wf1), c("one", 1.0),
             c("b1", 1.0), c("bias1", b1), c("wf2", wf2), c("bias2", b2)]
    m = model(nodes, inits, vi("x", TensorProto.FLOAT, [None, 20]),
              vi("y", TensorProto.FLOAT, [None, 4]))
    save("qkeras_mlp", "qkeras", m, x, ref, False,
         "QKeras dense net: 8-bit narrow input quantizer on the float input, binary "
         "weights (narrow=1), binary activation (narrow=0), MatMul + Add")

    # FINN (streamlined TFC): MultiThreshold binarizes the raw image
    x = rng.uniform(0, 1, (N, 1, 8, 8)).astype(np.float32)
    w1 = rng.choice([-1.0, 1.0], (64, 32))
    t1 = np.sort(rng.uniform(-6, 6, (32, 1)), axis=1)
    w2 = rng.choice([-1.0, 1.0], (32, 10))
    sc, bias = rng.uniform(0.1, 0.5, 10), rng.normal(size=10)
    a = Q.multithreshold(x.reshape(N, 64).astype(np.float64), np.array([[0.5]]), 2.0, -1.0)
    a = Q.multithreshold(a @ w1, t1, 2.0, -1.0)
    ref = (a @ w2) * sc + bias
    nodes = [
        node("Reshape", ["x", "shape"], ["r"]),
        node("MultiThreshold", ["r", "tin"], ["a0"], domain="finn.custom_op.general",
             out_dtype="BIPOLAR", out_scale=2.0, out_bias=-1.0, data_layout="NC"),
        node("MatMul", ["a0", "w1"], ["m1"]),
        node("MultiThreshold", ["m1", "t1"], ["a1"], domain="finn.custom_op.general",
             out_dtype="BIPOLAR", out_scale=2.0, out_bias=-1.0, data_layout="NC"),
        node("MatMul", ["a1", "w2"], ["m2"]),
        node("Mul", ["m2", "sc"], ["s2"]),
        node("Add", ["s2", "bias"], ["y"]),
    ]
    inits = [c("shape", [1, 64], np.int64), c("tin", [[0.5]]), c("w1", w1), c("t1", t1),
             c("w2", w2), c("sc", sc), c("bias", bias)]
    m = model(nodes, inits, vi("x", TensorProto.FLOAT, [1, 1, 8, 8]),
              vi("y", TensorProto.FLOAT, [1, 10]), domains=("finn.custom_op.general",))
    save("finn_tfc", "finn", m, nhwc(x), ref, False,
         "FINN streamlined TFC: MultiThreshold binarizes the float image (x >= 0.5), "
         "bipolar MatMuls, per-channel MultiThreshold, Mul + Add; batch 1 Reshape")

    # FINN on a uint8 image: MultiThreshold on the integer input
    x = rng.integers(0, 256, (N, 1, 6, 6)).astype(np.uint8)
    tin = np.sort(rng.uniform(0, 255, (1, 3)), axis=1)
    w1 = rng.choice([-1.0, 1.0], (5, 1, 3, 3))
    t1 = rng.uniform(-8, 8, (5, 1))
    a = Q.multithreshold(x.astype(np.float64), tin)        # 0..3
    a = Q.multithreshold(Q.conv(a, w1), t1, 2.0, -1.0)
    ref = a
    nodes = [
        node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
        node("MultiThreshold", ["xf", "tin"], ["a0"], domain="finn.custom_op.general",
             out_dtype="UINT2"),
        node("Conv", ["a0", "w1"], ["c1"]),
        node("MultiThreshold", ["c1", "t1"], ["y"], domain="finn.custom_op.general",
             out_dtype="BIPOLAR", out_scale=2.0, out_bias=-1.0),
    ]
    m = model(nodes, [c("tin", tin), c("w1", w1), c("t1", t1)],
              vi("x", TensorProto.UINT8, [None, 1, 6, 6]), vi("y", TensorProto.FLOAT, [None, 5, 4, 4]),
              domains=("finn.custom_op.general",))
    save("finn_uint8_multithreshold", "finn", m, nhwc(x), nhwc(ref), True,
         "MultiThreshold with non-uniform thresholds straight on a uint8 image")

    # tf2onnx's QDQ int8 export: NHWC float input, QuantizeLinear at the input
    x = rng.uniform(0, 1, (N, 7, 7, 1)).astype(np.float32)
    sx, w1 = 1.0 / 255, rng.integers(-127, 128, (6, 1, 3, 3))
    ws1 = 2.0 ** rng.integers(-9, -6, 6)
    sa, za = 1.0 / 16, 128
    w2 = rng.integers(-127, 128, (5 * 5 * 6, 4))
    ws2 = 2.0 ** -8
    xn = x.transpose(0, 3, 1, 2).astype(np.float64)
    a = np.clip(np.round(xn / np.float32(sx)), 0, 255) * np.float32(sx)
    a = Q.conv(a, w1 * ws1[:, None, None, None])
    a = (np.clip(np.round(a / sa) + za, 0, 255) - za) * sa
    a = a.transpose(0, 2, 3, 1).reshape(N, -1)
    ref = a @ (w2 * ws2)
    nodes = [
        node("Transpose", ["x"], ["xt"], perm=[0, 3, 1, 2]),
        node("QuantizeLinear", ["xt", "sx", "zx"], ["xq"]),
        node("DequantizeLinear", ["xq", "sx", "zx"], ["xd"]),
        node("DequantizeLinear", ["w1", "ws1", "wz1"], ["w1d"], axis=0),
        node("Conv", ["xd", "w1d"], ["c1"]),
        node("QuantizeLinear", ["c1", "sa", "za"], ["aq"]),
        node("DequantizeLinear", ["aq", "sa", "za"], ["ad"]),
        node("Transpose", ["ad"], ["at"], perm=[0, 2, 3, 1]),
        node("Reshape", ["at", "shape"], ["r"]),
        node("DequantizeLinear", ["w2", "ws2", "wz2"], ["w2d"]),
        node("MatMul", ["r", "w2d"], ["y"]),
    ]
    inits = [c("sx", sx), c("zx", 0, np.uint8), c("w1", w1, np.int8), c("ws1", ws1),
             c("wz1", np.zeros(6), np.int8), c("sa", sa), c("za", za, np.uint8),
             c("shape", [-1, 150], np.int64), c("w2", w2, np.int8), c("ws2", ws2),
             c("wz2", 0, np.int8)]
    m = model(nodes, inits, vi("x", TensorProto.FLOAT, [None, 7, 7, 1]),
              vi("y", TensorProto.FLOAT, [None, 4]), domains=())
    save("tf2onnx_qdq_nhwc", "tf2onnx", m, x, ref, False,
         "tf2onnx QDQ export: NHWC float input, Transpose, QuantizeLinear/DequantizeLinear "
         "around per-channel int8 convs, NHWC flatten, MatMul")


# ------------------------------------------------------- ops users hit

def torch_heads():
    """Classifier heads and reductions as PyTorch exports them."""
    import torch
    import torch.nn as nn
    from qlayers import BinAct, QConv2d, QLinear
    PreU8, _ = _torch_helpers()

    class Head(nn.Module):
        def __init__(self, body, how):
            super().__init__()
            self.body, self.how = body, how

        def forward(self, x):
            y = self.body(x)
            if self.how == "argmax":
                return torch.softmax(y, dim=1).argmax(dim=1)
            if self.how == "topk":
                return torch.topk(y, 3, dim=1).indices
            if self.how == "logsoftmax":
                return torch.log_softmax(y, dim=1)
            return torch.softmax(y, dim=1)

    def body():
        return nn.Sequential(QConv2d(1, 8, 3), nn.BatchNorm2d(8), BinAct(), nn.Flatten(),
                             QLinear(8 * 6 * 6, 10), nn.BatchNorm1d(10))
    for how, note, ref in (("argmax", "softmax then argmax(dim=1): Softmax dropped, TOPK k=1", None),
                           ("topk", "topk(3).indices: TOPK k=3 (values unused)", None),
                           ("softmax", "a Softmax output: SOFTMAX layer", None),
                           ("logsoftmax", "a LogSoftmax output: SOFTMAX layer, log form", None)):
        net = PreU8(Head(body(), how))
        gen = seeded(net, 41)
        x = torch.randint(0, 256, (N, 1, 8, 8), generator=gen, dtype=torch.uint8)
        torch_export(f"torch_{how}", "pytorch", net, x, 13, how not in ("softmax", "logsoftmax"),
                     note, refused=ref)

    class Reduce(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = QConv2d(1, 6, 3)
            self.b1 = nn.BatchNorm2d(6)
            self.c2 = QConv2d(6, 6, 3, wbits=2)
            self.b2 = nn.BatchNorm2d(6)
            self.q = BinAct()

        def forward(self, x):
            x = x.to(self.c1.weight.dtype)
            a = self.q(self.b1(self.c1(x)))
            m = torch.amax(a, dim=(2, 3), keepdim=True)            # ReduceMax
            y = self.b2(self.c2(a))
            return y.mean(dim=(2, 3)) + m.flatten(1) * 0.5         # ReduceMean
    net = Reduce()
    gen = seeded(net, 42)
    x = torch.randint(0, 256, (N, 1, 8, 8), generator=gen, dtype=torch.uint8)
    torch_export("torch_reduce", "pytorch", net, x, 13, False,
                 "mean over (2, 3) (ReduceMean, keepdims 0) and amax over (2, 3) (ReduceMax) "
                 "of feature maps, added (different scales: in float)")


def new_constructs(rng):
    """Concat, 1-D convs, depthwise/grouped convs, Gemm transA, Split/Resize
    refusals: hand-built graphs (numpy reference) and PyTorch exports."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from qlayers import BinAct, QConv2d, QLinear, binarize_weight
    PreU8, _ = _torch_helpers()

    # QONNX: Concat of a bipolar map, itself again and a 2-bit map (mixed
    # types: read as F32), then a binary conv; numpy reference
    x = rng.integers(0, 256, (N, 2, 6, 6)).astype(np.uint8)
    wa = rng.choice([-1.0, 1.0], (4, 2, 3, 3))
    wb = rng.choice([-1.0, 1.0], (3, 2, 3, 3))
    wc = rng.choice([-1.0, 1.0], (5, 11, 3, 3))
    ba = rng.normal(size=4) * 3
    a1 = Q.bipolar_quant(Q.conv(x.astype(np.float64), wa, pad=1) + ba.reshape(1, 4, 1, 1), 1.0)
    a2 = Q.quant(Q.conv(x.astype(np.float64), wb, pad=1) / 64.0, 1.0, 0.0, 2, 0, 0)
    cat = np.concatenate([a1, a1, a2], axis=1)
    ref = Q.conv(cat, wc)
    nodes = [node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
             node("Conv", ["xf", "wa"], ["ca"], pads=[1, 1, 1, 1]), node("Add", ["ca", "ba"], ["cab"]),
             node("BipolarQuant", ["cab", "one"], ["a1"], domain=QD),
             node("Conv", ["xf", "wb"], ["cb"], pads=[1, 1, 1, 1]), node("Div", ["cb", "k64"], ["cbd"]),
             qnode(["cbd", "one", "z0", "two"], "a2", signed=0),
             node("Concat", ["a1", "a1", "a2"], ["cat"], axis=1),
             node("Conv", ["cat", "wc"], ["y"])]
    inits = [c("wa", wa), c("wb", wb), c("wc", wc), c("ba", ba.reshape(1, 4, 1, 1)), c("one", 1.0),
             c("k64", 64.0), c("z0", 0.0), c("two", 2.0)]
    m = model(nodes, inits, vi("x", TensorProto.UINT8, [None, 2, 6, 6]),
              vi("y", TensorProto.FLOAT, [None, 5, 4, 4]))
    save("qonnx_concat_mixed", "qonnx", m, nhwc(x), nhwc(ref), False,
         "Concat (axis 1) of a bipolar map, the same map again and a 2-bit map: mixed types "
         "read as F32, CONCAT x2, then a binary conv", verbose="concat")

    # PyTorch: DenseNet-style torch.cat of binary maps (one type: CONCAT on
    # bits), and a cat of two convs' raw sums (I32) before batch-norm + sign
    class Dense(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1, self.b1 = QConv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8)
            self.c2, self.b2 = QConv2d(8, 6, 3, padding=1), nn.BatchNorm2d(6)
            self.c3, self.c4 = QConv2d(14, 5, 3), QConv2d(14, 3, 3)
            self.b3 = nn.BatchNorm2d(8)
            self.q = BinAct()
            self.fc = QLinear(8 * 4 * 4, 6)

        def forward(self, x):
            x = x.to(self.c1.weight.dtype)
            a = self.q(self.b1(self.c1(x)))
            b = self.q(self.b2(self.c2(a)))
            d = torch.cat([a, b], 1)                      # bipolar + bipolar
            e = torch.cat([self.c3(d), self.c4(d)], 1)    # raw sums (I32)
            e = self.q(self.b3(e))
            return self.fc(torch.flatten(e, 1))
    net = Dense()
    gen = seeded(net, 51)
    x = torch.randint(0, 256, (N, 1, 6, 6), generator=gen, dtype=torch.uint8)
    torch_export("torch_cat_dense", "pytorch", net, x, 13, False,
                 "torch.cat of binary maps (DenseNet-style, CONCAT on bits) and of two convs' "
                 "raw sums before batch-norm + Sign (CONCAT on I32)", verbose="concat")

    # ONNX: 1-D conv on a [N, C, L] uint8 signal; numpy reference
    x1 = rng.integers(0, 256, (N, 2, 16)).astype(np.uint8)
    w = rng.choice([-1.0, 1.0], (4, 2, 3))
    w2 = rng.choice([-1.0, 1.0], (3, 4, 5))
    a = Q.bipolar_quant(Q.conv(x1[:, :, None, :].astype(np.float64), w[:, :, None, :]) - 300.0, 1.0)
    ref = Q.conv(a, w2[:, :, None, :], stride=(1, 2), pad=(0, 2, 0, 2))[:, :, 0, :]
    nodes = [node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
             node("Conv", ["xf", "w"], ["c1"]), node("Sub", ["c1", "k"], ["c1s"]),
             node("BipolarQuant", ["c1s", "one"], ["a1"], domain=QD),
             node("Conv", ["a1", "w2"], ["y"], strides=[2], pads=[2, 2])]
    m = model(nodes, [c("w", w), c("w2", w2), c("k", 300.0), c("one", 1.0)],
              vi("x", TensorProto.UINT8, [None, 2, 16]), vi("y", TensorProto.FLOAT, [None, 3, 7]))
    save("onnx_conv1d", "onnx", m, x1.transpose(0, 2, 1), ref.transpose(0, 2, 1), False,
         "1-D convs on an [N, C, L] signal (1 x L x C in qnn): BipolarQuant between, stride 2, "
         "pads 2 (ones: the bipolar value's own padding is zero bits -> ZERO_PAD)")

    # PyTorch: Conv1d / BatchNorm1d / MaxPool1d / AvgPool1d / Flatten / Linear
    class QConv1d(nn.Conv1d):
        def forward(self, x):
            return F.conv1d(x, binarize_weight(self.weight), None, self.stride, self.padding,
                            self.dilation, self.groups)

    class Net1d(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1, self.b1 = QConv1d(3, 8, 5, padding=2, bias=False), nn.BatchNorm1d(8)
            self.c2, self.b2 = QConv1d(8, 8, 3, stride=2, bias=False), nn.BatchNorm1d(8)
            self.q = BinAct()
            self.fc = QLinear(8 * 3, 4)

        def forward(self, x):
            x = x.to(self.c1.weight.dtype)
            a = F.max_pool1d(self.q(self.b1(self.c1(x))), 2)
            a = self.q(self.b2(self.c2(a)))
            a = F.avg_pool1d(a, 2)
            return self.fc(torch.flatten(a, 1))
    net = Net1d()
    gen = seeded(net, 52)
    with torch.no_grad():
        for cv_ in (net.c1, net.c2):
            cv_.weight.copy_(torch.rand(cv_.weight.shape, generator=gen) * 2 - 1)
    x = torch.randint(0, 256, (N, 3, 28), generator=gen, dtype=torch.uint8)
    torch_export("torch_conv1d", "pytorch", net, x, 13, False,
                 "Conv1d + BatchNorm1d + Sign, MaxPool1d, strided Conv1d, AvgPool1d, flatten, "
                 "Linear", qnn_in=x.numpy().transpose(0, 2, 1).copy())

    # PyTorch: depthwise (groups = C) and grouped (4 channels per group) binary convs
    class DW(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1, self.b1 = QConv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16)
            self.dw, self.b2 = QConv2d(16, 16, 3, padding=1, groups=16), nn.BatchNorm2d(16)
            self.gc, self.b3 = QConv2d(16, 32, 3, groups=4, stride=2), nn.BatchNorm2d(32)
            self.q = BinAct()
            self.fc = QLinear(32 * 3 * 3, 5)

        def forward(self, x):
            x = x.to(self.c1.weight.dtype)
            a = self.q(self.b1(self.c1(x)))
            a = self.q(self.b2(self.dw(a)))
            a = self.q(self.b3(self.gc(a)))
            return self.fc(torch.flatten(a, 1))
    net = DW()
    gen = seeded(net, 53)
    x = torch.randint(0, 256, (N, 1, 8, 8), generator=gen, dtype=torch.uint8)
    torch_export("torch_depthwise", "pytorch", net, x, 13, False,
                 "depthwise 3x3 (groups 16, zero padding of a bipolar map) and grouped conv "
                 "(4 groups, 4 channels each, x2 multiplier): libqnn's cpu_gconv.c")

    # ONNX: Gemm transA=1 on a Transpose (perm 1,0) of the flattened map
    x = rng.integers(0, 256, (N, 1, 6, 6)).astype(np.uint8)
    w1 = rng.choice([-1.0, 1.0], (4, 1, 3, 3))
    wg = rng.choice([-1.0, 1.0], (64, 7))
    a = Q.bipolar_quant(Q.conv(x.astype(np.float64), w1) - 0.5, 1.0)
    ref = a.reshape(N, -1) @ wg
    nodes = [node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT), node("Conv", ["xf", "w1"], ["c1"]),
             node("Sub", ["c1", "half"], ["c1s"]),
             node("BipolarQuant", ["c1s", "one"], ["a1"], domain=QD),
             node("Flatten", ["a1"], ["f"]), node("Transpose", ["f"], ["ft"], perm=[1, 0]),
             node("Gemm", ["ft", "wg"], ["y"], transA=1)]
    m = model(nodes, [c("w1", w1), c("wg", wg), c("half", 0.5), c("one", 1.0)],
              vi("x", TensorProto.UINT8, [None, 1, 6, 6]), vi("y", TensorProto.FLOAT, [None, 7]))
    save("onnx_gemm_transA", "onnx", m, nhwc(x), ref, False,
         "Gemm transA=1 reading a Transpose (perm 1,0) of the flattened map (as onnx "
         "optimizers fuse it): no data moves")

    # refused by name: Split and Resize of activations
    x = rng.integers(0, 256, (N, 1, 6, 6)).astype(np.uint8)
    nodes = [node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT), node("Conv", ["xf", "w1"], ["c1"]),
             node("Split", ["c1"], ["s1", "s2"], axis=1), node("Sign", ["s1"], ["y"])]
    m = model(nodes, [c("w1", w1)], vi("x", TensorProto.UINT8, [None, 1, 6, 6]),
              vi("y", TensorProto.FLOAT, [None, 2, 4, 4]), opset=11, domains=())
    save("onnx_split", "onnx", m, nhwc(x), None, False, "Split of an activation: refused",
         refused="Split of an activation is not supported")
    nodes = [node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT), node("Conv", ["xf", "w1"], ["c1"]),
             node("Resize", ["c1", "", "sc"], ["r"], mode="nearest"), node("Sign", ["r"], ["y"])]
    m = model(nodes, [c("w1", w1), c("sc", [1.0, 1.0, 2.0, 2.0])],
              vi("x", TensorProto.UINT8, [None, 1, 6, 6]),
              vi("y", TensorProto.FLOAT, [None, 4, 8, 8]), domains=())
    save("onnx_resize", "onnx", m, nhwc(x), None, False, "Resize (nearest, x2): refused",
         refused="Resize (interpolation) is not supported")


def torch_prelu():
    """ReActNet's RPReLU (x - gamma -> PReLU -> + zeta) before Sign, and a
    LeakyReLU before a signed 2-bit quantizer, as PyTorch exports them."""
    import torch
    import torch.nn as nn
    from qlayers import BinAct, QConv2d, QLinear, QuantAct
    PreU8, _ = _torch_helpers()

    class RPReLU(nn.Module):
        def __init__(self, c, gen):
            super().__init__()
            self.gamma = nn.Parameter(torch.randn(1, c, 1, 1, generator=gen) * 0.5)
            self.zeta = nn.Parameter(torch.randn(1, c, 1, 1, generator=gen) * 0.5)
            self.prelu = nn.PReLU(c)
            with torch.no_grad():
                self.prelu.weight.copy_(torch.rand(c, generator=gen) * 0.5 + 0.05)

        def forward(self, x):
            return self.prelu(x - self.gamma) + self.zeta

    gen = torch.Generator().manual_seed(51)
    net = PreU8(nn.Sequential(
        QConv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), RPReLU(8, gen), BinAct(),
        QConv2d(8, 8, 3), nn.BatchNorm2d(8), nn.LeakyReLU(0.1), QuantAct(2, signed=True, scale=0.5),
        nn.Flatten(), QLinear(8 * 6 * 6, 10)))
    seeded(net, 52)
    x = torch.randint(0, 256, (N, 1, 8, 8), generator=gen, dtype=torch.uint8)
    torch_export("torch_rprelu", "pytorch", net, x, 13, False,
                 "ReActNet RPReLU (Sub, PRelu per channel, Add) before Sign; LeakyReLU before "
                 "a signed 2-bit Quant: folded into thresholds")


def qonnx_ops(rng):
    """Residual adds of different scales (Brevitas), Larq's one-padding."""
    x = rng.integers(0, 256, (N, 1, 6, 6)).astype(np.uint8)
    wf1 = rng.normal(size=(4, 1, 3, 3))
    wf2 = rng.normal(size=(4, 4, 3, 3))
    wf3 = rng.normal(size=(3, 4, 1, 1))
    w1 = Q.quant(wf1, 1.0, 0.0, 1, 1, 1)
    w2 = Q.quant(wf2, 0.5, 0.0, 2, 1, 1)
    w3 = Q.quant(wf3, 1.0, 0.0, 2, 1, 1)
    u = Q.quant(Q.conv(x.astype(np.float64), w1, pad=1), 64.0, 0.0, 4, 0, 0)
    v = Q.quant(Q.conv(u, w2, pad=1), 48.0, 0.0, 3, 1, 0)
    a = Q.quant(u + v, 100.0, 0.0, 3, 1, 0)
    ref = Q.conv(a, w3)
    nodes = [
        node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
        qnode(["wf1", "one", "z0", "b1"], "w1", narrow=1),
        node("Conv", ["xf", "w1"], ["c1"], pads=[1, 1, 1, 1]),
        qnode(["c1", "s64", "z0", "b4"], "u", signed=0),
        qnode(["wf2", "half", "z0", "b2"], "w2", narrow=1),
        node("Conv", ["u", "w2"], ["c2"], pads=[1, 1, 1, 1]),
        qnode(["c2", "s48", "z0", "b3"], "v"),
        node("Add", ["u", "v"], ["r"]),
        qnode(["r", "s100", "z0", "b3"], "a"),
        qnode(["wf3", "one", "z0", "b2"], "w3", narrow=1),
        node("Conv", ["a", "w3"], ["y"]),
    ]
    inits = [c("wf1", wf1), c("one", 1.0), c("z0", 0.0), c("b1", 1.0), c("s64", 64.0),
             c("b4", 4.0), c("wf2", wf2), c("half", 0.5), c("b2", 2.0), c("s48", 48.0),
             c("b3", 3.0), c("s100", 100.0), c("wf3", wf3)]
    m = model(nodes, inits, vi("x", TensorProto.UINT8, [None, 1, 6, 6]),
              vi("y", TensorProto.FLOAT, [None, 3, 6, 6]))
    save("brevitas_residual_scales", "brevitas", m, nhwc(x), nhwc(ref), False,
         "residual Add of a 4-bit (scale 64) and a signed 3-bit (scale 48) tensor: added "
         "as real values in float, then re-quantized")

    # Larq (tf2onnx): Sign activations, padding "same" with pad_values=1
    x = rng.integers(0, 256, (N, 1, 6, 6)).astype(np.uint8)
    w1 = rng.choice([-1.0, 1.0], (6, 1, 3, 3))
    t1 = rng.uniform(-200, 200, (1, 6, 1, 1)) + 0.5
    w2 = rng.choice([-1.0, 1.0], (4, 6, 3, 3))
    t2 = rng.uniform(-10, 10, (1, 4, 1, 1)) + 0.5
    a = np.where(Q.conv(x.astype(np.float64), w1) - t1 >= 0, 1.0, -1.0)
    a = np.where(Q.conv(a, w2, pad=1, pad_value=1.0) - t2 >= 0, 1.0, -1.0)
    ref = a
    nodes = [
        node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
        node("Conv", ["xf", "w1"], ["c1"]),
        node("Sub", ["c1", "t1"], ["d1"]),
        node("Sign", ["d1"], ["a1"]),
        node("Pad", ["a1", "pads", "one"], ["p1"], mode="constant"),
        node("Conv", ["p1", "w2"], ["c2"]),
        node("Sub", ["c2", "t2"], ["d2"]),
        node("Sign", ["d2"], ["y"]),
    ]
    inits = [c("w1", w1), c("t1", t1), c("pads", [0, 0, 1, 1, 0, 0, 1, 1], np.int64),
             c("one", 1.0), c("w2", w2), c("t2", t2)]
    m = model(nodes, inits, vi("x", TensorProto.UINT8, [None, 1, 6, 6]),
              vi("y", TensorProto.FLOAT, [None, 4, 4, 4]), domains=())
    save("larq_onepad", "larq", m, nhwc(x), nhwc(ref), True,
         "Larq's one-padding: Pad with value 1 of a Sign output before a binary conv "
         "(qnn's native padding)")

    # not supported: PRelu with a negative slope (not monotone), 1-D conv,
    # Concat of activations
    x = rng.integers(0, 256, (N, 1, 6, 6)).astype(np.uint8)
    w1 = rng.choice([-1.0, 1.0], (4, 1, 3, 3))
    nodes = [node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT), node("Conv", ["xf", "w1"], ["c1"]),
             node("PRelu", ["c1", "slope"], ["p"]), node("Sign", ["p"], ["y"])]
    m = model(nodes, [c("w1", w1), c("slope", np.array([0.25, -0.5, 1, 2]).reshape(4, 1, 1))],
              vi("x", TensorProto.UINT8, [None, 1, 6, 6]), vi("y", TensorProto.FLOAT, [None, 4, 4, 4]),
              domains=())
    save("onnx_prelu_negative", "onnx", m, nhwc(x), None, False,
         "PRelu with a negative slope before Sign: not monotone, refused",
         refused="only positive slopes")
    nodes = [node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT), node("Conv", ["xf", "w1"], ["c1"]),
             node("Sign", ["c1"], ["s"]), node("Concat", ["s", "s"], ["y"], axis=2)]
    m = model(nodes, [c("w1", w1)], vi("x", TensorProto.UINT8, [None, 1, 6, 6]),
              vi("y", TensorProto.FLOAT, [None, 4, 8, 4]), domains=())
    save("onnx_concat_h", "onnx", m, nhwc(x), None, False, "Concat along H: refused (channels only)",
         refused="Concat along axis 2")
    new_constructs(rng)


# ------------------------------------------------------------ opset rewrites

# First default-domain opset where each op (with the attributes used) exists.
OP_MIN = {"Sign": 9, "Where": 9, "GreaterOrEqual": 12, "LessOrEqual": 12,
          "QuantizeLinear": 10, "DequantizeLinear": 10, "Shape": 7, "Range": 11}
IR_FOR = {18: 8, 19: 9, 20: 9, 21: 10}


def _const_of(m, name):
    for t in m.graph.initializer:
        if t.name == name:
            return numpy_helper.to_array(t)
    for n in m.graph.node:
        if n.op_type == "Constant" and n.output[0] == name:
            return numpy_helper.to_array(n.attribute[0].t)
    raise KeyError(name)


def rewrite_opset(m, target):
    """The same model written for default-domain opset `target`: each
    version-dependent op in the form that opset defines (Clip min/max and
    Pad pads/value as attributes before 11, inputs from 11; Squeeze and
    Unsqueeze axes as attributes before 13, inputs from 13; Dropout's ratio
    attribute before 12; BatchNormalization's spatial before 9; Reshape's
    allowzero from 14; Pad's axes input from 18; Constant value_float only
    from 12). None when an op of the model does not exist at `target`."""
    m = onnx.ModelProto.FromString(m.SerializeToString())
    g = m.graph
    k = [0]

    def new_init(arr, dtype):
        k[0] += 1
        name = f"opset_rw_{k[0]}"
        g.initializer.append(numpy_helper.from_array(np.asarray(arr, dtype=dtype), name))
        return name

    def attr(n, name):
        for a in n.attribute:
            if a.name == name:
                return a
        return None

    def drop_attr(n, name):
        a = attr(n, name)
        if a is not None:
            n.attribute.remove(a)
        return a

    for n in g.node:
        if n.domain not in ("", "ai.onnx"):
            continue
        op = n.op_type
        if OP_MIN.get(op, 7) > target:
            return None
        if op in ("MaxPool", "AveragePool") and target < 10 and (
                attr(n, "ceil_mode") or attr(n, "dilations")):
            return None
        if op == "DequantizeLinear" and target < 13 and attr(n, "axis"):
            return None
        if op == "Clip":
            if target < 11:
                ins = list(n.input)
                for i, an in ((1, "min"), (2, "max")):
                    if len(ins) > i and ins[i]:
                        n.attribute.append(helper.make_attribute(an, float(_const_of(m, ins[i]))))
                del n.input[1:]
            else:
                lo, hi = drop_attr(n, "min"), drop_attr(n, "max")
                if lo is not None or hi is not None:
                    del n.input[1:]
                    n.input.append(new_init(lo.f, np.float32) if lo is not None else "")
                    if hi is not None:
                        n.input.append(new_init(hi.f, np.float32))
        elif op in ("Squeeze", "Unsqueeze"):
            if target < 13 and len(n.input) > 1:
                ax = _const_of(m, n.input[1])
                del n.input[1:]
                n.attribute.append(helper.make_attribute("axes", [int(a) for a in ax]))
            elif target >= 13:
                a = drop_attr(n, "axes")
                if a is not None:
                    n.input.append(new_init(list(a.ints), np.int64))
        elif op == "Pad":
            if target < 11:
                if len(n.input) > 1:
                    pads = _const_of(m, n.input[1])
                    val = float(_const_of(m, n.input[2])) if len(n.input) > 2 and n.input[2] else 0.0
                    if len(n.input) > 3 and n.input[3]:
                        return None
                    del n.input[1:]
                    n.attribute.append(helper.make_attribute("pads", [int(p) for p in pads]))
                    n.attribute.append(helper.make_attribute("value", val))
            else:
                pads, val = drop_attr(n, "pads"), drop_attr(n, "value")
                if pads is not None:
                    n.input.append(new_init(list(pads.ints), np.int64))
                    n.input.append(new_init(val.f if val is not None else 0.0, np.float32))
                if target >= 18 and len(n.input) == 3:   # the axes form: H and W only
                    p = _const_of(m, n.input[1])
                    if len(p) == 8 and not p[0] and not p[1] and not p[4] and not p[5]:
                        n.input[1] = new_init([p[2], p[3], p[6], p[7]], np.int64)
                        n.input.append(new_init([2, 3], np.int64))
        elif op == "Dropout":
            if target < 12:
                del n.input[1:]
            drop_attr(n, "seed")
        elif op == "BatchNormalization":
            if target < 9 and attr(n, "spatial") is None:
                n.attribute.append(helper.make_attribute("spatial", 1))
            if target >= 9:
                drop_attr(n, "spatial")
        elif op == "Reshape":
            if target >= 14 and attr(n, "allowzero") is None:
                n.attribute.append(helper.make_attribute("allowzero", 0))
            elif target < 14:
                drop_attr(n, "allowzero")
        elif op == "Constant" and target < 12:
            a = n.attribute[0]
            if a.name == "value_float":
                n.ClearField("attribute")
                n.attribute.append(helper.make_attribute(
                    "value", numpy_helper.from_array(np.asarray(a.f, np.float32))))
            elif a.name != "value":
                return None
    for o in m.opset_import:
        if o.domain in ("", "ai.onnx"):
            o.version = target
    m.ir_version = IR_FOR.get(target, min(m.ir_version, 8) if target > 8 else 3)
    if m.ir_version < 4:    # IR 3: initializers are graph inputs too, as old exporters wrote
        have = {i.name for i in g.input}
        for t in g.initializer:
            if t.name not in have:
                g.input.append(helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)))
    if target <= 17:
        onnx.checker.check_model(m)
    return m


def rename_domain(m, domain):
    """The QONNX ops of m under another domain name (Brevitas' legacy
    onnx.brevitas, FINN's, ...)."""
    m = onnx.ModelProto.FromString(m.SerializeToString())
    for n in m.graph.node:
        if n.domain == QD:
            n.domain = domain
    for o in m.opset_import:
        if o.domain == QD:
            o.domain = domain
    return m


def opset_fixture_base(rng):
    """Version-dependent ops in one graph (Pad, Clip, Squeeze, Unsqueeze,
    Dropout, BatchNormalization, Reshape, Constant) around BipolarQuant /
    Quant, so that it can be written for every opset 7..21."""
    x = rng.integers(0, 256, (N, 1, 6, 6)).astype(np.uint8)
    w1 = rng.choice([-1.0, 1.0], (6, 1, 3, 3))
    g, b = rng.uniform(0.5, 1.5, 6), rng.normal(size=6) * 0.5
    mu, var = rng.uniform(-30, 30, 6), rng.uniform(50, 400, 6)
    w2 = rng.choice([-1.0, 1.0], (8, 6, 3, 3))
    w3 = rng.choice([-1.0, 1.0], (8, 5))
    a = Q.conv(x.astype(np.float64), w1, pad=1)
    a = (a - mu.reshape(1, 6, 1, 1)) / np.sqrt(var.reshape(1, 6, 1, 1) + 1e-5) * \
        g.reshape(1, 6, 1, 1) + b.reshape(1, 6, 1, 1)
    a = Q.bipolar_quant(a, 1.0)
    a = Q.conv(a, w2, stride=2, pad=1)                 # the Pad node, zero padding
    a = np.clip(a, -4.0, 5.0)
    a = Q.quant(a, 2.0, 0.0, 3, 1, 0)
    ref = a.max(axis=(2, 3)) @ w3
    nodes = [
        node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
        node("Conv", ["xf", "w1"], ["c1"], pads=[1, 1, 1, 1]),
        node("BatchNormalization", ["c1", "g", "b", "mu", "var"], ["bn"], epsilon=1e-5),
        node("BipolarQuant", ["bn", "one"], ["a1"], domain=QD),
        node("Dropout", ["a1"], ["d1"]),
        node("Pad", ["d1", "pads", "padv"], ["p1"], mode="constant"),
        node("Conv", ["p1", "w2"], ["c2"], strides=[2, 2]),
        node("Clip", ["c2", "lo", "hi"], ["cl"]),
        qnode(["cl", "two", "z0", "b3"], "a2"),
        node("MaxPool", ["a2"], ["mp"], kernel_shape=[3, 3]),
        node("Squeeze", ["mp", "ax23"], ["sq"]),
        node("Unsqueeze", ["sq", "ax23"], ["u"]),
        node("Reshape", ["u", "shape"], ["r"]),
        node("MatMul", ["r", "w3"], ["y"]),
    ]
    inits = [c("w1", w1), c("g", g), c("b", b), c("mu", mu), c("var", var), c("one", 1.0),
             c("pads", [0, 0, 1, 1, 0, 0, 1, 1], np.int64), c("padv", 0.0), c("w2", w2),
             c("lo", -4.0), c("hi", 5.0), c("two", 2.0), c("z0", 0.0), c("b3", 3.0),
             c("shape", [0, -1], np.int64), c("ax23", [2, 3], np.int64), c("w3", w3)]
    m = model(nodes, inits, vi("x", TensorProto.UINT8, [None, 1, 6, 6]),
              vi("y", TensorProto.FLOAT, [None, 5]))
    save("opset_ops", "onnx", m, nhwc(x), ref, False,
         "version-dependent ops (Pad, Clip, Squeeze/Unsqueeze, Dropout, BatchNormalization, "
         "Reshape) around QONNX quantizers; rewritten for opsets 7..21 (opsetN_opset_ops)")
    return m


def opset_fixtures(rng):
    """Fixtures rewritten for every default-domain opset 7..21 in which
    their ops exist, compared with the original's reference (data reused)."""
    srcs = [("opset_ops", opset_fixture_base(rng))]
    exact = {e["name"]: e["exact"] for e in manifest}
    with open(os.path.join(OUT, "manifest.json")) as f:
        exact.update({e["name"]: e["exact"] for e in json.load(f)})
    for name in ("w1a1_cnn", "relu_clip", "misc_ops", "qdq_int8", "pool_before_bn"):
        srcs.append((name, onnx.load(os.path.join(OUT, name + ".onnx"))))
    for name, m in srcs:
        done = []
        for t in range(7, 22):
            m2 = rewrite_opset(m, t)
            if m2 is None:
                continue
            onnx.save(m2, os.path.join(OUT, f"opset{t}_{name}.onnx"))
            manifest.append({"name": f"opset{t}_{name}", "style": "opsets", "data": name,
                             "images": N, "exact": exact[name],
                             "covers": f"{name} written for opset {t}"})
            done.append(t)
        print(f"{name}: opsets {done}")
    base = onnx.load(os.path.join(OUT, "qonnx_quant.onnx"))
    for dom in ("onnx.brevitas", "finn.custom_op.general", "finn", "qonnx"):
        tag = dom.replace(".", "_")
        onnx.save(rename_domain(base, dom), os.path.join(OUT, f"domain_{tag}.onnx"))
        manifest.append({"name": f"domain_{tag}", "style": "opsets", "data": "qonnx_quant",
                         "images": N, "exact": exact["qonnx_quant"],
                         "covers": f"qonnx_quant with its QONNX ops in domain {dom}"})


def main():
    os.makedirs(OUT, exist_ok=True)
    Q.self_check()
    rng = np.random.default_rng(10)
    for mode in MODES:
        qonnx_rounding(rng, mode)
    qonnx_1bit(rng)
    qonnx_binary_weights(rng)
    brevitas_wscale(rng)
    brevitas_act_perchannel(rng)
    torch_pools()
    audit_refusals(rng)
    torch_float_inputs()
    qonnx_float_inputs(rng)
    torch_heads()
    torch_prelu()
    qonnx_ops(rng)
    opset_fixtures(rng)
    with open(os.path.join(OUT, "wild.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(f"{len(manifest)} fixtures in {OUT}")


if __name__ == "__main__":
    main()
