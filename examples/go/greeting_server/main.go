// The classic first socket program: a server that greets each client by its
// address and hangs up. Closing the connection is the end of the message, so the
// client simply reads until EOF.
package main

import (
	"fmt"
	"os"

	"polysock.dev/examples/internal/example"
	"polysock.dev/polysock"
)

func main() {
	args := example.Args(2, 3, "HOST PORT [COUNT]  (greets COUNT clients, 0 = forever)")
	port := example.Number(args[1], 65535, "port")
	count := 1
	if len(args) > 2 {
		count = example.Number(args[2], 1<<30, "count")
	}
	// CreateServer sets SO_REUSEADDR: a restarted server gets its port back at once.
	server, err := polysock.CreateServer(args[0], port, polysock.AF_INET, -1, false, false)
	if err != nil {
		example.Fail("create_server", err)
	}
	defer server.Close()
	example.Listening(server)
	for served := 0; count == 0 || served < count; served++ {
		conn, peer, err := server.Accept()
		if err != nil {
			example.Fail("accept", err)
		}
		// SendAll, not Send: one send may take only part of the bytes.
		greeting := fmt.Sprintf("Thank you for connecting, %s:%d\n", peer.Host, peer.Port)
		if err := conn.SendAll([]byte(greeting)); err != nil {
			fmt.Fprintln(os.Stderr, "sendall:", err) // that client only: serve the next
		}
		fmt.Printf("greeted %s:%d\n", peer.Host, peer.Port)
		conn.Close()
	}
}
