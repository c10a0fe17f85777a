#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Train a binary CNN on Fashion-MNIST and export it to ONNX.

  /usr/bin/python3 models/train_fmnist.py --variant w1a1   # or w2a2

Topology (28x28 uint8 input; padding 1 by default, so the maps are 28, 14
and 7 wide):
  conv3x3 1->C1 (8-bit input, W-bit weights) - BN - act - maxpool2
  conv3x3 C1->C2 - BN - act - maxpool2
  conv3x3 C2->C3 - BN - act
  dense C3*7*7->F - BN - act
  dense F->10 (4-bit weights) - BN (per-class scale and bias: float logits)
act is Sign (W1A1) or a 2-bit unsigned QONNX Quant (W2A2). Weights are ±1
or 2-bit ternary codes behind a QONNX Quant node, stored as int8 constants.
Writes models/fmnist-VARIANT.onnx, .json (PyTorch test accuracy) and
.ref-top1 (PyTorch's top-1 class for each of the 10,000 test images, 1 byte
each) so the demo can compare libqnn image by image.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import fmnist_data
from qlayers import QONNX_DOMAIN, BinAct, QConv2d, QLinear, QuantAct

HERE = os.path.dirname(os.path.abspath(__file__))


class FmnistNet(nn.Module):
    def __init__(self, wbits, abits, c=(64, 128, 256), fc=256, last_wbits=4, pool_first=False,
                 pad=(1, 1, 1)):
        super().__init__()
        c1, c2, c3 = c
        p1, p2, p3 = pad
        act = (lambda: BinAct()) if abits == 1 else (lambda: QuantAct(abits))

        def block(cin, cout, p):
            # pool_first: the classic BNN order conv - maxpool - BN - act (the
            # pool sees integer accumulators, not +-1 ties)
            if pool_first:
                return [QConv2d(cin, cout, 3, wbits=wbits, padding=p), nn.MaxPool2d(2),
                        nn.BatchNorm2d(cout), act()]
            return [QConv2d(cin, cout, 3, wbits=wbits, padding=p), nn.BatchNorm2d(cout),
                    act(), nn.MaxPool2d(2)]
        # padding of a +-1 map is 0 (qnn-convert marks such convs ZERO_PAD)
        self.features = nn.Sequential(
            *block(1, c1, p1), *block(c1, c2, p2),
            QConv2d(c2, c3, 3, wbits=wbits, padding=p3), nn.BatchNorm2d(c3), act(),
        )
        side = ((28 - 2 + 2 * p1) // 2 - 2 + 2 * p2) // 2 - 2 + 2 * p3  # 3x3 convs
        self.classifier = nn.Sequential(
            QLinear(c3 * side * side, fc, wbits=wbits), nn.BatchNorm1d(fc), act(),
            # the classifier keeps more weight precision (as FINN's and most
            # BNNs' last layers do): 4-bit weights, power-of-two scale
            QLinear(fc, 10, wbits=last_wbits, wscale=0.125 if last_wbits > 1 else 1.0),
            nn.BatchNorm1d(10),
        )

    def forward(self, x):
        # uint8 pixels 0..255 go in as they are (an ONNX Cast): the first layer
        # is an 8-bit integer layer, its scale is absorbed by the batch-norm.
        x = x.float()
        x = self.features(x)
        return self.classifier(torch.flatten(x, 1))


def evaluate(model, x, y, bs=1000):
    model.eval()
    preds = []
    with torch.no_grad():
        for i in range(0, len(x), bs):
            preds.append(model(x[i:i + bs]).argmax(1))
    p = torch.cat(preds)
    return (p == y).float().mean().item(), p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", choices=["w1a1", "w2a2"], default="w1a1")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--width", default="32,64,128")
    ap.add_argument("--pad", default="1,1,1", help="padding of the three convs")
    ap.add_argument("--fc", type=int, default=256, help="width of the hidden dense layer")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=5e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--last-wbits", type=int, default=4)
    ap.add_argument("--resume", help="state_dict (.latent.pt) to start from")
    ap.add_argument("--pool-first", action="store_true",
                    help="conv - maxpool - BN - act instead of conv - BN - act - maxpool")
    ap.add_argument("--history", help="how the --resume'd weights were trained (for the .json)")
    ap.add_argument("--out", default=HERE)
    args = ap.parse_args()

    torch.manual_seed(1)
    np.random.seed(1)
    torch.set_num_threads(args.threads)
    bits = 1 if args.variant == "w1a1" else 2
    model = FmnistNet(bits, bits, c=tuple(int(v) for v in args.width.split(",")),
                      fc=args.fc, last_wbits=args.last_wbits, pool_first=args.pool_first,
                      pad=tuple(int(v) for v in args.pad.split(",")))

    if args.resume:
        model.load_state_dict(torch.load(args.resume))
    xtr, ytr = fmnist_data.load("train")
    xte, yte = fmnist_data.load("t10k")
    xtr = torch.from_numpy(xtr.copy()).unsqueeze(1)
    ytr = torch.from_numpy(ytr.astype(np.int64))
    xte = torch.from_numpy(xte.copy()).unsqueeze(1)
    yte = torch.from_numpy(yte.astype(np.int64))

    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps = args.epochs * ((len(xtr) + args.batch - 1) // args.batch)
    # --epochs 0 --resume X: only export X
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=steps) if steps else None
    t0 = time.time()
    for ep in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr))
        tot = 0.0
        for i in range(0, len(xtr), args.batch):
            idx = perm[i:i + args.batch]
            xb = xtr[idx]
            # light augmentation: random horizontal flip
            flip = torch.rand(len(idx)) < 0.5
            xb[flip] = xb[flip].flip(3)
            loss = F.cross_entropy(model(xb), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            # latent weights live in [-1, 1]: the STE passes no gradient
            # outside, so a weight that leaves the range would freeze
            with torch.no_grad():
                for m in model.modules():
                    if isinstance(m, (QConv2d, QLinear)):
                        m.weight.clamp_(-1, 1)
            tot += loss.item() * len(idx)
        acc, _ = evaluate(model, xte, yte)
        print(f"epoch {ep + 1}/{args.epochs} loss {tot / len(xtr):.4f} "
              f"test_acc {acc:.4f} ({time.time() - t0:.0f}s)", flush=True)

    acc, pred = evaluate(model, xte, yte)
    name = f"fmnist-{args.variant}"
    # latent (float) weights, to continue training later with --resume
    torch.save(model.state_dict(), os.path.join(args.out, name + ".latent.pt"))
    onnx_path = os.path.join(args.out, name + ".onnx")
    model.eval()
    for m in model.modules():
        if hasattr(m, "freeze"):
            m.freeze(int8=True)
    acc2, pred2 = evaluate(model, xte, yte)
    assert torch.equal(pred, pred2), "freezing the weights changed predictions"
    # no constant folding: the ±1 weights stay int8 initializers behind a
    # Cast (1.7 MB instead of 6.8) and batch-norm stays its own node rather
    # than being fused into the conv; qnn-convert folds both itself
    torch.onnx.export(model, xte[:1], onnx_path, opset_version=13,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "n"}, "logits": {0: "n"}},
                      custom_opsets={QONNX_DOMAIN: 1},
                      do_constant_folding=False)
    pred.numpy().astype(np.uint8).tofile(os.path.join(args.out, name + ".ref-top1"))
    with open(os.path.join(args.out, name + ".json"), "w") as f:
        json.dump({"model": name, "variant": args.variant,
                   "pytorch_test_accuracy": round(acc, 4),
                   "test_images": len(xte), "epochs": args.epochs,
                   "batch": args.batch, "lr": args.lr, "width": args.width,
                   "pad": args.pad, "fc": args.fc,
                   "last_layer_weight_bits": args.last_wbits,
                   "pool_first": args.pool_first,
                   "torch_version": torch.__version__,
                   "reference_top1": name + ".ref-top1",
                   **({"training": args.history} if args.history else {})}, f, indent=1)
        f.write("\n")
    print(f"{name}: pytorch_test_accuracy={acc:.4f} -> {onnx_path}")


if __name__ == "__main__":
    main()
