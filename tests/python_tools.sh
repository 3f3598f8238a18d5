#!/usr/bin/env bash
# python_tools.sh HETMC PYTHON -- scripts/plot.py and scripts/report.py on bad input and bad
# output paths (issue: "nothing lost"): every case one line on stderr, the right exit status,
# never a traceback, nothing written.
#  1. 32 malformed runs.csv files: each one `hetmc compare` rejects (exit 2) is rejected by
#     plot.py and by report.py with exit 2, one line, no figure or page written;
#  2. --out: a symbolic link is refused (exit 2, its target untouched), a FIFO is written
#     through (the page arrives at its reader, the FIFO stays a FIFO), /dev/full exits 1,
#     an existing folder exits 2, a path through a file exits 1; a missing --hetmc exits 2;
#  3. the good folder: the page and summary.md, whose findings name their figures.
# Exit 77 (skipped) when PYTHON lacks matplotlib.
set -u
hetmc=$1 py=$2
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$py" -c 'import matplotlib' 2>/dev/null || { echo "skipped: $py has no matplotlib"; exit 77; }
plot=$src/scripts/plot.py report=$src/scripts/report.py

"$hetmc" matrix --backends serial,threads --samples 1000,4097 --workers 1,2 --reps 2 \
  --out "$tmp/good" --quiet || fail "matrix exited $?"
rm -f "$tmp/good/comparison.csv"  # the tools derive it (hetmc summarize)

# expect RC WHAT CMD...: exit RC, one line on stderr, no traceback.
expect() {
  local want=$1 what=$2 rc
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq "$want" ] || fail "$what: exit $rc, expected $want: $(head -c 300 "$tmp/err")"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$what: not one line on stderr: $(head -c 600 "$tmp/err")"
  ! grep -q Traceback "$tmp/err" || fail "$what: a traceback"
}

# 1. Malformed inputs, made from the good runs.csv.
"$py" - "$tmp/good/runs.csv" "$tmp/bad" <<'PY' || fail "making the malformed inputs"
import os, sys
good = open(sys.argv[1], "rb").read()
head, *rows = good.decode().splitlines(keepends=True)
cols = head.rstrip("\n").split(",")
def field(name, value, row=0):
    out = list(rows)
    f = out[row].rstrip("\n").split(",")
    f[cols.index(name)] = value
    out[row] = ",".join(f) + "\n"
    return (head + "".join(out)).encode("latin-1")
