#!/usr/bin/env bash
# compare.sh HETMC PYTHON -- `hetmc compare` on runs written here with known times:
#  - pairing: the same device name; a device whose name is on one side only pairs on its
#    position among the backend's devices (both names shown, names with commas and quotes
#    quoted in the CSV); cells on one side only listed; cells without ok rows left out;
#  - the ratio and its interval: B = 2 x A gives ratio 2, Hodges-Lehmann 2 and Moses' interval
#    [0.5, 8] with coverage 1 - 2/70 (checked by PYTHON against its own enumeration);
#  - hardening: mixed format_version (across or inside files), unknown versions, non-finite,
#    negative, hexadecimal and signed numbers, a missing column: exit 2, one line on stderr
#    naming the file and the row, nothing on stdout.
set -u
hetmc=$1 py=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

header=$("$hetmc" run --backend serial --samples 10 --reps 1 --format csv | head -n 1)
# The columns after samples_per_s, empty: every row has the header's fields.
rest=$(tr -cd , <<<"$header" | tail -c +18)
# row VERSION BACKEND DEVICE WORKERS SAMPLES STATUS WALL...: one row per wall time, rep 1, 2, ...
row() {
  local v=$1 b=$2 d=$3 w=$4 n=$5 st=$6 rep=0
  shift 6
  for wall in "$@"; do
    rep=$((rep + 1))
    hits=785; [ "$st" = ok ] || hits=
    echo "$v,2026-01-01T00:00:00Z,host,$b,$d,$w,$n,42,$rep,$st,$hits,3.14,0.001,$wall,0,$wall,0,1e6$rest"
  done
}
{ echo "$header"
  row 2 serial cpu 1 1000 ok 1 2 3 4
  row 2 opencl '"Dev, A"' 1 1000 ok 1 1 1 1
  row 2 opencl 'Dev B2' 1 1000 ok 1 1 1 1
  row 2 threads cpu 2 1000 ok 1 1 1 1
  row 2 fork cpu 2 1000 failed ''
} >"$tmp/a.csv"
{ echo "$header"
  row 2 serial cpu 1 1000 ok 2 4 6 8
  row 2 opencl '"GPU ""X"", 2"' 1 1000 ok 2 2 2 2
  row 2 opencl 'Dev B2' 1 1000 ok 3 3 3 3
  row 2 pool cpu 2 1000 ok 1 1 1 1
} >"$tmp/b.csv"

"$hetmc" compare "$tmp/a.csv" "$tmp/b.csv" >"$tmp/table.txt" 2>"$tmp/err" || fail "compare exited $?"
cat "$tmp/table.txt"
[ ! -s "$tmp/err" ] || fail "compare wrote to stderr: $(cat "$tmp/err")"
grep -q '^# 3 shared cells (2 paired on the device name, 1 on its position)' "$tmp/table.txt" ||
  fail "table: not 3 shared cells, 2 by name and 1 by position"
grep -q 'devices: A "Dev, A", B "GPU "X", 2" (paired on position 0' "$tmp/table.txt" ||
  fail "table: the position pair does not name both devices"
grep -q '^# only in A: 1 cell' "$tmp/table.txt" && grep -q '^#   threads "cpu" workers 2' "$tmp/table.txt" ||
  fail "table: threads w=2 not listed as only in A"
grep -q '^# only in B: 1 cell' "$tmp/table.txt" && grep -q '^#   pool "cpu" workers 2' "$tmp/table.txt" ||
  fail "table: pool w=2 not listed as only in B"
grep -q 'left out: 1 cell of A, 0 of B' "$tmp/table.txt" || fail "table: the failed cell is not counted as left out"

