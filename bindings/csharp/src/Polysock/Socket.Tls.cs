using System;
using System.Threading;
using System.Threading.Tasks;
using Polysock.Native;

namespace Polysock
{
    public sealed partial class Socket
    {
        // ---- wrapping (TlsContext.WrapSocket) ----

        /// <summary>
        /// tls_wrap_socket on this socket: the C ABI detaches it (its handle is invalid from
        /// now on) and returns a new one. This object then behaves as a closed socket: its
        /// SafeHandle never closes the handle again, and using it fails with EBADF.
        /// </summary>
        internal Socket WrapTls(TlsContext context, bool serverSide, string? serverHostname, uint flags)
        {
            // The engine's poller must not keep the descriptor under the old handle.
            AsyncState? state = AsyncStateOrNull;
            state?.Suspend();
            ulong tls;
            bool detached = false;
            ulong c = context.AddRef(out bool contextAdded);
            ulong h = AddRef(out bool added);
            try
            {
                int st = PolysockNative.tls_wrap_socket(c, h, serverSide ? 1 : 0, serverHostname, flags, out tls);
                if (st < 0)
                {
                    Exception error = Errors.Capture(st);
                    // A failed handshake closes the socket (as Python's): then so is this object.
                    detached = PolysockNative.sock_gettimeout(h, out double _) < 0;
                    throw error;
                }
                detached = true;
            }
            finally
            {
                Release(added);
                context.Release(contextAdded);
                if (detached)
                {
                    MarkDetached();
                }
                else
                {
                    state?.Resume();
                }
            }
            return new Socket(tls) { _tlsFlags = flags | WrappedHere };
        }

        // The tls_wrap_socket flags of a socket this binding wrapped, or accepted from a
        // wrapped listener, with WrappedHere; 0 for others. ConnectAsync and AcceptAsync
        // read TLS_WRAP_NO_HANDSHAKE.
        private uint _tlsFlags;
        private const uint WrappedHere = 0x8000_0000;

        private bool HandshakesOnConnect => (_tlsFlags & (WrappedHere | TlsContext.TlsWrapNoHandshake)) == WrappedHere;

