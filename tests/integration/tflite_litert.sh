# slow
# Our int8 engine against LiteRT (Google's TFLite runtime, WebAssembly, XNNPACK kernels)
# on models built with our writer: a seed-like spatial CNN and one model per operator,
# 1,000 deterministic inputs each. XNNPACK requantizes with one rounding, so
# `--rounding single` must match byte for byte; TFLite Micro's default double rounding
# may differ by one LSB on rare ties. Counts are printed for the record.
. tests/lib/common.sh
LRT=tests/litert
N=1000
ENGINE=${RPPGQ_REL:-$RPPGQ}
if [ ! -d "$LRT/node_modules/@litertjs/core" ] || ! command -v node >/dev/null; then
    fail "LiteRT.js not installed (make deps runs npm ci in $LRT)"
    finish
fi
if ! "$TEST_BIN/test_tfl_file" --write "$T" 2>"$T/write.err"; then
    fail "writing test models: $(cat "$T/write.err")"
    finish
fi

# differing_bytes A B -> count; max_abs_diff A B -> largest |a-b| as int8
differing_bytes() { cmp -l "$1" "$2" | wc -l; }
max_abs_diff() {
    $PY -c 'import sys; a=open(sys.argv[1],"rb").read(); b=open(sys.argv[2],"rb").read()
s=lambda v: v-256 if v>127 else v
print(max([abs(s(x)-s(y)) for x,y in zip(a,b)] + [0]) if len(a)==len(b) else 999)' "$1" "$2"
}

# compare NAME MODEL INPUT_BYTES CHANNELS SEED MAX_DOUBLE_FRACTION
compare() {
    local name=$1 model=$2 bytes=$3 ch=$4 seed=$5 frac=$6
    local in=$T/$name.in
    node $LRT/gen_inputs.js $N "$bytes" "$ch" "$seed" "$in"
    if ! node $LRT/run_tflite.js "$model" "$in" "$T/$name.litert" 2>"$T/lrt.err"; then
        fail "$name: LiteRT: $(head -c 300 "$T/lrt.err")"
        return
    fi
    $ENGINE infer --rounding single "$model" "$in" "$T/$name.single" || { fail "$name: infer single"; return; }
    $ENGINE infer --rounding double "$model" "$in" "$T/$name.double" || { fail "$name: infer double"; return; }
    local total ds dd md
    total=$(stat -c %s "$T/$name.litert")
    ds=$(differing_bytes "$T/$name.single" "$T/$name.litert")
    dd=$(differing_bytes "$T/$name.double" "$T/$name.litert")
    md=$(max_abs_diff "$T/$name.double" "$T/$name.litert")
    echo "$name: $N inputs, $total output bytes: single rounding $ds differ, double rounding $dd differ (max |diff| $md)"
    [ "$ds" -eq 0 ] && pass "$name: single rounding matches LiteRT byte for byte" \
                    || fail "$name: single rounding differs from LiteRT in $ds bytes"
    if [ "$md" -le 1 ] && $PY -c "import sys; sys.exit(0 if $dd <= $frac * $total else 1)"; then
        pass "$name: double rounding within one LSB of LiteRT on rare ties ($dd of $total)"
    else
        fail "$name: double rounding differs from LiteRT in $dd of $total bytes (max $md)"
    fi
}

compare spatial_cnn_1 "$T/spatial_cnn_1.tflite" 3888 3 1 0.05
compare spatial_cnn_2 "$T/spatial_cnn_2.tflite" 3888 3 2 0.05
for m in conv_valid_stride2 conv_same_dilation2 depthwise_mult2 fully_connected fully_connected_per_channel mean_hw; do
    compare "$m" "$T/op_$m.tflite" 440 4 7 0.05
done
# no requantization inside: both roundings must match exactly
for m in maxpool_same3 avgpool_same3 avgpool_valid2 logistic dequantize_float dequantize_quantize; do
    compare "$m" "$T/op_$m.tflite" 440 4 9 0
done

# The quantizer's output (rppgq quantize on a random-weight checkpoint made by PyTorch)
if $PY tests/ref/spatial_ref.py ckpt "$T/sp.pth" --seed 11 >/dev/null 2>&1 &&
   $PY tests/ref/spatial_ref.py dataset "$T/d.pt" 48 --seed 14 --subjects 8 >/dev/null 2>&1 &&
   $ENGINE quantize --spatial "$T/sp.pth" --data "$T/d.pt" --out "$T/quantized.tflite" \
       --calib-windows 10 --seed 3 >/dev/null 2>&1; then
    compare quantized "$T/quantized.tflite" 3888 3 5 0.05
else
    fail "could not make a quantized model with rppgq quantize"
fi

# Real models (e.g. the quantizer's spatial_cnn_int8.tflite) dropped into tests/litert/models/
for m in $LRT/models/*.tflite; do
    [ -f "$m" ] || continue
    io=$($RPPGQ inspect "$m" | awk '/^inputs \[/{gsub(/[^0-9]/," ",$2); want=$2+0}
        /^ +[0-9]+ /{ if ($1==want && !done) { s=$4; gsub(/[\[\]]/,"",s); n=split(s,d,",");
        p=1; for(i=1;i<=n;i++) p*=d[i]; print p, d[n]; done=1 } }')
    set -- $io
    compare "$(basename "$m" .tflite)" "$m" "$1" "$2" 5 0.05
done

# int8 -> int8 QUANTIZE: XNNPACK's convert uses an 8-bit fixed-point multiplier, so LiteRT
# is not the reference here; check TFLite's definition directly instead:
# q_out = clamp(round((q_in - zp_in) * s_in / s_out) + zp_out), halves away from zero.
m=$T/op_quantize_requant.tflite
node $LRT/gen_inputs.js $N 440 4 3 "$T/rq.in"
$ENGINE infer "$m" "$T/rq.in" "$T/rq.out"
node $LRT/run_tflite.js "$m" "$T/rq.in" "$T/rq.litert" 2>/dev/null &&
    echo "quantize_requant: LiteRT (XNNPACK convert) differs in $(differing_bytes "$T/rq.out" "$T/rq.litert") of $((N * 440)) bytes"
$RPPGQ inspect "$m" | awk '/^ +[01] (input|output) /{print $6, $8}' >"$T/rq.params"
bad=$($PY - "$T/rq.in" "$T/rq.out" "$T/rq.params" <<'PYEOF'
import math, sys
import struct
x = open(sys.argv[1], "rb").read(); y = open(sys.argv[2], "rb").read()
(si, zi), (so, zo) = [l.split() for l in open(sys.argv[3])]
si = struct.unpack("f", struct.pack("f", float(si)))[0]
so = struct.unpack("f", struct.pack("f", float(so)))[0]
zi, zo = int(zi), int(zo)
s = lambda v: v - 256 if v > 127 else v
bad = 0
for a, b in zip(x, y):
    r = (s(a) - zi) * si / so
    q = math.floor(abs(r) + 0.5) * (1 if r >= 0 else -1)
    want = max(-128, min(127, q + zo))
    near_tie = abs(abs(r) - math.floor(abs(r)) - 0.5) < 1e-6
    if want != s(b) and not near_tie:
        bad += 1
print(bad)
PYEOF
)
[ "$bad" = 0 ] && pass "quantize_requant matches TFLite's requantize definition" \
               || fail "quantize_requant: $bad bytes differ from the definition"
finish
