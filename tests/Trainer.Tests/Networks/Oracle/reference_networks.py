# Independent PyTorch definitions of the five RbpPipeline architectures, written from their documented structure
# (docs/networks.md), used as the oracle for the C# graph interpreter. State names must match the C# IR exactly:
# load_state_dict(strict=True) fails otherwise.
# argv: <case.safetensors>... ; each file holds "state.<name>" and "input.<name>" tensors and metadata
# {"architecture", "hp" (JSON), "train" ("0"/"1"), "output"}; the result goes to the path in "output".
import json, sys
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from plain_safetensors import read, write  # noqa: E402  (tests/TestSupport/python, on PYTHONPATH)


class ResidualBind(nn.Module):
    """conv 'same' -> BN -> ReLU -> drop; residual module (BN before ReLU, sum before the last ReLU); drop;
    AvgPool; flatten; dense -> BN -> ReLU -> drop; output."""

    def __init__(self, state, hp):
        super().__init__()
        filters, channels, kernel = state["conv1.weight"].shape
        self.conv1 = nn.Conv1d(channels, filters, kernel, padding="same")
        self.bn1 = nn.BatchNorm1d(filters)
        self.res = nn.Module()
        self.dilations = hp.get("res_dilations", [1, 2, 4])
        for i, d in enumerate(self.dilations):
            k = state[f"res.conv{i + 1}.weight"].shape[2]
            setattr(self.res, f"conv{i + 1}", nn.Conv1d(filters, filters, k, padding="same", dilation=d))
            setattr(self.res, f"bn{i + 1}", nn.BatchNorm1d(filters))
        self.pool = hp.get("pool", 10)
        hidden, flat = state["dense.weight"].shape
        self.dense = nn.Linear(flat, hidden)
        self.bn_dense = nn.BatchNorm1d(hidden)
        self.output = nn.Linear(hidden, state["output.weight"].shape[0])
        self.p = [hp.get("conv_dropout", 0.1), hp.get("res_dropout", 0.2), hp.get("dense_dropout", 0.5)]

    def forward(self, *xs):
        x = torch.cat(xs, 1)
        h = F.dropout(torch.relu(self.bn1(self.conv1(x))), self.p[0], self.training)
        r = h
        n = len(self.dilations)
        for i in range(n):
            r = getattr(self.res, f"bn{i + 1}")(getattr(self.res, f"conv{i + 1}")(r))
            if i < n - 1:
                r = torch.relu(r)
        h = F.dropout(torch.relu(r + h), self.p[1], self.training)
        h = F.avg_pool1d(h, self.pool).flatten(1)
        h = F.dropout(torch.relu(self.bn_dense(self.dense(h))), self.p[2], self.training)
        return self.output(h)


def final_states(output, hidden):
    # forward direction after the last step, backward direction after its last step (position 0)
    return torch.cat([output[:, -1, :hidden], output[:, 0, hidden:]], 1)


class DeepRiPeGru(nn.Module):
    """sequence and region modules (conv valid, ReLU, max-pool, dropout) joined along the length axis,
    bidirectional GRU (final states), dense ReLU, output."""

    def __init__(self, state, hp):
        super().__init__()
        f, c, k = state["seq_conv.weight"].shape
        self.seq_conv = nn.Conv1d(c, f, k)
        rf, rc, rk = state["region_conv.weight"].shape
        self.region_conv = nn.Conv1d(rc, rf, rk)
        self.hidden = state["mt_gru.weight_hh_l0"].shape[1]
        self.mt_gru = nn.GRU(f, self.hidden, batch_first=True, bidirectional=True)
        d, flat = state["dense.weight"].shape
        self.dense = nn.Linear(flat, d)
        self.output = nn.Linear(d, state["output.weight"].shape[0])
        self.pools = [hp.get("pool", 4), hp.get("region_pool", 4)]
        self.p = [hp.get("conv_dropout", 0.25), hp.get("mt_dropout", 0.25), hp.get("dense_dropout", 0.25)]

    def forward(self, seq, region):
        s = F.dropout(F.max_pool1d(torch.relu(self.seq_conv(seq)), self.pools[0]), self.p[0], self.training)
        r = F.dropout(F.max_pool1d(torch.relu(self.region_conv(region)), self.pools[1]), self.p[0], self.training)
        j = torch.cat([s, r], 2).transpose(1, 2)
        o, _ = self.mt_gru(j)
        h = F.dropout(final_states(o, self.hidden), self.p[1], self.training)
        h = F.dropout(torch.relu(self.dense(h)), self.p[2], self.training)
        return self.output(h)


class IDeepS(nn.Module):
    """sequence and structure branches (conv valid, ReLU, max-pool, dropout) joined on channels, BiLSTM final
    states, dropout, dense ReLU, dropout, output."""

    def __init__(self, state, hp):
        super().__init__()
        f, c, k = state["seq_conv.weight"].shape
        self.seq_conv = nn.Conv1d(c, f, k)
        sf, sc, sk = state["struct_conv.weight"].shape
        self.struct_conv = nn.Conv1d(sc, sf, sk)
        self.hidden = state["lstm.weight_hh_l0"].shape[1]
        self.lstm = nn.LSTM(f + sf, self.hidden, batch_first=True, bidirectional=True)
        d, flat = state["dense.weight"].shape
        self.dense = nn.Linear(flat, d)
        self.output = nn.Linear(d, state["output.weight"].shape[0])
        self.pool = hp.get("pool", 3)
        self.p = [hp.get("conv_dropout", 0.25), hp.get("lstm_dropout", 0.1), hp.get("dense_dropout", 0.5)]

    def forward(self, seq, *others):
        s = F.dropout(F.max_pool1d(torch.relu(self.seq_conv(seq)), self.pool), self.p[0], self.training)
        t = F.dropout(F.max_pool1d(torch.relu(self.struct_conv(torch.cat(others, 1))), self.pool), self.p[0], self.training)
        o, _ = self.lstm(torch.cat([s, t], 1).transpose(1, 2))
        h = F.dropout(final_states(o, self.hidden), self.p[1], self.training)
        h = F.dropout(torch.relu(self.dense(h)), self.p[2], self.training)
        return self.output(h)


