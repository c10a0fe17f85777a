#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make_image_inputs.py RAW H W N OUTDIR: writes the N raw HxW 8-bit images of
RAW as OUTDIR/imgs.idx.gz (gzip'd IDX3), imgs.idx (plain), img0.pgm and
img0.png (first image), and labels.txt, so check_fixtures.sh can check that
qnn-run decodes every input format to the same pixels. Standard library
only: the PNG is written by hand with zlib, independent of libpng."""
import gzip
import os
import struct
import sys
import zlib


def png(w, h, rows):
    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + r for r in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    raw, h, w, n, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    data = open(raw, "rb").read()[:n * h * w]
    idx = struct.pack(">IIII", 0x803, n, h, w) + data
    open(os.path.join(out, "imgs.idx"), "wb").write(idx)
    with gzip.open(os.path.join(out, "imgs.idx.gz"), "wb") as f:
        f.write(idx)
    img0 = data[:h * w]
    open(os.path.join(out, "img0.pgm"), "wb").write(b"P5\n# test\n%d %d\n255\n" % (w, h) + img0)
    open(os.path.join(out, "img0.png"), "wb").write(png(w, h, [img0[r * w:(r + 1) * w] for r in range(h)]))
    open(os.path.join(out, "labels.txt"), "w").write("".join(f"{i % 10}\n" for i in range(n)))


if __name__ == "__main__":
    main()
