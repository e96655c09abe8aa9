# Fails unless the library's dynamic symbols are exactly the functions that the public
# headers declare with POLYSOCK_API, each at symbol version POLYSOCK_1, and its SONAME
# is the expected one. A function added to a header but not exported, or exported
# without a declaration, fails here.
#   cmake -DLIB=<libpolysock.so> -DSONAME=libpolysock.so.N
#         -DPUBLIC_INCLUDE_DIR=<dir> -DGENERATED_INCLUDE_DIR=<dir> -P check_exports.cmake
# (the headers are <dir>/polysock/*.h of both directories).
foreach(var LIB SONAME PUBLIC_INCLUDE_DIR GENERATED_INCLUDE_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_exports.cmake needs -D${var}=...")
  endif()
endforeach()

# What the headers declare.
set(declared "")
file(GLOB headers ${PUBLIC_INCLUDE_DIR}/polysock/*.h ${GENERATED_INCLUDE_DIR}/polysock/*.h)
if(NOT headers)
  message(FATAL_ERROR "no headers in ${PUBLIC_INCLUDE_DIR}/polysock or ${GENERATED_INCLUDE_DIR}/polysock")
endif()
foreach(header IN LISTS headers)
  file(READ ${header} text)
  # Drop comments and preprocessor lines (the POLYSOCK_API definitions): what is
  # left of "POLYSOCK_API ... name(" is a function declaration.
  string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" " " text "${text}")
  string(REGEX REPLACE "//[^\n]*" "" text "${text}")
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
if(NOT declared)
  message(FATAL_ERROR "no POLYSOCK_API function declarations found in: ${headers}")
endif()

# What the library exports.
execute_process(COMMAND nm -D --defined-only ${LIB} OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIB}")
endif()
string(REPLACE "\n" ";" lines "${syms}")
set(exported "")
foreach(line IN LISTS lines)
  if(line STREQUAL "")
    continue()
  endif()
  string(REGEX REPLACE "^[0-9a-f]+ [A-Za-z] " "" name "${line}")
  if(name STREQUAL "POLYSOCK_1")
    continue()
  endif()
  if(NOT name MATCHES "^((sock|net|tls)_[a-z0-9_]+)@@POLYSOCK_1$")
    message(FATAL_ERROR "unexpected exported symbol (not sock_*/net_*/tls_* at POLYSOCK_1): ${line}")
  endif()
  list(APPEND exported ${CMAKE_MATCH_1})
endforeach()

set(not_exported ${declared})
if(exported)
  list(REMOVE_ITEM not_exported ${exported})
endif()
set(not_declared ${exported})
list(REMOVE_ITEM not_declared ${declared})
list(REMOVE_DUPLICATES declared)
if(not_exported OR not_declared)
  message(FATAL_ERROR "the exports and the public headers disagree:\n"
    "  declared but not exported: ${not_exported}\n"
    "  exported but not declared: ${not_declared}")
endif()

execute_process(COMMAND objdump -p ${LIB} OUTPUT_VARIABLE dyn)
if(NOT dyn MATCHES "SONAME +${SONAME}")
  message(FATAL_ERROR "SONAME is not ${SONAME}")
endif()
list(LENGTH declared count)
message(STATUS "${count} symbols, exactly the headers' functions, all at POLYSOCK_1; SONAME ${SONAME}")
