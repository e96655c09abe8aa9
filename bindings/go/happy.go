package polysock

import (
	"context"
	"strings"
	"time"
)

// DefaultHappyEyeballsDelay is RFC 8305's recommended Connection Attempt Delay.
const DefaultHappyEyeballsDelay = 250 * time.Millisecond

// ConnectOptions are CreateConnectionEx's options: create_connection's
// source_address and all_errors (CPython 3.11), and Happy Eyeballs (RFC 8305, as
// asyncio's happy_eyeballs_delay and interleave).
type ConnectOptions struct {
	// SourceHost and SourcePort are the source address to bind each attempt to
	// ("" and 0: none).
	SourceHost string
	SourcePort int

	// HappyEyeballs starts the attempts one after another, each HappyEyeballsDelay
	// after the last one started (or at once when the last one fails), racing: the
	// first to connect wins and the others are closed. Without it the attempts are
	// made in turn, each after the last one failed, as create_connection does.
	HappyEyeballs bool

	// HappyEyeballsDelay is the delay between two attempts' starts with HappyEyeballs
	// (0: all at once; a negative value counts as 0). RFC 8305 advises
	// DefaultHappyEyeballsDelay.
	HappyEyeballsDelay time.Duration

	// Interleave reorders getaddrinfo's addresses so that families alternate, with
	// Interleave addresses of the first family before each one of the other (RFC
	// 8305's First Address Family Count). 0 is the default, as asyncio's None: 1 with
	// HappyEyeballs, no reordering without it; a negative value never reorders.
	Interleave int

	// AllErrors makes a failure a *ConnectError listing every attempt (Python's
	// all_errors=True); otherwise the error is the last attempt's, as in Python.
	AllErrors bool
}

// ConnectAttempt is one failed connection attempt: the address it went to and its
// error (an *Error).
type ConnectAttempt struct {
	Address Address
	Err     error
}

// ConnectError is the failure of CreateConnectionEx with AllErrors: Python's
// ExceptionGroup("create_connection failed", errors) of every attempt, in the order
// they failed. Unwrap gives the last attempt's error (Go 1.19 has no multi-error
// unwrapping), so errors.Is(err, syscall.ECONNREFUSED) asks about that one; look at
// Attempts for the others.
type ConnectError struct {
	Attempts []ConnectAttempt
}

// Error is Python's str() of the ExceptionGroup, "create_connection failed (1
// sub-exception)", then each attempt's address and message.
func (e *ConnectError) Error() string {
	var b strings.Builder
	b.WriteString("create_connection failed (")
	b.WriteString(itoa(len(e.Attempts)))
	if len(e.Attempts) == 1 { // Python's str() of the ExceptionGroup
		b.WriteString(" sub-exception)")
	} else {
		b.WriteString(" sub-exceptions)")
	}
	for _, a := range e.Attempts {
		b.WriteString("; ")
		b.WriteString(NetAddr{"tcp", a.Address}.String())
		b.WriteString(": ")
		b.WriteString(a.Err.Error())
	}
	return b.String()
}

// Unwrap is the last attempt's error.
func (e *ConnectError) Unwrap() error {
	if len(e.Attempts) == 0 {
		return nil
	}
	return e.Attempts[len(e.Attempts)-1].Err
}

// CreateConnectionEx is create_connection((host, port), timeout, source_address,
// all_errors) with Happy Eyeballs: see ConnectOptions. timeout is each attempt's and
// the new socket's, as for CreateConnection (negative: the module default; 0: a
// non-blocking connect, which fails with EINPROGRESS). ctx bounds the whole call:
// when it is done the attempts in flight are closed and ctx.Err() is returned. Every
// wait parks the goroutine on Go's poller; the attempts race in goroutines.
func CreateConnectionEx(ctx context.Context, host string, port int, timeout time.Duration, opts ConnectOptions) (*Socket, error) {
	if timeout < 0 {
		d, ok := GetDefaultTimeout()
		if !ok {
			d = -1 // None: blocking
		}
		timeout = d
	}
	ps := itoa(port)
	infos, err := Getaddrinfo(&host, &ps, 0, SOCK_STREAM, 0, 0)
	if err != nil {
		return nil, err
	}
	return connectAttempts(ctx, infos, timeout, opts)
}

