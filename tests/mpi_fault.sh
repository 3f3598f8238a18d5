#!/usr/bin/env bash
# mpi_fault.sh MPIEXEC HETMC CASE
# A rank that fails must end the whole run with an error, never a hang; bad input exits 2.
#   kill   HETMC_MPI_FAULT=kill:1: rank 1 raises SIGKILL mid-run; mpirun must end the job with a
#          non-zero status and say which rank died
#   fail   HETMC_MPI_FAULT=fail:2 under -np 3: rank 2's share fails; every rank must leave with
#          exit 1 and rank 0 must name rank 2 and the reason (one failed row, no speed)
#   mpierr HETMC_MPI_FAULT=mpi:1 under -np 3: rank 1 makes an invalid MPI call; hetmc's MPI error
#          handler must name the rank and MPI's error, and abort the job
#   usage  bad arguments under -np 2 and -np 3: exit 2 with the argument named, nothing on
#          stdout, exactly one line from hetmc (rank 0's)
#   matrix `hetmc matrix` under -np 3 refuses: exit 2, exactly one line from hetmc, no file
# Every mpirun runs under `timeout 60`: status 124 (a hang) fails the test.
set -u
mpiexec=$1 hetmc=$2 case=$3
launch=("$mpiexec")
if "$mpiexec" --version 2>/dev/null | grep -qiE "open ?mpi|openrte"; then
  launch+=(--oversubscribe -x HETMC_MPI_FAULT)
fi
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# expect WANT_RC PATTERN NP FAULT hetmc-run-arguments...; WANT_RC "nonzero" accepts any failure
# but a timeout.
expect() {
  local want=$1 pattern=$2 np=$3 fault=$4 rc
  shift 4
  HETMC_MPI_FAULT=$fault timeout 60 "${launch[@]}" -np "$np" "$hetmc" run --backend mpi "$@" \
    >"$out" 2>"$err"
  rc=$?
  local what="np $np, HETMC_MPI_FAULT='$fault', run $*"
  if [ "$rc" -eq 124 ]; then
    echo "FAIL: $what: still running after 60 s (a hang)"; cat "$out" "$err"; exit 1
  fi
  if { [ "$want" = nonzero ] && [ "$rc" -eq 0 ]; } ||
     { [ "$want" != nonzero ] && [ "$rc" -ne "$want" ]; }; then
    echo "FAIL: $what: exit $rc, expected $want"; cat "$out" "$err"; exit 1
  fi
  if ! grep -qE -- "$pattern" "$err"; then
    echo "FAIL: $what: stderr does not match '$pattern'"; cat "$out" "$err"; exit 1
  fi
  echo "ok: $what: exit $rc, stderr matches '$pattern'"
}

case $case in
kill)
  expect nonzero "rank 1 .*(signal 9|Killed)" 2 kill:1 --workers 1 --samples 1e7 --reps 1
  ;;
mpierr)
  expect nonzero "rank 1 of 3: MPI error: .*root" 3 mpi:1 --workers 1 --samples 1e6 --reps 1
  ;;
fail)
  expect 1 "^hetmc run: mpi: rank 2 of 3 failed: injected failure" 3 fail:2 --workers 1 \
    --samples 1e6 --reps 2 --format csv
  rows=$(awk -F, 'NR > 1 && $10 == "failed" && $18 == "" { n++ } END { print n + 0 }' "$out")
  [ "$rows" -eq 1 ] || { echo "FAIL: expected one failed row without a speed"; cat "$out"; exit 1; }
  lines=$(grep -c '^hetmc' "$err")
  [ "$lines" -eq 1 ] || { echo "FAIL: $lines hetmc lines on stderr, expected 1 (rank 0 only)"; cat "$err"; exit 1; }
  ;;
usage)
  expect 2 "--samples 'abc' is not a number" 2 "" --samples abc
  [ ! -s "$out" ] || { echo "FAIL: stdout not empty on bad usage"; cat "$out"; exit 1; }
  expect 2 "--samples 'abc' is not a number" 3 "" --samples abc
  lines=$(grep -c '^hetmc' "$err")
  [ "$lines" -eq 1 ] || { echo "FAIL: $lines hetmc lines on stderr, expected 1 (rank 0 only)"; cat "$err"; exit 1; }
  expect 2 "^hetmc run: --local-size applies to mpi only with --device" 2 "" --local-size 64
  expect 2 "^hetmc run: HETMC_MPI_FAULT 'kill:9' is not a fault" 2 kill:9 --samples 10
  expect 2 "^hetmc run: HETMC_MPI_FAULT 'mpi:x' is not a fault" 2 mpi:x --samples 10
  ;;
matrix)
  dir=$(mktemp -d)
  timeout 60 "${launch[@]}" -np 3 "$hetmc" matrix --backends serial --samples 1000 \
    --out "$dir/m" >"$out" 2>"$err"
  rc=$?
  [ ! -e "$dir/m" ] || { echo "FAIL: matrix under 3 ranks wrote $dir/m"; rm -rf "$dir"; exit 1; }
  rm -rf "$dir"
  [ "$rc" -eq 2 ] || { echo "FAIL: matrix under 3 ranks: exit $rc, expected 2"; cat "$out" "$err"; exit 1; }
  [ "$(grep -c '^hetmc' "$err")" -eq 1 ] && grep -q "^hetmc matrix: runs as rank 0 of 3" "$err" ||
    { echo "FAIL: not one line from rank 0"; cat "$err"; exit 1; }
  [ ! -s "$out" ] || { echo "FAIL: stdout not empty"; cat "$out"; exit 1; }
  echo "ok: matrix under mpirun -np 3 refuses with one line, writes nothing"
  ;;
*)
  echo "usage: mpi_fault.sh MPIEXEC HETMC kill|mpierr|fail|usage|matrix" >&2
  exit 2
  ;;
esac
