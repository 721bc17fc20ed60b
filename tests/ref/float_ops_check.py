#!/usr/bin/python3
"""Checks runtime/float_ops.c, op by op, against Debian's PyTorch (batch-1 CPU float32).

Usage: float_ops_check.py LIBFLOAT_OPS.so [--seed 1]

The shared library is runtime/float_ops.c compiled by the caller. Each case draws random
inputs, runs the C operator through ctypes and the PyTorch operator, and compares the bits.
Operators whose order PyTorch makes reproducible must be bit-identical (0 ulp): a PASS line
says so; the others (PyTorch's own vector erf, oneDNN's grouped convolution) print their measured
max ulp and must stay within a stated bound.
"""
import ctypes as C
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
FP = C.POINTER(C.c_float)
failures = 0


class Conv(C.Structure):
    _fields_ = [(n, C.c_int) for n in (
        'in_ch', 'in_h', 'in_w', 'out_ch', 'out_h', 'out_w', 'kernel_h', 'kernel_w',
        'stride_h', 'stride_w', 'pad_top', 'pad_left', 'dilation_h', 'dilation_w', 'groups')]


class Bcast(C.Structure):
    _fields_ = [('rank', C.c_int), ('dims', C.c_int * 6), ('a_stride', C.c_int * 6),
                ('b_stride', C.c_int * 6)]


def fp(a):
    return a.ctypes.data_as(FP) if a is not None else None


def arr(t):
    return np.ascontiguousarray(t.detach().numpy(), dtype=np.float32)


def ulps(c, ref):
    a = np.ascontiguousarray(c, dtype=np.float32).ravel().view(np.int32).astype(np.int64)
    b = np.ascontiguousarray(ref, dtype=np.float32).ravel().view(np.int32).astype(np.int64)
    a = np.where(a < 0, -(a & 0x7fffffff), a)
    b = np.where(b < 0, -(b & 0x7fffffff), b)
    return np.abs(a - b)


def report(name, c, ref, bound, abs_bound=None):
    """bound 0: bit-identical required; otherwise the largest allowed ulp distance, or with
    abs_bound the largest allowed |difference| (for results that cancel to near zero)."""
    global failures
    u = ulps(c, ref)
    ident = int(np.sum(np.ascontiguousarray(c, np.float32).ravel().view(np.uint32) ==
                       np.ascontiguousarray(ref, np.float32).ravel().view(np.uint32)))
    d = float(np.max(np.abs(np.asarray(c, np.float64).ravel() - np.asarray(ref, np.float64).ravel())))
    if abs_bound is not None:
        ok = d <= abs_bound
        what = ' (bound |diff| %.3g)' % abs_bound
    else:
        ok = (ident == u.size) if bound == 0 else (u.max() <= bound)
        what = ' (bit-exact required)' if bound == 0 else ' (bound %d ulp)' % bound
    msg = '%s: max %d ulp, max |diff| %.3g, %d of %d identical%s' % (
        name, u.max(), d, ident, u.size, what)
    print(('PASS ' if ok else 'FAIL ') + msg)
    if not ok:
        failures += 1


