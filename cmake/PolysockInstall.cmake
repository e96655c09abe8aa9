# What `cmake --install` puts in a prefix (and so what the packages contain):
#   lib/libpolysock.so.<version>, .so.<abi> (the SONAME) and .so (for the linker)
#   include/polysock/*.h         every public header, the generated constants one too
#   lib/cmake/polysock/          polysockConfig, polysockConfigVersion, polysockTargets
#   lib/pkgconfig/polysock.pc
#   share/java/polysock-<version>.jar and the link polysock.jar (POLYSOCK_BUILD_JAVA;
#                                installed by bindings/java/CMakeLists.txt)
# The list is the ABI promise's other half: docs/abi.md says what is promised.
include(CMakePackageConfigHelpers)

set(POLYSOCK_SUMMARY "Python's socket module model behind a stable C ABI")
set(POLYSOCK_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/polysock)

# polysockConfigVersion.cmake accepts any 1.x for find_package(polysock 1.y): that is
# only true if the major version is the ABI generation (the SONAME's number).
if(NOT PROJECT_VERSION_MAJOR EQUAL POLYSOCK_ABI_VERSION)
  message(FATAL_ERROR "the major version (${PROJECT_VERSION_MAJOR}) and POLYSOCK_ABI_VERSION "
                      "(${POLYSOCK_ABI_VERSION}) must move together: see docs/abi.md")
endif()

install(TARGETS polysock EXPORT polysockTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# A new public header under capi/include/polysock/ is installed without a change here.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/capi/include/polysock
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")
install(FILES ${POLYSOCK_GENERATED_INCLUDE}/polysock/polysock_constants.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/polysock)

install(EXPORT polysockTargets
  NAMESPACE polysock::
  DESTINATION ${POLYSOCK_INSTALL_CMAKEDIR})
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/polysockConfig.cmake.in
  ${PROJECT_BINARY_DIR}/polysockConfig.cmake
  INSTALL_DESTINATION ${POLYSOCK_INSTALL_CMAKEDIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/polysockConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/polysockConfig.cmake
  ${PROJECT_BINARY_DIR}/polysockConfigVersion.cmake
  DESTINATION ${POLYSOCK_INSTALL_CMAKEDIR})

# pkg-config: the prefix is found relative to the .pc file, whatever the prefix.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  message(FATAL_ERROR "polysock.pc needs a relative CMAKE_INSTALL_LIBDIR")
endif()
file(RELATIVE_PATH POLYSOCK_PC_RELATIVE_PREFIX
  /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" POLYSOCK_PC_RELATIVE_PREFIX "${POLYSOCK_PC_RELATIVE_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/polysock.pc.in
  ${PROJECT_BINARY_DIR}/polysock.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/polysock.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Language bindings: each bindings/<lang>/CMakeLists.txt installs its own artifacts
# (Java: the jar, which carries its JNI library, under share/java; .NET assembly, Go
# package sources...) next to the library, with install() rules of its own and a
# COMPONENT named after the language, so that the C package above stays as it is and
# a language package can be split out (CPACK_DEB_COMPONENT_INSTALL) when it comes.
