//go:build isolated

package polysock

import "testing"

// Run by the ctest go_host_error_isolated only, in a network namespace of its own (no
// interface up, so no query can leave the machine): a reverse lookup without an
// entry fails there with herror, whatever the resolver configuration says.
func TestIsolatedReverseLookupWithoutAnEntryIsHostError(t *testing.T) {
	_, err := Gethostbyaddr("192.0.2.1")
	pe := asError(t, err)
	if pe.Kind != HostError || pe.Errno == 0 || pe.Message == "" {
		t.Fatalf("got %v errno %d %q", pe.Kind, pe.Errno, pe.Message)
	}
	if pe.Unwrap() != nil {
		t.Fatalf("an herror unwraps to %v", pe.Unwrap())
	}
}
