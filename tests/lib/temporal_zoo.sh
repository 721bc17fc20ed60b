# Sourced by the export-c --onnx scripts: makes the temporal model zoo
# (tests/ref/temporal_zoo.py, 5,000 reference inputs a model) once per test run under
# $RQ_TMP/temporal_zoo and shares it; sets TZOO. Returns 1 (after a FAIL line) when
# PyTorch cannot make it.
tzoo_make() {
    TZOO=${RQ_TMP:-$T}/temporal_zoo
    if [ ! -f "$TZOO/.done" ]; then
        mkdir -p "$TZOO"
        if ! nice $PY tests/ref/temporal_zoo.py "$TZOO" --n 5000 >"$TZOO/make.log" 2>&1; then
            fail "making the temporal zoo with PyTorch: $(grep -v Warning "$TZOO/make.log" | tail -n 3)"
            return 1
        fi
        touch "$TZOO/.done"
    fi
    return 0
}
