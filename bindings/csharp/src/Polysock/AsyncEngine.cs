using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;
using Polysock.Native;

namespace Polysock
{
    /// <summary>
    /// The async engine: one thread waiting on one polysock poller, as .NET's own socket
    /// engine waits on epoll. An operation that would block is queued on its socket's
    /// <see cref="AsyncState"/>, which registers the socket for the direction it needs and
    /// returns; no thread waits for it. When the poller reports the socket ready, the
    /// engine thread makes the queued attempts (non-blocking calls) in order and completes
    /// those that finished; continuations run on the thread pool, never on the engine.
    /// </summary>
    internal sealed class AsyncEngine
    {
        internal const uint EventRead = 0x1;
        internal const uint EventWrite = 0x2;
        internal const uint EventError = 0x4;
        internal const uint EventHup = 0x8;
        private const int MaxEvents = 256;

        private static readonly Lazy<AsyncEngine> s_instance = new(() => new AsyncEngine(), LazyThreadSafetyMode.ExecutionAndPublication);
        private static long s_nextId;

        private readonly ulong _poller;
        private readonly ConcurrentDictionary<ulong, AsyncState> _active = new();

        private AsyncEngine()
        {
            Errors.Check(PolysockNative.sock_poller_create(out _poller));
            var thread = new Thread(Run) { IsBackground = true, Name = "polysock async engine" };
            thread.Start();
        }

        internal static AsyncEngine Instance => s_instance.Value;

        internal static ulong NextId() => (ulong)Interlocked.Increment(ref s_nextId);

        /// <summary>Changes the poller registration of state to mask (0: unregistered). Called under state's lock.</summary>
        internal Exception? SetInterest(AsyncState state, uint mask)
        {
            if (mask == state.Registered)
            {
                return null;
            }
            ulong h = state.Owner.AddRef(out bool added);
            try
            {
                int st;
                if (mask == 0)
                {
                    _active.TryRemove(state.Id, out _);
                    st = PolysockNative.sock_poller_unregister(_poller, h);
                }
                else if (state.Registered == 0)
                {
                    _active[state.Id] = state;
                    st = PolysockNative.sock_poller_register(_poller, h, mask, state.Id);
                }
                else
                {
                    st = PolysockNative.sock_poller_modify(_poller, h, mask, state.Id);
                }
                if (st < 0)
                {
                    Exception error = Errors.Capture(st);
                    _active.TryRemove(state.Id, out _);
                    state.Registered = 0;
                    return mask == 0 ? null : error;
                }
                state.Registered = mask;
                return null;
            }
            finally
            {
                state.Owner.Release(added);
            }
        }

        /// <summary>A closed socket's state leaves the engine (the close unregistered it).</summary>
        internal void Forget(AsyncState state) => _active.TryRemove(state.Id, out _);

        private unsafe void Run()
        {
            // The engine's waits are the library's own: a user's interrupt hook never runs here.
            Net.t_noInterruptHook = true;
            RawEvent* events = (RawEvent*)NativeMemory.Alloc(MaxEvents, (nuint)sizeof(RawEvent));
            var done = new List<AsyncOp>();
            for (; ; )
            {
                int st = PolysockNative.sock_poller_wait(_poller, -1.0, (IntPtr)events, MaxEvents, out nuint n);
                if (st < 0)
                {
                    // Only a closed poller fails a wait; the engine's poller is never closed.
                    Thread.Sleep(1);
                    continue;
                }
                for (nuint i = 0; i < n; i++)
                {
                    if (_active.TryGetValue(events[i].UserData, out AsyncState? state))
                    {
                        state.OnReady(events[i].Events, done);
                    }
                }
                foreach (AsyncOp op in done)
                {
                    op.Complete();
                }
                done.Clear();
            }
        }
    }

    /// <summary>The async side of one socket: its queues of pending reads and writes.</summary>
    internal sealed class AsyncState
    {
        private readonly LinkedList<AsyncOp> _reads = new();
        private readonly LinkedList<AsyncOp> _writes = new();
        private bool _closed;
        private bool _suspended;

        internal AsyncState(Socket owner)
        {
            Owner = owner;
            Id = AsyncEngine.NextId();
        }

        internal Socket Owner { get; }

        internal ulong Id { get; }

        internal uint Registered { get; set; }

        internal bool HasReads => _reads.Count > 0;

        internal bool HasWrites => _writes.Count > 0;

