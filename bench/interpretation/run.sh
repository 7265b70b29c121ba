#!/usr/bin/env bash
# Interpretation benchmark (issue #8), in one process on one trained ResidualBind (101 nt, filters 32, dense 64):
#   - integrated gradients (50 Gauss–Legendre steps, zeros baseline) through an in-process gRPC server
#     (gradient.onnx) against libtorch autograd on the same checkpoint, same thread count; ratio and max |difference|;
#   - a GIA 6-mer scan with dinucleotide-shuffled backgrounds through the server, against the floor
#     4^6 × backgrounds / in-process ONNX Runtime forward throughput.
# The model is trained once into runs/bench-interpretation (reused afterwards). Prints Markdown tables.
# Usage: bench/interpretation/run.sh [threads=1] [backgrounds=1000] [--sequences N --rounds N --max-batch N --floor-seconds S --parts ig,gia --work DIR (BenchOptions.cs)]
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${1:-1}
backgrounds=${2:-1000}
shift $(( $# < 2 ? $# : 2 ))
build_log=$(mktemp)
trap 'rm -f "$build_log"' EXIT
# Other sessions edit the tree: show why a build failed instead of exiting silently.
dotnet build bench/interpretation/RbpPipeline.Bench.Interpretation.csproj -c Release -v q -nologo >"$build_log" 2>&1 \
  || { grep -E 'error|Error' "$build_log" >&2; echo "build failed" >&2; exit 1; }
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), .NET $(dotnet --version)" >&2
# OpenMP (libtorch) and ONNX Runtime get the same thread count; the program also sets both explicitly.
export ORT_DISABLE_TELEMETRY=1 OMP_NUM_THREADS="$threads"
dotnet bench/interpretation/bin/Release/net10.0/RbpPipeline.Bench.Interpretation.dll \
  --threads "$threads" --backgrounds "$backgrounds" "$@"
