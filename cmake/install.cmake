# install.cmake - what `cmake --install build --prefix P` puts where (included from the top
# CMakeLists.txt after every target is defined; docs/building.md shows it):
#   bin/                 hetmc, hetmc-kernel-bench, hetmc-gbench (when built). hetmc-device-bench
#                        stays in the build tree: it is bench/device.sh's tool, which needs the
#                        source tree's bench/ and kernels/;
#   lib/                 libhetmc_core.a, lib/cmake/hetmc/ (find_package(hetmc): the target
#                        hetmc::hetmc_core with its link dependencies), lib/pkgconfig/hetmc.pc;
#   include/hetmc/       the public headers: hetmc.h, runner.h, report.h, schema.h, kernel.h,
#                        golden.h, forkserver.h (each includes only the others and the C library);
#   share/hetmc/         scripts/plot.py and report.py, bench/lesson.py, with the files they read
#                        at the paths they read them from the source tree (docs/STREAM.md, csv.md,
#                        tests/data/kat_vectors_philox.txt, build/hetmc: a link to bin/hetmc),
#                        and docs/results.schema.json;
#   share/man/man1/      hetmc.1, made from the help texts at build time (cmake/manpage.cmake).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(HETMC_PUBLIC_HEADERS host/hetmc.h host/core/runner.h host/core/report.h host/core/schema.h
    kernels/kernel.h host/core/golden.h host/backends/procs/forkserver.h)
set(HETMC_INCLUDE_DIR ${CMAKE_INSTALL_INCLUDEDIR}/hetmc)
set(HETMC_SHARE_DIR ${CMAKE_INSTALL_DATADIR}/hetmc)
set(HETMC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/hetmc)
target_include_directories(hetmc_core PUBLIC $<INSTALL_INTERFACE:${HETMC_INCLUDE_DIR}>)

set(hetmc_programs hetmc hetmc-kernel-bench)
if(TARGET hetmc-gbench)
  list(APPEND hetmc_programs hetmc-gbench)
endif()
install(TARGETS ${hetmc_programs} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS hetmc_core EXPORT hetmc-targets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${HETMC_PUBLIC_HEADERS} DESTINATION ${HETMC_INCLUDE_DIR})

# The CMake package: the targets, and the packages their link dependencies come from.
install(EXPORT hetmc-targets NAMESPACE hetmc:: DESTINATION ${HETMC_CMAKE_DIR}
        FILE hetmc-targets.cmake)
configure_package_config_file(cmake/hetmc-config.cmake.in
  ${CMAKE_BINARY_DIR}/hetmc-config.cmake INSTALL_DESTINATION ${HETMC_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/hetmc-config-version.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/hetmc-config.cmake ${CMAKE_BINARY_DIR}/hetmc-config-version.cmake
        DESTINATION ${HETMC_CMAKE_DIR})

# pkg-config: the library is static, so its dependencies are in Libs.private
# (pkg-config --static --libs hetmc).
set(HETMC_PC_PRIVATE "-pthread -lm")
if(HETMC_HAVE_OPENMP)
  string(APPEND HETMC_PC_PRIVATE " ${OpenMP_C_FLAGS}")
endif()
if(HETMC_HAVE_OPENCL)
  string(APPEND HETMC_PC_PRIVATE " -lOpenCL")
endif()
if(HETMC_HAVE_MPI)
  foreach(lib IN LISTS MPI_C_LIBRARIES)
    string(APPEND HETMC_PC_PRIVATE " ${lib}")
  endforeach()
endif()
# The prefix relative to the .pc file, so that `cmake --install --prefix P` may choose it.
file(RELATIVE_PATH HETMC_PC_UP /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
string(REGEX REPLACE "/$" "" HETMC_PC_UP "${HETMC_PC_UP}")
configure_file(cmake/hetmc.pc.in ${CMAKE_BINARY_DIR}/hetmc.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/hetmc.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The scripts that work on results, with what they read, where they look for it.
install(PROGRAMS scripts/plot.py scripts/report.py DESTINATION ${HETMC_SHARE_DIR}/scripts)
install(PROGRAMS bench/lesson.py DESTINATION ${HETMC_SHARE_DIR}/bench)
install(FILES docs/STREAM.md docs/csv.md docs/results.schema.json
        DESTINATION ${HETMC_SHARE_DIR}/docs)
install(FILES tests/data/kat_vectors_philox.txt DESTINATION ${HETMC_SHARE_DIR}/tests/data)
file(RELATIVE_PATH hetmc_link_target /p/${HETMC_SHARE_DIR}/build
     /p/${CMAKE_INSTALL_BINDIR}/hetmc)
install(CODE "
  set(dir \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${HETMC_SHARE_DIR}/build\")
  file(MAKE_DIRECTORY \"\${dir}\")
  file(CREATE_LINK \"${hetmc_link_target}\" \"\${dir}/hetmc\" SYMBOLIC)
  message(STATUS \"Installing: \${dir}/hetmc -> ${hetmc_link_target}\")")

# hetmc(1) from the help texts of the binary just built; a cross build without an emulator
# cannot run it and installs no page.
if(NOT CMAKE_CROSSCOMPILING OR CMAKE_CROSSCOMPILING_EMULATOR)
  set(hetmc_run_self $<TARGET_FILE:hetmc>)
  if(CMAKE_CROSSCOMPILING)
    set(hetmc_run_self ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:hetmc>)
  endif()
  string(REPLACE ";" "\\;" hetmc_run_self_arg "${hetmc_run_self}")
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/hetmc.1
    COMMAND ${CMAKE_COMMAND} "-DHETMC=${hetmc_run_self_arg}" -DVERSION=${PROJECT_VERSION}
            -DOUT=${CMAKE_BINARY_DIR}/hetmc.1 -P ${CMAKE_SOURCE_DIR}/cmake/manpage.cmake
    DEPENDS hetmc ${CMAKE_SOURCE_DIR}/cmake/manpage.cmake
    COMMENT "Writing hetmc(1) from the help texts")
  add_custom_target(hetmc_man ALL DEPENDS ${CMAKE_BINARY_DIR}/hetmc.1)
  install(FILES ${CMAKE_BINARY_DIR}/hetmc.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