        /// <summary>
        /// ConnectAsync of a wrapped, unconnected client socket: a TLS socket has no
        /// duplicate, so the socket itself is non-blocking while it connects and then
        /// handshakes (unless wrapped with doHandshakeOnConnect: false), and gets its mode back.
        /// </summary>
        private async ValueTask ConnectTlsAsync(string host, int port, CancellationToken cancellationToken)
        {
            double mode = _timeout;
            if (mode != 0)
            {
                SetTimeout(0.0);
            }
            try
            {
                bool handshake = (_tlsFlags & TlsContext.TlsWrapNoHandshake) == 0;
                ulong h = AddRef(out bool added);
                int st;
                try
                {
                    st = PolysockNative.sock_connect_ex(h, host, port);
                    if (st < 0)
                    {
                        // Connected at once, and the handshake that followed wants the peer:
                        // it goes on below. Anything else failed.
                        if (Errors.Blocked(st, 0) == 0)
                        {
                            throw Errors.Capture(st);
                        }
                    }
                    else if (st == 0)
                    {
                        handshake = false; // connected at once and handshaken (or not asked to)
                    }
                    else if (st != Net.EINPROGRESS)
                    {
                        throw Errors.Capture(Errors.ErrOs);
                    }
                }
                finally
                {
                    Release(added);
                }
                if (st == Net.EINPROGRESS)
                {
                    await Queue(new ConnectOp(this), cancellationToken).ConfigureAwait(false);
                }
                else if (st < 0)
                {
                    handshake = true;
                }
                if (handshake)
                {
                    await TlsStepAsync(static h => PolysockNative.sock_tls_do_handshake(h), cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                if (mode != 0)
                {
                    RestoreMode(mode);
                }
            }
        }

        /// <summary>The native handle is gone (detached by a wrap, or closed by its failed handshake).</summary>
        private void MarkDetached()
        {
            _handle.Forget();
            _handle.Dispose();
            AbortAsync();
        }

        // ---- Python's SSLSocket methods ----

        /// <summary>
        /// True if this is a TLS socket (made by <see cref="TlsContext.WrapSocket"/> or
        /// accepted from a wrapped listener, and not unwrapped since).
        /// </summary>
        public bool IsTls
        {
            get
            {
                ulong h = AddRef(out bool added);
                try
                {
                    int st = PolysockNative.sock_tls_is_wrapped(h, out int wrapped);
                    if (st == Errors.ErrNotConfigured)
                    {
                        return false; // a build without TLS has no TLS sockets
                    }
                    Errors.Check(st);
                    return wrapped != 0;
                }
                finally
                {
                    Release(added);
                }
            }
        }

        /// <summary>
        /// do_handshake(): the TLS handshake, in the socket's mode; on a non-blocking socket
        /// <see cref="SslWantReadException"/> or <see cref="SslWantWriteException"/> says
        /// which event to wait for before calling again. Not a TLS socket: <see cref="ArgumentException"/>.
        /// </summary>
        public void DoHandshake()
        {
            ulong h = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.sock_tls_do_handshake(h));
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>
        /// unwrap(): sends close_notify and waits for the peer's (with the socket's timeout;
        /// non-blocking: <see cref="SslWantReadException"/> until it came, call again). The same
        /// socket then carries plain TCP; no byte that followed the peer's close_notify is lost.
        /// </summary>
        public void Unwrap()
        {
            ulong h = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.sock_tls_unwrap(h));
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>pending(): decrypted bytes readable without I/O (0 if not a TLS socket, as Python's after unwrap).</summary>
        public int TlsPending
        {
            get
            {
                if (!IsTls)
                {
                    return 0;
                }
                ulong h = AddRef(out bool added);
                try
                {
                    Errors.Check(PolysockNative.sock_tls_pending(h, out nuint n));
                    return checked((int)n);
                }
                finally
                {
                    Release(added);
                }
            }
        }

        /// <summary>version(): "TLSv1.3", "TLSv1.2", ...; null before the handshake and on a socket that is not TLS (never wrapped, or unwrapped).</summary>
        public string? TlsVersion => IsTls
            ? TlsObject.NullIfEmpty(ReadString((IntPtr b, nuint l, out nuint n) => PolysockNative.sock_tls_version(_handle.Value, b, l, out n)))
            : null;

        /// <summary>cipher(): (name, protocol, secret bits); null before the handshake and on a socket that is not TLS.</summary>
        public unsafe TlsCipher? Cipher
        {
            get
            {
                if (!IsTls)
                {
                    return null;
                }
                ulong h = AddRef(out bool added);
                try
                {
                    RawCipherInfo raw;
                    Errors.Check(PolysockNative.sock_tls_cipher(h, (IntPtr)(&raw)));
                    return TlsCipher.FromRaw(raw);
                }
                finally
                {
                    Release(added);
                }
            }
        }

        /// <summary>selected_alpn_protocol(): the ALPN name agreed, or null (none, or not a TLS socket).</summary>
        public string? SelectedAlpnProtocol => IsTls
            ? TlsObject.NullIfEmpty(ReadString((IntPtr b, nuint l, out nuint n) => PolysockNative.sock_tls_selected_alpn_protocol(_handle.Value, b, l, out n)))
            : null;

        /// <summary>server_side: true for the server end of the TLS connection.</summary>
        public bool ServerSide
        {
            get
            {
                ulong h = AddRef(out bool added);
                try
                {
                    Errors.Check(PolysockNative.sock_tls_server_side(h, out int serverSide));
                    return serverSide != 0;
                }
                finally
                {
                    Release(added);
                }
            }
        }

        /// <summary>
        /// getpeercert(): the peer's certificate (null if it sent none, as a client that a
        /// server did not ask for one). Before the handshake: <see cref="ArgumentException"/>
        /// ("handshake not done yet").
        /// </summary>
        public PeerCertificate? GetPeerCert()
        {
            ulong h = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.sock_tls_getpeercert(h, out IntPtr cert));
                return PeerCertificate.Take(cert);
            }
            finally
            {
                Release(added);
            }
        }

        private string ReadString(Net.TextCall call)
        {
            AddRef(out bool added);
            try
            {
                return Net.ReadText(call);
            }
            finally
            {
                Release(added);
            }
        }

        // ---- async handshake and unwrap ----

        /// <summary>
        /// do_handshake() without blocking a thread (as <c>SslStream.AuthenticateAsClientAsync</c>).
        /// The C ABI's handshake follows the socket's mode, so the socket is non-blocking
        /// while it runs and gets its mode back afterwards. Cancelling leaves the handshake
        /// half done: close the socket then.
        /// </summary>
        public ValueTask DoHandshakeAsync(CancellationToken cancellationToken = default) =>
            TlsStepAsync(static h => PolysockNative.sock_tls_do_handshake(h), cancellationToken);

        /// <summary>unwrap() without blocking a thread (the socket is non-blocking while it runs, as for <see cref="DoHandshakeAsync"/>).</summary>
        public ValueTask UnwrapAsync(CancellationToken cancellationToken = default) =>
            TlsStepAsync(static h => PolysockNative.sock_tls_unwrap(h), cancellationToken);

        private async ValueTask TlsStepAsync(Func<ulong, int> step, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double mode = _timeout;
            if (mode != 0)
            {
                SetTimeout(0.0);
            }
            try
            {
                if (!TryTlsStep(step, out bool _, out Exception? error, out uint want))
                {
                    var op = new TlsStepOp(this, step);
                    op.Want = want;
                    await Queue(op, cancellationToken).ConfigureAwait(false);
                }
                else if (error != null)
                {
                    throw error;
                }
            }
            finally
            {
                if (mode != 0)
                {
                    RestoreMode(mode);
                }
            }
        }

        /// <summary>Gives the socket its timeout mode back after a non-blocking step (unless closed meanwhile).</summary>
        private void RestoreMode(double mode)
        {
            if (!_handle.IsClosed)
            {
                try
                {
                    SetTimeout(Errors.FromNative(mode));
                }
                catch (PolysockException)
                {
                    // closed meanwhile: the operation's own outcome is what the caller sees
                }
            }
        }

        internal bool TryTlsStep(Func<ulong, int> step, out bool result, out Exception? error, out uint want)
        {
            result = true;
            error = null;
            want = 0;
            ulong h = AddRef(out bool added);
            try
            {
                int st = step(h);
                if (st >= 0)
                {
                    return true;
                }
                want = Errors.Blocked(st, AsyncEngine.EventRead);
                if (want != 0)
                {
                    return false;
                }
                error = Errors.Capture(st);
                return true;
            }
            finally
            {
                Release(added);
            }
        }

        private sealed class TlsStepOp : AsyncOp<bool>
        {
            private readonly Func<ulong, int> _step;

            internal TlsStepOp(Socket owner, Func<ulong, int> step) : base(owner, true)
            {
                _step = step;
            }

            protected override bool Attempt(out bool result, out Exception? error) =>
                Owner.TryTlsStep(_step, out result, out error, out Want);
        }

        // ---- waiting for readability (SocketStream's zero-byte reads on a TLS socket) ----

        /// <summary>
        /// Waits until a recv would not block: decrypted bytes are pending or the socket
        /// polls readable (the poller counts the bytes OpenSSL holds), in the socket's mode.
        /// A TLS socket takes no MSG_PEEK, so this is how a zero-byte read waits.
        /// </summary>
        internal void WaitReadable()
        {
            if (TlsPending > 0)
            {
                return;
            }
            double? timeout = GetTimeout();
            using var poller = new Poller();
            poller.Register(this, PollEvents.Read);
            if (poller.Select(timeout).Count == 0)
            {
                throw timeout == 0
                    ? new SslWantReadException("The operation did not complete (read)")
                    : new SocketTimeoutException("The read operation timed out");
            }
        }

        /// <summary><see cref="WaitReadable"/> without blocking a thread.</summary>
        internal ValueTask<bool> WaitReadableAsync(CancellationToken cancellationToken)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<bool>(cancellationToken);
            }
            if (TlsPending > 0)
            {
                return new ValueTask<bool>(true);
            }
            return Queue(new ReadableOp(this), cancellationToken);
        }

        private sealed class ReadableOp : AsyncOp<bool>
        {
            internal ReadableOp(Socket owner) : base(owner, true) { }

            // Attempted only when the engine saw the socket readable (or failed).
            protected override bool Attempt(out bool result, out Exception? error)
            {
                result = true;
                error = null;
                return true;
            }
        }
    }
}
