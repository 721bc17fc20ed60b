#!/usr/bin/env python3
"""Checks flatc's JSON view of a .tflite written by rppgq against what rppgq was asked
to write (the model API's values, dumped by test_tfl_file --write as NAME.expect.json).

usage: check_flatc_json.py FLATC.json EXPECT.json
Prints nothing and exits 0 when everything matches; otherwise one line per problem."""
import json
import sys

OPTIONS = {
    "CONV_2D": "Conv2DOptions",
    "DEPTHWISE_CONV_2D": "DepthwiseConv2DOptions",
    "MAX_POOL_2D": "Pool2DOptions",
    "AVERAGE_POOL_2D": "Pool2DOptions",
    "FULLY_CONNECTED": "FullyConnectedOptions",
    "MEAN": "ReducerOptions",
    "QUANTIZE": "QuantizeOptions",
    "DEQUANTIZE": "DequantizeOptions",
    "ADD": "AddOptions",
    "SUB": "SubOptions",
    "MUL": "MulOptions",
    "SOFTMAX": "SoftmaxOptions",
    "LEAKY_RELU": "LeakyReluOptions",
    "ARG_MAX": "ArgMaxOptions",
    "TRANSPOSE_CONV": "TransposeConvOptions",
    "SUM": "ReducerOptions",
    "REDUCE_MAX": "ReducerOptions",
    "MAXIMUM": "MaximumMinimumOptions",
    "MINIMUM": "MaximumMinimumOptions",
    "HARD_SWISH": "HardSwishOptions",
}
# operators whose schema has no options table
NO_OPTIONS = {"RELU", "RELU6", "TANH", "PRELU", "LOGISTIC"}
CODES = {"AVERAGE_POOL_2D": 1, "CONCATENATION": 2, "PAD": 34, "SPLIT": 49, "CONV_2D": 3, "DEPTHWISE_CONV_2D": 4, "DEQUANTIZE": 6,
         "FULLY_CONNECTED": 9, "LOGISTIC": 14, "MAX_POOL_2D": 17, "RESHAPE": 22, "MEAN": 40,
         "QUANTIZE": 114, "ADD": 0, "MUL": 18, "RELU": 19, "RELU6": 21, "SOFTMAX": 25,
         "TANH": 28, "SUB": 41, "PRELU": 54, "MAXIMUM": 55, "ARG_MAX": 56, "MINIMUM": 57,
         "TRANSPOSE_CONV": 67, "SUM": 74, "REDUCE_MAX": 82, "LEAKY_RELU": 98, "HARD_SWISH": 117}
PADDING = {0: "SAME", 1: "VALID"}
ACT = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6"}

problems = []


def check(cond, what):
    if not cond:
        problems.append(what)


