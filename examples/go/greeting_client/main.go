// The client of greeting_server: connect, read until the server hangs up, print
// what came. A stream has no message boundaries; EOF (an empty Recv) is how this
// protocol says "that was all".
package main

import (
	"os"
	"time"

	"polysock.dev/examples/internal/example"
	"polysock.dev/polysock"
)

func main() {
	args := example.Args(2, 2, "HOST PORT")
	port := example.Number(args[1], 65535, "port")
	// CreateConnection tries each address of HOST in turn; the timeout bounds the
	// connect and every Recv, so a silent server cannot hang us.
	s, err := polysock.CreateConnection(args[0], port, 5*time.Second, "", 0)
	if err != nil {
		example.Fail("create_connection", err)
	}
	defer s.Close()
	for {
		data, err := s.Recv(1024)
		if err != nil {
			example.Fail("recv", err)
		}
		if len(data) == 0 {
			return
		}
		os.Stdout.Write(data)
	}
}
