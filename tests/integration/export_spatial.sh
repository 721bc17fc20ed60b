# export-c --spatial: bad inputs give one-line errors and the right exit status; a good model
# writes both files and they compile as C99 with -Werror.
. tests/lib/common.sh
cc -std=c11 -Isrc -Iruntime tests/m55/gen_inputs.c build/librppgq.a \
    $(pkg-config --libs libzip json-c libpng) -lcrypto -lz -lm -pthread -o "$T/gen_inputs" &&
    "$T/gen_inputs" --model 3 "$T/m.tflite" || { fail "test model"; finish; }

expect_fail "missing model" 1 "nope.tflite" -- $RPPGQ export-c --spatial "$T/nope.tflite" --out "$T/o1"
printf 'not a flatbuffer at all' >"$T/bad.tflite"
expect_fail "not a tflite" 1 "bad.tflite" -- $RPPGQ export-c --spatial "$T/bad.tflite" --out "$T/o2"
expect_fail "bad rounding" 2 "rounding" -- $RPPGQ export-c --spatial "$T/m.tflite" --out "$T/o3" --rounding up
expect_fail "spatial without value" 2 "spatial" -- $RPPGQ export-c --out "$T/o4" --spatial
: >"$T/file"
expect_fail "out is a file" 1 "not a directory" -- $RPPGQ export-c --spatial "$T/m.tflite" --out "$T/file"

if $RPPGQ export-c --spatial "$T/m.tflite" --out "$T/ok" >/dev/null 2>&1 &&
   (cd "$T/ok" && cc -std=c99 -Wall -Wextra -Werror -pedantic -I. -c *.c) &&
   cmp -s "$T/ok/int8_kernels.c" runtime/int8_kernels.c && cmp -s "$T/ok/preprocess.h" runtime/preprocess.h; then
    pass "export writes a self-contained directory (network + runtime byte for byte) that compiles as C99 -Werror -pedantic"
else
    fail "export or standalone compile of the good model"
fi
finish
