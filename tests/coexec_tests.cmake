# Tests of the coexec backend (included from tests/CMakeLists.txt). Label `coexec`; with
# `exact` for counts against the host kernel, `slow` past 2^32 samples, `unit` for the schedule
# and the part list checked directly. Parts on OpenCL devices get the PoCL environment of
# opencl_tests.cmake (a writable kernel cache; no leak check under the sanitizers, PoCL's).
add_executable(test_coexec test_coexec.c)
target_link_libraries(test_coexec PRIVATE hetmc_core)

# Host-only part lists never start OpenCL, so their tests keep the leak check under the
# sanitizers; tests that may reach a device get the OpenCL environment (set_opencl_env).
set(coexec_env "HETMC_EXE=${HETMC_CLI}")
set(coexec_cl_env ${coexec_env})
if(HETMC_HAVE_OPENCL)
  list(APPEND coexec_cl_env ${HETMC_OPENCL_ENV})
endif()
set(host_part threads:1)
if(HETMC_HAVE_OPENMP)
  set(host_part openmp:1)
endif()

# coexec_test(NAME LABELS ARGS...): test_coexec ARGS; with "opencl" among LABELS it gets the
# OpenCL environment.
function(coexec_test name labels)
  add_test(NAME coexec_${name} COMMAND test_coexec ${ARGN})
  set(env ${coexec_env})
  if(labels MATCHES "opencl")
    set(env ${coexec_cl_env})
  endif()
  set_tests_properties(coexec_${name} PROPERTIES LABELS "coexec;${labels}" TIMEOUT 600
                       ENVIRONMENT "${env}")
endfunction()

coexec_test(schedule unit sched)
coexec_test(part_list "unit;opencl" parts) # auto and opencl@ selectors list the devices
coexec_test(comparison_efficiency unit summary)
# Host parts: threads and serial, openmp, more parts than the small sizes have chunks.
coexec_test(exact_host_host exact exact serial,threads:3)
coexec_test(exact_host_host_openmp exact exact ${host_part},threads:2)
coexec_test(exact_five_parts exact exact threads:1,threads:1,threads:1,threads:1,serial)
# Process backends as parts.
coexec_test(exact_processes exact exact threads:1,fork:2,pool:2,spawn:1)
coexec_test(exact_forkserver exact exact serial,forkserver:2)
# Static splits: given weights (a near-empty slice), and measured rates.
coexec_test(exact_static_weights exact exact threads:2,serial static:3,1)
coexec_test(exact_static_tiny_slice exact exact threads:1,threads:1,serial static:1,1000000,1)
coexec_test(exact_static_rates exact exact threads:1,pool:2 static)
coexec_test(exact_past_2e32 "exact;slow" large threads:1,pool:2)
# A part that fails: the run fails naming it; a process part whose worker dies.
coexec_test(fault_part exact fault threads:1,serial)
coexec_test(fault_fork_worker procs procfault threads:1,fork:2)
coexec_test(fault_pool_worker procs procfault serial,pool:2)
coexec_test(fault_spawn_worker procs procfault serial,spawn:2)
if(HETMC_HAVE_OPENCL)
  coexec_test(exact_host_opencl "exact;opencl" exact ${host_part},opencl@cpu)
  coexec_test(exact_host_opencl_static "exact;opencl" exact ${host_part},opencl@cpu static)
  coexec_test(exact_host_opencl_past_2e32 "exact;opencl;slow" large ${host_part},opencl@cpu)
  coexec_test(fault_opencl_part opencl fault threads:1,opencl@cpu)
  # Two OpenCL devices: PoCL's basic and pthread drivers side by side.
  coexec_test(exact_two_devices "exact;opencl" exact opencl@all)
  coexec_test(exact_two_devices_host "exact;opencl" exact threads:1,opencl@0,opencl@1 static:1,1,2)
  set_property(TEST coexec_exact_two_devices coexec_exact_two_devices_host APPEND PROPERTY
               ENVIRONMENT "POCL_DEVICES=basic pthread")
endif()

# The command line: bad part lists and splits exit 2 naming what is wrong. (The OpenCL
# environment for all: `matrix --backends coexec` without --parts runs auto.)
function(coexec_cli_test name rc pattern)
  add_test(NAME cli_coexec_${name} COMMAND ${EXPECT} ${rc} ${pattern} -- ${HETMC_CLI} ${ARGN})
  set_tests_properties(cli_coexec_${name} PROPERTIES LABELS "coexec;cli" ENVIRONMENT "${coexec_cl_env}")
endfunction()
coexec_cli_test(bad_backend 2 "part 'nosuch'" run --backend coexec --parts threads:1,nosuch)
coexec_cli_test(bad_workers 2 "WORKERS 'x'" run --backend coexec --parts threads:x)
coexec_cli_test(empty_part 2 "part ''" run --backend coexec --parts threads:1,,serial)
coexec_cli_test(coexec_part 2 "except coexec and mpi" run --backend coexec --parts coexec)
coexec_cli_test(workers_rejected 2 "--workers does not apply to coexec" run --backend coexec --parts threads:1 --workers 2)
coexec_cli_test(parts_on_serial 2 "--parts does not apply to backend serial" run --backend serial --parts threads:1)
coexec_cli_test(bad_split 2 "--split 'guided' is not a split" run --backend coexec --parts threads:1,serial --split guided)
coexec_cli_test(split_weights 2 "3 weights for 2 parts" run --backend coexec --parts threads:1,serial --split static:1,2,3)
coexec_cli_test(matrix_needs_coexec 2 "add coexec to --backends" matrix --backends serial --parts threads:1)
coexec_cli_test(matrix_bad_parts 2 "part 'nosuch'" matrix --backends coexec --parts nosuch)
coexec_cli_test(golden 0 "validates" run --backend coexec --parts threads:1,serial --samples 1e8 --seed 42 --reps 1)
coexec_cli_test(static_golden 0 "78539599" run --backend coexec --parts threads:2,serial --split static:3,1 --samples 1e8 --seed 42 --reps 2)
# One run per repetition (--min-time 0), so that run 2 of the fault hook is repetition 2.
add_test(NAME cli_coexec_part_fails COMMAND env HETMC_COEXEC_FAULT=part=1,run=2 ${EXPECT} 1
         "rep 2 failed: part 1 of 2 (serial:1) failed" -- ${HETMC_CLI} run --backend coexec
         --parts threads:1,serial --samples 1e7 --reps 3 --min-time 0)
set_tests_properties(cli_coexec_part_fails PROPERTIES LABELS "coexec;cli" ENVIRONMENT "${coexec_cl_env}")
if(HETMC_HAVE_OPENCL)
  coexec_cli_test(no_such_device 2 "matches no device" run --backend coexec --parts threads:1,opencl@nosuchdevice)
  coexec_cli_test(device_twice 2 "already part 0" run --backend coexec --parts opencl@0,opencl@all)
  coexec_cli_test(host_opencl 0 "balance" run --backend coexec --parts ${host_part},opencl@cpu --samples 2^24 --reps 2)
  # The fork server starts before listing the OpenCL devices (which starts PoCL's threads).
  coexec_cli_test(forkserver_opencl 0 "validates" run --backend coexec --parts serial,forkserver:2,opencl@cpu --samples 1e7 --reps 1)
endif()

# The tests every backend gets run coexec with its default parts (auto): OpenCL may be one.
foreach(t exact_coexec exact_coexec_past_2e32 cli_csv_coexec)
  set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT ${coexec_cl_env})
  set_property(TEST ${t} APPEND PROPERTY LABELS coexec)
endforeach()
