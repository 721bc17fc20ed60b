# The IR's float executor against PyTorch: every zoo model (shared, made by Debian's
# PyTorch at test time) runs its 16 held-out inputs through `rppgq infer MODEL.onnx`, as
# read (NCHW, after constant folding, BatchNorm folding and activation fusion) and after
# the NHWC conversion the int8 path uses; the outputs must agree with PyTorch's within
# 1e-5 of the output's magnitude (max |ours - torch| / max |torch|), and the scalar loops
# (RPPGQ_SIMD=off) give the same bytes as the SIMD lanes.
. tests/lib/common.sh
. tests/lib/onnx_zoo.sh
zoo_make || finish
for m in $ZOO_MODELS; do
    for layout in nchw nhwc; do
        flag=; [ $layout = nhwc ] && flag=--nhwc
        if ! $RPPGQ infer "$ZOO/$m.onnx" "$ZOO/$m.in.bin" "$T/$m.$layout.bin" $flag 2>"$T/err"; then
            fail "$m $layout: $(head -c 300 "$T/err")"
        elif r=$($PY tests/ref/compare_f32.py "$T/$m.$layout.bin" "$ZOO/$m.out.bin" 1e-5); then
            pass "$m $layout vs PyTorch: $r"
        else
            fail "$m $layout vs PyTorch: $r"
        fi
        # the scalar loops (the SIMD lanes' definition) give the same bytes
        if RPPGQ_SIMD=off $RPPGQ infer "$ZOO/$m.onnx" "$ZOO/$m.in.bin" "$T/$m.$layout.off.bin" $flag 2>"$T/err" &&
            cmp -s "$T/$m.$layout.bin" "$T/$m.$layout.off.bin"; then
            pass "$m $layout: RPPGQ_SIMD=off gives the same bytes"
        else
            fail "$m $layout: RPPGQ_SIMD=off differs: $(head -c 300 "$T/err")"
        fi
    done
done
head -c 100 /dev/zero >"$T/short.bin"
expect_fail "input size" 1 "short.bin: 100 bytes is not a positive multiple of the input size 15552" \
    -- $RPPGQ infer "$ZOO/seed_spatial.onnx" "$T/short.bin" "$T/never.bin"
[ ! -e "$T/never.bin" ] && pass "nothing written on failure" || fail "output written on failure"
$PY -c "import numpy as np; a = np.zeros(3888, '<f4'); a[7] = np.nan; a.tofile('$T/nan.bin')"
expect_fail "NaN input" 1 "nan.bin: sample 0 holds NaN or Inf" \
    -- $RPPGQ infer "$ZOO/seed_spatial.onnx" "$T/nan.bin" "$T/never.bin"
finish
