using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using Polysock.Native;

namespace Polysock
{
    // The module functions of docs/advanced.md: ancillary data sizes, descriptor passing,
    // closing a bare descriptor, Happy Eyeballs and the interrupt hook.
    public static partial class Net
    {
        // ---- ancillary data ----

        /// <summary>CMSG_LEN(length): the cmsg_len of an ancillary item with length bytes of data.</summary>
        public static int CmsgLen(int length)
        {
            if (length < 0)
            {
                throw new ArgumentException("CMSG_LEN() argument out of range");
            }
            Errors.Check(PolysockNative.net_cmsg_len((nuint)length, out nuint n));
            return checked((int)n);
        }

        /// <summary>CMSG_SPACE(length): the ancillary buffer space an item of length bytes takes, padding included.</summary>
        public static int CmsgSpace(int length)
        {
            if (length < 0)
            {
                throw new ArgumentException("CMSG_SPACE() argument out of range");
            }
            Errors.Check(PolysockNative.net_cmsg_space((nuint)length, out nuint n));
            return checked((int)n);
        }

        /// <summary>
        /// socket.send_fds(sock, buffers, fds, flags, address): <see cref="Socket.SendMsg(IReadOnlyList{ReadOnlyMemory{byte}}, IReadOnlyList{AncillaryItem}?, int, string?, int)"/>
        /// with one SCM_RIGHTS item carrying the descriptors (1..253). The descriptors stay
        /// the caller's. Returns the bytes sent.
        /// </summary>
        public static int SendFds(Socket sock, IReadOnlyList<ReadOnlyMemory<byte>> buffers, IReadOnlyList<int> fds,
            int flags = 0, string? host = null, int port = 0)
        {
            ArgumentNullException.ThrowIfNull(sock);
            ArgumentNullException.ThrowIfNull(buffers);
            ArgumentNullException.ThrowIfNull(fds);
            return (int)sock.SendMessage(buffers, Array.Empty<AncillaryItem>(), fds, flags, host, port);
        }

        /// <summary>
        /// socket.recv_fds(sock, bufsize, maxfds, flags): up to bufsize bytes and up to
        /// maxfds descriptors (close-on-exec, the caller's to close, e.g. with
        /// <see cref="Close(int)"/> or <see cref="Socket.FromFileno"/>), the message flags
        /// and the sender (null if none).
        /// </summary>
        public static (byte[] Data, int[] Fds, int MsgFlags, SocketAddress? Address) RecvFds(Socket sock, int bufsize, int maxfds, int flags = 0)
        {
            ArgumentNullException.ThrowIfNull(sock);
            if (bufsize < 0)
            {
                throw new ArgumentException("negative buffer size in recvmsg()");
            }
            // As CPython: the control space for maxfds descriptors must be a valid CMSG_LEN.
            if (maxfds < 0 || (long)maxfds * sizeof(int) > int.MaxValue)
            {
                throw new ArgumentException("CMSG_LEN() argument out of range");
            }
            CmsgLen(maxfds * sizeof(int));
            return sock.ReceiveFds(bufsize, maxfds, flags);
        }

        // ---- descriptors ----

        /// <summary>
        /// socket.close(fd): closes a bare descriptor (one from <see cref="Socket.Detach"/>
        /// or <see cref="RecvFds"/>, for example); ECONNRESET is ignored as CPython does. A
        /// bad descriptor is a <see cref="PolysockException"/> with EBADF.
        /// </summary>
        public static void Close(int fd) => Errors.Check(PolysockNative.net_close(fd));

        // ---- Happy Eyeballs ----

