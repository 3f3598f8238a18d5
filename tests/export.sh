#!/usr/bin/env bash
# export.sh HETMC PYTHON SOURCE -- hetmc's exports (host/cli/export.c):
#  - a real matrix's results.json validates against docs/results.schema.json (which must be
#    what tests/results_schema.py makes of this hetmc's columns), loads with json.load and
#    pandas.json_normalize, and has every row of runs.csv and comparison.csv, numbers as
#    numbers, empty fields as null, the provenance as an object;
#  - `hetmc run --format json` validates against the same schema; `--format markdown` is a
#    table with one row per repetition;
#  - `hetmc compare A B --format json|markdown`: the pairs; a device name with '|', '"' and
#    '\' is escaped in both (RFC 8259 strings; '\|' in a Markdown cell).
set -u
hetmc=$1 py=$2 src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 1

"$hetmc" matrix --backends serial,threads --samples 2^16 --reps 2 --out m --quiet >/dev/null \
  2>err || fail "matrix: $(cat err)"
[ -s m/results.json ] || fail "no results.json beside the CSVs"
[ ! -e m/results.json.tmp ] || fail "results.json.tmp left behind"
"$hetmc" run --backend serial --samples 1e6 --reps 2 --format json >run.json 2>/dev/null ||
  fail "run --format json"
"$py" "$src/tests/results_schema.py" check "$hetmc" "$src/docs/results.schema.json" \
  m/results.json run.json || fail "schema"

"$py" - m <<'PY' || fail "results.json against the CSVs"
import csv, json, sys
d = sys.argv[1]
doc = json.load(open(d + "/results.json"))
for key, name in (("runs", "runs.csv"), ("comparison", "comparison.csv")):
    rows = list(csv.DictReader(open("%s/%s" % (d, name), newline="")))
    assert len(doc[key]) == len(rows), (key, len(doc[key]), len(rows))
    for j, r in zip(doc[key], rows):
        assert list(j) == list(r), "columns differ from %s" % name
        for k, v in r.items():
            if v == "":
                assert j[k] is None, (k, j[k])
            elif isinstance(j[k], (int, float)) and not isinstance(j[k], bool):
                assert float(v) == j[k], (k, v, j[k])
r = doc["runs"][0]
assert isinstance(r["hits"], int) and isinstance(r["wall_s"], float)
assert r["note"] is None or isinstance(r["note"], str)
assert doc["provenance"]["command"].startswith("hetmc matrix")
assert isinstance(doc["provenance"]["host"], str)
assert doc["comparison"][0]["hits_match"] is True
PY

md=$("$hetmc" run --backend serial --samples 1e6 --reps 3 --format markdown 2>/dev/null) ||
  fail "run --format markdown"
[ "$(printf '%s\n' "$md" | grep -c '^| serial | cpu | 1 | 1000000 |')" = 3 ] ||
  fail "run markdown: not 3 rows: $md"
printf '%s\n' "$md" | sed -n 2p | grep -q '^| --- | --- | ---: |' || fail "no separator: $md"

# Two runs of one device whose name needs escaping in both formats.
mkdir a b
sed '2,$ s/,cpu,/,"d|e\\""f",/' m/runs.csv >a/runs.csv
cp a/runs.csv b/runs.csv
"$hetmc" compare a b --format json >cmp.json || fail "compare --format json"
"$py" - <<'PY' || fail "compare json"
import json
doc = json.load(open("cmp.json"))
assert doc["a"] == "a" and len(doc["pairs"]) == 3, doc
p = doc["pairs"][0]
assert p["device_a"] == 'd|e\\"f', p["device_a"]
# 2 repetitions, more when some were interfered and measured again (the same file: equal).
assert p["ratio_b_over_a"] == 1 and p["significant"] is False, p
assert p["reps_a"] == p["reps_b"] and p["reps_a"] >= 1, p
PY
"$hetmc" compare a b --format markdown >cmp.md || fail "compare --format markdown"
grep -qF '| serial | 1 | 65536 | d\|e\\"f | d\|e\\"f |' cmp.md ||
  fail "compare markdown: $(cat cmp.md)"
cols=$(grep -c '^|' cmp.md)
[ "$cols" = 5 ] || fail "compare markdown: $cols table lines, not 5: $(cat cmp.md)"
echo "export: results.json, run and compare in json and markdown: ok"
