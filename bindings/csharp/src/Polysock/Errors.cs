using System;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Polysock.Native;

namespace Polysock
{
    /// <summary>
    /// The one place where a status becomes an exception. It reads errno and the message
    /// right after the failing call, on the same thread (a P/Invoke call never changes
    /// threads, and nothing else calls the library in between).
    /// </summary>
    internal static class Errors
    {
        internal const int Ok = 0;
        internal const int ErrOs = -1;
        internal const int ErrTimeout = -2;
        internal const int ErrGai = -3;
        internal const int ErrHost = -4;
        internal const int ErrValue = -5;
        internal const int ErrNomem = -6;
        internal const int ErrRange = -7;
        internal const int ErrInterrupted = -8;
        internal const int ErrSsl = -9;
        internal const int ErrNotConfigured = -10;

        /// <summary>
        /// An exception that this thread's interrupt hook threw: the hook stopped the call
        /// (an exception may not cross into native code), and the call throws it, as
        /// CPython's call raises what its signal handler raised.
        /// </summary>
        [ThreadStatic]
        internal static Exception? HookFailure;

        /// <summary>Throws the exception of a negative status; returns a non-negative one.</summary>
        internal static int Check(int status)
        {
            if (status < 0)
            {
                throw Capture(status);
            }
            return status;
        }

        /// <summary>The exception of a failed call, read at once from this thread's error record.</summary>
        internal static Exception Capture(int status)
        {
            if (status == ErrInterrupted && HookFailure is Exception hookError)
            {
                HookFailure = null;
                ExceptionDispatchInfo.Throw(hookError); // with the hook's own stack trace
            }
            int errno = PolysockNative.sock_last_errno();
            string message = Marshal.PtrToStringUTF8(PolysockNative.sock_last_error_message()) ?? "";
            if (status == ErrSsl)
            {
                return SslError(errno, message, TlsErrorDetail.Read());
            }
            return Make(status, errno, message);
        }

        internal static Exception Make(int status, int errno, string message)
        {
            switch (status)
            {
                case ErrSsl:
                    return SslError(errno, message, default);
                case ErrNotConfigured:
                    return new PlatformNotSupportedException(message);
                case ErrInterrupted:
                    return new InterruptedException(errno, message);
                case ErrTimeout:
                    return new SocketTimeoutException(message);
                case ErrGai:
                    return new GaiException(errno, message);
                case ErrHost:
                    return new HostException(errno, message);
                case ErrValue:
                case ErrRange:
                    return new ArgumentException(message);
                case ErrNomem:
                    return new InsufficientMemoryException(message);
                default:
                    return OsError(errno, message);
            }
        }

        /// <summary>The OSError subclass Python would raise for errno.</summary>
        internal static PolysockException OsError(int errno, string message)
        {
            if (errno == 0)
            {
                return new PolysockException(errno, message);
            }
            if (errno == Net.EAGAIN || errno == Net.EWOULDBLOCK || errno == Net.EALREADY || errno == Net.EINPROGRESS)
            {
                return new BlockingIOException(errno, message);
            }
            if (errno == Net.EPIPE)
            {
                return new BrokenPipeException(errno, message);
            }
            if (errno == Net.ECONNABORTED)
            {
                return new ConnectionAbortedException(errno, message);
            }
            if (errno == Net.ECONNREFUSED)
            {
                return new ConnectionRefusedException(errno, message);
            }
            if (errno == Net.ECONNRESET)
            {
                return new ConnectionResetException(errno, message);
            }
            if (errno == Net.EACCES || errno == Net.EPERM)
            {
                return new PermissionDeniedException(errno, message);
            }
            if (errno == Net.EINTR)
            {
                return new InterruptedException(errno, message);
            }
            return new PolysockException(errno, message);
        }

        /// <summary>
        /// Python's ssl exception class for a SOCK_ERR_SSL of the given kind (errno) and
        /// detail: SSLCertVerificationError for the reason CERTIFICATE_VERIFY_FAILED.
        /// </summary>
        internal static SslException SslError(int kind, string message, TlsErrorDetail detail)
        {
            switch ((TlsErrorKind)kind)
            {
                case TlsErrorKind.WantRead:
                    return new SslWantReadException(message, detail.Library, detail.Reason);
                case TlsErrorKind.WantWrite:
                    return new SslWantWriteException(message, detail.Library, detail.Reason);
                case TlsErrorKind.ZeroReturn:
                    return new SslZeroReturnException(message, detail.Library, detail.Reason);
                case TlsErrorKind.Eof:
                    return new SslEofException(message, detail.Library, detail.Reason);
                case TlsErrorKind.Syscall:
                    return new SslSyscallException(message, detail.Library, detail.Reason);
                default:
                    if (detail.Reason == "CERTIFICATE_VERIFY_FAILED")
                    {
                        return new SslCertVerificationException(kind, message, detail.Library, detail.Reason,
                            detail.VerifyCode, detail.VerifyMessage ?? "");
                    }
                    return new SslException(kind, message, detail.Library, detail.Reason);
            }
        }

        /// <summary>
        /// The poller event a failed non-blocking attempt waits for, or 0 if it did not
        /// block: EAGAIN / EWOULDBLOCK waits for <paramref name="callEvent"/> (the call's own
        /// direction); on a TLS socket, SOCK_ERR_SSL of kind WANT_READ / WANT_WRITE waits
        /// for the event the kind names, whatever the call (a recv can want WRITE).
        /// Reads this thread's errno, so it must follow the failing call at once.
        /// </summary>
        internal static uint Blocked(int status, uint callEvent)
        {
            if (status == ErrOs)
            {
                int errno = PolysockNative.sock_last_errno();
                return errno == Net.EAGAIN || errno == Net.EWOULDBLOCK ? callEvent : 0;
            }
            if (status == ErrSsl)
            {
                int kind = PolysockNative.sock_last_errno();
                return kind == (int)TlsErrorKind.WantRead ? AsyncEngine.EventRead
                    : kind == (int)TlsErrorKind.WantWrite ? AsyncEngine.EventWrite : 0;
            }
            return 0;
        }

        /// <summary>Python's ValueError for a bad timeout, before it reaches C (where -1.0 means None).</summary>
        internal static double Timeout(double? seconds)
        {
            if (seconds is null)
            {
                return -1.0; // SOCK_TIMEOUT_NONE
            }
            double s = seconds.Value;
            if (s < 0)
            {
                throw new ArgumentException("Timeout value out of range");
            }
            return s;
        }

        internal static double Timeout(TimeSpan? timeout) => Timeout(timeout?.TotalSeconds);

        internal static double? FromNative(double seconds) => seconds < 0 ? null : seconds;
    }
}
