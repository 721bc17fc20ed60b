# The float32 operators of runtime/float_ops.c against Debian's PyTorch, op by op (batch-1
# CPU forward): bit-identical where PyTorch's order is reproducible, a stated bound where
# PyTorch uses Sleef's vectorised exp/tanh or oneDNN. Also: the file builds as C99 with
# gcc and clang -Werror -pedantic, and for the Cortex-M55, with no data or bss.
. tests/lib/common.sh
so=$T/float_ops.so
if cc -std=c99 -O2 -Wall -Wextra -Werror -pedantic -shared -fPIC runtime/float_ops.c -lm -o "$so"; then
    $PY tests/ref/float_ops_check.py "$so" --seed 1 || fail "float_ops_check.py reported failures"
else
    fail "runtime/float_ops.c does not build"
fi
if clang -std=c99 -O2 -Wall -Wextra -Werror -pedantic -c runtime/float_ops.c -o "$T/fo_clang.o"; then
    pass "clang -std=c99 -Wall -Wextra -Werror -pedantic builds runtime/float_ops.c"
else
    fail "clang build of runtime/float_ops.c"
fi
if command -v arm-none-eabi-gcc >/dev/null; then
    if arm-none-eabi-gcc -mcpu=cortex-m55 -mthumb -mfloat-abi=hard -O2 -std=c99 -Wall -Wextra -Werror \
        -c runtime/float_ops.c -o "$T/fo_m55.o"; then
        sizes=$(arm-none-eabi-size -A "$T/fo_m55.o" | awk '$1==".text"{t=$2} $1==".data"{d=$2} $1==".bss"{b=$2} END{printf "%d %d %d", t, d, b}')
        set -- $sizes
        if [ "$2" = 0 ] && [ "$3" = 0 ]; then
            pass "arm-none-eabi-gcc -mcpu=cortex-m55 builds runtime/float_ops.c: text $1, data 0, bss 0"
        else
            fail "runtime/float_ops.c has mutable globals on the M55: data $2 bss $3"
        fi
    else
        fail "arm-none-eabi-gcc build of runtime/float_ops.c"
    fi
else
    fail "arm-none-eabi-gcc not installed (tools/install-deps.sh installs it)"
fi
finish
