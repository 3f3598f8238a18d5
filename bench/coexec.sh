#!/usr/bin/env bash
# coexec.sh - co-execution against its parts run alone, as ratios measured side by side.
#
#   bash bench/coexec.sh [BUILD_DIR] [SAMPLES] [REPS] [ROUNDS] [HOST] [DEVICE]
#   (defaults: build, 2^31, 3, 3, openmp:1, cpu)
#
# Each round runs, one after the other, each with `hetmc run --format csv` (prepare, one untimed
# warm-up, REPS timed repetitions, every count validated):
#   the host part alone       --backend B --workers W           (HOST = B:W)
#   the device part alone     --backend opencl --device DEVICE
#   coexec, dynamic split     --parts HOST,opencl@DEVICE
#   coexec, static by rates   --split static (one slice per part, by the rates coexec measured)
#   coexec, static by solos   --split static:R1,R2 (the two solo rates of this round)
# and prints the median samples/s of each, the coexec efficiency (coexec rate / (host rate +
# device rate), the solo rates of the same round), the median balance (earliest part finish /
# latest part finish) and the parts' shares. The last lines give the median over the rounds and
# whether the targets hold: efficiency >= 0.95 and balance >= 0.98 for the dynamic split.
#
# PoCL is held to one thread (POCL_MAX_PTHREAD_COUNT=1, unless set already), so that on a
# machine of C cores the host part's W = C - 1 threads and PoCL's one leave no core idle and
# none shared. The machine may be shared: each round also prints the load average and `other`,
# the cores that programs other than hetmc kept busy during the round (the median foreign_cpu
# of its repetitions, as hetmc measures it), so a noisy round shows; rerun when it is high.
# QUIET=SECONDS makes each round first wait (at most that long) for a quiet machine (hetmc run
# --wait-idle: other programs under 0.1 core). The raw CSV is kept
# (path printed). Exit 1 if a run failed; 0 otherwise, whether or not the targets hold.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
samples=${2:-2^31}
reps=${3:-3}
rounds=${4:-3}
host=${5:-openmp:1}
device=${6:-cpu}
hetmc=$build/hetmc
[ -x "$hetmc" ] || { echo "coexec.sh: $hetmc not built (bash scripts/setup.sh)" >&2; exit 2; }
export POCL_MAX_PTHREAD_COUNT=${POCL_MAX_PTHREAD_COUNT:-1}
out=$(mktemp -d "${TMPDIR:-/tmp}/hetmc-coexec.XXXXXX")
export POCL_CACHE_DIR=${POCL_CACHE_DIR:-$out/pocl-cache}
mkdir -p "$POCL_CACHE_DIR"
hb=${host%%:*} hw=${host#*:}
[ "$hb" != "$host" ] || { echo "coexec.sh: HOST '$host' is not BACKEND:WORKERS" >&2; exit 2; }
parts="$host,opencl@$device"
status=0

# run NAME ARGS...: one hetmc run, its CSV rows appended to $out/all.csv with NAME first.
run() {
  local name=$1
  shift
  if ! "$hetmc" run --samples "$samples" --reps "$reps" --format csv "$@" >"$out/$name.csv"; then
    echo "# $name: FAILED (see $out/$name.csv)"
    status=1
  fi
  # Quoted fields (a device with a comma, a note) become "q": the columns used here have none.
  tail -n +2 "$out/$name.csv" | sed -e 's/"[^"]*"/q/g' -e "s/^/$round,$name,/" >>"$out/all.csv"
}

# median of the column COL (by header name) of the ok rows of NAME in this round.
median() {
  awk -F, -v r="$round" -v n="$1" -v c="$2" '
    FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i + 2; next }
    $1 == r && $2 == n && $12 == "ok" { v[++k] = $col[c] }
    END { if (!k) { print "nan"; exit }
          for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
          print (k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2) }' "$out/header.csv" "$out/all.csv"
}

