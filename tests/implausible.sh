#!/usr/bin/env bash
# implausible.sh HETMC -- results checked against physics (`hetmc summarize`, as the matrix's
# comparison): a speed-up more than 10% above the worker count, or a co-execution efficiency
# above 1.1, marks the cell implausible and names the suspect baseline; figures within the
# tolerance, device backends (whose workers are not cores) and the baseline itself pass.
set -u
hetmc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
row() { # backend device workers samples wall
  for rep in 1 2 3; do echo "$1,$2,$3,$4,42,$rep,ok,785,$5,0,$5,0"; done
}
{ echo "backend,device,workers,samples,seed,rep,status,hits,wall_s,setup_s,compute_s,collect_s"
  row serial cpu 1 1000 1.0     # the baseline, measured in a slow moment
  row threads cpu 2 1000 0.40   # 2.5x on 2 workers: impossible
  row openmp cpu 2 1000 0.52    # 1.92x: fine
  row fork cpu 2 1000 0.476     # 2.10x: within the 10% tolerance
  row opencl "Some GPU" 1 1000 0.01  # 100x on "1 worker": a device, not cores
} >"$tmp/runs.csv"
"$hetmc" summarize "$tmp/runs.csv" >"$tmp/cmp.csv" || fail "summarize exited $?"
col() { # BACKEND NAME: that column of the backend's cell
  awk -F, -v b="$1" -v n="$2" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $1 == b { print $c[n] }' "$tmp/cmp.csv"
}
why=$(col threads implausible)
case "$why" in
  *"speed-up 2.50 over serial exceeds 2 workers by more than 10%: serial's median"*) ;;
  *) fail "threads at 2.5x on 2 workers: implausible is '$why'" ;;
esac
for b in serial openmp fork opencl; do
  [ -z "$(col "$b" implausible)" ] || fail "$b is marked implausible: $(col "$b" implausible)"
done
echo "ok: 2.5x on 2 workers marked ($why); 1.92x, 2.10x (within 10%), a device and serial not"
