#!/usr/bin/env bash
# Training throughput of ResidualBind: TorchSharp 0.107 (libtorch 2.10, NuGet) vs Python PyTorch 1.13 (Debian's
# python3-torch), same model, data, optimiser and thread count. Runs alternate (C#, Python, C#, Python, ...) to
# spread the noise of a shared machine over both; medians, best runs and the C#/Python ratios are printed as a
# Markdown table (on a loaded machine the best run is the steadier estimate of what each side can do).
# Usage: bench/torch-training/run.sh [rounds=3] [steps=150]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
steps=${2:-150}

dotnet build bench/torch-training/RbpPipeline.Bench.TorchTraining.csproj -c Release -v q -nologo >/dev/null
csharp="dotnet bench/torch-training/bin/Release/net10.0/RbpPipeline.Bench.TorchTraining.dll"
python="/usr/bin/python3 bench/torch-training/train.py"

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for threads in 1 2; do
  for round in $(seq "$rounds"); do
    # Neither side may inherit a thread setting from the environment: each sets it explicitly.
    env -u OMP_NUM_THREADS $csharp --threads "$threads" --steps "$steps" | tee -a "$results"
    env -u OMP_NUM_THREADS $python --threads "$threads" --steps "$steps" | tee -a "$results"
  done
done

/usr/bin/python3 - "$results" "$rounds" "$steps" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print()
print(f"ResidualBind training, 41 nt, batch 100, Adam, MSE; {sys.argv[3]} timed steps after 20 warm-up, median of {sys.argv[2]} alternating runs")
print()
print("| threads | C# median (seq/s) | Python median (seq/s) | C# / Python (medians) | C# best | Python best | C# / Python (best) |")
print("|---:|---:|---:|---:|---:|---:|---:|")
for t in sorted({r["threads"] for r in rows}):
    cs = [r["seq_per_s"] for r in rows if r["threads"] == t and r["impl"] == "csharp"]
    py = [r["seq_per_s"] for r in rows if r["threads"] == t and r["impl"] == "python"]
    mc, mp = statistics.median(cs), statistics.median(py)
    print(f"| {t} | {mc:.0f} | {mp:.0f} | {mc / mp:.3f} | {max(cs):.0f} | {max(py):.0f} | {max(cs) / max(py):.3f} |")
PY
