#!/usr/bin/env bash
# opencl_oclgrind.sh HETMC - runs the kernel under Oclgrind's simulator with its API,
# out-of-bounds, data-race and uninitialized-value checks; any report fails the test.
set -u
hetmc=$1
command -v oclgrind >/dev/null || { echo "SKIP: oclgrind not installed"; [ "${CI:-}" = true ] && exit 1; exit 77; }
err=$(mktemp); out=$(mktemp)
trap 'rm -f "$err" "$out"' EXIT
oclgrind --check-api --data-races --uninitialized "$hetmc" run --backend opencl --samples 10001 \
  --reps 1 --local-size 64 >"$out" 2>"$err"
rc=$?
cat "$out"
if [ $rc -ne 0 ] || [ -s "$err" ]; then
  echo "FAIL: exit $rc; Oclgrind reported:"; head -c 4000 "$err"; exit 1
fi
grep -q 'Oclgrind' "$out" || { echo "FAIL: the run did not use the Oclgrind device"; exit 1; }
echo "ok: no Oclgrind report"
