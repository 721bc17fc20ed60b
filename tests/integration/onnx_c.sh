# slow: the temporal zoo (6 models x 5,000 PyTorch references) and 12 exports built and run
# export-c --onnx on the temporal zoo (tests/ref/temporal_zoo.py, made by PyTorch now):
# every model at opset 13 and 17 exported, compiled with the firmware's flags and run on
# 5,000 inputs by validate-c. Every model must be bit-identical to PyTorch's batch-1 forward
# (0 ulp, every output; the opset-13 attention block's decomposed LayerNorm is fused back by
# rq_pass_fuse_layernorm), as its header must claim. The seed's Temporal Fusion through ONNX gives the
# bits of export-c --temporal. Bad files fail with one line and leave DIR alone.
. tests/lib/common.sh
. tests/lib/temporal_zoo.sh
: "${RPPGQ_REL:=$RPPGQ}"
tzoo_make || finish

for model in temporal_fusion conv1d_mlp cnn2d gru bilstm attention; do
    for v in "" .op17; do
        name=$model$v out=$T/c_$model$v
        if ! $RPPGQ export-c --onnx "$TZOO/$model$v.onnx" --out "$out" >"$T/$name.export.txt" 2>&1; then
            fail "$name: export-c --onnx: $(cat "$T/$name.export.txt")"
            continue
        fi
        if ! $RPPGQ_REL validate-c --c-dir "$out" --reference "$TZOO/$model.pt" --json "$T/$name.json" \
            >"$T/$name.txt" 2>&1; then
            fail "$name: validate-c: $(tail -n 3 "$T/$name.txt")"
            continue
        fi
        if summary=$($PY - "$T/$name.json" "$TZOO/$model.pt" "$out/$model.h" <<'PYEOF'
import json, sys, torch
j = json.load(open(sys.argv[1]))
exact = torch.load(sys.argv[2])['exact']
header = open(sys.argv[3]).read()
claims_exact = '_EXACT 1' in header
assert j['n'] >= 5000, j
assert claims_exact == exact, 'header says exact=%s, the zoo %s' % (claims_exact, exact)
if exact:
    assert j['identical'] == j['n'] and j['max_ulp'] == 0, j
else:
    assert j['max_abs_bpm'] <= 1e-5, j
print('%d outputs, max %d ulp, max |diff| %.3g, mean |diff| %.3g, %d identical%s'
      % (j['n'], j['max_ulp'], j['max_abs_bpm'], j['mean_abs_bpm'], j['identical'],
         ' (bit-exact required)' if exact else ''))
PYEOF
); then
            pass "$name: $summary"
        else
            fail "$name: $summary $(cat "$T/$name.json")"
        fi
    done
done

# the seed's Temporal Fusion: the ONNX path and the checkpoint path give the same bits
# (both are compared with the same PyTorch outputs, every one identical)
if $RPPGQ export-c --temporal "$TZOO/temporal_fusion.pth" --out "$T/tf_ckpt" >/dev/null &&
    $RPPGQ_REL validate-c --c-dir "$T/tf_ckpt" --reference "$TZOO/temporal_fusion.pt" --json "$T/tf_ckpt.json" >/dev/null &&
    $PY -c "
import json, sys
a = json.load(open('$T/tf_ckpt.json')); b = json.load(open('$T/temporal_fusion.json'))
assert a['identical'] == a['n'] == b['identical'] == b['n'] == 5000, (a, b)"; then
    pass "Temporal Fusion: export-c --onnx and --temporal agree bit for bit on 5000 windows (0 ulp apart)"
else
    fail "Temporal Fusion: --onnx and --temporal differ"
fi