cases = {
    "empty": b"", "garbage": bytes(range(256)) * 8, "header-only": head.encode(),
    "nan-wall": field("wall_s", "nan"), "inf-wall": field("wall_s", "inf"),
    "neg-wall": field("wall_s", "-0.5"), "zero-wall": field("wall_s", "0"),
    "version-3": field("format_version", "3"), "renamed-column": good.replace(b"wall_s", b"wall", 1),
    "torn": good[:len(good) - len(rows[-1]) // 2], "hex-samples": field("samples", "0x3e8"),
    "long-field": field("host", "x" * 131073), "latin1": field("host", "h\xe9te"),
    "nan-setup": field("setup_s", "nan"), "inf-compute": field("compute_s", "inf"),
    "neg-hits": field("hits", "-5"), "word-workers": field("workers", "two"),
    "empty-samples": field("samples", ""), "neg-seed": field("seed", "-1"),
    "exp-hits": field("hits", "1e3"), "huge-wall": field("wall_s", "1e999"),
    "signed-samples": field("samples", "+1000"), "version-0": field("format_version", "0"),
    "extra-field": good + b"," * 3, "short-row": (head + rows[0][:20] + "\n").encode(),
    "nul-byte": good.replace(b"serial", b"ser\0ial", 1), "bom": b"\xef\xbb\xbf" + good,
    "unterminated-quote": good + b'2,"never closed\n', "neg-setup": field("setup_s", "-1"),
    "space-wall": field("wall_s", " 0.1"), "mixed-versions": field("format_version", "1", 1),
    "no-status": good.replace(b",status,", b",state,", 1),
}
for name, data in cases.items():
    os.makedirs(os.path.join(sys.argv[2], name))
    open(os.path.join(sys.argv[2], name, "runs.csv"), "wb").write(data)
print(len(cases), "malformed inputs")
PY
checked=0 accepted=""
for d in "$tmp"/bad/*; do
  name=$(basename "$d")
  if "$hetmc" compare --format csv "$d" "$d" >/dev/null 2>&1; then
    # hetmc's verdict decides (its own tests cover what it accepts); the tools still give a
    # page or one line, never a traceback.
    accepted="$accepted $name"
    "$py" "$report" "$d" --hetmc "$hetmc" --out "$tmp/$name.html" >/dev/null 2>"$tmp/err"
    rc=$?
    ! grep -q Traceback "$tmp/err" || fail "report.py on $name (accepted by hetmc): a traceback"
    [ $rc -eq 0 ] || [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "report.py on $name: exit $rc: $(cat "$tmp/err")"
    continue
  fi
  expect 2 "plot.py on $name" "$py" "$plot" "$d" --hetmc "$hetmc" --out "$tmp/fig-$name"
  [ ! -e "$tmp/fig-$name" ] || fail "plot.py on $name made its folder"
  expect 2 "report.py on $name" "$py" "$report" "$d" --hetmc "$hetmc" --out "$tmp/$name.html"
  [ ! -e "$tmp/$name.html" ] || fail "report.py on $name wrote a page"
  checked=$((checked + 1))
done
[ $checked -ge 25 ] || fail "only $checked malformed inputs rejected by hetmc compare"
echo "ok: $checked malformed inputs: exit 2 and one line from plot.py and report.py" \
     "(accepted by hetmc compare too:${accepted:- none})"

# 2. Output paths.
echo keep >"$tmp/target.html"
ln -s "$tmp/target.html" "$tmp/link.html"
expect 2 "report.py --out a symlink" "$py" "$report" "$tmp/good" --hetmc "$hetmc" --out "$tmp/link.html"
[ -L "$tmp/link.html" ] && [ "$(cat "$tmp/target.html")" = keep ] || fail "the symlink or its target changed"
grep -q "symbolic link" "$tmp/err" || fail "the symlink's line: $(cat "$tmp/err")"
mkfifo "$tmp/fifo"
cat "$tmp/fifo" >"$tmp/from-fifo" &
reader=$!
"$py" "$report" "$tmp/good" --hetmc "$hetmc" --out "$tmp/fifo" >/dev/null 2>"$tmp/err" || fail "report.py --out a FIFO: $(cat "$tmp/err")"
wait $reader
[ -p "$tmp/fifo" ] || fail "the FIFO was replaced"
grep -q '</html>' "$tmp/from-fifo" || fail "the page did not come through the FIFO"
if [ -w /dev/full ]; then
  expect 1 "report.py --out /dev/full" "$py" "$report" "$tmp/good" --hetmc "$hetmc" --out /dev/full
  [ -c /dev/full ] || fail "/dev/full is no longer a device"
fi
mkdir "$tmp/folder"
expect 2 "report.py --out a folder" "$py" "$report" "$tmp/good" --hetmc "$hetmc" --out "$tmp/folder"
expect 1 "report.py --out through a file" "$py" "$report" "$tmp/good" --hetmc "$hetmc" --out "$tmp/target.html/x.html"
expect 2 "plot.py --out a file" "$py" "$plot" "$tmp/good" --hetmc "$hetmc" --out "$tmp/target.html"
expect 2 "report.py --hetmc missing" "$py" "$report" "$tmp/good" --hetmc "$tmp/nosuch" --out "$tmp/r.html"
expect 2 "plot.py --hetmc missing" "$py" "$plot" "$tmp/good" --hetmc "$tmp/nosuch"
expect 2 "plot.py on a missing folder" "$py" "$plot" "$tmp/nosuch" --hetmc "$hetmc"
ls "$tmp" | grep -q '^\.' && fail "a temporary file was left: $(ls -a "$tmp")"
echo "ok: --out a symlink, a FIFO, /dev/full, a folder, through a file; a missing --hetmc"

# 3. The good folder: page and findings.
"$py" "$report" "$tmp/good" --hetmc "$hetmc" --out "$tmp/r.html" --summary-md "$tmp/summary.md" \
  >/dev/null || fail "report.py exited $?"
grep -q '<section id="findings">' "$tmp/r.html" || fail "no findings on the page"
grep -q '^- Fastest at the largest N = 4097: .* samples/s.* (figure: throughput)$' "$tmp/summary.md" \
  || fail "summary.md: $(cat "$tmp/summary.md")"
grep -q '^- threads on 2 workers: speed-up .* (figure: speedup)$' "$tmp/summary.md" || fail "no speed-up finding"
grep -q '^- threads is .* serial .* per worker' "$tmp/summary.md" || fail "no start-up finding"
head -n 6 "$tmp/summary.md"
echo "ok: report.py and summary.md"
