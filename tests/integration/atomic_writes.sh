# slow: runs every writing command several times
# Every command that writes files leaves nothing behind when a write fails: the file-size
# limit (ulimit -f, SIGXFSZ ignored so write() fails with EFBIG) stops writing after 0, a
# few or many KB; the command must exit 1 with one error line, and neither the output nor
# any temporary (file or directory) may remain. Then the same command without a limit
# must succeed, so the failures above were the write failures and nothing else.
. tests/lib/common.sh
RPPGQ=$(cd "$(dirname "$RPPGQ")" && pwd)/$(basename "$RPPGQ")
REL=${RPPGQ_REL:+$(cd "$(dirname "$RPPGQ_REL")" && pwd)/$(basename "$RPPGQ_REL")}
: "${REL:=$RPPGQ}"
R=$PWD/tests/ref/spatial_ref.py
D=$T/aw
mkdir -p "$D" && cd "$D" || exit 1
$PY "$R" ckpt sp.pth --seed 31 && $PY "$R" temporal tf.pth --seed 32 &&
    $PY "$R" dataset d.pt 12 --seed 33 || { fail "making inputs"; finish; }

# limited KB OUT -- CMD...: under a KB file-size limit the command fails cleanly: exit 1,
# one error line ("rppgq: ...", naming the write failure; `run` also prints its step lines).
limited() {
    local kb=$1 out=$2 st
    shift 3
    rm -rf work && mkdir work
    (cd work && ulimit -f "$kb" && trap '' XFSZ && exec "$@") 2>&1 >/dev/null | cat >err.txt
    st=${PIPESTATUS[0]}
    local left
    left=$(ls -A work)
    if [ "$st" -ne 1 ]; then
        fail "$out at ${kb} KB: exit $st, wanted 1: $(head -c 300 err.txt)"
    elif [ "$(grep -c '^rppgq: ' err.txt)" -ne 1 ] || ! grep -q '^rppgq: .*File too large' err.txt ||
        grep -qE 'Sanitizer|runtime error' err.txt; then
        fail "$out at ${kb} KB: not one error line naming the failed write: $(head -c 400 err.txt)"
    elif [ -n "$left" ]; then
        fail "$out at ${kb} KB: left behind: $left"
    else
        pass "$out: write failing at ${kb} KB: exit 1, one line, nothing left ($(grep '^rppgq: ' err.txt | cut -c 1-90))"
    fi
}
# unlimited OUT -- CMD...: the same command without a limit succeeds (so the failures are
# the write failures); returns 2 when the command is still a placeholder on this branch.
unlimited() {
    local out=$1
    shift 2
    rm -rf work && mkdir work
    if (cd work && "$@") >/dev/null 2>err.txt && [ -e "work/$out" ]; then
        pass "$out: written without a limit"
    elif grep -q 'not built yet' err.txt; then
        echo "SKIP $out: $(grep -m 1 'not built yet' err.txt)"
        return 2
    else
        fail "$out without a limit: $(head -c 300 err.txt)"
        return 1
    fi
}
check() { # OUT "KB..." -- CMD...
    local out=$1 kbs=$2
    shift 3
    unlimited "$out" -- "$@" || return 0
    for kb in $kbs; do limited "$kb" "$out" -- "$@"; done
}

check m.tflite "0 4 12" -- $RPPGQ quantize --spatial ../sp.pth --data ../d.pt --out m.tflite --calib-windows 5
$RPPGQ quantize --spatial sp.pth --data d.pt --out m.tflite --calib-windows 5 >/dev/null 2>&1
head -c $((3888 * 3)) /dev/zero >in.bin
check out.bin "0" -- $RPPGQ infer ../m.tflite ../in.bin out.bin
check cdir "0 8 64" -- $RPPGQ export-c --temporal ../tf.pth --out cdir
check cdir "0 4 32" -- $RPPGQ export-c --spatial ../m.tflite --out cdir
check s.pt "0 64 512" -- $RPPGQ synth --out s.pt --subjects 1 --windows-per-subject 2
check out "0 16 128" -- $REL run --spatial ../sp.pth --temporal ../tf.pth --data ../d.pt --out out --calib-windows 5
# 48 windows: predictions.csv (~1.4 KB) outgrows the JSON (~1 KB), so at 1 KB one file
# can be complete while the other fails: neither may remain.
if $PY "$R" dataset d48.pt 48 --seed 34; then
    check v.json "0 1" -- $REL validate --spatial ../sp.pth --temporal ../tf.pth --data ../d48.pt \
        --tflite ../m.tflite --independent-data --json v.json --predictions p.csv
else
    fail "making the 48-window dataset"
fi
finish
