# The xunit suites (dotnet test, one ctest test per class), the dotnet format check and
# the consumer check. No test gets LD_LIBRARY_PATH: the assembly finds its native
# libraries in runtimes/linux-x64/native/ by itself.
file(GLOB cs_test_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/test/Polysock.Tests/*.cs)
set(test_project ${CMAKE_CURRENT_SOURCE_DIR}/test/Polysock.Tests/Polysock.Tests.csproj)
set(test_dll ${cs_build}/dotnet/bin/Polysock.Tests/Release/net10.0/Polysock.Tests.dll)
add_custom_command(OUTPUT ${cs_build}/tests.stamp
  COMMAND ${dotnet} build ${test_project} -c Release ${dotnet_flags}
  COMMAND ${CMAKE_COMMAND} -E touch ${cs_build}/tests.stamp
  DEPENDS ${cs_test_sources} ${test_project} ${POLYSOCK_NUPKG} polysock_nupkg
  COMMENT "C# tests"
  VERBATIM)
add_custom_target(polysock_csharp_tests ALL DEPENDS ${cs_build}/tests.stamp)

set(cs_test_env
  "LD_LIBRARY_PATH=unset:"
  "POLYSOCK_VECTORS=set:${PROJECT_SOURCE_DIR}/tests/data/python_socket_vectors.json"
  "POLYSOCK_HEADER=set:${PROJECT_SOURCE_DIR}/capi/include/polysock/polysock.h"
  "POLYSOCK_CSHARP_SOURCES=set:${CMAKE_CURRENT_SOURCE_DIR}/src/Polysock"
  "DOTNET_CLI_TELEMETRY_OPTOUT=set:1" "DOTNET_NOLOGO=set:1")
foreach(source IN LISTS cs_test_sources)
  get_filename_component(class ${source} NAME_WE)
  if(NOT class MATCHES "Tests$")
    continue()
  endif()
  add_test(NAME csharp_${class}
    COMMAND ${POLYSOCK_DOTNET} test ${test_dll} --filter FullyQualifiedName~Polysock.Tests.${class}.
            --logger "console;verbosity=detailed")
  set_tests_properties(csharp_${class} PROPERTIES
    TIMEOUT 240 ENVIRONMENT_MODIFICATION "${cs_test_env}" LABELS csharp)
endforeach()

# The lookups that only DNS can fail with herror run in a network namespace of their own
# (loopback only, which dotnet test needs to reach its test host; no route leaves the
# machine); skipped (77) without the privilege to make one, as the Java suite's.
add_test(NAME csharp_HostErrorsInIsolatedNetwork
  COMMAND sh -c "unshare -n true 2>/dev/null || exit 77; exec unshare -n sh -c 'ip link set lo up && exec \"$@\"' isolated \"$@\"" sh
          ${CMAKE_COMMAND} -E env POLYSOCK_ISOLATED_NETWORK=1
          ${POLYSOCK_DOTNET} test ${test_dll} --filter FullyQualifiedName~Polysock.Tests.IsolatedNetworkErrors.)
set_tests_properties(csharp_HostErrorsInIsolatedNetwork PROPERTIES
  TIMEOUT 120 SKIP_RETURN_CODE 77 ENVIRONMENT_MODIFICATION "${cs_test_env}" LABELS csharp)

# dotnet format on every project (Polysock.slnx: the library, the tests, the consumer, the
# examples (examples/csharp) and
# the bench), in an intermediate tree and a package cache of its own (tests may run
# beside it). Its restore must work offline (ctest may run in a network
# namespace with loopback only): its sources are the built package folder, the machine's
# package folder and the global packages folder that the build's restore filled.
execute_process(COMMAND ${POLYSOCK_DOTNET} nuget locals global-packages --list
  OUTPUT_VARIABLE global_packages_out ERROR_QUIET)
string(REGEX REPLACE ".*global-packages: *([^\r\n]*).*" "\\1" global_packages "${global_packages_out}")
set(format_config ${cs_build}/format-nuget.config)
file(WRITE ${format_config} "<?xml version=\"1.0\" encoding=\"utf-8\"?>
<configuration>
  <packageSources>
    <clear />
    <add key=\"built\" value=\"${package_dir}\" />
    <add key=\"local\" value=\"/opt/nuget/packages\" />
    <add key=\"global\" value=\"${global_packages}\" />
  </packageSources>
</configuration>
")
add_test(NAME csharp_format
  COMMAND ${CMAKE_COMMAND} -E env PolysockBuildDir=${cs_build} PolysockDotnetDir=${cs_build}/format
          RestorePackagesPath=${cs_build}/format/packages RestoreConfigFile=${format_config}
          DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
          ${POLYSOCK_DOTNET} format ${CMAKE_CURRENT_SOURCE_DIR}/Polysock.slnx --verify-no-changes -v:minimal)
set_tests_properties(csharp_format PROPERTIES TIMEOUT 300 LABELS csharp)

# The consumer: a console project of its own that restores Polysock.<version>.nupkg from
# the package folder (PackageReference, no ProjectReference) and talks to the C echo server.
if(TARGET echo_server)
  add_test(NAME csharp_consumer_echo
    COMMAND ${PROJECT_SOURCE_DIR}/tests/consumers/csharp.sh ${cs_build} ${PROJECT_VERSION} $<TARGET_FILE:echo_server>)
  set_tests_properties(csharp_consumer_echo PROPERTIES
    TIMEOUT 240 ENVIRONMENT_MODIFICATION "LD_LIBRARY_PATH=unset:" LABELS csharp)
endif()
