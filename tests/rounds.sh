#!/usr/bin/env bash
# rounds.sh HETMC CASE -- the matrix's repetitions in rounds and its foreign load, as a user
# sees them (run alone: another test's work would be foreign load here):
#   order     --order cells keeps each cell's repetitions back to back in the plan's order;
#             --order rounds (the default) runs rep r of every cell before rep r + 1, the
#             reference's cells first in round 1, in an order the seed repeats
#   passing   a CPU burner started by the test during part of a matrix: the repetitions it
#             overlapped are interfered and measured again; the cell's statistics leave them
#             out; the matrix lists them on stderr
#   steady    a burner for the whole matrix: every row has foreign load, every cell is marked
#             (under_load), nothing passes as a clean measurement
#   quiet     no burner, on a machine found quiet at the start: no repetition is interfered
# passing and quiet need a machine that is otherwise quiet: they skip (77) when the matrix
# finds it busy at the start.
set -u
hetmc=$1 case=$2
tmp=$(mktemp -d)
burner=
trap '[ -n "$burner" ] && kill "$burner" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# column FILE NAME: the values of column NAME (no quoted commas in the columns used here).
column() {
  awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
                        c { print $c }' "$1"
}
# rows FILE COLUMNS...: the named columns of every row, space-separated.
rows() {
  local f=$1
  shift
  awk -F, -v names="$*" 'NR == 1 { n = split(names, want, " ")
                                   for (i = 1; i <= NF; i++) at[$i] = i; next }
                         { line = ""; for (k = 1; k <= n; k++) line = line (k > 1 ? " " : "") $at[want[k]]
                           print line }' "$f"
}
if [ ! -r /proc/stat ]; then
  echo "skipped: no /proc/stat here, so hetmc measures no foreign load"
  exit 77
fi
# burn SECONDS: one CPU-bound process of the test (not hetmc's), in the background; it ends by
# itself (bash's own clock), so that a test killed from outside leaves nothing running.
burn() {
  bash -c 'end=$((${EPOCHREALTIME/./} + $0)); while [ "${EPOCHREALTIME/./}" -lt $end ]; do :; done' \
    "$(awk -v s="$1" 'BEGIN { printf "%d", s * 1e6 }')" &
  burner=$!
}

case_order() {
  "$hetmc" matrix --backends serial,threads --workers 1 --samples 1000,2000 --reps 2 \
    --min-time 0 --retries 0 --order cells --out "$tmp/c" --quiet || fail "matrix exited $?"
  got=$(rows "$tmp/c/runs.csv" backend samples rep | tr '\n' ';')
  want="serial 1000 1;serial 1000 2;serial 2000 1;serial 2000 2;threads 1000 1;threads 1000 2;threads 2000 1;threads 2000 2;"
  [ "$got" = "$want" ] || fail "--order cells: rows in the order $got, expected $want"
  echo "ok: --order cells: each cell's repetitions back to back, in the plan's order"
  for run in r1 r2; do
    "$hetmc" matrix --backends threads,serial --workers 1,2 --samples 1000,2000,3000 --reps 3 \
      --min-time 0 --retries 0 --order-seed 7 --out "$tmp/$run" --quiet || fail "matrix exited $?"
  done
  a=$(rows "$tmp/r1/runs.csv" backend workers samples rep | tr '\n' ';')
  b=$(rows "$tmp/r2/runs.csv" backend workers samples rep | tr '\n' ';')
  [ "$a" = "$b" ] || fail "--order-seed 7 twice gave two orders: $a and $b"
  rows "$tmp/r1/runs.csv" backend rep | awk '
    { if ($2 < last) { print "rep " $2 " after rep " last; bad = 1 }; last = $2 }
    NR <= 3 && $1 != "serial" { print "round 1 does not start with serial"; bad = 1 }
    END { exit bad }' || fail "--order rounds: $a"
  cells=$(rows "$tmp/r1/runs.csv" backend workers samples | sort -u | wc -l)
  [ "$cells" -eq 9 ] || fail "--order rounds: $cells cells, expected 9"
  grep -q '^order: rounds, shuffled with seed 7;' "$tmp/r1/provenance.txt" ||
    fail "provenance.txt does not record the order and its seed"
  first=$(rows "$tmp/r1/runs.csv" backend workers samples | sed -n '4,9p' | tr '\n' ';')
  [ "$first" != "threads 1 1000;threads 1 2000;threads 1 3000;threads 2 1000;threads 2 2000;threads 2 3000;" ] ||
    fail "--order rounds: round 1 is in the plan's order, not shuffled"
  echo "ok: --order rounds: rep r of all 9 cells before rep r + 1, serial first, seed 7 repeats: ${a:0:80}..."
}

