#!/usr/bin/env bash
# matrix.sh HETMC [PYTHON] -- `hetmc matrix` and `hetmc compare` end to end on a small matrix:
# the files, the header, every ok row's hits equal to serial's, the comparison rows, bad
# arguments rejected before anything is written, compare of two runs, a run killed by SIGINT
# and by SIGKILL leaving a valid CSV of whole rows, and (when PYTHON has matplotlib) the plots.
set -u
hetmc=$1 py=${2:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A valid runs.csv: every line has the header's number of fields (hetmc never quotes a comma
# into a note here), and the last byte is a line break.
whole_rows() {
  local f=$1
  [ -s "$f" ] || fail "$f is empty"
  [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ] || fail "$f ends inside a row"
  awk -F, 'NR == 1 { n = NF } NF != n { bad++ } END { exit bad > 0 }' "$f" ||
    fail "$f has a row with the wrong number of fields"
}

"$hetmc" matrix --samples 1000,4097 --workers 1,2 --reps 2 --out "$tmp/a" --quiet ||
  fail "matrix exited $?"
for f in runs.csv comparison.csv provenance.txt; do [ -s "$tmp/a/$f" ] || fail "no $f"; done
head -n 1 "$tmp/a/runs.csv" | grep -q '^format_version,timestamp_utc,host,backend,device,workers,samples,seed,rep,status,hits,pi_estimate,abs_error,wall_s,setup_s,compute_s,collect_s,samples_per_s' ||
  fail "runs.csv header is not the contract's"
grep -q '^git_commit: ' "$tmp/a/provenance.txt" || fail "provenance has no git commit"
whole_rows "$tmp/a/runs.csv"
# Every ok row's hits equal serial's at the same samples; serial ran at both sizes.
awk -F, 'NR > 1 && $4 == "serial" && $10 == "ok" { ref[$7] = $11 }
         NR > 1 && $10 == "ok" { ok[NR] = $7 SUBSEP $11; n++ }
         END { if (!(1000 in ref) || !(4097 in ref)) { print "no serial reference"; exit 1 }
               for (i in ok) { split(ok[i], p, SUBSEP); if (ref[p[1]] != p[2]) { print "row", i, "differs"; exit 1 } }
               if (n < 4) { print "too few ok rows"; exit 1 } }' "$tmp/a/runs.csv" ||
  fail "hits of ok rows differ from serial's"
# Two reps per cell (more when other programs disturbed some: interfered ones are measured
# again); a comparison row per cell with every rep ok and hits_match true.
cells=$(awk -F, 'NR > 1 && $10 != "skipped" { c[$4 FS $5 FS $6 FS $7] = 1 } END { print length(c) }' "$tmp/a/runs.csv")
rows=$(awk -F, 'NR > 1 && $6 + $28 >= 2 && $7 == 0 && $23 == "true" { n++ } END { print n + 0 }' "$tmp/a/comparison.csv")
[ "$cells" -ge 2 ] && [ "$rows" -eq "$cells" ] ||
  fail "comparison has $rows complete rows for $cells cells"
head -n 1 "$tmp/a/comparison.csv" | grep -q 'median_wall_s.*ci_low_wall_s.*speedup_vs_serial,parallel_efficiency.*hits_match' ||
  fail "comparison header"

# forkserver beside coexec's default parts (which list the OpenCL devices, starting the
# driver's threads): the fork server must start before, so every forkserver row is ok.
"$hetmc" matrix --backends forkserver,coexec --samples 1000 --workers 1 --reps 1 \
  --out "$tmp/fs" --quiet >/dev/null || fail "forkserver,coexec matrix exited $?"
n=$(awk -F, 'NR > 1 && $4 == "forkserver" && $10 == "ok" { n++ } END { print n + 0 }' "$tmp/fs/runs.csv")
bad=$(awk -F, 'NR > 1 && $10 != "ok" { n++ } END { print n + 0 }' "$tmp/fs/runs.csv")
[ "$n" -ge 1 ] && [ "$bad" -eq 0 ] || fail "forkserver in a matrix with coexec: $n ok rows, $bad not ok"

# Bad arguments: exit 2, one line on stderr, nothing created.
for args in "--samples 2^70" "--workers 0" "--backends nosuch" "--samples 9..3" "--reps 0" \
            "--samples 1..9x1" "--bogus"; do
  # shellcheck disable=SC2086
  "$hetmc" matrix $args --out "$tmp/bad" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 2 ] || fail "matrix $args exited $rc, not 2"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "matrix $args: not one line on stderr"
  [ ! -s "$tmp/out" ] || fail "matrix $args wrote to stdout"
  [ ! -e "$tmp/bad" ] || fail "matrix $args created the output folder"
done

# compare: table and CSV of two runs.
"$hetmc" matrix --samples 1000,4097 --workers 1,2 --reps 2 --out "$tmp/b" --quiet || fail "second matrix"
"$hetmc" compare "$tmp/a" "$tmp/b" >"$tmp/cmp.txt" || fail "compare exited $?"
cat "$tmp/cmp.txt"
grep -q 'ratio' "$tmp/cmp.txt" && grep -q '^serial .* equal$' "$tmp/cmp.txt" || fail "compare table"
"$hetmc" compare --format csv "$tmp/a/runs.csv" "$tmp/b" >"$tmp/cmp.csv" || fail "compare csv"
n=$(awk -F, 'NR > 1 && $21 == "equal" && $11 > 0 && $6 == "name" { n++ } END { print n + 0 }' "$tmp/cmp.csv")
[ "$n" -eq "$cells" ] || fail "compare CSV has $n rows, expected $cells"
"$hetmc" compare "$tmp/a" >/dev/null 2>&1; [ $? -eq 2 ] || fail "compare with one run is not exit 2"

# Interrupted runs keep whole rows: SIGINT (stops between repetitions) and SIGKILL.
for sig in INT KILL; do
  "$hetmc" matrix --backends serial --samples 2^22 --reps 1000 --out "$tmp/$sig" --quiet \
    >/dev/null 2>&1 &
  pid=$!
  # Kill it once it has written a few rows (at most 20 s of waiting on a loaded machine).
  for _ in $(seq 200); do
    [ "$(cat "$tmp/$sig/runs.csv" 2>/dev/null | wc -l)" -gt 3 ] && break
    sleep 0.1
  done
  kill -s $sig $pid
  wait $pid
  rc=$?
  [ $rc -ne 0 ] || fail "SIG$sig: matrix finished before the signal"
  whole_rows "$tmp/$sig/runs.csv"
  [ "$(wc -l <"$tmp/$sig/runs.csv")" -gt 2 ] || fail "SIG$sig: no finished rows kept"
  if [ $sig = INT ]; then
    [ -s "$tmp/$sig/comparison.csv" ] || fail "SIGINT: no comparison of the finished rows"
  fi
done

# The figures, when this Python has matplotlib.
if [ -n "$py" ] && "$py" -c 'import matplotlib' 2>/dev/null; then
  "$py" "$(dirname "$0")/../scripts/plot.py" "$tmp/a" --hetmc "$hetmc" || fail "plot.py exited $?"
  for f in throughput speedup phases error; do
    for e in png svg; do [ -s "$tmp/a/$f.$e" ] || fail "no $f.$e"; done
  done
fi
echo "ok: matrix, compare, interrupted runs and figures"
