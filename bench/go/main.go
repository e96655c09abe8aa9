// Go benchmark of the Go binding against Go's own net package, run on demand (never
// in CI): bulk transfer (1 GiB in 64 KiB writes) and 64-byte round trips over TCP
// loopback, both ends polysock or both ends net, in the same run, alternating which
// goes first, for several rounds; prints the medians and their ratios.
//
//	cd bench/go && PKG_CONFIG_PATH=<build>/bindings/go/pkgconfig go run . [-rounds 7]
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/pprof"
	"sort"
	"time"

	"polysock.dev/polysock"
)

var (
	rounds    = flag.Int("rounds", 7, "rounds (each runs both implementations)")
	bulkBytes = flag.Int64("bulk", 1<<30, "bytes per bulk transfer")
	chunk     = flag.Int("chunk", 64<<10, "bytes per write in the bulk transfer")
	trips     = flag.Int("trips", 20000, "round trips per round-trip run")
	msgSize   = flag.Int("msg", 64, "bytes per round-trip message")
	profile   = flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	only      = flag.String("only", "", "bulk with this implementation only (polysock or net), once, for strace or a profile")
)

// pair is a connected client and server connection of one implementation. Both
// have TCP_NODELAY set: package net sets it by default, and so do polysock's Go
// adapters (Listen, Dial), unlike its Python API.
type pair func() (client, server net.Conn, cleanup func())

func netPair() (net.Conn, net.Conn, func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	ch := make(chan net.Conn)
	go func() {
		c, err := l.Accept()
		check(err)
		ch <- c
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	check(err)
	s := <-ch
	l.Close()
	return c, s, func() { c.Close(); s.Close() }
}

func polysockPair() (net.Conn, net.Conn, func()) {
	l, err := polysock.Listen("tcp", "127.0.0.1:0")
	check(err)
	ch := make(chan net.Conn)
	go func() {
		c, err := l.Accept()
		check(err)
		ch <- c
	}()
	c, err := polysock.Dial("tcp", l.Addr().String())
	check(err)
	s := <-ch
	l.Close()
	return c, s, func() { c.Close(); s.Close() }
}

// bulk is the time to move *bulkBytes from client to server in *chunk writes.
func bulk(p pair) time.Duration {
	c, s, cleanup := p()
	defer cleanup()
	buf := make([]byte, *chunk)
	done := make(chan int64)
	go func() {
		rb := make([]byte, *chunk)
		var got int64
		for got < *bulkBytes {
			n, err := s.Read(rb)
			if err != nil && err != io.EOF {
				check(err)
			}
			got += int64(n)
		}
		done <- got
	}()
	start := time.Now()
	for sent := int64(0); sent < *bulkBytes; sent += int64(len(buf)) {
		_, err := c.Write(buf)
		check(err)
	}
	<-done
	return time.Since(start)
}

// roundTrips is the time of *trips request/response exchanges of *msgSize bytes.
func roundTrips(p pair) time.Duration {
	c, s, cleanup := p()
	defer cleanup()
	go func() {
		b := make([]byte, *msgSize)
		for {
			if _, err := io.ReadFull(s, b); err != nil {
				return
			}
			if _, err := s.Write(b); err != nil {
				return
			}
		}
	}()
	b := make([]byte, *msgSize)
	start := time.Now()
	for i := 0; i < *trips; i++ {
		_, err := c.Write(b)
		check(err)
		_, err = io.ReadFull(c, b)
		check(err)
	}
	return time.Since(start)
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func main() {
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	if *only != "" {
		p := map[string]pair{"polysock": polysockPair, "net": netPair}[*only]
		if p == nil {
			check(fmt.Errorf("-only polysock or -only net"))
		}
		fmt.Printf("bulk %s: %v\n", *only, bulk(p))
		return
	}
	type series struct{ ps, nt []time.Duration }
	var b, r series
	for i := 0; i < *rounds; i++ {
		// Alternate which implementation goes first.
		if i%2 == 0 {
			b.ps = append(b.ps, bulk(polysockPair))
			b.nt = append(b.nt, bulk(netPair))
			r.ps = append(r.ps, roundTrips(polysockPair))
			r.nt = append(r.nt, roundTrips(netPair))
		} else {
			b.nt = append(b.nt, bulk(netPair))
			b.ps = append(b.ps, bulk(polysockPair))
			r.nt = append(r.nt, roundTrips(netPair))
			r.ps = append(r.ps, roundTrips(polysockPair))
		}
		fmt.Printf("round %d: bulk polysock %v net %v; round trips polysock %v net %v\n",
			i+1, b.ps[i].Round(time.Millisecond), b.nt[i].Round(time.Millisecond),
			r.ps[i].Round(time.Millisecond), r.nt[i].Round(time.Millisecond))
	}
	// Per-round ratios (net time / polysock time: above 1 means polysock is faster):
	// the two runs of a round share the machine's noise.
	ratios := func(x series) float64 {
		var rs []float64
		for i := range x.ps {
			rs = append(rs, x.nt[i].Seconds()/x.ps[i].Seconds())
		}
		sort.Float64s(rs)
		return rs[len(rs)/2]
	}
	mib := float64(*bulkBytes) / (1 << 20)
	bp, bn := median(b.ps), median(b.nt)
	rp, rn := median(r.ps), median(r.nt)
	fmt.Printf("\nmedians of %d rounds (GOMAXPROCS=%d)\n", *rounds, runtimeProcs())
	fmt.Printf("| benchmark | polysock | net | ratio of medians | median of per-round ratios |\n| --- | --- | --- | --- | --- |\n")
	fmt.Printf("| bulk, %d MiB in %d KiB writes | %.0f MiB/s | %.0f MiB/s | %.2fx | %.2fx |\n",
		*bulkBytes>>20, *chunk>>10, mib/bp.Seconds(), mib/bn.Seconds(), bn.Seconds()/bp.Seconds(), ratios(b))
	fmt.Printf("| %d-byte round trips (%d) | %.1f us | %.1f us | %.2fx | %.2fx |\n", *msgSize, *trips,
		float64(rp.Microseconds())/float64(*trips), float64(rn.Microseconds())/float64(*trips),
		rn.Seconds()/rp.Seconds(), ratios(r))
}
