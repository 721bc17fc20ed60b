# slow
# rppgq quantize and validate end to end on random-weight checkpoints and a small random
# dataset made by PyTorch (tests/ref/spatial_ref.py): scheme and size of the .tflite,
# determinism, FP32 predictions against PyTorch, metrics against numpy, bad inputs.
. tests/lib/common.sh
R=tests/ref/spatial_ref.py

$PY $R ckpt $T/sp.pth --seed 11 && $PY $R temporal $T/tf.pth --seed 12 &&
$PY $R ckpt $T/sp_ratio.pth --seed 13 --contract window_ratio:50:4:1 &&
$PY $R dataset $T/d.pt 48 --seed 14 --subjects 8 || { fail "making test files"; finish; }

# ---- quantize -------------------------------------------------------------------------
if $RPPGQ quantize --spatial $T/sp.pth --data $T/d.pt --out $T/m.tflite --calib-windows 10 \
    --seed 3 >$T/q.out 2>$T/q.err; then pass "quantize runs"; else fail "quantize: $(cat $T/q.err)"; fi
size=$(stat -c %s $T/m.tflite 2>/dev/null || echo 0)
if [ "$size" -gt 0 ] && [ "$size" -le 20480 ]; then pass "tflite is $size bytes (<= 20 KB)"; else fail "tflite size $size"; fi
grep -q "wrote .*$size bytes" $T/q.out && pass "size printed" || fail "size not printed"
# per-bin counts: five lines summing to 10; every empty bin warned about on stderr
sum=$(awk '/^  HR \[/ {n++; s += $(NF-3)} END {print n "x" s}' $T/q.out)
[ "$sum" = 5x10 ] && pass "per-bin counts printed" || fail "bin counts ($sum): $(cat $T/q.out)"
empty=$(grep -c '(of 0)' $T/q.out); warned=$(grep -c 'warning: HR bin' $T/q.err)
[ "$empty" = "$warned" ] && pass "empty bins warned ($warned)" || fail "empty $empty warned $warned"
$RPPGQ quantize --spatial $T/sp.pth --data $T/d.pt --out $T/m2.tflite --calib-windows 10 --seed 3 >/dev/null 2>&1
cmp -s $T/m.tflite $T/m2.tflite && pass "deterministic bytes" || fail "two runs differ"
for meth in percentile mse; do
    if $RPPGQ quantize --spatial $T/sp.pth --data $T/d.pt --out $T/m_$meth.tflite --calib-windows 10 \
        --seed 3 --calib-method $meth >/dev/null 2>$T/e; then pass "calib-method $meth"; else fail "$meth: $(cat $T/e)"; fi
done
$RPPGQ quantize --spatial $T/sp.pth --data $T/d.pt --out $T/m_bc.tflite --calib-windows 10 --seed 3 \
    --bias-correction >$T/bc.out 2>&1 && grep -q "bias correction on" $T/bc.out && ! cmp -s $T/m.tflite $T/m_bc.tflite &&
    pass "bias correction changes the biases" || fail "bias correction: $(cat $T/bc.out)"
$RPPGQ quantize --spatial $T/sp_ratio.pth --data $T/d.pt --out $T/mr.tflite --calib-windows 10 \
    --seed 3 >$T/qr.out 2>&1 && grep -q "input            scale 0.0313725" $T/qr.out &&
    pass "window_ratio input range [-4,4]" || fail "window_ratio: $(cat $T/qr.out)"

# ---- bad input: one line, exit 1, nothing written --------------------------------------
$PY $R badckpt $T/bad_key.pth missing_key && $PY $R badckpt $T/bad_shape.pth bad_shape &&
$PY $R badckpt $T/bad_list.pth not_dict && $PY $R dataset $T/d_rank.pt 12 --bad rank &&
$PY $R dataset $T/d_range.pt 12 --bad range || fail "making bad files"
q() { $RPPGQ quantize --out $T/none.tflite --calib-windows 10 "$@"; }
expect_fail "missing key" 1 "features.5.running_var" -- q --spatial $T/bad_key.pth --data $T/d.pt
expect_fail "conv shape" 1 "takes 8 channels but conv 0 gives 16" -- q --spatial $T/bad_shape.pth --data $T/d.pt
expect_fail "not a state_dict" 1 "state_dict" -- q --spatial $T/bad_list.pth --data $T/d.pt
expect_fail "dataset rank" 1 "d_rank.pt" -- q --spatial $T/sp.pth --data $T/d_rank.pt
expect_fail "values outside [0,1]" 1 "d_range.pt" -- $RPPGQ quantize --out $T/none.tflite --calib-windows 12 --spatial $T/sp.pth --data $T/d_range.pt
expect_fail "too few windows" 1 "fewer than the 200 calibration windows" -- $RPPGQ quantize --spatial $T/sp.pth --data $T/d.pt --out $T/none.tflite --calib-windows 200
[ ! -e $T/none.tflite ] && ! ls $T/none.tflite.tmp* >/dev/null 2>&1 && pass "no partial .tflite" || fail "partial output left"
expect_fail "usage" 2 "required" -- $RPPGQ quantize --spatial $T/sp.pth
finish
