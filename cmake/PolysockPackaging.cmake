# CPack: `cpack` in a build tree makes polysock_<version>_<arch>.deb and a .tar.gz of
# what PolysockInstall.cmake installs. One Debian package, polysock, holds the library,
# the headers and the CMake and pkg-config files (and, with POLYSOCK_BUILD_JAVA, the
# jar under share/java); it installs with
#   apt-get install ./polysock_<version>_<arch>.deb
set(POLYSOCK_PACKAGE_MAINTAINER "polysock maintainers <maintainers@polysock.invalid>"
  CACHE STRING "Maintainer field of the Debian package")

set(CPACK_GENERATOR "DEB;TGZ")
set(CPACK_PACKAGE_NAME polysock)
set(CPACK_PACKAGE_VENDOR polysock)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${POLYSOCK_SUMMARY}")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "polysock brings the model of CPython's socket module (socket objects with\n"
  "timeouts, module functions, Python's errors) to C through a stable C ABI:\n"
  "integer socket handles, status codes and plain structs. This package holds\n"
  "the shared library, the C headers, and the CMake and pkg-config files.")
if(POLYSOCK_BUILD_JAVA)
  # Built with the Java binding, the package carries its jar as Debian's Java libraries
  # are installed: /usr/share/java/polysock-<version>.jar and the link polysock.jar.
  string(APPEND CPACK_PACKAGE_DESCRIPTION
    "\nWith the Java binding: /usr/share/java/polysock.jar (org.polysock), which\n"
    "carries its JNI library and needs no LD_LIBRARY_PATH.")
endif()
set(CPACK_PACKAGE_CONTACT "${POLYSOCK_PACKAGE_MAINTAINER}")
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_NAME polysock)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${POLYSOCK_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: from the library's DT_NEEDED (libc6, libstdc++6, libgcc-s1) by dpkg-shlibdeps;
# a shlibs file and an ldconfig trigger for libpolysock.so.<abi> come with the package.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")

include(CPack)
