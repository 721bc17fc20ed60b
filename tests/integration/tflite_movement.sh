# The data-movement and shape operators (CONCATENATION, PAD, PADV2, RESIZE_BILINEAR,
# RESIZE_NEAREST_NEIGHBOR, TRANSPOSE, SQUEEZE, EXPAND_DIMS, STRIDED_SLICE, SLICE, SPLIT,
# SPLIT_V, PACK, UNPACK, SHAPE, TILE, GATHER, DEPTH_TO_SPACE, SPACE_TO_DEPTH and the Keras
# Flatten shape chain) on converter-style models made by our writer (test_tfl_movement
# --write, generated once here): our engine against TFLite Micro's reference kernels
# (../shared/oracles/tflm_run, double rounding, 0 differing bytes required) and LiteRT
# (XNNPACK, our single rounding; the deviations are documented and bounded below:
# XNNPACK's resize-bilinear weights and its int8 QUANTIZE (an 8-bit multiplier) are its own,
# within one LSB; LiteRT.js returns unwritten bytes for graph outputs TFLite computes at
# prepare time (SHAPE, a RESHAPE of a folded shape chain), so those two cases are shown by
# flatten_then_pad, the same chain followed by a PAD).
# Prints one line per case with the differing bytes for the record (docs/operators.md).
. tests/lib/common.sh
if ! "$TEST_BIN/test_tfl_movement" --write "$T" 2>"$T/write.err"; then
    fail "writing the models: $(cat "$T/write.err")"
    finish
fi
TFLM=
for c in "$RQ_ROOT/../shared/oracles/tflm_run" "$RQ_ROOT/../../shared/oracles/tflm_run"; do
    [ -x "$c" ] && { TFLM=$c; break; }
done
[ -n "$TFLM" ] || echo "TFLite Micro runner (../shared/oracles/tflm_run) absent: TFLM comparison skipped"
LRT=tests/litert
HAVE_LRT=1
if [ ! -d "$LRT/node_modules/@litertjs/core" ] || ! command -v node >/dev/null; then
    echo "LiteRT.js not installed (make deps runs npm ci in $LRT): LiteRT comparison skipped"
    HAVE_LRT=0
fi

differing() { cmp -l "$1" "$2" 2>/dev/null | wc -l; }
max_abs() {
    $PY -c 'import sys; a=open(sys.argv[1],"rb").read(); b=open(sys.argv[2],"rb").read()
s=lambda v: v-256 if v>127 else v
print(max([abs(s(x)-s(y)) for x,y in zip(a,b)] + [0]) if len(a)==len(b) else 999)' "$1" "$2"
}

# tflm NAME MODEL IN_BYTES: every input set through TFLite Micro, outputs appended
tflm() {
    local name=$1 model=$2 ni=$3 sets k
    sets=$(($(stat -c %s "$T/$name.in") / ni))
    : >"$T/$name.tflm"
    for ((k = 0; k < sets; k++)); do
        dd if="$T/$name.in" of="$T/set.in" bs="$ni" skip="$k" count=1 status=none
        "$TFLM" "$model" "$T/set.in" "$T/set.out" 2>"$T/tflm.err" || return 1
        cat "$T/set.out" >>"$T/$name.tflm"
    done
}

while read -r name ni no flags; do
    model=$T/$name.tflite
    oracle=$model
    (( flags & 2 )) && oracle=$T/$name.ref.tflite # the converter's QUANTIZE + CONCATENATION
    total=$(stat -c %s "$T/$name.double")
    sets=$(($(stat -c %s "$T/$name.in") / ni))
    line="$name: $sets input sets, $total output bytes:"
    if (( flags & 1 )); then
        line="$line TFLM n/a (no kernel or option ignored),"
    elif [ -n "$TFLM" ]; then
        if tflm "$name" "$oracle" "$ni"; then
            d=$(differing "$T/$name.double" "$T/$name.tflm")
            line="$line TFLM $d differ,"
            [ "$d" -eq 0 ] && pass "$name: TFLite Micro byte for byte" \
                           || fail "$name: $d of $total bytes differ from TFLite Micro"
        else
            fail "$name: TFLite Micro refused it: $(head -c 300 "$T/tflm.err")"
        fi
    fi
    if (( flags & 16 )); then
        line="$line LiteRT n/a (output computed at prepare, not copied out by LiteRT.js)"
    elif [ "$HAVE_LRT" = 1 ]; then
        if node $LRT/run_tflite.js --once "$oracle" "$T/$name.in" "$T/$name.lrt" 2>"$T/lrt.err"; then
            d=$(differing "$T/$name.single" "$T/$name.lrt")
            m=$(max_abs "$T/$name.single" "$T/$name.lrt")
            line="$line LiteRT $d differ (max |diff| $m)"
            case $name in
            bilinear_* | concat_requant) # XNNPACK's own resize weights / QUANTIZE multiplier
                [ "$m" -le 1 ] && pass "$name: LiteRT within one LSB ($d of $total bytes)" \
                               || fail "$name: LiteRT differs by up to $m" ;;
            *)
                [ "$d" -eq 0 ] && pass "$name: LiteRT byte for byte" \
                               || fail "$name: $d of $total bytes differ from LiteRT" ;;
            esac
        else
            fail "$name: LiteRT refused it: $(head -c 300 "$T/lrt.err")"
        fi
    fi
    echo "$line"
done <"$T/cases.txt"

finish
