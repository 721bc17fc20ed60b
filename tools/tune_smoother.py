#!/usr/bin/env python3
"""Tunes the heart-rate smoother (runtime/postprocess.c) and its signal-quality limits
(runtime/quality.c) on the TRAINING subjects of a dataset, with the MCU's own C code.

- The split is train.py's: sorted subject ids, the last --test-subjects are held out, the
  --val-subjects before them are validation; only the rest (the training subjects) are used
  to choose anything. The held-out subjects are evaluated at the end for information only.
- Per window: the FP32 prediction of the model (PyTorch, train.py's networks) and the
  window's quality (rppg_window_quality, the C code, through ctypes).
- Quality limits: the largest clip share and brightness step of any training window, times
  --margin (default 1.5, room for subjects not seen), rounded up to 2 significant digits:
  every training window passes them; data that does not look like the training data fails.
- Smoother: every window length, minimum count, spread limit and MAD limit in the grid; the
  chosen one has the lowest displayed-rate MAE among those that show a rate at least
  --coverage of the time on the training subjects (rq_display_run, the C code validate uses).
- Correction map: the model pulls rates near the ends of 40-160 BPM towards the middle; a
  piecewise-linear map (knots every 15 BPM from 45 to 165) from the chosen smoother's median
  to the rate displayed, fitted to the training subjects' true rates by least absolute error
  (iteratively reweighted least squares), made non-decreasing.
- --predictions CSV (from `rppgq validate --predictions` on the training data) takes the
  per-window FP32 predictions from rppgq's own FP32 path instead of PyTorch (much less CPU);
  the quality limits are then kept as they are (the CSV has no window quality).

Prints the chosen values (to put into runtime/postprocess.c) and a JSON summary to --json.
"""
import argparse
import ctypes
import json
import math
import os
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402  (the networks and the contract, as trained)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Contract(ctypes.Structure):
    _fields_ = [('repr', ctypes.c_int), ('scale', ctypes.c_float), ('clip', ctypes.c_float),
                ('frame_stride', ctypes.c_int)]


class Quality(ctypes.Structure):
    _fields_ = [('clip_share', ctypes.c_float), ('brightness_step', ctypes.c_float)]


MAP_MAX = 12  # RPPG_MAP_MAX
KNOTS = [45.0, 60.0, 75.0, 90.0, 105.0, 120.0, 135.0, 150.0, 165.0]


class Config(ctypes.Structure):
    _fields_ = [('window', ctypes.c_int), ('min_count', ctypes.c_int),
                ('max_spread_bpm', ctypes.c_float), ('min_bpm', ctypes.c_float),
                ('max_bpm', ctypes.c_float), ('max_gap', ctypes.c_int),
                ('max_clip_share', ctypes.c_float), ('max_brightness_step', ctypes.c_float),
                ('max_mad_bpm', ctypes.c_float), ('map_n', ctypes.c_int),
                ('map_in', ctypes.c_float * MAP_MAX), ('map_out', ctypes.c_float * MAP_MAX)]


class Displayed(ctypes.Structure):
    _fields_ = [('n', ctypes.c_int64), ('shown', ctypes.c_int64), ('coverage', ctypes.c_double),
                ('mae', ctypes.c_double), ('rmse', ctypes.c_double), ('within5', ctypes.c_double)]


def build_library(tmp):
    """The runtime's smoother and quality measure plus the host's displayed-rate loop."""
    so = os.path.join(tmp, 'libsmoother.so')
    src = ['runtime/postprocess.c', 'runtime/quality.c', 'runtime/input_contract.c',
           'src/eval/displayed.c', 'src/common/error.c']
    subprocess.run(['cc', '-std=c11', '-D_GNU_SOURCE', '-O2', '-shared', '-fPIC', '-Isrc', '-Iruntime', '-o', so] +
                   [os.path.join(ROOT, s) for s in src] + ['-ljson-c', '-lm'], check=True)
    lib = ctypes.CDLL(so)
    lib.rppg_window_quality.argtypes = [ctypes.POINTER(Contract), ctypes.POINTER(ctypes.c_void_p),
                                        ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                        ctypes.POINTER(Quality)]
    lib.rppg_smoother_default_config.restype = Config
    lib.rq_display_run.argtypes = [ctypes.POINTER(Config), ctypes.c_size_t, ctypes.c_void_p,
                                   ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                   ctypes.c_void_p, ctypes.c_char_p]
    lib.rq_displayed_measure.restype = Displayed
    lib.rq_displayed_measure.argtypes = [ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p]
    return lib


