# openmp.cmake - the openmp backend (included from the top CMakeLists.txt after hetmc_core is
# defined). Sets HETMC_HAVE_OPENMP to 0 or 1; without it the backend is left out and
# `hetmc --help` says so.
set(HETMC_HAVE_OPENMP 0)
if(HETMC_OPENMP)
  find_package(OpenMP COMPONENTS C)
  if(OpenMP_C_FOUND)
    set(HETMC_HAVE_OPENMP 1)
  else()
    message(WARNING "OpenMP not found: the openmp backend is left out (hetmc --help says so)")
  endif()
endif()
target_compile_definitions(hetmc_core PUBLIC HETMC_HAVE_OPENMP=${HETMC_HAVE_OPENMP})
if(HETMC_HAVE_OPENMP)
  file(GLOB openmp_sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/host/backends/openmp/*.c)
  target_sources(hetmc_core PRIVATE ${openmp_sources})
  target_link_libraries(hetmc_core PUBLIC OpenMP::OpenMP_C)
endif()
