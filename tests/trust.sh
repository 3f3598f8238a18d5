#!/usr/bin/env bash
# trust.sh HETMC CASE - what a user must be able to trust, tried as a user would:
#   devfull      every command writing into /dev/full: exit 1 and one line naming standard
#                output and the OS error (run, --version, --help, devices, compare)
#   fulldisk     a matrix onto a tmpfs of 12 KB: exit 1, one line naming runs.csv and "No space
#                left on device", runs.csv of whole rows only, no partial comparison.csv, no
#                success line (skipped, exit 77, where mounting a tmpfs is not permitted)
#   signals      SIGTERM, SIGHUP and SIGINT to a matrix: exit 130, whole rows, the comparison
#   group        SIGINT to the whole process group (a terminal's Ctrl-C) of a matrix and of a
#                run of spawn workers: no repetition recorded as failed, exit 130, no worker left
#   hang         a hung worker in a matrix with --timeout, and without it under the default limit
#                (HETMC_DEFAULT_TIMEOUT=1): failed rows, one line per cell, the comparison, no
#                worker left; `run` likewise without --timeout
#   watchdog     in-process runs that cannot finish in time (serial and threads at 2^40 samples,
#                and the matrix's host reference count): a failed row or line at the limit and
#                exit 1; interrupted by SIGTERM, exit 130 within the grace
#   affinity     under `taskset -c 0` the defaults use 1 worker and provenance says cpu_affinity 0
#   bind         --bind cores pins every worker of threads, openmp, fork, pool and spawn to the
#                allowed CPUs in order (read back from /proc while they run)
#   calibration  calls x wall_s reaches --min-time, --min-time 0 is one call, --warmup K runs K
#                untimed warm-ups
# Every hetmc runs under `timeout`, so a hang fails the test instead of stalling CI.
set -u
hetmc=$1 case=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
token=$$-$RANDOM-$RANDOM
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out err=$tmp/err
fail() {
  echo "FAIL: $*"
  for f in "$out" "$err"; do [ -s "$f" ] && { echo "--- $(basename "$f"):"; head -c 4000 "$f"; }; done
  exit 1
}
ok() { echo "ok: $*"; }

# whole_csv FILE: every line a whole row with the header's fields (RFC 4180), the last byte a
# line break.
whole_csv() {
  python3 - "$1" <<'EOF' || fail "$1 is not a CSV of whole rows"
import csv, sys
data = open(sys.argv[1], newline="").read()
assert data.endswith("\n"), "ends inside a row"
rows = list(csv.reader(data.splitlines(True)))
assert len(rows) >= 1 and all(len(r) == len(rows[0]) for r in rows), "a row of another width"
EOF
}
# column FILE NAME: the values of a column, one a line (header excluded).
column() {
  python3 - "$1" "$2" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
for r in rows:
    print(r[sys.argv[2]])
EOF
}
# carriers: processes whose environment carries this test's token (hetmc and its workers).
carriers() {
  local n=0 f
  for f in /proc/[0-9]*/environ; do
    tr '\0' '\n' 2>/dev/null <"$f" | grep -qx "HETMC_TEST_TOKEN=$token" && n=$((n + 1))
  done
  echo "$n"
}
no_leftovers() {
  for _ in $(seq 20); do [ "$(carriers)" -eq 0 ] && return 0; sleep 0.1; done
  fail "$1: processes of the run are left"
}
# wait_rows FILE N: until FILE has more than N lines (at most 30 s).
wait_rows() {
  for _ in $(seq 300); do
    [ "$(cat "$1" 2>/dev/null | wc -l)" -gt "$2" ] && return 0
    sleep 0.1
  done
  return 1
}
run_hetmc() { env HETMC_TEST_TOKEN="$token" timeout 120 "$hetmc" "$@" >"$out" 2>"$err"; }

