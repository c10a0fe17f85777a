# SPDX-License-Identifier: MIT
"""Quantized layers shared by train_fmnist.py and gen_fixtures.py.

Every layer has two forward paths:
  * training: straight-through estimators (STE) so gradients flow;
  * eval:     the exact arithmetic that is exported to ONNX and that
              qnn-convert maps onto libqnn (docs/onnx-import.md).
In eval mode the integer part of every layer is exact in float32 (values are
small integers times powers of two), so libqnn's integer kernels must give
bit-identical results; only batch-norm folding and the final float
dequantization involve rounding.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

QONNX_DOMAIN = "qonnx.custom_op.general"


def binarize_weight(w):
    """±1 weights; 0 maps to +1 (matches bit 0 = +1 in docs/layout.md)."""
    return torch.where(w >= 0, torch.ones_like(w), -torch.ones_like(w))


class _QuantFn(torch.autograd.Function):
    """QONNX Quant: q = clamp(round(x/s + z), lo, hi); y = (q - z) * s.

    Rounding is round-half-to-even (QONNX rounding_mode ROUND, torch.round).
    Exported as the QONNX custom op so the graph says exactly what it does."""

    @staticmethod
    def forward(ctx, x, scale, zeropt, bits, signed, narrow):
        lo, hi = quant_range(int(bits), bool(signed), bool(narrow))
        q = torch.clamp(torch.round(x / scale + zeropt), lo, hi)
        return (q - zeropt) * scale

    @staticmethod
    def symbolic(g, x, scale, zeropt, bits, signed, narrow):
        def c(v):
            return g.op("Constant", value_t=torch.tensor(v, dtype=torch.float32))
        s = scale if isinstance(scale, torch._C.Value) else c(scale)
        return g.op(QONNX_DOMAIN + "::Quant", x, s, c(float(zeropt)),
                    c(float(bits)), signed_i=int(signed), narrow_i=int(narrow),
                    rounding_mode_s="ROUND")


def quant_range(bits, signed, narrow):
    if signed:
        lo = -(1 << (bits - 1)) + (1 if narrow else 0)
        hi = (1 << (bits - 1)) - 1
    else:
        lo, hi = 0, (1 << bits) - 1 - (1 if narrow else 0)
    return lo, hi


def quant(x, scale, bits, signed, narrow=False, zeropt=0.0):
    return _QuantFn.apply(x, scale, zeropt, bits, signed, narrow)


def quant_ste(x, scale, bits, signed, narrow=False):
    lo, hi = quant_range(bits, signed, narrow)
    xc = torch.clamp(x / scale, lo - 0.5, hi + 0.5)
    q = torch.clamp(torch.round(xc), lo, hi)
    return (xc + (q - xc).detach()) * scale


class BinAct(nn.Module):
    """Sign activation: ONNX Sign in eval, hardtanh-STE in training."""

    def forward(self, x):
        if self.training:
            xc = torch.clamp(x, -1, 1)
            return xc + (torch.where(x >= 0, 1.0, -1.0) - xc).detach()
        return torch.sign(x)


class QuantAct(nn.Module):
    """n-bit activation through a QONNX Quant node (scale power of two)."""

    def __init__(self, bits, signed=False, scale=1.0, narrow=False):
        super().__init__()
        self.bits, self.signed, self.scale, self.narrow = bits, signed, scale, narrow

    def forward(self, x):
        if self.training:
            return quant_ste(x, self.scale, self.bits, self.signed, self.narrow)
        return quant(x, self.scale, self.bits, self.signed, self.narrow)


class _QWeight:
    """Weight quantizer: bits == 1 -> ±1 (a constant in the graph);
    bits > 1 -> QONNX Quant on the float weights, as Brevitas exports it."""

    frozen = False

    def freeze(self, int8=False):
        """Before export: store ±1 weights themselves, so the graph holds them
        as a plain initializer (no GreaterOrEqual/Where on a parameter).
        int8: keep integer weights (±1, or a Quant's codes when its scale is
        1) as an int8 buffer that the graph Casts to float (multi-bit ones
        still pass through their Quant node, which leaves them as they are):
        a quarter of the size on disk. Export with do_constant_folding=False,
        or the Cast is folded back into a float initializer."""
        with torch.no_grad():
            if self.wbits == 1:
                self.weight.copy_(binarize_weight(self.weight))
                self.frozen = True
            elif int8 and self.wscale == 1.0:
                self.weight.copy_(quant(self.weight, 1.0, self.wbits, True, self.wnarrow))
            else:
                return
            if int8:
                self.register_buffer("weight_i8", self.weight.to(torch.int8))

    def qweight(self):
        wi = getattr(self, "weight_i8", None)
        w = self.weight if wi is None else wi.float()
        if self.frozen:
            return w
        if self.wbits == 1:
            if self.training:
                wc = torch.clamp(w, -1, 1)
                return wc + (binarize_weight(w) - wc).detach()
            return binarize_weight(w)
        if self.training:
            return quant_ste(w, self.wscale, self.wbits, True, self.wnarrow)
        return quant(w, self.wscale, self.wbits, True, self.wnarrow)


class QConv2d(nn.Conv2d, _QWeight):
    def __init__(self, cin, cout, k, wbits=1, wscale=1.0, wnarrow=True, **kw):
        super().__init__(cin, cout, k, bias=False, **kw)
        self.wbits, self.wscale, self.wnarrow = wbits, wscale, wnarrow
        nn.init.uniform_(self.weight, -1, 1)

    def forward(self, x):
        return F.conv2d(x, self.qweight(), None, self.stride, self.padding,
                        self.dilation, self.groups)


class QLinear(nn.Linear, _QWeight):
    def __init__(self, cin, cout, wbits=1, wscale=1.0, wnarrow=True):
        super().__init__(cin, cout, bias=False)
        self.wbits, self.wscale, self.wnarrow = wbits, wscale, wnarrow
        nn.init.uniform_(self.weight, -1, 1)

    def forward(self, x):
        return F.linear(x, self.qweight())
