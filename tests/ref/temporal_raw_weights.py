#!/usr/bin/python3
"""Writes the Temporal Fusion tensors of a checkpoint as raw float32 (state_dict order:
temporal.0.weight/bias, temporal.2.weight/bias, fc.0.weight/bias, fc.2.weight/bias), read
by PyTorch itself: the independent view of what the exported arrays must hold."""
import sys

import torch

KEYS = ('temporal.0.weight', 'temporal.0.bias', 'temporal.2.weight', 'temporal.2.bias',
        'fc.0.weight', 'fc.0.bias', 'fc.2.weight', 'fc.2.bias')
ck = torch.load(sys.argv[1])
sd = ck['model_state_dict'] if 'model_state_dict' in ck else ck
with open(sys.argv[2], 'wb') as f:
    for k in KEYS:
        f.write(sd[k].contiguous().numpy().astype('<f4').tobytes())
