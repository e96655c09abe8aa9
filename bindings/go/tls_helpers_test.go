package polysock

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// tlsFiles are the test certificates, made once per run by the openssl command in a
// temporary directory (removed by TestMain): a CA; a server certificate for
// CN=localhost with subjectAltName DNS:localhost, IP:127.0.0.1 signed by it; a second
// CA that no client trusts, and a server certificate signed by that one.
type tlsFiles struct {
	dir                         string
	caPEM, serverPEM, serverKey string
	otherCAPEM                  string
	otherPEM, otherKey          string // CN=localhost too, signed by the untrusted CA
}

var (
	tlsOnce    sync.Once
	tlsCerts   tlsFiles
	tlsCertErr error
)

// cleanupTLSFiles removes the certificates' directory (TestMain).
func cleanupTLSFiles() {
	if tlsCerts.dir != "" {
		os.RemoveAll(tlsCerts.dir)
	}
}

func openssl(dir string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "openssl", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return errors.New("openssl " + strings.Join(args, " ") + ": " + err.Error() + ": " + string(out))
	}
	return nil
}

func makeCA(dir, name, cn string) error {
	return openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
		"-nodes", "-keyout", name+".key", "-out", name+".pem", "-days", "2", "-subj", "/O=polysock tests/CN="+cn,
		"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
}

func makeServerCert(dir, name, ca string) error {
	ext := filepath.Join(dir, name+".ext")
	if err := os.WriteFile(ext, []byte("subjectAltName=DNS:localhost,IP:127.0.0.1\n"+
		"basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n"), 0o600); err != nil {
		return err
	}
	if err := openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
		"-keyout", name+".key", "-out", name+".csr", "-subj", "/CN=localhost"); err != nil {
		return err
	}
	return openssl(dir, "x509", "-req", "-in", name+".csr", "-CA", ca+".pem", "-CAkey", ca+".key",
		"-CAcreateserial", "-out", name+".pem", "-days", "2", "-extfile", ext)
}

// certs is the run's certificates (made on first use); the test fails without TLS.
func certs(t tb) tlsFiles {
	t.Helper()
	if !TLSAvailable() {
		t.Fatal("the native library was built without TLS (POLYSOCK_TLS=OFF): the Go TLS tests need it")
	}
	return certFiles(t)
}

// certFiles is the run's certificates, for tests that use only crypto/tls.
func certFiles(t tb) tlsFiles {
	t.Helper()
	tlsOnce.Do(func() {
		dir, err := os.MkdirTemp("", "polysock-go-tls-")
		if err != nil {
			tlsCertErr = err
			return
		}
		tlsCerts.dir = dir
		for _, step := range []func() error{
			func() error { return makeCA(dir, "ca", "polysock test CA") },
			func() error { return makeServerCert(dir, "server", "ca") },
			func() error { return makeCA(dir, "otherca", "untrusted CA") },
			func() error { return makeServerCert(dir, "other", "otherca") },
		} {
			if tlsCertErr = step(); tlsCertErr != nil {
				return
			}
		}
		p := func(n string) string { return filepath.Join(dir, n) }
		tlsCerts.caPEM, tlsCerts.serverPEM, tlsCerts.serverKey = p("ca.pem"), p("server.pem"), p("server.key")
		tlsCerts.otherCAPEM, tlsCerts.otherPEM, tlsCerts.otherKey = p("otherca.pem"), p("other.pem"), p("other.key")
	})
	if tlsCertErr != nil {
		t.Fatal(tlsCertErr)
	}
	return tlsCerts
}

// serverContext is a server context with the server certificate.
func serverContext(t tb) *TLSContext {
	t.Helper()
	f := certs(t)
	c, err := CreateDefaultContext(PurposeClientAuth)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.LoadCertChain(f.serverPEM, f.serverKey, ""); err != nil {
		t.Fatal(err)
	}
	return c
}

// clientContext is a client context (hostname checked) that trusts the test CA.
func clientContext(t tb) *TLSContext {
	t.Helper()
	f := certs(t)
	c, err := CreateDefaultContext(PurposeServerAuth)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.LoadVerifyLocations(f.caPEM, "", nil); err != nil {
		t.Fatal(err)
	}
	return c
}

// goServerConfig is crypto/tls's server configuration with the server certificate.
func goServerConfig(t testing.TB) *tls.Config {
	t.Helper()
	f := certFiles(t)
	kp, err := tls.LoadX509KeyPair(f.serverPEM, f.serverKey)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{kp}}
}

// goClientConfig is crypto/tls's client configuration trusting the test CA.
func goClientConfig(t testing.TB) *tls.Config {
	t.Helper()
	f := certFiles(t)
	pem, err := os.ReadFile(f.caPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("the test CA does not parse")
	}
	return &tls.Config{RootCAs: pool, ServerName: "localhost"}
}

// tlsPair is a handshaken polysock TLS client and server over loopback (blocking mode),
// closed at the end; the server's handshake runs in Accept.
func tlsPair(t testing.TB, server, client *TLSContext, opts ...WrapOption) (c, s *Socket) {
	t.Helper()
	l, port := listener(t)
	tl, err := server.WrapSocket(l, true, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tl.Close() })
	type accepted struct {
		s   *Socket
		err error
	}
	ch := make(chan accepted, 1)
	go func() {
		s, _, err := tl.Accept()
		ch <- accepted{s, err}
	}()
	plain, err := CreateConnection("127.0.0.1", port, 10*time.Second, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	plain.SetBlocking(true)
	c, err = client.WrapSocket(plain, false, "localhost", opts...)
	if err != nil {
		plain.Close()
		t.Fatal(err)
	}
	a := <-ch
	if a.err != nil {
		c.Close()
		t.Fatal(a.err)
	}
	t.Cleanup(func() { c.Close(); a.s.Close() })
	return c, a.s
}

// asTLSError is err as an *Error of kind SSLError, or fails the test.
func asTLSError(t testing.TB, err error) *Error {
	t.Helper()
	pe := asError(t, err)
	if pe.Kind != SSLError {
		t.Fatalf("want an SSLError, got %v: %q", pe.Kind, pe.Message)
	}
	return pe
}

// python3 runs a Python script with a bound (killed at the end of the test); its
// stdout lines arrive on the returned channel.
func python3(t testing.TB, script string, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	cmd := exec.CommandContext(ctx, "python3", append([]string{"-c", script}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		buf := make([]byte, 0, 4096)
		tmp := make([]byte, 4096)
		for {
			n, err := out.Read(tmp)
			buf = append(buf, tmp[:n]...)
			for {
				i := strings.IndexByte(string(buf), '\n')
				if i < 0 {
					break
				}
				lines <- string(buf[:i])
				buf = buf[i+1:]
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		cancel()
	})
	return cmd, lines
}

// line is the next line from a subprocess, within 20 seconds.
func line(t testing.TB, lines <-chan string) string {
	t.Helper()
	select {
	case l, ok := <-lines:
		if !ok {
			t.Fatal("the subprocess ended early")
		}
		return l
	case <-time.After(20 * time.Second):
		t.Fatal("no line from the subprocess within 20s")
	}
	return ""
}
