#!/usr/bin/python3
"""Checks `rppgq validate` against independent computations:
  check_validate.py REPORT.json PREDICTIONS.csv TORCH_FP32.csv SAMPLE_HZ
- every FP32 prediction equals PyTorch's whole forward (spatial + temporal) of that window
  within 2e-3 BPM;
- the metrics in the JSON equal numpy's on the CSV's predictions and labels (1e-6);
- the CSV has predictions.csv's columns (subject, window, time_s, true_bpm, fp32_bpm,
  int8_bpm, smoothed_bpm) and each window's centre time is its place in its subject's
  recording (the windows tile it: 8 samples at SAMPLE_HZ, the model's rate) plus half a
  window span.
Prints PASS/FAIL lines."""
import json
import sys

import numpy as np


def read_csv(path):
    rows = [r.split(",") for r in open(path).read().split("\n") if r.strip()]
    head = rows[0]
    # The CSV holds float32 values printed with 9 digits: back to the exact float32 values
    # (a near-constant prediction makes Pearson sensitive to the last digit).
    return {k: np.array([float(r[i]) if r[i] else np.nan for r in rows[1:]]).astype(np.float32)
            .astype(np.float64) for i, k in enumerate(head)}


def metrics(pred, lab):
    e = pred - lab
    out = {"mae": np.mean(np.abs(e)), "rmse": np.sqrt(np.mean(e * e)),
           "mape": 100 * np.mean(np.abs(e / lab))}
    out["pearson"] = None if np.all(pred == pred[0]) else np.corrcoef(pred, lab)[0, 1]
    out["r2"] = 1 - np.sum(e * e) / np.sum((lab - lab.mean()) ** 2)
    return out


def main():
    rep = json.load(open(sys.argv[1]))
    p = read_csv(sys.argv[2])
    ref = read_csv(sys.argv[3])
    fails = 0

    def check(name, ok, detail=""):
        nonlocal fails
        print(("PASS " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
        fails += not ok

    check("predictions.csv columns", list(p) == ["subject", "window", "time_s", "true_bpm", "fp32_bpm",
                                                 "int8_bpm", "smoothed_bpm"], str(list(p)))
    p = {"window": p["window"], "label": p["true_bpm"], "fp32": p["fp32_bpm"], "int8": p["int8_bpm"],
         "subject": p["subject"], "time_s": p["time_s"]}
    check("windows match", np.array_equal(p["window"], ref["window"]))
    first = {}
    for s, w in zip(p["subject"], p["window"]):
        first.setdefault(s, w)
    hz = float(sys.argv[4])
    want_t = np.array([(w - first[s]) * 8 / hz + 3.5 / hz for s, w in zip(p["subject"], p["window"])])
    check("time_s = place in the subject's recording", np.max(np.abs(p["time_s"] - want_t)) < 1e-4,
          str(np.max(np.abs(p["time_s"] - want_t))))
    d = np.max(np.abs(p["fp32"] - ref["fp32"]))
    check("fp32 predictions equal PyTorch's (max diff %.2g BPM)" % d, d <= 2e-3, "%g" % d)
    check("n_windows", rep["n_windows"] == len(p["window"]))
    lab = p["label"]
    base = np.full_like(lab, rep["baseline_value"])
    for key, pred in (("fp32", p["fp32"]), ("int8", p["int8"]), ("baseline_mean", base)):
        m = metrics(pred, lab)
        for k, v in m.items():
            got = rep[key][k]
            if v is None:
                check("%s.%s is null" % (key, k), got is None, str(got))
            else:
                check("%s.%s" % (key, k), got is not None and abs(got - v) <= 1e-6 * max(1, abs(v)),
                      "%s vs numpy %s" % (got, v))
    dm = np.mean(np.abs(p["int8"] - p["fp32"]))
    check("int8_vs_fp32_mae", abs(rep["int8_vs_fp32_mae"] - dm) <= 1e-6, "%s vs %s" % (rep["int8_vs_fp32_mae"], dm))
    inc = rep["int8"]["mae"] - rep["fp32"]["mae"]
    check("mae_increase", abs(rep["mae_increase"] - inc) <= 1e-9)
    grade = "PERFECT" if inc < 0.5 else "EXCELLENT" if inc < 1.5 else "GOOD" if inc < 3 else "POOR"
    check("grade", rep["grade"] == grade, rep["grade"])
    check("layer_sqnr_db has 6 layers", len(rep["layer_sqnr_db"]) == 6)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
