# slow: PyTorch references of 20,000 windows for several models (about a minute)
# Part B against PyTorch: the exported C gives bit-identical heart rates (we assert at most
# 1 float32 ulp, the requirement, and print what was measured), the arrays hold the exact
# checkpoint floats, the directory builds as the firmware would build it.
. tests/lib/common.sh
REF=tools/make_temporal_reference.py
: "${RPPGQ_REL:=$RPPGQ}"

# name seed weight-scale dims...
check_model() {
    local name=$1 seed=$2 scale=$3
    shift 3
    local ck=$T/$name.pth ref=$T/$name.pt out=$T/$name.c json=$T/$name.json
    if ! $PY $REF --checkpoint "$ck" --reference "$ref" --seed "$seed" --weight-scale "$scale" \
        --n 20000 --inputs mixed "$@" 2>"$T/$name.log"; then
        fail "$name: reference generation: $(tail -1 "$T/$name.log")"
        return
    fi
    if ! $RPPGQ export-c --temporal "$ck" --out "$out" $(rois_arg "$@") >/dev/null; then
        fail "$name: export-c"
        return
    fi
    local summary
    if $RPPGQ validate-c --c-dir "$out" --reference "$ref" --json "$json" >"$T/$name.txt" &&
        summary=$($PY - "$json" <<'PYEOF'
import json, sys
j = json.load(open(sys.argv[1]))
assert j['n'] == 20000 and j['max_ulp'] <= 1, j
print('max %.3g BPM, mean %.3g BPM, max %d ulp, %d of %d identical'
      % (j['max_abs_bpm'], j['mean_abs_bpm'], j['max_ulp'], j['identical'], j['n']))
PYEOF
)
    then
        pass "$name: $summary"
    else
        fail "$name: $(cat "$T/$name.txt" "$json" 2>/dev/null | tr '\n' ' ')"
    fi
}
rois_arg() {
    while [ $# -gt 0 ]; do
        [ "$1" = --rois ] && echo "--rois $2"
        shift
    done
}

SEED_DIMS="--frames 8 --rois 3 --features 16 --conv1 32 --conv2 16 --kernel 3 --hidden 32"
check_model seed_dims_s1 1 1 $SEED_DIMS
check_model seed_dims_s2 2 4 $SEED_DIMS
check_model seed_dims_s3 3 2 $SEED_DIMS
check_model other_dims_s4 4 2 --frames 16 --rois 2 --features 8 --conv1 24 --conv2 12 --kernel 5 --hidden 20
check_model short_window_s6 6 3 --frames 2 --rois 1 --features 5 --conv1 6 --conv2 4 --kernel 3 --hidden 5
check_model other_dims_s5 5 3 --frames 5 --rois 4 --features 3 --conv1 7 --conv2 9 --kernel 1 --hidden 6

# the arrays hold exactly the checkpoint's floats, as parsed by the compiler
out=$T/seed_dims_s1.c
$PY tests/ref/temporal_raw_weights.py "$T/seed_dims_s1.pth" "$T/torch_weights.bin"
cat >"$T/dump.c" <<'CEOF'
#include <stdio.h>
#include "temporal_fusion_weights_exported.h"
int main(void)
{
    fwrite(temporal_fusion_conv1_weight, sizeof temporal_fusion_conv1_weight, 1, stdout);
    fwrite(temporal_fusion_conv1_bias, sizeof temporal_fusion_conv1_bias, 1, stdout);
    fwrite(temporal_fusion_conv2_weight, sizeof temporal_fusion_conv2_weight, 1, stdout);
    fwrite(temporal_fusion_conv2_bias, sizeof temporal_fusion_conv2_bias, 1, stdout);
    fwrite(temporal_fusion_fc1_weight, sizeof temporal_fusion_fc1_weight, 1, stdout);
    fwrite(temporal_fusion_fc1_bias, sizeof temporal_fusion_fc1_bias, 1, stdout);
    fwrite(temporal_fusion_fc2_weight, sizeof temporal_fusion_fc2_weight, 1, stdout);
    fwrite(temporal_fusion_fc2_bias, sizeof temporal_fusion_fc2_bias, 1, stdout);
    return 0;
}
CEOF
if cc -std=c99 -I"$out" "$out/temporal_fusion_weights_exported.c" "$out/temporal_fusion.c" "$T/dump.c" -lm \
    -o "$T/dump" && "$T/dump" >"$T/c_weights.bin" && cmp -s "$T/c_weights.bin" "$T/torch_weights.bin"; then
    pass "exported literals are the checkpoint's float32 bits ($(stat -c %s "$T/c_weights.bin") bytes)"
else
    fail "exported literals differ from the checkpoint"
fi

# the firmware build of the issue: cc -std=c99 -Wall -Wextra -Werror -IDIR DIR/*.c main.c -lm
cat >"$T/main.c" <<'CEOF'
#include <stdio.h>
#include "temporal_fusion.h"
int main(void)
{
    float features[8 * 3 * 16] = {0};
    float bpm = temporal_fusion_infer(features);
    printf("%.9g\n", (double)bpm);
    return !(bpm >= 30.0f && bpm <= 180.0f);
}
CEOF
for c in cc clang; do
    if $c -std=c99 -Wall -Wextra -Werror -pedantic -I"$out" "$out"/*.c "$T/main.c" -lm -o "$T/main_$c" &&
        "$T/main_$c" >/dev/null; then
        pass "$c -std=c99 -Wall -Wextra -Werror -pedantic builds and runs the export"
    else
        fail "$c build of the export"
    fi
done

for f in temporal_fusion.c temporal_fusion.h; do
    if cmp -s "$out/$f" "runtime/$f"; then pass "$f is byte-identical to runtime/$f"; else fail "$f differs"; fi
done

# byte-identical output from run to run, and for a bare state_dict of the same weights
$RPPGQ export-c --temporal "$T/seed_dims_s1.pth" --out "$T/again" >/dev/null
if diff -r "$out" "$T/again" >/dev/null; then pass "export is byte-identical run to run"; else fail "export differs run to run"; fi
$PY $REF --checkpoint "$T/bare.pth" --seed 1 --bare $SEED_DIMS
mkdir -p "$T/bare" && cp "$T/bare.pth" "$T/bare/seed_dims_s1.pth"
$RPPGQ export-c --temporal "$T/bare/seed_dims_s1.pth" --out "$T/bare_out" >/dev/null
if diff <(grep -v 'SHA-256' "$T/bare_out/temporal_fusion_weights_exported.c") \
        <(grep -v 'SHA-256' "$out/temporal_fusion_weights_exported.c") >/dev/null; then
    pass "a bare state_dict exports the same arrays"
else
    fail "bare state_dict export differs"
fi

# the Cortex-M55 build of the issue
if command -v arm-none-eabi-gcc >/dev/null; then
    ok=1
    for f in "$out"/*.c; do
        arm-none-eabi-gcc -mcpu=cortex-m55 -mthumb -mfloat-abi=hard -O2 -std=c99 -Wall -Wextra -Werror \
            -I"$out" -c "$f" -o "$T/$(basename "$f" .c).arm.o" || ok=0
    done
    if [ $ok = 1 ]; then
        pass "arm-none-eabi-gcc -mcpu=cortex-m55 compiles the export: $(arm-none-eabi-size -A "$T"/*.arm.o | awk '$1==".text"{t+=$2} $1==".rodata"{r+=$2} $1==".data"{d+=$2} $1==".bss"{b+=$2} END{printf "text %d rodata %d data %d bss %d", t, r, d, b}')"
    else
        fail "arm-none-eabi-gcc build of the export"
    fi
else
    fail "arm-none-eabi-gcc not installed (tools/install-deps.sh installs it)"
fi
finish
