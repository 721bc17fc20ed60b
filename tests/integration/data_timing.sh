# Datasets state how their windows were sampled ('fps', 'frame_stride'); quantize, validate
# and run check that it is the model's rate (fps / frame_stride = 30 / the contract's stride),
# warn in one line when the file states nothing and they assume, take --fps/--frame-stride
# for what the file does not state and refuse options that contradict the file (one line,
# exit 1, nothing written).
. tests/lib/common.sh
R=tests/ref/spatial_ref.py

$PY $R ckpt $T/sp4.pth --seed 11 --contract window_ratio:50:4:4 && $PY $R temporal $T/tf.pth --seed 12 &&
$PY $R dataset $T/bare.pt 48 --seed 14 --subjects 8 &&
$RPPGQ synth --out $T/syn.pt --subjects 8 --windows-per-subject 6 --seed 3 >/dev/null ||
    { fail "making test files"; finish; }
Q="$RPPGQ quantize --spatial $T/sp4.pth --calib-windows 6"

# a dataset that states nothing: one warning line naming the assumed values, then it works
if $Q --data $T/bare.pt --out $T/a.tflite >/dev/null 2>$T/a.err && [ -s $T/a.tflite ] &&
   [ "$(wc -l <$T/a.err)" -eq 1 ] &&
   grep -q "bare.pt states no 'fps' or 'frame_stride': assuming 30 fps, every 4th frame (7.5 Hz)" $T/a.err; then
    pass "unstated sampling: one warning naming 30 fps, every 4th frame, 7.5 Hz"
else
    fail "unstated sampling: $(cat $T/a.err)"
fi
# options state it: no warning; 60 fps every 8th frame is the same 7.5 Hz
for opts in "--fps 30 --frame-stride 4" "--fps 60 --frame-stride 8"; do
    if $Q --data $T/bare.pt --out $T/b.tflite $opts >/dev/null 2>$T/b.err && ! grep -q "states no" $T/b.err; then
        pass "options $opts: accepted without warning"
    else
        fail "options $opts: $(cat $T/b.err)"
    fi
done
# only one stated: the warning names the other
$Q --data $T/bare.pt --out $T/c.tflite --fps 30 >/dev/null 2>$T/c.err
grep -q "states no 'frame_stride': assuming 30 fps, every 4th frame" $T/c.err && pass "--fps alone: warns about frame_stride" ||
    fail "--fps alone: $(cat $T/c.err)"
# the synthetic data states both: no warning
$Q --data $T/syn.pt --out $T/s.tflite --calib-windows 4 >/dev/null 2>$T/v.err && ! grep -q "states no" $T/v.err &&
    pass "synth data: no warning" || fail "synth data: $(cat $T/v.err)"

# a rate that is not the model's: error, nothing written
rm -f $T/x.tflite
expect_fail "rate mismatch (assumed fps)" 1 "bare.pt: windows sampled at 30 Hz \(30 fps, every frame; no 'fps' stated, assumed\) but the model's input contract expects 7.5 Hz" \
    -- $Q --data $T/bare.pt --out $T/x.tflite --frame-stride 1
expect_fail "rate mismatch (25 fps)" 1 "windows sampled at 6.25 Hz \(25 fps, every 4th frame" \
    -- $Q --data $T/bare.pt --out $T/x.tflite --fps 25 --frame-stride 4
[ ! -e $T/x.tflite ] && pass "rate mismatch: no model written" || fail "rate mismatch wrote $T/x.tflite"

# options that contradict the file: quantize, validate and run
expect_fail "quantize --fps contradicts" 1 "syn.pt: --fps 25 contradicts the dataset's 'fps' 30" \
    -- $Q --data $T/syn.pt --out $T/x.tflite --fps 25
expect_fail "quantize --frame-stride contradicts" 1 "syn.pt: --frame-stride 2 contradicts the dataset's 'frame_stride' 4" \
    -- $Q --data $T/syn.pt --out $T/x.tflite --frame-stride 2
[ ! -e $T/x.tflite ] && pass "contradiction: no model written" || fail "contradiction wrote $T/x.tflite"
expect_fail "validate --fps contradicts" 1 "syn.pt: --fps 60 contradicts the dataset's 'fps' 30" \
    -- $RPPGQ validate --spatial $T/sp4.pth --temporal $T/tf.pth --tflite $T/a.tflite --data $T/syn.pt \
       --calib-windows 6 --fps 60 --json $T/x.json --predictions $T/x.csv
[ ! -e $T/x.json ] && [ ! -e $T/x.csv ] && pass "validate contradiction: nothing written" || fail "validate wrote output"
mkdir -p $T/runcwd
expect_fail "run --frame-stride contradicts" 1 "syn.pt: --frame-stride 8 contradicts the dataset's 'frame_stride' 4" \
    -- $RPPGQ run --spatial $T/sp4.pth --temporal $T/tf.pth --data $T/syn.pt --calib-windows 6 \
       --frame-stride 8 --out $T/runcwd/out
[ -z "$(ls -A $T/runcwd)" ] && pass "run contradiction: nothing written" || fail "run left: $(ls -A $T/runcwd)"
expect_fail "run --fps without --data" 1 "--fps/--frame-stride describe a given dataset" \
    -- $RPPGQ run --fps 30 --out $T/runcwd/out2
expect_fail "--fps not a rate" 2 "--fps wants a frame rate" -- $Q --data $T/syn.pt --out $T/x.tflite --fps -3
expect_fail "--frame-stride not a count" 2 "--frame-stride wants 1..1000000" -- $Q --data $T/syn.pt --out $T/x.tflite --frame-stride 0

# a bad 'fps' key
$PY - $T/bare.pt $T/badfps.pt <<'PYEOF' || fail "making badfps.pt"
import sys, torch
d = torch.load(sys.argv[1])
d["fps"] = -30.0
torch.save(d, sys.argv[2])
PYEOF
expect_fail "dataset 'fps' negative" 1 "badfps.pt: 'fps' must be a number in \(0, 10000\]" \
    -- $Q --data $T/badfps.pt --out $T/x.tflite
finish
