#!/usr/bin/python3
"""Writes the hostile and broken inputs of docs/bad-inputs.md into DIR, each wrong in one
way, made by PyTorch (and flatc for .tflite edits) rather than by our own writers:

    make_bad_inputs.py torch DIR          checkpoints and datasets
    make_bad_inputs.py tflite DIR GOOD    broken copies of GOOD.tflite (needs flatc)

DIR/good_spatial.pth, good_temporal.pth and good_data.pt are the valid inputs the broken
ones are variants of. A file named MARKER in DIR appears only if a reader ran pickled code.
"""
import collections
import io
import json
import os
import pickle
import subprocess
import sys
import zipfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spatial_ref  # noqa: E402  (the seed's architectures)

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tflite', 'schema.fbs')


class Evil:
    """Pickles as a call of os.system: a reader that executes globals would run it."""
    def __init__(self, cmd):
        self.cmd = cmd

    def __reduce__(self):
        return (os.system, (self.cmd,))


class Marker:
    def __init__(self, pid):
        self.pid = pid


class Rebuild:
    def __init__(self, args):
        self.args = args

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


def crafted(path, sd, shapes):
    """A torch-style archive of state_dict sd written by hand: every tensor its own storage,
    except that `shapes` overrides the (size, stride, offset) a key declares."""
    objs, members = collections.OrderedDict(), {}
    for i, (k, t) in enumerate(sd.items()):
        t = t.contiguous()
        stype = torch.LongStorage if t.dtype == torch.int64 else torch.FloatStorage
        members[str(i)] = t.numpy().tobytes()
        size, stride, off = shapes.get(k, (tuple(t.shape), tuple(t.stride()), 0))
        pid = ('storage', stype, str(i), 'cpu', t.numel())
        objs[k] = Rebuild((Marker(pid), off, size, stride, False, collections.OrderedDict()))
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=2)
    p.persistent_id = lambda o: o.pid if isinstance(o, Marker) else None
    p.dump({'model_state_dict': objs})
    name = os.path.splitext(os.path.basename(path))[0]
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as z:
        z.writestr(name + '/data.pkl', buf.getvalue())
        for key, data in members.items():
            z.writestr(name + '/data/' + key, data)
        z.writestr(name + '/version', '3\n')


def raw_pickle_archive(path, pkl):
    name = os.path.splitext(os.path.basename(path))[0]
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as z:
        z.writestr(name + '/data.pkl', pkl)
        z.writestr(name + '/version', '3\n')


