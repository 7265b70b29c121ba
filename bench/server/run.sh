#!/usr/bin/env bash
# Inference server benchmark: `rbp serve` in one process, the benchmark client (bench/server) in another, on
# loopback. Measures, in one run: in-process ONNX Runtime at batch 256 (the baseline, same intra-op threads),
# unary Predict with batches of 256, PredictStream with batches of 256, latency at low load, and 64 concurrent
# clients sending one sequence each, with dynamic batching on and off (--max-batch 1). The model is
# ResidualBind-shaped (random weights) unless REPO points at an exported repository with a `residualbind` model.
# Usage: [RBP_DLL=path/to/rbp.dll] bench/server/run.sh [seconds=5] [threads=1]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-5}
threads=${2:-1}

# RBP_DLL runs another build's server (e.g. RBP_DLL=/work/main/src/Cli/bin/Release/net10.0/rbp.dll to compare
# against a checkout of main) with this checkout's benchmark client.
[ -n "${RBP_DLL:-}" ] || dotnet build src/Cli/RbpPipeline.Cli.csproj -c Release -v q -nologo >/dev/null
dotnet build bench/server/RbpPipeline.Bench.Server.csproj -c Release -v q -nologo >/dev/null
rbp="dotnet ${RBP_DLL:-src/Cli/bin/Release/net10.0/rbp.dll}"
bench="dotnet bench/server/bin/Release/net10.0/RbpPipeline.Bench.Server.dll"

work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
repo=${REPO:-$work/models}
[ -n "${REPO:-}" ] || $bench make-repo "$repo" >/dev/null

start_server() { # port metrics-port extra-args...
  local port=$1 metrics=$2; shift 2
  $rbp serve --repo "$repo" --port "$port" --metrics-port "$metrics" --threads "$threads" "$@" >"$work/server-$port.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.2
  done
  cat "$work/server-$port.log"; exit 1
}
stop_server() { kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""; }

results="$work/results.jsonl"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), .NET $(dotnet --version)" >&2

start_server 50151 9151 --max-batch 256 --max-delay-ms 2
$bench run --server http://127.0.0.1:50151 --repo "$repo" --seconds "$seconds" --threads "$threads" --label batching | tee -a "$results"
curl -s http://127.0.0.1:9151/metrics | grep -E '^rbp_batch_size_(sum|count)' | sed 's/^/# batching server: /' >&2
stop_server

start_server 50152 9152 --max-batch 1 --max-delay-ms 0
$bench run --server http://127.0.0.1:50152 --repo "$repo" --seconds "$seconds" --threads "$threads" --parts small --label no-batching | tee -a "$results"
stop_server

/usr/bin/python3 - "$results" "$threads" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
get = lambda test, label="batching": next(r["result"] for r in rows if r["test"] == test and r["label"] == label)
base = get("inproc_batch256")["rows_per_s"]
print(f"\n| measurement (threads {sys.argv[2]}) | sequences/s | × in-process |")
print("|---|---:|---:|")
print(f"| in-process ONNX Runtime, batch 256 | {base:,.0f} | 1.00 |")
for test, name in [("unary_batch256_c1", "unary Predict, 256 per call, 1 call at a time"),
                   ("unary_batch256_c2", "unary Predict, 256 per call, 2 concurrent calls"),
                   ("stream_batch256", "PredictStream, 256 per message, 4 in flight")]:
    v = get(test)["rows_per_s"]
    print(f"| {name} | {v:,.0f} | {v / base:.2f} |")
print("\n| latency at low load (one call at a time) | p50 ms | p99 ms |")
print("|---|---:|---:|")
for size in (1, 256):
    r = get(f"latency_unary_{size}")
    print(f"| unary Predict, {size} sequence(s) | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} |")
print("\n| 64 concurrent clients, 1 sequence per call | sequences/s | p50 ms | p99 ms |")
print("|---|---:|---:|---:|")
for label, name in [("batching", "dynamic batching (max 256, 2 ms)"), ("no-batching", "no batching (--max-batch 1)")]:
    r = get("small_c64", label)
    print(f"| {name} | {r['rows_per_s']:,.0f} | {r['latency']['p50_ms']:.2f} | {r['latency']['p99_ms']:.2f} |")
PY
