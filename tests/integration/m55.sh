# slow
# The MCU runtime cross-compiled for the Cortex-M55 and run on QEMU's mps3-an547 gives
# the same results as the host build (tests/m55/run.sh; also `make m55-test`).
. tests/lib/common.sh
bash tests/m55/run.sh "$T/m55" || n_fail=$((n_fail + 1))
# The footprint report is valid JSON and shows what the runtime promises: no mutable
# globals (.data + .bss of every part is 0), stack peaks measured.
if out=$(tools/m55_footprint.sh 2>&1) && echo "$out" | $PY -c '
import json, sys
d = json.load(sys.stdin)
assert d["available"], d
parts = {p["name"]: p for p in d["parts"]}
for name in ("preprocess", "int8_cpu_path", "resample", "postprocess"):
    p = parts[name]
    assert p["ram_bytes"] == 0, p
    assert p["flash_bytes"] > 0 and p["stack_peak_bytes"] and p["stack_peak_bytes"] < 4096, p
'; then
    pass "m55 footprint: JSON, no .data/.bss in the runtime, stack peaks measured"
else
    fail "m55 footprint: $(echo "$out" | tail -n 3)"
fi
finish
