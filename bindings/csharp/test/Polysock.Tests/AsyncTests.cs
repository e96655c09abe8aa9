using System;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>The async API on the engine thread: completion, cancellation, close.</summary>
    public class AsyncTests
    {
        [Fact]
        public async Task Accept_connect_send_and_recv_asynchronously()
        {
            using Socket listener = Support.Listener(out int port);
            ValueTask<(Socket Connection, SocketAddress Address)> accepting = listener.AcceptAsync();
            using var client = new Socket();
            await client.ConnectAsync("127.0.0.1", port).Within(10);
            (Socket server, SocketAddress peer) = await accepting.Within(10);
            using (server)
            {
                Assert.Equal(client.GetSockName(), peer);
                Assert.Null(client.GetTimeout()); // the twin used for the connect left the mode alone
                ValueTask<byte[]> receiving = server.RecvAsync(100);
                await Task.Delay(20);
                Assert.Equal(5, await client.SendAsync("hello"u8.ToArray()).Within(10));
                Assert.Equal("hello", Encoding.ASCII.GetString(await receiving.Within(10)));

                byte[] big = Support.Pattern(8 << 20);
                Task sending = client.SendAllAsync(big).AsTask();
                var got = new byte[big.Length];
                int n = 0;
                while (n < got.Length)
                {
                    int r = await server.RecvIntoAsync(got.AsMemory(n)).Within(30);
                    Assert.NotEqual(0, r);
                    n += r;
                }
                await sending.WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(big, got);

                client.Shutdown(Net.SHUT_WR);
                Assert.Equal(0, await server.RecvIntoAsync(new byte[10]).Within(10));
            }
        }

        [Fact]
        public async Task ConnectAsync_reports_a_refused_connection()
        {
            int port;
            using (Support.Listener(out port))
            {
            }
            using var client = new Socket();
            var e = await Assert.ThrowsAsync<ConnectionRefusedException>(() => client.ConnectAsync("127.0.0.1", port).AsTask());
            Assert.Equal(Net.ECONNREFUSED, e.Errno);
            Assert.Equal("[Errno 111] Connection refused", e.Message);

            using var nonBlocking = new Socket();
            nonBlocking.SetBlocking(false);
            await Assert.ThrowsAsync<ConnectionRefusedException>(() => nonBlocking.ConnectAsync("127.0.0.1", port).AsTask());
        }

        [Fact]
        public async Task Cancelling_completes_with_OperationCanceledException_and_the_socket_stays_usable()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            using (server)
            {
                using var cts = new CancellationTokenSource();
                ValueTask<int> pending = server.RecvIntoAsync(new byte[10], 0, cts.Token);
                await Task.Delay(20);
                Assert.False(pending.IsCompleted);
                cts.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));

                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server.RecvAsync(1, 0, cts.Token).AsTask());

                client.SendAll("still works"u8);
                var buffer = new byte[11];
                int n = 0;
                while (n < 11)
                {
                    n += await server.RecvIntoAsync(buffer.AsMemory(n)).Within(10);
                }
                Assert.Equal("still works", Encoding.ASCII.GetString(buffer));

                using var acceptCts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
                using Socket listener = Support.Listener(out _);
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => listener.AcceptAsync(acceptCts.Token).AsTask());
            }
        }

        [Fact]
        public async Task Accept_async_on_a_blocking_listener_takes_a_queued_connection_at_once()
        {
            using Socket listener = Support.Listener(out int port);
            Assert.Null(listener.GetTimeout());
            using var client = Net.CreateConnection("127.0.0.1", port);
            using var poller = new Poller();
            poller.Register(listener, PollEvents.Read);
            Assert.NotEmpty(poller.Select(10.0)); // queued
            ValueTask<(Socket Connection, SocketAddress Address)> accepting = listener.AcceptAsync();
            Assert.True(accepting.IsCompleted, "the first attempt takes it, without a wait on the engine");
            (Socket conn, SocketAddress peer) = await accepting;
            conn.Dispose();
            Assert.Equal(client.GetSockName(), peer);
            Assert.Null(listener.GetTimeout()); // still blocking mode
        }

        [Fact]
        public async Task A_thread_accepting_on_the_same_blocking_listener_never_stalls_the_engine()
        {
            // The engine hears of each connection; when the thread's Accept takes it first,
            // the engine's attempt must find nothing and wait again, not sleep in accept4
            // (which held every async operation of the process until the next connection).
            using Socket listener = Support.Listener(out int port);
            await RaceAThreadAndTheEngine(
                listener,
                arrive: () => Net.CreateConnection("127.0.0.1", port).Dispose(),
                takeSync: () =>
                {
                    listener.Accept().Connection.Dispose();
                    return true;
                },
                takeAsync: async () => (await listener.AcceptAsync()).Connection.Dispose());
        }

        [Fact]
        public async Task A_thread_receiving_on_the_same_socket_in_timeout_mode_never_stalls_the_engine()
        {
            // As above for a receive: the engine's attempt on a socket with a timeout is one
            // call (sock_recv_try), not a wait of up to the timeout for bytes a thread took.
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            {
                server.SetTimeout(30.0);
                await RaceAThreadAndTheEngine(
                    server,
                    arrive: () => client.Send(new byte[1]),
                    takeSync: () => server.Recv(1).Length == 1,
                    takeAsync: async () => Assert.Single(await server.RecvAsync(1)));
            }
        }

        // Rounds of one arrival (a connection, a byte) on contested, taken either by a thread's
        // sync call (takeSync, looping until the socket closes) or by the engine for the pending
        // async one (takeAsync, which consumes what it got). Whoever takes it, the engine still
        // serves another socket at once, and each arrival is taken exactly once. Closing
        // contested then wakes both.
        private static async Task RaceAThreadAndTheEngine(Socket contested, Action arrive, Func<bool> takeSync, Func<Task> takeAsync)
        {
            const int Rounds = 60;
            (Socket a, Socket b) = Support.TcpPair();
            using (a)
            using (b)
            {
                int bySync = 0;
                var syncThread = new Thread(() =>
                {
                    try
                    {
                        while (takeSync())
                        {
                            Interlocked.Increment(ref bySync);
                        }
                    }
                    catch (Exception e) when (e is PolysockException or ObjectDisposedException or TimeoutException)
                    {
                        // the socket closed (EBADF, or before the next call began) ends the loop;
                        // a timeout only if the test failed already
                    }
                });
                syncThread.IsBackground = true;
                syncThread.Start();
                int byAsync = 0;
                Task pending = takeAsync();
                var ping = new byte[1];
                for (int i = 0; i < Rounds; i++)
                {
                    arrive();
                    ValueTask<int> echo = b.RecvIntoAsync(ping);
                    a.Send(ping);
                    Assert.Equal(1, await echo.Within(5));
                    var deadline = DateTime.UtcNow.AddSeconds(10);
                    while (Volatile.Read(ref bySync) + byAsync + (pending.IsCompleted ? 1 : 0) < i + 1 && DateTime.UtcNow < deadline)
                    {
                        await Task.Delay(1);
                    }
                    if (pending.IsCompleted)
                    {
                        await pending;
                        byAsync++;
                        pending = takeAsync();
                    }
                    Assert.Equal(i + 1, Volatile.Read(ref bySync) + byAsync);
                }
                contested.Dispose();
                Assert.True(syncThread.Join(TimeSpan.FromSeconds(10)), "the waiting sync call woke at close");
                await Assert.ThrowsAsync<PolysockException>(() => pending.WaitAsync(TimeSpan.FromSeconds(10)));
            }
        }

        [Fact]
        public async Task Operations_on_a_socket_with_a_timeout_try_first()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            using (server)
            {
                server.SetTimeout(30.0);
                client.SendAll("xy"u8.ToArray());
                using var poller = new Poller();
                poller.Register(server, PollEvents.Read);
                Assert.NotEmpty(poller.Select(10.0));
                ValueTask<byte[]> receiving = server.RecvAsync(2);
                Assert.True(receiving.IsCompleted, "the bytes were there: no wait on the engine");
                Assert.Equal("xy", Encoding.ASCII.GetString(await receiving));
                ValueTask<int> sending = server.SendAsync("z"u8.ToArray());
                Assert.True(sending.IsCompleted);
                Assert.Equal(1, await sending);
                Assert.Equal(30.0, server.GetTimeout());
            }
        }

        [Fact]
        public async Task Pending_operations_complete_in_order()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            using (server)
            {
                var reads = Enumerable.Range(0, 10).Select(_ => server.RecvAsync(1).AsTask()).ToArray();
                client.SendAll(Enumerable.Range(0, 10).Select(i => (byte)i).ToArray());
                byte[][] results = await Task.WhenAll(reads).WaitAsync(TimeSpan.FromSeconds(10));
                Assert.Equal(Enumerable.Range(0, 10).Select(i => (byte)i), results.Select(r => r.Single()));
            }
        }

        [Fact]
        public async Task Waiting_receives_one_after_another_with_cancellations_between()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            using (server)
            {
                var buffer = new byte[4];
                for (int i = 0; i < 300; i++)
                {
                    if (i % 10 == 3)
                    {
                        using var cts = new CancellationTokenSource();
                        ValueTask<int> cancelled = server.RecvIntoAsync(buffer, 0, cts.Token);
                        cts.Cancel();
                        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
                    }
                    ValueTask<int> pending = server.RecvIntoAsync(buffer);
                    client.SendAll(BitConverter.GetBytes(i));
                    int n = 0;
                    n += await pending.Within(10);
                    while (n < 4)
                    {
                        n += await server.RecvIntoAsync(buffer.AsMemory(n)).Within(10);
                    }
                    Assert.Equal(i, BitConverter.ToInt32(buffer));
                }
            }
        }

        [Fact]
        public async Task Udp_recvfrom_and_sendto_asynchronously()
        {
            using var a = new Socket(Net.AF_INET, Net.SOCK_DGRAM);
            using var b = new Socket(Net.AF_INET, Net.SOCK_DGRAM);
            a.Bind("127.0.0.1", 0);
            b.Bind("127.0.0.1", 0);
            var receiving = b.RecvFromAsync(100);
            SocketAddress bAddress = b.GetSockName();
            Assert.Equal(4, await a.SendToAsync("dgrm"u8.ToArray(), bAddress.Host, bAddress.Port).Within(10));
            (byte[] data, SocketAddress from) = await receiving.Within(10);
            Assert.Equal("dgrm", Encoding.ASCII.GetString(data));
            Assert.Equal(a.GetSockName(), from);
            var into = new byte[8];
            var receivingInto = b.RecvFromIntoAsync(into);
            a.SendTo("x"u8, bAddress);
            (int count, _) = await receivingInto.Within(10);
            Assert.Equal(1, count);
        }

        [Fact]
        public async Task Async_on_a_socket_in_timeout_mode()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            using (server)
            {
                server.SetTimeout(30.0);
                ValueTask<byte[]> pending = server.RecvAsync(10);
                await Task.Delay(20);
                client.SendAll("t"u8);
                Assert.Equal("t", Encoding.ASCII.GetString(await pending.Within(10)));
                Assert.Equal(30.0, server.GetTimeout());
            }
        }
    }
}
