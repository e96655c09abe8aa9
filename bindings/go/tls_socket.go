package polysock

// TLS sockets: Python's ssl.SSLSocket. A TLS socket is an ordinary *Socket (Recv,
// Send, SendAll, timeouts, deadlines, Close, the Poller and the net.Conn adapters all
// work on it); these are the methods only TLS sockets have.

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"polysock.dev/polysock/internal/raw"
)

// WrapOption is an option of WrapSocket.
type WrapOption int

const (
	// NoHandshake is do_handshake_on_connect=False: the handshake runs on the first
	// Recv or Send, or when DoHandshake is called (required in non-blocking mode).
	NoHandshake WrapOption = 1 << iota
	// RaggedEOFError is suppress_ragged_eofs=False: a stream that ends without the
	// peer's close_notify is the SSLEOFError, not the end of the data.
	RaggedEOFError
)

// tlsState is what the Go layer keeps of a wrapped socket.
type tlsState struct {
	handshakeOnConnect bool
	serverSide         bool
	handshaken         atomic.Bool // DoHandshake succeeded
	firstUse           sync.Mutex  // serialises tlsHandshakeFirst
}

// WrapSocket is context.wrap_socket(sock, server_side, do_handshake_on_connect,
// suppress_ragged_eofs, server_hostname): a TLS socket on s's descriptor, with its
// family, type and timeout. s itself is detached, as Python's wrap_socket detaches the
// socket it is given: it reads as closed (Fileno -1, every call the EBADF error) and
// closing it does nothing.
//
// serverHostname ("" for none; required when CheckHostname is on) is sent as SNI and
// checked against the certificate. If s is connected, the handshake runs now in its
// timeout mode (a non-blocking socket needs NoHandshake, as in Python), and a failed
// handshake closes the TLS socket, as Python's does; an unconnected client handshakes
// after Connect, and Accept on a wrapped listener returns handshaken connections.
func (c *TLSContext) WrapSocket(s *Socket, serverSide bool, serverHostname string, opts ...WrapOption) (*Socket, error) {
	if err := hostNoNUL(serverHostname); err != nil {
		return nil, err
	}
	var o WrapOption
	for _, v := range opts {
		o |= v
	}
	st := &tlsState{handshakeOnConnect: o&NoHandshake == 0, serverSide: serverSide}
	// The socket is non-blocking underneath: the native wrap never handshakes, this
	// layer does (parking the goroutine), so the flag is always given.
	flags := uint(raw.TLSWrapNoHandshake)
	if o&RaggedEOFError != 0 {
		flags |= raw.TLSWrapRaggedEOFError
	}
	connected := false
	if st.handshakeOnConnect {
		if _, err := s.Getpeername(); err == nil {
			connected = true
			if s.timeout.Load() == 0 {
				return nil, errValue("do_handshake_on_connect should not be specified for non-blocking sockets")
			}
		}
	}
	host, hostNull := optional(serverHostname)
	t, err := s.wrapTLS(func(ns *raw.NewSock, e *raw.ErrBuf) int {
		return raw.Tls_wrap_socket(c.h, s.h, b2i(serverSide), host, hostNull, flags, ns, e)
	}, st)
	runtime.KeepAlive(c)
	if err != nil {
		return nil, err
	}
	if connected {
		if err := t.DoHandshake(); err != nil {
			t.Close()
			return nil, err
		}
	}
	return t, nil
}

// wrapTLS makes the native wrap (which detaches s's handle) and moves s's descriptor,
// with its place on the runtime's poller, to the new TLS socket; s reads as closed.
// Both of s's sides are locked meanwhile, so no call of s runs across the change.
func (s *Socket) wrapTLS(wrap func(*raw.NewSock, *raw.ErrBuf) int, st *tlsState) (*Socket, error) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var ns raw.NewSock
	var e raw.ErrBuf
	rc := 0
	if s.closed.Load() || !s.control(func() { rc = wrap(&ns, &e) }) {
		return nil, s.closedErr()
	}
	if rc != 0 && ns.H == 0 {
		return nil, fromBuf(&e) // s unchanged
	}
	t := &Socket{h: ns.H, fd: s.fd, f: s.f, rc: s.rc, family: s.family, typ: s.typ, proto: s.proto}
	t.r, t.w = newOps(ns.H)
	t.timeout.Store(s.timeout.Load())
	t.tls.Store(st)
	if !s.closed.CompareAndSwap(false, true) {
		// Closed meanwhile (its Close could only release the descriptor): let go of the
		// new handle without closing the descriptor twice.
		raw.Detach(ns.H, &e)
		return nil, s.closedErr()
	}
	runtime.SetFinalizer(s, nil)
	runtime.SetFinalizer(t, (*Socket).Close)
	if rc != 0 {
		t.Close()
		return nil, fromBuf(&e)
	}
	return t, nil
}

