#!/usr/bin/env python3
"""Trains the default split rPPG model (the seed's exact architecture) on a dataset written
by `rppgq synth`, on the CPU with Debian's PyTorch.

- Split by subject: the highest subject ids are the held-out test set, the ones before them
  the validation set (monitoring only); no subject is in two sets.
- The input contract is applied exactly as runtime/input_contract.c does it: float32 mean of
  each pixel over the window's 8 frames, summed in frame order, then
  clamp((x / mean - 1) * scale, -clip, clip) (window_ratio), or x itself (raw).
- Resumable: a checkpoint (model, optimizer, step, elapsed training time, RNG) is written
  atomically every --ckpt-minutes; rerunning the same command continues from it.
- The time budget (--minutes of training) drives a cosine learning-rate schedule; the model at
  the end of the budget is the result (no selection on the test set).
- --init DIR starts from DIR/spatial_cnn.pth + DIR/temporal_fusion.pth (e.g. the bundled model)
  instead of a random initialisation: fine-tuning with a fresh, usually lower, learning rate.

At the end it writes OUT/spatial_cnn.pth, OUT/temporal_fusion.pth in the seed's layout and a
JSON summary of the held-out metrics. The spatial checkpoint also records `label_mean`, the
training labels' mean: the fair baseline a trivial predictor would answer with.
"""
import argparse
import collections
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn


class SpatialCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1))

    def forward(self, x):  # (B,3,36,36) -> (B,16)
        return self.features(x).flatten(1)


class TemporalFusion(nn.Module):
    def __init__(self):
        super().__init__()
        self.temporal = nn.Sequential(nn.Conv1d(48, 32, 3, padding=1), nn.ReLU(),
                                      nn.Conv1d(32, 16, 3, padding=1), nn.ReLU())
        self.fc = nn.Sequential(nn.Linear(128, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, f):  # (B,24,16), row = t*3 + roi -> (B,) BPM
        b = f.shape[0]
        x = f.reshape(b, 8, 3, 16).reshape(b, 8, 48).transpose(1, 2)
        x = self.temporal(x).reshape(b, 128)
        return torch.sigmoid(self.fc(x)).squeeze(1) * 150.0 + 30.0


def apply_contract(x, contract):
    """x: float32 (B,8,3,36,36,3) in [0,1]; the same float32 operations, in the same order,
    as rppg_contract_apply in runtime/input_contract.c."""
    if contract['representation'] == 'raw':
        return x
    s = x[:, 0]
    for t in range(1, x.shape[1]):
        s = s + x[:, t]
    mean = (s / torch.tensor(float(x.shape[1]), dtype=torch.float32)).unsqueeze(1)
    scale = torch.tensor(contract['scale'], dtype=torch.float32)
    clip = float(contract['clip'])
    v = ((x / mean - 1.0) * scale).clamp(-clip, clip)
    return torch.where(mean > 1e-6, v, torch.zeros_like(v))


def predict(spatial, temporal, x):
    b = x.shape[0]
    img = x.reshape(b * 24, 36, 36, 3).permute(0, 3, 1, 2)
    return temporal(spatial(img).reshape(b, 24, 16))


def load_dataset(path):
    """Keeps the samples as uint8 (they are 8-bit frames /255), checking that this is exact."""
    d = torch.load(path)
    x = d['samples']
    inv = torch.tensor(1.0 / 255.0, dtype=torch.float32)
    u8 = torch.empty(x.shape, dtype=torch.uint8)
    for i in range(0, x.shape[0], 512):
        c = x[i:i + 512]
        q = (c * 255.0).round()
        if not torch.equal(q * inv, c):
            sys.exit(f'{path}: samples are not 8-bit values /255 (window {i}..)')
        u8[i:i + 512] = q.to(torch.uint8)
    del x, d['samples']
    return u8, d['labels'].float(), d['subjects'].long(), int(d.get('frame_stride', 1))


def decode(u8):
    return u8.float() * torch.tensor(1.0 / 255.0, dtype=torch.float32)


@torch.no_grad()
def evaluate(spatial, temporal, u8, labels, idx, contract, bs=64):
    spatial.eval(); temporal.eval()
    preds = []
    for i in range(0, len(idx), bs):
        j = idx[i:i + bs]
        preds.append(predict(spatial, temporal, apply_contract(decode(u8[j]), contract)))
    spatial.train(); temporal.train()
    p = torch.cat(preds) if preds else torch.zeros(0)
    return p, labels[idx]


def metrics(p, y, train_mean):
    err = (p - y).abs()
    r = float(torch.corrcoef(torch.stack([p, y]))[0, 1]) if len(y) > 1 else float('nan')
    return {'n': int(len(y)), 'mae': float(err.mean()), 'rmse': float(((p - y) ** 2).mean().sqrt()),
            'mape': float((err / y).mean() * 100), 'pearson_r': r,
            'mean_predictor_mae': float((y - train_mean).abs().mean())}


def init_model(spatial, temporal, directory, contract):
    """Loads a trained pair (the layout this script writes); its contract must be ours."""
    sp = torch.load(os.path.join(directory, 'spatial_cnn.pth'))
    tp = torch.load(os.path.join(directory, 'temporal_fusion.pth'))
    theirs = sp.get('input_contract', {})
    for k in ('representation', 'scale', 'clip', 'frame_stride'):
        if k in theirs and theirs[k] != contract[k]:
            sys.exit(f'{directory}/spatial_cnn.pth: input contract {k}={theirs[k]!r}, '
                     f'the data and options give {contract[k]!r}')
    spatial.load_state_dict(sp['model_state_dict'])
    temporal.load_state_dict(tp['model_state_dict'])


def until_deadline(hhmm, after):
    """The first local time HH:MM strictly after the time `after` (seconds since the epoch):
    the same day when that is still to come, else the next day (--until 01:30 given at 23:40
    means 01:30 tomorrow, not a deadline already passed)."""
    try:
        hh, mm = (int(v) for v in hhmm.split(':'))
    except ValueError:
        hh = -1
    if not (0 <= hh <= 23 and 0 <= mm <= 59):
        sys.exit(f'--until {hhmm}: expected HH:MM (00:00 to 23:59, local time)')
    lt = time.localtime(after)
    for day in (0, 1):  # mktime normalises day 32 into the next month; DST is resolved (-1)
        t = time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday + day, hh, mm, 0, 0, 0, -1))
        if t > after:
            return t
    return t


