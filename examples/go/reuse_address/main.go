// Why servers set SO_REUSEADDR. The side that closes a TCP connection first keeps
// it in TIME_WAIT for a minute or so, and while it does, the kernel refuses a new
// listening socket on that port ("Address already in use"): a server restarted
// right after it hung up on its clients could not come back. SO_REUSEADDR lets it
// bind over connections in TIME_WAIT. This program shows both, on one port.
//
// Linux lets a new socket share the port only if the connection in TIME_WAIT had
// SO_REUSEADDR too (it inherits the flag from its listener), so the first server
// sets it, as every server should; the restart is what goes with and without.
package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"polysock.dev/examples/internal/example"
	"polysock.dev/polysock"
)

// listenOn makes a listening socket, with SO_REUSEADDR only if asked.
func listenOn(host string, port int, reuse bool) (*polysock.Socket, error) {
	s, err := polysock.NewSocket(polysock.AF_INET, polysock.SOCK_STREAM, 0)
	if err != nil {
		return nil, err
	}
	if reuse {
		err = s.Setsockopt(polysock.SOL_SOCKET, polysock.SO_REUSEADDR, 1)
	}
	if err == nil {
		err = s.Bind(host, port)
	}
	if err == nil {
		err = s.Listen(5)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func main() {
	args := example.Args(2, 2, "HOST PORT  (PORT 0: a free port)")
	server, err := listenOn(args[0], example.Number(args[1], 65535, "port"), true)
	if err != nil {
		example.Fail("listen", err)
	}
	local, _ := server.Getsockname()
	fmt.Printf("listening on %s:%d\n", local.Host, local.Port)

	// One connection to ourselves, closed by the server side first: that side's
	// connection now waits in TIME_WAIT on our port.
	client, err := polysock.CreateConnection(local.Host, local.Port, 5*time.Second, "", 0)
	if err != nil {
		example.Fail("connect", err)
	}
	conn, peer, err := server.Accept()
	if err != nil {
		example.Fail("accept", err)
	}
	conn.Close()
	client.Recv(1) // the server's FIN: EOF
	client.Close()
	server.Close()
	fmt.Printf("closed the server side of %s:%d first: it is in TIME_WAIT\n", peer.Host, peer.Port)

	again, err := listenOn(local.Host, local.Port, false)
	if err == nil {
		again.Close()
		fmt.Fprintln(os.Stderr, "unexpected: listening again without SO_REUSEADDR worked")
		os.Exit(1)
	}
	fmt.Println("without SO_REUSEADDR:", err)
	if !errors.Is(err, syscall.EADDRINUSE) {
		os.Exit(1)
	}
	again, err = listenOn(local.Host, local.Port, true)
	if err != nil {
		example.Fail("with SO_REUSEADDR", err)
	}
	defer again.Close()
	fmt.Printf("with SO_REUSEADDR: listening again on %s:%d\n", local.Host, local.Port)
}
