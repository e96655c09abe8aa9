package polysock

import (
	"context"
	"syscall"
)

func bg() context.Context { return context.Background() }

func closeFd(fd int) { syscall.Close(fd) }
