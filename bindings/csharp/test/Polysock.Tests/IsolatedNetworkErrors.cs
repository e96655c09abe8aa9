using System;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>
    /// herror needs a reverse lookup that fails: it runs only inside a network namespace of
    /// its own (ctest csharp_HostErrorsInIsolatedNetwork uses unshare -n), where no query
    /// can leave the machine. Elsewhere it fails rather than send one.
    /// </summary>
    public class IsolatedNetworkErrors
    {
        [Fact]
        public void A_reverse_lookup_without_an_entry_is_a_HostException()
        {
            Assert.True(Environment.GetEnvironmentVariable("POLYSOCK_ISOLATED_NETWORK") == "1",
                "run only in an isolated network namespace (ctest csharp_HostErrorsInIsolatedNetwork)");
            var e = Assert.Throws<HostException>(() => Net.GetHostByAddr("192.0.2.1"));
            Assert.StartsWith("[Errno ", e.Message, StringComparison.Ordinal);
            Assert.True(e.Errno > 0, e.Message);
            Assert.IsAssignableFrom<PolysockException>(e);
        }
    }
}
