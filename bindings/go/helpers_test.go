package polysock

import (
	"errors"
	"syscall"
	"testing"
	"time"
)

// listener is a polysock TCP server on 127.0.0.1 with an ephemeral port.
func listener(t testing.TB) (*Socket, int) { return listenerTB(t) }

func listenerTB(t tb) (*Socket, int) {
	t.Helper()
	l, err := CreateServer("127.0.0.1", 0, AF_INET, 1024, false, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	a, err := l.Getsockname()
	if err != nil {
		t.Fatal(err)
	}
	return l, a.Port
}

// tcpPair is a connected client and server over loopback, closed at the end.
func tcpPair(t testing.TB) (client, server *Socket) {
	t.Helper()
	l, port := listener(t)
	type accepted struct {
		s   *Socket
		err error
	}
	ch := make(chan accepted, 1)
	go func() {
		s, _, err := l.Accept()
		ch <- accepted{s, err}
	}()
	c, err := CreateConnection("127.0.0.1", port, 5*time.Second, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	a := <-ch
	if a.err != nil {
		t.Fatal(a.err)
	}
	t.Cleanup(func() { c.Close(); a.s.Close() })
	return c, a.s
}

// asError is err as an *Error, or fails the test.
func asError(t testing.TB, err error) *Error {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("want an *Error, got %T %v", err, err)
	}
	return pe
}

func wantErrno(t testing.TB, err error, errno syscall.Errno) *Error {
	t.Helper()
	pe := asError(t, err)
	if pe.Kind != OSError || pe.Errno != int(errno) || !errors.Is(err, errno) {
		t.Fatalf("want OSError errno %d (%v), got %v errno %d: %q", int(errno), errno, pe.Kind, pe.Errno, pe.Message)
	}
	return pe
}

// within runs f and fails the test if it takes longer than d.
func within(t testing.TB, d time.Duration, what string, f func()) { withinTB(t, d, what, f) }

func withinTB(t tb, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not finish within %v", what, d)
	}
}
