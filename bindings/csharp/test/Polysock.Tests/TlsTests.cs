using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>TLS between polysock sockets: TlsContext, WrapSocket, the SSLSocket methods, TlsObject, the errors.</summary>
    public class TlsTests
    {
        private static KeyValuePair<string, string> Kv(string key, string value) => new(key, value);

        [Fact]
        public void The_native_library_has_TLS_and_names_its_OpenSSL()
        {
            Assert.True(TlsContext.IsSupported);
            Assert.StartsWith("OpenSSL 3.", TlsContext.OpenSslVersion, StringComparison.Ordinal);
            Assert.Equal(Support.Python("import ssl; print(ssl.OPENSSL_VERSION)"), TlsContext.OpenSslVersion);
        }

        [Fact]
        public void Contexts_have_Pythons_defaults_and_settings()
        {
            using (var client = new TlsContext(TlsProtocol.Client))
            {
                Assert.Equal(TlsVerifyMode.CertRequired, client.VerifyMode);
                Assert.True(client.CheckHostname);
                var e = Assert.Throws<ArgumentException>(() => client.VerifyMode = TlsVerifyMode.CertNone);
                Assert.Equal("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.", e.Message);
                client.CheckHostname = false;
                client.VerifyMode = TlsVerifyMode.CertNone;
                Assert.Equal(TlsVerifyMode.CertNone, client.VerifyMode);
                client.CheckHostname = true; // as Python: CERT_NONE becomes CERT_REQUIRED
                Assert.Equal(TlsVerifyMode.CertRequired, client.VerifyMode);
                client.MinimumVersion = TlsVersion.Tls12;
                client.MaximumVersion = TlsVersion.Tls13;
                Assert.Equal(TlsVersion.Tls12, client.MinimumVersion);
                Assert.Equal(TlsVersion.Tls13, client.MaximumVersion);
                client.MaximumVersion = TlsVersion.MaximumSupported;
                Assert.Equal(TlsVersion.MaximumSupported, client.MaximumVersion);
                client.SetCiphers("ECDHE+AESGCM");
                Assert.Throws<SslException>(() => client.SetCiphers("NO-SUCH-CIPHER"));
            }
            using (var server = new TlsContext(TlsProtocol.Server))
            {
                Assert.Equal(TlsVerifyMode.CertNone, server.VerifyMode);
                Assert.False(server.CheckHostname);
            }
            using (TlsContext defaults = TlsContext.CreateDefault(TlsPurpose.ServerAuth))
            {
                Assert.True(defaults.CheckHostname);
                Assert.Equal(TlsVerifyMode.CertRequired, defaults.VerifyMode);
                Assert.Equal(TlsVersion.Tls12, defaults.MinimumVersion);
                defaults.LoadDefaultCerts();
            }
            using (TlsContext defaults = TlsContext.CreateDefault(TlsPurpose.ClientAuth))
            {
                Assert.False(defaults.CheckHostname);
                Assert.Equal(TlsVerifyMode.CertNone, defaults.VerifyMode);
            }
        }

        [Fact]
        public void Certificates_and_CAs_load_from_files_and_memory_and_fail_clearly()
        {
            using var ctx = new TlsContext(TlsProtocol.Server);
            ctx.LoadCertChain(Certs.ServerCert, Certs.ServerEncryptedKey, Certs.KeyPassword);
            Assert.Throws<SslException>(() => ctx.LoadCertChain(Certs.ServerCert, Certs.ServerEncryptedKey, "wrong password"));
            var missing = Assert.Throws<PolysockException>(() => ctx.LoadCertChain(Path.Combine(Certs.Dir, "missing.pem")));
            Assert.Equal(Net.ENOENT, missing.Errno);
            var bad = Assert.Throws<SslException>(() => ctx.LoadCertChain(Certs.ServerCert, Certs.ClientKey)); // key does not match
            Assert.NotNull(bad.Reason);
            Assert.Throws<ArgumentNullException>(() => ctx.LoadCertChain(null!));

            using var client = new TlsContext(TlsProtocol.Client);
            client.LoadVerifyLocations(caFile: Certs.CaFile);
            client.LoadVerifyLocations(null, null, File.ReadAllBytes(Certs.OtherCaFile)); // PEM text as bytes
            byte[] der = X509Certificate2.CreateFromPem(File.ReadAllText(Certs.CaFile)).RawData;
            client.LoadVerifyLocations(null, null, der.AsSpan());                     // DER
            Assert.Throws<ArgumentException>(() => client.LoadVerifyLocations());       // all absent
            Assert.Throws<SslException>(() => client.LoadVerifyLocations(null, null, "not a certificate"u8.ToArray()));
        }

        [Fact]
        public void ALPN_names_are_checked_joined_and_agreed()
        {
            using var ctx = new TlsContext(TlsProtocol.Client);
            Assert.Throws<ArgumentException>(() => ctx.SetAlpnProtocols("h2", ""));
            Assert.Throws<ArgumentException>(() => ctx.SetAlpnProtocols("a,b"));
            Assert.Throws<ArgumentException>(() => ctx.SetAlpnProtocols(new string('x', 256)));
            Assert.Throws<ArgumentNullException>(() => ctx.SetAlpnProtocols(null!));
            ctx.SetAlpnProtocols(new string('x', 255));
            ctx.SetAlpnProtocols();

            using TlsContext server = Certs.ServerContext("h2,http/1.1");
            using TlsContext client = Certs.ClientContext();
            client.SetAlpnProtocols("spdy/1", "http/1.1");
            (Socket a, Socket b) = TlsPairs.Wrap(client, server);
            using (a)
            using (b)
            {
                Assert.Equal("http/1.1", a.SelectedAlpnProtocol);
                Assert.Equal("http/1.1", b.SelectedAlpnProtocol);
            }
            using TlsContext plain = Certs.ClientContext();
            (Socket c, Socket d) = TlsPairs.Wrap(plain, server);
            using (c)
            using (d)
            {
                Assert.Null(c.SelectedAlpnProtocol);
                Assert.Null(d.SelectedAlpnProtocol);
            }
        }

        [Fact]
        public async Task Ten_MiB_each_way_between_polysock_sockets_with_bytes_checked()
        {
            using TlsContext server = Certs.ServerContext();
            using TlsContext client = Certs.ClientContext();
            (Socket a, Socket b) = TlsPairs.Wrap(client, server);
            using (a)
            using (b)
            {
                Assert.True(a.IsTls);
                Assert.True(b.IsTls);
                Assert.False(a.ServerSide);
                Assert.True(b.ServerSide);
                byte[] data = Support.Pattern(10 << 20, 3);
                foreach ((Socket from, Socket to) in new[] { (a, b), (b, a) })
                {
                    Task sending = Task.Run(() => from.SendAll(data));
                    var got = new byte[data.Length];
                    Support.RecvExactly(to, got);
                    await sending.WaitAsync(TimeSpan.FromSeconds(30));
                    Assert.Equal(SHA256.HashData(data), SHA256.HashData(got));
                }
                // send returns how many bytes went (whole records), recv what it has.
                int sent = a.Send(data.AsSpan(0, 100_000));
                Assert.InRange(sent, 1, 100_000);
                var part = new byte[sent];
                Support.RecvExactly(b, part);
                Assert.Equal(data.AsSpan(0, sent).ToArray(), part);
            }
        }

        [Theory]
        [InlineData(TlsVersion.Tls12, "TLSv1.2")]
        [InlineData(TlsVersion.Tls13, "TLSv1.3")]
        public void A_forced_version_is_the_one_agreed(TlsVersion version, string name)
        {
            using TlsContext server = Certs.ServerContext();
            using TlsContext client = Certs.ClientContext();
            client.MinimumVersion = version;
            client.MaximumVersion = version;
            (Socket a, Socket b) = TlsPairs.Wrap(client, server);
            using (a)
            using (b)
            {
                Assert.Equal(name, a.TlsVersion);
                Assert.Equal(name, b.TlsVersion);
                TlsCipher cipher = a.Cipher!;
                Assert.Equal(name, cipher.Protocol);
                Assert.Equal(cipher, b.Cipher);
                Assert.True(cipher.SecretBits >= 128, cipher.ToString());
                Assert.Equal(version == TlsVersion.Tls13, cipher.Name.StartsWith("TLS_", StringComparison.Ordinal));
                a.SendAll("ping"u8);
                Assert.Equal("ping"u8.ToArray(), b.Recv(10));
            }
            // A server that only speaks TLS 1.3 refuses a TLS 1.2 client.
            using TlsContext only13 = Certs.ServerContext();
            only13.MinimumVersion = TlsVersion.Tls13;
            using TlsContext only12 = Certs.ClientContext();
            only12.MaximumVersion = TlsVersion.Tls12;
            Assert.ThrowsAny<SslException>(() => TlsPairs.Wrap(only12, only13));
        }

        [Fact]
        public void Version_and_cipher_are_null_before_the_handshake()
        {
            using TlsContext client = Certs.ClientContext();
            (Socket c, Socket s) = Support.TcpPair();
            using (s)
            {
                c.SetTimeout(5.0);
                using Socket tls = client.WrapSocket(c, serverHostname: "localhost", doHandshakeOnConnect: false);
                Assert.True(tls.IsTls);
                Assert.Null(tls.TlsVersion);
                Assert.Null(tls.Cipher);
                Assert.Null(tls.SelectedAlpnProtocol);
                Assert.Equal(0, tls.TlsPending);
                Assert.Throws<ArgumentException>(() => tls.GetPeerCert()); // "handshake not done yet"
            }
        }

        [Fact]
        public void GetPeerCert_gives_Pythons_fields_the_DER_and_an_X509Certificate2()
        {
            string python = Support.Python(
                "import ssl, sys; d = ssl._ssl._test_decode_cert(sys.argv[1]); " +
                "print(repr(d['subject'])); print(repr(d['issuer'])); print(d['version']); print(d['serialNumber']); " +
                "print(d['notBefore']); print(d['notAfter']); print(repr(d['subjectAltName']))",
                Certs.ServerCert);
            string[] expected = python.Split('\n');

            using TlsContext server = Certs.ServerContext();
            using TlsContext client = Certs.ClientContext();
            (Socket a, Socket b) = TlsPairs.Wrap(client, server);
            using (a)
            using (b)
            {
                PeerCertificate cert = a.GetPeerCert()!;
                Assert.True(cert.Validated);
                Assert.Equal(new[] { new[] { Kv("commonName", "localhost") } }, cert.Subject.Select(r => r.ToArray()).ToArray());
                Assert.Equal(new[] { new[] { Kv("commonName", "polysock ca") } }, cert.Issuer.Select(r => r.ToArray()).ToArray());
                Assert.Equal(new[] { ("DNS", "localhost"), ("IP Address", "127.0.0.1") }, cert.SubjectAltName.ToArray());
                Assert.Equal("((('commonName', 'localhost'),),)", expected[0]);
                Assert.Equal(int.Parse(expected[2], System.Globalization.CultureInfo.InvariantCulture), cert.Version);
                Assert.Equal(expected[3], cert.SerialNumber);
                Assert.Equal(expected[4], cert.NotBefore);
                Assert.Equal(expected[5], cert.NotAfter);
                Assert.Equal("(('DNS', 'localhost'), ('IP Address', '127.0.0.1'))", expected[6]);
                Assert.Equal("localhost", cert.SubjectCommonName);
                Assert.Equal(File.ReadAllBytes(Certs.ServerDer), cert.Der);

                using X509Certificate2 x509 = cert.ToX509Certificate2();
                Assert.Equal("CN=localhost", x509.Subject);
                Assert.Equal("CN=polysock ca", x509.Issuer);
                Assert.Equal(x509.NotAfter.ToUniversalTime(), cert.NotAfterUtc);
                Assert.Equal(x509.NotBefore.ToUniversalTime(), cert.NotBeforeUtc);
                Assert.Equal(DateTimeKind.Utc, cert.NotAfterUtc.Kind);
                Assert.Equal(x509.SerialNumber, cert.SerialNumber.PadLeft(x509.SerialNumber.Length, '0'));
                Assert.Equal(Support.Python("import ssl, sys; print(repr(ssl._ssl._test_decode_cert(sys.argv[1])))", Certs.ServerCert), cert.ToString());

                // The server did not ask for a client certificate.
                Assert.Null(b.GetPeerCert());
            }
        }

        [Fact]
        public void A_server_that_requires_a_client_certificate_sees_its_multi_valued_RDN()
        {
            using TlsContext server = Certs.ServerContext();
            server.VerifyMode = TlsVerifyMode.CertRequired;
            server.LoadVerifyLocations(Certs.CaFile);
            using TlsContext client = Certs.ClientContext();
            client.LoadCertChain(Certs.ClientCert, Certs.ClientKey);
            (Socket a, Socket b) = TlsPairs.Wrap(client, server);
            using (a)
            using (b)
            {
                PeerCertificate cert = b.GetPeerCert()!;
                Assert.True(cert.Validated);
                Assert.Equal(3, cert.Subject.Count);
                Assert.Equal(new[] { Kv("countryName", "DE") }, cert.Subject[0]);
                Assert.Equal(2, cert.Subject[1].Count); // organizationName + organizationalUnitName, in the certificate's order
                Assert.Contains(Kv("organizationName", "polysock"), cert.Subject[1]);
                Assert.Contains(Kv("organizationalUnitName", "tests"), cert.Subject[1]);
                Assert.Equal(new[] { Kv("commonName", "polysock client") }, cert.Subject[2]);
                Assert.Empty(cert.SubjectAltName);
                // The whole getpeercert() dict reads as Python's, RDN order included.
                Assert.Equal(Support.Python("import ssl, sys; print(repr(ssl._ssl._test_decode_cert(sys.argv[1])))", Certs.ClientCert), cert.ToString());
            }

            // Without a client certificate the handshake fails on both ends.
            using TlsContext anonymous = Certs.ClientContext();
            anonymous.MaximumVersion = TlsVersion.Tls12; // TLS 1.2: the client learns it in its handshake
            Assert.ThrowsAny<SslException>(() => TlsPairs.Wrap(anonymous, server));
        }

        [Fact]
        public void An_unvalidated_certificate_is_Pythons_empty_dict_with_its_DER()
        {
            using TlsContext server = Certs.ServerContext();
            using var client = new TlsContext(TlsProtocol.Client) { CheckHostname = false };
            client.VerifyMode = TlsVerifyMode.CertNone;
            (Socket a, Socket b) = TlsPairs.Wrap(client, server, hostname: null);
            using (a)
            using (b)
            {
                PeerCertificate cert = a.GetPeerCert()!;
                Assert.False(cert.Validated);
                Assert.Equal("{}", cert.ToString());
                Assert.Equal(File.ReadAllBytes(Certs.ServerDer), cert.Der);
            }
        }

        [Fact]
        public void A_wrong_hostname_is_refused_with_verify_code_62()
        {
            using TlsContext server = Certs.ServerContext();
            using TlsContext client = Certs.ClientContext();
            var e = Assert.Throws<SslCertVerificationException>(() => TlsPairs.Wrap(client, server, "wrong.example"));
            Assert.Equal(62, e.VerifyCode);
            Assert.Equal("Hostname mismatch, certificate is not valid for 'wrong.example'.", e.VerifyMessage);
            Assert.Equal("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for 'wrong.example'.", e.Message);
            Assert.Equal("SSL", e.Library);
            Assert.Equal("CERTIFICATE_VERIFY_FAILED", e.Reason);
            Assert.Equal(TlsErrorKind.Ssl, e.Kind);
            Assert.Equal(1, e.Errno);
            Assert.IsAssignableFrom<PolysockException>(e);
            Assert.IsAssignableFrom<IOException>(e);

            // A hostname is required while check_hostname is on.
            Assert.Throws<ArgumentException>(() => TlsPairs.Wrap(client, server, hostname: null));
        }

        [Fact]
        public void An_untrusted_CA_is_refused_with_verify_code_20()
        {
            using var server = new TlsContext(TlsProtocol.Server);
            server.LoadCertChain(Certs.OtherServerCert, Certs.OtherServerKey);
            using TlsContext client = Certs.ClientContext();
            var e = Assert.Throws<SslCertVerificationException>(() => TlsPairs.Wrap(client, server));
            Assert.Equal(20, e.VerifyCode);
            Assert.Equal("unable to get local issuer certificate", e.VerifyMessage);
            Assert.Equal("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate", e.Message);
        }

        [Fact]
        public async Task The_wrapped_socket_is_detached_and_behaves_as_closed()
        {
            using TlsContext server = Certs.ServerContext();
            using TlsContext client = Certs.ClientContext();
            (Socket c, Socket s) = Support.TcpPair();
            c.SetTimeout(20.0);
            s.SetTimeout(20.0);
            int fd = c.Fileno();
            Task<Socket> serving = Task.Run(() => server.WrapSocket(s, serverSide: true));
            using Socket tls = client.WrapSocket(c, serverHostname: "localhost");
            using Socket peer = await serving.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(fd, tls.Fileno());
            Assert.Equal(20.0, tls.GetTimeout());
            Assert.Equal(Net.AF_INET, tls.Family);
            Assert.Equal(Net.SOCK_STREAM, tls.Type);
            Assert.True(c.Handle.IsClosed);
            var e = Assert.Throws<PolysockException>(() => c.SendAll("x"u8));
            Assert.Equal(Net.EBADF, e.Errno);
            Assert.Throws<PolysockException>(() => s.Recv(1));
            Assert.Equal(-1, c.Detach());
            c.Dispose();
            s.Dispose();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            // The descriptor still belongs to the TLS socket.
            tls.SendAll("still here"u8);
            Assert.Equal("still here"u8.ToArray(), peer.Recv(100));
            Assert.Equal(tls.GetPeerName(), peer.GetSockName());

            // Wrapping a closed socket fails with EBADF.
            var closed = Assert.Throws<PolysockException>(() => client.WrapSocket(c, serverHostname: "localhost"));
            Assert.Equal(Net.EBADF, closed.Errno);
        }

        [Fact]
        public void A_failed_handshake_closes_the_socket_as_Python()
        {
            using TlsContext client = Certs.ClientContext();
            (Socket c, Socket s) = Support.TcpPair();
            using (s)
            {
                c.SetTimeout(20.0);
                s.SendAll("this is not TLS\r\n\r\n"u8);
                s.Shutdown(Net.SHUT_WR);
                Assert.ThrowsAny<SslException>(() => client.WrapSocket(c, serverHostname: "localhost"));
                Assert.True(c.Handle.IsClosed);
                Assert.Equal(-1, c.Fileno());
                Assert.Equal(Net.EBADF, Assert.Throws<PolysockException>(() => c.Send("x"u8)).Errno);
            }
        }

        [Fact]
        public void TLS_sockets_refuse_what_Python_refuses()
        {
            using TlsContext server = Certs.ServerContext();
            using TlsContext client = Certs.ClientContext();
            (Socket a, Socket b) = TlsPairs.Wrap(client, server);
            using (a)
            using (b)
            {
                var e = Assert.Throws<ArgumentException>(() => a.Recv(10, Net.MSG_PEEK));
                Assert.Contains("non-zero flags not allowed", e.Message, StringComparison.Ordinal);
                Assert.Throws<ArgumentException>(() => a.Send("x"u8, Net.MSG_OOB));
                Assert.Throws<ArgumentException>(() => a.Dup());
                Assert.Throws<ArgumentException>(() => a.SendTo("x"u8, "127.0.0.1", 9));
                Assert.Throws<ArgumentException>(() => a.SendMsg(new ReadOnlyMemory<byte>[] { "x"u8.ToArray() }));
                Assert.Throws<ArgumentException>(() => a.RecvMsg(10));
                a.SendAll("still fine"u8);
                Assert.Equal("still fine"u8.ToArray(), b.Recv(100));
            }
            // A plain socket has no TLS methods.
            (Socket p, Socket q) = Support.TcpPair();
            using (p)
            using (q)
            {
                Assert.False(p.IsTls);
                Assert.Null(p.TlsVersion);
                Assert.Null(p.Cipher);
                Assert.Equal(0, p.TlsPending);
                Assert.Throws<ArgumentException>(() => p.GetPeerCert());
                Assert.Throws<ArgumentException>(() => p.DoHandshake());
                Assert.Throws<ArgumentException>(() => p.Unwrap());
            }
        }

        [Fact]
        public void A_read_timeout_is_a_TimeoutException_with_Pythons_message()
        {
            using TlsContext server = Certs.ServerContext();
            using TlsContext client = Certs.ClientContext();
            (Socket a, Socket b) = TlsPairs.Wrap(client, server);
            using (a)
            using (b)
            {
                a.SetTimeout(0.2);
                var e = Assert.Throws<SocketTimeoutException>(() => a.Recv(10));
                Assert.Equal("The read operation timed out", e.Message);
                Assert.IsAssignableFrom<TimeoutException>(e);
                b.SendAll("late"u8);
                Assert.Equal("late"u8.ToArray(), a.Recv(10));
            }
        }

        [Fact]
        public async Task The_end_of_the_stream_is_0_bytes_or_with_suppressRaggedEofs_false_an_SslEofException()
        {
            using TlsContext server = Certs.ServerContext();
            using TlsContext client = Certs.ClientContext();
            // close_notify (unwrap) then close: 0 bytes.
            (Socket a, Socket b) = TlsPairs.Wrap(client, server);
            using (a)
            {
                Task closing = Task.Run(() =>
                {
                    b.Unwrap();
                    b.Dispose();
                });
                Assert.Empty(a.Recv(10));
                a.Unwrap();
                await closing.WaitAsync(TimeSpan.FromSeconds(20));
            }
            // A close without close_notify: 0 bytes by default (suppress_ragged_eofs=True) ...
            (a, b) = TlsPairs.Wrap(client, server);
            using (a)
            {
                b.Dispose();
                Assert.Empty(a.Recv(10));
            }
            // ... and SSLEOFError with suppress_ragged_eofs=False.
            (Socket c, Socket s) = Support.TcpPair();
            c.SetTimeout(20.0);
            s.SetTimeout(20.0);
            Task<Socket> serving = Task.Run(() => server.WrapSocket(s, serverSide: true));
            using Socket strict = client.WrapSocket(c, serverHostname: "localhost", suppressRaggedEofs: false);
            (await serving.WaitAsync(TimeSpan.FromSeconds(20))).Dispose();
            var e = Assert.Throws<SslEofException>(() => strict.Recv(10));
            Assert.Equal(TlsErrorKind.Eof, e.Kind);
            Assert.Equal("[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol", e.Message);
        }

        [Fact]
        public async Task Unwrap_both_ways_leaves_the_same_sockets_carrying_plain_bytes()
        {
            using TlsContext server = Certs.ServerContext();
            using TlsContext client = Certs.ClientContext();
            (Socket a, Socket b) = TlsPairs.Wrap(client, server);
            using (a)
            using (b)
            {
                a.SendAll("secret"u8);
                Assert.Equal("secret"u8.ToArray(), b.Recv(100));
                // The server sends plain bytes right after its close_notify: none is lost.
                Task serverSide = Task.Run(() =>
                {
                    b.Unwrap();
                    b.SendAll("plain from server"u8);
                });
                a.Unwrap();
                await serverSide.WaitAsync(TimeSpan.FromSeconds(20));
                Assert.False(a.IsTls);
                Assert.False(b.IsTls);
                Assert.Null(a.TlsVersion); // as Python's SSLSocket after unwrap
                Assert.Null(a.Cipher);
                Assert.Null(a.SelectedAlpnProtocol);
                Assert.Equal(0, a.TlsPending);
                var got = new byte[17];
                Support.RecvExactly(a, got);
                Assert.Equal("plain from server", Encoding.ASCII.GetString(got));
                a.SendAll("plain from client"u8);
                Support.RecvExactly(b, got);
                Assert.Equal("plain from client", Encoding.ASCII.GetString(got));
                a.SendAll("x"u8, Net.MSG_NOSIGNAL); // flags are a plain socket's again
                Assert.Equal("x"u8.ToArray(), b.Recv(1, Net.MSG_PEEK));
                Assert.Throws<ArgumentException>(() => a.DoHandshake());
            }
        }

        /// <summary>One non-blocking step: true when done, else the events it waits for.</summary>
        private static bool Step(Action step, out PollEvents want)
        {
            want = PollEvents.None;
            try
            {
                step();
                return true;
            }
            catch (SslWantReadException)
            {
                want = PollEvents.Read;
            }
            catch (SslWantWriteException)
            {
                want = PollEvents.Write;
            }
            return false;
        }

        [Fact]
        public void A_non_blocking_handshake_and_exchange_driven_by_the_Poller()
        {
            using TlsContext server = Certs.ServerContext();
            using TlsContext client = Certs.ClientContext();
            (Socket c, Socket s) = Support.TcpPair();
            c.SetBlocking(false);
            s.SetBlocking(false);
            // A non-blocking socket needs doHandshakeOnConnect: false, as Python.
            using (Socket dup = c.Dup())
            {
                Assert.Throws<ArgumentException>(() => client.WrapSocket(dup, serverHostname: "localhost"));
                Assert.False(dup.Handle.IsClosed);
            }
            using Socket a = client.WrapSocket(c, serverHostname: "localhost", doHandshakeOnConnect: false);
            using Socket b = server.WrapSocket(s, serverSide: true, doHandshakeOnConnect: false);
            using var poller = new Poller();
            poller.Register(a, PollEvents.Write, "client");
            poller.Register(b, PollEvents.Read, "server");
            var done = new HashSet<Socket>();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            int rounds = 0;
            while (done.Count < 2)
            {
                Assert.True(DateTime.UtcNow < deadline, "handshake did not finish in 20 s");
                foreach (Socket sock in new[] { a, b }.Where(x => !done.Contains(x)))
                {
                    if (Step(sock.DoHandshake, out PollEvents want))
                    {
                        done.Add(sock);
                        poller.Unregister(sock);
                    }
                    else
                    {
                        poller.Modify(sock, want, sock == a ? "client" : "server");
                    }
                }
                if (done.Count < 2)
                {
                    poller.Select(1.0);
                    rounds++;
                }
            }
            Assert.True(rounds > 0);
            Assert.NotNull(a.TlsVersion);
            Assert.Equal(a.Cipher, b.Cipher);

            // Would-block on a TLS socket is SSLWantReadError, not BlockingIOError.
            var e = Assert.Throws<SslWantReadException>(() => b.Recv(10));
            Assert.Equal("The operation did not complete (read)", e.Message);
            Assert.Equal((int)TlsErrorKind.WantRead, e.Errno);

            // The poller reports a TLS socket readable while OpenSSL holds decrypted bytes.
            a.SendAll(Support.Pattern(1000));
            poller.Register(b, PollEvents.Read);
            Assert.NotEmpty(poller.Select(10.0));
            byte[] first = ReceiveNonBlocking(b, poller, 10);
            Assert.Equal(Support.Pattern(1000).AsSpan(0, 10).ToArray(), first);
            Assert.True(b.TlsPending > 0, "the rest of the record stays in OpenSSL");
            IReadOnlyList<PollerEvent> ready = poller.Select(0.0);
            Assert.Single(ready);
            Assert.True((ready[0].Events & PollEvents.Read) != 0);
            Assert.Equal(990, b.TlsPending);
            Assert.Equal(990, b.Recv(2000).Length);
            Assert.Empty(poller.Select(0.0));
        }

        private static byte[] ReceiveNonBlocking(Socket s, Poller poller, int n)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                Assert.True(DateTime.UtcNow < deadline, "no data in 10 s");
                byte[]? got = null;
                if (Step(() => got = s.Recv(n), out PollEvents want))
                {
                    return got!;
                }
                poller.Modify(s, want);
                poller.Select(1.0);
            }
        }

        [Fact]
        public void TlsObject_pair_handshakes_and_talks_in_memory()
        {
            using TlsContext serverCtx = Certs.ServerContext("h2");
            using TlsContext clientCtx = Certs.ClientContext();
            clientCtx.SetAlpnProtocols("h2");
            using TlsObject client = clientCtx.WrapBio(serverSide: false, serverHostname: "localhost");
            using TlsObject server = serverCtx.WrapBio(serverSide: true);
            Assert.False(client.ServerSide);
            Assert.True(server.ServerSide);
            Assert.Equal("localhost", client.ServerHostname);
            Assert.Null(client.Version);
            Assert.Null(client.Cipher);

            bool clientDone = false, serverDone = false;
            for (int i = 0; i < 20 && !(clientDone && serverDone); i++)
            {
                clientDone = clientDone || Step(client.DoHandshake, out _);
                Move(client, server);
                serverDone = serverDone || Step(server.DoHandshake, out _);
                Move(server, client);
            }
            Assert.True(clientDone && serverDone, "the in-memory handshake did not finish in 20 rounds");
            Assert.Equal(client.Version, server.Version);
            Assert.NotNull(client.Version);
            Assert.Equal(client.Cipher, server.Cipher);
            Assert.Equal("h2", client.SelectedAlpnProtocol);
            Assert.Equal("h2", server.SelectedAlpnProtocol);
            PeerCertificate cert = client.GetPeerCert()!;
            Assert.Equal("localhost", cert.SubjectCommonName);
            Assert.Null(server.GetPeerCert());

            // Nothing fed: reading wants more.
            Assert.Throws<SslWantReadException>(() => client.Read(10));
            byte[] data = Support.Pattern(100_000, 9);
            Assert.Equal(data.Length, client.Write(data));
            Assert.True(client.OutgoingPending > data.Length);
            Move(client, server);
            Assert.Equal(0, client.OutgoingPending);
            var got = new MemoryStream();
            var buffer = new byte[16384];
            for (int i = 0; i < 1000 && got.Length < data.Length; i++)
            {
                int n = server.Read(buffer);
                Assert.True(n > 0);
                got.Write(buffer, 0, n);
            }
            Assert.Equal(data, got.ToArray());
            Assert.Equal(0, server.Pending);
            Assert.Throws<SslWantReadException>(() => server.Read(buffer));

            // Unwrap: close_notify both ways.
            Assert.Throws<SslWantReadException>(client.Unwrap);
            Move(client, server);
            Assert.Empty(server.Read(10)); // the peer's close_notify: 0 bytes
            server.Unwrap();
            Move(server, client);
            client.Unwrap();
        }

        [Fact]
        public void A_TlsObject_fed_an_EOF_without_close_notify_raises_Pythons_SSLEOFError()
        {
            using TlsContext serverCtx = Certs.ServerContext();
            using TlsContext clientCtx = Certs.ClientContext();
            using TlsObject client = clientCtx.WrapBio(serverHostname: "localhost");
            using TlsObject server = serverCtx.WrapBio(serverSide: true);
            bool clientDone = false, serverDone = false;
            for (int i = 0; i < 20 && !(clientDone && serverDone); i++)
            {
                clientDone = clientDone || Step(client.DoHandshake, out _);
                Move(client, server);
                serverDone = serverDone || Step(server.DoHandshake, out _);
                Move(server, client);
            }
            Assert.True(clientDone && serverDone);
            server.FeedEof();
            var e = Assert.Throws<SslEofException>(() => server.Read(10));
            Assert.Equal("[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol", e.Message);
        }

        private static void Move(TlsObject from, TlsObject to)
        {
            byte[] bytes = from.Drain();
            if (bytes.Length > 0)
            {
                to.Feed(bytes);
            }
        }

        [Fact]
        public void Disposed_contexts_and_objects_fail_with_EBADF_and_what_they_made_keeps_working()
        {
            TlsContext server = Certs.ServerContext();
            TlsContext client = Certs.ClientContext();
            TlsObject obj = client.WrapBio(serverHostname: "localhost");
            (Socket a, Socket b) = TlsPairs.Wrap(client, server);
            server.Dispose();
            client.Dispose();
            client.Dispose(); // twice is fine
            using (a)
            using (b)
            {
                a.SendAll("after the contexts"u8);
                Assert.Equal("after the contexts"u8.ToArray(), b.Recv(100));
            }
            Assert.Equal(Net.EBADF, Assert.Throws<PolysockException>(() => client.VerifyMode).Errno);
            Assert.Equal(Net.EBADF, Assert.Throws<PolysockException>(() => client.WrapBio()).Errno);
            (Socket c, Socket d) = Support.TcpPair();
            using (d)
            {
                Assert.Equal(Net.EBADF, Assert.Throws<PolysockException>(() => client.WrapSocket(c, serverHostname: "localhost")).Errno);
                Assert.False(c.Handle.IsClosed); // unchanged
                c.Dispose();
            }
            Assert.Throws<ArgumentNullException>(() => server.WrapSocket(null!));
            Assert.Throws<ArgumentNullException>(() => server.SetCiphers(null!));

            Assert.Throws<SslWantReadException>(obj.DoHandshake); // the ClientHello waits in the outgoing buffer
            Assert.True(obj.OutgoingPending > 0);
            obj.Dispose();
            obj.Dispose();
            Assert.Equal(Net.EBADF, Assert.Throws<PolysockException>(() => obj.Feed("x"u8)).Errno);
            Assert.Equal(Net.EBADF, Assert.Throws<PolysockException>(() => obj.Read(10)).Errno);
            Assert.Throws<ArgumentException>(() => obj.Read(-1));
        }

        [Fact]
        public void SSL_failures_map_to_Pythons_classes()
        {
            Assert.IsType<SslWantReadException>(Errors.Make(-9, 2, "The operation did not complete (read)"));
            Assert.IsType<SslWantWriteException>(Errors.Make(-9, 3, "The operation did not complete (write)"));
            Assert.IsType<SslSyscallException>(Errors.Make(-9, 5, "Some I/O error occurred"));
            Assert.IsType<SslZeroReturnException>(Errors.Make(-9, 6, "TLS/SSL connection has been closed (EOF)"));
            Assert.IsType<SslEofException>(Errors.Make(-9, 8, "EOF occurred in violation of protocol"));
            var ssl = Assert.IsType<SslException>(Errors.Make(-9, 1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"));
            Assert.Equal(TlsErrorKind.Ssl, ssl.Kind);
            Assert.IsAssignableFrom<PolysockException>(ssl);
            var notConfigured = Assert.IsType<PlatformNotSupportedException>(Errors.Make(-10, 0, "TLS support is not configured"));
            Assert.Equal("TLS support is not configured", notConfigured.Message);
        }
    }
}
