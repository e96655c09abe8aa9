using System;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Tasks;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>polysock TLS against peers it did not write: python3's ssl module and .NET's SslStream.</summary>
    public class TlsInteropTests
    {
        // An echo server on python3's ssl module, on the port it is given: it echoes a
        // length-prefixed payload in 64 KiB pieces, unwraps (close_notify both ways), says
        // "plain" over the bare TCP connection and prints the version and ALPN it agreed
        // and the bytes it echoed.
        private const string PythonEchoServer = @"
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
ctx.set_alpn_protocols(['h2', 'http/1.1'])
srv = socket.create_server(('127.0.0.1', int(sys.argv[3])))
srv.settimeout(30)
conn, _ = srv.accept()
conn.settimeout(30)
s = ctx.wrap_socket(conn, server_side=True)
print(s.version(), s.selected_alpn_protocol(), flush=True)
def exactly(n):
    b = bytearray()
    while len(b) < n:
        d = s.recv(min(65536, n - len(b)))
        if not d:
            raise EOFError(len(b))
        b += d
    return bytes(b)
total = int.from_bytes(exactly(8), 'big')
done = 0
while done < total:
    piece = exactly(min(65536, total - done))
    s.sendall(piece)
    done += len(piece)
plain = s.unwrap()
plain.sendall(b'plain')
plain.close()
print(done, flush=True)
";

        [Fact]
        public async Task A_polysock_client_talks_to_pythons_ssl_server_and_unwraps_with_it()
        {
            int port = TlsPairs.FreePort();
            using var python = new TlsPairs.PythonProcess(PythonEchoServer, Certs.ServerCert, Certs.ServerKey,
                port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using TlsContext ctx = Certs.ClientContext();
            ctx.SetAlpnProtocols("http/1.1");
            using Socket tcp = TlsPairs.ConnectWhenListening(port, python);
            using Socket tls = ctx.WrapSocket(tcp, serverHostname: "localhost");
            string version = tls.TlsVersion!;
            Assert.Equal("TLSv1.3", version);
            Assert.Equal("http/1.1", tls.SelectedAlpnProtocol);
            Assert.Equal("localhost", tls.GetPeerCert()!.SubjectCommonName);

            byte[] data = Support.Pattern(8 << 20, 31);
            var length = new byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(length, data.Length);
            tls.SendAll(length);
            // One thread sends while this one receives the echo: a blocking send and a
            // blocking recv on one TLS socket at once.
            Task sending = Task.Run(() => tls.SendAll(data));
            var echo = new byte[data.Length];
            Support.RecvExactly(tls, echo);
            await sending.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(echo));

            tls.Unwrap();
            Assert.False(tls.IsTls);
            var plain = new byte[5];
            Support.RecvExactly(tls, plain);
            Assert.Equal("plain", Encoding.ASCII.GetString(plain));
            Assert.Empty(tls.Recv(10));
            string[] said = python.Finish();
            Assert.Equal(new[] { version + " http/1.1", data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) }, said);
        }

        // A python3 ssl client: prints the str() of its SSLCertVerificationError (without
        // the "(_ssl.c:N)" suffix), its verify_code and verify_message.
        private const string PythonRefusedClient = @"
import re, socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
try:
    with socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=20) as sock:
        with ctx.wrap_socket(sock, server_hostname=sys.argv[3]):
            print('connected')
except ssl.SSLCertVerificationError as e:
    print(re.sub(r' \(_ssl\.c:\d+\)$', '', str(e)))
    print(e.verify_code)
    print(e.verify_message)
