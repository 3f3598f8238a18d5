#!/usr/bin/env bash
# perf.sh - the host and PoCL performance check, in one run, as ratios measured side by side.
#
#   bash bench/perf.sh [BUILD_DIR] [SAMPLES] [REPS]      (defaults: build, 2^30, 5)
#
# For serial, threads, openmp, pool and opencl (on the CPU: PoCL) at SAMPLES samples and all
# online cores, runs `hetmc run --format csv` (one untimed warm-up, REPS timed runs; every count
# validated) and prints each backend's median samples/s, its ratio to opencl-on-PoCL and to
# serial, and the parallel efficiency rate / (workers * serial rate). Then fork and spawn at a
# small size: their start-up (setup_s) per worker. Absolute figures drift on shared machines;
# the ratios are what to compare. The raw CSV is kept next to the table (path printed).
# A backend missing from this build is reported as such; exit 1 if any run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
samples=${2:-2^30}
reps=${3:-5}
hetmc=$build/hetmc
[ -x "$hetmc" ] || { echo "perf.sh: $hetmc not built (bash scripts/setup.sh)" >&2; exit 2; }
cores=$(nproc)
out=$(mktemp -d "${TMPDIR:-/tmp}/hetmc-perf.XXXXXX")
csv=$out/perf.csv
status=0
have() { "$hetmc" --help | awk '/^backends in this build:/{f=1;next} /^$/{f=0} f{print $1}' | grep -qx "$1"; }

echo "# bench/perf.sh: $samples samples, $reps timed reps (median), $cores workers; $("$hetmc" --version | grep -E 'git_commit|host_kernel|cpu_model' | tr '\n' ' ')"
header_done=0
for b in serial threads openmp pool opencl; do
  if ! have "$b"; then echo "# $b: not in this build"; continue; fi
  args=(run --backend "$b" --samples "$samples" --reps "$reps" --format csv)
  case $b in
    serial) ;;
    opencl) args+=(--device cpu) ;;
    *) args+=(--workers "$cores") ;;
  esac
  if ! "$hetmc" "${args[@]}" >"$out/$b.csv"; then echo "# $b: FAILED (see $out/$b.csv)"; status=1; fi
  if [ $header_done -eq 0 ]; then head -n 1 "$out/$b.csv" >"$csv"; header_done=1; fi
  tail -n +2 "$out/$b.csv" >>"$csv"
done

awk -F, -v cores="$cores" '
  NR > 1 && $10 == "ok" { n[$4]++; r[$4, n[$4]] = $18; w[$4] = $6; hits[$4] = $11 }
  function median(b,   i, j, t, k, a) {
    k = n[b]; for (i = 1; i <= k; i++) a[i] = r[b, i]
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
  }
  END {
    split("serial threads openmp pool opencl", order, " ")
    for (i = 1; i <= 5; i++) if (n[order[i]]) m[order[i]] = median(order[i])
    printf "%-8s %7s %14s %10s %10s %10s %6s\n", "backend", "workers", "samples/s", "/opencl", "/serial", "efficiency", "hits"
    for (i = 1; i <= 5; i++) {
      b = order[i]; if (!n[b]) continue
      eff = (b == "opencl" || !m["serial"]) ? "-" : sprintf("%.3f", m[b] / (w[b] * m["serial"]))
      same = hits[b] == hits["serial"] ? "=" : "DIFFER"
      printf "%-8s %7s %14.4g %10s %10s %10s %6s\n", b, w[b], m[b],
        m["opencl"] ? sprintf("%.2f", m[b] / m["opencl"]) : "-",
        m["serial"] ? sprintf("%.2f", m[b] / m["serial"]) : "-", eff, same
    }
  }' "$csv"

# Process start-up: fork and spawn at a small size, where setup dominates.
for b in fork spawn; do
  have "$b" || { echo "# $b: not in this build"; continue; }
  "$hetmc" run --backend "$b" --workers "$cores" --samples 2^16 --reps 9 --format csv >"$out/$b-setup.csv" || status=1
  awk -F, -v b="$b" 'NR > 1 && $10 == "ok" { s[++k] = $15 / $6 }
    END { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (s[j] < s[i]) { t = s[i]; s[i] = s[j]; s[j] = t }
          if (k) printf "# %s: setup_s per worker, median of %d: %.3f ms\n", b, k, 1000 * s[int((k + 1) / 2)] }' "$out/$b-setup.csv"
done
echo "# raw CSV: $out"
exit $status
