# The Go toolchain of bindings/go: go (1.19 or later, with cgo), gofmt, SWIG 4 and
# pkg-config. POLYSOCK_BUILD_GO=ON requires all of them: a missing tool fails the
# configure step instead of skipping the binding.
find_program(POLYSOCK_GO_EXECUTABLE go)
find_program(POLYSOCK_GOFMT_EXECUTABLE gofmt)
find_program(POLYSOCK_PKG_CONFIG_EXECUTABLE pkg-config)
if(NOT POLYSOCK_GO_EXECUTABLE OR NOT POLYSOCK_GOFMT_EXECUTABLE)
  message(FATAL_ERROR "POLYSOCK_BUILD_GO needs the Go toolchain, go and gofmt "
                      "(Debian: apt-get install golang-go)")
endif()
if(NOT POLYSOCK_PKG_CONFIG_EXECUTABLE)
  message(FATAL_ERROR "POLYSOCK_BUILD_GO needs pkg-config (cgo finds polysock with it)")
endif()
execute_process(COMMAND ${POLYSOCK_GO_EXECUTABLE} env GOVERSION
  OUTPUT_VARIABLE POLYSOCK_GO_VERSION OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE go_rc)
if(NOT go_rc EQUAL 0 OR NOT POLYSOCK_GO_VERSION MATCHES "^go1\\.(19|[2-9][0-9])")
  message(FATAL_ERROR "POLYSOCK_BUILD_GO needs Go 1.19 or later, found '${POLYSOCK_GO_VERSION}'")
endif()
find_package(SWIG 4.0 REQUIRED COMPONENTS go)
