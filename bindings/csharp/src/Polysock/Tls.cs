using System;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Polysock.Native;

namespace Polysock
{
    /// <summary>Python's <c>ssl.Purpose</c>: what a default context is for.</summary>
    public enum TlsPurpose
    {
        /// <summary><c>Purpose.SERVER_AUTH</c>: a client's context, that verifies servers.</summary>
        ServerAuth = 1,
        /// <summary><c>Purpose.CLIENT_AUTH</c>: a server's context.</summary>
        ClientAuth = 2,
    }

    /// <summary>The protocol of <see cref="TlsContext(TlsProtocol)"/> (Python's <c>ssl.PROTOCOL_TLS_CLIENT</c> / <c>_SERVER</c>).</summary>
    public enum TlsProtocol
    {
        /// <summary><c>PROTOCOL_TLS_CLIENT</c>: check_hostname on, CERT_REQUIRED, no CA loaded.</summary>
        Client = 16,
        /// <summary><c>PROTOCOL_TLS_SERVER</c>: CERT_NONE, check_hostname off.</summary>
        Server = 17,
    }

    /// <summary>Python's <c>ssl.VerifyMode</c>.</summary>
    public enum TlsVerifyMode
    {
        /// <summary><c>CERT_NONE</c>: no certificate asked for (servers) or checked (clients).</summary>
        CertNone = 0,
        /// <summary><c>CERT_OPTIONAL</c>: verified if given.</summary>
        CertOptional = 1,
        /// <summary><c>CERT_REQUIRED</c>: required and verified.</summary>
        CertRequired = 2,
    }

    /// <summary>Python's <c>ssl.TLSVersion</c>: the wire values and two sentinels.</summary>
    public enum TlsVersion
    {
        /// <summary><c>MINIMUM_SUPPORTED</c>: the oldest version OpenSSL allows.</summary>
        MinimumSupported = -2,
        /// <summary><c>MAXIMUM_SUPPORTED</c>: the newest version OpenSSL allows.</summary>
        MaximumSupported = -1,
        /// <summary><c>SSLv3</c>.</summary>
        Ssl3 = 0x0300,
        /// <summary><c>TLSv1</c>.</summary>
        Tls1 = 0x0301,
        /// <summary><c>TLSv1_1</c>.</summary>
        Tls11 = 0x0302,
        /// <summary><c>TLSv1_2</c>.</summary>
        Tls12 = 0x0303,
        /// <summary><c>TLSv1_3</c>.</summary>
        Tls13 = 0x0304,
    }

    /// <summary>The kind of an <see cref="SslException"/> (Python's <c>SSLError.errno</c>, <c>ssl.SSL_ERROR_*</c>).</summary>
    public enum TlsErrorKind
    {
        /// <summary>Not a TLS failure.</summary>
        None = 0,
        /// <summary><c>SSL_ERROR_SSL</c>: a protocol or verification failure.</summary>
        Ssl = 1,
        /// <summary><c>SSL_ERROR_WANT_READ</c>: non-blocking, needs the peer's bytes first.</summary>
        WantRead = 2,
        /// <summary><c>SSL_ERROR_WANT_WRITE</c>: non-blocking, needs to send first.</summary>
        WantWrite = 3,
        /// <summary><c>SSL_ERROR_SYSCALL</c>.</summary>
        Syscall = 5,
        /// <summary><c>SSL_ERROR_ZERO_RETURN</c>: the peer sent close_notify.</summary>
        ZeroReturn = 6,
        /// <summary><c>SSL_ERROR_EOF</c>: the connection ended without close_notify.</summary>
        Eof = 8,
    }

    /// <summary>Python's <c>cipher()</c> tuple: (name, protocol, secret bits), e.g. ("TLS_AES_256_GCM_SHA384", "TLSv1.3", 256).</summary>
    public sealed record TlsCipher(string Name, string Protocol, int SecretBits)
    {
        internal static unsafe TlsCipher? FromRaw(in RawCipherInfo raw)
        {
            fixed (byte* name = raw.Name)
            fixed (byte* protocol = raw.Protocol)
            {
                string n = Text.Decode(name, 64);
                return n.Length == 0 ? null : new TlsCipher(n, Text.Decode(protocol, 16), raw.SecretBits);
            }
        }
    }

