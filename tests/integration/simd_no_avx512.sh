# The host SIMD kernels on CPUs without AVX-512 (and without AVX2), whatever this machine
# has: QEMU's user-mode emulator (qemu-user) runs the release binaries on an emulated
# Haswell (AVX2, no AVX-512) and Westmere (SSE4.2 only). There the engine must choose the
# kernels the emulated CPU has, test_simd_kernels must pass (AVX2 against the portable
# kernels; the AVX-512 parts print SKIP), and rppgq infer with its default kernels must give
# TFLite Micro's bytes on the seed-shaped CNN and the conv/depthwise/FC/pool/ADD models.
. tests/lib/common.sh
require_qemu_user test_simd_kernels
emu() { "$QEMU" -cpu "$@" 2>"$T/qemu.err"; } # its warnings about host-only CPUID bits go aside

for cpu in Haswell Westmere; do
    if emu "$cpu" "$REL_TESTS/test_simd_kernels" >"$T/$cpu.log"; then
        pass "test_simd_kernels on an emulated $cpu: $(grep -c '^PASS' "$T/$cpu.log") cases pass"
    else
        fail "test_simd_kernels on an emulated $cpu: $(grep -m2 '^FAIL' "$T/$cpu.log")"
    fi
    grep -q '^SKIP avx512 kernels' "$T/$cpu.log" && pass "$cpu: AVX-512 kernels reported absent" \
        || fail "$cpu: the AVX-512 kernels were not skipped"
done
avx2=$(sed -n 's/^CONV_2D .*avx2 \([0-9]*\),.*/\1/p' "$T/Haswell.log")
[ "${avx2:-0}" -gt 0 ] && pass "Haswell: AVX2 kernels compared on $avx2 conv models" || fail "Haswell: AVX2 kernels not compared"
grep -q '^SKIP avx2 kernels' "$T/Westmere.log" && pass "Westmere: AVX2 kernels reported absent" \
    || fail "Westmere: the AVX2 kernels were not skipped"

# the default kernels on the emulated Haswell against TFLite Micro (or, without it, against
# this machine's portable kernels, which simd_tflm.sh checks against TFLite Micro)
"$TEST_BIN/test_tfl_file" --write "$T" 2>"$T/write.err" || { fail "writing test models: $(cat "$T/write.err")"; finish; }
for name in spatial_cnn_1 op_conv_valid_stride2 op_conv_same_dilation2 op_depthwise_mult2 \
    op_maxpool_same3 op_avgpool_same3 op_fully_connected_per_channel ops_add_same; do
    M=$T/$name.tflite
    nb=$($PY -c "import json, math, sys; m = json.load(open(sys.argv[1]))
print(sum(math.prod(m['tensors'][i]['shape']) for i in m['inputs']))" "$T/$name.expect.json")
    head -c "$nb" /dev/urandom >"$T/$name.in"
    if [ -n "$TFLM_RUN" ]; then
        "$TFLM_RUN" "$M" "$T/$name.in" "$T/$name.ref" 2>"$T/ref.err" || { fail "$name: TFLite Micro: $(head -c 200 "$T/ref.err")"; continue; }
        what="TFLite Micro"
    else
        RPPGQ_SIMD=off "$RPPGQ_REL" infer "$M" "$T/$name.in" "$T/$name.ref" || { fail "$name: portable run"; continue; }
        what="the portable kernels"
    fi
    if emu Haswell "$RPPGQ_REL" infer "$M" "$T/$name.in" "$T/$name.emu" && cmp -s "$T/$name.emu" "$T/$name.ref"; then
        pass "$name on an emulated Haswell (AVX2 kernels): the bytes of $what"
    else
        fail "$name on an emulated Haswell: differs from $what"
    fi
done
finish
