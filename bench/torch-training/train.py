# PyTorch twin of Program.cs: same model (models.py here, ResidualBind.cs its C# twin), data, optimiser and loop.
# Usage: /usr/bin/python3 train.py --threads N --steps S --warmup W --batch B
import argparse, json, os, sys, time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import ResidualBind  # noqa: E402

p = argparse.ArgumentParser()
for name, default in [("threads", 1), ("steps", 150), ("warmup", 20), ("batch", 100)]:
    p.add_argument(f"--{name}", type=int, default=default)
a = p.parse_args()
batches = 20

torch.set_num_threads(a.threads)
torch.manual_seed(0)
x = F.one_hot(torch.randint(0, 4, (batches * a.batch, 41)), 4).permute(0, 2, 1).float().contiguous()
y = torch.randn(batches * a.batch, 1)
model = ResidualBind()
model.train()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)


def step(i):
    b = i % batches
    opt.zero_grad(set_to_none=True)  # what the C# side's zero_grad() does
    loss = F.mse_loss(model(x[b * a.batch:(b + 1) * a.batch]), y[b * a.batch:(b + 1) * a.batch])
    loss.backward()
    opt.step()


for i in range(a.warmup):
    step(i)
t0 = time.perf_counter()
for i in range(a.steps):
    step(a.warmup + i)
dt = time.perf_counter() - t0
print(json.dumps({"impl": "python", "threads": a.threads, "steps": a.steps, "seconds": round(dt, 3),
                  "seq_per_s": round(a.steps * a.batch / dt, 1)}))
