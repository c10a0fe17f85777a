#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""compare_outputs.py GOT REF EXACT: float32 files, element by element.

EXACT=1: bit-for-bit equal. EXACT=0: |got - ref| <= 1e-5 * max(1, |ref|).
Standard library only (runs under any python3). Prints one line saying why
on mismatch; exit status 0 when equal.
"""
import array
import sys


def load(path):
    a = array.array("f")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    return a


def main():
    got, ref, exact = load(sys.argv[1]), load(sys.argv[2]), sys.argv[3] == "1"
    if len(got) != len(ref):
        print(f"{len(got)} outputs, {len(ref)} expected")
        return 1
    bad, worst = 0, (0.0, -1)
    for i, (g, r) in enumerate(zip(got, ref)):
        err = abs(g - r)
        ok = g == r if exact else err <= 1e-5 * max(1.0, abs(r))
        if not ok:
            bad += 1
            if err >= worst[0]:
                worst = (err, i)
    if bad:
        i = worst[1]
        print(f"{bad}/{len(ref)} outputs differ; worst at {i}: got {got[i]!r} expected {ref[i]!r}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
