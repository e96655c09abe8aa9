package polysock

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"time"

	"polysock.dev/polysock/internal/raw"
)

// Module functions of Python's socket module, under Go casing.

func check(n int64, e *raw.ErrBuf) error {
	if n < 0 {
		return fromBuf(e)
	}
	return nil
}

// noNUL rejects text with an embedded NUL, which C would cut short (Python's
// ValueError "embedded null character").
func noNUL(s ...string) error {
	for _, x := range s {
		if strings.IndexByte(x, 0) >= 0 {
			return errValue("embedded null character")
		}
	}
	return nil
}

// hostNoNUL is noNUL for a host name, in Python's words for one.
func hostNoNUL(host string) error {
	if strings.IndexByte(host, 0) >= 0 {
		return errValue("host name must not contain null character")
	}
	return nil
}

func convert(f func(int64, *raw.ErrBuf) int64, x int64) (int64, error) {
	var e raw.ErrBuf
	v := f(x, &e)
	if v < 0 {
		return 0, fromBuf(&e)
	}
	return v, nil
}

// Htons is htons(x): x (0..65535) in network byte order.
func Htons(x int64) (int64, error) { return convert(raw.Htons, x) }

// Ntohs is ntohs(x).
func Ntohs(x int64) (int64, error) { return convert(raw.Ntohs, x) }

// Htonl is htonl(x): x (0..2**32-1) in network byte order.
func Htonl(x int64) (int64, error) { return convert(raw.Htonl, x) }

// Ntohl is ntohl(x).
func Ntohl(x int64) (int64, error) { return convert(raw.Ntohl, x) }

// InetAton is inet_aton(text): the 4 packed bytes of an IPv4 address.
func InetAton(text string) ([]byte, error) {
	if err := noNUL(text); err != nil {
		return nil, err
	}
	b := make([]byte, 4)
	var e raw.ErrBuf
	if err := check(raw.Inet_aton(text, b, &e), &e); err != nil {
		return nil, err
	}
	return b, nil
}

// InetNtoa is inet_ntoa(packed): the text of a 4-byte address.
func InetNtoa(packed []byte) (string, error) {
	var b [64]byte
	var e raw.ErrBuf
	p := heapCopy(packed)
	n := raw.Inet_ntoa(bufAddr(p), int64(len(p)), b[:], &e)
	runtime.KeepAlive(p)
	if n < 0 {
		return "", fromBuf(&e)
	}
	return string(b[:n]), nil
}

// InetPton is inet_pton(af, text): 4 or 16 packed bytes.
func InetPton(af int, text string) ([]byte, error) {
	if err := noNUL(text); err != nil {
		return nil, err
	}
	b := make([]byte, 16)
	var e raw.ErrBuf
	n := raw.Inet_pton(af, text, b, &e)
	if n < 0 {
		return nil, fromBuf(&e)
	}
	return b[:n], nil
}

// InetNtop is inet_ntop(af, packed): the text of a 4- or 16-byte address.
func InetNtop(af int, packed []byte) (string, error) {
	var b [64]byte
	var e raw.ErrBuf
	p := heapCopy(packed)
	n := raw.Inet_ntop(af, bufAddr(p), int64(len(p)), b[:], &e)
	runtime.KeepAlive(p)
	if n < 0 {
		return "", fromBuf(&e)
	}
	return string(b[:n]), nil
}

// Getservbyname is getservbyname(name, proto); proto "" means any (Python's None).
func Getservbyname(name, proto string) (int, error) {
	if err := noNUL(name, proto); err != nil {
		return 0, err
	}
	var e raw.ErrBuf
	n := raw.Getservbyname(name, proto, b2i(proto == ""), &e)
	if n < 0 {
		return 0, fromBuf(&e)
	}
	return int(n), nil
}

// Getservbyport is getservbyport(port, proto); proto "" means any.
func Getservbyport(port int, proto string) (string, error) {
	if err := noNUL(proto); err != nil {
		return "", err
	}
	var b [256]byte
	var e raw.ErrBuf
	n := raw.Getservbyport(port, proto, b2i(proto == ""), b[:], &e)
	if n < 0 {
		return "", fromBuf(&e)
	}
	return string(b[:n]), nil
}

// Getprotobyname is getprotobyname(name).
func Getprotobyname(name string) (int, error) {
	if err := noNUL(name); err != nil {
		return 0, err
	}
	var e raw.ErrBuf
	n := raw.Getprotobyname(name, &e)
	if n < 0 {
		return 0, fromBuf(&e)
	}
	return int(n), nil
}

func text(f func([]byte, *raw.ErrBuf) int64) (string, error) {
	b := make([]byte, 1100)
	var e raw.ErrBuf
	n := f(b, &e)
	if n < 0 {
		return "", fromBuf(&e)
	}
	return string(b[:n]), nil
}

// Gethostname is gethostname().
func Gethostname() (string, error) { return text(raw.Gethostname) }

