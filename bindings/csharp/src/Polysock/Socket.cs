using System;
using System.Buffers;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Polysock.Native;

namespace Polysock
{
    /// <summary>
    /// Python's <c>socket.socket</c>: every method of the C ABI's socket object under
    /// Python's names in .NET casing. Thread-safe; <see cref="Dispose"/> (or
    /// <see cref="Close"/>) from another thread wakes a blocked call with EBADF and fails
    /// pending async operations with the same error. A socket dropped without Dispose is
    /// closed by its <see cref="SocketHandle"/>'s finaliser.
    /// </summary>
    public sealed partial class Socket : IDisposable
    {
        private readonly SocketHandle _handle;
        // The timeout in the C ABI's spelling (-1.0: blocking), kept in step by SetTimeout
        // and SetBlocking: the async engine reads it to choose how to make an attempt.
        private double _timeout;

        /// <summary>socket(family, type, proto): a new socket in the module default timeout mode.</summary>
        public Socket(int family, int type, int proto = 0)
        {
            Errors.Check(PolysockNative.sock_create(family, type, proto, out ulong h));
            _handle = new SocketHandle(h);
            _timeout = ReadTimeout();
        }

        /// <summary>socket(AF_INET, SOCK_STREAM).</summary>
        public Socket() : this(Net.AF_INET, Net.SOCK_STREAM) { }

        internal Socket(ulong handle)
        {
            _handle = new SocketHandle(handle);
            _timeout = ReadTimeout();
        }

        /// <summary>
        /// socket(family, type, proto, fileno=fd): a socket that adopts fd itself (no dup:
        /// it owns fd from now on and closes it). As CPython, a negative family, type or
        /// proto is read from the descriptor (SO_DOMAIN, SO_TYPE, SO_PROTOCOL); the timeout
        /// is the module default, and an O_NONBLOCK flag already on fd stays. A negative fd
        /// is an <see cref="ArgumentException"/>, a descriptor that is not a socket ENOTSOCK,
        /// a closed one EBADF; on failure fd stays the caller's.
        /// </summary>
        public static Socket FromFileno(int fd, int family = -1, int type = -1, int proto = -1)
        {
            Errors.Check(PolysockNative.sock_create_fileno(family, type, proto, fd, out ulong h));
            return new Socket(h);
        }

        /// <summary>The SafeHandle that owns the native handle.</summary>
        public SocketHandle Handle => _handle;

        /// <summary>The address family (Python's <c>family</c>).</summary>
        public int Family => Info().Family;

        /// <summary>The socket type without NONBLOCK/CLOEXEC flags (Python's <c>type</c>).</summary>
        public int Type => Info().Type;

        /// <summary>The protocol (Python's <c>proto</c>).</summary>
        public int Proto => Info().Proto;

        // ---- handle references: the finaliser can never run during a call ----

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
                    // Closed meanwhile: the stale handle gives the C ABI's EBADF error.
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

        // One native byte that never moves: the pointer passed for an empty buffer (a
        // fixed empty span is NULL, which the C ABI rejects as bad input).
        private static readonly unsafe IntPtr s_empty = (IntPtr)NativeMemory.AllocZeroed(1);

        internal static unsafe IntPtr Ptr(byte* p) => p == null ? s_empty : (IntPtr)p;

