using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>sendmsg, recvmsg, recvmsg_into, ancillary data, CMSG_LEN/CMSG_SPACE, send_fds/recv_fds.</summary>
    public partial class MessagesTests
    {
        [LibraryImport("libc.so.6", EntryPoint = "getuid")]
        private static partial uint GetUid();

        [LibraryImport("libc.so.6", EntryPoint = "getgid")]
        private static partial uint GetGid();

        private static readonly int[] s_stdin = { 0 };
        private static readonly int[] s_neverOpen = { 1_000_000 };

        private static byte[] Ints(params int[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

        private static int[] ToInts(byte[] data) => MemoryMarshal.Cast<byte, int>(data).ToArray();

        [Fact]
        public void CmsgLen_and_CmsgSpace_agree_with_python3()
        {
            int[] lengths = { 0, 1, 4, 7, 8, 12, 13, 100, 1000 };
            string expected = Support.Python(
                "import socket; print(' '.join(f'{socket.CMSG_LEN(n)},{socket.CMSG_SPACE(n)}' for n in ("
                + string.Join(",", lengths) + ")))");
            string actual = string.Join(" ", lengths.Select(n => $"{Net.CmsgLen(n)},{Net.CmsgSpace(n)}"));
            Assert.Equal(expected, actual);
            Assert.Equal("CMSG_LEN() argument out of range", Assert.Throws<ArgumentException>(() => Net.CmsgLen(-1)).Message);
            Assert.Equal("CMSG_SPACE() argument out of range", Assert.Throws<ArgumentException>(() => Net.CmsgSpace(-1)).Message);
            // Python's limits: the largest length whose result still fits, and one past it.
            string limits = Support.Python(
                "import socket\n"
                + "def top(f):\n"
                + "  lo, hi = 0, 2**31\n"
                + "  while lo < hi:\n"
                + "    m = (lo + hi + 1) // 2\n"
                + "    try: f(m); lo = m\n"
                + "    except OverflowError: hi = m - 1\n"
                + "  return lo\n"
                + "print(top(socket.CMSG_LEN), top(socket.CMSG_SPACE))");
            int[] top = limits.Split(' ').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            Assert.True(Net.CmsgLen(top[0]) > 0);
            Assert.Throws<ArgumentException>(() => Net.CmsgLen(top[0] + 1));
            Assert.True(Net.CmsgSpace(top[1]) > 0);
            Assert.Throws<ArgumentException>(() => Net.CmsgSpace(top[1] + 1));
        }

        [Fact]
        public void SendMsg_gathers_and_RecvMsgInto_scatters_without_copies()
        {
            (Socket a, Socket b) = Net.SocketPair(Net.AF_UNIX, Net.SOCK_DGRAM);
            using (a)
            using (b)
            {
                b.SetTimeout(10.0);
                byte[] whole = Support.Pattern(300);
                var parts = new ReadOnlyMemory<byte>[] { whole.AsMemory(0, 100), ReadOnlyMemory<byte>.Empty, whole.AsMemory(100, 200) };
                Assert.Equal(300, a.SendMsg(parts));
                var first = new byte[50];
                var second = new byte[1000];
                (int n, IReadOnlyList<AncillaryItem> anc, int flags, SocketAddress? address) = b.RecvMsgInto(new Memory<byte>[] { first, second });
                Assert.Equal(300, n);
                Assert.Empty(anc);
                Assert.Equal(0, flags);
                Assert.Equal(whole[..50], first);
                Assert.Equal(whole[50..], second[..250]);
                Assert.True(address is null || address.Family == Net.AF_UNIX);

                // recvmsg: one buffer of bufsize bytes; a datagram cut short says MSG_TRUNC.
                a.SendMsg(new ReadOnlyMemory<byte>[] { whole });
                (byte[] data, anc, flags, _) = b.RecvMsg(10);
                Assert.Equal(whole[..10], data);
                Assert.Empty(anc);
                Assert.Equal(Net.MSG_TRUNC, flags & Net.MSG_TRUNC);
                a.SendMsg(new ReadOnlyMemory<byte>[] { "hello"u8.ToArray() });
                (data, _, flags, _) = b.RecvMsg(100);
                Assert.Equal("hello"u8.ToArray(), data);
                Assert.Equal(0, flags & Net.MSG_TRUNC);
            }
        }

        [Fact]
        public void SendMsg_and_RecvMsg_on_UDP_carry_the_address_and_IP_PKTINFO()
        {
            using var receiver = new Socket(Net.AF_INET, Net.SOCK_DGRAM);
            using var sender = new Socket(Net.AF_INET, Net.SOCK_DGRAM);
            receiver.Bind("127.0.0.1", 0);
            sender.Bind("127.0.0.1", 0);
            receiver.SetTimeout(10.0);
            int port = receiver.GetSockName().Port;
            receiver.SetSockOpt(Net.IPPROTO_IP, Net.IP_PKTINFO, 1);
            Assert.Equal(4, sender.SendMsg(new ReadOnlyMemory<byte>[] { "ping"u8.ToArray() }, null, 0, "127.0.0.1", port));
            (byte[] data, IReadOnlyList<AncillaryItem> anc, int flags, SocketAddress? from) = receiver.RecvMsg(100, Net.CmsgSpace(12));
            Assert.Equal("ping"u8.ToArray(), data);
            Assert.Equal(0, flags);
            Assert.Equal(sender.GetSockName(), from);
            // struct in_pktinfo: the interface index, the local address, the header's destination.
            AncillaryItem item = Assert.Single(anc);
            Assert.Equal(Net.IPPROTO_IP, item.Level);
            Assert.Equal(Net.IP_PKTINFO, item.Type);
            Assert.Equal(12, item.Data.Length);
            Assert.Equal((int)Net.IfNameToIndex("lo"), BitConverter.ToInt32(item.Data, 0));
            Assert.Equal(Net.InetPton(Net.AF_INET, "127.0.0.1"), item.Data[8..12]);

            // Sending with an IP_PKTINFO item (the source address chosen by spec_dst), to a SocketAddress.
            byte[] pktinfo = new byte[12];
            Net.InetPton(Net.AF_INET, "127.0.0.1").CopyTo(pktinfo, 4);
            var items = new[] { new AncillaryItem(Net.IPPROTO_IP, Net.IP_PKTINFO, pktinfo) };
            Assert.Equal(4, sender.SendMsg(new ReadOnlyMemory<byte>[] { "pong"u8.ToArray() }, items, 0, receiver.GetSockName()));
            (data, _, _, from) = receiver.RecvMsg(100, Net.CmsgSpace(12));
            Assert.Equal("pong"u8.ToArray(), data);
            Assert.Equal("127.0.0.1", from!.Host);
        }

        [Fact]
        public void IPV6_PKTINFO_on_UDP_over_the_IPv6_loopback()
        {
            using var receiver = new Socket(Net.AF_INET6, Net.SOCK_DGRAM);
            using var sender = new Socket(Net.AF_INET6, Net.SOCK_DGRAM);
            receiver.Bind("::1", 0);
            receiver.SetTimeout(10.0);
            receiver.SetSockOpt(Net.IPPROTO_IPV6, Net.IPV6_RECVPKTINFO, 1);
            sender.SendTo("six"u8, "::1", receiver.GetSockName().Port);
            (byte[] data, IReadOnlyList<AncillaryItem> anc, _, SocketAddress? from) = receiver.RecvMsg(100, Net.CmsgSpace(20));
            Assert.Equal("six"u8.ToArray(), data);
            Assert.Equal(Net.AF_INET6, from!.Family);
            Assert.Equal("::1", from.Host);
            // struct in6_pktinfo: the destination address, then the interface index.
            AncillaryItem item = Assert.Single(anc);
            Assert.Equal(Net.IPPROTO_IPV6, item.Level);
            Assert.Equal(Net.IPV6_PKTINFO, item.Type);
            Assert.Equal(20, item.Data.Length);
            Assert.Equal(Net.InetPton(Net.AF_INET6, "::1"), item.Data[..16]);
            Assert.Equal((int)Net.IfNameToIndex("lo"), BitConverter.ToInt32(item.Data, 16));
        }

        [Fact]
        public void SCM_RIGHTS_passes_descriptors_close_on_exec_and_MSG_CTRUNC_says_what_did_not_fit()
        {
            (Socket a, Socket b) = Net.SocketPair();
            (Socket x, Socket y) = Net.SocketPair();
            using (a)
            using (b)
            using (x)
            using (y)
            {
                b.SetTimeout(10.0);
                int[] fds = { x.Fileno(), x.Fileno() };
                var rights = new[] { new AncillaryItem(Net.SOL_SOCKET, Net.SCM_RIGHTS, Ints(fds)) };
                Assert.Equal(3, a.SendMsg(new ReadOnlyMemory<byte>[] { "fds"u8.ToArray() }, rights));
                (byte[] data, IReadOnlyList<AncillaryItem> anc, int flags, _) = b.RecvMsg(10, Net.CmsgSpace(2 * sizeof(int)));
                Assert.Equal("fds"u8.ToArray(), data);
                Assert.Equal(0, flags & Net.MSG_CTRUNC);
                AncillaryItem item = Assert.Single(anc);
                Assert.Equal(Net.SOL_SOCKET, item.Level);
                Assert.Equal(Net.SCM_RIGHTS, item.Type);
                int[] got = ToInts(item.Data);
                Assert.Equal(2, got.Length);
                foreach (int fd in got)
                {
                    Assert.DoesNotContain(fd, fds); // new descriptors, not the sender's numbers
                    Assert.Equal(Libc.FD_CLOEXEC, Libc.Fcntl(fd, Libc.F_GETFD) & Libc.FD_CLOEXEC);
                }
                // Each is the peer x: adopt one, talk through it.
                using (Socket adopted = Socket.FromFileno(got[0]))
                {
                    adopted.SendAll("via fd"u8);
                    y.SetTimeout(10.0);
                    Assert.Equal("via fd"u8.ToArray(), y.Recv(100));
                }
                Net.Close(got[1]);

                // Too little control space for two descriptors: MSG_CTRUNC, and what fit.
                a.SendMsg(new ReadOnlyMemory<byte>[] { "again"u8.ToArray() }, rights);
                (_, anc, flags, _) = b.RecvMsg(10, Net.CmsgLen(sizeof(int)));
                Assert.Equal(Net.MSG_CTRUNC, flags & Net.MSG_CTRUNC);
                foreach (AncillaryItem partial in anc)
                {
                    Assert.True(partial.Data.Length < 2 * sizeof(int));
                    foreach (int fd in ToInts(partial.Data))
                    {
                        Net.Close(fd);
                    }
                }
                // No control space at all: the descriptors are dropped, MSG_CTRUNC says so.
                a.SendMsg(new ReadOnlyMemory<byte>[] { "none"u8.ToArray() }, rights);
                (data, anc, flags, _) = b.RecvMsg(10);
                Assert.Equal("none"u8.ToArray(), data);
                Assert.Empty(anc);
                Assert.Equal(Net.MSG_CTRUNC, flags & Net.MSG_CTRUNC);
            }
        }

        [Fact]
        public void SendFds_and_RecvFds()
        {
            (Socket a, Socket b) = Net.SocketPair();
            string path = Path.GetTempFileName();
            try
            {
                File.WriteAllText(path, "file contents");
                using FileStream file = File.OpenRead(path);
                int fileFd = (int)file.SafeFileHandle.DangerousGetHandle();
                using (a)
                using (b)
                {
                    b.SetTimeout(10.0);
                    Assert.Equal(5, Net.SendFds(a, new ReadOnlyMemory<byte>[] { "he"u8.ToArray(), "llo"u8.ToArray() }, new[] { fileFd }));
                    (byte[] data, int[] fds, int flags, SocketAddress? address) = Net.RecvFds(b, 100, 4);
                    Assert.Equal("hello"u8.ToArray(), data);
                    Assert.Equal(0, flags);
                    Assert.True(address is null || address.Family == Net.AF_UNIX);
                    int fd = Assert.Single(fds);
                    Assert.NotEqual(fileFd, fd);
                    Assert.Equal(Libc.FD_CLOEXEC, Libc.Fcntl(fd, Libc.F_GETFD) & Libc.FD_CLOEXEC);
                    // The received descriptor is the same open file.
                    string target = new FileInfo("/proc/self/fd/" + fd.ToString(CultureInfo.InvariantCulture)).LinkTarget!;
                    Assert.Equal(Path.GetFullPath(path), target);
                    Net.Close(fd);

                    // maxfds smaller than what came: MSG_CTRUNC, the rest is gone.
                    Net.SendFds(a, new ReadOnlyMemory<byte>[] { "x"u8.ToArray() }, new[] { fileFd, fileFd, fileFd });
                    (data, fds, flags, _) = Net.RecvFds(b, 100, 1);
                    Assert.Equal("x"u8.ToArray(), data);
                    Assert.Single(fds);
                    Assert.Equal(Net.MSG_CTRUNC, flags & Net.MSG_CTRUNC);
                    Net.Close(fds[0]);
                }
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Fact]
        public void SCM_CREDENTIALS_carries_pid_uid_gid()
        {
            (Socket a, Socket b) = Net.SocketPair();
            using (a)
            using (b)
            {
                b.SetTimeout(10.0);
                b.SetSockOpt(Net.SOL_SOCKET, Net.SO_PASSCRED, 1);
                int[] creds = { Environment.ProcessId, (int)GetUid(), (int)GetGid() };
                // Sent implicitly (the kernel adds them for SO_PASSCRED) and explicitly (our own are allowed).
                a.SendMsg(new ReadOnlyMemory<byte>[] { "1"u8.ToArray() });
                a.SendMsg(new ReadOnlyMemory<byte>[] { "2"u8.ToArray() }, new[] { new AncillaryItem(Net.SOL_SOCKET, Net.SCM_CREDENTIALS, Ints(creds)) });
                foreach (string expected in new[] { "1", "2" })
                {
                    (byte[] data, IReadOnlyList<AncillaryItem> anc, _, _) = b.RecvMsg(1, Net.CmsgSpace(12));
                    Assert.Equal(expected, System.Text.Encoding.ASCII.GetString(data));
                    AncillaryItem item = Assert.Single(anc);
                    Assert.Equal(Net.SOL_SOCKET, item.Level);
                    Assert.Equal(Net.SCM_CREDENTIALS, item.Type);
                    Assert.Equal(creds, ToInts(item.Data));
                }
            }
        }

        [Fact]
        public void Bad_arguments_and_closed_sockets()
        {
            (Socket a, Socket b) = Net.SocketPair();
            using (b)
            {
                Assert.Equal("negative buffer size in recvmsg()", Assert.Throws<ArgumentException>(() => a.RecvMsg(-1)).Message);
                Assert.Equal("invalid ancillary data buffer length", Assert.Throws<ArgumentException>(() => a.RecvMsg(1, -1)).Message);
                Assert.Throws<ArgumentException>(() => a.RecvMsgInto(new Memory<byte>[] { new byte[1] }, -1));
                Assert.Throws<ArgumentNullException>(() => a.SendMsg(null!));
                Assert.Throws<ArgumentNullException>(() => a.RecvMsgInto(null!));
                Assert.Throws<ArgumentException>(() => a.SendMsg(new ReadOnlyMemory<byte>[] { new byte[1] }, new AncillaryItem[] { null! }));
                Assert.Equal("CMSG_LEN() argument out of range", Assert.Throws<ArgumentException>(() => Net.RecvFds(a, 1, -1)).Message);
                Assert.Equal("CMSG_LEN() argument out of range", Assert.Throws<ArgumentException>(() => Net.RecvFds(a, 1, int.MaxValue)).Message);
                Assert.Throws<ArgumentNullException>(() => Net.SendFds(null!, Array.Empty<ReadOnlyMemory<byte>>(), s_stdin));
                // A descriptor that is not open cannot be sent (the kernel's EBADF).
                var bad = Assert.Throws<PolysockException>(() => Net.SendFds(a, new ReadOnlyMemory<byte>[] { new byte[1] }, s_neverOpen));
                Assert.Equal(Net.EBADF, bad.Errno);
                a.Dispose();
                foreach (Action call in new Action[]
                {
                    () => a.SendMsg(new ReadOnlyMemory<byte>[] { new byte[1] }),
                    () => a.RecvMsg(1, 64),
                    () => a.RecvMsgInto(new Memory<byte>[] { new byte[1] }),
                    () => Net.SendFds(a, new ReadOnlyMemory<byte>[] { new byte[1] }, s_stdin),
                    () => Net.RecvFds(a, 1, 1),
                })
                {
                    var e = Assert.Throws<PolysockException>(call);
                    Assert.Equal(Net.EBADF, e.Errno);
                    Assert.Equal("[Errno 9] Bad file descriptor", e.Message);
                }
            }
        }

        [Fact]
        public void Dispose_from_another_thread_wakes_a_blocked_RecvMsg_with_EBADF()
        {
            (Socket a, Socket b) = Net.SocketPair();
            using (a)
            {
                Exception? error = null;
                var reader = new System.Threading.Thread(() =>
                {
                    try
                    {
                        b.RecvMsg(10, Net.CmsgSpace(sizeof(int)));
                    }
                    catch (Exception e)
                    {
                        error = e;
                    }
                });
                reader.Start();
                System.Threading.Thread.Sleep(200);
                Assert.True(reader.IsAlive, "recvmsg should be blocked");
                b.Dispose();
                Assert.True(reader.Join(TimeSpan.FromSeconds(10)), "close did not wake recvmsg");
                Assert.Equal(Net.EBADF, Assert.IsAssignableFrom<PolysockException>(error).Errno);
            }
        }

        [Fact]
        public void RecvMsg_times_out_as_recv_does()
        {
            (Socket a, Socket b) = Net.SocketPair();
            using (a)
            using (b)
            {
                b.SetTimeout(0.05);
                Assert.Equal("timed out", Assert.Throws<SocketTimeoutException>(() => b.RecvMsg(10, 64)).Message);
                b.SetBlocking(false);
                Assert.Equal(Net.EAGAIN, Assert.Throws<BlockingIOException>(() => Net.RecvFds(b, 10, 1)).Errno);
            }
        }
    }
}
