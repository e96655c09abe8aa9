// A line echo server that serves many clients at once. The classic "one server,
// several clients" program blocks in accept and recv, so it is stuck with its
// first client while everyone else waits. In Go the natural fix is a goroutine per
// client: a blocking polysock call parks only its goroutine (on Go's network
// poller, as package net does), never an OS thread, so thousands are cheap.
//
// Each line a client sends is answered with "echo: <line>\n".
package main

import (
	"bufio"
	"fmt"

	"polysock.dev/examples/internal/example"
	"polysock.dev/polysock"
)

func serve(conn *polysock.Socket, peer polysock.Address, gone chan<- struct{}) {
	defer func() { gone <- struct{}{} }()
	defer conn.Close()
	fmt.Printf("%s:%d connected\n", peer.Host, peer.Port)
	// The socket is an io.Reader: bufio splits the stream into lines.
	lines := bufio.NewScanner(conn)
	for lines.Scan() {
		if err := conn.SendAll([]byte("echo: " + lines.Text() + "\n")); err != nil {
			break
		}
	}
	fmt.Printf("%s:%d left\n", peer.Host, peer.Port)
}

func main() {
	args := example.Args(2, 3, "HOST PORT [CLIENTS]  (exits after CLIENTS clients, 0 = never)")
	port := example.Number(args[1], 65535, "port")
	clients := 0
	if len(args) > 2 {
		clients = example.Number(args[2], 1<<30, "clients")
	}
	server, err := polysock.CreateServer(args[0], port, polysock.AF_INET, -1, false, false)
	if err != nil {
		example.Fail("create_server", err)
	}
	example.Listening(server)

	gone := make(chan struct{}, 16)
	done := make(chan struct{})
	go func() { // counts the clients that have left, and ends the program after CLIENTS
		for n := 1; ; n++ {
			<-gone
			if n == clients {
				close(done)
				return
			}
		}
	}()
	go func() {
		for {
			conn, peer, err := server.Accept()
			if err != nil {
				select {
				case <-done: // main closed the server on its way out: not a failure
					return
				default:
					example.Fail("accept", err)
				}
			}
			go serve(conn, peer, gone)
		}
	}()
	<-done
	server.Close()
}
