using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>TLS sockets under the async engine and SocketStream.</summary>
    public class TlsAsyncTests
    {
        private static async Task<byte[]> ReceiveAsync(Socket s, int length)
        {
            var got = new byte[length];
            int n = 0;
            while (n < length)
            {
                int r = await s.RecvIntoAsync(got.AsMemory(n, Math.Min(1 << 16, length - n))).Within(30);
                Assert.NotEqual(0, r);
                n += r;
            }
            return got;
        }

        private static async Task SendAsync(Socket s, byte[] data)
        {
            for (int off = 0; off < data.Length; off += 1 << 17)
            {
                await s.SendAllAsync(data.AsMemory(off, Math.Min(1 << 17, data.Length - off))).Within(30);
            }
        }

        [Fact]
        public async Task Ten_MiB_each_way_at_once_through_the_async_engine()
        {
            using TlsContext server = Certs.ServerContext();
            using TlsContext client = Certs.ClientContext();
            (Socket a, Socket b) = TlsPairs.Wrap(client, server);
            using (a)
            using (b)
            {
                byte[] up = Support.Pattern(10 << 20, 21);
                byte[] down = Support.Pattern(10 << 20, 22);
                Task sendUp = Task.Run(() => SendAsync(a, up));
                Task sendDown = Task.Run(() => SendAsync(b, down));
                Task<byte[]> recvUp = Task.Run(() => ReceiveAsync(b, up.Length));
                Task<byte[]> recvDown = Task.Run(() => ReceiveAsync(a, down.Length));
                await Task.WhenAll(sendUp, sendDown, recvUp, recvDown).WaitAsync(TimeSpan.FromSeconds(60));
                Assert.Equal(SHA256.HashData(up), SHA256.HashData(await recvUp));
                Assert.Equal(SHA256.HashData(down), SHA256.HashData(await recvDown));
            }
        }

        // An operation whose attempts always succeed: it completes on the first event it is
        // attempted for, so it shows which event the engine waited for.
        private sealed class ProbeOp : AsyncOp<int>
        {
            internal ProbeOp(Socket owner, bool isRead) : base(owner, isRead) { }

            protected override bool Attempt(out int result, out Exception? error)
            {
                result = 1;
                error = null;
                return true;
            }
        }

        [Fact]
        public async Task The_engine_waits_for_the_event_an_attempt_named_not_the_calls_direction()
        {
            (Socket a, Socket b) = Support.TcpPair();
            using (a)
            using (b)
            {
                // A receive that wants WRITE (a TLS WANT_WRITE) runs when the socket is writable,
                // although nothing is there to read ...
                Assert.Equal(1, await a.Queue(new ProbeOp(a, isRead: true), AsyncEngine.EventWrite, default).Within(10));
                // ... and a send that wants READ waits until the socket is readable.
                using var cts = new CancellationTokenSource();
                ValueTask<int> sendWantsRead = a.Queue(new ProbeOp(a, isRead: false), AsyncEngine.EventRead, cts.Token);
                await Task.Delay(100);
                Assert.False(sendWantsRead.IsCompleted);
                b.SendAll("x"u8);
                Assert.Equal(1, await sendWantsRead.Within(10));
                Assert.Equal("x"u8.ToArray(), a.Recv(1));
                // A receive that wants READ on a quiet socket waits, and cancels cleanly.
                ValueTask<int> quiet = a.Queue(new ProbeOp(a, isRead: true), AsyncEngine.EventRead, cts.Token);
                await Task.Delay(100);
                Assert.False(quiet.IsCompleted);
                cts.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await quiet.Within(10));
            }
        }

        [Fact]
        public async Task Non_blocking_and_timeout_mode_TLS_sockets_work_async_too()
        {
            using TlsContext server = Certs.ServerContext();
            using TlsContext client = Certs.ClientContext();
            foreach (double? mode in new double?[] { 0.0, 5.0 })
            {
                (Socket a, Socket b) = TlsPairs.Wrap(client, server);
                using (a)
                using (b)
                {
                    a.SetTimeout(mode);
                    b.SetTimeout(mode);
                    byte[] data = Support.Pattern(3 << 20, 5);
                    Task<byte[]> receiving = ReceiveAsync(b, data.Length);
                    await SendAsync(a, data);
                    Assert.Equal(data, await receiving);
                    Assert.Equal(mode, a.GetTimeout());
                }
            }
        }

        [Fact]
        public async Task Async_handshakes_on_both_ends_give_the_sockets_their_mode_back()
        {
            using TlsContext server = Certs.ServerContext("h2");
            using TlsContext client = Certs.ClientContext();
            client.SetAlpnProtocols("h2");
            (Socket c, Socket s) = Support.TcpPair();
            c.SetTimeout(7.0);
            ValueTask<Socket> serving = server.WrapSocketAsync(s, serverSide: true);
            using Socket a = await client.WrapSocketAsync(c, serverHostname: "localhost").Within(20);
            using Socket b = await serving.Within(20);
            Assert.Equal(7.0, a.GetTimeout());
            Assert.Null(b.GetTimeout());
            Assert.Equal("h2", a.SelectedAlpnProtocol);
            Assert.Equal(a.TlsVersion, b.TlsVersion);
            await a.SendAllAsync("async hello"u8.ToArray()).Within(10);
            Assert.Equal("async hello"u8.ToArray(), await b.RecvAsync(100).Within(10));

            // UnwrapAsync on both ends, then plain bytes.
            await Task.WhenAll(a.UnwrapAsync().AsTask(), b.UnwrapAsync().AsTask()).WaitAsync(TimeSpan.FromSeconds(20));
            Assert.False(a.IsTls);
            Assert.Equal(7.0, a.GetTimeout());
            await b.SendAllAsync("plain"u8.ToArray()).Within(10);
            Assert.Equal("plain"u8.ToArray(), await a.RecvAsync(100).Within(10));
        }

        [Fact]
        public async Task ConnectAsync_of_a_wrapped_client_socket_connects_and_handshakes()
        {
            using TlsContext server = Certs.ServerContext();
            using TlsContext client = Certs.ClientContext();
            using Socket plainListener = Support.Listener(out int port);
            // A TLS listener that handshakes on accept would handshake on the engine thread.
            using Socket handshaking = server.WrapSocket(plainListener.Dup(), serverSide: true);
            await Assert.ThrowsAsync<NotSupportedException>(async () => await handshaking.AcceptAsync());
            // Wrapped with doHandshakeOnConnect: false, it accepts TLS connections whose
            // handshake the caller awaits.
            using Socket listener = server.WrapSocket(plainListener, serverSide: true, doHandshakeOnConnect: false);
            ValueTask<(Socket Connection, SocketAddress Address)> accepting = listener.AcceptAsync();

            var raw = new Socket();
            raw.SetTimeout(9.0);
            using Socket tls = client.WrapSocket(raw, serverHostname: "localhost");
            Task connecting = tls.ConnectAsync("127.0.0.1", port).AsTask();
            (Socket conn, _) = await accepting.Within(20);
            using (conn)
            {
                Assert.True(conn.IsTls);
                Assert.True(conn.ServerSide);
                Assert.Null(conn.TlsVersion);
                await conn.DoHandshakeAsync().Within(20);
                await connecting.WaitAsync(TimeSpan.FromSeconds(20));
                Assert.Equal(9.0, tls.GetTimeout());
                Assert.Equal(conn.TlsVersion, tls.TlsVersion);
                Assert.Equal("localhost", tls.GetPeerCert()!.SubjectCommonName);
                await conn.SendAllAsync("accepted async"u8.ToArray()).Within(10);
                Assert.Equal("accepted async"u8.ToArray(), await tls.RecvAsync(100).Within(10));
            }
        }

        [Fact]
        public async Task A_failed_async_handshake_closes_the_TLS_socket()
        {
            using TlsContext server = Certs.ServerContext();
            using TlsContext client = Certs.ClientContext();
            (Socket c, Socket s) = Support.TcpPair();
            Task serving = Task.Run(async () =>
            {
                try
                {
                    using Socket tls = await server.WrapSocketAsync(s, serverSide: true);
                }
                catch (SslException)
                {
                    // the client refused the certificate
                }
            });
            var e = await Assert.ThrowsAsync<SslCertVerificationException>(async () => await client.WrapSocketAsync(c, serverHostname: "wrong.example"));
            Assert.Equal(62, e.VerifyCode);
            await serving.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.True(c.Handle.IsClosed);
        }

        [Fact]
        public async Task Cancelling_a_pending_RecvAsync_leaves_the_TLS_socket_usable()
        {
            using TlsContext server = Certs.ServerContext();
            using TlsContext client = Certs.ClientContext();
            (Socket a, Socket b) = TlsPairs.Wrap(client, server);
            using (a)
            using (b)
            {
                using var cts = new CancellationTokenSource();
                ValueTask<byte[]> pending = a.RecvAsync(100, 0, cts.Token);
                await Task.Delay(100);
                Assert.False(pending.IsCompleted);
                cts.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending.Within(10));
                b.SendAll("after cancel"u8);
                Assert.Equal("after cancel"u8.ToArray(), await a.RecvAsync(100).Within(10));
                await a.SendAllAsync("and back"u8.ToArray()).Within(10);
                Assert.Equal("and back"u8.ToArray(), b.Recv(100));
            }
        }

        [Fact]
        public async Task A_pending_RecvAsync_fails_with_EBADF_when_the_TLS_socket_is_closed()
        {
            using TlsContext server = Certs.ServerContext();
            using TlsContext client = Certs.ClientContext();
            (Socket a, Socket b) = TlsPairs.Wrap(client, server);
            using (b)
            {
                ValueTask<byte[]> pending = a.RecvAsync(100);
                await Task.Delay(50);
                a.Dispose();
                var e = await Assert.ThrowsAsync<PolysockException>(async () => await pending.Within(10));
                Assert.Equal(Net.EBADF, e.Errno);
            }
        }

        [Fact]
        public async Task A_socket_used_async_before_the_wrap_is_detached_cleanly()
        {
            using TlsContext server = Certs.ServerContext();
            using TlsContext client = Certs.ClientContext();
            (Socket c, Socket s) = Support.TcpPair();
            // Plain async traffic first: the engine keeps read interest on both.
            await c.SendAllAsync("plain first"u8.ToArray()).Within(10);
            Assert.Equal("plain first"u8.ToArray(), await s.RecvAsync(100).Within(10));
            await s.SendAllAsync("reply"u8.ToArray()).Within(10);
            Assert.Equal("reply"u8.ToArray(), await c.RecvAsync(100).Within(10));
            ValueTask<Socket> serving = server.WrapSocketAsync(s, serverSide: true);
            using Socket a = await client.WrapSocketAsync(c, serverHostname: "localhost").Within(20);
            using Socket b = await serving.Within(20);
            await a.SendAllAsync("tls now"u8.ToArray()).Within(10);
            Assert.Equal("tls now"u8.ToArray(), await b.RecvAsync(100).Within(10));
            var e = await Assert.ThrowsAsync<PolysockException>(async () => await c.RecvAsync(10).Within(10));
            Assert.Equal(Net.EBADF, e.Errno);
        }

        [Fact]
        public async Task SocketStream_over_a_TLS_socket_sync_async_and_zero_byte_reads()
        {
            using TlsContext server = Certs.ServerContext();
            using TlsContext client = Certs.ClientContext();
            (Socket a, Socket b) = TlsPairs.Wrap(client, server);
            using var clientStream = a.MakeFile(ownsSocket: true);
            using var serverStream = new SocketStream(b, ownsSocket: true);
            using var writer = new StreamWriter(clientStream, new UTF8Encoding(false)) { NewLine = "\n" };
            using var reader = new StreamReader(serverStream, Encoding.UTF8);
            writer.WriteLine("first line");
            writer.Flush();
            Assert.Equal("first line", reader.ReadLine());
            await writer.WriteLineAsync("async line ✓");
            await writer.FlushAsync();
            Assert.Equal("async line ✓", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));

            // Zero-byte reads wait for data and consume nothing: async ...
            Task<int> zero = serverStream.ReadAsync(Memory<byte>.Empty).AsTask();
            await Task.Delay(50);
            Assert.False(zero.IsCompleted);
            clientStream.Write("z"u8);
            Assert.Equal(0, await zero.WaitAsync(TimeSpan.FromSeconds(10)));
            // ... and sync (the byte is pending in OpenSSL or on the wire).
            Assert.Equal(0, serverStream.Read(Span<byte>.Empty));
            var one = new byte[1];
            Assert.Equal(1, serverStream.Read(one, 0, 1));
            Assert.Equal((byte)'z', one[0]);
            Task<int> zeroSync = Task.Run(() => serverStream.Read(Span<byte>.Empty));
            await Task.Delay(50);
            Assert.False(zeroSync.IsCompleted);
            await clientStream.WriteAsync("y"u8.ToArray());
            Assert.Equal(0, await zeroSync.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(1, await serverStream.ReadAsync(one));
            Assert.Equal((byte)'y', one[0]);

            // A zero-byte read with a timeout times out as a read does.
            b.SetTimeout(0.2);
            var e = Assert.Throws<SocketTimeoutException>(() => serverStream.Read(Span<byte>.Empty));
            Assert.Equal("The read operation timed out", e.Message);
        }
    }
}
