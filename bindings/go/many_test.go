package polysock

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// osThreads is the Threads: line of /proc/self/status.
func osThreads(t tb) int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "Threads:") {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "Threads:")))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no Threads: line in /proc/self/status")
	return 0
}

// Thousands of connections, each with a goroutine blocked in Read: the goroutines park
// on the runtime's poller, so the process stays under 50 OS threads, and every read
// completes when its data arrives. 5,000 connections (10,000 descriptors, both ends
// in one process); 2,000 under the race detector, whose limit is 8,128 goroutines.
//
// The test binary runs itself for it (TestMain, POLYSOCK_MANY_CHILD): the Go runtime
// never ends an OS thread it started, so in this process the threads other tests
// started would be counted too.
func TestManyConnectionsParkGoroutinesNotThreads(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-test.run=^$", "-test.v")
	cmd.Env = append(os.Environ(), "POLYSOCK_MANY_CHILD=1")
	out, err := cmd.CombinedOutput()
	t.Logf("child: %s", out)
	if err != nil {
		t.Fatalf("the many-connections child failed: %v", err)
	}
	if !strings.Contains(string(out), "MANY-CONNECTIONS-PASSED") {
		t.Fatal("the child did not report its result")
	}
}

func TestMain(m *testing.M) {
	if mode := os.Getenv("POLYSOCK_MANY_CHILD"); mode != "" {
		c := &childT{}
		if mode == "tls" {
			runChild(c, manyTLSConnectionsScenario)
		} else {
			runChild(c, manyConnectionsScenario)
		}
		cleanupTLSFiles()
		if c.failed {
			os.Exit(1)
		}
		fmt.Println("MANY-CONNECTIONS-PASSED")
		os.Exit(0)
	}
	code := m.Run()
	cleanupTLSFiles()
	os.Exit(code)
}

// childT is the part of testing.TB the child's scenario uses.
type childT struct {
	mu     sync.Mutex
	failed bool
	clean  []func()
}

func (c *childT) Helper()                         {}
func (c *childT) Logf(f string, a ...interface{}) { fmt.Printf(f+"\n", a...) }
func (c *childT) Errorf(f string, a ...interface{}) {
	c.mu.Lock()
	c.failed = true
	c.mu.Unlock()
	fmt.Printf("ERROR: "+f+"\n", a...)
}
func (c *childT) Error(a ...interface{}) { c.Errorf("%s", fmt.Sprint(a...)) }
func (c *childT) Fatalf(f string, a ...interface{}) {
	c.Errorf(f, a...)
	runtime.Goexit()
}
func (c *childT) Fatal(a ...interface{}) { c.Fatalf("%s", fmt.Sprint(a...)) }
func (c *childT) Failed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failed
}
func (c *childT) Cleanup(f func()) { c.clean = append(c.clean, f) }

type tb interface {
	Helper()
	Logf(string, ...interface{})
	Errorf(string, ...interface{})
	Error(...interface{})
	Fatalf(string, ...interface{})
	Fatal(...interface{})
	Failed() bool
	Cleanup(func())
}

func runChild(t *childT, scenario func(tb)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			for i := len(t.clean) - 1; i >= 0; i-- {
				t.clean[i]()
			}
		}()
		scenario(t)
	}()
	<-done
}

func manyConnectionsScenario(t tb) {
	conns := 5000
	if raceEnabled {
		conns = 2000
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
	l, port := listenerTB(t)
	servers := make(chan *Socket, conns)
	go func() {
		for i := 0; i < conns; i++ {
			s, _, err := l.Accept()
			if err != nil {
				t.Error(err)
				close(servers)
				return
			}
			servers <- s
		}
		close(servers)
	}()

	clients := make([]*Socket, conns)
	var connectWG sync.WaitGroup
	sem := make(chan struct{}, 16) // connect 16 at a time: the listen backlog is bounded
	for i := range clients {
		connectWG.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer connectWG.Done()
			defer func() { <-sem }()
			c, err := NewSocket(AF_INET, SOCK_STREAM, 0)
			if err != nil {
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
	withinTB(t, 60*time.Second, "connecting", connectWG.Wait)
	if t.Failed() {
		return
	}
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
			c.Close()
		}
	}()
	if len(accepted) != conns {
		t.Fatalf("accepted %d of %d", len(accepted), conns)
	}

	// One goroutine per client connection, blocked in Read.
	var readWG sync.WaitGroup
	got := make([][]byte, conns)
	var started sync.WaitGroup
	for i, c := range clients {
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
	time.Sleep(200 * time.Millisecond) // every reader is parked by now
	threads := osThreads(t)
	t.Logf("%d connections, %d goroutines blocked in Read, %d OS threads", conns, conns, threads)
	if threads >= 50 {
		t.Fatalf("%d OS threads with %d goroutines blocked in Read: want under 50", threads, conns)
	}
	for i := 0; i < conns; i++ {
		if got[i] != nil {
			t.Fatalf("read %d completed before its data was sent", i)
		}
	}

	sendEachItsPort(t, clients, accepted, got, &readWG, "the client")
}

// sendEachItsPort has every accepted socket send its peer's port, which names the
// client that must receive it (the accepted sockets are in accept order, not client
// order), then waits for the readers (readWG, filling got) and checks each client got
// its own message, "for <who> on port N".
func sendEachItsPort(t tb, clients, accepted []*Socket, got [][]byte, readWG *sync.WaitGroup, who string) {
	t.Helper()
	byPort := map[int]int{}
	for i, c := range clients {
		a, _ := c.Getsockname()
		byPort[a.Port] = i
	}
	want := make([][]byte, len(clients))
	for _, s := range accepted {
		p, _ := s.Getpeername()
		msg := []byte(fmt.Sprintf("for %s on port %d", who, p.Port))
		want[byPort[p.Port]] = msg
		if err := s.SendAll(msg); err != nil {
			t.Fatal(err)
		}
	}
	withinTB(t, 60*time.Second, "reading", readWG.Wait)
	for i := range clients {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("client %d read %q, want %q", i, got[i], want[i])
		}
	}
}
