// Sends a file: an 8-byte big-endian length, the bytes, then their SHA-256, so the
// receiver knows where the file ends and can check that it arrived intact.
// Sendfile is Python's socket.sendfile. (A Go binding socket is non-blocking
// underneath, on Go's poller, so it takes Python's own fallback: the file read and
// sent in 64 KiB chunks, without holding an OS thread in the kernel's sendfile.)
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"polysock.dev/examples/internal/example"
	"polysock.dev/polysock"
)

func main() {
	args := example.Args(3, 3, "HOST PORT FILE")
	port := example.Number(args[1], 65535, "port")
	file, err := os.Open(args[2])
	if err != nil {
		example.Fail("open", err)
	}
	defer file.Close()
	hash := sha256.New()
	size, err := io.Copy(hash, file)
	if err != nil {
		example.Fail("read", err)
	}

	// The timeout bounds every wait, and keeps the whole transfer under one deadline each.
	s, err := polysock.CreateConnection(args[0], port, 30*time.Second, "", 0)
	if err != nil {
		example.Fail("create_connection", err)
	}
	defer s.Close()
	var header [8]byte
	binary.BigEndian.PutUint64(header[:], uint64(size))
	if err := s.SendAll(header[:]); err != nil {
		example.Fail("sendall", err)
	}
	sent, err := s.Sendfile(file, 0, 0)
	if err != nil {
		example.Fail("sendfile", err)
	}
	if sent != size {
		example.Fail("sendfile", fmt.Errorf("sent %d of %d bytes", sent, size))
	}
	if err := s.SendAll(hash.Sum(nil)); err != nil {
		example.Fail("sendall", err)
	}
	// Half-close: the receiver sees EOF after the hash, and we can still read its reply.
	if err := s.Shutdown(polysock.SHUT_WR); err != nil {
		example.Fail("shutdown", err)
	}
	reply, err := bufio.NewReader(s).ReadString('\n')
	if err != nil && err != io.EOF {
		example.Fail("recv", err)
	}
	reply = strings.TrimRight(reply, "\n")
	fmt.Println(reply)
	if !strings.HasPrefix(reply, "OK") {
		os.Exit(1)
	}
}
