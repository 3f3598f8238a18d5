#!/usr/bin/env bash
# load.sh - do hetmc's figures stay true on a busy machine? One run, four matrices of
# `--backends serial,openmp,threads --workers all` (the CPUs this process may run on), and
# optionally the default matrix three times:
#
#   quiet     nothing else running: no repetition should be marked interfered
#   one       a CPU burner (one process of this script, not hetmc's) while one backend's cells
#             run: with --order cells, from openmp's first row to threads' first row (the case
#             that made openmp look 1.33x in round 3): every repetition it overlaps must be
#             marked; then in rounds (the default), a burner for a third of the quiet run's
#             time from the start of round 2: after re-measurement every backend's median
#             speed-up within 10% of the quiet run's
#   steady    a burner for the whole matrix: every row's foreign load high, every cell marked
#   idle x3   (IDLE_RUNS=3, default 0) the default matrix three times on the idle machine: no
#             speed-up above the worker count may pass unmarked (implausible)
#
#   bash bench/load.sh [BUILD_DIR] [SAMPLES] [REPS]   (defaults: build, 2^22..2^26x4, 5)
#
# Prints, per matrix and cell: speed-up, CV, median foreign_cpu, reps_interfered, under_load
# and implausible; with the CPU model, ISA and load average. Also the cost of measuring the
# foreign load (hetmc's own /proc reads per repetition) against a 10 ms repetition.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
samples=${2:-2^22..2^26x4}
reps=${3:-5}
hetmc=$build/hetmc
[ -x "$hetmc" ] || { echo "load.sh: $hetmc not built (bash scripts/setup.sh)" >&2; exit 2; }
tmp=$(mktemp -d)
burner=
trap '[ -n "$burner" ] && kill "$burner" 2>/dev/null; rm -rf "$tmp"' EXIT
ncpu=$("$hetmc" --version | sed -n 's/^cpu_affinity: .*(\([0-9]*\) CPUs)$/\1/p')
common=(--backends serial,openmp,threads --workers "$ncpu" --samples "$samples" --reps "$reps" --quiet)

echo "# bench/load.sh on $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $ncpu CPUs;" \
  "$("$hetmc" --version | grep -E '^(cpu_isa|host_kernel|git_commit):' | tr '\n' ' ')"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

burn() {
  bash -c 'end=$((${EPOCHREALTIME/./} + $0)); while [ "${EPOCHREALTIME/./}" -lt $end ]; do :; done' \
    "$(awk -v s="$1" 'BEGIN { printf "%d", s * 1e6 }')" &
  burner=$!
}
unburn() {
  if [ -n "$burner" ]; then
    kill "$burner" 2>/dev/null || true
    wait "$burner" 2>/dev/null || true
  fi
  burner=
}

# table DIR: the cells of a comparison.csv, by column name.
table() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i
                     printf "  %-8s %3s %12s %8s %7s %8s %12s %11s  %s\n", "backend", "w", "samples",
                       "speedup", "cv", "foreign", "interfered", "under_load", "implausible"; next }
           { printf "  %-8s %3s %12s %8s %7s %8s %12s %11s  %s\n", $c["backend"], $c["workers"],
               $c["samples"], $c["speedup_vs_serial"], $c["cv_wall"], $c["foreign_cpu_median"],
               $c["reps_interfered"], $c["under_load"], $c["implausible"] }' "$1/comparison.csv"
}
# speedups DIR: "backend samples speedup" per non-serial cell.
speedups() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
           $c["backend"] != "serial" { print $c["backend"], $c["samples"], $c["speedup_vs_serial"] }' \
    "$1/comparison.csv"
}
# column FILE NAME
column() {
  awk -F, -v n="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next } { print $c }' "$1"
}

