#!/usr/bin/env bash
# multihost.sh MPIEXEC HETMC CASE - the mpi backend across two hosts over TCP. The hosts are
# two network namespaces joined by a veth pair (10.231.0.1 and 10.231.0.2, addresses of this
# test only), each with a host name of its own (a UTS namespace); Open MPI's mpirun starts in
# the first and reaches the second through plm_rsh_agent, a wrapper that runs the command there
# with `ip netns exec` (no sshd). Needs root and `ip netns`; otherwise skipped (exit 77).
#   CASE exact: `hetmc run --backend mpi` with one rank per host counts exactly serial's hits
#     on every repetition, rank 0 alone writes, and the row's note names both hosts.
#   CASE kill: a rank killed (HETMC_MPI_FAULT=kill:1, on the second host) ends the job
#     non-zero within 30 s, with no process left in either namespace.
set -u
mpiexec=$1 hetmc=$2 case=$3
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "network namespaces need root (CI runs this as root)"
command -v ip >/dev/null || skip "ip (iproute2) not found: bash scripts/setup.sh installs it"
command -v unshare >/dev/null || skip "unshare (util-linux) not found"
"$mpiexec" --version 2>/dev/null | grep -qiE "open ?mpi|openrte" || skip "$mpiexec is not Open MPI's"

tag=hm$$
nsa=${tag}a nsb=${tag}b
net=10.231.0
tmp=$(mktemp -d /tmp/hetmc-multihost.XXXXXX)
chmod 755 "$tmp"
ns_kill() { # every process left in namespace $1
  local p
  for p in $(ip netns pids "$1" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
}
cleanup() {
  ns_kill "$nsa"
  ns_kill "$nsb"
  ip netns del "$nsa" 2>/dev/null
  ip netns del "$nsb" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$nsa" 2>"$tmp/err" || skip "ip netns add failed: $(cat "$tmp/err")"
ip netns add "$nsb" || skip "ip netns add failed for the second namespace"
ip link add "${tag}va" type veth peer name "${tag}vb" 2>"$tmp/err" ||
  skip "no veth pair: $(cat "$tmp/err")"
ip link set "${tag}va" netns "$nsa"
ip link set "${tag}vb" netns "$nsb"
ip -n "$nsa" addr add "$net.1/24" dev "${tag}va"
ip -n "$nsb" addr add "$net.2/24" dev "${tag}vb"
for ns in "$nsa" "$nsb"; do
  ip -n "$ns" link set lo up
done
ip -n "$nsa" link set "${tag}va" up
ip -n "$nsb" link set "${tag}vb" up
# A TCP probe (no ping needed): port 9 of the other host must answer "connection refused".
ip netns exec "$nsa" timeout 10 bash -c "exec 3<>/dev/tcp/$net.2/9" 2>&1 | grep -qi refused ||
  { echo "FAIL: the veth pair does not carry packets"; exit 1; }

# The rsh agent: Open MPI runs `agent HOST COMMAND...` to start its daemon on HOST; the command
# is a shell line, as ssh would hand it to the remote shell.
cat >"$tmp/agent" <<EOF
#!/bin/bash
host=\$1
shift
case \$host in
$net.1) ns=$nsa name=${tag}-node-a ;;
$net.2) ns=$nsb name=${tag}-node-b ;;
*) echo "agent: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" unshare --uts sh -c "hostname \$name; \$*"
EOF
chmod +x "$tmp/agent"
# mpirun ARGS...: Open MPI's mpirun on the first host, one rank on each host, over TCP.
mpirun_ab() {
  ip netns exec "$nsa" unshare --uts sh -c 'hostname "$0"; exec "$@"' "${tag}-node-a" \
    timeout 120 "$mpiexec" --allow-run-as-root --host "$net.1,$net.2" -np 2 \
    --mca plm_rsh_agent "$tmp/agent" --mca btl tcp,self \
    --mca btl_tcp_if_include "$net.0/24" --mca oob_tcp_if_include "$net.0/24" "$@"
}
fail=0
bad() { echo "FAIL: $*"; fail=1; }

if [ "$case" = exact ]; then
  n=1000003
  want=$("$hetmc" run --backend serial --samples "$n" --seed 7 --reps 1 --format csv |
           awk -F, 'NR > 1 { print $11; exit }')
  mpirun_ab "$hetmc" run --backend mpi --samples "$n" --seed 7 --reps 3 --workers 1 \
    --format csv >"$tmp/out" 2>"$tmp/err"
  rc=$?
  got=$(awk -F, 'NR > 1 { print $10 ":" $11 }' "$tmp/out" | tr '\n' ' ')
  echo "mpirun --host $net.1,$net.2 hetmc run --backend mpi: exit $rc, rows: $got(serial $want)"
  [ "$rc" -eq 0 ] && [ "$got" = "ok:$want ok:$want ok:$want " ] || { cat "$tmp/err"; bad "counts differ from serial's"; }
  headers=$(grep -c '^format_version' "$tmp/out")
  [ "$headers" -eq 1 ] && [ "$(wc -l <"$tmp/out")" -eq 4 ] || bad "$headers headers, $(wc -l <"$tmp/out") lines: more than rank 0 wrote"
  note=$(grep -o '2 ranks on 2 nodes ([^)]*)' "$tmp/out" | head -n 1)
  echo "the row's note: $note"
  [ "$note" = "2 ranks on 2 nodes (${tag}-node-a,${tag}-node-b)" ] || bad "the note does not name both hosts: '$note'"
  exit $fail
fi

# CASE kill: rank 1 (on the second host) kills itself in the first run.
t0=$(date +%s)
HETMC_MPI_FAULT=kill:1 mpirun_ab -x HETMC_MPI_FAULT "$hetmc" run --backend mpi \
  --samples 100000000 --reps 3 --workers 1 >"$tmp/out" 2>"$tmp/err"
rc=$?
took=$(( $(date +%s) - t0 ))
echo "mpirun with rank 1 killed: exit $rc after $took s"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$rc" -ne 127 ] || bad "exit $rc: the job did not end non-zero by itself"
grep -qiE 'signal 9|killed' "$tmp/err" || { cat "$tmp/err"; bad "mpirun did not report the killed rank"; }
echo "mpirun said: $(grep -iE 'signal 9|killed' "$tmp/err" | head -n 1)"
[ "$took" -le 30 ] || bad "the job took $took s to end"
sleep 1
left=$({ ip netns pids "$nsa"; ip netns pids "$nsb"; } | tr '\n' ' ')
[ -z "${left// /}" ] || bad "processes left behind: $(ps -o pid=,comm= -p "$(echo $left | tr ' ' ,)" 2>/dev/null | tr '\n' ' ')"
echo "left in the namespaces: ${left// /}(none expected)"
exit $fail
