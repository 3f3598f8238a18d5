#!/usr/bin/env bash
# compare_scaling.sh [HETMC] - the time and peak memory of `hetmc compare` with 10^3..10^6
# repetitions a side (one cell, serial, 1 sample per run, so making the input is quick).
# Mann-Whitney sorts (O(n log n)); the Hodges-Lehmann ratio and its interval are selected over
# the implicit n x n ratios (O(n log n) time, O(n) memory); the median's interval is found in
# O(n). Each step of 10 should cost a little over 10 times the time and 10 times the memory.
# Prints: reps a side, seconds, peak resident memory in MB.
set -eu
hetmc=${1:-build/hetmc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%10s %10s %10s\n' reps_a_side seconds peak_mb
for n in 1000 10000 100000 1000000; do
  "$hetmc" run --backend serial --samples 1 --reps $n --min-time 0 --warmup 0 --format csv \
    >"$tmp/r.csv" 2>/dev/null
  /usr/bin/time -f '%e %M' -o "$tmp/time" "$hetmc" compare "$tmp/r.csv" "$tmp/r.csv" >/dev/null
  read -r s kb <"$tmp/time"
  printf '%10d %10s %10.1f\n' $n "$s" "$(echo "$kb / 1024" | bc -l)"
done
