# slow: PyTorch writes ~20 files and quantize runs on each
# The table of docs/bad-inputs.md, row by row: each hostile or broken input (made by
# PyTorch and flatc: tests/ref/make_bad_inputs.py) goes through the real rppgq command,
# which must exit 1 with exactly the documented one-line message and write nothing.
. tests/lib/common.sh
RPPGQ=$(cd "$(dirname "$RPPGQ")" && pwd)/$(basename "$RPPGQ")
MK=$PWD/tests/ref/make_bad_inputs.py
D=$T/bi
mkdir -p "$D" && cd "$D" || exit 1
if ! $PY "$MK" torch . >gen.log 2>&1; then fail "making bad inputs: $(tail -n 3 gen.log)"; finish; fi

# row NAME OUTPUT MESSAGE -- CMD...: exit 1, stderr is exactly MESSAGE (one line), OUTPUT
# (file or directory) does not exist afterwards and no temporary was left beside it.
row() {
    local name=$1 out=$2 want=$3 st
    shift 4
    rm -rf "$out"
    "$@" >/dev/null 2>err.txt
    st=$?
    if [ "$st" -ne 1 ]; then
        fail "$name: exit $st, wanted 1: $(head -c 300 err.txt)"
    elif [ "$(cat err.txt)" != "$want" ]; then
        fail "$name: got '$(head -c 400 err.txt)', wanted '$want'"
    elif [ -e "$out" ] || ls -d "$out".* "$out"-* ".$out"* 2>/dev/null | grep -q .; then
        fail "$name: left output behind: $(ls -d "$out"* 2>/dev/null)"
    else
        pass "$name"
    fi
}
q() { $RPPGQ quantize --out m.tflite --calib-windows 5 "$@"; }
qs() { q --data good_data.pt --spatial "$@"; }
qd() { q --spatial good_spatial.pth --data "$@"; }

if q --spatial good_spatial.pth --data good_data.pt >/dev/null 2>err.txt && [ -s m.tflite ]; then
    pass "the good inputs quantize"
    mv m.tflite good.tflite
else
    fail "good inputs: $(cat err.txt)"
    finish
fi

# ---- torch.save files -------------------------------------------------------------------
Z='not a zip archive (torch.save files are zip archives since PyTorch 1.6)'
row "empty file" m.tflite "rppgq: empty.pth: $Z" -- qs empty.pth
row "wrong magic (JSON text)" m.tflite "rppgq: text.pth: $Z" -- qs text.pth
row "truncated zip" m.tflite "rppgq: truncated.pth: broken zip archive: Not a zip archive" -- qs truncated.pth
row "legacy (pre-1.6) torch.save" m.tflite "rppgq: legacy.pth: legacy torch.save format (before PyTorch 1.6); re-save it with PyTorch >= 1.6: torch.save(obj, path) (default _use_new_zipfile_serialization=True)" -- qs legacy.pth
row "pickle calling os.system in place of a tensor" m.tflite "rppgq: evil.pth: 'features.0.weight' is not a tensor" -- qs evil.pth
[ ! -e MARKER ] && pass "os.system was never called" || fail "pickled os.system ran"
row "tensor larger than its storage" m.tflite "rppgq: toobig.pth: tensor 'model_state_dict.features.4.weight' (float32 [32, 16, 3, 4], storage offset 0) needs 6144 elements but its storage '7' holds 4608" -- qs toobig.pth
row "storage offset past the end" m.tflite "rppgq: offset.pth: tensor 'model_state_dict.features.0.bias' (float32 [16], storage offset 5) needs 21 elements but its storage '1' holds 16" -- qs offset.pth
row "236 M weights as broadcast views (6 KB file)" m.tflite "rppgq: broadcast_weights.pth: tensor 'model_state_dict.features.4.weight' (float32 [1024, 1024, 15, 15]) has 235929600 elements over a storage of 1: broadcast views above 16777216 elements are refused (save it with .contiguous())" -- qs broadcast_weights.pth
row "NaN weight" m.tflite "rppgq: nan_weight.pth: 'features.4.weight' holds a non-finite value at element 443" -- qs nan_weight.pth
row "shape mismatch between layers" m.tflite "rppgq: shape_mismatch.pth: conv 1 takes 8 channels but conv 0 gives 16" -- qs shape_mismatch.pth
row "pickle nested 300 deep" m.tflite "rppgq: deep.pth: data.pkl: values nested deeper than 256 at offset 602" -- qs deep.pth
row "unsupported pickle opcode" m.tflite "rppgq: badop.pth: data.pkl: unsupported pickle opcode 0x82 at offset 2" -- qs badop.pth
row "pickle string declaring 2 GB" m.tflite "rppgq: huge_string.pth: data.pkl: truncated pickle (string of 2147483647 bytes) at offset 2" -- qs huge_string.pth
row "NaN in a Temporal Fusion weight" cdir "rppgq: temporal_nan.pth: 'fc.0.weight' element [3, 5] is nan" -- $RPPGQ export-c --temporal temporal_nan.pth --out cdir

