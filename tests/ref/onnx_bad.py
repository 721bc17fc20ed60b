#!/usr/bin/env python3
"""Broken and unsupported ONNX files for the error-path tests, made by PyTorch and onnx.

    onnx_bad.py OUTDIR
"""
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten()).eval()
x = torch.rand(1, 3, 8, 8)
p = lambda n: os.path.join(OUT, n)
torch.onnx.export(net, x, p('good.onnx'), opset_version=13, input_names=['input'])
torch.onnx.export(net, x, p('opset9.onnx'), opset_version=9)
torch.onnx.export(net, x, p('dynamic_h.onnx'), opset_version=13, input_names=['input'],
                  dynamic_axes={'input': {0: 'batch', 2: 'height'}})
torch.onnx.export(net, x, p('dynamic_batch.onnx'), opset_version=13, input_names=['input'],
                  dynamic_axes={'input': {0: 'batch'}})
torch.onnx.export(net, torch.rand(2, 3, 8, 8), p('batch2.onnx'), opset_version=13)
m = onnx.load(p('good.onnx'))
onnx.save_model(m, p('external.onnx'), save_as_external_data=True, all_tensors_to_one_file=True,
                location='external.onnx.data', size_threshold=0)
m = onnx.load(p('good.onnx'))
w = onnx.numpy_helper.to_array(m.graph.initializer[0]).copy()
w.flat[5] = np.nan
m.graph.initializer[0].CopyFrom(onnx.numpy_helper.from_array(w, m.graph.initializer[0].name))
onnx.save(m, p('nan_weight.onnx'))
m = onnx.load(p('good.onnx'))
m.graph.node.append(onnx.helper.make_node('Einsum', [m.graph.output[0].name], ['e'], equation='ij->ji'))
m.graph.output[0].name = 'e'
onnx.save(m, p('einsum.onnx'))
data = open(p('good.onnx'), 'rb').read()
open(p('truncated.onnx'), 'wb').write(data[:len(data) // 2])
# 150 bytes that would fold into an 8 M-element constant (a memory bomb for the reader)
h = onnx.helper
shape = h.make_tensor('shape', onnx.TensorProto.INT64, [2], [4096, 2048])
bomb = h.make_graph([h.make_node('ConstantOfShape', ['shape'], ['c']),
                     h.make_node('Add', ['x', 'c'], ['y'])], 'bomb',
                    [h.make_tensor_value_info('x', onnx.TensorProto.FLOAT, [1, 2048])],
                    [h.make_tensor_value_info('y', onnx.TensorProto.FLOAT, [4096, 2048])], [shape])
onnx.save(h.make_model(bomb, opset_imports=[h.make_opsetid('', 13)]), p('fold_bomb.onnx'))