case_devfull() {
  "$hetmc" matrix --backends serial --samples 1000 --reps 2 --out "$tmp/a" --quiet >/dev/null 2>&1 ||
    fail "the matrix for compare"
  for args in "run --backend serial --samples 1000 --reps 1 --format csv" \
              "run --backend serial --samples 1000 --reps 1" "--version" "--help" "devices" \
              "compare $tmp/a $tmp/a" "compare --format csv $tmp/a $tmp/a"; do
    # shellcheck disable=SC2086
    timeout 60 "$hetmc" $args >/dev/full 2>"$err"
    rc=$?
    [ $rc -eq 1 ] || fail "hetmc $args >/dev/full: exit $rc, expected 1"
    [ "$(wc -l <"$err")" -eq 1 ] || fail "hetmc $args >/dev/full: not one line on stderr"
    grep -qx "hetmc: writing standard output: No space left on device" "$err" ||
      fail "hetmc $args >/dev/full: stderr does not name standard output and the error"
  done
  ok "every command into /dev/full exits 1 with one line"
}

case_fulldisk() {
  if [ "${TRUST_INNER:-}" != 1 ]; then
    # A private mount namespace: the tmpfs goes away with it, whatever happens.
    if ! unshare -m true 2>/dev/null && ! unshare -rm true 2>/dev/null; then
      echo "skipped: cannot create a mount namespace here (unshare -m), so no tmpfs to fill"
      exit 77
    fi
    flags=-m
    unshare -m true 2>/dev/null || flags=-rm
    TRUST_INNER=1 unshare $flags "$0" "$hetmc" fulldisk
    exit $?
  fi
  mkdir -p "$tmp/disk"
  if ! mount -t tmpfs -o size=12k tmpfs "$tmp/disk" 2>/dev/null; then
    echo "skipped: mounting a tmpfs is not permitted here"
    exit 77
  fi
  run_hetmc matrix --backends serial,threads --workers 1 --samples 1000..1040 --reps 4 \
    --out "$tmp/disk/r" --quiet
  rc=$?
  [ $rc -eq 1 ] || fail "full disk: exit $rc, expected 1"
  grep -q "writing $tmp/disk/r/runs.csv: No space left on device" "$err" ||
    fail "full disk: stderr does not name runs.csv and the error"
  [ ! -s "$out" ] || fail "full disk: the success line was printed"
  whole_csv "$tmp/disk/r/runs.csv"
  [ "$(wc -l <"$tmp/disk/r/runs.csv")" -gt 5 ] || fail "full disk: the rows before are lost"
  # One line for the failure; what hetmc says of the machine's load (another test may run
  # beside this one) is not about it.
  [ "$(grep -cv 'the machine is busy\|measured while other programs\|^  \|never got a clean' "$err")" = 1 ] ||
    fail "full disk: more than one line on stderr: $(cat "$err")"
  ! ls -a "$tmp/disk/r" | grep -q '\.tmp$' || fail "full disk: a temporary file is left"
  if [ -e "$tmp/disk/r/comparison.csv" ]; then whole_csv "$tmp/disk/r/comparison.csv"; fi
  umount "$tmp/disk"
  ok "full disk: exit 1, one line naming runs.csv, whole rows kept, no partial comparison"
}

case_signals() {
  for sig in TERM HUP INT; do
    env HETMC_TEST_TOKEN="$token" timeout 120 "$hetmc" matrix --backends serial --samples 2^22 \
      --reps 1000 --out "$tmp/$sig" --quiet >"$out" 2>"$err" &
    pid=$!
    wait_rows "$tmp/$sig/runs.csv" 3 || { kill -9 $pid; fail "SIG$sig: no rows written"; }
    kill -s "$sig" $pid
    wait $pid
    rc=$?
    [ $rc -eq 130 ] || fail "SIG$sig: exit $rc, expected 130"
    grep -q "interrupted by SIG$sig" "$err" || fail "SIG$sig: stderr does not say so"
    whole_csv "$tmp/$sig/runs.csv"
    [ -s "$tmp/$sig/comparison.csv" ] || fail "SIG$sig: no comparison"
    # The rows written before the signal are all counted: the clean ones, and those another
    # program disturbed (interfered, left out of the statistics but kept).
    kept=$(( $(column "$tmp/$sig/comparison.csv" reps_ok) + $(column "$tmp/$sig/comparison.csv" reps_interfered) ))
    [ "$kept" -ge 3 ] || fail "SIG$sig: rows lost"
  done
  ok "SIGTERM, SIGHUP and SIGINT: exit 130, whole rows, comparison written"
}

