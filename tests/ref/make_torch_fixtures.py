#!/usr/bin/env python3
"""Writes torch.save fixtures and, for each, what PyTorch itself reads back from it.

    make_torch_fixtures.py OUTDIR

For every OUTDIR/NAME.pth that should load:
  NAME.inspect  the lines `rppgq inspect` must print, formatted here from torch.load's result
  NAME.values   one line per tensor: path, dtype, shape, then every element in row-major
                order (floats as float.hex of the exact value, integers in decimal)
Files that must be refused get NAME.error: a regular expression the one-line error must match.
The format rules mirror src/io/torch_inspect.c; the facts (keys, dtypes, shapes, values,
opaque class names) come from torch and Python's pickle protocol.
"""
import argparse
import collections
import io
import os
import pickle
import sys
import zipfile

import numpy as np
import torch

OUT = sys.argv[1]
MAX_TEXT = 80


def fmt_double(x):
    if x != x:
        return 'nan'
    for p in range(1, 18):
        s = '%.*g' % (p, x)
        if float(s) == x:
            return s
    return s


def quote(b):
    out = []
    for c in b[:MAX_TEXT]:
        if c in (0x5c, 0x27):
            out.append('\\' + chr(c))
        elif 0x20 <= c < 0x7f:
            out.append(chr(c))
        else:
            out.append('\\x%02x' % c)
    s = "'" + ''.join(out) + "'"
    if len(b) > MAX_TEXT:
        s += '... (%d bytes)' % len(b)
    return s


def opaque_name(x):
    """The global pickle names for x (protocol 2): the callable of its __reduce_ex__, or the
    class for copyreg.__newobj__."""
    import copyreg
    r = x.__reduce_ex__(2)
    f = r[0]
    if f is copyreg.__newobj__:
        f = r[1][0]
    return '%s.%s' % (f.__module__, f.__qualname__)


def key_text(k):
    if isinstance(k, bool):
        return 'True' if k else 'False'
    if isinstance(k, str):
        return k
    if isinstance(k, int):
        return str(k)
    if k is None:
        return 'None'
    if isinstance(k, float):
        return fmt_double(k)
    if isinstance(k, bytes):
        return '<bytes>'
    if isinstance(k, tuple):
        return '<tuple>'
    return '<key>'


def join(path, comp):
    return path + '.' + comp if path else comp


def leaf(x):
    if isinstance(x, np.generic):  # numpy scalars subclass float/int but pickle as numpy calls
        return '<opaque %s>' % opaque_name(x)
    if x is None:
        return 'None'
    if isinstance(x, bool):
        return 'bool %s' % x
    if isinstance(x, int):
        if -2**63 <= x < 2**63:
            return 'int %d' % x
        return '<opaque builtins.int>'
    if isinstance(x, float):
        return 'float ' + fmt_double(x)
    if isinstance(x, str):
        return 'str ' + quote(x.encode('utf-8'))
    if isinstance(x, bytes):
        return 'bytes b' + quote(x)
    if isinstance(x, torch.Tensor):
        return 'tensor %s [%s]' % (str(x.dtype)[6:], ', '.join(str(s) for s in x.shape))
    if isinstance(x, dict):
        return 'dict (%d items)' % len(x)
    if isinstance(x, list):
        return 'list (%d items)' % len(x)
    if isinstance(x, tuple):
        return 'tuple (%d items)' % len(x)
    return '<opaque %s>' % opaque_name(x)


def walk(x, path, lines, tensors):
    lines.append('%s: %s' % (path or '(root)', leaf(x)))
    if isinstance(x, torch.Tensor):
        tensors.append((path or '(root)', x))
    elif isinstance(x, dict):
        for k, v in x.items():
            walk(v, join(path, key_text(k)), lines, tensors)
    elif isinstance(x, (list, tuple)):
        for i, v in enumerate(x):
            walk(v, join(path, str(i)), lines, tensors)


def value_line(path, t):
    t = t.detach()
    flat = t.reshape(-1)
    if t.dtype.is_floating_point:
        vals = [float(v).hex() for v in flat.double().tolist()]
    else:
        vals = [str(int(v)) for v in flat.long().tolist()]
    shape = ','.join(str(s) for s in t.shape) or '-'
    return '%s\t%s\t%s\t%s' % (path, str(t.dtype)[6:], shape, ' '.join(vals))


