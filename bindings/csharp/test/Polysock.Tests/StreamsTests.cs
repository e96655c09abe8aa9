using System;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>SocketStream under StreamReader/Writer, SslStream and HttpClient.</summary>
    public class StreamsTests
    {
        [Fact]
        public async Task Lines_through_StreamReader_and_StreamWriter_sync_and_async()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using var clientStream = client.MakeFile(ownsSocket: true);
            using var serverStream = new SocketStream(server, ownsSocket: true);
            using var writer = new StreamWriter(clientStream, new UTF8Encoding(false)) { NewLine = "\n" };
            using var reader = new StreamReader(serverStream, Encoding.UTF8);
            writer.WriteLine("first line");
            writer.WriteLine("zweite Zeile ✓");
            writer.Flush();
            Assert.Equal("first line", reader.ReadLine());
            Assert.Equal("zweite Zeile ✓", reader.ReadLine());
            await writer.WriteLineAsync("async line");
            await writer.FlushAsync();
            Assert.Equal("async line", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
            client.Shutdown(Net.SHUT_WR);
            Assert.Null(await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.False(serverStream.CanSeek);
            Assert.Throws<NotSupportedException>(() => serverStream.Length);
        }

        [Fact]
        public async Task Zero_byte_reads_wait_for_data_and_consume_nothing()
        {
            (Socket client, Socket server) = Support.TcpPair();
            using var a = new SocketStream(client, true);
            using var b = new SocketStream(server, true);
            Task<int> zero = b.ReadAsync(Memory<byte>.Empty).AsTask();
            await Task.Delay(50);
            Assert.False(zero.IsCompleted);
            a.Write("z"u8);
            Assert.Equal(0, await zero.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(0, b.Read(Span<byte>.Empty));
            var one = new byte[1];
            Assert.Equal(1, b.Read(one, 0, 1));
            Assert.Equal((byte)'z', one[0]);
        }

        private static X509Certificate2 MakeCertificate()
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
            using X509Certificate2 cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
        }

        [Fact]
        public async Task SslStream_handshake_and_10_MiB_through()
        {
            using X509Certificate2 certificate = MakeCertificate();
            (Socket client, Socket server) = Support.TcpPair();
            using var serverSsl = new SslStream(new SocketStream(server, true), false);
            using var clientSsl = new SslStream(new SocketStream(client, true), false,
                (_, cert, _, _) => cert != null && cert.GetCertHashString() == certificate.GetCertHashString());
            Task serverHandshake = serverSsl.AuthenticateAsServerAsync(certificate);
            await clientSsl.AuthenticateAsClientAsync("localhost").WaitAsync(TimeSpan.FromSeconds(30));
            await serverHandshake.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(clientSsl.IsEncrypted);

            byte[] data = Support.Pattern(10 << 20, 11);
            Task writing = Task.Run(async () =>
            {
                for (int off = 0; off < data.Length; off += 1 << 16)
                {
                    await clientSsl.WriteAsync(data.AsMemory(off, Math.Min(1 << 16, data.Length - off)));
                }
                await clientSsl.FlushAsync();
            });
            var got = new byte[data.Length];
            int n = 0;
            while (n < got.Length)
            {
                int r = await serverSsl.ReadAsync(got.AsMemory(n)).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
                Assert.NotEqual(0, r);
                n += r;
            }
            await writing.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(got));

            // And back, with the sync API.
            serverSsl.Write("sync reply"u8);
            var reply = new byte[10];
            int m = 0;
            while (m < 10)
            {
                m += clientSsl.Read(reply, m, 10 - m);
            }
            Assert.Equal("sync reply", Encoding.ASCII.GetString(reply));
        }

        [Fact]
        public async Task HttpClient_fetches_pages_from_pythons_http_server_through_polysock()
        {
            string root = Directory.CreateTempSubdirectory("polysock-http-").FullName;
            byte[] page = Support.Pattern(200_000, 5);
            File.WriteAllBytes(Path.Combine(root, "blob.bin"), page);
            File.WriteAllText(Path.Combine(root, "hello.txt"), "hello from http.server\n");
            int port;
            using (Socket probe = Support.Listener(out port))
            {
            }
            var info = new ProcessStartInfo("python3", $"-m http.server --bind 127.0.0.1 {port}")
            {
                WorkingDirectory = root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using Process server = Process.Start(info)!;
            try
            {
                server.OutputDataReceived += (_, _) => { };
                server.ErrorDataReceived += (_, _) => { };
                server.BeginOutputReadLine();
                server.BeginErrorReadLine();
                // Bounded wait for the server to listen.
                bool up = false;
                for (int i = 0; i < 200 && !up; i++)
                {
                    using var s = new Socket();
                    up = s.ConnectEx("127.0.0.1", port) == 0;
                    if (!up)
                    {
                        Assert.False(server.HasExited, "http.server exited");
                        await Task.Delay(50);
                    }
                }
                Assert.True(up, "http.server did not come up in 10 s");

                int connections = 0;
                using var handler = new SocketsHttpHandler
                {
                    ConnectCallback = async (context, token) =>
                    {
                        Interlocked.Increment(ref connections);
                        var socket = new Socket();
                        try
                        {
                            await socket.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, token);
                            return new SocketStream(socket, ownsSocket: true);
                        }
                        catch
                        {
                            socket.Dispose();
                            throw;
                        }
                    },
                };
                using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
                Assert.Equal("hello from http.server\n", await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/hello.txt")));
                Assert.Equal(page, await http.GetByteArrayAsync(new Uri($"http://127.0.0.1:{port}/blob.bin")));
                string listing = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/"));
                Assert.Contains("blob.bin", listing, StringComparison.Ordinal);
                using HttpResponseMessage missing = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/missing"));
                Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
                Assert.True(connections >= 1);
            }
            finally
            {
                server.Kill(entireProcessTree: true);
                server.WaitForExit(10_000);
                Directory.Delete(root, true);
            }
        }
    }
}
