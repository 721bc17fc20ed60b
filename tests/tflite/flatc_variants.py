#!/usr/bin/env python3
"""Makes JSON sources for .tflite files that flatc itself will build (its own field order,
vtable sharing and alignment), from flatc's JSON view of one of our files:

usage: flatc_variants.py FLATC.json EXPECT.json OUTDIR
writes OUTDIR/flatc_full.json (same content), flatc_old_codes.json (operator codes only in
the 8-bit deprecated field, as old converters wrote) and flatc_new_codes.json (only the
32-bit field). flatc's JSON prints floats with 6 decimals, so the scales are put back from
EXPECT.json with 9 significant digits (exact for float32)."""
import copy
import json
import sys

got = json.load(open(sys.argv[1]))
want = json.load(open(sys.argv[2]))
out = sys.argv[3]
for t, w in zip(got["subgraphs"][0]["tensors"], want["tensors"]):
    if "quantization" in t and w["scale"]:
        t["quantization"]["scale"] = w["scale"]

json.dump(got, open(f"{out}/flatc_full.json", "w"))
old = copy.deepcopy(got)
for c in old["operator_codes"]:
    c.pop("builtin_code", None)
json.dump(old, open(f"{out}/flatc_old_codes.json", "w"))
new = copy.deepcopy(got)
for c in new["operator_codes"]:
    c.pop("deprecated_builtin_code", None)
json.dump(new, open(f"{out}/flatc_new_codes.json", "w"))