def expect(name, obj=None):
    """Writes what the file holds: as torch.load returns it, or (for files torch.load
    would execute code from) the object that was saved."""
    if obj is None:
        obj = torch.load(os.path.join(OUT, name + '.pth'))
    lines, tensors = [], []
    walk(obj, '', lines, tensors)
    with open(os.path.join(OUT, name + '.inspect'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with open(os.path.join(OUT, name + '.values'), 'w') as f:
        for p, t in tensors:
            f.write(value_line(p, t) + '\n')


def save(name, obj, load=True, **kw):
    torch.save(obj, os.path.join(OUT, name + '.pth'), **kw)
    expect(name, None if load else obj)


def refuse(name, pattern):
    with open(os.path.join(OUT, name + '.error'), 'w') as f:
        f.write(pattern + '\n')


def rezip(src, dst, compression, rename=None):
    """Copies a torch zip member by member (optionally rewriting members)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, 'w', compression) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if rename:
                data = rename(info.filename, data)
            if data is not None:
                zout.writestr(info.filename, data, compress_type=compression)


class SubTensor(torch.Tensor):
    """A tensor subclass: torch pickles it through torch._tensor._rebuild_from_type_v2."""


class Marker:
    """Stands for a storage in a hand-crafted pickle: pickled as a persistent id."""
    def __init__(self, pid):
        self.pid = pid


class Rebuild:
    """Pickles as a call of torch._utils._rebuild_tensor_v2(args)."""
    def __init__(self, args):
        self.args = args

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class Evil:
    """Pickles as a call of os.system: a reader that executes globals would run it."""
    def __init__(self, cmd):
        self.cmd = cmd

    def __reduce__(self):
        return (os.system, (self.cmd,))


def craft(name, obj, storages):
    """A torch-style archive around a hand-made pickle (protocol 2)."""
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=2)
    p.persistent_id = lambda o: o.pid if isinstance(o, Marker) else None
    p.dump(obj)
    path = os.path.join(OUT, name + '.pth')
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as z:
        z.writestr(name + '/data.pkl', buf.getvalue())
        for key, data in storages.items():
            z.writestr(name + '/data/' + key, data)
        z.writestr(name + '/version', '3\n')
    return path


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)

    def rnd(*shape):
        return torch.randn(*shape, generator=g)

    save('dtypes', collections.OrderedDict([
        ('f32', rnd(3, 4)),
        ('f64', rnd(2, 3).double() * 1e10),
        ('f16', (rnd(5) * 100).half()),
        ('f16_special', torch.tensor([0.0, -0.0, 6e-8, 65504.0, float('inf'), 1e-5],
                                     dtype=torch.float16)),
        ('bf16', (rnd(7) * 1e5).bfloat16()),
        ('i64', torch.tensor([0, -1, 2**62 + 12345, -2**63, 2**63 - 1])),
        ('i32', torch.tensor([-2**31, 2**31 - 1, 7], dtype=torch.int32)),
        ('i16', torch.tensor([-32768, 32767, 3], dtype=torch.int16)),
        ('i8', torch.tensor([-128, 127, -3], dtype=torch.int8)),
        ('u8', torch.tensor([0, 255, 128], dtype=torch.uint8)),
        ('bool', torch.tensor([True, False, True])),
        ('scalar', torch.tensor(3.25)),
        ('empty', torch.zeros(0, 3)),
        ('num_batches_tracked', torch.tensor(17)),
    ]))

    base = torch.arange(120, dtype=torch.float32).reshape(4, 5, 6)
    big = rnd(300, 200)
    save('views', {
        'base': base,
        'transposed': base.transpose(0, 2),
        'sliced': base[1:, 1:4, ::2],
        'offset_flat': base.view(-1)[7:19],
        'row': base[2],
        'expanded': torch.ones(3, 1).expand(3, 4),
        'permuted': base.permute(1, 2, 0),
        'big_t': big.t(),
        'big': big,
        'long_contig': rnd(100000),
        'long_half': rnd(70000).half(),
        'strided_long': torch.arange(40, dtype=torch.int64)[3::4],
    })

    seq = torch.nn.Sequential(torch.nn.Conv1d(4, 3, 3), torch.nn.BatchNorm1d(3), torch.nn.ReLU(),
                              torch.nn.Linear(2, 1))
    nested = {
        'model_state_dict': seq.state_dict(),
        'num_params': 123,
        'lr': 1e-3,
        'name': 'spatial cnn \u00e9\u4e2d',
        'flag': True,
        'off': False,
        'none': None,
        'neg': -5,
        'big': 2**40,
        'huge': 2**70,
        'neg_big': -2**63,
        'list': [1, 2.5, 'x', (3, 4), []],
        'tuple': (torch.zeros(2), [torch.ones(1)], ()),
        'bytes': b'\x00\xffab\'\\',
        'int_keys': {0: 'a', 1: {'step': 3}, -2: None},
        'nan': float('nan'),
        'neg_nan': -float('nan'),
        'inf': float('-inf'),
        'negzero': -0.0,
        'third': 1.0 / 3.0,
        'long_text': 'x' * 100,
        'history': [0.5 * i for i in range(30)],
    }
    save('nested', nested)

    # A training checkpoint as the seed's scripts write it: model + Adam state + scalars.
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.BatchNorm2d(4),
                              torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 1))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3)
    for _ in range(2):
        opt.zero_grad()
        net(rnd(2, 3, 6, 6)).pow(2).mean().backward()
        opt.step()
        sched.step()
    save('checkpoint', {'epoch': 2, 'model_state_dict': net.state_dict(),
                        'optimizer_state_dict': opt.state_dict(),
                        'scheduler_state_dict': sched.state_dict(),
                        'best_mae': 3.21, 'num_params': sum(p.numel() for p in net.parameters())})
    save('proto4', nested, pickle_protocol=4)
    save('proto5', nested, pickle_protocol=5)

    # Deflated members: torch itself reads them (checked here), and so must we.
    rezip(os.path.join(OUT, 'nested.pth'), os.path.join(OUT, 'deflated.pth'), zipfile.ZIP_DEFLATED)
    rezip(os.path.join(OUT, 'views.pth'), os.path.join(OUT, 'deflated_views.pth'),
          zipfile.ZIP_DEFLATED)
    expect('deflated')
    expect('deflated_views')

    marker = os.path.join(OUT, 'EXECUTED')
    opaque = {
        'np_scalar': np.float64(1.5),
        'np_int': np.int64(3),
        'np_array': np.arange(3),
        'args': argparse.Namespace(lr=0.1, epochs=3),
        'evil': Evil('touch ' + marker),
        'after': torch.arange(5, dtype=torch.int32),
    }
    save('opaque', opaque, load=False)  # torch.load would run os.system

    p = torch.nn.Parameter(rnd(2, 3))
    attr = rnd(3)
    attr.note = 'has a __dict__'
    sub = rnd(2, 2).as_subclass(SubTensor)
    sub.tag = 1  # torch 1.13 cannot load a subclass without instance state
    save('param', {'p': p, 'plain': rnd(2), 'attr': attr, 'sub': sub,
                   'in_list': [torch.nn.Parameter(rnd(1))]})
    save('whole_module', torch.nn.Linear(2, 3))
    save('tensor_root', rnd(4, 2))
    shared = rnd(10)
    save('shared', [shared, shared[2:5], shared.view(2, 5), {'again': shared}])

    # Storage types written as dtype objects (torch.float32) instead of torch.FloatStorage.
    def dtype_globals(name, data):
        if name.endswith('data.pkl'):
            data = data.replace(b'ctorch\nFloatStorage\n', b'ctorch\nfloat32\n')
            data = data.replace(b'ctorch\nLongStorage\n', b'ctorch\nint64\n')
        return data
    rezip(os.path.join(OUT, 'nested.pth'), os.path.join(OUT, 'dtype_storage.pth'),
          zipfile.ZIP_STORED, dtype_globals)
    with zipfile.ZipFile(os.path.join(OUT, 'dtype_storage.pth')) as z:
        assert b'ctorch\nfloat32\n' in z.read('nested/data.pkl')
    # torch cannot load these: what it holds is what nested.pth holds.
    for ext in ('inspect', 'values'):
        with open(os.path.join(OUT, 'nested.' + ext)) as f, \
                open(os.path.join(OUT, 'dtype_storage.' + ext), 'w') as g2:
            g2.write(f.read())

    # A rPPG dataset as the seed describes it.
    n = 12
    samples = torch.rand(n, 8, 3, 6, 6, 3, generator=g)
    ds = {'samples': samples, 'labels': torch.linspace(40, 160, n),
          'subjects': torch.arange(n) // 4, 'frame_stride': 2}
    save('dataset', ds)
    with open(os.path.join(OUT, 'dataset.summary'), 'w') as f:
        f.write('n=%d shape=%s stride=2 subjects=yes sum=%.3f labels=%.3f subjsum=%d\n' % (
            n, ','.join(str(s) for s in samples.shape[1:]), samples.double().sum().item(),
            ds['labels'].double().sum().item(), ds['subjects'].sum().item()))

    # ---- files that must be refused ----
    torch.save({'a': rnd(2)}, os.path.join(OUT, 'legacy.pth'), _use_new_zipfile_serialization=False)
    refuse('legacy', r'legacy\.pth: legacy torch\.save format.*_use_new_zipfile_serialization=True')
    with open(os.path.join(OUT, 'notzip.pth'), 'w') as f:
        f.write('hello, not a zip\n')
    refuse('notzip', r'notzip\.pth: not a zip archive \(torch\.save files are zip archives since PyTorch 1\.6\)')
    data = open(os.path.join(OUT, 'nested.pth'), 'rb').read()
    with open(os.path.join(OUT, 'truncated.pth'), 'wb') as f:
        f.write(data[:len(data) // 2])
    refuse('truncated', r'truncated\.pth: broken zip archive')
    with open(os.path.join(OUT, 'empty.pth'), 'wb') as f:
        pass
    refuse('empty', r'empty\.pth: not a zip archive')

    st6 = np.arange(6, dtype='<f4').tobytes()
    pid = ('storage', torch.FloatStorage, '0', 'cpu', 6)
    craft('toobig', {'w': Rebuild((Marker(pid), 0, (3, 3), (3, 1), False,
                                   collections.OrderedDict()))}, {'0': st6})
    refuse('toobig', r"toobig\.pth: tensor 'w' \(float32 \[3, 3\].*needs 9 elements but its storage '0' holds 6")
    craft('offset_past', {'w': Rebuild((Marker(pid), 5, (2,), (1,), False,
                                        collections.OrderedDict()))}, {'0': st6})
    refuse('offset_past', r"offset_past\.pth: tensor 'w' .*needs 7 elements")
    craft('short_storage', {'w': Rebuild((Marker(('storage', torch.FloatStorage, '0', 'cpu', 60)),
                                          0, (6,), (1,), False, collections.OrderedDict()))},
          {'0': st6})
    refuse('short_storage', r"short_storage\.pth: storage '0' declares 60 float32 elements \(240 bytes\) but its member holds 24 bytes")
    craft('missing_storage', {'w': Rebuild((Marker(('storage', torch.FloatStorage, '7', 'cpu', 6)),
                                            0, (6,), (1,), False, collections.OrderedDict()))},
          {'0': st6})
    refuse('missing_storage', r"missing_storage\.pth: storage '7' .*missing from the archive")

    path = craft('badop', {'w': 1}, {})
    with zipfile.ZipFile(path) as z:
        pkl = z.read('badop/data.pkl')
    bad = pkl[:2] + b'\x82\x01' + pkl[2:]  # EXT1: the extension registry is not supported
    with zipfile.ZipFile(path, 'w') as z:
        z.writestr('badop/data.pkl', bad)
    refuse('badop', r'badop\.pth: data\.pkl: unsupported pickle opcode 0x82 at offset 2$')

    # os.system inside a hand-crafted pickle: must load as opaque, never run.
    craft('evil', {'run': Evil('touch ' + marker), 'w': Rebuild((Marker(pid), 0, (2, 3), (3, 1),
                                                                 False, collections.OrderedDict()))},
          {'0': st6})
    with open(os.path.join(OUT, 'evil.inspect'), 'w') as f:
        f.write('(root): dict (2 items)\nrun: <opaque posix.system>\nw: tensor float32 [2, 3]\n')
    with open(os.path.join(OUT, 'evil.values'), 'w') as f:
        f.write(value_line('w', torch.arange(6, dtype=torch.float32).reshape(2, 3)) + '\n')

    # Datasets the dataset reader must refuse (torch.save files that load fine).
    torch.save({'samples': torch.rand(4, 8, 3, 6, 6), 'labels': torch.ones(4)},
               os.path.join(OUT, 'ds_rank5.pth'))
    refuse('ds_rank5', r"ds_rank5\.pth: 'samples' has shape \(4, 8, 3, 6, 6\), expected rank 6")
    torch.save({'samples': torch.rand(4, 8, 3, 6, 6, 3)}, os.path.join(OUT, 'ds_nolabels.pth'))
    refuse('ds_nolabels', r"ds_nolabels\.pth: missing key 'labels'")
    torch.save({'samples': torch.rand(4, 8, 3, 6, 6, 3), 'labels': torch.ones(3)},
               os.path.join(OUT, 'ds_labels3.pth'))
    refuse('ds_labels3', r"ds_labels3\.pth: 'labels' has shape \(3,\), expected \(4,\)")
    s = torch.rand(4, 8, 3, 6, 6, 3)
    s[2, 1, 0, 0, 0, 0] = 1.5
    torch.save({'samples': s, 'labels': torch.ones(4)}, os.path.join(OUT, 'ds_range.pth'))
    refuse('ds_range', r"ds_range\.pth: window 2: sample value 1\.5 outside \[0,1\]")


if __name__ == '__main__':
    main()
