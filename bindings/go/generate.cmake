# The generated files of the Go module, which are committed (a Go consumer builds the
# module with `go build` alone, without CMake or SWIG):
#   internal/raw/raw.go, internal/raw/raw_wrap.c   SWIG's output for internal/raw/polysock.i
#   constants.go                                   gen_constants.cmake's output
# Regenerates them into OUT, gofmt-ed, then either compares them with the committed
# copies (MODE=check: the ctest go_generated_current fails if those are stale) or
# copies them over (MODE=update: cmake --build <dir> --target go_generate).
#   cmake -DSWIG=... -DGOFMT=... -DHEADER=<polysock_constants.h> -DCAPI_INCLUDE=<dir>
#         -DOUT=<dir> -DMODE=check|update -P generate.cmake
set(src ${CMAKE_CURRENT_LIST_DIR})
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
# Run from internal/raw with a relative .i path: the output names it in a comment.
execute_process(COMMAND ${SWIG} -go -cgo -intgosize 64 -I${CAPI_INCLUDE}
                        -outdir ${OUT} -o ${OUT}/raw_wrap.c polysock.i
  WORKING_DIRECTORY ${src}/internal/raw RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "swig failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -DHEADER=${HEADER} -DOUT=${OUT}/constants.go
                        -P ${src}/gen_constants.cmake RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gen_constants.cmake failed")
endif()
execute_process(COMMAND ${GOFMT} -w ${OUT}/raw.go ${OUT}/constants.go RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gofmt failed")
endif()
set(stale "")
foreach(pair "raw.go;internal/raw/raw.go" "raw_wrap.c;internal/raw/raw_wrap.c"
             "constants.go;constants.go")
  list(GET pair 0 from)
  list(GET pair 1 to)
  if(MODE STREQUAL "update")
    file(COPY_FILE ${OUT}/${from} ${src}/${to} ONLY_IF_DIFFERENT)
  else()
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}/${from} ${src}/${to}
      RESULT_VARIABLE differ)
    if(NOT differ EQUAL 0)
      list(APPEND stale ${to})
    endif()
  endif()
endforeach()
if(stale)
  message(FATAL_ERROR "bindings/go: stale generated files: ${stale}; regenerate them with "
                      "cmake --build <build dir> --target go_generate, and commit them")
endif()
