# Sourced by ops_tflm.sh and ops_litert.sh: the arithmetic/activation test models
# (tests/unit/test_arith_ops.c --write), generated once per test run in $RQ_TMP and shared.
# Sets OPS_DIR (holding NAME.tflite, NAME.in and models.txt) or fails.
arith_models() {
    OPS_DIR=${RQ_TMP:-$T}/arith_models
    if [ ! -f "$OPS_DIR/models.txt" ]; then
        mkdir -p "$OPS_DIR.tmp.$$" &&
            "$TEST_BIN/test_arith_ops" --write "$OPS_DIR.tmp.$$" 2>"$T/write.err" &&
            { mv -T "$OPS_DIR.tmp.$$" "$OPS_DIR" 2>/dev/null || rm -rf "$OPS_DIR.tmp.$$"; } || {
            fail "writing the operator test models: $(head -c 300 "$T/write.err")"
            rm -rf "$OPS_DIR.tmp.$$"
            return 1
        }
    fi
    [ -f "$OPS_DIR/models.txt" ]
}

# ops_run_engine NAME ROUNDING OUT: rppgq infer on every input set of NAME
ops_run_engine() {
    $RPPGQ infer "$OPS_DIR/$1.tflite" "$OPS_DIR/$1.in" "$3" --rounding "$2"
}

# ops_element_kind NAME: i8, u8 or f32 (how output bytes compare)
ops_element_kind() {
    case $1 in
    *f32*) echo f32 ;;
    *to_u8* | arg_max* | graph_*) echo u8 ;;
    *) echo i8 ;;
    esac
}

# ops_diff A B KIND -> "differing_elements max_abs_diff"
ops_diff() {
    $PY - "$1" "$2" "$3" <<'PYEOF'
import struct, sys
a = open(sys.argv[1], "rb").read(); b = open(sys.argv[2], "rb").read(); kind = sys.argv[3]
if len(a) != len(b):
    print(-1, -1); sys.exit()
if kind == "f32":
    x = struct.unpack("<%df" % (len(a) // 4), a); y = struct.unpack("<%df" % (len(b) // 4), b)
    bad = [i for i in range(len(x)) if a[4*i:4*i+4] != b[4*i:4*i+4]]
    print(len(bad), "%.3g" % max([abs(x[i] - y[i]) for i in bad] + [0]))
else:
    s = (lambda v: v - 256 if v > 127 else v) if kind == "i8" else (lambda v: v)
    d = [abs(s(u) - s(v)) for u, v in zip(a, b)]
    print(sum(1 for v in d if v), max(d + [0]))
PYEOF
}
