# SPDX-License-Identifier: MIT
"""check_ioquant.py RUN LIST: the .qnn files' input/output quantization
(IOQUANT, as qnn-run --plan --json prints it from qnn_tensor_info) against
what the ONNX graph says, derived here from the graph alone (not from
qnn-convert): for an input, the first quantizer reached through
preprocessing (Identity, Cast, Flatten, Reshape, Transpose, Squeeze,
Unsqueeze, Div/Mul/Sub/Add by constants, Relu, Clip), with the preprocessing
moved into its scale and zero point; for an output, the quantizer behind
reshapes and Mul/Add/Sub/Div by scalar constants. LIST has lines
"ONNX QNN". Prints one line per mismatch; exit 1 if any, else a summary.
"""
import json
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

from qonnx_ref import quant_range, ROUNDING

QDOMAINS = ("qonnx", "finn", "onnx.brevitas")
LAYOUT = {"Identity", "Cast", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze",
          "Dropout"}
MODES = ["ROUND", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN"]


def is_q(n):
    return any(n.domain.startswith(d) for d in QDOMAINS)


class Graph:
    def __init__(self, m):
        self.g = m.graph
        self.const = {i.name: numpy_helper.to_array(i).astype(np.float64)
                      for i in self.g.initializer}
        for n in self.g.node:
            if n.op_type == "Constant":
                self.const[n.output[0]] = numpy_helper.to_array(n.attribute[0].t).astype(np.float64)
        self.users = {}
        self.prod = {}
        for n in self.g.node:
            for i in n.input:
                self.users.setdefault(i, []).append(n)
            for o in n.output:
                self.prod[o] = n
        self.outs = {o.name for o in self.g.output}

    def k(self, name):
        return self.const.get(name)


def chan(v, c):
    """A constant operand as per-channel values (length c), or None: one
    value, or c values on the channel axis of NCHW ([C,1,1], [1,C,1,1]) or
    of an NC / flattened value ([C], [1,C])."""
    v = np.asarray(v, dtype=np.float64)
    if v.size == 1:
        return np.full(c, float(v.reshape(-1)[0]))
    if v.size != c:
        return None
    if v.ndim >= 3 and v.shape[-3] == c:
        return v.reshape(-1)
    if v.ndim <= 2 and v.shape[-1] == c:
        return v.reshape(-1)
    return None


def attr(n, name, default):
    for a in n.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def quant_params(G, n, c):
    """(kind, bits, signed, narrow, mode, qmin, qmax, scale[c], zp[c]) of quantizer n."""
    op = n.op_type
    if is_q(n) and op in ("Quant", "IntQuant"):
        s, z, b = (G.k(n.input[i]) for i in (1, 2, 3))
        bits, sg, nr = int(b.reshape(-1)[0]), int(attr(n, "signed", 1)), int(attr(n, "narrow", 0))
        mode = attr(n, "rounding_mode", b"ROUND")
        mode = (mode.decode() if isinstance(mode, bytes) else mode).upper()
        if bits == 1 and sg:
            return ("bipolar", 1, 1, 0, "ROUND", -1, 1, chan(s, c), chan(z, c))
        lo, hi = quant_range(bits, sg, nr)
        return ("uniform", bits, sg, nr, mode, lo, hi, chan(s, c), chan(z, c))
    if is_q(n) and op == "BipolarQuant":
        return ("bipolar", 1, 1, 0, "ROUND", -1, 1, chan(G.k(n.input[1]), c), np.zeros(c))
    if is_q(n) and op == "MultiThreshold":
        nt = G.k(n.input[1]).shape[1]
        return ("thresholds", int(np.ceil(np.log2(nt + 1))), 0, 0, "ROUND", 0, nt, None, None)
    if op == "Sign" and not n.domain:
        return ("bipolar", 1, 1, 0, "ROUND", -1, 1, np.ones(c), np.zeros(c))
    if op == "QuantizeLinear" and not n.domain:
        zt = [i for i in G.g.initializer if i.name == (n.input[2] if len(n.input) > 2 else "")]
        sg = bool(zt) and zt[0].data_type == onnx.TensorProto.INT8
        z = G.k(n.input[2]) if len(n.input) > 2 and n.input[2] else np.zeros(1)
        return ("uniform", 8, int(sg), 0, "ROUND", -128 if sg else 0, 127 if sg else 255,
                chan(G.k(n.input[1]), c), chan(z, c))
    return None


def expected_input(G, name, c):
    a, b = np.ones(c), np.zeros(c)
    lo, hi = -np.inf, np.inf
    cur = name
    while True:
        us = G.users.get(cur, [])
        if len(us) != 1 or cur in G.outs:
            return None
        n = us[0]
        op = n.op_type
        q = quant_params(G, n, c)
        if q:
            kind, bits, sg, nr, mode, qlo, qhi, s, z = q
            if kind == "thresholds":
                return dict(quant=kind, bits=bits, qmin=qlo, qmax=qhi)
            if s is None or z is None or np.any(a == 0):
                return None
            if kind == "bipolar" and (lo > -np.inf or hi < np.inf):
                return None
            rnd = ROUNDING[mode]
            if lo > -np.inf:
                ql = rnd(lo / s + z)
                if np.any(ql != ql[0]):
                    return None
                qlo = max(qlo, int(ql[0]))
            if hi < np.inf:
                qh = rnd(hi / s + z)
                if np.any(qh != qh[0]):
                    return None
                qhi = min(qhi, int(qh[0]))
            return dict(quant=kind, bits=bits, signed=sg, narrow=nr,
                        rounding=MODES.index(mode), qmin=qlo, qmax=qhi,
                        scale=s / a, zero_point=z + b / s)
        if op in LAYOUT:
            pass
        elif op in ("Mul", "Div", "Add", "Sub") and not n.domain:
            other = n.input[1] if n.input[0] == cur else n.input[0]
            k = G.k(other)
            if k is None:
                return None
            k = chan(k, c)
            if k is None:
                return None
            first = n.input[0] == cur
            if op == "Mul":
                a, b = a * k, b * k
            elif op == "Div" and first:
                a, b = a / k, b / k
            elif op == "Add":
                b = b + k
            elif op == "Sub" and first:
                b = b - k
            elif op == "Sub":
                a, b = -a, k - b
            else:
                return None
            if lo > -np.inf or hi < np.inf:
                return None     # an affine map after a clamp: not followed here
        elif op == "Relu":
            lo = max(lo, 0.0)
        elif op == "Clip":
            cl = attr(n, "min", None)
            ch = attr(n, "max", None)
            if len(n.input) > 1 and n.input[1]:
                cl = float(G.k(n.input[1]).reshape(-1)[0])
            if len(n.input) > 2 and n.input[2]:
                ch = float(G.k(n.input[2]).reshape(-1)[0])
            lo = max(lo, cl if cl is not None else -np.inf)
            hi = min(hi, ch if ch is not None else np.inf)
        else:
            return None
        cur = n.output[0]


def expected_output(G, name, c):
    m, k = np.ones(c), np.zeros(c)     # out = m * y + k, per channel
    cur = name
    while cur in G.prod:
        n = G.prod[cur]
        op = n.op_type
        q = quant_params(G, n, c)
        if q:
            kind, bits, sg, nr, mode, qlo, qhi, s, z = q
            if kind == "thresholds":
                th = G.k(n.input[1])
                os_, ob = float(attr(n, "out_scale", 1.0)), float(attr(n, "out_bias", 0.0))
                if th.shape[1] == 1 and os_ == 2.0 and ob == -1.0:
                    return dict(quant="bipolar", qmin=-1, qmax=1, scale=m, zero_point=-k / m)
                return dict(quant="uniform", qmin=0, qmax=int(th.shape[1]), scale=m * os_,
                            zero_point=-(m * ob + k) / (m * os_))
            if s is None or z is None:
                return None
            if n.op_type == "QuantizeLinear":
                return None     # codes as the output: checked by value, not here
            return dict(quant=kind, qmin=qlo, qmax=qhi, scale=m * s,
                        zero_point=z - k / (m * s))
        if op in LAYOUT:
            cur = n.input[0]
            continue
        if op in ("Mul", "Div", "Add", "Sub") and not n.domain:
            ks = [G.k(i) for i in n.input]
            if sum(x is not None for x in ks) != 1:
                return None
            ci = 0 if ks[0] is not None else 1
            kv = chan(ks[ci], c)
            if kv is None:
                return None
            # out = m*y + k with y = x op kv
            if op == "Mul":
                m = m * kv
            elif op == "Div" and ci == 1:
                m = m / kv
            elif op == "Add":
                k = k + m * kv
            elif op == "Sub" and ci == 1:
                k = k - m * kv
            else:
                return None
            cur = n.input[1 - ci]
            continue
        return None
    return None


def channels(vi, nhwc=False):
    d = [x.dim_value for x in vi.type.tensor_type.shape.dim]
    return d[1] if len(d) >= 2 else 1


def compare(want, got, what):
    if want is None:
        return [] if got["quant"] == "none" else [f"{what}: qnn records {got}, the graph none"]
    errs = []
    if got["quant"] != want["quant"]:
        return [f"{what}: qnn says {got['quant']}, the graph {want['quant']}"]
    for f in ("bits", "signed", "narrow", "rounding", "qmin", "qmax"):
        if f in want and int(got.get(f, -999)) != int(want[f]):
            errs.append(f"{what}: {f} {got.get(f)} != {want[f]}")
    if "scale" in want:
        for f in ("scale", "zero_point"):
            g = np.asarray(got.get(f, []), dtype=np.float64)
            w = np.asarray(want[f], dtype=np.float64)
            if g.size == 1:
                g = np.full(w.shape, g[0])
            if g.shape != w.shape or not np.allclose(g, w, rtol=1e-12, atol=1e-12):
                errs.append(f"{what}: {f} {g.tolist()} != {w.tolist()}")
    return errs


def main():
    run, lst = sys.argv[1], sys.argv[2]
    bad, nq, nn = [], 0, 0
    for line in open(lst):
        if not line.strip():
            continue
        onnx_path, qnn_path = line.split()
        m = onnx.load(onnx_path)
        G = Graph(m)
        p = subprocess.run([run, "--plan", "--json", qnn_path], capture_output=True, text=True,
                           env={"QNN_DEVICE": "cpu"})
        io = [json.loads(x) for x in p.stdout.splitlines() if x.startswith('{"input"') or
              x.startswith('{"output"')]
        ins = [i for i in m.graph.input if i.name not in G.const]
        for vi in ins:
            got = next((x for x in io if x.get("input") == vi.name), None)
            if got is None:
                continue
            elem = vi.type.tensor_type.elem_type
            want = expected_input(G, vi.name, got["dims"][2]) \
                if elem == onnx.TensorProto.FLOAT else None
            bad += [f"{onnx_path}: {e}" for e in compare(want, got, f"input {vi.name}")]
            nq += want is not None
            nn += want is None
        outs = [x for x in io if "output" in x]    # in graph order; names may get a "#2"
        for j, vo in enumerate(m.graph.output):
            got = outs[j] if j < len(outs) else None
            if got is None:
                bad.append(f"{onnx_path}: output {vo.name} missing from qnn-run --plan")
                continue
            want = expected_output(G, vo.name, got["dims"][2])
            bad += [f"{onnx_path}: {e}" for e in compare(want, got, f"output {vo.name}")]
            nq += want is not None
            nn += want is None
    for b in bad:
        print(b)
    print(f"{nq} inputs/outputs with a quantization in the graph, {nn} without; "
          f"{len(bad)} disagreements")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
