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
