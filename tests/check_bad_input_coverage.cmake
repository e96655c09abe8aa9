# Fails unless every function that the public headers declare with POLYSOCK_API is
# called in the bad-input test source (a call "name(" outside comments), so that a
# function added to the header cannot escape test_bad_input_all.cpp.
#   cmake -DPUBLIC_INCLUDE_DIR=<dir> -DGENERATED_INCLUDE_DIR=<dir> -DTEST_SOURCE=<file>
#         -P check_bad_input_coverage.cmake
foreach(var PUBLIC_INCLUDE_DIR GENERATED_INCLUDE_DIR TEST_SOURCE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_bad_input_coverage.cmake needs -D${var}=...")
  endif()
endforeach()

# Comments out, so that a name mentioned only in a comment does not count.
function(strip_comments text out)
  string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" " " text "${text}")
  string(REGEX REPLACE "//[^\n]*" "" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

set(declared "")
file(GLOB headers ${PUBLIC_INCLUDE_DIR}/polysock/*.h ${GENERATED_INCLUDE_DIR}/polysock/*.h)
foreach(header IN LISTS headers)
  file(READ ${header} text)
  strip_comments("${text}" text)
  string(REGEX REPLACE "\\\\\n" " " text "${text}")
  string(REGEX REPLACE "\n[ \t]*#[^\n]*" "\n" text "\n${text}")
  string(REGEX MATCHALL "POLYSOCK_API[^;{}(]*\\(" decls "${text}")
  foreach(decl IN LISTS decls)
    if(NOT decl MATCHES "([A-Za-z_][A-Za-z0-9_]*)[ \t\r\n]*\\($")
      message(FATAL_ERROR "cannot read the function name in ${header}: ${decl}")
    endif()
    list(APPEND declared ${CMAKE_MATCH_1})
  endforeach()
endforeach()
list(REMOVE_DUPLICATES declared)
if(NOT declared)
  message(FATAL_ERROR "no POLYSOCK_API function declarations found in: ${headers}")
endif()

file(READ ${TEST_SOURCE} source)
strip_comments("${source}" source)
set(missing "")
foreach(name IN LISTS declared)
  if(NOT source MATCHES "[^A-Za-z0-9_]${name}[ \t]*\\(")
    list(APPEND missing ${name})
  endif()
endforeach()
list(LENGTH declared count)
if(missing)
  list(LENGTH missing n)
  string(REPLACE ";" " " missing "${missing}")
  message(FATAL_ERROR "${n} of ${count} POLYSOCK_API functions are not driven by "
    "${TEST_SOURCE}: ${missing}")
endif()
message(STATUS "all ${count} POLYSOCK_API functions are driven by ${TEST_SOURCE}")
