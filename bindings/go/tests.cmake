# The Go suites, run by ctest with the build tree's library (through the generated
# polysock.pc and its RPATH; LD_LIBRARY_PATH is unset for every test).
set(go_test_env ${POLYSOCK_GO_ENV}
  POLYSOCK_VECTORS=${PROJECT_SOURCE_DIR}/tests/data/python_socket_vectors.json)
function(go_test_properties name timeout)
  set_tests_properties(${name} PROPERTIES TIMEOUT ${timeout} ENVIRONMENT "${go_test_env}"
    ENVIRONMENT_MODIFICATION "LD_LIBRARY_PATH=unset:" LABELS go)
endfunction()

add_test(NAME go_test
  COMMAND ${POLYSOCK_GO_EXECUTABLE} test -count=1 -timeout 240s ./...
  WORKING_DIRECTORY ${go_src})
go_test_properties(go_test 300)

# The same suites under the race detector (its goroutine limit, 8128, makes the
# many-connections test use 2,000 connections there instead of 5,000).
add_test(NAME go_test_race
  COMMAND ${POLYSOCK_GO_EXECUTABLE} test -race -count=1 -timeout 240s ./...
  WORKING_DIRECTORY ${go_src})
go_test_properties(go_test_race 300)

# (with the isolated tag too, so that its file is vetted)
add_test(NAME go_vet
  COMMAND sh -c "\"$0\" vet ./... && \"$0\" vet -tags isolated ./..." ${POLYSOCK_GO_EXECUTABLE}
  WORKING_DIRECTORY ${go_src})
go_test_properties(go_vet 120)

# gofmt -l prints the files it would change: the test fails if it prints anything.
# Every Go source of the project: the module, its benchmark, the consumer and the examples.
add_test(NAME go_gofmt
  COMMAND sh -c "out=$(\"$0\" -l bindings/go bench/go tests/consumers/go examples/go) && [ -z \"$out\" ] || { echo \"gofmt -l: $out\"; exit 1; }"
          ${POLYSOCK_GOFMT_EXECUTABLE}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})

# The benchmark program (bench/go, run on demand) must keep building and vetting.
add_test(NAME go_bench_vet COMMAND ${POLYSOCK_GO_EXECUTABLE} vet .
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/bench/go)
go_test_properties(go_bench_vet 120)
go_test_properties(go_gofmt 60)

add_test(NAME go_generated_current
  COMMAND ${CMAKE_COMMAND} ${generate_args} -DOUT=${go_bin}/generated-check -DMODE=check
          -P ${go_src}/generate.cmake)
go_test_properties(go_generated_current 60)

# The consumer module of tests/consumers/go, built on its own (its go.mod replaces
# polysock.dev/polysock with this source tree), dialing the C example echo server and
# serving the C example echo client.
if(TARGET echo_server AND TARGET echo_client)
  add_test(NAME go_consumer_echo
    COMMAND sh ${PROJECT_SOURCE_DIR}/tests/consumers/go/run.sh ${go_src} ${go_bin}/consumer
            $<TARGET_FILE:echo_server> $<TARGET_FILE:echo_client>)
  go_test_properties(go_consumer_echo 120)
endif()

# The lookups that only DNS can fail with herror run in a network namespace of their
# own (as java_HostErrorsInIsolatedNetwork); skipped (77) without the privilege to make one.
add_test(NAME go_host_error_isolated
  COMMAND sh -c "unshare -n true 2>/dev/null || exit 77; exec unshare -n \"$@\"" sh
          ${POLYSOCK_GO_EXECUTABLE} test -count=1 -tags isolated -run TestIsolated .
  WORKING_DIRECTORY ${go_src})
go_test_properties(go_host_error_isolated 120)
set_tests_properties(go_host_error_isolated PROPERTIES SKIP_RETURN_CODE 77)
