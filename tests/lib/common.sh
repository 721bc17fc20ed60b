# Sourced by the integration scripts. Each check prints PASS/FAIL lines that run.sh counts.
set -u
: "${RPPGQ:?}" "${RQ_CASE_TMP:=$(mktemp -d)}"
T=$RQ_CASE_TMP
PY=/usr/bin/python3
n_fail=0

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; n_fail=$((n_fail + 1)); }

# expect_fail NAME EXPECTED_STATUS PATTERN -- CMD...: the command must exit with the
# status, print exactly one stderr line matching PATTERN.
expect_fail() {
    local name=$1 want=$2 pat=$3
    shift 4
    local err=$T/err.$$ st
    "$@" >/dev/null 2>"$err"
    st=$?
    if [ "$st" -ne "$want" ]; then
        fail "$name: exit $st, wanted $want: $(head -c 300 "$err")"
    elif ! grep -qE -- "$pat" "$err"; then
        fail "$name: stderr does not match /$pat/: $(head -c 300 "$err")"
    # (a step's "label: N done in Ts" line, printed when it took over 2 s on a loaded machine,
    # is progress, not part of the error)
    elif [ "$(grep -v '^Try ' "$err" | grep -vcE '^[a-z0-9 _-]+: [0-9]+ done in [0-9.]+s$')" -ne 1 ]; then
        fail "$name: error is not one line: $(head -c 300 "$err")"
    else
        pass "$name"
    fi
}

# TFLite Micro's runner (shared/oracles next to the project; worktrees of /work/main find it
# in /work/shared). Empty when absent: tests then print SKIP.
TFLM_RUN=
for d in "${RQ_ROOT:-.}/../shared/oracles" /work/shared/oracles; do
    if [ -x "$d/tflm_run" ]; then TFLM_RUN=$d/tflm_run; break; fi
done

finish() { [ "$n_fail" -eq 0 ]; exit $?; }

# For the tests that run release test binaries on emulated x86-64 CPUs: sets QEMU (Debian
# qemu-user's qemu-x86_64) and REL_TESTS (the release build's tests folder), or prints SKIP
# and finishes when either, or one of the named binaries, is missing.
require_qemu_user() {
    QEMU=$(command -v qemu-x86_64 || true)
    REL_TESTS=$(dirname "${RPPGQ_REL:-build/rppgq}")/tests
    if [ -z "$QEMU" ] || [ "$(uname -m)" != x86_64 ]; then
        echo "SKIP: qemu-x86_64 (Debian qemu-user) not installed or not an x86-64 host"
        finish
    fi
    for t in "$@"; do
        if [ -z "${RPPGQ_REL:-}" ] || [ ! -x "$REL_TESTS/$t" ]; then
            echo "SKIP: release build (RPPGQ_REL, $REL_TESTS/$t) not built"
            finish
        fi
    done
}