def conv_case(lib, rng, C_in, H, W, O, kh, kw, stride, pad, dil, groups, conv1d):
    x = torch.randn(1, C_in, H, W, generator=rng)
    w = torch.randn(O, C_in // groups, kh, kw, generator=rng) * 0.3
    b = torch.randn(O, generator=rng)
    if conv1d:
        y = F.conv1d(x[:, :, 0, :], w[:, :, 0, :], b, stride, pad, dil, groups).unsqueeze(2)
    else:
        y = F.conv2d(x, w, b, stride, pad, dil, groups)
    p = Conv(C_in, H, W, O, y.shape[2], y.shape[3], kh, kw, stride if not conv1d else 1, stride,
             pad if not conv1d else 0, pad, dil if not conv1d else 1, dil, groups)
    out = np.zeros(y.numel(), np.float32)
    xa, wa, ba = arr(x), arr(w), arr(b)
    lib.rqf_conv2d(C.byref(p), fp(xa), fp(wa), fp(ba), fp(out))
    return out, arr(y)


def check_conv(lib, rng):
    cases = [  # C H W O kh kw stride pad dil groups conv1d
        (48, 1, 8, 32, 1, 3, 1, 1, 1, 1, True), (16, 1, 12, 24, 1, 5, 1, 2, 1, 1, True),
        (24, 1, 12, 24, 1, 5, 2, 2, 1, 1, True), (8, 1, 16, 8, 1, 3, 1, 2, 2, 1, True),
        (3, 12, 12, 8, 3, 3, 1, 1, 1, 1, False), (8, 9, 9, 16, 3, 3, 2, 1, 1, 1, False),
        (4, 10, 10, 6, 3, 3, 1, 2, 2, 1, False), (4, 8, 8, 6, 1, 1, 1, 0, 1, 1, False),
        (3, 10, 10, 4, 3, 2, 1, 0, 1, 1, False)]
    for c in cases:
        for rep in range(3):
            out, ref = conv_case(lib, rng, *c)
            report('conv%s C%d %dx%d O%d k%dx%d s%d p%d d%d #%d' % (
                '1d' if c[10] else '2d', c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8],
                rep), out, ref, 0)
    # oneDNN paths (grouped; 5x5 kernels): its own blocked, fused order
    for c in [(8, 1, 16, 8, 1, 3, 1, 1, 1, 2, True), (6, 10, 10, 6, 3, 3, 1, 1, 1, 6, False),
              (3, 12, 12, 4, 5, 5, 1, 2, 1, 1, False)]:
        out, ref = conv_case(lib, rng, *c)
        report('conv (oneDNN) C%d %dx%d k%dx%d g%d' % (c[0], c[1], c[2], c[4], c[5], c[9]),
               out, ref, 0, 1e-5 * float(np.max(np.abs(ref))))


def check_gemm(lib, rng):
    for M, K, N in [(1, 128, 32), (1, 32, 1), (8, 16, 24), (12, 48, 48), (1, 300, 7)]:
        x = torch.randn(M, K, generator=rng)
        w = torch.randn(N, K, generator=rng) * 0.2
        b = torch.randn(N, generator=rng)
        y = F.linear(x, w, b)
        out = np.zeros(M * N, np.float32)
        lib.rqf_gemm(fp(arr(x)), fp(arr(w)), 1, fp(arr(b)), 1, N, M, K, N, fp(out))
        report('linear %dx%d -> %d' % (M, K, N), out, arr(y), 0)
        # nn.Linear on a (1, M, K) input (the attention block's projections)
        y3 = F.linear(x.unsqueeze(0), w, b)[0]
        report('linear 3-D %dx%d -> %d' % (M, K, N), out, arr(y3), 0)


def check_matmul(lib, rng):
    for B, M, K, N in [(1, 8, 16, 8), (1, 16, 16, 16), (2, 12, 8, 12), (1, 12, 12, 16),
                       (1, 1, 40, 3), (4, 16, 32, 16)]:
        a = torch.randn(B, M, K, generator=rng)
        b = torch.randn(B, K, N, generator=rng)
        y = torch.matmul(a, b)
        out = np.zeros(B * M * N, np.float32)
        lib.rqf_matmul(fp(arr(a)), fp(arr(b)), B, M * K, K * N, M, K, N, fp(out))
        report('matmul %dx%dx%dx%d' % (B, M, K, N), out, arr(y), 0)


