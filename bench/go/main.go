// Command bench is the Go suite program of the benchmark driver (issue 18, bench/run.sh):
// it measures ONE (benchmark, implementation) case per invocation, once, after a
// warm-up on a connection of its own, and prints "RESULT <number>" (and "INFO ..."
// lines) on stdout. The driver runs the rounds, rotates the order and compares.
//
// Implementations: "polysock" is the Go binding (its net.Conn / net.Listener adapters,
// polysock.Listen / polysock.Dial, or its Python-style Socket API where the benchmark
// needs it: connect, eagain, the echo server's backlog); "net" is Go's package net, and
// crypto/tls for tls-bulk. Both ends of a case are the same implementation.
//
// Build (a Release build of the library, then this program against it; no module is
// downloaded, the binding comes from ../../bindings/go through go.mod's replace):
//
//	cmake -S . -B build/rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOLYSOCK_WERROR=ON \
//	  -DPOLYSOCK_BUILD_GO=ON -DPOLYSOCK_BUILD_TESTS=OFF -DPOLYSOCK_BUILD_EXAMPLES=OFF
//	cmake --build build/rel
//	cd bench/go && PKG_CONFIG_PATH=$PWD/../../build/rel/bindings/go/pkgconfig \
//	  GOCACHE=$PWD/../../build/rel/bindings/go/gocache \
//	  GOFLAGS=-buildvcs=false go build -o ../../build/rel/bench/suite_go .
//
// The program finds libpolysock through the RPATH that the build tree's polysock.pc
// gives it. Give go the build tree's own cache (GOCACHE, as the CMake build does): with
// the shared one, go build can reuse the binding's package as linked for another build
// tree (a Debug one, say), and the program then loads that tree's library. Run (from the source root; defaults shown, every key optional):
//
//	build/rel/bench/suite_go list
//	build/rel/bench/suite_go bulk polysock bytes=1073741824 chunk=65536     # MiB/s
//	build/rel/bench/suite_go rtt net trips=20000 size=64                    # us per round trip
//	build/rel/bench/suite_go connect polysock count=5000                    # connections/s
//	build/rel/bench/suite_go eagain net calls=1000000                       # ns per call
//	build/rel/bench/suite_go tls-bulk polysock bytes=268435456 chunk=65536 \
//	  cert=cert.pem key=key.pem p12=cert.p12                                # MiB/s
//	build/rel/bench/suite_go echo-server net                                # PORT <n>, until stdin EOF
//
// (echo-server at 10,000 connections: raise the descriptor limit first, ulimit -n 20000;
// Go 1.19 also raises its soft limit to the hard one by itself.)
//
// (polysock and net are interchangeable in each line.) tls-bulk needs the driver's
// certificate files: a self-signed EC P-256 certificate for CN=localhost with SAN
// DNS:localhost, IP:127.0.0.1 (p12 is accepted for the common command line; Go does
// not need it).
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"polysock.dev/polysock"
)

// bench is one benchmark: its keys with their defaults and its code per implementation.
type bench struct {
	name     string
	defaults map[string]string
	run      func(impl string, a args) error
}

var impls = []string{"polysock", "net"}

var benches = []bench{
	{"bulk", map[string]string{"bytes": "1073741824", "chunk": "65536"}, runBulk},
	{"rtt", map[string]string{"trips": "20000", "size": "64"}, runRTT},
	{"connect", map[string]string{"count": "5000"}, runConnect},
	{"eagain", map[string]string{"calls": "1000000"}, runEagain},
	{"tls-bulk", map[string]string{"bytes": "268435456", "chunk": "65536",
		"cert": "cert.pem", "key": "key.pem", "p12": "cert.p12"}, runTLSBulk},
	{"echo-server", map[string]string{}, runEchoServer},
}

// args are a case's key=value settings, defaults filled in.
type args map[string]string

