using System;
using System.Diagnostics;
using System.Linq;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>create_connection with Happy Eyeballs (RFC 8305), interleave and all_errors.</summary>
    public class HappyEyeballsTests
    {
        private static int ClosedPort()
        {
            using Socket s = Support.Listener(out int port);
            return port;
        }

        [Fact]
        public void A_live_listener_wins()
        {
            using Socket listener = Support.Listener(out int port);
            var watch = Stopwatch.StartNew();
            using Socket client = Net.CreateConnection("127.0.0.1", port, 10.0, null, 0, happyEyeballsDelay: 0.25, interleave: 1, allErrors: true);
            Assert.InRange(watch.Elapsed.TotalSeconds, 0, 5);
            Assert.Equal(10.0, client.GetTimeout()); // the timeout is the new socket's
            (Socket conn, SocketAddress peer) = listener.Accept();
            using (conn)
            {
                Assert.Equal(client.GetSockName(), peer);
                client.SendAll("won"u8);
                conn.SetTimeout(10.0);
                Assert.Equal("won"u8.ToArray(), conn.Recv(10));
            }
            // Without Happy Eyeballs (null delay) and blocking (null timeout): as create_connection.
            using Socket plain = Net.CreateConnection("127.0.0.1", port, null, null, 0, happyEyeballsDelay: null);
            Assert.Null(plain.GetTimeout());
            listener.Accept().Connection.Dispose();
        }

        [Fact]
        public void All_errors_lists_every_attempt_with_its_address_and_exception()
        {
            int port = ClosedPort();
            var e = Assert.Throws<ConnectionAttemptsException>(
                () => Net.CreateConnection("127.0.0.1", port, 10.0, null, 0, happyEyeballsDelay: 0.25, allErrors: true));
            Assert.StartsWith("create_connection failed", e.Message, StringComparison.Ordinal);
            ConnectionAttempt attempt = Assert.Single(e.Attempts);
            Assert.Equal(new SocketAddress(Net.AF_INET, "127.0.0.1", port), attempt.Address);
            var refused = Assert.IsType<ConnectionRefusedException>(attempt.Error);
            Assert.Equal(Net.ECONNREFUSED, refused.Errno);
            Assert.Equal("[Errno 111] Connection refused", refused.Message);
            Assert.Same(refused, Assert.Single(e.InnerExceptions));
            Assert.IsAssignableFrom<AggregateException>(e);

            // Without allErrors, the last attempt's exception alone, as create_connection.
            Assert.Throws<ConnectionRefusedException>(
                () => Net.CreateConnection("127.0.0.1", port, 10.0, null, 0, happyEyeballsDelay: 0.25));
            Assert.Throws<ConnectionRefusedException>(
                () => Net.CreateConnection("127.0.0.1", port, 10.0, null, 0, happyEyeballsDelay: null, allErrors: false));
        }

        [Fact]
        public void All_errors_for_localhost_has_one_attempt_per_address_of_getaddrinfo()
        {
            int port = ClosedPort();
            // Every address localhost has here (127.0.0.1, and ::1 when the host has IPv6).
            var addresses = Net.GetAddrInfo("localhost", port, 0, Net.SOCK_STREAM).Select(a => a.Address).ToList();
            Assert.NotEmpty(addresses);
            var watch = Stopwatch.StartNew();
            var e = Assert.Throws<ConnectionAttemptsException>(
                () => Net.CreateConnection("localhost", port, 10.0, null, 0, happyEyeballsDelay: 0.25, interleave: 1, allErrors: true));
            // Refused attempts fail at once, so the next starts at once, not after the delay.
            Assert.InRange(watch.Elapsed.TotalSeconds, 0, 0.25 * addresses.Count + 2);
            Assert.Equal(addresses.Count, e.Attempts.Count);
            Assert.Equal(addresses.OrderBy(a => a.Family).Select(a => (a.Host, a.Port)),
                e.Attempts.Select(a => a.Address!).OrderBy(a => a.Family).Select(a => (a.Host, a.Port)));
            Assert.All(e.Attempts, a => Assert.IsType<ConnectionRefusedException>(a.Error));
            Assert.Equal(e.Attempts.Select(a => a.Error), e.InnerExceptions);
        }

        [Fact]
        public void A_black_holed_attempt_times_out_and_is_listed_as_a_timeout()
        {
            // A listener whose accept queue is full drops new SYNs: connecting hangs.
            using var listener = new Socket();
            listener.Bind("127.0.0.1", 0);
            listener.Listen(0);
            int port = listener.GetSockName().Port;
            var fillers = new System.Collections.Generic.List<Socket>();
            try
            {
                bool blackHoled = false;
                for (int i = 0; i < 16 && !blackHoled; i++)
                {
                    var c = new Socket();
                    fillers.Add(c);
                    c.SetTimeout(0.3);
                    try
                    {
                        c.Connect("127.0.0.1", port);
                    }
                    catch (SocketTimeoutException)
                    {
                        blackHoled = true;
                    }
                }
                Assert.True(blackHoled, "the full backlog never dropped a connection attempt");
                var watch = Stopwatch.StartNew();
                var e = Assert.Throws<ConnectionAttemptsException>(
                    () => Net.CreateConnection("127.0.0.1", port, 0.5, null, 0, happyEyeballsDelay: 0.1, allErrors: true));
                double elapsed = watch.Elapsed.TotalSeconds;
                Assert.InRange(elapsed, 0.4, 5); // the attempt's own timeout, not the delay
                ConnectionAttempt attempt = Assert.Single(e.Attempts);
                Assert.Equal("timed out", Assert.IsType<SocketTimeoutException>(attempt.Error).Message);
                Assert.Equal(port, attempt.Address!.Port);
            }
            finally
            {
                foreach (Socket c in fillers)
                {
                    c.Dispose();
                }
            }
        }

        [Fact]
        public void Bad_arguments_are_ArgumentExceptions()
        {
            Assert.Throws<ArgumentException>(() => Net.CreateConnection("127.0.0.1", 1, 1.0, null, 0, happyEyeballsDelay: -1.0));
            Assert.Throws<ArgumentException>(() => Net.CreateConnection("127.0.0.1", 1, 1.0, null, 0, happyEyeballsDelay: double.NaN));
            Assert.Throws<ArgumentException>(() => Net.CreateConnection("127.0.0.1", 1, 1.0, null, 0, happyEyeballsDelay: 0.25, interleave: -1));
            Assert.Equal("Timeout value out of range",
                Assert.Throws<ArgumentException>(() => Net.CreateConnection("127.0.0.1", 1, -1.0, null, 0, happyEyeballsDelay: 0.25)).Message);
            Assert.Throws<ArgumentNullException>(() => Net.CreateConnection(null!, 1, 1.0, null, 0, happyEyeballsDelay: 0.25));
        }
    }
}