def atomic_save(obj, path):
    tmp = path + '.tmp'
    torch.save(obj, tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data', required=True)
    ap.add_argument('--out', default='models')
    ap.add_argument('--work', required=True, help='directory for the checkpoint and log')
    ap.add_argument('--representation', choices=['raw', 'window_ratio'], default='window_ratio')
    ap.add_argument('--scale', type=float, default=50.0)
    ap.add_argument('--clip', type=float, default=4.0)
    ap.add_argument('--test-subjects', type=int, default=40)
    ap.add_argument('--val-subjects', type=int, default=20)
    ap.add_argument('--minutes', type=float, default=40.0, help='training time budget')
    ap.add_argument('--until', help='HH:MM (local time; tomorrow if that time has passed): train until '
                    'then instead of --minutes; '
                    'the schedule follows the wall clock, so a busy machine only means fewer steps')
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--ckpt-minutes', type=float, default=3.0)
    ap.add_argument('--eval-every', type=int, default=400, help='steps between validation logs')
    ap.add_argument('--init', help='directory with spatial_cnn.pth and temporal_fusion.pth to start '
                    'from (fine-tuning) instead of a random initialisation')
    ap.add_argument('--export-only', action='store_true',
                    help='evaluate and export the checkpoint in --work as it is, without training')
    a = ap.parse_args()
    if a.until:
        until_deadline(a.until, time.time())  # a malformed HH:MM fails before the data loads
    torch.set_num_threads(a.threads)
    os.makedirs(a.work, exist_ok=True)
    log = open(os.path.join(a.work, 'train.log'), 'a', buffering=1)

    def say(*msg):
        line = time.strftime('%H:%M:%S ') + ' '.join(str(m) for m in msg)
        print(line, flush=True)
        log.write(line + '\n')

    u8, labels, subjects, stride = load_dataset(a.data)
    ids = sorted(set(subjects.tolist()))
    test_ids = set(ids[len(ids) - a.test_subjects:])
    val_ids = set(ids[len(ids) - a.test_subjects - a.val_subjects:len(ids) - a.test_subjects])
    sub = subjects.tolist()
    train_idx = torch.tensor([i for i, s in enumerate(sub) if s not in test_ids and s not in val_ids])
    val_idx = torch.tensor([i for i, s in enumerate(sub) if s in val_ids])
    test_idx = torch.tensor([i for i, s in enumerate(sub) if s in test_ids])
    contract = {'representation': a.representation, 'scale': float(a.scale), 'clip': float(a.clip),
                'frame_stride': stride}
    train_mean = float(labels[train_idx].mean())
    say(f'data {a.data}: {len(labels)} windows, {len(ids)} subjects, stride {stride}; train '
        f'{len(train_idx)} / val {len(val_idx)} ({len(val_ids)} subj) / test {len(test_idx)} '
        f'({len(test_ids)} subj); contract {contract}; train mean {train_mean:.2f}')

    torch.manual_seed(a.seed)
    spatial, temporal = SpatialCNN(), TemporalFusion()
    params = list(spatial.parameters()) + list(temporal.parameters())
    opt = torch.optim.Adam(params, lr=a.lr)
    if a.init:
        init_model(spatial, temporal, a.init, contract)
        say(f'initialised from {a.init}')
    else:
        # Start the output bias at the training mean so early steps are not spent getting there.
        with torch.no_grad():
            m = (train_mean - 30.0) / 150.0
            temporal.fc[2].bias.fill_(math.log(m / (1 - m)))
    step, elapsed, t_first = 0, 0.0, time.time()
    ckpt_path = os.path.join(a.work, 'train_ckpt.pt')
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        spatial.load_state_dict(ck['spatial']); temporal.load_state_dict(ck['temporal'])
        opt.load_state_dict(ck['opt']); step, elapsed = ck['step'], ck['elapsed']
        t_first = ck.get('t_first', time.time() - elapsed)
        torch.set_rng_state(ck['rng'])
        say(f'resumed at step {step}, {elapsed / 60:.1f} min trained')
    budget = a.minutes * 60
    if a.until:
        # From the first start (kept in the checkpoint), so a resumed run keeps its deadline.
        budget = max(60.0, until_deadline(a.until, t_first) - t_first)

    def progress():  # 0..1 through the schedule
        return min(1.0, (time.time() - t_first) / budget) if a.until else min(1.0, elapsed / budget)
    loss_fn = nn.L1Loss()
    t_ck = time.time()
    run_loss, run_n = 0.0, 0
    while progress() < 1.0 and not a.export_only:
        t0 = time.time()
        lr = a.lr * 0.5 * (1 + math.cos(math.pi * progress()))
        for g in opt.param_groups:
            g['lr'] = lr
        j = train_idx[torch.randint(len(train_idx), (a.batch,))]
        x = decode(u8[j])
        # Mirror each ROI left-right at random: the pulse does not care, the network must not.
        flip = torch.rand(a.batch) < 0.5
        x[flip] = x[flip].flip(4)
        x = apply_contract(x, contract)
        loss = loss_fn(predict(spatial, temporal, x), labels[j])
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        run_loss += float(loss); run_n += 1
        elapsed += time.time() - t0
        if step % a.eval_every == 0:
            p, y = evaluate(spatial, temporal, u8, labels, val_idx, contract)
            mv = metrics(p, y, train_mean)
            say(f'step {step} {elapsed / 60:.1f} min lr {lr:.2e} train L1 {run_loss / run_n:.2f} '
                f'val MAE {mv["mae"]:.2f} (mean-predictor {mv["mean_predictor_mae"]:.2f}) r {mv["pearson_r"]:.3f}')
            run_loss, run_n = 0.0, 0
        if time.time() - t_ck > a.ckpt_minutes * 60 or progress() >= 1.0:
            atomic_save({'spatial': spatial.state_dict(), 'temporal': temporal.state_dict(),
                         'opt': opt.state_dict(), 'step': step, 'elapsed': elapsed,
                         't_first': t_first, 'rng': torch.get_rng_state()}, ckpt_path)
            t_ck = time.time()

    result = {'steps': step, 'train_minutes': elapsed / 60, 'contract': contract,
              'train_windows': len(train_idx), 'train_subjects': len(ids) - len(test_ids) - len(val_ids),
              'train_label_mean': train_mean}
    for name, idx in (('val', val_idx), ('test', test_idx)):
        p, y = evaluate(spatial, temporal, u8, labels, idx, contract)
        result[name] = metrics(p, y, train_mean)
        result[name]['subjects'] = len(val_ids if name == 'val' else test_ids)
        say(f'{name}: {json.dumps(result[name])}')
    os.makedirs(a.out, exist_ok=True)
    sp = collections.OrderedDict(spatial.state_dict())
    tp = collections.OrderedDict(temporal.state_dict())
    atomic_save({'model_state_dict': sp, 'num_params': sum(p.numel() for p in spatial.parameters()),
                 'input_contract': contract, 'label_mean': train_mean},
                os.path.join(a.out, 'spatial_cnn.pth'))
    atomic_save({'model_state_dict': tp, 'num_params': sum(p.numel() for p in temporal.parameters())},
                os.path.join(a.out, 'temporal_fusion.pth'))
    with open(os.path.join(a.work, 'result.json'), 'w') as f:
        json.dump(result, f, indent=1)
    say('wrote', os.path.join(a.out, 'spatial_cnn.pth'), os.path.join(a.out, 'temporal_fusion.pth'))


if __name__ == '__main__':
    main()
