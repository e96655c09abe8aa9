package polysock

import (
	"context"
	"os"
	"syscall"
)

func bg() context.Context { return context.Background() }

func closeFd(fd int) { syscall.Close(fd) }

func writeFile(path string, data []byte) error { return os.WriteFile(path, data, 0o644) }

func openFile(path string) (*os.File, error) { return os.Open(path) }
