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
  set(HETMC_KERNEL_HEADER ${CMAKE_BINARY_DIR}/generated/hm_kernel_source.h)
  add_custom_command(OUTPUT ${HETMC_KERNEL_HEADER}
    COMMAND ${CMAKE_COMMAND} -DCC=${CMAKE_C_COMPILER} -DSRC=${CMAKE_SOURCE_DIR}/kernels/mcpi.cl
            -DINCLUDES=${CMAKE_SOURCE_DIR}/kernels,${RANDOM123_INCLUDE_DIR}
            -DOUT=${HETMC_KERNEL_HEADER} -P ${CMAKE_SOURCE_DIR}/cmake/bake_kernel.cmake
    VERBATIM
    DEPENDS ${CMAKE_SOURCE_DIR}/kernels/mcpi.cl ${CMAKE_SOURCE_DIR}/kernels/hm_compat.h
            ${CMAKE_SOURCE_DIR}/cmake/bake_kernel.cmake
    COMMENT "Baking kernels/mcpi.cl (Random123 resolved) into the binary")
  target_sources(hetmc_core PRIVATE host/backends/opencl.c host/backends/opencl_util.c
                 ${HETMC_KERNEL_HEADER})
  target_compile_definitions(hetmc_core PUBLIC CL_TARGET_OPENCL_VERSION=120)
  target_link_libraries(hetmc_core PUBLIC OpenCL::OpenCL)
endif()
