#!/usr/bin/env bash
# Server memory benchmark: peak resident memory (VmHWM) of the inference server's ONNX Runtime sessions with 1 and
# with MODELS models loaded, for each memory setting of src/Onnx/Runtime/SessionMemory.cs, each configuration in a
# fresh process (and with 4 and MODELS models from 4 threads). Sessions come from the server's own OnnxSessionFactory (the server's session options, --threads 2),
# the model is bench/server's ResidualBind-shaped graph (41 nt, random weights), every model runs batches of 2048
# sequences (bench/variants' server batch) ROUNDS times, round-robin, from 1 and from 4 threads (at most one run per
# model at a time, like the server's one worker per model). Prints a table: MiB per extra model =
# (peak with MODELS − peak with T models) / (MODELS − T) for T threads (T models are the least that keep T threads
# busy), and that figure and the peak as ratios of ONNX Runtime's default (PerSessionArena) in the same run.
# Usage: bench/server-memory/run.sh [models=10] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
models=${1:-10}
rounds=${2:-3}

dotnet build bench/server/RbpPipeline.Bench.Server.csproj -c Release -v q -nologo >/dev/null
dotnet build bench/server-memory/RbpPipeline.Bench.ServerMemory.csproj -c Release -v q -nologo >/dev/null
export ORT_DISABLE_TELEMETRY=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet bench/server/bin/Release/net10.0/RbpPipeline.Bench.Server.dll make-repo "$work/repo" >/dev/null
model="$work/repo/residualbind/1/model.onnx"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), .NET $(dotnet --version), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

for concurrency in 1 4; do
  for memory in PerSessionArena SharedArena SharedArenaWithMemoryPattern NoArena; do
    for n in "$concurrency" "$models"; do # the first `concurrency` models are the floor: they all run at once
      dotnet bench/server-memory/bin/Release/net10.0/RbpPipeline.Bench.ServerMemory.dll --model "$model" --models "$n" \
        --memory "$memory" --rounds "$rounds" --concurrency "$concurrency" --threads 2 | tee -a "$work/results.jsonl" >&2
    done
  done
done

/usr/bin/python3 - "$work/results.jsonl" "$models" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
models = int(sys.argv[2])
peak = {(r["memory"], r["models"], r["concurrency"]): r for r in rows}
print("| memory setting | threads running models (T) | peak RSS, T models (MiB) | peak RSS, %d models (MiB) | MiB per extra model | × default (per extra model) | × default (peak, %d models) |" % (models, models))
print("|---|---:|---:|---:|---:|---:|---:|")
for c in sorted({r["concurrency"] for r in rows}):
    base = None
    for memory in ["PerSessionArena", "SharedArena", "SharedArenaWithMemoryPattern", "NoArena"]:
        floor, many = peak[(memory, c, c)], peak[(memory, models, c)]
        per_model = (many["peak_rss_mib"] - floor["peak_rss_mib"]) / (models - c)
        if base is None: base = (per_model, many["peak_rss_mib"])
        print("| %s | %d | %.0f | %.0f | %.1f | %.3f | %.2f |" % (memory, c, floor["peak_rss_mib"], many["peak_rss_mib"],
              per_model, per_model / base[0], many["peak_rss_mib"] / base[1]))
PY
