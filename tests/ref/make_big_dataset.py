#!/usr/bin/env python3
"""Writes a zip64 rPPG dataset larger than 4 GB (stored members, the layout torch.save uses,
streamed so this script needs little memory) and prints the exact sum of its samples, for a
manual check that the C reader streams it in constant memory:

    python3 tests/ref/make_big_dataset.py /tmp/big.pth [N=12900]
    /usr/bin/time -v build/tests/test_torch_file --dataset /tmp/big.pth   # same n= and sum=

Not part of make check: it writes 4.8 GB.
"""
import collections
import io
import pickle
import sys
import zipfile

import numpy as np
import torch

PATH = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 12900
W = 8 * 3 * 36 * 36 * 3


class Marker:
    """A storage in the hand-made pickle (a persistent id, as torch.save writes it)."""
    def __init__(self, pid):
        self.pid = pid


class Rebuild:
    def __init__(self, args):
        self.args = args

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


def contiguous(shape):
    strides, acc = [], 1
    for d in reversed(shape):
        strides.append(acc)
        acc *= d
    return tuple(reversed(strides))


def tensor(key, shape):
    numel = int(np.prod(shape))
    pid = ('storage', torch.FloatStorage, key, 'cpu', numel)
    return Rebuild((Marker(pid), 0, shape, contiguous(shape), False, collections.OrderedDict()))


shape = (N, 8, 3, 36, 36, 3)
buf = io.BytesIO()
p = pickle.Pickler(buf, protocol=2)
p.persistent_id = lambda o: o.pid if isinstance(o, Marker) else None
p.dump({'samples': tensor('0', shape), 'labels': tensor('1', (N,))})

with zipfile.ZipFile(PATH, 'w', zipfile.ZIP_STORED, allowZip64=True) as z:
    z.writestr('big/data.pkl', buf.getvalue())
    with z.open('big/data/0', 'w', force_zip64=True) as f:
        window = np.full(W, 0.25, dtype='<f4')
        for i in range(N):
            window[0] = (i % 1000) / 1000.0
            f.write(window.tobytes())
    z.writestr('big/data/1', np.arange(N, dtype='<f4').tobytes())

total = sum(0.25 * (W - 1) + np.float32((i % 1000) / 1000.0) for i in range(N))
print('n=%d sum=%.3f labels=%.3f' % (N, total, N * (N - 1) / 2))
