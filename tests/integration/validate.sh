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
$PY $R predict $T/sp.pth $T/tf.pth $T/d.pt $T/p.csv $T/ref.csv && $PY tests/ref/check_validate.py $T/v.json $T/p.csv $T/ref.csv 30 || fail "check_validate"
# held-out subjects: 8 subjects, 2 for calibration -> 36 of 48 windows
grep -q '"n_windows":36' <(tr -d ' \n' <$T/v.json) && pass "calibration subjects held out" || fail "n_windows: $(grep n_windows $T/v.json)"
$RPPGQ validate --spatial $T/sp_ratio.pth --temporal $T/tf.pth --tflite $T/mr.tflite --data $T/d.pt \
    --calib-windows 10 --seed 3 --predictions $T/pr.csv >/dev/null 2>$T/e &&
    $PY $R predict $T/sp_ratio.pth $T/tf.pth $T/d.pt $T/pr.csv $T/refr.csv &&
    $PY - $T/pr.csv $T/refr.csv <<'PYEOF' && pass "window_ratio FP32 equals PyTorch" || fail "window_ratio validate: $(cat $T/e)"
import sys, numpy as np
a = np.genfromtxt(sys.argv[1], delimiter=",", names=True)["fp32_bpm"]
b = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1)[:, 1]
sys.exit(0 if np.max(np.abs(a - b)) <= 2e-3 else 1)
PYEOF

# ---- the calibration record and the verdict --------------------------------------------
V="$RPPGQ validate --spatial $T/sp.pth --temporal $T/tf.pth --data $T/d.pt"
$RPPGQ quantize --spatial $T/sp.pth --data $T/d.pt --out $T/m5.tflite --calib-windows 10 --seed 5 >/dev/null 2>&1 ||
    fail "quantize --seed 5"
# validate without options excludes exactly the subjects the record names: read the record
# from the file's bytes and the subjects from the dataset with PyTorch
if $V --tflite $T/m5.tflite --json $T/v5.json --predictions $T/p5.csv >$T/v5.out 2>$T/v5.err; then
    pass "validate reads the calibration record of a --seed 5 model"
    flatc --json --strict-json --raw-binary -o $T tests/tflite/schema.fbs -- $T/m5.tflite &&
    $PY - $T/m5.tflite $T/d.pt $T/p5.csv $T/v5.json <<'PYEOF' && pass "evaluated = every window of the subjects the record does not name; baselines from the rest" || fail "held-out windows or baselines wrong"
import json, re, sys, numpy as np, torch
# flatc's JSON of the model (an independent reader): the metadata entry rppgq_calibration
# points to the buffer holding the record; the description no longer carries it
m = json.load(open(sys.argv[1][:-len(".tflite")] + ".json"))
meta = {e["name"]: e["buffer"] for e in m["metadata"]}
assert "; calibration" not in m["description"], m["description"]
rec = bytes(m["buffers"][meta["rppgq_calibration"]]["data"]).decode()
assert rec.startswith("calibration "), rec
f = dict(kv.split("=", 1) for kv in rec[len("calibration "):].split())
assert f["seed"] == "5" and len(f["windows"].split(",")) == 10, rec
calib_subj = {int(x) for x in f["subjects"].split(",")}
d = torch.load(sys.argv[2])
subj, lab = d["subjects"].numpy(), d["labels"].numpy().astype(np.float64)
assert all(subj[int(w)] in calib_subj for w in f["windows"].split(",")), "a calibration window outside its subjects"
want = [i for i in range(len(subj)) if subj[i] not in calib_subj]
rows = np.genfromtxt(sys.argv[3], delimiter=",", names=True)
assert sorted(rows["window"].astype(int).tolist()) == want, (rows["window"], want)
r = json.load(open(sys.argv[4]))
aside = np.array([lab[i] for i in range(len(subj)) if subj[i] in calib_subj])
assert abs(r["baseline_value"] - aside.mean()) < 1e-9, (r["baseline_value"], aside.mean())
assert abs(r["baseline_median_value"] - np.median(aside)) < 1e-9
ev = lab[want]
for key, v in (("baseline_mean", r["baseline_value"]), ("baseline_median", r["baseline_median_value"])):
    assert abs(r[key]["mae"] - np.mean(np.abs(v - ev))) < 1e-6 * max(1, r[key]["mae"]), key