// interleave reorders addrs by family (families in the order they first appear):
// first addresses of the first family, then one of each family in turn, until all
// are used. It keeps each family's own order.
func interleave(addrs []AddrInfo, first int) []AddrInfo {
	var families []int
	byFamily := map[int][]AddrInfo{}
	for _, a := range addrs {
		if _, ok := byFamily[a.Family]; !ok {
			families = append(families, a.Family)
		}
		byFamily[a.Family] = append(byFamily[a.Family], a)
	}
	out := make([]AddrInfo, 0, len(addrs))
	if first > 1 {
		f := byFamily[families[0]]
		n := first - 1
		if n > len(f) {
			n = len(f)
		}
		out = append(out, f[:n]...)
		byFamily[families[0]] = f[n:]
	}
	for len(out) < len(addrs) {
		for _, fam := range families {
			if f := byFamily[fam]; len(f) > 0 {
				out = append(out, f[0])
				byFamily[fam] = f[1:]
			}
		}
	}
	return out
}

// attemptResult is how one attempt ended: its socket (nil if none was made) and error.
type attemptResult struct {
	i   int
	s   *Socket
	err error
}

// connectAttempts tries addrs (getaddrinfo's results) as ConnectOptions says.
func connectAttempts(ctx context.Context, addrs []AddrInfo, timeout time.Duration, opts ConnectOptions) (*Socket, error) {
	first := opts.Interleave
	if first == 0 && opts.HappyEyeballs {
		first = 1
	}
	if first > 0 && len(addrs) > 1 {
		addrs = interleave(addrs, first)
	}
	delay := time.Duration(-1) // never: the next attempt starts when the last fails
	if opts.HappyEyeballs {
		delay = opts.HappyEyeballsDelay
		if delay < 0 {
			delay = 0
		}
	}
	results := make(chan attemptResult, len(addrs)) // every attempt sends once
	inflight := map[int]*Socket{}
	next, running := 0, 0
	var timer *time.Timer
	var timerC <-chan time.Time
	launch := func() {
		i := next
		next++
		running++
		if timer != nil {
			timer.Stop()
		}
		timerC = nil
		if delay >= 0 && next < len(addrs) {
			timer = time.NewTimer(delay)
			timerC = timer.C
		}
		s, err := prepareAttempt(addrs[i], timeout, opts)
		if err != nil {
			results <- attemptResult{i, nil, err}
			return
		}
		inflight[i] = s
		a := addrs[i].Addr
		go func() { results <- attemptResult{i, s, s.Connect(a.Host, a.Port)} }()
	}
	// stop closes every attempt still in flight but keep, and waits for them to end.
	stop := func(keep *Socket) {
		if timer != nil {
			timer.Stop()
		}
		for _, s := range inflight {
			if s != keep {
				s.Close()
			}
		}
		for ; running > 0; running-- {
			if r := <-results; r.s != nil && r.s != keep {
				r.s.Close()
			}
		}
	}
	var failed []ConnectAttempt
	var last error = &Error{Kind: OSError, Message: "getaddrinfo returns an empty list"}
	if len(addrs) > 0 {
		launch()
	}
	for running > 0 {
		select {
		case r := <-results:
			running--
			delete(inflight, r.i)
			if r.err == nil {
				stop(r.s)
				return r.s, nil
			}
			if r.s != nil {
				r.s.Close()
			}
			failed = append(failed, ConnectAttempt{Address: addrs[r.i].Addr, Err: r.err})
			last = r.err
			if next < len(addrs) {
				launch()
			}
		case <-timerC:
			timerC = nil
			if next < len(addrs) {
				launch()
			}
		case <-ctx.Done():
			stop(nil)
			return nil, ctx.Err()
		}
	}
	if opts.AllErrors && len(failed) > 0 {
		return nil, &ConnectError{Attempts: failed}
	}
	return nil, last
}

// prepareAttempt is one attempt's socket: its timeout set (negative: blocking) and
// bound to the source address if there is one.
func prepareAttempt(ai AddrInfo, timeout time.Duration, opts ConnectOptions) (*Socket, error) {
	s, err := NewSocket(ai.Family, ai.Type, ai.Proto)
	if err != nil {
		return nil, err
	}
	if timeout >= 0 {
		err = s.SetTimeout(timeout)
	} else {
		err = s.SetBlocking(true)
	}
	if err == nil && (opts.SourceHost != "" || opts.SourcePort != 0) {
		err = s.Bind(opts.SourceHost, opts.SourcePort)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
