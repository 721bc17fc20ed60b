# slow: two unit binaries under QEMU's user-mode emulator (about a minute)
# The float SIMD paths (the IR executor's conv lanes, pools, the host Temporal Fusion) on CPUs
# without AVX-512 and without AVX2, whatever this machine has: qemu-user runs the release
# test binaries on an emulated Haswell (AVX2 + FMA) and Westmere (SSE4.2 only); each level
# the emulated CPU has must give the scalar code's bits, and the levels it lacks must not run.
. tests/lib/common.sh
QEMU=$(command -v qemu-x86_64 || true)
REL_TESTS=$(dirname "${RPPGQ_REL:-build/rppgq}")/tests
if [ -z "$QEMU" ] || [ "$(uname -m)" != x86_64 ]; then
    echo "SKIP: qemu-x86_64 (Debian qemu-user) not installed or not an x86-64 host"
    finish
fi
if [ -z "${RPPGQ_REL:-}" ] || [ ! -x "$REL_TESTS/test_ir_lanes" ] || [ ! -x "$REL_TESTS/test_temporal_host" ]; then
    echo "SKIP: release build (RPPGQ_REL, $REL_TESTS/test_ir_lanes, test_temporal_host) not built"
    finish
fi
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
