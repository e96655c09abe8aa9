// The smallest honest HTTP/1.1 server: read the request head (up to the blank
// line), answer with a fixed text, close. Content-Length and "Connection: close"
// tell the client where the body ends. Try: curl http://127.0.0.1:PORT/
//
// (A polysock socket is also a net.Listener, so net/http can serve on it; this
// example shows the protocol itself.)
package main

import (
	"bytes"
	"fmt"
	"time"

	"polysock.dev/examples/internal/example"
	"polysock.dev/polysock"
)

const body = "hello from polysock go\n"

// readHead reads until "\r\n\r\n"; false if the client went away or sent a head
// larger than 8 KiB.
func readHead(conn *polysock.Socket) bool {
	var head []byte
	for len(head) < 8192 {
		data, err := conn.Recv(8192 - len(head))
		if err != nil || len(data) == 0 {
			return false
		}
		head = append(head, data...)
		if bytes.Contains(head, []byte("\r\n\r\n")) {
			return true
		}
	}
	return false
}

func main() {
	args := example.Args(2, 3, "HOST PORT [COUNT]  (answers COUNT requests, 0 = forever)")
	port := example.Number(args[1], 65535, "port")
	count := 0
	if len(args) > 2 {
		count = example.Number(args[2], 1<<30, "count")
	}
	server, err := polysock.CreateServer(args[0], port, polysock.AF_INET, -1, false, false)
	if err != nil {
		example.Fail("create_server", err)
	}
	defer server.Close()
	example.Listening(server)
	response := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"+
		"Connection: close\r\n\r\n%s", len(body), body)
	for done := 0; count == 0 || done < count; done++ {
		conn, peer, err := server.Accept()
		if err != nil {
			example.Fail("accept", err)
		}
		conn.SetTimeout(10 * time.Second) // a client that never finishes its request
		if readHead(conn) && conn.SendAll([]byte(response)) == nil {
			fmt.Printf("answered %s:%d\n", peer.Host, peer.Port)
		}
		conn.Close()
	}
}
