package polysock

// TLS against peers polysock did not write: Go's crypto/tls (both ways, and over a
// plain polysock net.Conn), Python's ssl module, openssl s_server, and net/http.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// goTLSEchoServer is a crypto/tls server on net.Listen that echoes each connection.
func goTLSEchoServer(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	l, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(30 * time.Second))
				io.Copy(c, c)
			}()
		}
	}()
	return l.Addr().String()
}

func TestTLSPolysockClientAgainstCryptoTLSServer(t *testing.T) {
	for _, v := range []struct {
		max  uint16
		name string
	}{{tls.VersionTLS12, "TLSv1.2"}, {tls.VersionTLS13, "TLSv1.3"}} {
		cfg := goServerConfig(t)
		cfg.MaxVersion = v.max
		cfg.NextProtos = []string{"h2", "http/1.1"}
		addr := goTLSEchoServer(t, cfg)
		client := clientContext(t)
		client.SetALPNProtocols([]string{"http/1.1"})
		conn, err := client.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		s := conn.(Conn).Socket
		if got, _, _ := s.TLSVersion(); got != v.name {
			t.Errorf("TLSVersion %q, want %q", got, v.name)
		}
		if p, ok, _ := s.SelectedALPNProtocol(); !ok || p != "http/1.1" {
			t.Errorf("%s: ALPN %q", v.name, p)
		}
		data := pattern(3<<20, 3)
		go conn.Write(data)
		got := make([]byte, len(data))
		conn.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := io.ReadFull(conn, got); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s: echo of 3 MiB: %v", v.name, err)
		}
		conn.Close()
	}
}

func TestTLSPolysockServerWithCryptoTLSClient(t *testing.T) {
	server := serverContext(t)
	server.SetALPNProtocols([]string{"h2", "http/1.1"})
	l, err := server.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		cfg := goClientConfig(t)
		cfg.MaxVersion = v
		cfg.NextProtos = []string{"h2"}
		d := &net.Dialer{Timeout: 5 * time.Second}
		c, err := tls.DialWithDialer(d, "tcp", l.Addr().String(), cfg)
		if err != nil {
			t.Fatalf("crypto/tls client, version %x: %v", v, err)
		}
		st := c.ConnectionState()
		if st.Version != v || st.NegotiatedProtocol != "h2" {
			t.Errorf("ConnectionState: version %x ALPN %q", st.Version, st.NegotiatedProtocol)
		}
		data := pattern(2<<20, 4)
		go c.Write(data)
		got := make([]byte, len(data))
		c.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("echo through the polysock TLS server: %v", err)
		}
		// our Close sends close_notify: crypto/tls reads a clean io.EOF
		c.CloseWrite()
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("after the server closed: %v, want io.EOF", err)
		}
		c.Close()
	}
}

// Go's own crypto/tls over polysock's plain net.Conn adapters, both sides.
func TestCryptoTLSOverPolysockPlainConns(t *testing.T) {
	l, err := Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	srvCfg := goServerConfig(t)
	done := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			done <- err
			return
		}
		tc := tls.Server(c, srvCfg)
		defer tc.Close()
		_, err = io.Copy(tc, tc)
		done <- err
	}()
	conn, err := Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	tc := tls.Client(conn, goClientConfig(t))
	defer tc.Close()
	tc.SetDeadline(time.Now().Add(30 * time.Second))
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	data := pattern(4<<20, 5)
	go func() {
		tc.Write(data)
		tc.CloseWrite()
	}()
	got, err := io.ReadAll(tc)
	if err != nil || sha256.Sum256(got) != sha256.Sum256(data) {
		t.Fatalf("crypto/tls over polysock: %d bytes, %v", len(got), err)
	}
	if err := <-done; err != nil {
		t.Errorf("server side: %v", err)
	}
}

// pyServer is Python's ssl module as the peer: a server that echoes lines over TLS;
// "unwrap" makes it answer "ok", unwrap(), then echo in plain TCP.
const pyServer = `
import socket, ssl, sys
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
if len(sys.argv) > 3: ctx.maximum_version = ssl.TLSVersion[sys.argv[3]]
l = socket.create_server(("127.0.0.1", 0))
print(l.getsockname()[1], flush=True)
l.settimeout(30)
c, _ = l.accept()
c.settimeout(30)
s = ctx.wrap_socket(c, server_side=True)
f = s.makefile("rb")
while True:
    line = f.readline()
    if not line: break
    if line == b"unwrap\n":
        s.sendall(b"ok\n")
        p = s.unwrap()
        p.sendall(p.recv(100).upper())
        p.close()
        break
    s.sendall(line)
`

