#!/usr/bin/env python3
"""A zoo of small PyTorch CNNs exported to ONNX by Debian's PyTorch, with reference outputs.

    onnx_zoo.py OUTDIR [NAME...]

For every model NAME it writes (fixed seeds: the same files every run):
    NAME.onnx          torch.onnx.export(model.eval(), x, opset_version=the model's opset)
    NAME.in.bin        16 held-out inputs, float32 NCHW, concatenated
    NAME.out.bin       PyTorch's float32 outputs for them, concatenated
    NAME.calib.pt      torch.save of 64 calibration inputs (N, C, H, W) float32
    NAME.calib.npy     the same as .npy
    NAME.shape         "C H W OUT_ELEMS OPSET OUT_SHAPE" (OUT_SHAPE without the batch, "8,4,4")
and for the seed's Spatial CNN also its checkpoint (seed_spatial.pth, as the seed saves it)
and an export that keeps the BatchNormalization nodes (seed_spatial_bn.onnx,
training=PRESERVE), which the checkpoint front end must reproduce byte for byte.
Nothing here is committed: tests make the zoo once per run and share it (onnx_zoo.sh).
"""
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

OUT = sys.argv[1]
ONLY = set(sys.argv[2:])


def conv_bn(cin, cout, k=3, stride=1, groups=1, act=nn.ReLU):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=True), nn.BatchNorm2d(cout)]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


class SeedSpatial(nn.Module):
    """The seed's Spatial CNN (features.{0,1,4,5,8,9})."""
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1))

    def forward(self, x):
        return self.features(x).flatten(1)


