package polysock

import (
	"errors"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"polysock.dev/polysock/internal/raw"
)

// Address is a socket address, Python's address tuple: (host, port) for AF_INET,
// (host, port, flowinfo, scope_id) for AF_INET6, the path for AF_UNIX ("@name" for
// the abstract namespace; Port 0).
type Address struct {
	Family   int
	Host     string
	Port     int
	Flowinfo uint32
	ScopeID  uint32
}

func addressOf(a *raw.SockAddress) Address {
	return Address{Family: int(a.Family), Host: raw.CString(a.Host[:]), Port: int(a.Port),
		Flowinfo: a.Flowinfo, ScopeID: a.ScopeID}
}

func (a Address) toRaw() (raw.SockAddress, error) {
	r := raw.SockAddress{Family: int32(a.Family), Port: int32(a.Port), Flowinfo: a.Flowinfo,
		ScopeID: a.ScopeID}
	if err := hostNoNUL(a.Host); err != nil {
		return r, err
	}
	if len(a.Host) >= len(r.Host) {
		return r, errValue("host name too long")
	}
	copy(r.Host[:], a.Host)
	return r, nil
}

// bufAddr is the address of b's first byte, for the shims that take caller buffers as
// an address and a length (polysock_go.h says why). b must be heap memory, kept alive
// by the caller for the call: the op's buffer field, or a heapCopy.
func bufAddr(b []byte) uintptr {
	if len(b) == 0 {
		return 0
	}
	return uintptr(unsafe.Pointer(&b[0]))
}

// heapCopy is a copy of b on the heap (make with a variable size never uses the stack).
func heapCopy(b []byte) []byte {
	c := make([]byte, len(b))
	copy(c, b)
	return c
}

// The native calls an operation makes from a RawConn callback.
const (
	callRecv = iota
	callRecvfrom
	callSend
	callSendto
	callAccept
	callConnect
	callConnectUnix
	callRecvmsg
	callSendmsg
	callRecvFds
	callSendFds
	callHandshake // TLS do_handshake()
	callUnwrap    // TLS unwrap()
)

// op is one direction's operation state, reused by every call on that direction of a
// socket (guarded by Socket.rmu or Socket.wmu): the RawConn callback is built once and
// the error buffer lives here, so an operation allocates nothing. op never points back
// to its Socket, so the Socket's finaliser can run.
type op struct {
	h     uint64
	call  int
	buf   []byte
	flags int
	host  string
	port  int
	again int
	park  int // the shims' park mode (raw.PGO_PARK_*): who reads a would-block's message
	n     int64
	// TLS: a would-block names the event to wait for, which need not be the one of
	// the call (a read can want WRITE). waitWrite says which one the callback is
	// parked on; flip says that the other one is wanted (the callback returned true).
	waitWrite bool
	flip      bool
	deadline  time.Time // the Python timeout's deadline of the current call
	// sendmsg, recvmsg and descriptors (messages.go): the buffers and items are held
	// here for the call (heap memory, alive), iov and cm give C their addresses.
	bufs     [][]byte
	iov      []raw.IOVec
	anc      []AncData
	cm       []raw.Cmsg
	ancbuf   []byte
	fds      []int32
	hostNull int
	// A plain read (probeable) whose last one had to wait at its first attempt
	// (waited) asks the kernel whether anything is there before its native call
	// (probe, readableNow); tries counts the callback's calls in the operation.
	probeable, probe, waited bool
	tries                    int
	fn                       func(uintptr) bool // the RawConn Read/Write callback
	ctl                      func(uintptr)      // the RawConn Control callback (non-blocking mode)
	*opC
}

// opC is what the native calls write: a separate allocation without Go pointers, as
// cgo requires of memory C writes into.
type opC struct {
	addr raw.SockAddress
	ns   raw.NewSock
	msg  raw.MsgInfo
	e    raw.ErrBuf
}

// newOps makes a socket's read and write operation states: one allocation for both
// ops and one for both opCs (and one per callback), as a connection costs a dozen
// allocations as it is.
func newOps(h uint64) (r, w *op) {
	ops := new([2]op)
	cs := new([2]opC)
	for i := range ops {
		o := &ops[i]
		o.h, o.opC = h, &cs[i]
		o.fn = o.attempt
		o.ctl = func(uintptr) { o.once() }
	}
	return &ops[0], &ops[1]
}

