#!/usr/bin/env bash
# Parity calibration on real data: trains ResidualBind on the seven CLIP experiments of ../shared/data/clip-ideeps
# (bench/parity/clip-ideeps.yaml: 6,000 records each, 2 epochs; about 30 s per model on one thread), then measures
# every checkpoint's exported graphs against libtorch float32 and a float64 oracle (Program.cs) and prints a Markdown
# table per input count. Usage: bench/parity/run.sh [inputs...] (default: 32 1024; 32 is the gate's own batch).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA="${DATA:-../shared/data/clip-ideeps}"
[[ -d "$DATA" ]] || { echo "bench/parity: no real data at $DATA (set DATA=...)" >&2; exit 2; }
dotnet build src/Cli/RbpPipeline.Cli.csproj -c Release -v q -nologo >/dev/null
dotnet build bench/parity/RbpPipeline.Bench.Parity.csproj -c Release -v q -nologo >/dev/null
./rbp train bench/parity/clip-ideeps.yaml --data "$DATA" --out runs/parity --threads 1 --stage prepare --stage train
export ORT_DISABLE_TELEMETRY=1
for inputs in "${@:-32 1024}"; do
  for n in $inputs; do
    echo; echo "## $n parity inputs"
    INPUTS="$n" dotnet bench/parity/bin/Release/net10.0/RbpPipeline.Bench.Parity.dll runs/parity/*/checkpoint
  done
done