# group_interrupt DESCRIPTION CSV hetmc-arguments...: SIGINT to the process group of hetmc (a
# group of its own, as a shell gives a job) once CSV has rows; no failed row may come of it.
group_interrupt() {
  local what=$1 csv=$2 pgid
  shift 2
  rm -f "$tmp/pid"
  env HETMC_TEST_TOKEN="$token" timeout 120 setsid sh -c 'echo $$ >"$0"; exec "$@"' \
    "$tmp/pid" "$hetmc" "$@" >"$out" 2>"$err" &
  pid=$!
  wait_rows "$csv" 2 || { kill -9 $pid; fail "$what: no rows written"; }
  pgid=$(cat "$tmp/pid")
  sleep 0.2 # into the next repetition, workers computing
  kill -INT -- -"$pgid"
  wait $pid
  rc=$?
  whole_csv "$csv"
  column "$csv" status | grep -qv '^ok$' && fail "$what: the interruption was recorded as a failure"
  [ $rc -eq 130 ] || fail "$what, SIGINT to the group: exit $rc, expected 130"
  grep -q "interrupted by SIGINT" "$err" || fail "$what: stderr does not say interrupted"
  no_leftovers "$what"
}

case_group() {
  group_interrupt "matrix of spawn workers" "$tmp/g/runs.csv" matrix --backends spawn \
    --workers 2 --samples 2^27 --reps 1000 --out "$tmp/g" --quiet
  [ -s "$tmp/g/comparison.csv" ] || fail "group: no comparison"
  group_interrupt "run of spawn workers" "$out" run --backend spawn --workers 2 --samples 2^27 \
    --reps 1000 --format csv
  ok "Ctrl-C to the process group: exit 130, no failed repetition, no worker left"
}

# hung_matrix DESCRIPTION hetmc-arguments...: worker 1 of fork hangs in every run.
hung_matrix() {
  local what=$1
  shift
  HETMC_FAULT=worker=1,mode=hang run_hetmc matrix --backends fork --workers 2 \
    --samples 1000,2000 --reps 2 --out "$tmp/$what" --quiet "$@"
  rc=$?
  [ $rc -ne 124 ] || fail "$what: the matrix hung"
  [ $rc -eq 1 ] || fail "$what: exit $rc, expected 1"
  [ "$(grep -c "^hetmc matrix: fork w=2 N=.*timed out after" "$err")" -eq 2 ] ||
    fail "$what: not one line per failed cell"
  [ "$(column "$tmp/$what/runs.csv" status | grep -c failed)" -eq 2 ] || fail "$what: failed rows"
  [ -s "$tmp/$what/comparison.csv" ] || fail "$what: no comparison"
  no_leftovers "$what"
}

case_hang() {
  hung_matrix timeout --timeout 1
  HETMC_DEFAULT_TIMEOUT=1 hung_matrix default
  HETMC_DEFAULT_TIMEOUT=1 HETMC_FAULT=worker=0,mode=hang run_hetmc run --backend spawn \
    --workers 2 --samples 1000 --reps 1
  rc=$?
  [ $rc -eq 1 ] || fail "run without --timeout: exit $rc, expected 1"
  grep -q "timed out after 1.* s; worker 0 of 2 still running" "$err" || fail "run: no message"
  no_leftovers "run without --timeout"
  ok "hung workers: stopped with and without --timeout, one line per cell, nothing left"
}

