using System;
using System.Collections.Generic;
using System.IO;

namespace Polysock
{
    /// <summary>
    /// Python's <c>OSError</c>: a failed system call. <see cref="Errno"/> is errno (0 if
    /// the failure had none) and <see cref="Exception.Message"/> Python's text, e.g.
    /// <c>[Errno 111] Connection refused</c>. Subclasses mirror Python's OSError
    /// subclasses (<see cref="ConnectionRefusedException"/> for ConnectionRefusedError, ...).
    /// </summary>
    public class PolysockException : IOException
    {
        /// <summary>A new error with errno and Python's message.</summary>
        public PolysockException(int errno, string message) : base(message)
        {
            Errno = errno;
            HResult = errno;
        }

        /// <summary>A new error with errno, Python's message and the exception that caused it.</summary>
        public PolysockException(int errno, string message, Exception? innerException) : base(message, innerException)
        {
            Errno = errno;
            HResult = errno;
        }

        /// <summary>errno (for <see cref="GaiException"/> the EAI code, for <see cref="HostException"/> h_errno).</summary>
        public int Errno { get; }
    }

    /// <summary>Python's <c>BlockingIOError</c>: EAGAIN, EALREADY, EINPROGRESS.</summary>
    public class BlockingIOException : PolysockException
    {
        /// <summary>A new error with errno and Python's message.</summary>
        public BlockingIOException(int errno, string message) : base(errno, message) { }
    }

    /// <summary>Python's <c>ConnectionError</c>, the base of the four below.</summary>
    public class ConnectionException : PolysockException
    {
        /// <summary>A new error with errno and Python's message.</summary>
        public ConnectionException(int errno, string message) : base(errno, message) { }
    }

    /// <summary>Python's <c>BrokenPipeError</c>: EPIPE, ESHUTDOWN.</summary>
    public class BrokenPipeException : ConnectionException
    {
        /// <summary>A new error with errno and Python's message.</summary>
        public BrokenPipeException(int errno, string message) : base(errno, message) { }
    }

    /// <summary>Python's <c>ConnectionAbortedError</c>: ECONNABORTED.</summary>
    public class ConnectionAbortedException : ConnectionException
    {
        /// <summary>A new error with errno and Python's message.</summary>
        public ConnectionAbortedException(int errno, string message) : base(errno, message) { }
    }

    /// <summary>Python's <c>ConnectionRefusedError</c>: ECONNREFUSED.</summary>
    public class ConnectionRefusedException : ConnectionException
    {
        /// <summary>A new error with errno and Python's message.</summary>
        public ConnectionRefusedException(int errno, string message) : base(errno, message) { }
    }

    /// <summary>Python's <c>ConnectionResetError</c>: ECONNRESET.</summary>
    public class ConnectionResetException : ConnectionException
    {
        /// <summary>A new error with errno and Python's message.</summary>
        public ConnectionResetException(int errno, string message) : base(errno, message) { }
    }

    /// <summary>Python's <c>PermissionError</c>: EACCES, EPERM.</summary>
    public class PermissionDeniedException : PolysockException
    {
        /// <summary>A new error with errno and Python's message.</summary>
        public PermissionDeniedException(int errno, string message) : base(errno, message) { }
    }

    /// <summary>
    /// Python's <c>InterruptedError</c>: EINTR, and the C ABI's SOCK_ERR_INTERRUPTED (the
    /// interrupt hook of <see cref="Net.SetInterruptHook"/> stopped the call; nothing was
    /// lost). A hook that throws stops the call with its own exception instead.
    /// </summary>
    public class InterruptedException : PolysockException
    {
        /// <summary>A new error with errno and Python's message.</summary>
        public InterruptedException(int errno, string message) : base(errno, message) { }

        /// <summary>A new error with errno, Python's message and the exception that caused it.</summary>
        public InterruptedException(int errno, string message, Exception? innerException) : base(errno, message, innerException) { }

