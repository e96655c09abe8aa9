// A UDP echo server. UDP has no connections: every Recvfrom says who sent the
// datagram, and Sendto answers that address. Each datagram arrives whole or not at
// all, so one Recvfrom is one message. Try: socat - UDP:127.0.0.1:PORT
package main

import (
	"fmt"

	"polysock.dev/examples/internal/example"
	"polysock.dev/polysock"
)

func main() {
	args := example.Args(2, 3, "HOST PORT [COUNT]  (echoes COUNT datagrams, 0 = forever)")
	port := example.Number(args[1], 65535, "port")
	count := 0
	if len(args) > 2 {
		count = example.Number(args[2], 1<<30, "count")
	}
	s, err := polysock.NewSocket(polysock.AF_INET, polysock.SOCK_DGRAM, 0)
	if err != nil {
		example.Fail("socket", err)
	}
	defer s.Close()
	if err := s.Bind(args[0], port); err != nil {
		example.Fail("bind", err)
	}
	example.Listening(s)
	for done := 0; count == 0 || done < count; done++ {
		// 65535 bytes: the largest datagram; a smaller buffer would cut longer ones.
		data, from, err := s.Recvfrom(65535)
		if err != nil {
			example.Fail("recvfrom", err)
		}
		if _, err := s.Sendto(data, from.Host, from.Port); err != nil {
			example.Fail("sendto", err)
		}
		fmt.Printf("echoed %d bytes to %s:%d\n", len(data), from.Host, from.Port)
	}
}
