#!/usr/bin/env bash
# Builds the runtime for the Cortex-M55 (arm-none-eabi-gcc, -Werror), runs the test image on
# QEMU's mps3-an547 and requires its result lines to equal the host build's, byte for byte.
# Usage: tests/m55/run.sh [WORKDIR]   (prints PASS/FAIL lines; exit status 0 = all passed)
set -u
cd "$(dirname "$0")/../.."
work=${1:-$(mktemp -d /tmp/rppgq-m55.XXXXXX)}
mkdir -p "$work"
fails=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

for tool in arm-none-eabi-gcc qemu-system-arm; do
    command -v $tool >/dev/null || { fail "m55: $tool not installed (tools/install-deps.sh all)"; exit 1; }
done

M55_CC=arm-none-eabi-gcc
M55_CFLAGS="-std=c99 -mcpu=cortex-m55 -mthumb -mfloat-abi=hard -O2 -Wall -Wextra -Werror -ffp-contract=off -ffunction-sections -fdata-sections -Iruntime -Itests/m55"
M55_LDFLAGS="--specs=rdimon.specs -nostartfiles -T tests/m55/link.ld -Wl,--gc-sections"
HOST_LIB=${RQ_HOST_LIB:-build/librppgq.a}
HOST_LIBS="$(pkg-config --libs libzip json-c libpng 2>/dev/null) -lcrypto -lz -lm -pthread"

# 1. the image
if $M55_CC $M55_CFLAGS -DRQ_M55 runtime/*.c tests/m55/cases.c tests/m55/m55_main.c tests/m55/startup.c \
        $M55_LDFLAGS -lm -o "$work/m55_cases.elf" 2>"$work/m55_cc.log"; then
    pass "m55: runtime builds for cortex-m55 with -Werror"
else
    fail "m55: cross build: $(head -c 600 "$work/m55_cc.log")"
    exit 1
fi

# 2. the host twin
[ -f "$HOST_LIB" ] || make -s "$HOST_LIB" >/dev/null
if ! cc -std=c11 -O1 -Wall -Wextra -Werror -Isrc -Iruntime -Itests/m55 tests/m55/cases.c tests/m55/host_main.c \
        "$HOST_LIB" $HOST_LIBS -o "$work/host_cases" 2>"$work/host_cc.log"; then
    fail "m55: host build: $(head -c 600 "$work/host_cc.log")"
    exit 1
fi

# 3. run both and compare
timeout 120 qemu-system-arm -M mps3-an547 -nographic -semihosting-config enable=on,target=native \
    -kernel "$work/m55_cases.elf" >"$work/m55.out" 2>"$work/qemu.err"
st=$?
"$work/host_cases" >"$work/host.out"
hst=$?
if [ $st -eq 0 ] && [ $hst -eq 0 ]; then
    pass "m55: image ran to completion on qemu mps3-an547 (internal checks ok)"
else
    fail "m55: qemu exit $st, host exit $hst: $(tail -n 3 "$work/m55.out") $(head -c 300 "$work/qemu.err")"
fi
grep -v '^stack ' "$work/m55.out" >"$work/m55.cmp"
n=$(wc -l <"$work/host.out")
if [ "$n" -gt 100 ] && cmp -s "$work/m55.cmp" "$work/host.out"; then
    pass "m55: $n result lines identical to the host build (ROIs, patches, kernels, smoother)"
else
    fail "m55: results differ from host: $(diff "$work/host.out" "$work/m55.cmp" | head -n 6)"
fi
grep '^stack ' "$work/m55.out" | sed 's/^/  /'
[ $fails -eq 0 ]
