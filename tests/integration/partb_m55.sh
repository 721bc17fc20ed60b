# slow: runs the exported Temporal Fusion on an emulated Cortex-M55 (about 30 s)
# The export built with arm-none-eabi-gcc for the Cortex-M55 and run on QEMU's mps3-an547
# against PyTorch's outputs: reports the difference (newlib's expf is not glibc's) and the
# stack the call really uses (painted); asserts at most 1 ulp.
. tests/lib/common.sh
for tool in arm-none-eabi-gcc qemu-system-arm; do
    command -v $tool >/dev/null || { fail "$tool not installed (tools/install-deps.sh all)"; finish; }
done
N=4000
$PY tools/make_temporal_reference.py --checkpoint "$T/m.pth" --reference "$T/m.pt" --seed 7 \
    --weight-scale 4 --n $N --inputs mixed 2>/dev/null || { fail "reference"; finish; }
$RPPGQ export-c --temporal "$T/m.pth" --out "$T/m_c" >/dev/null || { fail "export-c"; finish; }
$PY - "$T/m.pt" "$T/inputs.bin" "$T/ref.bin" <<'PYEOF'
import sys, torch
r = torch.load(sys.argv[1])
r['inputs'].numpy().astype('<f4').tofile(sys.argv[2])
r['outputs'].numpy().astype('<f4').tofile(sys.argv[3])
PYEOF

cat >"$T/m55_main.c" <<'CEOF'
#include <stdio.h>
#include <string.h>
#include "temporal_fusion.h"
#include "temporal_fusion_weights_exported.h"

#define PAINT 8192 /* bytes painted below main's stack pointer */

int main(void)
{
    static float window[TEMPORAL_FUSION_INPUT_FLOATS];
    FILE *in = fopen(INPUTS, "rb"), *out = fopen(OUTPUTS, "wb");
    if (!in || !out)
        return 2;
    unsigned int *sp, *p;
    volatile unsigned int *lo;
    volatile float y0;
    memset(window, 0, sizeof window);
    /* paint the free stack below main, call once, find the deepest word the call wrote */
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    lo = sp - PAINT / 4;
    for (p = (unsigned int *)lo; p < sp; p++)
        *(volatile unsigned int *)p = 0xdeadbeefu;
    y0 = temporal_fusion_infer(window);
    (void)y0;
    for (p = (unsigned int *)lo; p < sp && *(volatile unsigned int *)p == 0xdeadbeefu; p++)
        ;
    printf("stack %d\n", (int)((char *)sp - (char *)p));
    for (int i = 0; i < N; i++) {
        float y;
        if (fread(window, sizeof(float), TEMPORAL_FUSION_INPUT_FLOATS, in) != TEMPORAL_FUSION_INPUT_FLOATS)
            return 3;
        y = temporal_fusion_infer(window);
        if (fwrite(&y, sizeof y, 1, out) != 1)
            return 4;
    }
    return fclose(out) == 0 ? 0 : 5;
}
CEOF

# ISO C and GNU mode (where GCC would fuse a*b+c into one rounding unless the runtime's
# pragma stops it), with the Helium lanes -mcpu=cortex-m55 selects and with the scalar code
stated=$(awk '/^#define TEMPORAL_FUSION_STACK_BYTES/ {print $3}' "$T/m_c/temporal_fusion_weights_exported.h")
for mode in "c99:-std=c99" "gnu99:-std=gnu99" "c99-scalar:-std=c99 -DRPPG_NO_MVE"; do
    name=${mode%%:*} std=${mode#*:}
    elf=$T/m55_$name.elf
    if ! arm-none-eabi-gcc $std -mcpu=cortex-m55 -mthumb -mfloat-abi=hard -O2 -Wall -Wextra -Werror \
        -I"$T/m_c" -Itests/m55 -DN=$N -DINPUTS="\"$T/inputs.bin\"" -DOUTPUTS="\"$T/out_$name.bin\"" \
        "$T"/m_c/*.c "$T/m55_main.c" tests/m55/startup.c --specs=rdimon.specs -nostartfiles \
        -T tests/m55/link.ld -lm -o "$elf" 2>"$T/cc_$name.log"; then
        fail "m55 $name build: $(head -c 400 "$T/cc_$name.log")"
        continue
    fi
    timeout 300 qemu-system-arm -M mps3-an547 -nographic -semihosting-config enable=on,target=native \
        -kernel "$elf" >"$T/qemu_$name.out" 2>"$T/qemu_$name.err"
    st=$?
    if [ $st -ne 0 ]; then
        fail "m55 $name: qemu exit $st $(head -c 300 "$T/qemu_$name.err")"
        continue
    fi
    summary=$($PY - "$T/out_$name.bin" "$T/ref.bin" <<'PYEOF'
import sys, numpy as np
c = np.fromfile(sys.argv[1], '<f4'); r = np.fromfile(sys.argv[2], '<f4')
assert c.size == r.size, (c.size, r.size)
def key(a):
    i = a.view(np.int32).astype(np.int64)
    return np.where(i < 0, -(i & 0x7fffffff), i)
ulp = np.abs(key(c) - key(r))
d = np.abs(c.astype(np.float64) - r)
print('%d %d %.3g %.3g %d' % (ulp.max(), (ulp == 0).sum(), d.max(), d.mean(), c.size))
PYEOF
)
    set -- $summary
    used=$(awk '/^stack/ {print $2}' "$T/qemu_$name.out")
    text="M55 $name: $5 windows, max $1 ulp (max |diff| $3 BPM, mean $4 BPM), $2 identical; stack $used bytes (stated $stated)"
    if [ "${1:-9}" -gt 1 ] || [ "${used:-99999}" -gt "${stated:-0}" ]; then
        fail "$text"
    else
        pass "$text"
    fi
done
finish
