# aarch64-linux-gnu.cmake - cross-compiles hetmc for 64-bit ARM Linux (Grace, Graviton, ARM
# laptops) with Debian's cross compiler, and runs its tests under qemu-user:
#
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
#         -DHETMC_OPENCL=OFF -DHETMC_MPI=OFF -DHETMC_BENCHMARK=OFF
#   cmake --build build-aarch64 && (cd build-aarch64 && ctest -L unit)
#
# Needs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user (scripts/setup.sh installs
# them). CTest runs the test programs through CMAKE_CROSSCOMPILING_EMULATOR; tests/CMakeLists.txt
# writes a wrapper, hetmc-emulated, for the tests that start hetmc themselves. QEMU_CPU=max (or
# HETMC_QEMU_CPU at configure time) gives the emulated CPU SVE and SVE2.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(HETMC_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${HETMC_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${HETMC_CROSS_TRIPLE}-g++)

# Libraries and headers of the target only; programs of the build machine.
set(HETMC_CROSS_SYSROOT /usr/${HETMC_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH ${HETMC_CROSS_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# -march=native means the build machine's CPU: never for a cross build.
set(HETMC_NATIVE OFF CACHE BOOL "Compile for this machine's CPU (-march=native)")

find_program(HETMC_QEMU_AARCH64 qemu-aarch64)
if(HETMC_QEMU_AARCH64)
  # -L: where the emulator finds the target's dynamic loader and libraries.
  set(CMAKE_CROSSCOMPILING_EMULATOR ${HETMC_QEMU_AARCH64} -L ${HETMC_CROSS_SYSROOT})
endif()
