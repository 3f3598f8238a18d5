#!/usr/bin/env bash
# main.sh - the main job of the README: set up, then run every backend of this build on the
# default size and write the CSV under results/<UTC date-time>/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh build
out=results/run-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
./build/hetmc --version >"$out/provenance.txt"
status=0
first=1
for b in $(./build/hetmc --help | awk '/^backends in this build:/{f=1;next} /^$/{f=0} f{print $1}'); do
  if [ $first -eq 1 ]; then
    ./build/hetmc run --backend "$b" --format csv >"$out/runs.csv" || status=1
    first=0
  else
    ./build/hetmc run --backend "$b" --format csv | tail -n +2 >>"$out/runs.csv" || status=1
  fi
  echo "main: $b done"
done
column -s, -t <"$out/runs.csv" | cut -c1-200
echo "main: results in $out (runs.csv, provenance.txt)"
exit $status
