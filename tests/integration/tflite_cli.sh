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
# The lifetime plan's peak is conv1: its input (3888 -> 3904 with 64-byte alignment), its
# output (36*36*16 = 20736) and its scratch (the input padded to 38x38x3 = 4332 -> 4352, a
# 32-tap int16 patch 64, 16 int32 accumulators 64) alive together: 29120 bytes.
grep -q '^activation arena (tensors planned by lifetime, greedy by size): 29120 bytes' "$T/inspect.txt" \
    && pass "activation arena" || fail "activation arena: $(grep '^activation' "$T/inspect.txt")"
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

# --bench N: the same output file, and the rate on stderr in tflm_bench's format
$RPPGQ infer "$M" "$T/in3.bin" "$T/out3b.bin" --bench 5 2>"$T/bench.err" && cmp -s "$T/out3.bin" "$T/out3b.bin" \
    && grep -qE '^inferences_per_s=[0-9]+(\.[0-9]+)?$' "$T/bench.err" \
    && pass "--bench prints inferences_per_s and writes the same outputs" || fail "--bench: $(cat "$T/bench.err")"
expect_fail "--bench 0" 2 "--bench needs a count of 1 or more" -- $RPPGQ infer "$M" a b --bench 0

# Several inputs and outputs: IN.bin is every input's bytes in input order, OUT.bin every
# output's in output order, as TFLite Micro's runner takes and writes them (same bytes).
MI=$T/two_branch.tflite
head -c $(((440 + 6) * 3)) /dev/urandom >"$T/mi_in.bin"
$RPPGQ infer "$MI" "$T/mi_in.bin" "$T/mi_out.bin" && [ "$(stat -c %s "$T/mi_out.bin")" = $(((6 + 100) * 3)) ] \
    && pass "two inputs, two outputs: sizes" || fail "two-branch infer"
$RPPGQ infer "$MI" "$T/mi_in.bin" "$T/mi_out1.bin" --output-index 1 \
    && cmp -s "$T/mi_out1.bin" <(for k in 0 1 2; do tail -c +$((k * 106 + 7)) "$T/mi_out.bin" | head -c 100; done) \
    && pass "--output-index 1 is the second output of each sample" || fail "--output-index"
head -c 440 "$T/mi_in.bin" >"$T/mi_a.bin"
$RPPGQ infer "$MI" "$T/mi_a.bin" "$T/mi_pa.bin" --input-index 0 --output-index 1 \
    && cmp -s "$T/mi_pa.bin" <(tail -c +7 "$T/mi_out.bin" | head -c 100) \
    && pass "--input-index 0 feeds the first input alone" || fail "--input-index"
expect_fail "output index out of range" 1 "two_branch.tflite: --output-index 2, the model has 2 output" \
    -- $RPPGQ infer "$MI" "$T/mi_in.bin" "$T/x.bin" --output-index 2
TFLM=$TFLM_RUN
if [ -n "$TFLM" ]; then
    same=1
    for k in 0 1 2; do
        tail -c +$((k * 446 + 1)) "$T/mi_in.bin" | head -c 446 >"$T/mi_one.bin"
        "$TFLM" "$MI" "$T/mi_one.bin" "$T/mi_tflm.bin" || same=0
        cmp -s "$T/mi_tflm.bin" <(tail -c +$((k * 106 + 1)) "$T/mi_out.bin" | head -c 106) || same=0
    done
    [ $same = 1 ] && pass "two-branch model: same bytes as TFLite Micro" || fail "two-branch vs TFLite Micro"
    # the MCU path's branch model (depthwise + 1x1 conv of one input, CONCATENATION, PAD)
    BR=$T/branches.tflite
    same=1
    for k in 1 2 3 4 5 6; do
        head -c 360 /dev/urandom >"$T/br_in.bin"
        $RPPGQ infer "$BR" "$T/br_in.bin" "$T/br_ours.bin" && "$TFLM" "$BR" "$T/br_in.bin" "$T/br_tflm.bin" \
            && cmp -s "$T/br_ours.bin" "$T/br_tflm.bin" || same=0
    done
    [ $same = 1 ] && pass "branch model: same bytes as TFLite Micro (6 inputs)" || fail "branch model vs TFLite Micro"
else
    echo "SKIP TFLite Micro runner not found (../shared/oracles/tflm_run)"
fi

# an operator the engine does not run (flatc turns the MEAN into a REDUCE_PROD)
if command -v flatc >/dev/null; then
    flatc --json --strict-json --raw-binary -o "$T" tests/tflite/schema.fbs -- "$M"
    sed 's/"builtin_code": "MEAN"/"builtin_code": "REDUCE_PROD"/; s/"deprecated_builtin_code": 40/"deprecated_builtin_code": 81/' \
        "$T/spatial_cnn_1.json" >"$T/sum_model.json"
    flatc -b -o "$T" tests/tflite/schema.fbs "$T/sum_model.json"
    expect_fail "unsupported operator" 1 "sum_model.tflite: operator 5 \(REDUCE_PROD\): operator not supported" \
        -- $RPPGQ infer "$T/sum_model.tflite" "$T/in3.bin" "$T/out.bin"
    $RPPGQ inspect "$T/sum_model.tflite" | grep -q 'REDUCE_PROD v2 .*\[not supported by the engine\]' && pass "inspect names and flags unsupported operators" \
        || fail "inspect of unknown operator"
fi
finish
