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
TFLM=$TFLM_RUN # tests/lib/common.sh: the one lookup of the TFLite Micro runner
[ -n "$TFLM" ] || echo "TFLite Micro runner (../shared/oracles/tflm_run) absent: TFLM comparison skipped"
LRT=tests/litert
HAVE_LRT=1
if [ ! -d "$LRT/node_modules/@litertjs/core" ] || ! command -v node >/dev/null; then
    echo "LiteRT.js not installed (make deps runs npm ci in $LRT): LiteRT comparison skipped"
    HAVE_LRT=0
fi

# Debian's flatc with the public schema (an independent reader) must parse every file and
# show each operator with the options table its builtin code calls for.
if command -v flatc >/dev/null; then
    for m in "$T"/*.tflite; do
        flatc --json --strict-json --defaults-json --raw-binary -o "$T/json" \
            tests/tflite/schema.fbs -- "$m" 2>"$T/flatc.err" ||
            { fail "flatc parses $(basename "$m"): $(head -c 200 "$T/flatc.err")"; continue; }
    done
    if out=$($PY - "$T/json" <<'PYEOF'
import glob, json, sys
want = {"CONCATENATION": "ConcatenationOptions", "PAD": "PadOptions", "PADV2": "PadV2Options",
        "RESIZE_BILINEAR": "ResizeBilinearOptions", "TRANSPOSE": "TransposeOptions",
        "RESIZE_NEAREST_NEIGHBOR": "ResizeNearestNeighborOptions", "SLICE": "SliceOptions",
        "SQUEEZE": "SqueezeOptions", "EXPAND_DIMS": "ExpandDimsOptions", "TILE": "TileOptions",
        "STRIDED_SLICE": "StridedSliceOptions", "SPLIT": "SplitOptions",
        "SPLIT_V": "SplitVOptions", "PACK": "PackOptions", "UNPACK": "UnpackOptions",
        "SHAPE": "ShapeOptions", "GATHER": "GatherOptions", "QUANTIZE": "QuantizeOptions",
        "DEPTH_TO_SPACE": "DepthToSpaceOptions", "SPACE_TO_DEPTH": "SpaceToDepthOptions",
        "RESHAPE": "NONE"}
n = bad = 0
for f in sorted(glob.glob(sys.argv[1] + "/*.json")):
    j = json.load(open(f))
    codes = [c["builtin_code"] for c in j["operator_codes"]]
    for op in j["subgraphs"][0]["operators"]:
        n += 1
        code = codes[op.get("opcode_index", 0)]
        if want.get(code) != op.get("builtin_options_type", "NONE"):
            bad += 1
            print(f, code, op.get("builtin_options_type"))
print(n, bad)
sys.exit(1 if bad or n == 0 else 0)
PYEOF
    ); then
        pass "flatc shows the options table of each operator ($(echo "$out" | tail -1 | cut -d' ' -f1) operators)"
    else
        fail "flatc: options tables: $(echo "$out" | head -3 | tr '\n' ';')"
    fi
else
    fail "flatc not installed (make deps installs flatbuffers-compiler)"
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

# RESIZE_BILINEAR in single rounding (TFLITE_SINGLE_ROUNDING; no runtime here computes
# it): TFLite's ResizeBilinearInteger written out in Python from its definition, both
# roundings, against our .single and .double on every input set.
if out=$($PY - "$T" <<'PYEOF'
import glob, json, os, sys
d = sys.argv[1]
s8 = lambda v: v - 256 if v > 127 else v
def coord(v, sc, half, size):
    x = v * sc + sc // 2 - 512 if half else v * sc
    lo = max(int(x / 1024), 0)                 # C division truncates toward zero
    hi = min(int((x + 1023) / 1024), size - 1)
    return x, min(lo, size - 1), hi
def scale(i, o, align):
    return (1024 * (i - 1) + (o - 1) // 2) // (o - 1) if align and o > 1 else (1024 * i + o // 2) // o
bad = total = 0
for jf in sorted(glob.glob(d + "/json/bilinear_*.json")):
    name = os.path.basename(jf)[:-5]
    j = json.load(open(jf)); g = j["subgraphs"][0]; opt = g["operators"][0]["builtin_options"]
    (n, ih, iw, c) = g["tensors"][g["inputs"][0]]["shape"]
    (_, oh, ow, _) = g["tensors"][g["outputs"][0]]["shape"]
    al, hp = opt["align_corners"], opt["half_pixel_centers"]
    sh, sw = scale(ih, oh, al), scale(iw, ow, al)
    data = open(f"{d}/{name}.in", "rb").read()
    want = {r: bytearray() for r in ("double", "single")}
    per = n * ih * iw * c
    for k in range(len(data) // per):
        x = data[k * per:(k + 1) * per]
        at = lambda b, y, xx, ch: s8(x[((b * ih + y) * iw + xx) * c + ch])
        for b in range(n):
            for y in range(oh):
                iy, y0, y1 = coord(y, sh, hp, ih)
                for xo in range(ow):
                    ix, x0, x1 = coord(xo, sw, hp, iw)
                    for ch in range(c):
                        v = (at(b, y0, x0, ch) * (1024 - (iy - 1024 * y0)) * (1024 - (ix - 1024 * x0))
                             + at(b, y1, x0, ch) * (iy - 1024 * y0) * (1024 - (ix - 1024 * x0))
                             + at(b, y0, x1, ch) * (1024 - (iy - 1024 * y0)) * (ix - 1024 * x0)
                             + at(b, y1, x1, ch) * (iy - 1024 * y0) * (ix - 1024 * x0))
                        dbl = int((v + (1 << 19 if v > 0 else -(1 << 19))) / (1 << 20))
                        sgl = (v + (1 << 19)) >> 20
                        want["double"].append(dbl & 255); want["single"].append(sgl & 255)
    for r in want:
        got = open(f"{d}/{name}.{r}", "rb").read()
        total += len(got)
        bad += sum(a != b for a, b in zip(got, want[r])) + abs(len(got) - len(want[r]))
print(total, bad)
sys.exit(1 if bad or not total else 0)
PYEOF
); then
    pass "RESIZE_BILINEAR: both roundings equal TFLite's integer definition ($(echo "$out" | cut -d' ' -f1) bytes)"
else
    fail "RESIZE_BILINEAR against TFLite's integer definition: $out (bytes, differing)"
fi

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

# Bad models (a shape chain that does not fold, non-constant operands, overflowing sizes,
# inconsistent shapes, bad options): infer exits 1 with one line naming the operator and
# writes nothing.
while read -r name idx op want; do
    rm -f "$T/bad.out"
    expect_fail "infer refuses $name ($op)" 1 "operator $idx \($op\): .*$want" -- \
        "$RPPGQ" infer "$T/$name.tflite" "$T/$name.in" "$T/bad.out"
    [ -e "$T/bad.out" ] && fail "$name: infer left an output file"
done <"$T/bad.txt"
finish
