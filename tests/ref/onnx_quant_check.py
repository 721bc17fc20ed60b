#!/usr/bin/env python3
"""Checks one quantized zoo model against its independent references.

    onnx_quant_check.py ZOO NAME FLOAT_IO.tflite INT8_IO.tflite RPPGQ TFLM_RUN WORKDIR [LITERT_JS]

- TFLite Micro (tflm_run, one sample a call) runs the float-io model on the 16 held-out
  inputs (NHWC); its output's SQNR against PyTorch's float output is reported (4-D outputs
  transposed back to NCHW) and must reach MIN_SQNR dB;
- our engine (`rppgq infer`, with its default host kernels and again with RPPGQ_SIMD=off)
  must equal TFLite Micro byte for byte on those inputs, and on
  64 seeded random int8 inputs of the int8-io model, unless it cannot run an operator yet
  (printed as PENDING, neither pass nor fail).
- with LITERT_JS, LiteRT (XNNPACK, single rounding) loads and runs the float-io model too,
  and its SQNR against PyTorch is reported the same way.
Prints PASS/FAIL/PENDING lines.
"""
import math
import os
import subprocess
import sys

import numpy as np

ZOO, NAME, FMODEL, QMODEL, RPPGQ, TFLM, WORK = sys.argv[1:8]
LITERT = sys.argv[8] if len(sys.argv) > 8 else None
MIN_SQNR = 20.0
c, h, w, elems, opset, oshape = open(os.path.join(ZOO, NAME + '.shape')).read().split()
c, h, w, elems = int(c), int(h), int(w), int(elems)
oshape = [int(d) for d in oshape.split(',')]
x = np.fromfile(os.path.join(ZOO, NAME + '.in.bin'), '<f4').reshape(-1, c, h, w)
ref = np.fromfile(os.path.join(ZOO, NAME + '.out.bin'), '<f4').reshape(len(x), -1).astype(np.float64)
n = len(x)


def tflm(model, samples, tag):
    outs = []
    for i, s in enumerate(samples):
        a, b = os.path.join(WORK, '%s.%d.in' % (tag, i)), os.path.join(WORK, '%s.%d.out' % (tag, i))
        s.tofile(a)
        r = subprocess.run([TFLM, model, a, b], capture_output=True, text=True)
        if r.returncode:
            return None, r.stderr.strip() or r.stdout.strip()
        outs.append(open(b, 'rb').read())
    return b''.join(outs), None


def ours(model, data, tag, simd=None):
    a, b = os.path.join(WORK, tag + '.in'), os.path.join(WORK, tag + '.out')
    open(a, 'wb').write(data)
    env = dict(os.environ)
    if simd:
        env['RPPGQ_SIMD'] = simd
    r = subprocess.run([RPPGQ, 'infer', model, a, b], capture_output=True, text=True, env=env)
    if r.returncode:
        return None, r.stderr.strip()
    return open(b, 'rb').read(), None


def compare(tag, ref_bytes, model, data):
    # the engine's default (host SIMD) kernels, then the portable ones (RPPGQ_SIMD=off)
    for simd, kernels in ((None, ''), ('off', ', portable kernels')):
        got, err = ours(model, data, tag, simd)
        if got is None:
            word = 'PENDING' if 'cannot run' in err or 'not supported' in err else 'FAIL'
            print('%s %s %s%s: our engine: %s' % (word, NAME, tag, kernels, err[:200]))
            return
        diff = sum(1 for p, q in zip(got, ref_bytes) if p != q) + abs(len(got) - len(ref_bytes))
        print('%s %s %s%s: our engine vs TFLite Micro: %d of %d bytes differ' %
              ('PASS' if diff == 0 else 'FAIL', NAME, tag, kernels, diff, len(ref_bytes)))


nhwc = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).astype('<f4')
out, err = tflm(FMODEL, nhwc, 'float')
if out is None:
    print('FAIL %s: TFLite Micro: %s' % (NAME, err[:300]))
    sys.exit(0)


def sqnr_vs_torch(raw):
    q = np.frombuffer(raw, '<f4').reshape(n, *([oshape[1], oshape[2], oshape[0]] if len(oshape) == 3 else oshape))
    if len(oshape) == 3:
        q = q.transpose(0, 3, 1, 2)
    q = q.reshape(n, -1).astype(np.float64)
    return 10 * math.log10((ref ** 2).sum() / max(((ref - q) ** 2).sum(), 1e-300))


sqnr = sqnr_vs_torch(out)
print('%s %s: int8 (TFLite Micro) vs PyTorch float on %d held-out inputs: SQNR %.2f dB (minimum %g)' %
      ('PASS' if sqnr >= MIN_SQNR else 'FAIL', NAME, n, sqnr, MIN_SQNR))
if LITERT:
    a, b = os.path.join(WORK, 'litert.in'), os.path.join(WORK, 'litert.out')
    nhwc.tofile(a)
    r = subprocess.run(['node', LITERT, FMODEL, a, b], capture_output=True, text=True)
    if r.returncode:
        print('FAIL %s: LiteRT: %s' % (NAME, (r.stderr.strip() or r.stdout.strip())[-300:]))
    else:
        s2 = sqnr_vs_torch(open(b, 'rb').read())
        print('%s %s: LiteRT loads and runs it: SQNR %.2f dB vs PyTorch' %
              ('PASS' if s2 >= MIN_SQNR else 'FAIL', NAME, s2))
compare('float-io', out, FMODEL, nhwc.tobytes())
rng = np.random.default_rng(7)
raw = rng.integers(-128, 128, size=(64, h * w * c), dtype=np.int8)
out8, err = tflm(QMODEL, raw, 'int8')
if out8 is None:
    print('FAIL %s int8-io: TFLite Micro: %s' % (NAME, err[:300]))
else:
    compare('int8-io random inputs', out8, QMODEL, raw.tobytes())
