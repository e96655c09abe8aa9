using System;
using System.IO;
using System.Threading;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>Every exception type with its errno and Python's message.</summary>
    public class ErrorsTests
    {
        private static int ClosedPort()
        {
            using Socket s = Support.Listener(out int port);
            return port;
        }

        [Fact]
        public void Connection_refused_is_a_ConnectionRefusedException_and_an_IOException()
        {
            int port = ClosedPort();
            using var s = new Socket();
            var e = Assert.Throws<ConnectionRefusedException>(() => s.Connect("127.0.0.1", port));
            Assert.Equal(Net.ECONNREFUSED, e.Errno);
            Assert.Equal("[Errno 111] Connection refused", e.Message);
            Assert.IsAssignableFrom<ConnectionException>(e);
            Assert.IsAssignableFrom<IOException>(e);
            Assert.Equal(Net.ECONNREFUSED, s.ConnectEx("127.0.0.1", port));
            Assert.Throws<ConnectionRefusedException>(() => Net.CreateConnection("127.0.0.1", port));
        }

        [Fact]
        public void Would_block_is_a_BlockingIOException()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            using (server)
            {
                server.SetBlocking(false);
                var e = Assert.Throws<BlockingIOException>(() => server.Recv(10));
                Assert.Equal(Net.EAGAIN, e.Errno);
                Assert.Equal("[Errno 11] Resource temporarily unavailable", e.Message);
                var e2 = Assert.Throws<BlockingIOException>(() => client.Recv(10, Net.MSG_DONTWAIT));
                Assert.Equal(Net.EAGAIN, e2.Errno);
            }
        }

        [Fact]
        public void Broken_pipe_and_reset_are_their_own_exceptions()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            {
                server.Dispose();
                // The first send gets the RST back, a later one EPIPE (never SIGPIPE).
                Exception? error = null;
                for (int i = 0; i < 100 && error == null; i++)
                {
                    try
                    {
                        client.SendAll(new byte[1000]);
                        Thread.Sleep(10);
                    }
                    catch (PolysockException e)
                    {
                        error = e;
                    }
                }
                Assert.NotNull(error);
                Assert.True(error is BrokenPipeException or ConnectionResetException, error!.ToString());
                if (error is BrokenPipeException pipe)
                {
                    Assert.Equal(Net.EPIPE, pipe.Errno);
                    Assert.Equal("[Errno 32] Broken pipe", pipe.Message);
                }
            }

            (Socket a, Socket b) = Support.TcpPair();
            using (a)
            {
                b.SetSockOpt(Net.SOL_SOCKET, Net.SO_LINGER, new byte[] { 1, 0, 0, 0, 0, 0, 0, 0 });
                b.Dispose(); // linger 0: an RST
                a.SetTimeout(10.0);
                var reset = Assert.Throws<ConnectionResetException>(() => a.Recv(10));
                Assert.Equal(Net.ECONNRESET, reset.Errno);
                Assert.Equal("[Errno 104] Connection reset by peer", reset.Message);
            }
        }

        [Fact]
        public void A_closed_socket_gives_EBADF()
        {
            var s = new Socket();
            s.Dispose();
            s.Close();
            var e = Assert.Throws<PolysockException>(() => s.Recv(1));
            Assert.Equal(Net.EBADF, e.Errno);
            Assert.Equal("[Errno 9] Bad file descriptor", e.Message);
            Assert.Throws<PolysockException>(() => s.SendAll(new byte[1]));
            Assert.Equal(-1, s.Fileno());
        }

        [Fact]
        public void Address_in_use()
        {
            using Socket a = Support.Listener(out int port);
            using var b = new Socket();
            var e = Assert.Throws<PolysockException>(() => b.Bind("127.0.0.1", port));
            Assert.Equal(Net.EADDRINUSE, e.Errno);
            Assert.Equal("[Errno 98] Address already in use", e.Message);
        }

        [Fact]
        public void Resolver_errors_carry_the_EAI_code()
        {
            var e = Assert.Throws<GaiException>(() => Net.GetAddrInfo("not an address", "80", 0, 0, 0, Net.AI_NUMERICHOST));
            Assert.Equal(Net.EAI_NONAME, e.EaiCode);
            Assert.Equal(Net.EAI_NONAME, e.Errno);
            Assert.Equal("[Errno -2] Name or service not known", e.Message);
            Assert.IsAssignableFrom<PolysockException>(e);
            var s = Assert.Throws<GaiException>(() => Net.GetAddrInfo("127.0.0.1", "no-such-service-here", 0, Net.SOCK_STREAM));
            Assert.Equal(Net.EAI_SERVICE, s.EaiCode);
        }

        [Fact]
        public void Bad_arguments_are_ArgumentExceptions_with_Pythons_text()
        {
            using var s = new Socket();
            Assert.Equal("Timeout value out of range", Assert.Throws<ArgumentException>(() => s.SetTimeout(-1.0)).Message);
            Assert.Throws<ArgumentException>(() => s.SetTimeout(TimeSpan.FromSeconds(-2)));
            Assert.Throws<ArgumentException>(() => s.SetTimeout(double.NaN));
            Assert.Throws<ArgumentException>(() => Net.SetDefaultTimeout(-0.5));
            Assert.Equal("negative buffersize in recv", Assert.Throws<ArgumentException>(() => s.Recv(-1)).Message);
            Assert.Throws<ArgumentException>(() => Net.Htons(70000));
            Assert.Throws<ArgumentException>(() => Net.InetNtop(Net.AF_INET, new byte[3]));
            Assert.Throws<ArgumentException>(() => new Socket(Net.AF_INET, Net.SOCK_STREAM).Bind("127.0.0.1", 70000));
            Assert.Throws<ArgumentNullException>(() => s.Connect(null!, 1));
            Assert.Throws<ArgumentException>(() => new Poller().Select(0.0, 0));
        }

        [Fact]
        public void Timeouts_are_TimeoutExceptions()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            using (server)
            {
                server.SetTimeout(0.05);
                var e = Assert.Throws<SocketTimeoutException>(() => server.Recv(1));
                Assert.Equal("timed out", e.Message);
                Assert.Equal(0, e.Errno);
                Assert.IsAssignableFrom<TimeoutException>(e);
            }
        }

        [Fact]
        public void Every_status_maps_to_its_exception_type()
        {
            Assert.IsType<SocketTimeoutException>(Errors.Make(-2, 0, "timed out"));
            Assert.IsType<GaiException>(Errors.Make(-3, -2, "[Errno -2] Name or service not known"));
            var host = Assert.IsType<HostException>(Errors.Make(-4, 1, "[Errno 1] Unknown host"));
            Assert.Equal(1, host.Errno);
            Assert.Equal("[Errno 1] Unknown host", host.Message);
            Assert.IsType<ArgumentException>(Errors.Make(-5, 0, "bad"));
            Assert.IsAssignableFrom<OutOfMemoryException>(Errors.Make(-6, 0, "out of memory"));
            Assert.IsType<ConnectionAbortedException>(Errors.Make(-1, Net.ECONNABORTED, "[Errno 103] Software caused connection abort"));
            Assert.IsType<PermissionDeniedException>(Errors.Make(-1, Net.EACCES, "[Errno 13] Permission denied"));
            Assert.IsType<PermissionDeniedException>(Errors.Make(-1, Net.EPERM, "[Errno 1] Operation not permitted"));
            Assert.IsType<InterruptedException>(Errors.Make(-1, Net.EINTR, "[Errno 4] Interrupted system call"));
            Assert.IsType<BlockingIOException>(Errors.Make(-1, Net.EINPROGRESS, "[Errno 115] Operation now in progress"));
            Assert.IsType<PolysockException>(Errors.Make(-1, 0, "packed IP wrong length for inet_ntoa"));
        }
    }
}
