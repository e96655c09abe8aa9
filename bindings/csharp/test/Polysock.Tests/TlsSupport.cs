using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>
    /// The test certificates, made once per test process by the openssl command in a
    /// temporary directory (removed at exit): a CA, a server certificate for
    /// CN=localhost with subjectAltName DNS:localhost, IP:127.0.0.1 signed by it, a
    /// client certificate with a multi-valued RDN signed by it, and a second CA that
    /// nothing trusts with a server certificate of its own.
    /// </summary>
    internal static class Certs
    {
        private static readonly Lazy<string> s_dir = new(Make, LazyThreadSafetyMode.ExecutionAndPublication);

        internal static string Dir => s_dir.Value;

        internal static string CaFile => Path.Combine(Dir, "ca.pem");
        internal static string ServerCert => Path.Combine(Dir, "server.pem");
        internal static string ServerKey => Path.Combine(Dir, "server.key");
        internal static string ServerEncryptedKey => Path.Combine(Dir, "server-enc.key");
        internal static string ServerDer => Path.Combine(Dir, "server.der");
        internal static string ClientCert => Path.Combine(Dir, "client.pem");
        internal static string ClientKey => Path.Combine(Dir, "client.key");
        internal static string OtherCaFile => Path.Combine(Dir, "other-ca.pem");
        internal static string OtherServerCert => Path.Combine(Dir, "other-server.pem");
        internal static string OtherServerKey => Path.Combine(Dir, "other-server.key");
        internal const string KeyPassword = "polysock-secret";

        private static string Make()
        {
            string dir = Directory.CreateTempSubdirectory("polysock-tls-").FullName;
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                try
                {
                    Directory.Delete(dir, true);
                }
                catch (IOException)
                {
                }
            };
            const string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
            File.WriteAllText(Path.Combine(dir, "server.ext"),
                "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n");
            File.WriteAllText(Path.Combine(dir, "client.ext"),
                "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n");
            foreach (string ca in new[] { "ca", "other-ca" })
            {
                OpenSsl(dir, $"req -x509 {ec} -keyout {ca}.key -out {ca}.pem -days 2 -subj \"/CN=polysock {ca}\" " +
                    "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign");
            }
            OpenSsl(dir, $"req {ec} -keyout server.key -out server.csr -subj /CN=localhost");
            OpenSsl(dir, "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -out server.pem -days 2 -extfile server.ext");
            OpenSsl(dir, $"req {ec} -keyout other-server.key -out other-server.csr -subj /CN=localhost");
            OpenSsl(dir, "x509 -req -in other-server.csr -CA other-ca.pem -CAkey other-ca.key -out other-server.pem -days 2 -extfile server.ext");
            OpenSsl(dir, $"req {ec} -keyout client.key -out client.csr -multivalue-rdn -subj \"/C=DE/O=polysock+OU=tests/CN=polysock client\"");
            OpenSsl(dir, "x509 -req -in client.csr -CA ca.pem -CAkey ca.key -out client.pem -days 2 -extfile client.ext");
            OpenSsl(dir, $"pkey -in server.key -aes256 -passout pass:{KeyPassword} -out server-enc.key");
            OpenSsl(dir, "x509 -in server.pem -outform DER -out server.der");
            return dir;
        }

        private static void OpenSsl(string dir, string arguments)
        {
            var info = new ProcessStartInfo("openssl", arguments)
            {
                WorkingDirectory = dir,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using Process p = Process.Start(info)!;
            Task<string> stderr = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            Assert.True(p.WaitForExit(30_000), "openssl " + arguments + " did not finish");
            Assert.True(p.ExitCode == 0, "openssl " + arguments + " failed: " + stderr.Result);
        }

        /// <summary>A server context with the server certificate (PROTOCOL_TLS_SERVER).</summary>
        internal static TlsContext ServerContext(string? alpn = null)
        {
            var ctx = new TlsContext(TlsProtocol.Server);
            ctx.LoadCertChain(ServerCert, ServerKey);
            if (alpn != null)
            {
                ctx.SetAlpnProtocols(alpn.Split(','));
            }
            return ctx;
        }

        /// <summary>A client context that trusts the test CA (PROTOCOL_TLS_CLIENT: hostname checked).</summary>
        internal static TlsContext ClientContext()
        {
            var ctx = new TlsContext(TlsProtocol.Client);
            ctx.LoadVerifyLocations(CaFile);
            return ctx;
        }
    }

    /// <summary>Loopback TLS pairs and peers polysock did not write.</summary>
    internal static class TlsPairs
    {
        /// <summary>
        /// A connected TCP pair with a 20 s timeout on both ends (every wait is bounded),
        /// wrapped: the server handshakes in a thread while the client handshakes here.
        /// </summary>
        internal static (Socket Client, Socket Server) Wrap(TlsContext client, TlsContext server, string? hostname = "localhost")
        {
            (Socket c, Socket s) = Support.TcpPair();
            c.SetTimeout(20.0);
            s.SetTimeout(20.0);
            Task<Socket> serving = Task.Run(() => server.WrapSocket(s, serverSide: true));
            Socket tlsClient;
            try
            {
                tlsClient = client.WrapSocket(c, serverHostname: hostname);
            }
            catch
            {
                // The client end failed: it may be unchanged (a bad argument) or closed.
                c.Dispose();
                s.Dispose();
                try
                {
                    serving.Wait(TimeSpan.FromSeconds(20));
                }
                catch (AggregateException)
                {
                    // the server's side of the failed handshake
                }
                throw;
            }
            try
            {
                Assert.True(((IAsyncResult)serving).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(20)), "server handshake did not finish");
                return (tlsClient, serving.GetAwaiter().GetResult());
            }
            catch
            {
                tlsClient.Dispose();
                throw;
            }
        }

        /// <summary>
        /// A port on 127.0.0.1 that was free a moment ago, for a server of python's: the
        /// test connects with <see cref="ConnectWhenListening"/> instead of reading the
        /// port from python's output (lines from a child's pipe can arrive seconds late
        /// under the test host).
        /// </summary>
        internal static int FreePort()
        {
            using Socket probe = Support.Listener(out int port);
            return port;
        }

        /// <summary>Connects to 127.0.0.1:port once something listens there (bounded: 15 s).</summary>
        internal static Socket ConnectWhenListening(int port, PythonProcess server)
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (true)
            {
                try
                {
                    return Net.CreateConnection("127.0.0.1", port, 20.0);
                }
                catch (ConnectionRefusedException) when (DateTime.UtcNow < deadline && !server.HasExited)
                {
                    Thread.Sleep(20);
                }
            }
        }

        /// <summary>A python3 process running script (with args), killed at the end; its stdout lines.</summary>
        internal sealed class PythonProcess : IDisposable
        {
            private readonly Process _process;
            private readonly BlockingCollection<string> _lines = new();
            private readonly Thread _reader;

            internal PythonProcess(string script, params string[] args)
            {
                var info = new ProcessStartInfo("python3")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                info.ArgumentList.Add("-c");
                info.ArgumentList.Add(script);
                foreach (string a in args)
                {
                    info.ArgumentList.Add(a);
                }
                _process = Process.Start(info)!;
                Stderr = _process.StandardError.ReadToEndAsync();
                // A thread of its own reads the lines: no thread-pool wait stands between
                // python's print and the test.
                _reader = new Thread(() =>
                {
                    while (_process.StandardOutput.ReadLine() is string line)
                    {
                        _lines.Add(line);
                    }
                    _lines.CompleteAdding();
                })
                { IsBackground = true };
                _reader.Start();
            }

            internal Task<string> Stderr { get; }

            internal bool HasExited => _process.HasExited;

            /// <summary>Waits for python's exit (bounded), checks it succeeded and returns what it printed.</summary>
            internal string[] Finish()
            {
                Assert.True(_process.WaitForExit(30_000), "python3 did not finish");
                Assert.True(_reader.Join(10_000), "python3's output did not end");
                Assert.True(_process.ExitCode == 0, "python3 failed: " + Stderr.Result);
                return _lines.ToArray();
            }

            public void Dispose()
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(10_000);
                }
                _process.Dispose();
                _lines.Dispose();
            }
        }
    }
}
