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
	}
	return ""
}
