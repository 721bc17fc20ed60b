# slow
# rppgq synth: usage errors, torch.load of the output, determinism, the physics of the
# data (numpy / PyTorch, tests/ref/synth_check.py) and the training contract against the C one.
. tests/lib/common.sh
REL=${RPPGQ_REL:-$RPPGQ}

expect_fail "zero subjects" 2 "subjects must be at least 1" -- $RPPGQ synth --out $T/x.pt --subjects 0
expect_fail "zero windows" 2 "windows-per-subject must be at least 1" -- $RPPGQ synth --out $T/x.pt --windows-per-subject 0
expect_fail "aliasing stride" 2 "frame-stride 6 aliases" -- $RPPGQ synth --out $T/x.pt --frame-stride 6
expect_fail "zero stride" 2 "frame-stride must be at least 1" -- $RPPGQ synth --out $T/x.pt --frame-stride 0
expect_fail "bad number" 2 "'abc' is not a whole number" -- $RPPGQ synth --out $T/x.pt --seed abc
expect_fail "missing out" 2 "--out PATH is required" -- $RPPGQ synth --subjects 2
expect_fail "unknown option" 2 "unknown option '--fast'" -- $RPPGQ synth --out $T/x.pt --fast
expect_fail "unwritable" 1 "/nonexistent-rppgq/x.pt" -- $RPPGQ synth --out /nonexistent-rppgq/x.pt --subjects 1 --windows-per-subject 1
[ ! -e $T/x.pt ] && pass "no output after usage errors" || fail "output left behind"

if $RPPGQ synth --out $T/a.pt --subjects 3 --windows-per-subject 4 --frame-stride 3 --seed 5 --threads 2 >/dev/null; then
    $PY tests/ref/synth_check.py format $T/a.pt 3 4 3
    [ "$(ls $T | grep -c tmp)" -eq 0 ] && pass "no temporary files left" || fail "temporary files left: $(ls $T)"
else
    fail "synth small"
fi
$RPPGQ synth --out $T/b.pt --subjects 3 --windows-per-subject 4 --frame-stride 3 --seed 5 --threads 1 >/dev/null
cmp -s $T/a.pt $T/b.pt && pass "same seed, other thread count: identical bytes" || fail "not deterministic"
$RPPGQ synth --out $T/c.pt --subjects 3 --windows-per-subject 4 --frame-stride 3 --seed 6 >/dev/null
cmp -s $T/a.pt $T/c.pt && fail "another seed gives the same data" || pass "another seed differs"

# The physics, over 12 subjects' recordings of 48 windows at stride 4 (51 s each).
if $REL synth --out $T/p.pt --subjects 12 --windows-per-subject 48 --frame-stride 4 --seed 11 >/dev/null; then
    $PY tests/ref/synth_check.py physics $T/p.pt
else
    fail "synth physics set"
fi

# tools/train.py applies the input contract exactly as runtime/input_contract.c does.
if cc -std=c99 -O2 -Iruntime tests/ref/contract_apply.c runtime/input_contract.c -o $T/contract_apply; then
    $PY tests/ref/contract_check.py $T/a.pt $T/contract_apply
else
    fail "contract harness build"
fi
rm -f $T/*.pt
finish