def window_quality(lib, contract, x):
    """x: float32 (8,3,36,36,3) of one window -> Quality."""
    x = x.contiguous()
    t = x.shape[0]
    plane = x[0].numel()
    base = x.data_ptr()
    frames = (ctypes.c_void_p * t)(*[base + i * plane * 4 for i in range(t)])
    q = Quality()
    rois = x.shape[1]
    if lib.rppg_window_quality(ctypes.byref(contract), frames, t, rois, plane // rois,
                               ctypes.byref(q)) != 0:
        sys.exit('rppg_window_quality refused the window shape')
    return q


def display(lib, cfg, pred, qual, subj, truth):
    n = len(pred)
    shown = torch.empty(n, dtype=torch.float32)
    err = ctypes.create_string_buffer(512)
    if lib.rq_display_run(ctypes.byref(cfg), n, pred.data_ptr(), ctypes.addressof(qual),
                          subj.data_ptr(), shown.data_ptr(), None, err) != 0:
        sys.exit(err.value.decode())
    return lib.rq_displayed_measure(n, truth.data_ptr(), shown.data_ptr())


def fit_map(median, truth):
    """Knots KNOTS -> displayed rates: least absolute error of the interpolated map at the
    training windows' medians against their true rates (IRLS), then non-decreasing."""
    k = torch.tensor(KNOTS, dtype=torch.float64)
    x = median.double().clamp(k[0], k[-1])
    j = torch.searchsorted(k, x, right=True).clamp(1, len(k) - 1)
    t = (x - k[j - 1]) / (k[j] - k[j - 1])
    basis = torch.zeros(len(x), len(k), dtype=torch.float64)
    basis[torch.arange(len(x)), j - 1] = 1 - t
    basis[torch.arange(len(x)), j] += t
    y, w = truth.double(), torch.ones(len(x), dtype=torch.float64)
    for _ in range(50):
        sw = w.sqrt()[:, None]
        out = torch.linalg.lstsq(basis * sw, y[:, None] * sw).solution[:, 0]
        w = 1 / (basis @ out - y).abs().clamp(min=0.5)
    out = torch.cummax(out, 0).values
    return [round(float(v), 2) for v in out]


def with_map(cfg, out):
    c = Config.from_buffer_copy(cfg)
    c.map_n = len(KNOTS) if out else 0
    for i, v in enumerate(KNOTS if out else []):
        c.map_in[i], c.map_out[i] = v, out[i]
    return c


def read_predictions(path, subjects_wanted):
    """rppgq validate --predictions CSV -> (fp32, subject, truth) of the wanted subjects."""
    import csv
    pred, subj, truth = [], [], []
    with open(path) as f:
        for r in csv.DictReader(f):
            if int(r['subject']) in subjects_wanted:
                pred.append(float(r['fp32_bpm'])), subj.append(int(r['subject']))
                truth.append(float(r['true_bpm']))
    return (torch.tensor(pred, dtype=torch.float32), torch.tensor(subj, dtype=torch.int64),
            torch.tensor(truth, dtype=torch.float32))


def round_up(v):
    """Up to 2 significant digits (a limit people can read in the source)."""
    if v <= 0:
        return 0.0
    e = math.floor(math.log10(v)) - 1
    return float('%.2g' % (math.ceil(v / 10 ** e) * 10 ** e))


