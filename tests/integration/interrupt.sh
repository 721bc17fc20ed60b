# slow: two interrupted runs under ASan.
# An interrupted `rppgq run` (Ctrl-C = SIGINT, or SIGTERM) leaves nothing behind: no
# "OUT.tmp.*" staging folder, no half-written synthetic data in the cache, no temporary
# folder of the C check; it ends as the signal would end it (exit status 128 + signal).
. tests/lib/common.sh
R=$RPPGQ
ROOT=${RQ_ROOT:-$PWD}
if [ ! -f "$ROOT/models/spatial_cnn.pth" ]; then
    echo "SKIP: the bundled models/ are not there"
    finish
fi

# A shell starts background jobs with SIGINT ignored (and rppgq then rightly leaves it so);
# a terminal's Ctrl-C reaches a foreground process with the default disposition.
start_run() { # out cache tmpdir: starts rppgq run in the background, sets $pid
    mkdir -p "$3"
    (cd "$ROOT" && TMPDIR=$3 exec $PY -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' $R run --out "$1" --cache "$2" --subjects 8 --windows 30 \
        --calib-windows 20 --threads 1 >"$T/run.out" 2>"$T/run.err") &
    pid=$!
}

wait_for() { # glob: waits up to 120 s for a path matching it
    for _ in $(seq 2400); do
        compgen -G "$1" >/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

nothing_left() { # name out cache tmpdir
    local left
    left=$(ls -d "$2".tmp.* "$2" "$3"/*.tmp.* "$3"/*.data.* "$3"/*.pt.?????? "$4"/* 2>/dev/null)
    [ -z "$left" ] && pass "$1: nothing left behind" || fail "$1: left $left"
}

# SIGTERM while validating: the staging folder already holds the INT8 model.
start_run "$T/o1" "$T/cache" "$T/tmp1"
if wait_for "$T/o1.tmp.*/spatial_cnn_int8.tflite"; then
    kill -TERM "$pid"
    wait "$pid"
    st=$?
    [ "$st" -eq 143 ] && pass "SIGTERM: ends as the signal does (status 143)" || fail "SIGTERM: status $st: $(tail -2 "$T/run.err")"
    nothing_left "SIGTERM while validating" "$T/o1" "$T/cache" "$T/tmp1"
    ls "$T/cache"/*.pt >/dev/null 2>&1 && pass "the finished synthetic data stays cached" || fail "cache lost"
else
    wait "$pid"
    fail "SIGTERM: the run never reached validation (status $?): $(tail -2 "$T/run.err")"
fi

# Ctrl-C while the synthetic data is being written into a fresh cache.
start_run "$T/o2" "$T/cache2" "$T/tmp2"
if wait_for "$T/cache2/*.data.*"; then
    kill -INT "$pid"
    wait "$pid"
    st=$?
    [ "$st" -eq 130 ] && pass "SIGINT: ends as Ctrl-C does (status 130)" || fail "SIGINT: status $st: $(tail -2 "$T/run.err")"
    nothing_left "SIGINT while generating data" "$T/o2" "$T/cache2" "$T/tmp2"
    [ -z "$(ls -A "$T/cache2")" ] && pass "no partial cache file" || fail "cache holds $(ls "$T/cache2")"
else
    wait "$pid"
    fail "SIGINT: no data being generated (status $?): $(tail -2 "$T/run.err")"
fi
finish
