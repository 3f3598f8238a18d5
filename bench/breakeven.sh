#!/usr/bin/env bash
# breakeven.sh - where does each parallel backend start to beat serial?
#
#   bash bench/breakeven.sh [HETMC] [MIN_EXP] [MAX_EXP]     (defaults: build/hetmc 10 30)
#
# For serial, and for threads, fork, pool, spawn and openmp (those in this build) at 1 worker
# and at all online cores, sweeps N = 2^MIN_EXP .. 2^MAX_EXP in powers of 4 with `hetmc run`
# (1 untimed warm-up, then R timed repetitions: 15 up to 2^20, 3 above) and prints markdown:
#   1. samples/s (median of the repetitions, N / wall_s) and speedup over serial at each N;
#   2. the break-even N: the smallest N of the sweep from which the backend is faster than
#      serial at every larger N of the sweep too;
#   3. the median setup_s (starting threads or processes until all are ready), also per worker.
# Every count is validated by hetmc; a failed run stops the script. Timings on a shared machine
# are indicative: the script prints the machine's load average with the table.
set -euo pipefail
hetmc=${1:-build/hetmc}
min_exp=${2:-10}
max_exp=${3:-30}
cores=$(nproc)
csv=$(mktemp)
trap 'rm -f "$csv" "$csv".*' EXIT

have() { "$hetmc" --help | awk '/^backends in this build:/{f=1;next} /^$/{f=0} f{print $1}' | grep -qx "$1"; }
backends=""
for b in threads fork pool spawn openmp; do have "$b" && backends="$backends $b"; done
workers="1"
[ "$cores" -gt 1 ] && workers="1 $cores"

echo "# hetmc break-even: when do threads and processes beat serial?"
echo
echo "Command: \`bash bench/breakeven.sh $hetmc $min_exp $max_exp\`"
echo "Date (UTC): $(date -u +%Y-%m-%dT%H:%M:%SZ); $("$hetmc" --version | head -1)," \
     "commit $("$hetmc" --version | awk -F': ' '/commit/{print $2; exit}')"
echo "Machine: $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo), $cores online cores;" \
     "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

first=1
for ((e = min_exp; e <= max_exp; e += 2)); do
  n=$((1 << e))
  reps=3
  [ "$e" -le 20 ] && reps=15
  for spec in serial:1 $(for b in $backends; do for w in $workers; do echo "$b:$w"; done; done); do
    b=${spec%%:*} w=${spec##*:}
    "$hetmc" run --backend "$b" --workers "$w" --samples "$n" --reps "$reps" --format csv \
      | tail -n +2 >>"$csv"
  done
  echo "swept 2^$e" >&2
done

# Medians per (backend, workers, samples): rate (column 18) and setup_s (column 15).
awk -F, '$10 == "ok" { print $4 ":" $6, $7, $18 }' "$csv" | sort -k1,1 -k2,2n -k3,3g >"$csv.rate"
awk -F, '$10 == "ok" && $15 != "" { print $4 ":" $6, $15 }' "$csv" | sort -k1,1 -k2,2g >"$csv.setup"
median_by() { # input: key ... value sorted by key then value; fields 1..$1 form the key
  awk -v k="$1" '
    function flush() { if (n) print key, (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) }
    { cur = $1; for (i = 2; i <= k; i++) cur = cur " " $i
      if (cur != key) { flush(); key = cur; n = 0 }
      v[++n] = $(k + 1) }
    END { flush() }'
}
median_by 2 <"$csv.rate" >"$csv.rmed"
median_by 1 <"$csv.setup" >"$csv.smed"

specs="serial:1"
for b in $backends; do for w in $workers; do specs="$specs $b:$w"; done; done
awk -v specs="$specs" -v min_exp="$min_exp" -v max_exp="$max_exp" '
  { rate[$1, $2] = $3 }
  END {
    ns = split(specs, s, " ")
    printf "## Samples per second (median) and speedup over serial\n\n| N |"
    for (i = 1; i <= ns; i++) printf " %s |", s[i]
    printf "\n|---|"
    for (i = 1; i <= ns; i++) printf "---|"
    printf "\n"
    for (e = min_exp; e <= max_exp; e += 2) {
      n = 2 ^ e; key = sprintf("%.0f", n)
      printf "| 2^%d |", e
      for (i = 1; i <= ns; i++) {
        r = rate[s[i], key]; base = rate["serial:1", key]
        if (r == "") printf " - |"
        else if (i == 1) printf " %.3g |", r
        else printf " %.3g (%.2fx) |", r, r / base
      }
      printf "\n"
    }
    printf "\n## Break-even N: smallest N from which the backend beats serial at every larger N\n\n"
    printf "| backend:workers | break-even N |\n|---|---|\n"
    for (i = 2; i <= ns; i++) {
      be = ""
      for (e = max_exp; e >= min_exp; e -= 2) {
        key = sprintf("%.0f", 2 ^ e)
        if (rate[s[i], key] != "" && rate[s[i], key] > rate["serial:1", key]) be = "2^" e
        else break
      }
      printf "| %s | %s |\n", s[i], be == "" ? "never in this sweep" : be
    }
  }' "$csv.rmed"

echo
echo "## Start-up: median setup_s over all sizes (threads or processes until all are ready)"
echo
echo "| backend:workers | setup_s (ms) | per worker (ms) |"
echo "|---|---|---|"
awk '{ split($1, a, ":"); printf "| %s | %.3f | %.3f |\n", $1, $2 * 1e3, $2 * 1e3 / a[2] }' "$csv.smed"
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg). Other engineers share this machine's" \
     "cores while it runs, so the figures are indicative, not reference numbers."
