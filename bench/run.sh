#!/usr/bin/env bash
# Runs every benchmark binary (bench/bench_*.c, built into build/bench/); each prints its
# own lines of measured numbers.
set -u
cd "$(dirname "$0")/.."
# PyTorch's float forward of the Spatial CNN first: bench_int8_engine prints the int8
# engine's ratio to its batch-1 rate (per CPU second) in the same run.
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    echo "== bench_spatial_torch.py"
    torch_out=$(/usr/bin/python3 tools/bench_spatial_torch.py) || echo "(failed: exit $?)"
    echo "$torch_out"
    RQ_TORCH_PER_CPU_S=$(echo "$torch_out" | sed -n 's/.*batch 1): .* wall, \([0-9.]*\) per CPU second.*/\1/p' | head -1)
    export RQ_TORCH_PER_CPU_S
fi
for b in build/bench/bench_*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")"
    "$b" || echo "(failed: exit $?)"
done
# Executed instructions on the emulated Cortex-M55 (portable C vs Helium, and CMSIS-NN's
# kernels when RQ_CMSIS_NN names a CMSIS-NN checkout): docs/mcu.md "Speed".
if command -v qemu-system-arm >/dev/null && command -v arm-none-eabi-gcc >/dev/null; then
    echo "== m55_icount.sh"
    bash bench/m55_icount.sh ${RQ_CMSIS_NN:-} || echo "(failed: exit $?)"
fi
