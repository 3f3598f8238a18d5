#!/usr/bin/env bash
# mpi_exact.sh MPIEXEC HETMC NP [--large]
# `mpirun -np NP hetmc run --backend mpi` must count exactly what serial counts: sizes 0, 1, 2,
# 3, odd primes and sizes not divisible by NP, three seeds, and one case with 2 threads per
# rank; with --large, N = 2^32 + 3 (the reference then comes from openmp, which its own tests
# hold to serial). Every mpirun runs under `timeout`, so a hang fails the test, never stalls CI.
set -u
mpiexec=$1 hetmc=$2 np=$3 large=${4:-}
launch=(timeout 300 "$mpiexec" -np "$np")
if "$mpiexec" --version 2>/dev/null | grep -qiE "open ?mpi|openrte"; then
  launch+=(--oversubscribe) # more ranks than cores is the point of -np 3 on 2 cores
fi
fail=0
err=$(mktemp)
trap 'rm -f "$err"' EXIT

# rows BACKEND SEED N [hetmc run options...] under the command in $prefix: one line per CSV
# row, "hits" for an ok row, "status-X" otherwise.
rows() {
  local backend=$1 seed=$2 n=$3
  shift 3
  "${prefix[@]}" "$hetmc" run --backend "$backend" --samples "$n" --seed "$seed" --reps 2 \
    --format csv "$@" | awk -F, 'NR > 1 { print ($10 == "ok" ? $11 : "status-" $10) }'
}

check() {
  local seed=$1 n=$2 workers=$3 ref=$4 want got
  prefix=(env)
  want=$(rows "$ref" "$seed" "$n" | head -n 1)
  prefix=("${launch[@]}")
  got=$(rows mpi "$seed" "$n" --workers "$workers" 2>"$err" | tr '\n' ' ')
  if [ -n "$want" ] && [ "$got" = "$want $want " ]; then
    echo "ok: np $np, $workers thread(s) per rank, seed $seed, N $n: $want hits, both repetitions"
  else
    echo "FAIL: np $np, $workers thread(s) per rank, seed $seed, N $n: mpi rows '$got', $ref '$want'"
    cat "$err"
    fail=1
  fi
}

if [ "$large" = --large ]; then
  ref=serial
  "$hetmc" --help | grep -q '^  openmp ' && ref=openmp
  check 1234 4294967299 1 "$ref"
else
  for n in 0 1 2 3 5 7 97 1009 65537 1000003; do
    check 42 "$n" 1 serial
  done
  check 0 1000001 1 serial
  check 18446744073709551615 9999991 1 serial
  "$hetmc" --help | grep -q '^  openmp ' && check 7 3000017 2 serial
fi
exit $fail
