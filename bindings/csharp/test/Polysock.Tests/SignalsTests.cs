using System;
using System.Runtime.InteropServices;
using System.Threading;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>
    /// The interrupt hook. A signal (SIGWINCH, handled through a PosixSignalRegistration so
    /// that the runtime neither dies of it nor ignores it) goes to exactly the thread that
    /// waits in a timeout-mode recv (a poll wait, which any handled signal interrupts).
    /// </summary>
    public sealed class SignalsTests : IDisposable
    {
        private readonly PosixSignalRegistration _handler =
            PosixSignalRegistration.Create((PosixSignal)Libc.SIGWINCH, context => context.Cancel = true);

        public void Dispose()
        {
            Net.SetInterruptHook(null);
            Net.InterruptFlag = false;
            _handler.Dispose();
        }

        /// <summary>A thread that runs call, with its thread id known before the call starts.</summary>
        private sealed class Waiter
        {
            private readonly Thread _thread;
            private int _tid;

            internal Waiter(Action call)
            {
                using var started = new ManualResetEventSlim();
                _thread = new Thread(() =>
                {
                    _tid = Libc.GetTid();
                    started.Set();
                    try
                    {
                        call();
                    }
                    catch (Exception e)
                    {
                        Error = e;
                    }
                });
                _thread.Start();
                Assert.True(started.Wait(TimeSpan.FromSeconds(10)));
            }

            internal Exception? Error { get; private set; }

            internal bool Done => !_thread.IsAlive;

            /// <summary>Sends the signal to the waiting thread only.</summary>
            internal void Signal()
            {
                if (_thread.IsAlive)
                {
                    // ESRCH if the thread ended meanwhile: fine.
                    Libc.TgKill(Libc.GetPid(), _tid, Libc.SIGWINCH);
                }
            }

            /// <summary>Signals every 20 ms until the thread ends (at most seconds).</summary>
            internal void SignalUntilDone(double seconds)
            {
                var deadline = DateTime.UtcNow.AddSeconds(seconds);
                while (!Done && DateTime.UtcNow < deadline)
                {
                    Signal();
                    _thread.Join(20);
                }
                Assert.True(_thread.Join(TimeSpan.FromSeconds(10)), "the call did not end");
            }

            /// <summary>Signals for a while; the thread must still be waiting afterwards.</summary>
            internal void SignalWhileWaiting(int times)
            {
                for (int i = 0; i < times; i++)
                {
                    Signal();
                    _thread.Join(20);
                }
                Assert.False(Done, "the call ended under signals: " + Error);
            }

            internal void Join() => Assert.True(_thread.Join(TimeSpan.FromSeconds(30)), "the call did not end");
        }

        [Fact]
        public void A_hook_that_says_stop_makes_recv_an_InterruptedException_and_nothing_is_lost()
        {
            (Socket a, Socket b) = Net.SocketPair();
            using (a)
            using (b)
            {
                b.SetTimeout(30.0);
                int calls = 0;
                int hookThread = 0;
                Net.SetInterruptHook(() =>
                {
                    hookThread = Libc.GetTid();
                    Interlocked.Increment(ref calls);
                    return true;
                });
                int waiterTid = 0;
                var waiter = new Waiter(() =>
                {
                    waiterTid = Libc.GetTid();
                    b.Recv(100);
                });
                waiter.SignalUntilDone(20);
                var e = Assert.IsType<InterruptedException>(waiter.Error);
                Assert.Equal(Net.EINTR, e.Errno);
                Assert.Equal("[Errno 4] Interrupted system call", e.Message);
                Assert.True(calls >= 1);
                Assert.Equal(waiterTid, hookThread); // the hook ran on the interrupted thread
                // The recv consumed nothing: what comes next arrives whole.
                byte[] data = Support.Pattern(1000);
                a.SendAll(data);
                var got = new byte[1000];
                Support.RecvExactly(b, got);
                Assert.Equal(data, got);
            }
        }

        [Fact]
        public void A_hook_that_says_go_on_and_no_hook_let_the_call_retry()
        {
            (Socket a, Socket b) = Net.SocketPair();
            using (a)
            using (b)
            {
                b.SetTimeout(30.0);
                int calls = 0;
                Net.SetInterruptHook(() =>
                {
                    Interlocked.Increment(ref calls);
                    return false;
                });
                byte[]? received = null;
                var waiter = new Waiter(() => received = b.Recv(100));
                waiter.SignalWhileWaiting(25);
                Assert.True(Volatile.Read(ref calls) >= 1, "no signal reached the waiting call");
                Net.SetInterruptHook(null); // the default: retry, no hook to ask
                int before = Volatile.Read(ref calls);
                waiter.SignalWhileWaiting(10);
                Assert.Equal(before, Volatile.Read(ref calls));
                a.SendAll("after the signals"u8);
                waiter.Join();
                Assert.Null(waiter.Error);
                Assert.Equal("after the signals"u8.ToArray(), received);
            }
        }

        [Fact]
        public void A_hook_that_throws_stops_the_call_with_the_hooks_exception()
        {
            (Socket a, Socket b) = Net.SocketPair();
            using (a)
            using (b)
            {
                b.SetTimeout(30.0);
                Net.SetInterruptHook(() => throw new OperationCanceledException("stop now"));
                var waiter = new Waiter(() => b.Recv(100));
                waiter.SignalUntilDone(20);
                var e = Assert.IsType<OperationCanceledException>(waiter.Error);
                Assert.Equal("stop now", e.Message);
                Assert.Contains(nameof(A_hook_that_throws_stops_the_call_with_the_hooks_exception), e.StackTrace, StringComparison.Ordinal); // thrown in the hook
                // The hook's exception was the call's alone: the next interrupted call is an InterruptedException.
                Net.SetInterruptHook(() => true);
                var next = new Waiter(() => b.Recv(100));
                next.SignalUntilDone(20);
                Assert.IsType<InterruptedException>(next.Error);
                // And nothing was consumed by either.
                a.SendAll("whole"u8);
                Net.SetInterruptHook(null);
                Assert.Equal("whole"u8.ToArray(), b.Recv(100));
            }
        }

        [Fact]
        public void An_interrupted_SendAll_reports_what_went_and_the_peer_gets_exactly_that()
        {
            (Socket a, Socket b) = Net.SocketPair();
            using (a)
            using (b)
            {
                a.SetTimeout(30.0);
                byte[] data = Support.Pattern(16 << 20); // far more than the socket buffers hold
                Net.SetInterruptHook(() => true);
                var waiter = new Waiter(() => a.SendAll(data));
                waiter.SignalUntilDone(20);
                var e = Assert.IsType<InterruptedException>(waiter.Error);
                Assert.InRange(e.BytesSent, 1, data.Length - 1);
                Net.SetInterruptHook(null);
                // Everything that went arrives, in order, and nothing more.
                var got = new byte[e.BytesSent];
                Support.RecvExactly(b, got);
                Assert.True(data.AsSpan(0, got.Length).SequenceEqual(got), "the bytes received differ from the bytes sent");
                b.SetBlocking(false);
                Assert.Throws<BlockingIOException>(() => b.Recv(1));
            }
        }

        [Fact]
        public void The_flag_hook_stops_calls_while_the_flag_is_set()
        {
            (Socket a, Socket b) = Net.SocketPair();
            using (a)
            using (b)
            {
                b.SetTimeout(30.0);
                Net.SetInterruptFlagHook();
                Assert.False(Net.InterruptFlag);
                byte[]? received = null;
                var waiter = new Waiter(() => received = b.Recv(100));
                waiter.SignalWhileWaiting(10); // flag clear: the call goes on
                Net.InterruptFlag = true;
                Assert.True(Net.InterruptFlag);
                waiter.SignalUntilDone(20);
                var e = Assert.IsType<InterruptedException>(waiter.Error);
                Assert.Equal(Net.EINTR, e.Errno);
                Assert.Null(received);

                Net.InterruptFlag = false;
                var second = new Waiter(() => received = b.Recv(100));
                second.SignalWhileWaiting(10);
                a.SendAll("flag"u8);
                second.Join();
                Assert.Null(second.Error);
                Assert.Equal("flag"u8.ToArray(), received);
            }
        }

        [Fact]
        public void RecvMsg_and_a_Poller_Select_stop_for_the_hook_too()
        {
            (Socket a, Socket b) = Net.SocketPair();
            using (a)
            using (b)
            using (var poller = new Poller())
            {
                b.SetTimeout(30.0);
                Net.SetInterruptHook(() => true);
                var receiving = new Waiter(() => b.RecvMsg(100, Net.CmsgSpace(sizeof(int))));
                receiving.SignalUntilDone(20);
                Assert.Equal(Net.EINTR, Assert.IsType<InterruptedException>(receiving.Error).Errno);

                poller.Register(b, PollEvents.Read);
                var selecting = new Waiter(() => poller.Select(30.0));
                selecting.SignalUntilDone(20);
                Assert.Equal(Net.EINTR, Assert.IsType<InterruptedException>(selecting.Error).Errno);

                // Nothing was consumed: the next message arrives whole, and the poller sees it.
                Net.SetInterruptHook(null);
                a.SendMsg(new ReadOnlyMemory<byte>[] { "after"u8.ToArray() });
                Assert.Single(poller.Select(10.0));
                (byte[] data, _, int flags, _) = b.RecvMsg(100);
                Assert.Equal("after"u8.ToArray(), data);
                Assert.Equal(0, flags);
            }
        }

        [Fact]
        public void A_blocking_mode_call_retries_in_the_kernel_under_the_runtimes_SA_RESTART_handlers()
        {
            // PosixSignalRegistration's handler is installed with SA_RESTART: a blocking
            // recv asleep in the kernel restarts there, so the hook is never asked
            // (docs/csharp.md says so; a timeout-mode wait is the one to interrupt).
            (Socket a, Socket b) = Net.SocketPair();
            using (a)
            using (b)
            {
                b.SetTimeout(null);
                int calls = 0;
                Net.SetInterruptHook(() =>
                {
                    Interlocked.Increment(ref calls);
                    return true;
                });
                byte[]? received = null;
                var waiter = new Waiter(() => received = b.Recv(100));
                waiter.SignalWhileWaiting(25);
                a.SendAll("restarted"u8);
                waiter.Join();
                Assert.Null(waiter.Error);
                Assert.Equal("restarted"u8.ToArray(), received);
                Assert.Equal(0, Volatile.Read(ref calls));
            }
        }

        [Fact]
        public void SOCK_ERR_INTERRUPTED_maps_to_InterruptedException()
        {
            var e = Assert.IsType<InterruptedException>(Errors.Make(-8, Net.EINTR, "[Errno 4] Interrupted system call"));
            Assert.Equal(Net.EINTR, e.Errno);
            Assert.Equal("SOCK_ERR_INTERRUPTED", Net.StatusName(-8));
        }
    }
}
