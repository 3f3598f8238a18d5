#!/usr/bin/env bash
# mpi_coexec.sh MPIEXEC HETMC NP PARTS
# `mpirun -np NP hetmc run --backend mpi --parts PARTS` (coexec inside every rank) must count
# exactly what serial counts, for sizes 0, 1, 5, odd primes and a size past 2^23, and its rows
# must carry the parts column (rank 0's parts) and a balance. Every mpirun runs under
# `timeout`, so a hang fails the test, never stalls CI.
set -u
mpiexec=$1 hetmc=$2 np=$3 parts=$4
launch=(timeout 300 "$mpiexec" -np "$np")
if "$mpiexec" --version 2>/dev/null | grep -qiE "open ?mpi|openrte"; then
  launch+=(--oversubscribe)
fi
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

for case in "42 0" "42 1" "42 5" "42 1009" "0 1000003" "18446744073709551615 9999991"; do
  read -r seed n <<<"$case"
  want=$("$hetmc" run --backend serial --samples "$n" --seed "$seed" --reps 1 --format csv |
           awk -F, 'NR == 2 { print $11 }')
  "${launch[@]}" "$hetmc" run --backend mpi --parts "$parts" --samples "$n" --seed "$seed" \
    --reps 2 --format csv >"$out" 2>&1
  # Every row ok with serial's hits; the device names the ranks and parts; parts filled.
  if awk -F, -v want="$want" -v np="$np" '
       NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
       $4 == "mpi" { rows++
         if ($10 != "ok" || $11 != want || index($5, np " x ") != 1 || $col["parts"] == "") bad++ }
       END { exit !(rows == 2 && bad == 0) }' "$out"; then
    echo "ok: np $np, --parts $parts, seed $seed, N $n: $want hits, both repetitions"
  else
    echo "FAIL: np $np, --parts $parts, seed $seed, N $n: want $want hits"
    cat "$out"
    fail=1
  fi
done
exit $fail