"$hetmc" compare --format csv "$tmp/a.csv" "$tmp/b.csv" >"$tmp/cmp.csv" || fail "compare csv exited $?"
cat "$tmp/cmp.csv"
"$py" - "$tmp/cmp.csv" <<'PY' || fail "the CSV of compare"
import csv, itertools, math, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
head, body = rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]
assert all(len(r) == len(head) for r in rows), "rows of different widths"
cells = {(r["backend"], r["device_a"], r["device_b"]): r for r in body}
pos = cells[("opencl", "Dev, A", 'GPU "X", 2')]
assert pos["paired_on"] == "position" and pos["hits_equal"] == "equal", pos
assert cells[("opencl", "Dev B2", "Dev B2")]["paired_on"] == "name"
assert cells[("threads", "cpu", "")]["paired_on"] == "a_only"
assert cells[("pool", "", "cpu")]["paired_on"] == "b_only"
s = cells[("serial", "cpu", "cpu")]
# Moses' interval by enumeration: 70 arrangements of 4 + 4; C = 0 is the largest C with
# 1 - 2 P(U <= C) >= 0.95; the interval is the extreme ratios, the estimate their median.
a, b = [1, 2, 3, 4], [2, 4, 6, 8]
ratios = sorted(y / x for x in a for y in b)
count0 = sum(1 for m in itertools.combinations(range(8), 4) if list(m) == [4, 5, 6, 7])
coverage = 1 - 2 * count0 / math.comb(8, 4)
want = {"ratio_b_over_a": 5 / 2.5, "ratio_hl": (ratios[7] * ratios[8]) ** 0.5,
        "ratio_ci_low": ratios[0], "ratio_ci_high": ratios[-1], "ratio_ci_coverage": coverage}
for k, v in want.items():
    assert abs(float(s[k]) - v) < 1e-4 * v, (k, s[k], v)
print("ok: compare CSV: pairs, unmatched cells, ratio %s in [%s, %s] at %s" %
      (s["ratio_hl"], s["ratio_ci_low"], s["ratio_ci_high"], s["ratio_ci_coverage"]))
PY

# Bad input: exit 2, one line on stderr naming PATTERN, nothing on stdout.
bad() {
  local pattern=$1
  shift
  "$hetmc" compare "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ $rc -eq 2 ] || fail "compare $*: exit $rc, expected 2"
  [ ! -s "$tmp/out" ] || fail "compare $*: wrote to stdout"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "compare $*: not one line on stderr"
  grep -qF -- "$pattern" "$tmp/err" || fail "compare $*: stderr '$(cat "$tmp/err")' does not say '$pattern'"
  echo "ok: $(cat "$tmp/err")"
}
# A file of another version (as version 1 files end at sigmas, the columns beyond are absent).
# Version 1: the first 26 columns (cut as CSV: a device name holds a quoted comma).
"$py" -c 'import csv, sys
w = csv.writer(sys.stdout, lineterminator="\n")
for i, r in enumerate(csv.reader(open(sys.argv[1], newline=""))):
    w.writerow((r[:1] if i == 0 else ["1"]) + r[1:26])' "$tmp/b.csv" >"$tmp/v1.csv"
bad "format_version 1 and B" "$tmp/v1.csv" "$tmp/a.csv"
bad "format_version 2 and B" "$tmp/a.csv" "$tmp/v1.csv"
"$hetmc" compare "$tmp/v1.csv" "$tmp/v1.csv" >/dev/null || fail "two version 1 files do not compare"
# One bad field in row 3 of a copy of A, one at a time.
spoil() { # spoil FIELD VALUE: A with field FIELD of row 3 (after the header) set to VALUE
  awk -F, -v OFS=, -v f="$1" -v v="$2" 'NR == 4 { $f = v } { print }' "$tmp/a.csv" >"$tmp/spoiled.csv"
}
spoil 1 1; bad "row 3 after the header: format_version '1' differs" "$tmp/spoiled.csv" "$tmp/b.csv"
spoil 1 3; bad "row 3 after the header: format_version '3' differs" "$tmp/spoiled.csv" "$tmp/b.csv"
sed '2,$s/^2,/4,/' "$tmp/a.csv" >"$tmp/v4.csv"
bad "row 1 after the header: format_version '4' is not one this hetmc reads (1, 2, 3)" "$tmp/v4.csv" "$tmp/b.csv"
# Version 3 only adds the foreign load after balance: it mixes with version 2.
sed '2,$s/^2,/3,/' "$tmp/a.csv" >"$tmp/v3.csv"
"$hetmc" compare "$tmp/v3.csv" "$tmp/b.csv" >"$tmp/out" || fail "versions 3 and 2 do not compare"
grep -q "format_version 3 and 2" "$tmp/out" || fail "the table does not name both versions"
for v in inf -inf nan NaN; do
  spoil 14 "$v"; bad "row 3 after the header: wall_s '$v' is not a finite number" "$tmp/spoiled.csv" "$tmp/b.csv"