case_passing() {
  "$hetmc" matrix --backends serial,threads --workers 2 --samples 2^22 --reps 8 --retries 3 \
    --out "$tmp/p" --quiet 2>"$tmp/p.err" &
  local m=$!
  sleep 2
  burn 1.5
  wait $m || fail "matrix exited $?; $(cat "$tmp/p.err")"
  cat "$tmp/p.err"
  if grep -q "the machine is busy" "$tmp/p.err"; then
    echo "skipped: other programs were busy before the burner started"
    exit 77
  fi
  n=$(column "$tmp/p/runs.csv" interfered | grep -c true)
  [ "$n" -ge 1 ] || fail "a burner for 1.5 s marked no repetition interfered: $(column "$tmp/p/runs.csv" foreign_cpu | tr '\n' ' ')"
  # Every interfered repetition is measured again (up to --retries 3 per cell).
  rows "$tmp/p/runs.csv" backend interfered rep | awk '
    { cell[$1]++; if ($2 == "true") bad[$1]++; if ($3 > max[$1]) max[$1] = $3 }
    END { for (c in cell) { want = 8 + (bad[c] > 3 ? 3 : bad[c] + 0)
                            if (max[c] < want) { print c ": " max[c] " reps for " bad[c] " interfered"; e = 1 } }
          exit e }' || fail "interfered repetitions were not measured again"
  ints=$(column "$tmp/p/comparison.csv" reps_interfered | awk '{ s += $1 } END { print s + 0 }')
  [ "$ints" -eq "$n" ] || fail "comparison.csv counts $ints interfered repetitions, runs.csv $n"
  grep -q "had repetitions measured while other programs used the CPUs" "$tmp/p.err" ||
    fail "the matrix did not list the interfered cells"
  [ -z "$(column "$tmp/p/comparison.csv" under_load | grep true)" ] ||
    fail "a cell has no clean repetition although the burner ran for 1.5 s only"
  echo "ok: a passing burner: $n repetitions interfered, measured again, left out of the medians"
}

case_steady() {
  burn 60
  "$hetmc" matrix --backends serial,threads --workers 2 --samples 2^20 --reps 3 --retries 1 \
    --out "$tmp/s" --quiet 2>"$tmp/s.err" || fail "matrix exited $?"
  kill "$burner" 2>/dev/null
  burner=
  cat "$tmp/s.err"
  grep -q "the machine is busy" "$tmp/s.err" || fail "the matrix did not say the machine was busy"
  low=$(column "$tmp/s/runs.csv" foreign_cpu | awk '$1 < 0.5 { n++ } END { print n + 0 }')
  [ "$low" -eq 0 ] || fail "$low rows with a foreign load under 0.5 core beside a burner"
  clean=$(column "$tmp/s/runs.csv" interfered | grep -c false)
  [ "$clean" -eq 0 ] || fail "$clean repetitions passed as clean beside a burner"
  [ -z "$(column "$tmp/s/comparison.csv" under_load | grep -v true)" ] ||
    fail "a cell is not marked under_load beside a burner"
  grep -q "never got a clean repetition" "$tmp/s.err" || fail "no line for the unclean cells"
  echo "ok: a steady burner: every row foreign, every cell under_load"
}

case_quiet() {
  "$hetmc" matrix --backends serial,threads --workers 2 --samples 2^20 --reps 3 \
    --out "$tmp/q" --quiet 2>"$tmp/q.err" || fail "matrix exited $?"
  if grep -q "the machine is busy" "$tmp/q.err"; then
    echo "skipped: the machine was busy at the start: $(grep busy "$tmp/q.err")"
    exit 77
  fi
  n=$(column "$tmp/q/runs.csv" interfered | grep -c true)
  [ "$n" -eq 0 ] || fail "$n repetitions interfered on a quiet machine: $(column "$tmp/q/runs.csv" foreign_cpu | tr '\n' ' ')"
  echo "ok: quiet: no repetition interfered (foreign load $(column "$tmp/q/runs.csv" foreign_cpu | tr '\n' ' '))"
}

"case_$case"
