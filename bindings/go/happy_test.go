package polysock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// unlistenedPort is a 127.0.0.1 port bound but not listening, for the whole test
// (so that no other program can take it): connecting is refused.
func unlistenedPort(t *testing.T) int {
	t.Helper()
	s, err := NewSocket(AF_INET, SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Bind("127.0.0.1", 0); err != nil {
		t.Fatal(err)
	}
	a, err := s.Getsockname()
	if err != nil {
		t.Fatal(err)
	}
	return a.Port
}

// blackHole is a 127.0.0.1 port whose listener's accept queue is full: Linux drops
// the SYNs of further connects, which then wait unanswered (a black-holed address).
func blackHole(t *testing.T) int {
	t.Helper()
	l, err := CreateServer("127.0.0.1", 0, AF_INET, 0, false, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	a, err := l.Getsockname()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 16; i++ {
		c, err := NewSocket(AF_INET, SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetTimeout(300 * time.Millisecond)
		err = c.Connect("127.0.0.1", a.Port)
		if err != nil && asError(t, err).Kind == TimeoutError {
			return a.Port
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("the backlog never filled")
	return 0
}

func v4(port int) AddrInfo {
	return AddrInfo{Family: AF_INET, Type: SOCK_STREAM, Proto: IPPROTO_TCP,
		Addr: Address{Family: AF_INET, Host: "127.0.0.1", Port: port}}
}

// peerPort is the port c is connected to.
func peerPort(t *testing.T, c *Socket) int {
	t.Helper()
	a, err := c.Getpeername()
	if err != nil {
		t.Fatal(err)
	}
	return a.Port
}

func TestCreateConnectionExConnectsToALiveListener(t *testing.T) {
	l, port := listener(t)
	ch := acceptOne(t, l)
	for _, opts := range []ConnectOptions{
		{},
		{HappyEyeballs: true, HappyEyeballsDelay: DefaultHappyEyeballsDelay, AllErrors: true},
	} {
		c, err := CreateConnectionEx(context.Background(), "127.0.0.1", port, 5*time.Second, opts)
		if err != nil {
			t.Fatalf("%+v: %v", opts, err)
		}
		if d, ok := c.GetTimeout(); !ok || d != 5*time.Second {
			t.Fatalf("timeout %v %v: each attempt's timeout is the socket's", d, ok)
		}
		if peerPort(t, c) != port {
			t.Fatal("connected elsewhere")
		}
		c.Close()
	}
	<-ch
}

func TestCreateConnectionExAllErrorsListsTheAttempts(t *testing.T) {
	port := unlistenedPort(t)
	// Without all_errors: the last error itself, as create_connection.
	_, err := CreateConnectionEx(context.Background(), "127.0.0.1", port, 5*time.Second, ConnectOptions{})
	wantErrno(t, err, syscall.ECONNREFUSED)
	// With it: every attempt, each with its address and error; Unwrap is the last.
	_, err = CreateConnectionEx(context.Background(), "127.0.0.1", port, 5*time.Second,
		ConnectOptions{AllErrors: true, HappyEyeballs: true})
	var ce *ConnectError
	if !errors.As(err, &ce) || len(ce.Attempts) != 1 {
		t.Fatalf("want a ConnectError of 1 attempt, got %T %v", err, err)
	}
	at := ce.Attempts[0]
	if at.Address.Host != "127.0.0.1" || at.Address.Port != port {
		t.Fatalf("attempt address %+v", at.Address)
	}
	wantErrno(t, at.Err, syscall.ECONNREFUSED)
	if !errors.Is(err, syscall.ECONNREFUSED) || errors.Unwrap(err) != at.Err {
		t.Fatal("Unwrap does not give the last attempt's error")
	}
	if !strings.HasPrefix(err.Error(), "create_connection failed (1 sub-exception); ") ||
		!strings.Contains(err.Error(), fmt.Sprintf("127.0.0.1:%d: [Errno 111] Connection refused", port)) {
		t.Fatalf("message %q", err.Error())
	}
}

// Python's create_connection(all_errors=True) on this machine gives the same list:
// one refused attempt to 127.0.0.1.
func TestCreateConnectionExAllErrorsAgreesWithPython(t *testing.T) {
	port := unlistenedPort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	script := `import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5, all_errors=True)
except ExceptionGroup as g:
    print(str(g))
    for e in g.exceptions:
        print(type(e).__name__, e.errno, e.strerror)`
	out, err := exec.CommandContext(ctx, "python3", "-c", script, itoa(port)).CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v: %s", err, out)
	}
	_, gerr := CreateConnectionEx(context.Background(), "127.0.0.1", port, 5*time.Second, ConnectOptions{AllErrors: true})
	var ce *ConnectError
	if !errors.As(gerr, &ce) {
		t.Fatalf("got %T %v", gerr, gerr)
	}
	lines := []string{strings.SplitN(gerr.Error(), "; ", 2)[0]}
	for _, a := range ce.Attempts {
		pe := asError(t, a.Err)
		class := "OSError"
		if pe.Errno == int(syscall.ECONNREFUSED) {
			class = "ConnectionRefusedError"
		}
		lines = append(lines, fmt.Sprintf("%s %d %s", class, pe.Errno, strings.TrimPrefix(pe.Message, fmt.Sprintf("[Errno %d] ", pe.Errno))))
	}
	if got, want := strings.Join(lines, "\n"), strings.TrimSpace(string(out)); got != want {
		t.Fatalf("polysock:\n%s\npython3:\n%s", got, want)
	}
}

// Happy Eyeballs over a list of addresses that getaddrinfo cannot give for a numeric
// host: a black-holed address first, a live one second.
func TestHappyEyeballsStartsTheNextAttemptAfterTheDelay(t *testing.T) {
	hole := blackHole(t)
	l, live := listener(t)
	ch := acceptOne(t, l)
	const delay = 200 * time.Millisecond
	start := time.Now()
	c, err := connectAttempts(context.Background(), []AddrInfo{v4(hole), v4(live)}, 10*time.Second,
		ConnectOptions{HappyEyeballs: true, HappyEyeballsDelay: delay})
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if peerPort(t, c) != live {
		t.Fatal("the black-holed attempt won")
	}
	if elapsed < delay || elapsed > delay+3*time.Second {
		t.Fatalf("connected after %v: the second attempt should start %v after the first", elapsed, delay)
	}
	<-ch

	// Without Happy Eyeballs the next attempt waits for the first to fail: its timeout.
	const timeout = 400 * time.Millisecond
	ch = acceptOne(t, l)
	start = time.Now()
	c2, err := connectAttempts(context.Background(), []AddrInfo{v4(hole), v4(live)}, timeout, ConnectOptions{})
	elapsed = time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if peerPort(t, c2) != live || elapsed < timeout || elapsed > timeout+3*time.Second {
		t.Fatalf("sequential: connected after %v, want the first attempt's timeout %v first", elapsed, timeout)
	}
	<-ch
}

func TestHappyEyeballsFailureStartsTheNextAtOnceAndErrorsComeInOrder(t *testing.T) {
	hole := blackHole(t)
	refused := unlistenedPort(t)
	// The refused attempt fails at once: the next starts without waiting the delay,
	// and the list is in the order the attempts failed (the black hole's timeout last).
	start := time.Now()
	_, err := connectAttempts(context.Background(), []AddrInfo{v4(refused), v4(hole)}, 500*time.Millisecond,
		ConnectOptions{HappyEyeballs: true, HappyEyeballsDelay: 5 * time.Second, AllErrors: true})
	elapsed := time.Since(start)
	var ce *ConnectError
	if !errors.As(err, &ce) || len(ce.Attempts) != 2 {
		t.Fatalf("got %T %v", err, err)
	}
	if elapsed > 4*time.Second {
		t.Fatalf("took %v: the failed attempt should start the next at once", elapsed)
	}
	wantErrno(t, ce.Attempts[0].Err, syscall.ECONNREFUSED)
	if ce.Attempts[0].Address.Port != refused || ce.Attempts[1].Address.Port != hole {
		t.Fatalf("attempts %+v", ce.Attempts)
	}
	if pe := asError(t, ce.Attempts[1].Err); pe.Kind != TimeoutError || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("last attempt %v", ce.Attempts[1].Err)
	}
}

func TestHappyEyeballsContextCancelsTheAttempts(t *testing.T) {
	hole := blackHole(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := connectAttempts(ctx, []AddrInfo{v4(hole), v4(hole)}, -1,
		ConnectOptions{HappyEyeballs: true, HappyEyeballsDelay: 50 * time.Millisecond, AllErrors: true})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("took %v", elapsed)
	}
}

// The reordering is asyncio's (RFC 8305's First Address Family Count): compared with
// python3's own on this machine.
func TestHappyEyeballsInterleaveAgreesWithAsyncio(t *testing.T) {
	fams := []int{AF_INET6, AF_INET6, AF_INET6, AF_INET, AF_INET6, AF_INET, AF_INET}
	var in []AddrInfo
	var py []string
	for i, f := range fams {
		in = append(in, AddrInfo{Family: f, Type: SOCK_STREAM, Addr: Address{Family: f, Port: i}})
		py = append(py, fmt.Sprintf("(%d, 1, 6, '', ('h', %d))", f, i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, first := range []int{1, 2, 3, 10} {
		script := fmt.Sprintf(`import asyncio.base_events as b
print(" ".join(str(a[4][1]) for a in b._interleave_addrinfos([%s], %d)))`, strings.Join(py, ", "), first)
		out, err := exec.CommandContext(ctx, "python3", "-c", script).CombinedOutput()
		if err != nil {
			t.Fatalf("python3: %v: %s", err, out)
		}
		var got []string
		for _, a := range interleave(in, first) {
			got = append(got, itoa(a.Addr.Port))
		}
		if g, w := strings.Join(got, " "), strings.TrimSpace(string(out)); g != w {
			t.Fatalf("interleave %d: %s, asyncio %s", first, g, w)
		}
	}
}
