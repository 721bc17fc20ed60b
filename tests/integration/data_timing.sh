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
   [ "$(grep -c warning $T/a.err)" -eq 1 ] &&
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

# a camera's timestamps through the runtime's resampler (synth --camera-times): a clock that
# goes backwards or a gap the runtime does not bridge is a one-line error naming the line,
# exit 1, no file; good timestamps give a file stating 'sample_hz' 7.5 (no warning, accepted)
$PY - $T <<'PYEOF' || fail "making timestamp files"
import sys
d = sys.argv[1]
ts = [5000000 + (i * 1000000 + 12) // 25 + (3000 if i % 7 == 3 else 0) for i in range(90)]
open(d + "/ok.txt", "w").write("\n".join(map(str, ts)) + "\n")
b = list(ts); b[20] = b[19] - 1000
open(d + "/back.txt", "w").write("\n".join(map(str, b)) + "\n")
g = ts[:30] + [t + 250000 for t in ts[30:]]
open(d + "/gap.txt", "w").write("\n".join(map(str, g)) + "\n")
open(d + "/nan.txt", "w").write("5000000\n5040000\n5O80000\n")
PYEOF
S="$RPPGQ synth --subjects 2 --windows-per-subject 2 --seed 4"
expect_fail "timestamps going backwards" 1 "back.txt: line 21: timestamp 5759000 us is not after the previous frame's 5760000 us \(the runtime refuses it: RPPG_RESAMPLE_BACKWARDS\)" \
    -- $S --camera-times $T/back.txt --out $T/back.pt
expect_fail "timestamps with a gap" 1 "gap.txt: line 31: 290000 us after the previous frame, more than the 200000 us the runtime bridges \(RPPG_RESAMPLE_GAP\)" \
    -- $S --camera-times $T/gap.txt --out $T/gap.pt
expect_fail "timestamp not a number" 1 "nan.txt: line 3: '5O80000' is not a whole number of microseconds" \
    -- $S --camera-times $T/nan.txt --out $T/nan.pt
expect_fail "timestamps too short" 1 "ok.txt: 90 timestamps end at sample 27 of the 32 that 4 windows" \
    -- $S --windows-per-subject 4 --camera-times $T/ok.txt --out $T/short.pt
[ ! -e $T/back.pt ] && [ ! -e $T/gap.pt ] && [ ! -e $T/nan.pt ] && [ ! -e $T/short.pt ] &&
    [ -z "$(ls $T | grep '\.tmp')" ] && pass "bad timestamps: nothing written" || fail "bad timestamps left files: $(ls $T)"
if $S --camera-times $T/ok.txt --out $T/cam.pt >/dev/null 2>$T/cam.err &&
   $PY -c "import sys, torch; d = torch.load(sys.argv[1]); sys.exit(0 if d['sample_hz'] == 7.5 and abs(d['camera_fps'] - 25) < 0.1 and 'fps' not in d and tuple(d['samples'].shape) == (4, 8, 3, 36, 36, 3) else 1)" $T/cam.pt &&
   $Q --data $T/cam.pt --out $T/cam.tflite --calib-windows 1 >/dev/null 2>$T/camq.err && ! grep -q "states no" $T/camq.err; then
    pass "camera timestamps: dataset states sample_hz 7.5, camera_fps 25; quantize accepts it silently"
else
    fail "camera timestamps: $(cat $T/cam.err $T/camq.err 2>/dev/null | head -c 400)"
fi
expect_fail "sample_hz vs --fps/--frame-stride" 1 "cam.pt: 'sample_hz' 7.5 contradicts 30 fps every 1 frames \(30 Hz\)" \
    -- $Q --data $T/cam.pt --out $T/x.tflite --fps 30 --frame-stride 1
$PY $R ckpt $T/sp1.pth --seed 11 --contract window_ratio:50:4:1 || fail "making sp1.pth"
expect_fail "sample_hz not the model's" 1 "cam.pt: windows sampled at 7.5 Hz \('sample_hz'\) but the model's input contract expects 30 Hz" \
    -- $RPPGQ quantize --spatial $T/sp1.pth --data $T/cam.pt --out $T/x.tflite --calib-windows 1

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