    /// <summary>Owns one polysock TLS context handle, closed once (Dispose or finaliser).</summary>
    public sealed class TlsContextHandle : SafeHandle
    {
        private int _closed;

        internal TlsContextHandle(ulong value) : base(IntPtr.Zero, ownsHandle: true)
        {
            SetHandle(new IntPtr(unchecked((long)value)));
            Value = value;
        }

        /// <summary>The C ABI's tls_context handle.</summary>
        public ulong Value { get; }

        /// <inheritdoc/>
        public override bool IsInvalid => handle == IntPtr.Zero;

        /// <inheritdoc/>
        protected override bool ReleaseHandle()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                PolysockNative.tls_context_close(Value);
            }
            return true;
        }
    }

    /// <summary>
    /// Python's <c>ssl.SSLContext</c>: the settings of TLS connections (certificates,
    /// verification, versions, ciphers, ALPN), and the factory of TLS sockets
    /// (<see cref="WrapSocket"/>) and in-memory TLS engines (<see cref="WrapBio"/>).
    /// Thread-safe. Sockets and objects made from a context keep what they need after it
    /// is disposed.
    /// </summary>
    public sealed class TlsContext : IDisposable
    {
        private readonly TlsContextHandle _handle;

        /// <summary>
        /// ssl.SSLContext(protocol): <see cref="TlsProtocol.Client"/> (check_hostname on,
        /// CERT_REQUIRED) or <see cref="TlsProtocol.Server"/> (CERT_NONE); no CA loaded.
        /// Without TLS in the native build: <see cref="PlatformNotSupportedException"/>.
        /// </summary>
        public TlsContext(TlsProtocol protocol)
        {
            Errors.Check(PolysockNative.tls_context_create((int)protocol, out ulong ctx));
            _handle = new TlsContextHandle(ctx);
        }

        private TlsContext(ulong ctx)
        {
            _handle = new TlsContextHandle(ctx);
        }

        /// <summary>
        /// ssl.create_default_context(purpose): TLS 1.2 or newer, Python's ciphers and
        /// options and the system CA store; for <see cref="TlsPurpose.ServerAuth"/> a
        /// client's context (check_hostname on, CERT_REQUIRED), for
        /// <see cref="TlsPurpose.ClientAuth"/> a server's (CERT_NONE).
        /// </summary>
        public static TlsContext CreateDefault(TlsPurpose purpose = TlsPurpose.ServerAuth)
        {
            Errors.Check(PolysockNative.tls_context_create_default((int)purpose, out ulong ctx));
            return new TlsContext(ctx);
        }

        /// <summary>True if the native library was built with TLS (POLYSOCK_TLS); otherwise every TLS call is a <see cref="PlatformNotSupportedException"/>.</summary>
        public static bool IsSupported => PolysockNative.tls_available() != 0;

        /// <summary>ssl.OPENSSL_VERSION, e.g. "OpenSSL 3.0.17 1 Jul 2025".</summary>
        public static string OpenSslVersion =>
            Net.ReadText((IntPtr b, nuint l, out nuint n) => PolysockNative.tls_openssl_version(b, l, out n));

        /// <summary>The SafeHandle that owns the native context.</summary>
        public TlsContextHandle Handle => _handle;

        internal ulong AddRef(out bool added)
        {
            added = false;
            if (!_handle.IsClosed)
            {
                try
                {
                    _handle.DangerousAddRef(ref added);
                }
                catch (ObjectDisposedException)
                {
                    // Closed meanwhile: the stale handle gives the C ABI's error.
                }
            }
            return _handle.Value;
        }

        internal void Release(bool added)
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }

        private void Call(Func<ulong, int> call)
        {
            ulong c = AddRef(out bool added);
            try
            {
                Errors.Check(call(c));
            }
            finally
            {
                Release(added);
            }
        }

        private int Get(Func<ulong, (int Status, int Value)> call)
        {
            ulong c = AddRef(out bool added);
            try
            {
                (int status, int value) = call(c);
                Errors.Check(status);
                return value;
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>
        /// load_cert_chain(certfile, keyfile, password): the certificate chain (PEM) and its
        /// private key (in certFile when keyFile is null), decrypted with password if given.
        /// A missing file is a <see cref="PolysockException"/> (ENOENT), a bad one an
        /// <see cref="SslException"/>.
        /// </summary>
        public void LoadCertChain(string certFile, string? keyFile = null, string? password = null)
        {
            ArgumentNullException.ThrowIfNull(certFile);
            Call(c => PolysockNative.tls_context_load_cert_chain(c, certFile, keyFile, password));
        }

        /// <summary>
        /// load_verify_locations(cafile, capath, cadata): trusted CA certificates from a PEM
        /// file, a hashed directory and/or caData (PEM text as bytes, or DER); not all absent.
        /// </summary>
        public void LoadVerifyLocations(string? caFile = null, string? caPath = null, byte[]? caData = null)
        {
            if (caData is null)
            {
                LoadVerifyLocations(caFile, caPath, ReadOnlySpan<byte>.Empty, hasData: false);
            }
            else
            {
                LoadVerifyLocations(caFile, caPath, caData, hasData: true);
            }
        }

        /// <summary>load_verify_locations with caData as a span (PEM text as bytes, or DER); empty means none.</summary>
        public void LoadVerifyLocations(string? caFile, string? caPath, ReadOnlySpan<byte> caData) =>
            LoadVerifyLocations(caFile, caPath, caData, hasData: !caData.IsEmpty);

        private unsafe void LoadVerifyLocations(string? caFile, string? caPath, ReadOnlySpan<byte> caData, bool hasData)
        {
            ulong c = AddRef(out bool added);
            try
            {
                fixed (byte* p = caData)
                {
                    IntPtr data = hasData ? Socket.Ptr(p) : IntPtr.Zero;
                    Errors.Check(PolysockNative.tls_context_load_verify_locations(c, caFile, caPath, data, (nuint)caData.Length));
                }
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>load_default_certs(purpose): the system CA store.</summary>
        public void LoadDefaultCerts(TlsPurpose purpose = TlsPurpose.ServerAuth) =>
            Call(c => PolysockNative.tls_context_load_default_certs(c, (int)purpose));

        /// <summary>
        /// verify_mode. As Python, <see cref="TlsVerifyMode.CertNone"/> while
        /// <see cref="CheckHostname"/> is on is an <see cref="ArgumentException"/>
        /// ("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.").
        /// </summary>
        public TlsVerifyMode VerifyMode
        {
            get => (TlsVerifyMode)Get(c => (PolysockNative.tls_context_get_verify_mode(c, out int v), v));
            set => Call(c => PolysockNative.tls_context_set_verify_mode(c, (int)value));
        }

        /// <summary>check_hostname; turning it on with CERT_NONE makes the mode CERT_REQUIRED, as Python.</summary>
        public bool CheckHostname
        {
            get => Get(c => (PolysockNative.tls_context_get_check_hostname(c, out int v), v)) != 0;
            set => Call(c => PolysockNative.tls_context_set_check_hostname(c, value ? 1 : 0));
        }

        /// <summary>minimum_version.</summary>
        public TlsVersion MinimumVersion
        {
            get => (TlsVersion)Get(c => (PolysockNative.tls_context_get_minimum_version(c, out int v), v));
            set => Call(c => PolysockNative.tls_context_set_minimum_version(c, (int)value));
        }

        /// <summary>maximum_version.</summary>
        public TlsVersion MaximumVersion
        {
            get => (TlsVersion)Get(c => (PolysockNative.tls_context_get_maximum_version(c, out int v), v));
            set => Call(c => PolysockNative.tls_context_set_maximum_version(c, (int)value));
        }

        /// <summary>set_ciphers(ciphers): an OpenSSL cipher list for TLS 1.2 and older ("No cipher can be selected." if none matches).</summary>
        public void SetCiphers(string ciphers)
        {
            ArgumentNullException.ThrowIfNull(ciphers);
            Call(c => PolysockNative.tls_context_set_ciphers(c, ciphers));
        }

        /// <summary>
        /// set_alpn_protocols(protocols): the ALPN names in order of preference, e.g.
        /// <c>"h2", "http/1.1"</c>; none clears. A name that is empty, longer than 255 bytes
        /// or holds a ',' is an <see cref="ArgumentException"/>.
        /// </summary>
        public void SetAlpnProtocols(params string[] protocols)
        {
            ArgumentNullException.ThrowIfNull(protocols);
            foreach (string protocol in protocols)
            {
                ArgumentNullException.ThrowIfNull(protocol, nameof(protocols));
                int length = Encoding.UTF8.GetByteCount(protocol);
                if (length == 0 || length > 255)
                {
                    throw new ArgumentException("ALPN protocols must be 1 to 255 in length", nameof(protocols));
                }
                if (protocol.Contains(',', StringComparison.Ordinal))
                {
                    throw new ArgumentException("an ALPN protocol name cannot contain ','", nameof(protocols));
                }
            }
            string joined = string.Join(',', protocols);
            Call(c => PolysockNative.tls_context_set_alpn_protocols(c, joined));
        }

        /// <summary>
        /// wrap_socket(sock, server_side, do_handshake_on_connect, suppress_ragged_eofs,
        /// server_hostname): a TLS socket with sock's descriptor, family, type and timeout,
        /// an ordinary <see cref="Socket"/> (sync, async, <see cref="SocketStream"/>,
        /// <see cref="Poller"/>). sock itself is detached, as Python's wrap_socket detaches
        /// the socket it is given: from now on it behaves as a closed socket (EBADF).
        /// If sock is connected, the handshake runs now in its mode (unless
        /// doHandshakeOnConnect is false, which a non-blocking socket needs); otherwise after
        /// <see cref="Socket.Connect(string, int)"/>, and <see cref="Socket.Accept"/> on a
        /// wrapped listener returns wrapped, handshaken connections. serverHostname (required
        /// when <see cref="CheckHostname"/> is on) is sent as SNI and checked against the
        /// certificate. A failed handshake closes sock, as Python's does.
        /// </summary>
        public Socket WrapSocket(Socket sock, bool serverSide = false, string? serverHostname = null,
            bool doHandshakeOnConnect = true, bool suppressRaggedEofs = true)
        {
            ArgumentNullException.ThrowIfNull(sock);
            uint flags = (doHandshakeOnConnect ? 0 : TlsWrapNoHandshake) | (suppressRaggedEofs ? 0 : TlsWrapRaggedEofError);
            return sock.WrapTls(this, serverSide, serverHostname, flags);
        }

        /// <summary>
        /// <see cref="WrapSocket"/> of a connected socket with the handshake made without
        /// blocking a thread (as <c>SslStream.AuthenticateAsClientAsync</c>): the TLS socket
        /// once the handshake is done. sock is detached at once; on failure or cancellation
        /// the TLS socket is closed.
        /// </summary>
        public async ValueTask<Socket> WrapSocketAsync(Socket sock, bool serverSide = false, string? serverHostname = null,
            bool suppressRaggedEofs = true, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Socket tls = WrapSocket(sock, serverSide, serverHostname, doHandshakeOnConnect: false, suppressRaggedEofs);
            try
            {
                await tls.DoHandshakeAsync(cancellationToken).ConfigureAwait(false);
                return tls;
            }
            catch
            {
                tls.Dispose();
                throw;
            }
        }

        /// <summary>
        /// wrap_bio(incoming, outgoing, server_side, server_hostname): Python's SSLObject,
        /// the TLS engine over memory buffers for a program that does its own I/O.
        /// </summary>
        public TlsObject WrapBio(bool serverSide = false, string? serverHostname = null)
        {
            ulong c = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.tls_context_wrap_bio(c, serverSide ? 1 : 0, serverHostname, out ulong obj));
                return new TlsObject(obj, serverSide, serverHostname);
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>Releases the context (sockets and objects made from it keep working).</summary>
        public void Dispose() => _handle.Dispose();

        // The C ABI's tls_wrap_socket flags.
        internal const uint TlsWrapNoHandshake = 0x1;
        internal const uint TlsWrapRaggedEofError = 0x2;
    }
}
