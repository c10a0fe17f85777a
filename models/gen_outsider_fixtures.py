#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""More models as outsiders export them (issue 10's closing audit).

  /usr/bin/python3 models/gen_outsider_fixtures.py

Models built the way their exporters write them, in combinations the
fixtures of gen_wild_fixtures.py do not have: a plain PyTorch binary CNN
exported at opset 9 with a dynamic batch and in-graph normalisation; a
Brevitas-style QONNX graph (QuantIdentity on the input, QuantConv with
per-channel 4-bit weight scales and float bias, QuantReLU, a residual of two
differently scaled QuantReLUs, global pool, QuantLinear); a FINN-style
streamlined graph (MultiThreshold + Mul/Add on the image and after each
layer, a quantized output); a tf2onnx QDQ graph with NHWC Transposes, a
uint8 zero point that is not 0 and a max-pool. References are PyTorch's
forward pass or the numpy QONNX/ONNX semantics of qonnx_ref.py. Writes
models/fixtures/NAME.{onnx,in,ref} and models/fixtures/outsider.json (same
fields as wild.json).
"""
import json
import os
import sys

import numpy as np
from onnx import TensorProto

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_wild_fixtures as W  # noqa: E402
import qonnx_ref as Q  # noqa: E402
from gen_wild_fixtures import N, c, model, nhwc, node, qnode, vi  # noqa: E402


def torch_opset9():
    """A plain PyTorch binary CNN (sign-binarised weights and activations in
    forward, no custom ops), normalised 3-channel float input, exported at
    opset 9 with a dynamic batch and x.view(x.size(0), -1)."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class BinConv(nn.Conv2d):
        def forward(self, x):
            return F.conv2d(x, torch.sign(self.weight), None, self.stride, self.padding)

    class BinLinear(nn.Linear):
        def forward(self, x):
            return F.linear(x, torch.sign(self.weight))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("mean", torch.tensor([0.49, 0.48, 0.45]).view(1, 3, 1, 1))
            self.register_buffer("std", torch.tensor([0.25, 0.24, 0.26]).view(1, 3, 1, 1))
            self.c1, self.b1 = BinConv(3, 16, 3, bias=False), nn.BatchNorm2d(16)
            self.c2, self.b2 = BinConv(16, 16, 3, bias=False), nn.BatchNorm2d(16)
            self.fc, self.bn = BinLinear(16 * 2 * 2, 10, bias=False), nn.BatchNorm1d(10)

        def forward(self, x):
            x = (x - self.mean) / self.std
            x = torch.sign(self.b1(self.c1(x)))
            x = F.max_pool2d(x, 2)
            x = torch.sign(self.b2(self.c2(x)))
            x = F.max_pool2d(x, 2)
            return self.bn(self.fc(x.view(x.size(0), -1)))

    net = Net()
    gen = torch.Generator().manual_seed(91)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                k = m.num_features
                m.running_mean.copy_(torch.randn(k, generator=gen) * 2 + 0.3)
                m.running_var.copy_(torch.rand(k, generator=gen) * 10 + 0.5)
                m.weight.copy_(torch.rand(k, generator=gen) + 0.3)
                m.bias.copy_(torch.randn(k, generator=gen) * 0.5 + 0.1)
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 2 - 1)
    x = torch.rand((N, 3, 14, 14), generator=gen)
    W.torch_export("torch_opset9_dynbatch", "pytorch", net, x, 9, False,
                   "plain PyTorch binary CNN at opset 9, dynamic batch: (x - mean)/std on a "
                   "3-channel float input, torch.sign on weights (folded) and activations "
                   "(Sign), max-pools, x.view(x.size(0), -1), BatchNorm1d logits; the "
                   "per-channel std cannot fold into binary weights, so it runs (1x1 F32)",
                   verbose="normalised")


