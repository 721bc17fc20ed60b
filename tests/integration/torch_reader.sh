# The torch.save reader against PyTorch: tests/ref/make_torch_fixtures.py writes files with
# torch.save and what torch.load reads back (keys, dtypes, shapes, every element); the C
# reader must agree exactly, refuse bad files with one line, and never run pickled code.
. tests/lib/common.sh
: "${TEST_BIN:?}"
FX=$T/fx
if ! $PY tests/ref/make_torch_fixtures.py "$FX" >"$T/gen.log" 2>&1; then
    fail "fixture generation: $(tail -n 3 "$T/gen.log")"
    finish
fi

for exp in "$FX"/*.inspect; do
    name=$(basename "$exp" .inspect)
    if $RPPGQ inspect "$FX/$name.pth" >"$T/$name.out" 2>"$T/$name.err" && cmp -s "$T/$name.out" "$exp"; then
        pass "inspect $name matches torch"
    else
        fail "inspect $name: $(head -c 300 "$T/$name.err") $(diff "$T/$name.out" "$exp" | head -n 6)"
    fi
    "$TEST_BIN/test_torch_file" --values "$FX/$name.pth" "$FX/$name.values"
done

[ ! -e "$FX/EXECUTED" ] && pass "pickled os.system never ran" || fail "pickled os.system ran"

for exp in "$FX"/*.error; do
    name=$(basename "$exp" .error)
    case $name in ds_*) continue ;; esac
    expect_fail "refuses $name" 1 "^rppgq: (.*/)?$(cat "$exp")" -- $RPPGQ inspect "$FX/$name.pth"
done

# Datasets: the reader streams every window; its sums agree with torch's.
if out=$("$TEST_BIN/test_torch_file" --dataset "$FX/dataset.pth" 2>&1) && [ "$out" = "$(cat "$FX/dataset.summary")" ]; then
    pass "dataset windows, labels and subjects match torch"
else
    fail "dataset: got '$out', torch says '$(cat "$FX/dataset.summary")'"
fi
for exp in "$FX"/ds_*.error; do
    name=$(basename "$exp" .error)
    expect_fail "dataset refuses $name" 1 "^(.*/)?$(cat "$exp")" -- "$TEST_BIN/test_torch_file" --dataset "$FX/$name.pth"
done
finish