def make_torch(d):
    os.makedirs(d, exist_ok=True)
    sd = spatial_ref.make_model(21).state_dict()
    torch.save({'model_state_dict': sd}, os.path.join(d, 'good_spatial.pth'))
    torch.manual_seed(22)
    torch.save({'model_state_dict': spatial_ref.TemporalFusion().state_dict()},
               os.path.join(d, 'good_temporal.pth'))
    g = torch.Generator().manual_seed(23)
    n = 12
    samples = torch.rand(n, 8, 3, 36, 36, 3, generator=g)
    labels = torch.linspace(45, 150, n)
    torch.save({'samples': samples, 'labels': labels}, os.path.join(d, 'good_data.pt'))

    good = open(os.path.join(d, 'good_spatial.pth'), 'rb').read()
    open(os.path.join(d, 'empty.pth'), 'wb').close()
    with open(os.path.join(d, 'text.pth'), 'w') as f:
        f.write('{"model_state_dict": "this is JSON, not torch.save"}\n')
    with open(os.path.join(d, 'truncated.pth'), 'wb') as f:
        f.write(good[:len(good) // 2])
    torch.save({'model_state_dict': sd}, os.path.join(d, 'legacy.pth'),
               _use_new_zipfile_serialization=False)

    evil = collections.OrderedDict(sd)
    evil['features.0.weight'] = Evil('touch ' + os.path.join(d, 'MARKER'))
    torch.save({'model_state_dict': evil}, os.path.join(d, 'evil.pth'))

    crafted(os.path.join(d, 'toobig.pth'), sd,
            {'features.4.weight': ((32, 16, 3, 4), (192, 12, 4, 1), 0)})
    crafted(os.path.join(d, 'offset.pth'), sd, {'features.0.bias': ((16,), (1,), 5)})

    nan = collections.OrderedDict((k, v.clone()) for k, v in sd.items())
    nan['features.4.weight'][3, 1, 0, 2] = float('nan')
    torch.save({'model_state_dict': nan}, os.path.join(d, 'nan_weight.pth'))
    shape = collections.OrderedDict(sd)
    shape['features.4.weight'] = torch.zeros(32, 8, 3, 3)
    torch.save({'model_state_dict': shape}, os.path.join(d, 'shape_mismatch.pth'))

    # 236 M conv weights in 6 KB: every tensor a stride-0 view of one element
    C, K = 1024, 15
    z = lambda *shape: torch.zeros(1).expand(*shape)  # noqa: E731
    bcast = collections.OrderedDict()
    for conv, bn, cin, cout in ((0, 1, 3, C), (4, 5, C, C), (8, 9, C, 16)):
        bcast['features.%d.weight' % conv] = z(cout, cin, K, K)
        bcast['features.%d.bias' % conv] = z(cout)
        for name in ('weight', 'bias', 'running_mean'):
            bcast['features.%d.%s' % (bn, name)] = z(cout)
        bcast['features.%d.running_var' % bn] = torch.ones(1).expand(cout)
        bcast['features.%d.num_batches_tracked' % bn] = torch.tensor(1)
    torch.save({'model_state_dict': bcast}, os.path.join(d, 'broadcast_weights.pth'))

    deep = b'\x80\x02' + b']' * 300 + b'a' * 299 + b'.'   # 300 nested lists
    raw_pickle_archive(os.path.join(d, 'deep.pth'), deep)
    raw_pickle_archive(os.path.join(d, 'badop.pth'), b'\x80\x02\x82\x01.')  # EXT1
    huge = b'\x80\x02X\xff\xff\xff\x7f' + b'x' * 16 + b'.'  # a 2 GB string in 25 bytes
    raw_pickle_archive(os.path.join(d, 'huge_string.pth'), huge)

    tnan = spatial_ref.TemporalFusion().state_dict()
    tnan['fc.0.weight'][3, 5] = float('nan')
    torch.save({'model_state_dict': tnan}, os.path.join(d, 'temporal_nan.pth'))

    torch.save({'samples': samples.reshape(n, 24, 36, 36, 3), 'labels': labels},
               os.path.join(d, 'data_rank5.pt'))
    s = samples.clone()
    s[4, 2, 1, 0, 0, 0] = float('nan')
    torch.save({'samples': s, 'labels': labels}, os.path.join(d, 'data_nan.pt'))
    torch.save({'samples': samples, 'labels': labels[:7]}, os.path.join(d, 'data_labels7.pt'))
    torch.save({'samples': samples}, os.path.join(d, 'data_nolabels.pt'))
    big = 1 << 28  # 268 M windows in a few KB
    torch.save({'samples': samples[:1].clone().expand(big, 8, 3, 36, 36, 3),
                'labels': labels[:1].clone().expand(big)}, os.path.join(d, 'data_broadcast.pt'))


def flatc_edit(d, good, name, edit):
    """Decodes GOOD with flatc, lets edit() change the JSON, encodes DIR/NAME.tflite."""
    tmp = os.path.join(d, 'flatc_' + name)
    os.makedirs(tmp, exist_ok=True)
    subprocess.run(['flatc', '--json', '--strict-json', '--raw-binary', '-o', tmp, SCHEMA, '--',
                    good], check=True)
    js = os.path.join(tmp, os.path.splitext(os.path.basename(good))[0] + '.json')
    model = json.load(open(js))
    edit(model)
    with open(os.path.join(tmp, name + '.json'), 'w') as f:
        json.dump(model, f)
    subprocess.run(['flatc', '-b', '-o', d, SCHEMA, os.path.join(tmp, name + '.json')],
                   check=True)
    if not os.path.exists(os.path.join(d, name + '.tflite')):  # schema without file_extension
        os.replace(os.path.join(d, name + '.bin'), os.path.join(d, name + '.tflite'))


def make_tflite(d, good):
    data = open(good, 'rb').read()
    with open(os.path.join(d, 'truncated.tflite'), 'wb') as f:
        f.write(data[:len(data) // 3])
    with open(os.path.join(d, 'wrong_magic.tflite'), 'wb') as f:
        f.write(data[:4] + b'TFL2' + data[8:])

    def buffer_index(m):
        m['subgraphs'][0]['tensors'][1]['buffer'] = 999
    flatc_edit(d, good, 'buffer_index', buffer_index)

    def zero_scale(m):
        t = m['subgraphs'][0]['tensors'][m['subgraphs'][0]['inputs'][0]]
        t['quantization']['scale'] = [0.0]
    flatc_edit(d, good, 'zero_scale', zero_scale)

    def tensor_index(m):
        m['subgraphs'][0]['operators'][0]['inputs'][0] = 4000
    flatc_edit(d, good, 'tensor_index', tensor_index)


if __name__ == '__main__':
    if sys.argv[1] == 'torch':
        make_torch(sys.argv[2])
    else:
        make_tflite(sys.argv[2], sys.argv[3])