best = min(r["baseline_mean"]["mae"], r["baseline_median"]["mae"])
reads = r["fp32"]["mae"] <= 0.8 * best and r["int8"]["mae"] <= 0.8 * best
assert r["verdict"]["reads_heart_rate"] == reads and abs(r["verdict"]["baseline_mae"] - best) < 1e-12
assert r["calibration"]["recorded"] and r["calibration"]["seed"] == 5
PYEOF
    # the verdict leads, before the grade; a random-weight model reads no heart rate
    v1=$(grep -n "heart rate on this data" $T/v5.out | head -1 | cut -d: -f1)
    g1=$(grep -n "MAE increase" $T/v5.out | head -1 | cut -d: -f1)
    [ -n "$v1" ] && [ -n "$g1" ] && [ "$v1" -lt "$g1" ] && pass "the model's verdict comes before the INT8 grade" ||
        fail "verdict placement: $(head -3 $T/v5.out)"
    grep -q "^WARNING: the model does not read heart rate on this data: MAE [0-9.]* vs baseline [0-9.]*" $T/v5.out &&
        pass "random weights: the model does not read heart rate" || fail "no warning: $(head -2 $T/v5.out)"
else
    fail "validate of the --seed 5 model: $(cat $T/v5.err)"
fi
expect_fail "--seed disagreeing with the record" 1 "seed 1234.*calibrated with seed 5" -- $V --tflite $T/m5.tflite --seed 1234 --json $T/none.json
expect_fail "--calib-windows disagreeing with the record" 1 "calib-windows 20.*calibrated on 10 windows" -- $V --tflite $T/m5.tflite --calib-windows 20 --json $T/none.json
# a calibration record that does not match the dataset: another dataset of the same shape
$PY $R dataset $T/d2.pt 48 --seed 15 --subjects 8 || fail "making d2.pt"
expect_fail "record of another dataset" 1 "d2.pt: .*m5.tflite was calibrated on another dataset" -- $RPPGQ validate --spatial $T/sp.pth --temporal $T/tf.pth --data $T/d2.pt --tflite $T/m5.tflite --json $T/none.json --predictions $T/none.csv
[ ! -e $T/none.json ] && [ ! -e $T/none.csv ] && pass "nothing written for a mismatched record" || fail "output written for a mismatched record"
$RPPGQ validate --spatial $T/sp.pth --temporal $T/tf.pth --data $T/d2.pt --tflite $T/m5.tflite --independent-data \
    --json $T/vi.json >/dev/null 2>&1 && grep -q '"n_windows":48' <(tr -d ' \n' <$T/vi.json) &&
    pass "--independent-data evaluates every window of another dataset" || fail "--independent-data"
expect_fail "--independent-data on the calibration set" 1 "independent-data: .*d.pt is the dataset" -- $V --tflite $T/m5.tflite --independent-data --json $T/none.json
# a model without a record (older rppgq): the options decide, with a warning
$PY - $T/m5.tflite $T/norec.tflite <<'PYEOF'
import sys
b = open(sys.argv[1], "rb").read()
assert b.count(b"rppgq_calibration") == 1
open(sys.argv[2], "wb").write(b.replace(b"rppgq_calibration", b"rppgq_calibratioX"))
PYEOF
$V --tflite $T/norec.tflite --seed 5 --calib-windows 10 --json $T/vn.json >/dev/null 2>$T/vn.err &&
    grep -q "norec.tflite records no calibration; assuming quantize ran with --calib-windows 10 --seed 5" $T/vn.err &&
    [ "$(grep -o '"n_windows": *[0-9]*' $T/vn.json)" = "$(grep -o '"n_windows": *[0-9]*' $T/v5.json)" ] &&
    pass "no record: a warning, and the options redraw the same selection" || fail "no record: $(cat $T/vn.err)"
# the training labels' mean when the checkpoint records it
$PY - $T/sp.pth $T/sp_mean.pth <<'PYEOF'
import sys, torch
c = torch.load(sys.argv[1]); c["label_mean"] = 87.5; torch.save(c, sys.argv[2])
PYEOF
$RPPGQ validate --spatial $T/sp_mean.pth --temporal $T/tf.pth --data $T/d.pt --tflite $T/m5.tflite --json $T/vm.json >/dev/null 2>&1 &&
    $PY -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not (r["baseline_value"] == 87.5 and "label_mean" in r["baseline_source"]))' $T/vm.json &&
    pass "baseline: the checkpoint's label_mean" || fail "label_mean baseline: $(grep baseline_ $T/vm.json)"

head -c 3000 $T/m.tflite >$T/trunc.tflite
expect_fail "truncated tflite" 1 "trunc.tflite" -- $RPPGQ validate --spatial $T/sp.pth --temporal $T/tf.pth --tflite $T/trunc.tflite --data $T/d.pt --calib-windows 10 --seed 3 --json $T/none.json
expect_fail "contract mismatch" 1 "input contract" -- $RPPGQ validate --spatial $T/sp.pth --temporal $T/tf.pth --tflite $T/mr.tflite --data $T/d.pt --calib-windows 10 --seed 3 --json $T/none.json
[ ! -e $T/none.json ] && pass "no partial JSON" || fail "partial JSON left"
finish