// Gethostbyname is gethostbyname(name): an IPv4 address as text.
func Gethostbyname(name string) (string, error) {
	if err := hostNoNUL(name); err != nil {
		return "", err
	}
	return text(func(b []byte, e *raw.ErrBuf) int64 { return raw.Gethostbyname(name, b, e) })
}

// Getfqdn is getfqdn(name).
func Getfqdn(name string) (string, error) {
	if err := hostNoNUL(name); err != nil {
		return "", err
	}
	return text(func(b []byte, e *raw.ErrBuf) int64 { return raw.Getfqdn(name, b, e) })
}

// HostEntry is Python's (hostname, aliaslist, ipaddrlist).
type HostEntry struct {
	Name      string
	Aliases   []string
	Addresses []string
}

func hostent(name string, byAddr bool) (HostEntry, error) {
	if err := hostNoNUL(name); err != nil {
		return HostEntry{}, err
	}
	for size := 4096; size <= 1<<20; size *= 4 {
		b := make([]byte, size)
		var e raw.ErrBuf
		n := raw.Hostent(name, b2i(byAddr), b, &e)
		if n == int64(RangeError) {
			continue
		}
		if n < 0 {
			return HostEntry{}, fromBuf(&e)
		}
		parts := strings.Split(string(b[:n]), "\x00")
		// name, aliases..., "", addresses..., "", "" (after the last NUL)
		he := HostEntry{Name: parts[0], Aliases: []string{}, Addresses: []string{}}
		i := 1
		for ; i < len(parts) && parts[i] != ""; i++ {
			he.Aliases = append(he.Aliases, parts[i])
		}
		for i++; i < len(parts) && parts[i] != ""; i++ {
			he.Addresses = append(he.Addresses, parts[i])
		}
		return he, nil
	}
	return HostEntry{}, &Error{Kind: MemoryError, Message: "host entry too large"}
}

// GethostbynameEx is gethostbyname_ex(name).
func GethostbynameEx(name string) (HostEntry, error) { return hostent(name, false) }

// Gethostbyaddr is gethostbyaddr(ip).
func Gethostbyaddr(ip string) (HostEntry, error) { return hostent(ip, true) }

// AddrInfo is one getaddrinfo() result: (family, type, proto, canonname, sockaddr).
type AddrInfo struct {
	Family    int
	Type      int
	Proto     int
	Canonname string
	Addr      Address
}

// Getaddrinfo is getaddrinfo(host, port, family, type, proto, flags). host and port
// may be nil (Python's None); port is a number or a service name as text.
func Getaddrinfo(host, port *string, family, typ, proto, flags int) ([]AddrInfo, error) {
	h, p := "", ""
	if host != nil {
		h = *host
	}
	if port != nil {
		p = *port
	}
	if err := noNUL(h, p); err != nil {
		return nil, err
	}
	buf := make([]raw.AddrInfo, 16)
	for {
		var e raw.ErrBuf
		n := raw.Getaddrinfo(h, b2i(host == nil), p, b2i(port == nil), family, typ, proto, flags, buf, &e)
		if n < 0 {
			return nil, fromBuf(&e)
		}
		if int(n) > len(buf) {
			buf = make([]raw.AddrInfo, n)
			continue
		}
		out := make([]AddrInfo, n)
		for i := range out {
			r := &buf[i]
			out[i] = AddrInfo{Family: int(r.Family), Type: int(r.Type), Proto: int(r.Proto),
				Canonname: raw.CString(r.Canonname[:]), Addr: addressOf(&r.Addr)}
		}
		return out, nil
	}
}

// Getnameinfo is getnameinfo(sockaddr, flags): host and service. For AF_INET6 the
// address's Flowinfo and ScopeID are used; Family 0 means AF_INET.
func Getnameinfo(addr Address, flags int) (host, service string, err error) {
	if addr.Family == 0 {
		addr.Family = AF_INET
	}
	r, err := addr.toRaw()
	if err != nil {
		return "", "", err
	}
	h := make([]byte, NI_MAXHOST)
	s := make([]byte, NI_MAXSERV)
	var e raw.ErrBuf
	if raw.Getnameinfo(&r, flags, h, s, &e) != 0 {
		return "", "", fromBuf(&e)
	}
	return raw.CString(h), raw.CString(s), nil
}

// GetDefaultTimeout is getdefaulttimeout(): the timeout of new sockets, false for None.
func GetDefaultTimeout() (time.Duration, bool) {
	var v float64
	var e raw.ErrBuf
	raw.Getdefaulttimeout(&v, &e)
	if v < 0 {
		return 0, false
	}
	return time.Duration(v * float64(time.Second)), true
}

