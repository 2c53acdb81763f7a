# Finds the MPI-parallel build of HDF5 (Debian: libhdf5-openmpi-dev). CMake's FindHDF5 can silently pick
# the serial build, so this module looks in the OpenMPI flavour's directories and checks H5_HAVE_PARALLEL.
# Defines ParallelHDF5_FOUND and the imported target ParallelHDF5::ParallelHDF5.
find_path(ParallelHDF5_INCLUDE_DIR hdf5.h
  HINTS ENV HDF5_ROOT
  PATHS /usr/include/hdf5/openmpi
  PATH_SUFFIXES include include/hdf5/openmpi
  NO_DEFAULT_PATH)
find_library(ParallelHDF5_LIBRARY
  NAMES hdf5_openmpi hdf5
  HINTS ENV HDF5_ROOT
  PATHS /usr/lib/x86_64-linux-gnu/hdf5/openmpi /usr/lib/aarch64-linux-gnu/hdf5/openmpi
  PATH_SUFFIXES lib
  NO_DEFAULT_PATH)
set(ParallelHDF5_IS_PARALLEL FALSE)
if(ParallelHDF5_INCLUDE_DIR AND EXISTS "${ParallelHDF5_INCLUDE_DIR}/H5pubconf.h")
  file(STRINGS "${ParallelHDF5_INCLUDE_DIR}/H5pubconf.h" _jf_h5_parallel REGEX "^#define H5_HAVE_PARALLEL 1")
  if(_jf_h5_parallel)
    set(ParallelHDF5_IS_PARALLEL TRUE)
  endif()
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(ParallelHDF5
  REQUIRED_VARS ParallelHDF5_LIBRARY ParallelHDF5_INCLUDE_DIR ParallelHDF5_IS_PARALLEL
  FAIL_MESSAGE "parallel HDF5 not found: install the Debian package libhdf5-openmpi-dev (cmake/install-deps.sh) or set HDF5_ROOT to an MPI-enabled HDF5")
if(ParallelHDF5_FOUND AND NOT TARGET ParallelHDF5::ParallelHDF5)
  add_library(ParallelHDF5::ParallelHDF5 UNKNOWN IMPORTED)
  set_target_properties(ParallelHDF5::ParallelHDF5 PROPERTIES
    IMPORTED_LOCATION "${ParallelHDF5_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${ParallelHDF5_INCLUDE_DIR}")
endif()
mark_as_advanced(ParallelHDF5_INCLUDE_DIR ParallelHDF5_LIBRARY)
