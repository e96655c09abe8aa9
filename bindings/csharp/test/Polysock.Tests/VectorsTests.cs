using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>
    /// Every CPython conformance vector of tests/data/python_socket_vectors.json through
    /// the C# API: the same result, or the same exception kind, errno and message text.
    /// </summary>
    public class VectorsTests
    {
        private static readonly JsonElement[] s_vectors = Load();

        private static JsonElement[] Load()
        {
            string file = Environment.GetEnvironmentVariable("POLYSOCK_VECTORS")
                ?? Path.Combine(AppContext.BaseDirectory, "../../../../../../../../tests/data/python_socket_vectors.json");
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(file));
            return doc.RootElement.GetProperty("vectors").EnumerateArray().Select(e => e.Clone()).ToArray();
        }

        public static IEnumerable<object[]> Indices() => Enumerable.Range(0, s_vectors.Length).Select(i => new object[] { i });

        [Fact]
        public void File_has_589_vectors_of_which_four_exceed_a_long()
        {
            Assert.Equal(589, s_vectors.Length);
            int beyond = s_vectors.Count(v => v.GetProperty("args").GetArrayLength() > 0
                && v.GetProperty("args")[0].ValueKind == JsonValueKind.Number
                && !v.GetProperty("args")[0].TryGetInt64(out _));
            Assert.Equal(4, beyond);
        }

        [Theory]
        [MemberData(nameof(Indices))]
        public void Vector(int index)
        {
            JsonElement v = s_vectors[index];
            string fn = v.GetProperty("fn").GetString()!;
            JsonElement[] args = v.GetProperty("args").EnumerateArray().ToArray();
            bool ok = v.GetProperty("ok").GetBoolean();
            bool beyondLong = args.Length > 0 && args[0].ValueKind == JsonValueKind.Number && !args[0].TryGetInt64(out _);
            string result;
            try
            {
                result = Run(fn, args);
            }
            catch (Exception e) when (e is PolysockException or ArgumentException or SocketTimeoutException)
            {
                if (ok)
                {
                    Assert.Fail($"expected {v.GetProperty("result")}, got {e}");
                }
                string message = v.GetProperty("message").GetString()!;
                Assert.Equal(v.GetProperty("error").GetString(), Category(e));
                if (beyondLong && message.Contains("Python int too large to convert to C long", StringComparison.Ordinal))
                {
                    // Python's 2**63 reaches C# as long.MaxValue: CPython's next check speaks.
                    Assert.Equal(fn.EndsWith('s') ? "signed integer is greater than maximum" : "int larger than 32 bits", e.Message);
                    return;
                }
                Assert.Equal(message, e.Message);
                if (e is PolysockException pe)
                {
                    Match m = Regex.Match(message, @"^\[Errno (-?\d+)\]");
                    Assert.Equal(m.Success ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0, pe.Errno);
                }
                return;
            }
            if (!ok)
            {
                Assert.Fail($"expected {v.GetProperty("error")} {v.GetProperty("message")}, got {result}");
            }
            Assert.Equal(Canonical(v.GetProperty("result")), result);
        }

        private static string Category(Exception e) => e switch
        {
            GaiException => "GAI",
            HostException => "HOST",
            SocketTimeoutException => "TIMEOUT",
            PolysockException => "OS",
            ArgumentException => "VALUE",
            _ => e.GetType().Name,
        };

        private static long AsLong(JsonElement e) => e.TryGetInt64(out long x) ? x : long.MaxValue;

        private static int AsInt(JsonElement e) => checked((int)e.GetInt64());

        private static string? AsString(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetString();

        /// <summary>A call's result in the vectors' JSON shape, as compact JSON text.</summary>
        private static string Run(string fn, JsonElement[] a)
        {
            object value = fn switch
            {
                "htons" => Net.Htons(AsLong(a[0])),
                "ntohs" => Net.Ntohs(AsLong(a[0])),
                "htonl" => Net.Htonl(AsLong(a[0])),
                "ntohl" => Net.Ntohl(AsLong(a[0])),
                "inet_aton" => Convert.ToHexString(Net.InetAton(a[0].GetString()!)).ToLowerInvariant(),
                "inet_ntoa" => Net.InetNtoa(Convert.FromHexString(a[0].GetString()!)),
                "inet_pton" => Convert.ToHexString(Net.InetPton(AsInt(a[0]), a[1].GetString()!)).ToLowerInvariant(),
                "inet_ntop" => Net.InetNtop(AsInt(a[0]), Convert.FromHexString(a[1].GetString()!)),
                "getservbyname" => (long)Net.GetServByName(a[0].GetString()!, AsString(a[1])),
                "getservbyport" => Net.GetServByPort(AsInt(a[0]), AsString(a[1])),
                "getprotobyname" => (long)Net.GetProtoByName(a[0].GetString()!),
                "getaddrinfo_numeric" => Net.GetAddrInfo(a[0].GetString(), a[1].ToString(), AsInt(a[2]), AsInt(a[3]), 0, Net.AI_NUMERICHOST)
                    .Select(ai => new object[] { (long)ai.Family, (long)ai.Type, (long)ai.Proto, new object[] { ai.Address.Host, (long)ai.Address.Port } })
                    .ToArray(),
                "getnameinfo_numeric" => NameInfoPair(Net.GetNameInfo(a[0].GetString()!, AsInt(a[1]), Net.NI_NUMERICHOST | Net.NI_NUMERICSERV)),
                _ => throw new InvalidOperationException("no runner for vector function " + fn),
            };
            return JsonSerializer.Serialize(value);
        }

        private static object[] NameInfoPair(NameInfo ni) => new object[] { ni.Host, ni.Service };

        private static string Canonical(JsonElement e) => JsonSerializer.Serialize(e);
    }
}