// attempt is the RawConn callback: the native call, or at the first try of a probing
// read, nothing at all when the kernel says nothing is there (false: park).
func (o *op) attempt(fd uintptr) bool {
	o.tries++
	if o.tries > 1 || !o.probeable {
		return o.once()
	}
	if o.probe && !readableNow(fd) {
		o.waited = true
		return false
	}
	done := o.once()
	o.waited = !done
	return done
}

// once makes the one non-blocking native call; false means "would block": park.
func (o *op) once() bool {

	// o.buf is a field of a heap object, so its array is on the heap (it does not move)
	// and stays alive for the call.
	p, n := bufAddr(o.buf), int64(len(o.buf))
	switch o.call {
	case callRecv:
		o.n = raw.Recv(o.h, p, n, o.flags, o.park, &o.e)
	case callRecvfrom:
		o.n = raw.Recvfrom(o.h, p, n, o.flags, o.park, &o.addr, &o.e)
	case callSend:
		o.n = raw.Send(o.h, p, n, o.flags, o.park, &o.e)
	case callSendto:
		o.n = raw.Sendto(o.h, p, n, o.flags, o.park, o.host, o.port, &o.e)
	case callAccept:
		o.n = int64(raw.Accept(o.h, o.park, &o.ns, &o.e))
	case callConnect:
		o.n = int64(raw.Connect(o.h, o.host, o.port, o.again, o.park, &o.e))
	case callConnectUnix:
		o.n = int64(raw.Connect_unix(o.h, p, n, o.again, o.park, &o.e))
	case callRecvmsg:
		o.n = raw.Recvmsg(o.h, o.iov, bufAddr(o.ancbuf), int64(len(o.ancbuf)), o.flags, o.park, &o.msg, &o.e)
	case callSendmsg:
		o.n = raw.Sendmsg(o.h, o.iov, o.cm, o.flags, o.host, o.hostNull, o.port, o.park, &o.e)
	case callRecvFds:
		o.n = raw.Recv_fds(o.h, p, n, o.fds, o.flags, o.park, &o.msg, &o.e)
	case callSendFds:
		o.n = raw.Send_fds(o.h, o.iov, o.fds, o.flags, o.host, o.hostNull, o.port, o.park, &o.e)
	case callHandshake:
		o.n = int64(raw.Tls_step(o.h, 0, o.park, &o.e))
	case callUnwrap:
		o.n = int64(raw.Tls_step(o.h, 1, o.park, &o.e))
	}
	if o.n == int64(raw.StatusSSL) && o.park == raw.PGO_PARK_POLLER {
		// TLS would-block: park on the event the kind names.
		switch o.e.Errno {
		case raw.TLSErrorWantRead:
			o.flip = o.waitWrite
			return o.flip
		case raw.TLSErrorWantWrite:
			o.flip = !o.waitWrite
			return o.flip
		}
	}
	if o.n == int64(OSError) {
		switch o.e.Errno {
		case eAGAIN, eWOULDBLOCK:
			return false
		case eINPROGRESS, eALREADY:
			if o.call == callConnect || o.call == callConnectUnix {
				o.again = 1
				return false
			}
		}
	}
	return true
}

// release lets go of the caller's buffers once the call is over.
func (o *op) release() {
	o.buf = nil
	// Only the message calls set these: a plain recv or send stores one pointer.
	if o.bufs != nil || o.anc != nil || o.ancbuf != nil || o.fds != nil {
		o.bufs, o.anc, o.ancbuf, o.fds = nil, nil, nil, nil
	}
}

// result is the outcome of the last native call: its count, or its Error.
func (o *op) result() (int, error) {
	o.release()
	if o.n < 0 {
		return 0, opError(&o.e)
	}
	return int(o.n), nil
}

var (
	eAGAIN      = int32(constant("EAGAIN"))
	eWOULDBLOCK = int32(constant("EWOULDBLOCK"))
	eINPROGRESS = int32(constant("EINPROGRESS"))
	eALREADY    = int32(constant("EALREADY"))
)

// Timeout modes, as Python's: None (blocking), 0 (non-blocking), or a duration.
const timeoutNone = int64(-1)