def check_elementwise(lib, rng):
    a = torch.randn(4, 1, 6, generator=rng)
    b = torch.randn(1, 5, 6, generator=rng) + 0.5
    for name, op, f in (('add', 0, torch.add), ('sub', 1, torch.sub), ('mul', 2, torch.mul),
                        ('div', 3, torch.div)):
        y = f(a, b)
        p = Bcast(3, (C.c_int * 6)(4, 5, 6), (C.c_int * 6)(6, 0, 1), (C.c_int * 6)(0, 6, 1))
        out = np.zeros(y.numel(), np.float32)
        lib.rqf_binary(op, C.byref(p), fp(arr(a)), fp(arr(b)), fp(out))
        report('%s broadcast (4,1,6) (1,5,6)' % name, out, arr(y), 0)
    x = torch.randn(1000, generator=rng) * 4
    out = np.zeros(1000, np.float32)
    lib.rqf_unary(0, fp(arr(x)), 1000, fp(out))
    report('relu', out, arr(torch.relu(x)), 0)
    # one element: sigmoid takes PyTorch's scalar path (libm's expf), like the tail of a
    # vector; exp, tanh and erf go through at::vml, Sleef (or PyTorch's own erf) even then
    xa = arr(x)
    for name, op, f, bound in (('sigmoid', 1, torch.sigmoid, 0), ('tanh', 2, torch.tanh, 0),
                               ('exp', 5, torch.exp, 0), ('erf', 3, torch.erf, 2)):
        ref = np.array([arr(f(x[i:i + 1]))[0] for i in range(200)], np.float32)
        for i in range(200):
            lib.rqf_unary(op, fp(xa[i:i + 1]), 1, fp(out[i:i + 1]))
        report('%s of single elements' % name, out[:200], ref, bound)
    # vectors: PyTorch's Sleef exp/tanh (sigmoid's last n % 16 elements: libm), reproduced;
    # erf is PyTorch's own vector approximation, not reproduced
    for n in (1000, 37, 16, 5):
        for name, op, f, bound in (('sigmoid', 1, torch.sigmoid, 0), ('tanh', 2, torch.tanh, 0),
                                   ('exp', 5, torch.exp, 0), ('erf', 3, torch.erf, 8)):
            lib.rqf_unary(op, fp(xa), n, fp(out))
            report('%s of a %d-vector' % (name, n), out[:n], arr(f(x[:n])), bound)
    # gelu: 1 + erf cancels for negative x, so the ulp distance of tiny outputs is large
    lib.rqf_unary(9, fp(arr(x)), 1000, fp(out))
    report('gelu of a 1000-vector', out, arr(F.gelu(x)), 0, 1e-6)
    lib.rqf_leaky_relu(fp(arr(x)), 1000, C.c_float(0.01), fp(out))
    report('leaky_relu', out, arr(F.leaky_relu(x, 0.01)), 0)


def check_reductions(lib, rng):
    for rows, n in [(1, 8), (8, 8), (12, 12), (16, 16), (4, 5), (3, 33), (2, 100), (9, 3),
                    (5, 7), (4, 13)]:
        x = torch.randn(rows, n, generator=rng) * 3
        out = np.zeros(rows * n, np.float32)
        lib.rqf_softmax(fp(arr(x)), rows, n, fp(out))
        report('softmax %dx%d' % (rows, n), out, arr(torch.softmax(x, -1)), 0)
    for n in [3, 4, 7, 8, 9, 16, 31, 32, 36, 64, 81, 100, 256, 1000, 4096]:
        x = torch.randn(3, n, generator=rng) + 1
        out = np.zeros(3, np.float32)
        lib.rqf_reduce_mean(fp(arr(x)), 3, n, 1, fp(out))
        report('mean of %d' % n, out, arr(x.mean(-1)), 0)
    for n, inner in [(12, 32), (40, 64), (300, 32), (5, 96)]:
        x = torch.randn(2, n, inner, generator=rng)
        out = np.zeros(2 * inner, np.float32)
        lib.rqf_reduce_mean(fp(arr(x)), 2, n, inner, fp(out))
        report('mean over the middle axis, %d rows of %d' % (n, inner), out, arr(x.mean(1)), 0)
    for hw in [(4, 4), (6, 6), (9, 9), (3, 5)]:
        x = torch.randn(1, 5, *hw, generator=rng)
        out = np.zeros(5, np.float32)
        lib.rqf_reduce_mean(fp(arr(x)), 5, hw[0] * hw[1], 1, fp(out))
        report('adaptive_avg_pool2d(1) %dx%d' % hw, out, arr(F.adaptive_avg_pool2d(x, 1)), 0)
    for rows, n in [(8, 16), (16, 32), (1, 48), (12, 24), (4, 20), (3, 5), (2, 300), (1, 1100)]:
        x = torch.randn(rows, n, generator=rng) * 2 + 0.5
        g = torch.randn(n, generator=rng)
        b = torch.randn(n, generator=rng)
        out = np.zeros(rows * n, np.float32)
        lib.rqf_layer_norm(fp(arr(x)), rows, n, fp(arr(g)), fp(arr(b)), C.c_float(1e-5), fp(out))
        report('layer_norm %dx%d' % (rows, n), out, arr(F.layer_norm(x, (n,), g, b)), 0)


