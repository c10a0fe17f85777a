# SPDX-License-Identifier: MIT
"""QONNX and ONNX semantics in numpy (float64): the oracle for the fixtures.

Written from the operator specifications (qonnx docs/qonnx-custom-ops:
IntQuant/Quant, BipolarQuant, MultiThreshold; the ONNX operator docs), not
from qnn-convert: the fixtures compare qnn against this. self_check() tests
it against the spec's own rounding table and against PyTorch where the two
overlap (convolution, round half to even, clamping).
"""
import numpy as np


def quant_range(bits, signed, narrow):
    """min_int/max_int of the spec (narrow lowers a signed minimum by one and
    an unsigned maximum by one)."""
    if signed:
        return -(2 ** (bits - 1)) + (1 if narrow else 0), 2 ** (bits - 1) - 1
    return 0, 2 ** bits - 1 - (1 if narrow else 0)


def _half_up(v):      # halves away from zero
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def _half_down(v):    # halves toward zero
    return np.sign(v) * np.ceil(np.abs(v) - 0.5)


ROUNDING = {
    "ROUND": np.round,                                  # half to even
    "CEIL": np.ceil,
    "FLOOR": np.floor,
    "UP": lambda v: np.sign(v) * np.ceil(np.abs(v)),    # away from zero
    "DOWN": np.trunc,                                   # toward zero
    "HALF_UP": _half_up,
    "HALF_DOWN": _half_down,
}


def quant(x, scale, zeropt, bits, signed, narrow, mode="ROUND"):
    """QONNX Quant/IntQuant: y = x/scale + zeropt; a 1-bit signed quantizer
    is bipolar (y >= 0 -> +1, else -1; narrow plays no part), every other
    one clamps y to [min_int, max_int] and rounds; out = (y - zeropt)*scale."""
    y = np.asarray(x, dtype=np.float64) / scale + zeropt
    if bits == 1 and signed:
        y = np.where(y >= 0, 1.0, -1.0)
    else:
        lo, hi = quant_range(bits, signed, narrow)
        y = ROUNDING[mode.upper()](np.clip(y, lo, hi))
    return (y - zeropt) * scale


def bipolar_quant(x, scale):
    return np.where(np.asarray(x) >= 0, 1.0, -1.0) * scale


def multithreshold(x, th, out_scale=1.0, out_bias=0.0, layout="NCHW"):
    """Count of thresholds x >= t per channel (axis 1 for NCHW/NC, last for
    NHWC), times out_scale plus out_bias."""
    x = np.asarray(x, dtype=np.float64)
    if layout == "NHWC":
        x = np.moveaxis(x, -1, 1)
    c = x.shape[1]
    th = np.broadcast_to(th, (c, th.shape[1]))
    cnt = np.zeros_like(x)
    for ch in range(c):
        for t in th[ch]:
            cnt[:, ch] += x[:, ch] >= t
    y = out_scale * cnt + out_bias
    return np.moveaxis(y, 1, -1) if layout == "NHWC" else y


