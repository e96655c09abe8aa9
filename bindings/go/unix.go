package polysock

import (
	"runtime"

	"polysock.dev/polysock/internal/raw"
)

// AF_UNIX addresses as bytes, descriptors adopted and closed.

// BindUnix is bind(path) with a bytes path, for AF_UNIX addresses that the string
// form of Bind cannot spell: an abstract name with embedded NUL bytes
// ("\x00name\x00more", the leading NUL makes it abstract) or a file path that begins
// with '@'. An empty path autobinds (the kernel picks an abstract name).
func (s *Socket) BindUnix(path []byte) error {
	p := heapCopy(path)
	var e raw.ErrBuf
	rc := 0
	if !s.control(func() { rc = raw.Bind_unix(s.h, bufAddr(p), int64(len(p)), &e) }) {
		return s.closedErr()
	}
	runtime.KeepAlive(p)
	if rc != 0 {
		return fromBuf(&e)
	}
	return nil
}

// ConnectUnix is connect(path) with a bytes path (see BindUnix); it waits as Connect.
func (s *Socket) ConnectUnix(path []byte) error {
	p := heapCopy(path)
	s.wmu.Lock()
	o := s.w
	o.call, o.buf, o.again = callConnectUnix, p, 0
	_, err := s.run(o, true, true)
	s.wmu.Unlock()
	if err == nil {
		err = s.connectedTLS()
	}
	return err
}

func (s *Socket) socknameUnix(peer int) ([]byte, error) {
	b := make([]byte, 128)
	var e raw.ErrBuf
	var n int64
	if !s.control(func() { n = raw.Sockname_unix(s.h, peer, b, &e) }) {
		return nil, s.closedErr()
	}
	if n < 0 {
		return nil, fromBuf(&e)
	}
	return b[:n], nil
}

// GetsocknameUnix is getsockname() of an AF_UNIX socket as bytes, as Python gives it
// for a bytes address: the file path, or the abstract name with its leading NUL and
// any NULs inside it; empty if the socket is unbound.
func (s *Socket) GetsocknameUnix() ([]byte, error) { return s.socknameUnix(0) }

// GetpeernameUnix is getpeername() of an AF_UNIX socket as bytes (see GetsocknameUnix).
func (s *Socket) GetpeernameUnix() ([]byte, error) { return s.socknameUnix(1) }

// NewSocketFileno is socket.socket(family, type, proto, fileno): a socket on the
// descriptor fd itself, without a duplicate; the Socket owns fd from now on (Close
// closes it). A negative family, type or proto is read from fd, as CPython does. The
// socket takes the module's default timeout; the descriptor is switched to
// non-blocking mode underneath, as every socket of the Go binding (Go waits on its
// poller). On failure fd stays the caller's.
func NewSocketFileno(family, typ, proto, fd int) (*Socket, error) {
	var ns raw.NewSock
	var e raw.ErrBuf
	if raw.Socket_fileno(family, typ, proto, fd, &ns, &e) != 0 {
		return nil, fromBuf(&e)
	}
	info := raw.Info(ns.H, &e)
	if info < 0 {
		raw.Detach(ns.H, &e)
		return nil, fromBuf(&e)
	}
	return adopt(&ns, int(info&0xffff), int(info>>16&0xffff), int(info>>32&0xffff))
}

// Close is socket.close(fd): closes a bare descriptor, such as one from Detach
// (ECONNRESET is ignored, as CPython does). A bad descriptor is the EBADF error.
// Never pass the descriptor of a live Socket (its Fileno): Close the Socket instead.
func Close(fd int) error {
	var e raw.ErrBuf
	if raw.Net_close(fd, &e) != 0 {
		return fromBuf(&e)
	}
	return nil
}
