#!/usr/bin/env bash
# Sets everything up (./setup.sh) and runs the main job end to end on the embedded synthetic data (`rbp demo`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
./setup.sh
exec ./rbp demo "$@"
