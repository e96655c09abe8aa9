package polysock

import (
	"bytes"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// int32Bytes is vs as native-endian C ints, the data of an SCM_RIGHTS item.
func int32Bytes(vs ...int) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		*(*int32)(unsafe.Pointer(&b[4*i])) = int32(v)
	}
	return b
}

// int32sOf reads native-endian C ints (a trailing partial one is ignored, as CPython's
// recv_fds does).
func int32sOf(b []byte) []int {
	var out []int
	for i := 0; i+4 <= len(b); i += 4 {
		out = append(out, int(*(*int32)(unsafe.Pointer(&b[i]))))
	}
	return out
}

func pair(t *testing.T, typ int) (*Socket, *Socket) {
	t.Helper()
	a, b, err := Socketpair(AF_UNIX, typ, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// pipeFds is a pipe, closed at the end of the test.
func pipeFds(t *testing.T) (r, w int) {
	t.Helper()
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(p[0]); syscall.Close(p[1]) })
	return p[0], p[1]
}

// checkReceivedFd: fd is a close-on-exec descriptor of the same pipe as want.
func checkReceivedFd(t *testing.T, fd, want int) {
	t.Helper()
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
	if errno != 0 || flags&syscall.FD_CLOEXEC == 0 {
		t.Fatalf("received descriptor %d: flags %d, %v (want FD_CLOEXEC)", fd, flags, errno)
	}
	if inode(fd) != inode(want) {
		t.Fatalf("received descriptor %d is not the one sent (%d)", fd, want)
	}
}

func TestSendmsgGathersAndRecvmsgIntoScatters(t *testing.T) {
	a, b := pair(t, SOCK_STREAM)
	n, err := a.Sendmsg([][]byte{[]byte("ab"), []byte("cde"), {}}, nil)
	if err != nil || n != 5 {
		t.Fatalf("Sendmsg = %d, %v", n, err)
	}
	b1, b2 := make([]byte, 2), make([]byte, 10)
	n, anc, flags, addr, err := b.RecvmsgInto([][]byte{b1, b2}, 0)
	if err != nil || n != 5 || string(b1) != "ab" || string(b2[:3]) != "cde" {
		t.Fatalf("RecvmsgInto = %d %q %q, %v", n, b1, b2, err)
	}
	// As CPython: (5, [], 0, None) on a socketpair.
	if len(anc) != 0 || flags != 0 || addr != nil {
		t.Fatalf("ancdata %v flags %d address %v", anc, flags, addr)
	}
	if _, err := a.Sendmsg([][]byte{[]byte("hello")}, []AncData{}); err != nil {
		t.Fatal(err)
	}
	data, anc, flags, addr, err := b.Recvmsg(64, 0)
	if err != nil || string(data) != "hello" || len(anc) != 0 || flags != 0 || addr != nil {
		t.Fatalf("Recvmsg = %q %v %d %v, %v", data, anc, flags, addr, err)
	}
	// A large gather list goes whole over a stream (SendAll-like loops are the caller's).
	big := bytes.Repeat([]byte("0123456789"), 1000)
	var bufs [][]byte
	for i := 0; i < len(big); i += 100 {
		bufs = append(bufs, big[i:i+100])
	}
	n, err = a.Sendmsg(bufs, nil)
	if err != nil || n != len(big) {
		t.Fatalf("Sendmsg of %d buffers = %d, %v", len(bufs), n, err)
	}
	var got []byte
	for len(got) < len(big) {
		d, _, _, _, err := b.Recvmsg(4096, 0)
		if err != nil || len(d) == 0 {
			t.Fatalf("Recvmsg: %q, %v", d, err)
		}
		got = append(got, d...)
	}
	if !bytes.Equal(got, big) {
		t.Fatal("gathered data differs")
	}
}

func TestRecvmsgTruncationFlags(t *testing.T) {
	a, b := pair(t, SOCK_DGRAM)
	if _, err := a.Send([]byte("0123456789")); err != nil {
		t.Fatal(err)
	}
	// CPython: (b'0123', [], MSG_TRUNC, None).
	data, anc, flags, _, err := b.Recvmsg(4, 0)
	if err != nil || string(data) != "0123" || len(anc) != 0 || flags&MSG_TRUNC == 0 {
		t.Fatalf("Recvmsg = %q %v %#x, %v", data, anc, flags, err)
	}
	// Two descriptors into room for one: MSG_CTRUNC, and the one that fitted.
	r, w := pipeFds(t)
	if n, err := SendFds(a, [][]byte{[]byte("x")}, []int{r, w}); err != nil || n != 1 {
		t.Fatalf("SendFds = %d, %v", n, err)
	}
	room, err := CmsgLen(4)
	if err != nil {
		t.Fatal(err)
	}
	data, anc, flags, _, err = b.Recvmsg(10, room)
	if err != nil || string(data) != "x" || flags&MSG_CTRUNC == 0 {
		t.Fatalf("Recvmsg = %q %v %#x, %v", data, anc, flags, err)
	}
	if len(anc) != 1 || anc[0].Level != SOL_SOCKET || anc[0].Type != SCM_RIGHTS {
		t.Fatalf("ancdata %v", anc)
	}
	fds := int32sOf(anc[0].Data)
	for _, fd := range fds {
		defer syscall.Close(fd)
	}
	if len(fds) != 1 {
		t.Fatalf("descriptors %v", fds)
	}
	checkReceivedFd(t, fds[0], r)
}

