# PyTorch twins of the C# test models (tests/Torch.Tests/Models), with the same state names.
import torch
from torch import nn


class DilatedResidual(nn.Module):
    def __init__(self, filters, kernel, dilations):
        super().__init__()
        for i, d in enumerate(dilations):
            setattr(self, f"conv{i + 1}", nn.Conv1d(filters, filters, kernel, padding="same", dilation=d))
            setattr(self, f"bn{i + 1}", nn.BatchNorm1d(filters))
        self.n = len(dilations)

    def forward(self, x):
        h = x
        for i in range(self.n):
            h = getattr(self, f"bn{i + 1}")(getattr(self, f"conv{i + 1}")(h))
            if i < self.n - 1:
                h = torch.relu(h)
        return torch.relu(h + x)


class ResidualBind(nn.Module):
    def __init__(self, length=41, filters=96, hidden=256, outputs=1):
        super().__init__()
        self.conv1 = nn.Conv1d(4, filters, 11, padding="same")
        self.bn1 = nn.BatchNorm1d(filters)
        self.drop1 = nn.Dropout(0.1)
        self.res = DilatedResidual(filters, 3, [1, 2, 4])
        self.drop2 = nn.Dropout(0.2)
        self.pool = nn.AvgPool1d(10)
        self.dense = nn.Linear(filters * (length // 10), hidden)
        self.bn_dense = nn.BatchNorm1d(hidden)
        self.drop3 = nn.Dropout(0.5)
        self.output = nn.Linear(hidden, outputs)

    def forward(self, x):
        h = self.drop1(torch.relu(self.bn1(self.conv1(x))))
        h = self.drop2(self.res(h))
        h = self.pool(h).flatten(1)
        h = self.drop3(torch.relu(self.bn_dense(self.dense(h))))
        return self.output(h)
