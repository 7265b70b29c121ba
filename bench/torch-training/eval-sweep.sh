#!/usr/bin/env bash
# Evaluation batch size sweep: eval-mode forward without gradients (what evaluation and prediction do) of
# ResidualBind (41 nt) through TorchSharp, about the same number of sequences per run for every batch size; rounds
# alternate over the sizes so that a shared machine's load falls on all of them. Prints the median and best seq/s
# per batch size and thread count as a Markdown table.
# Usage: bench/torch-training/eval-sweep.sh [rounds=3] [sequences per run=20000] [sizes="32 64 100 128 256 512 1024"] [threads="1 2"]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
sequences=${2:-20000}
sizes=${3:-32 64 100 128 256 512 1024}
threads=${4:-1 2}

dotnet build bench/torch-training/RbpPipeline.Bench.TorchTraining.csproj -c Release -v q -nologo >/dev/null
csharp="dotnet bench/torch-training/bin/Release/net10.0/RbpPipeline.Bench.TorchTraining.dll"
results=$(mktemp)
trap 'rm -f "$results"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for t in $threads; do
  for round in $(seq "$rounds"); do
    for b in $sizes; do
      steps=$(( (sequences + b - 1) / b ))
      env -u OMP_NUM_THREADS $csharp --threads "$t" --batch "$b" --eval 1 --steps "$steps" --warmup 3 | tee -a "$results" >&2
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

/usr/bin/python3 - "$results" "$rounds" "$sequences" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print(f"Eval-mode forward (no gradients), ResidualBind 41 nt, ~{sys.argv[3]} sequences per run, median of {sys.argv[2]} alternating rounds")
print()
print("| threads | batch | median (seq/s) | best (seq/s) |")
print("|---:|---:|---:|---:|")
for t in sorted({r["threads"] for r in rows}):
    for b in sorted({r["batch"] for r in rows if r["threads"] == t}):
        v = [r["seq_per_s"] for r in rows if r["threads"] == t and r["batch"] == b]
        print(f"| {t} | {b} | {statistics.median(v):.0f} | {max(v):.0f} |")
PY
