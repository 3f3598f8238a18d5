#!/usr/bin/env bash
# main.sh - the main job of the README: set up and build, run the default matrix (every backend
# and OpenCL device of this build; progress on stderr), then draw the figures.
#
#   bash scripts/main.sh [extra hetmc matrix options, e.g. --reps 9 --workers 1,2,4]
#
# Results go to a new folder results/matrix-<UTC date-time>/ (git-ignored): runs.csv,
# comparison.csv, provenance.txt, the figures (throughput, speedup, startup, phases, error;
# .png and .svg) and report.html, one page with all of it that opens from disk.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh build
out=results/matrix-$(date -u +%Y%m%dT%H%M%SZ)
status=0
report=
./build/hetmc matrix --out "$out" "$@" || status=$?
if [ -s "$out/comparison.csv" ]; then
  # Python 3 with matplotlib: Debian's /usr/bin/python3 (python3-matplotlib) first.
  py=/usr/bin/python3
  "$py" -c 'import matplotlib' 2>/dev/null || py=python3
  "$py" scripts/plot.py "$out" || { echo "main: plotting failed (is python3-matplotlib installed?)" >&2; status=1; }
  if "$py" scripts/report.py "$out" --hetmc ./build/hetmc --out "$out/report.html" >/dev/null; then
    report="$out/report.html"
  else
    echo "main: the report page failed" >&2
    status=1
  fi
  # The key columns of the comparison (every column: results/README.md).
  cut -d, -f1-4,9,16-18,23 "$out/comparison.csv" | column -s, -t
fi
echo "main: results in $out (runs.csv, comparison.csv, provenance.txt, figures)"
if [ -n "$report" ]; then
  echo "main: report page: $report (open it in a browser)"
fi
exit $status
