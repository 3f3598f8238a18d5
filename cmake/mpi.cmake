# mpi.cmake - the mpi backend (included from the top CMakeLists.txt after hetmc_core is
# defined). Sets HETMC_HAVE_MPI to 0 or 1; without it the backend is left out and
# `hetmc --help` says so.
set(HETMC_HAVE_MPI 0)
if(HETMC_MPI)
  find_package(MPI COMPONENTS C)
  if(MPI_C_FOUND)
    set(HETMC_HAVE_MPI 1)
  else()
    message(WARNING "MPI not found: the mpi backend is left out (hetmc --help says so)")
  endif()
endif()
target_compile_definitions(hetmc_core PUBLIC HETMC_HAVE_MPI=${HETMC_HAVE_MPI})
if(HETMC_HAVE_MPI)
  file(GLOB mpi_sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/host/backends/mpi/*.c)
  target_sources(hetmc_core PRIVATE ${mpi_sources})
  target_link_libraries(hetmc_core PUBLIC MPI::MPI_C)
endif()
