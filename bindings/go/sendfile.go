package polysock

import (
	"io"
	"os"
	"syscall"
)

// Sendfile is sendfile(file, offset, count): sends count bytes of file from offset
// (count 0: up to the end of the file, Python's None) and leaves the file's position after the last
// byte sent, returning how many went. The C ABI's sendfile needs a blocking socket,
// and the Go binding's are non-blocking underneath, so this is Python's own fallback
// (socket._sendfile_use_send): read a chunk, SendAll it, waiting on the poller.
// Python's timeout applies to each chunk.
func (s *Socket) Sendfile(file *os.File, offset, count int64) (int64, error) {
	if offset < 0 { // os.sendfile's EINVAL, as Python reports it
		return 0, &Error{Kind: OSError, Errno: int(syscall.EINVAL), Message: "[Errno 22] Invalid argument"}
	}
	if count < 0 {
		return 0, errValue("count must be a positive integer (got " + itoa(int(count)) + ")")
	}
	buf := make([]byte, 64<<10)
	var sent int64
	var err error
	for count == 0 || sent < count {
		want := int64(len(buf))
		if count > 0 && count-sent < want {
			want = count - sent
		}
		n, rerr := file.ReadAt(buf[:want], offset+sent)
		if n > 0 {
			m, serr := s.sendAll(buf[:n], 0)
			sent += int64(m)
			if serr != nil {
				err = serr
				break
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			err = rerr
			break
		}
	}
	if _, serr := file.Seek(offset+sent, io.SeekStart); serr != nil && err == nil {
		err = serr
	}
	return sent, err
}
