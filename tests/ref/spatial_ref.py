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
  spatial_ref.py dataset OUT.pt N [--seed S] [--subjects K] [--frames T] [--bad rank|range]
      random windows (N, T, 3, 36, 36, 3) in [0,1], labels spread over 40-160 BPM
  spatial_ref.py temporal OUT.pth [--seed S]
      the seed's Temporal Fusion (8 frames x 3 ROIs x 16 features) with random weights
  spatial_ref.py predict SPATIAL.pth TEMPORAL.pth DATA.pt WINDOWS.csv OUT.csv
      PyTorch's FP32 heart rate of each window listed in column `window` of WINDOWS.csv
      (the input contract applied as the checkpoint says)
  spatial_ref.py badckpt OUT.pth missing_key|bad_shape|not_dict [--seed S]
  spatial_ref.py int8inputs DATA.pt SPATIAL.pth OUT.bin N
      the first N ROI patches of the dataset, through the checkpoint's input contract,
      quantized as the model's input (raw: scale 1/255, zero point -128; window_ratio:
      [-clip, clip] over 255 steps, nudged zero point), int8 NHWC back to back
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


class TemporalFusion(nn.Module):
    def __init__(self, frames=8, rois=3, features=16):
        super().__init__()
        self.frames, self.rois, self.features = frames, rois, features
        self.temporal = nn.Sequential(nn.Conv1d(rois * features, 32, 3, padding=1), nn.ReLU(),
                                      nn.Conv1d(32, 16, 3, padding=1), nn.ReLU())
        self.fc = nn.Sequential(nn.Linear(16 * frames, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x):  # (B, T*R, F), row t*R + roi
        b = x.shape[0]
        x = x.reshape(b, self.frames, self.rois * self.features).transpose(1, 2)
        x = self.fc(self.temporal(x).flatten(1))
        return (torch.sigmoid(x) * 150 + 30).squeeze(-1)


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


def contract_of(path):
    obj = torch.load(path, map_location="cpu")
    return obj.get("input_contract", {"representation": "raw"}) if "model_state_dict" in obj else {"representation": "raw"}


def apply_contract(c, w):  # w: (T, R, H, W, C) float32
    if c.get("representation", "raw") != "window_ratio":
        return w
    m = w.mean(axis=0, keepdims=True)
    out = np.where(m > 1e-6, np.clip((w / np.where(m > 1e-6, m, 1) - 1) * c["scale"],
                                     -c["clip"], c["clip"]), 0.0)
    return out.astype(np.float32)


def cmd_temporal(a):
    torch.manual_seed(a.seed)
    m = TemporalFusion()
    torch.save({"model_state_dict": m.state_dict(), "num_params": sum(p.numel() for p in m.parameters())}, a.out)


def cmd_predict(a):
    sp = load_model(a.spatial)
    c = contract_of(a.spatial)
    obj = torch.load(a.temporal, map_location="cpu")
    tf = TemporalFusion()
    tf.load_state_dict(obj["model_state_dict"] if "model_state_dict" in obj else obj)
    tf.eval()
    data = torch.load(a.data, map_location="cpu")
    samples = data["samples"].numpy()
    rows = open(a.windows).read().split("\n")
    col = rows[0].split(",").index("window")
    idx = [int(r.split(",")[col]) for r in rows[1:] if r.strip()]
    with open(a.out, "w") as f:
        f.write("window,fp32\n")
        with torch.no_grad():
            for i in idx:
                w = apply_contract(c, samples[i])          # (T, R, H, W, C)
                T, R = w.shape[0], w.shape[1]
                x = torch.from_numpy(w.reshape(T * R, 36, 36, 3)).permute(0, 3, 1, 2).contiguous()
                feats = sp(x).reshape(1, T * R, -1)
                f.write("%d,%.9g\n" % (i, tf(feats).item()))


def cmd_badckpt(a):
    sd = make_model(a.seed).state_dict()
    if a.kind == "missing_key":
        del sd["features.5.running_var"]
    elif a.kind == "bad_shape":
        sd["features.4.weight"] = torch.zeros(32, 8, 3, 3)
    elif a.kind == "not_dict":
        torch.save([1, 2, 3], a.out)
        return
    torch.save({"model_state_dict": sd}, a.out)


def cmd_int8inputs(a):
    c = contract_of(a.spatial)
    samples = torch.load(a.data, map_location="cpu")["samples"].numpy()
    if c.get("representation", "raw") == "window_ratio":
        lo, hi = -c["clip"], c["clip"]
    else:
        lo, hi = 0.0, 1.0
    scale = np.float32((hi - lo) / 255.0)
    zp = int(np.clip(np.round(-128 - lo / scale), -128, 127)) if lo < 0 else -128
    out, n = [], 0
    for w in samples:
        x = apply_contract(c, w).reshape(-1, 36, 36, 3)
        for p in x:
            q = np.clip(np.round(p.astype(np.float32) / scale) + zp, -128, 127).astype(np.int8)
            out.append(q.tobytes())
            n += 1
            if n == a.n:
                open(a.out, "wb").write(b"".join(out))
                return
    open(a.out, "wb").write(b"".join(out))


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
    labels = (40.0 + 120.0 * (np.arange(a.n) + 0.5) / a.n).astype(np.float32)
    rng.shuffle(labels)
    if a.bad == "range":
        samples[a.n - 1, 0, 0, 0, 0, 0] = 1.5
    if a.bad == "rank":
        samples = samples.reshape(a.n, a.frames * 3, 36, 36, 3)
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
    d.add_argument("--bad", choices=("rank", "range"))
    d.set_defaults(fn=cmd_dataset)
    t = sub.add_parser("temporal")
    t.add_argument("out")
    t.add_argument("--seed", type=int, default=0)
    t.set_defaults(fn=cmd_temporal)
    r = sub.add_parser("predict")
    for name in ("spatial", "temporal", "data", "windows", "out"):
        r.add_argument(name)
    r.set_defaults(fn=cmd_predict)
    b = sub.add_parser("badckpt")
    b.add_argument("out")
    b.add_argument("kind", choices=("missing_key", "bad_shape", "not_dict"))
    b.add_argument("--seed", type=int, default=0)
    b.set_defaults(fn=cmd_badckpt)
    i8 = sub.add_parser("int8inputs")
    for name in ("data", "spatial", "out"):
        i8.add_argument(name)
    i8.add_argument("n", type=int)
    i8.set_defaults(fn=cmd_int8inputs)
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
