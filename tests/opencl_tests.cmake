# OpenCL tests (label `opencl`), included from tests/CMakeLists.txt when HETMC_HAVE_OPENCL.
# PoCL needs a writable kernel cache; each test gets one under the build tree. Under
# HETMC_SANITIZE, LeakSanitizer reports allocations inside PoCL/LLVM that live until exit; those
# tests run with detect_leaks=0 (the driver's, not hetmc's: hetmc's own leaks are covered by
# every non-OpenCL test, which keep leak detection on).
# hetmc's own cache of measured kernel choices (tunecache.h) goes under the build tree too.
set(HETMC_POCL_CACHE ${CMAKE_CURRENT_BINARY_DIR}/pocl-cache)
set(HETMC_XDG_CACHE ${CMAKE_CURRENT_BINARY_DIR}/xdg-cache)
file(MAKE_DIRECTORY ${HETMC_POCL_CACHE} ${CMAKE_CURRENT_BINARY_DIR}/no-icd-vendors)
set(HETMC_OPENCL_ENV POCL_CACHE_DIR=${HETMC_POCL_CACHE} XDG_CACHE_HOME=${HETMC_XDG_CACHE})
if(HETMC_SANITIZE)
  list(APPEND HETMC_OPENCL_ENV ASAN_OPTIONS=detect_leaks=0:abort_on_error=1)
endif()

add_executable(test_opencl test_opencl.c)
target_link_libraries(test_opencl PRIVATE hetmc_core)
add_test(NAME opencl_kernel_forms_on_host COMMAND test_opencl --host)
set_tests_properties(opencl_kernel_forms_on_host PROPERTIES LABELS "unit;opencl")
add_test(NAME opencl_exact_ranges COMMAND test_opencl)
add_test(NAME opencl_exact_opt_disabled COMMAND test_opencl --O0)
set_tests_properties(opencl_exact_ranges opencl_exact_opt_disabled PROPERTIES
                     LABELS "opencl;exact" SKIP_RETURN_CODE 77 TIMEOUT 900
                     ENVIRONMENT "${HETMC_OPENCL_ENV}")
# The kernel built for NVIDIA (nvptx64, ptxas sm_90) and AMD (amdgcn gfx90a) GPUs with clang +
# libclc; targets whose tools are absent are skipped, saying so. It checks the kernel text, not
# hetmc's binary, so the sanitizer pass leaves it out.
add_test(NAME opencl_portability COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/opencl_portability.sh
         ${HETMC_KERNEL_HEADER}.flat.cl)
set_tests_properties(opencl_portability PROPERTIES LABELS opencl SKIP_RETURN_CODE 77 TIMEOUT 300)
if(HETMC_SANITIZE)
  set_tests_properties(opencl_portability PROPERTIES DISABLED ON)
endif()

add_test(NAME opencl_exact_vs_serial
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/opencl_exact.sh $<TARGET_FILE:hetmc>)
add_test(NAME opencl_oclgrind
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/opencl_oclgrind.sh $<TARGET_FILE:hetmc>)
set_tests_properties(opencl_exact_vs_serial opencl_oclgrind PROPERTIES LABELS opencl
                     SKIP_RETURN_CODE 77 TIMEOUT 900 ENVIRONMENT "${HETMC_OPENCL_ENV}")
if(HETMC_SANITIZE)
  # Oclgrind's simulator under ASan is slow and its own allocations are not ours.
  set_tests_properties(opencl_oclgrind PROPERTIES DISABLED ON)
endif()

add_test(NAME opencl_matrix_two_devices
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/opencl_matrix.sh $<TARGET_FILE:hetmc>)
set_tests_properties(opencl_matrix_two_devices PROPERTIES LABELS "opencl;matrix"
                     SKIP_RETURN_CODE 77 TIMEOUT 300 ENVIRONMENT "${HETMC_OPENCL_ENV}")

