#!/usr/bin/env bash
# Variant-scoring benchmark: `rbp serve` in one process, `rbp score-variants` in another, on loopback.
# In one run: (1) a synthetic genome (4 chromosomes, 20 Mb, seeded) and VCFs of synthetic SNVs (REF read from the
# genome, so none is skipped); (2) repositories with 1 and with MODELS ResidualBind-shaped models (41 nt, random
# weights, built by bench/server `make-repo`, published under distinct names rb41_01…); (3) score-variants against a
# fresh server for 1 model (VARIANTS SNVs) and for MODELS models (VARIANTS/10 SNVs unless TEN_VARIANTS is set), with
# wall time (variants/s) and the peak RSS of client (/usr/bin/time -v) and server (VmHWM from /proc); (4) just before
# each scoring run, the in-process ONNX Runtime forward throughput of the same models (server's session options, the
# server's batch, same threads) and the floor variants/s = sequences/s / (4 windows × models); (5) the same runs at
# 1/10 of the variants, to check that peak RSS does not grow with the number of variants.
# Both strands are scored (the default): 4 windows (ref+alt × 2 strands) per variant and model, so one client
# request of --batch 512 variants carries 2048 sequences and the server runs it as one batch (--max-batch 2048).
# Usage: bench/variants/run.sh [variants=1000000] [models=10]   (env: TEN_VARIANTS, THREADS=2, SECONDS_FLOOR=10)
# On the 2-core dev VM, `TEN_VARIANTS=20000 bench/variants/run.sh` takes about 12 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
variants=${1:-1000000}
models=${2:-10}
ten_variants=${TEN_VARIANTS:-$((variants / 10))}
threads=${THREADS:-2}
floor_seconds=${SECONDS_FLOOR:-10}
batch=512
windows=4                       # ref + alt, both strands
server_batch=$((batch * windows))

dotnet build src/Cli/RbpPipeline.Cli.csproj -c Release -v q -nologo >/dev/null
dotnet build bench/server/RbpPipeline.Bench.Server.csproj -c Release -v q -nologo >/dev/null
dotnet build bench/variants/RbpPipeline.Bench.Variants.csproj -c Release -v q -nologo >/dev/null
export ORT_DISABLE_TELEMETRY=1
rbp="dotnet src/Cli/bin/Release/net10.0/rbp.dll"
helper="dotnet bench/variants/bin/Release/net10.0/RbpPipeline.Bench.Variants.dll"
make_repo="dotnet bench/server/bin/Release/net10.0/RbpPipeline.Bench.Server.dll make-repo"

work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), .NET $(dotnet --version), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# (1) genome + VCFs (the smaller VCFs are separate seeded draws of the same genome).
t0=$(date +%s.%N)
$helper gen --out "$work/data" --variants "$variants" --seed 1 >&2
for n in $((variants / 10)) "$ten_variants" $((ten_variants / 10)); do
  [ -f "$work/data/v$n.vcf" ] && continue
  $helper gen --out "$work/tmp" --variants "$n" --seed 1 >/dev/null && mv "$work/tmp/variants.vcf" "$work/data/v$n.vcf"
done
mv "$work/data/variants.vcf" "$work/data/v$variants.vcf"
rm -rf "$work/tmp"
echo "# data generated in $(echo "$(date +%s.%N) - $t0" | bc) s" >&2

# (2) repositories: one ResidualBind-shaped model from bench/server, copied under distinct names.
$make_repo "$work/proto" >/dev/null
publish() { # repo name
  mkdir -p "$1/$2/1"
  cp "$work/proto/residualbind/1/model.onnx" "$1/$2/1/"
  sed "s/^name: .*/name: \"$2\"/" "$work/proto/residualbind/config.pbtxt" >"$1/$2/config.pbtxt"
  /usr/bin/python3 - "$work/proto/residualbind/1/manifest.json" "$1/$2/1/manifest.json" "$2" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); m["name"] = sys.argv[3]
