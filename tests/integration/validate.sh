# slow
# rppgq validate end to end: FP32 predictions against PyTorch's whole forward, metrics against
# numpy, calibration subjects held out, bad .tflite input.
. tests/lib/common.sh
R=tests/ref/spatial_ref.py

$PY $R ckpt $T/sp.pth --seed 11 && $PY $R temporal $T/tf.pth --seed 12 &&
$PY $R ckpt $T/sp_ratio.pth --seed 13 --contract window_ratio:50:4:1 &&
$PY $R dataset $T/d.pt 48 --seed 14 --subjects 8 &&
$RPPGQ quantize --spatial $T/sp.pth --data $T/d.pt --out $T/m.tflite --calib-windows 10 --seed 3 >/dev/null &&
$RPPGQ quantize --spatial $T/sp_ratio.pth --data $T/d.pt --out $T/mr.tflite --calib-windows 10 --seed 3 >/dev/null ||
    { fail "making test files"; finish; }

# ---- validate -------------------------------------------------------------------------
if $RPPGQ validate --spatial $T/sp.pth --temporal $T/tf.pth --tflite $T/m.tflite --data $T/d.pt \
    --calib-windows 10 --seed 3 --json $T/v.json --predictions $T/p.csv >$T/v.out 2>$T/v.err; then
    pass "validate runs"
else
    fail "validate: $(cat $T/v.err)"
fi
$RPPGQ validate --spatial $T/sp.pth --temporal $T/tf.pth --tflite $T/m.tflite --data $T/d.pt \
    --calib-windows 10 --seed 3 --json $T/v1.json --threads 1 >/dev/null 2>&1 &&
$RPPGQ validate --spatial $T/sp.pth --temporal $T/tf.pth --tflite $T/m.tflite --data $T/d.pt \
    --calib-windows 10 --seed 3 --json $T/v3.json --threads 3 >/dev/null 2>&1 &&
cmp -s $T/v1.json $T/v.json && cmp -s $T/v3.json $T/v.json && pass "report independent of thread count" ||
    fail "reports differ between 1, 3 and all threads"
$PY $R predict $T/sp.pth $T/tf.pth $T/d.pt $T/p.csv $T/ref.csv && $PY tests/ref/check_validate.py $T/v.json $T/p.csv $T/ref.csv || fail "check_validate"
# held-out subjects: 8 subjects, 2 for calibration -> 36 of 48 windows
grep -q '"n_windows":36' <(tr -d ' \n' <$T/v.json) && pass "calibration subjects held out" || fail "n_windows: $(grep n_windows $T/v.json)"
$RPPGQ validate --spatial $T/sp_ratio.pth --temporal $T/tf.pth --tflite $T/mr.tflite --data $T/d.pt \
    --calib-windows 10 --seed 3 --predictions $T/pr.csv >/dev/null 2>$T/e &&
    $PY $R predict $T/sp_ratio.pth $T/tf.pth $T/d.pt $T/pr.csv $T/refr.csv &&
    $PY - $T/pr.csv $T/refr.csv <<'PYEOF' && pass "window_ratio FP32 equals PyTorch" || fail "window_ratio validate: $(cat $T/e)"
import sys, numpy as np
a = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)[:, 2]
b = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1)[:, 1]
sys.exit(0 if np.max(np.abs(a - b)) <= 2e-3 else 1)
PYEOF

head -c 3000 $T/m.tflite >$T/trunc.tflite
expect_fail "truncated tflite" 1 "trunc.tflite" -- $RPPGQ validate --spatial $T/sp.pth --temporal $T/tf.pth --tflite $T/trunc.tflite --data $T/d.pt --calib-windows 10 --seed 3 --json $T/none.json
expect_fail "contract mismatch" 1 "input contract" -- $RPPGQ validate --spatial $T/sp.pth --temporal $T/tf.pth --tflite $T/mr.tflite --data $T/d.pt --calib-windows 10 --seed 3 --json $T/none.json
[ ! -e $T/none.json ] && pass "no partial JSON" || fail "partial JSON left"
finish
