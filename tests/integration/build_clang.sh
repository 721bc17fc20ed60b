# slow
# The toolchain builds warning-free with -Wall -Wextra -Werror under clang as well as gcc.
. tests/lib/common.sh
if out=$(make -s CC=clang BUILD=build/clang build/clang/rppgq 2>&1); then
    pass "clang -Werror build"
else
    fail "clang -Werror build: $(echo "$out" | grep -m3 error)"
fi
finish
