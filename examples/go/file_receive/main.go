// Receives one file from file_send: the 8-byte big-endian length, that many bytes
// (written to OUTFILE and hashed as they come), then the sender's SHA-256. The
// reply says whether size and hash match, so the sender knows the file arrived.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"polysock.dev/examples/internal/example"
	"polysock.dev/polysock"
)

func main() {
	args := example.Args(3, 3, "HOST PORT OUTFILE")
	port := example.Number(args[1], 65535, "port")
	out, err := os.Create(args[2])
	if err != nil {
		example.Fail("create", err)
	}
	server, err := polysock.CreateServer(args[0], port, polysock.AF_INET, -1, false, false)
	if err != nil {
		example.Fail("create_server", err)
	}
	example.Listening(server)
	conn, _, err := server.Accept()
	if err != nil {
		example.Fail("accept", err)
	}
	server.Close()
	defer conn.Close()
	// A sender that stalls must not hold us forever.
	if err := conn.SetTimeout(30 * time.Second); err != nil {
		example.Fail("settimeout", err)
	}
	line := receive(conn, out)
	conn.SendAll([]byte(line))
	fmt.Print(line)
	if !strings.HasPrefix(line, "OK") {
		os.Exit(1)
	}
}

// receive reads the length, the data and the hash, and returns the reply line.
func receive(conn *polysock.Socket, out *os.File) string {
	var header [8]byte
	if _, err := io.ReadFull(conn, header[:]); err != nil {
		return fmt.Sprintf("FAIL no length: %v\n", err)
	}
	size := int64(binary.BigEndian.Uint64(header[:]))
	hash := sha256.New()
	// The socket is an io.Reader: io.CopyN stops after exactly size bytes.
	got, err := io.CopyN(io.MultiWriter(out, hash), conn, size)
	if err != nil {
		return fmt.Sprintf("FAIL size %d of %d: %v\n", got, size, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Sprintf("FAIL cannot write the file: %v\n", err)
	}
	var theirs [32]byte
	if _, err := io.ReadFull(conn, theirs[:]); err != nil {
		return fmt.Sprintf("FAIL no hash: %v\n", err)
	}
	ours := hash.Sum(nil)
	if !bytes.Equal(ours, theirs[:]) {
		return "FAIL sha256 mismatch\n"
	}
	return fmt.Sprintf("OK %d %s\n", size, hex.EncodeToString(ours))
}
