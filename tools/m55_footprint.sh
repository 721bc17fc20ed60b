#!/usr/bin/env bash
# Flash and RAM of each MCU runtime part on the Cortex-M55, as JSON on stdout:
#   flash = .text + .rodata (arm-none-eabi-size of the part's objects, -O2, sections GC'able),
#   ram   = .data + .bss (the runtime has no mutable globals: expected 0),
#   stack = peak measured by stack painting while the parts run on QEMU's mps3-an547,
# plus the caller-owned buffers the API asks for. Exit 3 (and {"available": false}) when the
# Arm toolchain or QEMU is missing, so `rppgq run` can leave the section out.
# Usage: tools/m55_footprint.sh [--spatial EXPORT_DIR] [--temporal EXPORT_DIR]
# (An export directory holding both parts may be given once, as either option.)
set -u
spatial="" temporal=""
while [ $# -gt 0 ]; do
    case $1 in
        --spatial) spatial=$(realpath "${2:?}") || exit 2; shift 2 ;;
        --temporal) temporal=$(realpath "${2:?}") || exit 2; shift 2 ;;
        *) echo "usage: $0 [--spatial EXPORT_DIR] [--temporal EXPORT_DIR]" >&2; exit 2 ;;
    esac
done
[ -z "$spatial" ] && [ -n "$temporal" ] && [ -f "$temporal/spatial_cnn_int8.c" ] && spatial=$temporal
[ -z "$temporal" ] && [ -n "$spatial" ] && [ -f "$spatial/temporal_fusion_weights_exported.c" ] && temporal=$spatial
cd "$(dirname "$0")/.."
for tool in arm-none-eabi-gcc arm-none-eabi-size qemu-system-arm; do
    if ! command -v $tool >/dev/null; then
        echo '{"available": false, "reason": "'$tool' not installed"}'
        exit 3
    fi
done
work=$(mktemp -d /tmp/rppgq-footprint.XXXXXX)
trap 'rm -rf "$work"' EXIT
CFLAGS="-std=c99 -mcpu=cortex-m55 -mthumb -mfloat-abi=hard -O2 -Wall -Wextra -Werror -ffp-contract=off -ffunction-sections -fdata-sections -Iruntime"