// Socket is Python's socket object. Every method is safe for concurrent use; reads
// are serialised with reads, writes with writes, as in package net.
//
// The native socket is always in non-blocking mode underneath: a call that would
// block parks its goroutine on the Go runtime's network poller, never an OS thread.
// Python's timeout (SetTimeout) becomes a deadline on each operation.
type Socket struct {
	h                  uint64
	fd                 int
	f                  *os.File
	rc                 syscall.RawConn
	family, typ, proto int
	timeout            atomic.Int64 // nanoseconds, 0 non-blocking, timeoutNone
	closed             atomic.Bool
	rmu, wmu           sync.Mutex
	r, w               *op
	tls                atomic.Pointer[tlsState] // non-nil while the socket is wrapped
}

// adopt wraps a socket the shims prepared (non-blocking, descriptor known).
func adopt(ns *raw.NewSock, family, typ, proto int) (*Socket, error) {
	f := os.NewFile(uintptr(ns.Fd), "polysock")
	rc, err := f.SyscallConn()
	if err != nil {
		var e raw.ErrBuf
		raw.Detach(ns.H, &e)
		f.Close()
		return nil, err
	}
	s := &Socket{h: ns.H, fd: int(ns.Fd), f: f, rc: rc, family: family, typ: typ, proto: proto}
	s.r, s.w = newOps(ns.H)
	if ns.Timeout < 0 {
		s.timeout.Store(timeoutNone)
	} else {
		s.timeout.Store(int64(ns.Timeout * float64(time.Second)))
	}
	runtime.SetFinalizer(s, (*Socket).Close)
	return s, nil
}

// NewSocket is socket.socket(family, type, proto): a new socket in the module's
// default timeout mode. type may include SOCK_NONBLOCK.
func NewSocket(family, typ, proto int) (*Socket, error) {
	// One allocation for both out-parameters (each would escape to the heap on its own).
	b := new(struct {
		ns raw.NewSock
		e  raw.ErrBuf
	})
	if raw.Socket(family, typ, proto, &b.ns, &b.e) != 0 {
		return nil, fromBuf(&b.e)
	}
	return adopt(&b.ns, family, typ&^(SOCK_NONBLOCK|SOCK_CLOEXEC), proto)
}

// FromFd is socket.fromfd(fd, family, type, proto): a socket on a duplicate of fd
// (fd stays the caller's). A negative family, type or proto is read from fd.
func FromFd(fd, family, typ, proto int) (*Socket, error) {
	var ns raw.NewSock
	var e raw.ErrBuf
	if raw.Fromfd(fd, family, typ, proto, &ns, &e) != 0 {
		return nil, fromBuf(&e)
	}
	info := raw.Info(ns.H, &e)
	if info < 0 {
		raw.Close(ns.H, &e)
		return nil, fromBuf(&e)
	}
	return adopt(&ns, int(info&0xffff), int(info>>16&0xffff), int(info>>32&0xffff))
}

// Socketpair is socket.socketpair(family, type, proto): two connected sockets.
func Socketpair(family, typ, proto int) (*Socket, *Socket, error) {
	var a, b raw.NewSock
	var e raw.ErrBuf
	if raw.Socketpair(family, typ, proto, &a, &b, &e) != 0 {
		return nil, nil, fromBuf(&e)
	}
	typ &^= SOCK_NONBLOCK | SOCK_CLOEXEC
	sa, err := adopt(&a, family, typ, proto)
	if err != nil {
		raw.Close(b.H, &e)
		return nil, nil, err
	}
	sb, err := adopt(&b, family, typ, proto)
	if err != nil {
		sa.Close()
		return nil, nil, err
	}
	return sa, sb, nil
}

// CreateServer is socket.create_server((host, port), family=family, backlog=backlog,
// reuse_port=reusePort, dualstack_ipv6=dualstack): a listening stream socket with
// SO_REUSEADDR. family 0 means AF_INET, a negative backlog listen()'s default.
func CreateServer(host string, port, family, backlog int, reusePort, dualstack bool) (*Socket, error) {
	if err := hostNoNUL(host); err != nil {
		return nil, err
	}
	var ns raw.NewSock
	var e raw.ErrBuf
	if raw.Create_server(host, port, family, backlog, b2i(reusePort), b2i(dualstack), &ns, &e) != 0 {
		return nil, fromBuf(&e)
	}
	if family == 0 {
		family = AF_INET
	}
	return adopt(&ns, family, SOCK_STREAM, 0)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Family, Type and Proto are the socket's attributes (type without SOCK_NONBLOCK).
func (s *Socket) Family() int { return s.family }

// Type is the socket type, e.g. SOCK_STREAM.
func (s *Socket) Type() int { return s.typ }

// Proto is the protocol number.
func (s *Socket) Proto() int { return s.proto }

// Fileno is fileno(): the descriptor, -1 once closed. Use it for system calls that
// polysock lacks; reads and writes on it bypass the runtime's poller.
func (s *Socket) Fileno() int {
	if s.closed.Load() {
		return -1
	}
	return s.fd
}

// Close is close(): closes the socket. Goroutines waiting on it wake up with the
// EBADF error. Closing a closed socket does nothing, as in Python.
func (s *Socket) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	runtime.SetFinalizer(s, nil)
	// The handle goes first (nothing can start on it any more), then the descriptor:
	// os.File closes it once every parked operation has woken up and returned. (No
	// error buffer: the error is of no use here, and a buffer would be a 640-byte
	// allocation per Close.)
	raw.Detach(s.h, nil)
	s.f.Close()
	return nil
}

