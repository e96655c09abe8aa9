package polysock

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// polysockClient is an http.Client whose transport dials with polysock.
func polysockClient(dials *atomic.Int64) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				dials.Add(1)
				return DialContext(ctx, network, addr)
			},
			MaxIdleConnsPerHost: 50,
			ForceAttemptHTTP2:   false,
		},
	}
}

// httpServer is an http.Server serving on a polysock listener; it answers /n/<k>
// with a body derived from k.
func httpServer(t *testing.T) (string, *atomic.Int64) {
	l, err := Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/n/", func(w http.ResponseWriter, r *http.Request) {
		k := r.URL.Path[len("/n/"):]
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, body(k))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				accepted.Add(1)
			}
		}}
	done := make(chan struct{})
	go func() {
		srv.Serve(l)
		close(done)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return "http://" + l.Addr().String(), &accepted
}

func body(k string) string {
	return "body of request " + k + "\n" + string(bytes.Repeat([]byte(k), 100))
}

func TestHTTPServerAndClientOverPolysock(t *testing.T) {
	base, accepted := httpServer(t)
	var dials atomic.Int64
	client := polysockClient(&dials)
	defer client.CloseIdleConnections()
	const goroutines, requests = 50, 1000
	var wg sync.WaitGroup
	var next atomic.Int64
	errs := make(chan error, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := next.Add(1)
				if k > requests {
					return
				}
				ks := strconv.FormatInt(k, 10)
				resp, err := client.Get(base + "/n/" + ks)
				if err != nil {
					errs <- err
					return
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || string(b) != body(ks) {
					errs <- fmt.Errorf("request %s: %d %q %v", ks, resp.StatusCode, b, err)
					return
				}
			}
		}()
	}
	within(t, 90*time.Second, "1,000 requests", wg.Wait)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Keep-alive: far fewer connections than requests.
	t.Logf("%d requests over %d dials, %d accepted connections", requests, dials.Load(), accepted.Load())
	if dials.Load() > requests/5 || accepted.Load() != dials.Load() {
		t.Fatalf("%d dials and %d accepted connections for %d requests: keep-alive is not working",
			dials.Load(), accepted.Load(), requests)
	}
}

// freePort is a TCP port on 127.0.0.1 that nothing listened on a moment ago.
func freePort(t *testing.T) int {
	l, port := listener(t)
	l.Close()
	return port
}

func TestHTTPClientFetchesFromPythonsHTTPServer(t *testing.T) {
	dir := t.TempDir()
	content := bytes.Repeat([]byte("served by Python's http.server\n"), 2000)
	if err := os.WriteFile(filepath.Join(dir, "file.txt"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	cmd := exec.Command("python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory", dir, strconv.Itoa(port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	// Wait (at most 20 s) until it accepts connections.
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := CreateConnection("127.0.0.1", port, time.Second, "", 0)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("python3 -m http.server did not listen on %d within 20 s: %v", port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var dials atomic.Int64
	client := polysockClient(&dials)
	defer client.CloseIdleConnections()
	for i := 0; i < 3; i++ {
		resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/file.txt", port))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || !bytes.Equal(b, content) {
			t.Fatalf("GET: %d, %d bytes, %v", resp.StatusCode, len(b), err)
		}
	}
	if dials.Load() == 0 {
		t.Fatal("the client did not dial with polysock")
	}
}

func TestCurlFetchesFromThePolysockServer(t *testing.T) {
	base, accepted := httpServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "curl", "--silent", "--show-error", "--fail",
		"--max-time", "20", base+"/n/curl", base+"/n/again").Output()
	if err != nil {
		t.Fatalf("curl: %v", err)
	}
	if string(out) != body("curl")+body("again") {
		t.Fatalf("curl got %q", out)
	}
	if accepted.Load() == 0 {
		t.Fatal("the polysock server accepted nothing")
	}
}
