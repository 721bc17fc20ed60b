#!/usr/bin/env bash
# Builds the runtime for the Cortex-M55 (arm-none-eabi-gcc, -Werror), runs the test image on
# QEMU's mps3-an547 and requires its result lines to equal the host build's, byte for byte.
# Every image is built twice: with the Helium (MVE) kernels the compiler selects for
# -mcpu=cortex-m55, and with them forced off (-DRPPG_NO_MVE, the portable C); both must match.
# Usage: tests/m55/run.sh [WORKDIR]   (prints PASS/FAIL lines; exit status 0 = all passed)
set -u
cd "$(dirname "$0")/../.."
work=${1:-$(mktemp -d /tmp/rppgq-m55.XXXXXX)}
mkdir -p "$work"
fails=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

for tool in arm-none-eabi-gcc qemu-system-arm; do
    command -v $tool >/dev/null || { fail "m55: $tool not installed (tools/install-deps.sh all)"; exit 1; }
done

M55_CC=arm-none-eabi-gcc
M55_CFLAGS="-std=c99 -mcpu=cortex-m55 -mthumb -mfloat-abi=hard -O2 -Wall -Wextra -Werror -ffp-contract=off -ffunction-sections -fdata-sections -Iruntime -Itests/m55"
M55_LDFLAGS="--specs=rdimon.specs -nostartfiles -T tests/m55/link.ld -Wl,--gc-sections"
HOST_LIB=${RQ_HOST_LIB:-build/librppgq.a}
HOST_LIBS="$(pkg-config --libs libzip json-c libpng 2>/dev/null) -lcrypto -lz -lm -pthread"

# 0. inputs made on the host: a random seed-shaped int8 model, a synthetic-generator window
# and its camera frames with face boxes
[ -f "$HOST_LIB" ] || make -s "$HOST_LIB" >/dev/null
if ! cc -std=c11 -O1 -Wall -Wextra -Werror -Isrc -Iruntime tests/m55/gen_inputs.c "$HOST_LIB" $HOST_LIBS \
        -o "$work/gen_inputs" 2>"$work/gen_cc.log" ||
   ! "$work/gen_inputs" --window "$work/synth_window.c" ||
   ! "$work/gen_inputs" --model 7 "$work/random_spatial.tflite" ||
   ! "$work/gen_inputs" --model-ratio 8 "$work/ratio_spatial.tflite" ||
   ! "$work/gen_inputs" --branches 9 "$work/branches.tflite"; then
    fail "m55: input generation: $(head -c 600 "$work/gen_cc.log")"
    exit 1
fi
SYNTH="$work/synth_window.c"

# result lines must be equal, except heart rates ("hr " and "tf " lines): their float32 bits
# may differ by one ulp between host and MCU (expf comes from glibc on the host, from newlib on
# the MCU). Lines starting "stack ", "kernels " and "mcu " are the MCU's own (stack peaks, the
# kernel path, NaN bits) and are left out. Both MCU builds are compared with each other
# exactly: same_results A B exact.
same_results() { # host.out mcu.out [exact]
    $PY_CMP - "$1" "$2" "${3:-ulp}" <<'PYEOF'
import sys
exact = sys.argv[3] == "exact"
skip = ("stack ", "kernels ") if exact else ("stack ", "kernels ", "mcu ")
keep = lambda f: [l for l in open(f).read().splitlines() if not l.startswith(skip)]
a, b = keep(sys.argv[1]), keep(sys.argv[2])
if len(a) != len(b):
    print("line counts differ: %d vs %d" % (len(a), len(b))); sys.exit(1)
worst = 0
for x, y in zip(a, b):
    if not exact and x.startswith(("hr ", "tf ")) and y[:3] == x[:3] and "bits=" in x and "bits=" in y:
        bx = int(x.split("bits=")[1].split()[0], 16)
        by = int(y.split("bits=")[1].split()[0], 16)
        worst = max(worst, abs(bx - by))
        if abs(bx - by) > 1:
            print("HR differs by %d ulp: %s | %s" % (abs(bx - by), x, y)); sys.exit(1)
    elif x != y:
        print("differs: %s | %s" % (x, y)); sys.exit(1)
print("max HR difference %d ulp" % worst)
PYEOF
}
PY_CMP=${PY:-/usr/bin/python3}

# the two kernel paths of every image: name, extra flags, what rppg_q8_kernels_path() says
M55_PATHS="helium: portable:-DRPPG_NO_MVE"
path_flags() { echo "${1#*:}"; }
path_name() { echo "${1%%:*}"; }
expected_kernels() { [ "$1" = helium ] && echo helium || echo portable; }

