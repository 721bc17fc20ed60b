# slow
# The quantized Spatial CNN as written by `rppgq quantize`, run by LiteRT (Google's TFLite
# runtime, independent of us) and by our int8 engine on the same int8 inputs (dataset
# patches through the input contract): single rounding byte-exact, double rounding within
# one LSB. Then the structure as Debian's flatc reads it: per-channel weights in [-127,127]
# on dimension 0 with zero points 0, bias scales s_in * s_w[c], pools sharing params.
. tests/lib/common.sh
R=tests/ref/spatial_ref.py
LRT=tests/litert
ENGINE=${RPPGQ_REL:-$RPPGQ}
if [ ! -d "$LRT/node_modules/@litertjs/core" ] || ! command -v node >/dev/null; then
    fail "LiteRT.js not installed (make deps runs npm ci in $LRT)"
    finish
fi
$PY $R ckpt $T/sp.pth --seed 21 && $PY $R ckpt $T/spr.pth --seed 22 --contract window_ratio:50:4:1 &&
$PY $R dataset $T/d.pt 30 --seed 23 || { fail "making test files"; finish; }

for v in sp spr; do
    $RPPGQ quantize --spatial $T/$v.pth --data $T/d.pt --out $T/$v.tflite --calib-windows 10 >/dev/null 2>&1 ||
        { fail "$v: quantize"; continue; }
    $PY $R int8inputs $T/d.pt $T/$v.pth $T/$v.in 480 || { fail "$v: inputs"; continue; }
    node $LRT/run_tflite.js $T/$v.tflite $T/$v.in $T/$v.litert 2>$T/lrt.err || { fail "$v: LiteRT: $(head -c 300 $T/lrt.err)"; continue; }
    $ENGINE infer --rounding single $T/$v.tflite $T/$v.in $T/$v.single && $ENGINE infer --rounding double $T/$v.tflite $T/$v.in $T/$v.double ||
        { fail "$v: infer"; continue; }
    total=$(stat -c %s $T/$v.litert)
    ds=$(cmp -l $T/$v.single $T/$v.litert | wc -l)
    dd=$(cmp -l $T/$v.double $T/$v.litert | wc -l)
    echo "$v: 480 patches, $total output bytes; single rounding $ds differ, double $dd differ"
    [ "$total" -eq $((480 * 16)) ] && [ "$ds" -eq 0 ] && pass "$v: int8 outputs equal LiteRT's (single rounding)" ||
        fail "$v: $ds of $total bytes differ from LiteRT"
    $PY - $T/$v.double $T/$v.litert <<'PYEOF' && pass "$v: double rounding within one LSB of LiteRT" || fail "$v: double rounding off by more than one LSB"
import sys, numpy as np
a = np.fromfile(sys.argv[1], np.int8).astype(int); b = np.fromfile(sys.argv[2], np.int8).astype(int)
sys.exit(0 if len(a) == len(b) and np.max(np.abs(a - b)) <= 1 else 1)
PYEOF
done

# TFLite Micro (the runtime of the MCU) loads the same files, calibration metadata entry
# included, and gives our double-rounding engine's bytes.
if [ -n "$TFLM_RUN" ]; then
    for v in sp spr; do
        head -c $((36 * 36 * 3 * 2)) $T/$v.in >$T/$v.two
        ok=1
        for k in 0 1; do
            tail -c +$((k * 3888 + 1)) $T/$v.two | head -c 3888 >$T/$v.one
            "$TFLM_RUN" $T/$v.tflite $T/$v.one $T/$v.tflm 2>$T/tflm.err &&
                cmp -s $T/$v.tflm <(tail -c +$((k * 16 + 1)) $T/$v.double | head -c 16) || ok=0
        done
        [ $ok = 1 ] && pass "$v: TFLite Micro loads the model with its metadata; same bytes as ours" ||
            fail "$v: TFLite Micro: $(head -c 300 $T/tflm.err)"
    done
else
    echo "SKIP TFLite Micro runner not found (../shared/oracles/tflm_run)"
fi

# ---- flatc's reading of the scheme ------------------------------------------------------
# flatc prints floats with 6 decimals; a copy of the schema that declares the scales as
# uint (same 4 bytes) makes it print their exact bit patterns instead.
if [ -f tests/tflite/schema.fbs ] && command -v flatc >/dev/null; then
    SCHEMA=$T/schema_bits.fbs
    sed 's/^  scale:\[float\];/  scale:[uint];/' tests/tflite/schema.fbs >$SCHEMA
    flatc --json --strict-json --raw-binary -o $T $SCHEMA -- $T/sp.tflite 2>$T/flatc.err &&
    $PY - $T/sp.json <<'PYEOF' && pass "flatc: scheme as tflite-int8.md says" || fail "flatc scheme check $(cat $T/flatc.err)"
import json, sys, struct
m = json.load(open(sys.argv[1]))
g = m["subgraphs"][0]; T = g["tensors"]; B = m["buffers"]
def q(t):
    d = dict(t.get("quantization", {}))
    if "scale" in d:
        d["scale"] = [struct.unpack("<f", struct.pack("<I", u))[0] for u in d["scale"]]
    return d
def data(t): return bytes(B[t.get("buffer", 0)].get("data", []))
codes = [c["builtin_code"] for c in m["operator_codes"]]
ops = [(codes[o.get("opcode_index", 0)], o["inputs"], o["outputs"]) for o in g["operators"]]
convs = [o for o in ops if o[0] == "CONV_2D"]
pools = [o for o in ops if o[0] == "MAX_POOL_2D"]
ok = len(convs) == 3 and len(pools) == 2
for xi, wi, bi in (c[1] for c in convs):
    w, b, xin = T[wi], T[bi], T[xi]
    qw, qb = q(w), q(b)
    ok &= w["type"] == "INT8" and b["type"] == "INT32" and qw.get("quantized_dimension", 0) == 0
    ok &= len(qw["scale"]) == w["shape"][0] and all(z == 0 for z in qw["zero_point"])
    ws = struct.unpack("%db" % len(data(w)), data(w))
    ok &= min(ws) >= -127 and max(ws) <= 127
    s_in = q(xin)["scale"][0]
    for c in range(w["shape"][0]):
        want = struct.unpack("f", struct.pack("f", s_in * qw["scale"][c]))[0]  # float32 product
        ok &= qb["scale"][c] == want and qb["zero_point"][c] == 0
for _, (x,), (y,) in pools:  # a pool's output shares its input's (the conv's) parameters
    ok &= q(T[y])["scale"] == q(T[x])["scale"] and q(T[y])["zero_point"] == q(T[x])["zero_point"]
inp = T[g["inputs"][0]]
ok &= inp["type"] == "INT8" and q(inp)["zero_point"] == [-128] and q(inp)["scale"][0] == struct.unpack("f", struct.pack("f", 1 / 255))[0]
out = T[g["outputs"][0]]
ok &= out["shape"] == [1, 16] and out["type"] == "INT8"
ok &= "input_contract representation=raw" in m.get("description", "")
# the calibration record: a named metadata entry pointing to its buffer (not the description)
meta = {e["name"]: e["buffer"] for e in m["metadata"]}
ok &= set(meta) == {"min_runtime_version", "rppgq_calibration"}
ok &= bytes(B[meta["rppgq_calibration"]]["data"]).startswith(b"calibration method=minmax seed=1234 data=30:")
ok &= "calibration" not in m.get("description", "")
sys.exit(0 if ok else 1)
PYEOF
else
    fail "flatc or the TFLite schema (tests/tflite/schema.fbs) missing"
fi
finish
