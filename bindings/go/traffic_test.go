package polysock

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestTCPTrafficBothWays(t *testing.T) {
	c, s := tcpPair(t)
	if err := c.Setsockopt(IPPROTO_TCP, TCP_NODELAY, 1); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Getsockopt(IPPROTO_TCP, TCP_NODELAY); err != nil || v == 0 {
		t.Fatalf("TCP_NODELAY = %d, %v", v, err)
	}
	if err := c.SendAll([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 16)
	n, err := s.RecvInto(b)
	if err != nil || string(b[:n]) != "ping" {
		t.Fatalf("RecvInto = %q, %v", b[:n], err)
	}
	if n, err := s.Send([]byte("pong")); err != nil || n != 4 {
		t.Fatalf("Send = %d, %v", n, err)
	}
	got, err := c.Recv(16)
	if err != nil || string(got) != "pong" {
		t.Fatalf("Recv = %q, %v", got, err)
	}
	ca, _ := c.Getsockname()
	sp, _ := s.Getpeername()
	if ca != sp || ca.Host != "127.0.0.1" || ca.Family != AF_INET {
		t.Fatalf("client %v, server's peer %v", ca, sp)
	}
	if c.Family() != AF_INET || c.Type() != SOCK_STREAM {
		t.Fatalf("family %d type %d", c.Family(), c.Type())
	}
	// End of stream: Recv gives 0 bytes, Read io.EOF.
	if err := c.Shutdown(SHUT_WR); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Recv(16); err != nil || len(got) != 0 {
		t.Fatalf("Recv after shutdown = %q, %v", got, err)
	}
	if n, err := s.Read(b); n != 0 || err != io.EOF {
		t.Fatalf("Read after shutdown = %d, %v", n, err)
	}
}

func TestTCPBulkWithIoCopyAndBufio(t *testing.T) {
	c, s := tcpPair(t)
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	go func() {
		c.Write(data)
		c.Shutdown(SHUT_WR)
	}()
	var got bytes.Buffer
	within(t, 20*time.Second, "io.Copy", func() {
		if _, err := io.Copy(&got, s); err != nil {
			t.Error(err)
		}
	})
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("got %d bytes, want %d equal bytes", got.Len(), len(data))
	}
	// bufio over the net.Conn adapter
	c2, s2 := tcpPair(t)
	go func() { fmt.Fprintf(c2, "line one\nline two\n") }()
	r := bufio.NewReader(s2.NetConn())
	for _, want := range []string{"line one\n", "line two\n"} {
		line, err := r.ReadString('\n')
		if err != nil || line != want {
			t.Fatalf("ReadString = %q, %v", line, err)
		}
	}
}

