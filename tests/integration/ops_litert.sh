# slow
# The arithmetic and activation operators against LiteRT (Google's TFLite runtime, WASM,
# XNNPACK kernels) with our engine in single rounding (--rounding single, what XNNPACK's
# requantization does). Every test model of tests/unit/test_arith_ops.c must match byte for
# byte, except where XNNPACK has arithmetic of its own; there at most one LSB may differ
# (counts printed for the record, see docs/operators.md):
#   ADD (XNNPACK's own fixed-point addition), SUB with a broadcast over 5 dimensions, MUL
#   with a product scale >= 1, LEAKY_RELU, SUM, TRANSPOSE_CONV, and the graph model that
#   contains ADD and LEAKY_RELU; float32 HARD_SWISH within 1e-6 (XNNPACK's own formula).
. tests/lib/common.sh
. tests/lib/arith_models.sh
LRT=tests/litert
if [ ! -d "$LRT/node_modules/@litertjs/core" ] || ! command -v node >/dev/null; then
    fail "LiteRT.js not installed (make deps runs npm ci in $LRT)"
    finish
fi
arith_models || finish

one_lsb_allowed() {
    case $1 in
    add_* | sub_bcast_5d | mul_ratio_above_one | leaky_relu | leaky_relu_alpha_big | sum_* | \
        transpose_conv_* | graph_*) return 0 ;;
    *) return 1 ;;
    esac
}

printf '%-28s %5s %9s %9s %s\n' model sets in_bytes out_bytes "differing (max |diff|)"
while read -r name n in_b out_b; do
    kind=$(ops_element_kind "$name")
    if ! node "$LRT/run_tflite.js" --once "$OPS_DIR/$name.tflite" "$OPS_DIR/$name.in" "$T/$name.lrt" 2>"$T/lrt.err"; then
        fail "$name: LiteRT: $(head -c 300 "$T/lrt.err")"
        continue
    fi
    if ! ops_run_engine "$name" single "$T/$name.single" 2>"$T/ours.err"; then
        fail "$name: our engine: $(head -c 300 "$T/ours.err")"
        continue
    fi
    set -- $(ops_diff "$T/$name.single" "$T/$name.lrt" "$kind")
    printf '%-28s %5s %9s %9s %s\n' "$name" "$n" $((n * in_b)) $((n * out_b)) "$1 ($2)"
    if [ "$1" = 0 ]; then
        pass "$name: single rounding matches LiteRT byte for byte"
    elif one_lsb_allowed "$name" && [ "$2" = 1 ]; then
        pass "$name: within one LSB of LiteRT ($1 of $((n * out_b)) bytes; XNNPACK arithmetic)"
    elif [ "$name" = hard_swish_f32 ] && $PY -c "import sys; sys.exit(0 if $2 <= 1e-6 else 1)"; then
        pass "$name: within $2 of LiteRT ($1 of $((n * out_b / 4)) values; XNNPACK's formula)"
    else
        fail "$name: $1 elements differ from LiteRT (max |diff| $2)"
    fi
done <"$OPS_DIR/models.txt"
finish
