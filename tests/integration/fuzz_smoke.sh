# slow: builds the libFuzzer harnesses (clang-14) before running them
# Every libFuzzer harness (fuzz/fuzz_*.c) replays its committed regressions
# (fuzz/regressions/<harness>/: inputs that once crashed, hung or over-allocated) and then
# fuzzes for a few seconds from the committed seeds, under ASan + UBSan with the same
# time and memory budgets as `make fuzz`. The smoke run is deterministic: a fixed libFuzzer
# seed and a fixed number of runs (FUZZ_SMOKE_RUNS) per harness, so the same tree always
# explores the same inputs and CI cannot fail at random on a finding of a lucky run (long,
# random exploration is `make fuzz`). FUZZ_SMOKE_SECONDS only caps a slow machine.
. tests/lib/common.sh
cd "$RQ_ROOT" || exit 1
: "${FUZZ_SMOKE_RUNS:=3000}" "${FUZZ_SMOKE_SECONDS:=30}"
if ! nice make --no-print-directory -j2 fuzz-build >"$T/build.log" 2>&1; then
    fail "fuzz harnesses build: $(grep -m 3 -E 'error|Error' "$T/build.log")"
    finish
fi
budgets=(-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512)
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
for bin in build/fuzz/fuzz_*; do
    h=$(basename "$bin")
    case $h in *.*) continue ;; esac
    regs=(fuzz/regressions/"$h"/*)
    if [ -e "${regs[0]}" ]; then
        if "$bin" "${budgets[@]}" "${regs[@]}" >"$T/$h.replay.log" 2>&1; then
            pass "$h replays ${#regs[@]} regression inputs"
        else
            fail "$h regression: $(grep -m 2 -E 'ERROR|runtime error|fuzz:' "$T/$h.replay.log")"
        fi
    fi
    mkdir -p "$T/corpus/$h"
    cp fuzz/corpus/"$h"/* "$T/corpus/$h/" 2>/dev/null
    if nice "$bin" "$T/corpus/$h" "${budgets[@]}" -max_len=65536 -seed=1 -runs="$FUZZ_SMOKE_RUNS" -max_total_time="$FUZZ_SMOKE_SECONDS" \
        -artifact_prefix="$T/$h-" >"$T/$h.log" 2>&1; then
        pass "$h: $(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$T/$h.log") runs (seed 1), no crash"
    else
        fail "$h: $(grep -m 2 -E 'ERROR|runtime error|fuzz:' "$T/$h.log") (input: $(ls "$T/$h-"* 2>/dev/null | head -n 1))"
    fi
done
finish
