package polysock

import (
	"os"
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
	}
	return "Kind(?)"
}

// Error is every failure of the package: Python's exception kind, errno (or the
// EAI_* code, or h_errno) and Python's message, e.g. "[Errno 111] Connection refused".
// The three are read inside the native call that failed.
//
// errors.Is(err, syscall.ECONNREFUSED) works for OS errors (Unwrap gives the
// syscall.Errno); a timeout satisfies net.Error with Timeout() == true and
// errors.Is(err, os.ErrDeadlineExceeded).
type Error struct {
	Kind    Kind
	Errno   int
	Message string
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

// Timeout reports whether the operation timed out (net.Error).
func (e *Error) Timeout() bool { return e.Kind == TimeoutError }

// Temporary reports a timeout or a call that would block (net.Error).
func (e *Error) Temporary() bool {
	return e.Kind == TimeoutError ||
		(e.Kind == OSError && (e.Errno == int(syscall.EAGAIN) || e.Errno == int(syscall.EINTR)))
}

// statusInterrupted is SOCK_ERR_INTERRUPTED: the interrupt hook stopped a wait.
const statusInterrupted = -8

// fromBuf is the Error a shim wrote into b. An interrupted call (the interrupt hook
// said stop) is Python's InterruptedError, an OSError with errno EINTR, so
// errors.Is(err, syscall.EINTR) holds.
func fromBuf(b *raw.ErrBuf) *Error {
	e := &Error{Kind: Kind(b.Status), Errno: int(b.Errno), Message: raw.CString(b.Msg[:])}
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

// errTimeout is a deadline that ran out on the runtime's poller: Python's timeout.
func errTimeout() *Error { return &Error{Kind: TimeoutError, Message: "timed out"} }

// errValue is a bad argument caught in Go, in Python's words.
func errValue(msg string) *Error { return &Error{Kind: ValueError, Message: msg} }
