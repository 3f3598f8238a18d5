#!/usr/bin/env bash
# device.sh - the device kernel's figures, in one run.
#
#   bash bench/device.sh [BUILD_DIR] [SAMPLES] [REPS] [DEVICE]   (defaults: build, 2^30, 5, cpu)
#
# 1. Rate, on an OpenCL device of this machine (DEVICE: a `--device` selector; the CPU through
#    PoCL by default): hetmc's opencl backend, hetmc's host kernel (the openmp backend) on the
#    same cores, and bench/naive.cl, the plain kernel of the same stream (each work-item its own
#    contiguous range of blocks, no bounds check in the loop, Random123's defaults, one total
#    each), in rotating order, best and median, every count checked against the host
#    (build/hetmc-device-bench); once at 1 thread (POCL_MAX_PTHREAD_COUNT=1, 1 host thread) and
#    once on all cores. Targets: hetmc opencl and the host kernel >= 1.0x the plain kernel at
#    both, aim 1.2x; the host kernel >= hetmc opencl.
# 2. GPU forms without a GPU (tests/opencl_portability.sh, tests/gpu_resources.py): each form's
#    registers, spills and occupancy on sm_90 (ptxas -v), gfx90a and gfx1030 (clang-14 + libclc,
#    llc), and the instructions per sample of the AMD counting loops. Bounds: sm_90 <= 32
#    registers, gfx90a <= 64 VGPRs (occupancy 8), no spills.
# 3. SASS for an NVIDIA H100 (sm_90), no GPU needed: the kernels' OpenCL C through clang-14 +
#    libclc to PTX for sm_86 (clang-14's newest), ptxas -arch=sm_90, nvdisasm; then
#    bench/sass_loop.py counts the instructions of the counting loop per sample, for each of
#    hetmc's forms, for the plain kernel, and for the peer: cuRAND's Philox4x32-10, a curand4()
#    loop compiled by nvcc (bench/curand_peer.cu). Target: hetmc's mulhi <= 30.
#    Needs clang-14, llvm-14 and libclc-14 (scripts/setup.sh installs them), the CUDA toolkit
#    (ptxas, nvcc; CUDA_HOME, default /usr/local/cuda) and nvdisasm (the CUDA toolkit's or the
#    PyPI wheel nvidia-cuda-nvdisasm); whatever is missing is named and its lines skipped.
# Prints the machine (CPU model, load average) with the figures; exit 1 if a count is wrong or
# a compile fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
samples=${2:-2^30}
reps=${3:-5}
device=${4:-cpu}
cuda=${CUDA_HOME:-/usr/local/cuda}
status=0
for f in hetmc-device-bench generated/hm_kernel_source.h.flat.cl generated/hm_naive_source.h.flat.cl; do
  [ -e "$build/$f" ] || { echo "device.sh: $build/$f not built (bash scripts/setup.sh)" >&2; exit 2; }
done
export POCL_CACHE_DIR=${POCL_CACHE_DIR:-$build/tests/pocl-cache}
mkdir -p "$POCL_CACHE_DIR"
echo "# bench/device.sh on $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg); $("$build/hetmc" --version | grep -E 'git_commit' | tr '\n' ' ')"
echo "# ISA: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(sse4_2|avx|avx2|fma|avx512[a-z_0-9]*)$' | tr '\n' ' ')"

cores=$(nproc)
echo "## 1a. rate on OpenCL device '$device', $samples samples, 1 thread (load $(cut -d' ' -f1-3 /proc/loadavg))"
POCL_MAX_PTHREAD_COUNT=1 "$build/hetmc-device-bench" "$samples" "$reps" "$device" 1 || status=1
echo "## 1b. rate on OpenCL device '$device', $samples samples, $cores threads (load $(cut -d' ' -f1-3 /proc/loadavg))"
POCL_MAX_PTHREAD_COUNT=$cores "$build/hetmc-device-bench" "$samples" "$reps" "$device" "$cores" || status=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hetmc-sass.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "## 2. GPU forms: registers, spills, occupancy (sm_90, gfx90a, gfx1030), AMD loop instructions per sample"
echo "# bounds for every form: sm_90 <= 32 registers; gfx90a <= 64 VGPRs, occupancy 8; gfx1030 <= 64 VGPRs, occupancy 16; no spills"
if bash tests/opencl_portability.sh "$build/generated/hm_kernel_source.h.flat.cl" "$tmp/kernel" \
    nvptx64-sm_86-O3 amdgcn-gfx90a-O3 amdgcn-gfx1030-O3 >"$tmp/kernel.log"; then
  grep -E '^(sm_90|gfx|SKIP|note)' "$tmp/kernel.log"
else
  rc=$?
  cat "$tmp/kernel.log"
  [ $rc -eq 77 ] || status=1
fi

echo "## 3. SASS instructions per sample of the counting loop, sm_90"
nvdisasm_path() {
  command -v nvdisasm && return
  [ -x "$cuda/bin/nvdisasm" ] && { echo "$cuda/bin/nvdisasm"; return; }
  python3 -c '
import glob, os, sys
try:
    import nvidia
except ImportError:
    sys.exit(1)
for p in nvidia.__path__:
    for f in glob.glob(os.path.join(p, "**", "bin", "nvdisasm"), recursive=True):
        print(f)
        sys.exit(0)
sys.exit(1)' 2>/dev/null
}
nvdisasm=$(nvdisasm_path) || {
  echo "skipped: nvdisasm not found (CUDA toolkit, or: python3 -m pip install nvidia-cuda-nvdisasm)"
  exit $status
}
# count NAME CUBIN KERNEL REFERENCE: disassembles and counts one kernel's loop.
count() {
  "$nvdisasm" -c "$2" >"$tmp/$1.sass" || { echo "$1: nvdisasm failed"; status=1; return; }
  printf '%-16s ' "$1"
  python3 bench/sass_loop.py "$tmp/$1.sass" "$3" "$4" || status=1
}
for k in kernel naive; do
  if [ $k = kernel ] || bash tests/opencl_portability.sh \
      "$build/generated/hm_${k}_source.h.flat.cl" "$tmp/$k" nvptx64-sm_86-O3 >"$tmp/$k.log"; then
    cubin=$tmp/$k/nvptx64-sm_86-O3.sm_90.cubin
    [ -e "$cubin" ] || { echo "skipped: $(grep -m1 'ptxas' "$tmp/$k.log")"; exit $status; }
    if [ $k = kernel ]; then
      for form in mulhi wide plain; do count "hetmc $form" "$cubin" hm_mcpi_$form hm_philox_kat; done
    else
      count "plain kernel" "$cubin" naive_count naive_philox
    fi
  else
    rc=$?
    cat "$tmp/$k.log"
    [ $rc -eq 77 ] || status=1
  fi
done
if [ -x "$cuda/bin/nvcc" ]; then
  if "$cuda/bin/nvcc" -arch=sm_90 -cubin -O3 -o "$tmp/curand.cubin" bench/curand_peer.cu \
      2>"$tmp/nvcc.log"; then
    count "cuRAND (peer)" "$tmp/curand.cubin" curand_count curand_kat
    echo "# cuRAND: $("$cuda/bin/nvcc" --version | tail -n 1)"
  else
    echo "cuRAND: nvcc failed:"; cat "$tmp/nvcc.log"; status=1
  fi
else
  echo "cuRAND (peer): skipped: $cuda/bin/nvcc not found (CUDA toolkit; set CUDA_HOME)"
fi
exit $status
