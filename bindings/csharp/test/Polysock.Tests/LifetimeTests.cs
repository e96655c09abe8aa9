using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>Close from other threads, the finaliser, and closing under load.</summary>
    public class LifetimeTests
    {
        [Fact]
        public void Close_from_another_thread_wakes_a_blocked_recv_with_EBADF()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            {
                Exception? error = null;
                var reader = new Thread(() =>
                {
                    try
                    {
                        server.Recv(10);
                    }
                    catch (Exception e)
                    {
                        error = e;
                    }
                });
                reader.Start();
                Thread.Sleep(200);
                Assert.True(reader.IsAlive, "recv should be blocked");
                server.Dispose();
                Assert.True(reader.Join(TimeSpan.FromSeconds(10)), "close did not wake recv");
                var e = Assert.IsAssignableFrom<PolysockException>(error);
                Assert.Equal(Net.EBADF, e.Errno);
                Assert.Equal("[Errno 9] Bad file descriptor", e.Message);
            }
        }

        [Fact]
        public async Task Close_fails_a_pending_RecvAsync_with_EBADF()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            {
                ValueTask<byte[]> pending = server.RecvAsync(10);
                await Task.Delay(50);
                Assert.False(pending.IsCompleted);
                server.Dispose();
                var e = await Assert.ThrowsAsync<PolysockException>(() => pending.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
                Assert.Equal(Net.EBADF, e.Errno);
                Assert.Equal("[Errno 9] Bad file descriptor", e.Message);
                // Operations after the close fail the same way, at once.
                var after = await Assert.ThrowsAsync<PolysockException>(() => server.RecvAsync(1).AsTask());
                Assert.Equal(Net.EBADF, after.Errno);
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void DropWithoutDispose(Socket s) => _ = s.Fileno(); // s is not kept

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static Socket PairAndDropOne()
        {
            (Socket kept, Socket dropped) = Net.SocketPair();
            DropWithoutDispose(dropped);
            return kept;
        }

        [Fact]
        public void A_socket_dropped_without_Dispose_is_closed_by_the_finaliser()
        {
            using Socket kept = PairAndDropOne();
            kept.SetTimeout(0.05);
            byte[]? eof = null;
            for (int i = 0; i < 100 && eof == null; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                try
                {
                    eof = kept.Recv(1);
                }
                catch (SocketTimeoutException)
                {
                    // not finalised yet
                }
            }
            Assert.NotNull(eof);
            Assert.Empty(eof!); // the peer's descriptor was closed: end of stream
        }

        [Fact]
        public void Four_threads_hammering_one_socket_while_it_is_closed()
        {
            for (int round = 0; round < 20; round++)
            {
                (Socket client, Socket server) = Support.TcpPair();
                using (client)
                {
                    using var start = new Barrier(5);
                    var errors = new Exception?[4];
                    var threads = new Thread[4];
                    for (int t = 0; t < 4; t++)
                    {
                        int id = t;
                        threads[t] = new Thread(() =>
                        {
                            start.SignalAndWait();
                            try
                            {
                                var buffer = new byte[64];
                                // Each loop ends when the close reaches it (bounded anyway).
                                for (int i = 0; i < 10_000_000; i++)
                                {
                                    switch (id)
                                    {
                                        case 0: server.Send(buffer); break;          // blocks once the peer's window is full
                                        case 1: server.RecvInto(buffer); break;      // blocks: the peer sends nothing
                                        case 2: _ = server.GetSockName(); break;
                                        default: server.SetTimeout(null); break;
                                    }
                                }
                            }
                            catch (Exception e)
                            {
                                errors[id] = e;
                            }
                        });
                        threads[t].Start();
                    }
                    start.SignalAndWait();
                    Thread.Sleep(2);
                    server.Dispose();
                    foreach (Thread th in threads)
                    {
                        Assert.True(th.Join(TimeSpan.FromSeconds(30)));
                    }
                    foreach (Exception? e in errors)
                    {
                        var pe = Assert.IsAssignableFrom<PolysockException>(e);
                        Assert.Equal(Net.EBADF, pe.Errno);
                    }
                    Assert.Throws<PolysockException>(() => server.GetSockName());
                }
            }
        }
    }
}