def split_ids(ids, a):
    held = set(ids[len(ids) - a.test_subjects:])
    excluded = set(ids[len(ids) - a.test_subjects - a.val_subjects:])
    train_ids = [s for s in ids if s not in excluded]
    if a.train_subjects:
        train_ids = train_ids[:a.train_subjects]
    return train_ids, held


def sets_from_model(a, lib):
    """FP32 predictions (PyTorch, train.py's networks) and quality (the C code) per window."""
    u8, labels, subjects, stride = train.load_dataset(a.data)
    train_ids, held = split_ids(sorted(set(subjects.tolist())), a)
    sub, keep = subjects.tolist(), set(train_ids)
    train_idx = torch.tensor([i for i, s in enumerate(sub) if s in keep])
    test_idx = torch.tensor([i for i, s in enumerate(sub) if s in held])
    sp = torch.load(os.path.join(a.models, 'spatial_cnn.pth'))
    tp = torch.load(os.path.join(a.models, 'temporal_fusion.pth'))
    contract = dict(sp['input_contract'])
    if contract.get('frame_stride', stride) != stride:
        sys.exit(f'{a.data}: frame stride {stride}, the model wants {contract["frame_stride"]}')
    spatial, temporal = train.SpatialCNN(), train.TemporalFusion()
    spatial.load_state_dict(sp['model_state_dict'])
    temporal.load_state_dict(tp['model_state_dict'])
    ccon = Contract(1 if contract['representation'] == 'window_ratio' else 0,
                    contract.get('scale', 0.0), contract.get('clip', 0.0), stride)
    sets = {}
    for name, idx in (('train', train_idx), ('heldout', test_idx))[:2 if a.heldout else 1]:
        pred, truth = train.evaluate(spatial, temporal, u8, labels, idx, contract)
        qual = (Quality * len(idx))()
        for k, i in enumerate(idx.tolist()):
            qual[k] = window_quality(lib, ccon, train.decode(u8[i]))
        sets[name] = (pred.float().contiguous(), qual, subjects[idx].contiguous(), truth.float().contiguous())
    return sets, len(train_ids)


def sets_from_predictions(a):
    """The same from rppgq validate's predictions CSV (subject ids 0..--subjects-1, as rppgq
    synth writes them); quality unknown (all zero: the limits are kept)."""
    train_ids, held = split_ids(list(range(a.subjects)), a)
    sets = {}
    for name, ids in (('train', set(train_ids)), ('heldout', held))[:2 if a.heldout else 1]:
        pred, subj, truth = read_predictions(a.predictions, ids)
        sets[name] = (pred.contiguous(), (Quality * len(pred))(), subj.contiguous(), truth.contiguous())
    return sets, len(set(sets['train'][2].tolist()))


def quality_limits(a, lib, tq):
    if a.predictions:
        d = lib.rppg_smoother_default_config()
        print(f'quality limits kept: clip share {d.max_clip_share:.2g}, brightness step {d.max_brightness_step:.2g}')
        return float('%.2g' % d.max_clip_share), float('%.2g' % d.max_brightness_step)
    clip = torch.tensor([q.clip_share for q in tq])
    bright = torch.tensor([q.brightness_step for q in tq])
    max_clip = round_up(float(clip.max()) * a.margin)
    max_bright = round_up(float(bright.max()) * a.margin)
    print(f'training windows: clip share median {float(clip.median()):.5f} max '
          f'{float(clip.max()):.5f} -> limit {max_clip}; brightness step median '
          f'{float(bright.median()):.5f} max {float(bright.max()):.5f} -> limit {max_bright}')
    return max_clip, max_bright


