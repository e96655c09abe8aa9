using System;
using System.Buffers;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Polysock.Native;

namespace Polysock
{
    public sealed partial class Socket
    {
        private AsyncState? _async;
        private Socket? _connecting; // the non-blocking twin of a pending ConnectAsync

        internal AsyncState? AsyncStateOrNull => Volatile.Read(ref _async);

        private AsyncState AsyncState
        {
            get
            {
                AsyncState? state = Volatile.Read(ref _async);
                if (state != null)
                {
                    return state;
                }
                Interlocked.CompareExchange(ref _async, new AsyncState(this), null);
                return _async!;
            }
        }

        private void AbortAsync()
        {
            Volatile.Read(ref _async)?.Abort();
            Interlocked.Exchange(ref _connecting, null)?.Dispose();
        }

        /// <summary>The EBADF error of a closed socket, as the C ABI reports it.</summary>
        internal Exception ClosedError()
        {
            int st = PolysockNative.sock_gettimeout(_handle.Value, out double _);
            return st < 0 ? Errors.Capture(st) : new ObjectDisposedException(nameof(Socket));
        }

        // The engine's attempts never wait, in any mode (the _try calls; MSG_DONTWAIT for the TLS
        // steps): another thread's call may have taken what the engine was told is ready.
        private static int DontWait => Net.MSG_DONTWAIT;

        private static unsafe IntPtr Pinned(MemoryHandle pin) => Ptr((byte*)pin.Pointer);

        // The engine's attempts: RecvOnce/SendOnce made once (sock_recv_try, sock_send_try),
        // waiting for either event (a TLS receive can want to write, a TLS send to read).
        internal unsafe bool TryRecv(Memory<byte> buffer, int flags, out int n, out Exception? error, out uint want)
        {
            using MemoryHandle pin = buffer.Pin();
            return RecvOnce<Once>(Pinned(pin), buffer.Length, flags, AsyncEngine.EventRead | AsyncEngine.EventWrite, out n, out error, out want);
        }

