#!/usr/bin/env bash
# Executed instructions on the Cortex-M55 (QEMU mps3-an547, counted by a TCG plugin) per
# Spatial CNN patch (seed-shaped int8 model, layer by layer) and per Temporal Fusion window
# (seed's dimensions), for the portable C (-DRPPG_NO_MVE), the Helium kernels and, given a
# CMSIS-NN checkout, CMSIS-NN's int8 kernels on the same layers and inputs (built here with
# the same compiler and flags, outside the repository). Prints a markdown table.
# Usage: bench/m55_icount.sh [CMSIS_NN_DIR]   (e.g. a clone of github.com/ARM-software/CMSIS-NN)
set -eu
cd "$(dirname "$0")/.."
cmsis=${1:-}
for tool in arm-none-eabi-gcc qemu-system-arm cc; do
    command -v $tool >/dev/null || { echo "m55_icount: $tool not installed (tools/install-deps.sh all)" >&2; exit 1; }
done
[ -z "$cmsis" ] || [ -f "$cmsis/Include/arm_nnfunctions.h" ] ||
    { echo "m55_icount: $cmsis: not a CMSIS-NN checkout (no Include/arm_nnfunctions.h)" >&2; exit 1; }
work=$(mktemp -d /tmp/rppgq-icount.XXXXXX)
trap '[ -n "${RQ_KEEP:-}" ] || rm -rf "$work"' EXIT

make -s build/librppgq.a build/rppgq >/dev/null
HOST_LIBS="$(pkg-config --libs libzip json-c libpng 2>/dev/null) -lcrypto -lz -lm -pthread"
cc -std=c11 -O1 -Isrc -Iruntime tests/m55/gen_inputs.c build/librppgq.a $HOST_LIBS -o "$work/gen_inputs"
"$work/gen_inputs" --model 7 "$work/model.tflite"
build/rppgq export-c --spatial "$work/model.tflite" --out "$work/export" >/dev/null
cc -std=c11 -O2 -Wall -Wextra -Werror -shared -fPIC bench/m55/icount_plugin.c -o "$work/icount.so"

FLAGS="-std=c99 -mcpu=cortex-m55 -mthumb -mfloat-abi=hard -O2 -ffp-contract=off -ffunction-sections -fdata-sections"
LINK="--specs=rdimon.specs -nostartfiles -T tests/m55/link.ld -Wl,--gc-sections -lm"
image() { # name extra-flags... (sources and libraries follow the flags)
    local name=$1
    shift
    arm-none-eabi-gcc $FLAGS -Wall -Wextra -Iruntime -I"$work/export" "$@" runtime/int8_*.c runtime/q8_*.c \
        runtime/temporal_fusion.c "$work/export/spatial_cnn_int8.c" bench/m55/icount_main.c tests/m55/startup.c \
        ${cmsis_lib:-} $LINK -o "$work/$name.elf"
}
run() { # name -> "region count" lines in $work/name.counts
    local name=$1 mark
    mark=$(arm-none-eabi-nm "$work/$name.elf" | awk '$3 == "rq_icount_mark" {print "0x" $1}')
    qemu-system-arm -M mps3-an547 -nographic -semihosting-config enable=on,target=native \
        -plugin "$work/icount.so,mark=$mark" -d plugin -D "$work/$name.log" -kernel "$work/$name.elf" >"$work/$name.out"
    awk 'FNR == NR && $1 == "mark" {m[$2] = $3; next}
         FNR != NR && $1 == "region" {print $2, m[2 * n + 1] - m[2 * n]; n++}' "$work/$name.log" "$work/$name.out" |
        awk 'NR == 1 {empty = $2} {print $1, $2 - empty}' >"$work/$name.counts"
}

# the other operator families (bench/m55/icount_ops.c), same flags
image_ops() { # name extra-flags... (sources and libraries follow the flags)
    local name=$1
    shift
    arm-none-eabi-gcc $FLAGS -Wall -Wextra -Iruntime "$@" runtime/int8_*.c runtime/q8_*.c bench/m55/icount_ops.c \
        tests/m55/startup.c ${cmsis_lib:-} $LINK -o "$work/$name.elf"
}