";

        [Theory]
        [InlineData(false, "wrong.example", 62)]
        [InlineData(true, "localhost", 20)]
        public async Task Refusals_read_as_Pythons_own(bool untrustedServer, string hostname, int code)
        {
            using var server = new TlsContext(TlsProtocol.Server);
            if (untrustedServer)
            {
                server.LoadCertChain(Certs.OtherServerCert, Certs.OtherServerKey);
            }
            else
            {
                server.LoadCertChain(Certs.ServerCert, Certs.ServerKey);
            }
            using Socket listener = Support.Listener(out int port);
            listener.SetTimeout(20.0);
            // What python3 says to this server ...
            string[] python;
            using (var client = new TlsPairs.PythonProcess(PythonRefusedClient, port.ToString(System.Globalization.CultureInfo.InvariantCulture), Certs.CaFile, hostname))
            {
                (Socket conn, _) = listener.Accept();
                conn.SetTimeout(20.0);
                Assert.ThrowsAny<SslException>(() => server.WrapSocket(conn, serverSide: true).Dispose());
                python = client.Finish();
            }
            // ... is what polysock says.
            using TlsContext ctx = Certs.ClientContext();
            Task serving = Task.Run(() =>
            {
                (Socket conn, _) = listener.Accept();
                conn.SetTimeout(20.0);
                Assert.ThrowsAny<SslException>(() => server.WrapSocket(conn, serverSide: true).Dispose());
            });
            using Socket tcp = Net.CreateConnection("127.0.0.1", port, 20.0);
            var e = Assert.Throws<SslCertVerificationException>(() => ctx.WrapSocket(tcp, serverHostname: hostname));
            await serving.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(python[0], e.Message);
            Assert.Equal(python[1], e.VerifyCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(code, e.VerifyCode);
            Assert.Equal(python[2], e.VerifyMessage);
        }

        private static X509Certificate2 ServerCertificate()
        {
            using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(Certs.ServerCert, Certs.ServerKey);
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }

        private static bool TrustTestCa(X509Certificate2? certificate)
        {
            if (certificate == null)
            {
                return false;
            }
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificateFromFile(Certs.CaFile));
            return chain.Build(certificate);
        }

        private static async Task Exchange(Stream stream, Socket tls, int length)
        {
            byte[] up = Support.Pattern(length, 41);
            byte[] down = Support.Pattern(length, 42);
            Task writing = Task.Run(() => tls.SendAll(up));
            var got = new byte[length];
            int n = 0;
            while (n < length)
            {
                int r = await stream.ReadAsync(got.AsMemory(n)).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
                Assert.NotEqual(0, r);
                n += r;
            }
            await writing.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(SHA256.HashData(up), SHA256.HashData(got));
            Task<byte[]> reading = Task.Run(() =>
            {
                var back = new byte[length];
                Support.RecvExactly(tls, back);
                return back;
            });
            await stream.WriteAsync(down);
            await stream.FlushAsync();
            Assert.Equal(SHA256.HashData(down), SHA256.HashData(await reading.WaitAsync(TimeSpan.FromSeconds(30))));
        }

        [Fact]
        public async Task A_polysock_client_talks_to_a_dotnet_SslStream_server()
        {
            using X509Certificate2 certificate = ServerCertificate();
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            Task<System.Net.Sockets.Socket> accepting = listener.AcceptSocketAsync();

            using TlsContext ctx = Certs.ClientContext();
            ctx.SetAlpnProtocols("h2", "http/1.1");
            using Socket tcp = Net.CreateConnection("127.0.0.1", port, 20.0);
            using var netSocket = await accepting.WaitAsync(TimeSpan.FromSeconds(10));
            using var ssl = new SslStream(new NetworkStream(netSocket, ownsSocket: true));
            Task serving = ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                ApplicationProtocols = new() { SslApplicationProtocol.Http11 },
            });
            using Socket tls = ctx.WrapSocket(tcp, serverHostname: "localhost");
            await serving.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal("http/1.1", tls.SelectedAlpnProtocol);
            Assert.Equal(SslApplicationProtocol.Http11, ssl.NegotiatedApplicationProtocol);
            Assert.Equal(certificate.RawData, tls.GetPeerCert()!.Der);
            Assert.Equal("TLSv1.3", tls.TlsVersion);
            Assert.Equal(System.Security.Authentication.SslProtocols.Tls13, ssl.SslProtocol);
            await Exchange(ssl, tls, 2 << 20);
        }

        [Fact]
        public async Task A_dotnet_SslStream_client_talks_to_a_polysock_server()
        {
            using TlsContext ctx = Certs.ServerContext();
            ctx.MaximumVersion = TlsVersion.Tls12;
            using Socket listener = Support.Listener(out int port);
            listener.SetTimeout(20.0);
            Task<Socket> serving = Task.Run(() =>
            {
                (Socket conn, _) = listener.Accept();
                conn.SetTimeout(20.0);
                return ctx.WrapSocket(conn, serverSide: true);
            });
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(10));
            using var ssl = new SslStream(client.GetStream(), false, (_, cert, _, errors) => TrustTestCa(cert as X509Certificate2));
            await ssl.AuthenticateAsClientAsync("localhost").WaitAsync(TimeSpan.FromSeconds(20));
            using Socket tls = await serving.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal("TLSv1.2", tls.TlsVersion);
            Assert.Equal(System.Security.Authentication.SslProtocols.Tls12, ssl.SslProtocol);
            Assert.Equal(File.ReadAllBytes(Certs.ServerDer), ssl.RemoteCertificate!.GetRawCertData());
            Assert.Null(tls.GetPeerCert());
            await Exchange(ssl, tls, 2 << 20);
        }

        [Fact]
        public async Task A_polysock_TLS_listener_accepts_handshaken_connections()
        {
            using TlsContext ctx = Certs.ServerContext();
            using Socket plain = Support.Listener(out int port);
            plain.SetTimeout(20.0);
            using Socket listener = ctx.WrapSocket(plain, serverSide: true);
            Assert.True(listener.IsTls);
            Task<(Socket, SocketAddress)> accepting = Task.Run(listener.Accept);
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(10));
            using var ssl = new SslStream(client.GetStream(), false, (_, cert, _, _) => TrustTestCa(cert as X509Certificate2));
            await ssl.AuthenticateAsClientAsync("localhost").WaitAsync(TimeSpan.FromSeconds(20));
            (Socket conn, SocketAddress peer) = await accepting.WaitAsync(TimeSpan.FromSeconds(20));
            using (conn)
            {
                Assert.True(conn.IsTls);
                Assert.True(conn.ServerSide);
                Assert.Equal("127.0.0.1", peer.Host);
                Assert.NotNull(conn.TlsVersion);
                ssl.Write("through the listener"u8);
                Assert.Equal("through the listener"u8.ToArray(), conn.Recv(100));
            }
        }

        [Fact]
        public async Task A_wrapped_unconnected_client_socket_handshakes_in_Connect()
        {
            using TlsContext server = Certs.ServerContext();
            using TlsContext ctx = Certs.ClientContext();
            using Socket listener = Support.Listener(out int port);
            listener.SetTimeout(20.0);
            Task<Socket> serving = Task.Run(() =>
            {
                (Socket conn, _) = listener.Accept();
                conn.SetTimeout(20.0);
                return server.WrapSocket(conn, serverSide: true);
            });
            var raw = new Socket();
            raw.SetTimeout(20.0);
            using Socket tls = ctx.WrapSocket(raw, serverHostname: "localhost");
            Assert.Null(tls.TlsVersion);
            tls.Connect("127.0.0.1", port);
            Assert.NotNull(tls.TlsVersion);
            using Socket peer = await serving.WaitAsync(TimeSpan.FromSeconds(20));
            peer.SendAll("connected"u8);
            Assert.Equal("connected"u8.ToArray(), tls.Recv(100));
        }
    }
}
