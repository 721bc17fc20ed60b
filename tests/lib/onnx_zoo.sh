# Sourced by the ONNX integration scripts: makes the PyTorch model zoo (tests/ref/onnx_zoo.py)
# once per test run under $RQ_TMP/onnx_zoo and shares it; sets ZOO. Returns 1 (after a
# FAIL line) when PyTorch cannot make it.
zoo_make() {
    ZOO=${RQ_TMP:-$T}/onnx_zoo
    if [ ! -f "$ZOO/.done" ]; then
        mkdir -p "$ZOO"
        if ! nice $PY tests/ref/onnx_zoo.py "$ZOO" >"$ZOO/make.log" 2>&1; then
            fail "making the ONNX zoo with PyTorch: $(grep -v Warning "$ZOO/make.log" | tail -n 3)"
            return 1
        fi
        touch "$ZOO/.done"
    fi
    ZOO_MODELS=$(cd "$ZOO" && ls *.shape | sed "s/\\.shape$//")
    return 0
}