class Cnn4(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(conv_bn(3, 8, stride=2), conv_bn(8, 16, stride=2),
                                  conv_bn(16, 16, stride=1), conv_bn(16, 32, stride=2))
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        return self.head(self.body(x).mean((2, 3)))


class InvertedResidual(nn.Module):
    def __init__(self, c=8, expand=4):
        super().__init__()
        self.stem = conv_bn(3, c)
        h = c * expand
        self.block = nn.Sequential(conv_bn(c, h, 1, act=nn.ReLU6), conv_bn(h, h, 3, groups=h, act=nn.ReLU6),
                                   conv_bn(h, c, 1, act=None))

    def forward(self, x):
        y = self.stem(x)
        return y + self.block(y)


class SqueezeExcite(nn.Module):
    def __init__(self, c=16, r=4):
        super().__init__()
        self.stem = conv_bn(3, c)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(c, c // r, 1)
        self.fc2 = nn.Conv2d(c // r, c, 1)
        self.gate = nn.Hardsigmoid()

    def forward(self, x):
        y = self.stem(x)
        s = self.gate(self.fc2(torch.relu(self.fc1(self.pool(y)))))
        return y * s


class HardSwishNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = conv_bn(3, 8, act=nn.Hardswish)
        self.b = conv_bn(8, 8, stride=2, act=nn.Hardswish)

    def forward(self, x):
        return self.b(self.a(x))


class TwoBranch(nn.Module):
    def __init__(self):
        super().__init__()
        self.left = conv_bn(3, 8, 1)
        self.right = conv_bn(3, 8, 3)
        self.mix = conv_bn(16, 8, 3)

    def forward(self, x):
        return self.mix(torch.cat([self.left(x), self.right(x)], 1))


class GapLinear(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(conv_bn(3, 16), nn.MaxPool2d(2), conv_bn(16, 16))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.body(x)), 1))


class Upsample(nn.Module):
    def __init__(self, mode):
        super().__init__()
        self.down = nn.Sequential(conv_bn(3, 8), nn.MaxPool2d(2))
        self.up = nn.Upsample(scale_factor=2, mode=mode, **({} if mode == 'nearest' else {'align_corners': False}))
        self.out = nn.Conv2d(8, 4, 3, padding=1)

    def forward(self, x):
        return self.out(self.up(self.down(x)))


class FlattenFc(nn.Module):
    """Flatten of a [C,H,W] map with H, W > 1: the NHWC back end must keep PyTorch's order."""
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(conv_bn(3, 6, stride=2), nn.AvgPool2d(2))
        self.fc = nn.Linear(6 * 4 * 4, 7)

    def forward(self, x):
        return torch.sigmoid(self.fc(self.body(x).flatten(1)))


class Activations(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.prelu = nn.PReLU(8)
        self.c2 = nn.Conv2d(8, 8, 3, padding=1, dilation=1)
        self.c3 = nn.Conv2d(8, 4, 3, padding=2, dilation=2)

    def forward(self, x):
        y = self.prelu(self.c1(x))
        y = nn.functional.leaky_relu(self.c2(y), 0.1)
        y = torch.tanh(self.c3(y))
        return torch.softmax(y.mean((2, 3)), dim=1)


# name -> (constructor, input C, H, W, opset, input range)
MODELS = {
    'seed_spatial': (SeedSpatial, 3, 36, 36, 13, 'unit'),
    'cnn4_stride2': (Cnn4, 3, 32, 32, 11, 'normal'),
    'inverted_residual': (InvertedResidual, 3, 16, 16, 13, 'normal'),
    'squeeze_excite': (SqueezeExcite, 3, 16, 16, 13, 'normal'),
    'hardswish': (HardSwishNet, 3, 16, 16, 14, 'normal'),
    'hardswish_op13': (HardSwishNet, 3, 16, 16, 13, 'normal'),
    'two_branch_concat': (TwoBranch, 3, 16, 16, 12, 'normal'),
    'gap_linear': (GapLinear, 3, 16, 16, 15, 'normal'),
    'resize_nearest': (lambda: Upsample('nearest'), 3, 16, 16, 17, 'normal'),
    'resize_bilinear': (lambda: Upsample('bilinear'), 3, 16, 16, 16, 'normal'),
    'flatten_fc': (FlattenFc, 3, 16, 16, 11, 'normal'),
    'activations': (Activations, 3, 12, 12, 13, 'normal'),
}


def randomize_bn(model, g):
    """Non-trivial BatchNorm statistics, so that folding them is tested."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.1)
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)


def inputs(g, n, c, h, w, kind):
    if kind == 'unit':
        return torch.rand(n, c, h, w, generator=g)
    return torch.randn(n, c, h, w, generator=g)


def make(name):
    ctor, c, h, w, opset, kind = MODELS[name]
    g = torch.Generator().manual_seed(sum(map(ord, name)))
    torch.manual_seed(sum(map(ord, name)))
    model = ctor().eval()
    randomize_bn(model, g)
    x = inputs(g, 1, c, h, w, kind)
    path = os.path.join(OUT, name)
    torch.onnx.export(model, x, path + '.onnx', opset_version=opset, input_names=['input'],
                      output_names=['output'])
    if name == 'seed_spatial':
        torch.save({'model_state_dict': model.state_dict(), 'num_params': 9904}, path + '.pth')
        torch.onnx.export(model, x, path + '_bn.onnx', opset_version=opset, input_names=['input'],
                          output_names=['output'], training=torch.onnx.TrainingMode.PRESERVE)
    held = inputs(g, 16, c, h, w, kind)
    calib = inputs(g, 64, c, h, w, kind)
    with torch.no_grad():
        out = torch.cat([model(held[i:i + 1]) for i in range(len(held))])
    held.numpy().astype('<f4').tofile(path + '.in.bin')
    out.numpy().astype('<f4').tofile(path + '.out.bin')
    torch.save(calib, path + '.calib.pt')
    np.save(path + '.calib.npy', calib.numpy())
    with open(path + '.shape', 'w') as f:
        f.write('%d %d %d %d %d %s\n' % (c, h, w, out[0].numel(), opset,
                                          ','.join(str(d) for d in out.shape[1:])))


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in MODELS:
        if not ONLY or name in ONLY:
            make(name)


if __name__ == '__main__':
    main()