def brevitas_quantconv_residual(rng):
    """Brevitas' QONNX export: QuantIdentity (8-bit) on the float input,
    QuantConv2d with per-channel 4-bit narrow weight scales and a float bias,
    QuantReLU (4-bit unsigned), a second QuantConv + QuantReLU with its own
    scale, the residual Add of the two, a re-quantizing QuantReLU, global
    average pool and a QuantLinear with per-channel 8-bit weights."""
    x = rng.uniform(-1, 1, (N, 2, 6, 6)).astype(np.float32)
    wf1, wf2 = rng.normal(size=(6, 2, 3, 3)), rng.normal(size=(6, 6, 3, 3))
    ws1 = (np.abs(wf1).reshape(6, -1).max(1) / 7).astype(np.float32)
    ws2 = (np.abs(wf2).reshape(6, -1).max(1) / 7).astype(np.float32)
    bias1 = rng.normal(size=6).astype(np.float32) * 0.1
    wf3 = rng.normal(size=(5, 6))
    ws3 = (np.abs(wf3).max(1) / 127).astype(np.float32)
    sx, s1, s2, s3 = np.float32(2.0 ** -7), np.float32(0.37), np.float32(0.29), np.float32(0.5)
    w1 = Q.quant(wf1, ws1[:, None, None, None], 0.0, 4, 1, 1)
    w2 = Q.quant(wf2, ws2[:, None, None, None], 0.0, 4, 1, 1)
    w3 = Q.quant(wf3, ws3[:, None], 0.0, 8, 1, 1)
    a0 = Q.quant(x.astype(np.float64), sx, 0.0, 8, 1, 0)
    c1 = Q.conv(a0, w1, pad=1) + bias1[None, :, None, None]
    u = Q.quant(np.maximum(c1, 0), s1, 0.0, 4, 0, 0)
    v = Q.quant(np.maximum(Q.conv(u, w2, pad=1), 0), s2, 0.0, 4, 0, 0)
    r = Q.quant(np.maximum(u + v, 0), s3, 0.0, 4, 0, 0)
    ref = r.mean(axis=(2, 3)) @ w3.T
    nodes = [
        qnode(["x", "sx", "z0", "b8"], "a0", name="/input_quant/Quant"),
        qnode(["wf1", "ws1", "z0", "b4"], "w1", narrow=1, name="/conv1/weight_quant/Quant"),
        node("Conv", ["a0", "w1", "bias1"], ["c1"], name="/conv1/Conv", pads=[1, 1, 1, 1],
             kernel_shape=[3, 3]),
        node("Relu", ["c1"], ["r1"], name="/relu1/Relu"),
        qnode(["r1", "s1", "z0", "b4"], "u", signed=0, name="/relu1/act_quant/Quant"),
        qnode(["wf2", "ws2", "z0", "b4"], "w2", narrow=1, name="/conv2/weight_quant/Quant"),
        node("Conv", ["u", "w2"], ["c2"], name="/conv2/Conv", pads=[1, 1, 1, 1],
             kernel_shape=[3, 3]),
        node("Relu", ["c2"], ["r2"], name="/relu2/Relu"),
        qnode(["r2", "s2", "z0", "b4"], "v", signed=0, name="/relu2/act_quant/Quant"),
        node("Add", ["u", "v"], ["s"], name="/Add"),
        node("Relu", ["s"], ["r3"], name="/relu3/Relu"),
        qnode(["r3", "s3", "z0", "b4"], "r", signed=0, name="/relu3/act_quant/Quant"),
        node("GlobalAveragePool", ["r"], ["g"], name="/pool/GlobalAveragePool"),
        node("Flatten", ["g"], ["f"], name="/Flatten"),
        qnode(["wf3", "ws3", "z0", "b8"], "w3", narrow=1, name="/fc/weight_quant/Quant"),
        node("Gemm", ["f", "w3"], ["y"], name="/fc/Gemm", transB=1),
    ]
    inits = [c("sx", sx), c("z0", 0.0), c("b8", 8.0), c("b4", 4.0), c("wf1", wf1),
             c("ws1", ws1.reshape(6, 1, 1, 1)), c("bias1", bias1), c("s1", s1), c("wf2", wf2),
             c("ws2", ws2.reshape(6, 1, 1, 1)), c("s2", s2), c("s3", s3), c("wf3", wf3),
             c("ws3", ws3.reshape(5, 1))]
    m = model(nodes, inits, vi("x", TensorProto.FLOAT, ["batch", 2, 6, 6]),
              vi("y", TensorProto.FLOAT, ["batch", 5]))
    W.save("brevitas_quantconv_residual", "brevitas", m, nhwc(x), ref, False,
           "Brevitas QONNX: QuantIdentity on the float input, QuantConv with per-channel "
           "4-bit narrow weight scales and float bias, QuantReLUs of different scales, "
           "residual Add, re-quantizing QuantReLU, global pool, QuantLinear 8-bit per channel",
           verbose=r"quant  input  \"x\": uniform 8-bit signed")


