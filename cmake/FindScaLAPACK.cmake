# Finds ScaLAPACK built against OpenMPI (Debian: libscalapack-openmpi-dev), which also provides BLACS.
# Defines ScaLAPACK_FOUND and the imported target ScaLAPACK::ScaLAPACK.
find_library(ScaLAPACK_LIBRARY
  NAMES scalapack-openmpi scalapack
  HINTS ENV SCALAPACK_ROOT
  PATH_SUFFIXES lib lib64)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(ScaLAPACK
  REQUIRED_VARS ScaLAPACK_LIBRARY
  FAIL_MESSAGE "ScaLAPACK (OpenMPI build) not found: install the Debian package libscalapack-openmpi-dev (cmake/install-deps.sh) or set SCALAPACK_ROOT")
if(ScaLAPACK_FOUND AND NOT TARGET ScaLAPACK::ScaLAPACK)
  add_library(ScaLAPACK::ScaLAPACK UNKNOWN IMPORTED)
  set_target_properties(ScaLAPACK::ScaLAPACK PROPERTIES IMPORTED_LOCATION "${ScaLAPACK_LIBRARY}")
endif()
mark_as_advanced(ScaLAPACK_LIBRARY)
