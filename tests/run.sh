#!/usr/bin/env bash
# Runs every unit test binary and every integration script, counting test cases.
# A unit binary prints PASS/FAIL lines per case; an integration script may print its own
# PASS/FAIL lines, otherwise its exit status counts as one case. Ends with the line
# "N passed, N failed" that CI reads.
set -u
cd "$(dirname "$0")/.."
: "${RPPGQ:=build/asan/rppgq}" "${TEST_BIN:=build/asan/tests}"
export RPPGQ RPPGQ_REL TEST_BIN
export RQ_ROOT=$PWD
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
work=$(mktemp -d /tmp/rppgq-tests.XXXXXX)
trap 'rm -rf "$work"' EXIT
export RQ_TMP=$work

passed=0 failed=0
failures=()

count() { # name logfile status
    local name=$1 log=$2 status=$3 p f
    p=$(grep -c '^PASS ' "$log" || true)
    f=$(grep -c '^FAIL ' "$log" || true)
    if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
        if [ "$status" -eq 0 ]; then p=1; else f=1; fi
    elif [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # crashed or exited badly after its last PASS
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -gt 0 ]; then
        failures+=("$name")
        echo "--- $name: $f failed (log follows)"
        tail -n 40 "$log"
    else
        echo "ok   $name ($p)"
    fi
}

# Every case runs in the background, RQ_JOBS at a time (default: the number of cores);
# results are counted afterwards in a fixed order, so the report does not depend on timing.
jobs_max=${RQ_JOBS:-$(nproc 2>/dev/null || echo 2)}
names=() logs=()
reported=0
report_done() { # prints the finished cases, in launch order, up to the first unfinished one
    while [ "$reported" -lt "${#names[@]}" ] && [ -f "${logs[$reported]}.status" ]; do
        count "${names[$reported]}" "${logs[$reported]}" "$(cat "${logs[$reported]}.status")"
        reported=$((reported + 1))
    done
}
launch() { # name log cmd...
    local name=$1 log=$2
    shift 2
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
        wait -n 2>/dev/null || true
        report_done
    done
    ( "$@" >"$log" 2>&1; echo $? >"$log.st"; mv "$log.st" "$log.status" ) &
    names+=("$name") logs+=("$log")
}

for t in "$TEST_BIN"/test_*; do
    [ -x "$t" ] || continue
    launch "unit/$(basename "$t")" "$work/$(basename "$t").log" "$t"
done

run_script() { # script case-dir
    RQ_CASE_TMP=$2 bash "$1"
}
for s in tests/integration/*.sh; do
    [ -f "$s" ] || continue
    if [ -n "${RQ_FAST:-}" ] && grep -q '^# slow' "$s"; then
        continue
    fi
    base=$(basename "$s" .sh)
    mkdir -p "$work/$base"
    launch "integration/$base" "$work/$base.sh.log" run_script "$s" "$work/$base"
done
wait
report_done
for ((i = reported; i < ${#names[@]}; i++)); do # a case that left no status crashed the runner
    count "${names[$i]}" "${logs[$i]}" 1
done

echo
if [ ${#failures[@]} -gt 0 ]; then
    echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