json.dump(m, open(sys.argv[2], "w"), indent=2)
PY
}
publish "$work/repo1" rb41_01
names=""
for i in $(seq -f '%02g' 1 "$models"); do publish "$work/repo$models" "rb41_$i"; names="$names,rb41_$i"; done
names=${names#,}
[ "$models" = 1 ] && names=rb41_01

port=50261
start_server() { # repo
  $rbp serve --repo "$1" --port $port --threads "$threads" --max-batch $server_batch --max-delay-ms 2 >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.2
  done
  cat "$work/server.log"; exit 1
}
stop_server() { # prints the server's peak RSS in kB
  grep VmHWM "/proc/$server_pid/status" | awk '{print $2}'
  kill -TERM "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
}

results="$work/results.txt"
floor() { # repo model-list: in-process sequences/s (step 4), measured just before each scoring run so that both see
          # the same machine load (the VM is shared)
  local paths; paths=$(for n in ${2//,/ }; do printf '%s,' "$1/$n/1/model.onnx"; done)
  $helper floor --model "${paths%,}" --batch $server_batch --threads "$threads" --seconds "$floor_seconds" |
    /usr/bin/python3 -c 'import json,sys; print(round(json.load(sys.stdin)["rows_per_s"]))'
}
score() { # label repo model-list n
  local fl; fl=$(floor "$2" "$3")
  start_server "$2"
  local out="$work/out-$1.tsv" t1 t2
  t1=$(date +%s.%N)
  /usr/bin/time -v -o "$work/time-$1.txt" $rbp score-variants --vcf "$work/data/v$4.vcf" --fasta "$work/data/genome.fa" \
    --server "http://127.0.0.1:$port" --models "$3" --out "$out" --batch $batch --in-flight 4 2>"$work/client-$1.log"
  t2=$(date +%s.%N)
  local srss; srss=$(stop_server)
  local crss; crss=$(grep 'Maximum resident set size' "$work/time-$1.txt" | awk '{print $NF}')
  local rows; rows=$(($(wc -l <"$out") - 1))
  echo "$1 $(echo "$3" | tr ',' '\n' | wc -l) $4 $(echo "$t2 - $t1" | bc) $crss $srss $rows $fl" | tee -a "$results" >&2
  grep -iE 'scored|skipped' "$work/client-$1.log" | sed "s/^/#   $1: /" >&2 || true
  rm -f "$out"
}

# (3) + (4) + (5): label models variants seconds client-kB server-kB output-rows floor-sequences/s. The largest run goes
# last so that an interrupted run still leaves the others in the log.
score one-small "$work/repo1" rb41_01 $((variants / 10))
score many-small "$work/repo$models" "$names" $((ten_variants / 10))
score many "$work/repo$models" "$names" "$ten_variants"
score one "$work/repo1" rb41_01 "$variants"
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

/usr/bin/python3 - "$results" "$windows" "$server_batch" "$threads" <<'PY'
import sys
runs = {}
for line in open(sys.argv[1]):
    label, m, n, s, c, srv, rows, fl = line.split()
    runs[label] = dict(models=int(m), n=int(n), s=float(s), client=int(c) / 1024, server=int(srv) / 1024, rows=int(rows), floor=float(fl))
w = int(sys.argv[2])
print(f"\nfloor: in-process ONNX Runtime, batch {sys.argv[3]}, {sys.argv[4]} intra-op threads, measured just before each run; "
      f"floor variants/s = sequences/s / ({w} windows × models)")
print(f"\n| run | models | SNVs | wall s | variants/s | floor sequences/s | floor variants/s | × floor | client peak RSS MB | server peak RSS MB |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for label in ["one", "one-small", "many", "many-small"]:
    if label not in runs: continue
    r = runs[label]
    f = r["floor"] / (w * r["models"])
    v = r["n"] / r["s"]
    assert r["rows"] == r["n"] * r["models"], (label, r)
    print(f"| {label} | {r['models']} | {r['n']:,} | {r['s']:.1f} | {v:,.0f} | {r['floor']:,.0f} | {f:,.0f} | {v / f:.2f} | {r['client']:.0f} | {r['server']:.0f} |")
for big, small in [("one", "one-small"), ("many", "many-small")]:
    if big in runs and small in runs:
        a, b = runs[big], runs[small]
        print(f"RSS {small} → {big} ({b['n']:,} → {a['n']:,} SNVs): client {b['client']:.0f} → {a['client']:.0f} MB, server {b['server']:.0f} → {a['server']:.0f} MB")
PY