def conv(x, w, stride=1, pad=0, group=1, dilation=1, pad_value=0.0):
    """ONNX Conv, NCHW, float64, written out directly."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    pt, pl, pb, pr = (pad,) * 4 if np.isscalar(pad) else pad
    xp = np.full((n, c, h + pt + pb, wd + pl + pr), pad_value, dtype=np.float64)
    xp[:, :, pt:pt + h, pl:pl + wd] = x
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    dh, dw = (dilation, dilation) if np.isscalar(dilation) else dilation
    oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + pl + pr - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n, o, oh, ow))
    og = o // group
    for g in range(group):
        xs = xp[:, g * cg:(g + 1) * cg]
        ws = w[g * og:(g + 1) * og]
        for i in range(oh):
            for j in range(ow):
                patch = xs[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh,
                           j * sw:j * sw + dw * (kw - 1) + 1:dw]
                y[:, g * og:(g + 1) * og, i, j] = np.einsum("nchw,ochw->no", patch, ws)
    return y


def avgpool(x, k, stride, pad=(0, 0, 0, 0), count_include_pad=False, ceil_mode=False):
    """ONNX AveragePool, NCHW. ceil_mode windows that start inside the input
    (or its left/top padding) are kept; taps past the padded input count
    never, padded taps only with count_include_pad."""
    n, c, h, w = x.shape
    pt, pl, pb, pr = pad
    kh, kw = k
    sh, sw = stride

    def osz(i, p0, p1, kk, s):
        span = i + p0 + p1 - kk
        o = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (o - 1) * s >= i + p0:
            o -= 1
        return o
    oh, ow = osz(h, pt, pb, kh, sh), osz(w, pl, pr, kw, sw)
    y = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * sh - pt, j * sw - pl
            r1, c1 = r0 + kh, c0 + kw
            rr0, cc0, rr1, cc1 = max(r0, 0), max(c0, 0), min(r1, h), min(c1, w)
            s = x[:, :, rr0:rr1, cc0:cc1].sum(axis=(2, 3))
            if count_include_pad:
                cnt = (min(r1, h + pb) - r0) * (min(c1, w + pr) - c0)
            else:
                cnt = (rr1 - rr0) * (cc1 - cc0)
            y[:, :, i, j] = s / cnt
    return y


def self_check():
    """The oracle against the spec's rounding table and against PyTorch."""
    table = {  # IntQuant spec, "Rounding modes"
        5.5: (6, 6, 5, 6, 5, 6, 5), 2.5: (2, 3, 2, 3, 2, 3, 2), 1.6: (2, 2, 1, 2, 1, 2, 2),
        1.1: (1, 2, 1, 2, 1, 1, 1), 1.0: (1, 1, 1, 1, 1, 1, 1), -1.0: (-1,) * 7,
        -1.1: (-1, -1, -2, -2, -1, -1, -1), -1.6: (-2, -1, -2, -2, -1, -2, -2),
        -2.5: (-2, -2, -3, -3, -2, -3, -2), -5.5: (-6, -5, -6, -6, -5, -6, -5)}
    modes = ("ROUND", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN")
    for v, want in table.items():
        for m, w in zip(modes, want):
            got = ROUNDING[m](np.float64(v))
            assert got == w, f"{m}({v}) = {got}, spec says {w}"
    assert quant_range(8, True, True) == (-127, 127)
    assert quant_range(8, False, True) == (0, 254)
    assert (quant(np.array([-3.0, -0.0, 0.2, 5]), 1.0, 0.0, 1, True, True) ==
            np.array([-1, 1, 1, 1])).all()
    import torch
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 6, 7, 9)) * 4
    w = rng.normal(size=(4, 3, 3, 2))
    ref = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), stride=(2, 1),
                                     padding=(1, 1), dilation=(1, 2), groups=2).numpy()
    got = conv(x, w, stride=(2, 1), pad=1, group=2, dilation=(1, 2))
    assert np.allclose(got, ref, rtol=1e-12, atol=1e-9), "conv differs from torch"
    v = np.arange(-40, 41) / 4.0
    tq = torch.clamp(torch.round(torch.from_numpy(v) / 0.5 + 1), -7, 7)
    assert (quant(v, 0.5, 1.0, 4, True, True) == ((tq - 1) * 0.5).numpy()).all()
    ap = torch.nn.functional.avg_pool2d(torch.from_numpy(x), (3, 2), (2, 2), (1, 1),
                                        ceil_mode=True, count_include_pad=False).numpy()
    assert np.allclose(avgpool(x, (3, 2), (2, 2), (1, 1, 1, 1), False, True), ap)
    ap = torch.nn.functional.avg_pool2d(torch.from_numpy(x), (3, 3), (2, 2), (1, 1),
                                        ceil_mode=True, count_include_pad=True).numpy()
    assert np.allclose(avgpool(x, (3, 3), (2, 2), (1, 1, 1, 1), True, True), ap)
    return True


if __name__ == "__main__":
    self_check()
    print("qonnx_ref: self-check passed (spec rounding table, PyTorch conv/round/clamp/avgpool)")
