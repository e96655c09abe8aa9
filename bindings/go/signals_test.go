package polysock

import (
	"errors"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"polysock.dev/polysock/internal/raw"
)

// readable polls fd for reading with epoll for up to d (0: only looks).
func readable(t *testing.T, fd int, d time.Duration) bool {
	t.Helper()
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(ep)
	if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}); err != nil {
		t.Fatal(err)
	}
	var evs [1]syscall.EpollEvent
	deadline := time.Now().Add(d)
	for {
		ms := int(time.Until(deadline) / time.Millisecond)
		if ms < 0 {
			ms = 0
		}
		n, err := syscall.EpollWait(ep, evs[:], ms)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		return n > 0 && evs[0].Events&syscall.EPOLLIN != 0
	}
}

func TestPollerFilenoIsReadableExactlyWhenASocketIsReady(t *testing.T) {
	p, err := NewPoller()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	a, b, err := Socketpair(AF_UNIX, SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	if err := p.Register(b, EventRead, "b"); err != nil {
		t.Fatal(err)
	}
	fd, err := p.Fileno()
	if err != nil || fd < 0 {
		t.Fatalf("Fileno %d, %v", fd, err)
	}
	if again, _ := p.Fileno(); again != fd {
		t.Fatalf("Fileno changed: %d then %d", fd, again)
	}
	if readable(t, fd, 0) {
		t.Fatal("readable with nothing ready")
	}
	if evs, err := p.Select(0); err != nil || len(evs) != 0 {
		t.Fatalf("Select(0) = %v, %v with nothing ready", evs, err)
	}
	if err := a.SendAll([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if !readable(t, fd, 5*time.Second) {
		t.Fatal("not readable with a socket ready")
	}
	// Level-triggered: it stays readable while the socket is ready, and agrees with Select.
	if !readable(t, fd, 0) {
		t.Fatal("readable only once")
	}
	evs, err := p.Select(0)
	if err != nil || len(evs) != 1 || evs[0].Socket != b || evs[0].Data != "b" {
		t.Fatalf("Select(0) = %v, %v", evs, err)
	}
	if got, err := b.Recv(8); err != nil || string(got) != "x" {
		t.Fatalf("Recv %q, %v", got, err)
	}
	if readable(t, fd, 0) {
		t.Fatal("still readable once drained")
	}

	// Go's own poller as the foreign event loop: a goroutine parks on a dup of the
	// descriptor (never read, never closed: the dup is ours) until a socket is ready.
	dup, err := syscall.Dup(fd)
	if err != nil {
		t.Fatal(err)
	}
	syscall.CloseOnExec(dup)
	if err := syscall.SetNonblock(dup, true); err != nil {
		syscall.Close(dup)
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(dup), "poller")
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	f.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := make(chan []PollEvent, 1)
	go func() {
		var ready []PollEvent
		err := rc.Read(func(uintptr) bool {
			ready, _ = p.Select(0)
			return len(ready) > 0
		})
		if err != nil {
			t.Error(err)
		}
		got <- ready
	}()
	time.Sleep(50 * time.Millisecond)
	if err := a.SendAll([]byte("y")); err != nil {
		t.Fatal(err)
	}
	select {
	case evs := <-got:
		if len(evs) != 1 || evs[0].Socket != b {
			t.Fatalf("events %v", evs)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Go's poller never woke")
	}

	p.Close()
	if _, err := p.Fileno(); err == nil {
		t.Fatal("Fileno of a closed poller")
	} else {
		wantErrno(t, err, syscall.EBADF)
	}
}

func TestInterruptedStatusIsAnEINTROSError(t *testing.T) {
	var b raw.ErrBuf
	b.Status = statusInterrupted
	b.Errno = int32(syscall.EINTR)
	copy(b.Msg[:], "[Errno 4] Interrupted system call")
	err := error(fromBuf(&b))
	pe := wantErrno(t, err, syscall.EINTR)
	if pe.Message != "[Errno 4] Interrupted system call" || !pe.Temporary() || pe.Timeout() {
		t.Fatalf("got %q temporary %v timeout %v", pe.Message, pe.Temporary(), pe.Timeout())
	}
}

// selectOnThread runs p.Select(d) in a goroutine locked to its OS thread; it gives
// the thread's id, then the result.
type selectResult struct {
	evs []PollEvent
	err error
}

func selectOnThread(p *Poller, d time.Duration) (int, <-chan selectResult) {
	tid := make(chan int, 1)
	res := make(chan selectResult, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tid <- syscall.Gettid()
		evs, err := p.Select(d)
		res <- selectResult{evs, err}
	}()
	return <-tid, res
}

// signalUntil sends SIGURG (which Go's runtime handles and ignores: its preemption
// signal) to thread tid every 10 ms, for at most d or until res delivers.
func signalUntil(t *testing.T, tid int, res <-chan selectResult, d time.Duration) (selectResult, bool) {
	t.Helper()
	end := time.After(d)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case r := <-res:
			return r, true
		case <-end:
			return selectResult{}, false
		case <-tick.C:
			if err := syscall.Tgkill(os.Getpid(), tid, syscall.SIGURG); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// In a Go program the only native waits are the poller's: every socket operation
// waits on Go's poller. There the flag hook stops a wait that a signal interrupts.
func TestInterruptFlagHookStopsANativePollerWait(t *testing.T) {
	p, err := NewPoller()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	a, b, err := Socketpair(AF_UNIX, SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	if err := p.Register(b, EventRead, nil); err != nil {
		t.Fatal(err)
	}
	if err := SetInterruptFlagHook(true); err != nil {
		t.Fatal(err)
	}
	defer SetInterruptFlagHook(false)
	defer SetInterruptFlag(false)

	// Flag set: the first signal that interrupts the wait stops it, with EINTR.
	SetInterruptFlag(true)
	if !InterruptFlag() {
		t.Fatal("the flag did not stick")
	}
	tid, res := selectOnThread(p, 20*time.Second)
	r, done := signalUntil(t, tid, res, 10*time.Second)
	if !done {
		t.Fatal("the interrupted Select never returned")
	}
	pe := wantErrno(t, r.err, syscall.EINTR)
	if !errors.Is(r.err, syscall.EINTR) || pe.Message != "[Errno 4] Interrupted system call" || len(r.evs) != 0 {
		t.Fatalf("got %v %q", r.evs, pe.Message)
	}
	// Nothing lost: the socket's data arrives whole and the poller reports it.
	SetInterruptFlag(false)
	if err := a.SendAll([]byte("after the signal")); err != nil {
		t.Fatal(err)
	}
	if evs, err := p.Select(5 * time.Second); err != nil || len(evs) != 1 || evs[0].Socket != b {
		t.Fatalf("Select = %v, %v", evs, err)
	}
	if got, err := b.Recv(64); err != nil || string(got) != "after the signal" {
		t.Fatalf("Recv %q, %v", got, err)
	}

	// Flag cleared, hook still there: signals do not stop the wait, which goes on
	// until a socket is ready.
	for _, hook := range []bool{true, false} {
		if !hook { // and with the default again (no hook), even with the flag set
			if err := SetInterruptFlagHook(false); err != nil {
				t.Fatal(err)
			}
			SetInterruptFlag(true)
		}
		tid, res = selectOnThread(p, 20*time.Second)
		if r, done := signalUntil(t, tid, res, 300*time.Millisecond); done {
			t.Fatalf("hook %v: Select returned under signals: %v, %v", hook, r.evs, r.err)
		}
		if err := a.SendAll([]byte("z")); err != nil {
			t.Fatal(err)
		}
		r, done = signalUntil(t, tid, res, 10*time.Second)
		if !done || r.err != nil || len(r.evs) != 1 || r.evs[0].Socket != b {
			t.Fatalf("hook %v: Select = %v, %v (done %v)", hook, r.evs, r.err, done)
		}
		if got, err := b.Recv(8); err != nil || string(got) != "z" {
			t.Fatalf("Recv %q, %v", got, err)
		}
	}
}

// The flag hook does not reach the waits on Go's poller: a Recv under signals with
// the flag set waits out its timeout (close the socket or set a deadline to stop it).
func TestInterruptFlagDoesNotReachWaitsOnGosPoller(t *testing.T) {
	a, b, err := Socketpair(AF_UNIX, SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	if err := SetInterruptFlagHook(true); err != nil {
		t.Fatal(err)
	}
	defer SetInterruptFlagHook(false)
	SetInterruptFlag(true)
	defer SetInterruptFlag(false)
	b.SetTimeout(300 * time.Millisecond)
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := b.Recv(8)
		done <- err
	}()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	limit := time.After(10 * time.Second)
	for {
		select {
		case err := <-done:
			if asError(t, err).Kind != TimeoutError || time.Since(start) < 300*time.Millisecond {
				t.Fatalf("Recv after %v: %v", time.Since(start), err)
			}
			return
		case <-tick.C:
			syscall.Kill(os.Getpid(), syscall.SIGURG)
		case <-limit:
			t.Fatal("Recv never timed out")
		}
	}
}
