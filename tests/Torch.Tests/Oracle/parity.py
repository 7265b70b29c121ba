# Oracle for ParityTests: reads cases (a JSON list in the input file's metadata) and their tensors from a
# safetensors file, recomputes each with PyTorch, writes results to another safetensors file.
# argv: <input.safetensors> <output.safetensors>. The safetensors I/O is plain Python (struct + json + numpy):
# it doubles as the check that files written by the C# binding are readable without the safetensors package.
import json, sys
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, sys.argv[3])
from models import ResidualBind  # noqa: E402

from plain_safetensors import read, write  # noqa: E402  (tests/TestSupport/python, on PYTHONPATH)


def build(kind, a):
    if kind == "conv1d":
        return nn.Conv1d(a["in"], a["out"], a["k"], stride=a.get("stride", 1), padding=a.get("padding", 0),
                         dilation=a.get("dilation", 1))
    if kind == "conv2d":
        return nn.Conv2d(a["in"], a["out"], a["k"], stride=a.get("stride", 1), padding=a.get("padding", 0),
                         dilation=a.get("dilation", 1))
    if kind == "bn1d":
        return nn.BatchNorm1d(a["features"], eps=a.get("eps", 1e-5), momentum=a.get("momentum", 0.1))
    if kind == "bn2d":
        return nn.BatchNorm2d(a["features"], eps=a.get("eps", 1e-5), momentum=a.get("momentum", 0.1))
    if kind == "linear":
        return nn.Linear(a["in"], a["out"])
    if kind == "maxpool1d":
        return nn.MaxPool1d(a["k"], stride=a.get("stride"))
    if kind == "maxpool2d":
        return nn.MaxPool2d(a["k"], stride=a.get("stride"))
    if kind == "avgpool1d":
        return nn.AvgPool1d(a["k"], stride=a.get("stride"))
    if kind == "lstm":
        return nn.LSTM(a["input"], a["hidden"], a["layers"], batch_first=True, bidirectional=a["bidirectional"])
    if kind == "gru":
        return nn.GRU(a["input"], a["hidden"], a["layers"], batch_first=True, bidirectional=a["bidirectional"])
    if kind == "relu":
        return nn.ReLU()
    if kind == "sigmoid":
        return nn.Sigmoid()
    if kind == "tanh":
        return nn.Tanh()
    if kind == "residualbind":
        return ResidualBind()
    raise ValueError(kind)


def run_module(c, t, out):
    name, a = c["name"], c.get("args", {})
    torch.manual_seed(c["seed"])
    m = build(c["kind"], a)
    for k, v in m.state_dict().items():
        out[f"{name}.init.{k}"] = v.clone()
    m.load_state_dict({k[len(name) + 7:]: v for k, v in t.items() if k.startswith(f"{name}.state.")}, strict=True)
    m.train(c["mode"] == "train")
    x = t[f"{name}.x"].clone().requires_grad_(True)
    torch.manual_seed(c["seed"] + 1)  # same dropout masks as the C# run
    y = m(x)
    if isinstance(y, tuple):
        y = y[0]
    (y * t[f"{name}.gout"]).sum().backward()
    out[f"{name}.out"] = y
    out[f"{name}.dx"] = x.grad
    for k, p in m.named_parameters():
        out[f"{name}.grad.{k}"] = p.grad
    for k, v in m.state_dict().items():
        out[f"{name}.after.{k}"] = v


def run_loss(c, t, out):
    name, kind = c["name"], c["kind"]
    x = t[f"{name}.x"].clone().requires_grad_(True)
    target = t[f"{name}.target"]
    w = t.get(f"{name}.weight")
    red = c.get("reduction", "mean")
    if kind == "mse":
        loss = F.mse_loss(x, target, reduction=red)
    elif kind == "bce":
        loss = F.binary_cross_entropy_with_logits(x, target, weight=w, pos_weight=t.get(f"{name}.pos_weight"), reduction=red)
    elif kind == "ce":
        loss = F.cross_entropy(x, target, weight=w, reduction=red, label_smoothing=c.get("label_smoothing", 0.0))
    else:
        raise ValueError(kind)
    loss.sum().backward()
    out[f"{name}.out"] = loss
    out[f"{name}.dx"] = x.grad


def run_train(c, t, out):
    name, a = c["name"], c["args"]
    m = build(a["model"], a)
    m.load_state_dict({k[len(name) + 7:]: v for k, v in t.items() if k.startswith(f"{name}.state.")}, strict=True)
    m.train()
    o = a["optim"]
    if o == "adam":
        opt = torch.optim.Adam(m.parameters(), lr=a["lr"], weight_decay=a.get("weight_decay", 0), amsgrad=a.get("amsgrad", False))
    elif o == "rmsprop":
        opt = torch.optim.RMSprop(m.parameters(), lr=a["lr"], momentum=a.get("momentum", 0), centered=a.get("centered", False),
                                  weight_decay=a.get("weight_decay", 0))
    elif o == "sgd":
        opt = torch.optim.SGD(m.parameters(), lr=a["lr"], momentum=a.get("momentum", 0), nesterov=a.get("nesterov", False),
                              weight_decay=a.get("weight_decay", 0))
    torch.manual_seed(c["seed"])
    x, y = t[f"{name}.x"], t[f"{name}.y"]
    for _ in range(a["steps"]):
        opt.zero_grad()
        loss = F.mse_loss(m(x), y)
        loss.backward()
        if a.get("clip"):
            torch.nn.utils.clip_grad_norm_(m.parameters(), a["clip"])
        opt.step()
    for k, v in m.state_dict().items():
        out[f"{name}.final.{k}"] = v


torch.set_num_threads(1)
tensors, meta = read(sys.argv[1])
results = {}
for case in json.loads(meta["cases"]):
    {"module": run_module, "loss": run_loss, "train": run_train}[case["type"]](case, tensors, results)
write(sys.argv[2], results)
