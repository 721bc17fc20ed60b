#!/usr/bin/env python3
"""compare_f32.py OURS.bin REFERENCE.bin TOL: float32 files agree when
max|ours - ref| / max|ref| <= TOL (relative to the output's magnitude). Prints the figures;
exit 1 when they disagree or differ in length."""
import sys

import numpy as np

a = np.fromfile(sys.argv[1], '<f4').astype(np.float64)
b = np.fromfile(sys.argv[2], '<f4').astype(np.float64)
tol = float(sys.argv[3])
if a.shape != b.shape or not np.all(np.isfinite(a)):
    print('length %s vs %s (or non-finite values)' % (a.shape, b.shape))
    sys.exit(1)
err = np.max(np.abs(a - b))
rel = err / max(np.max(np.abs(b)), 1e-30)
print('max abs diff %.3g, relative %.3g (tolerance %g), %d values' % (err, rel, tol, a.size))
sys.exit(0 if rel <= tol else 1)