func TestTLSPolysockClientWithPythonSSLServerAndUnwrap(t *testing.T) {
	f := certs(t)
	for _, ver := range []string{"TLSv1_2", "TLSv1_3"} {
		_, lines := python3(t, pyServer, f.serverPEM, f.serverKey, ver)
		port := line(t, lines)
		client := clientContext(t)
		plain, err := CreateConnection("127.0.0.1", atoiT(t, port), 10*time.Second, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		s, err := client.WrapSocket(plain, false, "localhost")
		if err != nil {
			t.Fatalf("%s: %v", ver, err)
		}
		defer s.Close()
		if v, _, _ := s.TLSVersion(); v != strings.Replace(ver, "_", ".", 1) {
			t.Errorf("TLSVersion %q with a %s server", v, ver)
		}
		r := bufio.NewReader(s)
		for i := 0; i < 50; i++ {
			msg := fmt.Sprintf("line %d %s\n", i, strings.Repeat("x", i*100))
			if err := s.SendAll([]byte(msg)); err != nil {
				t.Fatal(err)
			}
			got, err := r.ReadString('\n')
			if err != nil || got != msg {
				t.Fatalf("echo %d: %q %v", i, got, err)
			}
		}
		s.SendAll([]byte("unwrap\n"))
		if got, err := r.ReadString('\n'); err != nil || got != "ok\n" {
			t.Fatalf("before unwrap: %q %v", got, err)
		}
		if r.Buffered() != 0 {
			t.Fatal("bytes buffered past ok")
		}
		if err := s.Unwrap(); err != nil {
			t.Fatalf("Unwrap with Python's unwrap: %v", err)
		}
		if err := s.SendAll([]byte("plain now")); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(s)
		if err != nil || string(got) != "PLAIN NOW" {
			t.Fatalf("plain after unwrap: %q %v", got, err)
		}
	}
}

// pyClient is Python's ssl module as a client of a polysock server: it prints the
// outcome as one line of Python's values.
const pyClient = `
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20) as c:
        with ctx.wrap_socket(c, server_hostname=sys.argv[3]) as s:
            s.sendall(b"hello from python")
            print("ok", s.recv(100).decode(), s.version(), flush=True)
except ssl.SSLCertVerificationError as e:
    print("verify", e.verify_code, e.library, e.reason, repr(e.verify_message), str(e).rsplit(" (_ssl.c", 1)[0], flush=True)
`

// pyVerifyFailure is how Python's client fails against the polysock server with the
// given CA and hostname: "<code>|<library>|<reason>|<message>".
func pyVerifyFailure(t *testing.T, port int, cafile, hostname string) string {
	t.Helper()
	_, lines := python3(t, pyClient, strconv.Itoa(port), cafile, hostname)
	out := line(t, lines)
	if !strings.HasPrefix(out, "verify ") {
		t.Fatalf("Python's client did not fail verification: %q", out)
	}
	return out
}

// A wrong hostname and an untrusted CA are refused with Python's errors: the same
// verify codes (62, 20) and texts as Python's own client gets from the same server.
func TestTLSCertVerificationFailuresAreThoseOfPython(t *testing.T) {
	f := certs(t)
	for _, tc := range []struct {
		name, host, serverCert, serverKey string
		code                              int
	}{
		{"wrong hostname", "wrong.example", f.serverPEM, f.serverKey, 62},
		{"untrusted CA", "localhost", f.otherPEM, f.otherKey, 20},
	} {
		server, err := CreateDefaultContext(PurposeClientAuth)
		if err != nil {
			t.Fatal(err)
		}
		defer server.Close()
		if err := server.LoadCertChain(tc.serverCert, tc.serverKey, ""); err != nil {
			t.Fatal(err)
		}
		l, err := server.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		port := l.Addr().(NetAddr).Port
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		plain, err := CreateConnection("127.0.0.1", port, 10*time.Second, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = clientContext(t).WrapSocket(plain, false, tc.host)
		pe := asTLSError(t, err)
		if !errors.Is(err, ErrCertVerification) || pe.PythonClass() != "SSLCertVerificationError" ||
			pe.VerifyCode != tc.code || pe.Library != "SSL" || pe.Reason != "CERTIFICATE_VERIFY_FAILED" {
			t.Errorf("%s: %+v", tc.name, pe)
		}
		py := pyVerifyFailure(t, port, f.caPEM, tc.host)
		ours := fmt.Sprintf("verify %d %s %s %q %s", pe.VerifyCode, pe.Library, pe.Reason, pe.VerifyMessage, pe.Message)
		// Python's repr of verify_message uses single quotes
		pyNorm := strings.Replace(py, "'"+pe.VerifyMessage+"'", strconv.Quote(pe.VerifyMessage), 1)
		if ours != pyNorm {
			t.Errorf("%s:\n polysock: %s\n python:   %s", tc.name, ours, py)
		}
		if plain.Fileno() != -1 {
			t.Errorf("%s: the failed handshake left the socket open", tc.name)
		}
	}
}

func TestTLSPolysockServerWithPythonSSLClient(t *testing.T) {
	f := certs(t)
	l, err := serverContext(t).Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		b := make([]byte, 100)
		n, _ := c.Read(b)
		c.Write(bytes.ToUpper(b[:n]))
	}()
	_, lines := python3(t, pyClient, strconv.Itoa(l.Addr().(NetAddr).Port), f.caPEM, "localhost")
	if got := line(t, lines); got != "ok HELLO FROM PYTHON TLSv1.3" {
		t.Errorf("Python's client: %q", got)
	}
}

// openssl s_server -rev answers each line reversed.
func TestTLSPolysockClientAgainstOpenSSLServer(t *testing.T) {
	f := certs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", f.serverPEM,
		"-key", f.serverKey, "-rev", "-tls1_2", "-alpn", "h2")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	r := bufio.NewReader(out)
	port := 0
	for port == 0 {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("openssl s_server: %v", err)
		}
		if strings.HasPrefix(l, "ACCEPT ") {
			_, p, _ := net.SplitHostPort(strings.TrimSpace(strings.TrimPrefix(l, "ACCEPT ")))
			port = atoiT(t, p)
		}
	}
	go io.Copy(io.Discard, r)
	client := clientContext(t)
	client.SetALPNProtocols([]string{"h2"})
	conn, err := client.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s := conn.(Conn).Socket
	if v, _, _ := s.TLSVersion(); v != "TLSv1.2" {
		t.Errorf("TLSVersion %q against s_server -tls1_2", v)
	}
	if p, _, _ := s.SelectedALPNProtocol(); p != "h2" {
		t.Errorf("ALPN %q", p)
	}
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(conn)
	fmt.Fprint(conn, "polysock\n")
	got, err := br.ReadString('\n')
	if err != nil || strings.TrimSpace(got) != "kcosylop" {
		t.Errorf("s_server -rev answered %q %v", got, err)
	}
}