def finn_streamlined(rng):
    """FINN after streamlining: MultiThreshold on the float image with Mul and
    Add after it (2-bit input codes as real values), bipolar convs whose
    batch-norms became per-channel MultiThresholds, Mul/Add between layers,
    a bipolar MatMul and a 2-bit MultiThreshold + Mul + Add as the output."""
    x = rng.uniform(0, 1, (N, 3, 6, 6)).astype(np.float32)
    tin = np.sort(rng.uniform(0.1, 0.9, (3, 3)), axis=1)
    w1 = rng.choice([-1.0, 1.0], (8, 3, 3, 3))
    t1 = np.sort(rng.uniform(-6, 6, (8, 3)), axis=1)
    w2 = rng.choice([-1.0, 1.0], (8 * 4 * 4, 10))
    t2 = np.sort(rng.uniform(-20, 20, (10, 3)), axis=1)
    a = Q.multithreshold(x.astype(np.float64), tin) * 0.5 - 0.75
    a = Q.multithreshold(Q.conv(a, w1), t1) * 2.0 - 3.0
    a = a.reshape(N, -1) @ w2
    ref = Q.multithreshold(a, t2) * 0.25 - 0.5
    nodes = [
        node("MultiThreshold", ["x", "tin"], ["q0"], domain="qonnx.custom_op.general",
             out_dtype="UINT2"),
        node("Mul", ["q0", "half"], ["m0"]),
        node("Add", ["m0", "off0"], ["a0"]),
        node("Conv", ["a0", "w1"], ["c1"], kernel_shape=[3, 3]),
        node("MultiThreshold", ["c1", "t1"], ["q1"], domain="qonnx.custom_op.general",
             out_dtype="UINT2"),
        node("Mul", ["q1", "two"], ["m1"]),
        node("Add", ["m1", "off1"], ["a1"]),
        node("Flatten", ["a1"], ["f"], axis=1),
        node("MatMul", ["f", "w2"], ["mm"]),
        node("MultiThreshold", ["mm", "t2"], ["q2"], domain="qonnx.custom_op.general",
             out_dtype="UINT2", data_layout="NC"),
        node("Mul", ["q2", "quarter"], ["m2"]),
        node("Add", ["m2", "off2"], ["y"]),
    ]
    inits = [c("tin", tin), c("half", 0.5), c("off0", -0.75), c("w1", w1), c("t1", t1),
             c("two", 2.0), c("off1", -3.0), c("w2", w2), c("t2", t2), c("quarter", 0.25),
             c("off2", -0.5)]
    m = model(nodes, inits, vi("x", TensorProto.FLOAT, [1, 3, 6, 6]),
              vi("y", TensorProto.FLOAT, [1, 10]))
    W.save("finn_streamlined", "finn", m, nhwc(x), ref, False,
           "FINN streamlined: per-channel MultiThreshold on the float image + Mul/Add, bipolar "
           "conv, MultiThreshold + Mul/Add, Flatten, bipolar MatMul, 2-bit MultiThreshold "
           "+ Mul/Add output (recorded as a uniform output grid)",
           verbose=r"quant  input  \"x\": thresholds && quant  output \"y\": uniform 2-bit")


