#!/usr/bin/env bash
# opencl_portability.sh FLAT_CL [OUTDIR [TARGET...]] - the baked kernel compiled for GPUs this machine does
# not have, the way their drivers' compilers see it:
#   nvptx64 (NVIDIA): OpenCL C -> LLVM (clang-14) -> linked with libclc -> PTX for sm_70 and
#     sm_86 (clang-14's newest), each assembled by ptxas for sm_90 (H100) when the CUDA toolkit
#     is there;
#   amdgcn (AMD): the same for gfx90a (MI200) and gfx1030 (RDNA2), linked into a code object.
# Each at -O0 (a driver compiling without optimisation) and -O3, with warnings as errors, and no
# function may be left undefined once libclc is linked: Random123's default OpenCL settings
# fail that at -O0 (`ptxas fatal: Unresolved extern function 'mulhilo32'`).
# At -O3 every form of the counting kernel (hm_mcpi_*, each one the tuner may pick on a GPU)
# must fit: on sm_90 (ptxas -v) at most 32 registers and no spills; on gfx90a at most 64 VGPRs
# (AGPRs included), occupancy 8, no spills or scratch; on gfx1030 at most 64 VGPRs, occupancy
# 16. tests/gpu_resources.py prints each kernel's figures (and the instructions per sample of
# the AMD counting loops) and fails a target whose kernels do not fit.
# FLAT_CL is the build's generated/hm_kernel_source.h.flat.cl (any flattened OpenCL C works).
# OUTDIR keeps what was built (bench/device.sh reads nvptx64-sm_86-O3.ptx); default: a temp dir.
# TARGETs (e.g. nvptx64-sm_86-O3) build only those; default: all eight.
# A target whose tools are absent is skipped, saying which; exit 77 (skipped) only when every
# target was, 1 when any compile fails.
set -u
flat=${1:?usage: opencl_portability.sh FLAT_CL [OUTDIR [TARGET...]]}
out=${2:-}
targets=" ${*:3} "
[ -r "$flat" ] || { echo "FAIL: $flat not found (build hetmc first)"; exit 1; }
if [ -z "$out" ]; then
  out=$(mktemp -d "${TMPDIR:-/tmp}/hetmc-port.XXXXXX")
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"
v=14
clc=${LIBCLC_DIR:-/usr/lib/clc}
ptxas=${PTXAS:-$(command -v ptxas || echo "${CUDA_HOME:-/usr/local/cuda}/bin/ptxas")}
ran=0 fail=0
resources=$(dirname "$0")/gpu_resources.py

want() { [ "$targets" = "  " ] || [[ $targets == *" $1 "* ]]; }

missing() { # tools...: prints the first one not found
  for t in "$@"; do command -v "$t" >/dev/null 2>&1 || [ -x "$t" ] || { echo "$t"; return; }; done
}

# front TRIPLE CPU OPT NAME: OpenCL C -> LLVM bitcode linked with libclc; no undefined function.
front() {
  local triple=$1 cpu=$2 opt=$3 name=$4 lib=$5 log=$out/$4.log
  if ! clang-$v -x cl -cl-std=CL1.2 -target "$triple" ${cpu:+-mcpu=$cpu} -nogpulib \
      -Xclang -finclude-default-header "-O$opt" -Werror -emit-llvm -c "$flat" \
      -o "$out/$name.bc" 2>"$log"; then
    echo "FAIL $name: clang-$v:"; cat "$log"; return 1
  fi
  llvm-link-$v --only-needed "$out/$name.bc" "$lib" -o "$out/$name.linked.bc" 2>"$log" ||
    { echo "FAIL $name: llvm-link-$v:"; cat "$log"; return 1; }
  local undef
  undef=$(llvm-nm-$v -u "$out/$name.linked.bc" | awk '{print $NF}' | tr '\n' ' ')
  [ -z "$undef" ] || { echo "FAIL $name: unresolved after linking libclc: $undef"; return 1; }
  if [ "$opt" != 0 ]; then
    opt-$v "-O$opt" "$out/$name.linked.bc" -o "$out/$name.linked.bc" 2>"$log" ||
      { echo "FAIL $name: opt-$v:"; cat "$log"; return 1; }
  fi
}

