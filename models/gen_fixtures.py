#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Generate the qnn-convert/libqnn correctness fixtures in models/fixtures/.

  /usr/bin/python3 models/gen_fixtures.py

Two kinds of fixtures:
  * PyTorch models (qlayers.py) covering W1A1, W1A2, W2A2, W4A4, mixed
    precision, residual blocks, odd channel counts, stride/padding/dilation/
    groups, Relu/Clip before quantizers, average pools. Exported with
    torch.onnx.export; the reference is PyTorch's own forward pass, run in
    float64 so rounding of the oracle itself cannot decide a threshold.
  * QONNX-op graphs (Quant, BipolarQuant, MultiThreshold, Trunc) and
    QuantizeLinear/DequantizeLinear graphs built with onnx.helper; their
    references are computed independently here in numpy (float64).

Per fixture NAME: NAME.onnx, NAME.in (the qnn input: N images, NHWC, in the
model's input type), NAME.ref (float32 expected outputs, NHWC), and an entry
in manifest.json (images, whether the outputs must match bit for bit).
Re-running regenerates identical files (fixed seeds).
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qlayers import QONNX_DOMAIN, BinAct, QConv2d, QLinear, QuantAct  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
N_IMAGES = 8
manifest = []


def save(name, onnx_bytes_or_model, qnn_in, ref, exact, note):
    path = os.path.join(OUT, name + ".onnx")
    if isinstance(onnx_bytes_or_model, onnx.ModelProto):
        onnx.checker.check_model(onnx_bytes_or_model)
        onnx.save(onnx_bytes_or_model, path)
    qnn_in = np.ascontiguousarray(qnn_in)
    qnn_in.tofile(os.path.join(OUT, name + ".in"))
    ref = np.ascontiguousarray(ref, dtype=np.float32)
    ref.tofile(os.path.join(OUT, name + ".ref"))
    manifest.append({"name": name, "images": int(qnn_in.shape[0]), "exact": bool(exact),
                     "outputs_per_image": int(ref.size // ref.shape[0]), "covers": note})


def nchw_to_nhwc(a):
    return a.transpose(0, 2, 3, 1) if a.ndim == 4 else a


# ---------------------------------------------------------------- PyTorch

def randomize_bn(model, gen):
    """Non-trivial batch-norm statistics (some negative scales), so folded
    thresholds land between integers and negated channels are exercised."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            c = m.num_features
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(c, generator=gen) * 3 + 0.37)
                m.running_var.copy_(torch.rand(c, generator=gen) * 20 + 0.5)
                sign = torch.where(torch.rand(c, generator=gen) < 0.2, -1.0, 1.0)
                m.weight.copy_(sign * (torch.rand(c, generator=gen) + 0.3))
                m.bias.copy_(torch.randn(c, generator=gen) * 0.7 + 0.11)


class Seq(nn.Module):
    """uint8 image -> float (ONNX Cast) -> layers; `flat_at` inserts Flatten."""

    def __init__(self, *layers):
        super().__init__()
        self.body = nn.Sequential(*layers)
        self.ref64 = False

    def forward(self, x):
        x = x.double() if self.ref64 else x.float()
        return self.body(x)


class Residual(nn.Module):
    """y = conv(x) + x: both integers of one scale (bipolar x, ±1 weights)."""

    def __init__(self, c):
        super().__init__()
        self.conv = QConv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.conv(x) + x


def tiny_bn_scales(model, gen):
    """Every other channel of each batch-norm gets a scale gamma/sqrt(var) of
    about 1e-5 (what training leaves on a nearly dead channel) and a bias
    that puts its Sign threshold in range. PyTorch's exporter folds such a
    batch-norm into the conv: the weights become +-1e-5."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            with torch.no_grad():
                for c in range(0, m.num_features, 2):
                    m.running_var[c] = 2e4
                    m.weight[c] = 1.4e-3 * (1 if c % 4 == 0 else -1)
                    k = m.weight[c] / (2e4 + m.eps) ** 0.5
                    m.bias[c] = k * (torch.rand(1, generator=gen).item() * 4 - 2)


def torch_fixture(name, model, in_shape, opset, exact, note, seed, bn_tweak=None):
    gen = torch.Generator().manual_seed(seed)
    for m in model.modules():   # weights: a fresh, seeded draw
        if isinstance(m, (QConv2d, QLinear)):
            with torch.no_grad():
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 2 - 1)
    randomize_bn(model, gen)
    if bn_tweak:
        bn_tweak(model, gen)
    model.eval()
    for m in model.modules():
        if hasattr(m, "freeze"):
            m.freeze()
    x = torch.randint(0, 256, (N_IMAGES,) + in_shape, generator=gen, dtype=torch.uint8)
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, x[:1], path, opset_version=opset, input_names=["x"],
                      output_names=["y"], dynamic_axes={"x": {0: "n"}, "y": {0: "n"}},
                      custom_opsets={QONNX_DOMAIN: 1})
    model.ref64 = True
    with torch.no_grad():
        ref = model.double()(x).numpy()
    save(name, None, nchw_to_nhwc(x.numpy()), nchw_to_nhwc(ref), exact, note)


def torch_fixtures():
    F = nn.Flatten
    bn2, bn1 = nn.BatchNorm2d, nn.BatchNorm1d
    torch_fixture("w1a1_cnn", Seq(
        QConv2d(1, 16, 3, padding=1), bn2(16), BinAct(),
        QConv2d(16, 32, 3, padding=1), bn2(32), BinAct(), nn.MaxPool2d(2),
        QConv2d(32, 32, 3, stride=2, padding=1), bn2(32), BinAct(),
        F(), QLinear(32 * 3 * 3, 10), bn1(10)),
        (1, 10, 10), 13, False, "W1A1 conv (8-bit input, zero padding of +-1, stride), "
        "max-pool, dense, batch-norm to float logits", 1)
    torch_fixture("w1a1_exact", Seq(
        QConv2d(1, 8, 3), bn2(8), BinAct(),
        QConv2d(8, 16, 3), bn2(16), BinAct(),
        F(), QLinear(16 * 5 * 5, 12)),
        (1, 9, 9), 11, True, "W1A1, integer output (raw accumulator), opset 11", 2)
    torch_fixture("w1a2", Seq(
        QConv2d(1, 12, 3), bn2(12), QuantAct(2),
        QConv2d(12, 20, 3, padding=1), bn2(20), QuantAct(2), nn.MaxPool2d(2),
        F(), QLinear(20 * 3 * 3, 10), bn1(10)),
        (1, 8, 8), 17, False, "binary weights, 2-bit unsigned activations (QONNX Quant), "
        "zero padding of unsigned input, opset 17", 3)
    torch_fixture("w2a2", Seq(
        QConv2d(1, 16, 3, wbits=2), bn2(16), QuantAct(2),
        QConv2d(16, 16, 3, wbits=2, padding=1), bn2(16), QuantAct(2), nn.MaxPool2d(2),
        F(), QLinear(16 * 4 * 4, 10, wbits=2), bn1(10)),
        (1, 10, 10), 13, False, "ternary (2-bit narrow) Quant weights, 2-bit activations", 4)
    torch_fixture("w4a4", Seq(
        QConv2d(1, 8, 3, wbits=4, wscale=0.125), bn2(8), QuantAct(4, scale=0.5),
        QConv2d(8, 12, 3, wbits=4, wscale=0.125), bn2(12), QuantAct(4, scale=0.5),
        F(), QLinear(12 * 4 * 4, 9, wbits=4, wscale=0.125)),
        (1, 8, 8), 13, True, "4-bit weights and activations with power-of-two scales, "
        "exact integer output", 5)
    torch_fixture("mixed", Seq(
        QConv2d(1, 10, 3, wbits=8, wscale=2.0 ** -7, wnarrow=False), bn2(10),
        QuantAct(4, scale=0.25),
        QConv2d(10, 24, 3, wbits=2), bn2(24), BinAct(),
        QConv2d(24, 16, 3, padding=1), bn2(16), QuantAct(2, signed=True),
        F(), QLinear(16 * 5 * 5, 10, wbits=4, wscale=0.25), bn1(10)),
        (1, 9, 9), 13, False, "mixed precision: W8A4 -> W2A1 -> W1A2(signed) -> W4 float", 6)
    torch_fixture("residual", Seq(
        QConv2d(1, 16, 3, padding=1), bn2(16), BinAct(),
        Residual(16), bn2(16), BinAct(),
        Residual(16), bn2(16), BinAct(), nn.MaxPool2d(2),
        F(), QLinear(16 * 4 * 4, 10), bn1(10)),
        (1, 8, 8), 13, False, "residual blocks: conv(x) + x, batch-norm after the add", 7)
    torch_fixture("odd_channels", Seq(
        QConv2d(3, 37, 5, stride=2, padding=2), bn2(37), BinAct(),
        QConv2d(37, 65, 3, padding=2, dilation=2), bn2(65), BinAct(),
        QConv2d(65, 65, 3, padding=1, groups=5), bn2(65), BinAct(),
        QConv2d(65, 7, 1), bn2(7), BinAct(),
        F(), QLinear(7 * 6 * 7, 5), bn1(5)),
        (3, 11, 13), 11, False, "3/37/65/7 channels (tails past 64), 5x5 stride 2, "
        "dilation 2, groups 5, 1x1, non-square input", 8)
    torch_fixture("relu_clip", Seq(
        QConv2d(1, 12, 3), bn2(12), nn.ReLU(), QuantAct(3, scale=0.5),
        QConv2d(12, 12, 3), bn2(12), nn.Hardtanh(), BinAct(),
        F(), QLinear(12 * 4 * 4, 6), bn1(6)),
        (1, 8, 8), 13, False, "Relu before an unsigned quantizer, Hardtanh (Clip) before "
        "Sign: folded into thresholds", 9)
    torch_fixture("pool_before_bn", Seq(
        QConv2d(1, 16, 3), nn.MaxPool2d(2), bn2(16), BinAct(),
        QConv2d(16, 24, 3, padding=1), nn.MaxPool2d(2, ceil_mode=True), bn2(24), BinAct(),
        F(), QLinear(24 * 2 * 2, 10), bn1(10)),
        (1, 10, 10), 13, False, "classic BNN order conv -> max-pool -> batch-norm -> sign: "
        "max-pool on I32 accumulators, then a THRESHOLD layer (negative batch-norm "
        "scales after the pool)", 11)
    torch_fixture("avgpool", Seq(
        QConv2d(1, 8, 3, padding=1), bn2(8), QuantAct(2),
        nn.AvgPool2d(2), QuantAct(3, scale=0.5),
        QConv2d(8, 8, 3, padding=1), bn2(8), QuantAct(2),
        nn.AdaptiveAvgPool2d(1), F()),
        (1, 8, 8), 13, True, "average pool then a quantizer, global average pool output", 10)
    torch_fixture("tiny_bn_scale", Seq(
        QConv2d(1, 8, 3, padding=1), bn2(8), BinAct(),
        QConv2d(8, 16, 3, padding=1), bn2(16), BinAct(), nn.MaxPool2d(2),
        F(), QLinear(16 * 4 * 4, 10), bn1(10)),
        (1, 8, 8), 13, False, "batch-norm scales of 1e-5 (folded into the conv by the "
        "exporter: weights of +-1e-5 must not read as zeros)", 12, bn_tweak=tiny_bn_scales)


# ---------------------------------------------------------------- QONNX / numpy

def q_round(x):
    return np.round(x)   # half to even, as QONNX ROUND


def np_conv(x, w, stride=1, pad=0):
    """Direct NCHW conv in float64, written out here so the oracle shares no
    code with PyTorch or libqnn."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.zeros((n, c, h + 2 * pad, wd + 2 * pad))
    xp[:, :, pad:pad + h, pad:pad + wd] = x
    oh = (h + 2 * pad - kh) // stride + 1
    ow = (wd + 2 * pad - kw) // stride + 1
    y = np.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            y[:, :, i, j] = np.einsum("nchw,ochw->no", patch, w)
    return y


def multithreshold(x, th, out_scale=1.0, out_bias=0.0):
    """QONNX MultiThreshold, NCHW: count of thresholds x >= t, per channel."""
    c = x.shape[1]
    th = np.broadcast_to(th, (c, th.shape[1]))
    cnt = np.zeros_like(x)
    for ch in range(c):
        for t in th[ch]:
            cnt[:, ch] += x[:, ch] >= t
    return out_scale * cnt + out_bias


def quant(x, scale, zp, bits, signed, narrow, mode="ROUND"):
    lo = -(2 ** (bits - 1)) + narrow if signed else 0
    hi = 2 ** (bits - 1) - 1 if signed else 2 ** bits - 1 - narrow
    r = {"ROUND": q_round, "FLOOR": np.floor, "CEIL": np.ceil}[mode]
    return (np.clip(r(x / scale + zp), lo, hi) - zp) * scale


def const(name, arr, dtype=np.float32):
    return numpy_helper.from_array(np.asarray(arr, dtype=dtype), name)


def make_model(nodes, inits, inp, out, opset=13, qonnx=True):
    graph = helper.make_graph(nodes, "g", [inp], [out], initializer=inits)
    ops = [helper.make_opsetid("", opset)]
    if qonnx:
        ops.append(helper.make_opsetid(QONNX_DOMAIN, 1))
    m = helper.make_model(graph, opset_imports=ops, producer_name="qnn gen_fixtures")
    m.ir_version = 8
    return m


def qonnx_multithreshold(rng):
    n, h = N_IMAGES, 8
    x = rng.integers(0, 256, (n, 1, h, h)).astype(np.uint8)
    w1 = rng.integers(-2, 2, (6, 1, 3, 3)).astype(np.float64)        # signed 2-bit
    t1 = np.sort(rng.uniform(-300, 300, (6, 7)), axis=1)              # non-uniform
    w2 = rng.choice([-0.25, 0.25], (10, 6, 3, 3))                    # scaled binary
    t2 = rng.uniform(-1.5, 1.5, (10, 1))
    w3 = rng.choice([-1.0, 1.0], (10 * 6 * 6, 7))
    t3 = np.sort(rng.uniform(-20, 20, (1, 3)), axis=1)
    bias = rng.normal(size=7)
    # reference
    a = np_conv(x.astype(np.float64), w1, pad=1)
    a = multithreshold(a, t1)                                          # 0..7
    a = np_conv(a, w2)
    a = multithreshold(a, t2, 2.0, -1.0)                               # bipolar
    a = a.reshape(n, -1) @ w3
    a = multithreshold(a[:, :, None, None], t3, 0.5, -1.0)[:, :, 0, 0]  # 4 levels
    ref = a * 0.5 + bias
    nodes = [
        helper.make_node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
        helper.make_node("Conv", ["xf", "w1"], ["c1"], pads=[1, 1, 1, 1], name="conv1"),
        helper.make_node("MultiThreshold", ["c1", "t1"], ["a1"], domain=QONNX_DOMAIN,
                         out_dtype="UINT3", name="mt1"),
        helper.make_node("Conv", ["a1", "w2"], ["c2"], name="conv2"),
        helper.make_node("MultiThreshold", ["c2", "t2"], ["a2"], domain=QONNX_DOMAIN,
                         out_dtype="BIPOLAR", out_scale=2.0, out_bias=-1.0, name="mt2"),
        helper.make_node("Flatten", ["a2"], ["f"]),
        helper.make_node("MatMul", ["f", "w3"], ["m"], name="fc"),
        helper.make_node("MultiThreshold", ["m", "t3"], ["a3"], domain=QONNX_DOMAIN,
                         out_dtype="UINT2", out_scale=0.5, out_bias=-1.0, data_layout="NC",
                         name="mt3"),
        helper.make_node("Mul", ["a3", "half"], ["s"]),
        helper.make_node("Add", ["s", "bias"], ["y"]),
    ]
    inits = [const("w1", w1), const("t1", t1), const("w2", w2), const("t2", t2),
             const("w3", w3), const("t3", t3), const("half", 0.5), const("bias", bias)]
    m = make_model(nodes, inits, helper.make_tensor_value_info("x", TensorProto.UINT8, [None, 1, h, h]),
                   helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 7]))
    save("qonnx_multithreshold", m, nchw_to_nhwc(x), ref, False,
         "MultiThreshold with non-uniform per-channel thresholds (3-bit), bipolar "
         "out_scale/out_bias, a 4-level output with scale and offset; scaled binary "
         "weights; MatMul")


def qonnx_quant(rng):
    n, h = N_IMAGES, 6
    codes = rng.integers(0, 256, (n, 2, h, h)).astype(np.uint8)
    sx = 1.0 / 64
    xin = codes.astype(np.float64) * sx
    # the user's floats: off the code grid (rounding), past both ends (clamping)
    jit = np.random.default_rng(99).uniform(-0.7, 0.7, xin.shape) * sx
    xin = (xin + jit).astype(np.float32).astype(np.float64)
    wf1 = rng.normal(size=(8, 2, 3, 3))
    s1 = 2.0 ** rng.integers(-3, 0, (8, 1, 1, 1))                      # per channel
    w1 = quant(wf1, s1, 0, 4, 1, 1)
    g, b, mu, var = rng.uniform(0.5, 1.5, 8), rng.normal(size=8), rng.normal(size=8) * 2, \
        rng.uniform(0.5, 3, 8)
    wf2 = rng.normal(size=(12, 8, 3, 3))
    w2 = np.where(wf2 >= 0, 1.0, -1.0)
    a = quant(xin, sx, 0, 8, 0, 0)
    a = np_conv(a, w1)
    a = (a - mu[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5) * \
        g[None, :, None, None] + b[None, :, None, None]
    a = quant(a, 0.25, 0, 3, 1, 0)                                     # signed 3-bit
    a = np_conv(a, w2)      # no padding: a signed input's zero is not code 0
    a = np.where(a >= 0, 1.0, -1.0) * 2.0                              # BipolarQuant, scale 2
    ref = a.mean(axis=(2, 3))[:, :, None, None]                        # GlobalAveragePool
    nodes = [
        helper.make_node("Quant", ["x", "sx", "z0", "b8"], ["xq"], domain=QONNX_DOMAIN,
                         signed=0, narrow=0, rounding_mode="ROUND", name="quant_in"),
        helper.make_node("Quant", ["wf1", "s1", "z0", "b4"], ["w1"], domain=QONNX_DOMAIN,
                         signed=1, narrow=1, rounding_mode="ROUND", name="quant_w1"),
        helper.make_node("Conv", ["xq", "w1"], ["c1"], name="conv1"),
        helper.make_node("BatchNormalization", ["c1", "g", "b", "mu", "var"], ["bn1"],
                         epsilon=1e-5, name="bn1"),
        helper.make_node("Quant", ["bn1", "s025", "z0", "b3"], ["a1"], domain=QONNX_DOMAIN,
                         signed=1, narrow=0, rounding_mode="ROUND", name="quant_a1"),
        helper.make_node("BipolarQuant", ["wf2", "one"], ["w2"], domain=QONNX_DOMAIN,
                         name="bq_w2"),
        helper.make_node("Conv", ["a1", "w2"], ["c2"], name="conv2"),
        helper.make_node("BipolarQuant", ["c2", "two"], ["a2"], domain=QONNX_DOMAIN,
                         name="bq_a2"),
        helper.make_node("GlobalAveragePool", ["a2"], ["y"], name="gap"),
    ]
    inits = [const("sx", sx), const("z0", 0.0), const("b8", 8.0), const("b4", 4.0),
             const("b3", 3.0), const("wf1", wf1), const("s1", s1), const("g", g),
             const("b", b), const("mu", mu), const("var", var), const("s025", 0.25),
             const("wf2", wf2), const("one", 1.0), const("two", 2.0)]
    m = make_model(nodes, inits, helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 2, h, h]),
                   helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 12, 1, 1]))
    # The qnn input is the float input; the model quantizes it as the graph does.
    save("qonnx_quant", m, nchw_to_nhwc(xin.astype(np.float32)), nchw_to_nhwc(ref), False,
         "Quant on the float input (rounded and clamped in the model), per-channel 4-bit "
         "narrow Quant weights, "
         "batch-norm + signed 3-bit Quant, BipolarQuant weights and activations "
         "(scale 2), GlobalAveragePool")


def qonnx_trunc(rng):
    n, h = N_IMAGES, 8
    x = rng.integers(0, 256, (n, 1, h, h)).astype(np.uint8)
    w1 = rng.choice([-1.0, 1.0], (6, 1, 3, 3))
    w2 = rng.choice([-1.0, 1.0], (5, 6, 3, 3))
    a = np_conv(x.astype(np.float64), w1, pad=1)
    a = quant(a, 64.0, 0, 4, 0, 0)                    # unsigned 4-bit, scale 64
    s = a.reshape(n, 6, 4, 2, 4, 2).mean(axis=(3, 5)) * 4   # AvgPool 2x2 * 4 = window sum
    # Trunc v1: floor(round(s/64) / 2^(6-4)) -> scaled back by 64
    t = np.floor(q_round(s / 64.0) / 4.0) * 64.0
    ref = np_conv(t, w2)
    nodes = [
        helper.make_node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
        helper.make_node("Conv", ["xf", "w1"], ["c1"], pads=[1, 1, 1, 1], name="conv1"),
        helper.make_node("Quant", ["c1", "s64", "z0", "b4"], ["a1"], domain=QONNX_DOMAIN,
                         signed=0, narrow=0, rounding_mode="ROUND", name="quant1"),
        helper.make_node("AveragePool", ["a1"], ["p"], kernel_shape=[2, 2], strides=[2, 2],
                         name="pool"),
        helper.make_node("Mul", ["p", "four"], ["ps"], name="undo_avg"),
        helper.make_node("Trunc", ["ps", "s64", "z0", "b6", "b4"], ["t"], domain=QONNX_DOMAIN,
                         rounding_mode="FLOOR", name="trunc"),
        helper.make_node("Conv", ["t", "w2"], ["y"], name="conv2"),
    ]
    inits = [const("w1", w1), const("w2", w2), const("s64", 64.0), const("z0", 0.0),
             const("b4", 4.0), const("b6", 6.0), const("four", 4.0)]
    m = make_model(nodes, inits, helper.make_tensor_value_info("x", TensorProto.UINT8, [None, 1, h, h]),
                   helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 5, 2, 2]))
    save("qonnx_trunc", m, nchw_to_nhwc(x), nchw_to_nhwc(ref), True,
         "Brevitas TruncAvgPool: AveragePool * 4 then Trunc (v1, FLOOR) of a 6-bit sum to "
         "4 bits, integer output")


def qdq(rng):
    n, h = N_IMAGES, 7
    codes = rng.integers(0, 256, (n, 1, h, h)).astype(np.uint8)
    sx = 1.0 / 256
    xin = codes * sx
    jit = np.random.default_rng(98).uniform(-0.7, 0.7, xin.shape) * sx
    xin = (xin + jit).astype(np.float32).astype(np.float64)
    w1 = rng.integers(-127, 128, (8, 1, 3, 3))
    ws1 = 2.0 ** rng.integers(-8, -5, 8)
    b1 = rng.normal(size=8) * 0.1
    w2 = rng.integers(-127, 128, (4, 8, 3, 3))
    ws2 = 2.0 ** -7
    sa, za = 1.0 / 32, 128
    a = np.clip(q_round(xin / sx), 0, 255) * sx
    a = np_conv(a, w1 * ws1[:, None, None, None]) + b1[None, :, None, None]
    a = (np.clip(q_round(a / sa) + za, 0, 255) - za) * sa
    ref = np_conv(a, w2 * ws2)
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"], name="q_in"),
        helper.make_node("DequantizeLinear", ["xq", "sx", "zx"], ["xd"], name="dq_in"),
        helper.make_node("DequantizeLinear", ["w1", "ws1", "wz1"], ["w1d"], axis=0, name="dq_w1"),
        helper.make_node("Conv", ["xd", "w1d", "b1"], ["c1"], name="conv1"),
        helper.make_node("QuantizeLinear", ["c1", "sa", "za"], ["aq"], name="q_a1"),
        helper.make_node("DequantizeLinear", ["aq", "sa", "za"], ["ad"], name="dq_a1"),
        helper.make_node("DequantizeLinear", ["w2", "ws2", "wz2"], ["w2d"], name="dq_w2"),
        helper.make_node("Conv", ["ad", "w2d"], ["y"], name="conv2"),
    ]
    inits = [const("sx", sx), const("zx", 0, np.uint8), const("w1", w1, np.int8),
             const("ws1", ws1), const("wz1", np.zeros(8), np.int8), const("b1", b1),
             const("sa", sa), const("za", za, np.uint8), const("w2", w2, np.int8),
             const("ws2", ws2), const("wz2", 0, np.int8)]
    m = make_model(nodes, inits, helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 1, h, h]),
                   helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 4, 3, 3]),
                   opset=13, qonnx=False)
    save("qdq_int8", m, nchw_to_nhwc(xin.astype(np.float32)), nchw_to_nhwc(ref), False,
         "QuantizeLinear/DequantizeLinear: float input quantized in the model, per-channel "
         "int8 weights with "
         "bias, an 8-bit activation with zero point 128 (255 thresholds)")


def misc_ops(rng):
    """Standard ops around the quantizers: SAME padding, Div/Sub/Add by
    constants, Clip with input bounds, MaxPool ceil_mode, Reshape, Gemm with
    alpha/beta/transB=0, Identity; opset 17."""
    n, h = N_IMAGES, 9
    x = rng.integers(0, 256, (n, 1, h, h)).astype(np.uint8)
    w1 = rng.choice([-1.0, 1.0], (6, 1, 3, 3))
    off = rng.uniform(-200, 200, (1, 6, 1, 1))
    w2 = rng.choice([-1.0, 1.0], (4, 6, 1, 1))
    wg = rng.choice([-1.0, 1.0], (4 * 3 * 3, 5))
    cg = rng.normal(size=5)
    # reference: SAME_UPPER, stride 2 on 9x9 -> 5x5: total pad 2, 1 each side
    a = np_conv(x.astype(np.float64), w1, stride=2, pad=1)
    a = a / 2.0 - off
    a = np.clip(a, 0.5, 2.2)
    a = quant(a, 0.5, 0, 3, 0, 0)
    ap = np.full((n, 6, 6, 6), -np.inf)
    ap[:, :, :5, :5] = a                               # ceil_mode: 5 -> 3 windows
    a = ap.reshape(n, 6, 3, 2, 3, 2).max(axis=(3, 5))
    a = np_conv(a, w2) + 0.25
    a = np.where(a > 0, 1.0, np.where(a < 0, -1.0, 0.0))   # ONNX Sign
    ref = 0.5 * (a.reshape(n, -1) @ wg) + 2.0 * cg
    nodes = [
        helper.make_node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
        helper.make_node("Conv", ["xf", "w1"], ["c1"], auto_pad="SAME_UPPER", strides=[2, 2],
                         name="conv_same"),
        helper.make_node("Div", ["c1", "two"], ["d"], name="div"),
        helper.make_node("Sub", ["d", "off"], ["s"], name="sub"),
        helper.make_node("Clip", ["s", "lo", "hi"], ["cl"], name="clip"),
        helper.make_node("Quant", ["cl", "half", "z0", "b3"], ["q"], domain=QONNX_DOMAIN,
                         signed=0, narrow=0, rounding_mode="ROUND", name="quant"),
        helper.make_node("MaxPool", ["q"], ["p"], kernel_shape=[2, 2], strides=[2, 2],
                         ceil_mode=1, name="pool_ceil"),
        helper.make_node("Identity", ["p"], ["pi"]),
        helper.make_node("Conv", ["pi", "w2"], ["c2"], name="conv1x1"),
        helper.make_node("Add", ["c2", "quarter"], ["c2b"], name="add_const"),
        helper.make_node("Sign", ["c2b"], ["sg"], name="sign"),
        helper.make_node("Reshape", ["sg", "shape"], ["r"], name="reshape"),
        helper.make_node("Gemm", ["r", "wg", "cg"], ["y"], alpha=0.5, beta=2.0, name="gemm"),
    ]
    inits = [const("w1", w1), const("two", 2.0), const("off", off), const("lo", 0.5),
             const("hi", 2.2), const("half", 0.5), const("z0", 0.0), const("b3", 3.0),
             const("w2", w2), const("quarter", 0.25), const("shape", [0, -1], np.int64),
             const("wg", wg), const("cg", cg)]
    m = make_model(nodes, inits, helper.make_tensor_value_info("x", TensorProto.UINT8, [None, 1, h, h]),
                   helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 5]), opset=17)
    save("misc_ops", m, nchw_to_nhwc(x), ref, False,
         "auto_pad SAME_UPPER with stride, Div/Sub/Add by constants, Clip with input "
         "bounds before Quant, MaxPool ceil_mode, Identity, 1x1 conv, Sign, Reshape (0,-1), "
         "Gemm alpha/beta/transB=0, opset 17")


def failure_models(rng):
    """Models qnn-convert must refuse, naming the node (no reference)."""
    w = rng.choice([-1.0, 1.0], (4, 1, 3, 3))
    nodes = [
        helper.make_node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
        helper.make_node("Conv", ["xf", "w"], ["c"], name="conv1"),
        helper.make_node("Sign", ["c"], ["s"], name="sign1"),
        helper.make_node("Flatten", ["s"], ["f"]),
        helper.make_node("Softmax", ["f"], ["y"], name="my_softmax"),
    ]
    m = make_model(nodes, [const("w", w)],
                   helper.make_tensor_value_info("x", TensorProto.UINT8, [None, 1, 5, 5]),
                   helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 36]), qonnx=False)
    onnx.save(m, os.path.join(OUT, "fail_unsupported_op.onnx"))
    nodes = [
        helper.make_node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
        helper.make_node("Conv", ["xf", "w"], ["y"], name="float_conv"),
    ]
    m = make_model(nodes, [const("w", rng.normal(size=(4, 1, 3, 3)))],
                   helper.make_tensor_value_info("x", TensorProto.UINT8, [None, 1, 5, 5]),
                   helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 4, 3, 3]),
                   qonnx=False)
    onnx.save(m, os.path.join(OUT, "fail_float_weights.onnx"))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch_fixtures()
    rng = np.random.default_rng(1234)
    qonnx_multithreshold(rng)
    qonnx_quant(rng)
    qonnx_trunc(rng)
    qdq(rng)
    misc_ops(rng)
    failure_models(rng)
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(f"{len(manifest)} fixtures in {OUT}")


if __name__ == "__main__":
    main()
