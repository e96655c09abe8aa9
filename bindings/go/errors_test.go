package polysock

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func refusedPort(t *testing.T) int {
	l, port := listener(t)
	l.Close()
	return port
}

func TestRefusedConnectCarriesErrnoAndPythonsMessage(t *testing.T) {
	port := refusedPort(t)
	s, err := NewSocket(AF_INET, SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Connect("127.0.0.1", port)
	pe := wantErrno(t, err, syscall.ECONNREFUSED)
	if pe.Message != "[Errno 111] Connection refused" || err.Error() != pe.Message {
		t.Fatalf("message %q", pe.Message)
	}
	var ne net.Error
	if !errors.As(err, &ne) || ne.Timeout() {
		t.Fatalf("a refusal is a net.Error without Timeout: %v", err)
	}
	_, err = CreateConnection("127.0.0.1", port, 5*time.Second, "", 0)
	wantErrno(t, err, syscall.ECONNREFUSED)
	s2, _ := NewSocket(AF_INET, SOCK_STREAM, 0)
	defer s2.Close()
	if errno, err := s2.ConnectEx("127.0.0.1", port); err != nil || errno != int(syscall.ECONNREFUSED) {
		t.Fatalf("ConnectEx = %d, %v", errno, err)
	}
}

func TestResolverFailureIsGaiErrorWithTheEaiCode(t *testing.T) {
	host, port := "0.1.1.~1", "80"
	_, err := Getaddrinfo(&host, &port, 0, 0, 0, AI_NUMERICHOST)
	pe := asError(t, err)
	if pe.Kind != GaiError || pe.Errno != EAI_NONAME || !strings.HasPrefix(pe.Message, "[Errno -2] ") {
		t.Fatalf("got %v %d %q", pe.Kind, pe.Errno, pe.Message)
	}
	_, err = CreateConnection("0.1.1.~1", 80, time.Second, "", 0)
	if asError(t, err).Kind != GaiError {
		t.Fatalf("CreateConnection: %v", err)
	}
}

func TestTimeoutIsNetErrorAndDeadlineExceeded(t *testing.T) {
	c, _ := tcpPair(t)
	if err := c.SetTimeout(50 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if d, ok := c.GetTimeout(); !ok || d != 50*time.Millisecond {
		t.Fatalf("GetTimeout = %v, %v", d, ok)
	}
	start := time.Now()
	_, err := c.Recv(10)
	elapsed := time.Since(start)
	pe := asError(t, err)
	var ne net.Error
	if pe.Kind != TimeoutError || pe.Message != "timed out" || !errors.As(err, &ne) || !ne.Timeout() ||
		!errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("got %v %q", pe.Kind, pe.Message)
	}
	if elapsed < 40*time.Millisecond || elapsed > 5*time.Second {
		t.Fatalf("timed out after %v, want about 50ms", elapsed)
	}
	// The timeout bounds each operation anew: data that arrives in time is read.
	l, port := listener(t)
	l.SetTimeout(30 * time.Millisecond)
	if _, _, err := l.Accept(); asError(t, err).Kind != TimeoutError {
		t.Fatalf("Accept: %v", err)
	}
	_ = port
}

func TestSendAllTimesOutWhenThePeerDoesNotRead(t *testing.T) {
	c, _ := tcpPair(t)
	c.SetTimeout(200 * time.Millisecond)
	big := make([]byte, 64<<20)
	start := time.Now()
	n, err := c.sendAll(big, 0)
	if asError(t, err).Kind != TimeoutError {
		t.Fatalf("SendAll: %v", err)
	}
	if n <= 0 || n >= len(big) {
		t.Fatalf("sent %d of %d before the timeout", n, len(big))
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
}

func TestNonBlockingModeFailsWithEagain(t *testing.T) {
	c, s := tcpPair(t)
	if err := c.SetBlocking(false); err != nil {
		t.Fatal(err)
	}
	if c.GetBlocking() {
		t.Fatal("GetBlocking after SetBlocking(false)")
	}
	_, err := c.Recv(10)
	pe := wantErrno(t, err, syscall.EAGAIN)
	if pe.Message != "[Errno 11] Resource temporarily unavailable" {
		t.Fatalf("message %q", pe.Message)
	}
	s.SendAll([]byte("now"))
	// Data arrives: a non-blocking Recv then gets it.
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := c.Recv(10)
		if err == nil {
			if string(got) != "now" {
				t.Fatalf("got %q", got)
			}
			break
		}
		wantErrno(t, err, syscall.EAGAIN)
		if time.Now().After(deadline) {
			t.Fatal("no data within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// A would-block in non-blocking mode is one shared Error (made from the first one, with
// the native library's message) that behaves as every Error: fields, Is, As, net.Error.
// Returning it allocates nothing.
func TestWouldBlockIsSharedAndAllocatesNothing(t *testing.T) {
	c, _ := tcpPair(t)
	l, _ := listener(t)
	for _, s := range []*Socket{c, l} {
		if err := s.SetBlocking(false); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 64)
	var first *Error
	check := func(what string, err error) {
		t.Helper()
		pe := wantErrno(t, err, syscall.EAGAIN)
		if pe.Message != "[Errno 11] Resource temporarily unavailable" || err.Error() != pe.Message {
			t.Fatalf("%s: message %q", what, pe.Message)
		}
		if first == nil {
			first = pe
		} else if pe != first {
			t.Fatalf("%s: a would-block Error of its own", what)
		}
		if pe.Library != "" || pe.Reason != "" || pe.VerifyCode != 0 || pe.VerifyMessage != "" ||
			pe.PythonClass() != "OSError" {
			t.Fatalf("%s: fields %+v, class %s", what, *pe, pe.PythonClass())
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, os.ErrDeadlineExceeded) ||
			errors.Is(err, ErrSSLWantRead) || errors.Unwrap(err) != syscall.EAGAIN {
			t.Fatalf("%s: errors.Is / Unwrap: %v", what, err)
		}
		var ne net.Error
		if !errors.As(err, &ne) || ne.Timeout() || !pe.Temporary() {
			t.Fatalf("%s: net.Error: %v", what, err)
		}
	}
	for i := 0; i < 3; i++ {
		_, err := c.RecvInto(buf)
		check("RecvInto", err)
		_, err = c.Recv(10)
		check("Recv", err)
		_, _, err = c.RecvfromInto(buf)
		check("RecvfromInto", err)
		_, _, err = l.Accept()
		check("Accept", err)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := c.RecvInto(buf); err != first {
			t.Fatalf("RecvInto: %v", err)
		}
	})
	// (the race detector's instrumentation allocates on its own)
	if allocs != 0 && !raceEnabled {
		t.Fatalf("a would-block RecvInto allocates %.1f times", allocs)
	}
}

func TestDeadlines(t *testing.T) {
	c, s := tcpPair(t)
	conn := c.NetConn()
	// A deadline in the past fails at once; one in the future waits for data.
	conn.SetReadDeadline(time.Now().Add(-time.Second))
	if _, err := conn.Read(make([]byte, 4)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("past deadline: %v", err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	go func() {
		time.Sleep(20 * time.Millisecond)
		s.SendAll([]byte("data"))
	}()
	b := make([]byte, 4)
	if n, err := conn.Read(b); err != nil || string(b[:n]) != "data" {
		t.Fatalf("Read = %q, %v", b[:n], err)
	}
	conn.SetDeadline(time.Now().Add(30 * time.Millisecond))
	start := time.Now()
	_, err := conn.Read(b)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("deadline: %v after %v", err, time.Since(start))
	}
	// A deadline made the socket blocking (timeout None); SetTimeout clears deadlines.
	if _, ok := c.GetTimeout(); ok {
		t.Fatal("a deadline left a timeout")
	}
	c.SetTimeout(2 * time.Second)
	go s.SendAll([]byte("late"))
	if n, err := c.Read(b); err != nil || string(b[:n]) != "late" {
		t.Fatalf("after SetTimeout: %q, %v", b[:n], err)
	}
	// Write deadlines
	conn.SetWriteDeadline(time.Now().Add(-time.Second))
	if _, err := conn.Write([]byte("x")); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("past write deadline: %v", err)
	}
}

func TestBadArgumentsAreValueErrors(t *testing.T) {
	c, _ := tcpPair(t)
	for _, d := range []time.Duration{-time.Second, -2 * time.Second, -time.Nanosecond} {
		err := c.SetTimeout(d)
		pe := asError(t, err)
		if pe.Kind != ValueError || pe.Message != "Timeout value out of range" {
			t.Fatalf("SetTimeout(%v): %v %q", d, pe.Kind, pe.Message)
		}
		if err := SetDefaultTimeout(d); asError(t, err).Kind != ValueError {
			t.Fatalf("SetDefaultTimeout(%v): %v", d, err)
		}
	}
	if _, err := c.Recv(-1); asError(t, err).Kind != ValueError {
		t.Fatalf("Recv(-1): %v", err)
	}
	// A huge length is Python's MemoryError, not a Go allocation failure.
	if _, err := c.Recv(1 << 40); asError(t, err).Kind != MemoryError {
		t.Fatalf("Recv(1 << 40): %v", err)
	}
	if _, _, err := c.Recvfrom(1 << 40); asError(t, err).Kind != MemoryError {
		t.Fatalf("Recvfrom(1 << 40): %v", err)
	}
	if _, err := c.GetsockoptBytes(SOL_SOCKET, SO_LINGER, 1<<20); err == nil || asError(t, err).Kind != OSError ||
		err.Error() != "getsockopt buflen out of range" {
		t.Fatalf("GetsockoptBytes with 1 MiB: %v", err)
	}
	if b, err := c.GetsockoptBytes(SOL_SOCKET, SO_LINGER, 8); err != nil || len(b) != 8 {
		t.Fatalf("GetsockoptBytes(SO_LINGER, 8) = %v, %v", b, err)
	}
	if _, err := Getservbyport(70000, "tcp"); asError(t, err).Kind != ValueError {
		t.Fatalf("Getservbyport: %v", err)
	}
	if _, err := InetPton(AF_INET, "1.2.3.4\x00"); asError(t, err).Kind != ValueError {
		t.Fatalf("embedded NUL: %v", err)
	}
	// Text C would cut short at a NUL: never "127.0.0.1" for "127.0.0.1\x00x".
	nul := "127.0.0.1\x00x"
	for what, err := range map[string]error{
		"Connect": c.Connect(nul, 80),
		"Bind":    c.Bind(nul, 0),
		"Sendto":  func() error { _, err := c.Sendto([]byte("x"), nul, 80); return err }(),
		"CreateServer": func() error {
			_, err := CreateServer(nul, 0, AF_INET, -1, false, false)
			return err
		}(),
		"Gethostbyname":  func() error { _, err := Gethostbyname(nul); return err }(),
		"Getservbyname":  func() error { _, err := Getservbyname("ht\x00tp", "tcp"); return err }(),
		"Getprotobyname": func() error { _, err := Getprotobyname("t\x00cp"); return err }(),
		"Getaddrinfo": func() error {
			port := "80"
			_, err := Getaddrinfo(&nul, &port, 0, 0, 0, 0)
			return err
		}(),
	} {
		if asError(t, err).Kind != ValueError || !strings.Contains(err.Error(), "null character") {
			t.Fatalf("%s with a NUL: %v", what, err)
		}
	}
	if _, err := NewSocket(AF_INET, 12345, 0); err == nil {
		t.Fatal("a bad socket type succeeded")
	}
	if err := c.Shutdown(42); asError(t, err).Kind == 0 {
		t.Fatalf("Shutdown(42): %v", err)
	}
	if err := c.Bind("127.0.0.1", 70000); asError(t, err).Kind != ValueError {
		t.Fatalf("Bind to port 70000: %v", err)
	}
	s, _ := NewSocket(AF_INET, SOCK_STREAM, 0)
	defer s.Close()
	if err := s.Connect("127.0.0.1", -1); asError(t, err).Kind != ValueError {
		t.Fatalf("Connect to port -1: %v", err)
	}
}

func TestOSErrorWithoutErrnoKeepsPythonsText(t *testing.T) {
	_, err := InetNtoa([]byte{1, 2, 3})
	pe := asError(t, err)
	if pe.Kind != OSError || pe.Errno != 0 || pe.Message != "packed IP wrong length for inet_ntoa" || pe.Unwrap() != nil {
		t.Fatalf("got %v %d %q", pe.Kind, pe.Errno, pe.Message)
	}
}

func TestClosedSocketFailsWithEbadf(t *testing.T) {
	c, _ := tcpPair(t)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	_, err := c.Recv(4)
	pe := wantErrno(t, err, syscall.EBADF)
	if pe.Message != "[Errno 9] Bad file descriptor" {
		t.Fatalf("message %q", pe.Message)
	}
	wantErrno(t, c.SendAll([]byte("x")), syscall.EBADF)
	wantErrno(t, c.Bind("127.0.0.1", 0), syscall.EBADF)
	_, err = c.Getsockname()
	wantErrno(t, err, syscall.EBADF)
	if c.Fileno() != -1 {
		t.Fatalf("Fileno = %d", c.Fileno())
	}
}

func TestCloseFromAnotherGoroutineWakesWaitersWithEbadf(t *testing.T) {
	for _, what := range []string{"Recv", "Accept", "SendAll", "Recvfrom"} {
		t.Run(what, func(t *testing.T) {
			var s *Socket
			var run func() error
			switch what {
			case "Recv":
				c, _ := tcpPair(t)
				s, run = c, func() error { _, err := c.Recv(10); return err }
			case "Accept":
				l, _ := listener(t)
				s, run = l, func() error { _, _, err := l.Accept(); return err }
			case "SendAll":
				c, _ := tcpPair(t)
				s, run = c, func() error { return c.SendAll(make([]byte, 64<<20)) }
			case "Recvfrom":
				u, _ := NewSocket(AF_INET, SOCK_DGRAM, 0)
				u.Bind("127.0.0.1", 0)
				s, run = u, func() error { _, _, err := u.Recvfrom(10); return err }
			}
			errs := make(chan error, 3)
			for i := 0; i < 3; i++ {
				go func() { errs <- run() }()
			}
			time.Sleep(50 * time.Millisecond) // let them park
			s.Close()
			for i := 0; i < 3; i++ {
				select {
				case err := <-errs:
					pe := wantErrno(t, err, syscall.EBADF)
					if pe.Message != "[Errno 9] Bad file descriptor" {
						t.Fatalf("message %q", pe.Message)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("%s did not wake within 5 s of Close", what)
				}
			}
		})
	}
}

// Errors never mix between goroutines: each failure's message is read in its own
// native call, even when goroutines hop between OS threads.
func TestErrorsDoNotLeakBetweenGoroutines(t *testing.T) {
	port := refusedPort(t)
	var wg sync.WaitGroup
	fail := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				var err error
				var want string
				switch (g + i) % 3 {
				case 0:
					_, err = InetNtoa([]byte{1})
					want = "packed IP wrong length for inet_ntoa"
				case 1:
					_, err = Getservbyport(70000, "tcp")
					want = "getservbyport: port must be 0-65535."
				case 2:
					_, err = CreateConnection("127.0.0.1", port, time.Second, "", 0)
					want = "[Errno 111] Connection refused"
				}
				runtime.Gosched()
				if err == nil || err.Error() != want {
					fail <- err.Error() + " instead of " + want
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(fail)
	for f := range fail {
		t.Error(f)
	}
}

// Close racing every other kind of call: each call either works or fails with EBADF,
// never with another error (a call on a descriptor number closed and reused would).
func TestCloseRacesOtherCalls(t *testing.T) {
	for i := 0; i < 200; i++ {
		c, s := tcpPair(t)
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		calls := []func() error{
			func() error { _, err := c.Getsockname(); return err },
			func() error { return c.Setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1) },
			func() error { _, err := c.Getsockopt(SOL_SOCKET, SO_TYPE); return err },
			func() error { return c.Shutdown(SHUT_RD) },
			func() error { c.SetBlocking(false); _, err := c.Recv(1); return err },
			func() error { return c.SendAll([]byte("x")) },
		}
		for _, f := range calls {
			wg.Add(1)
			go func(f func() error) {
				defer wg.Done()
				errs <- f()
			}(f)
		}
		c.Close()
		wg.Wait()
		close(errs)
		for err := range errs {
			if err == nil {
				continue
			}
			if pe := asError(t, err); pe.Kind != OSError ||
				(pe.Errno != int(syscall.EBADF) && pe.Errno != int(syscall.EAGAIN) && pe.Errno != int(syscall.EPIPE)) {
				t.Fatalf("iteration %d: %v (errno %d)", i, err, pe.Errno)
			}
		}
		s.Close()
	}
}

func TestNonBlockingConnectAndTheDefaultTimeout(t *testing.T) {
	l, port := listener(t)
	s, err := NewSocket(AF_INET, SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetBlocking(false)
	// Python's BlockingIOError: a TCP connect always starts in progress, even on loopback.
	pe := wantErrno(t, s.Connect("127.0.0.1", port), syscall.EINPROGRESS)
	if pe.Message != "[Errno 115] Operation now in progress" {
		t.Fatalf("message %q", pe.Message)
	}
	if err := SetDefaultTimeout(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	c, err := CreateConnection("127.0.0.1", port, -1, "", 0)
	SetDefaultTimeoutNone()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if d, ok := c.GetTimeout(); !ok || d != 2*time.Second {
		t.Fatalf("CreateConnection with the default timeout: %v, %v", d, ok)
	}
	c2, err := CreateConnection("127.0.0.1", port, -1, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, ok := c2.GetTimeout(); ok {
		t.Fatal("CreateConnection with a None default has a timeout")
	}
	_ = l
}

func nonNegative(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d
}

// fcntlGetfl is fcntl(fd, F_GETFL).
func fcntlGetfl(fd int) (int, error) {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFL, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// New sockets and socket pairs take the module default timeout, or 0 with
// SOCK_NONBLOCK (the shims create them non-blocking underneath either way).
func TestCreationTimeoutsAndTheNonBlockingDescriptor(t *testing.T) {
	nonblocking := func(s *Socket) bool {
		fl, err := fcntlGetfl(s.Fileno())
		if err != nil {
			t.Fatal(err)
		}
		return fl&syscall.O_NONBLOCK != 0
	}
	want := func(what string, s *Socket, d time.Duration, ok bool) {
		t.Helper()
		if got, gotOK := s.GetTimeout(); got != d || gotOK != ok {
			t.Fatalf("%s: GetTimeout = %v, %v; want %v, %v", what, got, gotOK, d, ok)
		}
		if s.GetBlocking() != (d != 0 || !ok) || s.Type() != SOCK_STREAM || !nonblocking(s) {
			t.Fatalf("%s: blocking %v, type %d, O_NONBLOCK %v", what, s.GetBlocking(), s.Type(), nonblocking(s))
		}
	}
	for _, def := range []time.Duration{-1, 0, 1500 * time.Millisecond} {
		if def < 0 {
			SetDefaultTimeoutNone()
		} else if err := SetDefaultTimeout(def); err != nil {
			t.Fatal(err)
		}
		s, err := NewSocket(AF_INET, SOCK_STREAM, 0)
		nb, err2 := NewSocket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)
		a, b, err3 := Socketpair(AF_UNIX, SOCK_STREAM, 0)
		c, d, err4 := Socketpair(AF_UNIX, SOCK_STREAM|SOCK_NONBLOCK, 0)
		SetDefaultTimeoutNone()
		for _, e := range []error{err, err2, err3, err4} {
			if e != nil {
				t.Fatal(e)
			}
		}
		what := fmt.Sprintf("default %v", def)
		want(what+": NewSocket", s, nonNegative(def), def >= 0)
		want(what+": NewSocket SOCK_NONBLOCK", nb, 0, true)
		want(what+": Socketpair", a, nonNegative(def), def >= 0)
		want(what+": Socketpair", b, nonNegative(def), def >= 0)
		want(what+": Socketpair SOCK_NONBLOCK", c, 0, true)
		want(what+": Socketpair SOCK_NONBLOCK", d, 0, true)
		for _, x := range []*Socket{s, nb, a, b, c, d} {
			x.Close()
		}
	}
}