class MultiResBind(nn.Module):
    """conv 'same' -> BN -> ReLU (= x0); blocks conv (dilated, 'same') -> BN [-> + x0 in the last] -> ReLU -> drop;
    AvgPool (window = stride); flatten; dense -> ReLU -> drop; output."""

    def __init__(self, state, hp):
        super().__init__()
        filters, channels, kernel = state["conv1.weight"].shape
        self.conv1 = nn.Conv1d(channels, filters, kernel, padding="same")
        self.bn1 = nn.BatchNorm1d(filters)
        self.dilations = hp.get("res_dilations", [1, 2, 4])
        self.drops = hp.get("res_dropouts", [0.1, 0.2, 0.5])
        for i, d in enumerate(self.dilations):
            block = nn.Module()
            block.conv = nn.Conv1d(filters, filters, state[f"block{i + 1}.conv.weight"].shape[2], padding="same", dilation=d)
            block.bn = nn.BatchNorm1d(filters)
            setattr(self, f"block{i + 1}", block)
        self.pool = hp.get("pool", 10)
        hidden, flat = state["dense.weight"].shape
        self.dense = nn.Linear(flat, hidden)
        self.output = nn.Linear(hidden, state["output.weight"].shape[0])
        self.dense_dropout = hp.get("dense_dropout", 0)

    def forward(self, *xs):
        x0 = torch.relu(self.bn1(self.conv1(torch.cat(xs, 1))))
        h = x0
        for i in range(len(self.dilations)):
            block = getattr(self, f"block{i + 1}")
            h = block.bn(block.conv(h))
            if i == len(self.dilations) - 1:
                h = h + x0
            h = F.dropout(torch.relu(h), self.drops[i], self.training)
        h = F.avg_pool1d(h, self.pool).flatten(1)
        h = F.dropout(torch.relu(self.dense(h)), self.dense_dropout, self.training)
        return self.output(h)


class RbpAdda(nn.Module):
    """encoder: one-hot as a 1-channel L x C image -> conv (k1 x C) -> ReLU -> conv (k2 x 1) -> ReLU -> flatten ->
    fc1 -> ReLU -> fc2 -> ReLU (features); predictor: fc1 -> ReLU -> fc2."""

    def __init__(self, state, hp):
        super().__init__()
        self.encoder = nn.Module()
        f1, _, k1, c = state["encoder.conv1.weight"].shape
        f2, _, k2, _ = state["encoder.conv2.weight"].shape
        self.encoder.conv1 = nn.Conv2d(1, f1, (k1, c))
        self.encoder.conv2 = nn.Conv2d(f1, f2, (k2, 1))
        self.encoder.fc1 = nn.Linear(state["encoder.fc1.weight"].shape[1], state["encoder.fc1.weight"].shape[0])
        self.encoder.fc2 = nn.Linear(state["encoder.fc2.weight"].shape[1], state["encoder.fc2.weight"].shape[0])
        self.predictor = nn.Module()
        self.predictor.fc1 = nn.Linear(state["predictor.fc1.weight"].shape[1], state["predictor.fc1.weight"].shape[0])
        self.predictor.fc2 = nn.Linear(state["predictor.fc2.weight"].shape[1], state["predictor.fc2.weight"].shape[0])

    def forward(self, *xs):
        e = self.encoder
        x = torch.cat(xs, 1).unsqueeze(1).permute(0, 1, 3, 2)
        x = torch.relu(e.conv2(torch.relu(e.conv1(x)))).flatten(1)
        x = torch.relu(e.fc2(torch.relu(e.fc1(x))))
        return self.predictor.fc2(torch.relu(self.predictor.fc1(x)))


MODELS = {"residualbind": ResidualBind, "deepripe": DeepRiPeGru, "ideeps": IDeepS, "multiresbind": MultiResBind, "rbpadda": RbpAdda}

torch.set_num_threads(1)
for path in sys.argv[1:]:
    tensors, meta = read(path)
    hp = json.loads(meta["hp"])
    state = {k[len("state."):]: v for k, v in tensors.items() if k.startswith("state.")}
    inputs = [tensors[f"input.{name}"] for name in json.loads(meta["inputs"])]
    model = MODELS[meta["architecture"]](state, hp)
    model.load_state_dict(state, strict=True)
    model.train(meta["train"] == "1")
    names = json.loads(meta["inputs"])
    inputs = [x.clone().requires_grad_(True) for x in inputs]
    out = model(*inputs)
    (out * tensors["weight.output"]).sum().backward()  # backward of a weighted sum: input and parameter gradients
    result = {"output": out.detach()}
    result.update({f"grad.input.{n}": x.grad for n, x in zip(names, inputs)})
    result.update({f"grad.param.{k}": p.grad for k, p in model.named_parameters() if p.grad is not None})
    if meta["train"] == "1":  # running statistics after one training-mode pass
        result.update({f"state.{k}": v for k, v in model.state_dict().items() if "running" in k})
    write(meta["output"], result)
