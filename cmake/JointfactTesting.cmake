# Test helpers: the environment every MPI test runs with, and a function that registers one MPI test
# executable once per rank count (label np<N>), as DLA-Future's DLAF_addTest does.
find_package(Catch2 2 REQUIRED)

# Root in CI, 2 cores: allow root, oversubscribe politely, keep OpenBLAS single-threaded under MPI,
# and use ROMIO (OMPIO collective I/O can hang with HDF5 on OpenMPI 4.1).
set(JOINTFACT_TEST_ENV
  OMPI_ALLOW_RUN_AS_ROOT=1
  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  OMPI_MCA_mpi_yield_when_idle=1
  OMPI_MCA_rmaps_base_oversubscribe=1
  OMPI_MCA_io=romio321
  OMPI_MCA_btl_vader_single_copy_mechanism=none
  OPENBLAS_NUM_THREADS=1
  OMP_NUM_THREADS=1
  HDF5_USE_FILE_LOCKING=FALSE)

add_library(jointfact_catch_mpi_main STATIC ${PROJECT_SOURCE_DIR}/tests/unit/catch_mpi_main.cpp)
target_link_libraries(jointfact_catch_mpi_main PUBLIC Catch2::Catch2 MPI::MPI_CXX jointfact_lib)

# jointfact_add_mpi_test(NAME <name> SOURCES <files...> [LIBRARIES <targets...>] [RANKS <n...>] [TIMEOUT <s>])
function(jointfact_add_mpi_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SOURCES;LIBRARIES;RANKS" ${ARGN})
  if(NOT ARG_RANKS)
    set(ARG_RANKS ${JOINTFACT_TEST_RANKS})
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE jointfact_catch_mpi_main jointfact_lib ${ARG_LIBRARIES})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src)  # unit tests reach private headers
  foreach(np IN LISTS ARG_RANKS)
    add_test(NAME ${ARG_NAME}_np${np}
      COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${np} --oversubscribe ${MPIEXEC_PREFLAGS}
              $<TARGET_FILE:${ARG_NAME}> ${MPIEXEC_POSTFLAGS})
    set_tests_properties(${ARG_NAME}_np${np} PROPERTIES
      LABELS "np${np}" ENVIRONMENT "${JOINTFACT_TEST_ENV}" TIMEOUT ${ARG_TIMEOUT} PROCESSORS ${np})
  endforeach()
endfunction()

# jointfact_add_script_test(NAME <name> COMMAND <cmd...> [LABELS <l...>] [TIMEOUT <s>]): a shell-level test
# (CLI end-to-end, fault injection, Slurm) that gets the binary's path in JOINTFACT_BIN.
function(jointfact_add_script_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "COMMAND;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_COMMAND})
  set_tests_properties(${ARG_NAME} PROPERTIES
    LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT} SKIP_RETURN_CODE 77
    ENVIRONMENT "${JOINTFACT_TEST_ENV};JOINTFACT_BIN=$<TARGET_FILE:jointfact>;MPIEXEC=${MPIEXEC_EXECUTABLE}")
endfunction()