done
spoil 14 -0.5; bad "row 3 after the header: wall_s '-0.5' is negative" "$tmp/spoiled.csv" "$tmp/b.csv"
spoil 14 0x1p-3; bad "row 3 after the header: wall_s '0x1p-3' is not a decimal number" "$tmp/spoiled.csv" "$tmp/b.csv"
spoil 14 0; bad "wall_s '0' is not above 0 on an ok row" "$tmp/spoiled.csv" "$tmp/b.csv"
spoil 15 -1e-3; bad "row 3 after the header: setup_s '-1e-3' is negative" "$tmp/spoiled.csv" "$tmp/b.csv"
spoil 7 0x3e8; bad "row 3 after the header: samples '0x3e8' is not a whole decimal number" "$tmp/spoiled.csv" "$tmp/b.csv"
spoil 7 9223372036854775809; bad "samples '9223372036854775809'" "$tmp/spoiled.csv" "$tmp/b.csv"
spoil 11 +785; bad "row 3 after the header: hits '+785'" "$tmp/spoiled.csv" "$tmp/b.csv"
spoil 10 done; bad "status 'done' is not ok, skipped or failed" "$tmp/spoiled.csv" "$tmp/b.csv"
"$py" -c 'import csv, sys
w = csv.writer(sys.stdout, lineterminator="\n")
for r in csv.reader(open(sys.argv[1], newline="")):
    w.writerow(r[:13])' "$tmp/a.csv" >"$tmp/narrow.csv"
bad "no column 'wall_s'" "$tmp/narrow.csv" "$tmp/b.csv"
# Malformed files (issue 23): each refused with one line naming the file and the line.
head -c -1 "$tmp/a.csv" >"$tmp/torn.csv"
bad "torn.csv: line 18: the last row is not whole: no line break at its end" "$tmp/torn.csv" "$tmp/b.csv"
sed '$s/,cpu,/,"cpu,/' "$tmp/a.csv" >"$tmp/quote.csv"
bad "quote.csv: line 18: the last row is not whole: a quoted field is not closed" "$tmp/quote.csv" "$tmp/b.csv"
sed '3s/serial/seri\x00al/' "$tmp/a.csv" >"$tmp/nul.csv"
bad "nul.csv: line 3: a NUL byte: not a text file" "$tmp/nul.csv" "$tmp/b.csv"
for n in 10 20 34; do
  "$py" -c 'import csv, sys
w = csv.writer(sys.stdout, lineterminator="\n")
for i, r in enumerate(csv.reader(open(sys.argv[1], newline=""))):
    w.writerow(r if i != 2 else (r + ["x"] * 99)[:int(sys.argv[2])])' "$tmp/a.csv" $n >"$tmp/w$n.csv"
  bad "w$n.csv: line 3: $n fields, the header has" "$tmp/w$n.csv" "$tmp/b.csv"
done
: >"$tmp/empty.csv"
bad "empty.csv: an empty file (no header row)" "$tmp/empty.csv" "$tmp/b.csv"
bad "/dev/null: an empty file (no header row)" /dev/null "$tmp/b.csv"
mkdir -p "$tmp/folder/runs.csv"
bad "folder/runs.csv: cannot read: Is a directory" "$tmp/folder" "$tmp/b.csv"
{ printf '\xef\xbb\xbf'; cat "$tmp/a.csv"; } >"$tmp/bom.csv"
"$hetmc" compare "$tmp/bom.csv" "$tmp/b.csv" >/dev/null || fail "a file with a byte order mark: exit $?"
echo "ok: a file with a UTF-8 byte order mark compares"
bad "expected two runs" "$tmp/a.csv"
echo "ok: compare pairs, lists, and rejects bad input"