// SetDefaultTimeout is setdefaulttimeout(seconds) for sockets created from now on; a
// negative duration is Python's ValueError. SetDefaultTimeoutNone is None.
func SetDefaultTimeout(d time.Duration) error {
	secs := d.Seconds()
	if d < 0 && (secs == -1 || secs == -2) {
		secs = -1.5 // the C ABI's sentinels; any negative is the same ValueError
	}
	var e raw.ErrBuf
	if raw.Setdefaulttimeout(secs, &e) != 0 {
		return fromBuf(&e)
	}
	return nil
}

// SetDefaultTimeoutNone is setdefaulttimeout(None): new sockets block.
func SetDefaultTimeoutNone() {
	var e raw.ErrBuf
	raw.Setdefaulttimeout(-1, &e)
}

// HasDualstackIPv6 is has_dualstack_ipv6().
func HasDualstackIPv6() bool {
	var e raw.ErrBuf
	return raw.Has_dualstack_ipv6(&e) == 1
}

// Interface is one if_nameindex() entry: (index, name).
type Interface struct {
	Index int
	Name  string
}

// IfNameindex is if_nameindex().
func IfNameindex() ([]Interface, error) {
	buf := make([]raw.IfEntry, 32)
	for {
		var e raw.ErrBuf
		n := raw.If_nameindex(buf, &e)
		if n < 0 {
			return nil, fromBuf(&e)
		}
		if int(n) > len(buf) {
			buf = make([]raw.IfEntry, n)
			continue
		}
		out := make([]Interface, n)
		for i := range out {
			out[i] = Interface{Index: int(buf[i].Index), Name: raw.CString(buf[i].Name[:])}
		}
		return out, nil
	}
}

// IfNametoindex is if_nametoindex(name).
func IfNametoindex(name string) (int, error) {
	if err := noNUL(name); err != nil {
		return 0, err
	}
	var e raw.ErrBuf
	n := raw.If_nametoindex(name, &e)
	if n < 0 {
		return 0, fromBuf(&e)
	}
	return int(n), nil
}

// IfIndextoname is if_indextoname(index).
func IfIndextoname(index int64) (string, error) {
	return text(func(b []byte, e *raw.ErrBuf) int64 { return raw.If_indextoname(index, b, e) })
}

// CreateConnection is create_connection((host, port), timeout, source_address):
// every address of getaddrinfo(host, port, 0, SOCK_STREAM) in turn, the last error if
// none connects. timeout < 0 means the module default (GetDefaultTimeout, None at
// start: blocking), 0 a non-blocking connect (EINPROGRESS, as Python); use
// CreateConnectionContext for cancellation. sourceHost "" means no source address.
func CreateConnection(host string, port int, timeout time.Duration, sourceHost string, sourcePort int) (*Socket, error) {
	if timeout < 0 {
		d, ok := GetDefaultTimeout()
		if !ok {
			d = -1 // the default is None: blocking
		}
		timeout = d
	}
	return dialContext(context.Background(), host, port, timeout, sourceHost, sourcePort)
}

// CreateConnectionContext is CreateConnection bounded by ctx (its deadline and its
// cancellation) instead of a timeout; the socket it returns is in blocking mode.
func CreateConnectionContext(ctx context.Context, host string, port int, sourceHost string, sourcePort int) (*Socket, error) {
	return dialContext(ctx, host, port, -1, sourceHost, sourcePort)
}

func dialContext(ctx context.Context, host string, port int, timeout time.Duration, sourceHost string, sourcePort int) (*Socket, error) {
	ps := itoa(port)
	infos, err := Getaddrinfo(&host, &ps, 0, SOCK_STREAM, 0, 0)
	if err != nil {
		return nil, err
	}
	var last error = errors.New("getaddrinfo returns an empty list")
	for _, ai := range infos {
		s, err := NewSocket(ai.Family, ai.Type, ai.Proto)
		if err != nil {
			last = err
			continue
		}
		if err = connectWith(ctx, s, ai.Addr, timeout, sourceHost, sourcePort); err != nil {
			s.Close()
			last = err
			continue
		}
		return s, nil
	}
	return nil, last
}

func connectWith(ctx context.Context, s *Socket, a Address, timeout time.Duration, sourceHost string, sourcePort int) error {
	if timeout >= 0 {
		if err := s.SetTimeout(timeout); err != nil {
			return err
		}
	} else {
		if err := s.SetBlocking(true); err != nil {
			return err
		}
		if d, ok := ctx.Deadline(); ok {
			s.f.SetWriteDeadline(d)
		}
	}
	if sourceHost != "" || sourcePort != 0 {
		if err := s.Bind(sourceHost, sourcePort); err != nil {
			return err
		}
	}
	if done := ctx.Done(); done != nil {
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			select {
			case <-done:
				s.f.SetWriteDeadline(time.Unix(1, 0))
			case <-stop:
			}
		}()
	}
	err := s.Connect(a.Host, a.Port)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	if timeout < 0 {
		s.f.SetWriteDeadline(time.Time{})
	}
	return err
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [24]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
