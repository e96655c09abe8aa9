using System;
using System.Diagnostics;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>Timeouts as double? seconds or TimeSpan?: null is Python's None.</summary>
    [Collection("default timeout")]
    public class TimeoutsTests
    {
        [Fact]
        public void Timeout_modes_round_trip()
        {
            using var s = new Socket();
            Assert.Null(s.GetTimeout());
            Assert.True(s.GetBlocking());
            s.SetTimeout(1.5);
            Assert.Equal(1.5, s.GetTimeout());
            Assert.True(s.GetBlocking());
            s.SetTimeout(TimeSpan.FromMilliseconds(250));
            Assert.Equal(0.25, s.Timeout);
            s.SetBlocking(false);
            Assert.Equal(0.0, s.GetTimeout());
            Assert.False(s.GetBlocking());
            s.Timeout = null;
            Assert.Null(s.GetTimeout());
            Assert.Null(s.Timeout);
        }

        [Fact]
        public void A_recv_and_an_accept_time_out_after_their_deadline()
        {
            using Socket listener = Support.Listener(out int port);
            listener.SetTimeout(0.2);
            var watch = Stopwatch.StartNew();
            Assert.Throws<SocketTimeoutException>(() => listener.Accept());
            Assert.InRange(watch.Elapsed.TotalSeconds, 0.15, 5.0);

            using Socket client = Net.CreateConnection("127.0.0.1", port, 5.0);
            Assert.Equal(5.0, client.GetTimeout());
            client.SetTimeout(0.1);
            watch.Restart();
            Assert.Throws<SocketTimeoutException>(() => client.Recv(1));
            Assert.InRange(watch.Elapsed.TotalSeconds, 0.05, 5.0);
        }

        [Fact]
        public void The_default_timeout_applies_to_new_sockets()
        {
            Assert.Null(Net.GetDefaultTimeout());
            try
            {
                Net.SetDefaultTimeout(3.0);
                Assert.Equal(3.0, Net.GetDefaultTimeout());
                using var s = new Socket();
                Assert.Equal(3.0, s.GetTimeout());
                Net.SetDefaultTimeout(TimeSpan.FromSeconds(2));
                Assert.Equal(2.0, Net.GetDefaultTimeout());
            }
            finally
            {
                Net.SetDefaultTimeout((double?)null);
            }
            Assert.Null(Net.GetDefaultTimeout());
        }
    }
}
