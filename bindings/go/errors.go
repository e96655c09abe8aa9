package polysock

import (
	"os"
	"sync/atomic"
	"syscall"

	"polysock.dev/polysock/internal/raw"
)

// Kind is the Python exception class of an Error.
type Kind int

// The kinds of Error, after the C ABI's status codes (Python's exception in brackets).
const (
	OSError      Kind = -1 // OSError and its subclasses (InterruptedError too): Errno is errno (0 if none)
	TimeoutError Kind = -2 // socket.timeout / TimeoutError: "timed out"
	GaiError     Kind = -3 // socket.gaierror: Errno is the EAI_* code
	HostError    Kind = -4 // socket.herror: Errno is h_errno
	ValueError   Kind = -5 // ValueError, OverflowError, TypeError: a bad argument
	MemoryError  Kind = -6 // MemoryError
	RangeError   Kind = -7 // an output buffer too small (never seen by users)
	// ssl.SSLError and its subclasses: Errno is the TLS_ERROR_* kind (SSLErrorWantRead,
	// ...), and Library, Reason, VerifyCode and VerifyMessage tell more.
	SSLError Kind = -9
	// The feature is not in this build of the native library (TLS without OpenSSL):
	// errors.Is(err, ErrNotConfigured) holds.
	NotConfigured Kind = -10
)

func (k Kind) String() string {
	switch k {
	case OSError:
		return "OSError"
	case TimeoutError:
		return "TimeoutError"
	case GaiError:
		return "gaierror"
	case HostError:
		return "herror"
	case ValueError:
		return "ValueError"
	case MemoryError:
		return "MemoryError"
	case RangeError:
		return "RangeError"
	case SSLError:
		return "SSLError"
	case NotConfigured:
		return "NotConfigured"
	}
	return "Kind(?)"
}

// Error is every failure of the package: Python's exception kind, errno (or the
// EAI_* code, or h_errno) and Python's message, e.g. "[Errno 111] Connection refused".
// The three are read inside the native call that failed.
//
// Treat an Error as read-only: the would-block of a call in non-blocking mode (OSError
// EAGAIN) is one shared value, so that returning it allocates nothing.
//
// errors.Is(err, syscall.ECONNREFUSED) works for OS errors (Unwrap gives the
// syscall.Errno); a timeout satisfies net.Error with Timeout() == true and
// errors.Is(err, os.ErrDeadlineExceeded).
//
// A TLS failure has Kind SSLError, Errno its kind (Python's SSLError.errno:
// SSLErrorWantRead, SSLErrorZeroReturn, ...) and the fields below; errors.Is matches
// it against ErrSSLWantRead, ErrSSLWantWrite, ErrSSLZeroReturn, ErrSSLEOF,
// ErrSSLSyscall and ErrCertVerification (Python's subclasses of SSLError).
type Error struct {
	Kind    Kind
	Errno   int
	Message string
	// TLS only (Kind SSLError): SSLError.library and .reason, e.g. "SSL" and
	// "CERTIFICATE_VERIFY_FAILED", and for a certificate that failed verification
	// SSLCertVerificationError.verify_code (X509_V_ERR_*, e.g. 20 or 62) and
	// .verify_message.
	Library       string
	Reason        string
	VerifyCode    int
	VerifyMessage string
}

func (e *Error) Error() string { return e.Message }

// Unwrap gives syscall.Errno for an OS error with an errno, os.ErrDeadlineExceeded
// for a timeout, and nil otherwise.
func (e *Error) Unwrap() error {
	switch {
	case e.Kind == TimeoutError:
		return os.ErrDeadlineExceeded
	case e.Kind == OSError && e.Errno != 0:
		return syscall.Errno(e.Errno)
	}
	return nil
}

// The kinds of SSLError (Error.Errno), Python's ssl.SSL_ERROR_* values.
const (
	SSLErrorSSL        = raw.TLSErrorSSL        // SSLError (SSLCertVerificationError if Reason is CERTIFICATE_VERIFY_FAILED)
	SSLErrorWantRead   = raw.TLSErrorWantRead   // SSLWantReadError: non-blocking, the peer's bytes are needed first
	SSLErrorWantWrite  = raw.TLSErrorWantWrite  // SSLWantWriteError: non-blocking, bytes must be sent first
	SSLErrorSyscall    = raw.TLSErrorSyscall    // SSLSyscallError
	SSLErrorZeroReturn = raw.TLSErrorZeroReturn // SSLZeroReturnError: the peer sent close_notify
	SSLErrorEOF        = raw.TLSErrorEOF        // SSLEOFError: the stream ended without close_notify
)

// sentinel is an error value that errors.Is matches against Error kinds.
type sentinel struct{ text string }

func (s *sentinel) Error() string { return s.text }

// Targets for errors.Is: an *Error matches the one of its kind.
var (
	// ErrNotConfigured: the native library was built without TLS (POLYSOCK_TLS=OFF).
	ErrNotConfigured error = &sentinel{"polysock: TLS is not configured in this build"}
	// ErrSSLWantRead is Python's SSLWantReadError.
	ErrSSLWantRead error = &sentinel{"polysock: SSLWantReadError"}
	// ErrSSLWantWrite is Python's SSLWantWriteError.
	ErrSSLWantWrite error = &sentinel{"polysock: SSLWantWriteError"}
	// ErrSSLZeroReturn is Python's SSLZeroReturnError.
	ErrSSLZeroReturn error = &sentinel{"polysock: SSLZeroReturnError"}
	// ErrSSLEOF is Python's SSLEOFError.
	ErrSSLEOF error = &sentinel{"polysock: SSLEOFError"}
	// ErrSSLSyscall is Python's SSLSyscallError.
	ErrSSLSyscall error = &sentinel{"polysock: SSLSyscallError"}
	// ErrCertVerification is Python's SSLCertVerificationError.
	ErrCertVerification error = &sentinel{"polysock: SSLCertVerificationError"}
)

