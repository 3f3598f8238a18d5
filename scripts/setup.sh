#!/usr/bin/env bash
# setup.sh - installs what hetmc needs on Debian 12 (only what is missing) and builds it.
#
#   bash scripts/setup.sh [BUILD_DIR] [extra cmake -D options...]
#
# Safe to run twice: packages already installed are skipped, apt-get update runs only when
# something is missing, and the build is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${1:-build}
shift || true

# Debian packages, one per need:
#   build: compiler, cmake, git (for provenance), Random123 (the generator)
#   opencl: ICD loader + headers, PoCL (OpenCL on the CPU), clinfo, oclgrind (kernel checker);
#           clang 14, LLVM 14 tools, lld 14 and libclc 14 (OpenCL built-ins for NVIDIA and AMD
#           GPUs) to compile the kernel for GPUs without one (tests/opencl_portability.sh)
#   bench: Google Benchmark and a C++ compiler for its shim
#   mpi: Open MPI; Slurm and munge for tests/slurm.sh (a one-node Slurm started by the test),
#        iproute2 for tests/multihost.sh (two hosts as network namespaces)
#   plots: matplotlib for scripts/plot.py and scripts/report.py
#   lesson: numba for bench/lesson.py's numba variants
#   report test: Chromium renders the report page headless (tests/lesson_report.sh)
#   aarch64: the cross compiler, its C library and qemu-user, to build hetmc for 64-bit ARM and
#            run its tests under emulation (cmake/aarch64-linux-gnu.cmake, scripts/test.sh)
PACKAGES=(
  gcc g++ make cmake git pkg-config librandom123-dev
  ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo oclgrind
  clang-14 llvm-14 lld-14 libclc-14
  libbenchmark-dev
  openmpi-bin libopenmpi-dev slurm-wlm munge iproute2
  python3 python3-matplotlib python3-numpy python3-pandas python3-jsonschema groff-base man-db
  python3-numba
  chromium
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all ${#PACKAGES[@]} Debian packages present"
fi

# nvdisasm (NVIDIA's disassembler) for bench/device.sh's SASS counts: from the CUDA toolkit when
# it has one, else the PyPI wheel; only that benchmark needs it, so failing here is a warning.
if [ -x "${CUDA_HOME:-/usr/local/cuda}/bin/ptxas" ] && ! command -v nvdisasm >/dev/null &&
   [ ! -x "${CUDA_HOME:-/usr/local/cuda}/bin/nvdisasm" ] &&
   ! python3 -c 'import glob, nvidia, sys; sys.exit(not any(glob.glob(p + "/**/bin/nvdisasm", recursive=True) for p in nvidia.__path__))' 2>/dev/null; then
  echo "setup: installing nvdisasm (pip: nvidia-cuda-nvdisasm)"
  python3 -m pip install -q nvidia-cuda-nvdisasm ||
    echo "setup: warning: could not install nvidia-cuda-nvdisasm; bench/device.sh skips its SASS counts" >&2
fi

cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
echo "setup: built $BUILD_DIR/hetmc"
