# Tests of the mpi backend under a real launcher (included from tests/CMakeLists.txt when the
# backend is built). Label `mpi`; every test has a TIMEOUT, and the scripts run each mpirun
# under `timeout` as well, so a hung rank fails the test instead of stalling CI.
#
# Open MPI refuses to run as root (CI containers) unless both variables below are set, and
# refuses more ranks than cores unless given --oversubscribe (the scripts add it for Open MPI).
# They are set here for these tests only, never globally. Nothing else was needed on Debian 12
# (Open MPI 4.1.4, shared memory between ranks on one machine).
# Under -DHETMC_SANITIZE=ON, LeakSanitizer would report Open MPI's own allocations that live
# past MPI_Finalize; lsan_openmpi.supp suppresses those libraries (and only those).
set(HETMC_MPI_ENV "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"
    "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_SOURCE_DIR}/lsan_openmpi.supp:fast_unwind_on_malloc=0:print_suppressions=0")

foreach(np 1 2 3)
  add_test(NAME mpi_exact_np${np}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/mpi_exact.sh ${MPIEXEC_EXECUTABLE}
                   $<TARGET_FILE:hetmc> ${np})
  set_tests_properties(mpi_exact_np${np} PROPERTIES LABELS "mpi;exact" TIMEOUT 600
                       ENVIRONMENT "${HETMC_MPI_ENV}")
endforeach()
add_test(NAME mpi_exact_np3_past_2e32
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/mpi_exact.sh ${MPIEXEC_EXECUTABLE}
                 $<TARGET_FILE:hetmc> 3 --large)
set_tests_properties(mpi_exact_np3_past_2e32 PROPERTIES LABELS "mpi;exact;slow" TIMEOUT 900
                     ENVIRONMENT "${HETMC_MPI_ENV}")

foreach(case kill mpierr fail usage matrix)
  add_test(NAME mpi_fault_${case}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/mpi_fault.sh ${MPIEXEC_EXECUTABLE}
                   $<TARGET_FILE:hetmc> ${case})
  set_tests_properties(mpi_fault_${case} PROPERTIES LABELS "mpi;cli" TIMEOUT 300
                       ENVIRONMENT "${HETMC_MPI_ENV}")
endforeach()

# Without a launcher hetmc is a singleton of one rank: the CLI's usual contract holds.
hetmc_cli_test(mpi_local_size_without_device 2 "--local-size" run --backend mpi --local-size 64)
hetmc_cli_test(mpi_singleton_golden 0 "validates" run --backend mpi --samples 1e8 --seed 42 --reps 1)
set(mpi_cli_tests cli_mpi_local_size_without_device cli_mpi_singleton_golden)
if(NOT HETMC_HAVE_OPENCL)
  hetmc_cli_test(mpi_device_without_opencl 2 "opencl" run --backend mpi --device local-rank)
  list(APPEND mpi_cli_tests cli_mpi_device_without_opencl)
endif()
set_tests_properties(${mpi_cli_tests} PROPERTIES LABELS "mpi;cli" TIMEOUT 120
                     ENVIRONMENT "${HETMC_MPI_ENV}")
# The tests every backend gets (tests/CMakeLists.txt) run mpi as a singleton: same environment.
foreach(t exact_mpi exact_mpi_past_2e32 cli_csv_mpi)
  set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT ${HETMC_MPI_ENV})
endforeach()

# coexec inside every rank (--parts): exact counts and the parts column, 1 and 2 ranks.
foreach(np 1 2)
  add_test(NAME mpi_coexec_np${np}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/mpi_coexec.sh ${MPIEXEC_EXECUTABLE}
                   $<TARGET_FILE:hetmc> ${np} threads:1,serial)
  set_tests_properties(mpi_coexec_np${np} PROPERTIES LABELS "mpi;exact;coexec" TIMEOUT 600
                       ENVIRONMENT "${HETMC_MPI_ENV}")
endforeach()
hetmc_cli_test(mpi_parts_with_device 2 "--device does not apply with --parts" run --backend mpi --parts threads:1 --device 0)
hetmc_cli_test(mpi_parts_with_workers 2 "--workers does not apply to --parts" run --backend mpi --parts threads:1 --workers 2)
set_tests_properties(cli_mpi_parts_with_device cli_mpi_parts_with_workers PROPERTIES
                     LABELS "mpi;cli;coexec" ENVIRONMENT "${HETMC_MPI_ENV}")

# The mpi backend against a real batch system and across hosts (label `cluster`; run alone with
# `ctest -R 'slurm|multihost'`). Both start daemons or network namespaces of their own, need
# root and skip (exit 77, with the reason) without it; CI runs them as root. They share the
# machine's two CPUs with nothing else of theirs: RESOURCE_LOCK keeps them apart.
foreach(case batch nopmi)
  add_test(NAME slurm_${case}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/slurm.sh $<TARGET_FILE:hetmc> ${CMAKE_SOURCE_DIR}
                   ${case})
  set_tests_properties(slurm_${case} PROPERTIES LABELS "mpi;cluster;slurm" TIMEOUT 420
                       SKIP_RETURN_CODE 77 RESOURCE_LOCK hetmc_cluster)
endforeach()
foreach(case exact kill)
  add_test(NAME multihost_${case}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/multihost.sh ${MPIEXEC_EXECUTABLE}
                   $<TARGET_FILE:hetmc> ${case})
  set_tests_properties(multihost_${case} PROPERTIES LABELS "mpi;cluster;multihost" TIMEOUT 300
                       SKIP_RETURN_CODE 77 RESOURCE_LOCK hetmc_cluster
                       ENVIRONMENT "${HETMC_MPI_ENV}")
endforeach()
# They check the cluster wiring, which the Release pass covers; under the sanitizers the
# daemons' and launchers' own behaviour (leak reports, exit codes) is not hetmc's.
if(HETMC_SANITIZE)
  set_tests_properties(slurm_batch slurm_nopmi multihost_exact multihost_kill PROPERTIES
                       DISABLED ON)
endif()
