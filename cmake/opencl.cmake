# opencl.cmake - the opencl backend and the OpenCL side of `hetmc devices` and `hetmc verify`
# (included from the top CMakeLists.txt after hetmc_core is defined). Sets HETMC_HAVE_OPENCL to
# 0 or 1; without it the backend is left out and `hetmc --help` says so.
set(HETMC_HAVE_OPENCL 0)
if(HETMC_OPENCL)
  find_package(OpenCL)
  if(OpenCL_FOUND)
    set(HETMC_HAVE_OPENCL 1)
  else()
    message(WARNING "OpenCL not found: the opencl backend is left out (hetmc --help says so)")
  endif()
endif()
target_compile_definitions(hetmc_core PUBLIC HETMC_HAVE_OPENCL=${HETMC_HAVE_OPENCL})
if(HETMC_HAVE_OPENCL)
  # bake(NAME SRC HEADER): SRC flattened with Random123 into HEADER as the C array NAME.
  function(hetmc_bake name src header)
    add_custom_command(OUTPUT ${header}
      COMMAND ${CMAKE_COMMAND} -DCC=${CMAKE_C_COMPILER} -DSRC=${src}
              -DINCLUDES=${CMAKE_SOURCE_DIR}/kernels,${RANDOM123_INCLUDE_DIR}
              -DOUT=${header} -DNAME=${name} -P ${CMAKE_SOURCE_DIR}/cmake/bake_kernel.cmake
      VERBATIM
      DEPENDS ${src} ${CMAKE_SOURCE_DIR}/kernels/hm_compat.h
              ${CMAKE_SOURCE_DIR}/cmake/bake_kernel.cmake
      COMMENT "Baking ${src} (Random123 resolved) into the binary")
  endfunction()
  set(HETMC_KERNEL_HEADER ${CMAKE_BINARY_DIR}/generated/hm_kernel_source.h)
  hetmc_bake(hm_kernel_source ${CMAKE_SOURCE_DIR}/kernels/mcpi.cl ${HETMC_KERNEL_HEADER})
  file(GLOB opencl_sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/host/backends/opencl/*.c)
  target_sources(hetmc_core PRIVATE ${opencl_sources} ${HETMC_KERNEL_HEADER})
  target_compile_definitions(hetmc_core PUBLIC CL_TARGET_OPENCL_VERSION=120)
  target_link_libraries(hetmc_core PUBLIC OpenCL::OpenCL)

  # hetmc-device-bench (bench/device.sh): hetmc opencl, the host kernel and bench/naive.cl (the plain kernel).
  set(HETMC_NAIVE_HEADER ${CMAKE_BINARY_DIR}/generated/hm_naive_source.h)
  hetmc_bake(hm_naive_source ${CMAKE_SOURCE_DIR}/bench/naive.cl ${HETMC_NAIVE_HEADER})
  add_executable(hetmc-device-bench bench/device_bench.c ${HETMC_NAIVE_HEADER})
  target_include_directories(hetmc-device-bench PRIVATE ${CMAKE_BINARY_DIR}/generated)
  target_link_libraries(hetmc-device-bench PRIVATE hetmc_core)
endif()