// acceptedTLS sets up a connection accepted on a wrapped listener (already wrapped by
// the C ABI) and handshakes it unless the listener said NoHandshake; on failure c is
// closed.
func (c *Socket) acceptedTLS(l *tlsState) error {
	c.tls.Store(&tlsState{handshakeOnConnect: l.handshakeOnConnect, serverSide: true})
	if !l.handshakeOnConnect {
		return nil
	}
	if c.timeout.Load() == 0 {
		c.Close()
		return errValue("do_handshake_on_connect should not be specified for non-blocking sockets")
	}
	if err := c.DoHandshake(); err != nil {
		c.Close()
		return err
	}
	return nil
}

// connectedTLS runs the handshake of a wrapped client that Connect just connected.
func (s *Socket) connectedTLS() error {
	if st := s.tls.Load(); st != nil && st.handshakeOnConnect {
		return s.DoHandshake()
	}
	return nil
}

// DoHandshake is do_handshake(): in the socket's timeout mode (deadlines apply, and a
// timeout is "The handshake operation timed out"). Non-blocking, it fails with
// ErrSSLWantRead or ErrSSLWantWrite (Python's SSLWantReadError...): wait for that event
// (Poller) and call it again. On a socket that is not TLS: the ValueError.
func (s *Socket) DoHandshake() error {
	err := s.tlsStep(callHandshake)
	if st := s.tls.Load(); err == nil && st != nil {
		st.handshaken.Store(true)
	}
	return err
}

// tlsHandshakeFirst runs the handshake of a TLS socket wrapped with NoHandshake before
// its first Recv or Send (which OpenSSL would otherwise run inside the call), so that
// a Recv and a Send started together never both drive it, each parked on a side of
// the poller the other needs.
//
// Its own lock, not the sides' locks: a Recv that follows the handshake holds the read
// side while it waits, and a Send must then see the handshake done, not wait for it.
func (s *Socket) tlsHandshakeFirst() error {
	if s.tls.Load() != nil {
		return s.handshakeFirst()
	}
	return nil
}

// handshakeFirst is tlsHandshakeFirst for a wrapped socket, out of line so that the
// check above inlines into the calls of a plain one.
func (s *Socket) handshakeFirst() error {
	st := s.tls.Load()
	if st == nil || st.handshaken.Load() {
		return nil
	}
	st.firstUse.Lock()
	defer st.firstUse.Unlock()
	if st.handshaken.Load() || s.tls.Load() != st {
		return nil
	}
	return s.DoHandshake()
}

