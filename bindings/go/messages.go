package polysock

import (
	"runtime"

	"polysock.dev/polysock/internal/raw"
)

// AncData is one ancillary data item, Python's (cmsg_level, cmsg_type, cmsg_data):
// e.g. (SOL_SOCKET, SCM_RIGHTS, descriptors as native-endian int32s) or
// (IPPROTO_IP, IP_PKTINFO, a struct in_pktinfo).
type AncData struct {
	Level int
	Type  int
	Data  []byte
}

// maxFds is the kernel's limit of descriptors per message (SCM_MAX_FD): RecvFds never
// needs room for more, whatever maxfds says.
const maxFds = 253

// setIOV points the op's scatter/gather list at bufs, which it holds for the call.
// bufs live on the heap (they are stored in the op, a heap object), so their
// addresses stay valid while the op holds them.
func (o *op) setIOV(bufs [][]byte) {
	o.bufs = bufs
	o.iov = o.iov[:0]
	for _, b := range bufs {
		o.iov = append(o.iov, raw.IOVec{Data: bufAddr(b), Len: uint64(len(b))})
	}
}

// setCmsg points the op's ancillary items at anc, which it holds for the call.
func (o *op) setCmsg(anc []AncData) error {
	o.cm = o.cm[:0]
	for _, a := range anc {
		if a.Level != int(int32(a.Level)) || a.Type != int(int32(a.Type)) {
			return errValue("Python int too large to convert to C int")
		}
		o.cm = append(o.cm, raw.Cmsg{Level: int32(a.Level), Type: int32(a.Type),
			Data: bufAddr(a.Data), Len: uint64(len(a.Data))})
	}
	o.anc = anc
	return nil
}

// setAddress is the optional destination of sendmsg and send_fds: none if host is nil.
func (o *op) setAddress(host *string, port int) error {
	o.host, o.port, o.hostNull = "", port, 1
	if host != nil {
		if err := hostNoNUL(*host); err != nil {
			return err
		}
		o.host, o.hostNull = *host, 0
	}
	return nil
}

// addressOrNil is a received message's sender: nil when there is none (family 0).
func addressOrNil(a *raw.SockAddress) *Address {
	if a.Family == 0 {
		return nil
	}
	addr := addressOf(a)
	return &addr
}

// ancdataOf reads the items sock_recvmsg stored in ancbuf (ancLen bytes of it). Each
// item's Data is a slice of ancbuf, which belongs to this call alone: no copy.
func ancdataOf(ancbuf []byte, ancLen uint64) ([]AncData, error) {
	out := []AncData{}
	if ancLen == 0 || len(ancbuf) == 0 {
		return out, nil
	}
	if ancLen > uint64(len(ancbuf)) {
		ancLen = uint64(len(ancbuf))
	}
	base := bufAddr(ancbuf)
	items := make([]raw.Cmsg, 8)
	for {
		var e raw.ErrBuf
		n := raw.Cmsg_items(base, int64(ancLen), items, &e)
		runtime.KeepAlive(ancbuf)
		if n < 0 {
			return nil, fromBuf(&e)
		}
		if int(n) > len(items) {
			items = make([]raw.Cmsg, n)
			continue
		}
		for _, it := range items[:n] {
			off := uint64(it.Data - base)
			if it.Data < base || off > ancLen || it.Len > ancLen-off {
				return nil, &Error{Kind: OSError, Message: "ancillary item outside the control buffer"}
			}
			out = append(out, AncData{Level: int(it.Level), Type: int(it.Type),
				Data: ancbuf[off : off+it.Len : off+it.Len]})
		}
		return out, nil
	}
}

// checkAncbufsize is Python's check of recvmsg's ancbufsize (it also bounds what Go
// allocates: Go cannot recover from a failed allocation).
func checkAncbufsize(n int) error {
	if n < 0 || n >= maxRecv {
		return errValue("invalid ancillary data buffer length")
	}
	return nil
}