        internal unsafe bool TryRecvFrom(Memory<byte> buffer, int flags, out (int, SocketAddress) result, out Exception? error, out uint want)
        {
            result = default;
            error = null;
            want = 0;
            ulong h = AddRef(out bool added);
            try
            {
                using MemoryHandle pin = buffer.Pin();
                RawAddress raw;
                int st = PolysockNative.sock_recvfrom_try(h, Pinned(pin), (nuint)buffer.Length, flags, out nuint got, (IntPtr)(&raw));
                if (st >= 0)
                {
                    result = ((int)got, SocketAddress.FromRaw(raw));
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

        internal unsafe bool TrySend(ReadOnlyMemory<byte> data, int flags, out int n, out Exception? error, out uint want)
        {
            using MemoryHandle pin = data.Pin();
            return SendOnce<Once>(Pinned(pin), data.Length, flags, AsyncEngine.EventRead | AsyncEngine.EventWrite, out n, out error, out want);
        }

        internal unsafe bool TrySendTo(ReadOnlyMemory<byte> data, string host, int port, int flags, out int n, out Exception? error, out uint want)
        {
            n = 0;
            error = null;
            want = 0;
            ulong h = AddRef(out bool added);
            try
            {
                using MemoryHandle pin = data.Pin();
                int st = PolysockNative.sock_sendto_try(h, Pinned(pin), (nuint)data.Length, flags, host, port, out nuint sent);
                if (st >= 0)
                {
                    n = (int)sent;
                    return true;
                }
                want = Errors.Blocked(st, AsyncEngine.EventWrite);
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

        internal unsafe bool TryAccept(out (Socket, SocketAddress) result, out Exception? error, out uint want)
        {
            result = default;
            error = null;
            want = 0;
            ulong h = AddRef(out bool added);
            try
            {
                RawAddress raw;
                // A blocking listener keeps O_NONBLOCK from the first (accept4 takes no flag).
                int st = PolysockNative.sock_accept_try(h, out ulong conn, (IntPtr)(&raw));
                if (st >= 0)
                {
                    result = (new Socket(conn) { _tlsFlags = _tlsFlags }, SocketAddress.FromRaw(raw));
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

        private static ValueTask<T> Done<T>(T result, Exception? error) =>
            error == null ? new ValueTask<T>(result) : ValueTask.FromException<T>(error);

        private ValueTask<T> Queue<T>(AsyncOp<T> op, CancellationToken token)
        {
            AsyncState.Enqueue(op, token);
            return op.Task;
        }

        /// <summary>Queues op to wait first for want (the event a failed first attempt named).</summary>
        internal ValueTask<T> Queue<T>(AsyncOp<T> op, uint want, CancellationToken token)
        {
            op.Want = want;
            return Queue(op, token);
        }

        // ---- the async API ----

        /// <summary>recv(bufsize) without blocking a thread: up to bufsize bytes, empty at orderly shutdown.</summary>
        public async ValueTask<byte[]> RecvAsync(int bufsize, int flags = 0, CancellationToken cancellationToken = default)
        {
            if (bufsize < 0)
            {
                throw new ArgumentException("negative buffersize in recv");
            }
            byte[] data = new byte[bufsize];
            int n = await RecvIntoAsync(data, flags, cancellationToken).ConfigureAwait(false);
            if (n < bufsize)
            {
                Array.Resize(ref data, n);
            }
            return data;
        }

        /// <summary>recv_into(buffer) without blocking a thread: bytes received, 0 at orderly shutdown.</summary>
        public ValueTask<int> RecvIntoAsync(Memory<byte> buffer, int flags = 0, CancellationToken cancellationToken = default)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<int>(cancellationToken);
            }
            uint want = AsyncEngine.EventRead;
            if (AsyncStateOrNull?.HasReads != true && TryRecv(buffer, flags, out int n, out Exception? error, out want))
            {
                return Done(n, error);
            }
            return Queue(RentRecv(buffer, flags), want, cancellationToken);
        }

        /// <summary>recvfrom(bufsize) without blocking a thread.</summary>
        public async ValueTask<(byte[] Data, SocketAddress Address)> RecvFromAsync(int bufsize, int flags = 0, CancellationToken cancellationToken = default)
        {
            if (bufsize < 0)
            {
                throw new ArgumentException("negative buffersize in recvfrom");
            }
            byte[] data = new byte[bufsize];
            (int n, SocketAddress address) = await RecvFromIntoAsync(data, flags, cancellationToken).ConfigureAwait(false);
            if (n < bufsize)
            {
                Array.Resize(ref data, n);
            }
            return (data, address);
        }

        /// <summary>recvfrom_into(buffer) without blocking a thread.</summary>
        public ValueTask<(int Count, SocketAddress Address)> RecvFromIntoAsync(Memory<byte> buffer, int flags = 0, CancellationToken cancellationToken = default)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<(int, SocketAddress)>(cancellationToken);
            }
            uint want = AsyncEngine.EventRead;
            if (AsyncStateOrNull?.HasReads != true && TryRecvFrom(buffer, flags, out (int, SocketAddress) r, out Exception? error, out want))
            {
                return Done(r, error);
            }
            return Queue(new RecvFromOp(this, buffer, flags), want, cancellationToken);
        }

        /// <summary>send(data) without blocking a thread: how many bytes went.</summary>
        public ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, int flags = 0, CancellationToken cancellationToken = default)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<int>(cancellationToken);
            }
            uint want = AsyncEngine.EventWrite;
            if (AsyncStateOrNull?.HasWrites != true && TrySend(data, flags, out int n, out Exception? error, out want))
            {
                return Done(n, error);
            }
            return Queue(new SendOp(this, data, flags), want, cancellationToken);
        }

        /// <summary>sendall(data) without blocking a thread. On cancellation some bytes may have gone.</summary>
        public ValueTask SendAllAsync(ReadOnlyMemory<byte> data, int flags = 0, CancellationToken cancellationToken = default)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled(cancellationToken);
            }
            uint want = AsyncEngine.EventWrite;
            if (AsyncStateOrNull?.HasWrites != true)
            {
                while (true)
                {
                    if (!TrySend(data, flags, out int n, out Exception? error, out want))
                    {
                        break;
                    }
                    if (error != null)
                    {
                        return ValueTask.FromException(error);
                    }
                    data = data[n..];
                    if (data.IsEmpty)
                    {
                        return ValueTask.CompletedTask;
                    }
                }
            }
            return new ValueTask(Queue(new SendAllOp(this, data, flags), want, cancellationToken).AsTask());
        }

