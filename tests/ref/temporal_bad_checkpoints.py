#!/usr/bin/python3
"""Writes broken Temporal Fusion checkpoints into DIR, each wrong in one way, for the
export-c error tests: missing key, wrong shape, NaN / Inf weight, float64 weight, a dict
without a state_dict, and a good one to corrupt from the shell."""
import os
import sys

import torch

d = sys.argv[1]
torch.manual_seed(0)
R, F, C1, C2, K, H, T = 3, 16, 32, 16, 3, 32, 8


def good():
    return {'temporal.0.weight': torch.randn(C1, R * F, K), 'temporal.0.bias': torch.randn(C1),
            'temporal.2.weight': torch.randn(C2, C1, K), 'temporal.2.bias': torch.randn(C2),
            'fc.0.weight': torch.randn(H, C2 * T), 'fc.0.bias': torch.randn(H),
            'fc.2.weight': torch.randn(1, H), 'fc.2.bias': torch.randn(1)}


def save(name, sd):
    torch.save({'model_state_dict': sd, 'num_params': 0}, os.path.join(d, name))


save('good.pth', good())
sd = good(); del sd['fc.2.bias']; save('missing_key.pth', sd)
sd = good(); sd['temporal.2.weight'] = torch.randn(C2, C1 + 1, K); save('wrong_shape.pth', sd)
sd = good(); sd['fc.0.weight'][3, 5] = float('nan'); save('nan_weight.pth', sd)
sd = good(); sd['temporal.0.bias'][7] = float('inf'); save('inf_weight.pth', sd)
sd = good(); sd['fc.0.bias'] = sd['fc.0.bias'].double(); save('double_weight.pth', sd)
torch.save({'epoch': 3, 'optimizer': {'lr': 0.1}}, os.path.join(d, 'no_state_dict.pth'))
