# The int8 engine with each host kernel set forced (RPPGQ_SIMD=off, avx2, avx512; an ISA
# this CPU lacks prints SKIP, as does AVX-512 without VNNI, which runs the AVX2 kernels) against TFLite Micro (../shared/oracles/tflm_run: reference
# kernels, double rounding) on the models whose operators have SIMD kernels: CONV_2D
# (strides, SAME/VALID, dilation), DEPTHWISE_CONV_2D (multiplier 2), FULLY_CONNECTED
# (per-tensor and per-channel), MAX/AVERAGE_POOL_2D, ADD (same shape, extreme scales, and a
# graph with a residual ADD), the seed-shaped spatial CNN and the branch models; 4 random
# input sets each, 0 differing bytes required. Single rounding has no TFLM oracle: each
# forced ISA must give the portable kernels' bytes (LiteRT's single-rounding comparison is
# tflite_litert.sh / ops_litert.sh on the default kernels).
. tests/lib/common.sh
if ! "$TEST_BIN/test_tfl_file" --write "$T" 2>"$T/write.err"; then
    fail "writing test models: $(cat "$T/write.err")"
    finish
fi
MODELS="spatial_cnn_1 spatial_cnn_2 branches two_branch op_conv_valid_stride2
op_conv_same_dilation2 op_depthwise_mult2 op_maxpool_same3 op_avgpool_same3 op_avgpool_valid2
op_fully_connected op_fully_connected_per_channel op_mean_hw ops_add_same ops_add_extreme_scales
ops_add_bcast_channels ops_graph_uint8_residual_softmax"
SETS=4
TFLM=$TFLM_RUN
[ -n "$TFLM" ] || echo "SKIP TFLite Micro comparison: runner not found (../shared/oracles/tflm_run, x86-64 only)"

# input_bytes NAME: the bytes of one input set (every graph input), from NAME.expect.json
input_bytes() {
    $PY - "$T/$1.expect.json" <<'PYEOF'
import json, sys
m = json.load(open(sys.argv[1]))
size = {"INT8": 1, "UINT8": 1, "INT16": 2, "FLOAT32": 4, "INT32": 4, "INT64": 8}
n = 0
for i in m["inputs"]:
    t = m["tensors"][i]; k = size[t["type"]]
    for d in t["shape"]:
        k *= d
    n += k
print(n)
PYEOF
}

# which kernel sets this CPU runs (the engine's own choice is checked by test_simd_kernels)
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has() { for f in "$@"; do case " $flags " in *" $f "*) ;; *) return 1 ;; esac; done; }
ISAS=off
if has avx2; then ISAS="$ISAS avx2"; else echo "SKIP avx2 kernels: this CPU lacks AVX2"; fi
if has avx512f avx512bw avx512vl avx512dq avx512_vnni; then ISAS="$ISAS avx512"
else echo "SKIP avx512 kernels: this CPU lacks AVX-512 (F/BW/VL/DQ) with VNNI"; fi

printf '%-34s %5s %s\n' model sets "differing bytes vs TFLite Micro (double rounding) per kernel set"
for name in $MODELS; do
    M=$T/$name.tflite
    nb=$(input_bytes "$name") || { fail "$name: input size"; continue; }
    head -c $((nb * SETS)) /dev/urandom >"$T/$name.in"
    if [ -n "$TFLM" ]; then
        : >"$T/$name.tflm"
        for k in $(seq 0 $((SETS - 1))); do
            dd if="$T/$name.in" of="$T/set.in" bs="$nb" skip="$k" count=1 status=none
            "$TFLM" "$M" "$T/set.in" "$T/set.out" 2>"$T/tflm.err" || { fail "$name: TFLite Micro: $(head -c 200 "$T/tflm.err")"; continue 2; }
            cat "$T/set.out" >>"$T/$name.tflm"
        done
    fi
    line=
    for isa in $ISAS; do
        for r in double single; do
            if ! RPPGQ_SIMD=$isa $RPPGQ infer "$M" "$T/$name.in" "$T/$name.$isa.$r" --rounding $r 2>"$T/ours.err"; then
                fail "$name ($isa, $r rounding): $(head -c 300 "$T/ours.err")"
                continue 2
            fi
        done
        if [ -n "$TFLM" ]; then
            d=$(cmp -l "$T/$name.$isa.double" "$T/$name.tflm" 2>/dev/null | wc -l)
            cmp -s "$T/$name.$isa.double" "$T/$name.tflm" || [ "$d" -gt 0 ] || d=size
            line="$line $isa:$d"
            [ "$d" = 0 ] && pass "$name, $isa kernels: 0 differing bytes against TFLite Micro ($SETS inputs)" \
                         || fail "$name, $isa kernels: $d bytes differ from TFLite Micro"
        fi
        cmp -s "$T/$name.$isa.single" "$T/$name.off.single" \
            && pass "$name, $isa kernels, single rounding: the portable kernels' bytes" \
            || fail "$name, $isa kernels, single rounding: differs from the portable kernels"
    done
    printf '%-34s %5s%s\n' "$name" "$SETS" "$line"
done
# negative control: the comparison sees a one-LSB change (single vs double rounding)
if [ -n "$TFLM" ]; then
    n=0
    for name in $MODELS; do
        cmp -s "$T/$name.off.single" "$T/$name.tflm" || n=$((n + 1))
    done
    [ "$n" -gt 0 ] && pass "negative control: single rounding differs from TFLite Micro on $n models" \
                   || fail "negative control: single rounding never differs; the comparison proves nothing"
fi
finish