// HandshakeContext is DoHandshake bounded by ctx as well: its deadline, and its
// cancellation, which ends the handshake with ctx.Err().
func (s *Socket) HandshakeContext(ctx context.Context) error {
	if ctx.Done() == nil {
		return s.DoHandshake()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && s.timeout.Load() < 0 {
		s.f.SetDeadline(d)
		defer s.f.SetDeadline(time.Time{})
	}
	stop := make(chan struct{})
	woke := make(chan struct{})
	go func() {
		defer close(woke)
		select {
		case <-ctx.Done():
			s.f.SetDeadline(time.Unix(1, 0)) // wakes the parked handshake
		case <-stop:
		}
	}()
	err := s.DoHandshake()
	close(stop)
	<-woke
	if ctx.Err() != nil {
		s.f.SetDeadline(time.Time{})
		return ctx.Err()
	}
	return err
}

// Unwrap is unwrap(): sends close_notify, waits for the peer's (in the socket's timeout
// mode; non-blocking, ErrSSLWantRead until it came), and the same socket then carries
// plain TCP: IsTLS is false, and no byte that followed the peer's close_notify is lost.
func (s *Socket) Unwrap() error {
	if err := s.tlsStep(callUnwrap); err != nil {
		return err
	}
	s.tls.Store(nil)
	return nil
}

// tlsStep runs a handshake or an unwrap, which read and write: both sides locked.
func (s *Socket) tlsStep(call int) error {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	o := s.r
	o.call = call
	_, err := s.run(o, true, true)
	if t := s.timeout.Load(); t > 0 {
		s.f.SetDeadline(time.Time{}) // the Python timeout's deadlines, on both sides
	}
	return err
}

// tlsQuery is one of the integer queries of pgo_tls_query.
func (s *Socket) tlsQuery(what int) (int, error) {
	var e raw.ErrBuf
	var v int64
	if !s.control(func() { v = raw.Tls_query(s.h, what, &e) }) {
		return 0, s.closedErr()
	}
	if v < 0 {
		return 0, errOf(int(v), &e)
	}
	return int(v), nil
}

// IsTLS tells whether s is a TLS socket (wrapped, and not unwrapped since).
func (s *Socket) IsTLS() bool {
	v, err := s.tlsQuery(0)
	return err == nil && v != 0
}

// TLSPending is pending(): decrypted bytes readable without I/O.
func (s *Socket) TLSPending() (int, error) { return s.tlsQuery(1) }

// ServerSide is server_side: true for a socket wrapped as the server.
func (s *Socket) ServerSide() (bool, error) {
	v, err := s.tlsQuery(2)
	return v != 0, err
}

// tlsText reads version() (alpn false) or selected_alpn_protocol() of a socket or an
// object: "" with ok false for Python's None.
func tlsText(h uint64, obj bool, alpn bool, control func(func()) bool, closed func() error) (string, bool, error) {
	var b [256]byte
	var e raw.ErrBuf
	var n int64
	if !control(func() { n = raw.Tls_text(h, b2i(obj), b2i(alpn), b[:], &e) }) {
		return "", false, closed()
	}
	if n < 0 {
		return "", false, errOf(int(n), &e)
	}
	return string(b[:n]), n > 0, nil
}

// TLSVersion is version(): "TLSv1.3", "TLSv1.2", ...; ok is false (Python's None)
// before the handshake.
func (s *Socket) TLSVersion() (version string, ok bool, err error) {
	return tlsText(s.h, false, false, s.control, s.closedErr)
}

// SelectedALPNProtocol is selected_alpn_protocol(): ok is false if none was agreed.
func (s *Socket) SelectedALPNProtocol() (protocol string, ok bool, err error) {
	return tlsText(s.h, false, true, s.control, s.closedErr)
}

// Cipher is cipher()'s (name, protocol, secret_bits); ok false is Python's None
// (before the handshake).
type Cipher struct {
	Name       string // e.g. "TLS_AES_256_GCM_SHA384"
	Protocol   string // e.g. "TLSv1.3"
	SecretBits int    // e.g. 256
}

func cipherOf(h uint64, obj bool, control func(func()) bool, closed func() error) (Cipher, bool, error) {
	var ci raw.CipherInfo
	var e raw.ErrBuf
	rc := 0
	if !control(func() { rc = raw.Tls_cipher(h, b2i(obj), &ci, &e) }) {
		return Cipher{}, false, closed()
	}
	if rc != 0 {
		return Cipher{}, false, errOf(rc, &e)
	}
	c := Cipher{Name: raw.CString(ci.Name[:]), Protocol: raw.CString(ci.Protocol[:]), SecretBits: int(ci.SecretBits)}
	return c, c.Name != "", nil
}

// Cipher is cipher().
func (s *Socket) Cipher() (Cipher, bool, error) { return cipherOf(s.h, false, s.control, s.closedErr) }

// PeerCert is getpeercert(): the peer's certificate, nil if it sent none (Python's
// None). Before the handshake: the ValueError "handshake not done yet".
func (s *Socket) PeerCert() (*PeerCertificate, error) {
	return peerCert(s.h, false, s.control, s.closedErr)
}
