#!/usr/bin/env python3
"""Independent checks of a dataset written by `rppgq synth`, with PyTorch and numpy.

  synth_check.py format DATA.pt SUBJECTS WINDOWS STRIDE
      torch.load reads it; keys, shapes, dtypes, [0,1], 8-bit values, labels in 40..160,
      subject ids, stored 64-byte-aligned zip members.
  synth_check.py physics DATA.pt
      the physics holds over each subject's recording (its windows tile it in order):
      the pulse is at the labelled heart rate, with the stated amplitude and colour signature.
Prints PASS/FAIL lines."""
import struct
import sys
import zipfile

import numpy as np
import torch

fails = 0


def check(name, ok, detail=''):
    global fails
    print(('PASS ' if ok else 'FAIL ') + name + ('' if ok else ': ' + detail))
    fails += 0 if ok else 1


def fmt(path, n_subj, n_win, stride):
    d = torch.load(path)
    n = n_subj * n_win
    x, y, s = d['samples'], d['labels'], d['subjects']
    check('torch.load keys', {'samples', 'labels', 'subjects', 'frame_stride'} <= set(d), str(sorted(d)))
    check('samples shape/dtype', tuple(x.shape) == (n, 8, 3, 36, 36, 3) and x.dtype == torch.float32,
          f'{tuple(x.shape)} {x.dtype}')
    check('labels shape/dtype', tuple(y.shape) == (n,) and y.dtype == torch.float32, f'{y.shape} {y.dtype}')
    check('subjects', s.dtype == torch.int64 and s.tolist() == [i // n_win for i in range(n)], str(s[:20]))
    check('frame_stride', d['frame_stride'] == stride, str(d['frame_stride']))
    check('values in [0,1]', float(x.min()) >= 0 and float(x.max()) <= 1, f'{float(x.min())} {float(x.max())}')
    q = (x * 255).round()
    check('8-bit values', torch.equal(q / 255, x) or float((q / 255 - x).abs().max()) < 1e-7,
          str(float((q / 255 - x).abs().max())))
    check('labels in 40..160', float(y.min()) >= 40 and float(y.max()) <= 160, f'{float(y.min())} {float(y.max())}')
    with zipfile.ZipFile(path) as z, open(path, 'rb') as f:
        bad = []
        for i in z.infolist():
            f.seek(i.header_offset)
            h = f.read(30)
            nlen, elen = struct.unpack('<HH', h[26:30])
            if i.compress_type != 0 or (i.header_offset + 30 + nlen + elen) % 64:
                bad.append(i.filename)
        check('zip members stored and 64-byte aligned', not bad, str(bad))


def detrended(v):
    t = np.arange(len(v))
    return v - np.polyval(np.polyfit(t, v, 3), t)


def band(v, fs, lo, hi):
    n = len(v)
    F = np.fft.rfft(detrended(v) * np.hanning(n))
    f = np.fft.rfftfreq(n, 1 / fs)
    F[(f < lo) | (f > hi)] = 0
    return F, f


def physics(path):
    d = torch.load(path)
    x, y, s = d['samples'].numpy(), d['labels'].numpy(), d['subjects'].numpy()
    fs = 30.0 / d['frame_stride']
    hits, amps, rg, bg, rows = 0, [], [], [], []
    subjects = np.unique(s)
    for sid in subjects:
        m = s == sid
        rgb = x[m].mean(axis=(3, 4)).reshape(-1, 3, 3).mean(1)  # (frames, channel): ROI means
        r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
        hr = float(y[m].mean())
        # Chromaticity g / (r+g+b) cancels illumination, which is equal on all channels.
        F, f = band(g / (r + g + b), fs, 0.6, 2.75)
        peak = f[np.argmax(np.abs(F))] * 60
        hits += abs(peak - hr) <= 8
        rows.append(f'{sid}:{hr:.0f}/{peak:.0f}')
        # Pulse amplitude per channel: peak-to-peak of the relative signal in a narrow band
        # around the labelled rate (illumination sway and drift lie below it).
        a = []
        for c in (r, g, b):
            Fc, _ = band(c / c.mean(), fs, hr / 60 - 0.12, hr / 60 + 0.12)
            v = np.fft.irfft(Fc, len(c)) / np.sqrt((np.hanning(len(c)) ** 2).mean())
            a.append(2 * np.sqrt(2) * v.std())
        amps.append(a[1])
        rg.append(a[0] / a[1])
        bg.append(a[2] / a[1])
    n = len(subjects)
    check(f'FFT peak at the labelled HR (+-8 BPM) for most subjects ({hits}/{n})', hits >= 0.8 * n, ' '.join(rows))
    med = float(np.median(amps))
    check(f'green pulse amplitude median {100 * med:.2f}% in 0.1..1%', 0.001 <= med <= 0.01, str(amps))
    check(f'red/green pulse ratio median {np.median(rg):.2f} in 0.25..0.65', 0.25 <= np.median(rg) <= 0.65, str(rg))
    check(f'blue/green pulse ratio median {np.median(bg):.2f} in 0.45..0.9', 0.45 <= np.median(bg) <= 0.9, str(bg))
    # Camera noise: frame-to-frame change of single output pixels, in 8-bit steps.
    dn = np.diff(x[:, :, 0, :, :, 1] * 255, axis=1).std()
    check(f'pixel temporal noise {dn:.2f} DN in 0.3..4', 0.3 <= dn <= 4, str(dn))
    red = x[..., 0].mean(axis=(1, 2, 3, 4))
    check(f'skin red level {red.min():.2f}..{red.max():.2f} within 0.35..0.95', red.min() >= 0.35 and red.max() <= 0.95)
    check('heart rates spread over subjects', float(np.std([y[s == i].mean() for i in subjects])) > 15)


if __name__ == '__main__':
    if sys.argv[1] == 'format':
        fmt(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        physics(sys.argv[2])
    sys.exit(1 if fails else 0)