func atoiT(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}

// net/http serves HTTPS on a polysock TLS listener; an http.Client using crypto/tls
// (trusting the test CA), and one dialing TLS with polysock, make requests.
func TestTLSHTTPSOverAPolysockListener(t *testing.T) {
	server := serverContext(t)
	l, err := server.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var failed atomic.Int64
	l.ErrorLog = func(error) { failed.Add(1) }
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.URL.Path)
	})}
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	defer func() { srv.Close(); <-done }()
	base := "https://localhost:" + strconv.Itoa(l.Addr().(NetAddr).Port)

	goClient := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
		TLSClientConfig: goClientConfig(t),
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			// localhost, dialed numerically: no resolver
			_, port, _ := net.SplitHostPort(addr)
			return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
		}}}
	defer goClient.CloseIdleConnections()
	client := clientContext(t)
	psClient := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
		DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			conn, err := DialContext(ctx, network, "127.0.0.1:"+port)
			if err != nil {
				return nil, err
			}
			return client.Client(conn, "localhost")
		}}}
	defer psClient.CloseIdleConnections()
	for name, hc := range map[string]*http.Client{"crypto/tls": goClient, "polysock": psClient} {
		for i := 0; i < 5; i++ {
			resp, err := hc.Get(fmt.Sprintf("%s/req/%d", base, i))
			if err != nil {
				t.Fatalf("%s client, request %d: %v", name, i, err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || string(b) != fmt.Sprintf("hello /req/%d", i) {
				t.Errorf("%s client, request %d: %d %q %v", name, i, resp.StatusCode, b, err)
			}
		}
	}
	if n := failed.Load(); n != 0 {
		t.Errorf("%d handshakes failed", n)
	}
}

// A client that connects and says nothing delays no other client of a TLSListener.
func TestTLSListenerHandshakesDoNotWaitForEachOther(t *testing.T) {
	l, err := serverContext(t).Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.HandshakeTimeout = 300 * time.Millisecond
	var failures atomic.Int64
	l.ErrorLog = func(error) { failures.Add(1) }
	silent, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	time.Sleep(50 * time.Millisecond)
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", l.Addr().String(), goClientConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case a := <-accepted:
		a.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("Accept did not return the handshaken client")
	}
	deadline := time.Now().Add(5 * time.Second)
	for failures.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if failures.Load() != 1 {
		t.Errorf("the silent client's handshake: %d failures reported, want 1", failures.Load())
	}
	l.Close()
	if _, err := l.Accept(); err == nil {
		t.Error("Accept on a closed listener succeeded")
	}
}

