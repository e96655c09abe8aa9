// echo_check: a Go program outside the polysock module, built against an installed
// polysock (cgo finds it with pkg-config). It starts the C example echo server given
// as its first argument, dials it with polysock, and checks that the bytes come back;
// with a second argument, the C example echo client, it also serves that client from
// a polysock server of its own. Exit 0 = the bytes went over loopback intact.
//
//	echo_check ECHO_SERVER [ECHO_CLIENT]
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
	if len(os.Args) != 2 && len(os.Args) != 3 {
		return fmt.Errorf("usage: echo_check ECHO_SERVER [ECHO_CLIENT]")
	}
	if len(os.Args) == 3 {
		if err := serveCClient(os.Args[2]); err != nil {
			return err
		}
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

// serveCClient runs the C echo client against a polysock echo server in this program.
func serveCClient(client string) error {
	l, err := polysock.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.Copy(c, c)
	}()
	host, port, _ := strings.Cut(l.Addr().String(), ":")
	message := "polysock from C to a Go server"
	cmd := exec.Command(client, host, port, message)
	done := make(chan error, 1)
	var out []byte
	go func() {
		var err error
		out, err = cmd.Output()
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("the C echo client: %v", err)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		return fmt.Errorf("the C echo client did not finish within 20 s")
	}
	if strings.TrimSpace(string(out)) != message {
		return fmt.Errorf("the C echo client got %q back", out)
	}
	fmt.Printf("echo_check: the C echo client got its %d bytes back from a Go server\n", len(message))
	return nil
}
