# rppgq inspect / infer on .tflite files: the figures inspect prints for a seed-shaped
# model, and one-line errors (nothing written) for damaged files, bad input sizes,
# unsupported operators and bad options.
. tests/lib/common.sh
if ! "$TEST_BIN/test_tfl_file" --write "$T" 2>"$T/write.err"; then
    fail "writing test models: $(cat "$T/write.err")"
    finish
fi
M=$T/spatial_cnn_1.tflite
$RPPGQ inspect "$M" >"$T/inspect.txt" || fail "inspect exits non-zero"
# ST Edge AI reported 9,904 weight bytes for the seed's CNN (same layer shapes).
grep -q '^weight bytes: 9904 ' "$T/inspect.txt" && pass "weight bytes 9904 as ST Edge AI counts" \
    || fail "weight bytes: $(grep '^weight' "$T/inspect.txt")"
# convolutions 36*36*16*27 + 18*18*32*144 + 9*9*16*288 = 2,426,112; max pools 4 per
# output (5184 + 2592 outputs), MEAN 1296 inputs: 2,458,512
grep -q '^MACs: 2458512$' "$T/inspect.txt" && pass "MACs hand-derived" \
    || fail "MACs: $(grep '^MACs' "$T/inspect.txt")"
# conv1 output 20736 + pool1 output 5184 live together
grep -q 'schedule, no in-place reuse): 25920 bytes' "$T/inspect.txt" && pass "activation memory" \
    || fail "activation memory: $(grep '^activation' "$T/inspect.txt")"
grep -qE '^ +0 CONV_2D v3 in \[0,1,2\] out \[3\] SAME stride 1x1 dilation 1x1 RELU' "$T/inspect.txt" \
    && pass "operator line" || fail "operator line"
grep -qE '^ +1 conv1/weights +INT8 +\[16,3,3,3\] per-channel dim 0: 16 scales' "$T/inspect.txt" \
    && pass "tensor line" || fail "tensor line"

head -c 5000 "$M" >"$T/cut.tflite"
expect_fail "inspect truncated file" 1 "cut.tflite: .*(outside|past|short)" -- $RPPGQ inspect "$T/cut.tflite"
expect_fail "infer truncated file" 1 "cut.tflite: " -- $RPPGQ infer "$T/cut.tflite" "$M" "$T/out.bin"
head -c 100 /dev/zero >"$T/in100.bin"
expect_fail "input not a multiple" 1 "in100.bin: 100 bytes is not a positive multiple of the input size 3888" \
    -- $RPPGQ infer "$M" "$T/in100.bin" "$T/out.bin"
[ ! -e "$T/out.bin" ] && pass "nothing written on failure" || fail "out.bin written on failure"
expect_fail "bad rounding" 2 "--rounding must be double or single" -- $RPPGQ infer "$M" a b --rounding half
expect_fail "missing arguments" 2 "expected MODEL.tflite IN.bin OUT.bin" -- $RPPGQ infer "$M"

head -c $((3888 * 3)) /dev/zero >"$T/in3.bin"
$RPPGQ infer "$M" "$T/in3.bin" "$T/out3.bin" && [ "$(stat -c %s "$T/out3.bin")" = 48 ] \
    && pass "three inputs give three outputs" || fail "batch of three"

# an operator the engine does not run (flatc turns the MEAN into a SUM)
if command -v flatc >/dev/null; then
    flatc --json --strict-json --raw-binary -o "$T" tests/tflite/schema.fbs -- "$M"
    sed 's/"builtin_code": "MEAN"/"builtin_code": "SUM"/; s/"deprecated_builtin_code": 40/"deprecated_builtin_code": 74/' \
        "$T/spatial_cnn_1.json" >"$T/sum_model.json"
    flatc -b -o "$T" tests/tflite/schema.fbs "$T/sum_model.json"
    expect_fail "unsupported operator" 1 "sum_model.tflite: operator 5 \(BUILTIN_74\): operator not supported" \
        -- $RPPGQ infer "$T/sum_model.tflite" "$T/in3.bin" "$T/out.bin"
    $RPPGQ inspect "$T/sum_model.tflite" | grep -q 'BUILTIN_74 v2' && pass "inspect lists unknown operators" \
        || fail "inspect of unknown operator"
fi
finish
