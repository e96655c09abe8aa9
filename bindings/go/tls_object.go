package polysock

// TLS objects: Python's ssl.SSLObject with its two MemoryBIOs, for a program that does
// its own I/O. Nothing here waits: an operation that needs the peer's bytes fails with
// ErrSSLWantRead (Feed them, then call again), and what the engine wants sent waits in
// the outgoing buffer (Drain).

import (
	"runtime"
	"sync"

	"polysock.dev/polysock/internal/raw"
)

// TLSObject is ssl.SSLObject. Its methods are safe for concurrent use (the native
// object serialises them).
type TLSObject struct {
	h    uint64
	once sync.Once
}

// WrapBIO is context.wrap_bio(incoming, outgoing, server_side, server_hostname).
func (c *TLSContext) WrapBIO(serverSide bool, serverHostname string) (*TLSObject, error) {
	if err := hostNoNUL(serverHostname); err != nil {
		return nil, err
	}
	host, hostNull := optional(serverHostname)
	var h uint64
	var e raw.ErrBuf
	rc := raw.Tls_wrap_bio(c.h, b2i(serverSide), host, hostNull, &h, &e)
	runtime.KeepAlive(c)
	if rc != 0 {
		return nil, errOf(rc, &e)
	}
	o := &TLSObject{h: h}
	runtime.SetFinalizer(o, (*TLSObject).Close)
	return o, nil
}

// Close releases the object; closing it again does nothing.
func (o *TLSObject) Close() error {
	o.once.Do(func() {
		runtime.SetFinalizer(o, nil)
		var e raw.ErrBuf
		raw.Tls_object_close(o.h, &e)
	})
	return nil
}

func (o *TLSObject) check(rc int, e *raw.ErrBuf) error {
	runtime.KeepAlive(o)
	if rc != 0 {
		return errOf(rc, e)
	}
	return nil
}

// onHeap returns b, and makes the compiler keep every buffer given to it on the heap
// (escape analysis sees it stored in a global): the shims take caller buffers as an
// address (polysock_go.h), which must not be on a goroutine stack.
func onHeap(b []byte) []byte {
	if heapSinkOn {
		heapSink = b
	}
	return b
}

var (
	heapSinkOn bool
	heapSink   []byte
)

// Feed is incoming.write(data): bytes received from the peer.
func (o *TLSObject) Feed(data []byte) error {
	d := onHeap(data)
	var e raw.ErrBuf
	rc := raw.Tls_object_feed(o.h, bufAddr(d), int64(len(d)), 0, &e)
	runtime.KeepAlive(d)
	return o.check(rc, &e)
}

// FeedEOF is incoming.write_eof(): the peer's stream ended.
func (o *TLSObject) FeedEOF() error {
	var e raw.ErrBuf
	return o.check(raw.Tls_object_feed(o.h, 0, 0, 1, &e), &e)
}

// io is drain (0), read (1) or write (2) on b, a heap buffer.
func (o *TLSObject) io(op int, b []byte) (int, error) {
	var e raw.ErrBuf
	n := raw.Tls_object_io(o.h, op, bufAddr(b), int64(len(b)), &e)
	runtime.KeepAlive(b)
	if err := o.check(int(min64(n, 0)), &e); err != nil {
		return 0, err
	}
	return int(n), nil
}

func min64(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}

// DrainInto is outgoing.read() into b: the bytes to send to the peer (0 if none).
func (o *TLSObject) DrainInto(b []byte) (int, error) {
	return o.io(0, onHeap(b))
}

// Drain is outgoing.read(): every byte waiting to be sent to the peer.
func (o *TLSObject) Drain() ([]byte, error) {
	n, err := o.OutgoingPending()
	if err != nil || n == 0 {
		return nil, err
	}
	b := make([]byte, n)
	m, err := o.io(0, b)
	if err != nil {
		return nil, err
	}
	return b[:m], nil
}

// OutgoingPending is outgoing.pending: the bytes waiting for Drain.
func (o *TLSObject) OutgoingPending() (int, error) { return o.pending(0) }

// Pending is pending(): decrypted bytes readable without feeding more.
func (o *TLSObject) Pending() (int, error) { return o.pending(1) }

func (o *TLSObject) pending(what int) (int, error) {
	var e raw.ErrBuf
	n := raw.Tls_object_pending(o.h, what, &e)
	if err := o.check(int(min64(n, 0)), &e); err != nil {
		return 0, err
	}
	return int(n), nil
}

// DoHandshake is do_handshake(): ErrSSLWantRead until the peer's messages have been fed.
func (o *TLSObject) DoHandshake() error {
	var e raw.ErrBuf
	return o.check(raw.Tls_object_step(o.h, 0, &e), &e)
}

// Unwrap is unwrap(): queues close_notify; ErrSSLWantRead until the peer's has been fed.
func (o *TLSObject) Unwrap() error {
	var e raw.ErrBuf
	return o.check(raw.Tls_object_step(o.h, 1, &e), &e)
}

// Read is read(len(b)) into b: decrypted bytes; 0 after the peer's close_notify.
func (o *TLSObject) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	return o.io(1, onHeap(b))
}

// Write is write(data): encrypts all of data into the outgoing buffer.
func (o *TLSObject) Write(data []byte) (int, error) { return o.io(2, onHeap(data)) }

func (o *TLSObject) control(f func()) bool {
	f()
	runtime.KeepAlive(o)
	return true
}

func (o *TLSObject) closedErr() error { return nil }

// Version is version(), as Socket.TLSVersion.
func (o *TLSObject) Version() (string, bool, error) {
	return tlsText(o.h, true, false, o.control, o.closedErr)
}

// SelectedALPNProtocol is selected_alpn_protocol(), as the Socket's.
func (o *TLSObject) SelectedALPNProtocol() (string, bool, error) {
	return tlsText(o.h, true, true, o.control, o.closedErr)
}

// Cipher is cipher(), as the Socket's.
func (o *TLSObject) Cipher() (Cipher, bool, error) {
	return cipherOf(o.h, true, o.control, o.closedErr)
}

// PeerCert is getpeercert(), as the Socket's.
func (o *TLSObject) PeerCert() (*PeerCertificate, error) {
	return peerCert(o.h, true, o.control, o.closedErr)
}
