package polysock

import (
	"bytes"
	"crypto/sha256"
	"encoding/pem"
	"errors"
	"io"
	"math/rand"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestTLSContextDefaultsAreCreateDefaultContexts(t *testing.T) {
	certs(t)
	c, err := CreateDefaultContext(PurposeServerAuth)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if m, err := c.VerifyMode(); err != nil || m != CertRequired {
		t.Errorf("client VerifyMode = %v, %v; want CERT_REQUIRED", m, err)
	}
	if on, err := c.CheckHostname(); err != nil || !on {
		t.Errorf("client CheckHostname = %v, %v; want true", on, err)
	}
	if v, err := c.MinimumVersion(); err != nil || v != TLSv1_2 {
		t.Errorf("MinimumVersion = %v, %v; want TLSv1_2", v, err)
	}
	if v, err := c.MaximumVersion(); err != nil || v != MaximumSupported {
		t.Errorf("MaximumVersion = %v, %v; want MAXIMUM_SUPPORTED", v, err)
	}
	// Python: "Cannot set verify_mode to CERT_NONE when check_hostname is enabled."
	err = c.SetVerifyMode(CertNone)
	if pe := asError(t, err); pe.Kind != ValueError || pe.Message != "Cannot set verify_mode to CERT_NONE when check_hostname is enabled." {
		t.Errorf("SetVerifyMode(CertNone) with check_hostname: %v %q", pe.Kind, pe.Message)
	}
	if err := c.SetCheckHostname(false); err != nil {
		t.Fatal(err)
	}
	if err := c.SetVerifyMode(CertNone); err != nil {
		t.Fatal(err)
	}
	// turning check_hostname on with CERT_NONE makes the mode CERT_REQUIRED
	if err := c.SetCheckHostname(true); err != nil {
		t.Fatal(err)
	}
	if m, _ := c.VerifyMode(); m != CertRequired {
		t.Errorf("VerifyMode after SetCheckHostname(true) = %v, want CERT_REQUIRED", m)
	}
	if err := c.SetMinimumVersion(TLSv1_3); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.MinimumVersion(); v != TLSv1_3 {
		t.Errorf("MinimumVersion = %v after setting TLSv1_3", v)
	}
	if err := c.SetMaximumVersion(TLSv1_3); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.MaximumVersion(); v != TLSv1_3 {
		t.Errorf("MaximumVersion = %v after setting TLSv1_3", v)
	}

	s, err := NewTLSContext(ProtocolTLSServer)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if m, _ := s.VerifyMode(); m != CertNone {
		t.Errorf("server VerifyMode = %v, want CERT_NONE", m)
	}
	if on, _ := s.CheckHostname(); on {
		t.Error("server CheckHostname is on")
	}
	if err := c.LoadDefaultCerts(PurposeServerAuth); err != nil {
		t.Errorf("LoadDefaultCerts: %v", err)
	}
	if v, err := OpenSSLVersion(); err != nil || !strings.HasPrefix(v, "OpenSSL ") {
		t.Errorf("OpenSSLVersion = %q, %v", v, err)
	}
	c.Close()
	c.Close() // closing twice is fine
}

func TestTLSContextBadInputIsPythonsErrors(t *testing.T) {
	f := certs(t)
	c, err := NewTLSContext(ProtocolTLSServer)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// a missing file: FileNotFoundError
	wantErrno(t, c.LoadCertChain(f.dir+"/missing.pem", "", ""), syscall.ENOENT)
	// a file that is no PEM: SSLError "[SSL] PEM lib"
	bad := f.dir + "/bad.pem"
	if err := os.WriteFile(bad, []byte("garbage\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pe := asTLSError(t, c.LoadCertChain(bad, "", ""))
	if pe.Message != "[SSL] PEM lib" || pe.Library != "SSL" || pe.Reason != "" {
		t.Errorf("LoadCertChain(garbage): %q library %q reason %q", pe.Message, pe.Library, pe.Reason)
	}
	if errors.Is(pe, ErrCertVerification) || errors.Is(pe, ErrSSLWantRead) {
		t.Error("a PEM error matches a subclass it is not")
	}
	pe = asTLSError(t, c.SetCiphers("nonsense"))
	if pe.Message != "No cipher can be selected." {
		t.Errorf("SetCiphers(nonsense): %q", pe.Message)
	}
	if err := c.SetCiphers("ECDHE+AESGCM"); err != nil {
		t.Errorf("SetCiphers(ECDHE+AESGCM): %v", err)
	}
	for _, protos := range [][]string{{"h2", ""}, {"a,b"}, {strings.Repeat("x", 256)}} {
		if pe := asError(t, c.SetALPNProtocols(protos)); pe.Kind != ValueError {
			t.Errorf("SetALPNProtocols(%q): %v %q, want ValueError", protos, pe.Kind, pe.Message)
		}
	}
	if err := c.SetALPNProtocols([]string{strings.Repeat("x", 255), "h2"}); err != nil {
		t.Errorf("SetALPNProtocols(255 bytes): %v", err)
	}
	if err := c.LoadVerifyLocations("", "", nil); err == nil {
		t.Error("LoadVerifyLocations with nothing succeeded")
	}
	if pe := asError(t, c.LoadCertChain("a\x00b", "", "")); pe.Kind != ValueError {
		t.Errorf("a NUL in a path: %v", pe.Kind)
	}
	// cadata: PEM text loads as a CA
	pemData, err := os.ReadFile(f.caPEM)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.LoadVerifyLocations("", "", pemData); err != nil {
		t.Errorf("LoadVerifyLocations(cadata PEM): %v", err)
	}
	block, _ := pem.Decode(pemData)
	if err := c.LoadVerifyLocations("", "", block.Bytes); err != nil {
		t.Errorf("LoadVerifyLocations(cadata DER): %v", err)
	}
}

// pattern is n pseudo-random bytes.
func pattern(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

func TestTLSPolysockPairCarries12MiBBothWaysAtOnce(t *testing.T) {
	c, s := tlsPair(t, serverContext(t), clientContext(t))
	const size = 12 << 20
	data := pattern(size, 1)
	// the server echoes what it reads while the client is still sending
	echoed := make(chan error, 1)
	go func() {
		_, err := io.CopyN(s.NetConn(), s, size)
		echoed <- err
	}()
	sent := make(chan error, 1)
	go func() { sent <- c.SendAll(data) }()
	got := make([]byte, size)
	within(t, 60*time.Second, "12 MiB through TLS", func() {
		if _, err := io.ReadFull(c, got); err != nil {
			t.Error(err)
		}
	})
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if err := <-echoed; err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got) != sha256.Sum256(data) {
		t.Fatal("the bytes that came back differ from those sent")
	}
	for _, x := range []*Socket{c, s} {
		if !x.IsTLS() {
			t.Error("IsTLS is false on a wrapped socket")
		}
		if v, ok, err := x.TLSVersion(); err != nil || !ok || v != "TLSv1.3" {
			t.Errorf("TLSVersion = %q %v %v", v, ok, err)
		}
		ci, ok, err := x.Cipher()
		if err != nil || !ok || ci.Protocol != "TLSv1.3" || ci.SecretBits < 128 || !strings.HasPrefix(ci.Name, "TLS_") {
			t.Errorf("Cipher = %+v %v %v", ci, ok, err)
		}
	}
	if side, err := s.ServerSide(); err != nil || !side {
		t.Errorf("server ServerSide = %v %v", side, err)
	}
	if side, err := c.ServerSide(); err != nil || side {
		t.Errorf("client ServerSide = %v %v", side, err)
	}
}

func TestTLSWrapDetachesTheSocketItWasGiven(t *testing.T) {
	l, port := listener(t)
	go func() {
		a, _, err := l.Accept()
		if err == nil {
			time.Sleep(2 * time.Second)
			a.Close()
		}
	}()
	plain, err := CreateConnection("127.0.0.1", port, 5*time.Second, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	fd := plain.Fileno()
	ctx := clientContext(t)
	ts, err := ctx.WrapSocket(plain, false, "localhost", NoHandshake)
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	if plain.Fileno() != -1 {
		t.Error("the wrapped socket still has a descriptor")
	}
	if ts.Fileno() != fd {
		t.Errorf("TLS socket's descriptor %d, want the wrapped socket's %d", ts.Fileno(), fd)
	}
	_, err = plain.Recv(10)
	wantErrno(t, err, syscall.EBADF)
	if err := plain.Close(); err != nil {
		t.Errorf("closing the detached socket: %v", err)
	}
	// the TLS socket still works: its handshake needs a peer, so it times out
	ts.SetTimeout(200 * time.Millisecond)
	err = ts.DoHandshake()
	pe := asError(t, err)
	var ne net.Error
	if pe.Kind != TimeoutError || pe.Message != "The handshake operation timed out" ||
		!errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("handshake with a silent peer: %v %q", pe.Kind, pe.Message)
	}
	// not a TLS socket: the ValueError
	p2, err := NewSocket(AF_INET, SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	if pe := asError(t, p2.DoHandshake()); pe.Kind != ValueError {
		t.Errorf("DoHandshake on a plain socket: %v %q", pe.Kind, pe.Message)
	}
	if p2.IsTLS() {
		t.Error("IsTLS on a plain socket")
	}
}

func TestTLSVersionsOneTwoAndOneThree(t *testing.T) {
	for _, want := range []struct {
		max  TLSVersion
		name string
	}{{TLSv1_2, "TLSv1.2"}, {TLSv1_3, "TLSv1.3"}} {
		client := clientContext(t)
		if err := client.SetMaximumVersion(want.max); err != nil {
			t.Fatal(err)
		}
		c, s := tlsPair(t, serverContext(t), client)
		for _, x := range []*Socket{c, s} {
			if v, ok, err := x.TLSVersion(); err != nil || !ok || v != want.name {
				t.Errorf("max %v: TLSVersion = %q %v %v", want.max, v, ok, err)
			}
			if ci, _, _ := x.Cipher(); ci.Protocol != want.name {
				t.Errorf("max %v: Cipher = %+v", want.max, ci)
			}
		}
		msg := []byte("hello over " + want.name)
		if err := c.SendAll(msg); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(s, got); err != nil || !bytes.Equal(got, msg) {
			t.Errorf("%s: read %q %v", want.name, got, err)
		}
	}
}

func TestTLSALPNIsAgreed(t *testing.T) {
	server, client := serverContext(t), clientContext(t)
	if err := server.SetALPNProtocols([]string{"h2", "http/1.1"}); err != nil {
		t.Fatal(err)
	}
	if err := client.SetALPNProtocols([]string{"spdy/1", "http/1.1"}); err != nil {
		t.Fatal(err)
	}
	c, s := tlsPair(t, server, client)
	for _, x := range []*Socket{c, s} {
		if p, ok, err := x.SelectedALPNProtocol(); err != nil || !ok || p != "http/1.1" {
			t.Errorf("SelectedALPNProtocol = %q %v %v", p, ok, err)
		}
	}
	// none asked for: none agreed (Python's None)
	c2, _ := tlsPair(t, server, clientContext(t))
	if p, ok, err := c2.SelectedALPNProtocol(); err != nil || ok || p != "" {
		t.Errorf("without ALPN: %q %v %v", p, ok, err)
	}
}

func TestTLSPeerCertIsPythonsDict(t *testing.T) {
	f := certs(t)
	c, s := tlsPair(t, serverContext(t), clientContext(t))
	pc, err := c.PeerCert()
	if err != nil || pc == nil {
		t.Fatalf("PeerCert = %v, %v", pc, err)
	}
	if !pc.Validated || pc.Version != 3 {
		t.Errorf("Validated %v Version %d", pc.Validated, pc.Version)
	}
	if cn, ok := pc.SubjectAttribute("commonName"); !ok || cn != "localhost" || len(pc.Subject) != 1 {
		t.Errorf("Subject = %+v", pc.Subject)
	}
	wantIssuer := []RDN{{{"organizationName", "polysock tests"}}, {{"commonName", "polysock test CA"}}}
	if len(pc.Issuer) != 2 || pc.Issuer[0][0] != wantIssuer[0][0] || pc.Issuer[1][0] != wantIssuer[1][0] {
		t.Errorf("Issuer = %+v, want %+v", pc.Issuer, wantIssuer)
	}
	wantSAN := []AltName{{"DNS", "localhost"}, {"IP Address", "127.0.0.1"}}
	if len(pc.SubjectAltName) != 2 || pc.SubjectAltName[0] != wantSAN[0] || pc.SubjectAltName[1] != wantSAN[1] {
		t.Errorf("SubjectAltName = %+v, want %+v", pc.SubjectAltName, wantSAN)
	}
	// the DER bytes are the server's certificate file, and agree with the dict
	pemData, err := os.ReadFile(f.serverPEM)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemData)
	if !bytes.Equal(pc.DER, block.Bytes) {
		t.Error("PeerCert DER differs from the server's certificate")
	}
	x, err := pc.X509()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ToUpper(x.SerialNumber.Text(16)); pc.SerialNumber != got && pc.SerialNumber != "0"+got {
		t.Errorf("SerialNumber %q, x509 says %q", pc.SerialNumber, got)
	}
	const pyTime = "Jan _2 15:04:05 2006 GMT" // Python's getpeercert() format
	if pc.NotBefore != x.NotBefore.UTC().Format(pyTime) || pc.NotAfter != x.NotAfter.UTC().Format(pyTime) {
		t.Errorf("NotBefore %q NotAfter %q, x509 says %q %q", pc.NotBefore, pc.NotAfter,
			x.NotBefore.UTC().Format(pyTime), x.NotAfter.UTC().Format(pyTime))
	}
	// the server asked for no certificate: None
	if sc, err := s.PeerCert(); err != nil || sc != nil {
		t.Errorf("server PeerCert = %+v, %v; want nil", sc, err)
	}
	// CERT_NONE: Python's {} (not validated), the DER bytes still there
	nc, err := NewTLSContext(ProtocolTLSClient)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetCheckHostname(false)
	if err := nc.SetVerifyMode(CertNone); err != nil {
		t.Fatal(err)
	}
	c2, _ := tlsPair(t, serverContext(t), nc)
	pc2, err := c2.PeerCert()
	if err != nil || pc2 == nil || pc2.Validated || len(pc2.Subject) != 0 || !bytes.Equal(pc2.DER, block.Bytes) {
		t.Errorf("CERT_NONE PeerCert = %+v, %v", pc2, err)
	}
	// before the handshake: the ValueError
	l, port := listener(t)
	go func() {
		if a, _, err := l.Accept(); err == nil {
			defer a.Close()
			time.Sleep(time.Second)
		}
	}()
	plain, err := CreateConnection("127.0.0.1", port, 5*time.Second, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	early, err := clientContext(t).WrapSocket(plain, false, "localhost", NoHandshake)
	if err != nil {
		t.Fatal(err)
	}
	defer early.Close()
	if _, err := early.PeerCert(); asError(t, err).Kind != ValueError {
		t.Errorf("PeerCert before the handshake: %v", err)
	}
	if v, ok, err := early.TLSVersion(); err != nil || ok || v != "" {
		t.Errorf("TLSVersion before the handshake: %q %v %v", v, ok, err)
	}
}

func TestTLSUnwrapBothSidesBackToPlainTCP(t *testing.T) {
	c, s := tlsPair(t, serverContext(t), clientContext(t))
	if err := c.SendAll([]byte("secret")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 6)
	if _, err := io.ReadFull(s, got); err != nil || string(got) != "secret" {
		t.Fatalf("over TLS: %q %v", got, err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, x := range []*Socket{c, s} {
		wg.Add(1)
		go func(i int, x *Socket) {
			defer wg.Done()
			x.SetTimeout(10 * time.Second)
			errs[i] = x.Unwrap()
		}(i, x)
	}
	within(t, 20*time.Second, "both unwraps", wg.Wait)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Unwrap %d: %v", i, err)
		}
	}
	for _, x := range []*Socket{c, s} {
		if x.IsTLS() {
			t.Error("IsTLS after Unwrap")
		}
	}
	// the same sockets carry plain TCP: a plain read sees the bytes as sent
	if err := c.SendAll([]byte("plain text")); err != nil {
		t.Fatal(err)
	}
	got = make([]byte, 10)
	if _, err := io.ReadFull(s, got); err != nil || string(got) != "plain text" {
		t.Fatalf("after Unwrap: %q %v", got, err)
	}
	if err := s.SendAll([]byte("and back")); err != nil {
		t.Fatal(err)
	}
	got = make([]byte, 8)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "and back" {
		t.Fatalf("after Unwrap, back: %q %v", got, err)
	}
}

func TestTLSCloseWakesAGoroutineParkedInRead(t *testing.T) {
	c, _ := tlsPair(t, serverContext(t), clientContext(t))
	done := make(chan error, 1)
	go func() {
		_, err := c.Recv(100)
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	c.Close()
	select {
	case err := <-done:
		wantErrno(t, err, syscall.EBADF)
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not wake the parked Recv")
	}
}

func TestTLSReadTimeoutAndDeadlineArePythonsTimeout(t *testing.T) {
	c, _ := tlsPair(t, serverContext(t), clientContext(t))
	c.SetTimeout(150 * time.Millisecond)
	start := time.Now()
	_, err := c.Recv(10)
	pe := asError(t, err)
	if pe.Kind != TimeoutError || pe.Message != "The read operation timed out" || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Recv timeout: %v %q", pe.Kind, pe.Message)
	}
	if el := time.Since(start); el < 100*time.Millisecond || el > 3*time.Second {
		t.Errorf("the timeout took %v", el)
	}
	conn := c.NetConn()
	conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	_, err = conn.Read(make([]byte, 10))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read past the deadline: %v", err)
	}
}

// Both sides non-blocking, NoHandshake: the handshakes are driven by the Poller, each
// DoHandshake's SSLWantReadError/SSLWantWriteError saying which event to wait for.
func TestTLSNonBlockingHandshakeDrivenByThePoller(t *testing.T) {
	plainC, plainS := tcpPair(t)
	c, err := clientContext(t).WrapSocket(plainC, false, "localhost", NoHandshake)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := serverContext(t).WrapSocket(plainS, true, "", NoHandshake)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// without NoHandshake, a non-blocking connected socket cannot be wrapped (Python's ValueError)
	p1, p2 := tcpPair(t)
	p1.SetBlocking(false)
	if _, err := clientContext(t).WrapSocket(p1, false, "localhost"); asError(t, err).Kind != ValueError {
		t.Errorf("wrapping a non-blocking socket with a handshake: %v", err)
	}
	_ = p2
	p, err := NewPoller()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	sides := []*Socket{c, s}
	done := []bool{false, false}
	wants := 0
	for _, x := range sides {
		x.SetBlocking(false)
		if err := p.Register(x, EventRead|EventWrite, nil); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for !(done[0] && done[1]) {
		if time.Now().After(deadline) {
			t.Fatal("the non-blocking handshakes did not finish within 10s")
		}
		for i, x := range sides {
			if done[i] {
				continue
			}
			err := x.DoHandshake()
			switch {
			case err == nil:
				done[i] = true
				p.Unregister(x)
			case errors.Is(err, ErrSSLWantRead):
				wants++
				p.Modify(x, EventRead, nil)
			case errors.Is(err, ErrSSLWantWrite):
				wants++
				p.Modify(x, EventWrite, nil)
			default:
				t.Fatalf("DoHandshake %d: %v", i, err)
			}
		}
		if _, err := p.Select(time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if wants == 0 {
		t.Error("no DoHandshake asked to wait")
	}
	// a non-blocking Recv with nothing to read: SSLWantReadError, in Python's words
	_, err = c.Recv(10)
	pe := asTLSError(t, err)
	if pe.Errno != SSLErrorWantRead || pe.Message != "The operation did not complete (read)" || pe.PythonClass() != "SSLWantReadError" || !pe.Temporary() {
		t.Errorf("non-blocking Recv: errno %d %q", pe.Errno, pe.Message)
	}
	// the poller reports the client readable once the server wrote
	if err := p.Register(c, EventRead, "client"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	evs, err := p.Select(5 * time.Second)
	if err != nil || len(evs) != 1 || evs[0].Data != "client" {
		t.Fatalf("Select = %+v, %v", evs, err)
	}
	got, err := c.Recv(10)
	if err != nil || string(got) != "ping" {
		t.Errorf("Recv after the poller = %q %v", got, err)
	}
}

// A client and a server TLSObject talk through Go byte slices: no socket at all.
func TestTLSObjectsHandshakeAndTalkInMemory(t *testing.T) {
	server, client := serverContext(t), clientContext(t)
	server.SetALPNProtocols([]string{"h2"})
	client.SetALPNProtocols([]string{"h2"})
	co, err := client.WrapBIO(false, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	defer co.Close()
	so, err := server.WrapBIO(true, "")
	if err != nil {
		t.Fatal(err)
	}
	defer so.Close()
	pump := func(from, to *TLSObject) {
		t.Helper()
		b, err := from.Drain()
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 0 {
			if err := to.Feed(b); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, _, err := co.Version(); err != nil {
		t.Fatal(err)
	}
	if err := co.DoHandshake(); !errors.Is(err, ErrSSLWantRead) {
		t.Fatalf("first client DoHandshake: %v, want SSLWantReadError", err)
	}
	cDone, sDone := false, false
	for i := 0; i < 10 && !(cDone && sDone); i++ {
		pump(co, so)
		if !sDone {
			if err := so.DoHandshake(); err == nil {
				sDone = true
			} else if !errors.Is(err, ErrSSLWantRead) {
				t.Fatal(err)
			}
		}
		pump(so, co)
		if !cDone {
			if err := co.DoHandshake(); err == nil {
				cDone = true
			} else if !errors.Is(err, ErrSSLWantRead) {
				t.Fatal(err)
			}
		}
	}
	if !cDone || !sDone {
		t.Fatal("the in-memory handshake did not finish in 10 rounds")
	}
	if v, ok, _ := co.Version(); !ok || v != "TLSv1.3" {
		t.Errorf("Version = %q", v)
	}
	if p, ok, _ := so.SelectedALPNProtocol(); !ok || p != "h2" {
		t.Errorf("ALPN = %q", p)
	}
	if ci, ok, _ := co.Cipher(); !ok || ci.Protocol != "TLSv1.3" {
		t.Errorf("Cipher = %+v", ci)
	}
	pc, err := co.PeerCert()
	if err != nil || pc == nil || !pc.Validated {
		t.Fatalf("PeerCert = %+v %v", pc, err)
	}
	if cn, _ := pc.SubjectAttribute("commonName"); cn != "localhost" {
		t.Errorf("peer commonName %q", cn)
	}
	msg := pattern(100000, 2)
	if n, err := co.Write(msg); err != nil || n != len(msg) {
		t.Fatalf("Write = %d %v", n, err)
	}
	if n, _ := co.OutgoingPending(); n <= len(msg) {
		t.Errorf("OutgoingPending %d after writing %d bytes", n, len(msg))
	}
	pump(co, so)
	var got []byte
	buf := make([]byte, 16384)
	for len(got) < len(msg) {
		n, err := so.Read(buf)
		if err != nil {
			t.Fatalf("Read after %d bytes: %v", len(got), err)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Equal(got, msg) {
		t.Fatal("the bytes read differ from those written")
	}
	if _, err := so.Read(buf); !errors.Is(err, ErrSSLWantRead) {
		t.Errorf("Read with nothing fed: %v", err)
	}
	// close_notify both ways
	if err := co.Unwrap(); !errors.Is(err, ErrSSLWantRead) {
		t.Errorf("client Unwrap before the peer's close_notify: %v", err)
	}
	pump(co, so)
	if n, err := so.Read(buf); err != nil && !errors.Is(err, ErrSSLZeroReturn) || n != 0 {
		t.Errorf("Read after close_notify: %d %v", n, err)
	}
	if err := so.Unwrap(); err != nil {
		t.Errorf("server Unwrap after the client's close_notify: %v", err)
	}
	pump(so, co)
	if err := co.Unwrap(); err != nil {
		t.Errorf("client Unwrap after the server's close_notify: %v", err)
	}
}

func TestTLSErrorsMatchTheirSentinels(t *testing.T) {
	e := &Error{Kind: SSLError, Errno: SSLErrorEOF, Message: "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol"}
	if !errors.Is(e, ErrSSLEOF) || errors.Is(e, ErrSSLZeroReturn) || e.PythonClass() != "SSLEOFError" {
		t.Error("an SSLEOFError does not match ErrSSLEOF alone")
	}
	v := &Error{Kind: SSLError, Errno: SSLErrorSSL, Reason: "CERTIFICATE_VERIFY_FAILED"}
	if !errors.Is(v, ErrCertVerification) || v.PythonClass() != "SSLCertVerificationError" {
		t.Error("a verification failure does not match ErrCertVerification")
	}
	n := &Error{Kind: NotConfigured, Message: "TLS support is not configured"}
	if !errors.Is(n, ErrNotConfigured) || errors.Is(v, ErrNotConfigured) || n.Kind.String() != "NotConfigured" {
		t.Error("ErrNotConfigured matching")
	}
}

// A peer that closes without close_notify: the end of the data by default (Python's
// suppress_ragged_eofs=True), the SSLEOFError with RaggedEOFError. Conn.Close sends
// close_notify, so even then the reader sees a clean end of stream.
func TestTLSRaggedEOFAndCloseNotify(t *testing.T) {
	server, client := serverContext(t), clientContext(t)
	for _, tc := range []struct {
		name      string
		opts      []WrapOption
		closeConn bool
		wantEOF   bool
	}{
		{"ragged EOF suppressed", nil, false, true},
		{"ragged EOF an error", []WrapOption{RaggedEOFError}, false, false},
		{"close_notify from Conn.Close", []WrapOption{RaggedEOFError}, true, true},
	} {
		c, s := tlsPair(t, server, client, tc.opts...)
		if err := s.SendAll(bytes.Repeat([]byte("p"), 1000)); err != nil {
			t.Fatal(err)
		}
		first, err := c.Recv(10)
		if err != nil || len(first) != 10 {
			t.Fatalf("%s: Recv = %d bytes, %v", tc.name, len(first), err)
		}
		if n, err := c.TLSPending(); err != nil || n != 990 {
			t.Errorf("%s: TLSPending = %d %v, want 990", tc.name, n, err)
		}
		if rest, err := c.Recv(2000); err != nil || len(rest) != 990 {
			t.Fatalf("%s: Recv of the rest = %d bytes, %v", tc.name, len(rest), err)
		}
		if tc.closeConn {
			s.NetConn().Close()
		} else {
			s.Close()
		}
		c.SetTimeout(5 * time.Second)
		b, err := c.Recv(100)
		if tc.wantEOF {
			if err != nil || len(b) != 0 {
				t.Errorf("%s: Recv = %q %v, want the end of the stream", tc.name, b, err)
			}
			continue
		}
		pe := asTLSError(t, err)
		if !errors.Is(err, ErrSSLEOF) || pe.Message != "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol" {
			t.Errorf("%s: %v errno %d %q", tc.name, pe.Kind, pe.Errno, pe.Message)
		}
	}
}

// Wrapped with NoHandshake, a Recv and a Send started together on each side: the
// handshake runs once, before both (as the first call needs it), and the request
// and its answer go through.
func TestTLSNoHandshakeFirstRecvAndSendTogether(t *testing.T) {
	plainC, plainS := tcpPair(t)
	c, err := clientContext(t).WrapSocket(plainC, false, "localhost", NoHandshake)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := serverContext(t).WrapSocket(plainS, true, "", NoHandshake)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	errs := make(chan error, 4)
	answer := make(chan []byte, 1)
	go func() { // client reader, started first
		b := make([]byte, 100)
		n, err := io.ReadAtLeast(c, b, 6)
		answer <- b[:n]
		errs <- err
	}()
	go func() { errs <- c.SendAll([]byte("request")) }()
	go func() { // server: reads the request, then answers
		b := make([]byte, 7)
		_, err := io.ReadFull(s, b)
		if err == nil {
			err = s.SendAll(bytes.ToUpper(b[:6]))
		}
		errs <- err
	}()
	within(t, 10*time.Second, "request and answer over a first-use handshake", func() {
		for i := 0; i < 3; i++ {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	})
	if got := <-answer; string(got) != "REQUES" {
		t.Errorf("answer %q", got)
	}
}

// An unconnected wrapped client: Connect connects, then handshakes; a refused
// connection is the ECONNREFUSED OSError in Python's words.
func TestTLSUnconnectedClientConnects(t *testing.T) {
	server, client := serverContext(t), clientContext(t)
	l, port := listener(t)
	tl, err := server.WrapSocket(l, true, "")
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	go func() {
		if a, _, err := tl.Accept(); err == nil {
			defer a.Close()
			b, _ := a.Recv(10)
			a.SendAll(b)
		}
	}()
	plain, err := NewSocket(AF_INET, SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	plain.SetTimeout(10 * time.Second)
	c, err := client.WrapSocket(plain, false, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !c.IsTLS() {
		t.Error("an unconnected wrapped socket is not TLS")
	}
	if err := c.Connect("127.0.0.1", port); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := c.TLSVersion(); !ok || v != "TLSv1.3" {
		t.Errorf("TLSVersion after Connect: %q", v)
	}
	c.SendAll([]byte("echo"))
	if got, err := c.Recv(10); err != nil || string(got) != "echo" {
		t.Errorf("echo %q %v", got, err)
	}

	// a port nobody listens on (taken from a socket closed again)
	free, fport := listener(t)
	free.Close()
	p2, err := NewSocket(AF_INET, SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	p2.SetBlocking(true)
	c2, err := client.WrapSocket(p2, false, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	pe := wantErrno(t, c2.Connect("127.0.0.1", fport), syscall.ECONNREFUSED)
	if pe.Message != "[Errno 111] Connection refused" {
		t.Errorf("refused: %q", pe.Message)
	}
}

// A server that requires client certificates: the client's is verified and readable
// on the server side; a client without one is refused.
func TestTLSClientCertificatesWhenRequired(t *testing.T) {
	f := certs(t)
	server := serverContext(t)
	if err := server.LoadVerifyLocations(f.caPEM, "", nil); err != nil {
		t.Fatal(err)
	}
	if err := server.SetVerifyMode(CertRequired); err != nil {
		t.Fatal(err)
	}
	client := clientContext(t)
	if err := client.LoadCertChain(f.serverPEM, f.serverKey, ""); err != nil {
		t.Fatal(err)
	}
	c, s := tlsPair(t, server, client)
	pc, err := s.PeerCert()
	if err != nil || pc == nil || !pc.Validated {
		t.Fatalf("server's PeerCert = %+v, %v", pc, err)
	}
	if cn, _ := pc.SubjectAttribute("commonName"); cn != "localhost" {
		t.Errorf("client certificate commonName %q", cn)
	}
	if err := c.SendAll([]byte("x")); err != nil {
		t.Fatal(err)
	}

	// without a certificate: the server's Accept fails, the client learns it on use
	l, port := listener(t)
	tl, err := server.WrapSocket(l, true, "")
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	acceptErr := make(chan error, 1)
	go func() {
		a, _, err := tl.Accept()
		if a != nil {
			a.Close()
		}
		acceptErr <- err
	}()
	plain, err := CreateConnection("127.0.0.1", port, 10*time.Second, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := clientContext(t).WrapSocket(plain, false, "localhost")
	if err == nil {
		defer nc.Close()
		_, err = nc.Recv(10) // TLS 1.3: the server's alert arrives after the client's handshake
	}
	if pe := asError(t, err); pe.Kind != SSLError {
		t.Errorf("client without a certificate: %v %q", pe.Kind, pe.Message)
	}
	select {
	case err := <-acceptErr:
		if pe := asTLSError(t, err); pe.Library != "SSL" {
			t.Errorf("server's Accept: %+v", pe)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server's Accept did not fail")
	}
}