def main():
    got = json.load(open(sys.argv[1]))
    want = json.load(open(sys.argv[2]))
    check(got.get("version") == 3, "version is not 3")
    check(got.get("description") == want["description"], "description differs")
    buffers = got.get("buffers", [])
    check(len(buffers) > 0 and not buffers[0].get("data"), "buffers[0] is not empty")
    sg = got["subgraphs"][0]
    check(sg.get("inputs") == want["inputs"], "graph inputs differ")
    check(sg.get("outputs") == want["outputs"], "graph outputs differ")
    tensors = sg.get("tensors", [])
    check(len(tensors) == len(want["tensors"]), "tensor count differs")
    for i, (t, w) in enumerate(zip(tensors, want["tensors"])):
        where = f"tensor {i} ({w['name']})"
        check(t.get("name") == w["name"], f"{where}: name {t.get('name')}")
        check(t.get("type", "FLOAT32") == w["type"], f"{where}: type {t.get('type')}")
        check(t.get("shape", []) == w["shape"], f"{where}: shape {t.get('shape')}")
        q = t.get("quantization", {})
        scales = q.get("scale", [])
        check(len(scales) == len(w["scale"]), f"{where}: {len(scales)} scales")
        for a, b in zip(scales, w["scale"]):
            # flatc prints 6 decimals
            check(abs(a - b) <= 5.1e-7 + 1e-6 * abs(b), f"{where}: scale {a} != {b}")
        check(q.get("zero_point", []) == w["zero_point"], f"{where}: zero points differ")
        if len(w["scale"]) > 1:
            check(q.get("quantized_dimension", 0) == w["quantized_dimension"],
                  f"{where}: quantized_dimension {q.get('quantized_dimension', 0)}")
        data = buffers[t.get("buffer", 0)].get("data", []) if t.get("buffer", 0) < len(buffers) else None
        check(data == w["data"], f"{where}: constant bytes differ")
    codes = got.get("operator_codes", [])
    ops = sg.get("operators", [])
    check(len(ops) == len(want["operators"]), "operator count differs")
    for i, (o, w) in enumerate(zip(ops, want["operators"])):
        where = f"operator {i} ({w['code']})"
        c = codes[o.get("opcode_index", 0)]
        check(c.get("builtin_code") == w["code"], f"{where}: builtin_code {c.get('builtin_code')}")
        check(c.get("deprecated_builtin_code", 0) == CODES[w["code"]],
              f"{where}: deprecated_builtin_code {c.get('deprecated_builtin_code')}")
        check(c.get("version", 1) == w["version"], f"{where}: version {c.get('version', 1)}")
        check(o.get("inputs") == w["inputs"], f"{where}: inputs {o.get('inputs')}")
        check(o.get("outputs") == w["outputs"], f"{where}: outputs {o.get('outputs')}")
        kind = OPTIONS.get(w["code"])
        if kind:
            check(o.get("builtin_options_type") == kind,
                  f"{where}: options type {o.get('builtin_options_type')}")
        if w["code"] in NO_OPTIONS:
            check(o.get("builtin_options_type", "NONE") == "NONE",
                  f"{where}: options type {o.get('builtin_options_type')}")
        opt = o.get("builtin_options", {})
        if w["code"] in ("ADD", "SUB", "MUL", "TRANSPOSE_CONV"):
            check(opt.get("fused_activation_function", "NONE") == ACT[w["activation"]],
                  f"{where}: activation {opt.get('fused_activation_function')}")
        if w["code"] == "TRANSPOSE_CONV":
            check(opt.get("padding", "SAME") == PADDING[w["padding"]], f"{where}: padding")
            check(opt.get("stride_w", 0) == w["stride_w"] and opt.get("stride_h", 0) == w["stride_h"],
                  f"{where}: strides")
        if w["code"] == "SOFTMAX":
            check(abs(opt.get("beta", 0.0) - w["beta"]) <= 1e-6 * abs(w["beta"]), f"{where}: beta")
        if w["code"] == "LEAKY_RELU":
            check(abs(opt.get("alpha", 0.0) - w["alpha"]) <= 1e-6 * abs(w["alpha"]), f"{where}: alpha")
        if w["code"] == "ARG_MAX":
            check(opt.get("output_type", "FLOAT32") == w["output_type"], f"{where}: output_type")
        if w["code"] in ("SUM", "REDUCE_MAX"):
            check(bool(opt.get("keep_dims", False)) == bool(w["keep_dims"]), f"{where}: keep_dims")
        if w["code"] in ("CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D"):
            check(opt.get("padding", "SAME") == PADDING[w["padding"]], f"{where}: padding")
            check(opt.get("stride_w", 0) == w["stride_w"] and opt.get("stride_h", 0) == w["stride_h"],
                  f"{where}: strides")
            check(opt.get("fused_activation_function", "NONE") == ACT[w["activation"]],
                  f"{where}: activation {opt.get('fused_activation_function')}")
        if w["code"] in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            check(opt.get("dilation_w_factor", 1) == w["dilation_w"] and
                  opt.get("dilation_h_factor", 1) == w["dilation_h"], f"{where}: dilation")
        if w["code"] == "DEPTHWISE_CONV_2D":
            check(opt.get("depth_multiplier", 0) == w["depth_multiplier"], f"{where}: multiplier")
        if w["code"] in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
            check(opt.get("filter_width", 0) == w["filter_w"] and
                  opt.get("filter_height", 0) == w["filter_h"], f"{where}: filter")
        if w["code"] == "MEAN":
            check(bool(opt.get("keep_dims", False)) == bool(w["keep_dims"]), f"{where}: keep_dims")
    meta = {m["name"]: m.get("buffer", 0) for m in got.get("metadata", [])}
    check("min_runtime_version" in meta, "no min_runtime_version metadata")
    if "min_runtime_version" in meta:
        data = bytes(buffers[meta["min_runtime_version"]].get("data", []))
        check(len(data) == 16 and data.rstrip(b"\0") == b"1.14.0",
              f"min_runtime_version buffer {data!r}")
    sigs = got.get("signature_defs", [])
    check(len(sigs) == 1 and sigs[0].get("signature_key") == "serving_default",
          "no serving_default signature")
    if sigs:
        ins = [m.get("tensor_index", 0) for m in sigs[0].get("inputs", [])]
        outs = [m.get("tensor_index", 0) for m in sigs[0].get("outputs", [])]
        check(ins == want["inputs"] and outs == want["outputs"], "signature tensors differ")
        names = [m.get("name") for m in sigs[0].get("inputs", [])]
        check(names == [want["tensors"][i]["name"] for i in want["inputs"]], "signature names differ")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
