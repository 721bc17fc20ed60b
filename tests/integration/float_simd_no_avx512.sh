# slow: two unit binaries under QEMU's user-mode emulator (about a minute)
# The float SIMD paths (the IR executor's conv lanes, pools, the host Temporal Fusion) on CPUs
# without AVX-512 and without AVX2, whatever this machine has: qemu-user runs the release
# test binaries on an emulated Haswell (AVX2 + FMA) and Westmere (SSE4.2 only); each level
# the emulated CPU has must give the scalar code's bits, and the levels it lacks must not run.
. tests/lib/common.sh
require_qemu_user test_ir_lanes test_temporal_host
for cpu in Haswell Westmere; do
    for t in test_ir_lanes test_temporal_host; do
        if "$QEMU" -cpu "$cpu" "$REL_TESTS/$t" >"$T/$cpu.$t.log" 2>"$T/qemu.err"; then
            pass "$t on an emulated $cpu: $(grep -c '^PASS' "$T/$cpu.$t.log") cases pass"
        else
            fail "$t on an emulated $cpu: $(grep -m2 '^FAIL' "$T/$cpu.$t.log")"
        fi
    done
done
finish
