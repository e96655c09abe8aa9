package polysock

import (
	"context"
	"net"
	"strconv"
)

// NetAddr is a polysock Address as a net.Addr.
type NetAddr struct {
	Net string // "tcp", "udp" or "unix"
	Address
}

// Network is net.Addr's network name.
func (a NetAddr) Network() string { return a.Net }

// String is host:port, or the path of an AF_UNIX address.
func (a NetAddr) String() string {
	if a.Family == AF_UNIX {
		return a.Host
	}
	return net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
}

func (s *Socket) netName() string {
	switch {
	case s.family == AF_UNIX:
		return "unix"
	case s.typ == SOCK_DGRAM:
		return "udp"
	}
	return "tcp"
}

// Conn is a connected Socket as a net.Conn: Read, Write, Close and the deadlines are
// the Socket's own; it adds LocalAddr and RemoteAddr.
type Conn struct {
	*Socket
}

var _ net.Conn = Conn{}

// NetConn is s as a net.Conn, for net/http, bufio, io.Copy, crypto/tls...
func (s *Socket) NetConn() Conn { return Conn{s} }

// LocalAddr is getsockname() as a net.Addr (nil if it fails).
func (c Conn) LocalAddr() net.Addr {
	a, err := c.Getsockname()
	if err != nil {
		return nil
	}
	return NetAddr{c.netName(), a}
}

// RemoteAddr is getpeername() as a net.Addr (nil if it fails).
func (c Conn) RemoteAddr() net.Addr {
	a, err := c.Getpeername()
	if err != nil {
		return nil
	}
	return NetAddr{c.netName(), a}
}

// Listener is a listening Socket as a net.Listener.
type Listener struct {
	Socket *Socket
}

var _ net.Listener = (*Listener)(nil)

// NetListener is a listening s as a net.Listener (for http.Server.Serve...).
func (s *Socket) NetListener() *Listener { return &Listener{s} }

// Accept waits for a connection; accepted sockets are in blocking mode (no timeout)
// and, for TCP, have TCP_NODELAY set, as package net's.
func (l *Listener) Accept() (net.Conn, error) {
	c, _, err := l.Socket.Accept()
	if err != nil {
		return nil, err
	}
	if err := goDefaults(c); err != nil {
		c.Close()
		return nil, err
	}
	return c.NetConn(), nil
}

// goDefaults gives a socket of the Go adapters package net's defaults: blocking mode
// (deadlines, not a timeout) and, for TCP, TCP_NODELAY (Python's sockets keep
// Nagle's algorithm, as NewSocket and CreateConnection do).
func goDefaults(s *Socket) error {
	if err := s.SetBlocking(true); err != nil {
		return err
	}
	if s.typ == SOCK_STREAM && (s.family == AF_INET || s.family == AF_INET6) {
		return s.Setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)
	}
	return nil
}

// Close closes the listening socket; a goroutine in Accept wakes with EBADF.
func (l *Listener) Close() error { return l.Socket.Close() }

// Addr is the listening address.
func (l *Listener) Addr() net.Addr {
	a, err := l.Socket.Getsockname()
	if err != nil {
		return nil
	}
	return NetAddr{l.Socket.netName(), a}
}

func splitHostPort(address string) (string, int, error) {
	host, ps, err := net.SplitHostPort(address)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(ps)
	if err != nil {
		return "", 0, err
	}
	return host, port, nil
}

// Listen is net.Listen over polysock: network "tcp", "tcp4" or "tcp6" with
// "host:port", or "unix" with a path.
func Listen(network, address string) (*Listener, error) {
	switch network {
	case "unix":
		s, err := NewSocket(AF_UNIX, SOCK_STREAM, 0)
		if err != nil {
			return nil, err
		}
		if err = s.Bind(address, 0); err == nil {
			err = s.Listen(-1)
		}
		if err != nil {
			s.Close()
			return nil, err
		}
		s.SetBlocking(true)
		return s.NetListener(), nil
	case "tcp", "tcp4", "tcp6":
		host, port, err := splitHostPort(address)
		if err != nil {
			return nil, err
		}
		family := AF_INET
		if network == "tcp6" || (network == "tcp" && net.ParseIP(host) != nil && net.ParseIP(host).To4() == nil) {
			family = AF_INET6
		}
		s, err := CreateServer(host, port, family, -1, false, false)
		if err != nil {
			return nil, err
		}
		s.SetBlocking(true)
		return s.NetListener(), nil
	}
	return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
}

// Dial is net.Dial over polysock (see DialContext).
func Dial(network, address string) (net.Conn, error) {
	return DialContext(context.Background(), network, address)
}

// DialContext is net.Dialer.DialContext over polysock, usable as an http.Transport's
// DialContext: "tcp", "tcp4", "tcp6" (host:port, every address in turn, as
// create_connection), "udp" or "unix". The connection is in blocking mode and, for
// TCP, has TCP_NODELAY set, as package net's.
func DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	switch network {
	case "unix":
		s, err := NewSocket(AF_UNIX, SOCK_STREAM, 0)
		if err != nil {
			return nil, err
		}
		if err = connectWith(ctx, s, Address{Family: AF_UNIX, Host: address}, -1, "", 0); err != nil {
			s.Close()
			return nil, err
		}
		return s.NetConn(), nil
	case "tcp", "tcp4", "tcp6", "udp":
		host, port, err := splitHostPort(address)
		if err != nil {
			return nil, err
		}
		if network == "udp" {
			s, err := CreateUDP(host, port)
			if err != nil {
				return nil, err
			}
			return s.NetConn(), nil
		}
		s, err := dialContext(ctx, host, port, -1, "", 0)
		if err != nil {
			return nil, err
		}
		if err := goDefaults(s); err != nil {
			s.Close()
			return nil, err
		}
		return s.NetConn(), nil
	}
	return nil, &net.OpError{Op: "dial", Net: network, Err: net.UnknownNetworkError(network)}
}

// CreateUDP is a datagram socket connected to host:port (the first address found).
func CreateUDP(host string, port int) (*Socket, error) {
	ps := strconv.Itoa(port)
	infos, err := Getaddrinfo(&host, &ps, 0, SOCK_DGRAM, 0, 0)
	if err != nil {
		return nil, err
	}
	ai := infos[0]
	s, err := NewSocket(ai.Family, ai.Type, ai.Proto)
	if err != nil {
		return nil, err
	}
	if err := s.SetBlocking(true); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.Connect(ai.Addr.Host, ai.Addr.Port); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