// Detach is detach(): the socket object lets go of its descriptor and returns it (the
// caller must close it); the socket is closed. The descriptor is in blocking mode.
func (s *Socket) Detach() (int, error) {
	if !s.closed.CompareAndSwap(false, true) {
		return -1, nil
	}
	runtime.SetFinalizer(s, nil)
	var e raw.ErrBuf
	raw.Detach(s.h, &e)
	fd := -1
	var derr error
	cerr := s.rc.Control(func(u uintptr) {
		fd, derr = syscall.Dup(int(u))
	})
	s.f.Close()
	if cerr != nil {
		return -1, cerr
	}
	if derr != nil {
		return -1, derr
	}
	syscall.CloseOnExec(fd)
	if err := syscall.SetNonblock(fd, false); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

// Dup is dup(): a new socket on a duplicate descriptor, with the same timeout.
func (s *Socket) Dup() (*Socket, error) {
	var ns raw.NewSock
	var e raw.ErrBuf
	rc := 0
	if !s.control(func() { rc = raw.Dup(s.h, &ns, &e) }) {
		return nil, s.closedErr()
	}
	if rc != 0 {
		return nil, fromBuf(&e)
	}
	d, err := adopt(&ns, s.family, s.typ, s.proto)
	if err == nil {
		d.timeout.Store(s.timeout.Load())
	}
	return d, err
}

// ---- timeouts and deadlines ----

// SetTimeout is settimeout(seconds): 0 puts the socket in non-blocking mode (a call
// that would block fails with EAGAIN), a positive duration bounds every operation
// (TimeoutError when it runs out). A negative duration is Python's ValueError.
// SetBlocking(true) is settimeout(None). It clears the deadlines of SetDeadline.
func (s *Socket) SetTimeout(d time.Duration) error {
	if d < 0 {
		secs := d.Seconds()
		if secs == -1 || secs == -2 {
			secs = -1.5 // the C ABI's sentinels; any other negative is the same ValueError
		}
		var e raw.ErrBuf
		rc := raw.Check_timeout(s.h, secs, &e)
		runtime.KeepAlive(s)
		if rc != 0 {
			return fromBuf(&e)
		}
		return errValue("Timeout value out of range")
	}
	if s.closed.Load() {
		return s.closedErr()
	}
	s.timeout.Store(int64(d))
	s.f.SetDeadline(time.Time{})
	return nil
}

// GetTimeout is gettimeout(): the timeout, and false for None (blocking mode).
func (s *Socket) GetTimeout() (time.Duration, bool) {
	t := s.timeout.Load()
	if t == timeoutNone {
		return 0, false
	}
	return time.Duration(t), true
}

// SetBlocking is setblocking(flag): true is settimeout(None), false settimeout(0).
func (s *Socket) SetBlocking(flag bool) error {
	if s.closed.Load() {
		return s.closedErr()
	}
	if flag {
		s.timeout.Store(timeoutNone)
	} else {
		s.timeout.Store(0)
	}
	s.f.SetDeadline(time.Time{})
	return nil
}

// GetBlocking is getblocking(): false only in non-blocking mode (timeout 0).
func (s *Socket) GetBlocking() bool { return s.timeout.Load() != 0 }

// SetDeadline sets Go's absolute deadline for reads and writes (net.Conn). Deadlines
// and Python's timeout are alternatives: setting one puts the socket's timeout to
// None (blocking); SetTimeout and SetBlocking clear the deadlines.
func (s *Socket) SetDeadline(t time.Time) error {
	s.timeout.Store(timeoutNone)
	return s.f.SetDeadline(t)
}

// SetReadDeadline is SetDeadline for reads (recv, accept) only.
func (s *Socket) SetReadDeadline(t time.Time) error {
	s.timeout.Store(timeoutNone)
	return s.f.SetReadDeadline(t)
}

// SetWriteDeadline is SetDeadline for writes (send, connect) only.
func (s *Socket) SetWriteDeadline(t time.Time) error {
	s.timeout.Store(timeoutNone)
	return s.f.SetWriteDeadline(t)
}

// control makes a native call on the socket while os.File holds its descriptor open
// (a concurrent Close then waits for it), so the call can never act on a descriptor
// number that was closed and reused meanwhile; false if the socket is closed.
func (s *Socket) control(f func()) bool {
	err := s.rc.Control(func(uintptr) { f() })
	runtime.KeepAlive(s)
	return err == nil
}

// closedErr is the EBADF Error of a closed socket, from the native library.
func (s *Socket) closedErr() error {
	var e raw.ErrBuf
	if raw.Recv(s.h, 0, 0, 0, 0, &e) < 0 {
		return fromBuf(&e)
	}
	return &Error{Kind: OSError, Errno: int(syscall.EBADF), Message: "[Errno 9] Bad file descriptor"}
}

// run performs o on the read or write side: once in non-blocking mode, else parked on
// the poller until it completes or the deadline passes. The caller holds the side's lock
// (both locks for a TLS handshake or unwrap, which set both deadlines themselves).
//
// On a TLS socket the wait can change sides: a read that needs to send first (OpenSSL's
// WANT_WRITE) waits for the descriptor to be writable, a write that needs the peer's
// bytes waits for it to be readable. With a Python timeout, that other side's deadline
// is set too when no call of its own uses it.
func (s *Socket) run(o *op, write bool, setDeadline bool) (int, error) {
	t := s.timeout.Load()
	if t == 0 {
		o.park = raw.PGO_PARK_NONE
		if wouldBlockKnown() {
			o.park = raw.PGO_PARK_QUIET_AGAIN
		}
		if err := s.rc.Control(o.ctl); err != nil {
			o.release()
			return 0, s.closedErr()
		}
		return o.result()
	}
	o.park = raw.PGO_PARK_POLLER
	if t > 0 && setDeadline {
		o.deadline = time.Now().Add(time.Duration(t))
		if o.call == callHandshake || o.call == callUnwrap {
			s.f.SetDeadline(o.deadline)
		} else {
			s.setSideDeadline(write, o.deadline)
		}
	}
	// A read on a socket whose last read had to wait (a request-response exchange, as
	// a round trip is) will likely wait again, and a call into C that only says EAGAIN
	// costs about 450 instructions of cgo's and the C ABI's (180 ns here) more than
	// a raw poll (docs/benchmarks.md), so such a read first asks the kernel directly
	// (readableNow: poll, nothing consumed) and parks at once if nothing is there. Only
	// plain receives of at least a byte: not on TLS, whose library can hold decrypted
	// bytes that no poll sees, nor with flags (MSG_OOB's data is no POLLIN), nor for a
	// 0-byte read, which returns at once. Any other call on the read side (accept,
	// recvmsg, ...) clears waited, so that it always tells of the side's last call.
	o.tries = 0
	o.probeable = !write && (o.call == callRecv || o.call == callRecvfrom) && o.flags == 0 &&
		len(o.buf) > 0 && s.tls.Load() == nil
	o.probe = o.probeable && o.waited
	if !o.probeable {
		o.waited = false
	}
	first := write
	var err error
	for {
		o.flip = false
		o.waitWrite = write
		if write == first || o.call == callHandshake || o.call == callUnwrap {
			err = s.wait(o, write)
		} else {
			err = s.waitOtherSide(o, write)
		}
		if err != nil || !o.flip {
			break
		}
		write = !write
	}
	runtime.KeepAlive(s)
	if err != nil {
		o.release()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, s.timeoutErr(o, write)
		}
		return 0, s.closedErr()
	}
	return o.result()
}