        /// <summary>For an interrupted <see cref="Socket.SendAll(ReadOnlySpan{byte}, int)"/>: the bytes that went before it stopped (else 0).</summary>
        public long BytesSent { get; internal set; }
    }

    /// <summary>
    /// Python's <c>ExceptionGroup("create_connection failed", ...)</c> of
    /// <c>create_connection(..., all_errors=True)</c>: every attempt failed.
    /// <see cref="AggregateException.InnerExceptions"/> are the attempts' exceptions, in
    /// the order they failed, and <see cref="Attempts"/> pairs each with its address.
    /// </summary>
    public class ConnectionAttemptsException : AggregateException
    {
        /// <summary>A new group of the failed attempts.</summary>
        public ConnectionAttemptsException(IReadOnlyList<ConnectionAttempt> attempts)
            : base("create_connection failed", Errors(attempts))
        {
            Attempts = attempts;
        }

        /// <summary>Every failed attempt: its address (null if no socket was made) and its exception.</summary>
        public IReadOnlyList<ConnectionAttempt> Attempts { get; }

        private static IEnumerable<Exception> Errors(IReadOnlyList<ConnectionAttempt> attempts)
        {
            ArgumentNullException.ThrowIfNull(attempts);
            foreach (ConnectionAttempt a in attempts)
            {
                yield return a.Error;
            }
        }
    }

    /// <summary>Python's <c>socket.gaierror</c>: a resolver failure; <see cref="EaiCode"/> is the EAI_* code.</summary>
    public class GaiException : PolysockException
    {
        /// <summary>A new error with the EAI code and Python's message.</summary>
        public GaiException(int eaiCode, string message) : base(eaiCode, message) { }

        /// <summary>The EAI_* code (compare with <c>Net.EAI_NONAME</c>, ...).</summary>
        public int EaiCode => Errno;
    }

    /// <summary>Python's <c>socket.herror</c>: a host lookup failure with h_errno.</summary>
    public class HostException : PolysockException
    {
        /// <summary>A new error with h_errno and Python's message.</summary>
        public HostException(int hErrno, string message) : base(hErrno, message) { }
    }

    /// <summary>
    /// Python's <c>socket.timeout</c> (<c>TimeoutError</c>): the socket's timeout ran
    /// out. A <see cref="TimeoutException"/>, so <c>catch (TimeoutException)</c> works;
    /// Python's message is "timed out".
    /// </summary>
    public class SocketTimeoutException : TimeoutException
    {
        /// <summary>A new timeout with Python's message.</summary>
        public SocketTimeoutException(string message) : base(message) { }

        /// <summary>Always 0, as Python's <c>socket.timeout</c>.</summary>
        public int Errno { get; }
    }
}

namespace Polysock
{
    /// <summary>
    /// Python's <c>ssl.SSLError</c>, an OSError as in Python: a TLS failure.
    /// <see cref="PolysockException.Errno"/> is the kind (Python's <c>SSLError.errno</c>,
    /// also as <see cref="Kind"/>), <see cref="Exception.Message"/> Python's text without
    /// the "(_ssl.c:N)" suffix, e.g. <c>[SSL: WRONG_VERSION_NUMBER] wrong version number</c>.
    /// Subclasses mirror Python's: <see cref="SslCertVerificationException"/>,
    /// <see cref="SslWantReadException"/>, <see cref="SslWantWriteException"/>,
    /// <see cref="SslZeroReturnException"/>, <see cref="SslEofException"/>,
    /// <see cref="SslSyscallException"/>. Timeouts stay <see cref="SocketTimeoutException"/>.
    /// </summary>
    public class SslException : PolysockException
    {
        /// <summary>A new error of a kind (TLS_ERROR_*) with Python's message, library and reason.</summary>
        public SslException(int kind, string message, string? library = null, string? reason = null) : base(kind, message)
        {
            Library = library;
            Reason = reason;
        }

