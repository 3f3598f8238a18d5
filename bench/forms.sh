#!/usr/bin/env bash
# forms.sh - every figure the kernel-forms work is judged by, in one run (about 2 minutes on an
# idle 2-core machine):
#
#   bash bench/forms.sh [BUILD_DIR] [SAMPLES] [REPS]     (defaults: build, 2^30, 5)
#
# 1. The machine: CPU model, ISA flags, cores, load average (again before each part).
# 2. The cost of the choices at prepare: the host kernel's variant (hetmc --version: measured,
#    rates of each variant) and the OpenCL form, each with an empty hetmc cache (and PoCL's
#    kernel cache empty, then warm), then cached. Aim: under 0.5 s once, near zero cached.
# 3. bench/device.sh: hetmc opencl, the host kernel (openmp) and the plain kernel on PoCL at 1
#    thread and at all cores, rotating order, best and median, ratios; each form's registers,
#    spills and occupancy on sm_90, gfx90a, gfx1030; SASS per sample on sm_90.
#    Targets: host kernel and hetmc opencl >= 1.0x the plain kernel (aim 1.2x), host >= opencl;
#    sm_90 mulhi <= 30 SASS per sample; every form within the GPU bounds.
# 4. The host kernel's variants (hetmc-kernel-bench, 2^28 samples).
# 5. The default matrix's coexec cell against its parts alone: `hetmc matrix` over openmp,
#    opencl and coexec at 1 and all workers, SAMPLES, 3 repetitions; comparison.csv's
#    coexec_efficiency (target >= 0.9 on a machine with no GPU).
# The caches of hetmc (XDG_CACHE_HOME) and PoCL (POCL_CACHE_DIR) live in a temporary folder;
# nothing of the user's is read or written. Exit 1 when a part fails.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
samples=${2:-2^30}
reps=${3:-5}
status=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hetmc-forms.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
isa() {
  grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' |
    grep -E '^(sse4_2|avx|avx2|fma|avx512[a-z_0-9]*)$' | tr '\n' ' '
}
echo "# bench/forms.sh on $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores," \
  "load average $(load)"
echo "# ISA: $(isa)"
echo "# $("$build/hetmc" --version | grep -E '^git_commit' || true)"

echo "## 2. cost of the choices at prepare (load $(load))"
export XDG_CACHE_HOME=$tmp/xdg POCL_CACHE_DIR=$tmp/pocl
mkdir -p "$POCL_CACHE_DIR"
"$build/hetmc" --version | grep -E '^host_kernel' | sed 's/^/empty cache:  /'
"$build/hetmc" --version | grep -E '^host_kernel:' | sed 's/^/cached:       /'
form() { # what: prints the opencl row's note up to the launches
  "$build/hetmc" run --backend opencl --samples 1e6 --reps 1 --format csv |
    tail -n 1 | grep -o 'kernel hm_mcpi_[^)]*)' | sed "s/^/$1/" || status=1
}
form "opencl, both caches empty:        "
rm -rf "$XDG_CACHE_HOME"
form "opencl, PoCL's cache warm:        "
form "opencl, cached:                   "

echo "## 3. bench/device.sh (load $(load))"
bash bench/device.sh "$build" "$samples" "$reps" cpu | grep -v '^# bench/device.sh' || status=1

echo "## 4. host kernel variants (load $(load))"
"$build/hetmc-kernel-bench" 2^28 3 || status=1

cores=$(nproc)
echo "## 5. coexec cell of the default matrix, $samples samples (load $(load))"
if "$build/hetmc" matrix --backends openmp,opencl,coexec --workers "1,$cores" --samples "$samples" \
    --reps 3 --out "$tmp/m" --quiet >"$tmp/m.log" 2>&1; then
  python3 - "$tmp/m" <<'PY'
import csv, sys
d = sys.argv[1]
print("%-8s %-40s %7s %14s %10s" % ("backend", "device", "workers", "median S/s", "coexec_eff"))
for r in csv.DictReader(open(d + "/comparison.csv")):
    rate = next((r[k] for k in ("samples_per_s",) if r.get(k)), "")
    print("%-8s %-40s %7s %14s %10s" % (r["backend"], r["device"][:40], r["workers"], rate,
                                        r.get("coexec_efficiency", "")))
rows = [r for r in csv.DictReader(open(d + "/runs.csv")) if r["backend"] == "coexec"]
if rows:
    print("coexec parts:", rows[-1]["parts"])
    print("coexec note: ", rows[-1]["note"])
PY
else
  cat "$tmp/m.log"; status=1
fi
echo "# done, load average $(load)"
exit $status
