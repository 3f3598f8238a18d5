#!/usr/bin/env bash
# mpi_scaling.sh - strong and weak scaling of the mpi backend, 1 to N ranks, in one CSV.
#
#   bash scripts/mpi_scaling.sh [--max-ranks N] [--samples TOTAL] [--per-rank N] [--workers T]
#                               [--reps R] [--device D] [--out DIR] [--hetmc PATH]
#
#   strong  the total is fixed (--samples, default 2^30): ideal wall time falls as 1/ranks;
#           speedup = median wall(1 rank) / median wall(R), efficiency = speedup / R
#   weak    the samples per rank are fixed (--per-rank, default 2^28; R ranks count R times as
#           many): ideal wall time stays flat; efficiency = median wall(1) / median wall(R)
#
# Every point is `mpirun -np R hetmc run --backend mpi --format csv` (one untimed warm-up, then
# R timed repetitions, every count validated). The rows go to DIR/scaling.csv: hetmc's columns,
# then `scaling` (strong|weak) and `ranks`. DIR/scaling.txt is the table below, derived from the
# CSV (medians over the ok repetitions). --workers is threads per rank (default 1: pure MPI);
# --device is passed on (e.g. local-rank: one OpenCL device per rank). MPIRUN (default mpirun)
# and MPIRUN_FLAGS (e.g. "--hostfile hosts") choose the launcher. With Open MPI the script adds
# --oversubscribe when R is more than this machine's cores, and when run as root it sets Open
# MPI's two OMPI_ALLOW_RUN_AS_ROOT variables for its own runs. Timings on a shared or
# oversubscribed machine are indicative only.
set -euo pipefail
cd "$(dirname "$0")/.."

max_ranks=$(nproc)
samples=2^30
per_rank=2^28
workers=1
reps=3
device=
out=results/mpi-scaling-$(date -u +%Y%m%dT%H%M%SZ)
hetmc=build/hetmc
usage() { echo "usage: bash scripts/mpi_scaling.sh [--max-ranks N] [--samples TOTAL] [--per-rank N] [--workers T] [--reps R] [--device D] [--out DIR] [--hetmc PATH]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case $1 in
  --max-ranks) max_ranks=$2 ;;
  --samples) samples=$2 ;;
  --per-rank) per_rank=$2 ;;
  --workers) workers=$2 ;;
  --reps) reps=$2 ;;
  --device) device=$2 ;;
  --out) out=$2 ;;
  --hetmc) hetmc=$2 ;;
  *) usage ;;
  esac
  shift 2
done
case $max_ranks in '' | *[!0-9]* | 0) echo "mpi_scaling: --max-ranks '$max_ranks': expected an integer >= 1" >&2; exit 2 ;; esac
[ -x "$hetmc" ] || { echo "mpi_scaling: $hetmc not found; build first (bash scripts/setup.sh)" >&2; exit 2; }
"$hetmc" --help | grep -q '^  mpi ' || { echo "mpi_scaling: $hetmc has no mpi backend (see its --help)" >&2; exit 2; }

mpirun=${MPIRUN:-mpirun}
read -r -a flags <<<"${MPIRUN_FLAGS:-}"
openmpi=0
if "$mpirun" --version 2>/dev/null | grep -qiE "open ?mpi|openrte"; then
  openmpi=1
  if [ "$(id -u)" -eq 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  fi
fi
# The sample counts must be known here (weak scaling multiplies them): plain integers or B^E.
to_int() {
  case $1 in
  [0-9]*^[0-9]*) echo $(( ${1%%^*} ** ${1##*^} )) ;;
  '' | *[!0-9]*) echo "mpi_scaling: '$1': expected a plain integer or B^E such as 2^30" >&2; exit 2 ;;
  *) echo "$1" ;;
  esac
}
total=$(to_int "$samples") || exit 2
each=$(to_int "$per_rank") || exit 2

mkdir -p "$out"
csv=$out/scaling.csv
"$hetmc" --version >"$out/provenance.txt"
"$mpirun" --version 2>&1 | head -n 1 | sed 's/^/mpi_launcher: /' >>"$out/provenance.txt"
status=0
header_done=0
for mode in strong weak; do
  for r in $(seq 1 "$max_ranks"); do
    n=$total
    [ "$mode" = weak ] && n=$((each * r))
    extra=()
    [ "$openmpi" -eq 1 ] && [ "$r" -gt "$(nproc)" ] && extra+=(--oversubscribe)
    dev=()
    [ -n "$device" ] && dev=(--device "$device")
    echo "mpi_scaling: $mode, $r rank(s), $n samples" >&2
    rows=$("$mpirun" "${flags[@]}" "${extra[@]}" -np "$r" "$hetmc" run --backend mpi \
           --workers "$workers" --samples "$n" --reps "$reps" --format csv "${dev[@]}") || status=1
    if [ "$header_done" -eq 0 ]; then
      echo "$rows" | head -n 1 | sed 's/$/,scaling,ranks/' >"$csv"
      header_done=1
    fi
    echo "$rows" | tail -n +2 | sed "s/\$/,$mode,$r/" >>"$csv"
  done
done

# The table, from the CSV alone: median wall and rate of the ok rows of each point.
awk -F, '
  NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  $col["status"] == "ok" {
    key = $(NF - 1) SUBSEP $NF
    n[key]++; wall[key, n[key]] = $col["wall_s"]; samples[key] = $col["samples"]
  }
  function median(key,   i, j, t, m) {
    m = n[key]
    for (i = 2; i <= m; i++) for (j = i; j > 1 && wall[key, j - 1] > wall[key, j]; j--) {
      t = wall[key, j]; wall[key, j] = wall[key, j - 1]; wall[key, j - 1] = t }
    return m % 2 ? wall[key, (m + 1) / 2] : (wall[key, m / 2] + wall[key, m / 2 + 1]) / 2
  }
  END {
    printf "%-7s %5s %14s %12s %14s %9s %11s\n", "scaling", "ranks", "samples", "wall (s)",
           "samples/s", "speedup", "efficiency"
    split("strong weak", modes, " ")
    for (k = 1; k <= 2; k++) {
      mode = modes[k]
      if (!((mode SUBSEP 1) in n)) continue
      base = median(mode SUBSEP 1)
      for (r = 1; (mode SUBSEP r) in n; r++) {
        w = median(mode SUBSEP r)
        speedup = mode == "strong" ? base / w : r * base / w
        printf "%-7s %5d %14d %12.6f %14.4g %9.3f %11.3f\n", mode, r, samples[mode SUBSEP r],
               w, samples[mode SUBSEP r] / w, speedup, speedup / r
      }
    }
    print "# strong: speedup = wall(1) / wall(R); weak: scaled speedup = R * wall(1) / wall(R);"
    print "# efficiency = speedup / R; medians over the ok repetitions of scaling.csv"
  }' "$csv" | tee "$out/scaling.txt"
echo "mpi_scaling: $csv, $out/scaling.txt, $out/provenance.txt" >&2
exit $status