// Is matches the sentinels above (errors.Is).
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotConfigured:
		return e.Kind == NotConfigured
	case ErrCertVerification:
		return e.Kind == SSLError && e.Reason == "CERTIFICATE_VERIFY_FAILED"
	}
	if e.Kind != SSLError {
		return false
	}
	switch target {
	case ErrSSLWantRead:
		return e.Errno == SSLErrorWantRead
	case ErrSSLWantWrite:
		return e.Errno == SSLErrorWantWrite
	case ErrSSLZeroReturn:
		return e.Errno == SSLErrorZeroReturn
	case ErrSSLEOF:
		return e.Errno == SSLErrorEOF
	case ErrSSLSyscall:
		return e.Errno == SSLErrorSyscall
	}
	return false
}

// PythonClass is the name of Python's exception class for e, e.g. "OSError",
// "TimeoutError", "SSLCertVerificationError", "SSLWantReadError".
func (e *Error) PythonClass() string {
	if e.Kind != SSLError {
		return e.Kind.String()
	}
	switch {
	case e.Reason == "CERTIFICATE_VERIFY_FAILED":
		return "SSLCertVerificationError"
	case e.Errno == SSLErrorWantRead:
		return "SSLWantReadError"
	case e.Errno == SSLErrorWantWrite:
		return "SSLWantWriteError"
	case e.Errno == SSLErrorZeroReturn:
		return "SSLZeroReturnError"
	case e.Errno == SSLErrorEOF:
		return "SSLEOFError"
	case e.Errno == SSLErrorSyscall:
		return "SSLSyscallError"
	}
	return "SSLError"
}

// Timeout reports whether the operation timed out (net.Error).
func (e *Error) Timeout() bool { return e.Kind == TimeoutError }

// Temporary reports a timeout or a call that would block (net.Error).
func (e *Error) Temporary() bool {
	return e.Kind == TimeoutError ||
		(e.Kind == OSError && (e.Errno == int(syscall.EAGAIN) || e.Errno == int(syscall.EINTR))) ||
		(e.Kind == SSLError && (e.Errno == SSLErrorWantRead || e.Errno == SSLErrorWantWrite))
}

// statusInterrupted is SOCK_ERR_INTERRUPTED: the interrupt hook stopped a wait.
const statusInterrupted = -8

// fromBuf is the Error a shim wrote into b. An interrupted call (the interrupt hook
// said stop) is Python's InterruptedError, an OSError with errno EINTR, so
// errors.Is(err, syscall.EINTR) holds.
func fromBuf(b *raw.ErrBuf) *Error {
	e := &Error{Kind: Kind(b.Status), Errno: int(b.Errno), Message: raw.CString(b.Msg[:])}
	if b.Status == raw.StatusSSL && b.TLS.Kind != 0 {
		e.Library = raw.CString(b.TLS.Library[:])
		e.Reason = raw.CString(b.TLS.Reason[:])
		e.VerifyCode = int(b.TLS.VerifyCode)
		e.VerifyMessage = raw.CString(b.TLS.VerifyMessage[:])
	}
	if b.Status == statusInterrupted {
		e.Kind = OSError
		if e.Errno == 0 {
			e.Errno = int(syscall.EINTR)
		}
		if e.Message == "" {
			e.Message = "[Errno 4] Interrupted system call"
		}
	}
	return e
}

// wouldBlock holds the Errors of a call that would block in non-blocking mode (OSError
// EAGAIN, and EWOULDBLOCK where that is another number): one shared value each, made
// from the first such failure (so its Message is the native library's, Python's
// "[Errno 11] Resource temporarily unavailable"). Once both are known, the operations
// ask the shims to leave the message out (raw.PGO_PARK_QUIET_AGAIN), and a would-block
// costs no formatting, no copy and no allocation.
var wouldBlock struct{ again, wouldblock atomic.Pointer[Error] }

// wouldBlockSlot is the slot of wouldBlock for b's failure, nil if it is not a would-block.
func wouldBlockSlot(b *raw.ErrBuf) *atomic.Pointer[Error] {
	if b.Status != int32(OSError) {
		return nil
	}
	switch b.Errno {
	case eAGAIN:
		return &wouldBlock.again
	case eWOULDBLOCK:
		return &wouldBlock.wouldblock
	}
	return nil
}

// wouldBlockKnown reports whether both would-block Errors are held, so that an
// operation's would-block needs no message from the shim.
func wouldBlockKnown() bool {
	return wouldBlock.again.Load() != nil &&
		(eWOULDBLOCK == eAGAIN || wouldBlock.wouldblock.Load() != nil)
}

// opError is the Error of an operation (recv, send, accept, ...) made once in
// non-blocking mode: fromBuf's, except that a would-block is the shared Error of
// wouldBlock. Only these calls fill the slots: their would-block always has the plain
// errno message (create_server's, say, can carry a note of its own).
func opError(b *raw.ErrBuf) *Error {
	slot := wouldBlockSlot(b)
	if slot == nil {
		return fromBuf(b)
	}
	if e := slot.Load(); e != nil {
		return e
	}
	e := fromBuf(b)
	if e.Message == "" || slot.CompareAndSwap(nil, e) {
		return e
	}
	return slot.Load()
}

// errTimeout is a deadline that ran out on the runtime's poller: Python's timeout.
func errTimeout() *Error { return &Error{Kind: TimeoutError, Message: "timed out"} }

// errValue is a bad argument caught in Go, in Python's words.
func errValue(msg string) *Error { return &Error{Kind: ValueError, Message: msg} }
