#!/usr/bin/env bash
# breakeven.sh - where does each parallel backend start to beat serial?
#
#   bash bench/breakeven.sh [HETMC] [MIN_EXP] [MAX_EXP]     (defaults: build/hetmc 10 30)
#
# For serial, and for threads, fork, forkserver, pool, spawn and openmp (those in this build:
# the three start methods fork, forkserver and spawn, a reused pool, threads) at 1 worker
# and at all online cores, sweeps N = 2^MIN_EXP .. 2^MAX_EXP in powers of 4 with `hetmc run`
# (1 untimed warm-up, then R timed repetitions: 15 up to 2^20, 3 above) and prints markdown:
#   1. samples/s (median of the repetitions, N / wall_s) and speedup over serial at each N;
#   2. the break-even N: the smallest N of the sweep from which the backend is faster than
#      serial at every larger N of the sweep too;
#   3. the N from which it stays within 5% of serial (for 1 worker, the most it can reach);
#   4. the median setup_s (starting threads or processes until all are ready), also per worker,
#      and setup_s + collect_s as an overhead o, with the N at which o is 10% of serial's time
#      (N = 10 * o * serial samples/s): a model of the break-even that noise cannot move much.
# BREAKEVEN_CSV=FILE keeps the raw rows (the hetmc CSV contract) in FILE; when FILE already
# exists, the tables are derived from it without measuring again (remove it to measure anew).
# Every count is validated by hetmc; a failed run stops the script. Timings on a shared machine
# are indicative: the script prints the machine's load average with the table.
set -euo pipefail
hetmc=${1:-build/hetmc}
min_exp=${2:-10}
max_exp=${3:-30}
cores=$(nproc)
csv=$(mktemp)
trap 'rm -f "$csv" "$csv".*' EXIT
saved=${BREAKEVEN_CSV:-}

have() { "$hetmc" --help | awk '/^backends in this build:/{f=1;next} /^$/{f=0} f{print $1}' | grep -qx "$1"; }
backends=""
for b in threads fork forkserver spawn pool openmp; do have "$b" && backends="$backends $b"; done
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

if [ -n "$saved" ] && [ -s "$saved" ]; then
  cp "$saved" "$csv"
  echo "(tables derived from the saved rows in $saved)"
  echo
else
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
[ -n "$saved" ] && cp "$csv" "$saved"
fi

# The rows as tab-separated fields (a note may hold a quoted comma), then medians per (backend,
# workers, samples) of the rate (column 18), and per (backend, workers) over all sizes of
# setup_s (15), of setup_s + collect_s (15 + 17) and of the one-time create_s (30: the pool's
# workers, the fork server).
/usr/bin/python3 -c 'import csv, sys
w = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
for r in csv.reader(sys.stdin):
    w.writerow(f.replace("\t", " ") for f in r)' <"$csv" >"$csv.tsv"
awk -F'\t' '$10 == "ok" { print $4 ":" $6, $7, $18 }' "$csv.tsv" | sort -k1,1 -k2,2n -k3,3g >"$csv.rate"
awk -F'\t' '$10 == "ok" && $15 != "" { print $4 ":" $6, $15 }' "$csv.tsv" | sort -k1,1 -k2,2g >"$csv.setup"
awk -F'\t' '$10 == "ok" && $15 != "" { print $4 ":" $6, $15 + $17 }' "$csv.tsv" | sort -k1,1 -k2,2g >"$csv.over"
awk -F'\t' '$10 == "ok" && $30 != "" { print $4 ":" $6, $30 }' "$csv.tsv" | sort -k1,1 -k2,2g >"$csv.create"
median_by() { # input: key ... value sorted by key then value; fields 1..$1 form the key
  awk -v k="$1" '
    function flush() { if (n) print key, (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) }
    { cur = $1; for (i = 2; i <= k; i++) cur = cur " " $i
      if (cur != key) { flush(); key = cur; n = 0 }
      v[++n] = $(k + 1) }
    END { flush() }'
}
median_by 2 <"$csv.rate" >"$csv.rmed"
{ median_by 1 <"$csv.setup" | sed 's/^/S /'; median_by 1 <"$csv.over" | sed 's/^/O /'
  median_by 1 <"$csv.create" | sed 's/^/C /'; sed 's/^/R /' "$csv.rmed"; } >"$csv.all"

