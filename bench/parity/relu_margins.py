#!/usr/bin/env python3
"""Where does a gradient outlier of the parity gate come from? For ResidualBind (default hyperparameters: conv1 k 11,
residual convolutions k 3 with dilations 1, 2, 4), recomputes every ReLU input of the convolution stack from the
checkpoint's weights for some parity inputs, in float64, in float32 as libtorch computes it (convolution, then
BatchNorm), and in float32 with BatchNorm folded into the convolution as the exported graphs do, and prints the
units whose ReLU input is within 1e-6 of zero (and any unit where a float32 variant is on the other side of zero).

Usage: bench/parity/relu_margins.py <checkpoint folder> <inputs.f32> <sample,sample,...>
  inputs.f32: the parity inputs as raw float32 [N, 4, 101], written by the calibration tool with DUMP=<folder>.
Needs Debian's python3-torch and python3-numpy (run it with /usr/bin/python3).
"""
import json, struct, sys, numpy as np, torch
F = torch.nn.functional
ck = sys.argv[1]; inputs = sys.argv[2]; samples = [int(s) for s in sys.argv[3].split(',')]
raw = open(ck + '/weights.safetensors', 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]; header = json.loads(raw[8:8+n]); base = 8 + n
W = {}
for k, v in header.items():
    if k == '__metadata__' or v['dtype'] != 'F32': continue
    a, b = v['data_offsets']; W[k] = np.frombuffer(raw[base+a:base+b], dtype=np.float32).reshape(v['shape'])
x = np.fromfile(inputs, dtype=np.float32).reshape(-1, 4, 101)[samples]
def run(dt, fold):
    T = lambda a: torch.tensor(a, dtype=dt)
    def cbn(h, c, bn, pad, dil):
        w, b = W[c + '.weight'], W[c + '.bias']; g, be, mu, var = (W[bn + s] for s in ('.weight', '.bias', '.running_mean', '.running_var'))
        if fold:
            s = g.astype(np.float64) / np.sqrt(var.astype(np.float64) + 1e-5)
            return F.conv1d(h, T((w * s[:, None, None]).astype(np.float32)), T(((b - mu) * s + be).astype(np.float32)), padding=pad, dilation=dil)
        return F.batch_norm(F.conv1d(h, T(w), T(b), padding=pad, dilation=dil), T(mu), T(var), T(g), T(be), False, 0.1, 1e-5)
    pre = {}
    h = T(x); z = cbn(h, 'conv1', 'bn1', 5, 1); pre['bn1'] = z; h0 = F.relu(z); h = h0
    for i, d in enumerate([1, 2, 4]):
        z = cbn(h, f'res.conv{i+1}', f'res.bn{i+1}', d, d)
        if i < 2: pre[f'res{i+1}'] = z; h = F.relu(z)
        else: h = z
    z = h + h0; pre['add'] = z
    return {k: v.double().numpy() for k, v in pre.items()}
r64, r32, rf = run(torch.float64, False), run(torch.float32, False), run(torch.float32, True)
for k in r64:
    for name, r in (('torch-like f32', r32), ('folded f32', rf)):
        flips = np.where((r64[k] > 0) != (r[k] > 0))
        print(k, name, 'ReLU side differs from f64 at', [(samples[i], f, p, float(r64[k][i, f, p]), float(r[k][i, f, p])) for i, f, p in zip(*flips)])
    print(k, 'exact zeros f64', int((r64[k] == 0).sum()), 'smallest |pre| f64', float(np.abs(r64[k]).min()))
for k in r64:
    near = np.where(np.abs(r64[k]) < 1e-6)
    print(k, 'units with |pre-activation| < 1e-6 in f64 (sample, filter, position, f64, torch-like f32, folded f32):',
          [(samples[i], f, p, float(r64[k][i, f, p]), float(r32[k][i, f, p]), float(rf[k][i, f, p])) for i, f, p in zip(*near)])
