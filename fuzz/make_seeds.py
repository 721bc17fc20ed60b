#!/usr/bin/env python3
"""Seed inputs for the torch-side fuzz harnesses, made by PyTorch itself.

    make_seeds.py OUTDIR

writes OUTDIR/fuzz_zip/*.pth        whole torch.save archives (stored and deflated)
       OUTDIR/fuzz_pickle/*.pkl     their data.pkl (protocols 2, 4, 5)
       OUTDIR/fuzz_torch/*.bin      the structured form fz_structured_zip() expects:
       OUTDIR/fuzz_dataset/*.bin    k, then k x (u16 length, storage bytes), then data.pkl
       OUTDIR/fuzz_onnx/*.onnx      small CNNs exported by torch.onnx.export, opsets 11-17
       OUTDIR/fuzz_npy/*.npy        calibration sample arrays saved by NumPy
Every file stays small (< 50 KB) so that the fuzzer mutates quickly.
"""
import collections
import io
import os
import struct
import sys
import zipfile

import torch

OUT = sys.argv[1]


def files(name, obj, protocol=2):
    buf = io.BytesIO()
    torch.save(obj, buf, pickle_protocol=protocol)
    raw = buf.getvalue()
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        members = {i.filename.split('/', 1)[1]: z.read(i.filename) for i in z.infolist()}
    write('fuzz_zip', name + '.pth', raw)
    deflated = io.BytesIO()
    with zipfile.ZipFile(deflated, 'w', zipfile.ZIP_DEFLATED) as z:
        for k, v in members.items():
            z.writestr(name + '_deflated/' + k, v)
    write('fuzz_zip', name + '_deflated.pth', deflated.getvalue())
    pkl = members['data.pkl']
    write('fuzz_pickle', name + '.pkl', pkl)
    storages = sorted((k[5:] for k in members if k.startswith('data/')), key=int)
    assert storages == [str(i) for i in range(len(storages))] and len(storages) <= 16, name
    s = bytes([len(storages)])
    for k in storages:
        data = members['data/' + k]
        assert len(data) < 65536, name
        s += struct.pack('<H', len(data)) + data
    harness = 'fuzz_dataset' if name.startswith('dataset') else 'fuzz_torch'
    write(harness, name + '.bin', s + pkl)


def write(harness, name, data):
    assert len(data) < 50_000, (name, len(data))
    os.makedirs(os.path.join(OUT, harness), exist_ok=True)
    with open(os.path.join(OUT, harness, name), 'wb') as f:
        f.write(data)


def main():
    g = torch.Generator().manual_seed(7)
    seq = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                              torch.nn.Flatten(), torch.nn.Linear(4, 2))
    files('checkpoint', {'model_state_dict': seq.state_dict(), 'num_params': 140, 'lr': 1e-3,
                         'epoch': 3, 'history': [0.5, 0.25], 'name': 'spatial'})
    files('checkpoint_p4', {'model_state_dict': seq.state_dict()}, protocol=4)
    base = torch.arange(60, dtype=torch.float32).reshape(3, 4, 5)
    files('views', {'t': base.transpose(0, 2), 's': base[1:, ::2], 'o': base.view(-1)[7:19],
                    'e': torch.ones(3, 1).expand(3, 4), 'h': base.half(), 'i': base.long()[0],
                    'b': torch.tensor([True, False]), 'bf': base.bfloat16()[0, 0],
                    'scalar': torch.tensor(2.5), 'empty': torch.zeros(0, 2)})
    files('shared', [base, base[1], {'again': base}, (base.view(-1)[3:9],)])
    files('param', {'p': torch.nn.Parameter(torch.randn(2, 3, generator=g))})
    n = 4
    files('dataset', {'samples': torch.rand(n, 8, 3, 4, 4, 3, generator=g),
                      'labels': torch.linspace(50, 150, n), 'subjects': torch.arange(n) // 2,
                      'frame_stride': 2})
    files('dataset_f64', {'samples': torch.rand(2, 2, 3, 2, 2, 3, generator=g),
                          'labels': torch.tensor([60.0, 90.0], dtype=torch.float64),
                          'subjects': torch.tensor([0, 1], dtype=torch.int32)})


def onnx_seeds():
    nn = torch.nn
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU6(),
                        nn.MaxPool2d(2), nn.Conv2d(4, 4, 3, groups=4), nn.Hardswish(),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3), nn.Softmax(1)).eval()
    for opset in range(11, 18):
        buf = io.BytesIO()
        torch.onnx.export(net, torch.rand(1, 3, 8, 8), buf, opset_version=opset)
        write('fuzz_onnx', 'cnn_opset%d.onnx' % opset, buf.getvalue())

    class Reshapes(nn.Module):  # Shape/Gather/Unsqueeze/Concat chains, Resize, Pad
        def forward(self, x):
            y = nn.functional.interpolate(x, scale_factor=2.0, mode='nearest')
            y = nn.functional.pad(y, (1, 1, 1, 1))
            return y.reshape(x.shape[0], -1)
    buf = io.BytesIO()
    torch.onnx.export(Reshapes(), torch.rand(1, 2, 3, 3), buf, opset_version=13)
    write('fuzz_onnx', 'reshapes.onnx', buf.getvalue())


def npy_seeds():
    import numpy as np
    for name, a in (('f32', np.arange(24, dtype='<f4').reshape(2, 3, 2, 2)),
                    ('f64', np.linspace(0, 1, 12).reshape(3, 4))):
        buf = io.BytesIO()
        np.save(buf, a)
        write('fuzz_npy', name + '.npy', buf.getvalue())


if __name__ == '__main__':
    main()
    onnx_seeds()
    npy_seeds()
