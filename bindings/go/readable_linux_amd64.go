package polysock

import (
	"syscall"
	"unsafe"
)

// pollZero is poll(p, 1, 0): on amd64 poll itself, 50 ns a call cheaper than ppoll.
func pollZero(p *pollFd) (uintptr, syscall.Errno) {
	n, _, errno := syscall.RawSyscall(syscall.SYS_POLL, uintptr(unsafe.Pointer(p)), 1, 0)
	return n, errno
}
