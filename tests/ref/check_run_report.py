#!/usr/bin/env python3
"""Independent check of an `rppgq run` output folder: report.json holds every key, with
sane values, and its metrics equal a recomputation with numpy from predictions.csv.

Usage: check_run_report.py OUT_DIR     (exit 0 when all holds; problems on stderr)"""
import json
import os
import sys

import numpy as np

KEYS = ["n_windows", "n_subjects", "fp32", "int8", "baseline_mean", "baseline_median", "verdict",
        "calibration", "int8_vs_fp32_mae", "mae_increase", "grade", "tflite_bytes", "layer_sqnr_db",
        "c_vs_reference", "timings_s", "displayed", "input_quality"]
METRICS = ["mae", "rmse", "mape", "pearson", "r2"]


def metrics(pred, label):
    err = pred - label
    nz = label != 0
    out = {"mae": np.mean(np.abs(err)), "rmse": np.sqrt(np.mean(err ** 2)),
           "mape": 100 * np.mean(np.abs(err[nz]) / np.abs(label[nz]))}
    if np.std(pred) > 0 and np.std(label) > 0:
        out["pearson"] = np.corrcoef(pred, label)[0, 1]
    else:
        out["pearson"] = None
    ss_tot = np.sum((label - label.mean()) ** 2)
    out["r2"] = 1 - np.sum(err ** 2) / ss_tot if ss_tot > 0 else None
    return out


def correct(m, sm):
    """The displayed rate for a median: the map (linear between knots, the end knot's offset
    outside), then [30, 180]."""
    xi, yo = sm["map_in"], sm["map_out"]
    if xi:
        if m <= xi[0]:
            m = m + (yo[0] - xi[0])
        elif m >= xi[-1]:
            m = m + (yo[-1] - xi[-1])
        else:
            m = float(np.interp(m, xi, yo))
    return min(max(m, 30.0), 180.0)


