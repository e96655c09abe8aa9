package polysock

// TLS for the net.Conn adapters: Client, Server, Dial and a listener whose Accept
// returns handshaken TLS connections. Waiting is the same as for plain sockets: a
// goroutine parks on the runtime's poller, during the handshake too.

import (
	"context"
	"net"
	"sync"
	"time"

	"polysock.dev/polysock/internal/raw"
)

// Close closes the connection. On a TLS connection whose handshake is done it first
// sends close_notify when it can without waiting (as crypto/tls's Conn.Close does;
// Socket.Close, Python's close(), sends none), so the peer reads a clean end of stream.
func (c Conn) Close() error {
	if c.tls.Load() != nil {
		c.closeNotify()
	}
	return c.Socket.Close()
}

// closeNotify makes one non-blocking unwrap attempt: it queues and sends close_notify
// and does not wait for the peer's. Skipped while another call uses the socket.
func (s *Socket) closeNotify() {
	if !s.rmu.TryLock() {
		return
	}
	defer s.rmu.Unlock()
	if !s.wmu.TryLock() {
		return
	}
	defer s.wmu.Unlock()
	if st := s.tls.Load(); st == nil || !st.handshaken.Load() {
		return
	}
	var e raw.ErrBuf
	s.control(func() { raw.Tls_step(s.h, 1, 1, &e) })
}

// socketOf is the polysock socket under a net.Conn made by this package.
func socketOf(conn net.Conn) (*Socket, error) {
	switch c := conn.(type) {
	case Conn:
		return c.Socket, nil
	case *Conn:
		return c.Socket, nil
	}
	return nil, errValue("not a polysock connection: a TLS socket needs a polysock Conn (see Dial, Listen, NetConn)")
}

// Client wraps a connected polysock conn as the client side and runs the handshake
// (bounded by conn's deadlines): the TLS connection, on the same descriptor. conn
// itself is detached, as WrapSocket's s. serverHostname is sent as SNI and checked.
func (c *TLSContext) Client(conn net.Conn, serverHostname string) (Conn, error) {
	return c.wrapConn(context.Background(), conn, false, serverHostname)
}

// Server wraps a connected polysock conn as the server side and runs the handshake.
func (c *TLSContext) Server(conn net.Conn) (Conn, error) {
	return c.wrapConn(context.Background(), conn, true, "")
}

func (c *TLSContext) wrapConn(ctx context.Context, conn net.Conn, serverSide bool, host string) (Conn, error) {
	s, err := socketOf(conn)
	if err != nil {
		return Conn{}, err
	}
	t, err := c.WrapSocket(s, serverSide, host, NoHandshake)
	if err != nil {
		return Conn{}, err
	}
	if err := t.HandshakeContext(ctx); err != nil {
		t.Close()
		return Conn{}, err
	}
	return t.NetConn(), nil
}

// DialContext is DialContext followed by a TLS handshake bounded by ctx, with the
// host of address as server hostname: usable as an http.Transport's DialTLSContext.
func (c *TLSContext) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	conn, err := DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	t, err := c.wrapConn(ctx, conn, false, host)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return t, nil
}

// Dial is DialContext without a context.
func (c *TLSContext) Dial(network, address string) (net.Conn, error) {
	return c.DialContext(context.Background(), network, address)
}

// TLSListener is a net.Listener whose Accept returns TLS connections whose handshake is
// done. Handshakes run in goroutines of their own, so a slow or silent client delays
// nobody else; one that fails is dropped (and given to ErrorLog).
type TLSListener struct {
	// HandshakeTimeout bounds each handshake (0: 30 seconds).
	HandshakeTimeout time.Duration
	// ErrorLog, if set, is told of every failed handshake.
	ErrorLog func(error)

	sock  *Socket // the wrapped listening socket
	start sync.Once
	ready chan Conn
	errs  chan error
	done  chan struct{}
	stop  sync.Once
}

var _ net.Listener = (*TLSListener)(nil)

// Listen is Listen (tcp, tcp4, tcp6 or unix) with a TLS listener on top.
func (c *TLSContext) Listen(network, address string) (*TLSListener, error) {
	l, err := Listen(network, address)
	if err != nil {
		return nil, err
	}
	tl, err := c.NewListener(l)
	if err != nil {
		l.Close()
		return nil, err
	}
	return tl, nil
}

// NewListener wraps a listening polysock socket as the server side (the socket is
// detached into the new listener, as WrapSocket's s).
func (c *TLSContext) NewListener(l *Listener) (*TLSListener, error) {
	t, err := c.WrapSocket(l.Socket, true, "", NoHandshake)
	if err != nil {
		return nil, err
	}
	return &TLSListener{sock: t, ready: make(chan Conn), errs: make(chan error),
		done: make(chan struct{})}, nil
}

// Accept waits for a connection whose handshake succeeded.
func (l *TLSListener) Accept() (net.Conn, error) {
	l.start.Do(func() { go l.acceptLoop() })
	select {
	case c := <-l.ready:
		return c, nil
	case err := <-l.errs:
		return nil, err
	case <-l.done:
		return nil, l.sock.closedErr()
	}
}

func (l *TLSListener) acceptLoop() {
	for {
		s, _, err := l.sock.Accept()
		if err != nil {
			select {
			case l.errs <- err:
				continue
			case <-l.done:
				return
			}
		}
		go l.handshake(s)
	}
}

func (l *TLSListener) handshake(s *Socket) {
	timeout := l.HandshakeTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	err := goDefaults(s)
	if err == nil {
		s.SetDeadline(time.Now().Add(timeout))
		err = s.DoHandshake()
		s.SetDeadline(time.Time{})
	}
	if err != nil {
		s.Close()
		if l.ErrorLog != nil {
			l.ErrorLog(err)
		}
		return
	}
	select {
	case l.ready <- s.NetConn():
	case <-l.done:
		s.Close()
	}
}

// Close closes the listening socket; Accept returns the EBADF error from then on.
func (l *TLSListener) Close() error {
	l.stop.Do(func() { close(l.done) })
	return l.sock.Close()
}

// Addr is the listening address.
func (l *TLSListener) Addr() net.Addr { return l.sock.NetListener().Addr() }

// Socket is the wrapped listening socket.
func (l *TLSListener) Socket() *Socket { return l.sock }
