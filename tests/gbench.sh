#!/usr/bin/env bash
# gbench.sh HETMC_GBENCH PYTHON -- hetmc-gbench's JSON parses, lists every backend of the build,
# and every benchmark ran without error and reports a positive samples_per_s rate; its context
# carries hetmc's commit and host kernel; --benchmark_time_unit is honoured; --help lists the
# --hetmc_* flags.
set -u
gb=$1 py=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$gb" --hetmc_samples=2^16 --benchmark_min_time=0.01 --benchmark_format=json >"$tmp/out.json" ||
  { echo "FAIL: hetmc-gbench exited $?"; exit 1; }
"$gb" --help >"$tmp/help.txt" 2>&1 || { echo "FAIL: --help exited $?"; exit 1; }
for flag in --hetmc_samples --hetmc_workers --benchmark_time_unit; do
  grep -q -- "$flag" "$tmp/help.txt" || { echo "FAIL: --help does not list $flag"; exit 1; }
done
"$gb" --hetmc_samples=2^12 --hetmc_workers=1 --benchmark_filter='serial' --benchmark_min_time=0.01 \
  --benchmark_time_unit=us --benchmark_format=json >"$tmp/us.json" ||
  { echo "FAIL: --benchmark_time_unit=us exited $?"; exit 1; }
"$gb" --hetmc_samples=abc >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: bad --hetmc_samples is not exit 2"; exit 1; }
"$gb" --benchmark_bogus >/dev/null 2>&1; [ $? -ne 0 ] || { echo "FAIL: an unknown flag was accepted"; exit 1; }
"$py" - "$tmp/out.json" "$tmp/us.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for key in ("hetmc_git_commit", "hetmc_host_kernel", "hetmc_version"):
    assert doc["context"].get(key), "context has no %s" % key
units = {b["time_unit"] for b in json.load(open(sys.argv[2]))["benchmarks"]}
assert units == {"us"}, "--benchmark_time_unit=us gave %s" % units
assert {b["time_unit"] for b in doc["benchmarks"]} == {"ms"}, "the default unit is not ms"
benches = doc["benchmarks"]
assert "context" in doc and benches, "no context or no benchmarks"
backends = set()
for b in benches:
    assert not b.get("error_occurred"), "%s: %s" % (b["name"], b.get("error_message"))
    assert b["samples_per_s"] > 0, "%s: no rate" % b["name"]
    assert b["real_time"] > 0 and b["time_unit"], b["name"]
    backends.add(b["name"].split("/")[1])
print("ok: %d benchmarks, backends %s" % (len(benches), ", ".join(sorted(backends))))
PY