func TestSendFdsRecvFdsPassDescriptors(t *testing.T) {
	a, b := pair(t, SOCK_STREAM)
	r, w := pipeFds(t)
	if n, err := SendFds(a, [][]byte{[]byte("two "), []byte("fds")}, []int{r, w}); err != nil || n != 7 {
		t.Fatalf("SendFds = %d, %v", n, err)
	}
	data, fds, flags, addr, err := RecvFds(b, 64, 4)
	if err != nil || string(data) != "two fds" || flags != 0 || addr != nil {
		t.Fatalf("RecvFds = %q %v %#x %v, %v", data, fds, flags, addr, err)
	}
	for _, fd := range fds {
		defer syscall.Close(fd)
	}
	if len(fds) != 2 {
		t.Fatalf("descriptors %v", fds)
	}
	checkReceivedFd(t, fds[0], r)
	checkReceivedFd(t, fds[1], w)
	// The received write end writes into the pipe whose read end we kept.
	if _, err := syscall.Write(fds[1], []byte("through")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if n, err := syscall.Read(r, buf); err != nil || string(buf[:n]) != "through" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	// Over a datagram socket to an address.
	name := "@polysock-go-fds-" + itoa(os.Getpid())
	srv, err := NewSocket(AF_UNIX, SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Bind(name, 0); err != nil {
		t.Fatal(err)
	}
	cli, err := NewSocket(AF_UNIX, SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if err := cli.BindUnix(nil); err != nil { // autobind, so that the sender has an address
		t.Fatal(err)
	}
	if _, err := SendFdsTo(cli, [][]byte{[]byte("dgram")}, []int{w}, name); err != nil {
		t.Fatal(err)
	}
	data, fds, _, addr, err = RecvFds(srv, 64, 1)
	if err != nil || string(data) != "dgram" || len(fds) != 1 || addr == nil || addr.Family != AF_UNIX {
		t.Fatalf("RecvFds = %q %v %v, %v", data, fds, addr, err)
	}
	defer syscall.Close(fds[0])
	checkReceivedFd(t, fds[0], w)
}

func TestSCMRightsThroughSendmsgAndRecvmsg(t *testing.T) {
	a, b := pair(t, SOCK_STREAM)
	r, _ := pipeFds(t)
	anc := []AncData{{Level: SOL_SOCKET, Type: SCM_RIGHTS, Data: int32Bytes(r)}}
	if n, err := a.Sendmsg([][]byte{[]byte("fd")}, anc); err != nil || n != 2 {
		t.Fatalf("Sendmsg = %d, %v", n, err)
	}
	space, err := CmsgSpace(4)
	if err != nil {
		t.Fatal(err)
	}
	data, got, flags, _, err := b.Recvmsg(16, space)
	if err != nil || string(data) != "fd" || flags != 0 || len(got) != 1 {
		t.Fatalf("Recvmsg = %q %v %#x, %v", data, got, flags, err)
	}
	if got[0].Level != SOL_SOCKET || got[0].Type != SCM_RIGHTS || len(got[0].Data) != 4 {
		t.Fatalf("item %+v", got[0])
	}
	fd := int32sOf(got[0].Data)[0]
	defer syscall.Close(fd)
	checkReceivedFd(t, fd, r)
}

func TestSCMCredentials(t *testing.T) {
	a, b := pair(t, SOCK_STREAM)
	if err := b.Setsockopt(SOL_SOCKET, SO_PASSCRED, 1); err != nil {
		t.Fatal(err)
	}
	// The kernel attaches the sender's credentials; and the sender may state its own.
	own := int32Bytes(os.Getpid(), os.Getuid(), os.Getgid())
	for _, anc := range [][]AncData{nil, {{Level: SOL_SOCKET, Type: SCM_CREDENTIALS, Data: own}}} {
		if _, err := a.Sendmsg([][]byte{[]byte("c")}, anc); err != nil {
			t.Fatal(err)
		}
		space, err := CmsgSpace(12)
		if err != nil {
			t.Fatal(err)
		}
		data, got, flags, _, err := b.Recvmsg(8, space)
		if err != nil || string(data) != "c" || flags != 0 || len(got) != 1 {
			t.Fatalf("Recvmsg = %q %v %#x, %v", data, got, flags, err)
		}
		if got[0].Level != SOL_SOCKET || got[0].Type != SCM_CREDENTIALS || !bytes.Equal(got[0].Data, own) {
			t.Fatalf("credentials %+v, want pid/uid/gid %v", got[0], int32sOf(own))
		}
	}
}

func TestPktinfoOnUDP(t *testing.T) {
	for _, tc := range []struct {
		family, level, opt, typ int
		host                    string
		size                    int
	}{
		{AF_INET, IPPROTO_IP, IP_PKTINFO, IP_PKTINFO, "127.0.0.1", 12},
		{AF_INET6, IPPROTO_IPV6, IPV6_RECVPKTINFO, IPV6_PKTINFO, "::1", 20},
	} {
		srv, err := NewSocket(tc.family, SOCK_DGRAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		if err := srv.Bind(tc.host, 0); err != nil {
			t.Fatal(err)
		}
		if err := srv.Setsockopt(tc.level, tc.opt, 1); err != nil {
			t.Fatal(err)
		}
		sa, _ := srv.Getsockname()
		cli, err := NewSocket(tc.family, SOCK_DGRAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer cli.Close()
		if err := cli.Bind(tc.host, 0); err != nil {
			t.Fatal(err)
		}
		ca, _ := cli.Getsockname()
		if n, err := cli.SendmsgTo([][]byte{[]byte("pkt"), []byte("info")}, nil, tc.host, sa.Port); err != nil || n != 7 {
			t.Fatalf("SendmsgTo = %d, %v", n, err)
		}
		srv.SetTimeout(5 * time.Second)
		space, _ := CmsgSpace(tc.size)
		data, anc, flags, addr, err := srv.Recvmsg(64, space)
		if err != nil || string(data) != "pktinfo" || flags != 0 {
			t.Fatalf("Recvmsg = %q %#x, %v", data, flags, err)
		}
		if addr == nil || addr.Host != tc.host || addr.Port != ca.Port {
			t.Fatalf("sender %v, want %v", addr, ca)
		}
		if len(anc) != 1 || anc[0].Level != tc.level || anc[0].Type != tc.typ || len(anc[0].Data) != tc.size {
			t.Fatalf("ancdata %+v", anc)
		}
		// The destination address: in_pktinfo's ipi_addr (bytes 8-12), in6_pktinfo's
		// ipi6_addr (bytes 0-16).
		dst := net.IP(anc[0].Data[8:12])
		if tc.family == AF_INET6 {
			dst = net.IP(anc[0].Data[:16])
		}
		if !dst.Equal(net.ParseIP(tc.host)) {
			t.Fatalf("pktinfo destination %v", dst)
		}
		// Sending with the item chooses the source address: the same item back.
		if _, err := cli.SendmsgTo([][]byte{[]byte("again")}, anc, tc.host, sa.Port); err != nil {
			t.Fatal(err)
		}
		if data, _, _, _, err := srv.Recvmsg(64, space); err != nil || string(data) != "again" {
			t.Fatalf("Recvmsg = %q, %v", data, err)
		}
	}
}

func TestCmsgLenAndSpaceAreTheKernels(t *testing.T) {
	for n := 0; n <= 64; n++ {
		l, err := CmsgLen(n)
		if err != nil || l != syscall.CmsgLen(n) {
			t.Fatalf("CmsgLen(%d) = %d, %v; want %d", n, l, err, syscall.CmsgLen(n))
		}
		s, err := CmsgSpace(n)
		if err != nil || s != syscall.CmsgSpace(n) {
			t.Fatalf("CmsgSpace(%d) = %d, %v; want %d", n, s, err, syscall.CmsgSpace(n))
		}
	}
	for _, n := range []int{-1, 1 << 62} {
		if _, err := CmsgLen(n); asError(t, err).Kind != ValueError {
			t.Fatalf("CmsgLen(%d): %v", n, err)
		}
		if _, err := CmsgSpace(n); asError(t, err).Kind != ValueError {
			t.Fatalf("CmsgSpace(%d): %v", n, err)
		}
	}
}

func TestMessagesTimeoutNonBlockingAndClose(t *testing.T) {
	a, b := pair(t, SOCK_STREAM)
	_ = a
	b.SetTimeout(100 * time.Millisecond)
	if _, _, _, _, err := b.Recvmsg(8, 64); asError(t, err).Kind != TimeoutError {
		t.Fatalf("Recvmsg: %v", err)
	}
	if _, _, _, _, err := RecvFds(b, 8, 2); asError(t, err).Kind != TimeoutError {
		t.Fatalf("RecvFds: %v", err)
	}
	b.SetTimeout(0)
	if _, _, _, _, err := b.RecvmsgInto([][]byte{make([]byte, 8)}, 0); err == nil {
		t.Fatal("non-blocking RecvmsgInto with nothing to read")
	} else {
		wantErrno(t, err, syscall.EAGAIN)
	}
	// A socket closed while a goroutine waits in Recvmsg wakes it with EBADF.
	b.SetBlocking(true)
	done := make(chan error, 1)
	go func() {
		_, _, _, _, err := b.Recvmsg(8, 64)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	b.Close()
	select {
	case err := <-done:
		wantErrno(t, err, syscall.EBADF)
	case <-time.After(10 * time.Second):
		t.Fatal("Recvmsg did not wake on Close")
	}
	// A full send buffer: Sendmsg in timeout mode times out, having sent nothing more.
	c, d := pair(t, SOCK_STREAM)
	_ = d
	c.SetTimeout(100 * time.Millisecond)
	chunk := make([]byte, 1<<16)
	var err error
	for i := 0; i < 1000 && err == nil; i++ {
		_, err = c.Sendmsg([][]byte{chunk}, nil)
	}
	if asError(t, err).Kind != TimeoutError {
		t.Fatalf("Sendmsg on a full buffer: %v", err)
	}
	r, _ := pipeFds(t)
	if _, err := SendFds(c, [][]byte{chunk}, []int{r}); asError(t, err).Kind != TimeoutError {
		t.Fatalf("SendFds on a full buffer: %v", err)
	}
}

func TestMessagesBadInput(t *testing.T) {
	a, b := pair(t, SOCK_STREAM)
	if _, _, _, _, err := b.Recvmsg(-1, 0); asError(t, err).Message != "negative buffer size in recvmsg()" {
		t.Fatalf("bufsize -1: %v", err)
	}
	for _, n := range []int{-1, 1 << 40} {
		if _, _, _, _, err := b.Recvmsg(1, n); asError(t, err).Message != "invalid ancillary data buffer length" {
			t.Fatalf("ancbufsize %d: %v", n, err)
		}
		if _, _, _, _, err := b.RecvmsgInto([][]byte{make([]byte, 1)}, n); asError(t, err).Kind != ValueError {
			t.Fatalf("RecvmsgInto ancbufsize %d: %v", n, err)
		}
	}
	if _, _, _, _, err := b.Recvmsg(1<<40, 0); asError(t, err).Kind != MemoryError {
		t.Fatalf("bufsize 2**40: %v", err)
	}
	if _, _, _, _, err := RecvFds(b, -1, 1); asError(t, err).Kind != ValueError {
		t.Fatalf("RecvFds bufsize -1: %v", err)
	}
	for _, n := range []int{-1, 1 << 40} {
		if _, _, _, _, err := RecvFds(b, 1, n); asError(t, err).Message != "CMSG_LEN() argument out of range" {
			t.Fatalf("RecvFds maxfds %d: %v", n, err)
		}
	}
	if _, err := a.Sendmsg([][]byte{[]byte("x")}, []AncData{{Level: 1 << 40}}); asError(t, err).Kind != ValueError {
		t.Fatalf("level 2**40: %v", err)
	}
	if _, err := SendFds(a, [][]byte{[]byte("x")}, []int{1 << 40}); asError(t, err).Kind != ValueError {
		t.Fatalf("fd 2**40: %v", err)
	}
	if _, err := a.SendmsgTo([][]byte{[]byte("x")}, nil, "127.0.0.1\x00", 1); asError(t, err).Kind != ValueError {
		t.Fatalf("host with NUL: %v", err)
	}
	// Not a descriptor: the kernel's EBADF.
	if _, err := SendFds(a, [][]byte{[]byte("x")}, []int{highFd(t)}); err == nil {
		t.Fatal("SendFds of a closed descriptor")
	} else {
		wantErrno(t, err, syscall.EBADF)
	}
	// A closed socket: EBADF from every call.
	a.Close()
	if _, err := a.Sendmsg([][]byte{[]byte("x")}, nil); err == nil {
		t.Fatal("Sendmsg on a closed socket")
	} else {
		wantErrno(t, err, syscall.EBADF)
	}
	if _, _, _, _, err := a.Recvmsg(1, 0); err == nil {
		t.Fatal("Recvmsg on a closed socket")
	} else {
		wantErrno(t, err, syscall.EBADF)
	}
	if _, err := SendFds(a, [][]byte{[]byte("x")}, []int{0}); err == nil {
		t.Fatal("SendFds on a closed socket")
	} else {
		wantErrno(t, err, syscall.EBADF)
	}
	if _, _, _, _, err := RecvFds(a, 1, 1); err == nil {
		t.Fatal("RecvFds on a closed socket")
	} else {
		wantErrno(t, err, syscall.EBADF)
	}
}
