#!/usr/bin/env bash
# opencl_matrix.sh HETMC - with two OpenCL devices visible (PoCL's basic and pthread drivers),
# `hetmc matrix` measures both by default, every row exact; `--device` narrows it with the
# selectors of `run`, a selector that matches nothing exits 2 before anything is written; and
# `hetmc verify` checks both devices. Skips (77) without PoCL.
set -u
hetmc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export POCL_DEVICES="basic pthread"
if [ "$("$hetmc" devices | grep -c '^[0-9]*: ')" -ne 2 ]; then
  "$hetmc" devices
  echo "SKIP: POCL_DEVICES=\"$POCL_DEVICES\" does not give two devices (is PoCL installed?)"
  [ "${CI:-}" = true ] && exit 1
  exit 77
fi
devices() { # runs.csv: the distinct devices of the ok opencl rows, one a line
  awk -F, 'NR > 1 && $4 == "opencl" && $10 == "ok" { print $5 }' "$1" | sort -u
}
"$hetmc" matrix --backends serial,opencl --samples 1000,65537 --reps 2 --out "$tmp/all" --quiet ||
  fail "matrix exited $?"
[ "$(devices "$tmp/all/runs.csv" | wc -l)" -eq 2 ] || fail "runs.csv has not both devices: $(devices "$tmp/all/runs.csv")"
awk -F, 'NR > 1 && $4 == "serial" { ref[$7] = $11 } NR > 1 && $4 == "opencl" && ($10 != "ok" || $11 != ref[$7]) { bad++ }
         END { exit bad > 0 }' "$tmp/all/runs.csv" || fail "an opencl row is not ok or differs from serial"
[ "$(awk -F, 'NR > 1 && $1 == "opencl"' "$tmp/all/comparison.csv" | wc -l)" -eq 4 ] ||
  fail "comparison.csv has not 2 devices x 2 sizes of opencl"
grep -c '^device: backend opencl index [01] = ' "$tmp/all/provenance.txt" | grep -qx 2 ||
  fail "provenance does not name both devices"
"$hetmc" matrix --backends opencl --device pthread --samples 1000 --reps 1 --out "$tmp/one" --quiet ||
  fail "matrix --device pthread exited $?"
[ "$(devices "$tmp/one/runs.csv")" = "$(devices "$tmp/all/runs.csv" | grep pthread)" ] ||
  fail "--device pthread measured: $(devices "$tmp/one/runs.csv")"
"$hetmc" matrix --backends opencl --device nosuch --out "$tmp/none" --quiet 2>"$tmp/err"
rc=$?
if [ $rc -ne 2 ] || ! grep -q 'nosuch' "$tmp/err" || [ -e "$tmp/none" ]; then
  fail "--device nosuch: exit $rc, $(cat "$tmp/err"), out dir $(ls -d "$tmp/none" 2>&1)"
fi
[ "$("$hetmc" verify | grep -c '^PASS .*opencl device [01] ')" -eq 4 ] ||
  fail "verify did not pass known answers and golden counts on both devices"
echo "ok: both devices in the matrix, in comparison.csv and in verify; --device narrows it"
