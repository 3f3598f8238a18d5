#!/usr/bin/env bash
# forkserver.sh - why a fork server: start-up of fork against forkserver, before and after the
# process has loaded OpenCL (PoCL: its threads and its large mappings) and run OpenMP's team.
#
#   bash bench/forkserver.sh [HETMC] [REPS]      (defaults: build/hetmc, 15)
#
# Runs `hetmc matrix --backends fork,forkserver` and then `--backends openmp,opencl,fork,
# forkserver` (the matrix runs backends in the order given) at 2 workers and 2^12 samples, REPS
# timed repetitions each, and prints the median setup_s (request or fork until every worker
# computes) of fork and forkserver in each, and their ratio: fork copies whatever the process
# has become, the fork server stays the small single-threaded process it was at the start.
set -euo pipefail
hetmc=${1:-build/hetmc}
reps=${2:-15}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export POCL_CACHE_DIR=${POCL_CACHE_DIR:-$tmp/pocl}
mkdir -p "$POCL_CACHE_DIR"

median_setup() { # FILE BACKEND: the median setup_s (column 15) of its ok rows, in ms
  awk -F, -v b="$2" 'NR > 1 && $4 == b && $10 == "ok" { print $15 * 1e3 }' "$1" | sort -g |
    awk '{ v[++n] = $1 } END { if (!n) print "nan"; else printf "%.3f\n", n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'
}
echo "# bench/forkserver.sh: 2 workers, 2^12 samples, $reps reps; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-34s %14s %18s %8s\n" "before fork and forkserver" "fork setup ms" "forkserver setup ms" "ratio"
for before in "" "openmp,opencl,"; do
  "$hetmc" matrix --backends "${before}fork,forkserver" --workers 2 --samples 2^12 --reps "$reps" \
    --out "$tmp/m" --quiet >/dev/null
  f=$(median_setup "$tmp/m/runs.csv" fork)
  s=$(median_setup "$tmp/m/runs.csv" forkserver)
  printf "%-34s %14s %18s %8s\n" "${before:-nothing}" "$f" "$s" \
    "$(awk -v f="$f" -v s="$s" 'BEGIN { printf (s > 0 ? "%.2fx" : "-"), f / s }')"
  rm -rf "$tmp/m"
done