def tf2onnx_qdq_zp(rng):
    """tf2onnx QDQ export with a uint8 input zero point that is not 0: NHWC
    float input behind a Transpose, QuantizeLinear/DequantizeLinear, a VALID
    conv with per-channel int8 weights and a bias Add, Relu, activation QDQ
    with its own zero point, MaxPool, Transpose back to NHWC, Reshape, QDQ
    MatMul plus bias."""
    x = rng.uniform(0, 1, (N, 8, 8, 2)).astype(np.float32)
    sx, zx = np.float32(1.0 / 200), 3
    w1 = rng.integers(-127, 128, (6, 2, 3, 3))
    ws1 = (2.0 ** rng.integers(-9, -6, 6)).astype(np.float32)
    bias1 = (rng.normal(size=6) * 0.2).astype(np.float32)
    sa, za = np.float32(1.0 / 32), 10
    w2 = rng.integers(-127, 128, (3 * 3 * 6, 4))
    ws2, bias2 = np.float32(2.0 ** -8), rng.normal(size=4).astype(np.float32)
    xn = x.transpose(0, 3, 1, 2).astype(np.float64)
    a = (np.clip(np.round(xn / sx) + zx, 0, 255) - zx) * sx
    a = Q.conv(a, w1 * ws1[:, None, None, None]) + bias1[None, :, None, None]
    a = np.maximum(a, 0)
    a = (np.clip(np.round(a / sa) + za, 0, 255) - za) * sa
    n_, c_, h_, w_ = a.shape
    a = a.reshape(n_, c_, h_ // 2, 2, w_ // 2, 2).max(axis=(3, 5))
    a = a.transpose(0, 2, 3, 1).reshape(N, -1)
    ref = a @ (w2 * ws2) + bias2
    nodes = [
        node("Transpose", ["x"], ["xt"], perm=[0, 3, 1, 2]),
        node("QuantizeLinear", ["xt", "sx", "zx"], ["xq"]),
        node("DequantizeLinear", ["xq", "sx", "zx"], ["xd"]),
        node("DequantizeLinear", ["w1", "ws1", "wz1"], ["w1d"], axis=0),
        node("Conv", ["xd", "w1d"], ["c1"], kernel_shape=[3, 3], pads=[0, 0, 0, 0]),
        node("Add", ["c1", "bias1"], ["c1b"]),
        node("Relu", ["c1b"], ["r1"]),
        node("QuantizeLinear", ["r1", "sa", "za"], ["aq"]),
        node("DequantizeLinear", ["aq", "sa", "za"], ["ad"]),
        node("MaxPool", ["ad"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        node("Transpose", ["p"], ["pt"], perm=[0, 2, 3, 1]),
        node("Reshape", ["pt", "shape"], ["r"]),
        node("DequantizeLinear", ["w2", "ws2", "wz2"], ["w2d"]),
        node("MatMul", ["r", "w2d"], ["mm"]),
        node("Add", ["mm", "bias2"], ["y"]),
    ]
    inits = [c("sx", sx), c("zx", zx, np.uint8), c("w1", w1, np.int8), c("ws1", ws1),
             c("wz1", np.zeros(6), np.int8), c("bias1", bias1.reshape(1, 6, 1, 1)),
             c("sa", sa), c("za", za, np.uint8), c("shape", [-1, 54], np.int64),
             c("w2", w2, np.int8), c("ws2", ws2), c("wz2", 0, np.int8), c("bias2", bias2)]
    m = model(nodes, inits, vi("x", TensorProto.FLOAT, ["unk__0", 8, 8, 2]),
              vi("y", TensorProto.FLOAT, ["unk__0", 4]), domains=(), opset=13)
    W.save("tf2onnx_qdq_zp", "tf2onnx", m, x, ref, False,
           "tf2onnx QDQ: NHWC float input, uint8 zero point 3 on the input, per-channel int8 "
           "VALID conv + bias Add + Relu, activation zero point 10, MaxPool, NHWC flatten, "
           "QDQ MatMul + bias",
           verbose=r"quant  input  \"x\": uniform 8-bit unsigned q 0\.\.255 ROUND scale 0\.00499[0-9]* zero point 3")


def reduce_opsets():
    """torch_reduce (ReduceMax, ReduceMean with axes attributes, opset 13)
    written for opsets 11 to 21: from 18 the axes are an input (the other
    version-dependent ops as gen_wild_fixtures.rewrite_opset writes them)."""
    import onnx
    from onnx import helper, numpy_helper
    base = onnx.load(os.path.join(W.OUT, "torch_reduce.onnx"))
    exact = next(e["exact"] for e in json.load(open(os.path.join(W.OUT, "wild.json")))
                 if e["name"] == "torch_reduce")
    for t in (11, 12, 17, 18, 21):
        m = W.rewrite_opset(base, t)
        k = 0
        for n in m.graph.node:
            if n.op_type in ("ReduceMax", "ReduceMean") and t >= 18:
                a = next(a for a in n.attribute if a.name == "axes")
                n.attribute.remove(a)
                k += 1
                name = f"reduce_axes_{k}"
                m.graph.initializer.append(numpy_helper.from_array(
                    np.asarray(list(a.ints), np.int64), name))
                n.input.append(name)
        if t <= 17:
            onnx.checker.check_model(m)
        name = f"opset{t}_torch_reduce"
        onnx.save(m, os.path.join(W.OUT, name + ".onnx"))
        W.manifest.append({"name": name, "style": "opsets", "data": "torch_reduce",
                           "images": N, "exact": exact,
                           "covers": f"torch_reduce written for opset {t}"
                           + (" (ReduceMax/ReduceMean axes as an input)" if t >= 18 else "")})
    del helper


def qonnx_bipolar_input(rng):
    """A QONNX graph whose float input is binarised by BipolarQuant (scale
    0.5) after Sub of a per-channel mean, then binary convs: the input's
    quantization is recorded as BIPOLAR with the mean in its zero point."""
    x = rng.normal(size=(N, 2, 6, 6)).astype(np.float32)
    mean = np.array([0.25, -0.5], np.float32)
    w1 = rng.choice([-1.0, 1.0], (4, 2, 3, 3))
    w2 = rng.choice([-1.0, 1.0], (4 * 4 * 4, 3))
    a = Q.bipolar_quant(x.astype(np.float64) - mean.reshape(1, 2, 1, 1), 0.5)
    a = Q.bipolar_quant(Q.conv(a, w1), 1.0)
    ref = a.reshape(N, -1) @ w2
    nodes = [
        node("Sub", ["x", "mean"], ["xc"]),
        node("BipolarQuant", ["xc", "half"], ["a0"], domain=W.QD),
        node("Conv", ["a0", "w1"], ["c1"], kernel_shape=[3, 3]),
        node("BipolarQuant", ["c1", "one"], ["a1"], domain=W.QD),
        node("Flatten", ["a1"], ["f"]),
        node("MatMul", ["f", "w2"], ["y"]),
    ]
    inits = [c("mean", mean.reshape(1, 2, 1, 1)), c("half", 0.5), c("w1", w1), c("one", 1.0),
             c("w2", w2)]
    m = model(nodes, inits, vi("x", TensorProto.FLOAT, [None, 2, 6, 6]),
              vi("y", TensorProto.FLOAT, [None, 3]))
    W.save("qonnx_bipolar_input", "qonnx", m, nhwc(x), ref, True,
           "BipolarQuant binarises the float input after a per-channel Sub (mean): a float "
           "THRESHOLD, then a binary conv, BipolarQuant, binary MatMul (integer logits)",
           verbose=r"quant  input  \"x\": bipolar 1-bit signed q -1\.\.1 per channel: "
                   r"scale 0\.5 zero point -0\.5; scale 0\.5 zero point 1")


def reshape_allowzero(rng):
    """Reshape with allowzero = 1 (opset 14): a -1 target converts; a literal
    0 then means an empty dimension (not "copy the input's"), which one image
    cannot have: refused by name."""
    x = rng.integers(0, 256, (N, 1, 6, 6)).astype(np.uint8)
    w1 = rng.choice([-1.0, 1.0], (4, 1, 3, 3))
    w2 = rng.choice([-1.0, 1.0], (4 * 4 * 4, 3))
    a = Q.bipolar_quant(Q.conv(x.astype(np.float64), w1) - 300.0, 1.0)
    ref = a.reshape(N, -1) @ w2
    for name, shape, refused in (("onnx_reshape_allowzero", [-1, 64], None),
                                 ("onnx_reshape_allowzero_0", [0, 64],
                                  "allowzero = 1 makes the target's 0 at index 0 an empty")):
        nodes = [
            node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
            node("Conv", ["xf", "w1"], ["c1"]),
            node("Sub", ["c1", "k"], ["s1"]),
            node("BipolarQuant", ["s1", "one"], ["a1"], domain=W.QD),
            node("Reshape", ["a1", "shape"], ["r"], allowzero=1),
            node("MatMul", ["r", "w2"], ["y"]),
        ]
        inits = [c("w1", w1), c("k", 300.0), c("one", 1.0), c("shape", shape, np.int64),
                 c("w2", w2)]
        m = model(nodes, inits, vi("x", TensorProto.UINT8, [None, 1, 6, 6]),
                  vi("y", TensorProto.FLOAT, [None, 3]), opset=14)
        W.save(name, "onnx", m, nhwc(x), None if refused else ref, True,
               "Reshape allowzero=1 (opset 14): " + ("target [-1, 64] converts" if not refused
                                                     else "a literal 0 is an empty dim: refused"),
               refused=refused)


def main():
    os.makedirs(W.OUT, exist_ok=True)
    Q.self_check()
    rng = np.random.default_rng(1010)
    torch_opset9()
    brevitas_quantconv_residual(rng)
    finn_streamlined(rng)
    tf2onnx_qdq_zp(rng)
    qonnx_bipolar_input(rng)
    reduce_opsets()
    reshape_allowzero(rng)
    with open(os.path.join(W.OUT, "outsider.json"), "w") as f:
        json.dump(W.manifest, f, indent=1)
        f.write("\n")
    print(f"{len(W.manifest)} fixtures in {W.OUT}")


if __name__ == "__main__":
    main()