        private (int Family, int Type, int Proto) Info()
        {
            ulong h = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.sock_info(h, out int family, out int type, out int proto));
                return (family, type, proto);
            }
            finally
            {
                Release(added);
            }
        }

        private double ReadTimeout()
        {
            ulong h = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.sock_gettimeout(h, out double t));
                return t;
            }
            finally
            {
                Release(added);
            }
        }

        // ---- lifetime ----

        /// <summary>close(): closes the socket now; closing twice is fine.</summary>
        public void Close() => Dispose();

        /// <summary>Closes the socket: blocked calls wake with EBADF, pending async operations fail with EBADF.</summary>
        public void Dispose()
        {
            try
            {
                _handle.CloseNative();
            }
            finally
            {
                _handle.Dispose();
                AbortAsync();
            }
        }

        /// <summary>detach(): gives up the descriptor without closing it (-1 if closed already).</summary>
        public int Detach()
        {
            if (!_handle.Forget())
            {
                return -1;
            }
            Errors.Check(PolysockNative.sock_detach(_handle.Value, out int fd));
            _handle.Dispose();
            AbortAsync();
            return fd;
        }

        /// <summary>dup(): a new socket on a duplicate descriptor.</summary>
        public Socket Dup()
        {
            ulong h = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.sock_dup(h, out ulong copy));
                return new Socket(copy);
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>fileno(): the descriptor, or -1 once closed.</summary>
        public int Fileno()
        {
            ulong h = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.sock_fileno(h, out int fd));
                return fd;
            }
            finally
            {
                Release(added);
            }
        }

        // ---- addresses and connections ----

        /// <summary>bind((host, port)); for AF_UNIX host is the path ("@name" abstract, "" autobind) and port 0.</summary>
        public void Bind(string host, int port = 0)
        {
            ArgumentNullException.ThrowIfNull(host);
            ulong h = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.sock_bind(h, host, port));
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>
        /// bind(path) with an AF_UNIX path as bytes (Python's bytes address): any path,
        /// including abstract names with embedded NULs (a first byte 0) and file paths that
        /// begin with '@', which the string form cannot carry; empty autobinds.
        /// </summary>
        public unsafe void Bind(ReadOnlySpan<byte> path)
        {
            ulong h = AddRef(out bool added);
            try
            {
                fixed (byte* p = path)
                {
                    Errors.Check(PolysockNative.sock_bind_unix(h, Ptr(p), (nuint)path.Length));
                }
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>listen(backlog); without a backlog, Python's default min(SOMAXCONN, 128).</summary>
        public void Listen(int backlog = -1)
        {
            ulong h = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.sock_listen(h, backlog));
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>accept(): the new connection (in the module default timeout) and its peer's address.</summary>
        public unsafe (Socket Connection, SocketAddress Address) Accept()
        {
            ulong h = AddRef(out bool added);
            try
            {
                RawAddress raw;
                Errors.Check(PolysockNative.sock_accept(h, out ulong conn, (IntPtr)(&raw)));
                return (new Socket(conn) { _tlsFlags = _tlsFlags }, SocketAddress.FromRaw(raw));
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>connect((host, port)).</summary>
        public void Connect(string host, int port = 0)
        {
            ArgumentNullException.ThrowIfNull(host);
            ulong h = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.sock_connect(h, host, port));
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>connect(path) with an AF_UNIX path as bytes, as <see cref="Bind(ReadOnlySpan{byte})"/> takes it.</summary>
        public unsafe void Connect(ReadOnlySpan<byte> path)
        {
            ulong h = AddRef(out bool added);
            try
            {
                fixed (byte* p = path)
                {
                    Errors.Check(PolysockNative.sock_connect_unix(h, Ptr(p), (nuint)path.Length));
                }
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>connect_ex((host, port)): 0 or an errno value instead of an exception.</summary>
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "Python's name")]
        public int ConnectEx(string host, int port = 0)
        {
            ArgumentNullException.ThrowIfNull(host);
            ulong h = AddRef(out bool added);
            try
            {
                return Errors.Check(PolysockNative.sock_connect_ex(h, host, port));
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>getsockname(): the local address.</summary>
        public unsafe SocketAddress GetSockName()
        {
            ulong h = AddRef(out bool added);
            try
            {
                RawAddress raw;
                Errors.Check(PolysockNative.sock_getsockname(h, (IntPtr)(&raw)));
                return SocketAddress.FromRaw(raw);
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>getpeername(): the remote address.</summary>
        public unsafe SocketAddress GetPeerName()
        {
            ulong h = AddRef(out bool added);
            try
            {
                RawAddress raw;
                Errors.Check(PolysockNative.sock_getpeername(h, (IntPtr)(&raw)));
                return SocketAddress.FromRaw(raw);
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>
        /// getsockname() of an AF_UNIX socket as bytes (Python's bytes address): the file
        /// path, or the abstract name with its leading NUL; empty if unbound.
        /// </summary>
        public byte[] GetSockNameBytes() => UnixName(peer: false);

        /// <summary>getpeername() of an AF_UNIX socket as bytes, as <see cref="GetSockNameBytes"/>.</summary>
        public byte[] GetPeerNameBytes() => UnixName(peer: true);

        private unsafe byte[] UnixName(bool peer)
        {
            ulong h = AddRef(out bool added);
            try
            {
                // sockaddr_un's sun_path (108 bytes) always fits; a larger need is asked for.
                byte* stack = stackalloc byte[108];
                int st = UnixName(h, peer, stack, 108, out nuint n);
                if (st == Errors.ErrRange && n > 108 && n <= 65536)
                {
                    byte[] heap = new byte[(int)n];
                    fixed (byte* p = heap)
                    {
                        Errors.Check(UnixName(h, peer, p, n, out n));
                    }
                    return heap.AsSpan(0, (int)n).ToArray();
                }
                if (st < 0)
                {
                    throw Errors.Capture(st);
                }
                return new ReadOnlySpan<byte>(stack, (int)n).ToArray();
            }
            finally
            {
                Release(added);
            }
        }

        private static unsafe int UnixName(ulong h, bool peer, byte* buffer, nuint size, out nuint n) =>
            peer ? PolysockNative.sock_getpeername_unix(h, (IntPtr)buffer, size, out n)
                 : PolysockNative.sock_getsockname_unix(h, (IntPtr)buffer, size, out n);

        /// <summary>shutdown(how): Net.SHUT_RD, SHUT_WR or SHUT_RDWR.</summary>
        public void Shutdown(int how)
        {
            ulong h = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.sock_shutdown(h, how));
            }
            finally
            {
                Release(added);
            }
        }

        // ---- receiving ----

        /// <summary>recv(bufsize, flags): up to bufsize bytes; empty at orderly shutdown.</summary>
        public byte[] Recv(int bufsize, int flags = 0)
        {
            if (bufsize < 0)
            {
                throw new ArgumentException("negative buffersize in recv");
            }
            byte[] data = new byte[bufsize];
            int n = RecvInto(data.AsSpan(), flags);
            if (n < bufsize)
            {
                Array.Resize(ref data, n);
            }
            return data;
        }

        /// <summary>recv_into(buffer, nbytes, flags) on a region of an array.</summary>
        public int RecvInto(byte[] buffer, int offset, int count, int flags = 0) =>
            RecvInto(buffer.AsSpan(offset, count), flags);

        /// <summary>recv_into(buffer, flags): into the caller's memory, no copy; 0 at orderly shutdown.</summary>
        public unsafe int RecvInto(Span<byte> buffer, int flags = 0)
        {
            fixed (byte* p = buffer)
            {
                RecvOnce<InMode>(Ptr(p), buffer.Length, flags, 0, out int n, out Exception? error, out _);
                return error == null ? n : throw error;
            }
        }

        /// <summary>
        /// recv_into(buffer, flags) that reports a would-block as false instead of throwing
        /// <see cref="BlockingIOException"/>, as System.Net's <c>Receive(..., out SocketError)</c>
        /// reports <c>WouldBlock</c>: true with the bytes received (0 at orderly shutdown),
        /// false with <paramref name="received"/> 0 and nothing consumed when no data is
        /// there. Exactly <c>try { received = RecvInto(buffer, flags); return true; } catch
        /// (BlockingIOException) { received = 0; return false; }</c> without the exception:
        /// the would-block path fetches no message and allocates nothing.
        /// </summary>
        /// <remarks>
        /// The call runs in the socket's mode, as <see cref="RecvInto(Span{byte}, int)"/>:
        /// non-blocking (<c>SetBlocking(false)</c>, timeout 0) returns false at once; a
        /// blocking socket waits for data (false only with <c>Net.MSG_DONTWAIT</c> in
        /// <paramref name="flags"/>); a timeout-mode socket waits up to its timeout and then
        /// throws <see cref="SocketTimeoutException"/>, as Python raises TimeoutError there,
        /// which <c>except BlockingIOError</c> does not catch. On a TLS socket OpenSSL's
        /// WANT_READ is the would-block (false: wait until readable and call again); a
        /// receive that wants to write still throws <see cref="SslWantWriteException"/>.
        /// Every other error throws what <see cref="RecvInto(Span{byte}, int)"/> throws.
        /// </remarks>
        public unsafe bool TryRecvInto(Span<byte> buffer, out int received, int flags = 0)
        {
            fixed (byte* p = buffer)
            {
                if (!RecvOnce<InMode>(Ptr(p), buffer.Length, flags, AsyncEngine.EventRead, out received, out Exception? error, out _))
                {
                    return false;
                }
                if (error != null)
                {
                    throw error;
                }
                return true;
            }
        }

        /// <summary><see cref="TryRecvInto(Span{byte}, out int, int)"/> on a region of an array.</summary>
        public bool TryRecvInto(byte[] buffer, int offset, int count, out int received, int flags = 0) =>
            TryRecvInto(buffer.AsSpan(offset, count), out received, flags);

        /// <summary>Which native call RecvOnce and SendOnce make: a struct type argument, so the JIT
        /// compiles each use to a direct call (the sync calls pay nothing for the engine's).</summary>
        internal interface INativeIo
        {
            int Recv(ulong h, IntPtr p, nuint length, int flags, out nuint got);

            int Send(ulong h, IntPtr p, nuint length, int flags, out nuint sent);
        }

        /// <summary>The calls in the socket's mode.</summary>
        internal readonly struct InMode : INativeIo
        {
            public int Recv(ulong h, IntPtr p, nuint length, int flags, out nuint got) => PolysockNative.sock_recv(h, p, length, flags, out got);

            public int Send(ulong h, IntPtr p, nuint length, int flags, out nuint sent) => PolysockNative.sock_send(h, p, length, flags, out sent);
        }

        /// <summary>The _try calls: one attempt whatever the mode (the engine's).</summary>
        internal readonly struct Once : INativeIo
        {
            public int Recv(ulong h, IntPtr p, nuint length, int flags, out nuint got) => PolysockNative.sock_recv_try(h, p, length, flags, out got);

            public int Send(ulong h, IntPtr p, nuint length, int flags, out nuint sent) => PolysockNative.sock_send_try(h, p, length, flags, out sent);
        }

        /// <summary>
        /// One sock_recv (in the socket's mode, or once with <see cref="Once"/>), the one place
        /// that maps its status (RecvInto, TryRecvInto and the async engine's attempts). True:
        /// it completed, with n bytes or with error, the exception RecvInto throws. False: it
        /// would block on an event in <paramref name="blocks"/> (EventRead: EAGAIN/EWOULDBLOCK
        /// or TLS WANT_READ; EventWrite: TLS WANT_WRITE), named in want; no message is fetched then.
        /// </summary>
        internal bool RecvOnce<TIo>(IntPtr p, int length, int flags, uint blocks, out int n, out Exception? error, out uint want)
            where TIo : struct, INativeIo
        {
            n = 0;
            error = null;
            want = 0;
            ulong h = AddRef(out bool added);
            try
            {
                int st = default(TIo).Recv(h, p, (nuint)length, flags, out nuint got);
                if (st >= 0)
                {
                    n = (int)got;
                    return true;
                }
                want = blocks == 0 ? 0 : Errors.Blocked(st, AsyncEngine.EventRead) & blocks;
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

        /// <summary>recvfrom(bufsize, flags): the data and the sender's address.</summary>
        public (byte[] Data, SocketAddress Address) RecvFrom(int bufsize, int flags = 0)
        {
            if (bufsize < 0)
            {
                throw new ArgumentException("negative buffersize in recvfrom");
            }
            byte[] data = new byte[bufsize];
            (int n, SocketAddress address) = RecvFromInto(data.AsSpan(), flags);
            if (n < bufsize)
            {
                Array.Resize(ref data, n);
            }
            return (data, address);
        }

        /// <summary>recvfrom_into(buffer, flags): bytes received and the sender's address.</summary>
        public unsafe (int Count, SocketAddress Address) RecvFromInto(Span<byte> buffer, int flags = 0)
        {
            ulong h = AddRef(out bool added);
            try
            {
                RawAddress raw;
                fixed (byte* p = buffer)
                {
                    int st = PolysockNative.sock_recvfrom(h, Ptr(p), (nuint)buffer.Length, flags, out nuint n, (IntPtr)(&raw));
                    if (st < 0)
                    {
                        throw Errors.Capture(st);
                    }
                    return ((int)n, SocketAddress.FromRaw(raw));
                }
            }
            finally
            {
                Release(added);
            }
        }

        // ---- sending ----

        /// <summary>send(data, flags) on a region of an array: how many bytes went.</summary>
        public int Send(byte[] buffer, int offset, int count, int flags = 0) =>
            Send(new ReadOnlySpan<byte>(buffer, offset, count), flags);

        /// <summary>send(data, flags): sends some of data, no copy; how many bytes went.</summary>
        public unsafe int Send(ReadOnlySpan<byte> data, int flags = 0)
        {
            fixed (byte* p = data)
            {
                SendOnce<InMode>(Ptr(p), data.Length, flags, 0, out int n, out Exception? error, out _);
                return error == null ? n : throw error;
            }
        }

        /// <summary>
        /// send(data, flags) that reports a would-block as false instead of throwing
        /// <see cref="BlockingIOException"/>: true with how many bytes went (maybe fewer than
        /// data), false with <paramref name="sent"/> 0 when none could go (the send buffer is
        /// full). The would-block path fetches no message and allocates nothing.
        /// </summary>
        /// <remarks>
        /// The socket's mode applies as in <see cref="TryRecvInto(Span{byte}, out int, int)"/>:
        /// false at once when non-blocking (or with <c>Net.MSG_DONTWAIT</c>), a wait in
        /// blocking mode, <see cref="SocketTimeoutException"/> when a timeout-mode socket's
        /// timeout passes. On a TLS socket WANT_WRITE is the would-block (call again with the
        /// same bytes once writable, as OpenSSL requires); a send that wants to read throws
        /// <see cref="SslWantReadException"/>. Every other error throws what
        /// <see cref="Send(ReadOnlySpan{byte}, int)"/> throws.
        /// </remarks>
        public unsafe bool TrySend(ReadOnlySpan<byte> data, out int sent, int flags = 0)
        {
            fixed (byte* p = data)
            {
                if (!SendOnce<InMode>(Ptr(p), data.Length, flags, AsyncEngine.EventWrite, out sent, out Exception? error, out _))
                {
                    return false;
                }
                if (error != null)
                {
                    throw error;
                }
                return true;
            }
        }

        /// <summary><see cref="TrySend(ReadOnlySpan{byte}, out int, int)"/> on a region of an array.</summary>
        public bool TrySend(byte[] buffer, int offset, int count, out int sent, int flags = 0) =>
            TrySend(new ReadOnlySpan<byte>(buffer, offset, count), out sent, flags);

        /// <summary>
        /// One sock_send in the socket's mode, the one place that maps its status, as
        /// <see cref="RecvOnce"/> (EventWrite: EAGAIN/EWOULDBLOCK or TLS WANT_WRITE;
        /// EventRead: TLS WANT_READ).
        /// </summary>
        internal bool SendOnce<TIo>(IntPtr p, int length, int flags, uint blocks, out int n, out Exception? error, out uint want)
            where TIo : struct, INativeIo
        {
            n = 0;
            error = null;
            want = 0;
            ulong h = AddRef(out bool added);
            try
            {
                int st = default(TIo).Send(h, p, (nuint)length, flags, out nuint sent);
                if (st >= 0)
                {
                    n = (int)sent;
                    return true;
                }
                want = blocks == 0 ? 0 : Errors.Blocked(st, AsyncEngine.EventWrite) & blocks;
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

        /// <summary>sendall(data, flags) on a region of an array.</summary>
        public void SendAll(byte[] buffer, int offset, int count, int flags = 0) =>
            SendAll(new ReadOnlySpan<byte>(buffer, offset, count), flags);

        /// <summary>sendall(data, flags): all of data, one operation under one deadline.</summary>
        public unsafe void SendAll(ReadOnlySpan<byte> data, int flags = 0)
        {
            ulong h = AddRef(out bool added);
            try
            {
                fixed (byte* p = data)
                {
                    int st = PolysockNative.sock_sendall(h, Ptr(p), (nuint)data.Length, flags, out nuint sent);
                    if (st < 0)
                    {
                        Exception error = Errors.Capture(st);
                        if (error is InterruptedException interrupted)
                        {
                            interrupted.BytesSent = (long)sent; // the interrupt hook stopped it: this much went
                        }
                        throw error;
                    }
                }
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>sendto(data, flags, (host, port)): one datagram.</summary>
        public unsafe int SendTo(ReadOnlySpan<byte> data, string host, int port, int flags = 0)
        {
            ArgumentNullException.ThrowIfNull(host);
            ulong h = AddRef(out bool added);
            try
            {
                fixed (byte* p = data)
                {
                    int st = PolysockNative.sock_sendto(h, Ptr(p), (nuint)data.Length, flags, host, port, out nuint n);
                    if (st < 0)
                    {
                        throw Errors.Capture(st);
                    }
                    return (int)n;
                }
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>sendto(data, (host, port)) to an address.</summary>
        public int SendTo(ReadOnlySpan<byte> data, SocketAddress address, int flags = 0)
        {
            ArgumentNullException.ThrowIfNull(address);
            return SendTo(data, address.Host, address.Port, flags);
        }

        /// <summary>
        /// sendfile(file, offset, count): count bytes (0: to the end) of the file from offset;
        /// the file position ends at offset + the bytes sent. Returns the bytes sent.
        /// </summary>
        public long SendFile(FileStream file, long offset = 0, long count = 0)
        {
            ArgumentNullException.ThrowIfNull(file);
            bool fileAdded = false;
            ulong h = AddRef(out bool added);
            try
            {
                file.SafeFileHandle.DangerousAddRef(ref fileAdded);
                int fd = (int)file.SafeFileHandle.DangerousGetHandle();
                Errors.Check(PolysockNative.sock_sendfile(h, fd, offset, count, out long sent));
                file.Seek(offset + sent, SeekOrigin.Begin);
                return sent;
            }
            finally
            {
                if (fileAdded)
                {
                    file.SafeFileHandle.DangerousRelease();
                }
                Release(added);
            }
        }

        // ---- modes and options ----

        /// <summary>settimeout(seconds): null blocks (Python's None), 0 is non-blocking, a positive value a deadline per operation.</summary>
        public void SetTimeout(double? seconds)
        {
            double t = Errors.Timeout(seconds);
            ulong h = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.sock_settimeout(h, t));
                _timeout = t;
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>settimeout as a TimeSpan (a negative one is an ArgumentException).</summary>
        public void SetTimeout(TimeSpan timeout) => SetTimeout(timeout.TotalSeconds);

        /// <summary>gettimeout(): seconds, or null in blocking mode.</summary>
        public double? GetTimeout() => Errors.FromNative(ReadTimeout());

        /// <summary>The timeout as a property (null: blocking).</summary>
        public double? Timeout
        {
            get => GetTimeout();
            set => SetTimeout(value);
        }

        /// <summary>setblocking(flag): true is settimeout(None), false settimeout(0).</summary>
        public void SetBlocking(bool flag)
        {
            ulong h = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.sock_setblocking(h, flag ? 1 : 0));
                _timeout = flag ? -1.0 : 0.0;
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>getblocking(): false only when the timeout is 0.</summary>
        public bool GetBlocking()
        {
            ulong h = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.sock_getblocking(h, out int flag));
                return flag != 0;
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>setsockopt(level, opt, int value).</summary>
        public void SetSockOpt(int level, int option, int value)
        {
            ulong h = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.sock_setsockopt(h, level, option, value));
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>setsockopt(level, opt, bytes): the raw option value.</summary>
        public unsafe void SetSockOpt(int level, int option, ReadOnlySpan<byte> value)
        {
            ulong h = AddRef(out bool added);
            try
            {
                fixed (byte* p = value)
                {
                    Errors.Check(PolysockNative.sock_setsockopt_bytes(h, level, option, Ptr(p), (nuint)value.Length));
                }
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>getsockopt(level, opt): an integer option.</summary>
        public int GetSockOpt(int level, int option)
        {
            ulong h = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.sock_getsockopt(h, level, option, out int value));
                return value;
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>getsockopt(level, opt, buflen): the raw option value (buflen 1..1024).</summary>
        public unsafe byte[] GetSockOpt(int level, int option, int buflen)
        {
            if (buflen < 0)
            {
                throw new ArgumentException("getsockopt buflen out of range");
            }
            byte[] buffer = new byte[buflen];
            ulong h = AddRef(out bool added);
            try
            {
                fixed (byte* p = buffer)
                {
                    Errors.Check(PolysockNative.sock_getsockopt_bytes(h, level, option, Ptr(p), (nuint)buflen, out nuint len));
                    Array.Resize(ref buffer, (int)len);
                    return buffer;
                }
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>makefile(): a <see cref="Stream"/> over this connected socket (which it does not own unless told).</summary>
        public SocketStream MakeFile(bool ownsSocket = false) => new SocketStream(this, ownsSocket);

        /// <inheritdoc/>
        public override string ToString() => $"<polysock.Socket handle={_handle.Value}>";
    }
}