function(hetmc_opencl_cli_test name rc pattern)
  add_test(NAME cli_opencl_${name} COMMAND ${EXPECT} ${rc} ${pattern} -- ${ARGN})
  set_tests_properties(cli_opencl_${name} PROPERTIES LABELS "opencl;cli"
                       ENVIRONMENT "${HETMC_OPENCL_ENV}")
endfunction()
set(hetmc_exe $<TARGET_FILE:hetmc>)
hetmc_opencl_cli_test(devices_lists 0 "compute units" ${hetmc_exe} devices)
hetmc_opencl_cli_test(verify 0 "all checks passed" ${hetmc_exe} verify)
hetmc_opencl_cli_test(index_out_of_range 2 "devices: 0:" ${hetmc_exe} run --backend opencl --device 99)
hetmc_opencl_cli_test(name_matches_none 2 "devices: 0:" ${hetmc_exe} run --backend opencl --device nosuchgpu)
hetmc_opencl_cli_test(bad_local_size 2 "--local-size" ${hetmc_exe} run --backend opencl --local-size 100000)
hetmc_opencl_cli_test(zero_local_size 2 "--local-size" ${hetmc_exe} run --backend opencl --local-size 0)
hetmc_opencl_cli_test(zero_item_blocks 2 "--item-blocks" ${hetmc_exe} run --backend opencl --item-blocks 0)
hetmc_opencl_cli_test(too_many_item_blocks 2 "--item-blocks" ${hetmc_exe} run --backend opencl --item-blocks 65537)
hetmc_opencl_cli_test(item_blocks_on_serial 2 "--item-blocks" ${hetmc_exe} run --backend serial --item-blocks 4)
hetmc_opencl_cli_test(bad_kernel_form 2 "HETMC_CL_KERNEL" env HETMC_CL_KERNEL=fast ${hetmc_exe} run --backend opencl)
hetmc_opencl_cli_test(kernel_form_forced 0 "hm_mcpi_plain (forced by HETMC_CL_KERNEL" env HETMC_CL_KERNEL=plain ${hetmc_exe} run --backend opencl --samples 1e6 --reps 1 --format csv)
hetmc_opencl_cli_test(kernel_form_measured 0 "samples/s wide " ${hetmc_exe} run --backend opencl --samples 1e6 --reps 1 --format csv)
# A cache that cannot be written costs a measurement, never the run.
hetmc_opencl_cli_test(tune_cache_unwritable 0 "validates" env XDG_CACHE_HOME=/proc/hetmc-no-cache ${hetmc_exe} run --backend opencl --samples 1e6 --reps 1)
hetmc_opencl_cli_test(bad_launch_blocks 2 "HETMC_CL_LAUNCH_BLOCKS" env HETMC_CL_LAUNCH_BLOCKS=0 ${hetmc_exe} run --backend opencl)
hetmc_opencl_cli_test(item_blocks_row 0 "item_blocks" ${hetmc_exe} run --backend opencl --item-blocks 5 --samples 1e6 --reps 1 --format csv)
hetmc_opencl_cli_test(cpu_selector 0 "validates" ${hetmc_exe} run --backend opencl --device cpu --samples 1e6 --reps 1)
hetmc_opencl_cli_test(name_selector 0 "validates" ${hetmc_exe} run --backend opencl --device PTHREAD --samples 1e6 --reps 1)
# No platform at all: an ICD loader with an empty vendors directory.
set(no_icd env OCL_ICD_VENDORS=${CMAKE_CURRENT_BINARY_DIR}/no-icd-vendors ${hetmc_exe})
hetmc_opencl_cli_test(devices_no_platform 0 "no OpenCL platform" ${no_icd} devices)
hetmc_opencl_cli_test(run_no_platform 2 "no OpenCL platform" ${no_icd} run --backend opencl)
hetmc_opencl_cli_test(verify_no_platform 0 "no OpenCL platform" ${no_icd} verify)

foreach(t exact_opencl exact_opencl_past_2e32 cli_csv_opencl)
  set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT ${HETMC_OPENCL_ENV})
  set_property(TEST ${t} APPEND PROPERTY LABELS opencl)
endforeach()