        /// <summary>sendto(data, (host, port)) without blocking a thread.</summary>
        public ValueTask<int> SendToAsync(ReadOnlyMemory<byte> data, string host, int port, int flags = 0, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(host);
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<int>(cancellationToken);
            }
            uint want = AsyncEngine.EventWrite;
            if (AsyncStateOrNull?.HasWrites != true && TrySendTo(data, host, port, flags, out int n, out Exception? error, out want))
            {
                return Done(n, error);
            }
            return Queue(new SendToOp(this, data, host, port, flags), want, cancellationToken);
        }

        /// <summary>accept() without blocking a thread.</summary>
        public ValueTask<(Socket Connection, SocketAddress Address)> AcceptAsync(CancellationToken cancellationToken = default)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<(Socket, SocketAddress)>(cancellationToken);
            }
            // A TLS listener that handshakes each connection would make the handshake,
            // which waits in the connection's mode, on the engine thread.
            if (HandshakesOnConnect && IsTls)
            {
                return ValueTask.FromException<(Socket, SocketAddress)>(new NotSupportedException(
                    "AcceptAsync on a TLS listener that handshakes on accept: wrap the listener with doHandshakeOnConnect: false " +
                    "and await DoHandshakeAsync on each connection, or accept plain connections and await TlsContext.WrapSocketAsync"));
            }
            // An accept attempt never waits, in any mode: a queued connection is taken at once.
            uint want = AsyncEngine.EventRead;
            if (AsyncStateOrNull?.HasReads != true && TryAccept(out (Socket, SocketAddress) r, out Exception? error, out want))
            {
                return Done(r, error);
            }
            return Queue(new AcceptOp(this), want, cancellationToken);
        }

        /// <summary>connect((host, port)) without blocking a thread (the host must be numeric or a name the resolver answers at once).</summary>
        public async ValueTask ConnectAsync(string host, int port, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(host);
            cancellationToken.ThrowIfCancellationRequested();
            if (IsTls)
            {
                await ConnectTlsAsync(host, port, cancellationToken).ConfigureAwait(false);
                return;
            }
            if (_timeout == 0)
            {
                await ConnectNonBlockingAsync(host, port, cancellationToken).ConfigureAwait(false);
                return;
            }
            // A connect that waits is made on a non-blocking duplicate of the descriptor.
            Socket twin = Dup();
            try
            {
                twin.SetTimeout(0.0);
                if (Interlocked.CompareExchange(ref _connecting, twin, null) != null)
                {
                    throw Errors.OsError(Net.EALREADY, "[Errno " + Net.EALREADY + "] Operation already in progress");
                }
                if (_handle.IsClosed)
                {
                    throw ClosedError();
                }
                await twin.ConnectNonBlockingAsync(host, port, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.CompareExchange(ref _connecting, null, twin);
                twin.Dispose();
                // The twin's non-blocking mode is a flag of the shared open file: give this
                // socket its own mode back (blocking mode clears O_NONBLOCK again).
                if (!_handle.IsClosed)
                {
                    try
                    {
                        SetTimeout(Errors.FromNative(_timeout));
                    }
                    catch (PolysockException)
                    {
                        // closed meanwhile: the connect's own outcome is what the caller sees
                    }
                }
            }
        }

        private ValueTask<bool> ConnectNonBlockingAsync(string host, int port, CancellationToken cancellationToken)
        {
            ulong h = AddRef(out bool added);
            try
            {
                int st = PolysockNative.sock_connect_ex(h, host, port);
                if (st < 0)
                {
                    throw Errors.Capture(st);
                }
                if (st == 0)
                {
                    return new ValueTask<bool>(true);
                }
                if (st != Net.EINPROGRESS)
                {
                    throw Errors.Capture(Errors.ErrOs);
                }
            }
            finally
            {
                Release(added);
            }
            return Queue(new ConnectOp(this), cancellationToken);
        }

        internal bool TryFinishConnect(out bool result, out Exception? error)
        {
            result = true;
            error = null;
            int err;
            try
            {
                err = GetSockOpt(Net.SOL_SOCKET, Net.SO_ERROR);
            }
            catch (PolysockException e)
            {
                error = e;
                return true;
            }
            if (err != 0)
            {
                error = Errors.OsError(err, "[Errno " + err + "] " + Marshal.GetPInvokeErrorMessage(err));
            }
            return true;
        }

        // ---- the operations ----

        // One receive operation per socket is kept for the next receive that has to wait.
        private RecvOp? _spareRecv;

        private RecvOp RentRecv(Memory<byte> buffer, int flags)
        {
            RecvOp op = Interlocked.Exchange(ref _spareRecv, null) ?? new RecvOp(this);
            op.Prepare(buffer, flags);
            return op;
        }

        private sealed class RecvOp : AsyncOp<int>
        {
            private Memory<byte> _buffer;
            private int _flags;

            internal RecvOp(Socket owner) : base(owner, true) { }

            protected override bool Reusable => true;

            internal void Prepare(Memory<byte> buffer, int flags)
            {
                _buffer = buffer;
                _flags = flags;
            }

            protected override void Recycle()
            {
                _buffer = default;
                ResetForReuse();
                Volatile.Write(ref Owner._spareRecv, this);
            }

            protected override bool Attempt(out int result, out Exception? error) => Owner.TryRecv(_buffer, _flags, out result, out error, out Want);
        }

        private sealed class RecvFromOp : AsyncOp<(int, SocketAddress)>
        {
            private readonly Memory<byte> _buffer;
            private readonly int _flags;

            internal RecvFromOp(Socket owner, Memory<byte> buffer, int flags) : base(owner, true)
            {
                _buffer = buffer;
                _flags = flags;
            }

            protected override bool Attempt(out (int, SocketAddress) result, out Exception? error) =>
                Owner.TryRecvFrom(_buffer, _flags, out result, out error, out Want);
        }

        private sealed class SendOp : AsyncOp<int>
        {
            private readonly ReadOnlyMemory<byte> _data;
            private readonly int _flags;

            internal SendOp(Socket owner, ReadOnlyMemory<byte> data, int flags) : base(owner, false)
            {
                _data = data;
                _flags = flags;
            }

            protected override bool Attempt(out int result, out Exception? error) => Owner.TrySend(_data, _flags, out result, out error, out Want);
        }

        private sealed class SendAllOp : AsyncOp<bool>
        {
            private readonly int _flags;
            private ReadOnlyMemory<byte> _rest;

            internal SendAllOp(Socket owner, ReadOnlyMemory<byte> data, int flags) : base(owner, false)
            {
                _rest = data;
                _flags = flags;
            }

            protected override bool Attempt(out bool result, out Exception? error)
            {
                result = true;
                while (true)
                {
                    if (!Owner.TrySend(_rest, _flags, out int n, out error, out Want))
                    {
                        return false;
                    }
                    if (error != null)
                    {
                        return true;
                    }
                    _rest = _rest[n..];
                    if (_rest.IsEmpty)
                    {
                        return true;
                    }
                }
            }
        }

        private sealed class SendToOp : AsyncOp<int>
        {
            private readonly ReadOnlyMemory<byte> _data;
            private readonly string _host;
            private readonly int _port;
            private readonly int _flags;

            internal SendToOp(Socket owner, ReadOnlyMemory<byte> data, string host, int port, int flags) : base(owner, false)
            {
                _data = data;
                _host = host;
                _port = port;
                _flags = flags;
            }

            protected override bool Attempt(out int result, out Exception? error) =>
                Owner.TrySendTo(_data, _host, _port, _flags, out result, out error, out Want);
        }

        private sealed class AcceptOp : AsyncOp<(Socket, SocketAddress)>
        {
            internal AcceptOp(Socket owner) : base(owner, true) { }

            protected override bool Attempt(out (Socket, SocketAddress) result, out Exception? error) => Owner.TryAccept(out result, out error, out Want);
        }

        private sealed class ConnectOp : AsyncOp<bool>
        {
            internal ConnectOp(Socket owner) : base(owner, false) { }

            protected override bool Attempt(out bool result, out Exception? error) => Owner.TryFinishConnect(out result, out error);
        }
    }
}
