# rppgq quantize --onnx on the shared PyTorch zoo: every model is quantized twice (int8 and float input/output; calibration from the .npy
# and from the torch.save file), then checked against independent references
# (tests/ref/onnx_quant_check.py): TFLite Micro runs it and its output's SQNR against
# PyTorch's float output on held-out inputs is reported (>= 20 dB), our engine equals
# TFLite Micro byte for byte, LiteRT loads and runs it. A model with an operator our engine
# cannot run yet prints PENDING lines for the engine comparison (not counted). Also: the
# unsupported-operator error, determinism, the JSON report, and bad calibration inputs.
. tests/lib/common.sh
. tests/lib/onnx_zoo.sh
zoo_make || finish
TFLM=$TFLM_RUN
LITERT=
[ -d tests/litert/node_modules/@litertjs/core ] && command -v node >/dev/null && LITERT=tests/litert/run_tflite.js
for m in $ZOO_MODELS; do
    if ! $RPPGQ quantize --onnx "$ZOO/$m.onnx" --calib "$ZOO/$m.calib.npy" --out "$T/$m.int8.tflite" \
        >"$T/$m.q.log" 2>"$T/$m.q.err"; then
        fail "$m: quantize: $(head -c 300 "$T/$m.q.err")"
        continue
    fi
    if ! $RPPGQ quantize --onnx "$ZOO/$m.onnx" --calib "$ZOO/$m.calib.pt" --out "$T/$m.f.tflite" \
        --io float --json "$T/$m.json" >"$T/$m.qf.log" 2>"$T/$m.qf.err"; then
        fail "$m: quantize --io float: $(head -c 300 "$T/$m.qf.err")"
        continue
    fi
    if [ -n "$TFLM" ]; then
        mkdir -p "$T/$m.work"
        $PY tests/ref/onnx_quant_check.py "$ZOO" "$m" "$T/$m.f.tflite" "$T/$m.int8.tflite" \
            "${RPPGQ_REL:-$RPPGQ}" "$TFLM" "$T/$m.work" $LITERT
    else
        echo "SKIP $m: no TFLite Micro oracle (../shared/oracles/tflm_run)"
    fi
done

M=$ZOO/seed_spatial
if [ -f "$T/seed_spatial.int8.tflite" ]; then
    $RPPGQ quantize --onnx "$M.onnx" --calib "$M.calib.npy" --out "$T/again.tflite" >/dev/null \
        && cmp -s "$T/again.tflite" "$T/seed_spatial.int8.tflite" && pass "same inputs, same bytes" \
        || fail "quantize is not deterministic"
    $RPPGQ quantize --onnx "$M.onnx" --calib "$M.calib.npy" --out "$T/s5.tflite" --calib-samples 5 --seed 3 \
        | grep -q '^calibration: 5 of 64 samples' && ! cmp -s "$T/s5.tflite" "$T/seed_spatial.int8.tflite" \
        && pass "--calib-samples 5 draws 5 samples (another model)" || fail "--calib-samples"
    $PY - "$T/seed_spatial.json" <<'PYEOF' && pass "JSON report: a range, scale and SQNR per activation" || fail "JSON report"
import json, math, sys
r = json.load(open(sys.argv[1]))
t = r['tensors']
assert len(t) >= 7 and all(x['scale'] > 0 and x['min'] <= 0 <= x['max'] for x in t)
assert all(x['sqnr_db'] is not None and x['sqnr_db'] > 20 for x in t), [x['sqnr_db'] for x in t]
assert any(x['graph_output'] for x in t)
PYEOF
fi
# One pipeline, two front ends: the seed's checkpoint read into the IR gives the same file,
# byte for byte, as PyTorch's ONNX export of that model (BatchNorms kept, so both fold
# them with the same pass); the export with BatchNorm folded by PyTorch differs only
# through PyTorch's float rounding of the fold.
if $RPPGQ quantize --spatial "$M.pth" --calib "$M.calib.npy" --out "$T/ckpt.tflite" >/dev/null &&
    $RPPGQ quantize --onnx "${M}_bn.onnx" --calib "$M.calib.npy" --out "$T/bn.tflite" >/dev/null; then
    cmp -s "$T/ckpt.tflite" "$T/bn.tflite" \
        && pass "seed CNN: checkpoint and ONNX give the same .tflite ($(stat -c %s "$T/ckpt.tflite") bytes, 0 differ)" \
        || fail "seed CNN: checkpoint and ONNX .tflite differ in $(cmp -l "$T/ckpt.tflite" "$T/bn.tflite" | wc -l) bytes"
else
    fail "quantize --spatial CKPT --calib or the BatchNorm-keeping export failed"
fi
# The rPPG path (--data: stratified windows through the input contract) is the same
# pipeline: the seed CNN as ONNX gives the checkpoint's bytes, and validate --onnx the
# checkpoint's report. The contract and label mean travel in the ONNX metadata_props
# (rppgq.input_contract, rppgq.label_mean), added here with the onnx package.
R=tests/ref/spatial_ref.py
if $PY $R dataset "$T/d.pt" 48 --seed 14 --subjects 8 && $PY $R temporal "$T/tf.pth" --seed 12 &&
    $PY - "$M.pth" "${M}_bn.onnx" "$T/sr.pth" "$T/sr.onnx" <<'PYEOF'
import sys, onnx, torch
c = torch.load(sys.argv[1])
c["input_contract"] = {"representation": "window_ratio", "scale": 50.0, "clip": 4.0, "frame_stride": 1}
c["label_mean"] = 91.5
torch.save(c, sys.argv[3])
m = onnx.load(sys.argv[2])
for k, v in (("rppgq.input_contract", "representation=window_ratio scale=50 clip=4 frame_stride=1"),
             ("rppgq.label_mean", "91.5")):
    e = m.metadata_props.add(); e.key, e.value = k, v
