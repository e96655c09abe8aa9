package polysock

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// abstractName is an abstract AF_UNIX name of this process with NUL bytes inside,
// as CPython's test b"\0python\0test\0" (plus the pid and a tag, so that concurrent
// runs never meet).
func abstractName(tag string) []byte {
	return []byte(fmt.Sprintf("\x00python\x00test\x00%d\x00%s", os.Getpid(), tag))
}

func unixStream(t *testing.T) *Socket {
	t.Helper()
	s, err := NewSocket(AF_UNIX, SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// acceptOne accepts one connection on l in a goroutine; the channel gives it.
func acceptOne(t *testing.T, l *Socket) <-chan *Socket {
	ch := make(chan *Socket, 1)
	go func() {
		c, _, err := l.Accept()
		if err != nil {
			t.Error(err)
			ch <- nil
			return
		}
		t.Cleanup(func() { c.Close() })
		ch <- c
	}()
	return ch
}

func TestUnixAbstractNameWithNULsBindsAndReadsBackWhole(t *testing.T) {
	// CPython's own example first: b"\0python\0test\0" is 13 bytes and comes back whole.
	cp := unixStream(t)
	exact := []byte("\x00python\x00test\x00")
	if err := cp.BindUnix(exact); err != nil {
		if !strings.Contains(err.Error(), "Address already in use") {
			t.Fatal(err)
		}
	} else if got, err := cp.GetsocknameUnix(); err != nil || !bytes.Equal(got, exact) || len(got) != 13 {
		t.Fatalf("getsockname %q (%d bytes), %v", got, len(got), err)
	}

	name := abstractName("bind")
	l := unixStream(t)
	if err := l.BindUnix(name); err != nil {
		t.Fatal(err)
	}
	got, err := l.GetsocknameUnix()
	if err != nil || !bytes.Equal(got, name) {
		t.Fatalf("getsockname %q, %v; want %q", got, err, name)
	}
	if err := l.Listen(4); err != nil {
		t.Fatal(err)
	}
	ch := acceptOne(t, l)
	c := unixStream(t)
	if err := c.ConnectUnix(name); err != nil {
		t.Fatal(err)
	}
	if peer, err := c.GetpeernameUnix(); err != nil || !bytes.Equal(peer, name) {
		t.Fatalf("getpeername %q, %v", peer, err)
	}
	srv := <-ch
	if srv == nil {
		t.FailNow()
	}
	// The accepted side is unbound: an empty name, as Python's b"" (or '' for str).
	if own, err := srv.GetsocknameUnix(); err != nil || !bytes.Equal(own, name) {
		t.Fatalf("accepted getsockname %q, %v", own, err)
	}
	if peer, err := srv.GetpeernameUnix(); err != nil || len(peer) != 0 {
		t.Fatalf("accepted getpeername %q, %v", peer, err)
	}
	if err := c.SendAll([]byte("over an abstract name")); err != nil {
		t.Fatal(err)
	}
	if b, err := srv.Recv(64); err != nil || string(b) != "over an abstract name" {
		t.Fatalf("Recv %q, %v", b, err)
	}
}

// python3 connects to a name the Go binding bound, and reports the bytes of its
// getpeername(): CPython and the binding agree on every byte of the name.
func TestUnixAbstractNameAgreesWithPython(t *testing.T) {
	name := abstractName("py")
	l := unixStream(t)
	if err := l.BindUnix(name); err != nil {
		t.Fatal(err)
	}
	if err := l.Listen(4); err != nil {
		t.Fatal(err)
	}
	ch := acceptOne(t, l)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	script := `import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(bytes.fromhex(sys.argv[1]))
print(s.getpeername().hex())
s.sendall(b"from python")
s.close()`
	out, err := exec.CommandContext(ctx, "python3", "-c", script, fmt.Sprintf("%x", name)).CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v: %s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != fmt.Sprintf("%x", name) {
		t.Fatalf("python3's getpeername() %s, want %x", got, name)
	}
	srv := <-ch
	if srv == nil {
		t.FailNow()
	}
	srv.SetTimeout(10 * time.Second)
	if b, err := srv.Recv(64); err != nil || string(b) != "from python" {
		t.Fatalf("Recv %q, %v", b, err)
	}
}

func TestUnixFilePathBeginningWithAtIsAFile(t *testing.T) {
	// A relative path: bind in a directory of our own (the tests do not run in
	// parallel, so changing directory for this test is safe).
	dir := t.TempDir()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	path := []byte("@polysock-go-file")
	l := unixStream(t)
	if err := l.BindUnix(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir + "/@polysock-go-file")
	if err != nil || st.Mode()&os.ModeSocket == 0 {
		t.Fatalf("no socket file: %v %v", st, err)
	}
	if got, err := l.GetsocknameUnix(); err != nil || !bytes.Equal(got, path) {
		t.Fatalf("getsockname %q, %v", got, err)
	}
	if err := l.Listen(4); err != nil {
		t.Fatal(err)
	}
	ch := acceptOne(t, l)
	c := unixStream(t)
	if err := c.ConnectUnix(path); err != nil {
		t.Fatal(err)
	}
	if peer, err := c.GetpeernameUnix(); err != nil || !bytes.Equal(peer, path) {
		t.Fatalf("getpeername %q, %v", peer, err)
	}
	if srv := <-ch; srv == nil {
		t.FailNow()
	}
	// The string form reads "@polysock-go-file" as an abstract name: nobody is there.
	c2 := unixStream(t)
	wantErrno(t, c2.Connect("@polysock-go-file", 0), syscall.ECONNREFUSED)
}

func TestUnixBytesAutobindAndBadInput(t *testing.T) {
	s := unixStream(t)
	if got, err := s.GetsocknameUnix(); err != nil || len(got) != 0 {
		t.Fatalf("unbound getsockname %q, %v", got, err)
	}
	if err := s.BindUnix(nil); err != nil {
		t.Fatal(err)
	}
	// Linux autobinds an abstract name of five hex digits after the NUL.
	if got, err := s.GetsocknameUnix(); err != nil || len(got) != 6 || got[0] != 0 {
		t.Fatalf("autobound getsockname %q, %v", got, err)
	}
	long := unixStream(t)
	err := long.BindUnix(bytes.Repeat([]byte("x"), 200))
	// Python's OSError without errno.
	if pe := asError(t, err); pe.Kind != OSError || pe.Errno != 0 || pe.Message != "AF_UNIX path too long" {
		t.Fatalf("long path: %v %d %q", pe.Kind, pe.Errno, pe.Message)
	}
	err = long.ConnectUnix(bytes.Repeat([]byte("x"), 200))
	if pe := asError(t, err); pe.Kind != OSError || pe.Message != "AF_UNIX path too long" {
		t.Fatalf("long connect path: %v %q", pe.Kind, pe.Message)
	}
	inet, err := NewSocket(AF_INET, SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer inet.Close()
	if err := inet.BindUnix([]byte("/tmp/x")); asError(t, err).Kind != ValueError {
		t.Fatalf("bytes path on AF_INET: %v", err)
	}
	closed := unixStream(t)
	closed.Close()
	wantErrno(t, closed.BindUnix([]byte("\x00x")), syscall.EBADF)
	wantErrno(t, closed.ConnectUnix([]byte("\x00x")), syscall.EBADF)
	if _, err := closed.GetsocknameUnix(); err == nil {
		t.Fatal("getsockname of a closed socket")
	} else {
		wantErrno(t, err, syscall.EBADF)
	}
	if _, err := closed.GetpeernameUnix(); err == nil {
		t.Fatal("getpeername of a closed socket")
	} else {
		wantErrno(t, err, syscall.EBADF)
	}
	// Nobody listens there: refused, as Python's connect.
	c := unixStream(t)
	wantErrno(t, c.ConnectUnix(abstractName("nobody")), syscall.ECONNREFUSED)
}

// inode is the inode number of fd, or 0 if fd is not open.
func inode(fd int) uint64 {
	var st syscall.Stat_t
	if syscall.Fstat(fd, &st) != nil {
		return 0
	}
	return st.Ino
}

func TestNewSocketFilenoAdoptsTheDescriptorItself(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	ino := inode(fd)
	s, err := NewSocketFileno(-1, -1, -1, fd)
	if err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	defer s.Close()
	if s.Fileno() != fd {
		t.Fatalf("Fileno %d, want the adopted %d (no dup)", s.Fileno(), fd)
	}
	// Detected from the descriptor as CPython does: proto reads back IPPROTO_TCP.
	if s.Family() != AF_INET || s.Type() != SOCK_STREAM || s.Proto() != IPPROTO_TCP {
		t.Fatalf("family %d type %d proto %d", s.Family(), s.Type(), s.Proto())
	}
	if d, ok := s.GetTimeout(); ok || d != 0 {
		t.Fatalf("timeout %v %v, want the default None", d, ok)
	}
	l, port := listener(t)
	ch := acceptOne(t, l)
	if err := s.Connect("127.0.0.1", port); err != nil {
		t.Fatal(err)
	}
	srv := <-ch
	if srv == nil {
		t.FailNow()
	}
	if err := s.SendAll([]byte("adopted")); err != nil {
		t.Fatal(err)
	}
	if b, err := srv.Recv(16); err != nil || string(b) != "adopted" {
		t.Fatalf("Recv %q, %v", b, err)
	}
	// Given family, type and proto are taken as they are.
	fd2, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := NewSocketFileno(AF_UNIX, SOCK_DGRAM, 0, fd2)
	if err != nil {
		syscall.Close(fd2)
		t.Fatal(err)
	}
	if s2.Family() != AF_UNIX || s2.Type() != SOCK_DGRAM || s2.Fileno() != fd2 {
		t.Fatalf("family %d type %d fd %d", s2.Family(), s2.Type(), s2.Fileno())
	}
	s2.Close()
	// Closing the socket closed the descriptor (the number may be reused at once by
	// another goroutine, but then it is another file).
	s.Close()
	if inode(fd) == ino {
		t.Fatalf("descriptor %d still open after Close", fd)
	}
}

func TestNewSocketFilenoBadDescriptors(t *testing.T) {
	_, err := NewSocketFileno(-1, -1, -1, -1)
	if pe := asError(t, err); pe.Kind != ValueError || pe.Message != "negative file descriptor" {
		t.Fatalf("fd -1: %v %q", pe.Kind, pe.Message)
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	ino := inode(p[0])
	_, err = NewSocketFileno(-1, -1, -1, p[0])
	wantErrno(t, err, syscall.ENOTSOCK)
	if inode(p[0]) != ino {
		t.Fatal("a failed adoption closed the caller's descriptor")
	}
	// A descriptor number nobody has open (dup2'd there and closed by us).
	high := highFd(t)
	_, err = NewSocketFileno(-1, -1, -1, high)
	wantErrno(t, err, syscall.EBADF)
}

// highFd is a descriptor number far above what the process uses, closed: just
// under the descriptor limit (which Go raises to the hard limit at start).
func highFd(t *testing.T) int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	n := int(lim.Cur) - 16
	if lim.Cur > 1<<20 {
		n = 1<<20 - 16
	}
	if n < 256 || inode(n) != 0 {
		t.Fatalf("no free high descriptor number (limit %d)", lim.Cur)
	}
	return n
}

func TestCloseFdClosesADetachedDescriptor(t *testing.T) {
	s, err := NewSocket(AF_INET, SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := s.Detach()
	if err != nil {
		t.Fatal(err)
	}
	// Move it to a number of its own, so that closing it twice cannot touch a
	// descriptor another goroutine has just been given.
	high := highFd(t)
	if err := syscall.Dup3(fd, high, syscall.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	if err := Close(fd); err != nil {
		t.Fatal(err)
	}
	if inode(high) == 0 {
		t.Fatal("dup3 gave no descriptor")
	}
	if err := Close(high); err != nil {
		t.Fatal(err)
	}
	if inode(high) != 0 {
		t.Fatal("Close(fd) left the descriptor open")
	}
	wantErrno(t, Close(high), syscall.EBADF)
	wantErrno(t, Close(-1), syscall.EBADF)
}
