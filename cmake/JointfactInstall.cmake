# `cmake --install build --prefix P`: the library, its public headers, the jointfact binary and a CMake
# package (find_package(jointfact) + target_link_libraries(app jointfact::jointfact)).
include(CMakePackageConfigHelpers)

set(JOINTFACT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/jointfact)

install(TARGETS jointfact_lib EXPORT jointfactTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS jointfact RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Public headers: include/jointfact (the application's headers live beside its sources in src/app, src/bench).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/jointfact DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/generated/jointfact/version.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/jointfact)

install(EXPORT jointfactTargets NAMESPACE jointfact:: DESTINATION ${JOINTFACT_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/jointfactConfig.cmake.in
  ${PROJECT_BINARY_DIR}/jointfactConfig.cmake INSTALL_DESTINATION ${JOINTFACT_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_BINDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/jointfactConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/jointfactConfig.cmake
  ${PROJECT_BINARY_DIR}/jointfactConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/FindScaLAPACK.cmake
  ${PROJECT_SOURCE_DIR}/cmake/FindParallelHDF5.cmake
  DESTINATION ${JOINTFACT_INSTALL_CMAKEDIR})