        /// <summary>
        /// create_connection((host, port), timeout, source_address, all_errors) with Happy
        /// Eyeballs (RFC 8305). happyEyeballsDelay null tries the addresses one after another
        /// as <see cref="CreateConnection(string, int, double?, string?, int)"/>; a value
        /// (seconds, 0.25 is RFC 8305's advice) starts the next attempt that long after the
        /// last one (or at once when it fails), the first to connect wins and the others are
        /// closed. interleave is the "First Address Family Count" (null: 1 with Happy
        /// Eyeballs, 0 without). timeout (null blocks) applies to each attempt and is the new
        /// socket's timeout. When every attempt fails: with allErrors a
        /// <see cref="ConnectionAttemptsException"/> listing each attempt, else the last
        /// attempt's exception.
        /// </summary>
        public static unsafe Socket CreateConnection(string host, int port, double? timeout, string? sourceHost, int sourcePort,
            double? happyEyeballsDelay, int? interleave = null, bool allErrors = false)
        {
            ArgumentNullException.ThrowIfNull(host);
            double t = Errors.Timeout(timeout);
            double delay = -1.0; // SOCK_TIMEOUT_NONE: no Happy Eyeballs
            if (happyEyeballsDelay is double d)
            {
                if (!(d >= 0))
                {
                    throw new ArgumentException("happy_eyeballs_delay must be a non-negative number of seconds");
                }
                delay = d;
            }
            if (interleave < 0)
            {
                throw new ArgumentException("interleave must be non-negative");
            }
            int st = PolysockNative.net_create_connection_ex(host, port, t, sourceHost, sourcePort, delay, interleave ?? -1,
                out IntPtr attempts, out ulong h);
            try
            {
                if (st >= 0)
                {
                    return new Socket(h);
                }
                Exception last = Errors.Capture(st);
                if (!allErrors || attempts == IntPtr.Zero)
                {
                    throw last;
                }
                Errors.Check(PolysockNative.net_connect_errors_count(attempts, out nuint count));
                if (count == 0)
                {
                    throw last; // no attempt was made (getaddrinfo failed, for example)
                }
                var list = new List<ConnectionAttempt>((int)count);
                for (nuint i = 0; i < count; i++)
                {
                    RawConnectError raw;
                    Errors.Check(PolysockNative.net_connect_errors_get(attempts, i, (IntPtr)(&raw)));
                    SocketAddress address = SocketAddress.FromRaw(raw.Address);
                    Exception error = Errors.Make(raw.Status, raw.Err, Polysock.Text.Decode(raw.Message, 256));
                    list.Add(new ConnectionAttempt(address.Host.Length == 0 ? null : address, error));
                }
                throw new ConnectionAttemptsException(list);
            }
            finally
            {
                PolysockNative.net_connect_errors_free(attempts);
            }
        }

        // ---- signals ----

        private static readonly object s_hookLock = new();
        private static volatile Func<bool>? s_hook;
        // The flag of SetInterruptFlagHook: native memory that is never freed, as the C
        // hook may read it on any thread at any time.
        private static readonly unsafe IntPtr s_flag = (IntPtr)NativeMemory.AllocZeroed(sizeof(int));

        // The library's own threads (the async engine) never run the user's hook.
        [ThreadStatic]
        internal static bool t_noInterruptHook;

        /// <summary>
        /// Sets the process-wide interrupt hook (null restores the default: a blocking call
        /// retries EINTR by itself, PEP 475). With a hook, a call that a signal interrupts
        /// (EINTR) runs it on its own thread, as CPython runs its signal handlers: true
        /// stops the call with an <see cref="InterruptedException"/> (errno EINTR, nothing
        /// lost: a partial SendAll reports what went, a recv consumed nothing), false lets
        /// it go on waiting with the time left. An exception from the hook stops the call
        /// too and is what the call throws (as CPython's call raises what its signal
        /// handler raised; a SendAll then does not tell what went). Only a signal whose
        /// handler was installed without SA_RESTART interrupts a blocking-mode call
        /// sleeping in the kernel; a timeout-mode or poller wait is interrupted by any
        /// handled signal (e.g. one of <see cref="System.Runtime.InteropServices.PosixSignalRegistration"/>).
        /// </summary>
        public static unsafe void SetInterruptHook(Func<bool>? hook)
        {
            lock (s_hookLock)
            {
                s_hook = hook;
                IntPtr fn = hook is null ? IntPtr.Zero : (IntPtr)(delegate* unmanaged<IntPtr, int>)&OnInterrupt;
                Errors.Check(PolysockNative.net_set_interrupt_hook(fn, IntPtr.Zero));
            }
        }

        /// <summary>
        /// Sets the C library's ready-made flag hook (net_interrupt_flag_hook) on
        /// <see cref="InterruptFlag"/> as the interrupt hook: an interrupted call stops while
        /// the flag is true, and no managed code runs on the interrupted thread.
        /// <see cref="SetInterruptHook"/>(null) removes it.
        /// </summary>
        public static void SetInterruptFlagHook()
        {
            lock (s_hookLock)
            {
                s_hook = null;
                Errors.Check(PolysockNative.net_set_interrupt_hook(PolysockNative.polysock_csharp_flag_hook(), s_flag));
            }
        }

        /// <summary>
        /// The flag that the hook of <see cref="SetInterruptFlagHook"/> reads (process-wide,
        /// in native memory; set it from any thread, e.g. a PosixSignalRegistration handler,
        /// before the signal that should stop a call reaches it).
        /// </summary>
        public static unsafe bool InterruptFlag
        {
            get => PolysockNative.net_interrupt_flag_hook(s_flag) != 0;
            set => Volatile.Write(ref *(int*)s_flag, value ? 1 : 0);
        }

        [UnmanagedCallersOnly]
        private static int OnInterrupt(IntPtr ctx)
        {
            Func<bool>? hook = s_hook;
            if (hook is null || t_noInterruptHook)
            {
                return 0;
            }
            try
            {
                return hook() ? 1 : 0;
            }
#pragma warning disable CA1031 // no exception may cross into native code: it stops the call instead
            catch (Exception e)
#pragma warning restore CA1031
            {
                Errors.HookFailure = e;
                return 1;
            }
        }
    }
}
