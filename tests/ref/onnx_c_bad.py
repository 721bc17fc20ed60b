#!/usr/bin/python3
"""ONNX files export-c --onnx must refuse: onnx_c_bad.py OUTDIR writes
unsupported.onnx (a Sin node), two_inputs.onnx, nan_weight.onnx (a NaN in a Linear weight)."""
import os
import sys
import warnings

import torch
import torch.nn as nn


class Sin(nn.Module):
    def forward(self, x):
        return torch.sin(x) + 1


class TwoInputs(nn.Module):
    def forward(self, a, b):
        return a + b


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    x = torch.randn(1, 4, 8)
    lin = nn.Linear(8, 3)
    with torch.no_grad():
        lin.weight[1, 2] = float('nan')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.onnx.export(Sin(), x, os.path.join(out, 'unsupported.onnx'), opset_version=13)
        torch.onnx.export(TwoInputs(), (x, x), os.path.join(out, 'two_inputs.onnx'), opset_version=13)
        torch.onnx.export(lin, x, os.path.join(out, 'nan_weight.onnx'), opset_version=13,
                          do_constant_folding=False)


if __name__ == '__main__':
    main()