// The plain adapters take TLS sockets as they are: NetListener on a wrapped listener
// accepts handshaken TLS connections (handshake in Accept), and a crypto/tls client
// talks to them.
func TestTLSSocketsThroughThePlainNetAdapters(t *testing.T) {
	l, err := Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl, err := serverContext(t).WrapSocket(l.Socket, true, "")
	if err != nil {
		t.Fatal(err)
	}
	nl := tl.NetListener()
	defer nl.Close()
	go func() {
		c, err := nl.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c)
	}()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", nl.Addr().String(), goClientConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprint(c, "through NetListener\n")
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || got != "through NetListener\n" {
		t.Errorf("echo: %q %v", got, err)
	}
}

// openssl s_server asks, from its command line, for a TLS 1.2 renegotiation ("R") or a
// TLS 1.3 key update ("K": with the client's update requested, "k": without) while the
// polysock client is parked in a read: the read runs that handshake (sending as it
// reads), and data keeps flowing both ways.
func TestTLSRenegotiationAndKeyUpdateFromOpenSSLServer(t *testing.T) {
	f := certs(t)
	for _, mode := range []struct{ version, command string }{
		{"-tls1_2", "R"}, {"-tls1_3", "K"}, {"-tls1_3", "k"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, "openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", f.serverPEM,
			"-key", f.serverKey, mode.version)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 100)
		go func() {
			defer close(lines)
			r := bufio.NewReader(out)
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				select {
				case lines <- strings.TrimSpace(l):
				default: // nobody reads any more
				}
			}
		}()
		var seen []string
		waitFor := func(prefix string) string {
			t.Helper()
			for i, l := range seen {
				if strings.HasPrefix(l, prefix) {
					seen = append(seen[:i:i], seen[i+1:]...)
					return l
				}
			}
			timeout := time.After(15 * time.Second)
			for {
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatalf("%s %s: s_server ended before printing %q", mode.version, mode.command, prefix)
					}
					if strings.HasPrefix(l, prefix) {
						return l
					}
					seen = append(seen, l)
				case <-timeout:
					t.Fatalf("%s %s: s_server did not print %q within 15s", mode.version, mode.command, prefix)
				}
			}
		}
		_, p, _ := net.SplitHostPort(strings.TrimPrefix(waitFor("ACCEPT "), "ACCEPT "))
		conn, err := clientContext(t).Dial("tcp", "127.0.0.1:"+p)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		br := bufio.NewReader(conn)
		read := make(chan string, 2)
		go func() { // parked in Read when the server starts its handshake
			for i := 0; i < 2; i++ {
				l, err := br.ReadString('\n')
				if err != nil {
					read <- "error: " + err.Error()
					return
				}
				read <- l
			}
		}()
		waitFor("CIPHER is ")
		time.Sleep(100 * time.Millisecond)
		io.WriteString(in, mode.command+"\n")
		time.Sleep(200 * time.Millisecond) // s_server reads its commands line by line
		io.WriteString(in, "from the server\n")
		if got := <-read; got != "from the server\n" {
			t.Errorf("%s %s: client read %q", mode.version, mode.command, got)
		}
		fmt.Fprint(conn, "from the client\n")
		// (s_server flushes its report of the handshake when it next prints)
		waitFor("SSL_do_handshake -> 1")
		waitFor("from the client")
		io.WriteString(in, "again\n")
		if got := <-read; got != "again\n" {
			t.Errorf("%s %s: client read %q", mode.version, mode.command, got)
		}
		conn.Close()
		cmd.Process.Kill()
		cmd.Wait()
		cancel()
	}
}
