# The command-line contract: help, exit codes, unknown commands.
. tests/lib/common.sh

if $RPPGQ --help | grep -q 'Commands:'; then pass "help lists commands"; else fail "help"; fi
$RPPGQ >/dev/null 2>&1; st=$?
[ $st -eq 2 ] && pass "no command exits 2" || fail "no command exits $st"
expect_fail "unknown command" 2 "unknown command 'frobnicate'" -- $RPPGQ frobnicate
for c in $($RPPGQ --help | awk '/^Commands:/{f=1;next} f&&!NF{exit} f{print $1}'); do
    if $RPPGQ "$c" --help >/dev/null 2>&1; then pass "$c --help"; else fail "$c --help"; fi
done
finish
