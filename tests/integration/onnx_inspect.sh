# The ONNX front end on files Debian's PyTorch exports (the shared zoo, opsets 11-17):
# `rppgq inspect MODEL.onnx` reads every one, with the output shape PyTorch computed; the
# seed's Spatial CNN shows the MACs and parameters derived by hand from its layers; broken
# or unsupported files (made by PyTorch and Debian's python3-onnx) give one-line errors.
. tests/lib/common.sh
. tests/lib/onnx_zoo.sh
zoo_make || finish
for m in $ZOO_MODELS; do
    read -r c h w elems opset _ <"$ZOO/$m.shape"
    if ! $RPPGQ inspect "$ZOO/$m.onnx" >"$T/$m.txt" 2>"$T/$m.err"; then
        fail "inspect $m: $(head -c 300 "$T/$m.err")"
        continue
    fi
    shape=$(sed -n 's/^output output float32 \[\(.*\)\]$/\1/p' "$T/$m.txt")
    prod=$(( ${shape//,/*} ))
    grep -q "opset $opset," "$T/$m.txt" && [ "${prod:-0}" = "$elems" ] \
        && pass "inspect $m (opset $opset): output [$shape] has PyTorch's $elems elements" \
        || fail "inspect $m: output [$shape], PyTorch gave $elems elements, opset line: $(head -n 1 "$T/$m.txt")"
done
# Spatial CNN: convolutions 36*36*16*27 + 18*18*32*144 + 9*9*16*288 = 2,426,112 MACs;
# parameters (BatchNorm folded by the exporter) 16*27+16 + 32*144+32 + 16*288+16 = 9,712
grep -q '^total: 2426112 MACs, 9712 parameters (38848 float32 bytes)$' "$T/seed_spatial.txt" \
    && pass "seed Spatial CNN: MACs and parameters as derived by hand" \
    || fail "seed Spatial CNN totals: $(grep '^total' "$T/seed_spatial.txt")"

B=$T/bad
if $PY -c 'import onnx' 2>/dev/null && $PY tests/ref/onnx_bad.py "$B" >"$T/bad.log" 2>&1; then
    $RPPGQ inspect "$B/good.onnx" >/dev/null && pass "inspect good.onnx" || fail "inspect good.onnx"
    $RPPGQ inspect "$B/dynamic_batch.onnx" | grep -q '^input  input float32 \[1,3,8,8\]$' \
        && pass "a dynamic batch reads as 1" || fail "dynamic batch"
    expect_fail "external data" 1 "external.onnx: tensor '0.weight' keeps its data in an external file" \
        -- $RPPGQ inspect "$B/external.onnx"
    expect_fail "opset 9" 1 "opset9.onnx: opset 9 is not supported \(opsets 11-17" -- $RPPGQ inspect "$B/opset9.onnx"
    expect_fail "dynamic height" 1 "dynamic_h.onnx: input 'input' has a dynamic dimension 2 \('height'\)" \
        -- $RPPGQ inspect "$B/dynamic_h.onnx"
    expect_fail "batch 2" 1 "batch2.onnx: input '.*' was exported with batch 2" -- $RPPGQ inspect "$B/batch2.onnx"
    expect_fail "NaN weight" 1 "nan_weight.onnx: tensor '0.weight' holds NaN or Inf \(element 5\)" \
        -- $RPPGQ inspect "$B/nan_weight.onnx"
    expect_fail "constant-folding bomb" 1 "fold_bomb.onnx: node '.*' \(ConstantOfShape\) would make a constant of more than 4194304 elements" \
        -- $RPPGQ inspect "$B/fold_bomb.onnx"
    expect_fail "truncated" 1 "truncated.onnx: not a valid ONNX protobuf" -- $RPPGQ inspect "$B/truncated.onnx"
    $RPPGQ inspect "$B/einsum.onnx" | grep -q " Einsum '" && pass "an unknown op is listed by inspect" \
        || fail "einsum not listed"
else
    fail "making the bad ONNX files: $(grep -v Warning "$T/bad.log" | tail -n 2)"
fi
finish