# sizes of one object: "flash ram"
obj_size() {
    arm-none-eabi-size -A "$1" | awk '
        $1 ~ /^\.(text|rodata)/ {f += $2}
        $1 ~ /^\.(data|bss)/ {r += $2}
        END {printf "%d %d\n", f, r}'
}
part_size() { # files... -> "flash ram"
    local f=0 r=0 s o
    for src in "$@"; do
        o=$work/$(basename "$src" .c).o
        arm-none-eabi-gcc $CFLAGS ${extra_inc:-} -c "$src" -o "$o" || { echo "0 0"; return 1; }
        s=$(obj_size "$o")
        f=$((f + ${s% *})); r=$((r + ${s#* }))
    done
    echo "$f $r"
}

# peak stacks from a run of the test image (with the exported model when given)
defs="" srcs=""
if [ -n "$spatial" ]; then defs="-DRQ_M55_MODEL -I$spatial"; srcs="$spatial/spatial_cnn_int8.c"; fi
# the test image's synthetic window: zeros do (stack use does not depend on pixel values)
# and of its camera frames (in the SRAM section, as gen_inputs places them; boxes inside the frame)
{
    printf 'const float rq_synth_window_label = 0.0f;\nconst unsigned char rq_synth_window_bytes[%d] = {0};\n' \
        $((8 * 3 * 36 * 36 * 3))
    printf 'const int rq_synth_frame_size[2] = {160, 120};\nconst int rq_synth_frame_boxes[8][4] = {'
    for i in 0 1 2 3 4 5 6 7; do printf '{40, 15, 80, 90},'; done
    printf '};\nconst unsigned char rq_synth_frames[8][160 * 120 * 3] __attribute__((section(".sram_rodata"))) = {{0}};\n'
} >"$work/synth_window.c"
if arm-none-eabi-gcc $CFLAGS -DRQ_M55 $defs -Itests/m55 runtime/*.c $srcs "$work/synth_window.c" tests/m55/cases.c tests/m55/cases_ops.c tests/m55/m55_main.c \
        tests/m55/startup.c --specs=rdimon.specs -nostartfiles -T tests/m55/link.ld -Wl,--gc-sections -lm \
        -o "$work/image.elf" 2>"$work/cc.log"; then
    timeout 300 qemu-system-arm -M mps3-an547 -nographic -semihosting-config enable=on,target=native \
        -kernel "$work/image.elf" >"$work/run.out" 2>/dev/null
fi
stack() { # names... -> max bytes measured (null if none)
    local best="" n v
    for n in "$@"; do
        v=$(awk -v n="$n" '$1 == "stack" && $2 == n {if ($3 > m) m = $3} END {if (m != "") print m}' "$work/run.out" 2>/dev/null)
        [ -n "$v" ] && { [ -z "$best" ] || [ "$v" -gt "$best" ]; } && best=$v
    done
    echo "${best:-null}"
}

emit_part() { # name stack "flash ram" files...
    local name=$1 st=$2 sz=$3
    shift 3
    local files
    files=$(printf '"%s",' "$@")
    printf '    {"name": "%s", "files": [%s], "flash_bytes": %d, "ram_bytes": %d, "stack_peak_bytes": %s}' \
        "$name" "${files%,}" "${sz% *}" "${sz#* }" "$st"
}

ver=$(arm-none-eabi-gcc -dumpversion)
echo "{"
echo "  \"available\": true,"
echo "  \"target\": \"cortex-m55 (qemu mps3-an547)\", \"compiler\": \"arm-none-eabi-gcc $ver\","
echo "  \"flags\": \"-mcpu=cortex-m55 -mthumb -mfloat-abi=hard -O2\","
echo "  \"parts\": ["
emit_part preprocess "$(stack rppg_preprocess_frame rppg_window_patch)" \
    "$(part_size runtime/preprocess.c runtime/input_contract.c)" runtime/preprocess.c runtime/input_contract.c
echo ","
emit_part int8_cpu_path "$(stack rppg_q8_net_run rppg_q8_conv2d)" \
    "$(part_size runtime/int8_kernels.c runtime/int8_dwfc.c runtime/int8_movement.c runtime/q8_moves.c runtime/int8_elementwise.c runtime/int8_fixedpoint.c runtime/int8_reduce.c runtime/q8_net.c)" runtime/int8_kernels.c runtime/int8_dwfc.c runtime/int8_movement.c runtime/q8_moves.c runtime/int8_elementwise.c runtime/int8_fixedpoint.c runtime/int8_reduce.c runtime/q8_net.c
echo ","
emit_part resample "$(stack rppg_resampler_push)" "$(part_size runtime/resample.c)" runtime/resample.c
echo ","
emit_part postprocess "$(stack rppg_smoother_push rppg_window_quality)" \
    "$(part_size runtime/postprocess.c runtime/quality.c)" runtime/postprocess.c runtime/quality.c
if [ -f runtime/temporal_fusion.c ]; then
    echo ","
    tf_files="runtime/temporal_fusion.c"
    [ -n "$temporal" ] && tf_files="$tf_files $temporal/temporal_fusion_weights_exported.c"
    extra_inc=${temporal:+-I$temporal} emit_part temporal_fusion "$(stack temporal_fusion_run)" \
        "$(extra_inc=${temporal:+-I$temporal} part_size $tf_files)" $tf_files
fi
if [ -n "$spatial" ]; then
    echo ","
    emit_part spatial_cnn_int8_model "null" "$(part_size "$spatial/spatial_cnn_int8.c")" "$spatial/spatial_cnn_int8.c"
fi
echo
echo "  ],"
arena=null
[ -n "$spatial" ] && arena=$(awk '/^#define RPPG_SPATIAL_ARENA_BYTES/ {print $3}' "$spatial/spatial_cnn_int8.h")
# sizeof the caller-owned state structs on the target
printf '#include "postprocess.h"\nchar smoother_size[sizeof(rppg_smoother)];\n' >"$work/sz.c"
arm-none-eabi-gcc $CFLAGS -fcommon -c "$work/sz.c" -o "$work/sz.o" 2>/dev/null
hex=$(arm-none-eabi-nm -S "$work/sz.o" 2>/dev/null | awk '$4 == "smoother_size" {print $2}')
smoother=${hex:+$((16#$hex))}
echo "  \"caller_buffers_bytes\": {\"window_8_frames_float\": $((8 * 3 * 36 * 36 * 3 * 4)), \"patch_int8\": $((36 * 36 * 3)), \"features_float\": $((24 * 16 * 4)), \"spatial_arena\": $arena, \"smoother_state\": ${smoother:-null}, \"temporal_fusion_work_seed_dims\": $((4 * (32 * 8 + 4 * 8 + 32)))}"
echo "}"
