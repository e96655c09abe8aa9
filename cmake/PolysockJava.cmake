# The Java toolchain of bindings/java: a JDK (javac, jar, java), its JNI headers,
# SWIG 4 and the JUnit 5 console launcher. POLYSOCK_BUILD_JAVA=ON requires all of
# them: a missing tool fails the configure step instead of skipping the binding.
find_package(Java 17 REQUIRED COMPONENTS Development Runtime)
find_package(JNI REQUIRED COMPONENTS JVM)
find_package(SWIG 4.0 REQUIRED COMPONENTS java)

# Debian's junit5 package ships the standalone console launcher here.
find_file(POLYSOCK_JUNIT_CONSOLE junit-platform-console-standalone.jar
  PATHS /usr/share/java ENV JUNIT_HOME NO_DEFAULT_PATH)
if(POLYSOCK_BUILD_TESTS AND NOT POLYSOCK_JUNIT_CONSOLE)
  message(FATAL_ERROR "POLYSOCK_BUILD_JAVA needs junit-platform-console-standalone.jar "
                      "(Debian: apt-get install junit5) to run the Java tests")
endif()

# Where the jar carries its native libraries, as NativeLoader looks them up.
set(POLYSOCK_JAVA_NATIVE_DIR "native/linux-x86_64")
