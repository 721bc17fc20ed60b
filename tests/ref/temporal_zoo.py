#!/usr/bin/python3
"""A zoo of temporal models made by Debian's PyTorch at test time, for export-c --onnx.

    temporal_zoo.py OUTDIR [--n 5000] [NAME...]

For every model NAME it writes (fixed seeds: the same files every run):
    NAME.onnx       torch.onnx.export(model.eval(), x, opset_version=13)
    NAME.op17.onnx  the same at opset 17 (LayerNormalization is one node there)
    NAME.pt         {'inputs': float32 (N, *input shape without the batch),
                     'outputs': float32 (N, *output shape without the batch),
                     'exact': whether the export must be bit-identical}
                    each output PyTorch's forward of that one input (batch 1), the way the
                    MCU runs the model; half of the inputs Gaussian, half non-negative
    NAME.pth        the seed's checkpoint layout for temporal_fusion only (export-c --temporal)
Nothing here is committed: tests make the zoo once per run and share it (temporal_zoo.sh).
"""
import argparse
import os
import sys
import warnings

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tools'))
from make_temporal_reference import TemporalFusion  # noqa: E402


class ConvMlp(nn.Module):
    """Three Conv1d (kernel 5) + an MLP over a (channels, time) window."""

    def __init__(self, cin=16, t=32):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(cin, 24, 5, padding=2), nn.ReLU(),
            nn.Conv1d(24, 24, 5, padding=2), nn.ReLU(),
            nn.Conv1d(24, 16, 5, padding=2), nn.ReLU())
        self.mlp = nn.Sequential(nn.Linear(16 * t, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x):
        return self.mlp(self.conv(x).flatten(1))


class GruHead(nn.Module):
    """GRU(hidden 32) over (time, features), Linear on the last step."""

    def __init__(self, features=16, hidden=32):
        super().__init__()
        self.gru = nn.GRU(features, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, x):
        y, _ = self.gru(x)
        return self.fc(y[:, -1])


class BiLstmHead(nn.Module):
    """Bidirectional LSTM, Linear on the last step of both directions."""

    def __init__(self, features=16, hidden=24):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, 2)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.fc(y[:, -1])


class Attention(nn.Module):
    """One self-attention block over 12 steps: Linear Q/K/V, scaled MatMul, Softmax,
    output projection, residual Add, LayerNorm, mean over time, Linear."""

    def __init__(self, d=32):
        super().__init__()
        self.q, self.k, self.v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.o = nn.Linear(d, d)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, 1)
        self.scale = d ** -0.5

    def forward(self, x):  # (B, T, d)
        q, k, v = self.q(x), self.k(x), self.v(x)
        att = torch.softmax(torch.matmul(q, k.transpose(1, 2)) * self.scale, dim=-1)
        y = self.norm(x + self.o(torch.matmul(att, v)))
        return self.head(y.mean(1))


class Cnn2dHead(nn.Module):
    """A 2-D CNN head: 3x3 convolutions (one strided, one dilated), ReLU, MaxPool, AvgPool,
    global average pooling, Linear."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(16, 16, 3, padding=2, dilation=2), nn.ReLU(), nn.AvgPool2d(2),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(16, 4)

    def forward(self, x):
        return self.head(self.body(x))


# name: (constructor, input shape with the batch, bit-exact expected: every op's PyTorch
# order reproduced, Sleef's exp/tanh included)
MODELS = {
    'temporal_fusion': (lambda: TemporalFusion(8, 3, 16, 32, 16, 3, 32), (1, 24, 16), True),
    'conv1d_mlp': (ConvMlp, (1, 16, 32), True),
    'gru': (GruHead, (1, 16, 16), True),
    'bilstm': (BiLstmHead, (1, 12, 16), True),
    'attention': (Attention, (1, 12, 32), True),
    'cnn2d': (Cnn2dHead, (1, 3, 24, 24), True),
}


def make(name, out, n):
    ctor, shape, exact = MODELS[name]
    torch.manual_seed(sum(map(ord, name)))
    model = ctor().eval()
    x = torch.randn(shape)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for opset, path in ((13, name + '.onnx'), (17, name + '.op17.onnx')):
            torch.onnx.export(model, x, os.path.join(out, path), opset_version=opset,
                              input_names=['input'], output_names=['output'])
    if name == 'temporal_fusion':
        torch.save({'model_state_dict': model.state_dict(),
                    'num_params': sum(p.numel() for p in model.parameters())},
                   os.path.join(out, name + '.pth'))
    gen = torch.Generator().manual_seed(sum(map(ord, name)) + 1000003)
    inputs = torch.randn((n,) + shape[1:], generator=gen)
    inputs[n // 2:] = torch.relu(inputs[n // 2:]) * 2
    with torch.no_grad():
        outputs = torch.stack([model(inputs[i:i + 1])[0] for i in range(n)])
    torch.save({'inputs': inputs.contiguous(), 'outputs': outputs.contiguous(), 'exact': exact},
               os.path.join(out, name + '.pt'))
    print('%s: %d inputs %s -> outputs %s' % (name, n, tuple(inputs.shape[1:]),
                                             tuple(outputs.shape[1:])))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('--n', type=int, default=5000)
    ap.add_argument('names', nargs='*')
    a = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(a.out, exist_ok=True)
    for name in a.names or MODELS:
        make(name, a.out, a.n)


if __name__ == '__main__':
    main()
