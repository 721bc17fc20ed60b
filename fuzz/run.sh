#!/usr/bin/env bash
# Runs libFuzzer harnesses one after the other (the machine is shared: never in parallel).
#   fuzz/run.sh [HARNESS...]      default: every build/fuzz/fuzz_* binary
# Environment: FUZZ_SECONDS (per harness, default 60), BUILD (default build),
# FUZZ_CORPUS (working corpus root, default $BUILD/fuzz/corpus), FUZZ_JOBS_LOG (optional
# file that receives one "harness executions crashes" line per harness).
# The budgets are the hostile-input contract: a single input may not take longer than
# -timeout seconds, allocate more than -malloc_limit_mb at once, or grow the process past
# -rss_limit_mb. Exit status 1 if any harness found a crash.
set -u
cd "$(dirname "$0")/.."
: "${FUZZ_SECONDS:=60}" "${BUILD:=build}"
: "${FUZZ_CORPUS:=$BUILD/fuzz/corpus}"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for b in "$BUILD"/fuzz/fuzz_*; do [ -x "$b" ] && [ "${b%.log}" = "$b" ] && names+=("$(basename "$b")"); done
fi
bash fuzz/make_corpus.sh "$FUZZ_CORPUS" >&2 || exit 1
status=0 total=0
for h in "${names[@]}"; do
    bin=$BUILD/fuzz/$h
    corpus=$FUZZ_CORPUS/$h
    crashes=$BUILD/fuzz/crashes/$h
    mkdir -p "$corpus" "$crashes"
    dict=()
    [ -f "fuzz/$h.dict" ] && dict=(-dict="fuzz/$h.dict")
    mkdir -p "$BUILD/fuzz/logs"
    log=$BUILD/fuzz/logs/$h.log
    echo "== $h: ${FUZZ_SECONDS}s" >&2
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        "$bin" "$corpus" "${dict[@]}" -max_total_time="$FUZZ_SECONDS" \
        -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=65536 \
        -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    found=$(find "$crashes" -type f | wc -l)
    total=$((total + ${execs:-0}))
    echo "$h: ${execs:-0} executions, exit $rc, $found crash files in $crashes" >&2
    [ -n "${FUZZ_JOBS_LOG:-}" ] && echo "$h ${execs:-0} $found" >>"$FUZZ_JOBS_LOG"
    if [ "$rc" -ne 0 ]; then
        status=1
        grep -m 3 -E 'ERROR|SUMMARY|fuzz:' "$log" >&2
    fi
done
echo "total: $total executions" >&2
exit $status