onnx.save(m, sys.argv[4])
PYEOF
then
    QD="--data $T/d.pt --calib-windows 10 --seed 3"
    for v in raw ratio; do
        if [ $v = raw ]; then ck=$M.pth on=${M}_bn.onnx; else ck=$T/sr.pth on=$T/sr.onnx; fi
        if $RPPGQ quantize --spatial "$ck" $QD --out "$T/dck_$v.tflite" >/dev/null 2>&1 &&
            $RPPGQ quantize --onnx "$on" $QD --out "$T/don_$v.tflite" >"$T/don_$v.log" 2>&1; then
            cmp -s "$T/dck_$v.tflite" "$T/don_$v.tflite" \
                && pass "--data, $v contract: checkpoint and ONNX give the same .tflite ($(stat -c %s "$T/dck_$v.tflite") bytes, 0 differ)" \
                || fail "--data, $v contract: checkpoint and ONNX .tflite differ in $(cmp -l "$T/dck_$v.tflite" "$T/don_$v.tflite" | wc -l) bytes"
        else
            fail "quantize --data ($v): $(tail -n 2 "$T/don_$v.log")"
            continue
        fi
        V="$RPPGQ validate --temporal $T/tf.pth --tflite $T/don_$v.tflite --data $T/d.pt"
        if $V --spatial "$ck" --json "$T/vck_$v.json" --predictions "$T/vck_$v.csv" >/dev/null 2>&1 &&
            $V --onnx "$on" --json "$T/von_$v.json" --predictions "$T/von_$v.csv" >/dev/null 2>&1; then
            # the report names the model file where it quotes its label_mean
            cmp -s "$T/vck_$v.csv" "$T/von_$v.csv" &&
                cmp -s <(grep -v baseline_source "$T/vck_$v.json") <(grep -v baseline_source "$T/von_$v.json") \
                && pass "validate --onnx ($v): the checkpoint's predictions and report, byte for byte" \
                || fail "validate --onnx ($v) differs from --spatial"
        else
            fail "validate --spatial / --onnx ($v)"
        fi
    done
    grep -q "input_contract representation=window_ratio scale=50 clip=4 frame_stride=1" "$T/don_ratio.tflite" &&
        grep -q '"baseline_value": *91.5' "$T/von_ratio.json" &&
        pass "ONNX metadata: the contract reaches the model's description, label_mean the baseline" ||
        fail "ONNX metadata not used"
    # PyTorch's default export (BatchNorm folded by PyTorch in float32) runs the same path
    $RPPGQ quantize --onnx "$M.onnx" $QD --out "$T/dfold.tflite" >/dev/null 2>&1 &&
        $RPPGQ validate --onnx "$M.onnx" --temporal "$T/tf.pth" --tflite "$T/dfold.tflite" --data "$T/d.pt" >/dev/null 2>&1 &&
        pass "quantize/validate --onnx on PyTorch's BatchNorm-folded export" || fail "--onnx --data on the folded export"
    $PY - "${M}_bn.onnx" "$T/badmeta.onnx" <<'PYEOF'
import sys, onnx
m = onnx.load(sys.argv[1]); e = m.metadata_props.add(); e.key, e.value = "rppgq.input_contract", "representation=fisheye"
onnx.save(m, sys.argv[2])
PYEOF
    expect_fail "bad contract metadata" 1 "badmeta.onnx: metadata 'rppgq.input_contract' is not" \
        -- $RPPGQ quantize --onnx "$T/badmeta.onnx" $QD --out "$T/never.tflite"
else
    fail "making the rPPG dataset or the metadata copies"
fi
$PY -c "import numpy as np; np.save('$T/wrong.npy', np.zeros((4, 3, 20, 20), '<f4'))"
expect_fail "calibration shape" 1 "wrong.npy: samples of shape \(N,3,20,20\), but the model input 'input' takes \(N,3,36,36\)" \
    -- $RPPGQ quantize --onnx "$M.onnx" --calib "$T/wrong.npy" --out "$T/never.tflite"
$PY -c "import numpy as np; a = np.zeros((2, 3, 36, 36), '<f4'); a[1, 0, 0, 0] = np.inf; np.save('$T/inf.npy', a)"
expect_fail "Inf in calibration" 1 "inf.npy: sample 1 holds NaN or Inf" \
    -- $RPPGQ quantize --onnx "$M.onnx" --calib "$T/inf.npy" --out "$T/never.tflite"
# GELU exports as Div, Erf, Add, Mul: Div and Erf have no int8 lowering here
if $PY - "$T/gelu.onnx" <<'PYEOF' >/dev/null 2>&1
import sys, torch
net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.GELU()).eval()
torch.onnx.export(net, torch.rand(1, 3, 36, 36), sys.argv[1], opset_version=13, input_names=['input'])
PYEOF
then
    expect_fail "unsupported operator" 1 "gelu.onnx: node '[^']*' \((Div|Erf)\) is not supported by the int8 path; supported: Conv" \
        -- $RPPGQ quantize --onnx "$T/gelu.onnx" --calib "$M.calib.npy" --out "$T/never.tflite"
else
    fail "PyTorch could not export the GELU model"
fi
expect_fail "missing --calib" 2 "--onnx \(or --spatial\), --calib and --out are required" -- $RPPGQ quantize --onnx "$M.onnx" --out "$T/never.tflite"
[ ! -e "$T/never.tflite" ] && pass "nothing written on failure" || fail "never.tflite written"
finish
