#!/usr/bin/env bash
# slurm.sh HETMC REPO CASE - hetmc under a real Slurm: munged, slurmctld and slurmd started on
# this machine (one node, CPUs=2, MpiDefault=none, as Debian ships Slurm) with a slurm.conf in
# a temporary folder, stopped by PID at the end. Needs root (the daemons run as root) and
# Debian's slurm-wlm and munge (scripts/setup.sh); otherwise the test is skipped (exit 77).
#   CASE batch: scripts/slurm/hetmc-gpu.sbatch submitted with CPU-only settings and a small
#     matrix; the job must end COMPLETED with every output scripts/slurm/README.md lists, and
#     every count must equal serial's.
#   CASE nopmi: hetmc under a plain `srun` (no PMI): `run --backend mpi` exits 2 with one line
#     naming `srun --mpi=pmix`, `verify` passes with mpi skipped, `matrix` writes its rows and
#     comparison.csv with mpi skipped; under `srun --mpi=pmix` the mpi count is exact.
set -u
hetmc=$1 repo=$2 case=$3
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "the Slurm daemons need root (CI runs this as root)"
for c in munged slurmctld slurmd sbatch srun squeue scontrol; do
  command -v "$c" >/dev/null || skip "$c not found: bash scripts/setup.sh installs slurm-wlm and munge"
done
"$hetmc" --help | grep -q '^  mpi ' || skip "this hetmc has no mpi backend"

