// Package raw is the Go binding's raw layer: raw.go and raw_wrap.c are SWIG's output
// for polysock.i (swig -go -cgo -intgosize 64), committed so that `go build` needs no
// SWIG; this file and types.go are hand-written. Nothing here is public API.
package raw

/*
#cgo pkg-config: polysock
#include <stddef.h>
#include "polysock_go.h"
enum { pgo_off_newsock_addr = offsetof(pgo_newsock, addr) };
enum { pgo_off_addrinfo_addr = offsetof(net_addrinfo, addr) };
enum { pgo_off_event_user_data = offsetof(sock_event, user_data) };
enum { pgo_off_cmsg_data = offsetof(sock_cmsg, data) };
enum { pgo_off_msg_info_flags = offsetof(sock_msg_info, msg_flags) };
enum { pgo_off_msg_info_address = offsetof(sock_msg_info, address) };
enum { pgo_off_err_tls = offsetof(pgo_err, tls) };
enum { pgo_off_tls_error_verify_code = offsetof(tls_error_info, verify_code) };
enum { pgo_off_cipher_secret_bits = offsetof(tls_cipher_info, secret_bits) };
*/
import "C"

import "unsafe"

// LayoutMismatch names the first Go type whose size differs from its C struct, or is
// empty: the shims write into these types through pointers.
func LayoutMismatch() string {
	switch {
	case unsafe.Sizeof(ErrBuf{}) != uintptr(C.sizeof_pgo_err):
		return "ErrBuf"
	case unsafe.Sizeof(NewSock{}) != uintptr(C.sizeof_pgo_newsock):
		return "NewSock"
	case unsafe.Sizeof(SockAddress{}) != uintptr(C.sizeof_sock_address):
		return "SockAddress"
	case unsafe.Sizeof(AddrInfo{}) != uintptr(C.sizeof_net_addrinfo):
		return "AddrInfo"
	case unsafe.Sizeof(IfEntry{}) != uintptr(C.sizeof_net_if_entry):
		return "IfEntry"
	case unsafe.Sizeof(Event{}) != uintptr(C.sizeof_sock_event):
		return "Event"
	case unsafe.Sizeof(IOVec{}) != uintptr(C.sizeof_sock_iovec):
		return "IOVec"
	case unsafe.Sizeof(Cmsg{}) != uintptr(C.sizeof_sock_cmsg):
		return "Cmsg"
	case unsafe.Sizeof(MsgInfo{}) != uintptr(C.sizeof_sock_msg_info):
		return "MsgInfo"
	case unsafe.Offsetof(Cmsg{}.Data) != uintptr(C.pgo_off_cmsg_data):
		return "Cmsg.Data"
	case unsafe.Offsetof(MsgInfo{}.MsgFlags) != uintptr(C.pgo_off_msg_info_flags):
		return "MsgInfo.MsgFlags"
	case unsafe.Offsetof(MsgInfo{}.Addr) != uintptr(C.pgo_off_msg_info_address):
		return "MsgInfo.Addr"
	case unsafe.Offsetof(NewSock{}.Addr) != uintptr(C.pgo_off_newsock_addr):
		return "NewSock.Addr"
	case unsafe.Offsetof(AddrInfo{}.Addr) != uintptr(C.pgo_off_addrinfo_addr):
		return "AddrInfo.Addr"
	case unsafe.Offsetof(Event{}.UserData) != uintptr(C.pgo_off_event_user_data):
		return "Event.UserData"
	case unsafe.Offsetof(ErrBuf{}.TLS) != uintptr(C.pgo_off_err_tls):
		return "ErrBuf.TLS"
	case unsafe.Sizeof(TLSErrorInfo{}) != uintptr(C.sizeof_tls_error_info):
		return "TLSErrorInfo"
	case unsafe.Offsetof(TLSErrorInfo{}.VerifyCode) != uintptr(C.pgo_off_tls_error_verify_code):
		return "TLSErrorInfo.VerifyCode"
	case unsafe.Sizeof(CipherInfo{}) != uintptr(C.sizeof_tls_cipher_info):
		return "CipherInfo"
	case unsafe.Offsetof(CipherInfo{}.SecretBits) != uintptr(C.pgo_off_cipher_secret_bits):
		return "CipherInfo.SecretBits"
	case unsafe.Sizeof(CertInfo{}) != uintptr(C.sizeof_tls_cert_info):
		return "CertInfo"
	case unsafe.Sizeof(CertEntry{}) != uintptr(C.sizeof_tls_cert_entry):
		return "CertEntry"
	}
	return ""
}

// The C ABI's TLS constants (the header's #defines: fixed by the ABI, not by the host).
const (
	TLSPurposeServerAuth = C.TLS_PURPOSE_SERVER_AUTH
	TLSPurposeClientAuth = C.TLS_PURPOSE_CLIENT_AUTH
	TLSProtocolClient    = C.TLS_PROTOCOL_TLS_CLIENT
	TLSProtocolServer    = C.TLS_PROTOCOL_TLS_SERVER

	TLSCertNone     = C.TLS_CERT_NONE
	TLSCertOptional = C.TLS_CERT_OPTIONAL
	TLSCertRequired = C.TLS_CERT_REQUIRED

	TLSVersionMinimumSupported = C.TLS_VERSION_MINIMUM_SUPPORTED
	TLSVersionMaximumSupported = C.TLS_VERSION_MAXIMUM_SUPPORTED
	TLSVersionSSLv3            = C.TLS_VERSION_SSLv3
	TLSVersionTLSv1            = C.TLS_VERSION_TLSv1
	TLSVersionTLSv1_1          = C.TLS_VERSION_TLSv1_1
	TLSVersionTLSv1_2          = C.TLS_VERSION_TLSv1_2
	TLSVersionTLSv1_3          = C.TLS_VERSION_TLSv1_3

	TLSErrorSSL        = C.TLS_ERROR_SSL
	TLSErrorWantRead   = C.TLS_ERROR_WANT_READ
	TLSErrorWantWrite  = C.TLS_ERROR_WANT_WRITE
	TLSErrorSyscall    = C.TLS_ERROR_SYSCALL
	TLSErrorZeroReturn = C.TLS_ERROR_ZERO_RETURN
	TLSErrorEOF        = C.TLS_ERROR_EOF

	TLSWrapNoHandshake    = C.TLS_WRAP_NO_HANDSHAKE
	TLSWrapRaggedEOFError = C.TLS_WRAP_RAGGED_EOF_ERROR

	TLSCertSubject = C.TLS_CERT_SUBJECT
	TLSCertIssuer  = C.TLS_CERT_ISSUER
	TLSCertSAN     = C.TLS_CERT_SAN

	StatusSSL           = C.SOCK_ERR_SSL
	StatusNotConfigured = C.SOCK_ERR_NOT_CONFIGURED
	StatusRange         = C.SOCK_ERR_RANGE

	TLSAttrVerifyMode     = C.PGO_TLS_VERIFY_MODE
	TLSAttrCheckHostname  = C.PGO_TLS_CHECK_HOSTNAME
	TLSAttrMinimumVersion = C.PGO_TLS_MINIMUM_VERSION
	TLSAttrMaximumVersion = C.PGO_TLS_MAXIMUM_VERSION
)