# 1. the images
for pv in $M55_PATHS; do
    pn=$(path_name "$pv")
    if $M55_CC $M55_CFLAGS $(path_flags "$pv") -DRQ_M55 runtime/*.c tests/m55/cases.c tests/m55/cases_ops.c tests/m55/m55_main.c tests/m55/startup.c "$SYNTH" \
            $M55_LDFLAGS -lm -o "$work/m55_cases_$pn.elf" 2>"$work/m55_cc.log"; then
        pass "m55: runtime builds for cortex-m55 with -Werror ($pn kernels)"
    else
        fail "m55: cross build ($pn): $(head -c 600 "$work/m55_cc.log")"
        exit 1
    fi
done

# 2. the host twin
if ! cc -std=c11 -O1 -Wall -Wextra -Werror -Isrc -Iruntime -Itests/m55 tests/m55/cases.c tests/m55/cases_ops.c tests/m55/host_main.c "$SYNTH" \
        "$HOST_LIB" $HOST_LIBS -o "$work/host_cases" 2>"$work/host_cc.log"; then
    fail "m55: host build: $(head -c 600 "$work/host_cc.log")"
    exit 1
fi

# 3. run them and compare
"$work/host_cases" >"$work/host.out"
hst=$?
n=$(wc -l <"$work/host.out")
for pv in $M55_PATHS; do
    pn=$(path_name "$pv")
    timeout 120 qemu-system-arm -M mps3-an547 -nographic -semihosting-config enable=on,target=native \
        -kernel "$work/m55_cases_$pn.elf" >"$work/m55_$pn.out" 2>"$work/qemu.err"
    st=$?
    if [ $st -eq 0 ] && [ $hst -eq 0 ] && grep -qx "kernels $(expected_kernels "$pn")" "$work/m55_$pn.out"; then
        pass "m55: image ran to completion on qemu mps3-an547 with the $pn kernels (internal checks ok)"
    else
        fail "m55 ($pn): qemu exit $st, host exit $hst, $(grep '^kernels' "$work/m55_$pn.out"): $(tail -n 3 "$work/m55_$pn.out") $(head -c 300 "$work/qemu.err")"
    fi
    if [ "$n" -gt 100 ] && verdict=$(same_results "$work/host.out" "$work/m55_$pn.out"); then
        pass "m55: $n result lines identical to the host build ($pn kernels: ROIs, camera streams at 15-60 fps resampled to 7.5 Hz, patches, convolutions, pools, MEANs, depthwise (multipliers 1-4, dilation), ADD/SUB/MUL/MAXIMUM/MINIMUM/PRELU with broadcasts, tables, SUM/REDUCE_MAX, TRANSPOSE_CONV, RESIZE, SOFTMAX, requantizing copies, signal quality, smoother; Temporal Fusion of 7 shapes: $verdict)"
    else
        fail "m55: results differ from host ($pn kernels): ${verdict:-}"
    fi
done
if verdict=$(same_results "$work/m55_portable.out" "$work/m55_helium.out" exact); then
    pass "m55: Helium and portable builds give identical lines, Temporal Fusion bits included (0 ulp)"
else
    fail "m55: Helium and portable builds differ: $verdict"
fi
cp "$work/m55_helium.out" "$work/m55.out"

# 4. with a model: the int8 Spatial CNN exported as const C (rppgq export-c --spatial) on
# the MCU against the host's reference int8 engine on the same .tflite
RPPGQ_BIN=${RPPGQ_REL:-build/rppgq}
model_case() { # name model.tflite rounding
    local name=$1 model=$2 rounding=$3 d=$work/$1
    mkdir -p "$d"
    if ! "$RPPGQ_BIN" export-c --spatial "$model" --out "$d/export" --rounding "$rounding" >"$d/export.log" 2>&1; then
        fail "m55 $name: export-c --spatial: $(head -c 300 "$d/export.log")"; return
    fi
    if ! cc -std=c11 -O1 -Wall -Wextra -Werror -DRQ_M55_MODEL -Isrc -Iruntime -Itests/m55 tests/m55/cases.c tests/m55/cases_ops.c \
            tests/m55/host_main.c "$SYNTH" "$HOST_LIB" $HOST_LIBS -o "$d/host_cases" 2>"$d/host_cc.log"; then
        fail "m55 $name: host build: $(head -c 600 "$d/host_cc.log")"; return
    fi
    "$d/host_cases" "$model" "$rounding" >"$d/host.out" 2>"$d/host.err"
    local hst=$?
    local ref="host int8 engine"
    grep -q 'reference=cpu-path' "$d/host.err" && ref="host build of the CPU path (int8 engine not built yet)"
    local nf nh verdict pv pn st
    nf=$(grep -c '^features ' "$d/host.out")
    nh=$(grep -c '^hr ' "$d/host.out")
    for pv in $M55_PATHS; do
        pn=$(path_name "$pv")
        if ! $M55_CC $M55_CFLAGS $(path_flags "$pv") -DRQ_M55 -DRQ_M55_MODEL -I"$d/export" runtime/*.c "$d/export/spatial_cnn_int8.c" \
                tests/m55/cases.c tests/m55/cases_ops.c tests/m55/m55_main.c tests/m55/startup.c "$SYNTH" $M55_LDFLAGS -lm \
                -o "$d/image_$pn.elf" 2>"$d/m55_cc.log"; then
            fail "m55 $name: cross build with the exported model ($pn): $(head -c 600 "$d/m55_cc.log")"; continue
        fi
        timeout 300 qemu-system-arm -M mps3-an547 -nographic -semihosting-config enable=on,target=native \
            -kernel "$d/image_$pn.elf" >"$d/m55_$pn.out" 2>"$d/qemu.err"
        st=$?
        verdict=""
        if [ $st -eq 0 ] && [ $hst -eq 0 ] && [ "$nf" -eq 80 ] && [ "$nh" -eq 3 ] &&
           grep -qx "kernels $(expected_kernels "$pn")" "$d/m55_$pn.out" &&
           verdict=$(same_results "$d/host.out" "$d/m55_$pn.out"); then
            pass "m55 $name ($pn kernels): 80 feature vectors (camera-like frames, the synthetic generator's window and its camera frames + face boxes, random patches) byte-identical to the $ref ($rounding rounding); HR of 3 windows within one float32 ulp ($verdict)"
        else
            fail "m55 $name ($pn kernels): qemu $st host $hst features $nf hr $nh: ${verdict:-} $(head -c 300 "$d/host.err")"
        fi
    done
    if verdict=$(same_results "$d/m55_portable.out" "$d/m55_helium.out" exact); then
        pass "m55 $name: Helium and portable builds identical (features and heart rates, 0 ulp)"
    else
        fail "m55 $name: Helium and portable builds differ: $verdict"
    fi
    cp "$d/m55_helium.out" "$d/m55.out" 2>/dev/null
    cp "$d/image_helium.elf" "$d/image.elf" 2>/dev/null
    if [ "$name" = random_double ]; then
        if $M55_CC $M55_CFLAGS -I"$d/export" -c runtime/example/example_main.c -o "$d/example.o" 2>"$d/ex.log" &&
           $M55_CC $M55_CFLAGS -DUSE_NPU -I"$d/export" -c runtime/example/example_main.c -o "$d/example_npu.o" 2>>"$d/ex.log"; then
            pass "m55: runtime/example/example_main.c compiles against the export (CPU path and USE_NPU)"
        else
            fail "m55: example main: $(head -c 400 "$d/ex.log")"
        fi
    fi
    grep '^stack rppg_q8_net_run' "$d/m55.out" | tail -n 1 | sed 's/^/  /'
    arm-none-eabi-size -A "$d/image.elf" | awk '$1 ~ /^\.(text|data|bss|sram)$/ {printf "  %s %s", $1, $2} END {print ""}'
}

if [ -x "$RPPGQ_BIN" ]; then
    model_case random_double "$work/random_spatial.tflite" double
    model_case random_single "$work/random_spatial.tflite" single
    model_case window_ratio "$work/ratio_spatial.tflite" double
    for m in ${RQ_M55_MODELS:-}; do
        model_case "$(basename "$m" .tflite)" "$m" double
    done
fi

# 5. a graph with branches (DEPTHWISE_CONV_2D and CONV_2D reading one input, a
# CONCATENATION of differently quantized tensors, PAD): the exported network on the MCU
# against the host's int8 engine (`rppgq infer`) on the same 24 inputs, both roundings
graph_case() { # name model.tflite rounding
    local name=$1 model=$2 rounding=$3 d=$work/$1 pv pn st
    mkdir -p "$d"
    if ! "$RPPGQ_BIN" export-c --spatial "$model" --out "$d/export" --rounding "$rounding" >"$d/export.log" 2>&1; then
        fail "m55 $name: export-c --spatial: $(head -c 300 "$d/export.log")"; return
    fi
    if ! cc -std=c99 -O1 -Wall -Wextra -Werror -DRQ_GRAPH_INPUTS -Iruntime -I"$d/export" tests/m55/graph_main.c \
            -o "$d/graph_inputs" 2>"$d/host_cc.log" || ! "$d/graph_inputs" >"$d/in.bin" ||
       ! "$RPPGQ_BIN" infer "$model" "$d/in.bin" "$d/out.bin" --rounding "$rounding" 2>"$d/infer.err"; then
        fail "m55 $name: host reference: $(head -c 400 "$d/host_cc.log" "$d/infer.err")"; return
    fi
    local n_out
    n_out=$(sed -n 's/^#define RPPG_SPATIAL_FEATURES \([0-9]*\).*/\1/p' "$d/export/spatial_cnn_int8.h")
    od -An -v -tx1 -w"$n_out" "$d/out.bin" | tr -d ' ' >"$d/host.out"
    for pv in $M55_PATHS; do
        pn=$(path_name "$pv")
        if ! $M55_CC $M55_CFLAGS $(path_flags "$pv") -I"$d/export" runtime/*.c "$d/export/spatial_cnn_int8.c" tests/m55/graph_main.c tests/m55/startup.c \
                $M55_LDFLAGS -lm -o "$d/image_$pn.elf" 2>"$d/m55_cc.log"; then
            fail "m55 $name: cross build ($pn): $(head -c 600 "$d/m55_cc.log")"; continue
        fi
        timeout 300 qemu-system-arm -M mps3-an547 -nographic -semihosting-config enable=on,target=native \
            -kernel "$d/image_$pn.elf" >"$d/m55_$pn.raw" 2>"$d/qemu.err"
        st=$?
        grep -v '^kernels ' "$d/m55_$pn.raw" >"$d/m55_$pn.out"
        if [ $st -eq 0 ] && [ "$(wc -l <"$d/host.out")" -eq 24 ] && cmp -s "$d/host.out" "$d/m55_$pn.out" &&
           grep -qx "kernels $(expected_kernels "$pn")" "$d/m55_$pn.raw"; then
            pass "m55 $name ($pn kernels, $rounding rounding): 24 outputs byte-identical to the host int8 engine"
        else
            fail "m55 $name ($pn kernels, $rounding rounding): qemu exit $st; $(diff "$d/host.out" "$d/m55_$pn.out" | head -c 300)"
        fi
    done
}
if [ -x "$RPPGQ_BIN" ]; then
    graph_case branches_double "$work/branches.tflite" double
    graph_case branches_single "$work/branches.tflite" single
fi

# 6. every test model of the repository on the MCU path (per-operator models, arithmetic and
# data-movement families, seed CNN, branch model) plus models of the two-input operators,
# both roundings, all linked into one image per kernel path: every output byte-identical to
# the host int8 engine (tests/m55/gen_models.c writes the networks and the expected lines)
models_case() {
    local d=$work/models pv pn st nets
    mkdir -p "$d"
    if ! cc -std=c11 -O1 -Wall -Wextra -Werror -Isrc -Iruntime -Itests/m55 tests/m55/gen_models.c "$HOST_LIB" $HOST_LIBS \
            -o "$d/gen_models" 2>"$d/gen_cc.log" || ! nets=$("$d/gen_models" "$d" 2>>"$d/gen_cc.log"); then
        fail "m55 models: generation: $(head -c 600 "$d/gen_cc.log")"; return
    fi
    # the networks are data only: compiled once, linked into both images
    if ! (cd "$d" && $M55_CC $M55_CFLAGS -I"$OLDPWD/runtime" -I"$OLDPWD/tests/m55" -DRQ_M55 -c net_*.c nets.c) 2>"$d/m55_cc.log"; then
        fail "m55 models: cross build of the networks: $(head -c 600 "$d/m55_cc.log")"; return
    fi
    for pv in $M55_PATHS; do
        pn=$(path_name "$pv")
        if ! $M55_CC $M55_CFLAGS $(path_flags "$pv") -DRQ_M55 runtime/*.c tests/m55/models_main.c tests/m55/startup.c "$d"/*.o \
                $M55_LDFLAGS -lm -o "$d/image_$pn.elf" 2>"$d/m55_cc.log"; then
            fail "m55 models: cross build ($pn): $(head -c 600 "$d/m55_cc.log")"; continue
        fi
        timeout 300 qemu-system-arm -M mps3-an547 -nographic -semihosting-config enable=on,target=native \
            -kernel "$d/image_$pn.elf" >"$d/m55_$pn.raw" 2>"$d/qemu.err"
        st=$?
        grep -v '^kernels ' "$d/m55_$pn.raw" >"$d/m55_$pn.out"
        if [ $st -eq 0 ] && [ "$(wc -l <"$d/expected.txt")" -gt 500 ] && cmp -s "$d/expected.txt" "$d/m55_$pn.out" &&
           grep -qx "kernels $(expected_kernels "$pn")" "$d/m55_$pn.raw"; then
            pass "m55 models ($pn kernels): $nets, 3 inputs each: every output byte-identical to the host int8 engine"
        else
            fail "m55 models ($pn kernels): qemu exit $st; $(diff "$d/expected.txt" "$d/m55_$pn.out" | head -c 400)"
        fi
    done
}
models_case

grep '^stack ' "$work/m55.out" | sed 's/^/  /'
[ $fails -eq 0 ]