func (s *Socket) setSideDeadline(write bool, d time.Time) {
	if write {
		s.f.SetWriteDeadline(d)
	} else {
		s.f.SetReadDeadline(d)
	}
}

func (s *Socket) wait(o *op, write bool) error {
	if write {
		return s.rc.Write(o.fn)
	}
	return s.rc.Read(o.fn)
}

// waitOtherSide waits on the side the call does not own, with the call's deadline when
// that side is idle (its lock free). A read that needs to send while a write is under
// way waits for the same event as that write, after it.
func (s *Socket) waitOtherSide(o *op, write bool) error {
	mu := &s.rmu
	if write {
		mu = &s.wmu
	}
	if mu.TryLock() {
		defer mu.Unlock()
		if s.timeout.Load() > 0 {
			s.setSideDeadline(write, o.deadline)
		}
		return s.wait(o, write)
	}
	if write {
		return s.wait(o, write)
	}
	return s.retryWhileReading(o)
}

// retryWhileReading is a write that needs the peer's bytes (a renegotiation, say) while
// a Recv is parked: that Recv holds the descriptor's read side (RawConn.Read lets one
// goroutine wait at a time) until its own data comes, but it reads and processes the
// bytes the write needs. So the write is retried now and then (1 ms, doubling up to
// 20 ms), parked on the write side, until it goes through, the Recv ends, or the
// deadline passes.
func (s *Socket) retryWhileReading(o *op) error {
	delay := time.Millisecond
	for {
		if s.timeout.Load() > 0 && time.Now().After(o.deadline) {
			return os.ErrDeadlineExceeded
		}
		time.Sleep(delay)
		if delay < 20*time.Millisecond {
			delay *= 2
		}
		if s.rmu.TryLock() { // the Recv is over: wait on the read side after all
			defer s.rmu.Unlock()
			if s.timeout.Load() > 0 {
				s.setSideDeadline(false, o.deadline)
			}
			o.flip, o.waitWrite = false, false
			return s.wait(o, false)
		}
		o.flip, o.waitWrite = false, true
		if err := s.wait(o, true); err != nil || !o.flip {
			return err // done (or failed, or out of time)
		}
	}
}

