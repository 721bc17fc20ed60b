# slow: the whole stage on the bundled default, then bad input.
# `rppgq run` writes every file; report.json holds every key, and its metrics equal an
# independent recomputation (numpy, tests/ref/check_run_report.py) from predictions.csv;
# the charts are well-formed with every point inside its axes; a second run reuses the
# synthetic cache and gives the same predictions. Bad input fails with one line, exit 1,
# and leaves nothing behind.
. tests/lib/common.sh
R=${RPPGQ_REL:-$RPPGQ}
ROOT=${RQ_ROOT:-$PWD}

no_leftovers() { # name dir: no stage folder beside the output
    if ls -d "$2".tmp.* >/dev/null 2>&1; then fail "$1: left $(ls -d "$2".tmp.*)"; else pass "$1: nothing left behind"; fi
}

# ---- bad input ----
expect_fail "unknown calibration method" 1 "calib-method.*unknown method 'fancy'" -- $R run --out "$T/o1" --calib-method fancy
expect_fail "zero subjects" 1 "subjects.*'0'" -- $R run --out "$T/o1" --subjects 0
expect_fail "negative windows" 1 "windows" -- $R run --out "$T/o1" --windows -3
expect_fail "unknown option" 2 "unknown argument '--fast'" -- $R run --fast
expect_fail "option without value" 2 "--out needs a value" -- $R run --out
[ ! -e "$T/o1" ] && pass "no output folder after bad options" || fail "output folder created after bad options"
echo data >"$T/afile"
expect_fail "output under a file" 1 "afile/out" -- $R run --out "$T/afile/out"
mkdir -p "$T/precious" && echo keep >"$T/precious/notes.txt"
expect_fail "foreign folder not replaced" 1 "precious: exists and is not an rppgq run output" -- $R run --out "$T/precious"
[ "$(cat "$T/precious/notes.txt")" = keep ] && pass "foreign folder intact" || fail "foreign folder touched"
expect_fail "missing checkpoint" 1 "nope.pth" -- $R run --out "$T/o2" --spatial "$T/nope.pth"
no_leftovers "missing checkpoint" "$T/o2"

if [ ! -f "$ROOT/models/spatial_cnn.pth" ] || [ ! -f "$ROOT/models/temporal_fusion.pth" ]; then
    echo "SKIP default run: the bundled models/ are not there yet"
    finish
fi

