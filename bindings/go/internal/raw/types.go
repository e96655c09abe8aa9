package raw

// The C structs the shims fill, as Go types of the same layout (checked by
// LayoutMismatch). They hold no Go pointers, so cgo lets C write into them.

// ErrBuf is pgo_err: a failure's status, errno and Python's message, and for
// SOCK_ERR_SSL the detail of tls_last_error().
type ErrBuf struct {
	Status int32
	Errno  int32
	Msg    [248]byte
	TLS    TLSErrorInfo
}

// TLSErrorInfo is tls_error_info.
type TLSErrorInfo struct {
	Kind          int32
	Library       [32]byte
	Reason        [64]byte
	VerifyCode    int32
	VerifyMessage [256]byte
}

// CipherInfo is tls_cipher_info.
type CipherInfo struct {
	Name       [64]byte
	Protocol   [16]byte
	SecretBits int32
}

// CertInfo is tls_cert_info.
type CertInfo struct {
	Validated    int32
	Version      int32
	SerialNumber [80]byte
	NotBefore    [32]byte
	NotAfter     [32]byte
}

// CertEntry is tls_cert_entry.
type CertEntry struct {
	RDN   int32
	Name  [64]byte
	Value [1024]byte
}

// SockAddress is sock_address.
type SockAddress struct {
	Family   int32
	Host     [256]byte
	Port     int32
	Flowinfo uint32
	ScopeID  uint32
}

// NewSock is pgo_newsock: a socket the Go layer takes over.
type NewSock struct {
	H       uint64
	Fd      int32
	_       int32
	Timeout float64
	Addr    SockAddress
}

// AddrInfo is net_addrinfo.
type AddrInfo struct {
	Family    int32
	Type      int32
	Proto     int32
	Canonname [256]byte
	Addr      SockAddress
}

// IfEntry is net_if_entry.
type IfEntry struct {
	Index uint32
	Name  [64]byte
}

// Event is sock_event.
type Event struct {
	Handle   uint64
	Events   uint32
	_        uint32
	UserData uint64
}

// IOVec is sock_iovec: one buffer of a scatter/gather list, at the address of a Go
// heap buffer that the caller keeps alive for the call.
type IOVec struct {
	Data uintptr
	Len  uint64
}

// Cmsg is sock_cmsg: one ancillary item (Data is the address of its bytes: a Go heap
// buffer to send, or a place inside the control buffer received).
type Cmsg struct {
	Level int32
	Type  int32
	Data  uintptr
	Len   uint64
}

// MsgInfo is sock_msg_info: what recvmsg received besides the data.
type MsgInfo struct {
	NBytes   uint64
	AncLen   uint64
	MsgFlags int32
	Addr     SockAddress
}

// CString is the text of a NUL-terminated buffer.
func CString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