// timeoutErr is Python's timeout of the call: "timed out", or on a TLS socket "The
// read operation timed out" (write, handshake).
func (s *Socket) timeoutErr(o *op, write bool) *Error {
	e := errTimeout()
	if s.tls.Load() == nil && o.call != callHandshake && o.call != callUnwrap {
		return e
	}
	switch o.call {
	case callHandshake:
		e.Message = "The handshake operation timed out"
	case callRecv, callRecvfrom, callAccept:
		e.Message = "The read operation timed out"
	case callSend, callSendto, callConnect:
		e.Message = "The write operation timed out"
	default:
		if write {
			e.Message = "The write operation timed out"
		} else {
			e.Message = "The read operation timed out"
		}
	}
	return e
}

func flagsOf(flags []int) int {
	f := 0
	for _, v := range flags {
		f |= v
	}
	return f
}

// ---- data ----

// RecvInto is recv_into(buffer, nbytes=len(b), flags): reads into b, without a copy.
// 0 bytes from a stream means the peer shut down its side.
func (s *Socket) RecvInto(b []byte, flags ...int) (int, error) {
	if err := s.tlsHandshakeFirst(); err != nil {
		return 0, err
	}
	s.rmu.Lock()
	defer s.rmu.Unlock()
	o := s.r
	o.call, o.buf, o.flags = callRecv, b, flagsOf(flags)
	return s.run(o, false, true)
}

// maxRecv bounds the buffer Recv and Recvfrom allocate: Go cannot recover from a
// failed allocation, so a larger bufsize is Python's MemoryError at once (a single
// receive never returns more than 2 GiB on Linux anyway).
const maxRecv = 1 << 31

func errMemory() *Error { return &Error{Kind: MemoryError, Message: ""} }

// Recv is recv(bufsize, flags): up to bufsize bytes in a new slice.
func (s *Socket) Recv(bufsize int, flags ...int) ([]byte, error) {
	if bufsize < 0 {
		return nil, errValue("negative buffersize in recv")
	}
	if bufsize > maxRecv {
		return nil, errMemory()
	}
	b := make([]byte, bufsize)
	n, err := s.RecvInto(b, flags...)
	if err != nil {
		return nil, err
	}
	return b[:n], nil
}

