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