        /// <summary>Queues op and registers the socket; the engine makes its attempts.</summary>
        internal void Enqueue(AsyncOp op, CancellationToken token)
        {
            Exception? error = null;
            lock (this)
            {
                if (_closed)
                {
                    error = op.Owner.ClosedError();
                }
                else
                {
                    op.Node = (op.IsRead ? _reads : _writes).AddLast(op);
                    error = _suspended ? null : AsyncEngine.Instance.SetInterest(this, Registered | Mask());
                    if (error != null)
                    {
                        op.Node.List!.Remove(op.Node);
                        op.Node = null;
                    }
                }
            }
            if (error != null)
            {
                op.Fail(error);
                op.Complete();
                return;
            }
            if (token.CanBeCanceled)
            {
                op.Watch(token);
            }
        }

        // The events the first operation of each queue waits for: its own direction, or on a
        // TLS socket the one its last attempt named (a recv can want WRITE, a send READ).
        private uint Mask() => (_reads.First?.Value.Want ?? 0) | (_writes.First?.Value.Want ?? 0);

        /// <summary>Engine thread: attempts the queued operations whose events are ready.</summary>
        internal void OnReady(uint events, List<AsyncOp> done)
        {
            lock (this)
            {
                if (_suspended)
                {
                    return;
                }
                bool failed = (events & (AsyncEngine.EventError | AsyncEngine.EventHup)) != 0;
                uint ready = failed ? AsyncEngine.EventRead | AsyncEngine.EventWrite
                    : events & (AsyncEngine.EventRead | AsyncEngine.EventWrite);
                // Read interest stays registered after the last read completes (no system
                // call per operation in a request/response loop) until the socket is
                // reported readable with no operation waiting to read; write interest,
                // which is nearly always ready, goes as soon as no operation waits to write.
                uint keep = Registered & ~AsyncEngine.EventWrite;
                if ((ready & AsyncEngine.EventRead) != 0 && (Mask() & AsyncEngine.EventRead) == 0)
                {
                    keep &= ~AsyncEngine.EventRead;
                }
                Drain(_reads, ready, done);
                Drain(_writes, ready, done);
                Exception? error = AsyncEngine.Instance.SetInterest(this, _closed ? 0 : keep | Mask());
                if (error != null)
                {
                    FailAll(error, done);
                }
            }
        }

        // The first operation of a queue is attempted when the event it waits for is ready
        // (its own direction, or on a TLS socket the one its last attempt named).
        private static void Drain(LinkedList<AsyncOp> queue, uint ready, List<AsyncOp> done)
        {
            while (queue.First is { } node)
            {
                AsyncOp op = node.Value;
                if ((op.Want & ready) == 0 || !op.TryRun())
                {
                    return;
                }
                queue.RemoveFirst();
                op.Node = null;
                done.Add(op);
            }
        }

        private void FailAll(Exception error, List<AsyncOp> done)
        {
            foreach (LinkedList<AsyncOp> queue in new[] { _reads, _writes })
            {
                while (queue.First is { } node)
                {
                    queue.RemoveFirst();
                    node.Value.Node = null;
                    node.Value.Fail(error);
                    done.Add(node.Value);
                }
            }
        }

        /// <summary>A cancelled operation leaves its queue; the socket stays usable.</summary>
        internal bool Remove(AsyncOp op)
        {
            lock (this)
            {
                if (op.Node == null)
                {
                    return false;
                }
                op.Node.List!.Remove(op.Node);
                op.Node = null;
                if (!_suspended)
                {
                    AsyncEngine.Instance.SetInterest(this, (Registered & ~AsyncEngine.EventWrite) | Mask());
                }
                return true;
            }
        }

        /// <summary>
        /// Takes the socket out of the engine's poller (a TLS wrap is about to detach its
        /// handle): no attempt is made until <see cref="Resume"/>.
        /// </summary>
        internal void Suspend()
        {
            lock (this)
            {
                _suspended = true;
                AsyncEngine.Instance.SetInterest(this, 0);
            }
        }

        /// <summary>The wrap failed and the socket is still open: its pending operations wait again.</summary>
        internal void Resume()
        {
            lock (this)
            {
                _suspended = false;
                if (!_closed)
                {
                    Exception? error = AsyncEngine.Instance.SetInterest(this, Mask());
                    if (error != null)
                    {
                        var done = new List<AsyncOp>();
                        FailAll(error, done);
                        foreach (AsyncOp op in done)
                        {
                            op.Complete();
                        }
                    }
                }
            }
        }

        /// <summary>The socket was closed: every pending operation fails with EBADF.</summary>
        internal void Abort()
        {
            var done = new List<AsyncOp>();
            lock (this)
            {
                _closed = true;
                AsyncEngine.Instance.Forget(this);
                Registered = 0; // closing the handle dropped it from the poller
                foreach (LinkedList<AsyncOp> queue in new[] { _reads, _writes })
                {
                    while (queue.First is { } node)
                    {
                        queue.RemoveFirst();
                        node.Value.Node = null;
                        node.Value.Fail(Owner.ClosedError());
                        done.Add(node.Value);
                    }
                }
            }
            foreach (AsyncOp op in done)
            {
                op.Complete();
            }
        }
    }