# interrupted_long DESCRIPTION hetmc-arguments...: SIGTERM to a run that cannot finish soon and
# cannot be stopped from outside (in-process): exit 130 within the grace.
interrupted_long() {
  local what=$1
  shift
  env HETMC_TEST_TOKEN="$token" timeout 120 "$hetmc" "$@" >"$out" 2>"$err" &
  pid=$!
  sleep 1
  kill -TERM $pid
  wait $pid
  rc=$?
  [ $rc -eq 130 ] || fail "$what, SIGTERM: exit $rc, expected 130"
  grep -q "interrupted by SIGTERM" "$err" || fail "$what: stderr does not say interrupted"
}

case_watchdog() {
  # Cell after cell (--order cells), so that the small cell is measured before the hang.
  run_hetmc matrix --backends serial --samples 1000,2^40 --reps 2 --timeout 2 --order cells \
    --out "$tmp/w" --quiet
  rc=$?
  [ $rc -eq 1 ] || fail "serial past --timeout: exit $rc, expected 1"
  grep -q "^hetmc matrix: serial w=1 N=1099511627776: the warm-up failed: did not finish within" \
    "$err" || fail "serial past --timeout: no line for the cell"
  whole_csv "$tmp/w/runs.csv"
  column "$tmp/w/runs.csv" note | grep -q "did not finish within its limit of 2 s" ||
    fail "serial past --timeout: no failed row"
  [ "$(column "$tmp/w/comparison.csv" samples | tr '\n' ' ')" = "1000 1099511627776 " ] ||
    fail "serial past --timeout: the comparison lacks a cell"
  # Without serial the reference count is computed on the host: as long, and watched too.
  run_hetmc matrix --backends threads --samples 2^40 --timeout 1 --out "$tmp/r" --quiet
  rc=$?
  [ $rc -eq 1 ] || fail "reference count past --timeout: exit $rc, expected 1"
  grep -q "^hetmc matrix: the reference count .* did not finish within its limit of 1 s" "$err" ||
    fail "reference count past --timeout: no line"
  [ -e "$tmp/r/comparison.csv" ] || fail "reference count past --timeout: no comparison"
  run_hetmc run --backend threads --workers 2 --samples 2^40 --timeout 1 --format csv
  rc=$?
  [ $rc -eq 1 ] || fail "run past --timeout: exit $rc, expected 1"
  [ "$(column "$out" status)" = failed ] || fail "run past --timeout: no failed row"
  interrupted_long "matrix of serial at 2^40" matrix --backends serial --samples 2^40 \
    --out "$tmp/t" --quiet
  [ -e "$tmp/t/comparison.csv" ] || fail "serial interrupted: no comparison"
  interrupted_long "run of threads at 2^40" run --backend threads --samples 2^40
  ok "runs that cannot be stopped: a failed row at the limit, exit 130 on a signal"
}

case_affinity() {
  command -v taskset >/dev/null || { echo "skipped: no taskset"; exit 77; }
  timeout 60 taskset -c 0 "$hetmc" run --backend threads --samples 100000 --reps 1 \
    --format csv >"$out" 2>"$err" || fail "taskset -c 0 run"
  [ "$(column "$out" workers)" = 1 ] || fail "taskset -c 0: threads default to $(column "$out" workers) workers"
  timeout 60 taskset -c 0 "$hetmc" --version >"$out" 2>"$err" || fail "taskset -c 0 --version"
  grep -qx "cpu_affinity: 0 (1 CPU)" "$out" || fail "provenance does not give the allowed list"
  timeout 60 taskset -c 0 "$hetmc" matrix --backends threads --samples 1000 --reps 1 \
    --out "$tmp/aff" --quiet >"$out" 2>"$err" || fail "taskset -c 0 matrix"
  [ "$(column "$tmp/aff/runs.csv" workers | sort -u | tr '\n' ' ')" = "1 " ] ||
    fail "taskset -c 0: the matrix's default workers are not 1"
  grep -q "^cpu_affinity: 0 (1 CPU)" "$tmp/aff/provenance.txt" || fail "provenance.txt"
  ok "taskset -c 0: 1 worker by default, cpu_affinity: 0"
}

