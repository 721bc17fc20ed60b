# export-c and validate-c on bad input: one-line error naming the file (and the key), exit
# status 1 (2 for bad usage), and no output directory, not even half of one.
. tests/lib/common.sh

$PY tests/ref/temporal_bad_checkpoints.py "$T" || { fail "making bad checkpoints"; finish; }

# expect_no_dir NAME STATUS PATTERN CKPT: export-c fails and leaves no trace
export_fails() {
    local name=$1 st=$2 pat=$3 ck=$4
    expect_fail "export-c $name" "$st" "$pat" -- $RPPGQ export-c --temporal "$ck" --out "$T/out_$name"
    if ls -d "$T/out_$name"* >/dev/null 2>&1; then
        fail "export-c $name left $(ls -d "$T/out_$name"*)"
    fi
}

export_fails missing_key 1 "missing_key\.pth: .*'fc\.2\.bias'" "$T/missing_key.pth"
export_fails wrong_shape 1 "wrong_shape\.pth: 'temporal\.2\.weight' has shape \[16, 33, 3\]" "$T/wrong_shape.pth"
export_fails nan_weight 1 "nan_weight\.pth: 'fc\.0\.weight' element \\[3, 5\\] is nan" "$T/nan_weight.pth"
export_fails inf_weight 1 "inf_weight\.pth: 'temporal\.0\.bias' element \\[7\\] is infinite" "$T/inf_weight.pth"
export_fails double_weight 1 "double_weight\.pth: 'fc\.0\.bias' is float64" "$T/double_weight.pth"
export_fails no_state_dict 1 "no_state_dict\.pth: " "$T/no_state_dict.pth"

size=$(stat -c %s "$T/good.pth")
head -c $((size / 2)) "$T/good.pth" >"$T/truncated.pth"
export_fails truncated 1 "truncated\.pth: " "$T/truncated.pth"
# garbage over the central directory, the pickle, and tensor data (CRC mismatches)
for at in cdir:$((size - 150)) pickle:200 tensor:$((size / 3)); do
    cp "$T/good.pth" "$T/corrupt_${at%%:*}.pth"
    printf '%*s' 64 '' | tr ' ' 'Z' | dd of="$T/corrupt_${at%%:*}.pth" bs=1 seek=${at#*:} conv=notrunc status=none
    export_fails "corrupt_${at%%:*}" 1 "corrupt_${at%%:*}\.pth: " "$T/corrupt_${at%%:*}.pth"
done
echo "this is not a zip archive" >"$T/text.pth"
export_fails not_a_zip 1 "text\.pth: " "$T/text.pth"
export_fails nonexistent 1 "nosuch\.pth: " "$T/nosuch.pth"
export_fails directory 1 "$T: " "$T"
expect_fail "export-c --rois 5" 1 "good\.pth: 'temporal\.0\.weight' .*ROI count 5" -- $RPPGQ export-c --temporal "$T/good.pth" --out "$T/r5" --rois 5
[ -e "$T/r5" ] && fail "--rois 5 left a directory"

# unwritable output: below a regular file (permissions do not stop root)
echo x >"$T/plainfile"
expect_fail "export-c unwritable out" 1 "plainfile/sub: cannot create: Not a directory" -- $RPPGQ export-c --temporal "$T/good.pth" --out "$T/plainfile/sub"
expect_fail "export-c out is a file" 1 "plainfile: exists and is not a directory" -- $RPPGQ export-c --temporal "$T/good.pth" --out "$T/plainfile"
mkdir -p "$T/userdir" && echo keep >"$T/userdir/notes.txt"
expect_fail "export-c refuses a foreign directory" 1 "userdir: holds other files \(notes\.txt\)" -- $RPPGQ export-c --temporal "$T/good.pth" --out "$T/userdir"
[ "$(ls "$T/userdir")" = notes.txt ] && pass "foreign directory untouched" || fail "foreign directory touched"
expect_fail "export-c without --out" 2 "required" -- $RPPGQ export-c --temporal "$T/good.pth"
expect_fail "export-c bad --rois" 2 "--rois" -- $RPPGQ export-c --temporal "$T/good.pth" --out "$T/x" --rois zero

# a good export, replaced by a second one
if $RPPGQ export-c --temporal "$T/good.pth" --out "$T/good_out" >/dev/null &&
    $RPPGQ export-c --temporal "$T/good.pth" --out "$T/good_out/" >/dev/null &&
    [ "$(ls "$T/good_out" | wc -l)" = 4 ] && ! ls -d "$T"/good_out.* >/dev/null 2>&1; then
    pass "export-c replaces its own export atomically"
else
    fail "export-c replace"
fi

# validate-c: a reference that disagrees with the C code fails with the statistics printed
$PY - "$T/good.pth" "$T/ref_off.pt" <<'PYEOF'
import sys, torch
torch.manual_seed(0)
x = torch.randn(16, 24, 16)
torch.save({'inputs': x, 'outputs': torch.full((16,), 100.0)}, sys.argv[2])
PYEOF
$RPPGQ validate-c --c-dir "$T/good_out" --reference "$T/ref_off.pt" --json "$T/off.json" >"$T/off.txt" 2>"$T/off.err"
st=$?
if [ $st = 1 ] && grep -q "grade: *POOR" "$T/off.txt" && grep -q "exceeds the tolerance" "$T/off.err" && grep -q '"pass":false' "$T/off.json"; then
    pass "validate-c fails above the tolerance"
else
    fail "validate-c above tolerance: exit $st $(cat "$T/off.err")"
fi
expect_fail "validate-c no reference" 1 "nosuch\.pt: " -- $RPPGQ validate-c --c-dir "$T/good_out" --reference "$T/nosuch.pt"
expect_fail "validate-c not an export" 1 "plainfile: not an export directory" -- $RPPGQ validate-c --c-dir "$T/plainfile" --reference "$T/ref_off.pt"
expect_fail "validate-c reference without inputs" 1 "good\.pth: no tensor 'inputs'" -- $RPPGQ validate-c --c-dir "$T/good_out" --reference "$T/good.pth"
cp -r "$T/good_out" "$T/broken_out" && echo "int broken(void) { return }" >>"$T/broken_out/temporal_fusion_weights_exported.c"
expect_fail "validate-c export that does not compile" 1 "broken_out: does not compile" -- $RPPGQ validate-c --c-dir "$T/broken_out" --reference "$T/ref_off.pt"
CC=/nonexistent/cc expect_fail "validate-c missing compiler" 1 "cannot run the C compiler" -- $RPPGQ validate-c --c-dir "$T/good_out" --reference "$T/ref_off.pt"
expect_fail "validate-c bad tolerance" 2 "--tolerance" -- $RPPGQ validate-c --c-dir "$T/good_out" --reference "$T/ref_off.pt" --tolerance -1
finish
