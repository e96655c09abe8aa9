package polysock

import (
	"runtime"
	"sync"
	"time"

	"polysock.dev/polysock/internal/raw"
)

// Poller event bits (Python's selectors.EVENT_READ and EVENT_WRITE, plus the error
// and hang-up conditions a poller reports whether registered or not).
const (
	EventRead  uint32 = 0x1
	EventWrite uint32 = 0x2
	EventError uint32 = 0x4
	EventHup   uint32 = 0x8
)

// Poller is the selectors-like poller of the C ABI: it serves many sockets from one
// goroutine. Select waits in the native poller, holding an OS thread for the wait:
// with goroutines, a blocking Recv per connection is usually the simpler Go design.
type Poller struct {
	p    uint64
	mu   sync.Mutex
	data map[uint64]any
	once sync.Once
}

// PollEvent is one ready socket: its Socket, the events and the data it was
// registered with.
type PollEvent struct {
	Socket *Socket
	Events uint32
	Data   any
}

type registration struct {
	s    *Socket
	data any
}

// NewPoller is selectors.DefaultSelector().
func NewPoller() (*Poller, error) {
	var p uint64
	var e raw.ErrBuf
	if raw.Poller_create(&p, &e) != 0 {
		return nil, fromBuf(&e)
	}
	pl := &Poller{p: p, data: map[uint64]any{}}
	runtime.SetFinalizer(pl, (*Poller).Close)
	return pl, nil
}

// Register watches s for events (EventRead and/or EventWrite), with data given back
// in its events.
func (p *Poller) Register(s *Socket, events uint32, data any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var e raw.ErrBuf
	rc := raw.Poller_register(p.p, s.h, uint(events), s.h, &e)
	runtime.KeepAlive(s)
	if rc != 0 {
		return fromBuf(&e)
	}
	p.data[s.h] = registration{s, data}
	return nil
}

// Modify changes the events and data of a registered socket.
func (p *Poller) Modify(s *Socket, events uint32, data any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var e raw.ErrBuf
	rc := raw.Poller_modify(p.p, s.h, uint(events), s.h, &e)
	runtime.KeepAlive(s)
	if rc != 0 {
		return fromBuf(&e)
	}
	p.data[s.h] = registration{s, data}
	return nil
}

// Unregister stops watching s.
func (p *Poller) Unregister(s *Socket) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var e raw.ErrBuf
	rc := raw.Poller_unregister(p.p, s.h, &e)
	runtime.KeepAlive(s)
	delete(p.data, s.h)
	if rc != 0 {
		return fromBuf(&e)
	}
	return nil
}

// Select is selectors' select(timeout): the ready sockets, waiting at most timeout
// (<= 0 only looks); SelectForever waits without limit. An empty result means the
// time ran out.
func (p *Poller) Select(timeout time.Duration) ([]PollEvent, error) {
	secs := timeout.Seconds()
	if timeout <= 0 {
		secs = 0
	}
	return p.wait(secs)
}

// SelectForever is select(None).
func (p *Poller) SelectForever() ([]PollEvent, error) { return p.wait(-1) }

func (p *Poller) wait(secs float64) ([]PollEvent, error) {
	var evs [64]raw.Event
	var e raw.ErrBuf
	n := raw.Poller_wait(p.p, secs, evs[:], &e)
	if n < 0 {
		return nil, fromBuf(&e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]PollEvent, 0, n)
	for _, ev := range evs[:n] {
		r, ok := p.data[ev.UserData].(registration)
		if !ok {
			continue // unregistered meanwhile
		}
		out = append(out, PollEvent{Socket: r.s, Events: ev.Events, Data: r.data})
	}
	return out, nil
}

// Fileno is the poller's own descriptor, for a foreign event loop: level-triggered,
// it polls readable while Select(0) would report an event. Watch it only (poll,
// epoll, select, or Go's poller through a dup of it); never read from it or close it.
// It is valid until Close. The native poll() backend has none: the ENOTSUP error.
func (p *Poller) Fileno() (int, error) {
	var e raw.ErrBuf
	fd := raw.Poller_fileno(p.p, &e)
	runtime.KeepAlive(p)
	if fd < 0 {
		return -1, fromBuf(&e)
	}
	return int(fd), nil
}

// Close closes the poller (not its sockets); goroutines in Select wake with EBADF.
func (p *Poller) Close() error {
	p.once.Do(func() {
		runtime.SetFinalizer(p, nil)
		var e raw.ErrBuf
		raw.Poller_close(p.p, &e)
	})
	return nil
}