# pinned PID BACKEND: the CPUs of the pinned workers, sorted, space-separated (threads and
# openmp: the process's threads allowed on one CPU; process backends: its children).
pinned() {
  local pid=$1 backend=$2 f
  case $backend in
  threads | openmp) f=$(ls /proc/"$pid"/task/*/status 2>/dev/null) ;;
  *) f=$(for c in $(pgrep -P "$pid"); do echo /proc/"$c"/status; done) ;;
  esac
  for s in $f; do awk '/^Cpus_allowed_list:/ { print $2 }' "$s" 2>/dev/null; done |
    grep -vE '[-,]' | sort -n | tr '\n' ' '
}

case_bind() {
  read -r -a cpus <<<"$(python3 -c 'import os; print(*sorted(os.sched_getaffinity(0))[:2])')"
  [ ${#cpus[@]} -ge 2 ] || { echo "skipped: fewer than 2 CPUs allowed here"; exit 77; }
  # 3 workers on 2 CPUs: the allowed CPUs in order, wrapping around.
  want=$(printf '%s\n' "${cpus[0]}" "${cpus[1]}" "${cpus[0]}" | sort -n | tr '\n' ' ')
  for b in threads openmp fork pool spawn; do
    "$hetmc" --help | grep -q "^  $b " || continue
    env HETMC_TEST_TOKEN="$token" timeout 120 taskset -c "${cpus[0]},${cpus[1]}" "$hetmc" run \
      --backend "$b" --workers 3 --bind cores --samples 2^40 --reps 1 >"$out" 2>"$err" &
    pid=$!
    got=
    for _ in $(seq 100); do
      hpid=$(pgrep -P $pid) # hetmc, which taskset became
      [ -n "$hpid" ] && got=$(pinned "$hpid" "$b")
      [ "$got" = "$want" ] && break
      sleep 0.1
    done
    kill -INT $pid
    wait $pid
    [ "$got" = "$want" ] || fail "--bind cores, $b: workers on CPUs '$got', expected '$want'"
    no_leftovers "--bind cores, $b"
  done
  ok "--bind cores: workers on the allowed CPUs in order"
}

case_calibration() {
  run_hetmc run --backend serial --samples 1000 --reps 2 --format csv || fail "calibrated run"
  python3 - "$out" <<'EOF' || fail "calls x wall_s does not reach the default --min-time"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 2 and all(int(r["calls"]) >= 2 and int(r["calls"]) * float(r["wall_s"]) >= 0.00999 for r in rows)
EOF
  run_hetmc run --backend serial --samples 1000 --reps 2 --min-time 0 --format csv || fail "min-time 0"
  [ "$(column "$out" calls | tr '\n' ' ')" = "1 1 " ] || fail "--min-time 0 is not one call"
  # The fault hook counts run() calls: with --warmup 2, call 1 is the second warm-up.
  HETMC_FAULT=worker=0,mode=exit3,run=1 run_hetmc run --backend fork --workers 1 --samples 1000 \
    --reps 2 --warmup 2 --min-time 0 --format csv
  [ "$(column "$out" rep | tr '\n' ' ')" = "0 " ] || fail "--warmup 2: the second warm-up did not fail"
  HETMC_FAULT=worker=0,mode=exit3,run=0 run_hetmc run --backend fork --workers 1 --samples 1000 \
    --reps 2 --warmup 0 --min-time 0 --format csv
  [ "$(column "$out" status | tr '\n' ' ')" = "failed ok " ] || fail "--warmup 0: rep 1 is not the first run"
  ok "calibration: calls reach --min-time, --min-time 0 and --warmup K do what they say"
}

"case_$case" || exit 1
