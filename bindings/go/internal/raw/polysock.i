/*
 * SWIG interface of the Go binding's raw layer (package polysock.dev/polysock/internal/raw):
 * the shims of polysock_go.h, not the C ABI itself, because every failure must carry
 * its errno and message out of the same cgo call (see polysock_go.h).
 *
 *   swig -go -cgo -intgosize 64 -o raw_wrap.c polysock.i   (then gofmt raw.go)
 *
 * The output (raw.go, raw_wrap.c) is committed: a Go consumer builds the module with
 * `go build` alone, without CMake or SWIG; the ctest go_swig_current regenerates it and
 * fails when the committed copy is stale.
 *
 * Widths are explicit: handles uint64, sizes and results int64 (-intgosize 64).
 * Buffers are Go slices passed without a copy; structs are Go types of raw/types.go
 * with the C layout, passed by pointer (Go memory without Go pointers, as cgo allows).
 */
%module raw

%{
#include "polysock_go.h"
%}

%include <stdint.i>

/* Result buffers the Go layer allocates: a Go slice, its array and length passed as
 * they are. Caller buffers are (uintptr_t, size_t) pairs instead (see polysock_go.h). */
%define PGO_SLICE(CTYPE, GOTYPE)
%typemap(gotype) (CTYPE *BUF, size_t LEN) "GOTYPE"
%typemap(in) (CTYPE *BUF, size_t LEN) %{ $1 = ($1_ltype)$input.array; $2 = (size_t)$input.len; %}
%enddef
PGO_SLICE(void, []byte)
PGO_SLICE(char, []byte)
PGO_SLICE(unsigned char, []byte)
PGO_SLICE(net_addrinfo, []AddrInfo)
PGO_SLICE(net_if_entry, []IfEntry)
PGO_SLICE(sock_event, []Event)
PGO_SLICE(const sock_iovec, []IOVec)
PGO_SLICE(const sock_cmsg, []Cmsg)
PGO_SLICE(sock_cmsg, []Cmsg)
PGO_SLICE(const int, []int32)
PGO_SLICE(int, []int32)

/* Caller buffers: the address of the slice's first byte (see polysock_go.h). */
%typemap(gotype) uintptr_t "uintptr"

/* Structs: a pointer to the Go type of the same layout. */
%define PGO_PTR(CTYPE, GOTYPE)
%typemap(gotype) CTYPE * "*GOTYPE"
%typemap(imtype) CTYPE * "unsafe.Pointer"
%typemap(goin) CTYPE * "$result = unsafe.Pointer($input)"
%typemap(in) CTYPE * %{ $1 = ($1_ltype)$input; %}
%enddef
/* The error record, which every shim takes: passed as an address, as caller buffers
 * are, so that cgo does not check on each call that a struct without pointer fields
 * holds no Go pointer (about 250 instructions a call, a quarter of a would-block recv).
 * The dead store after the call keeps what cgo's own check gave: the record escapes to
 * the heap, where the collector never moves it, and stays alive until the call ends. */
%typemap(gotype) pgo_err * "*ErrBuf"
%typemap(imtype) pgo_err * "uintptr"
%typemap(goin) pgo_err * "$result = uintptr(unsafe.Pointer($input))"
%typemap(goargout) pgo_err * %{
	if Swig_escape_always_false {
		Swig_escape_val = $1
	}
%}
%typemap(in) pgo_err * %{ $1 = ($1_ltype)$input; %}
PGO_PTR(pgo_newsock, NewSock)
PGO_PTR(sock_address, SockAddress)
PGO_PTR(const sock_address, SockAddress)
PGO_PTR(uint64_t, uint64)
PGO_PTR(int64_t, int64)
PGO_PTR(double, float64)
PGO_PTR(sock_msg_info, MsgInfo)
PGO_PTR(tls_cipher_info, CipherInfo)
PGO_PTR(tls_cert_info, CertInfo)
PGO_PTR(tls_cert_entry, CertEntry)

/* Strings in: Go strings; SWIG copies them NUL-terminated for the call. */

/* Only the shims are wrapped; structs are Go types, never SWIG proxies. */
%ignore pgo_err;
%ignore pgo_newsock;
%ignore pgo_fail;
%ignore pgo_adopt;
%ignore pgo_adopt_keep;
%ignore pgo_interrupt_flag_ptr;
/* The attribute numbers of pgo_tls_context_get/_set: cgo.go reads them from C. */
%ignore PGO_TLS_VERIFY_MODE;
%ignore PGO_TLS_CHECK_HOSTNAME;
%ignore PGO_TLS_MINIMUM_VERSION;
%ignore PGO_TLS_MAXIMUM_VERSION;

%rename("%(strip:[pgo_])s") "";

%apply (void *BUF, size_t LEN) { (void *buf, size_t buflen) };
/* The TLS functions of the C ABI are reached only through the pgo_tls_* shims, which
 * read tls_last_error() in the failing call, as every shim reads its errno. */
%apply (char *BUF, size_t LEN) { (char *buf, size_t buflen), (char *host, size_t host_len), (char *serv, size_t serv_len) };
%apply (unsigned char *BUF, size_t LEN) { (unsigned char *buf, size_t buflen) };
%apply (net_addrinfo *BUF, size_t LEN) { (net_addrinfo *out, size_t max) };
%apply (net_if_entry *BUF, size_t LEN) { (net_if_entry *out, size_t max) };
%apply (sock_event *BUF, size_t LEN) { (sock_event *events, size_t max_events) };
%apply (const sock_iovec *BUF, size_t LEN) { (const sock_iovec *iov, size_t niov) };
%apply (const sock_cmsg *BUF, size_t LEN) { (const sock_cmsg *anc, size_t nanc) };
%apply (sock_cmsg *BUF, size_t LEN) { (sock_cmsg *out, size_t max) };
%apply (const int *BUF, size_t LEN) { (const int *fds, size_t nfds) };
%apply (int *BUF, size_t LEN) { (int *fds, size_t maxfds) };

%include "polysock_go.h"
