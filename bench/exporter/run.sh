#!/usr/bin/env bash
# Exporter benchmark: ONNX Runtime (model.onnx, gradient.onnx) against libtorch (eval forward, forward + backward to
# the input) for ResidualBind at 41 and 101 nt, batches 1/64/256/1024, in one process; prints a Markdown table.
# Usage: bench/exporter/run.sh [rounds=3] [seconds-per-measurement=1.0]; THREADS=1|2 (default 1) for both engines.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build bench/exporter/RbpPipeline.Bench.Exporter.csproj -c Release -v q -nologo >/dev/null
export ORT_DISABLE_TELEMETRY=1 OMP_NUM_THREADS="${THREADS:-1}"
dotnet bench/exporter/bin/Release/net10.0/RbpPipeline.Bench.Exporter.dll "$@"
