package polysock

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Every CPython conformance vector of tests/data/python_socket_vectors.json through the
// Go API: the same result, or the same kind of error with the same errno and message.

type vector struct {
	Fn      string        `json:"fn"`
	Args    []interface{} `json:"args"`
	OK      bool          `json:"ok"`
	Result  interface{}   `json:"result"`
	Error   string        `json:"error"`
	Message string        `json:"message"`
}

func loadVectors(t *testing.T) []vector {
	path := os.Getenv("POLYSOCK_VECTORS")
	if path == "" {
		path = "../../tests/data/python_socket_vectors.json"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the vectors: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	var doc struct {
		Vectors []vector `json:"vectors"`
	}
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("the vectors: %v", err)
	}
	return doc.Vectors
}

// asInt64 is a JSON number as a C caller would pass it: clamped to int64 (the four
// vectors beyond 2**63 reach polysock as math.MaxInt64), and whether it was clamped.
func asInt64(t *testing.T, v interface{}) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("not a number: %v", v)
	}
	if i, err := n.Int64(); err == nil {
		return i, false
	}
	b, ok := new(big.Int).SetString(string(n), 10)
	if !ok {
		t.Fatalf("not an integer: %v", n)
	}
	if b.Sign() > 0 {
		return math.MaxInt64, true
	}
	return math.MinInt64, true
}

func str(v interface{}) string {
	if v == nil {
		return ""
	}
	return v.(string)
}

func unhex(t *testing.T, v interface{}) []byte {
	b, err := hex.DecodeString(v.(string))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// run calls the Go API for one vector and gives its result in the vectors' JSON shape.
func run(t *testing.T, v vector) (interface{}, error) {
	a := v.Args
	i := func(k int) int { n, _ := asInt64(t, a[k]); return int(n) }
	num := func(x int64, err error) (interface{}, error) { return json.Number(strconv.FormatInt(x, 10)), err }
	switch v.Fn {
	case "htons":
		x, _ := asInt64(t, a[0])
		return num(Htons(x))
	case "ntohs":
		x, _ := asInt64(t, a[0])
		return num(Ntohs(x))
	case "htonl":
		x, _ := asInt64(t, a[0])
		return num(Htonl(x))
	case "ntohl":
		x, _ := asInt64(t, a[0])
		return num(Ntohl(x))
	case "inet_aton":
		b, err := InetAton(str(a[0]))
		return hex.EncodeToString(b), err
	case "inet_ntoa":
		return InetNtoa(unhex(t, a[0]))
	case "inet_pton":
		b, err := InetPton(i(0), str(a[1]))
		return hex.EncodeToString(b), err
	case "inet_ntop":
		return InetNtop(i(0), unhex(t, a[1]))
	case "getservbyname":
		p, err := Getservbyname(str(a[0]), str(a[1]))
		return num(int64(p), err)
	case "getservbyport":
		return Getservbyport(i(0), str(a[1]))
	case "getprotobyname":
		p, err := Getprotobyname(str(a[0]))
		return num(int64(p), err)
	case "getaddrinfo_numeric":
		host, port := str(a[0]), fmt.Sprint(a[1])
		infos, err := Getaddrinfo(&host, &port, i(2), i(3), 0, AI_NUMERICHOST)
		if err != nil {
			return nil, err
		}
		out := []interface{}{}
		for _, ai := range infos {
			n := func(x int) json.Number { return json.Number(strconv.Itoa(x)) }
			out = append(out, []interface{}{n(ai.Family), n(ai.Type), n(ai.Proto),
				[]interface{}{ai.Addr.Host, n(ai.Addr.Port)}})
		}
		return out, nil
	case "getnameinfo_numeric":
		h, s, err := Getnameinfo(Address{Family: AF_INET, Host: str(a[0]), Port: i(1)},
			NI_NUMERICHOST|NI_NUMERICSERV)
		return []interface{}{h, s}, err
	}
	t.Fatalf("no runner for the vector function %s", v.Fn)
	return nil, nil
}

var errnoPrefix = regexp.MustCompile(`^\[Errno (-?\d+)\]`)

func TestVectorsFileHas589OfWhichFourExceedInt64(t *testing.T) {
	vs := loadVectors(t)
	if len(vs) != 589 {
		t.Fatalf("%d vectors, want 589", len(vs))
	}
	beyond := 0
	for _, v := range vs {
		if len(v.Args) > 0 {
			if n, ok := v.Args[0].(json.Number); ok {
				if _, err := n.Int64(); err != nil {
					beyond++
				}
			}
		}
	}
	if beyond != 4 {
		t.Fatalf("%d vectors beyond int64, want 4", beyond)
	}
}

func TestVectors(t *testing.T) {
	for k, v := range loadVectors(t) {
		v := v
		t.Run(fmt.Sprintf("%d_%s", k, v.Fn), func(t *testing.T) {
			got, err := run(t, v)
			if err == nil {
				if !v.OK {
					t.Fatalf("%v: want %s %q, got the result %v", v.Args, v.Error, v.Message, got)
				}
				if !reflect.DeepEqual(normalise(got), normalise(v.Result)) {
					t.Fatalf("%v: got %v, want %v", v.Args, got, v.Result)
				}
				return
			}
			if v.OK {
				t.Fatalf("%v: want %v, got the error %v", v.Args, v.Result, err)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("%v: not an *Error: %#v", v.Args, err)
			}
			kinds := map[string]Kind{"OS": OSError, "VALUE": ValueError, "GAI": GaiError, "HOST": HostError, "TIMEOUT": TimeoutError}
			if pe.Kind != kinds[v.Error] {
				t.Fatalf("%v: kind %v, want %s (%q)", v.Args, pe.Kind, v.Error, pe.Message)
			}
			want := v.Message
			if n, isNum := v.Args[0].(json.Number); isNum && !isInt64(n) && strings.Contains(want, "Python int too large to convert to C long") {
				// 2**63 reaches polysock clamped: CPython's next check speaks.
				want = "signed integer is greater than maximum"
			}
			if pe.Message != want {
				t.Fatalf("%v: message %q, want %q", v.Args, pe.Message, want)
			}
			wantErrno := 0
			if m := errnoPrefix.FindStringSubmatch(v.Message); m != nil {
				wantErrno, _ = strconv.Atoi(m[1])
			}
			if pe.Errno != wantErrno {
				t.Fatalf("%v: errno %d, want %d", v.Args, pe.Errno, wantErrno)
			}
		})
	}
}

func isInt64(n json.Number) bool {
	_, err := n.Int64()
	return err == nil
}

// normalise makes JSON numbers and Go values comparable.
func normalise(v interface{}) interface{} {
	switch x := v.(type) {
	case json.Number:
		return x.String()
	case []interface{}:
		out := make([]interface{}, len(x))
		for i := range x {
			out[i] = normalise(x[i])
		}
		return out
	}
	return v
}