func TestIPv6Loopback(t *testing.T) {
	l, err := CreateServer("::1", 0, AF_INET6, -1, false, false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	a, _ := l.Getsockname()
	if a.Family != AF_INET6 || a.Host != "::1" {
		t.Fatalf("listening on %v", a)
	}
	go func() {
		s, _, err := l.Accept()
		if err == nil {
			s.SendAll([]byte("v6"))
			s.Close()
		}
	}()
	c, err := NewSocket(AF_INET6, SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Connect("::1", a.Port); err != nil {
		t.Fatal(err)
	}
	got, err := c.Recv(8)
	if err != nil || string(got) != "v6" {
		t.Fatalf("Recv = %q, %v", got, err)
	}
}

func TestUDPDatagrams(t *testing.T) {
	srv, err := NewSocket(AF_INET, SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Bind("127.0.0.1", 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := srv.Getsockname()
	cli, err := NewSocket(AF_INET, SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if err := cli.Bind("127.0.0.1", 0); err != nil {
		t.Fatal(err)
	}
	ca, _ := cli.Getsockname()
	for i := 0; i < 10; i++ {
		msg := []byte(fmt.Sprintf("datagram %d", i))
		if n, err := cli.Sendto(msg, "127.0.0.1", sa.Port); err != nil || n != len(msg) {
			t.Fatalf("Sendto = %d, %v", n, err)
		}
		got, from, err := srv.Recvfrom(64)
		if err != nil || !bytes.Equal(got, msg) || from != ca {
			t.Fatalf("Recvfrom = %q from %v, %v (want from %v)", got, from, err, ca)
		}
	}
	// A connected datagram socket through the net.Conn adapter.
	conn, err := DialContext(bg(), "udp", fmt.Sprintf("127.0.0.1:%d", sa.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("via Dial")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 64)
	n, from, err := srv.RecvfromInto(b)
	if err != nil || string(b[:n]) != "via Dial" || from.Port != conn.LocalAddr().(NetAddr).Port {
		t.Fatalf("RecvfromInto = %q from %v, %v", b[:n], from, err)
	}
}

func TestUnixStreamPathAbstractAndSocketpair(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	for _, name := range []string{path, "@polysock-go-test-" + fmt.Sprint(time.Now().UnixNano())} {
		l, err := Listen("unix", name)
		if err != nil {
			t.Fatal(err)
		}
		if l.Addr().String() != name || l.Addr().Network() != "unix" {
			t.Fatalf("Addr = %v %v", l.Addr().Network(), l.Addr())
		}
		go func() {
			c, err := l.Accept()
			if err == nil {
				io.Copy(c, c)
				c.Close()
			}
		}()
		c, err := Dial("unix", name)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("over AF_UNIX"))
		b := make([]byte, 12)
		if _, err := io.ReadFull(c, b); err != nil || string(b) != "over AF_UNIX" {
			t.Fatalf("echo %q, %v", b, err)
		}
		c.Close()
		l.Close()
	}
	a, b, err := Socketpair(AF_UNIX, SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	a.SendAll([]byte("pair"))
	if got, err := b.Recv(8); err != nil || string(got) != "pair" {
		t.Fatalf("Recv = %q, %v", got, err)
	}
	if a.Family() != AF_UNIX {
		t.Fatalf("family %d", a.Family())
	}
	// Datagrams over a socketpair
	d1, d2, err := Socketpair(AF_UNIX, SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer d1.Close()
	defer d2.Close()
	d1.Send([]byte("one"))
	d1.Send([]byte("two"))
	for _, want := range []string{"one", "two"} {
		if got, err := d2.Recv(8); err != nil || string(got) != want {
			t.Fatalf("Recv = %q, %v", got, err)
		}
	}
}

func TestDupDetachFromFd(t *testing.T) {
	c, s := tcpPair(t)
	d, err := c.Dup()
	if err != nil {
		t.Fatal(err)
	}
	d.SendAll([]byte("from dup"))
	d.Close()
	if got, err := s.Recv(16); err != nil || string(got) != "from dup" {
		t.Fatalf("Recv = %q, %v", got, err)
	}
	fd, err := c.Detach()
	if err != nil || fd < 0 {
		t.Fatalf("Detach = %d, %v", fd, err)
	}
	if c.Fileno() != -1 {
		t.Fatalf("Fileno after Detach = %d", c.Fileno())
	}
	f, err := FromFd(fd, -1, -1, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	closeFd(fd)
	if f.Family() != AF_INET || f.Type() != SOCK_STREAM {
		t.Fatalf("FromFd family %d type %d", f.Family(), f.Type())
	}
	f.SendAll([]byte("from fromfd"))
	if got, err := s.Recv(16); err != nil || string(got) != "from fromfd" {
		t.Fatalf("Recv = %q, %v", got, err)
	}
}

func TestHundredGoroutinesAtOnce(t *testing.T) {
	l, port := listener(t)
	go func() {
		for {
			s, _, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer s.Close()
				io.Copy(s, s)
			}()
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := 0; g < 100; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			c, err := CreateConnection("127.0.0.1", port, 10*time.Second, "", 0)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			for i := 0; i < 50; i++ {
				msg := []byte(fmt.Sprintf("goroutine %d message %d;", g, i))
				if err := c.SendAll(msg); err != nil {
					errs <- err
					return
				}
				got := make([]byte, len(msg))
				if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
					errs <- fmt.Errorf("goroutine %d: %q, %v", g, got, err)
					return
				}
			}
		}(g)
	}
	within(t, 60*time.Second, "100 goroutines", wg.Wait)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestPollerReportsReadableSockets(t *testing.T) {
	p, err := NewPoller()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, s := tcpPair(t)
	if err := p.Register(s, EventRead, "server side"); err != nil {
		t.Fatal(err)
	}
	evs, err := p.Select(0)
	if err != nil || len(evs) != 0 {
		t.Fatalf("Select before data = %v, %v", evs, err)
	}
	c.SendAll([]byte("x"))
	evs, err = p.Select(5 * time.Second)
	if err != nil || len(evs) != 1 || evs[0].Socket != s || evs[0].Events&EventRead == 0 || evs[0].Data != "server side" {
		t.Fatalf("Select = %+v, %v", evs, err)
	}
	if err := p.Register(s, EventRead, nil); err == nil {
		t.Fatal("registering twice succeeded")
	} else if !strings.Contains(err.Error(), "File exists") {
		t.Fatalf("registering twice: %v", err)
	}
	if err := p.Unregister(s); err != nil {
		t.Fatal(err)
	}
}

// A buffer inside a struct that holds Go pointers (net/http reads into such a
// one-byte field): cgo's pointer check must not see it, and the bytes must arrive.
func TestBufferInsideAStructWithPointers(t *testing.T) {
	c, s := tcpPair(t)
	type holder struct {
		next *holder
		name string
		buf  [1]byte
		out  [3]byte
	}
	h := &holder{name: "with pointers"}
	h.next = h
	h.out = [3]byte{'a', 'b', 'c'}
	if err := c.SendAll(h.out[:]); err != nil {
		t.Fatal(err)
	}
	for _, want := range "abc" {
		if n, err := s.RecvInto(h.buf[:]); err != nil || n != 1 || h.buf[0] != byte(want) {
			t.Fatalf("RecvInto = %d %q, %v", n, h.buf[:], err)
		}
	}
	if err := c.SetsockoptBytes(SOL_SOCKET, SO_KEEPALIVE, []byte{1, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Getsockopt(SOL_SOCKET, SO_KEEPALIVE); err != nil || v != 1 {
		t.Fatalf("SO_KEEPALIVE = %d, %v", v, err)
	}
}

// A socket dropped without Close is closed by its finaliser: its descriptor goes
// (fstat fails, or finds another file there: the number was reused).
func TestFinaliserClosesForgottenSockets(t *testing.T) {
	type file struct {
		fd  int
		ino uint64
	}
	var files []file
	for i := 0; i < 200; i++ {
		s, err := NewSocket(AF_INET, SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		var st syscall.Stat_t
		if err := syscall.Fstat(s.Fileno(), &st); err != nil {
			t.Fatal(err)
		}
		files = append(files, file{s.Fileno(), st.Ino})
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		open := 0
		for _, f := range files {
			var st syscall.Stat_t
			if syscall.Fstat(f.fd, &st) == nil && st.Ino == f.ino {
				open++
			}
		}
		if open == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 200 forgotten sockets still open after 10 s of garbage collection", open)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

func TestModuleFunctions(t *testing.T) {
	name, err := Gethostname()
	if err != nil || name == "" {
		t.Fatalf("Gethostname = %q, %v", name, err)
	}
	host, port := "localhost", "80"
	infos, err := Getaddrinfo(&host, &port, AF_INET, SOCK_STREAM, 0, 0)
	if err != nil || len(infos) == 0 || infos[0].Addr.Host != "127.0.0.1" || infos[0].Addr.Port != 80 {
		t.Fatalf("Getaddrinfo(localhost) = %+v, %v", infos, err)
	}
	if ip, err := Gethostbyname("127.1"); err != nil || ip != "127.0.0.1" {
		t.Fatalf("Gethostbyname = %q, %v", ip, err)
	}
	he, err := GethostbynameEx("localhost")
	if err != nil || len(he.Addresses) == 0 || he.Addresses[0] != "127.0.0.1" {
		t.Fatalf("GethostbynameEx = %+v, %v", he, err)
	}
	ifs, err := IfNameindex()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, i := range ifs {
		if i.Name == "lo" {
			found = true
			if n, err := IfNametoindex("lo"); err != nil || n != i.Index {
				t.Fatalf("IfNametoindex(lo) = %d, %v", n, err)
			}
			if s, err := IfIndextoname(int64(i.Index)); err != nil || s != "lo" {
				t.Fatalf("IfIndextoname = %q, %v", s, err)
			}
		}
	}
	if !found {
		t.Fatalf("no lo in %+v", ifs)
	}
	if v := Version(); !strings.HasPrefix(v, "1.") {
		t.Fatalf("Version = %q", v)
	}
	if v, ok := Constant("AF_INET"); !ok || v != AF_INET {
		t.Fatalf("Constant(AF_INET) = %d, %v", v, ok)
	}
	// The default timeout reaches new sockets, which keep it as Go state.
	if err := SetDefaultTimeout(1500 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	s, err := NewSocket(AF_INET, SOCK_STREAM, 0)
	SetDefaultTimeoutNone()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if d, ok := s.GetTimeout(); !ok || d != 1500*time.Millisecond {
		t.Fatalf("GetTimeout = %v, %v", d, ok)
	}
	if _, ok := GetDefaultTimeout(); ok {
		t.Fatal("the default timeout is not None again")
	}
	h, serv, err := Getnameinfo(Address{Family: AF_INET6, Host: "::1", Port: 443}, NI_NUMERICHOST|NI_NUMERICSERV)
	if err != nil || h != "::1" || serv != "443" {
		t.Fatalf("Getnameinfo = %q %q, %v", h, serv, err)
	}
}

func TestPollerCloseWakesASelect(t *testing.T) {
	p, err := NewPoller()
	if err != nil {
		t.Fatal(err)
	}
	c, _ := tcpPair(t)
	p.Register(c, EventRead, nil)
	done := make(chan error, 1)
	go func() {
		_, err := p.SelectForever()
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	p.Close()
	select {
	case err := <-done:
		wantErrno(t, err, syscall.EBADF)
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not wake SelectForever")
	}
}

// The Go adapters take package net's defaults; the Python API keeps Python's.
func TestAdaptersSetTCPNoDelayAsPackageNet(t *testing.T) {
	l, err := Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			accepted <- c.(Conn)
		}
	}()
	c, err := Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := <-accepted
	defer s.Close()
	for _, conn := range []Conn{c.(Conn), s} {
		if v, err := conn.Getsockopt(IPPROTO_TCP, TCP_NODELAY); err != nil || v == 0 {
			t.Fatalf("TCP_NODELAY = %d, %v", v, err)
		}
		if _, ok := conn.GetTimeout(); ok {
			t.Fatal("an adapter's socket has a timeout")
		}
	}
	p, err := NewSocket(AF_INET, SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if v, err := p.Getsockopt(IPPROTO_TCP, TCP_NODELAY); err != nil || v != 0 {
		t.Fatalf("a new socket has TCP_NODELAY = %d, %v", v, err)
	}
}

func TestSendfileSendsARangeAndMovesTheFilePosition(t *testing.T) {
	c, s := tcpPair(t)
	data := bytes.Repeat([]byte("0123456789"), 30000) // 300,000 bytes
	path := filepath.Join(t.TempDir(), "f")
	if err := writeFile(path, data); err != nil {
		t.Fatal(err)
	}
	f, err := openFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := make(chan []byte, 1)
	go func() {
		var all []byte
		b := make([]byte, 65536)
		for len(all) < 200000+(len(data)-1000) {
			n, err := s.Recv(len(b))
			if err != nil || len(n) == 0 {
				break
			}
			all = append(all, n...)
		}
		got <- all
	}()
	n, err := c.Sendfile(f, 1000, 200000)
	if err != nil || n != 200000 {
		t.Fatalf("Sendfile = %d, %v", n, err)
	}
	if pos, _ := f.Seek(0, io.SeekCurrent); pos != 201000 {
		t.Fatalf("file position %d, want 201000", pos)
	}
	n, err = c.Sendfile(f, 1000, 0) // to the end
	if err != nil || n != int64(len(data)-1000) {
		t.Fatalf("Sendfile to the end = %d, %v", n, err)
	}
	all := <-got
	want := append(append([]byte{}, data[1000:201000]...), data[1000:]...)
	if !bytes.Equal(all, want) {
		t.Fatalf("received %d bytes, want %d equal bytes", len(all), len(want))
	}
	wantErrno(t, func() error { _, err := c.Sendfile(f, -1, 0); return err }(), syscall.EINVAL)
	if _, err := c.Sendfile(f, 0, -1); err == nil || err.Error() != "count must be a positive integer (got -1)" {
		t.Fatalf("negative count: %v", err)
	}
}