// RecvfromInto is recvfrom_into(buffer, nbytes, flags): data and the sender's address.
func (s *Socket) RecvfromInto(b []byte, flags ...int) (int, Address, error) {
	if err := s.tlsHandshakeFirst(); err != nil {
		return 0, Address{}, err
	}
	s.rmu.Lock()
	defer s.rmu.Unlock()
	o := s.r
	o.call, o.buf, o.flags = callRecvfrom, b, flagsOf(flags)
	n, err := s.run(o, false, true)
	if err != nil {
		return 0, Address{}, err
	}
	return n, addressOf(&o.addr), nil
}

// Recvfrom is recvfrom(bufsize, flags).
func (s *Socket) Recvfrom(bufsize int, flags ...int) ([]byte, Address, error) {
	if bufsize < 0 {
		return nil, Address{}, errValue("negative buffersize in recvfrom")
	}
	if bufsize > maxRecv {
		return nil, Address{}, errMemory()
	}
	b := make([]byte, bufsize)
	n, a, err := s.RecvfromInto(b, flags...)
	if err != nil {
		return nil, Address{}, err
	}
	return b[:n], a, nil
}

// Send is send(data, flags): sends some of b, and tells how much.
func (s *Socket) Send(b []byte, flags ...int) (int, error) {
	if err := s.tlsHandshakeFirst(); err != nil {
		return 0, err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	o := s.w
	o.call, o.buf, o.flags = callSend, b, flagsOf(flags)
	return s.run(o, true, true)
}

// SendAll is sendall(data, flags): sends all of b under one deadline (Python's
// timeout covers the whole call). On failure, n tells how much went.
func (s *Socket) SendAll(b []byte, flags ...int) error {
	_, err := s.sendAll(b, flagsOf(flags))
	return err
}

func (s *Socket) sendAll(b []byte, flags int) (int, error) {
	if err := s.tlsHandshakeFirst(); err != nil {
		return 0, err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	o := s.w
	sent := 0
	for first := true; first || sent < len(b); first = false {
		o.call, o.buf, o.flags = callSend, b[sent:], flags
		n, err := s.run(o, true, first)
		sent += n
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// Sendto is sendto(data, flags, (host, port)): one datagram to that address.
func (s *Socket) Sendto(b []byte, host string, port int, flags ...int) (int, error) {
	if err := hostNoNUL(host); err != nil {
		return 0, err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	o := s.w
	o.call, o.buf, o.flags, o.host, o.port = callSendto, b, flagsOf(flags), host, port
	return s.run(o, true, true)
}

// Read is io.Reader: RecvInto, with io.EOF for the end of a stream.
func (s *Socket) Read(b []byte) (int, error) {
	n, err := s.RecvInto(b)
	if err == nil && n == 0 && len(b) > 0 && s.typ == SOCK_STREAM {
		return 0, io.EOF
	}
	return n, err
}

// Write is io.Writer: SendAll, telling how much went.
func (s *Socket) Write(b []byte) (int, error) { return s.sendAll(b, 0) }

// ---- connections ----

// Bind is bind((host, port)); for AF_UNIX host is the path and port 0.
func (s *Socket) Bind(host string, port int) error {
	if err := hostNoNUL(host); err != nil {
		return err
	}
	var e raw.ErrBuf
	rc := 0
	if !s.control(func() { rc = raw.Bind(s.h, host, port, &e) }) {
		return s.closedErr()
	}
	if rc != 0 {
		return fromBuf(&e)
	}
	return nil
}

// Listen is listen(backlog); a negative backlog is Python's default.
func (s *Socket) Listen(backlog int) error {
	var e raw.ErrBuf
	rc := 0
	if !s.control(func() { rc = raw.Listen(s.h, backlog, &e) }) {
		return s.closedErr()
	}
	if rc != 0 {
		return fromBuf(&e)
	}
	return nil
}

// Accept is accept(): a new connection (in the module's default timeout mode, as in
// Python) and its peer's address.
func (s *Socket) Accept() (*Socket, Address, error) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	o := s.r
	o.call = callAccept
	if _, err := s.run(o, false, true); err != nil {
		return nil, Address{}, err
	}
	c, err := adopt(&o.ns, s.family, s.typ, s.proto)
	if err != nil {
		return nil, Address{}, err
	}
	if st := s.tls.Load(); st != nil {
		// A wrapped listener accepts wrapped connections: handshaken now, in the new
		// socket's timeout mode, unless the listener was wrapped with NoHandshake.
		if err := c.acceptedTLS(st); err != nil {
			return nil, Address{}, err
		}
	}
	return c, addressOf(&o.ns.Addr), nil
}

// Connect is connect((host, port)): the goroutine waits on the poller while the
// connection is made, bounded by the timeout. In non-blocking mode it fails with
// EINPROGRESS, as Python's BlockingIOError.
func (s *Socket) Connect(host string, port int) error {
	if err := hostNoNUL(host); err != nil {
		return err
	}
	s.wmu.Lock()
	o := s.w
	o.call, o.host, o.port, o.again = callConnect, host, port, 0
	_, err := s.run(o, true, true)
	s.wmu.Unlock()
	if err == nil {
		err = s.connectedTLS()
	}
	return err
}

// ConnectEx is connect_ex((host, port)): 0 or the errno value instead of an OS error.
func (s *Socket) ConnectEx(host string, port int) (int, error) {
	err := s.Connect(host, port)
	var pe *Error
	if errors.As(err, &pe) {
		switch pe.Kind {
		case OSError:
			return pe.Errno, nil
		case TimeoutError:
			return int(eWOULDBLOCK), nil
		}
		return 0, err
	}
	return 0, err
}

// Shutdown is shutdown(how): SHUT_RD, SHUT_WR or SHUT_RDWR.
func (s *Socket) Shutdown(how int) error {
	var e raw.ErrBuf
	rc := 0
	if !s.control(func() { rc = raw.Shutdown(s.h, how, &e) }) {
		return s.closedErr()
	}
	if rc != 0 {
		return fromBuf(&e)
	}
	return nil
}

// Getsockname is getsockname(): the local address.
func (s *Socket) Getsockname() (Address, error) {
	var a raw.SockAddress
	var e raw.ErrBuf
	rc := 0
	if !s.control(func() { rc = raw.Getsockname(s.h, &a, &e) }) {
		return Address{}, s.closedErr()
	}
	if rc != 0 {
		return Address{}, fromBuf(&e)
	}
	return addressOf(&a), nil
}

// Getpeername is getpeername(): the remote address.
func (s *Socket) Getpeername() (Address, error) {
	var a raw.SockAddress
	var e raw.ErrBuf
	rc := 0
	if !s.control(func() { rc = raw.Getpeername(s.h, &a, &e) }) {
		return Address{}, s.closedErr()
	}
	if rc != 0 {
		return Address{}, fromBuf(&e)
	}
	return addressOf(&a), nil
}

// Setsockopt is setsockopt(level, opt, value) with an integer value.
func (s *Socket) Setsockopt(level, opt, value int) error {
	var e raw.ErrBuf
	rc := 0
	if !s.control(func() { rc = raw.Setsockopt(s.h, level, opt, value, &e) }) {
		return s.closedErr()
	}
	if rc != 0 {
		return fromBuf(&e)
	}
	return nil
}

// SetsockoptBytes is setsockopt(level, opt, value) with a bytes value.
func (s *Socket) SetsockoptBytes(level, opt int, value []byte) error {
	var e raw.ErrBuf
	v := heapCopy(value)
	rc := 0
	if !s.control(func() { rc = raw.Setsockopt_bytes(s.h, level, opt, bufAddr(v), int64(len(v)), &e) }) {
		return s.closedErr()
	}
	runtime.KeepAlive(v)
	if rc != 0 {
		return fromBuf(&e)
	}
	return nil
}

// Getsockopt is getsockopt(level, opt): an integer option.
func (s *Socket) Getsockopt(level, opt int) (int, error) {
	var e raw.ErrBuf
	var v int64
	if !s.control(func() { v = raw.Getsockopt(s.h, level, opt, &e) }) {
		return 0, s.closedErr()
	}
	if e.Status != 0 {
		return 0, fromBuf(&e)
	}
	return int(v), nil
}

// GetsockoptBytes is getsockopt(level, opt, buflen): the raw value (buflen 1..1024).
func (s *Socket) GetsockoptBytes(level, opt, buflen int) ([]byte, error) {
	if buflen <= 0 || buflen > 1024 { // Python's OSError without errno
		return nil, &Error{Kind: OSError, Message: "getsockopt buflen out of range"}
	}
	b := make([]byte, buflen)
	var e raw.ErrBuf
	var n int64
	if !s.control(func() { n = raw.Getsockopt_bytes(s.h, level, opt, b, &e) }) {
		return nil, s.closedErr()
	}
	if n < 0 {
		return nil, fromBuf(&e)
	}
	return b[:n], nil
}