specs="serial:1"
for b in $backends; do for w in $workers; do specs="$specs $b:$w"; done; done
awk -v specs="$specs" -v min_exp="$min_exp" -v max_exp="$max_exp" '
  $1 == "R" { rate[$2, $3] = $4 }
  $1 == "S" { setup[$2] = $3 }
  $1 == "O" { over[$2] = $3 }
  $1 == "C" { create[$2] = $3 }
  function from_n(spec, factor,   e, key, be) {
    be = ""
    for (e = max_exp; e >= min_exp; e -= 2) {
      key = sprintf("%.0f", 2 ^ e)
      if (rate[spec, key] != "" && rate[spec, key] > factor * rate["serial:1", key]) be = "2^" e
      else break
    }
    return be == "" ? "never in this sweep" : be
  }
  END {
    ns = split(specs, s, " ")
    printf "## Samples per second (median) and speedup over serial\n\n| N |"
    for (i = 1; i <= ns; i++) printf " %s |", s[i]
    printf "\n|---|"
    for (i = 1; i <= ns; i++) printf "---|"
    printf "\n"
    for (e = min_exp; e <= max_exp; e += 2) {
      key = sprintf("%.0f", 2 ^ e)
      printf "| 2^%d |", e
      for (i = 1; i <= ns; i++) {
        r = rate[s[i], key]; base = rate["serial:1", key]
        if (r == "") printf " - |"
        else if (i == 1) printf " %.3g |", r
        else printf " %.3g (%.2fx) |", r, r / base
      }
      printf "\n"
    }
    # Serial speed for the model: the median over the sizes from 2^20 up.
    m = 0
    for (e = max_exp; e >= 20 && e >= min_exp; e -= 2) {
      r = rate["serial:1", sprintf("%.0f", 2 ^ e)]
      if (r != "") sr[++m] = r
    }
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (sr[j] < sr[i]) { t = sr[i]; sr[i] = sr[j]; sr[j] = t }
    serial_rate = m ? (m % 2 ? sr[(m + 1) / 2] : (sr[m / 2] + sr[m / 2 + 1]) / 2) : 0
    printf "\n## Break-even and start-up\n\n"
    printf "Measured: the smallest N of the sweep from which the backend is faster than serial (or within 5%%\n"
    printf "of it) at every larger N too. Model: o = median setup_s + collect_s over all sizes; start-up\n"
    printf "costs 10%% of serial time at N = 10 * o * %.3g samples/s (serial, median from 2^20 up).\n\n", serial_rate
    printf "| backend:workers | faster than serial from N | within 5%% from N | setup_s (ms) | setup per worker (ms) | o = setup + collect (ms) | o is 10%% of serial at N | one-time create_s (ms) |\n"
    printf "|---|---|---|---|---|---|---|---|\n"
    for (i = 2; i <= ns; i++) {
      split(s[i], a, ":")
      n10 = 10 * over[s[i]] * serial_rate
      faster = from_n(s[i], 1.0)
      near = from_n(s[i], 0.95)
      model = n10 > 1 ? sprintf("%.3g (2^%.1f)", n10, log(n10) / log(2)) : "< 2"
      made = create[s[i]] == "" ? "-" : sprintf("%.3f", create[s[i]] * 1e3)
      printf "| %s | %s | %s | %.3f | %.3f | %.3f | %s | %s |\n", s[i], faster, near,
             setup[s[i]] * 1e3, setup[s[i]] * 1e3 / a[2], over[s[i]] * 1e3, model, made
    }
  }' "$csv.all"

echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg). Other engineers share this machine's" \
     "cores while it runs (a load average above the core count means the 2-worker columns did not" \
     "get 2 free cores), so the figures are indicative, not reference numbers."
