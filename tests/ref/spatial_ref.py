#!/usr/bin/python3
"""PyTorch reference for the Spatial CNN (the seed's architecture), for rppgq's tests.

  spatial_ref.py ckpt OUT.pth [--seed S] [--bare] [--no-bias] [--contract window_ratio:50:4:4]
      random weights with non-trivial BatchNorm statistics, saved like the training script
      (dict with model_state_dict) or as a bare state_dict
  spatial_ref.py forward CKPT.pth IN.f32 OUT.f32
      IN: float32 NHWC patches (n, 36, 36, 3); OUT: float32 features (n, 16) by PyTorch in
      eval mode (the input contract is NOT applied: inputs are network inputs)
  spatial_ref.py patches OUT.f32 N [--seed S]
      N random patches in [0,1]
  spatial_ref.py dataset OUT.pt N [--seed S] [--subjects K] [--frames T]
      random windows (N, T, 3, 36, 36, 3) in [0,1], labels spread over 40-160 BPM
"""
import argparse
import sys

import numpy as np
import torch
import torch.nn as nn


class SpatialCNN(nn.Module):
    def __init__(self, bias=True):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1, bias=bias), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1, bias=bias), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 16, 3, padding=1, bias=bias), nn.BatchNorm2d(16), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1))

    def forward(self, x):
        return self.features(x).flatten(1)


def make_model(seed, bias=True):
    torch.manual_seed(seed)
    m = SpatialCNN(bias)
    with torch.no_grad():
        for mod in m.features:
            if isinstance(mod, nn.Conv2d) and mod.bias is not None:
                mod.bias.uniform_(-0.5, 0.5)  # large enough that dropping it shows
            if isinstance(mod, nn.BatchNorm2d):
                c = mod.num_features
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.3)
                mod.running_mean.uniform_(-0.3, 0.3)
                mod.running_var.uniform_(0.2, 2.0)
                mod.num_batches_tracked.fill_(1000)
    return m.eval()


def load_model(path):
    obj = torch.load(path, map_location="cpu")
    sd = obj["model_state_dict"] if "model_state_dict" in obj else obj
    m = SpatialCNN(bias="features.0.bias" in sd)
    m.load_state_dict(sd)
    return m.eval()


def cmd_ckpt(a):
    m = make_model(a.seed, bias=not a.no_bias)
    sd = m.state_dict()
    if a.bare:
        torch.save(sd, a.out)
        return
    obj = {"model_state_dict": sd, "num_params": sum(p.numel() for p in m.parameters())}
    if a.contract:
        rep, scale, clip, stride = a.contract.split(":")
        obj["input_contract"] = {"representation": rep, "scale": float(scale),
                                 "clip": float(clip), "frame_stride": int(stride)}
    torch.save(obj, a.out)


def cmd_forward(a):
    m = load_model(a.ckpt)
    x = np.fromfile(a.inp, dtype=np.float32).reshape(-1, 36, 36, 3)
    with torch.no_grad():
        y = m(torch.from_numpy(x).permute(0, 3, 1, 2).contiguous())
    y.numpy().astype(np.float32).tofile(a.out)


def cmd_patches(a):
    rng = np.random.default_rng(a.seed)
    rng.random((a.n, 36, 36, 3), dtype=np.float32).tofile(a.out)


def cmd_dataset(a):
    rng = np.random.default_rng(a.seed)
    base = rng.uniform(0.3, 0.8, size=(a.n, 1, 3, 1, 1, 3)).astype(np.float32)
    noise = rng.uniform(-0.2, 0.2, size=(a.n, a.frames, 3, 36, 36, 3)).astype(np.float32)
    samples = np.clip(base + noise, 0.0, 1.0).astype(np.float32)
    labels = (40.0 + 120.0 * (np.arange(a.n) % 997) / 997.0).astype(np.float32)
    rng.shuffle(labels)
    obj = {"samples": torch.from_numpy(samples), "labels": torch.from_numpy(labels)}
    if a.subjects:
        obj["subjects"] = torch.from_numpy((np.arange(a.n) * a.subjects // a.n).astype(np.int64))
    torch.save(obj, a.out)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("ckpt")
    c.add_argument("out")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--bare", action="store_true")
    c.add_argument("--no-bias", action="store_true")
    c.add_argument("--contract")
    c.set_defaults(fn=cmd_ckpt)
    f = sub.add_parser("forward")
    f.add_argument("ckpt")
    f.add_argument("inp")
    f.add_argument("out")
    f.set_defaults(fn=cmd_forward)
    q = sub.add_parser("patches")
    q.add_argument("out")
    q.add_argument("n", type=int)
    q.add_argument("--seed", type=int, default=0)
    q.set_defaults(fn=cmd_patches)
    d = sub.add_parser("dataset")
    d.add_argument("out")
    d.add_argument("n", type=int)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--subjects", type=int, default=0)
    d.add_argument("--frames", type=int, default=8)
    d.set_defaults(fn=cmd_dataset)
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
