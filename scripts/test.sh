#!/usr/bin/env bash
# test.sh - the test command of the README (and of CI, through .ci/run).
#
# Sets up (scripts/setup.sh), builds with warnings as errors and runs every CTest suite, then
# builds again under AddressSanitizer + UndefinedBehaviorSanitizer and runs the suites there,
# except those labelled `slow` (past 2^32 samples, minutes under the sanitizers).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh build -DHETMC_WERROR=ON
echo "== tests (Release, -Werror) =="
(cd build && ctest --output-on-failure -j"$(nproc)")

bash scripts/setup.sh build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHETMC_WERROR=ON -DHETMC_SANITIZE=ON
echo "== tests (AddressSanitizer + UndefinedBehaviorSanitizer, without the slow label) =="
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j"$(nproc)" -LE slow)
