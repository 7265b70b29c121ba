#!/usr/bin/env bash
# Variant scoring over several replicas (issue #14): `rbp score-variants` against ONE `rbp serve` pinned to core 0
# (`taskset -c 0`) and against TWO, pinned to cores 0 and 1, on the same VCF, model and settings; the client is not
# pinned. Runs alternate (one, two, one, two, …) so that both see the same machine load, and the ratio of the median
# wall times is printed, with the CPU seconds each replica spent per run (from /proc: shows the spreading even when a
# busy machine gives the replicas less than a core each). The outputs of every run must be byte-identical (checked).
# MODELS copies of the bench/server ResidualBind-shaped model (41 nt) are scored, so that the replicas' forward passes
# outweigh the client's share of the two cores (cutting windows, protobuf, formatting), as with real model sets.
# Usage: bench/variants/replicas.sh [variants=20000] [rounds=2]   (env: MODELS=4)
set -euo pipefail
cd "$(dirname "$0")/../.."
variants=${1:-20000}
rounds=${2:-2}
models=${MODELS:-4}
[ "$(nproc)" -ge 2 ] || { echo "needs 2 cores (found $(nproc))" >&2; exit 1; }
command -v taskset >/dev/null || { echo "taskset (util-linux) is required" >&2; exit 1; }

dotnet build src/Cli/RbpPipeline.Cli.csproj -c Release -v q -nologo >/dev/null
dotnet build bench/server/RbpPipeline.Bench.Server.csproj -c Release -v q -nologo >/dev/null
dotnet build bench/variants/RbpPipeline.Bench.Variants.csproj -c Release -v q -nologo >/dev/null
export ORT_DISABLE_TELEMETRY=1
rbp="dotnet src/Cli/bin/Release/net10.0/rbp.dll"

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), .NET $(dotnet --version), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

dotnet bench/variants/bin/Release/net10.0/RbpPipeline.Bench.Variants.dll gen --out "$work/data" --variants "$variants" --seed 1 >/dev/null
dotnet bench/server/bin/Release/net10.0/RbpPipeline.Bench.Server.dll make-repo "$work/proto" >/dev/null
for i in $(seq -f '%02g' 1 "$models"); do # the same graph under distinct names, as bench/variants/run.sh publishes them
  mkdir -p "$work/repo/rb41_$i/1"
  cp "$work/proto/residualbind/1/model.onnx" "$work/repo/rb41_$i/1/"
  sed "s/^name: .*/name: \"rb41_$i\"/" "$work/proto/residualbind/config.pbtxt" >"$work/repo/rb41_$i/config.pbtxt"
  /usr/bin/python3 - "$work/proto/residualbind/1/manifest.json" "$work/repo/rb41_$i/1/manifest.json" "rb41_$i" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); m["name"] = sys.argv[3]
json.dump(m, open(sys.argv[2], "w"), indent=2)
PY
done

# One replica per core, each with one ONNX Runtime thread and the server batch the client's batches fill.
for core in 0 1; do
  port=$((50361 + core))
  taskset -c "$core" $rbp serve --repo "$work/repo" --port "$port" --no-web --threads 1 --max-batch 2048 --max-delay-ms 2 >"$work/serve$core.log" 2>&1 &
  pids+=($!)
done
for port in 50361 50362; do
  for _ in $(seq 150); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done
done

cpu() { awk '{print ($14 + $15) / 100}' "/proc/$1/stat"; } # user + system seconds of a process
score() { # label servers...
  local label=$1; shift
  local args=() t0 t1 a0 b0
  for s in "$@"; do args+=(--server "$s"); done
  a0=$(cpu "${pids[0]}"); b0=$(cpu "${pids[1]}")
  t0=$(date +%s.%N)
  $rbp score-variants --vcf "$work/data/variants.vcf" --fasta "$work/data/genome.fa" --out "$work/$label.tsv" --batch 512 "${args[@]}" 2>"$work/$label.log"
  t1=$(date +%s.%N)
  echo "$label $(echo "$t1 - $t0" | bc) $(echo "$(cpu "${pids[0]}") - $a0" | bc) $(echo "$(cpu "${pids[1]}") - $b0" | bc)" | tee -a "$work/times.txt" >&2
}

score warmup http://127.0.0.1:50361 http://127.0.0.1:50362
for r in $(seq "$rounds"); do
  score "one-$r" http://127.0.0.1:50361
  score "two-$r" http://127.0.0.1:50361 http://127.0.0.1:50362
done
for f in "$work"/one-*.tsv "$work"/two-*.tsv; do cmp -s "$f" "$work/one-1.tsv" || { echo "$f differs from one-1.tsv" >&2; exit 1; }; done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

/usr/bin/python3 - "$work/times.txt" "$variants" "$models" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    label, s, c0, c1 = line.split()
    if label != "warmup": runs.setdefault(label.split("-")[0], []).append((float(s), float(c0), float(c1)))
n = int(sys.argv[2])
med = lambda kind, i: statistics.median(r[i] for r in runs[kind])
one, two = med("one", 0), med("two", 0)
print(f"| replicas (pinned, 1 core each) | runs | median wall s | variants/s | replica CPU s (core 0 / core 1) | replica CPU share of wall |")
print(f"|---|---:|---:|---:|---:|---:|")
for kind, name in [("one", "1 (core 0)"), ("two", "2 (cores 0, 1)")]:
    w, c0, c1 = med(kind, 0), med(kind, 1), med(kind, 2)
    print(f"| {name} | {len(runs[kind])} | {w:.1f} | {n / w:,.0f} | {c0:.1f} / {c1:.1f} | {(c0 + c1) / w:.2f} cores |")
print(f"ratio two/one: {one / two:.2f}x ({n:,} SNVs x {sys.argv[3]} models, both strands; outputs byte-identical)")
PY
