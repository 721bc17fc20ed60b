#!/usr/bin/python3
"""Builds a Temporal Fusion network with random weights in PyTorch and writes
   - its checkpoint in the seed's layout {'model_state_dict': ..., 'num_params': ...}
     (or a bare state_dict with --bare), and
   - a reference file {'inputs': float32 (N, T*R, F), 'outputs': float32 (N,) BPM, ...}
     holding PyTorch's outputs for N input windows.
Each output is PyTorch's forward of one window (batch 1), the way the MCU runs the network;
a batched forward takes other kernels (oneDNN) that round differently, and its largest
difference from the one-window outputs is printed for information.

Usage: make_temporal_reference.py --checkpoint CKPT.pth --reference REF.pt [--seed 1]
         [--frames 8 --rois 3 --features 16 --conv1 32 --conv2 16 --kernel 3 --hidden 32]
         [--n 10000] [--inputs gauss|relu|mixed] [--weight-scale 1] [--bare]
"""
import argparse
import sys

import torch
import torch.nn as nn


class TemporalFusion(nn.Module):
    """The seed's Temporal Fusion network, with every width a parameter."""

    def __init__(self, frames, rois, features, conv1, conv2, kernel, hidden):
        super().__init__()
        self.frames, self.rois, self.features = frames, rois, features
        self.temporal = nn.Sequential(
            nn.Conv1d(rois * features, conv1, kernel, padding=kernel // 2), nn.ReLU(),
            nn.Conv1d(conv1, conv2, kernel, padding=kernel // 2), nn.ReLU())
        self.fc = nn.Sequential(nn.Linear(conv2 * frames, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x):  # (B, T*R, F), row t*R + roi
        b = x.shape[0]
        x = x.reshape(b, self.frames, self.rois, self.features)
        x = x.reshape(b, self.frames, self.rois * self.features).transpose(1, 2)
        x = self.temporal(x).flatten(1)
        x = self.fc(x)
        return (torch.sigmoid(x) * 150 + 30).squeeze(-1)


def make_inputs(kind, n, shape, gen):
    x = torch.randn((n,) + shape, generator=gen)
    if kind == 'relu':
        return torch.relu(x) * 2
    if kind == 'mixed':  # first half Gaussian, second half non-negative like post-ReLU features
        x[n // 2:] = torch.relu(x[n // 2:]) * 2
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--checkpoint', required=True)
    ap.add_argument('--reference')
    ap.add_argument('--seed', type=int, default=1)
    for name, default in (('frames', 8), ('rois', 3), ('features', 16), ('conv1', 32),
                          ('conv2', 16), ('kernel', 3), ('hidden', 32)):
        ap.add_argument('--' + name, type=int, default=default)
    ap.add_argument('--n', type=int, default=10000)
    ap.add_argument('--inputs', choices=('gauss', 'relu', 'mixed'), default='mixed')
    ap.add_argument('--weight-scale', type=float, default=1.0,
                    help='multiplies the default-initialised weights (spreads the outputs)')
    ap.add_argument('--bare', action='store_true', help='save a bare state_dict')
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    torch.set_num_threads(1)
    model = TemporalFusion(a.frames, a.rois, a.features, a.conv1, a.conv2, a.kernel, a.hidden)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(a.weight_scale)
    model.eval()
    num_params = sum(p.numel() for p in model.parameters())
    if a.bare:
        torch.save(model.state_dict(), a.checkpoint)
    else:
        torch.save({'model_state_dict': model.state_dict(), 'num_params': num_params}, a.checkpoint)
    if not a.reference:
        return

    gen = torch.Generator().manual_seed(a.seed + 1000003)
    inputs = make_inputs(a.inputs, a.n, (a.frames * a.rois, a.features), gen).contiguous()
    with torch.no_grad():
        outputs = torch.stack([model(inputs[i:i + 1])[0] for i in range(a.n)])
        batched = torch.cat([model(inputs[i:i + 256]) for i in range(0, a.n, 256)])
    torch.save({'inputs': inputs, 'outputs': outputs.contiguous(),
                'seed': a.seed, 'num_params': num_params,
                'dims': {'frames': a.frames, 'rois': a.rois, 'features': a.features,
                         'conv1': a.conv1, 'conv2': a.conv2, 'kernel': a.kernel,
                         'hidden': a.hidden}}, a.reference)
    ulp = (torch.nextafter(outputs, torch.tensor(float('inf'))) - outputs)
    d = (batched - outputs).abs()
    print('reference: %d windows, outputs %.3f..%.3f BPM; batched forward differs by max %.3g BPM'
          ' (%.1f ulp), %d of %d windows' % (a.n, outputs.min(), outputs.max(), d.max(),
                                           (d / ulp).max(), int((d > 0).sum()), a.n),
          file=sys.stderr)


if __name__ == '__main__':
    main()
