#!/usr/bin/env bash
# RBP-ADDA benchmark: the three stages without ADDA (the same-run baseline), with ADDA at the paper's rates and at
# D 5e-4 / Mt 1e-4, and with each augmentation operator (1 position, every sequence), on the synthetic in-vitro /
# in-vivo pair and on the HNRNPC fixture; prints per-stage held-out Pearson of both domains as Markdown tables.
# With "--only gap" it prints instead, per seed, source-only / RBP-ADDA / target-oracle target Pearson (and ablations)
# on the shifted pair (DomainShiftGenerator.GenerateShifted) and the HNRNPC fixture (GapBenchmark.cs).
# Usage: bench/adda/run.sh [shared-data-root=../shared/data] [extra Program options, e.g. --scale 0.3 --adversarial 300]
# Environment: THREADS (default 1; on a loaded 2-core box 2 threads can be slower).
# Progress lines go to stderr, the tables to stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(realpath -m "${1:-../shared/data}")
shift || true
threads=${THREADS:-1}

dotnet build bench/adda/RbpPipeline.Bench.Adda.csproj -c Release -v q -nologo >/dev/null

echo "bench/adda: shared data $root, $threads thread(s)" >&2
dotnet bench/adda/bin/Release/net10.0/RbpPipeline.Bench.Adda.dll --shared "$root" --threads "$threads" "$@"
