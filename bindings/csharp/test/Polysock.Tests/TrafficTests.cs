using System;
using System.IO;
using System.Linq;
using System.Text;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>TCP, UDP and AF_UNIX traffic over loopback through every buffer kind.</summary>
    public class TrafficTests
    {
        [Fact]
        public void Tcp_bytes_arrive_intact_through_arrays_spans_and_memory()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            using (server)
            {
                byte[] data = Support.Pattern(300_000);
                client.SendAll(data);
                var got = new byte[data.Length];
                Support.RecvExactly(server, got);
                Assert.Equal(data, got);

                Assert.Equal(3, client.Send(new byte[] { 9, 1, 2, 3, 9 }, 1, 3));
                var region = new byte[5];
                int n = 0;
                while (n < 3)
                {
                    n += server.RecvInto(region, 1 + n, 3 - n);
                }
                Assert.Equal(new byte[] { 0, 1, 2, 3, 0 }, region);

                Memory<byte> memory = new byte[4];
                client.SendAll("ping"u8);
                Support.RecvExactly(server, memory.Span);
                Assert.Equal("ping", Encoding.ASCII.GetString(memory.Span));

                server.SendAll("pong"u8.ToArray(), 0, 4);
                Assert.Equal("pong", Encoding.ASCII.GetString(client.Recv(4)));
                Assert.Equal(server.GetSockName(), client.GetPeerName());
                Assert.Equal("127.0.0.1", client.GetSockName().Host);

                client.Shutdown(Net.SHUT_WR);
                Assert.Empty(server.Recv(10));
                Assert.Equal(0, server.RecvInto(Span<byte>.Empty));
            }
        }

        [Fact]
        public void Udp_datagrams_carry_their_sender()
        {
            using var a = new Socket(Net.AF_INET, Net.SOCK_DGRAM);
            using var b = new Socket(Net.AF_INET, Net.SOCK_DGRAM);
            a.Bind("127.0.0.1", 0);
            b.Bind("127.0.0.1", 0);
            b.SetTimeout(10.0);
            SocketAddress bAddress = b.GetSockName();
            Assert.Equal(5, a.SendTo("hello"u8, bAddress));
            (byte[] data, SocketAddress from) = b.RecvFrom(100);
            Assert.Equal("hello", Encoding.ASCII.GetString(data));
            Assert.Equal(a.GetSockName(), from);
            Assert.Equal(Net.SOCK_DGRAM, a.Type);
            Assert.Equal(Net.AF_INET, a.Family);

            a.SendTo("again"u8, "127.0.0.1", bAddress.Port);
            var buffer = new byte[16];
            (int count, SocketAddress from2) = b.RecvFromInto(buffer);
            Assert.Equal("again", Encoding.ASCII.GetString(buffer, 0, count));
            Assert.Equal(from, from2);
        }

        [Fact]
        public void Udp_over_ipv6_loopback()
        {
            using var a = new Socket(Net.AF_INET6, Net.SOCK_DGRAM);
            a.Bind("::1", 0);
            a.SetTimeout(10.0);
            a.SendTo("six"u8, a.GetSockName());
            (byte[] data, SocketAddress from) = a.RecvFrom(10);
            Assert.Equal("six", Encoding.ASCII.GetString(data));
            Assert.Equal("::1", from.Host);
            Assert.Equal(Net.AF_INET6, from.Family);
        }

        [Fact]
        public void Unix_stream_sockets_by_path_and_pair()
        {
            string path = Path.Combine(Path.GetTempPath(), "polysock-cs-" + Environment.ProcessId + ".sock");
            File.Delete(path);
            try
            {
                using var server = new Socket(Net.AF_UNIX, Net.SOCK_STREAM);
                server.Bind(path);
                server.Listen();
                using var client = new Socket(Net.AF_UNIX, Net.SOCK_STREAM);
                client.Connect(path);
                (Socket conn, _) = server.Accept();
                using (conn)
                {
                    client.SendAll("over unix"u8);
                    var got = new byte[9];
                    Support.RecvExactly(conn, got);
                    Assert.Equal("over unix", Encoding.ASCII.GetString(got));
                    Assert.Equal(path, conn.GetSockName().Host);
                }
            }
            finally
            {
                File.Delete(path);
            }

            (Socket x, Socket y) = Net.SocketPair();
            using (x)
            using (y)
            {
                x.SendAll("pair"u8);
                Assert.Equal("pair", Encoding.ASCII.GetString(y.Recv(4)));
                Assert.Equal(Net.AF_UNIX, x.Family);
            }
        }

        [Fact]
        public void Sendfile_sends_a_file_region_and_moves_its_position()
        {
            string path = Path.GetTempFileName();
            try
            {
                byte[] content = Support.Pattern(100_000, 3);
                File.WriteAllBytes(path, content);
                (Socket client, Socket server) = Support.TcpPair();
                using (client)
                using (server)
                using (var file = new FileStream(path, FileMode.Open, FileAccess.Read))
                {
                    Assert.Equal(60_000, client.SendFile(file, 1000, 60_000));
                    Assert.Equal(61_000, file.Position);
                    var got = new byte[60_000];
                    Support.RecvExactly(server, got);
                    Assert.Equal(content.Skip(1000).Take(60_000).ToArray(), got);
                }
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Fact]
        public void Options_dup_fileno_and_fromfd()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using (client)
            using (server)
            {
                client.SetSockOpt(Net.IPPROTO_TCP, Net.TCP_NODELAY, 1);
                Assert.NotEqual(0, client.GetSockOpt(Net.IPPROTO_TCP, Net.TCP_NODELAY));
                client.SetSockOpt(Net.SOL_SOCKET, Net.SO_KEEPALIVE, BitConverter.GetBytes(1));
                Assert.Equal(BitConverter.GetBytes(1), client.GetSockOpt(Net.SOL_SOCKET, Net.SO_KEEPALIVE, 4));
                Assert.True(client.Fileno() > 2);
                using Socket dup = client.Dup();
                Assert.NotEqual(client.Fileno(), dup.Fileno());
                dup.SendAll("dup"u8);
                Assert.Equal("dup", Encoding.ASCII.GetString(server.Recv(3)));
                using Socket from = Net.FromFd(client.Fileno());
                Assert.Equal(Net.SOCK_STREAM, from.Type);
                Assert.Equal(client.GetSockName(), from.GetSockName());
                int fd = dup.Detach();
                Assert.True(fd > 2);
                Assert.Equal(-1, dup.Detach());
                using Socket again = Net.FromFd(fd);
                Assert.Equal(client.GetSockName(), again.GetSockName());
            }
        }

        [Fact]
        public void Module_functions_on_loopback_names()
        {
            Assert.Equal("127.0.0.1", Net.GetHostByName("127.1"));
            Assert.False(string.IsNullOrEmpty(Net.GetHostName()));
            var infos = Net.GetAddrInfo("localhost", 80, Net.AF_INET, Net.SOCK_STREAM);
            Assert.Contains(infos, ai => ai.Address.Host == "127.0.0.1" && ai.Address.Port == 80 && ai.Proto == Net.IPPROTO_TCP);
            Assert.Contains(Net.IfNameIndex(), i => i.Name == "lo");
            uint lo = Net.IfNameToIndex("lo");
            Assert.Equal("lo", Net.IfIndexToName(lo));
            Assert.Equal(new NameInfo("::1", "8080"), Net.GetNameInfo(new SocketAddress(Net.AF_INET6, "::1", 8080), Net.NI_NUMERICHOST | Net.NI_NUMERICSERV));
            Assert.Equal(Net.Constants["AF_INET"], Net.Constant("NET_AF_INET"));
            Assert.Equal(1, Net.AbiVersion);
            Assert.Equal("SOCK_ERR_TIMEOUT", Net.StatusName(-2));
            Assert.Equal("127.0.0.1", Net.GetHostByNameEx("127.0.0.1").Addresses[0]);
            Assert.Equal(0x7f000001, Net.INADDR_LOOPBACK);
            using Socket six = Net.CreateServer("::1", 0, Net.AF_INET6);
            Assert.Equal("::1", six.GetSockName().Host);
            Assert.IsType<bool>(Net.HasDualstackIpv6());
        }
    }
}
