using System;
using System.Runtime.InteropServices;
using System.Threading;
using Polysock.Native;

namespace Polysock
{
    /// <summary>
    /// Owns one polysock socket handle. The native handle is closed exactly once: by
    /// <see cref="Socket.Dispose"/> (at once, so that calls blocked in other threads wake
    /// up with EBADF, as the C ABI promises; the descriptor itself is released only when
    /// they return) or, for a socket dropped without Dispose, by this SafeHandle's critical
    /// finaliser, which cannot run while a call holds a reference (DangerousAddRef).
    /// </summary>
    public sealed class SocketHandle : SafeHandle
    {
        private int _closed;

        internal SocketHandle(ulong value) : base(IntPtr.Zero, ownsHandle: true)
        {
            SetHandle(new IntPtr(unchecked((long)value)));
            Value = value;
        }

        /// <summary>The C ABI's handle (stays the same after close: the ABI never reuses one).</summary>
        public ulong Value { get; }

        /// <inheritdoc/>
        public override bool IsInvalid => handle == IntPtr.Zero;

        /// <summary>Closes the native handle now, if nobody did yet; true if this call closed it.</summary>
        internal bool CloseNative()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return false;
            }
            Errors.Check(PolysockNative.sock_close(Value));
            return true;
        }

        /// <summary>Marks the handle closed without closing it (detach).</summary>
        internal bool Forget() => Interlocked.Exchange(ref _closed, 1) == 0;

        /// <inheritdoc/>
        protected override bool ReleaseHandle()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                PolysockNative.sock_close(Value);
            }
            return true;
        }
    }

    /// <summary>Owns one polysock poller handle, closed once (Dispose or finaliser).</summary>
    internal sealed class PollerHandle : SafeHandle
    {
        internal PollerHandle(ulong value) : base(IntPtr.Zero, ownsHandle: true)
        {
            SetHandle(new IntPtr(unchecked((long)value)));
            Value = value;
        }

        private int _closed;

        internal ulong Value { get; }

        public override bool IsInvalid => handle == IntPtr.Zero;

        /// <summary>Poller.Dispose closes the native poller itself (waking Select at once).</summary>
        internal void MarkClosing() => Interlocked.Exchange(ref _closed, 1);

        protected override bool ReleaseHandle()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                PolysockNative.sock_poller_close(Value);
            }
            return true;
        }
    }
}
