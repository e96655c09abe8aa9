package polysock

// TLS contexts: Python's ssl.SSLContext over the C ABI's tls_context (docs/go.md, TLS).

import (
	"runtime"
	"strings"
	"sync"

	"polysock.dev/polysock/internal/raw"
)

// Purpose is ssl.Purpose, for CreateDefaultContext and LoadDefaultCerts.
type Purpose int

const (
	PurposeServerAuth Purpose = raw.TLSPurposeServerAuth // a client's context, that verifies servers
	PurposeClientAuth Purpose = raw.TLSPurposeClientAuth // a server's context
)

// Protocol is the protocol of NewTLSContext (ssl.PROTOCOL_TLS_CLIENT / _SERVER).
type Protocol int

const (
	ProtocolTLSClient Protocol = raw.TLSProtocolClient // check_hostname on, CERT_REQUIRED, no CA loaded
	ProtocolTLSServer Protocol = raw.TLSProtocolServer // CERT_NONE, check_hostname off
)

// VerifyMode is ssl.VerifyMode.
type VerifyMode int

const (
	CertNone     VerifyMode = raw.TLSCertNone     // no certificate asked for (servers) or checked (clients)
	CertOptional VerifyMode = raw.TLSCertOptional // verified if given
	CertRequired VerifyMode = raw.TLSCertRequired // required and verified
)

func (m VerifyMode) String() string {
	switch m {
	case CertNone:
		return "CERT_NONE"
	case CertOptional:
		return "CERT_OPTIONAL"
	case CertRequired:
		return "CERT_REQUIRED"
	}
	return "VerifyMode(" + itoa(int(m)) + ")"
}

// TLSVersion is ssl.TLSVersion: the protocol's wire value, or one of the two sentinels.
type TLSVersion int

const (
	MinimumSupported TLSVersion = raw.TLSVersionMinimumSupported
	MaximumSupported TLSVersion = raw.TLSVersionMaximumSupported
	SSLv3            TLSVersion = raw.TLSVersionSSLv3
	TLSv1            TLSVersion = raw.TLSVersionTLSv1
	TLSv1_1          TLSVersion = raw.TLSVersionTLSv1_1
	TLSv1_2          TLSVersion = raw.TLSVersionTLSv1_2
	TLSv1_3          TLSVersion = raw.TLSVersionTLSv1_3
)

func (v TLSVersion) String() string {
	switch v {
	case MinimumSupported:
		return "MINIMUM_SUPPORTED"
	case MaximumSupported:
		return "MAXIMUM_SUPPORTED"
	case SSLv3:
		return "SSLv3"
	case TLSv1:
		return "TLSv1"
	case TLSv1_1:
		return "TLSv1_1"
	case TLSv1_2:
		return "TLSv1_2"
	case TLSv1_3:
		return "TLSv1_3"
	}
	return "TLSVersion(" + itoa(int(v)) + ")"
}

// TLSAvailable is false when the native library was built without TLS: every TLS
// function then fails with an error that satisfies errors.Is(err, ErrNotConfigured).
func TLSAvailable() bool { return raw.Tls_available() != 0 }

// OpenSSLVersion is ssl.OPENSSL_VERSION, e.g. "OpenSSL 3.0.17 1 Jul 2025".
func OpenSSLVersion() (string, error) { return text(raw.Tls_openssl_version) }

// TLSContext is ssl.SSLContext: the settings that WrapSocket and WrapBIO give their
// sockets and objects. Its methods are safe for concurrent use; sockets made from it
// keep what they need after Close.
type TLSContext struct {
	h    uint64
	once sync.Once
}

func newTLSContext(byProtocol, value int) (*TLSContext, error) {
	var h uint64
	var e raw.ErrBuf
	if raw.Tls_context_create(byProtocol, value, &h, &e) != 0 {
		return nil, fromBuf(&e)
	}
	c := &TLSContext{h: h}
	runtime.SetFinalizer(c, (*TLSContext).Close)
	return c, nil
}

// CreateDefaultContext is ssl.create_default_context(purpose): TLS 1.2 or newer,
// Python's ciphers and options, the system CA store; for PurposeServerAuth a client
// context with CheckHostname on and CertRequired, for PurposeClientAuth a server
// context with CertNone.
func CreateDefaultContext(purpose Purpose) (*TLSContext, error) {
	return newTLSContext(0, int(purpose))
}

// NewTLSContext is ssl.SSLContext(protocol), with no CA loaded.
func NewTLSContext(protocol Protocol) (*TLSContext, error) {
	return newTLSContext(1, int(protocol))
}

// Close releases the context; closing it again does nothing.
func (c *TLSContext) Close() error {
	c.once.Do(func() {
		runtime.SetFinalizer(c, nil)
		var e raw.ErrBuf
		raw.Tls_context_close(c.h, &e)
	})
	return nil
}

// call runs a context shim and turns its failure into an *Error.
func (c *TLSContext) call(f func(*raw.ErrBuf) int) error {
	var e raw.ErrBuf
	rc := f(&e)
	runtime.KeepAlive(c)
	if rc != 0 {
		return errOf(rc, &e)
	}
	return nil
}

// errOf is the Error of a shim's status: its buffer, or (for a status the shim
// returned without recording it, such as a bad attribute) the status alone.
func errOf(rc int, e *raw.ErrBuf) *Error {
	if e.Status == 0 {
		return &Error{Kind: Kind(rc), Message: ""}
	}
	return fromBuf(e)
}

