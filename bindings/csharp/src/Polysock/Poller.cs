using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using Polysock.Native;

namespace Polysock
{
    /// <summary>Readiness events of <see cref="Poller"/> (the C ABI's SOCK_EVENT_* bits).</summary>
    [Flags]
    public enum PollEvents : uint
    {
        /// <summary>Nothing.</summary>
        None = 0,
        /// <summary>Readable (Python's EVENT_READ).</summary>
        Read = 0x1,
        /// <summary>Writable (Python's EVENT_WRITE).</summary>
        Write = 0x2,
        /// <summary>An error is pending (reported whether registered or not).</summary>
        Error = 0x4,
        /// <summary>Hang-up: both directions are shut.</summary>
        Hup = 0x8,
    }

    /// <summary>One ready socket of <c>Poller.Select</c>, with the data it was registered with.</summary>
    public readonly record struct PollerEvent(Socket Socket, PollEvents Events, object? Data);

    /// <summary>
    /// Python's <c>selectors.DefaultSelector</c> on polysock's poller (epoll): register
    /// sockets with events and data, then <c>Select</c>. Level-triggered;
    /// thread-safe; disposing it wakes a thread blocked in Select with EBADF.
    /// </summary>
    public sealed class Poller : IDisposable
    {
        private readonly PollerHandle _handle;
        private readonly ConcurrentDictionary<ulong, (Socket Socket, object? Data)> _sockets = new();
        private int _closed;

        /// <summary>A new, empty poller.</summary>
        public Poller()
        {
            Errors.Check(PolysockNative.sock_poller_create(out ulong p));
            _handle = new PollerHandle(p);
        }

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

        /// <summary>Watches socket for events (Read and/or Write), returning data with each of its events.</summary>
        public void Register(Socket socket, PollEvents events, object? data = null)
        {
            ArgumentNullException.ThrowIfNull(socket);
            Change(socket, events, data, register: true);
        }

        /// <summary>Changes the events and data of a registered socket.</summary>
        public void Modify(Socket socket, PollEvents events, object? data = null)
        {
            ArgumentNullException.ThrowIfNull(socket);
            Change(socket, events, data, register: false);
        }

        private void Change(Socket socket, PollEvents events, object? data, bool register)
        {
            ulong p = AddRef(out bool added);
            ulong h = socket.AddRef(out bool socketAdded);
            try
            {
                _sockets[h] = (socket, data);
                int st = register ? PolysockNative.sock_poller_register(p, h, (uint)events, h)
                                  : PolysockNative.sock_poller_modify(p, h, (uint)events, h);
                if (st < 0)
                {
                    Exception error = Errors.Capture(st);
                    if (register)
                    {
                        _sockets.TryRemove(h, out _);
                    }
                    throw error;
                }
            }
            finally
            {
                socket.Release(socketAdded);
                Release(added);
            }
        }

        /// <summary>Stops watching socket (closing a socket unregisters it by itself).</summary>
        public void Unregister(Socket socket)
        {
            ArgumentNullException.ThrowIfNull(socket);
            ulong p = AddRef(out bool added);
            ulong h = socket.AddRef(out bool socketAdded);
            try
            {
                Errors.Check(PolysockNative.sock_poller_unregister(p, h));
                _sockets.TryRemove(h, out _);
            }
            finally
            {
                socket.Release(socketAdded);
                Release(added);
            }
        }

        /// <summary>
        /// select(timeout): waits until a registered socket is ready. null waits without
        /// limit; 0 or less only looks. Empty when the time ran out.
        /// </summary>
        public unsafe IReadOnlyList<PollerEvent> Select(double? timeout = null, int maxEvents = 64)
        {
            if (maxEvents <= 0)
            {
                throw new ArgumentException("maxevents must be greater than 0");
            }
            double t = timeout is null ? -1.0 : Math.Max(0.0, timeout.Value);
            var raw = new RawEvent[maxEvents];
            ulong p = AddRef(out bool added);
            nuint n;
            try
            {
                fixed (RawEvent* e = raw)
                {
                    Errors.Check(PolysockNative.sock_poller_wait(p, t, (IntPtr)e, (nuint)maxEvents, out n));
                }
            }
            finally
            {
                Release(added);
            }
            var result = new List<PollerEvent>((int)n);
            for (int i = 0; i < (int)n; i++)
            {
                if (_sockets.TryGetValue(raw[i].Handle, out (Socket Socket, object? Data) entry))
                {
                    result.Add(new PollerEvent(entry.Socket, (PollEvents)raw[i].Events, entry.Data));
                }
            }
            return result;
        }

        /// <summary>select with a TimeSpan.</summary>
        public IReadOnlyList<PollerEvent> Select(TimeSpan timeout, int maxEvents = 64) => Select(timeout.TotalSeconds, maxEvents);

        /// <summary>
        /// fileno(): the poller's own descriptor, for a foreign event loop: level-triggered,
        /// it polls readable while <see cref="Select(double?, int)"/> would report an event
        /// without waiting. Only watch it (poll, epoll, select); never read from it or close
        /// it; it is valid until the poller is disposed. The poll() backend has none: a
        /// <see cref="PolysockException"/> with ENOTSUP.
        /// </summary>
        public int Fileno()
        {
            ulong p = AddRef(out bool added);
            try
            {
                Errors.Check(PolysockNative.sock_poller_fileno(p, out int fd));
                return fd;
            }
            finally
            {
                Release(added);
            }
        }

        /// <summary>Closes the poller (not its sockets); a thread in Select wakes with EBADF.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                _handle.MarkClosing();
                Errors.Check(PolysockNative.sock_poller_close(_handle.Value));
            }
            _handle.Dispose();
            _sockets.Clear();
        }
    }
}
