// A client for multi_client_server: sends "NAME line i" once a second and prints
// each echo. Run several at once to see the server interleave them. The interval
// can be shortened with POLYSOCK_EXAMPLE_INTERVAL (seconds), as the tests do.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"time"

	"polysock.dev/examples/internal/example"
	"polysock.dev/polysock"
)

func main() {
	args := example.Args(4, 4, "HOST PORT NAME LINES")
	port := example.Number(args[1], 65535, "port")
	lines := example.Number(args[3], 1000000, "lines")
	interval := time.Second
	if env := os.Getenv("POLYSOCK_EXAMPLE_INTERVAL"); env != "" {
		seconds, err := strconv.ParseFloat(env, 64)
		if err != nil || seconds < 0 {
			fmt.Fprintln(os.Stderr, "invalid POLYSOCK_EXAMPLE_INTERVAL:", env)
			os.Exit(2)
		}
		interval = time.Duration(seconds * float64(time.Second))
	}

	s, err := polysock.CreateConnection(args[0], port, 10*time.Second, "", 0)
	if err != nil {
		example.Fail("create_connection", err)
	}
	defer s.Close()
	replies := bufio.NewReader(s)
	ok := true
	for i := 1; i <= lines; i++ {
		line := fmt.Sprintf("%s line %d", args[2], i)
		if err := s.SendAll([]byte(line + "\n")); err != nil {
			example.Fail("sendall", err)
		}
		reply, err := replies.ReadString('\n')
		if err != nil {
			example.Fail("recv", err)
		}
		reply = reply[:len(reply)-1]
		fmt.Println(reply)
		ok = ok && reply == "echo: "+line
		if i < lines {
			time.Sleep(interval)
		}
	}
	if !ok {
		fmt.Fprintln(os.Stderr, "some replies were not the expected echo")
		os.Exit(1)
	}
}