// optional is a Go string as C's optional one: "" is None (NULL).
func optional(s string) (string, int) { return s, b2i(s == "") }

// LoadCertChain is load_cert_chain(certfile, keyfile, password): keyfile "" means the
// key is in certfile, password "" none. A missing file is the ENOENT OSError, a bad
// one an SSLError ("[SSL] PEM lib ...").
func (c *TLSContext) LoadCertChain(certfile, keyfile, password string) error {
	if err := noNUL(certfile, keyfile, password); err != nil {
		return err
	}
	k, kn := optional(keyfile)
	p, pn := optional(password)
	return c.call(func(e *raw.ErrBuf) int { return raw.Tls_load_cert_chain(c.h, certfile, k, kn, p, pn, e) })
}

// LoadVerifyLocations is load_verify_locations(cafile, capath, cadata): "" and nil are
// None; cadata is PEM text or DER bytes.
func (c *TLSContext) LoadVerifyLocations(cafile, capath string, cadata []byte) error {
	if err := noNUL(cafile, capath); err != nil {
		return err
	}
	f, fn := optional(cafile)
	p, pn := optional(capath)
	d := heapCopy(cadata)
	err := c.call(func(e *raw.ErrBuf) int {
		return raw.Tls_load_verify_locations(c.h, f, fn, p, pn, bufAddr(d), int64(len(d)), b2i(cadata == nil), e)
	})
	runtime.KeepAlive(d)
	return err
}

// LoadDefaultCerts is load_default_certs(purpose): the system CA store.
func (c *TLSContext) LoadDefaultCerts(purpose Purpose) error {
	return c.call(func(e *raw.ErrBuf) int { return raw.Tls_load_default_certs(c.h, int(purpose), e) })
}

func (c *TLSContext) get(attr int) (int, error) {
	var v int64
	err := c.call(func(e *raw.ErrBuf) int { return raw.Tls_context_get(c.h, attr, &v, e) })
	return int(v), err
}

func (c *TLSContext) set(attr, value int) error {
	return c.call(func(e *raw.ErrBuf) int { return raw.Tls_context_set(c.h, attr, value, e) })
}

// VerifyMode is verify_mode.
func (c *TLSContext) VerifyMode() (VerifyMode, error) {
	v, err := c.get(raw.TLSAttrVerifyMode)
	return VerifyMode(v), err
}

// SetVerifyMode is verify_mode = mode. As Python, CertNone while CheckHostname is on is
// the ValueError "Cannot set verify_mode to CERT_NONE when check_hostname is enabled."
func (c *TLSContext) SetVerifyMode(mode VerifyMode) error {
	return c.set(raw.TLSAttrVerifyMode, int(mode))
}

// CheckHostname is check_hostname.
func (c *TLSContext) CheckHostname() (bool, error) {
	v, err := c.get(raw.TLSAttrCheckHostname)
	return v != 0, err
}

// SetCheckHostname is check_hostname = on; turning it on with CertNone makes the
// mode CertRequired, as Python.
func (c *TLSContext) SetCheckHostname(on bool) error {
	return c.set(raw.TLSAttrCheckHostname, b2i(on))
}

// MinimumVersion is minimum_version.
func (c *TLSContext) MinimumVersion() (TLSVersion, error) {
	v, err := c.get(raw.TLSAttrMinimumVersion)
	return TLSVersion(v), err
}

// SetMinimumVersion is minimum_version = v.
func (c *TLSContext) SetMinimumVersion(v TLSVersion) error {
	return c.set(raw.TLSAttrMinimumVersion, int(v))
}

// MaximumVersion is maximum_version.
func (c *TLSContext) MaximumVersion() (TLSVersion, error) {
	v, err := c.get(raw.TLSAttrMaximumVersion)
	return TLSVersion(v), err
}

// SetMaximumVersion is maximum_version = v.
func (c *TLSContext) SetMaximumVersion(v TLSVersion) error {
	return c.set(raw.TLSAttrMaximumVersion, int(v))
}

// SetCiphers is set_ciphers(ciphers): an OpenSSL cipher list for TLS 1.2 and older;
// none matching is the SSLError "No cipher can be selected."
func (c *TLSContext) SetCiphers(ciphers string) error {
	if err := noNUL(ciphers); err != nil {
		return err
	}
	return c.call(func(e *raw.ErrBuf) int { return raw.Tls_set_ciphers(c.h, ciphers, e) })
}

// SetALPNProtocols is set_alpn_protocols(protocols), in order of preference, e.g.
// []string{"h2", "http/1.1"}; nil or empty clears. A name that is empty, longer than
// 255 bytes or holds a ',' (the C ABI's separator) is a ValueError.
func (c *TLSContext) SetALPNProtocols(protocols []string) error {
	for _, p := range protocols {
		switch {
		case p == "" || len(p) > 255:
			return errValue("ALPN protocols must be 1 to 255 in length")
		case strings.ContainsAny(p, ",\x00"):
			return errValue("ALPN protocol names cannot contain ',' or NUL: " + p)
		}
	}
	joined := strings.Join(protocols, ",")
	return c.call(func(e *raw.ErrBuf) int { return raw.Tls_set_alpn_protocols(c.h, joined, e) })
}
