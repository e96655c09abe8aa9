using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>Every function of the C ABI is reachable from the hand-written layer.</summary>
    public class ApiCoverageTests
    {
        private static string Source(string variable) =>
            Environment.GetEnvironmentVariable(variable) ?? throw new InvalidOperationException(variable + " is not set (ctest sets it)");

        [Fact]
        public void Every_function_of_polysock_h_is_called_by_the_Polysock_namespace()
        {
            string header = File.ReadAllText(Source("POLYSOCK_HEADER"));
            string[] functions = Regex.Matches(header, @"POLYSOCK_API[^;(]*?\b((?:sock|net)_\w+)\s*\(")
                .Select(m => m.Groups[1].Value).Distinct().ToArray();
            Assert.True(functions.Length > 80, $"only {functions.Length} functions found in the header");
            string layer = string.Concat(Directory.GetFiles(Source("POLYSOCK_CSHARP_SOURCES"), "*.cs").Select(File.ReadAllText));
            string[] missing = functions.Where(f => !layer.Contains("PolysockNative." + f + "(", StringComparison.Ordinal)).ToArray();
            Assert.True(missing.Length == 0, "not reachable from Polysock: " + string.Join(", ", missing));
            // And the generated raw layer wraps each of them.
            var raw = typeof(Net).Assembly.GetType("Polysock.Native.PolysockNative", throwOnError: true)!;
            string[] unwrapped = functions.Where(f => raw.GetMethod(f) == null).ToArray();
            Assert.True(unwrapped.Length == 0, "not wrapped by SWIG: " + string.Join(", ", unwrapped));
        }
    }
}
