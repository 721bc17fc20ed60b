#!/usr/bin/env python3
"""The training script's input contract (tools/train.py apply_contract) equals
runtime/input_contract.c bit for bit on the windows of a dataset.
Usage: contract_check.py DATA.pt HARNESS"""
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'tools'))
import train  # noqa: E402

x = torch.load(sys.argv[1])['samples'][:16].contiguous()
fails = 0
for rep, scale, clip in (('window_ratio', 50.0, 4.0), ('window_ratio', 7.5, 1.0), ('raw', 1.0, 1.0)):
    c = subprocess.run([sys.argv[2], rep, str(scale), str(clip)], input=x.numpy().tobytes(),
                       capture_output=True, check=True).stdout
    ref = np.frombuffer(c, dtype=np.float32).reshape(x.shape)
    mine = train.apply_contract(x, {'representation': rep, 'scale': scale, 'clip': clip}).numpy()
    same = np.array_equal(ref.view(np.uint32), mine.view(np.uint32))
    print(('PASS' if same else 'FAIL') + f' train.py contract {rep} x{scale} clip {clip} == runtime C'
          + ('' if same else f': max diff {np.abs(ref - mine).max()}'))
    fails += not same
sys.exit(1 if fails else 0)
