#!/usr/bin/env bash
# cli_csv.sh HETMC BACKEND -- checks `hetmc run --format csv`: the contract's header, one row per
# repetition (the warm-up is not written), status ok, the golden count of seed 0, N = 1000001,
# and a positive speed.
set -u
hetmc=$1 backend=$2
want='format_version,timestamp_utc,host,backend,device,workers,samples,seed,rep,status,hits,pi_estimate,abs_error,wall_s,setup_s,compute_s,collect_s,samples_per_s'
out=$("$hetmc" run --backend "$backend" --samples 1000001 --seed 0 --reps 3 --format csv) || {
  echo "FAIL: hetmc exited $?"; exit 1; }
echo "$out"
head=$(echo "$out" | head -n 1)
case "$head" in "$want"*) ;; *) echo "FAIL: header does not start with the contract's columns"; exit 1 ;; esac
rows=$(echo "$out" | tail -n +2 | awk -F, -v b="$backend" '
  $4 == b && $10 == "ok" && $11 == 784446 && $7 == 1000001 && $8 == 0 && $18 > 0 { n++ }
  END { print n + 0 }')
[ "$rows" -eq 3 ] || { echo "FAIL: expected 3 ok rows with 784446 hits, got $rows"; exit 1; }
echo "ok: 3 rows, 784446 hits each"
