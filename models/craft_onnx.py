#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Hand-crafted hostile ONNX files for qnn-convert (issue 10's audit).

  /usr/bin/python3 models/craft_onnx.py [OUTDIR]

Each is a valid protobuf built to hit one corner: non-finite or vanishing
quantizer scales and zero points on a float input (which the IOQUANT record
must not turn into an unloadable file), NaN thresholds, cycles, duplicate
and missing values, absurd dims, a graph output that is its input, a deep
chain. Written into models/fuzz/ as crafted_*.onnx: check_fixtures.sh runs
the corpus with the ASan+UBSan builds; each must convert or be refused with
a message, never crash.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

QD = "qonnx.custom_op.general"


def c(name, arr, dtype=np.float32):
    return numpy_helper.from_array(np.asarray(arr, dtype=dtype), name)


def save(out, name, nodes, inits, inp=None, outp=None, opset=13):
    inp = inp or [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])]
    outp = outp or [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])]
    g = helper.make_graph(nodes, "g", inp, outp, initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset),
                                            helper.make_opsetid(QD, 1)])
    m.ir_version = 8
    onnx.save(m, os.path.join(out, f"crafted_{name}.onnx"))


def quant_net(pre, s, z, bits=8.0, extra=()):
    """x -> pre -> Quant(s, z, bits) -> Conv(binary) -> Flatten -> MatMul."""
    w1 = np.ones((2, 2, 3, 3))
    w2 = np.ones((8, 3))
    nodes = list(pre) + [
        helper.make_node("Quant", ["p", "s", "z", "b"], ["q"], domain=QD, signed=1, narrow=0,
                         rounding_mode="ROUND"),
        helper.make_node("Conv", ["q", "w1"], ["c1"]),
        helper.make_node("Sign", ["c1"], ["a1"]),
        helper.make_node("Flatten", ["a1"], ["f"]),
        helper.make_node("MatMul", ["f", "w2"], ["y"]),
    ]
    inits = [c("s", s), c("z", z), c("b", bits), c("w1", w1), c("w2", w2)] + list(extra)
    return nodes, inits


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "fuzz")
    os.makedirs(out, exist_ok=True)
    ident = [helper.make_node("Identity", ["x"], ["p"])]
    for name, s, z, bits in (("quant_inf_scale", np.inf, 0.0, 8.0),
                             ("quant_nan_scale", np.nan, 0.0, 8.0),
                             ("quant_neg_scale", -0.5, 0.0, 8.0),
                             ("quant_nan_zp", 0.5, np.nan, 8.0),
                             ("quant_inf_zp", 0.5, np.inf, 4.0),
                             ("quant_huge_bits", 0.5, 0.0, 1e30),
                             ("quant_nan_bits", 0.5, 0.0, np.nan),
                             ("quant_denormal_scale", 1e-45, 0.0, 4.0)):
        save(out, name, *quant_net(ident, s, z, bits))
    # preprocessing that makes the recorded scale or zero point non-finite
    mul = [helper.make_node("Mul", ["x", "k"], ["p"])]
    save(out, "pre_mul_tiny", *quant_net(mul, 1e-30, 0.0, 8.0, [c("k", 1e-30)]))
    save(out, "pre_mul_huge", *quant_net(mul, 1e30, 0.0, 8.0, [c("k", 3e38)]))
    save(out, "pre_mul_zero", *quant_net(mul, 0.5, 0.0, 8.0, [c("k", 0.0)]))
    sub = [helper.make_node("Sub", ["x", "k"], ["p"])]
    save(out, "pre_sub_inf", *quant_net(sub, 0.5, 0.0, 8.0, [c("k", np.inf)]))
    save(out, "pre_sub_nan", *quant_net(sub, 0.5, 0.0, 8.0, [c("k", [[[[np.nan]], [[1.0]]]])]))
    div = [helper.make_node("Div", ["x", "k"], ["p"])]
    save(out, "pre_div_tiny", *quant_net(div, 1e-38, 0.0, 8.0, [c("k", 3e38)]))
    # MultiThreshold with NaN / inf thresholds on the float input
    for name, t in (("mt_nan", [[0.5, np.nan]]), ("mt_inf", [[-np.inf, np.inf]])):
        nodes = [helper.make_node("MultiThreshold", ["x", "t"], ["q"], domain=QD),
                 helper.make_node("Flatten", ["q"], ["f"]),
                 helper.make_node("MatMul", ["f", "w"], ["y"])]
        save(out, name, nodes, [c("t", t), c("w", np.ones((32, 3)))])
    # graph structure
    save(out, "cycle", [helper.make_node("Add", ["x", "y2"], ["y2"]),
                        helper.make_node("Flatten", ["y2"], ["f"]),
                        helper.make_node("MatMul", ["f", "w"], ["y"])],
         [c("w", np.ones((32, 3)))])
    save(out, "dup_output", [helper.make_node("Sign", ["x"], ["a"]),
                             helper.make_node("Relu", ["x"], ["a"]),
                             helper.make_node("Flatten", ["a"], ["f"]),
                             helper.make_node("MatMul", ["f", "w"], ["y"])],
         [c("w", np.ones((32, 3)))])
    save(out, "output_is_input", [], [],
         outp=[helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])])
    save(out, "no_outputs_node", [helper.make_node("Sign", ["x"], [])], [],
         outp=[helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])])
    # a node that writes over the graph input's name: later readers of "x"
    # would see either value
    save(out, "overwrite_input", [helper.make_node("Neg", ["x"], ["x"]),
                                  helper.make_node("Sign", ["x"], ["a"]),
                                  helper.make_node("Flatten", ["a"], ["f"]),
                                  helper.make_node("MatMul", ["f", "w"], ["y"])],
         [c("w", np.ones((32, 3)))])
    save(out, "overwrite_init", [helper.make_node("Sign", ["x"], ["w"]),
                                 helper.make_node("Flatten", ["w"], ["f"]),
                                 helper.make_node("MatMul", ["f", "w2"], ["y"])],
         [c("w", np.ones((32, 3))), c("w2", np.ones((32, 3)))])
    big = onnx.TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1 << 40, 3])
    save(out, "huge_dims_no_data", [helper.make_node("Flatten", ["x"], ["f"]),
                                    helper.make_node("MatMul", ["f", "w"], ["y"])], [big])
    save(out, "zero_dim_input", [helper.make_node("Flatten", ["x"], ["f"]),
                                 helper.make_node("MatMul", ["f", "w"], ["y"])],
         [c("w", np.ones((0, 3)))],
         inp=[helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 0, 4, 4])])
    save(out, "neg_dim_input", [helper.make_node("Sign", ["x"], ["y"])], [],
         inp=[helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, -3, 4, 4])])
    save(out, "reshape_two_minus1", [helper.make_node("Sign", ["x"], ["a"]),
                                     helper.make_node("Reshape", ["a", "sh"], ["r"]),
                                     helper.make_node("MatMul", ["r", "w"], ["y"])],
         [c("sh", [-1, -1], np.int64), c("w", np.ones((32, 3)))])
    save(out, "conv_zero_weights_dims", [helper.make_node("Sign", ["x"], ["a"]),
                                         helper.make_node("Conv", ["a", "w"], ["y"])],
         [c("w", np.ones((3, 2, 0, 3)))])
    chain = [helper.make_node("Identity", [f"i{k}" if k else "x"], [f"i{k + 1}"])
             for k in range(5000)]
    chain += [helper.make_node("Sign", ["i5000"], ["a"]),
              helper.make_node("Flatten", ["a"], ["f"]),
              helper.make_node("MatMul", ["f", "w"], ["y"])]
    save(out, "deep_identity_chain", chain, [c("w", np.ones((32, 3)))])
    print(f"crafted ONNX files in {out}")


if __name__ == "__main__":
    main()
