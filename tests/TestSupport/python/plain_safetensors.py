"""Plain-Python safetensors I/O (struct + json + numpy) shared by the test oracles.

Reading files the C# binding wrote without the safetensors package doubles as the check that the format is
standard. PythonOracle puts this folder on PYTHONPATH.
"""
import json
import os
import struct

import numpy as np
import torch

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "BOOL": np.bool_, "U8": np.uint8, "I32": np.int32}
CODES = {np.dtype(v): k for k, v in DTYPES.items()}


def read(path):
    """Returns ({name: torch tensor}, metadata dict)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    # Writers that put no metadata in the header (TorchSharp.PyBridge) leave it beside the file.
    if os.path.exists(path + ".meta.json"):
        with open(path + ".meta.json") as f:
            meta.update(json.load(f))
    out = {}
    for name, h in header.items():
        a, b = h["data_offsets"]
        arr = np.frombuffer(data[a:b], dtype=DTYPES[h["dtype"]]).reshape(h["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out, meta


def write(path, tensors):
    """Writes {name: torch tensor} with the header padded to 8 bytes, as the format recommends."""
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        arr = t.detach().cpu().contiguous().numpy()  # np.ascontiguousarray would turn 0-d into 1-d
        raw = arr.tobytes()
        header[name] = {"dtype": CODES[arr.dtype], "shape": list(arr.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