nvptx() { # SM OPT
  local name=nvptx64-$1-O$2 log
  log=$out/$name.log
  front nvptx64-unknown-nvidiacl "" "$2" "$name" "$clc/nvptx64--nvidiacl.bc" || return 1
  llc-$v "-O$2" -mcpu="$1" "$out/$name.linked.bc" -o "$out/$name.ptx" 2>"$log" ||
    { echo "FAIL $name: llc-$v:"; cat "$log"; return 1; }
  if grep -q '\.extern \.func' "$out/$name.ptx"; then
    echo "FAIL $name: the PTX calls functions it does not define:"
    grep '\.extern \.func' "$out/$name.ptx"; return 1
  fi
  local note="ptxas not found (CUDA toolkit): PTX not assembled"
  if [ -x "$ptxas" ]; then
    "$ptxas" -arch=sm_90 -v "$out/$name.ptx" -o "$out/$name.sm_90.cubin" 2>"$log" ||
      { echo "FAIL $name: ptxas -arch=sm_90:"; cat "$log"; return 1; }
    note="ptxas -arch=sm_90 ok"
    if [ "$2" != 0 ]; then
      python3 "$resources" ptxas sm_90 "$log" 32 || { echo "FAIL $name: a form does not fit"; return 1; }
    fi
  fi
  echo "ok   $name: $(grep -c '^\.entry\|^\.visible \.entry' "$out/$name.ptx") kernels, no unresolved function, $note"
}

amdgcn() { # GPU OPT MIN_OCCUPANCY
  local name=amdgcn-$1-O$2 log
  log=$out/$name.log
  front amdgcn-unknown-amdhsa "$1" "$2" "$name" "$clc/amdgcn--amdhsa.bc" || return 1
  if [ "$2" != 0 ]; then
    llc-$v "-O$2" -mtriple=amdgcn-unknown-amdhsa -mcpu="$1" "$out/$name.linked.bc" \
      -o "$out/$name.s" 2>"$log" || { echo "FAIL $name: llc-$v:"; cat "$log"; return 1; }
    python3 "$resources" amdgcn "$1" "$out/$name.s" 64 "$3" ||
      { echo "FAIL $name: a form does not fit"; return 1; }
  fi
  llc-$v "-O$2" -mtriple=amdgcn-unknown-amdhsa -mcpu="$1" -filetype=obj \
    "$out/$name.linked.bc" -o "$out/$name.o" 2>"$log" ||
    { echo "FAIL $name: llc-$v:"; cat "$log"; return 1; }
  ld.lld-$v -shared --no-undefined "$out/$name.o" -o "$out/$name.co" 2>"$log" ||
    { echo "FAIL $name: ld.lld-$v:"; cat "$log"; return 1; }
  echo "ok   $name: code object linked with no undefined symbol"
}

tools=$(missing clang-$v llvm-link-$v llvm-nm-$v opt-$v llc-$v)
if [ -n "$tools" ]; then
  echo "SKIP nvptx64 and amdgcn: $tools not found (Debian: clang-$v llvm-$v)"
else
  if [ -r "$clc/nvptx64--nvidiacl.bc" ]; then
    [ -x "$ptxas" ] || echo "note: ptxas not found ($ptxas): PTX is checked, not assembled"
    for sm in sm_70 sm_86; do
      for o in 0 3; do
        want "nvptx64-$sm-O$o" || continue
        nvptx $sm $o || fail=1
        ran=$((ran + 1))
      done
    done
  else
    echo "SKIP nvptx64: libclc for nvptx64 not found ($clc/nvptx64--nvidiacl.bc; Debian: libclc-$v)"
  fi
  if [ ! -r "$clc/amdgcn--amdhsa.bc" ]; then
    echo "SKIP amdgcn: libclc for amdgcn not found ($clc/amdgcn--amdhsa.bc; Debian: libclc-$v)"
  elif [ -n "$(missing ld.lld-$v)" ]; then
    echo "SKIP amdgcn: ld.lld-$v not found (Debian: lld-$v)"
  else
    for gpu in gfx90a:8 gfx1030:16; do
      for o in 0 3; do
        want "amdgcn-${gpu%:*}-O$o" || continue
        amdgcn "${gpu%:*}" $o "${gpu#*:}" || fail=1
        ran=$((ran + 1))
      done
    done
  fi
fi
[ $fail -eq 0 ] || exit 1
[ $ran -gt 0 ] || exit 77
echo "$ran builds ok"