def check_pool(lib, rng):
    for C_, H, W, k, s, p in [(4, 12, 12, 2, 2, 0), (3, 9, 9, 3, 2, 1), (2, 7, 7, 3, 1, 1)]:
        x = torch.randn(1, C_, H, W, generator=rng)
        for name, f in (('max', F.max_pool2d), ('avg', F.avg_pool2d)):
            y = f(x, k, s, p)
            q = Conv(C_, H, W, C_, y.shape[2], y.shape[3], k, k, s, s, p, p, 1, 1, 1)
            out = np.zeros(y.numel(), np.float32)
            if name == 'max':
                lib.rqf_max_pool2d(C.byref(q), fp(arr(x)), fp(out))
            else:
                lib.rqf_avg_pool2d(C.byref(q), 1, fp(arr(x)), fp(out))
            report('%s_pool2d C%d %dx%d k%d s%d p%d' % (name, C_, H, W, k, s, p), out, arr(y), 0)


def onnx_gates(t, order, H):
    """PyTorch gate blocks (GRU r,z,n; LSTM i,f,g,o) reordered to ONNX's."""
    return torch.cat([t[k * H:(k + 1) * H] for k in order])


def check_rnn(lib, rng):
    for kind, I, H, T in (('gru', 16, 32, 16), ('gru', 5, 20, 8), ('lstm', 16, 24, 12),
                          ('lstm', 8, 32, 16)):
        m = (torch.nn.GRU if kind == 'gru' else torch.nn.LSTM)(I, H, batch_first=True,
                                                               bidirectional=True)
        x = torch.randn(1, T, I, generator=rng)
        with torch.no_grad():
            y = m(x)[0][0]
        out = np.zeros((T, 2 * H), np.float32)
        order = (1, 0, 2) if kind == 'gru' else (0, 3, 1, 2)
        for d, sfx in enumerate(('', '_reverse')):
            w = arr(onnx_gates(getattr(m, 'weight_ih_l0' + sfx), order, H))
            r = arr(onnx_gates(getattr(m, 'weight_hh_l0' + sfx), order, H))
            wb = arr(onnx_gates(getattr(m, 'bias_ih_l0' + sfx), order, H))
            rb = arr(onnx_gates(getattr(m, 'bias_hh_l0' + sfx), order, H))
            work = np.zeros(10 * H, np.float32)
            view = out[:, d * H:].ctypes.data_as(FP)
            if kind == 'gru':
                lib.rqf_gru(fp(arr(x[0])), T, I, H, fp(w), fp(r), fp(wb), fp(rb), None, d, view,
                            2 * H, None, fp(work))
            else:
                lib.rqf_lstm(fp(arr(x[0])), T, I, H, fp(w), fp(r), fp(wb), fp(rb), None, None, d,
                             view, 2 * H, None, None, fp(work))
        report('%s bidirectional I%d H%d T%d' % (kind, I, H, T), out, arr(y), 0)


def main():
    lib = C.CDLL(sys.argv[1])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == '--seed' else 1
    rng = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for check in (check_conv, check_gemm, check_matmul, check_elementwise, check_reductions,
                      check_pool, check_rnn):
            check(lib, rng)
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