# A dataset whose labels all lie outside the calibration bins (40-160 BPM).
if $PY - "$T/outside.pt" <<'EOF'
import sys, torch
g = torch.Generator().manual_seed(0)
n = 24
torch.save({'samples': torch.rand((n, 8, 3, 36, 36, 3), generator=g),
            'labels': torch.full((n,), 175.0),
            'subjects': torch.arange(n, dtype=torch.int64) // 6}, sys.argv[1])
EOF
then
    expect_fail "labels outside the calibration bins" 1 "outside.pt" -- $R run --out "$T/o3" --data "$T/outside.pt"
    [ ! -e "$T/o3" ] && pass "no output for unusable data" || fail "output written for unusable data"
    no_leftovers "unusable data" "$T/o3"
else
    fail "could not write the out-of-bins dataset with torch"
fi

# ---- the default run ----
OUT=$T/out
if ( cd "$ROOT" && $R run --out "$OUT" >"$T/run1.out" 2>"$T/run1.err" ); then
    pass "default run succeeds"
else
    fail "default run: $(tail -3 "$T/run1.err")"
    finish
fi
for f in spatial_cnn_int8.tflite temporal_fusion_c/temporal_fusion_weights_exported.c \
    temporal_fusion_c/temporal_fusion_weights_exported.h temporal_fusion_c/temporal_fusion.c \
    temporal_fusion_c/temporal_fusion.h report.json report.md predictions.csv \
    pred_vs_true.svg bland_altman.svg layer_sqnr.svg hr_over_time.svg; do
    [ -s "$OUT/$f" ] && pass "writes $f" || fail "missing $f"
done
for f in spatial_cnn_int8.c spatial_cnn_int8.h q8_net.c preprocess.c postprocess.c \
    temporal_fusion_weights_exported.c temporal_fusion.c; do
    [ -s "$OUT/firmware_c/$f" ] && pass "firmware_c/ holds $f" || fail "firmware_c/ lacks $f"
done
# the firmware folder is the export-c --spatial one: it compiles on its own, warning-free
if (cd "$OUT/firmware_c" && for f in ./*.c; do cc -std=c99 -Wall -Wextra -Werror -c "$f" -o "$T/fw.o" || exit 1; done) \
    2>"$T/fw.err"; then
    pass "firmware_c/ compiles on its own (C99, -Werror)"
else
    fail "firmware_c/ does not compile: $(head -3 "$T/fw.err")"
fi
grep -q "MAE" "$T/run1.out" && grep -q "INT8" "$T/run1.out" && grep -q "C " "$T/run1.out" &&
    pass "summary on stdout" || fail "summary: $(cat "$T/run1.out")"
# predictions.csv: subject, window, centre time, true, FP32, INT8, displayed (smoothed) rate
if $PY - "$OUT/predictions.csv" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert list(rows[0].keys()) == ["subject", "window", "time_s", "true_bpm", "fp32_bpm", "int8_bpm", "smoothed_bpm"]
step = 8 * 4 / 30.0  # synthetic windows: 8 samples, every 4th frame at 30 fps, back to back
last = {}
for r in rows:
    s, t = r["subject"], float(r["time_s"])
    if s in last:
        assert abs(t - last[s] - step) < 1e-4, (s, t, last[s])
    else:
        assert abs(t - 3.5 * 4 / 30.0) < 1e-4, t  # the first window's centre: 3.5 sample periods
    last[s] = t
    if r["smoothed_bpm"]:
        assert 30 <= float(r["smoothed_bpm"]) <= 180
assert any(r["smoothed_bpm"] for r in rows)
PYEOF
then pass "predictions.csv: subject, window, centre time, true, FP32, INT8, smoothed"; else fail "predictions.csv columns"; fi
# the model's own verdict leads, before the INT8 grade, on stdout and in report.md
first_line() { grep -n -- "$1" "$2" | head -1 | cut -d: -f1; }
for f in "$T/run1.out" "$OUT/report.md"; do
    v=$(first_line "read heart rate on this data\|reads heart rate on this data" "$f")
    g=$(first_line "grade" "$f")
    [ -n "$v" ] && [ -n "$g" ] && [ "$v" -lt "$g" ] && pass "$(basename "$f"): the verdict comes before the INT8 grade" ||
        fail "$(basename "$f"): verdict line ${v:-missing}, grade line ${g:-missing}"
done
if $PY tests/ref/check_run_report.py "$OUT"; then pass "report.json matches an independent recomputation"; else fail "report.json check"; fi
for s in pred_vs_true bland_altman hr_over_time layer_sqnr; do
    if $PY tests/ref/check_svg.py "$OUT/$s.svg"; then pass "$s.svg well-formed, points inside"; else fail "$s.svg"; fi
done
for s in pred_vs_true bland_altman hr_over_time layer_sqnr; do
    grep -q "($s.svg)" "$OUT/report.md" && pass "report.md shows $s" || fail "report.md lacks $s"
done

# A second run into the same folder reuses the cached data and replaces the first output.
cp "$OUT/predictions.csv" "$T/pred1.csv"
touch "$OUT/stale-marker"
if ( cd "$ROOT" && $R run --out "$OUT" >"$T/run2.out" 2>"$T/run2.err" ); then
    pass "second run succeeds"
    cmp -s "$OUT/predictions.csv" "$T/pred1.csv" && pass "same predictions on the second run" || fail "predictions differ"
    [ ! -e "$OUT/stale-marker" ] && pass "earlier output replaced" || fail "earlier output kept"
    no_leftovers "second run" "$OUT"
else
    fail "second run: $(tail -3 "$T/run2.err")"
fi
finish
