# Knowing when not to answer: validate on clean synthetic data and on the same data with
# camera brightness jumps and with heavy noise (outside the training distribution). The
# input-quality shares are checked against numpy's own computation of the definitions, the
# warning must appear (and only) for the bad data, and the displayed rate must be withheld.
. tests/lib/common.sh
M=${RQ_ROOT:-.}/models

$RPPGQ synth --out $T/clean.pt --subjects 8 --windows-per-subject 12 --seed 21 >/dev/null &&
$PY - $T/clean.pt $T/jumps.pt $T/noise.pt <<'PYEOF' &&
import sys, torch
d = torch.load(sys.argv[1])
g = torch.Generator().manual_seed(5)
x = d['samples']
n, t = x.shape[0], x.shape[1]
# auto exposure: every frame of a window at its own level, 0.75..1.3 of the true one
gain = 0.75 + 0.55 * torch.rand(n, t, 1, 1, 1, 1, generator=g)
j = dict(d); j['samples'] = (x * gain).clamp(0, 1); torch.save(j, sys.argv[2])
noise = dict(d); noise['samples'] = (x + 0.08 * torch.randn(x.shape, generator=g)).clamp(0, 1)
torch.save(noise, sys.argv[3])
PYEOF
$RPPGQ quantize --spatial $M/spatial_cnn.pth --data $T/clean.pt --out $T/m.tflite --calib-windows 24 --seed 3 >/dev/null ||
    { fail "making test files"; finish; }

for set in clean jumps noise; do
    $RPPGQ validate --spatial $M/spatial_cnn.pth --temporal $M/temporal_fusion.pth --tflite $T/m.tflite \
        --data $T/$set.pt --calib-windows 24 --seed 3 --json $T/$set.json --predictions $T/$set.csv >$T/$set.out 2>$T/$set.err ||
        fail "validate $set: $(cat $T/$set.err)"
done

# the numbers in the JSON against numpy's computation of the same definitions
$PY - $T <<'PYEOF' && pass "input-quality shares equal numpy's; warning and withheld rate on jumps and noise only" || fail "input quality"
import json, sys, numpy as np, torch
T = sys.argv[1]
ok = True
def check(cond, msg):
    global ok
    if not cond:
        print(msg); ok = False
for name in ('clean', 'jumps', 'noise'):
    v = json.load(open(f'{T}/{name}.json'))
    out = open(f'{T}/{name}.out').read()
    q, d = v['input_quality'], v['displayed']
    sm = d['smoother']
    data = torch.load(f'{T}/{name}.pt')
    x = data['samples'].numpy().astype(np.float64)  # (N, 8, 3, 36, 36, 3)
    ev = np.atleast_1d(np.genfromtxt(f'{T}/{name}.csv', delimiter=',', names=True)['window']).astype(int)
    check(len(ev) == v['n_windows'], f'{name}: {len(ev)} predictions, {v["n_windows"]} windows')
    x = data['samples'].numpy()[ev].astype(np.float64)  # (n, 8, 3, 36, 36, 3), evaluated windows
    level = x.reshape(x.shape[0], 8, 3, -1).mean(axis=3)            # (n, 8, 3)
    step = (np.abs(np.diff(level, axis=1)) / level[:, :-1]).max(axis=(1, 2))
    r = (x / x.mean(axis=1, keepdims=True) - 1) * 50
    clip = (np.abs(r) >= 4 - 1e-6).reshape(x.shape[0], -1).mean(axis=1)
    # windows within float rounding of a limit may fall either way
    def share(v, lim):
        over, near = v > lim, np.abs(v - lim) <= 1e-5 * max(lim, 1e-6)
        return over.mean(), near.mean()
    share_b, near_b = share(step, sm['max_brightness_step'])
    share_c, near_c = share(clip, sm['max_clip_share'])
    check(abs(q['windows_brightness_jump'] - share_b) <= near_b + 1e-12,
          f'{name}: brightness-jump share {q["windows_brightness_jump"]} vs numpy {share_b}')
    check(abs(q['windows_at_clip'] - share_c) <= near_c + 1e-12,
          f'{name}: clip share {q["windows_at_clip"]} vs numpy {share_c}')
    check(abs(q['clip_share_mean'] - clip.mean()) <= 1e-4, f'{name}: mean clip share {q["clip_share_mean"]} vs {clip.mean()}')
    bad = name != 'clean'
    check(q['outside_training'] == bad, f'{name}: outside_training {q["outside_training"]}')
    check(('outside what the model was trained on' in out) == bad, f'{name}: warning line in stdout: {bad}')
    check((q['warning'] is not None) == bad, f'{name}: warning in JSON')
    cov = d['int8']['coverage']
    if bad:
        check(cov < 0.2, f'{name}: the rate is shown {cov:.0%} of the time on bad data')
    else:
        check(cov > 0.3 and d['int8']['mae'] is not None, f'{name}: clean data shows the rate only {cov:.0%}')
        check(share_b == 0 and share_c == 0, f'clean: numpy finds windows over the limits ({share_b}, {share_c})')
sys.exit(0 if ok else 1)
PYEOF
finish
