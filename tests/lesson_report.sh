#!/usr/bin/env bash
# lesson_report.sh HETMC PYTHON -- bench/lesson.py, scripts/plot.py and scripts/report.py end to
# end, and the page in a real browser:
#  1. lesson.py's self-check fails on a wrong stream (it can fail), and bad arguments exit 2
#     with one line on stderr;
#  2. a small lesson (pure Python, a Process, a Pool, numba nogil when installed) beside
#     hetmc's rows: hetmc's CSV header, every ok row's hits equal to hetmc serial's at the same
#     N, provenance with the Python version, lesson.md, the lesson figure;
#  3. report.py over a hetmc matrix folder and the lesson folder: rendered by headless
#     Chromium (--dump-dom): every section there, the figures inline as SVG, nothing loaded
#     from elsewhere; a screenshot that is not blank.
# Exit 77 (skipped) when PYTHON lacks matplotlib or Chromium is not installed.
set -u
hetmc=$1 py=$2
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$py" -c 'import matplotlib' 2>/dev/null || { echo "skipped: $py has no matplotlib"; exit 77; }
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "skipped: no chromium (Debian: apt-get install chromium)"; exit 77; }

# 1. The self-check can fail; bad arguments are refused.
"$py" -c "import sys; sys.path.insert(0, '$src/bench'); import lesson
lesson.self_check('python', lesson.count_py, lesson.philox, 10**4)
try:
    lesson.self_check('broken', lambda s, f, n: lesson.count_py(s, f, n) + 1, lesson.philox, 10**4)
except RuntimeError as e:
    print('ok: a wrong count is caught:', e)
else:
    sys.exit('a wrong count passed the self-check')" || fail "self-check"
for args in "--samples 2^x" "--workers 0" "--reps 0" "--variants py-nosuch" "--seed -1" \
            "--hetmc /nonexistent/hetmc" "--bogus"; do
  # shellcheck disable=SC2086
  "$py" "$src/bench/lesson.py" $args --out "$tmp/bad" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 2 ] || fail "lesson.py $args: exit $rc, expected 2"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "lesson.py $args: not one line on stderr: $(cat "$tmp/err")"
  [ ! -e "$tmp/bad" ] || fail "lesson.py $args created its folder"
done
echo "ok: lesson.py refuses bad arguments"

# 2. A small lesson beside hetmc.
variants=py-serial,py-threading,py-process-fork,py-pool-forkserver,py-numba-nogil,py-numpy,py-numpy-threading
"$py" "$src/bench/lesson.py" --samples 2^10,4097 --workers 1,2 --reps 2 --variants "$variants" \
  --hetmc "$hetmc" --out "$tmp/lesson" --quiet >"$tmp/lesson.out" || fail "lesson.py exited $?"
cat "$tmp/lesson.out"
want=$("$hetmc" run --backend serial --samples 10 --reps 1 --format csv | head -n 1)
[ "$(head -n 1 "$tmp/lesson/runs.csv")" = "$want" ] || fail "runs.csv's header is not hetmc's"
for f in provenance.txt lesson.md lesson.svg throughput.svg report.html; do
  [ -s "$tmp/lesson/$f" ] || fail "the lesson folder has no $f"
done
grep -q '^lesson_python_version: ' "$tmp/lesson/provenance.txt" || fail "no Python in provenance"
grep -q '^git_commit: ' "$tmp/lesson/provenance.txt" || fail "no hetmc commit in provenance"
"$py" - "$tmp/lesson/runs.csv" "$variants" <<'PY' || fail "the lesson's rows"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
want_version = next(r["format_version"] for r in rows if not r["backend"].startswith("py-"))
serial = {r["samples"]: r["hits"] for r in rows if r["backend"] == "serial" and r["status"] == "ok"}
seen = set()
for r in rows:
    if r["backend"].startswith("py-"):
        assert r["format_version"] == want_version and r["timer"], r
        if r["status"] == "skipped":
            assert "numba" in r["note"], r  # only numba may be missing
            continue
        assert r["status"] == "ok", (r["backend"], r["note"])
        assert r["hits"] == serial[r["samples"]], (r["backend"], r["hits"], serial[r["samples"]])
        seen.add(r["backend"])
pool = [r for r in rows if r["backend"] == "py-pool-forkserver"]
assert all(float(r["create_s"]) > 0 for r in pool), "a pool row without create_s"
missing = set(sys.argv[2].split(",")) - seen - {"py-numba-nogil"}
assert not missing, "no ok rows of %s" % missing
c = {r["backend"] for r in rows if not r["backend"].startswith("py-") and r["status"] == "ok"}
assert {"serial", "threads", "fork", "forkserver", "spawn", "pool"} <= c, "hetmc's rows: %s" % c
assert all(r["hits"] == serial[r["samples"]] for r in rows if r["status"] == "ok"), "a C count"
print("ok: %d Python rows, every count equal to hetmc serial's; variants %s" %
      (sum(1 for r in rows if r["backend"].startswith("py-")), ", ".join(sorted(seen))))
PY

# 3. The report page of a hetmc matrix and the lesson, in a browser.
"$hetmc" matrix --backends serial,threads,forkserver,pool --samples 2^12,2^14 --workers 1,2 \
  --reps 3 --out "$tmp/matrix" --quiet >/dev/null || fail "matrix exited $?"
"$py" "$src/scripts/report.py" "$tmp/matrix" "$tmp/lesson" --hetmc "$hetmc" \
  --out "$tmp/report.html" || fail "report.py exited $?"
"$py" "$src/scripts/report.py" "$tmp/nonexistent" --out "$tmp/x.html" 2>"$tmp/err"
[ $? -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "report.py on a missing folder: not exit 2 with one line"
# Chromium wants a writable home for its profile.
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home XDG_CACHE_HOME=$tmp/home
mkdir -p "$HOME"
chrome() { timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
  --user-data-dir="$tmp/profile" "$@" 2>>"$tmp/chromium.log"; }
chrome --dump-dom "file://$tmp/report.html" >"$tmp/dom.html" || fail "chromium --dump-dom exited $?"
for id in summary findings figures compare comparison noisy lesson provenance; do
  grep -q "<section id=\"$id\"" "$tmp/dom.html" || fail "the rendered page has no section $id"
done
svgs=$(grep -o '<svg' "$tmp/dom.html" | wc -l)
[ "$svgs" -ge 6 ] || fail "only $svgs inline SVG figures"
if grep -Eq '<script|<link|<img|src="http|href="http' "$tmp/dom.html"; then
  fail "the page loads something from elsewhere"
fi
grep -q 'paired_on' "$tmp/dom.html" || fail "no hetmc compare table"
chrome --screenshot="$tmp/shot.png" --window-size=1280,2000 "file://$tmp/report.html" ||
  fail "chromium --screenshot exited $?"
"$py" - "$tmp/shot.png" <<'PY' || fail "the screenshot"
import sys
import matplotlib.image as mpimg
img = mpimg.imread(sys.argv[1])[:, :, :3]
h, w, _ = img.shape
ink = (img.sum(axis=2) < 2.9).mean()  # pixels that are not (near) white
colours = len({tuple(p) for p in (img[::4, ::4].reshape(-1, 3) * 255).astype(int).tolist()})
assert h >= 1000 and w >= 1000, "screenshot %dx%d" % (w, h)
assert ink > 0.03 and colours > 30, "blank page: %.1f%% ink, %d colours" % (100 * ink, colours)
print("ok: screenshot %dx%d, %.1f%% ink, %d colours" % (w, h, 100 * ink, colours))
PY
echo "ok: lesson, figures and the report page in Chromium ($svgs figures)"