# ---- datasets ---------------------------------------------------------------------------
row "dataset with wrong rank" m.tflite "rppgq: data_rank5.pt: 'samples' has shape (12, 24, 36, 36, 3), expected rank 6 (N, frames, rois, height, width, channels)" -- qd data_rank5.pt
row "dataset with a NaN sample" m.tflite "rppgq: data_nan.pt: window 4: sample value nan outside [0,1]" -- qd data_nan.pt
row "labels of the wrong length" m.tflite "rppgq: data_labels7.pt: 'labels' has shape (7,), expected (12,)" -- qd data_labels7.pt
row "dataset without labels" m.tflite "rppgq: data_nolabels.pt: missing key 'labels' (an rPPG dataset is a dict with 'samples' and 'labels')" -- qd data_nolabels.pt
row "2^28 windows as a broadcast view (370 KB file)" m.tflite "rppgq: data_broadcast.pt: tensor 'samples' (float32 [268435456, 8, 3, 36, 36, 3]) has 25048249270272 elements over a storage of 93312: broadcast views above 16777216 elements are refused (save it with .contiguous())" -- qd data_broadcast.pt

# ---- .tflite files ----------------------------------------------------------------------
if ! $PY "$MK" tflite . good.tflite >gen2.log 2>&1; then fail "making bad .tflite: $(tail -n 3 gen2.log)"; finish; fi
head -c 3888 /dev/zero >in.bin
head -c 100 /dev/zero >short.bin
if $RPPGQ infer good.tflite in.bin out.bin 2>err.txt && [ -s out.bin ]; then pass "the good model runs"; else fail "good model: $(cat err.txt)"; fi
inf() { $RPPGQ infer "$1" in.bin out.bin; }
row "truncated .tflite" out.bin "rppgq: truncated.tflite: buffers[2]: vector runs past the end of the file" -- inf truncated.tflite
row ".tflite with a wrong file identifier" out.bin "rppgq: wrong_magic.tflite: header: file identifier is not TFL3" -- inf wrong_magic.tflite
# 10 buffers: the empty one, one per constant tensor, min_runtime_version, rppgq_calibration
row ".tflite with an out-of-range buffer index" out.bin "rppgq: buffer_index.tflite: tensors[1]: buffer index 999 out of range (10 buffers)" -- inf buffer_index.tflite
row ".tflite with an out-of-range tensor index" out.bin "rppgq: tensor_index.tflite: operators[0]: input 0 is tensor 4000, out of range (14 tensors)" -- inf tensor_index.tflite
row ".tflite with a zero input scale" out.bin "rppgq: zero_scale.tflite: operator 0 (CONV_2D): input input has scale 0" -- inf zero_scale.tflite
row "input bytes not a multiple of the input tensor" out.bin "rppgq: short.bin: 100 bytes is not a positive multiple of the input size 3888" -- $RPPGQ infer good.tflite short.bin out.bin
# ---- calibration records (validate) -----------------------------------------------------
# good.tflite was calibrated on good_data.pt; other.pt is the same set with other labels.
# The fingerprints are recomputed here (FNV-1a 64 over the window count, the labels' and
# the subjects' bytes) so that the message is checked to the byte.
if fps=$($PY - <<'PYEOF'
import struct, torch
def fnv(n, labels):
    h = 0xcbf29ce484222325
    for b in struct.pack("<q", n) + labels.numpy().astype("<f4").tobytes():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h
d = torch.load("good_data.pt")
n = len(d["labels"])
other = dict(d, labels=d["labels"] + 1.0)
torch.save(other, "other.pt")
print(n, fnv(n, d["labels"]), fnv(n, other["labels"]))
PYEOF
); then
    read -r n fp_good fp_other <<<"$fps"
    val() { $RPPGQ validate --spatial good_spatial.pth --temporal good_temporal.pth --json v.json "$@"; }
    row "a calibration record of another dataset" v.json "rppgq: other.pt: good.tflite was calibrated on another dataset ($n windows, fingerprint $fp_good; this one: $n, $fp_other); validate on quantize's data, or give --independent-data if no subject of it was calibrated on" -- val --tflite good.tflite --data other.pt
    $PY -c 'import sys; b = open("good.tflite", "rb").read(); open("bad_record.tflite", "wb").write(b.replace(b" seed=", b" seex="))'
    row "a malformed calibration record" v.json "rppgq: bad_record.tflite: its calibration record (metadata rppgq_calibration) is malformed" -- val --tflite bad_record.tflite --data good_data.pt
else
    fail "making other.pt"
fi
finish
