package polysock

import (
	"syscall"
	"testing"
	"unsafe"

	"polysock.dev/polysock/internal/raw"
)

// BenchmarkWouldBlock is the cost of finding nothing to read, inside RawConn.Read as
// a blocking read does before it parks (on demand, docs/benchmarks.md):
//
//	go test -run '^$' -bench WouldBlock -count 5 .
//
// native: polysock's call into C that says EAGAIN; poll: the probe a read makes
// after one that waited (readableNow); net: a raw recvfrom, as package net's read.
func BenchmarkWouldBlock(b *testing.B) {
	cases := map[string]func(o *op, fd uintptr){
		"native": func(o *op, _ uintptr) { o.once() },
		"poll":   func(_ *op, fd uintptr) { readableNow(fd) },
		"net": func(o *op, fd uintptr) {
			syscall.Syscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&o.buf[0])), uintptr(len(o.buf)), 0, 0, 0)
		},
	}
	for _, name := range []string{"native", "poll", "net"} {
		step := cases[name]
		b.Run(name, func(b *testing.B) {
			c, _ := tcpPair(b)
			o := c.r
			o.call, o.buf, o.flags, o.park = callRecv, make([]byte, 64), 0, raw.PGO_PARK_POLLER
			f := func(fd uintptr) bool { step(o, fd); return true }
			for i := 0; i < b.N; i++ {
				if err := c.rc.Read(f); err != nil {
					b.Fatal(err)
				}
			}
			if o.n != int64(OSError) && name == "native" {
				b.Fatalf("the native call found something: %d", o.n)
			}
		})
	}
}
