using System;
using System.IO;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>socket(fileno=fd), socket.close(fd) and the poller's own descriptor.</summary>
    public class DescriptorsTests
    {
        // Far above the process's limit of open descriptors: never open.
        private const int NeverOpen = 1_000_000;

        [Fact]
        public void FromFileno_adopts_the_descriptor_itself_and_reads_family_type_and_proto()
        {
            (Socket a, Socket b) = Net.SocketPair();
            using (b)
            {
                int fd = a.Detach();
                using (Socket adopted = Socket.FromFileno(fd))
                {
                    Assert.Equal(fd, adopted.Fileno()); // no dup
                    Assert.Equal(Net.AF_UNIX, adopted.Family);
                    Assert.Equal(Net.SOCK_STREAM, adopted.Type);
                    Assert.Equal(Net.GetDefaultTimeout(), adopted.GetTimeout());
                    adopted.SendAll("adopted"u8);
                    b.SetTimeout(10.0);
                    Assert.Equal("adopted"u8.ToArray(), b.Recv(100));
                }
                // Disposing the adopter closed fd itself: the peer sees the end of the stream.
                Assert.Empty(b.Recv(100));
            }

            using var udp = new Socket(Net.AF_INET6, Net.SOCK_DGRAM);
            udp.Bind("::1", 0);
            SocketAddress bound = udp.GetSockName();
            using (Socket same = Socket.FromFileno(udp.Detach(), Net.AF_INET6, Net.SOCK_DGRAM, Net.IPPROTO_UDP))
            {
                Assert.Equal(Net.AF_INET6, same.Family);
                Assert.Equal(Net.SOCK_DGRAM, same.Type);
                Assert.Equal(Net.IPPROTO_UDP, same.Proto);
                Assert.Equal(bound, same.GetSockName());
            }
        }

        [Fact]
        public void FromFileno_refuses_what_is_not_an_open_socket_and_leaves_it_to_the_caller()
        {
            Assert.Equal("negative file descriptor", Assert.Throws<ArgumentException>(() => Socket.FromFileno(-1)).Message);
            Assert.Equal(Net.EBADF, Assert.Throws<PolysockException>(() => Socket.FromFileno(NeverOpen)).Errno);
            string path = Path.GetTempFileName();
            try
            {
                using FileStream file = File.OpenRead(path);
                int fd = (int)file.SafeFileHandle.DangerousGetHandle();
                var e = Assert.Throws<PolysockException>(() => Socket.FromFileno(fd));
                Assert.Equal(Net.ENOTSOCK, e.Errno);
                Assert.Equal("[Errno 88] Socket operation on non-socket", e.Message);
                Assert.True(Libc.Fcntl(fd, Libc.F_GETFD) >= 0, "the failed adoption closed the caller's descriptor");
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Fact]
        public void Net_Close_closes_a_detached_descriptor()
        {
            (Socket a, Socket b) = Net.SocketPair();
            using (b)
            {
                int fd = a.Detach();
                Assert.Equal(-1, a.Detach());
                Net.Close(fd);
                b.SetTimeout(10.0);
                Assert.Empty(b.Recv(10)); // end of stream: fd is closed
            }
            var e = Assert.Throws<PolysockException>(() => Net.Close(NeverOpen));
            Assert.Equal(Net.EBADF, e.Errno);
            Assert.Equal("[Errno 9] Bad file descriptor", e.Message);
            Assert.Equal(Net.EBADF, Assert.Throws<PolysockException>(() => Net.Close(-1)).Errno);
        }

        [Fact]
        public void The_pollers_descriptor_polls_readable_exactly_when_a_registered_socket_is_ready()
        {
            (Socket a, Socket b) = Net.SocketPair();
            using (a)
            using (b)
            using (var poller = new Poller())
            {
                int fd = poller.Fileno();
                Assert.True(fd >= 0);
                Assert.Equal(fd, poller.Fileno());
                Assert.False(Libc.Readable(fd)); // nothing registered
                poller.Register(b, PollEvents.Read);
                Assert.False(Libc.Readable(fd));
                Assert.Empty(poller.Select(0.0));
                a.SendAll("x"u8);
                // Readiness reaches the descriptor: bounded wait, then it agrees with Select.
                for (int i = 0; i < 1000 && !Libc.Readable(fd); i++)
                {
                    System.Threading.Thread.Sleep(1);
                }
                Assert.True(Libc.Readable(fd));
                Assert.Single(poller.Select(0.0));
                Assert.True(Libc.Readable(fd)); // level-triggered: still ready, still readable
                Assert.Equal("x"u8.ToArray(), b.Recv(10));
                Assert.Empty(poller.Select(0.0));
                Assert.False(Libc.Readable(fd));
                // Write interest on a socket that can write: ready at once.
                poller.Modify(b, PollEvents.Write);
                Assert.True(Libc.Readable(fd));
                Assert.Single(poller.Select(0.0));
                poller.Unregister(b);
                Assert.False(Libc.Readable(fd));
            }
            var closed = new Poller();
            closed.Dispose();
            Assert.Equal(Net.EBADF, Assert.Throws<PolysockException>(() => closed.Fileno()).Errno);
        }
    }
}