        /// <summary>The kind (Python's <c>SSLError.errno</c>, <c>ssl.SSL_ERROR_*</c>).</summary>
        public TlsErrorKind Kind => (TlsErrorKind)Errno;

        /// <summary>Python's <c>library</c>: the OpenSSL library, e.g. "SSL", "PEM"; null if none.</summary>
        public string? Library { get; }

        /// <summary>Python's <c>reason</c>, e.g. "CERTIFICATE_VERIFY_FAILED"; null if none.</summary>
        public string? Reason { get; }
    }

    /// <summary>
    /// Python's <c>ssl.SSLCertVerificationError</c>: the peer's certificate was refused.
    /// <see cref="VerifyCode"/> is OpenSSL's X509_V_ERR_* (20: unable to get local issuer
    /// certificate, 62: hostname mismatch), <see cref="VerifyMessage"/> its text.
    /// </summary>
    public class SslCertVerificationException : SslException
    {
        /// <summary>A new error with Python's message and the verification result.</summary>
        public SslCertVerificationException(int kind, string message, string? library, string? reason, int verifyCode, string verifyMessage)
            : base(kind, message, library, reason)
        {
            VerifyCode = verifyCode;
            VerifyMessage = verifyMessage;
        }

        /// <summary>Python's <c>verify_code</c> (X509_V_ERR_*).</summary>
        public int VerifyCode { get; }

        /// <summary>Python's <c>verify_message</c>, e.g. "unable to get local issuer certificate".</summary>
        public string VerifyMessage { get; }
    }

    /// <summary>
    /// Python's <c>ssl.SSLWantReadError</c>: a non-blocking TLS operation needs the peer's
    /// bytes first; wait until the socket is readable (or feed a <see cref="TlsObject"/>), then retry.
    /// </summary>
    public class SslWantReadException : SslException
    {
        /// <summary>A new error with Python's message ("The operation did not complete (read)").</summary>
        public SslWantReadException(string message, string? library = null, string? reason = null)
            : base((int)TlsErrorKind.WantRead, message, library, reason) { }
    }

    /// <summary>
    /// Python's <c>ssl.SSLWantWriteError</c>: a non-blocking TLS operation must send first;
    /// wait until the socket is writable, then retry (a send with the same bytes).
    /// </summary>
    public class SslWantWriteException : SslException
    {
        /// <summary>A new error with Python's message ("The operation did not complete (write)").</summary>
        public SslWantWriteException(string message, string? library = null, string? reason = null)
            : base((int)TlsErrorKind.WantWrite, message, library, reason) { }
    }

    /// <summary>Python's <c>ssl.SSLZeroReturnError</c>: the peer closed the TLS connection (close_notify).</summary>
    public class SslZeroReturnException : SslException
    {
        /// <summary>A new error with Python's message.</summary>
        public SslZeroReturnException(string message, string? library = null, string? reason = null)
            : base((int)TlsErrorKind.ZeroReturn, message, library, reason) { }
    }

    /// <summary>
    /// Python's <c>ssl.SSLEOFError</c>: the connection ended without close_notify (a
    /// socket wrapped with <c>suppressRaggedEofs: false</c>), e.g.
    /// <c>[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol</c>.
    /// </summary>
    public class SslEofException : SslException
    {
        /// <summary>A new error with Python's message.</summary>
        public SslEofException(string message, string? library = null, string? reason = null)
            : base((int)TlsErrorKind.Eof, message, library, reason) { }
    }

    /// <summary>Python's <c>ssl.SSLSyscallError</c>: a system call failed under OpenSSL.</summary>
    public class SslSyscallException : SslException
    {
        /// <summary>A new error with Python's message.</summary>
        public SslSyscallException(string message, string? library = null, string? reason = null)
            : base((int)TlsErrorKind.Syscall, message, library, reason) { }
    }
}
