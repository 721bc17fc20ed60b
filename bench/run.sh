#!/usr/bin/env bash
# Runs every benchmark binary (bench/bench_*.c, built into build/bench/); each prints its
# own lines of measured numbers.
set -u
cd "$(dirname "$0")/.."
for b in build/bench/bench_*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")"
    "$b" || echo "(failed: exit $?)"
done
# PyTorch's float forward of the Spatial CNN, measured in the same run as bench_spatial.
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    echo "== bench_spatial_torch.py"
    /usr/bin/python3 tools/bench_spatial_torch.py || echo "(failed: exit $?)"
fi
# Executed instructions on the emulated Cortex-M55 (portable C vs Helium, and CMSIS-NN's
# kernels when RQ_CMSIS_NN names a CMSIS-NN checkout): docs/mcu.md "Speed".
if command -v qemu-system-arm >/dev/null && command -v arm-none-eabi-gcc >/dev/null; then
    echo "== m55_icount.sh"
    bash bench/m55_icount.sh ${RQ_CMSIS_NN:-} || echo "(failed: exit $?)"
fi
