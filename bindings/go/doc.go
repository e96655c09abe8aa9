// Package polysock is Python's socket module for Go, over the polysock C library:
// the same functions and socket methods under Go casing (NewSocket, Recv, RecvInto,
// SendAll, SetTimeout, Getaddrinfo, InetPton, CreateConnection, Socketpair, ...), the
// same semantics, and Python's error messages in *Error values.
//
// Waiting is Go's: every socket is non-blocking underneath and its descriptor is on
// the runtime's network poller, so a call that would block parks its goroutine, never
// an OS thread. Python's timeouts become deadlines; Go's deadlines work as in net.
// A *Socket is an io.Reader, io.Writer and io.Closer; NetConn and NetListener adapt
// it to net.Conn and net.Listener, and Listen, Dial and DialContext make them, for
// net/http and the rest of the standard library.
//
// Beyond send and recv: Sendmsg, Recvmsg and RecvmsgInto with ancillary data,
// SendFds and RecvFds, bytes AF_UNIX paths (BindUnix, GetsocknameUnix, ...),
// NewSocketFileno and Close(fd), CreateConnectionEx with Happy Eyeballs and
// all_errors, Poller.Fileno, and the flag interrupt hook (SetInterruptFlagHook).
//
// The native library is found with pkg-config (cgo's "#cgo pkg-config: polysock").
// See docs/go.md in the polysock source tree.
package polysock