# median of the column COL of every ok row of this round.
median_round() {
  awk -F, -v r="$round" -v c="$1" '
    FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i + 2; next }
    $1 == r && $12 == "ok" && $col[c] != "" { v[++k] = $col[c] }
    END { if (!k) { print "nan"; exit }
          for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
          printf "%.2f\n", (k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2) }' "$out/header.csv" "$out/all.csv"
}

# The shares of the last ok row of NAME: "openmp:1=0.79 opencl=0.21".
shares() {
  awk -F, -v r="$round" -v n="$1" '
    FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i + 2; next }
    $1 == r && $2 == n && $12 == "ok" { p = $col["parts"] }
    END { k = split(p, a, ";"); s = ""
          for (i = 1; i <= k; i++) { sub(/@[^@]*$/, "", a[i]); sub(/^opencl:.*=/, "opencl=", a[i]); s = s (i > 1 ? " " : "") a[i] }
          print s }' "$out/header.csv" "$out/all.csv"
}

"$hetmc" run --backend serial --samples 1 --reps 1 --format csv | awk "NR == 1" >"$out/header.csv"
: >"$out/all.csv"
printf '# bench/coexec.sh: %s samples, parts %s, %s timed reps (median) per run, %s rounds;\n' \
  "$samples" "$parts" "$reps" "$rounds"
printf '# POCL_MAX_PTHREAD_COUNT=%s; %s; %s cores; load at start: %s\n' "$POCL_MAX_PTHREAD_COUNT" \
  "$("$hetmc" --version | awk -F': ' '/^cpu_model/ { print $2 }')" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-5s %5s %5s %10s %10s %10s  %-15s %10s %10s %8s  %s\n' round load other "$host" opencl sum \
  split coexec efficiency balance shares
: >"$out/summary.txt"
for round in $(seq 1 "$rounds"); do
  run host --backend "$hb" --workers "$hw" --wait-idle "${QUIET:-0}"
  run device --backend opencl --device "$device"
  run dynamic --backend coexec --parts "$parts"
  run static --backend coexec --parts "$parts" --split static
  hr=$(median host samples_per_s) dr=$(median device samples_per_s)
  run solo-ratio --backend coexec --parts "$parts" --split "static:$hr,$dr"
  load=$(cut -d' ' -f1 /proc/loadavg)
  # Cores other programs kept busy during the round: hetmc's foreign_cpu, the median of every
  # repetition of the round.
  other=$(median_round foreign_cpu)
  for split in dynamic static solo-ratio; do
    cr=$(median "$split" samples_per_s) bal=$(median "$split" balance)
    eff=$(awk -v c="$cr" -v h="$hr" -v d="$dr" 'BEGIN { printf "%.3f", c / (h + d) }')
    printf '%-5s %5s %5s %10.4g %10.4g %10.4g  %-15s %10.4g %10s %8.4f  %s\n' "$round" "$load" "$other" \
      "$hr" "$dr" "$(awk -v h="$hr" -v d="$dr" 'BEGIN { print h + d }')" "$split" "$cr" "$eff" "$bal" "$(shares "$split")"
    echo "$split $eff $bal" >>"$out/summary.txt"
  done
done
awk '{ e[$1] = e[$1] " " $2; b[$1] = b[$1] " " $3 }
  function med(s,   v, k, i, j, t) { k = split(s, v, " ")
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
    return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2 }
  END {
    split("dynamic static solo-ratio", order, " ")
    for (i = 1; i <= 3; i++) printf "# median over the rounds, %-10s efficiency %.3f, balance %.4f\n", order[i], med(e[order[i]]), med(b[order[i]])
    ok = med(e["dynamic"]) >= 0.95 && med(b["dynamic"]) >= 0.98
    printf "# targets (dynamic: efficiency >= 0.95, balance >= 0.98): %s\n", ok ? "met" : "NOT met"
  }' "$out/summary.txt"
echo "# raw CSV: $out/all.csv (round, run, then hetmc's columns)"
exit $status
