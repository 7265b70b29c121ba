#!/usr/bin/env bash
# Variant scoring over several replicas (issue #14): `rbp score-variants` against ONE `rbp serve` pinned to core 0
# (`taskset -c 0`) and against TWO, pinned to cores 0 and 1, on the same VCF, model and settings; the client is not
# pinned. Runs alternate (one, two, one, two, …) so that both see the same machine load, and the ratio of the median
# wall times is printed. The outputs of every run must be byte-identical (checked).
# Usage: bench/variants/replicas.sh [variants=20000] [rounds=2]
set -euo pipefail
cd "$(dirname "$0")/../.."
variants=${1:-20000}
rounds=${2:-2}
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
dotnet bench/server/bin/Release/net10.0/RbpPipeline.Bench.Server.dll make-repo "$work/repo" >/dev/null

# One replica per core, each with one ONNX Runtime thread and the server batch the client's batches fill.
for core in 0 1; do
  port=$((50361 + core))
  taskset -c "$core" $rbp serve --repo "$work/repo" --port "$port" --threads 1 --max-batch 2048 --max-delay-ms 2 >"$work/serve$core.log" 2>&1 &
  pids+=($!)
done
for port in 50361 50362; do
  for _ in $(seq 150); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done
done

score() { # label servers...
  local label=$1; shift
  local args=() t0 t1
  for s in "$@"; do args+=(--server "$s"); done
  t0=$(date +%s.%N)
  $rbp score-variants --vcf "$work/data/variants.vcf" --fasta "$work/data/genome.fa" --out "$work/$label.tsv" --batch 512 "${args[@]}" 2>"$work/$label.log"
  t1=$(date +%s.%N)
  echo "$label $(echo "$t1 - $t0" | bc)" | tee -a "$work/times.txt" >&2
}

score warmup http://127.0.0.1:50361 http://127.0.0.1:50362
for r in $(seq "$rounds"); do
  score "one-$r" http://127.0.0.1:50361
  score "two-$r" http://127.0.0.1:50361 http://127.0.0.1:50362
done
for f in "$work"/one-*.tsv "$work"/two-*.tsv; do cmp -s "$f" "$work/one-1.tsv" || { echo "$f differs from one-1.tsv" >&2; exit 1; }; done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

/usr/bin/python3 - "$work/times.txt" "$variants" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    label, s = line.split()
    if label != "warmup": runs.setdefault(label.split("-")[0], []).append(float(s))
n = int(sys.argv[2])
one, two = statistics.median(runs["one"]), statistics.median(runs["two"])
print(f"| replicas (pinned, 1 core each) | runs | median wall s | variants/s |")
print(f"|---|---:|---:|---:|")
print(f"| 1 (core 0) | {len(runs['one'])} | {one:.1f} | {n / one:,.0f} |")
print(f"| 2 (cores 0, 1) | {len(runs['two'])} | {two:.1f} | {n / two:,.0f} |")
print(f"ratio two/one: {one / two:.2f}x (outputs byte-identical)")
PY
