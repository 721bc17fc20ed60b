# The arithmetic and activation operators against TFLite Micro (../shared/oracles/tflm_run:
# reference kernels, double rounding): every test model of tests/unit/test_arith_ops.c
# (several shapes, 4-D and 5-D broadcasting, odd sizes, extreme scales; 3 input sets each,
# the first walking through all 256 byte values) must give 0 differing bytes. A table of
# inputs tried and bytes compared is printed for the record; running our engine with single
# rounding instead must differ somewhere (the comparison can see a one-LSB change).
. tests/lib/common.sh
. tests/lib/arith_models.sh
TFLM=$TFLM_RUN
if [ -z "$TFLM" ]; then
    echo "SKIP: TFLite Micro runner not found (../shared/oracles/tflm_run, x86-64 only)"
    finish
fi
arith_models || finish

# tflm_sets NAME N SET_BYTES OUT: tflm_run once per input set, outputs concatenated
tflm_sets() {
    : >"$4"
    for k in $(seq 0 $(($2 - 1))); do
        dd if="$OPS_DIR/$1.in" of="$T/set.in" bs="$3" skip="$k" count=1 status=none
        "$TFLM" "$OPS_DIR/$1.tflite" "$T/set.in" "$T/set.out" 2>"$T/tflm.err" || return 1
        cat "$T/set.out" >>"$4"
    done
}

printf '%-28s %5s %9s %9s %s\n' model sets in_bytes out_bytes differing
single_differs=0
while read -r name n in_b out_b; do
    kind=$(ops_element_kind "$name")
    if ! ops_run_engine "$name" double "$T/$name.ours" 2>"$T/ours.err"; then
        fail "$name: our engine: $(head -c 300 "$T/ours.err")"
        continue
    fi
    if ! tflm_sets "$name" "$n" "$in_b" "$T/$name.tflm"; then
        # TFLite Micro runs ARG_MAX with int32 output only; LiteRT checks the int64 one
        if [ "$name" = arg_max_rows_int64 ] && grep -q "Only int32" "$T/tflm.err"; then
            printf '%-28s %5s %9s %9s %s\n' "$name" "$n" $((n * in_b)) $((n * out_b)) "(TFLM: int32 output only)"
            continue
        fi
        fail "$name: TFLite Micro: $(head -c 300 "$T/tflm.err")"
        continue
    fi
    set -- $(ops_diff "$T/$name.ours" "$T/$name.tflm" "$kind")
    printf '%-28s %5s %9s %9s %s\n' "$name" "$n" $((n * in_b)) $((n * out_b)) "$1"
    [ "$1" = 0 ] && pass "$name: 0 differing bytes against TFLite Micro" \
                 || fail "$name: $1 elements differ from TFLite Micro (max |diff| $2)"
    ops_run_engine "$name" single "$T/$name.single" 2>/dev/null &&
        ! cmp -s "$T/$name.single" "$T/$name.tflm" && single_differs=$((single_differs + 1))
done <"$OPS_DIR/models.txt"
[ "$single_differs" -gt 0 ] && pass "negative control: single rounding differs from TFLM on $single_differs models" \
                            || fail "negative control: single rounding never differs, the comparison proves nothing"
finish
