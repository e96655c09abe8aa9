// The socket module's lookups and conversions, each printed as Python would show
// it. Names go through the system's resolver (/etc/hosts first, as configured in
// nsswitch.conf), so try it with localhost, 127.0.0.1 or ::1.
package main

import (
	"fmt"
	"os"
	"strings"

	"polysock.dev/examples/internal/example"
	"polysock.dev/polysock"
)

func quoted(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = "'" + s + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func entry(call string, he polysock.HostEntry, err error) {
	if err != nil {
		example.Fail(call, err)
	}
	fmt.Printf("%s = ('%s', %s, %s)\n", call, he.Name, quoted(he.Aliases), quoted(he.Addresses))
}

// roundTrip6 is inet_pton then inet_ntop: the text comes back in canonical form.
func roundTrip6(text string) {
	packed, err := polysock.InetPton(polysock.AF_INET6, text)
	if err != nil {
		example.Fail("inet_pton", err)
	}
	back, err := polysock.InetNtop(polysock.AF_INET6, packed)
	if err != nil {
		example.Fail("inet_ntop", err)
	}
	fmt.Printf("inet_pton(AF_INET6, '%s') = %x, inet_ntop -> '%s'\n", text, packed, back)
}

func main() {
	args := example.Args(0, 1, "[HOST]  (default localhost)")
	host := "localhost"
	if len(args) > 0 {
		host = args[0]
	}
	name, err := polysock.Gethostname()
	if err != nil {
		example.Fail("gethostname", err)
	}
	fmt.Printf("gethostname() = '%s'\n", name)
	addr, err := polysock.Gethostbyname(host)
	if err != nil {
		example.Fail("gethostbyname", err)
	}
	fmt.Printf("gethostbyname('%s') = '%s'\n", host, addr)
	he, err := polysock.GethostbynameEx(host)
	entry(fmt.Sprintf("gethostbyname_ex('%s')", host), he, err)
	he, err = polysock.Gethostbyaddr("127.0.0.1")
	entry("gethostbyaddr('127.0.0.1')", he, err)

	// One entry per address the resolver offers; we asked for TCP only.
	port := "80"
	infos, err := polysock.Getaddrinfo(&host, &port, 0, polysock.SOCK_STREAM, 0, 0)
	if err != nil {
		example.Fail("getaddrinfo", err)
	}
	for i, ai := range infos {
		family := "AF_INET"
		if ai.Family == polysock.AF_INET6 {
			family = "AF_INET6"
		}
		fmt.Printf("getaddrinfo('%s', 80, SOCK_STREAM)[%d] = (%s, SOCK_STREAM, %d, '%s', ('%s', %d))\n",
			host, i, family, ai.Proto, ai.Canonname, ai.Addr.Host, ai.Addr.Port)
	}

	http, err := polysock.Getservbyname("http", "tcp")
	if err != nil {
		example.Fail("getservbyname", err)
	}
	fmt.Printf("getservbyname('http', 'tcp') = %d\n", http)
	service, err := polysock.Getservbyport(80, "tcp")
	if err != nil {
		example.Fail("getservbyport", err)
	}
	fmt.Printf("getservbyport(80, 'tcp') = '%s'\n", service)
	tcp, err := polysock.Getprotobyname("tcp")
	if err != nil {
		example.Fail("getprotobyname", err)
	}
	fmt.Printf("getprotobyname('tcp') = %d\n", tcp)

	packed, err := polysock.InetAton("127.0.0.1")
	if err != nil {
		example.Fail("inet_aton", err)
	}
	text, err := polysock.InetNtoa(packed)
	if err != nil {
		example.Fail("inet_ntoa", err)
	}
	fmt.Printf("inet_aton('127.0.0.1') = %x, inet_ntoa -> '%s'\n", packed, text)
	roundTrip6("::1")
	roundTrip6("2001:db8::1")

	// Nine groups are one too many: inet_pton refuses, as Python does.
	if _, err := polysock.InetPton(polysock.AF_INET6, "1:2:3:4:5:6:7:8:9"); err == nil {
		fmt.Fprintln(os.Stderr, "inet_pton accepted an invalid IPv6 address")
		os.Exit(1)
	} else {
		fmt.Printf("inet_pton(AF_INET6, '1:2:3:4:5:6:7:8:9') refused: %v\n", err)
	}

	// Network byte order is big-endian; on a little-endian machine htons swaps.
	a, err1 := polysock.Htons(1)
	b, err2 := polysock.Ntohs(a)
	c, err3 := polysock.Htonl(1)
	d, err4 := polysock.Ntohl(c)
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			example.Fail("byte order", err)
		}
	}
	fmt.Printf("htons(1) = %d, ntohs(%d) = %d, htonl(1) = %d, ntohl(%d) = %d\n", a, a, b, c, c, d)
}
