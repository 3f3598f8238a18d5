#!/usr/bin/env bash
# cli_tasks.sh HETMC [BACKEND...] -- `hetmc run --tasks T` as a user sees it, for each backend
# named, or else every backend of the binary that reads --tasks (`hetmc --list-backends`):
# T = 7 tasks for 2 workers (not divisible) and T = 3 for 4 workers (fewer tasks than
# workers): every row ok with the golden count of seed 0, N = 1000001, the `tasks` column says
# T, and create_s is filled for the backends that create reusable workers once (pool,
# forkserver) and empty for the others.
set -u
hetmc=$1
shift
backends=("$@")
if [ ${#backends[@]} -eq 0 ]; then
  mapfile -t backends < <("$hetmc" --list-backends | awk -F, 'NR > 1 && $4 ~ /(^| )tasks( |$)/ { print $1 }')
  [ ${#backends[@]} -gt 0 ] || { echo "FAIL: hetmc --list-backends names no backend with tasks"; exit 1; }
fi
for backend in "${backends[@]}"; do
# A build run under an emulator leaves out what the emulator cannot run, and says why.
if [[ ",${HETMC_TEST_SKIP:-}," == *",$backend,"* ]]; then
  echo "skipped: $backend (HETMC_TEST_SKIP): ${HETMC_TEST_SKIP_WHY:-no reason given}"
  continue
fi
for spec in 2:7 4:3; do
  w=${spec%%:*} t=${spec##*:}
  out=$("$hetmc" run --backend "$backend" --workers "$w" --tasks "$t" --samples 1000001 --seed 0 \
    --reps 2 --format csv) || { echo "FAIL: hetmc exited $?"; exit 1; }
  echo "$out"
  # Columns: 10 status, 11 hits, 28 tasks, 30 create_s (results/README.md).
  rows=$(echo "$out" | tail -n +2 | awk -F, -v t="$t" -v b="$backend" '
    $10 == "ok" && $11 == 784446 && $28 == t &&
    ((b == "pool" || b == "forkserver") ? $30 > 0 : $30 == "") { n++ }
    END { print n + 0 }')
  [ "$rows" -eq 2 ] || { echo "FAIL: $backend w=$w tasks=$t: $rows of 2 rows right"; exit 1; }
  echo "ok: $backend, $w workers, $t tasks: exact, tasks column $t"
done
done
