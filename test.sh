#!/usr/bin/env bash
# Sets everything up (./setup.sh) and runs the whole test suite; ends with the line `N passed, N failed[, N skipped]`
# counted from the TRX result files. Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Torch").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

./setup.sh

RESULTS="$ROOT/TestResults"
rm -rf "$RESULTS"
set +e
dotnet test RbpPipeline.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$RESULTS" \
  --blame-hang-timeout 20m "$@"
status=$?
set -e

# The counts come from the TRX files, not from dotnet test's own summary (which CI does not read).
/usr/bin/python3 "$ROOT/scripts/count_trx.py" "$RESULTS" "$status"
