#!/usr/bin/env bash
# opencl_exact.sh HETMC - `hetmc run --backend opencl` counts exactly what serial counts, at sizes
# that are odd, prime, not divisible by the local size or the blocks per work-item, with local
# sizes and --item-blocks that divide nothing, and every kernel form (HETMC_CL_KERNEL).
# No OpenCL device: skip (77), but fail when CI=true, where PoCL must be installed.
set -u
hetmc=$1
if ! "$hetmc" devices | grep -q '^0: '; then
  "$hetmc" devices
  if [ "${CI:-}" = true ]; then echo "FAIL: no OpenCL device in CI (install pocl-opencl-icd)"; exit 1; fi
  echo "SKIP: no OpenCL device"; exit 77
fi
hits() { # backend, samples, seed, extra args: prints the hits of the single timed row
  "$hetmc" run --backend "$1" --samples "$2" --seed "$3" --reps 1 --format csv "${@:4}" |
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "hits") col = i; next } { print $col }'
}
fail=0 checked=0
# local size, blocks per work-item (- for the device's choice), kernel form
configs=("1 1 wide" "7 3 mulhi" "64 64 wide" "256 - mulhi" "1000 17 wide" "33 5 plain" "256 - plain")
for seed in 42 18446744073709551615; do
  for n in 0 1 2 3 7 255 257 1000003 16777259 33554467; do
    want=$(hits serial "$n" "$seed")
    for c in "${configs[@]}"; do
      read -r l ib form <<<"$c"
      args=(--local-size "$l")
      [ "$ib" = - ] || args+=(--item-blocks "$ib")
      got=$(HETMC_CL_KERNEL=$form hits opencl "$n" "$seed" "${args[@]}")
      checked=$((checked + 1))
      if [ "$got" != "$want" ] || [ -z "$want" ]; then
        echo "FAIL: seed $seed N $n ${args[*]} $form: opencl $got, serial $want"; fail=1
      fi
    done
  done
done
echo "$checked runs compared with serial"
exit $fail
