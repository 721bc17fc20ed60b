#!/usr/bin/env bash
# Installs what rppgq needs on a Debian machine, only what is missing.
#   build: libraries the C build links (libzip, json-c, libpng, OpenSSL, zlib, protobuf-c)
#          and the onnx.proto the ONNX reader is generated from (libonnx-dev, protoc-c)
#   all:   build + the independent references the tests compare against
#          (Debian's PyTorch and python3-onnx, flatc, the Arm toolchain and QEMU (system
#          mode for the Cortex-M55, user mode for x86-64 CPUs without AVX-512), LiteRT from npm)
set -euo pipefail
what=${1:-all}
cd "$(dirname "$0")/.."

build_pkgs="pkg-config libzip-dev libjson-c-dev libpng-dev libssl-dev zlib1g-dev libprotobuf-c-dev protobuf-c-compiler libonnx-dev"
test_pkgs="python3-torch python3-numpy python3-onnx flatbuffers-compiler gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm qemu-user valgrind clang libclang-rt-14-dev nodejs"

pkgs=$build_pkgs
[ "$what" = all ] && pkgs="$pkgs $test_pkgs"

missing=()
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm ships inside some nodejs builds (NodeSource) and apart in Debian's: ask only if absent
if [ "$what" = all ] && ! command -v npm >/dev/null; then missing+=(npm); fi
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "rppgq: missing Debian packages: ${missing[*]} (run as root or install them)" >&2
        exit 1
    fi
    echo "installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [ "$what" = all ] && [ -f tests/litert/package-lock.json ] && [ ! -d tests/litert/node_modules/@litertjs ]; then
    echo "installing LiteRT.js (npm, pinned in tests/litert/package-lock.json)" >&2
    (cd tests/litert && npm ci --no-audit --no-fund --ignore-scripts >&2)
fi
exit 0
