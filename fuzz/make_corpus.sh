#!/usr/bin/env bash
# Fills the working corpus ROOT/<harness>/ from the committed seeds (fuzz/corpus/) and from
# fresh files made by PyTorch (fuzz/make_seeds.py, skipped when torch is missing) and by our
# TFLite writer ($BUILD/fuzz/seedgen). Existing corpus entries are kept.
#     fuzz/make_corpus.sh ROOT
set -u
cd "$(dirname "$0")/.."
root=${1:?usage: make_corpus.sh ROOT}
: "${BUILD:=build}"
mkdir -p "$root"
for d in fuzz/corpus/*/; do
    [ -d "$d" ] || continue
    mkdir -p "$root/$(basename "$d")"
    cp -n "$d"* "$root/$(basename "$d")/" 2>/dev/null
done
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    /usr/bin/python3 fuzz/make_seeds.py "$root" || { echo "make_seeds.py failed" >&2; exit 1; }
fi
if [ -x "$BUILD/fuzz/seedgen" ]; then
    "$BUILD/fuzz/seedgen" "$root" || exit 1
fi
for b in "$BUILD"/fuzz/fuzz_*; do
    [ -x "$b" ] && mkdir -p "$root/$(basename "$b")"
done
exit 0
