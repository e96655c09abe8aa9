using System;
using System.Diagnostics;
using System.Threading;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>The selectors-like poller.</summary>
    public class PollerTests
    {
        [Fact]
        public void Reports_readiness_with_the_registered_data()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            using (server)
            using (var poller = new Poller())
            {
                poller.Register(server, PollEvents.Read, "server");
                Assert.Empty(poller.Select(0.0));
                Assert.Empty(poller.Select(-1.0)); // <= 0 only looks
                client.SendAll("x"u8);
                var ready = poller.Select(10.0);
                PollerEvent e = Assert.Single(ready);
                Assert.Same(server, e.Socket);
                Assert.Equal("server", e.Data);
                Assert.True(e.Events.HasFlag(PollEvents.Read));
                poller.Modify(server, PollEvents.Write, 42);
                e = Assert.Single(poller.Select(TimeSpan.FromSeconds(10)));
                Assert.Equal(42, e.Data);
                Assert.True(e.Events.HasFlag(PollEvents.Write));
                var twice = Assert.Throws<PolysockException>(() => poller.Register(server, PollEvents.Read));
                Assert.Equal(17, twice.Errno); // EEXIST, as select.epoll.register
                poller.Unregister(server);
                Assert.Empty(poller.Select(0.0));
                var none = Assert.Throws<PolysockException>(() => poller.Unregister(server));
                Assert.Equal(Net.ENOENT, none.Errno);
                Assert.Throws<ArgumentException>(() => poller.Register(server, PollEvents.None));
            }
        }

        [Fact]
        public void A_timeout_returns_empty_and_dispose_wakes_a_waiting_select()
        {
            using var poller = new Poller();
            (Socket a, Socket b) = Net.SocketPair();
            using (a)
            using (b)
            {
                poller.Register(a, PollEvents.Read);
                var watch = Stopwatch.StartNew();
                Assert.Empty(poller.Select(0.1));
                Assert.InRange(watch.Elapsed.TotalSeconds, 0.05, 5);
                Exception? error = null;
                var waiter = new Thread(() =>
                {
                    try
                    {
                        poller.Select((double?)null);
                    }
                    catch (Exception e)
                    {
                        error = e;
                    }
                });
                waiter.Start();
                Thread.Sleep(100);
                poller.Dispose();
                Assert.True(waiter.Join(TimeSpan.FromSeconds(10)));
                Assert.Equal(Net.EBADF, Assert.IsAssignableFrom<PolysockException>(error).Errno);
            }
        }
    }
}
