package polysock

import (
	"fmt"

	"polysock.dev/polysock/internal/raw"
)

// The constant table, read once from the native library.
var constantTable = loadConstants()

func loadConstants() map[string]int {
	if m := raw.LayoutMismatch(); m != "" {
		panic("polysock: the Go type " + m + " does not match its C struct")
	}
	n := raw.Constant_count()
	table := make(map[string]int, n)
	var name [128]byte
	var e raw.ErrBuf
	for i := int64(0); i < n; i++ {
		var v int64
		if raw.Constant_at(i, name[:], &v, &e) == 0 {
			table[raw.CString(name[:])] = int(v)
		}
	}
	return table
}

func constant(name string) int {
	v, ok := constantTable[name]
	if !ok {
		panic(fmt.Sprintf("polysock: the native library has no constant %s", name))
	}
	return v
}

// Constant is the host's value of a constant by its Python name ("AF_INET"), and
// whether the native library knows it.
func Constant(name string) (int, bool) {
	v, ok := constantTable[name]
	return v, ok
}

// Version is the native library's version, "MAJOR.MINOR.PATCH".
func Version() string {
	var b [64]byte
	n := raw.Version(b[:])
	if n < 0 {
		return ""
	}
	return string(b[:n])
}
