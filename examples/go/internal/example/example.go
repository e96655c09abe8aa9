// Package example holds what every example program does the same way: the
// command line (--help: usage on stdout, exit 0; bad usage: usage on stderr, exit
// 2) and failures (Python's text of the error on stderr, exit 1).
package example

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"polysock.dev/polysock"
)

// Args returns the positional arguments, after handling --help and a wrong count.
func Args(min, max int, usage string) []string {
	args := os.Args[1:]
	name := filepath.Base(os.Args[0])
	if len(args) == 1 && args[0] == "--help" {
		fmt.Printf("usage: %s %s\n", name, usage)
		os.Exit(0)
	}
	if len(args) < min || len(args) > max {
		fmt.Fprintf(os.Stderr, "usage: %s %s\n", name, usage)
		os.Exit(2)
	}
	return args
}

// Number parses a non-negative decimal argument no larger than max, or exits 2.
func Number(text string, max int, what string) int {
	v, err := strconv.Atoi(text)
	if err != nil || v < 0 || v > max {
		fmt.Fprintf(os.Stderr, "invalid %s: %s\n", what, text)
		os.Exit(2)
	}
	return v
}

// Fail prints what failed and the error (a *polysock.Error prints as Python's
// text, e.g. "[Errno 111] Connection refused"), then exits 1.
func Fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}

// Listening prints the socket's real address as the first line: whoever started
// the server with port 0 reads the port from it. (os.Stdout is not buffered.)
func Listening(s *polysock.Socket) {
	local, err := s.Getsockname()
	if err != nil {
		Fail("getsockname", err)
	}
	fmt.Printf("listening on %s:%d\n", local.Host, local.Port)
}