tmp=$(mktemp -d /tmp/hetmc-slurm.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
  local p
  if [ -n "${SLURM_CONF:-}" ] && [ -n "${job:-}" ]; then scancel "$job" 2>/dev/null; fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$p" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail=0
bad() { echo "FAIL: $*"; fail=1; }
show_logs() {
  local f
  for f in "$tmp"/*.log; do echo "--- $f"; tail -n 20 "$f"; done
}

# --- munge: a key of our own and a socket of our own ------------------------------------------
key=$tmp/munge.key sock=$tmp/munge.sock
dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
chmod 400 "$key"
munged --force --key-file="$key" --socket="$sock" --pid-file="$tmp/munged.pid" \
  --log-file="$tmp/munged.log" --seed-file="$tmp/munged.seed" --foreground \
  >>"$tmp/munged.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
munge -S "$sock" -n | unmunge -S "$sock" >/dev/null || { show_logs; skip "munged did not start (see its log above)"; }

# --- Slurm: one node, this host, ports of this run ----------------------------------------------
node=$(hostname -s)
port=$(( 20000 + $$ % 20000 ))
mkdir -p "$tmp/state" "$tmp/spool"
cat >"$tmp/slurm.conf" <<EOF
ClusterName=hetmctest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$(( port + 1 ))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
GresTypes=gpu
ReturnToService=2
SchedulerType=sched/builtin
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=hetmc Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
export SLURM_CONF=$tmp/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" >>"$tmp/slurmctld.log" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$node" >>"$tmp/slurmd.log" 2>&1 &
pids+=($!)
up=0
for _ in $(seq 60); do
  if sinfo -h -o '%t' 2>/dev/null | grep -qx idle; then up=1; break; fi
  sleep 0.5
done
[ "$up" -eq 1 ] || { show_logs; bad "Slurm did not come up within 30 s (logs above)"; exit 1; }
echo "ok: Slurm $(sinfo -V | cut -d' ' -f2) up on $node, port $port; srun --mpi=list: $(srun --mpi=list 2>&1 | tr -s ' \n' ' ')"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 # mpirun as root, if chosen

# serial N: serial's hits for seed 42 and N samples.
serial() {
  "$hetmc" run --backend serial --samples "$1" --seed 42 --reps 1 --format csv |
    awk -F, 'NR > 1 { print $11; exit }'
}

if [ "$case" = nopmi ]; then
  # srun adds a line of its own on the task's exit status; hetmc's are the others.
  out=$(timeout 120 srun -n1 "$hetmc" run --backend mpi --samples 1e6 --reps 1 2>&1)
  rc=$?
  out=$(grep -v '^srun: ' <<<"$out")
  echo "srun -n1 hetmc run --backend mpi: exit $rc: $out"
  { [ "$rc" -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
    grep -q 'srun --mpi=pmix' <<<"$out"; } || bad "a plain srun must give exit 2 and one line naming srun --mpi=pmix"
  out=$(timeout 300 srun -n1 "$hetmc" verify 2>&1)
  rc=$?
  echo "srun -n1 hetmc verify: exit $rc; $(grep -E '^SKIP .* mpi ' <<<"$out")"
  { [ "$rc" -eq 0 ] && grep -Eq '^SKIP .* mpi .*srun --mpi=pmix' <<<"$out"; } ||
    { echo "$out"; bad "verify under a plain srun must pass with mpi skipped"; }
  timeout 300 srun -n1 "$hetmc" matrix --samples 1000,65536 --reps 2 --workers 1 --device cpu \
    --out "$tmp/m" --quiet >"$tmp/matrix.out" 2>&1
  rc=$?
  echo "srun -n1 hetmc matrix: exit $rc; mpi rows: $(awk -F, 'NR > 1 && $0 ~ /,mpi,/ { print $10 }' "$tmp/m/runs.csv" 2>/dev/null | sort | uniq -c | tr -s ' \n' ' ')"
  [ -s "$tmp/m/comparison.csv" ] || bad "matrix under a plain srun wrote no comparison.csv (exit $rc)"
  grep -q ',mpi,.*,skipped,.*srun --mpi=pmix' "$tmp/m/runs.csv" 2>/dev/null ||
    bad "runs.csv has no skipped mpi row whose note names srun --mpi=pmix"
  awk -F, 'NR > 1 && $10 != "ok" && $10 != "skipped" { bad = 1 } END { exit bad }' "$tmp/m/runs.csv" ||
    bad "matrix rows other than ok and skipped: $(cut -d, -f1-12 "$tmp/m/runs.csv" | grep -v ',ok,' | head -3)"
  want=$(serial 3000001)
  got=$(timeout 120 srun --mpi=pmix -n2 "$hetmc" run --backend mpi --samples 3000001 --seed 42 \
          --reps 1 --format csv | awk -F, 'NR > 1 { print $10 ":" $11 }')
  echo "srun --mpi=pmix -n2 hetmc run --backend mpi: $got (serial $want)"
  [ "$got" = "ok:$want" ] || bad "srun --mpi=pmix -n2: '$got', serial counts $want"
  exit $fail
fi

# --- CASE batch: the project's own batch script, CPU only, a small matrix ---------------------
out=$tmp/out
job=$(cd "$repo" && HETMC=$hetmc OUT=$out DEVICE= MATRIX_DEVICE=cpu PARTS=auto TOTAL=2^22 \
        PER_RANK=2^20 REPS=2 MATRIX_ARGS="--samples 1000,65536 --reps 2 --workers 1,2 --quiet" \
        sbatch --parsable --ntasks=2 --output="$tmp/job-%j.out" scripts/slurm/hetmc-gpu.sbatch)
[ -n "$job" ] || { show_logs; bad "sbatch gave no job id"; exit 1; }
state=
for _ in $(seq 480); do
  state=$(scontrol show job "$job" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
  case $state in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) break ;; esac
  sleep 0.5
done
echo "job $job: $state; its log:"
sed 's/^/  | /' "$tmp"/job-"$job".out
[ "$state" = COMPLETED ] || { show_logs; bad "the batch job ended $state (not COMPLETED within 240 s)"; }
for f in provenance/rank-0.txt provenance/rank-1.txt provenance/launcher.txt verify.txt \
         matrix-node0/runs.csv matrix-node0/comparison.csv matrix-node0/provenance.txt \
         mpi-scaling.csv coexec-scaling.csv; do
  [ -s "$out/$f" ] || bad "$f missing or empty"
done
grep -q '^all checks passed' "$out/verify.txt" 2>/dev/null || bad "verify.txt: $(tail -n 3 "$out/verify.txt" 2>/dev/null)"
grep -q 'golden counts .* mpi ' "$out/verify.txt" 2>/dev/null && ! grep -q '^SKIP .* mpi ' "$out/verify.txt" ||
  bad "verify did not check mpi under the batch script's launcher"
echo "launcher.txt: $(head -n 1 "$out/provenance/launcher.txt" 2>/dev/null)"
grep -h '^mpi_' "$out"/provenance/rank-0.txt 2>/dev/null | sed 's/^/rank-0.txt: /'
# Every row ok, and the matrix's own check: hits_match in every comparison row.
awk -F, 'NR > 1 && $10 != "ok" { n++ } END { exit n > 0 }' "$out/matrix-node0/runs.csv" 2>/dev/null ||
  bad "matrix rows not ok: $(awk -F, 'NR > 1 && $10 != "ok"' "$out/matrix-node0/runs.csv" | head -n 3)"
col=$(head -n 1 "$out/matrix-node0/comparison.csv" 2>/dev/null | tr ',' '\n' | grep -nx hits_match | cut -d: -f1)
if [ -n "$col" ]; then
  awk -F, -v c="$col" 'NR > 1 && $c != "yes" && $c != "1" && $c != "true" { n++ } END { exit n > 0 }' \
    "$out/matrix-node0/comparison.csv" || bad "comparison.csv: a cell whose hits differ from serial's"
else
  bad "comparison.csv has no hits_match column"
fi
echo "matrix: $(awk -F, 'NR > 1 { n[$4]++ } END { for (b in n) printf "%s ", b }' "$out/matrix-node0/runs.csv" 2>/dev/null)rows ok"
# Scaling and coexec: every mpi row's count equals serial's for its sample count.
checked=0
for csv in mpi-scaling.csv coexec-scaling.csv; do
while IFS=, read -r n status hits scaling ranks; do
  want=$(serial "$n")
  if [ "$status" = ok ] && [ "$hits" = "$want" ]; then
    checked=$((checked + 1))
  else
    bad "$csv: $scaling, $ranks rank(s), N $n: $status $hits, serial $want"
  fi
done < <(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
                  { print $7 "," $10 "," $11 "," (c["scaling"] ? $c["scaling"] : "coexec") "," (c["ranks"] ? $c["ranks"] : $NF) }' \
         "$out/$csv" 2>/dev/null | sort -u)
done
echo "mpi-scaling.csv, coexec-scaling.csv: $checked distinct (N, scaling, ranks) rows, each serial's count"
[ "$checked" -ge 5 ] || bad "mpi-scaling.csv: only $checked rows checked"
note=$(awk -F, 'NR == 2' "$out/mpi-scaling.csv" 2>/dev/null | grep -o '[0-9]* rank[s]* on [^;,]*' | head -n 1)
echo "first mpi row's note: $note"
grep -q 'ranks on 1 node' "$out/mpi-scaling.csv" 2>/dev/null || bad "no mpi row names its node"
exit $fail
