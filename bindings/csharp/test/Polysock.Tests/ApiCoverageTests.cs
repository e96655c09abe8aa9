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
            string[] functions = Regex.Matches(header, @"POLYSOCK_API[^;(]*?\b((?:sock|net|tls)_\w+)\s*\(")
                .Select(m => m.Groups[1].Value).Distinct().ToArray();
            Assert.True(functions.Length > 80, $"only {functions.Length} functions found in the header");
            string layer = string.Concat(Directory.GetFiles(Source("POLYSOCK_CSHARP_SOURCES"), "*.cs").Select(File.ReadAllText));
            string[] missing = functions.Where(f => !layer.Contains("PolysockNative." + f + "(", StringComparison.Ordinal)).ToArray();
            Assert.True(missing.Length == 0, "not reachable from Polysock: " + string.Join(", ", missing));
            // And the generated raw layer wraps each of them.
            var raw = typeof(Net).Assembly.GetType("Polysock.Native.PolysockNative", throwOnError: true)!;
            string[] unwrapped = functions.Where(f => raw.GetMethod(f) == null).ToArray();
            Assert.True(unwrapped.Length == 0, "not wrapped by SWIG: " + string.Join(", ", unwrapped));
            Assert.Contains("tls_context_wrap_bio", functions);
        }

        [Fact]
        public void The_TLS_enums_and_statuses_carry_the_headers_values()
        {
            string header = File.ReadAllText(Source("POLYSOCK_HEADER"));
            int Define(string name)
            {
                Match m = Regex.Match(header, @"#define " + name + @"\s+(?:\\\s+)?\(?(-?(?:0x)?[0-9A-Fa-f]+)u?\)?");
                Assert.True(m.Success, name + " is not in the header");
                string v = m.Groups[1].Value;
                return v.StartsWith("0x", StringComparison.Ordinal) ? Convert.ToInt32(v[2..], 16) : int.Parse(v, System.Globalization.CultureInfo.InvariantCulture);
            }
            Assert.Equal((int)TlsPurpose.ServerAuth, Define("TLS_PURPOSE_SERVER_AUTH"));
            Assert.Equal((int)TlsPurpose.ClientAuth, Define("TLS_PURPOSE_CLIENT_AUTH"));
            Assert.Equal((int)TlsProtocol.Client, Define("TLS_PROTOCOL_TLS_CLIENT"));
            Assert.Equal((int)TlsProtocol.Server, Define("TLS_PROTOCOL_TLS_SERVER"));
            Assert.Equal((int)TlsVerifyMode.CertNone, Define("TLS_CERT_NONE"));
            Assert.Equal((int)TlsVerifyMode.CertOptional, Define("TLS_CERT_OPTIONAL"));
            Assert.Equal((int)TlsVerifyMode.CertRequired, Define("TLS_CERT_REQUIRED"));
            Assert.Equal((int)TlsVersion.MinimumSupported, Define("TLS_VERSION_MINIMUM_SUPPORTED"));
            Assert.Equal((int)TlsVersion.MaximumSupported, Define("TLS_VERSION_MAXIMUM_SUPPORTED"));
            Assert.Equal((int)TlsVersion.Ssl3, Define("TLS_VERSION_SSLv3"));
            Assert.Equal((int)TlsVersion.Tls1, Define("TLS_VERSION_TLSv1"));
            Assert.Equal((int)TlsVersion.Tls11, Define("TLS_VERSION_TLSv1_1"));
            Assert.Equal((int)TlsVersion.Tls12, Define("TLS_VERSION_TLSv1_2"));
            Assert.Equal((int)TlsVersion.Tls13, Define("TLS_VERSION_TLSv1_3"));
            Assert.Equal((int)TlsErrorKind.Ssl, Define("TLS_ERROR_SSL"));
            Assert.Equal((int)TlsErrorKind.WantRead, Define("TLS_ERROR_WANT_READ"));
            Assert.Equal((int)TlsErrorKind.WantWrite, Define("TLS_ERROR_WANT_WRITE"));
            Assert.Equal((int)TlsErrorKind.Syscall, Define("TLS_ERROR_SYSCALL"));
            Assert.Equal((int)TlsErrorKind.ZeroReturn, Define("TLS_ERROR_ZERO_RETURN"));
            Assert.Equal((int)TlsErrorKind.Eof, Define("TLS_ERROR_EOF"));
            Assert.Equal((int)TlsContext.TlsWrapNoHandshake, Define("TLS_WRAP_NO_HANDSHAKE"));
            Assert.Equal((int)TlsContext.TlsWrapRaggedEofError, Define("TLS_WRAP_RAGGED_EOF_ERROR"));
            Assert.Equal(PeerCertificate.ListSubject, Define("TLS_CERT_SUBJECT"));
            Assert.Equal(PeerCertificate.ListIssuer, Define("TLS_CERT_ISSUER"));
            Assert.Equal(PeerCertificate.ListSan, Define("TLS_CERT_SAN"));
            Assert.Matches(@"SOCK_ERR_SSL = " + Errors.ErrSsl + @",", header);
            Assert.Matches(@"SOCK_ERR_NOT_CONFIGURED = " + Errors.ErrNotConfigured + @"\b", header);
            Assert.Equal("SOCK_ERR_SSL", Net.StatusName(Errors.ErrSsl));
            Assert.Equal("SOCK_ERR_NOT_CONFIGURED", Net.StatusName(Errors.ErrNotConfigured));
        }
    }
}
