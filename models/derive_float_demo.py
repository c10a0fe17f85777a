#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The W1A1 demo network as most users export a model: a float input with
the normalisation in the graph (torchvision's ToTensor + Normalize),
derived from fmnist-w1a1.onnx without retraining.

  /usr/bin/python3 models/derive_float_demo.py      (make -C models float-demo-model)

The graph takes the pixels as floats (0..255, what qnn-run feeds a float
input), divides by 255, subtracts the dataset mean and divides by its std
(Fashion-MNIST: 0.2860, 0.3530), then runs the W1A1 network. The first conv
now sees n = (p/255 - m)/s instead of the pixel p; inside the image
conv(p) = 255 s conv(n) + 255 m sum(w), which the first batch-norm absorbs
exactly (its mean, variance and epsilon rescaled per channel). At the
border the conv pads n with 0 (the pixel value 255 m, about 73, not 0):
the derived network is a slightly different one, so its accuracy is
measured here, in PyTorch, on the 10,000 test images, and recorded with its
per-image top-1 classes like the other demo models. Derived alone it lost
3.5 points (0.8497 against 0.8851), so the batch-norms and the 4-bit last
layer are then fine-tuned on the training set for a few epochs (--epochs,
the binary weights stay as they are).

Writes fmnist-w1a1-float.onnx, .json, .ref-top1.
"""
import argparse
import json
import os
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

import fmnist_data
from qlayers import QONNX_DOMAIN
from train_fmnist import FmnistNet, evaluate

HERE = os.path.dirname(os.path.abspath(__file__))
MEAN, STD = 0.2860, 0.3530


def load_w1a1():
    """FmnistNet with the committed W1A1 weights (from its ONNX initializers)."""
    net = FmnistNet(1, 1, c=(32, 64, 128), fc=256, last_wbits=4, pad=(1, 1, 1))
    net.eval()
    for m in net.modules():
        if hasattr(m, "freeze"):
            m.freeze(int8=True)
    src = onnx.load(os.path.join(HERE, "fmnist-w1a1.onnx"))
    sd = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in src.graph.initializer}
    missing, unexpected = net.load_state_dict(sd, strict=False)
    assert not unexpected and all(k.endswith(("num_batches_tracked", ".weight")) for k in missing), \
        (missing, unexpected)
    return net


class Normalised(nn.Module):
    """Float pixels 0..255 -> (x/255 - mean)/std -> the network."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        x = (x / 255.0 - MEAN) / STD
        return self.net.classifier(torch.flatten(self.net.features(x), 1))


def finetune(model, epochs, lr):
    """Batch-norm parameters and statistics and the 4-bit last layer only."""
    xtr, ytr = fmnist_data.load("train")
    xtr = torch.from_numpy(xtr.copy()).unsqueeze(1).float()
    ytr = torch.from_numpy(ytr.astype(np.int64))
    params = [p for n, p in model.named_parameters()
              if ".classifier.3." in n or any(isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) and
                                               any(p is q for q in m.parameters())
                                               for m in model.modules())]
    for p in model.parameters():
        p.requires_grad_(any(p is q for q in params))
    opt = torch.optim.Adam(params, lr=lr)
    t0 = time.time()
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 256):
            idx = perm[i:i + 256]
            xb = xtr[idx]
            flip = torch.rand(len(idx)) < 0.5
            xb[flip] = xb[flip].flip(3)
            loss = F.cross_entropy(model(xb), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"fine-tune epoch {ep + 1}/{epochs} ({time.time() - t0:.0f}s)", flush=True)
    model.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3, help="fine-tuning epochs")
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    torch.manual_seed(1)
    torch.set_num_threads(1)
    xte, yte = fmnist_data.load("t10k")
    xte = torch.from_numpy(xte.copy()).unsqueeze(1)
    yte = torch.from_numpy(yte.astype(np.int64))
    ref_top1 = np.fromfile(os.path.join(HERE, "fmnist-w1a1.ref-top1"), dtype=np.uint8)
    net = load_w1a1()
    acc0, pred0 = evaluate(net, xte, yte)
    assert (pred0.numpy() == ref_top1).all(), "the loaded W1A1 network is not the committed one"
    # conv(p) = 255 s conv(n) + 255 m S_o: batch-norm of z = k y + d with
    # k = 255 s is batch-norm of y with mean (mu - d)/k, var/k^2, eps/k^2
    conv, bn = net.features[0], net.features[1]
    k = 255.0 * STD
    with torch.no_grad():
        S = conv.qweight().sum(dim=(1, 2, 3)).double()
        d = 255.0 * MEAN * S
        mu, var = bn.running_mean.double(), bn.running_var.double()
        bn.running_mean.copy_(((mu - d) / k).float())
        bn.running_var.copy_((var / k ** 2).float())
        bn.eps = bn.eps / k ** 2
    model = Normalised(net)
    model.eval()
    acc_derived, _ = evaluate(model, xte.float(), yte)
    print(f"derived: {acc_derived:.4f}", flush=True)
    if args.epochs:
        finetune(model, args.epochs, args.lr)
    acc, pred = evaluate(model, xte.float(), yte)
    same = int((pred.numpy() == ref_top1).sum())
    print(f"W1A1 uint8 input: {acc0:.4f}; float input normalised in the graph: {acc:.4f} "
          f"(top-1 equal on {same} of {len(yte)} images)")
    path = os.path.join(HERE, "fmnist-w1a1-float.onnx")
    torch.onnx.export(model, xte[:1].float(), path, opset_version=13, input_names=["image"],
                      output_names=["logits"],
                      dynamic_axes={"image": {0: "n"}, "logits": {0: "n"}},
                      custom_opsets={QONNX_DOMAIN: 1}, do_constant_folding=False)
    pred.numpy().astype(np.uint8).tofile(os.path.join(HERE, "fmnist-w1a1-float.ref-top1"))
    with open(os.path.join(HERE, "fmnist-w1a1-float.json"), "w") as f:
        json.dump({"model": "fmnist-w1a1-float", "variant": "w1a1, float input",
                   "pytorch_test_accuracy": round(acc, 4), "test_images": len(yte),
                   "derived_from": "fmnist-w1a1.onnx (accuracy %.4f)" % acc0,
                   "accuracy_derived_before_finetuning": round(acc_derived, 4),
                   "finetuning": f"{args.epochs} epochs, Adam lr {args.lr}, batch-norms and the "
                                 "4-bit last layer only, 1 thread",
                   "preprocessing_in_graph": f"x / 255, - {MEAN}, / {STD}",
                   "top1_equal_to_w1a1": same, "torch_version": torch.__version__,
                   "reference_top1": "fmnist-w1a1-float.ref-top1"}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
