using System;
using System.Threading;
using Polysock.Native;

namespace Polysock
{
    /// <summary>Owns one polysock TLS object handle, closed once (Dispose or finaliser).</summary>
    internal sealed class TlsObjectHandle : System.Runtime.InteropServices.SafeHandle
    {
        private int _closed;

        internal TlsObjectHandle(ulong value) : base(IntPtr.Zero, ownsHandle: true)
        {
            SetHandle(new IntPtr(unchecked((long)value)));
            Value = value;
        }

        internal ulong Value { get; }

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                PolysockNative.tls_object_close(Value);
            }
            return true;
        }
    }

    /// <summary>
    /// Python's <c>ssl.SSLObject</c> with its two <c>MemoryBIO</c>s
    /// (<see cref="TlsContext.WrapBio"/>): the TLS engine over memory, for a program that
    /// moves the bytes itself. <see cref="Feed"/> gives it what the peer sent
    /// (<c>incoming.write</c>), <see cref="Drain(Span{byte})"/> takes what it has to send
    /// (<c>outgoing.read</c>). It never waits: an operation that needs the peer's bytes
    /// throws <see cref="SslWantReadException"/> (feed more, drain, retry).
    /// </summary>
    public sealed class TlsObject : IDisposable
    {
        private readonly TlsObjectHandle _handle;

        internal TlsObject(ulong handle, bool serverSide, string? serverHostname)
        {
            _handle = new TlsObjectHandle(handle);
            ServerSide = serverSide;
            ServerHostname = serverHostname;
        }

        /// <summary>server_side, as given to <see cref="TlsContext.WrapBio"/>.</summary>
        public bool ServerSide { get; }

        /// <summary>server_hostname, as given to <see cref="TlsContext.WrapBio"/>.</summary>
        public string? ServerHostname { get; }

        private ulong AddRef(out bool added)
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

        private void Release(bool added)
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }

        private delegate int SizeCall(ulong obj, out nuint n);

        private int Size(SizeCall call)
        {
            ulong o = AddRef(out bool added);
            try
            {
                Errors.Check(call(o, out nuint n));
                return checked((int)n);
            }
            finally
            {
                Release(added);
            }
        }

        private void Call(Func<ulong, int> call)
        {
            ulong o = AddRef(out bool added);
            try
            {
                Errors.Check(call(o));
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>incoming.write(data): bytes received from the peer.</summary>
        public unsafe void Feed(ReadOnlySpan<byte> data)
        {
            ulong o = AddRef(out bool added);
            try
            {
                fixed (byte* p = data)
                {
                    Errors.Check(PolysockNative.tls_object_feed(o, Socket.Ptr(p), (nuint)data.Length));
                }
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>incoming.write_eof(): the peer's stream ended.</summary>
        public void FeedEof() => Call(static o => PolysockNative.tls_object_feed_eof(o));

        /// <summary>outgoing.read(): up to buffer's length of the bytes to send to the peer; 0 if none.</summary>
        public unsafe int Drain(Span<byte> buffer)
        {
            ulong o = AddRef(out bool added);
            try
            {
                fixed (byte* p = buffer)
                {
                    Errors.Check(PolysockNative.tls_object_drain(o, Socket.Ptr(p), (nuint)buffer.Length, out nuint n));
                    return (int)n;
                }
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>outgoing.read(): every byte waiting to be sent to the peer (empty if none).</summary>
        public byte[] Drain()
        {
            byte[] data = new byte[OutgoingPending];
            int n = Drain(data);
            return n == data.Length ? data : data.AsSpan(0, n).ToArray();
        }

        /// <summary>outgoing.pending: the bytes waiting for <see cref="Drain(Span{byte})"/>.</summary>
        public int OutgoingPending => Size(static (ulong o, out nuint n) => PolysockNative.tls_object_outgoing_pending(o, out n));

        /// <summary>do_handshake(): <see cref="SslWantReadException"/> until the peer's part has been fed.</summary>
        public void DoHandshake() => Call(static o => PolysockNative.tls_object_do_handshake(o));

        /// <summary>read(len, buffer): decrypted bytes into buffer; 0 after the peer's close_notify.</summary>
        public unsafe int Read(Span<byte> buffer)
        {
            ulong o = AddRef(out bool added);
            try
            {
                fixed (byte* p = buffer)
                {
                    Errors.Check(PolysockNative.tls_object_read(o, Socket.Ptr(p), (nuint)buffer.Length, out nuint n));
                    return (int)n;
                }
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>read(len): up to len decrypted bytes; empty after the peer's close_notify.</summary>
        public byte[] Read(int len = 1024)
        {
            if (len < 0)
            {
                throw new ArgumentException("size should not be negative");
            }
            byte[] data = new byte[len];
            int n = Read(data.AsSpan());
            return n == len ? data : data.AsSpan(0, n).ToArray();
        }

        /// <summary>write(data): encrypts all of data into the outgoing buffer; returns its length.</summary>
        public unsafe int Write(ReadOnlySpan<byte> data)
        {
            ulong o = AddRef(out bool added);
            try
            {
                fixed (byte* p = data)
                {
                    Errors.Check(PolysockNative.tls_object_write(o, Socket.Ptr(p), (nuint)data.Length, out nuint n));
                    return (int)n;
                }
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>pending(): decrypted bytes readable without feeding.</summary>
        public int Pending => Size(static (ulong o, out nuint n) => PolysockNative.tls_object_pending(o, out n));

        /// <summary>unwrap(): sends close_notify; <see cref="SslWantReadException"/> until the peer's has been fed.</summary>
        public void Unwrap() => Call(static o => PolysockNative.tls_object_unwrap(o));

        /// <summary>version(): "TLSv1.3", ...; null before the handshake.</summary>
        public string? Version => NullIfEmpty(ReadString((IntPtr b, nuint l, out nuint n) => PolysockNative.tls_object_version(_handle.Value, b, l, out n)));

        /// <summary>cipher(): (name, protocol, secret bits); null before the handshake.</summary>
        public unsafe TlsCipher? Cipher
        {
            get
            {
                ulong o = AddRef(out bool added);
                try
                {
                    RawCipherInfo raw;
                    Errors.Check(PolysockNative.tls_object_cipher(o, (IntPtr)(&raw)));
                    return TlsCipher.FromRaw(raw);
                }
                finally
                {
                    Release(added);
                }
            }
        }

        /// <summary>selected_alpn_protocol(): the agreed ALPN name, or null.</summary>
        public string? SelectedAlpnProtocol =>
            NullIfEmpty(ReadString((IntPtr b, nuint l, out nuint n) => PolysockNative.tls_object_selected_alpn_protocol(_handle.Value, b, l, out n)));

        /// <summary>getpeercert(): the peer's certificate, or null if it sent none (before the handshake: <see cref="ArgumentException"/>).</summary>
        public PeerCertificate? GetPeerCert()
        {
            ulong o = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.tls_object_getpeercert(o, out IntPtr cert));
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

        internal static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

        /// <summary>Releases the object.</summary>
        public void Dispose() => _handle.Dispose();
    }
}