// int is a positive integer setting.
func (a args) int(key string) int64 {
	v, err := strconv.ParseInt(a[key], 10, 64)
	if err != nil || v <= 0 {
		fail(fmt.Errorf("%s=%s: a positive integer is needed", key, a[key]))
	}
	return v
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: suite_go list | suite_go <bench> <impl> [key=value ...] (see list)")
	os.Exit(2)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "suite_go:", err)
	os.Exit(1)
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "list" {
		for _, b := range benches {
			for _, i := range impls {
				fmt.Println(b.name, i)
			}
		}
		return
	}
	if len(os.Args) < 3 {
		usage()
	}
	name, impl := os.Args[1], os.Args[2]
	var b *bench
	for i := range benches {
		if benches[i].name == name {
			b = &benches[i]
		}
	}
	if b == nil {
		fail(fmt.Errorf("unknown benchmark %q (see list)", name))
	}
	if impl != "polysock" && impl != "net" {
		fail(fmt.Errorf("unknown implementation %q for %s (polysock or net)", impl, name))
	}
	a := args{}
	for k, v := range b.defaults {
		a[k] = v
	}
	for _, kv := range os.Args[3:] {
		k, v, ok := strings.Cut(kv, "=")
		if _, known := b.defaults[k]; !ok || !known {
			fail(fmt.Errorf("unknown setting %q for %s (keys: %s)", kv, name, keys(b.defaults)))
		}
		a[k] = v
	}
	if name != "echo-server" { // its stdout is "PORT <n>" alone
		fmt.Printf("INFO go %s GOMAXPROCS %d\n", runtime.Version(), runtime.GOMAXPROCS(0))
	}
	if err := b.run(impl, a); err != nil {
		fail(fmt.Errorf("%s %s: %w", name, impl, err))
	}
}

func keys(m map[string]string) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	if len(ks) == 0 {
		return "none"
	}
	return strings.Join(ks, ", ")
}

// warmCalls is the warm-up's share of n calls: 1/8, at least 2,000.
func warmCalls(n int64) int64 {
	if n/8 < 2000 {
		return 2000
	}
	return n / 8
}

// ---- connected pairs ----

// pair is a connected client and server connection of one implementation, through its
// net.Conn / net.Listener API: both ends have TCP_NODELAY (package net's default, and
// that of polysock's adapters, which follow it) and are in blocking mode.
func pair(impl string) (client, server net.Conn, err error) {
	var l net.Listener
	if impl == "polysock" {
		l, err = polysock.Listen("tcp", "127.0.0.1:0")
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return nil, nil, err
	}
	defer l.Close()
	type accepted struct {
		c   net.Conn
		err error
	}
	ch := make(chan accepted, 1)
	go func() {
		c, err := l.Accept()
		ch <- accepted{c, err}
	}()
	if impl == "polysock" {
		client, err = polysock.Dial("tcp", l.Addr().String())
	} else {
		client, err = net.Dial("tcp", l.Addr().String())
	}
	if err != nil {
		return nil, nil, err
	}
	acc := <-ch
	if acc.err != nil {
		client.Close()
		return nil, nil, acc.err
	}
	return client, acc.c, nil
}

// ---- bulk and tls-bulk ----

// transfer moves total bytes from c to s in chunk-byte writes, s reading into a
// chunk-byte buffer in a goroutine of its own: the time from the first write until s
// has every byte.
func transfer(c, s net.Conn, total, chunk int64) (time.Duration, error) {
	done := make(chan error, 1)
	go func() {
		rb := make([]byte, chunk)
		var got int64
		for got < total {
			n, err := s.Read(rb)
			got += int64(n)
			if err != nil && got < total {
				done <- fmt.Errorf("receiver, after %d of %d bytes: %w", got, total, err)
				return
			}
		}
		done <- nil
	}()
	buf := make([]byte, chunk)
	start := time.Now()
	for sent := int64(0); sent < total; {
		n := chunk
		if total-sent < n {
			n = total - sent
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return 0, fmt.Errorf("sender, after %d of %d bytes: %w", sent, total, err)
		}
		sent += n
	}
	err := <-done
	return time.Since(start), err
}

func runBulk(impl string, a args) error {
	total, chunk := a.int("bytes"), a.int("chunk")
	var d time.Duration
	for _, bytes := range []int64{warmCalls(total/chunk) * chunk, total} {
		c, s, err := pair(impl)
		if err != nil {
			return err
		}
		d, err = transfer(c, s, bytes, chunk)
		c.Close()
		s.Close()
		if err != nil {
			return err
		}
	}
	fmt.Printf("RESULT %.1f\n", float64(total)/(1<<20)/d.Seconds())
	return nil
}

// tlsPair is a pair with a TLS 1.3 connection over it, both handshakes done: the
// client trusts the certificate as its CA, verifies it and checks "localhost".
type tlsPair func() (client, server net.Conn, err error)