// Recvmsg is recvmsg(bufsize, ancbufsize, flags): up to bufsize bytes of one message
// in a new slice, its ancillary items (at most ancbufsize bytes of control data; 0:
// none), the message flags (MSG_TRUNC, MSG_CTRUNC, ...) and the sender's address
// (nil if there is none, as on a connected stream). Descriptors received with
// SCM_RIGHTS are close-on-exec and the caller's to close. It waits as Recv does.
func (s *Socket) Recvmsg(bufsize, ancbufsize int, flags ...int) ([]byte, []AncData, int, *Address, error) {
	if bufsize < 0 {
		return nil, nil, 0, nil, errValue("negative buffer size in recvmsg()")
	}
	if bufsize > maxRecv {
		return nil, nil, 0, nil, errMemory()
	}
	if err := checkAncbufsize(ancbufsize); err != nil {
		return nil, nil, 0, nil, err
	}
	b := make([]byte, bufsize)
	n, anc, msgFlags, addr, err := s.recvmsg([][]byte{b}, ancbufsize, flagsOf(flags))
	if err != nil {
		return nil, nil, 0, nil, err
	}
	if n > len(b) { // MSG_TRUNC in flags: the datagram's full length
		n = len(b)
	}
	return b[:n], anc, msgFlags, addr, nil
}

// RecvmsgInto is recvmsg_into(buffers, ancbufsize, flags): receives one message into
// the buffers in turn (scatter, without a copy) and returns the number of bytes, the
// ancillary items, the message flags and the sender (nil if none), as Recvmsg.
func (s *Socket) RecvmsgInto(buffers [][]byte, ancbufsize int, flags ...int) (int, []AncData, int, *Address, error) {
	if err := checkAncbufsize(ancbufsize); err != nil {
		return 0, nil, 0, nil, err
	}
	return s.recvmsg(buffers, ancbufsize, flagsOf(flags))
}

func (s *Socket) recvmsg(bufs [][]byte, ancbufsize, flags int) (int, []AncData, int, *Address, error) {
	var ancbuf []byte
	if ancbufsize > 0 {
		ancbuf = make([]byte, ancbufsize)
	}
	s.rmu.Lock()
	defer s.rmu.Unlock()
	o := s.r
	o.call, o.flags, o.ancbuf = callRecvmsg, flags, ancbuf
	o.setIOV(bufs)
	n, err := s.run(o, false, true)
	if err != nil {
		return 0, nil, 0, nil, err
	}
	anc, err := ancdataOf(ancbuf, o.msg.AncLen)
	if err != nil {
		return 0, nil, 0, nil, err
	}
	return n, anc, int(o.msg.MsgFlags), addressOrNil(&o.msg.Addr), nil
}

// Sendmsg is sendmsg(buffers, ancdata, flags) on a connected socket: the buffers as
// one message (gather, without a copy) with the ancillary items, e.g.
// AncData{SOL_SOCKET, SCM_RIGHTS, descriptors}; it returns the number of bytes sent
// and waits as Send does.
func (s *Socket) Sendmsg(buffers [][]byte, ancdata []AncData, flags ...int) (int, error) {
	return s.sendmsg(buffers, ancdata, nil, 0, flagsOf(flags))
}

// SendmsgTo is sendmsg(buffers, ancdata, flags, (host, port)): Sendmsg to an address
// (a datagram socket; for AF_UNIX host is the path and port 0).
func (s *Socket) SendmsgTo(buffers [][]byte, ancdata []AncData, host string, port int, flags ...int) (int, error) {
	return s.sendmsg(buffers, ancdata, &host, port, flagsOf(flags))
}

func (s *Socket) sendmsg(bufs [][]byte, anc []AncData, host *string, port, flags int) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	o := s.w
	if err := o.setAddress(host, port); err != nil {
		return 0, err
	}
	if err := o.setCmsg(anc); err != nil {
		o.release()
		return 0, err
	}
	o.call, o.flags = callSendmsg, flags
	o.setIOV(bufs)
	return s.run(o, true, true)
}

