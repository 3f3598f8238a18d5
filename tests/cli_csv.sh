#!/usr/bin/env bash
# cli_csv.sh HETMC BACKEND -- checks `hetmc run --format csv`: the header is the runs.csv columns
# of `hetmc schema`, one row per repetition (the warm-up is not written), status ok, the golden
# count of seed 0, N = 1000001, and a positive speed.
set -u
hetmc=$1 backend=$2
want=$("$hetmc" schema --file runs | tail -n +2 | cut -d, -f2 | paste -sd, -) || {
  echo "FAIL: hetmc schema exited $?"; exit 1; }
[ -n "$want" ] || { echo "FAIL: hetmc schema listed no runs.csv columns"; exit 1; }
out=$("$hetmc" run --backend "$backend" --samples 1000001 --seed 0 --reps 3 --format csv) || {
  echo "FAIL: hetmc exited $?"; exit 1; }
echo "$out"
head=$(echo "$out" | head -n 1)
[ "$head" = "$want" ] || { echo "FAIL: the header is not hetmc schema's columns: $want"; exit 1; }
rows=$(echo "$out" | awk -F, -v b="$backend" '
  NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $c["backend"] == b && $c["status"] == "ok" && $c["hits"] == 784446 &&
  $c["samples"] == 1000001 && $c["seed"] == 0 && $c["samples_per_s"] > 0 { n++ }
  END { print n + 0 }')
[ "$rows" -eq 3 ] || { echo "FAIL: expected 3 ok rows with 784446 hits, got $rows"; exit 1; }
echo "ok: 3 rows, 784446 hits each"