func polysockTLS(certFile, keyFile string) (tlsPair, error) {
	sctx, err := polysock.NewTLSContext(polysock.ProtocolTLSServer)
	if err != nil {
		return nil, err
	}
	cctx, err := polysock.NewTLSContext(polysock.ProtocolTLSClient) // CERT_REQUIRED, check_hostname
	if err != nil {
		return nil, err
	}
	if err := sctx.LoadCertChain(certFile, keyFile, ""); err != nil {
		return nil, err
	}
	if err := cctx.LoadVerifyLocations(certFile, "", nil); err != nil {
		return nil, err
	}
	for _, ctx := range []*polysock.TLSContext{sctx, cctx} {
		if err := ctx.SetMinimumVersion(polysock.TLSv1_3); err != nil {
			return nil, err
		}
	}
	return func() (net.Conn, net.Conn, error) {
		c, s, err := pair("polysock")
		if err != nil {
			return nil, nil, err
		}
		ch := make(chan error, 1)
		var ts polysock.Conn
		go func() {
			var err error
			ts, err = sctx.Server(s)
			ch <- err
		}()
		tc, err := cctx.Client(c, "localhost")
		if serr := <-ch; err == nil {
			err = serr
		}
		if err != nil {
			c.Close()
			s.Close()
			return nil, nil, err
		}
		return tc, ts, nil
	}, nil
}

func goTLS(certFile, keyFile string) (tlsPair, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	pem, err := os.ReadFile(certFile)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no certificate", certFile)
	}
	scfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}
	ccfg := &tls.Config{RootCAs: roots, ServerName: "localhost", MinVersion: tls.VersionTLS13}
	return func() (net.Conn, net.Conn, error) {
		c, s, err := pair("net")
		if err != nil {
			return nil, nil, err
		}
		ts, tc := tls.Server(s, scfg), tls.Client(c, ccfg)
		ch := make(chan error, 1)
		go func() { ch <- ts.Handshake() }()
		err = tc.Handshake()
		if serr := <-ch; err == nil {
			err = serr
		}
		if err != nil {
			c.Close()
			s.Close()
			return nil, nil, err
		}
		return tc, ts, nil
	}, nil
}

func runTLSBulk(impl string, a args) error {
	total, chunk := a.int("bytes"), a.int("chunk")
	var mk tlsPair
	var err error
	if impl == "polysock" {
		mk, err = polysockTLS(a["cert"], a["key"])
	} else {
		mk, err = goTLS(a["cert"], a["key"])
	}
	if err != nil {
		return err
	}
	var d time.Duration
	for i, bytes := range []int64{warmCalls(total/chunk) * chunk, total} {
		c, s, err := mk()
		if err != nil {
			return err
		}
		if i == 1 {
			if impl == "polysock" {
				ci, _, err := c.(polysock.Conn).Cipher()
				if err != nil {
					return err
				}
				fmt.Printf("INFO cipher %s\nINFO protocol %s\n", ci.Name, ci.Protocol)
			} else {
				st := c.(*tls.Conn).ConnectionState()
				fmt.Printf("INFO cipher %s\nINFO protocol %s\n", tls.CipherSuiteName(st.CipherSuite), tlsVersionName(st.Version))
			}
		}
		d, err = transfer(c, s, bytes, chunk)
		c.Close()
		s.Close()
		if err != nil {
			return err
		}
	}
	fmt.Printf("RESULT %.1f\n", float64(total)/(1<<20)/d.Seconds())
	return nil
}

func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS13:
		return "TLSv1.3"
	case tls.VersionTLS12:
		return "TLSv1.2"
	}
	return fmt.Sprintf("0x%04x", v)
}

// ---- rtt ----