def displayed(pred, label, subject, sm):
    """The smoother's definition, written again: per subject in file order, the median of
    the last `window` estimates in [30, 180], shown when at least min_count are kept, they
    spread at most max_spread_bpm and their median absolute deviation from the median is at
    most max_mad_bpm (valid when no window is over a quality limit); displayed through the
    correction map."""
    shown = np.full(len(pred), np.nan)
    hist, gap = [], 0
    for i, p in enumerate(pred):
        if i > 0 and subject[i] != subject[i - 1]:
            hist, gap = [], 0
        if not (30.0 <= p <= 180.0):
            gap += 1
            if gap >= 3:
                hist, gap = [], 0
            continue
        gap = 0
        hist = (hist + [p])[-sm["window"]:]
        v = np.sort(np.array(hist, dtype=np.float32))
        n = len(v)
        med = v[n // 2] if n % 2 else np.float32(0.5) * (v[n // 2 - 1] + v[n // 2])
        dev = np.sort(np.abs(v - med))
        mad = dev[n // 2] if n % 2 else np.float32(0.5) * (dev[n // 2 - 1] + dev[n // 2])
        if n >= sm["min_count"] and v[-1] - v[0] <= sm["max_spread_bpm"] and mad <= sm["max_mad_bpm"]:
            shown[i] = correct(float(med), sm)
    ok = ~np.isnan(shown)
    err = np.abs(shown[ok] - label[ok])
    if not ok.any():
        return {"mae": None, "rmse": None, "within5": None, "coverage": 0.0}
    return {"mae": err.mean(), "rmse": np.sqrt(np.mean(err ** 2)), "within5": np.mean(err <= 5.0),
            "coverage": ok.mean()}


def grade(inc):
    return "PERFECT" if inc < 0.5 else "EXCELLENT" if inc < 1.5 else "GOOD" if inc < 3.0 else "POOR"


def main():
    out = sys.argv[1]
    bad = []
    with open(os.path.join(out, "report.json")) as f:
        r = json.load(f)
    for k in KEYS:
        if k not in r:
            bad.append(f"missing key {k}")
    if bad:
        print("\n".join(bad), file=sys.stderr)
        return 1
    d = np.genfromtxt(os.path.join(out, "predictions.csv"), delimiter=",", names=True, dtype=None)
    label = d["true_bpm"].astype(np.float64)
    fp32 = d["fp32_bpm"].astype(np.float64)
    int8 = d["int8_bpm"].astype(np.float64)

    def close(name, got, want, tol=1e-6):
        if want is None or got is None:
            if want is not got:
                bad.append(f"{name}: {got} vs recomputed {want}")
        elif not abs(got - want) <= tol * max(1.0, abs(want)):
            bad.append(f"{name}: {got} vs recomputed {want}")

    if sorted(set(d["window"].tolist())) != sorted(d["window"].tolist()):
        bad.append("predictions.csv repeats a window")
    if r["n_windows"] != len(label):
        bad.append(f"n_windows {r['n_windows']} but {len(label)} rows")
    if r["n_subjects"] != len(set(d["subject"].tolist())):
        bad.append(f"n_subjects {r['n_subjects']} but {len(set(d['subject'].tolist()))} in predictions.csv")
    for name, pred in (("fp32", fp32), ("int8", int8)):
        m = metrics(pred, label)
        for k in METRICS:
            close(f"{name}.{k}", r[name][k], m[k])
    base = r.get("baseline_value")
    if base is None:
        bad.append("baseline_value missing")
    else:
        m = metrics(np.full_like(label, base), label)
        for k in ("mae", "rmse", "mape"):
            close(f"baseline_mean.{k}", r["baseline_mean"][k], m[k])
        m = metrics(np.full_like(label, r["baseline_median_value"]), label)
        for k in ("mae", "rmse", "mape"):
            close(f"baseline_median.{k}", r["baseline_median"][k], m[k])
        # the trivial predictors learn from the windows set aside (the dataset, read by PyTorch)
        data = r.get("inputs", {}).get("data")
        if data and os.path.exists(data) and "label_mean" not in r.get("baseline_source", ""):
            import torch
            lab_all = torch.load(data)["labels"].numpy().astype(np.float64)
            evaluated = set(d["window"].tolist())
            aside = np.array([v for i, v in enumerate(lab_all) if i not in evaluated])
            close("baseline_value (mean label set aside)", base, aside.mean())
            close("baseline_median_value", r["baseline_median_value"], float(np.median(aside)))
        best = min(r["baseline_mean"]["mae"], r["baseline_median"]["mae"])
        reads = r["fp32"]["mae"] <= 0.8 * best and r["int8"]["mae"] <= 0.8 * best
        if r["verdict"]["reads_heart_rate"] != reads:
            bad.append(f"verdict {r['verdict']} but FP32/INT8 MAE {r['fp32']['mae']}/{r['int8']['mae']} vs {best}")
    close("int8_vs_fp32_mae", r["int8_vs_fp32_mae"], np.mean(np.abs(int8 - fp32)))
    close("mae_increase", r["mae_increase"], r["int8"]["mae"] - r["fp32"]["mae"])
    if r["grade"] != grade(r["mae_increase"]):
        bad.append(f"grade {r['grade']} for increase {r['mae_increase']}")
    size = os.path.getsize(os.path.join(out, "spatial_cnn_int8.tflite"))
    if r["tflite_bytes"] != size:
        bad.append(f"tflite_bytes {r['tflite_bytes']} but the file has {size}")
    layers = r["layer_sqnr_db"]
    if not layers:
        bad.append("layer_sqnr_db empty")
    for v in layers:
        if v is not None and not (0 < v < 200):
            bad.append(f"layer SQNR {v} not in (0, 200) dB")
    if len(r.get("layer_names", [])) != len(layers):
        bad.append("layer_names does not match layer_sqnr_db")
    q = r["input_quality"]
    if q["windows_at_clip"] == 0 and q["windows_brightness_jump"] == 0:
        sm = r["displayed"]["smoother"]
        subject = d["subject"]
        for name, pred in (("fp32", fp32), ("int8", int8)):
            m = displayed(pred.astype(np.float32), label, subject, sm)
            for k in ("mae", "rmse", "within5", "coverage"):
                close(f"displayed.{name}.{k}", r["displayed"][name][k], m[k], 1e-5)
    else:
        bad.append(f"the synthetic data has windows over the quality limits: {q}")
    c = r["c_vs_reference"]
    for k in ("n", "max_abs_bpm", "mean_abs_bpm", "max_ulp"):
        if k not in c or c[k] is None:
            bad.append(f"c_vs_reference.{k} missing")
    if not bad:
        if c["n"] != r["n_windows"] or not (0 <= c["mean_abs_bpm"] <= c["max_abs_bpm"] < 1e-3):
            bad.append(f"c_vs_reference not sane: {c}")
    for k, v in r["timings_s"].items():
        if v is None or v < 0:
            bad.append(f"timings_s.{k} = {v}")
    if bad:
        print("\n".join(bad), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