// fdsOf is fds as the C ints the shims take.
func fdsOf(fds []int) ([]int32, error) {
	out := make([]int32, len(fds))
	for i, fd := range fds {
		if fd != int(int32(fd)) {
			return nil, errValue("Python int too large to convert to C int")
		}
		out[i] = int32(fd)
	}
	return out, nil
}

// SendFds is socket.send_fds(sock, buffers, fds, flags): sends the buffers with the
// descriptors fds (1 to 253) in one SCM_RIGHTS item over an AF_UNIX socket; the
// descriptors stay the caller's. It returns the number of bytes sent.
func SendFds(sock *Socket, buffers [][]byte, fds []int, flags ...int) (int, error) {
	return sock.sendFds(buffers, fds, nil, 0, flagsOf(flags))
}

// SendFdsTo is socket.send_fds(sock, buffers, fds, flags, address): SendFds to the
// AF_UNIX datagram address path.
func SendFdsTo(sock *Socket, buffers [][]byte, fds []int, path string, flags ...int) (int, error) {
	return sock.sendFds(buffers, fds, &path, 0, flagsOf(flags))
}

func (s *Socket) sendFds(bufs [][]byte, fds []int, host *string, port, flags int) (int, error) {
	cfds, err := fdsOf(fds)
	if err != nil {
		return 0, err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	o := s.w
	if err := o.setAddress(host, port); err != nil {
		return 0, err
	}
	o.call, o.flags, o.fds = callSendFds, flags, cfds
	o.setIOV(bufs)
	return s.run(o, true, true)
}

// RecvFds is socket.recv_fds(sock, bufsize, maxfds, flags): up to bufsize bytes and up
// to maxfds descriptors (close-on-exec, the caller's to close), the message flags
// (MSG_CTRUNC if more descriptors came than fitted: those are never opened) and the
// sender (nil if none).
func RecvFds(sock *Socket, bufsize, maxfds int, flags ...int) ([]byte, []int, int, *Address, error) {
	if bufsize < 0 {
		return nil, nil, 0, nil, errValue("negative buffer size in recvmsg()")
	}
	if bufsize > maxRecv {
		return nil, nil, 0, nil, errMemory()
	}
	// Python's recv_fds asks for CMSG_LEN(maxfds * 4) bytes of control data: the
	// native CMSG_LEN's range check, before Go allocates anything.
	if maxfds < 0 || maxfds > 1<<40 {
		return nil, nil, 0, nil, errValue("CMSG_LEN() argument out of range")
	}
	if _, err := CmsgLen(maxfds * 4); err != nil {
		return nil, nil, 0, nil, err
	}
	if maxfds > maxFds {
		maxfds = maxFds
	}
	b := make([]byte, bufsize)
	cfds := make([]int32, maxfds)
	s := sock
	s.rmu.Lock()
	defer s.rmu.Unlock()
	o := s.r
	o.call, o.buf, o.fds, o.flags = callRecvFds, b, cfds, flagsOf(flags)
	nfds, err := s.run(o, false, true)
	if err != nil {
		return nil, nil, 0, nil, err
	}
	fds := make([]int, nfds)
	for i := range fds {
		fds[i] = int(cfds[i])
	}
	n := len(b)
	if o.msg.NBytes < uint64(n) {
		n = int(o.msg.NBytes)
	}
	return b[:n], fds, int(o.msg.MsgFlags), addressOrNil(&o.msg.Addr), nil
}

// CmsgLen is socket.CMSG_LEN(length): an ancillary item's length for length bytes
// of data, without the trailing padding.
func CmsgLen(length int) (int, error) { return cmsgSize(length, 0) }

// CmsgSpace is socket.CMSG_SPACE(length): the control buffer space an item of length
// bytes takes, padding included (sum them for Recvmsg's ancbufsize).
func CmsgSpace(length int) (int, error) { return cmsgSize(length, 1) }

func cmsgSize(length, space int) (int, error) {
	var e raw.ErrBuf
	n := raw.Cmsg_size(int64(length), space, &e)
	if n < 0 {
		return 0, fromBuf(&e)
	}
	return int(n), nil
}
