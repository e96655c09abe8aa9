# JUnit 5 suites (run with the console launcher, one ctest test per class) and the
# consumer check. Test classes compile against the built jar, never the class tree;
# no test gets LD_LIBRARY_PATH: the jar must find its native libraries by itself.
# They depend on the jar through its target (polysock_jar) and its sources, never on
# the jar file itself: with the Unix Makefiles generator each target that lists a
# custom command's output runs that command again, in parallel, and two jar builds
# delete each other's class tree.
file(GLOB java_test_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/test/org/polysock/test/*.java)
set(test_classes ${CMAKE_CURRENT_BINARY_DIR}/test-classes)
add_custom_command(OUTPUT ${test_classes}/.stamp
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${test_classes}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${test_classes}
  COMMAND ${Java_JAVAC_EXECUTABLE} ${javac_flags} -Xlint:-try -cp ${POLYSOCK_JAR}:${POLYSOCK_JUNIT_CONSOLE}
          -d ${test_classes} ${java_test_sources}
  COMMAND ${CMAKE_COMMAND} -E touch ${test_classes}/.stamp
  DEPENDS ${java_test_sources} polysock_jar ${java_sources}
  COMMENT "Java tests"
  VERBATIM)
add_custom_target(polysock_java_tests ALL DEPENDS ${test_classes}/.stamp)

# The tests' own JNI helpers (signals to one thread, poll on a bare descriptor), never
# part of the jar: NativeTestSupport loads it from -Dpolysock.test.support.
add_library(polysock_java_test_support MODULE test/native/polysock_java_test_support.cpp)
target_include_directories(polysock_java_test_support PRIVATE ${JNI_INCLUDE_DIRS})
add_dependencies(polysock_java_tests polysock_java_test_support)

set(java_test_jvm ${Java_JAVA_EXECUTABLE} -Xcheck:jni
  -Dpolysock.vectors=${PROJECT_SOURCE_DIR}/tests/data/python_socket_vectors.json
  -Dpolysock.test.support=$<TARGET_FILE:polysock_java_test_support>)
set(java_test_launcher -jar ${POLYSOCK_JUNIT_CONSOLE} --disable-banner --disable-ansi-colors --details=summary
  --fail-if-no-tests --class-path ${POLYSOCK_JAR}:${test_classes})
foreach(source IN LISTS java_test_sources)
  get_filename_component(class ${source} NAME_WE)
  if(NOT class MATCHES "Test$")
    continue()
  endif()
  add_test(NAME java_${class} COMMAND ${java_test_jvm} ${java_test_launcher} --select-class org.polysock.test.${class})
  set_tests_properties(java_${class} PROPERTIES
    TIMEOUT 180
    ENVIRONMENT_MODIFICATION "LD_LIBRARY_PATH=unset:"
    LABELS java)
endforeach()

# The lookups that only DNS can fail with herror run in a network namespace of their
# own (no interface up, so no query can leave the machine); skipped (77) without the
# privilege to make one.
add_test(NAME java_HostErrorsInIsolatedNetwork
  COMMAND sh -c "unshare -n true 2>/dev/null || exit 77; exec unshare -n \"$@\"" sh
          ${java_test_jvm} -Dpolysock.isolated.network=true ${java_test_launcher}
          --select-class org.polysock.test.IsolatedNetworkErrors)
set_tests_properties(java_HostErrorsInIsolatedNetwork PROPERTIES
  TIMEOUT 120 SKIP_RETURN_CODE 77
  ENVIRONMENT_MODIFICATION "LD_LIBRARY_PATH=unset:" LABELS java)

# A consumer that sees nothing but the jar: compiled against it alone, run without
# LD_LIBRARY_PATH against the C example echo server (or a polysock server of its own).
set(consumer_classes ${CMAKE_CURRENT_BINARY_DIR}/consumer-classes)
add_custom_command(OUTPUT ${consumer_classes}/EchoCheck.class
  COMMAND ${CMAKE_COMMAND} -E make_directory ${consumer_classes}
  COMMAND ${Java_JAVAC_EXECUTABLE} ${javac_flags} -cp ${POLYSOCK_JAR} -d ${consumer_classes}
          ${CMAKE_CURRENT_SOURCE_DIR}/consumer/EchoCheck.java
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/consumer/EchoCheck.java polysock_jar ${java_sources}
  COMMENT "Java consumer check"
  VERBATIM)
add_custom_target(polysock_java_consumer ALL DEPENDS ${consumer_classes}/EchoCheck.class)
if(TARGET echo_server)
  set(echo_server $<TARGET_FILE:echo_server>)
else()
  set(echo_server "")
endif()
add_test(NAME java_consumer_echo
  COMMAND ${Java_JAVA_EXECUTABLE} -cp ${POLYSOCK_JAR}:${consumer_classes} EchoCheck ${echo_server}
  WORKING_DIRECTORY ${consumer_classes})
set_tests_properties(java_consumer_echo PROPERTIES
  TIMEOUT 60 ENVIRONMENT_MODIFICATION "LD_LIBRARY_PATH=unset:" LABELS java)