# the firmware builds of the issue, and the runtime copied byte for byte
cat >"$T/main.c" <<'CEOF'
#include <stdio.h>
#include MODEL_H
int main(void)
{
    static float in[IN_SIZE], out[OUT_SIZE];
    int i;
    for (i = 0; i < IN_SIZE; i++)
        in[i] = (float)(i % 7) * 0.25f - 0.5f;
    INFER(in, out);
    for (i = 0; i < OUT_SIZE; i++)
        if (!(out[i] == out[i]))
            return 1;
    printf("%.9g\n", (double)out[0]);
    return 0;
}
CEOF
for model in temporal_fusion conv1d_mlp cnn2d gru bilstm attention; do
    out=$T/c_$model up=$(echo $model | tr a-z A-Z)
    if cc -std=c99 -Wall -Wextra -Werror -I"$out" "$out"/*.c "$T/main.c" -lm -o "$T/main_$model" \
        -DMODEL_H="\"$model.h\"" -DIN_SIZE=${up}_INPUT_SIZE -DOUT_SIZE=${up}_OUTPUT_SIZE \
        -DINFER=${model}_infer && "$T/main_$model" >/dev/null &&
        clang -std=c99 -Wall -Wextra -Werror -pedantic -I"$out" -c "$out/$model.c" -o "$T/$model.clang.o"; then
        pass "$model: cc -std=c99 -Wall -Wextra -Werror -IDIR DIR/*.c main.c -lm builds and runs (clang -pedantic too)"
    else
        fail "$model: host build"
    fi
    if command -v arm-none-eabi-gcc >/dev/null; then
        ok=1
        for f in "$out"/*.c; do
            arm-none-eabi-gcc -mcpu=cortex-m55 -mthumb -mfloat-abi=hard -O2 -std=c99 -Wall -Wextra -Werror \
                -I"$out" -c "$f" -o "$T/$model.$(basename "$f" .c).arm.o" || ok=0
        done
        if [ $ok = 1 ]; then
            pass "$model: arm-none-eabi-gcc -mcpu=cortex-m55 -std=c99 -Werror compiles the export: $(arm-none-eabi-size -A "$T/$model".*.arm.o | awk '$1==".text"{t+=$2} $1==".rodata"{r+=$2} $1==".data"{d+=$2} $1==".bss"{b+=$2} END{printf "text %d rodata %d data %d bss %d", t, r, d, b}')"
        else
            fail "$model: arm-none-eabi-gcc build"
        fi
    else
        fail "arm-none-eabi-gcc not installed (tools/install-deps.sh installs it)"
    fi
done
for f in float_ops.c float_ops.h; do
    if cmp -s "$T/c_gru/$f" "runtime/$f"; then pass "$f is byte-identical to runtime/$f"; else fail "$f differs from runtime/$f"; fi
done
$RPPGQ export-c --onnx "$TZOO/attention.onnx" --out "$T/again" >/dev/null
if diff -r "$T/c_attention" "$T/again" >/dev/null; then pass "export is byte-identical run to run"; else fail "export differs run to run"; fi
$RPPGQ export-c --onnx "$TZOO/gru.onnx" --out "$T/named" --name rppg_gru >/dev/null
if [ -f "$T/named/rppg_gru.h" ] && grep -q "void rppg_gru_run(const float \*input, float \*output, float \*work);" "$T/named/rppg_gru.h"; then
    pass "--name sets the file names and the API prefix"
else
    fail "--name"
fi

# bad input: one line naming the file and the problem, exit 1, DIR untouched
$PY tests/ref/onnx_c_bad.py "$T/bad" 2>/dev/null || fail "making the bad ONNX files"
mkdir -p "$T/keep" && echo precious >"$T/keep/mine.txt"
expect_fail "unsupported op named with its node" 1 "unsupported.onnx: node '.*' \(Sin\): unsupported operator" -- \
    $RPPGQ export-c --onnx "$T/bad/unsupported.onnx" --out "$T/nope1"
expect_fail "two inputs refused" 1 "two_inputs.onnx: 2 inputs and 1 outputs" -- \
    $RPPGQ export-c --onnx "$T/bad/two_inputs.onnx" --out "$T/nope2"
expect_fail "NaN weight refused" 1 "nan_weight.onnx: .*NaN" -- \
    $RPPGQ export-c --onnx "$T/bad/nan_weight.onnx" --out "$T/nope3"
expect_fail "a directory holding other files is kept" 1 "holds other files" -- \
    $RPPGQ export-c --onnx "$TZOO/gru.onnx" --out "$T/keep"
expect_fail "bad --name" 2 "name" -- $RPPGQ export-c --onnx "$TZOO/gru.onnx" --out "$T/nope4" --name 9x
if [ ! -e "$T/nope1" ] && [ ! -e "$T/nope2" ] && [ ! -e "$T/nope3" ] && [ "$(ls "$T/keep")" = mine.txt ]; then
    pass "failed exports leave nothing behind"
else
    fail "a failed export left files"
fi
finish
