package polysock

const pollIn = 0x1 // POLLIN of <poll.h>

// pollFd is struct pollfd of <poll.h>.
type pollFd struct {
	fd              int32
	events, revents int16
}

// readableNow tells whether a read on fd would find something (data, the end of the
// stream, a pending error) without waiting: poll with a zero timeout, made as a raw
// system call (it never blocks, so the scheduler need not know), without a call into
// C. On any doubt it says yes, and the caller makes the native call.
func readableNow(fd uintptr) bool {
	p := pollFd{int32(fd), pollIn, 0}
	n, errno := pollZero(&p)
	return errno != 0 || n != 0
}
