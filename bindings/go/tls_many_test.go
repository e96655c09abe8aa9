package polysock

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A thousand TLS connections (500 under -race), each with a goroutine blocked in Read: as for plain
// sockets, the goroutines park on the runtime's poller (a TLS would-block is OpenSSL's
// want-read), so the process stays under 50 OS threads. Run in a child process, as
// TestManyConnectionsParkGoroutinesNotThreads.
func TestManyTLSConnectionsParkGoroutinesNotThreads(t *testing.T) {
	certs(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-test.run=^$", "-test.v")
	cmd.Env = append(os.Environ(), "POLYSOCK_MANY_CHILD=tls")
	out, err := cmd.CombinedOutput()
	t.Logf("child: %s", out)
	if err != nil {
		t.Fatalf("the many-TLS-connections child failed: %v", err)
	}
	if !strings.Contains(string(out), "MANY-CONNECTIONS-PASSED") {
		t.Fatal("the child did not report its result")
	}
}

func manyTLSConnectionsScenario(t tb) {
	conns := 1000
	if raceEnabled {
		conns = 500 // the same path, in half the time under the race detector
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur < uint64(2*conns+200) {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < uint64(2*conns+200) {
			t.Fatalf("need %d descriptors, the limit is %d (%v)", 2*conns+200, lim.Cur, err)
		}
	}
	server, client := serverContext(t), clientContext(t)
	l, port := listenerTB(t)
	// Accept on a wrapped listener: each connection is handshaken in Accept.
	tl, err := server.WrapSocket(l, true, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tl.Close() })
	servers := make(chan *Socket, conns)
	go func() {
		defer close(servers)
		for i := 0; i < conns; i++ {
			s, _, err := tl.Accept()
			if err != nil {
				t.Error(err)
				return
			}
			servers <- s
		}
	}()
	clients := make([]*Socket, conns)
	var connectWG sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range clients {
		connectWG.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer connectWG.Done()
			defer func() { <-sem }()
			plain, err := NewSocket(AF_INET, SOCK_STREAM, 0)
			if err != nil {
				t.Error(err)
				return
			}
			plain.SetBlocking(true)
			// an unconnected client: Connect connects, then handshakes
			c, err := client.WrapSocket(plain, false, "localhost")
			if err != nil {
				plain.Close()
				t.Error(err)
				return
			}
			if err := c.Connect("127.0.0.1", port); err != nil {
				c.Close()
				t.Error(err)
				return
			}
			clients[i] = c
		}(i)
	}
	withinTB(t, 60*time.Second, "connecting and handshaking", connectWG.Wait)
	accepted := make([]*Socket, 0, conns)
	withinTB(t, 60*time.Second, "accepting", func() {
		for s := range servers {
			accepted = append(accepted, s)
		}
	})
	defer func() {
		for _, s := range accepted {
			s.Close()
		}
		for _, c := range clients {
			if c != nil {
				c.Close()
			}
		}
	}()
	if t.Failed() {
		return
	}
	if len(accepted) != conns {
		t.Fatalf("accepted %d of %d", len(accepted), conns)
	}
	var readWG, started sync.WaitGroup
	got := make([][]byte, conns)
	for i, c := range clients {
		if v, ok, _ := c.TLSVersion(); !ok || v != "TLSv1.3" {
			t.Fatalf("client %d: TLSVersion %q", i, v)
		}
		readWG.Add(1)
		started.Add(1)
		go func(i int, c *Socket) {
			defer readWG.Done()
			b := make([]byte, 64)
			started.Done()
			n, err := c.Read(b)
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = b[:n]
		}(i, c)
	}
	started.Wait()
	time.Sleep(200 * time.Millisecond)
	threads := osThreads(t)
	t.Logf("%d TLS connections, %d goroutines blocked in Read, %d OS threads", conns, conns, threads)
	if threads >= 50 {
		t.Fatalf("%d OS threads with %d goroutines blocked in TLS Read: want under 50", threads, conns)
	}
	sendEachItsPort(t, clients, accepted, got, &readWG, "the TLS client")
}
