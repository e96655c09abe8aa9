using System;
using System.Diagnostics;
using System.Threading;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>
    /// TryRecvInto and TrySend: a would-block is false (nothing read, nothing sent, nothing
    /// allocated); every other outcome is what RecvInto and Send give, exception included.
    /// </summary>
    public class TryCallsTests
    {
        /// <summary>TryRecvInto until it returns true, for at most 10 s (loopback data arrives at once).</summary>
        private static int RecvWhenThere(Socket s, Span<byte> buffer)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                if (s.TryRecvInto(buffer, out int n))
                {
                    return n;
                }
                Thread.Sleep(2);
            }
            throw new TimeoutException("no data within 10 s");
        }

        /// <summary>The exception that action throws (the test fails if it throws none).</summary>
        private static Exception Thrown(Action action)
        {
            Exception? e = Record.Exception(action);
            Assert.NotNull(e);
            return e!;
        }

        private static void AssertSameError(Exception expected, Exception actual)
        {
            Assert.Equal(expected.GetType(), actual.GetType());
            Assert.Equal(expected.Message, actual.Message);
            if (expected is PolysockException p)
            {
                Assert.Equal(p.Errno, ((PolysockException)actual).Errno);
            }
        }

        [Fact]
        public void A_would_block_is_false_with_nothing_read_and_data_is_true_with_the_bytes()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            using (server)
            {
                client.SetBlocking(false);
                var buffer = new byte[64];
                Array.Fill(buffer, (byte)0xAA);
                Assert.False(client.TryRecvInto(buffer, out int n));
                Assert.Equal(0, n);
                Assert.All(buffer, b => Assert.Equal(0xAA, b));
                // RecvInto says the same by throwing.
                Assert.Throws<BlockingIOException>(() => client.RecvInto(buffer));

                byte[] data = Support.Pattern(40);
                server.SendAll(data);
                n = RecvWhenThere(client, buffer);
                Assert.Equal(data.Length, n);
                Assert.Equal(data, buffer.AsSpan(0, n).ToArray());
                Assert.All(buffer.AsSpan(n).ToArray(), b => Assert.Equal(0xAA, b));
                Assert.False(client.TryRecvInto(buffer, out n));
                Assert.Equal(0, n);

                // The array overload receives at the offset.
                server.SendAll(data.AsSpan(0, 10));
                var clock = Stopwatch.StartNew();
                bool got;
                while (!(got = client.TryRecvInto(buffer, 50, 14, out n)) && clock.Elapsed < TimeSpan.FromSeconds(10))
                {
                    Thread.Sleep(2);
                }
                Assert.True(got);
                Assert.Equal(10, n);
                Assert.Equal(data.AsSpan(0, 10).ToArray(), buffer.AsSpan(50, 10).ToArray());

                // Orderly shutdown: true with 0 bytes, as recv_into returns 0.
                server.Shutdown(Net.SHUT_WR);
                Assert.Equal(0, RecvWhenThere(client, buffer));
            }
        }

        [Fact]
        public void The_would_block_path_allocates_nothing()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            using (server)
            {
                client.SetBlocking(false);
                var buffer = new byte[64];
                int falses = 0;
                for (int i = 0; i < 200; i++)
                {
                    falses += client.TryRecvInto(buffer, out _) ? 0 : 1;
                }
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 1000; i++)
                {
                    falses += client.TryRecvInto(buffer, out _) ? 0 : 1;
                }
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.Equal(1200, falses);
                Assert.Equal(0, allocated);
            }
        }

        [Fact]
        public void A_blocking_socket_waits_and_is_false_only_with_MSG_DONTWAIT()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            using (server)
            {
                client.SetTimeout(null);
                var buffer = new byte[16];
                Assert.False(client.TryRecvInto(buffer, out int n, Net.MSG_DONTWAIT));
                Assert.Equal(0, n);
                Assert.True(client.GetBlocking(), "MSG_DONTWAIT leaves the mode alone");

                var sender = new Thread(() =>
                {
                    Thread.Sleep(100);
                    server.SendAll("late"u8);
                });
                sender.Start();
                Assert.True(client.TryRecvInto(buffer, out n)); // waits, as RecvInto does
                Assert.True(sender.Join(TimeSpan.FromSeconds(10)));
                Assert.Equal("late"u8.ToArray(), buffer.AsSpan(0, n).ToArray());
            }
        }

        [Fact]
        public void A_timeout_mode_socket_throws_the_timeout_as_RecvInto_does()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            using (server)
            {
                client.SetTimeout(0.05);
                var buffer = new byte[16];
                Exception expected = Thrown(() => client.RecvInto(buffer));
                Assert.IsType<SocketTimeoutException>(expected);
                var clock = Stopwatch.StartNew();
                Exception actual = Thrown(() => client.TryRecvInto(buffer, out _));
                Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.04), $"returned after {clock.Elapsed}: it did not wait");
                AssertSameError(expected, actual);

                // Data that arrives within the timeout is true.
                server.SendAll("in time"u8);
                Assert.True(client.TryRecvInto(buffer, out int n));
                Assert.Equal("in time"u8.ToArray(), buffer.AsSpan(0, n).ToArray());
            }
        }

        [Fact]
        public void A_closed_socket_and_other_errors_throw_what_RecvInto_and_Send_throw()
        {
            var buffer = new byte[16];

            // Never connected: ENOTCONN (recv) and Python's error of send, each as the plain call's.
            using (var unconnected = new Socket(Net.AF_INET, Net.SOCK_STREAM))
            {
                Exception recv = Thrown(() => unconnected.RecvInto(buffer));
                Assert.IsAssignableFrom<PolysockException>(recv);
                Assert.Equal(Net.ENOTCONN, ((PolysockException)recv).Errno);
                AssertSameError(recv, Thrown(() => unconnected.TryRecvInto(buffer, out _)));
                unconnected.SetBlocking(false);
                AssertSameError(recv, Thrown(() => unconnected.TryRecvInto(buffer, out _)));
                Exception send = Thrown(() => unconnected.Send("x"u8));
                Assert.IsAssignableFrom<PolysockException>(send);
                AssertSameError(send, Thrown(() => unconnected.TrySend("x"u8, out _)));
            }

            // A reset connection: ConnectionResetException from both.
            for (int round = 0; round < 2; round++)
            {
                (Socket client, Socket server) = Support.TcpPair();
                using (client)
                {
                    client.SetBlocking(false);
                    server.SetSockOpt(Net.SOL_SOCKET, Net.SO_LINGER, new byte[] { 1, 0, 0, 0, 0, 0, 0, 0 }); // l_onoff 1, l_linger 0
                    server.Dispose(); // sends RST
                    var clock = Stopwatch.StartNew();
                    Exception? e = null;
                    while (e == null && clock.Elapsed < TimeSpan.FromSeconds(10))
                    {
                        if (round == 0)
                        {
                            e = Record.Exception(() => client.RecvInto(buffer));
                            e = e is BlockingIOException ? null : e;
                        }
                        else
                        {
                            e = Record.Exception(() => client.TryRecvInto(buffer, out _));
                        }
                        if (e == null)
                        {
                            Thread.Sleep(2);
                        }
                    }
                    Assert.IsType<ConnectionResetException>(e);
                    Assert.Equal(Net.ECONNRESET, ((PolysockException)e!).Errno);
                }
            }

            // Closed: the EBADF PolysockException, as RecvInto and Send.
            (Socket a, Socket b) = Support.TcpPair();
            using (b)
            {
                a.SetBlocking(false);
                a.Dispose();
                Exception recv = Thrown(() => a.RecvInto(buffer));
                Assert.Equal(Net.EBADF, ((PolysockException)recv).Errno);
                AssertSameError(recv, Thrown(() => a.TryRecvInto(buffer, out _)));
                AssertSameError(Thrown(() => a.Send("x"u8)), Thrown(() => a.TrySend("x"u8, out _)));
            }
        }

        [Fact]
        public void TrySend_is_false_once_the_send_buffer_is_full_and_true_after_the_peer_reads()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            using (server)
            {
                client.SetBlocking(false);
                byte[] chunk = Support.Pattern(65536);
                long total = 0;
                int calls = 0;
                int sent;
                while (client.TrySend(chunk, out sent))
                {
                    Assert.InRange(sent, 1, chunk.Length);
                    total += sent;
                    Assert.True(++calls < 100_000, "the send buffer never filled");
                }
                Assert.Equal(0, sent);
                Assert.True(total > 0);
                Assert.Throws<BlockingIOException>(() => client.Send(chunk));

                // The peer reads everything: the sender can go on.
                var buffer = new byte[65536];
                long received = 0;
                server.SetTimeout(10.0);
                while (received < total)
                {
                    received += server.RecvInto(buffer);
                }
                Assert.Equal(total, received);
                var clock = Stopwatch.StartNew();
                bool ok;
                while (!(ok = client.TrySend(chunk, 0, 100, out sent)) && clock.Elapsed < TimeSpan.FromSeconds(10))
                {
                    Thread.Sleep(2);
                }
                Assert.True(ok);
                Assert.Equal(100, sent);
                var got = new byte[100];
                Support.RecvExactly(server, got);
                Assert.Equal(chunk.AsSpan(0, 100).ToArray(), got);
            }
        }

        [Fact]
        public void On_a_TLS_socket_WANT_READ_is_the_would_block()
        {
            using TlsContext serverContext = Certs.ServerContext();
            using TlsContext clientContext = Certs.ClientContext();
            (Socket client, Socket server) = TlsPairs.Wrap(clientContext, serverContext);
            using (client)
            using (server)
            {
                client.SetBlocking(false);
                var buffer = new byte[64];
                Assert.Throws<SslWantReadException>(() => client.RecvInto(buffer));
                Assert.False(client.TryRecvInto(buffer, out int n));
                Assert.Equal(0, n);

                byte[] data = Support.Pattern(50, 3);
                server.SendAll(data);
                n = RecvWhenThere(client, buffer);
                Assert.Equal(data, buffer.AsSpan(0, n).ToArray());
                Assert.True(client.TrySend(data, out int sent));
                Assert.Equal(data.Length, sent);
                var echoed = new byte[data.Length];
                Support.RecvExactly(server, echoed);
                Assert.Equal(data, echoed);
            }
        }
    }
}
