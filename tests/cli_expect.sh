#!/usr/bin/env bash
# cli_expect.sh RC PATTERN -- COMMAND...
# Runs COMMAND and checks: exit status RC; for RC 2 (bad usage) stdout is empty and stderr is
# exactly one line containing PATTERN (a fixed string). For other RCs PATTERN must appear in
# stdout or stderr.
set -u
want_rc=$1 pattern=$2
shift 2
[ "$1" = "--" ] && shift
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$@" >"$out" 2>"$err"
rc=$?
fail() { echo "FAIL: $*"; echo "--- command: $*"; echo "--- stdout:"; cat "$out"; echo "--- stderr:"; cat "$err"; exit 1; }
[ "$rc" -eq "$want_rc" ] || fail "exit status $rc, expected $want_rc"
if [ "$want_rc" -eq 2 ]; then
  [ ! -s "$out" ] || fail "stdout not empty on bad usage"
  lines=$(wc -l <"$err")
  [ "$lines" -eq 1 ] || fail "stderr has $lines lines, expected 1"
  grep -qF -- "$pattern" "$err" || fail "stderr does not name '$pattern'"
else
  cat "$out" "$err" | grep -qF -- "$pattern" || fail "output does not contain '$pattern'"
fi
echo "ok: exit $rc, '$pattern' found"
