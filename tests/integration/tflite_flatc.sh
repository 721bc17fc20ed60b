# Our .tflite files through Debian's flatc and the public TFLite schema (an independent
# reader): flatc must parse them and show what the model API was asked to write. Then
# files that flatc builds itself from JSON (other field order, shared vtables, old and new
# operator-code fields) must read and run identically in our reader and engine.
. tests/lib/common.sh
SCHEMA=tests/tflite/schema.fbs
if ! command -v flatc >/dev/null; then
    fail "flatc not installed (make deps installs flatbuffers-compiler)"
    finish
fi
if ! "$TEST_BIN/test_tfl_file" --write "$T" 2>"$T/write.err"; then
    fail "writing test models: $(cat "$T/write.err")"
    finish
fi
mkdir -p "$T/json" "$T/fb"
for m in "$T"/*.tflite; do
    name=$(basename "$m" .tflite)
    if ! flatc --json --strict-json --defaults-json --raw-binary -o "$T/json" "$SCHEMA" -- "$m" \
        2>"$T/flatc.err"; then
        fail "flatc parses $name: $(head -c 300 "$T/flatc.err")"
        continue
    fi
    if out=$($PY tests/tflite/check_flatc_json.py "$T/json/$name.json" "$T/$name.expect.json"); then
        pass "flatc shows what we wrote: $name"
    else
        fail "flatc view of $name: $(echo "$out" | head -3 | tr '\n' ';')"
    fi
done

# The checker itself must notice a wrong value (negative control).
sed 's/"zero_point": \[-128\]/"zero_point": [-127]/' "$T/spatial_cnn_1.expect.json" >"$T/bad.expect.json"
if $PY tests/tflite/check_flatc_json.py "$T/json/spatial_cnn_1.json" "$T/bad.expect.json" >/dev/null; then
    fail "checker misses a wrong zero point"
else
    pass "checker notices a wrong zero point"
fi

# Files we did not write: flatc builds them from JSON.
$PY tests/tflite/flatc_variants.py "$T/json/spatial_cnn_1.json" "$T/spatial_cnn_1.expect.json" "$T/fb"
$RPPGQ inspect "$T/spatial_cnn_1.tflite" | tail -n +2 >"$T/ours.txt"
$PY -c 'import random,sys; r=random.Random(5); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(3888*20)))' >"$T/in.bin"
$RPPGQ infer "$T/spatial_cnn_1.tflite" "$T/in.bin" "$T/ours.out" || fail "infer on our file"
for v in flatc_full flatc_old_codes flatc_new_codes; do
    if ! flatc -b -o "$T/fb" "$SCHEMA" "$T/fb/$v.json" 2>"$T/flatc.err"; then
        fail "flatc builds $v: $(head -c 300 "$T/flatc.err")"
        continue
    fi
    if cmp -s "$T/fb/$v.tflite" "$T/spatial_cnn_1.tflite"; then
        fail "$v: flatc produced our exact bytes, the test would prove nothing"
        continue
    fi
    if $RPPGQ inspect "$T/fb/$v.tflite" | tail -n +2 | cmp -s - "$T/ours.txt"; then
        pass "reader: $v reads like our file"
    else
        fail "reader: $v reads differently"
    fi
    if $RPPGQ infer "$T/fb/$v.tflite" "$T/in.bin" "$T/$v.out" && cmp -s "$T/$v.out" "$T/ours.out"; then
        pass "engine: $v runs like our file"
    else
        fail "engine: $v runs differently"
    fi
done
finish
