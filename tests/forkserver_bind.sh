#!/usr/bin/env bash
# forkserver_bind.sh HETMC -- `--bind cores` on forkserver: its workers are the fork server's
# children (hetmc's grandchildren); with 3 workers on 2 allowed CPUs they run on the allowed
# CPUs in order, wrapping around, as the other process backends' do. Skipped (77) with fewer
# than 2 allowed CPUs.
set -u
hetmc=$1
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
fail() { echo "FAIL: $*"; cat "$err"; exit 1; }
read -r -a cpus <<<"$(python3 -c 'import os; print(*sorted(os.sched_getaffinity(0))[:2])')"
[ ${#cpus[@]} -ge 2 ] || { echo "skipped: fewer than 2 CPUs allowed here"; exit 77; }
want=$(printf '%s\n' "${cpus[0]}" "${cpus[1]}" "${cpus[0]}" | sort -n | tr '\n' ' ')
taskset -c "${cpus[0]},${cpus[1]}" "$hetmc" run --backend forkserver --workers 3 --bind cores \
  --samples 2^40 --reps 1 >"$out" 2>"$err" &
pid=$!
got=
for _ in $(seq 100); do
  server=$(pgrep -P "$pid" | head -n 1)
  if [ -n "$server" ]; then
    got=$(for w in $(pgrep -P "$server"); do
            awk '/^Cpus_allowed_list:/ { print $2 }' /proc/"$w"/status 2>/dev/null
          done | grep -vE '[-,]' | sort -n | tr '\n' ' ')
  fi
  [ "$got" = "$want" ] && break
  sleep 0.1
done
kill -INT "$pid"
wait "$pid"
[ "$got" = "$want" ] || fail "forkserver --bind cores: workers on CPUs '$got', expected '$want'"
echo "ok: forkserver's workers on CPUs $got"