    /// <summary>One pending operation: attempts until it finishes, then completes once.</summary>
    internal abstract class AsyncOp
    {
        protected AsyncOp(Socket owner, bool isRead)
        {
            Owner = owner;
            IsRead = isRead;
            Want = isRead ? AsyncEngine.EventRead : AsyncEngine.EventWrite;
        }

        /// <summary>
        /// The event the next attempt waits for: the operation's direction, or on a TLS
        /// socket the one that its last attempt's WANT_READ / WANT_WRITE named. Written by
        /// the attempts (under the socket state's lock, or before the operation is queued).
        /// </summary>
        internal uint Want;

        internal Socket Owner { get; }

        internal bool IsRead { get; }

        internal LinkedListNode<AsyncOp>? Node { get; set; }

        private CancellationTokenRegistration _cancellation;
        private bool _completed;

        /// <summary>Cancels the operation when token is; a no-op once it completed.</summary>
        internal void Watch(CancellationToken token)
        {
            CancellationTokenRegistration registration = token.UnsafeRegister(static (o, t) => ((AsyncOp)o!).Cancel(t), this);
            bool done;
            lock (this)
            {
                done = _completed;
                if (!done)
                {
                    _cancellation = registration;
                }
            }
            if (done)
            {
                registration.Unregister();
            }
        }

        /// <summary>Clears the completion flag of a reused operation.</summary>
        protected void ResetWatch()
        {
            lock (this)
            {
                _completed = false;
                _cancellation = default;
            }
        }

        /// <summary>Drops the cancellation callback once the operation is over (never waits for it).</summary>
        protected void StopWatching()
        {
            CancellationTokenRegistration registration;
            lock (this)
            {
                _completed = true;
                registration = _cancellation;
                _cancellation = default;
            }
            registration.Unregister();
        }

        /// <summary>One non-blocking attempt: true when the operation finished (result or error stored).</summary>
        internal abstract bool TryRun();

        internal abstract void Fail(Exception error);

        /// <summary>Publishes the stored result or error (outside any lock).</summary>
        internal abstract void Complete();

        internal abstract void Cancel(CancellationToken token);
    }

    /// <summary>
    /// An operation with a result of type T: its own <see cref="IValueTaskSource{T}"/>
    /// (continuations on the thread pool), so a waiting operation costs one object, and
    /// a reusable one (<see cref="Reusable"/>) none once its socket has one.
    /// </summary>
    internal abstract class AsyncOp<T> : AsyncOp, IValueTaskSource<T>, IThreadPoolWorkItem
    {
        private ManualResetValueTaskSourceCore<T> _core = new() { RunContinuationsAsynchronously = false };
        private T _result = default!;
        private Exception? _error;

        protected AsyncOp(Socket owner, bool isRead) : base(owner, isRead) { }

        internal ValueTask<T> Task => new(this, _core.Version);

        /// <summary>True for an operation its socket keeps for the next one once its result was read.</summary>
        protected virtual bool Reusable => false;

        /// <summary>Called after the result was read, for a reusable operation.</summary>
        protected virtual void Recycle() { }

        /// <summary>Readies a reusable operation for another round.</summary>
        protected void ResetForReuse()
        {
            _core.Reset();
            _result = default!;
            _error = null;
            ResetWatch();
        }

        /// <summary>One attempt: true when finished, with result or error set.</summary>
        protected abstract bool Attempt(out T result, out Exception? error);

        internal override bool TryRun()
        {
            if (!Attempt(out T result, out Exception? error))
            {
                return false;
            }
            _result = result;
            _error = error;
            return true;
        }

        internal override void Fail(Exception error) => _error = error;

        // Exactly one of Complete and Cancel publishes: the one that took the operation
        // out of its queue (under the socket state's lock).
        // The operation is its own thread-pool work item: the engine thread (or the one
        // that cancels or closes) only queues it, and the pool thread that runs it
        // publishes the result and runs the awaiting continuation inline, as .NET's own
        // socket engine completes on the pool. User code never runs on the engine thread,
        // and the hop costs no allocation (ManualResetValueTaskSourceCore's own
        // asynchronous continuations queued a closure per completion).
        internal override void Complete() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

        void IThreadPoolWorkItem.Execute()
        {
            StopWatching();
            if (_error != null)
            {
                _core.SetException(_error);
            }
            else
            {
                _core.SetResult(_result);
            }
        }

        internal override void Cancel(CancellationToken token)
        {
            if (Owner.AsyncStateOrNull?.Remove(this) == true)
            {
                StopWatching();
                _error = new OperationCanceledException(token);
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }
        }

        public T GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                if (Reusable)
                {
                    Recycle();
                }
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
