package polysock

import (
	"bytes"
	"io"
	"syscall"
	"testing"
	"time"
)

// The probing read (socket.go, run): a plain read whose last one had to wait asks the
// kernel first (readableNow) and parks at once when nothing is there. These tests put a
// socket in that state (a read that waited) and check that the next read still sees
// whatever comes, however it comes, and that the probe did run.

// waitedRead makes c's next plain read a probing one: a read that has to wait, the
// peer's byte arriving later.
func waitedRead(t *testing.T, c, peer *Socket) {
	t.Helper()
	go func() {
		time.Sleep(20 * time.Millisecond)
		peer.SendAll([]byte{'w'})
	}()
	b := make([]byte, 1)
	within(t, 5*time.Second, "the read that waits", func() {
		if n, err := c.RecvInto(b); n != 1 || err != nil {
			t.Errorf("RecvInto: %d, %v", n, err)
		}
	})
	if !c.r.waited {
		t.Fatal("the read did not wait at its first attempt")
	}
}

func TestReadableNow(t *testing.T) {
	c, s := tcpPair(t)
	fd := uintptr(c.Fileno())
	if readableNow(fd) {
		t.Fatal("readable with nothing sent")
	}
	if err := s.SendAll([]byte("x")); err != nil {
		t.Fatal(err)
	}
	within(t, 5*time.Second, "the byte", func() {
		for !readableNow(fd) {
			time.Sleep(time.Millisecond)
		}
	})
	if _, err := c.Recv(1); err != nil {
		t.Fatal(err)
	}
	if readableNow(fd) {
		t.Fatal("readable once the byte was read")
	}
	s.Close() // the end of the stream is something to read
	within(t, 5*time.Second, "the end of the stream", func() {
		for !readableNow(fd) {
			time.Sleep(time.Millisecond)
		}
	})
}

func TestProbingReadGetsLateData(t *testing.T) {
	c, s := tcpPair(t)
	for i := 0; i < 50; i++ { // each read waits, so each after the first probes
		waitedRead(t, c, s)
		if i > 0 && !c.r.probe {
			t.Fatal("a read after one that waited did not probe")
		}
	}
}

func TestProbingReadGetsDataAlreadyThere(t *testing.T) {
	c, s := tcpPair(t)
	waitedRead(t, c, s)
	msg := []byte("already here")
	if err := s.SendAll(msg); err != nil {
		t.Fatal(err)
	}
	within(t, 5*time.Second, "the message", func() {
		for !readableNow(uintptr(c.Fileno())) {
			time.Sleep(time.Millisecond)
		}
	})
	b := make([]byte, 64)
	var n int
	var err error
	within(t, 5*time.Second, "the probing read", func() { n, err = c.RecvInto(b) })
	if err != nil || !bytes.Equal(b[:n], msg) {
		t.Fatalf("RecvInto: %q, %v", b[:n], err)
	}
	if !c.r.probe || c.r.waited {
		t.Fatalf("probe %v waited %v: want a probe that found the data", c.r.probe, c.r.waited)
	}
	// It found data at once, so the next read makes the native call first again.
	waitedRead(t, c, s)
	if c.r.probe {
		t.Fatal("a read after one that did not wait probed")
	}
}

func TestProbingReadTimesOut(t *testing.T) {
	c, s := tcpPair(t)
	waitedRead(t, c, s)
	if err := c.SetTimeout(50 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var err error
	within(t, 5*time.Second, "the timed read", func() { _, err = c.Recv(1) })
	if asError(t, err).Kind != TimeoutError {
		t.Fatalf("want a timeout, got %v", err)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Fatalf("timed out after %v, before its 50 ms", d)
	}
	if !c.r.probe {
		t.Fatal("the timed read did not probe")
	}
}

// The end of the stream and a close from another goroutine reach a probing read.
func TestProbingReadSeesTheEndAndTheClose(t *testing.T) {
	for _, closer := range []string{"peer", "self"} {
		c, s := tcpPair(t)
		waitedRead(t, c, s)
		go func() {
			time.Sleep(20 * time.Millisecond)
			if closer == "peer" {
				s.Close()
			} else {
				c.Close()
			}
		}()
		var err error
		within(t, 5*time.Second, "the read closed under it", func() { _, err = c.Read(make([]byte, 8)) })
		if closer == "peer" && err != io.EOF {
			t.Fatalf("the peer closed: want io.EOF, got %v", err)
		}
		if closer == "self" {
			wantErrno(t, err, syscall.EBADF)
		}
	}
}

func TestProbingRecvfromGetsLateDatagram(t *testing.T) {
	a, err := NewSocket(AF_INET, SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Bind("127.0.0.1", 0); err != nil {
		t.Fatal(err)
	}
	addr, _ := a.Getsockname()
	b, err := NewSocket(AF_INET, SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for i := 0; i < 20; i++ {
		go func() {
			time.Sleep(10 * time.Millisecond)
			b.Sendto([]byte("dgram"), "127.0.0.1", addr.Port)
		}()
		var data []byte
		within(t, 5*time.Second, "the datagram", func() { data, _, err = a.Recvfrom(64) })
		if err != nil || string(data) != "dgram" {
			t.Fatalf("Recvfrom: %q, %v", data, err)
		}
		if i > 0 && !a.r.probe {
			t.Fatal("a recvfrom after one that waited did not probe")
		}
	}
}

// A listener's accept that waited leaves no probe behind: a recv on the listener
// fails at once (a listener polls unreadable, so a probe would park it).
func TestNoProbeAfterAccept(t *testing.T) {
	l, port := listener(t)
	go func() {
		time.Sleep(20 * time.Millisecond)
		if c, err := CreateConnection("127.0.0.1", port, 5*time.Second, "", 0); err == nil {
			defer c.Close()
		}
	}()
	var conn *Socket
	var err error
	within(t, 5*time.Second, "the accept", func() { conn, _, err = l.Accept() })
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	within(t, 5*time.Second, "a recv on the listener", func() { _, err = l.Recv(1) })
	wantErrno(t, err, syscall.ENOTCONN)
}
