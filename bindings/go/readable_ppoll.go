//go:build linux && !amd64

package polysock

import (
	"syscall"
	"unsafe"
)

// pollZero is poll(p, 1, 0) as ppoll with a zero timeout, where there is no poll.
func pollZero(p *pollFd) (uintptr, syscall.Errno) {
	var zero syscall.Timespec
	n, _, errno := syscall.RawSyscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(p)), 1,
		uintptr(unsafe.Pointer(&zero)), 0, 0, 0)
	return n, errno
}