echo "## 1. quiet"
t0=$(date +%s.%N)
"$hetmc" matrix "${common[@]}" --wait-idle 60 --out "$tmp/quiet"
t_quiet=$(echo "$(date +%s.%N) - $t0" | bc)
table "$tmp/quiet"
echo "  interfered repetitions: $(column "$tmp/quiet/runs.csv" interfered | grep -c true || true)" \
  "of $(($(wc -l <"$tmp/quiet/runs.csv") - 1)); matrix took ${t_quiet%.*} s"

echo "## 2a. a burner while openmp's cells run (--order cells)"
"$hetmc" matrix "${common[@]}" --order cells --retries 0 --out "$tmp/cells" 2>"$tmp/cells.err" &
m=$!
until grep -q ',openmp,' "$tmp/cells/runs.csv" 2>/dev/null || ! kill -0 $m 2>/dev/null; do sleep 0.05; done
burn 600
until grep -q ',threads,' "$tmp/cells/runs.csv" 2>/dev/null || ! kill -0 $m 2>/dev/null; do sleep 0.05; done
unburn
wait $m || true
table "$tmp/cells"
column "$tmp/cells/runs.csv" backend | paste -d' ' - <(column "$tmp/cells/runs.csv" interfered) |
  awk '{ n[$1]++; if ($2 == "true") i[$1]++ }
       END { for (b in n) printf "  %s: %d of %d repetitions interfered\n", b, i[b], n[b] }'

echo "## 2b. a burner for a third of the quiet run's time from round 2 (rounds, re-measured)"
"$hetmc" matrix "${common[@]}" --out "$tmp/rounds" 2>"$tmp/rounds.err" &
m=$!
until [ "$(column "$tmp/rounds/runs.csv" rep 2>/dev/null | grep -c '^2$' || true)" -gt 0 ] ||
  ! kill -0 $m 2>/dev/null; do sleep 0.05; done
burn "$(echo "$t_quiet / 3" | bc -l | cut -c1-6)"
wait $m || true
unburn
table "$tmp/rounds"
join <(speedups "$tmp/quiet" | awk '{ print $1 "@" $2, $3 }' | sort) \
     <(speedups "$tmp/rounds" | awk '{ print $1 "@" $2, $3 }' | sort) |
  awk '{ r = $3 / $2; printf "  %-22s quiet %.3f, burner re-measured %.3f: ratio %.3f%s\n", $1, $2, $3, r,
         (r < 0.9 || r > 1.1) ? "  OUTSIDE 10%" : "" }'

echo "## 3. a steady burner for the whole matrix"
burn 3600
"$hetmc" matrix "${common[@]}" --retries 1 --out "$tmp/steady" 2>"$tmp/steady.err" || true
unburn
table "$tmp/steady"
echo "  rows with foreign_cpu < 0.8: $(column "$tmp/steady/runs.csv" foreign_cpu | awk '$1 < 0.8 { n++ } END { print n + 0 }')" \
  "of $(($(wc -l <"$tmp/steady/runs.csv") - 1)); repetitions passed as clean:" \
  "$(column "$tmp/steady/runs.csv" interfered | grep -c false || true);" \
  "cells not under_load: $(column "$tmp/steady/comparison.csv" under_load | grep -vc true || true)"

if [ "${IDLE_RUNS:-0}" -gt 0 ]; then
  echo "## 4. the default matrix, ${IDLE_RUNS} times on the idle machine"
  for i in $(seq "$IDLE_RUNS"); do
    "$hetmc" matrix --wait-idle 60 --quiet --out "$tmp/idle$i"
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
             $c["speedup_vs_serial"] > $c["workers"] && $c["backend"] != "opencl" && $c["backend"] != "coexec" {
               n++; if ($c["implausible"] == "") u++ }
             END { printf "  run %d: %d cells above their workers, %d of them unmarked\n", run, n, u }' \
      run="$i" "$tmp/idle$i/comparison.csv"
  done
fi

echo "## 5. the cost of measuring the foreign load"
"$build/tests/test_load" --cost 2>/dev/null || echo "  (build the tests for the cost figure)"
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
