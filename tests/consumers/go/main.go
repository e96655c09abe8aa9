// echo_check: a Go program outside the polysock module, built against an installed
// polysock (cgo finds it with pkg-config). It starts the C example echo server given
// as its argument, dials it with polysock, and checks that the bytes come back.
// Exit 0 = the bytes went over loopback intact.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"polysock.dev/polysock"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "echo_check:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 2 {
		return fmt.Errorf("usage: echo_check ECHO_SERVER")
	}
	server := exec.Command(os.Args[1], "0")
	out, err := server.StdoutPipe()
	if err != nil {
		return err
	}
	if err := server.Start(); err != nil {
		return err
	}
	defer func() {
		server.Process.Kill()
		server.Wait()
	}()
	// "echo server on 127.0.0.1:PORT", within 10 s.
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(l)
	}()
	var address string
	select {
	case l := <-line:
		if !strings.HasPrefix(l, "echo server on ") {
			return fmt.Errorf("unexpected first line from the server: %q", l)
		}
		address = strings.TrimPrefix(l, "echo server on ")
	case <-time.After(10 * time.Second):
		return fmt.Errorf("the echo server did not say its address within 10 s")
	}

	conn, err := polysock.Dial("tcp", address)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	message := bytes.Repeat([]byte("polysock from Go "), 1000)
	if _, err := conn.Write(message); err != nil {
		return err
	}
	echoed := make([]byte, len(message))
	if _, err := io.ReadFull(conn, echoed); err != nil {
		return err
	}
	if !bytes.Equal(echoed, message) {
		return fmt.Errorf("the echo differs from what was sent")
	}
	fmt.Printf("echo_check: %d bytes echoed by %s over polysock %s\n", len(message), address, polysock.Version())
	return nil
}
