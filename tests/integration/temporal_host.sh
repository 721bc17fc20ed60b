# The vectorized host Temporal Fusion (validate's) against PyTorch's batch-1 forward: 0 ulp
# and the portable runtime's bits, with the SIMD paths forced off, to AVX2 and to AVX-512
# (RPPGQ_SIMD caps the level: on a CPU without AVX-512 the last run checks AVX2 again).
. tests/lib/common.sh
REF=tools/make_temporal_reference.py

# name seed weight-scale dims...
check_model() {
    local name=$1 seed=$2 scale=$3
    shift 3
    local ck=$T/$name.pth ref=$T/$name.pt rois=3
    if ! $PY $REF --checkpoint "$ck" --reference "$ref" --seed "$seed" --weight-scale "$scale" \
        --n 2000 --inputs mixed "$@" 2>"$T/$name.log"; then
        fail "$name: reference generation: $(tail -1 "$T/$name.log")"
        return
    fi
    while [ $# -gt 0 ]; do
        [ "$1" = --rois ] && rois=$2
        shift
    done
    local simd out
    for simd in off avx2 avx512; do
        if out=$(RPPGQ_SIMD=$simd "$TEST_BIN/test_temporal_host" --reference "$ck" "$ref" "$rois" 2>&1); then
            pass "$name RPPGQ_SIMD=$simd: ${out#PASS }"
        else
            fail "$name RPPGQ_SIMD=$simd: $out"
        fi
    done
}

check_model seed_dims 1 1 --frames 8 --rois 3 --features 16 --conv1 32 --conv2 16 --kernel 3 --hidden 32
check_model other_dims 4 2 --frames 16 --rois 2 --features 8 --conv1 24 --conv2 12 --kernel 5 --hidden 20
finish
