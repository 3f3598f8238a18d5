#!/usr/bin/env bash
# test.sh - the test command of the README (and of CI, through .ci/run).
#
# Sets up (scripts/setup.sh), builds with warnings as errors and runs every CTest suite, then
# cross-builds for aarch64 and runs the exactness, kernel and CLI suites under qemu-aarch64, then
# builds again under AddressSanitizer + UndefinedBehaviorSanitizer and runs the suites there,
# except those labelled `slow` (past 2^32 samples, minutes under the sanitizers).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh build -DHETMC_WERROR=ON
echo "== tests (Release, -Werror) =="
(cd build && ctest --output-on-failure -j"$(nproc)")

# aarch64: cross-compiled with warnings as errors and tested under qemu-user (docs/arm.md): the
# unit, exact and cli labels with an emulated CPU that has SVE2 (QEMU_CPU=max: every host kernel
# variant is checked by test_stream), then the kernel tests on a CPU without SVE (Neoverse-N1:
# the automatic choice is neon). Skipped where the cross tools are missing, except in CI.
if command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null; then
  echo "== aarch64 (cross build, -Werror; tests under qemu-aarch64) =="
  t0=$(date +%s)
  cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
    -DCMAKE_BUILD_TYPE=Release -DHETMC_WERROR=ON -DHETMC_OPENCL=OFF -DHETMC_MPI=OFF \
    -DHETMC_BENCHMARK=OFF >/dev/null
  cmake --build build-aarch64 -j"$(nproc)"
  (cd build-aarch64 && QEMU_CPU=max ctest --output-on-failure -j"$(nproc)" -L 'unit|exact|cli')
  (cd build-aarch64 && QEMU_CPU=neoverse-n1 ctest --output-on-failure -R '^(kat_|stream_|cli_version)')
  echo "aarch64 stage: $(($(date +%s) - t0)) s"
elif [ -n "${CI:-}" ]; then
  echo "aarch64: aarch64-linux-gnu-gcc or qemu-aarch64 missing in CI (scripts/setup.sh installs them)" >&2
  exit 1
else
  echo "== aarch64: skipped (no aarch64-linux-gnu-gcc or qemu-aarch64; scripts/setup.sh installs them) =="
fi

bash scripts/setup.sh build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHETMC_WERROR=ON -DHETMC_SANITIZE=ON
echo "== tests (AddressSanitizer + UndefinedBehaviorSanitizer, without the slow label) =="
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j"$(nproc)" -LE slow)
