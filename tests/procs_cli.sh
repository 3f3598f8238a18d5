#!/usr/bin/env bash
# procs_cli.sh HETMC BACKEND - faults of a process backend through the CLI, as a user sees them.
#  1. HETMC_FAULT kills worker 1 in timed repetition 2 of 3 (CSV): exit status 1, stderr names
#     worker 1 and SIGKILL, rep 1 (written before the failure) is still in the CSV and ok, rep 2
#     is failed, and no process of the run is left.
#  2. A worker that hangs, with --timeout 1: exit 1, a message naming the worker, nothing left.
#  3. The parent is killed with SIGKILL mid-run; its workers (and forkserver's server) must
#     die with it (PDEATHSIG).
# "No process left" is checked by a token in the environment of hetmc, which every worker
# inherits: after hetmc is gone, no process in /proc may still carry it.
set -u
hetmc=$1 backend=$2
token=$$-$RANDOM-$RANDOM
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
fail() { echo "FAIL: $*"; echo "--- stdout:"; cat "$out"; echo "--- stderr:"; cat "$err"; exit 1; }

carriers() {
  # Processes carrying the token now; a zombie's environ reads empty, so this counts live ones
  # (init reaps the zombies of a parent that is gone).
  local n=0 f
  for f in /proc/[0-9]*/environ; do
    if tr '\0' '\n' 2>/dev/null <"$f" | grep -qx "HETMC_TEST_TOKEN=$token"; then
      n=$((n + 1))
    fi
  done
  echo "$n"
}
leftovers() {
  # Waits up to 2 s for the carriers to go.
  local n
  for i in $(seq 1 10); do
    n=$(carriers)
    [ "$n" -eq 0 ] && break
    sleep 0.2
  done
  echo "$n"
}

# 1. A killed worker in rep 2 of 3.
env HETMC_TEST_TOKEN="$token" HETMC_FAULT="worker=1,mode=kill,run=2" \
  "$hetmc" run --backend "$backend" --workers 2 --samples 100003 --reps 3 --min-time 0 \
  --format csv >"$out" 2>"$err"
rc=$?
[ "$rc" -eq 1 ] || fail "killed worker: exit status $rc, expected 1"
grep -q "worker 1 of 2" "$err" || fail "stderr does not name worker 1"
grep -q "SIGKILL" "$err" || fail "stderr does not name SIGKILL"
awk -F, '$9 == 1 && $10 == "ok"' "$out" | grep -q . || fail "rep 1 (before the failure) is not in the CSV"
awk -F, '$9 == 2 && $10 == "failed"' "$out" | grep -q "worker 1 of 2" || fail "rep 2 is not a failed row naming worker 1"
[ "$(leftovers)" -eq 0 ] || fail "processes of the killed-worker run are left"
echo "ok: killed worker reported, rep 1 kept, nothing left"

# 2. A hung worker under --timeout 1.
env HETMC_TEST_TOKEN="$token" HETMC_FAULT="worker=0,mode=hang" \
  "$hetmc" run --backend "$backend" --workers 2 --samples 1000 --reps 1 --timeout 1 >"$out" 2>"$err"
rc=$?
[ "$rc" -eq 1 ] || fail "hung worker: exit status $rc, expected 1"
grep -q "timed out after 1 s; worker 0 of 2 still running" "$err" || fail "stderr does not name the hung worker"
[ "$(leftovers)" -eq 0 ] || fail "processes of the hung run are left"
echo "ok: hung worker killed at the timeout, nothing left"

# 3. The parent dies; PR_SET_PDEATHSIG takes its workers along (forkserver's: its server dies
#    with hetmc, and its workers with the server).
want=3 # hetmc and its 2 workers carry the token ...
[ "$backend" = forkserver ] && want=4 # ... and forkserver's server too
env HETMC_TEST_TOKEN="$token" "$hetmc" run --backend "$backend" --workers 2 --samples 2^40 \
  --reps 1 >"$out" 2>"$err" &
pid=$!
for i in $(seq 1 100); do
  [ "$(carriers)" -ge "$want" ] && break
  sleep 0.05
done
# The check must see them, or it proves nothing.
seen=$(carriers)
[ "$seen" -ge "$want" ] || { kill -9 "$pid"; fail "only $seen processes carry the token before the kill"; }
kill -9 "$pid"
wait "$pid" 2>/dev/null
[ "$(leftovers)" -eq 0 ] || fail "$backend workers outlived their killed parent"
echo "ok: $backend workers die with their parent"