image portable -DRPPG_NO_MVE
image helium
image_ops ops_portable -DRPPG_NO_MVE
image_ops ops_helium
run portable
run helium
run ops_portable
run ops_helium
if [ -n "$cmsis" ]; then
    mkdir -p "$work/cmsis"
    for f in "$cmsis"/Source/ConvolutionFunctions/*s8*.c "$cmsis"/Source/PoolingFunctions/*s8*.c \
             "$cmsis"/Source/BasicMathFunctions/*s8*.c "$cmsis"/Source/SoftmaxFunctions/*s8*.c "$cmsis"/Source/TransposeFunctions/*s8*.c \
             "$cmsis"/Source/NNSupportFunctions/*.c; do
        case $f in *_f16.c|*_f32.c|*_s4*.c|*_s16*.c|*lstm*|*_flt.c) continue ;; esac
        arm-none-eabi-gcc $FLAGS -I"$cmsis/Include" -c "$f" -o "$work/cmsis/$(basename "$f" .c).o"
    done
    arm-none-eabi-ar rcs "$work/libcmsisnn.a" "$work"/cmsis/*.o
    cmsis_lib="$work/libcmsisnn.a"
    image cmsis -DRQ_CMSIS_NN -I"$cmsis/Include"
    run cmsis
    image_ops ops_cmsis -DRQ_CMSIS_NN -I"$cmsis/Include"
    run ops_cmsis
    cmsis_rev=$(git -C "$cmsis" log -1 --format=%h 2>/dev/null || echo unknown)
fi

for n in portable helium ops_portable ops_helium ${cmsis:+cmsis ops_cmsis}; do
    grep -q "^kernels " "$work/$n.out" || { echo "m55_icount: the $n image did not run: $(head -c 300 "$work/$n.out")" >&2; exit 1; }
done
# every build computes the same features and heart rate
cmp -s <(grep -e '^bpm' -e '^features' "$work/portable.out") <(grep -e '^bpm' -e '^features' "$work/helium.out") ||
    { echo "m55_icount: portable and Helium results differ" >&2; exit 1; }

/usr/bin/python3 - "$work" "${cmsis_rev:-}" <<'PYEOF'
import sys, os
work, rev = sys.argv[1], sys.argv[2]
def counts(n):
    p = os.path.join(work, n + ".counts")
    return dict(l.split() for l in open(p)) if os.path.exists(p) else {}
pc, hc, cc = counts("portable"), counts("helium"), counts("cmsis")
cmp = {}
if os.path.exists(os.path.join(work, "cmsis.out")):
    for l in open(os.path.join(work, "cmsis.out")):
        if l.startswith("compare "):
            f = l.split()
            cmp[f[1].replace("cmsis_", "")] = (f[2], f[3])
layers = [k for k in pc if k.startswith("layer")]
def fmt(x): return "{:,}".format(int(x))
print("| region | portable C | Helium | portable / Helium |" + (" CMSIS-NN (%s) | Helium / CMSIS-NN | CMSIS-NN output |" % rev if cc else ""))
print("| --- | ---: | ---: | ---: |" + (" ---: | ---: | --- |" if cc else ""))
tot = {"p": 0, "h": 0, "c": 0}
for k in layers + ["patch", "tf_window"]:
    p, h = int(pc[k]), int(hc[k])
    row = "| %s | %s | %s | %.2f |" % (k, fmt(p), fmt(h), p / h)
    if cc and k.endswith("_copy"):
        row += " - | | RESHAPE: bytes kept as they are, no kernel |"
    elif cc and k.startswith("layer"):
        c = int(cc["cmsis_" + k])
        st, ident = cmp.get(k, ("?", "?"))
        note = "identical bytes" if ident == "identical=1" else ("global AVERAGE_POOL_2D (no MEAN kernel), not compared" if "mean" in k else "DIFFERS " + st)
        row += " %s | %.2f | %s |" % (fmt(c), h / c, note)
        tot["c"] += c
        tot["h"] += h
    elif cc:
        row += " | | |"
    print(row)
if cc:
    print("| conv + pool + mean layers (sum) | | %s | | %s | %.2f | |" % (fmt(tot["h"]), fmt(tot["c"]), tot["h"] / tot["c"]))
PYEOF

# the other operator families: one instance each (shapes in bench/m55/icount_ops.c)
/usr/bin/python3 - "$work" "${cmsis_rev:-}" <<'PYEOF'
import sys, os
work, rev = sys.argv[1], sys.argv[2]
def counts(n):
    p = os.path.join(work, n + ".counts")
    return dict(l.split() for l in open(p)) if os.path.exists(p) else {}
pc, hc, cc = counts("ops_portable"), counts("ops_helium"), counts("ops_cmsis")
same = {}
if os.path.exists(os.path.join(work, "ops_cmsis.out")):
    for l in open(os.path.join(work, "ops_cmsis.out")):
        if l.startswith("compare "):
            f = l.split()
            same[f[1]] = f[2] == "identical=1"
def fmt(x): return "{:,}".format(int(x))
print()
print("| operator | portable C | Helium | portable / Helium |" + (" CMSIS-NN (%s) | Helium / CMSIS-NN | CMSIS-NN output |" % rev if cc else ""))
print("| --- | ---: | ---: | ---: |" + (" ---: | ---: | --- |" if cc else ""))
for k in pc:
    if k == "empty":
        continue
    p, h = int(pc[k]), int(hc[k])
    row = "| %s | %s | %s | %.2f |" % (k, fmt(p), fmt(h), p / h)
    if cc and ("cmsis_" + k) in cc:
        c = int(cc["cmsis_" + k])
        row += " %s | %.2f | %s |" % (fmt(c), h / c, "identical bytes" if same.get(k) else "DIFFERS")
    elif cc:
        has = {"pad": "arm_pad_s8", "concat_channels": "arm_concatenation_s8_z",
               "transpose_nchw": "arm_transpose_s8"}
        row += (" - | | CMSIS-NN has %s, not run here |" % has[k]) if k in has else " - | | no CMSIS-NN kernel |"
    print(row)
PYEOF
