#!/usr/bin/env bash
# opencl_oclgrind.sh HETMC - runs every form of the kernel under Oclgrind's simulator with its
# API, out-of-bounds, data-race and uninitialized-value checks, on an odd local size, in many
# launches (partials set by one launch, added to by the next) and a tail launch; any report
# fails the test, and so does a count that differs from serial's.
set -u
hetmc=$1
command -v oclgrind >/dev/null || { echo "SKIP: oclgrind not installed"; [ "${CI:-}" = true ] && exit 1; exit 77; }
err=$(mktemp); out=$(mktemp)
trap 'rm -f "$err" "$out"' EXIT
want=$("$hetmc" run --backend serial --samples 10001 --reps 1 --format csv | tail -n 1 | cut -d, -f11)
for form in mulhi wide plain; do
  HETMC_CL_KERNEL=$form HETMC_CL_LAUNCH_BLOCKS=200 oclgrind --check-api --data-races \
    --uninitialized "$hetmc" run --backend opencl --samples 10001 --reps 1 --local-size 48 \
    --item-blocks 3 --format csv >"$out" 2>"$err"
  rc=$?
  cat "$out"
  # hetmc's own warnings about its measurement (another program busy, noisy times) are not
  # Oclgrind's: anything else on stderr is.
  sed -i '/^hetmc run: \(interfered\|noisy\):/d' "$err"
  if [ $rc -ne 0 ] || [ -s "$err" ]; then
    echo "FAIL ($form): exit $rc; Oclgrind reported:"; head -c 4000 "$err"; exit 1
  fi
  grep -q 'Oclgrind' "$out" || { echo "FAIL: the run did not use the Oclgrind device"; exit 1; }
  got=$(tail -n 1 "$out" | cut -d, -f11)
  [ "$got" = "$want" ] || { echo "FAIL ($form): $got hits, serial $want"; exit 1; }
done
echo "ok: no Oclgrind report, every form counts serial's $want hits"