def medians(lib, cfg, pred, qual, subj, truth):
    """The chosen smoother's median where it shows a rate (no map), and the truth there."""
    shown = torch.empty(len(pred), dtype=torch.float32)
    err = ctypes.create_string_buffer(512)
    if lib.rq_display_run(ctypes.byref(with_map(cfg, None)), len(pred), pred.data_ptr(), ctypes.addressof(qual),
                          subj.data_ptr(), shown.data_ptr(), None, err) != 0:
        sys.exit(err.value.decode())
    ok = ~torch.isnan(shown)
    return shown[ok], truth[ok]


def metrics(m):
    return {'mae': m.mae, 'rmse': m.rmse, 'within5': m.within5, 'coverage': m.coverage}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data', help='the training data (rppgq synth); or --predictions')
    ap.add_argument('--predictions', help='rppgq validate --predictions CSV of the training data')
    ap.add_argument('--subjects', type=int, default=0, help='with --predictions: subjects in the data')
    ap.add_argument('--models', default=os.path.join(ROOT, 'models'))
    ap.add_argument('--test-subjects', type=int, default=40)
    ap.add_argument('--val-subjects', type=int, default=20)
    ap.add_argument('--margin', type=float, default=1.5)
    ap.add_argument('--train-subjects', type=int, default=0,
                    help='use only the first N training subjects (0: all; saves CPU time)')
    ap.add_argument('--heldout', action='store_true',
                    help='also report the chosen configuration on the held-out subjects (FP32)')
    ap.add_argument('--coverage', type=float, default=0.9)
    ap.add_argument('--json')
    a = ap.parse_args()
    if bool(a.data) == bool(a.predictions) or (a.predictions and a.subjects <= 0):
        sys.exit('give --data, or --predictions with --subjects N')
    torch.set_num_threads(1)

    with tempfile.TemporaryDirectory() as tmp:
        lib = build_library(tmp)
        sets, n_train = sets_from_predictions(a) if a.predictions else sets_from_model(a, lib)
        for name, (pred, _, _, truth) in sets.items():
            print(f'{name}: {len(pred)} windows, per-window FP32 MAE '
                  f'{float((pred - truth).abs().mean()):.3f}', flush=True)
        max_clip, max_bright = quality_limits(a, lib, sets['train'][1])
        base = lib.rppg_smoother_default_config()
        best = None
        # Agreement limits: the spread (max - min) and the MAD; the MAD ignores a lone
        # outlier among 16 estimates, the spread does not, so both are in the grid.
        spreads = [10, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150]
        mads = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 20, 150]
        for window in range(1, 17):
            for min_count in sorted(c for c in {1, 2, 4, window // 2} if 1 <= c <= window):
                for spread in spreads:
                    for mad in mads:
                        cfg = Config(window, min_count, spread, base.min_bpm, base.max_bpm,
                                     base.max_gap, max_clip, max_bright, mad, 0)
                        m = display(lib, cfg, *sets['train'])
                        if m.coverage >= a.coverage and (best is None or m.mae < best[1].mae):
                            best = (cfg, m)
        if best is None:
            sys.exit(f'no configuration shows a rate {a.coverage:.0%} of the time')
        cfg, m_nomap = best
        med, truth = medians(lib, cfg, *sets['train'])
        out = fit_map(med, truth)
        cfg = with_map(cfg, out)
        m = display(lib, cfg, *sets['train'])
        chosen = {'window': cfg.window, 'min_count': cfg.min_count, 'max_spread_bpm': cfg.max_spread_bpm,
                  'max_mad_bpm': cfg.max_mad_bpm, 'max_clip_share': max_clip,
                  'max_brightness_step': max_bright, 'map_in': KNOTS, 'map_out': out}
        res = {'chosen': chosen, 'train_subjects': n_train, 'train_windows': len(sets['train'][0]),
               'train_without_map': metrics(m_nomap), 'train': metrics(m)}
        if a.heldout:
            res['heldout_fp32'] = metrics(display(lib, cfg, *sets['heldout']))
        print(json.dumps(res, indent=1))
        if a.json:
            with open(a.json, 'w') as f:
                json.dump(res, f, indent=1)


if __name__ == '__main__':
    main()