// roundTrips is the time of trips exchanges of size bytes: the client writes them and
// reads exactly size bytes back; an echo goroutine reads exactly size and writes them.
func roundTrips(c, s net.Conn, trips, size int64) (time.Duration, error) {
	go func() {
		b := make([]byte, size)
		for {
			if _, err := io.ReadFull(s, b); err != nil {
				return
			}
			if _, err := s.Write(b); err != nil {
				return
			}
		}
	}()
	b := make([]byte, size)
	start := time.Now()
	for i := int64(0); i < trips; i++ {
		if _, err := c.Write(b); err != nil {
			return 0, err
		}
		if _, err := io.ReadFull(c, b); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

func runRTT(impl string, a args) error {
	trips, size := a.int("trips"), a.int("size")
	fmt.Println("INFO TCP_NODELAY on both ends (package net's default, which polysock's Listen / Dial adapters follow)")
	var d time.Duration
	for _, n := range []int64{warmCalls(trips), trips} {
		c, s, err := pair(impl)
		if err != nil {
			return err
		}
		d, err = roundTrips(c, s, n, size)
		c.Close()
		s.Close()
		if err != nil {
			return err
		}
	}
	fmt.Printf("RESULT %.2f\n", d.Seconds()*1e6/float64(trips))
	return nil
}

// ---- connect ----

// polysockConnects and netConnects make count connections to a new listener of its own, one at a time in one
// goroutine: socket + connect to the numeric address, accept, close the client, close
// the accepted socket. Both implementations make the same system calls: package net
// sets TCP_NODELAY on both ends (it cannot be told not to), so the polysock case sets
// it too; net's keep-alive (on by default in Dial and Accept) is turned off, as
// polysock's sockets have none.
func polysockConnects(count int64) (time.Duration, error) {
	l, err := polysock.CreateServer("127.0.0.1", 0, polysock.AF_INET, 128, false, false)
	if err != nil {
		return 0, err
	}
	defer l.Close()
	a, err := l.Getsockname()
	if err != nil {
		return 0, err
	}
	start := time.Now()
	for i := int64(0); i < count; i++ {
		c, err := polysock.NewSocket(polysock.AF_INET, polysock.SOCK_STREAM, 0)
		if err != nil {
			return 0, err
		}
		if err := c.Setsockopt(polysock.IPPROTO_TCP, polysock.TCP_NODELAY, 1); err != nil {
			return 0, err
		}
		if err := c.Connect("127.0.0.1", a.Port); err != nil {
			return 0, err
		}
		s, _, err := l.Accept()
		if err != nil {
			return 0, err
		}
		if err := s.Setsockopt(polysock.IPPROTO_TCP, polysock.TCP_NODELAY, 1); err != nil {
			return 0, err
		}
		if err := c.Close(); err != nil {
			return 0, err
		}
		if err := s.Close(); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

func netConnects(count int64) (time.Duration, error) {
	lc := net.ListenConfig{KeepAlive: -1}
	ll, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0") // backlog: somaxconn
	if err != nil {
		return 0, err
	}
	l := ll.(*net.TCPListener)
	defer l.Close()
	addr := l.Addr().(*net.TCPAddr)
	start := time.Now()
	for i := int64(0); i < count; i++ {
		c, err := net.DialTCP("tcp", nil, addr) // no keep-alive, no name: socket + connect
		if err != nil {
			return 0, err
		}
		s, err := l.AcceptTCP()
		if err != nil {
			return 0, err
		}
		if err := c.Close(); err != nil {
			return 0, err
		}
		if err := s.Close(); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

func runConnect(impl string, a args) error {
	count := a.int("count")
	connects := netConnects
	if impl == "polysock" {
		connects = polysockConnects
		fmt.Println("INFO polysock: NewSocket, TCP_NODELAY, Connect(\"127.0.0.1\", port), Accept, TCP_NODELAY, Close, Close")
	} else {
		fmt.Println("INFO net: net.DialTCP to a *TCPAddr (TCP_NODELAY, no keep-alive), AcceptTCP (keep-alive off), Close, Close")
	}
	if _, err := connects(warmCalls(count)); err != nil {
		return err
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	d, err := connects(count)
	runtime.ReadMemStats(&after)
	if err != nil {
		return err
	}
	fmt.Printf("INFO allocations per connection %.2f, bytes per connection %.1f\n",
		float64(after.Mallocs-before.Mallocs)/float64(count), float64(after.TotalAlloc-before.TotalAlloc)/float64(count))
	fmt.Printf("RESULT %.0f\n", float64(count)/d.Seconds())
	return nil
}

// ---- eagain ----

// eagainCalls makes n receives into a 64-byte buffer on a connection whose peer sends
// nothing: each must report would-block.
type eagainCalls func(n int64) (time.Duration, error)

func polysockEagain(c net.Conn) (eagainCalls, error) {
	s := c.(polysock.Conn).Socket
	if err := s.SetBlocking(false); err != nil { // Python's setblocking(False): one attempt per call
		return nil, err
	}
	eagain := int(syscall.EAGAIN)
	buf := make([]byte, 64)
	return func(n int64) (time.Duration, error) {
		wouldBlock := int64(0)
		start := time.Now()
		for i := int64(0); i < n; i++ {
			_, err := s.RecvInto(buf)
			if e, ok := err.(*polysock.Error); ok && e.Kind == polysock.OSError && e.Errno == eagain {
				wouldBlock++
			} else {
				return 0, fmt.Errorf("call %d: not a would-block but %v", i, err)
			}
		}
		d := time.Since(start)
		if wouldBlock != n {
			return 0, fmt.Errorf("%d of %d calls were would-blocks", wouldBlock, n)
		}
		return d, nil
	}, nil
}

func netEagain(c net.Conn) (eagainCalls, error) {
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 64)
	var rerr error
	read := func(fd uintptr) bool { // one attempt: true means "done, do not park"
		_, rerr = syscall.Read(int(fd), buf)
		return true
	}
	return func(n int64) (time.Duration, error) {
		wouldBlock := int64(0)
		start := time.Now()
		for i := int64(0); i < n; i++ {
			if err := rc.Read(read); err != nil {
				return 0, err
			}
			if rerr == syscall.EAGAIN {
				wouldBlock++
			} else {
				return 0, fmt.Errorf("call %d: not a would-block but %v", i, rerr)
			}
		}
		d := time.Since(start)
		if wouldBlock != n {
			return 0, fmt.Errorf("%d of %d calls were would-blocks", wouldBlock, n)
		}
		return d, nil
	}, nil
}

func runEagain(impl string, a args) error {
	calls := a.int("calls")
	mk := netEagain
	if impl == "polysock" {
		mk = polysockEagain
		fmt.Println("INFO polysock: Socket.RecvInto(buf[64]) on a non-blocking socket (SetBlocking(false)); would-block is its returned *polysock.Error (OSError, EAGAIN)")
	} else {
		fmt.Println("INFO net: (*net.TCPConn).SyscallConn().Read with a callback that makes one syscall.Read(fd, buf[64]) and returns true (one attempt, no parking); would-block is syscall.EAGAIN")
	}
	var d time.Duration
	for i, n := range []int64{warmCalls(calls), calls} {
		c, s, err := pair(impl)
		if err != nil {
			return err
		}
		f, err := mk(c)
		if err != nil {
			return err
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		d, err = f(n)
		runtime.ReadMemStats(&after)
		c.Close()
		s.Close()
		if err != nil {
			return err
		}
		if i == 1 {
			fmt.Printf("INFO allocations per call %.2f, bytes per call %.1f\n",
				float64(after.Mallocs-before.Mallocs)/float64(n), float64(after.TotalAlloc-before.TotalAlloc)/float64(n))
		}
	}
	fmt.Printf("RESULT %.1f\n", float64(d.Nanoseconds())/float64(calls))
	return nil
}

// ---- echo-server ----

// runEchoServer listens on 127.0.0.1 port 0 (backlog 4096, which Linux caps at
// net.core.somaxconn; package net uses somaxconn itself), prints "PORT <n>", serves
// each connection in a goroutine of its own (read into 4 KiB, write everything back)
// and exits when stdin reaches its end.
func runEchoServer(impl string, _ args) error {
	var l net.Listener
	if impl == "polysock" {
		s, err := polysock.CreateServer("127.0.0.1", 0, polysock.AF_INET, 4096, false, false)
		if err != nil {
			return err
		}
		if err := s.SetBlocking(true); err != nil {
			return err
		}
		l = s.NetListener()
	} else {
		var err error
		if l, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return err
		}
	}
	_, port, err := net.SplitHostPort(l.Addr().String())
	if err != nil {
		return err
	}
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	fmt.Printf("PORT %s\n", port) // os.Stdout is unbuffered: this is flushed
	for {
		c, err := l.Accept()
		if err != nil {
			// Out of descriptors, say: tell, wait a little, go on (the client sees it).
			fmt.Fprintln(os.Stderr, "suite_go: accept:", err)
			if errors.Is(err, syscall.EBADF) || errors.Is(err, net.ErrClosed) {
				return err
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		go echo(c)
	}
}

func echo(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil { // Write sends all of it
				return
			}
		}
		if err != nil {
			return
		}
	}
}
