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
