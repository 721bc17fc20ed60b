# slow: the GRU and attention exports on an emulated Cortex-M55 (QEMU mps3-an547)
# export-c --onnx on the Cortex-M55: the GRU and the self-attention model of the temporal zoo,
# (opset 17) built with arm-none-eabi-gcc -mcpu=cortex-m55 -O2 (ISO C and GNU mode) and run on QEMU on
# 2,000 zoo inputs each. The M55 must give the host build's bits (same C, same order; newlib's
# expf/tanhf against glibc's is the only possible difference, and it is asserted absent);
# also printed: the difference from PyTorch, flash/rodata (arm-none-eabi-size) and the peak
# stack of one NAME_infer call measured by painting, which must stay within NAME_STACK_BYTES.
. tests/lib/common.sh
. tests/lib/temporal_zoo.sh
for tool in arm-none-eabi-gcc qemu-system-arm; do
    command -v $tool >/dev/null || { fail "$tool not installed (tools/install-deps.sh all)"; finish; }
done
tzoo_make || finish
N=2000

cat >"$T/main.c" <<'CEOF'
#include <stdio.h>
#include <string.h>
#include MODEL_H

#define PAINT 16384 /* bytes painted below main's stack pointer */

int main(void)
{
    static float in[IN_SIZE], out[OUT_SIZE];
    FILE *fi = fopen(INPUTS, "rb"), *fo = fopen(OUTPUTS, "wb");
    int i;
    if (!fi || !fo)
        return 2;
#ifdef __arm__
    {
        unsigned int *sp, *p;
        volatile unsigned int *lo;
        memset(in, 0, sizeof in);
        /* paint the free stack below main, call once, find the deepest word the call wrote */
        __asm__ volatile("mov %0, sp" : "=r"(sp));
        lo = sp - PAINT / 4;
        for (p = (unsigned int *)lo; p < sp; p++)
            *(volatile unsigned int *)p = 0xdeadbeefu;
        INFER(in, out);
        for (p = (unsigned int *)lo; p < sp && *(volatile unsigned int *)p == 0xdeadbeefu; p++)
            ;
        printf("stack %d\n", (int)((char *)sp - (char *)p));
    }
#endif
    for (i = 0; i < N_INPUTS; i++) {
        if (fread(in, sizeof(float), IN_SIZE, fi) != IN_SIZE)
            return 3;
        INFER(in, out);
        if (fwrite(out, sizeof(float), OUT_SIZE, fo) != OUT_SIZE)
            return 4;
    }
    return fclose(fo) == 0 ? 0 : 5;
}
CEOF

for model in gru attention; do
    up=$(echo $model | tr a-z A-Z) dir=$T/c_$model
    if ! $RPPGQ export-c --onnx "$TZOO/$model.op17.onnx" --out "$dir" >/dev/null; then
        fail "$model: export-c --onnx"
        continue
    fi
    $PY - "$TZOO/$model.pt" "$T/$model.in.bin" "$T/$model.ref.bin" $N <<'PYEOF'
import sys, torch
r = torch.load(sys.argv[1]); n = int(sys.argv[4])
r['inputs'][:n].numpy().astype('<f4').tofile(sys.argv[2])
r['outputs'][:n].numpy().astype('<f4').tofile(sys.argv[3])
PYEOF
    defs="-DMODEL_H=\"$model.h\" -DIN_SIZE=${up}_INPUT_SIZE -DOUT_SIZE=${up}_OUTPUT_SIZE -DINFER=${model}_infer -DN_INPUTS=$N"
    if ! cc -std=c99 -O2 -Wall -Wextra -Werror -I"$dir" $defs -DINPUTS="\"$T/$model.in.bin\"" \
        -DOUTPUTS="\"$T/$model.host.bin\"" "$dir"/*.c "$T/main.c" -lm -o "$T/$model.host" ||
        ! "$T/$model.host"; then
        fail "$model: host build and run"
        continue
    fi
    stated=$(awk "/^#define ${up}_STACK_BYTES/ {print \$3}" "$dir/$model.h")
    for mode in c99 gnu99; do
        elf=$T/$model.$mode.elf
        if ! arm-none-eabi-gcc -std=$mode -mcpu=cortex-m55 -mthumb -mfloat-abi=hard -O2 -Wall -Wextra \
            -Werror -I"$dir" -Itests/m55 $defs -DINPUTS="\"$T/$model.in.bin\"" \
            -DOUTPUTS="\"$T/$model.$mode.bin\"" "$dir"/*.c "$T/main.c" tests/m55/startup.c \
            --specs=rdimon.specs -nostartfiles -T tests/m55/link.ld -lm -o "$elf" 2>"$T/cc.log"; then
            fail "$model m55 $mode build: $(head -c 400 "$T/cc.log")"
            continue
        fi
        timeout 600 qemu-system-arm -M mps3-an547 -nographic -semihosting-config enable=on,target=native \
            -kernel "$elf" >"$T/$model.$mode.out" 2>"$T/$model.$mode.err"
        st=$?
        if [ $st -ne 0 ]; then
            fail "$model m55 $mode: qemu exit $st $(head -c 300 "$T/$model.$mode.err")"
            continue
        fi
        summary=$($PY - "$T/$model.$mode.bin" "$T/$model.host.bin" "$T/$model.ref.bin" <<'PYEOF'
import sys, numpy as np
m = np.fromfile(sys.argv[1], '<f4'); h = np.fromfile(sys.argv[2], '<f4'); r = np.fromfile(sys.argv[3], '<f4')
assert m.size == h.size == r.size, (m.size, h.size, r.size)
def key(a):
    i = a.view(np.int32).astype(np.int64)
    return np.where(i < 0, -(i & 0x7fffffff), i)
same = int((m.view(np.uint32) == h.view(np.uint32)).sum())
print('%d %d %d %.3g %.3g' % (m.size, same, np.abs(key(m) - key(r)).max(),
                              np.abs(m.astype(np.float64) - r).max(), np.abs(m.astype(np.float64) - r).mean()))
PYEOF
)
        set -- $summary
        used=$(awk '/^stack/ {print $2}' "$T/$model.$mode.out")
        size=$(arm-none-eabi-size -A "$elf" >/dev/null && arm-none-eabi-gcc -std=$mode -mcpu=cortex-m55 -mthumb \
            -mfloat-abi=hard -O2 -I"$dir" -c "$dir/$model.c" -o "$T/$model.o" &&
            arm-none-eabi-gcc -std=$mode -mcpu=cortex-m55 -mthumb -mfloat-abi=hard -O2 -I"$dir" -c "$dir/float_ops.c" -o "$T/fo.o" &&
            arm-none-eabi-size -A "$T/$model.o" "$T/fo.o" | awk '$1==".text"{t+=$2} $1==".rodata"{r+=$2} $1==".data"{d+=$2} $1==".bss"{b+=$2} END{printf "text %d rodata %d data %d bss %d", t, r, d, b}')
        text="$model M55 ($mode): $1 outputs, $2 identical to the host build; vs PyTorch max $3 ulp, max |diff| $4, mean |diff| $5; stack $used bytes measured (stated $stated); $size"
        if [ "${2:-0}" != "${1:-1}" ] || [ "${used:-99999}" -gt "${stated:-0}" ]; then
            fail "$text"
        else
            pass "$text"
        fi
    done
done
finish
