#!/usr/bin/env bash
# reference.sh - regenerates the reference results committed under results/, on this machine and
# the current code, each with its provenance, in one command:
#
#   bash scripts/reference.sh
#
# Run it on the 2-core CI-class machine the names refer to, with nothing else running (it prints
# the load average before and after; timings of a busy machine are not reference numbers).
# It replaces:
#   results/reference-2core/          the default `hetmc matrix` (bash scripts/main.sh's run):
#                                     runs.csv, comparison.csv, provenance.txt, the figures and
#                                     report.html
#   results/breakeven-vm-2core.{csv,md}   bash bench/breakeven.sh build/hetmc 10 30: where each
#                                     backend and start method breaks even with serial
#   results/reference-lesson-2core/   /usr/bin/python3 bench/lesson.py --python-max 2^20: the
#                                     Python lesson beside hetmc (pure Python up to 2^20, past
#                                     every start method's break-even), lesson.md, the lesson
#                                     figure, report.html
# About 8 minutes on 2 cores. Review `git diff --stat results/` before committing.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh build
py=/usr/bin/python3
echo "reference: load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

ref=results/reference-2core
rm -rf "$ref"
./build/hetmc matrix --out "$ref" --quiet
"$py" scripts/plot.py "$ref"
"$py" scripts/report.py "$ref" --hetmc ./build/hetmc --out "$ref/report.html"

rm -f results/breakeven-vm-2core.csv
BREAKEVEN_CSV=results/breakeven-vm-2core.csv bash bench/breakeven.sh build/hetmc 10 30 \
  >results/breakeven-vm-2core.md

lesson=results/reference-lesson-2core
rm -rf "$lesson"
"$py" bench/lesson.py --python-max 2^20 --out "$lesson" --hetmc ./build/hetmc --quiet

echo "reference: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "reference: $ref, results/breakeven-vm-2core.{csv,md}, $lesson"
